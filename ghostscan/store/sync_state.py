"""Per-folder sync state and the header cache: what the IMAP source calls.

For each (account, folder) the store keeps where the last sync stopped — UIDVALIDITY,
UIDNEXT (RFC 3501 section 2.3.1.1) and HIGHESTMODSEQ (RFC 7162 section 3.1) — and, per
UID, the header block with size, flags, INTERNALDATE, MODSEQ and Gmail's X-GM-MSGID and
X-GM-THRID. A second run over an unchanged folder compares UIDNEXT and HIGHESTMODSEQ and
reads everything from here without a FETCH.

Values go in and come out as frozen dataclasses (`FolderState`, `CachedMessage`), never as
sqlite rows. Every write is one transaction; wrap several calls in `Store.transaction` to
make them one (put a batch of messages and advance UIDNEXT together, so a sync cut off
half-way resumes where its last commit left it).

Example:
    >>> with open_store(env.state_dir / "store.sqlite") as store:  # doctest: +SKIP
    ...     state = get_folder(store, "anna@example.com", "INBOX")
    ...     if state is None or state.uidvalidity != server_uidvalidity:
    ...         state = reset_folder(store, "anna@example.com", "INBOX", server_uidvalidity)
    ...     known = cached_uids(store, "anna@example.com", "INBOX")
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Iterator, NamedTuple

from ghostscan.parse.headers import META_VERSION, MessageMeta, unpack_meta
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.store.db import Store
from ghostscan.store.errors import translate_sqlite_errors

__all__ = [
    "CachedMessage",
    "FolderState",
    "MetaRow",
    "cached_uids",
    "count_messages",
    "count_stale_metas",
    "delete_messages",
    "get_folder",
    "iter_messages",
    "iter_metas",
    "list_folders",
    "load_metas",
    "mailbox_fingerprint",
    "message_sizes",
    "stale_meta_uids",
    "message_row",
    "put_message_rows",
    "put_messages",
    "remove_account",
    "remove_folder",
    "reset_folder",
    "save_folder",
    "update_flags",
]


@dataclass(frozen=True)
class FolderState:
    """Where the last sync of one folder stopped.

    Attributes:
        account: the account as configured (``"anna@example.com"``).
        folder: the folder's name on the server.
        uidvalidity: the folder's UIDVALIDITY; cached UIDs are valid only under it.
        uidnext: UIDNEXT after the last sync: every UID below it has been seen. None
            before the first complete sync.
        highestmodseq: HIGHESTMODSEQ after the last sync (CONDSTORE servers), or None.
        role: the folder's role (`FolderRole` value), or None when not decided yet.
        synced_at: when the last sync finished, ISO 8601 (from `Environment.now`), or None.
    """

    account: str
    folder: str
    uidvalidity: int
    uidnext: int | None = None
    highestmodseq: int | None = None
    role: str | None = None
    synced_at: str | None = None


@dataclass(frozen=True)
class CachedMessage:
    """One message's cached headers and metadata.

    Attributes:
        uid: the message's UID in its folder.
        headers: the raw header block, byte for byte as the server sent it.
        size: RFC822.SIZE, or None.
        flags: IMAP flags and keywords (``"\\\\Seen"``, ``"$Junk"``); none may contain
            white space, which IMAP atoms never do (RFC 3501 section 9, ``atom``).
        internal_date: INTERNALDATE, or None.
        modseq: the message's MODSEQ (CONDSTORE), or None.
        gm_msgid: Gmail's X-GM-MSGID, or None.
        gm_thrid: Gmail's X-GM-THRID, or None.
        meta: the parsed header fields in their compact form
            (`ghostscan.parse.headers.pack_meta`), or None.
        meta_version: the version of *meta* (`ghostscan.parse.headers.META_VERSION`).
        kind: the message's kind as the default rule chain decided it from the headers
            alone, as JSON (`ghostscan.classify.results.classification_to_json`); ``""``
            when a rule asked for the body; None when not decided.
        kind_version: the rules version *kind* was decided under
            (`ghostscan.classify.results.rules_version`); it counts under that one only.
    """

    uid: int
    headers: bytes
    size: int | None = None
    flags: frozenset[str] = frozenset()
    internal_date: datetime | None = None
    modseq: int | None = None
    gm_msgid: int | None = None
    gm_thrid: int | None = None
    meta: bytes | None = None
    meta_version: int | None = None
    kind: str | None = None
    kind_version: str | None = None


class MetaRow(NamedTuple):
    """What a scan needs of one cached message: its parsed headers, not the raw block.

    A named tuple rather than a frozen dataclass: just as immutable, and built in a
    fraction of the time, which counts at 100,000 rows on every run.

    Attributes:
        uid: the message's UID in its folder.
        meta: the compact record of its parsed headers (`ghostscan.parse.headers.unpack_meta`).
        size: RFC822.SIZE, or None.
        flags: IMAP flags and keywords.
        internal_date: INTERNALDATE, or None.
        gm_msgid: Gmail's X-GM-MSGID, or None.
        headers: the raw header block, only for a message kept without a record (its
            headers could not be parsed when it was fetched); else None.
        kind: the kind decided from the headers when they were fetched, as JSON, when
            it was decided under the rules version asked for (`iter_metas`); else None.
    """

    uid: int
    meta: bytes | None
    size: int | None
    flags: frozenset[str]
    internal_date: datetime | None
    gm_msgid: int | None
    headers: bytes | None = None
    kind: str | None = None


# SQLite integers are signed 64-bit. X-GM-MSGID and X-GM-THRID are unsigned 64-bit
# (https://developers.google.com/gmail/imap/imap-extensions), and RFC 4551 allowed MODSEQ
# up to 2^64-1 before RFC 7162 section 7 cut it to 63 bits. Values from 2^63 up are stored
# as their two's-complement negative and turned back on the way out; they are only ever
# compared for equality, which the mapping keeps.
_U64 = 1 << 64
_I64_MAX = (1 << 63) - 1


def _u64_in(value: int | None) -> int | None:
    if value is None or value <= _I64_MAX:
        if value is not None and value < 0:
            raise ValueError(f"{value} is negative; IMAP mod-sequences and Gmail ids are not")
        return value
    if value >= _U64:
        raise ValueError(f"{value} does not fit in 64 bits")
    return value - _U64


def _u64_out(value: int | None) -> int | None:
    if value is None or value >= 0:
        return value
    return value + _U64


def _flags_in(flags: frozenset[str]) -> str:
    # Sorted, so one set of flags is always the same text.
    text = " ".join(sorted(flags))
    if len(text.split()) != len(flags):
        raise ValueError(f"IMAP flags must be non-empty and free of white space: {sorted(flags)!r}")
    return text


def _flags_out(text: str) -> frozenset[str]:
    return frozenset(text.split())


_from_iso = datetime.fromisoformat


def _date_out(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


_FOLDER_COLUMNS = "account, folder, uidvalidity, uidnext, highestmodseq, role, synced_at"
_MESSAGE_COLUMNS = "uid, headers, size, flags, internal_date, modseq, gm_msgid, gm_thrid, meta, meta_version, kind, kind_version"


def _folder_out(row: tuple) -> FolderState:
    account, folder, uidvalidity, uidnext, highestmodseq, role, synced_at = row
    return FolderState(account, folder, uidvalidity, uidnext, _u64_out(highestmodseq), role, synced_at)


def _message_out(row: tuple) -> CachedMessage:
    uid, headers, size, flags, internal_date, modseq, gm_msgid, gm_thrid, meta, meta_version, kind, kind_version = row
    return CachedMessage(
        uid=uid,
        headers=bytes(headers),
        size=size,
        flags=_flags_out(flags),
        internal_date=_date_out(internal_date),
        modseq=_u64_out(modseq),
        gm_msgid=_u64_out(gm_msgid),
        gm_thrid=_u64_out(gm_thrid),
        meta=None if meta is None else bytes(meta),
        meta_version=meta_version,
        kind=kind,
        kind_version=kind_version,
    )


def _message_in(account: str, folder: str, message: CachedMessage) -> tuple:
    return (
        account,
        folder,
        *message_row(
            message.uid,
            message.headers,
            message.size,
            message.flags,
            message.internal_date,
            message.modseq,
            message.gm_msgid,
            message.gm_thrid,
            message.meta,
            message.meta_version,
            message.kind,
            message.kind_version,
        ),
    )


_FLAG_TEXTS: dict[frozenset[str], str] = {}


def message_row(
    uid: int,
    headers: bytes,
    size: int | None,
    flags: frozenset[str],
    internal_date: datetime | None,
    modseq: int | None,
    gm_msgid: int | None,
    gm_thrid: int | None,
    meta: bytes | None,
    meta_version: int | None,
    kind: str | None = None,
    kind_version: str | None = None,
) -> tuple:
    """One cached message as `put_message_rows` takes it: the `CachedMessage` fields, stored form.

    For the header sync, which builds 100,000 of these: a tuple straight away instead of
    a frozen dataclass converted later. A pure function, so any thread may call it.

    Raises:
        ValueError: a flag has white space, or an id is wider than 64 bits.
    """
    flag_text = _FLAG_TEXTS.get(flags)
    if flag_text is None:
        flag_text = _flags_in(flags)
        if len(_FLAG_TEXTS) < 1024:  # a mailbox has a handful of distinct flag sets
            _FLAG_TEXTS[flags] = flag_text
    return (
        uid,
        # sqlite3 stores bytes as a BLOB untouched; a str would be stored as TEXT.
        bytes(headers),
        size,
        flag_text,
        None if internal_date is None else internal_date.isoformat(),
        modseq if modseq is None or 0 <= modseq <= _I64_MAX else _u64_in(modseq),
        gm_msgid if gm_msgid is None or 0 <= gm_msgid <= _I64_MAX else _u64_in(gm_msgid),
        gm_thrid if gm_thrid is None or 0 <= gm_thrid <= _I64_MAX else _u64_in(gm_thrid),
        None if meta is None else bytes(meta),
        meta_version,
        kind,
        kind_version,
    )


def get_folder(store: Store, account: str, folder: str) -> FolderState | None:
    """Return the saved state of *folder*, or None when it was never synced.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        row = conn.execute(
            f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE account = ? AND folder = ?", (account, folder)
        ).fetchone()
    return None if row is None else _folder_out(row)


def list_folders(store: Store, account: str) -> list[FolderState]:
    """Return the saved state of every folder of *account*, ordered by folder name.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        rows = conn.execute(
            f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE account = ? ORDER BY folder", (account,)
        ).fetchall()
    return [_folder_out(row) for row in rows]


def save_folder(store: Store, state: FolderState) -> None:
    """Insert or update the state of a folder; its cached messages stay.

    When the stored UIDVALIDITY differs from ``state.uidvalidity``, the folder's cached
    messages are dropped in the same transaction: a new UIDVALIDITY means every old UID
    may now name another message (RFC 3501 section 2.3.1.1). `reset_folder` says so
    explicitly and is the clearer call.

    Raises:
        ValueError: ``highestmodseq`` is negative or wider than 64 bits.
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    highestmodseq = _u64_in(state.highestmodseq)
    with store.transaction() as conn:
        conn.execute(
            "DELETE FROM messages WHERE account = ? AND folder = ? AND EXISTS ("
            " SELECT 1 FROM folders WHERE account = ? AND folder = ? AND uidvalidity != ?)",
            (state.account, state.folder, state.account, state.folder, state.uidvalidity),
        )
        # An upsert, never INSERT OR REPLACE: REPLACE deletes the old row, and the
        # ON DELETE CASCADE would take the folder's whole cache with it.
        conn.execute(
            f"INSERT INTO folders ({_FOLDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
            "uidnext = excluded.uidnext, highestmodseq = excluded.highestmodseq, "
            "role = excluded.role, synced_at = excluded.synced_at",
            (
                state.account,
                state.folder,
                state.uidvalidity,
                state.uidnext,
                highestmodseq,
                state.role,
                state.synced_at,
            ),
        )


def reset_folder(store: Store, account: str, folder: str, uidvalidity: int) -> FolderState:
    """Start a folder over under a new UIDVALIDITY.

    Drops the folder's cached messages and forgets UIDNEXT, HIGHESTMODSEQ and the sync
    time; the role stays. A folder not in the store yet is added.

    Returns:
        The folder's new state.

    Raises:
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    with store.transaction() as conn:
        conn.execute("DELETE FROM messages WHERE account = ? AND folder = ?", (account, folder))
        conn.execute(
            "INSERT INTO folders (account, folder, uidvalidity) VALUES (?, ?, ?) "
            "ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
            "uidnext = NULL, highestmodseq = NULL, synced_at = NULL",
            (account, folder, uidvalidity),
        )
        row = conn.execute(
            f"SELECT {_FOLDER_COLUMNS} FROM folders WHERE account = ? AND folder = ?", (account, folder)
        ).fetchone()
    return _folder_out(row)


def put_messages(store: Store, account: str, folder: str, messages: Iterable[CachedMessage]) -> int:
    """Insert or replace cached messages, all in one transaction.

    *messages* is consumed lazily (one ``executemany``), so a generator over a FETCH
    response is never held as a list. A message whose UID is cached already is
    overwritten. An error in any message leaves none of them written.

    Returns:
        The number of messages written.

    Raises:
        LookupError: the folder is not in the store (`save_folder` or `reset_folder`
            comes first, so its UIDVALIDITY is known).
        ValueError: a message has a flag with white space, or an id wider than 64 bits.
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    return _put(store, account, folder, (_message_in(account, folder, message) for message in messages))


def put_message_rows(store: Store, account: str, folder: str, rows: Iterable[tuple]) -> int:
    """`put_messages` of rows `message_row` made: the same, without a `CachedMessage` each.

    Returns:
        The number of messages written.

    Raises:
        LookupError: the folder is not in the store.
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    return _put(store, account, folder, ((account, folder, *row) for row in rows))


_PUT = (
    f"INSERT INTO messages (account, folder, {_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (account, folder, uid) DO UPDATE SET headers = excluded.headers, "
    "size = excluded.size, flags = excluded.flags, internal_date = excluded.internal_date, "
    "modseq = excluded.modseq, gm_msgid = excluded.gm_msgid, gm_thrid = excluded.gm_thrid, "
    "meta = excluded.meta, meta_version = excluded.meta_version, kind = excluded.kind, kind_version = excluded.kind_version"
)


def _put(store: Store, account: str, folder: str, rows: Iterable[tuple]) -> int:
    with store.transaction() as conn:
        known = conn.execute("SELECT 1 FROM folders WHERE account = ? AND folder = ?", (account, folder)).fetchone()
        if known is None:
            raise LookupError(f"folder {folder!r} of account {account!r} is not in the store; save it first")
        return _run_many(conn, _PUT, rows)


def _run_many(conn: sqlite3.Connection, sql: str, rows: Iterable[tuple]) -> int:
    """``executemany`` of *sql*; the number of rows changed. The cursor is closed at once.

    sqlite3 keeps one prepared statement per SQL text for the connection, and a cursor
    left open holds it and resets it when it is freed. Freed late (its frame kept alive
    by a thread that samples the others' frames, as profilers do), it broke the next
    write of the same SQL: ``InterfaceError: bad parameter or other API misuse`` in the
    header sync of a first audit at 100,000 messages, 3 runs of 3 under such a sampler,
    none of 3 with the cursor closed here.
    """
    cursor = conn.executemany(sql, rows)
    try:
        return max(cursor.rowcount, 0)
    finally:
        cursor.close()


def update_flags(
    store: Store, account: str, folder: str, changes: Iterable[tuple[int, frozenset[str], int | None]]
) -> int:
    """Replace the flags (and MODSEQ) of cached messages, in one transaction.

    Args:
        changes: ``(uid, flags, modseq)`` per message, as a ``FETCH (FLAGS MODSEQ)``
            or ``CHANGEDSINCE`` answer gives them. A modseq of None keeps the cached one
            (servers without CONDSTORE send none).

    Returns:
        The number of cached messages changed; UIDs not in the cache are skipped.

    Raises:
        ValueError: a flag has white space, or a modseq is wider than 64 bits.
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    with store.transaction() as conn:
        return _run_many(
            conn,
            "UPDATE messages SET flags = ?, modseq = coalesce(?, modseq) WHERE account = ? AND folder = ? AND uid = ?",
            ((_flags_in(flags), _u64_in(modseq), account, folder, uid) for uid, flags, modseq in changes),
        )


def delete_messages(store: Store, account: str, folder: str, uids: Iterable[int]) -> int:
    """Forget expunged messages.

    Returns:
        The number of cached messages deleted; UIDs not in the cache are skipped.

    Raises:
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    with store.transaction() as conn:
        return _run_many(
            conn, "DELETE FROM messages WHERE account = ? AND folder = ? AND uid = ?", ((account, folder, uid) for uid in uids)
        )


def cached_uids(store: Store, account: str, folder: str) -> set[int]:
    """Return the UIDs cached for *folder* (empty for an unknown folder).

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        rows = conn.execute("SELECT uid FROM messages WHERE account = ? AND folder = ?", (account, folder))
        return {uid for (uid,) in rows}


def iter_messages(store: Store, account: str, folder: str) -> Iterator[CachedMessage]:
    """Yield the cached messages of *folder* in UID order, one row at a time.

    Rows are read as the iterator advances, so 100,000 cached messages never sit in
    memory at once. Writes to the same store between two steps are allowed; whether
    the iteration sees them is up to SQLite.

    Yields:
        `CachedMessage` objects, lowest UID first.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        cursor = conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE account = ? AND folder = ? ORDER BY uid",
            (account, folder),
        )
        try:
            for row in cursor:
                yield _message_out(row)
        finally:
            # An abandoned iteration must not keep its read snapshot open: in WAL mode
            # that stops checkpoints and the -wal file grows (https://sqlite.org/wal.html).
            cursor.close()


def iter_metas(store: Store, account: str, folder: str, version: int, kind_version: str | None = None) -> Iterator[MetaRow]:
    """Yield the parsed headers of *folder*'s cached messages in UID order, without the raw blocks.

    Only messages whose record is of *version* are yielded (see `stale_meta_uids` for the
    others). Rows are read as the iterator advances. A row's kind comes along when it was
    decided under the rules version *kind_version*.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        cursor = conn.execute(
            "SELECT uid, meta, size, flags, internal_date, gm_msgid, CASE WHEN meta IS NULL THEN headers END, "
            "CASE WHEN kind_version = ? THEN kind END "
            "FROM messages WHERE account = ? AND folder = ? AND meta_version = ? ORDER BY uid",
            (kind_version, account, folder, version),
        )
        flag_sets: dict[str, frozenset[str]] = {}  # a mailbox has a handful of distinct flag sets
        try:
            for uid, meta, size, flags, internal_date, gm_msgid, headers, kind in cursor:
                flag_set = flag_sets.get(flags)
                if flag_set is None:
                    flag_set = flag_sets[flags] = _flags_out(flags)
                yield MetaRow(
                    uid, meta, size, flag_set, None if internal_date is None else _from_iso(internal_date), _u64_out(gm_msgid), headers, kind
                )
        finally:
            cursor.close()  # see iter_messages: no read snapshot left open


def load_metas(store: Store, account: str, folder: str, role: FolderRole) -> list[MessageMeta]:
    """The parsed headers of every cached message of *folder*, in UID order, as `MessageMeta`.

    No header block is parsed: each comes from its stored record (records of another
    version, or none, are left out; the next sync fetches those again).

    Raises:
        StoreError: SQLite failed.
        ValueError, EOFError, TypeError: a record is damaged.
    """
    addresses: dict[tuple[str, str], Any] = {}
    return [
        unpack_meta(row.meta, MessageRef(folder, str(row.uid)), role, size=row.size, addresses=addresses)
        for row in iter_metas(store, account, folder, META_VERSION)
        if row.meta is not None
    ]


def mailbox_fingerprint(store: Store, account: str) -> str:
    """A short text that changes whenever the synced state of *account* changes.

    Built from each folder's UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and cached-message count
    (RFC 3501 section 2.3.1.1, RFC 7162 section 3.1.2): new mail, an expunge, a
    re-created folder or (on CONDSTORE servers) a flag change each give another one. A
    later stage can keep what it derived from the whole mailbox under it and reuse it
    while it stays the same.

    Raises:
        StoreError: SQLite failed.
    """
    import hashlib

    with store.reading() as conn:
        rows = conn.execute(
            "SELECT f.folder, f.uidvalidity, f.uidnext, f.highestmodseq, "
            "(SELECT count(*) FROM messages m WHERE m.account = f.account AND m.folder = f.folder) "
            "FROM folders f WHERE f.account = ? ORDER BY f.folder",
            (account,),
        ).fetchall()
    return hashlib.sha256(repr((META_VERSION, rows)).encode("utf-8")).hexdigest()[:32]


def stale_meta_uids(store: Store, account: str, folder: str, version: int) -> set[int]:
    """UIDs of *folder* cached without a parsed-headers record of *version*.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT uid FROM messages WHERE account = ? AND folder = ? AND meta_version IS NOT ?",
            (account, folder, version),
        )
        return {uid for (uid,) in rows}


def count_stale_metas(store: Store, account: str, folder: str, version: int) -> tuple[int, int]:
    """(cached messages, those without a record of *version*) for *folder*, in one query.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        count, stale = conn.execute(
            "SELECT count(*), coalesce(sum(meta_version IS NOT ?), 0) FROM messages WHERE account = ? AND folder = ?",
            (version, account, folder),
        ).fetchone()
    return int(count), int(stale)


def count_messages(store: Store, account: str, folder: str) -> int:
    """Return how many messages of *folder* are cached.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM messages WHERE account = ? AND folder = ?", (account, folder)
        ).fetchone()
    return int(count)


def remove_folder(store: Store, account: str, folder: str) -> bool:
    """Forget a folder deleted on the server, with its cached messages.

    Returns:
        True when the folder was in the store.

    Raises:
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    with store.transaction() as conn:
        # The messages go with it: ON DELETE CASCADE.
        cursor = conn.execute("DELETE FROM folders WHERE account = ? AND folder = ?", (account, folder))
        return cursor.rowcount > 0


def remove_account(store: Store, account: str) -> int:
    """Forget every folder of *account* and their cached messages.

    Returns:
        The number of folders removed.

    Raises:
        StoreError: SQLite failed, or the store is read-only.
        StoreLockedError: another process held the write lock past the busy timeout.
    """
    with store.transaction() as conn:
        cursor = conn.execute("DELETE FROM folders WHERE account = ?", (account,))
        return max(cursor.rowcount, 0)


def list_accounts(store: Store) -> list[str]:
    """Return the names of the accounts that have folders in the store, sorted.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        return [row[0] for row in conn.execute("SELECT DISTINCT account FROM folders ORDER BY account")]


def get_body(store: Store, account: str, folder: str, uid: int) -> bytes | None:
    """Return the cached start of a message's body (see `put_body`), or None.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        row = conn.execute(
            "SELECT body FROM bodies WHERE account = ? AND folder = ? AND uid = ?", (account, folder, uid)
        ).fetchone()
    return bytes(row[0]) if row else None


def put_body(store: Store, account: str, folder: str, uid: int, body: bytes) -> None:
    """Cache the (size-capped) bytes fetched for a message whose kind needed its text.

    Raises:
        StoreError: SQLite failed, or the message is not cached (foreign key).
    """
    put_bodies(store, account, folder, [(uid, body)])


def put_bodies(store: Store, account: str, folder: str, bodies: Iterable[tuple[int, bytes]]) -> None:
    """Cache many body starts in one transaction (see `put_body`).

    Raises:
        StoreError: SQLite failed, or a message is not cached (foreign key).
    """
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO bodies (account, folder, uid, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (account, folder, uid) DO UPDATE SET body = excluded.body",
            ((account, folder, uid, body) for uid, body in bodies),
        )


def message_sizes(store: Store, account: str, folder: str) -> dict[int, int | None]:
    """UID → RFC822.SIZE of the cached messages of *folder*.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        rows = conn.execute("SELECT uid, size FROM messages WHERE account = ? AND folder = ?", (account, folder))
        return dict(rows.fetchall())


def cached_body_uids(store: Store, account: str, folder: str) -> set[int]:
    """UIDs of *folder* whose body start is cached.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        rows = conn.execute("SELECT uid FROM bodies WHERE account = ? AND folder = ?", (account, folder))
        return {row[0] for row in rows}


def get_results(store: Store, account: str, folder: str, version: str) -> dict[tuple[int, str], str]:
    """The cached results of *folder* decided by rules of *version*: (uid, name) → JSON.

    Raises:
        StoreError: SQLite failed.
    """
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT uid, name, value FROM results WHERE account = ? AND folder = ? AND version = ?",
            (account, folder, version),
        )
        return {(uid, name): value for uid, name, value in rows}


def put_results(store: Store, account: str, folder: str, version: str, results: Iterable[tuple[int, str, str]]) -> None:
    """Keep (uid, name, JSON) results of *version*, all in one transaction.

    Raises:
        StoreError: SQLite failed, or a message is not cached (foreign key).
    """
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO results (account, folder, uid, name, version, value) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (account, folder, uid, name) DO UPDATE SET version = excluded.version, value = excluded.value",
            ((account, folder, uid, name, version, value) for uid, name, value in results),
        )


def drop_bodies(store: Store, account: str) -> int:
    """Forget the account's cached body starts (their results are kept in ``results``).

    Returns:
        How many were dropped.

    Raises:
        StoreError: SQLite failed.
    """
    with store.transaction() as conn:
        dropped = max(conn.execute("DELETE FROM bodies WHERE account = ?", (account,)).rowcount, 0)
    if dropped:
        with translate_sqlite_errors(store.path):
            # Give the pages back (the store is created with auto_vacuum = INCREMENTAL), then
            # fold the WAL into the file and cut it to zero. executescript, outside any
            # transaction: sqlite3's execute() steps this pragma only once, freeing one page.
            store.connection.executescript("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")
    return dropped
