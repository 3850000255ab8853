"""Named, ordered migrations, recorded in the store they changed.

The idea is sqlite-utils' ``Migrations``, in a few lines: a migration is a name and a
function of the connection. `apply_migrations` runs the pending ones in order, each in its
own transaction together with its row in the ``migrations`` table, so a migration is
either applied *and* recorded or neither. A failing one is rolled back and stays pending
for the next run. ``PRAGMA user_version`` mirrors the number applied, so the sqlite3 shell
(``PRAGMA user_version;``) tells which schema a file has without knowing ghostscan.

Writing a migration:

* append it to `MIGRATIONS`; never rename, reorder or edit a released one — its name is
  what older stores have recorded;
* run statements with ``conn.execute()``, never ``conn.executescript()``, which COMMITs
  before it starts and would record nothing about the half it ran;
* do not BEGIN, COMMIT or ROLLBACK: `apply_migrations` owns the transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from ghostscan.store.errors import REBUILD_HINT, StoreError, translate_sqlite_errors

__all__ = [
    "MIGRATIONS",
    "AppliedMigration",
    "Migration",
    "applied_migrations",
    "apply_migrations",
    "check_migrations",
    "pending_migrations",
]


@dataclass(frozen=True)
class Migration:
    """One schema change.

    Attributes:
        name: recorded in the ``migrations`` table once applied; unique, never changed.
        apply: changes the schema through the connection it is given, inside a
            transaction it must not end.
    """

    name: str
    apply: Callable[[sqlite3.Connection], None]


@dataclass(frozen=True)
class AppliedMigration:
    """A row of the ``migrations`` table.

    Attributes:
        name: `Migration.name`.
        applied_at: when it was applied, ISO 8601 with offset
            (``"2026-11-20T18:00:00+00:00"``).
    """

    name: str
    applied_at: str


_FOLDERS_AND_MESSAGES = (
    # One row per (account, folder) with what an incremental sync resumes from
    # (RFC 3501 section 2.3.1.1 UIDVALIDITY/UIDNEXT, RFC 7162 HIGHESTMODSEQ).
    """
    CREATE TABLE folders (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uidnext INTEGER,
        highestmodseq INTEGER,
        role TEXT,
        synced_at TEXT,
        PRIMARY KEY (account, folder)
    )
    """,
    # A rowid table, not WITHOUT ROWID: SQLite advises WITHOUT ROWID only for rows under
    # about a twentieth of a page (https://sqlite.org/withoutrowid.html section 4), and a
    # header block is 1-3 KB. Measured with 100,000 rows of 1.5 KB headers: at 4 KB pages
    # WITHOUT ROWID inserted 3.5x slower into a file twice the size; at the 8 KB pages
    # `open_store` sets, the two were even. The rowid table is never the slow one.
    """
    CREATE TABLE messages (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uid INTEGER NOT NULL,
        headers BLOB NOT NULL,
        size INTEGER,
        flags TEXT NOT NULL DEFAULT '',
        internal_date TEXT,
        modseq INTEGER,
        gm_msgid INTEGER,
        gm_thrid INTEGER,
        PRIMARY KEY (account, folder, uid),
        FOREIGN KEY (account, folder) REFERENCES folders (account, folder) ON DELETE CASCADE
    )
    """,
    # Gmail shows one message in several folders (labels) under one X-GM-MSGID; the index
    # lets a later stage keep one copy. Partial, since other servers have no such id.
    "CREATE INDEX messages_gm_msgid ON messages (gm_msgid) WHERE gm_msgid IS NOT NULL",
)


def _create_folders_and_messages(conn: sqlite3.Connection) -> None:
    for statement in _FOLDERS_AND_MESSAGES:
        conn.execute(statement)


def _add_bodies(conn: sqlite3.Connection) -> None:
    # The first part of a body, for the few messages whose kind needs their text
    # (bounces, auto-replies). Kept so a re-run of an unchanged mailbox sends no FETCH at
    # all; it goes when its message goes (cascade), e.g. on expunge or UIDVALIDITY change.
    conn.execute(
        """
        CREATE TABLE bodies (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uid INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (account, folder, uid),
            FOREIGN KEY (account, folder, uid) REFERENCES messages (account, folder, uid) ON DELETE CASCADE
        )
        """
    )


def _add_results(conn: sqlite3.Connection) -> None:
    # What classification and the language layer decided for a message, as JSON, under
    # the version of the rules that decided it: an unchanged message is never classified
    # or read again, and new rules (a new `version`) decide afresh.
    conn.execute(
        """
        CREATE TABLE results (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uid INTEGER NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (account, folder, uid, name),
            FOREIGN KEY (account, folder, uid) REFERENCES messages (account, folder, uid) ON DELETE CASCADE
        )
        """
    )


def _add_message_meta(conn: sqlite3.Connection) -> None:
    # The parsed header fields of a message in a compact record (see
    # ghostscan.parse.headers.pack_meta) and the version of that record: a re-run reads
    # these instead of parsing every header block again. Rows without a record of the
    # current version have their header fields fetched again on the next sync.
    conn.execute("ALTER TABLE messages ADD COLUMN meta BLOB")
    conn.execute("ALTER TABLE messages ADD COLUMN meta_version INTEGER")


def _add_snapshots(conn: sqlite3.Connection) -> None:
    # The last scan's decisions per account, under a key of everything they depend on
    # besides the day (folder sync states, settings, code): a re-run of an unchanged
    # mailbox reuses them instead of parsing, threading and deciding everything again.
    conn.execute(
        """
        CREATE TABLE snapshots (
            account TEXT PRIMARY KEY,
            key TEXT NOT NULL,
            data BLOB NOT NULL
        )
        """
    )


def _compact_results(conn: sqlite3.Connection) -> None:
    # The results table in the compact form of ghostscan.classify.results (a message's
    # kind and text reading as short JSON arrays, the rules that did not fire as a count
    # of the chain's first rules) and WITHOUT ROWID: its rows are now far below a twentieth of a page,
    # and the primary key no longer keeps a second copy of account, folder and uid in an
    # index of its own. At 100,000 messages the table went from about 45 MB to a few.
    # Rows are converted, not dropped: nothing has to be classified or fetched again.
    from ghostscan.classify.results import classification_from_json, classification_to_json, text_from_json, text_to_json

    compact = {"kind": (classification_from_json, classification_to_json), "text": (text_from_json, text_to_json)}

    conn.execute(
        """
        CREATE TABLE results_compact (
            account TEXT NOT NULL,
            folder TEXT NOT NULL,
            uid INTEGER NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (account, folder, uid, name),
            FOREIGN KEY (account, folder, uid) REFERENCES messages (account, folder, uid) ON DELETE CASCADE
        ) WITHOUT ROWID
        """
    )
    rows = conn.execute("SELECT account, folder, uid, name, version, value FROM results")
    while batch := rows.fetchmany(5000):
        converted = []
        for account, folder, uid, name, version, value in batch:
            if name in compact:
                read, write = compact[name]
                try:
                    value = write(read(value))  # type: ignore[operator]
                except (ValueError, KeyError, TypeError):
                    continue  # not a result this ghostscan can read: decided again
            converted.append((account, folder, uid, name, version, value))
        conn.executemany("INSERT INTO results_compact VALUES (?, ?, ?, ?, ?, ?)", converted)
    conn.execute("DROP TABLE results")
    conn.execute("ALTER TABLE results_compact RENAME TO results")


def _add_reports(conn: sqlite3.Connection) -> None:
    # Reports as they were written for an account's kept snapshot, one per output format
    # and options (`ghostscan.store.snapshots.KeptReports`): a re-run of an unchanged
    # mailbox on the same day writes these bytes again instead of rendering every
    # conversation anew. `key` is the snapshot's key and the day; rows under another key
    # are stale and deleted when the next report is kept.
    conn.execute(
        """
        CREATE TABLE reports (
            account TEXT NOT NULL,
            variant TEXT NOT NULL,
            key TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (account, variant)
        )
        """
    )


def _add_message_kind(conn: sqlite3.Connection) -> None:
    # A message's kind as the rule chain decided it from the headers alone, kept in its
    # row by the header sync that fetched it, with the rules version it was decided under
    # (ghostscan.classify.results.rules_version): the sync decides it where it parses the
    # headers, in the same write as the row, and a scan reads it back with the headers.
    # An empty kind says a rule asked for the body; the kind decided with the body goes
    # to ``results``, as every kind did before.
    conn.execute("ALTER TABLE messages ADD COLUMN kind TEXT")
    conn.execute("ALTER TABLE messages ADD COLUMN kind_version TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    Migration("create_folders_and_messages", _create_folders_and_messages),
    Migration("add_bodies", _add_bodies),
    Migration("add_results", _add_results),
    Migration("add_message_meta", _add_message_meta),
    Migration("add_snapshots", _add_snapshots),
    Migration("compact_results", _compact_results),
    Migration("add_reports", _add_reports),
    Migration("add_message_kind", _add_message_kind),
)
"""Every migration ghostscan knows, in the order they are applied."""

_MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"


def _has_migrations_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").fetchone()
    return row is not None


def applied_migrations(conn: sqlite3.Connection) -> list[AppliedMigration]:
    """Return the migrations recorded in the store, oldest first.

    Returns:
        An empty list for a new, empty file.

    Raises:
        sqlite3.DatabaseError: the file cannot be read (callers translate it).
    """
    if not _has_migrations_table(conn):
        return []
    rows = conn.execute("SELECT name, applied_at FROM migrations ORDER BY rowid")
    return [AppliedMigration(name, applied_at) for name, applied_at in rows]


def pending_migrations(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    """Return the migrations of *migrations* the store has not recorded, in order.

    Raises:
        sqlite3.DatabaseError: the file cannot be read (callers translate it).
    """
    done = {applied.name for applied in applied_migrations(conn)}
    return [migration for migration in migrations if migration.name not in done]


def check_migrations(
    conn: sqlite3.Connection, path: Path | str, migrations: Sequence[Migration] = MIGRATIONS
) -> None:
    """Make sure the file is a ghostscan store this version can use.

    An empty file passes: the first migration turns it into a store.

    Raises:
        StoreError: the file is another program's database, or a newer ghostscan
            recorded migrations this one does not know.
        StoreCorruptError: the file is not a SQLite database.
    """
    with translate_sqlite_errors(path):
        applied = applied_migrations(conn)
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        if not applied and not _has_migrations_table(conn):
            has_tables = conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None
            if has_tables or user_version:
                # Never migrate (or offer to delete) someone else's database that the
                # store path happens to point at.
                raise StoreError(
                    path,
                    "the file is a SQLite database of another program, not a ghostscan store",
                    hint="choose another store path",
                )
    known = {migration.name for migration in migrations}
    unknown = [applied.name for applied in applied if applied.name not in known]
    if unknown or user_version > len(migrations):
        detail = f" (unknown migrations: {', '.join(unknown)})" if unknown else ""
        raise StoreError(
            path,
            f"it was written by a newer ghostscan{detail}",
            hint=f"upgrade ghostscan, or {REBUILD_HINT}",
        )


def apply_migrations(
    conn: sqlite3.Connection,
    path: Path | str,
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    now: Callable[[], datetime] | None = None,
) -> list[str]:
    """Apply the pending migrations, each in its own transaction with its record.

    Safe when two ghostscan processes open the same new store at once: each migration is
    checked again once its transaction holds the write lock, so none runs twice.

    Args:
        conn: a connection in autocommit mode (``isolation_level=None``), outside any
            transaction.
        path: the store file, named in errors.
        migrations: the known migrations, in order.
        now: the clock for ``applied_at`` (`Environment.now`); SQLite's clock when None.

    Returns:
        The names applied by this call, in order (empty when the store was up to date).

    Raises:
        ValueError: two migrations share a name.
        StoreError: see `check_migrations`; or a migration failed with a SQLite error —
            it was rolled back and stays pending, the migrations before it stay applied.
        StoreLockedError: another process held the write lock past the busy timeout.
        StoreCorruptError: the file is not a SQLite database.
    """
    names = [migration.name for migration in migrations]
    if len(set(names)) != len(names):
        raise ValueError(f"migration names must be unique: {names}")
    check_migrations(conn, path, migrations)
    with translate_sqlite_errors(path):
        if not pending_migrations(conn, migrations):
            return []
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_MIGRATIONS_TABLE)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    applied: list[str] = []
    for migration in migrations:
        with translate_sqlite_errors(path):
            conn.execute("BEGIN IMMEDIATE")
        try:
            if _apply_one(conn, path, migration, migrations, now):
                applied.append(migration.name)
        except BaseException:
            if conn.in_transaction:
                with translate_sqlite_errors(path):
                    conn.execute("ROLLBACK")
            raise
    return applied


def _apply_one(
    conn: sqlite3.Connection,
    path: Path | str,
    migration: Migration,
    migrations: Sequence[Migration],
    now: Callable[[], datetime] | None,
) -> bool:
    """Apply *migration* inside the open transaction and commit; False when already done."""
    # Another process may have migrated while this one waited for the write lock.
    check_migrations(conn, path, migrations)
    with translate_sqlite_errors(path):
        done = {applied.name for applied in applied_migrations(conn)}
        if migration.name in done:
            conn.execute("ROLLBACK")
            return False
    with translate_sqlite_errors(path, doing=f"migration {migration.name!r} failed"):
        migration.apply(conn)
    if not conn.in_transaction:
        raise StoreError(
            path,
            f"migration {migration.name!r} ended its own transaction (executescript?), "
            "so it could not be recorded",
        )
    applied_at = now().isoformat(timespec="seconds") if now is not None else None
    with translate_sqlite_errors(path):
        conn.execute(
            "INSERT INTO migrations (name, applied_at) "
            "VALUES (?, coalesce(?, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')))",
            (migration.name, applied_at),
        )
        count = conn.execute("SELECT count(*) FROM migrations").fetchone()[0]
        # PRAGMA takes no parameters; count is an int read back from SQLite.
        conn.execute(f"PRAGMA user_version = {int(count)}")
        conn.execute("COMMIT")
    return True
