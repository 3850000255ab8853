"""Errors of the embedded store.

A store error is an error of the run (`OperationError`): the cache file is damaged, in use
or was written by a newer ghostscan. Each reads as one sentence naming the file and, where
the user can do something about it, what to do.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ghostscan.errors import OperationError

__all__ = [
    "REBUILD_HINT",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "store_error_from_sqlite",
    "translate_sqlite_errors",
]

REBUILD_HINT = "run 'ghostscan cache rebuild' to start it afresh"

# Primary result codes (https://sqlite.org/rescode.html). `sqlite3.Error.sqlite_errorcode`
# holds the extended code; its low byte is the primary one.
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


class StoreError(OperationError):
    """The store cannot be opened, read or written.

    Attributes:
        path: the store file.
        reason: what went wrong, as a sentence fragment.
        hint: what the user can do about it, or None.
    """

    def __init__(self, path: Path | str, reason: str, *, hint: str | None = None):
        self.path = str(path)
        self.reason = reason
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"store {self.path}: {self.reason}"
        return f"{text}: {self.hint}" if self.hint else text


class StoreCorruptError(StoreError):
    """The file is not a SQLite database, or a damaged one.

    The store is a cache of what the server holds, so starting afresh loses nothing but
    the time of one full sync.
    """

    def __init__(
        self,
        path: Path | str,
        reason: str = "the file is not a ghostscan store (corrupt?)",
        *,
        hint: str | None = REBUILD_HINT,
    ):
        super().__init__(path, reason, hint=hint)


class StoreLockedError(StoreError):
    """Another process held the store's write lock for longer than the busy timeout."""

    def __init__(
        self,
        path: Path | str,
        reason: str = "is in use by another ghostscan run",
        *,
        hint: str | None = "wait for it to finish and try again",
    ):
        super().__init__(path, reason, hint=hint)

    def __str__(self) -> str:
        text = f"store {self.path} {self.reason}"
        return f"{text}: {self.hint}" if self.hint else text


def store_error_from_sqlite(path: Path | str, error: sqlite3.Error, *, doing: str | None = None) -> StoreError:
    """Name a sqlite3 error for the user.

    Args:
        path: the store file.
        error: what sqlite3 raised.
        doing: what the store was doing (``"migration 'x' failed"``), put before the
            detail of errors that are neither corruption nor a lock.

    Returns:
        `StoreCorruptError` for "file is not a database" and "database disk image is
        malformed", `StoreLockedError` for "database is locked" / "database table is
        locked", otherwise a `StoreError` carrying SQLite's own message.
    """
    detail = str(error) or type(error).__name__
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    lowered = detail.lower()
    if primary in (_SQLITE_NOTADB, _SQLITE_CORRUPT) or "not a database" in lowered or "malformed" in lowered:
        # SQLite's own wording stays on the chained exception (--debug): to the user both
        # mean the same thing and have the same remedy.
        return StoreCorruptError(path)
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "is locked" in lowered:
        return StoreLockedError(path)
    if primary == _SQLITE_CANTOPEN:
        reason = f"cannot open the file ({detail})"
    elif primary == _SQLITE_READONLY:
        reason = f"the file cannot be written ({detail})"
    elif primary == _SQLITE_FULL:
        reason = "the disk is full"
    elif primary == _SQLITE_IOERR:
        reason = f"input/output error ({detail})"
    else:
        reason = detail
    return StoreError(path, f"{doing}: {reason}" if doing else reason)


@contextmanager
def translate_sqlite_errors(path: Path | str, *, doing: str | None = None) -> Iterator[None]:
    """Turn sqlite3 errors raised inside the block into store errors.

    `sqlite3.ProgrammingError` (a closed connection, a wrong number of parameters) is
    left alone: it is a bug in ghostscan, not something the user can act on.

    Args:
        path: the store file, named in the error.
        doing: see `store_error_from_sqlite`.

    Raises:
        StoreError: (or a subclass) for any other `sqlite3.DatabaseError`.
    """
    try:
        yield
    except sqlite3.ProgrammingError:
        raise
    except sqlite3.DatabaseError as error:
        raise store_error_from_sqlite(path, error, doing=doing) from error
