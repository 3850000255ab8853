"""open_store / Store / delete_store against real SQLite files in tmp_path."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from ghostscan.errors import OperationError
from ghostscan.store import (
    MIGRATIONS,
    CachedMessage,
    FolderState,
    Migration,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    count_messages,
    delete_store,
    get_folder,
    open_store,
    put_messages,
    save_folder,
)

REBUILD = "run 'ghostscan cache rebuild' to start it afresh"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def filled_store(path: Path, messages: int = 50) -> None:
    pad = b"x" * 1500
    batch = (CachedMessage(uid, b"Subject: offer %d\r\nX-Pad: %s\r\n" % (uid, pad)) for uid in range(1, messages + 1))
    with open_store(path) as store:
        save_folder(store, FolderState("anna@example.com", "INBOX", uidvalidity=7))
        put_messages(store, "anna@example.com", "INBOX", batch)


def test_missing_directories_are_created_private(tmp_path):
    path = tmp_path / "state" / "ghostscan" / "store.sqlite"

    with open_store(path):
        pass

    assert mode(tmp_path / "state") == 0o700
    assert mode(tmp_path / "state" / "ghostscan") == 0o700
    assert mode(path) == 0o600


def test_private_directory_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with open_store(tmp_path / "loose" / "store.sqlite"):
            pass
    finally:
        os.umask(old)
    assert mode(tmp_path / "loose") == 0o700


def test_existing_directory_is_left_as_it_is(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)

    with open_store(home / "store.sqlite"):
        pass

    assert mode(home) == 0o755


def test_store_is_wal_with_foreign_keys(tmp_path):
    with open_store(tmp_path / "store.sqlite") as store:
        assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert store.path == tmp_path / "store.sqlite"


def test_busy_timeout_option(tmp_path):
    with open_store(tmp_path / "store.sqlite", busy_timeout=0.25) as store:
        assert store.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 250


def test_garbage_file_is_corrupt_with_rebuild_hint(tmp_path):
    path = tmp_path / "store.sqlite"
    path.write_bytes(b"\x00\x13garbage, not SQLite\xff" * 300)

    with pytest.raises(StoreCorruptError) as caught:
        open_store(path)

    assert str(caught.value) == f"store {path}: the file is not a ghostscan store (corrupt?): {REBUILD}"
    assert caught.value.path == str(path)
    assert isinstance(caught.value, OperationError)


def test_garbage_file_read_only_is_corrupt_too(tmp_path):
    path = tmp_path / "store.sqlite"
    path.write_bytes(b"not a database at all\n" * 100)

    with pytest.raises(StoreCorruptError, match="cache rebuild"):
        open_store(path, readonly=True)


def test_damaged_pages_are_corrupt(tmp_path):
    path = tmp_path / "store.sqlite"
    filled_store(path)
    data = bytearray(path.read_bytes())
    # Keep SQLite's 100-byte file header, overwrite the schema page behind it.
    data[100:8192] = b"\x5a" * (8192 - 100)
    path.write_bytes(bytes(data))

    with pytest.raises(StoreCorruptError) as caught:
        with open_store(path) as store:
            count_messages(store, "anna@example.com", "INBOX")

    assert str(caught.value).endswith(REBUILD)


def test_rebuild_after_corruption_starts_an_empty_store(tmp_path):
    path = tmp_path / "store.sqlite"
    path.write_bytes(b"garbage" * 1000)

    removed = delete_store(path)

    assert removed == [path]
    with open_store(path) as store:
        assert get_folder(store, "anna@example.com", "INBOX") is None


def test_delete_store_removes_wal_and_shm(tmp_path):
    path = tmp_path / "store.sqlite"
    store = open_store(path)
    save_folder(store, FolderState("anna@example.com", "INBOX", uidvalidity=7))
    wal = tmp_path / "store.sqlite-wal"
    shm = tmp_path / "store.sqlite-shm"
    assert wal.exists() and shm.exists()  # WAL mode, connection still open
    store.close()
    # A crashed run leaves them behind; simulate that.
    wal.write_bytes(b"")
    shm.write_bytes(b"")

    removed = delete_store(path)

    assert sorted(removed) == sorted([path, wal, shm])
    assert list(tmp_path.iterdir()) == []
    assert delete_store(path) == []


def test_write_while_another_run_holds_the_lock(tmp_path):
    path = tmp_path / "store.sqlite"
    filled_store(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with open_store(path, busy_timeout=0.1) as store:
            # WAL: reading goes on while the other connection writes.
            assert count_messages(store, "anna@example.com", "INBOX") == 50
            started = time.monotonic()
            with pytest.raises(StoreLockedError) as caught:
                save_folder(store, FolderState("anna@example.com", "Sent", uidvalidity=1))
            waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert str(caught.value) == (
        f"store {path} is in use by another ghostscan run: wait for it to finish and try again"
    )
    assert 0.05 < waited < 3
    with open_store(path) as store:
        assert get_folder(store, "anna@example.com", "Sent") is None


def test_open_needing_a_migration_while_locked(tmp_path):
    path = tmp_path / "store.sqlite"
    filled_store(path)
    newer = (*MIGRATIONS, Migration("add_notes", lambda conn: conn.execute("CREATE TABLE notes (x)")))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreLockedError, match="in use by another ghostscan run"):
            open_store(path, busy_timeout=0.1, migrations=newer)
    finally:
        other.execute("ROLLBACK")
        other.close()

    with open_store(path, migrations=newer) as store:
        assert [m.name for m in store.applied_migrations()] == [*(m.name for m in MIGRATIONS), "add_notes"]


def test_lock_released_in_time_is_waited_for(tmp_path):
    path = tmp_path / "store.sqlite"
    filled_store(path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    releaser = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    releaser.start()
    try:
        with open_store(path, busy_timeout=5) as store:
            save_folder(store, FolderState("anna@example.com", "Sent", uidvalidity=1))
            assert get_folder(store, "anna@example.com", "Sent") is not None
    finally:
        releaser.join()
        other.close()


def test_another_programs_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "places.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()

    with pytest.raises(StoreError) as caught:
        open_store(path)

    assert not isinstance(caught.value, StoreCorruptError)  # no "rebuild": it is not ours to delete
    assert str(caught.value) == (
        f"store {path}: the file is a SQLite database of another program, not a ghostscan store: "
        "choose another store path"
    )
    assert path.read_bytes() == before


def test_read_only_store_must_exist(tmp_path):
    path = tmp_path / "nowhere" / "store.sqlite"

    with pytest.raises(StoreError, match="there is no store here yet"):
        open_store(path, readonly=True)

    assert not (tmp_path / "nowhere").exists()


def test_read_only_store_reads_and_refuses_writes(tmp_path):
    path = tmp_path / "store.sqlite"
    filled_store(path)

    with open_store(path, readonly=True) as store:
        assert store.readonly
        assert count_messages(store, "anna@example.com", "INBOX") == 50
        with pytest.raises(StoreError, match="opened read-only"):
            save_folder(store, FolderState("anna@example.com", "Sent", uidvalidity=1))


def test_read_only_store_that_needs_a_migration(tmp_path):
    path = tmp_path / "store.sqlite"
    filled_store(path)
    newer = (*MIGRATIONS, Migration("add_notes", lambda conn: conn.execute("CREATE TABLE notes (x)")))

    with pytest.raises(StoreError, match=r"needs migrations \(add_notes\) and was opened read-only"):
        open_store(path, readonly=True, migrations=newer)


def test_path_that_is_a_directory(tmp_path):
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path)
    assert str(caught.value).startswith(f"store {tmp_path}: cannot open the file")


def test_transaction_rolls_back_on_error(tmp_path):
    with open_store(tmp_path / "store.sqlite") as store:
        with pytest.raises(KeyError):
            with store.transaction():
                save_folder(store, FolderState("anna@example.com", "INBOX", uidvalidity=7))
                raise KeyError("boom")
        assert get_folder(store, "anna@example.com", "INBOX") is None
        assert not store.connection.in_transaction


def test_nested_transaction_rolls_back_the_inner_block_only(tmp_path):
    with open_store(tmp_path / "store.sqlite") as store:
        with store.transaction():
            save_folder(store, FolderState("anna@example.com", "INBOX", uidvalidity=7))
            with pytest.raises(ValueError):
                with store.transaction():
                    save_folder(store, FolderState("anna@example.com", "Sent", uidvalidity=1))
                    raise ValueError("inner")
        assert get_folder(store, "anna@example.com", "INBOX") is not None
        assert get_folder(store, "anna@example.com", "Sent") is None


def test_nothing_is_visible_to_others_before_the_outer_commit(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path) as store, open_store(path) as reader:
        with store.transaction():
            save_folder(store, FolderState("anna@example.com", "INBOX", uidvalidity=7))
            assert get_folder(reader, "anna@example.com", "INBOX") is None
        assert get_folder(reader, "anna@example.com", "INBOX") is not None


def test_closed_store(tmp_path):
    store = open_store(tmp_path / "store.sqlite")
    store.close()
    store.close()

    assert store.closed
    with pytest.raises(StoreError, match="the store is closed"):
        get_folder(store, "anna@example.com", "INBOX")
