"""Secondary screens: wizard, rounds, dashboard, merge, conflicts, export, restore, about, settings."""
