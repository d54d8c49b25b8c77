"""Files people author that come into bkdesk: B1 points tables, plan targets, data-entry templates."""
