"""Sync package fixtures (shared with tests/ui through tests.export.sync_fixtures)."""

from tests.export.sync_fixtures import commune_pkg, other_district_pkg  # noqa: F401
