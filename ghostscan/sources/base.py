"""The Source protocol and the plain types every source yields.

A source lists folders (each with a `FolderRole`) and iterates a folder's messages as
`RawMessage` objects: the raw header block now, the full message only when asked for
(`RawMessage.load()`). That shape fits a local Maildir as well as IMAP, where headers come
from one batched FETCH and a body costs a round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Callable, Iterator, Protocol

if TYPE_CHECKING:
    from ghostscan.classify.base import Classification
    from ghostscan.parse.headers import MessageMeta

from ghostscan.pickling import by_fields


class FolderRole(StrEnum):
    """What a folder is for. Decides how its messages are read (ours, theirs, in Junk)."""

    INBOX = "inbox"
    SENT = "sent"
    JUNK = "junk"
    ARCHIVE = "archive"
    TRASH = "trash"
    DRAFTS = "drafts"
    OTHER = "other"


@dataclass(frozen=True)
class Folder:
    """A folder of a source.

    Attributes:
        name: the folder's name as the user knows it, "/"-separated (``"INBOX"``,
            ``"Gesendete Elemente"``, ``"[Google Mail]/Spam"``, ``"Kunden/Müller"``).
        role: what the folder is for.
    """

    name: str
    role: FolderRole


@by_fields
@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where one message lives: enough to find it again and to name it in a report.

    Attributes:
        folder: `Folder.name`.
        key: the source's own key (Maildir file name, mbox index, .eml path, IMAP UID).
    """

    folder: str
    key: str

    def __str__(self) -> str:
        return f"{self.folder}/{self.key}"


def _no_body() -> bytes:
    return b""


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message as a source yields it.

    Attributes:
        ref: where it lives.
        folder_role: the role of its folder.
        headers: the raw header block (bytes up to the first empty line). Empty when
            `error` is set.
        size: size of the whole message in bytes, when known without reading it.
        flags: IMAP-style flags (``"\\\\Seen"``) or Maildir info flags mapped to them.
        internal_date: when the mailbox received it (IMAP INTERNALDATE, file mtime), or None.
        loader: returns the full message bytes; called only when a decision needs the body.
        error: why the message could not be read, or None. A source never raises for one
            bad message; it yields it with `error` set and carries on.
        meta: the headers already parsed, when the source keeps them parsed (the IMAP
            source's store does); `headers` may then be empty. None: parse `headers`.
        kind: the kind the default rule chain gave the message from its headers alone
            (`ghostscan.classify.registry.classify_headers`), when the source decided it
            already, under the rules version of the results it keeps (the IMAP source
            decides it where it parses headers). None: the scan classifies the message.
        needs_body: the source ran the rule chain on the headers (as for `kind`) and a
            rule asked for the body: the scan fetches it before classifying the message.
    """

    ref: MessageRef
    folder_role: FolderRole
    headers: bytes
    size: int | None = None
    flags: frozenset[str] = frozenset()
    internal_date: datetime | None = None
    loader: Callable[[], bytes] = field(default=_no_body, repr=False, compare=False)
    error: str | None = None
    meta: "MessageMeta | None" = field(default=None, repr=False, compare=False)
    kind: "Classification | None" = field(default=None, repr=False, compare=False)
    needs_body: bool = field(default=False, repr=False, compare=False)

    def load(self) -> bytes:
        """Return the whole message (headers and body) as bytes.

        Raises:
            OSError: the message vanished or cannot be read any more.
        """
        return self.loader()


# Each slot's own setter: what the frozen dataclass's ``__init__`` reaches through
# ``object.__setattr__`` field by field (see `raw_message`).
_SET_REF, _SET_ROLE, _SET_HEADERS, _SET_SIZE, _SET_FLAGS, _SET_DATE, _SET_LOADER, _SET_ERROR, _SET_META, _SET_KIND, _SET_NEEDS_BODY = (
    vars(RawMessage)[f.name].__set__ for f in fields(RawMessage)
)
_new_object = object.__new__


def raw_message(
    ref: MessageRef,
    folder_role: FolderRole,
    headers: bytes,
    size: int | None,
    flags: frozenset[str],
    internal_date: datetime | None,
    loader: Callable[[], bytes],
    error: str | None,
    meta: "MessageMeta | None",
    kind: "Classification | None",
    needs_body: bool,
) -> RawMessage:
    """``RawMessage(...)`` of every field, in order, for a source that yields 100,000 of them.

    The same object, without the keyword arguments and the per-field
    ``object.__setattr__`` of a frozen dataclass's ``__init__`` (some 3 µs a message, in
    the stretch of a scan that runs on one core).
    """
    raw = _new_object(RawMessage)
    _SET_REF(raw, ref)
    _SET_ROLE(raw, folder_role)
    _SET_HEADERS(raw, headers)
    _SET_SIZE(raw, size)
    _SET_FLAGS(raw, flags)
    _SET_DATE(raw, internal_date)
    _SET_LOADER(raw, loader)
    _SET_ERROR(raw, error)
    _SET_META(raw, meta)
    _SET_KIND(raw, kind)
    _SET_NEEDS_BODY(raw, needs_body)
    return raw


class Source(Protocol):
    """A mailbox ghostscan can read.

    Implementations: `MaildirSource`, `MboxSource`, `EmlDirSource` (and IMAP later).
    """

    location: str
    """Human-readable location (path or account), used in messages and reports."""

    def folders(self) -> list[Folder]:
        """Return every folder with its role, in a stable order.

        Raises:
            SourceError: the mailbox cannot be listed.
        """
        ...

    def messages(self, folder: Folder) -> Iterator[RawMessage]:
        """Yield the messages of *folder*, headers only.

        Unreadable messages are yielded with `RawMessage.error` set, never raised.

        Raises:
            SourceError: the folder as a whole cannot be read.
        """
        ...

    def close(self) -> None:
        """Release files or connections. Safe to call twice."""
        ...
