"""Shared fixtures. Qt must be told to run offscreen before anything imports it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from bkdesk.model.store.databases import init_database  # noqa: E402

TEST_COMMUNE = "01954"  # Xã Vân Tùng, the unit whose type changed in 2023
TEST_USER = "kiemthu"
TEST_PASSWORD = "mat-khau-kiem-thu"


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "bkdesk.sqlite"


@pytest.fixture
def db(db_path):
    """A fresh commune database on disk (real SQLite file, WAL)."""
    conn = init_database(db_path, "commune", TEST_COMMUNE, officer="Cán bộ kiểm thử")
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path, monkeypatch):
    """Keep tests away from the real user data, settings and log folders."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    # the command line logs in from these (a test of their absence removes them)
    monkeypatch.setenv("BKDESK_USER", TEST_USER)
    monkeypatch.setenv("BKDESK_PASSWORD", TEST_PASSWORD)


@pytest.fixture(autouse=True)
def _fresh_keyring(monkeypatch):
    """Each test starts logged out; in this process password hashing is cheap (the cost is stored with each
    key entry, so files made here still open anywhere; subprocesses use the real cost)."""
    from bkdesk.model.store import keyfile, keyring

    monkeypatch.setattr(keyfile, "SCRYPT_N", 2 ** 12)
    keyring.forget()
    yield
    keyring.forget()
