"""Deterministic demo data (a commune, a district or the whole province)."""
