"""Property: merging the same set of packages in any order gives the same database content."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bkdesk.model.store import settings as db_settings
from bkdesk.model.store.databases import init_database
from tests.export.sync_data import content, edit_household, new_commune_db
from tests.export.sync_keys import merge_files, write_package

_COUNTER = itertools.count()


def _packages(folder):
    """Two communes, one of them exported twice (before and after an edit): 3 packages."""
    a = new_commune_db(folder / "a.sqlite", "01954", 3, seed=21)
    b = new_commune_db(folder / "b.sqlite", "01945", 2, seed=22)
    pa1, _ = write_package(a, "01954", 2022, folder / "a1.xlsx")
    uid = a.execute("SELECT min(uid) FROM household").fetchone()[0]
    edit_household(a, uid, "cb", db_settings.installation_id(a), address="Thôn Bản Chang", phone="0987000111")
    pa2, _ = write_package(a, "01954", 2022, folder / "a2.xlsx")
    pb, _ = write_package(b, "01945", 2022, folder / "b.xlsx")
    a.close()
    b.close()
    return [pa1, pa2, pb]


def test_any_order_same_content(tmp_path_factory):
    folder = tmp_path_factory.mktemp("orders")
    pkgs = _packages(folder)
    ref = init_database(folder / "ref.sqlite", "district", "062")
    merge_files(ref, folder / "ref.sqlite", pkgs, trust_new=True)
    expected = content(ref)
    ref.close()

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(order=st.permutations(range(len(pkgs))), batches=st.integers(1, 3))
    def check(order, batches):
        path = folder / f"d{next(_COUNTER)}.sqlite"
        conn = init_database(path, "district", "062")
        files = [pkgs[i] for i in order]
        size = -(-len(files) // batches)
        for start in range(0, len(files), size):  # one merge call, or several
            merge_files(conn, path, files[start:start + size], trust_new=True)
        got = content(conn)
        conn.close()
        assert got == expected

    check()
