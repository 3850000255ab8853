"""`StoredSnapshots`: an account's last scan result, reused while nothing it depends on changed.

`pack_sections` and `PackedSections` keep such a result as separately compressed sections
(report rows, decisions, ...), so a re-run reads only the sections it needs; `LazyTuple`
stands in for a section until it is asked for. `KeptReports` keeps the reports written
from a snapshot, so a re-run on the same day writes the same bytes without rendering.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import hashlib
import itertools
import os
import pickle
import zlib
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TextIO, TypeVar

from ghostscan.sources.base import Folder
from ghostscan.store import sync_state
from ghostscan.store.db import Store, open_store

T = TypeVar("T")


class StoredSnapshots:
    """Keeps one snapshot (bytes) per account under a key of what it was computed from.

    Args:
        store: the open store.
        account: the account's name.
        sync: brings one folder's cached headers up to date with the server.
    """

    def __init__(self, store: Store, account: str, sync: Callable[[Folder], None]):
        self._store = store
        self._account = account
        self._sync = sync

    def key(self, folders: Iterable[Folder], extra: str, progress: Any = None) -> str:
        """Sync *folders*, then digest their sync states with *extra* (settings, code).

        *progress* (a `ghostscan.pipeline.Progress`) hears of each folder as it is synced.

        Any new, expunged or (on a CONDSTORE server) re-flagged message changes a
        folder's UIDNEXT, message count or HIGHESTMODSEQ, and with it the key.

        Raises:
            NetworkError: a folder could not be synced.
            StoreError: SQLite failed.
        """
        digest = hashlib.sha1(extra.encode("utf-8", "surrogateescape"))
        folders = list(folders)
        for index, folder in enumerate(folders):
            if progress is not None:
                progress.folder(folder, index, len(folders))
            self._sync(folder)
        states = {s.folder: s for s in sync_state.list_folders(self._store, self._account)}
        for folder in folders:
            state = states.get(folder.name)
            count = sync_state.count_messages(self._store, self._account, folder.name)
            seen = (state.uidvalidity, state.uidnext, state.highestmodseq) if state else None
            digest.update(repr((folder.name, folder.role.value, seen, count)).encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def load(self, key: str) -> bytes | None:
        """The snapshot kept under *key*, or None (none kept, or kept under another key)."""
        with self._store.reading() as conn:
            row = conn.execute("SELECT data FROM snapshots WHERE account = ? AND key = ?", (self._account, key)).fetchone()
        return bytes(row[0]) if row else None

    def save(self, key: str, data: bytes | Sequence[bytes]) -> None:
        """Keep *data* as the account's snapshot under *key*, replacing the one before.

        *data* may come in pieces (what `pack_sections` returns), written one after
        another: joined first, and then copied once more by SQLite as it binds them,
        a snapshot of 100,000 messages was held three times over at the run's peak.
        The reports kept from the snapshot before are dropped with it.
        """
        pieces = [data] if isinstance(data, (bytes, bytearray, memoryview)) else list(data)
        size = sum(len(piece) for piece in pieces)
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO snapshots (account, key, data) VALUES (?, ?, zeroblob(?)) "
                "ON CONFLICT (account) DO UPDATE SET key = excluded.key, data = excluded.data",
                (self._account, key, size),
            )
            (rowid,) = conn.execute("SELECT rowid FROM snapshots WHERE account = ?", (self._account,)).fetchone()
            with conn.blobopen("snapshots", "data", rowid) as blob:
                for piece in pieces:
                    blob.write(piece)
            conn.execute("DELETE FROM reports WHERE account = ?", (self._account,))

    def reports(self, key: str, day: date) -> "KeptReports":
        """Where the reports of the snapshot under *key*, as of *day*, are kept."""
        return KeptReports(self._store.path, self._account, f"{key}/{day.isoformat()}")


class KeptReports:
    """The reports written from one account's snapshot on one day, kept to be written again.

    What a renderer writes depends on the scan result and on the output's format and
    options, named by a *variant* string the caller makes (``"csv|verdicts=silent|..."``);
    the result is fixed by the snapshot's key and the day, so the key, the day and the
    variant name the bytes exactly. A few variants are kept per account (`LIMIT`); a
    report kept under another snapshot or day is stale and goes when the next is kept.

    The store at *path* is opened only when a report is looked up or kept: the scan that
    made this object has closed its own connection by then.

    Args:
        path: the store file.
        account: the account's name.
        key: the snapshot's key and the day.
    """

    LIMIT = 4
    """Variants kept per account: a cron job and a person at the terminal, with room to spare."""

    _READ = 1 << 18
    """Compressed bytes read from the store at a time."""

    def __init__(self, path: Path, account: str, key: str):
        self._path = path
        self._account = account
        self._key = key

    def copy_to(self, variant: str, out: TextIO) -> bool:
        """Write the report kept as *variant* to *out*, a piece at a time.

        Returns:
            False when no such report is kept (then nothing was written).

        Raises:
            StoreError: the store cannot be read.
        """
        with open_store(self._path) as store, store.reading() as conn:
            row = conn.execute(
                "SELECT rowid FROM reports WHERE account = ? AND variant = ? AND key = ?", (self._account, variant, self._key)
            ).fetchone()
            if row is None:
                return False
            # Streamed: the JSON of 16,000 conversations is some 24 MB of text.
            write = _writer(out)
            unpacker = zlib.decompressobj()
            with conn.blobopen("reports", "data", row[0], readonly=True) as blob:
                while chunk := blob.read(self._READ):
                    write(unpacker.decompress(chunk))
            write(unpacker.flush(), final=True)
        return True

    @contextlib.contextmanager
    def recording(self, variant: str, out: TextIO) -> Iterator[TextIO]:
        """A stream that writes through to *out* and keeps, when the block ends, what went through as *variant*.

        Nothing is kept when the block raises.

        Raises:
            StoreError: the store cannot be written.
        """
        recorder = _Recorder(out)
        yield recorder  # type: ignore[misc]
        data = recorder.finish()
        if data is None:
            return
        with open_store(self._path) as store, store.transaction() as conn:
            conn.execute("DELETE FROM reports WHERE account = ? AND key != ?", (self._account, self._key))
            conn.execute("INSERT OR REPLACE INTO reports (account, variant, key, data) VALUES (?, ?, ?, ?)", (self._account, variant, self._key, data))
            # REPLACE gives the row a new, highest rowid: the oldest variants go first.
            conn.execute(
                "DELETE FROM reports WHERE account = ? AND rowid NOT IN (SELECT rowid FROM reports WHERE account = ? ORDER BY rowid DESC LIMIT ?)",
                (self._account, self._account, self.LIMIT),
            )


def _writer(out: TextIO) -> Callable[..., None]:
    """``write(utf8_bytes, final=False)`` that writes text kept as UTF-8 to *out* as *out* writes it.

    Where *out* is a UTF-8 text file that writes ``\n`` as it is (stdout or a file on
    POSIX), the bytes go to the file beneath it as they are: decoding 24 MB only for
    *out* to encode it again took longer than reading them.
    """
    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if buffer is not None and encoding and codecs.lookup(encoding).name == "utf-8" and os.linesep == "\n":
        out.flush()  # what *out* holds goes first

        def write_bytes(data: bytes, final: bool = False) -> None:
            buffer.write(data)

        return write_bytes
    decoder = codecs.getincrementaldecoder("utf-8")()

    def write_text(data: bytes, final: bool = False) -> None:
        out.write(decoder.decode(data, final))

    return write_text


class _Recorder:
    """A text stream in front of another: writes go through, and are compressed on the side.

    Everything else (``encoding``, ``isatty``, ``flush``, ...) is the other stream's, so a
    renderer sees no difference.
    """

    def __init__(self, out: TextIO):
        self._out = out
        self._packer: Any = zlib.compressobj(6)
        self._parts: list[bytes] = []

    def write(self, text: str) -> int:
        written = self._out.write(text)
        if self._packer is not None:
            try:
                self._parts.append(self._packer.compress(text.encode("utf-8")))
            except UnicodeEncodeError:
                # A lone surrogate (a header kept with surrogateescape): what the stream
                # made of it depends on its error handler, so such a report is not kept.
                self._packer = None
                self._parts.clear()
        return written

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def finish(self) -> bytes | None:
        """What went through, compressed; None when it cannot be kept."""
        if self._packer is None:
            return None
        self._parts.append(self._packer.flush())
        return b"".join(self._parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


_MAGIC = b"ghostscan sections 1\n"

CHUNK = 1000
"""Items pickled together: pickle remembers every object it wrote until the end of a dump,
which for a whole mailbox's decisions at once took some 200 MB at 100,000 messages. A
chunk of 1,000 decisions pickles as fast as one of 2,000, into 1 % more bytes, and held
6 MB less at the run's peak."""


def pack_sections(head: object, sections: Sequence[Iterable[object]]) -> list[bytes]:
    """*head* and *sections* (each an iterable of picklable items) as one blob, in pieces.

    Each section is compressed on its own, so `PackedSections` can read one without
    decompressing or unpickling the others: a re-run that needs only the report rows
    never builds the threaded messages behind them.

    Returns:
        The blob's pieces in order (``b"".join`` them for the blob): left unjoined, so
        that `StoredSnapshots.save` writes them without a copy of the whole.
    """
    parts = [_pack([head])] + [_pack(items) for items in sections]
    table = b"".join(sum(map(len, part)).to_bytes(8, "big") for part in parts)
    return [_MAGIC, len(parts).to_bytes(4, "big"), table, *(piece for part in parts for piece in part)]


def _pack(items: Iterable[object]) -> list[bytes]:
    # zlib level 1: the conversations' headers repeat a lot (a fifth of the size), and
    # the fastest level gets most of that.
    packer = zlib.compressobj(1)
    out = []
    items = iter(items)
    while chunk := tuple(itertools.islice(items, CHUNK)):
        data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
        del chunk
        out.append(packer.compress(len(data).to_bytes(8, "big")))
        out.append(packer.compress(data))
        del data  # before the next chunk is pickled, not after
    out.append(packer.flush())
    return [piece for piece in out if piece]


class PackedSections:
    """Reads what `pack_sections` wrote, one section at a time, on demand.

    Raises:
        ValueError: *data* is not such a blob (written by another ghostscan).
    """

    def __init__(self, data: bytes):
        view = memoryview(data)
        if bytes(view[: len(_MAGIC)]) != _MAGIC:
            raise ValueError("not a packed snapshot")
        at = len(_MAGIC)
        count = int.from_bytes(view[at : at + 4], "big")
        at += 4
        self._parts: list[memoryview] = []
        start = at + 8 * count
        for index in range(count):
            size = int.from_bytes(view[at + 8 * index : at + 8 * index + 8], "big")
            self._parts.append(view[start : start + size])
            start += size
        if start != len(view):
            raise ValueError("a packed snapshot of the wrong length")

    @property
    def sections(self) -> int:
        """How many sections follow the head."""
        return len(self._parts) - 1

    def head(self) -> Any:
        """The head object."""
        (head,) = self._unpack(0)
        return head

    def section(self, index: int) -> tuple[Any, ...]:
        """The items of section *index* (0 is the first after the head)."""
        return self._unpack(index + 1)

    def _unpack(self, part: int) -> tuple[Any, ...]:
        raw = memoryview(zlib.decompress(self._parts[part]))
        items: list[Any] = []
        at = 0
        # Unpickling makes many objects and no garbage: the cyclic collector would walk
        # them again and again for nothing.
        enabled = gc.isenabled()
        gc.disable()
        try:
            while at < len(raw):
                size = int.from_bytes(raw[at : at + 8], "big")
                items.extend(pickle.loads(raw[at + 8 : at + 8 + size]))
                at += 8 + size
        finally:
            if enabled:
                gc.enable()
        return tuple(items)


class LazyTuple(Sequence[T]):
    """A tuple made by *load* the first time anything asks for its items.

    Compares, hashes and pickles as the tuple it stands for. Given its *length*, it
    answers ``len()`` without loading.
    """

    __slots__ = ("_load", "_items", "_length")

    def __init__(self, load: Callable[[], tuple[T, ...]], length: int | None = None):
        self._load: Callable[[], tuple[T, ...]] | None = load
        self._items: tuple[T, ...] | None = None
        self._length = length

    def _get(self) -> tuple[T, ...]:
        if self._items is None:
            assert self._load is not None
            self._items, self._load = self._load(), None
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._get()[index]

    def __len__(self) -> int:
        if self._items is None and self._length is not None:
            return self._length
        return len(self._get())

    def __iter__(self) -> Iterator[T]:
        return iter(self._get())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyTuple):
            other = other._get()
        return self._get() == other

    def __hash__(self) -> int:
        return hash(self._get())

    def __add__(self, other: tuple[T, ...]) -> tuple[T, ...]:
        return self._get() + tuple(other)

    def __repr__(self) -> str:
        return repr(self._get())

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (self._get(),)
