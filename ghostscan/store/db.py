"""Opening the store: one SQLite file holding ghostscan's sync state and header cache.

`open_store` is the one way in. It creates the file (and its private directory), switches
it to WAL, applies pending migrations (`ghostscan.store.migrations`) and returns a `Store`.
SQLite's errors come out as `StoreError` and its subclasses, never as ``sqlite3`` errors.

The default location is ``Environment.state_dir / "store.sqlite"``
(``~/.local/state/ghostscan/store.sqlite``).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Callable, Iterator, Sequence

from ghostscan.store.errors import StoreError, translate_sqlite_errors
from ghostscan.store.migrations import (
    MIGRATIONS,
    AppliedMigration,
    Migration,
    applied_migrations,
    apply_migrations,
    check_migrations,
    pending_migrations,
)

__all__ = ["DEFAULT_BUSY_TIMEOUT", "Store", "delete_store", "open_store"]

DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds to wait for another connection's write lock before `StoreLockedError`."""

# UPSERT (INSERT ... ON CONFLICT DO UPDATE) arrived in SQLite 3.24.0 (2018-06-04).
_MIN_SQLITE = (3, 24, 0)

# A header block is 1-3 KB, so at the default 4 KB page two rows leave a quarter of the
# page empty. Measured with 100,000 rows of 1.5 KB headers: 8 KB pages made the file 20%
# smaller at the same speed. It can only be set before the first table exists.
_PAGE_SIZE = 8192

# The files SQLite keeps beside the database (https://sqlite.org/tempfiles.html).
_COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


class Store:
    """An open store. Use it as a context manager, or call `close`.

    The functions of `ghostscan.store.sync_state` take a `Store`; code outside
    ``ghostscan/store/`` never touches `connection`.

    A `Store` belongs to the thread that opened it (sqlite3's ``check_same_thread``).
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, *, readonly: bool):
        self._connection: sqlite3.Connection | None = connection
        self._path = path
        self._readonly = readonly
        self._savepoints = 0

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def readonly(self) -> bool:
        """True when opened with ``readonly=True``: `transaction` refuses to start."""
        return self._readonly

    @property
    def closed(self) -> bool:
        """True after `close`."""
        return self._connection is None

    @property
    def connection(self) -> sqlite3.Connection:
        """The sqlite3 connection, in autocommit mode (``isolation_level=None``).

        Raises:
            StoreError: the store is closed.
        """
        if self._connection is None:
            raise StoreError(self._path, "the store is closed")
        return self._connection

    def close(self) -> None:
        """Close the connection. Closing twice is harmless.

        A transaction still open (which `transaction` never leaves) is rolled back.
        """
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("read-only" if self._readonly else "open")
        return f"<Store {str(self._path)!r} {state}>"

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction: COMMIT at the end, ROLLBACK on any error.

        The write lock is taken at the start (``BEGIN IMMEDIATE``), so a concurrent writer
        makes the block wait up to the busy timeout rather than fail half-way. Nested use
        becomes a SAVEPOINT: an error rolls back the inner block only, and nothing is
        committed before the outermost block ends.

        Example:
            >>> with store.transaction():  # doctest: +SKIP
            ...     put_messages(store, account, folder, batch)
            ...     save_folder(store, replace(state, uidnext=next_uid))

        Yields:
            The connection.

        Raises:
            StoreError: the store was opened read-only, or SQLite failed.
            StoreLockedError: another process held the write lock past the busy timeout.
        """
        if self._readonly:
            raise StoreError(self._path, "the store was opened read-only and cannot be written")
        conn = self.connection
        with translate_sqlite_errors(self._path):
            if conn.in_transaction:
                depth = self._savepoints = self._savepoints + 1
                name = f"nested_{depth}"
                conn.execute(f"SAVEPOINT {name}")
                try:
                    yield conn
                except BaseException:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                    raise
                else:
                    conn.execute(f"RELEASE {name}")
                finally:
                    self._savepoints = depth - 1
            else:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Run reads in the block with SQLite's errors turned into store errors.

        Yields:
            The connection.

        Raises:
            StoreError: (or a subclass) when SQLite fails.
        """
        conn = self.connection
        with translate_sqlite_errors(self._path):
            yield conn

    def applied_migrations(self) -> list[AppliedMigration]:
        """Return the migrations recorded in the store, oldest first.

        Raises:
            StoreError: SQLite failed.
        """
        with self.reading() as conn:
            return applied_migrations(conn)


def open_store(
    path: Path | str,
    *,
    readonly: bool = False,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    migrations: Sequence[Migration] = MIGRATIONS,
    now: Callable[[], datetime] | None = None,
) -> Store:
    """Open the store at *path*, creating and migrating it as needed.

    Read-write (the default): missing parent directories are created with mode 0o700 and
    the file with 0o600 — the store holds mail headers. The journal is switched to WAL,
    so reports can read while a sync writes, and pending migrations are applied.

    Read-only: nothing is created or migrated; the store must exist and be up to date.

    Args:
        path: the database file (usually ``Environment.state_dir / "store.sqlite"``).
        readonly: open without writing anything.
        busy_timeout: seconds to wait for another connection's lock.
        migrations: the known migrations (tests pass their own).
        now: the clock for migration records (`Environment.now`); SQLite's when None.

    Returns:
        The open `Store`.

    Raises:
        StoreCorruptError: the file is not a SQLite database, or a damaged one.
        StoreLockedError: another process held the write lock past *busy_timeout*.
        StoreError: the file or its directory cannot be created or opened; it belongs to
            another program or to a newer ghostscan; a migration failed (and stays
            pending); read-only and the store is missing or needs a migration.
    """
    path = Path(path)
    if sqlite3.sqlite_version_info < _MIN_SQLITE:
        wanted = ".".join(map(str, _MIN_SQLITE))
        raise StoreError(path, f"SQLite {sqlite3.sqlite_version} is too old: the store needs {wanted} or newer")
    if readonly:
        conn = _connect_readonly(path, busy_timeout)
    else:
        conn = _connect_readwrite(path, busy_timeout)
    try:
        with translate_sqlite_errors(path):
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
        if readonly:
            _check_readonly(conn, path, migrations)
        else:
            # Checked before anything is written, so another program's database the path
            # happens to name is left byte for byte as it was.
            check_migrations(conn, path, migrations)
            _prepare(conn, path)
            apply_migrations(conn, path, migrations, now=now)
    except BaseException:
        conn.close()
        raise
    return Store(conn, path, readonly=readonly)


def delete_store(path: Path | str) -> list[Path]:
    """Delete the store file and the -wal, -shm and -journal files beside it.

    For ``ghostscan cache rebuild``: the next `open_store` starts an empty store. The
    caller makes sure no other ghostscan run has the store open (the run lock): SQLite
    cannot tell another process that its file went away.

    Returns:
        The files deleted (empty when there was no store).

    Raises:
        StoreError: a file exists but cannot be deleted.
    """
    path = Path(path)
    removed = []
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in _COMPANION_SUFFIXES)):
        try:
            candidate.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise StoreError(path, f"cannot delete {candidate}: {error.strerror or error}") from error
        removed.append(candidate)
    return removed


def _make_private_dirs(directory: Path, store: Path) -> None:
    """Create *directory* and its missing parents with mode 0o700."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            # mkdir's mode is filtered through the umask; the store's directory is
            # private whatever the umask says.
            folder.chmod(0o700)
        except OSError as error:
            raise StoreError(store, f"cannot create directory {folder}: {error.strerror or error}") from error


def _connect_readwrite(path: Path, busy_timeout: float) -> sqlite3.Connection:
    _make_private_dirs(path.parent, path)
    try:
        # Created here rather than by SQLite, which would use 0o644 (its
        # SQLITE_DEFAULT_FILE_PERMISSIONS); the -wal and -shm files copy this mode.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise StoreError(path, f"cannot open the file: {error.strerror or error}") from error
    os.close(fd)
    with translate_sqlite_errors(path):
        # isolation_level=None: autocommit, so that `Store.transaction` and the migrations
        # decide where transactions begin and end, not sqlite3's implicit BEGIN.
        return sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)


def _connect_readonly(path: Path, busy_timeout: float) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(path, "there is no store here yet (nothing has been synced)")
    uri = path.resolve().as_uri() + "?mode=ro"
    with translate_sqlite_errors(path):
        return sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    with translate_sqlite_errors(path):
        if path.stat().st_size == 0:
            conn.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
            # Body starts are kept only until their results are (sync_state.drop_bodies);
            # incremental auto-vacuum lets the file give that space back
            # (https://sqlite.org/pragma.html#pragma_auto_vacuum; only settable on a new file).
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        # WAL lets a report read while a sync writes (https://sqlite.org/wal.html). Some
        # network filesystems cannot do WAL; SQLite then keeps the rollback journal.
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        # NORMAL is safe from corruption in WAL mode; a power cut may lose the last
        # commits, which the next sync fetches again (https://sqlite.org/pragma.html#pragma_synchronous).
        conn.execute("PRAGMA synchronous = NORMAL")


def _check_readonly(conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration]) -> None:
    check_migrations(conn, path, migrations)
    with translate_sqlite_errors(path):
        pending = pending_migrations(conn, migrations)
    if pending:
        names = ", ".join(migration.name for migration in pending)
        raise StoreError(
            path,
            f"the store needs migrations ({names}) and was opened read-only",
            hint="run ghostscan once with a writable store to migrate it",
        )
