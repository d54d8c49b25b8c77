"""The rules as data and pure functions: standards, indicators, classification, points, code lists,
units, validation, text and number formatting, plan-target arithmetic. No SQL, no Qt."""
