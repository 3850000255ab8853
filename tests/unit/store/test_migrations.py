"""Migrations: applied in order, each with its record, once; failures stay pending."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timezone

import pytest

from ghostscan.store import MIGRATIONS, Migration, StoreError, open_store
from ghostscan.store.migrations import apply_migrations, pending_migrations

AS_OF = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
CURRENT = [m.name for m in MIGRATIONS]


def tables(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def user_version(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def add_notes(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE notes (uid INTEGER, text TEXT)")


def broken(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE half_done (x)")
    conn.execute("ALTER TABLE no_such_table ADD COLUMN y")


def test_fresh_store_is_migrated_and_records_it(tmp_path):
    path = tmp_path / "store.sqlite"

    with open_store(path, now=lambda: AS_OF) as store:
        applied = store.applied_migrations()

    assert [(m.name, m.applied_at) for m in applied] == [(name, "2026-11-20T18:00:00+00:00") for name in CURRENT]
    assert {"folders", "messages", "migrations"} <= tables(path)
    assert user_version(path) == len(MIGRATIONS) == len(CURRENT) >= 2
    assert CURRENT[:2] == ["create_folders_and_messages", "add_bodies"]


def test_sqlite_clock_when_no_clock_is_given(tmp_path):
    with open_store(tmp_path / "store.sqlite") as store:
        applied = store.applied_migrations()[0]
    recorded = datetime.fromisoformat(applied.applied_at)
    assert recorded.tzinfo is not None
    assert recorded.year >= 2024


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path, now=lambda: AS_OF):
        pass

    later = datetime(2027, 1, 1, tzinfo=timezone.utc)
    with open_store(path, now=lambda: later) as store:
        applied = store.applied_migrations()
        assert apply_migrations(store.connection, path) == []

    assert [(m.name, m.applied_at) for m in applied] == [(name, "2026-11-20T18:00:00+00:00") for name in CURRENT]
    assert user_version(path) == len(CURRENT)


def test_new_migration_is_applied_once_on_the_next_open(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path):
        pass
    newer = (*MIGRATIONS, Migration("add_notes", add_notes))

    with open_store(path, migrations=newer) as store:
        names = [m.name for m in store.applied_migrations()]
    with open_store(path, migrations=newer):
        pass

    assert names == [*CURRENT, "add_notes"]
    assert "notes" in tables(path)
    assert user_version(path) == len(CURRENT) + 1


def test_failing_migration_rolls_back_and_stays_pending(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path):
        pass
    failing = (*MIGRATIONS, Migration("add_half_done", broken), Migration("add_notes", add_notes))

    with pytest.raises(StoreError) as caught:
        open_store(path, migrations=failing)

    assert str(caught.value) == f"store {path}: migration 'add_half_done' failed: no such table: no_such_table"
    assert "half_done" not in tables(path)  # the half that ran is rolled back
    assert "notes" not in tables(path)  # and nothing after it ran
    assert user_version(path) == len(CURRENT)
    conn = sqlite3.connect(path)
    try:
        assert [m.name for m in pending_migrations(conn, failing)] == ["add_half_done", "add_notes"]
    finally:
        conn.close()

    fixed = (*MIGRATIONS, Migration("add_half_done", lambda c: c.execute("CREATE TABLE half_done (x)")))
    fixed = (*fixed, Migration("add_notes", add_notes))
    with open_store(path, migrations=fixed) as store:
        assert [m.name for m in store.applied_migrations()] == [*CURRENT, "add_half_done", "add_notes"]
    assert user_version(path) == len(CURRENT) + 2


def test_failing_first_migration_leaves_an_empty_store_that_migrates_later(tmp_path):
    path = tmp_path / "store.sqlite"

    with pytest.raises(StoreError, match="migration 'create' failed"):
        open_store(path, migrations=(Migration("create", broken),))
    assert user_version(path) == 0

    with open_store(path) as store:
        assert [m.name for m in store.applied_migrations()] == CURRENT


def test_migration_raising_a_bug_rolls_back_and_propagates(tmp_path):
    path = tmp_path / "store.sqlite"

    def buggy(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        open_store(path, migrations=(*MIGRATIONS, Migration("buggy", buggy)))

    assert "half_done" not in tables(path)
    assert user_version(path) == len(CURRENT)


def test_store_from_a_newer_ghostscan_is_refused(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path, migrations=(*MIGRATIONS, Migration("add_notes", add_notes))):
        pass
    before = path.read_bytes()

    with pytest.raises(StoreError) as caught:
        open_store(path)

    assert str(caught.value) == (
        f"store {path}: it was written by a newer ghostscan (unknown migrations: add_notes): "
        "upgrade ghostscan, or run 'ghostscan cache rebuild' to start it afresh"
    )
    assert path.read_bytes() == before


def test_store_from_a_newer_ghostscan_is_refused_read_only_too(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path, migrations=(*MIGRATIONS, Migration("add_notes", add_notes))):
        pass

    with pytest.raises(StoreError, match="written by a newer ghostscan"):
        open_store(path, readonly=True)


def test_migration_that_commits_on_its_own_is_reported(tmp_path):
    def uses_executescript(conn: sqlite3.Connection) -> None:
        conn.executescript("CREATE TABLE notes (x);")

    with pytest.raises(StoreError, match="'add_notes' ended its own transaction"):
        open_store(tmp_path / "store.sqlite", migrations=(*MIGRATIONS, Migration("add_notes", uses_executescript)))


def test_duplicate_migration_names(tmp_path):
    with pytest.raises(ValueError, match="unique"):
        open_store(tmp_path / "store.sqlite", migrations=(*MIGRATIONS, *MIGRATIONS))


def test_migration_applied_meanwhile_by_another_run_is_not_applied_again(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path):
        pass
    runs: list[str] = []

    def counted(conn: sqlite3.Connection) -> None:
        runs.append("add_notes")
        add_notes(conn)

    newer = (*MIGRATIONS, Migration("add_notes", counted))
    # Another run is in the middle of applying "add_notes": it holds the write lock and
    # commits its migration and record 0.3 s from now.
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    add_notes(other)
    other.execute("INSERT INTO migrations (name, applied_at) VALUES ('add_notes', '2026-11-20T18:00:00+00:00')")
    other.execute("PRAGMA user_version = 2")
    releaser = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    releaser.start()
    try:
        started = time.monotonic()
        with open_store(path, migrations=newer) as store:
            waited = time.monotonic() - started
            names = [m.name for m in store.applied_migrations()]
    finally:
        releaser.join()
        other.close()

    assert waited >= 0.25  # it saw "add_notes" pending and waited for the lock
    assert runs == []  # then found it applied and did not run it again
    assert names == [*CURRENT, "add_notes"]
