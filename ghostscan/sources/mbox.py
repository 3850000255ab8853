"""mbox files: one file, a directory of them (Thunderbird, Apple Mail), Google Takeout.

The file is scanned once, streaming, line by line — never read whole into memory, and not
through `mailbox.mbox`, which is slow on multi-gigabyte files. A message starts at a line
beginning with ``From `` that follows an empty line or opens the file (the mboxo/mboxrd
rule, RFC 4155 section 2). The scan keeps an index of byte offsets; `MboxSource.messages`
then reads only each message's header block, and `RawMessage.load` reads the message's
byte range and un-escapes mboxrd ``>From `` lines.

Google Takeout exports all mail as one mbox whose messages carry ``X-Gmail-Labels``. There
the folders are virtual, made from the labels, and each message goes to exactly one of
them (see `takeout_folder`), so nothing is counted twice.
"""

from __future__ import annotations

import os
import re
import unicodedata
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from functools import partial
from pathlib import Path
from typing import IO, Iterator, Mapping

from ghostscan.errors import SourceError
from ghostscan.sources.base import Folder, FolderRole, MessageRef, RawMessage
from ghostscan.sources.roles import role_for_name

__all__ = ["MboxSource", "find_mbox_files", "is_mbox_start", "takeout_folder", "unescape_mboxrd"]

_HEADER_LIMIT = 256 * 1024
_BUFFER = 1024 * 1024
_BLANK = (b"\n", b"\r\n")
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)
_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")

# Extensions an mbox file may carry; stripped from the folder name (".box" is a single
# message saved with its From_ line). Apple Mail exports a folder as a directory
# "Name.mbox" holding a file named "mbox".
_MBOX_EXTENSIONS = (".mbox", ".mbx", ".box")
# Thunderbird keeps a folder's sub-folders in a directory "Name.sbd" beside the file "Name".
_SUBFOLDER_DIR = ".sbd"

ALL_MAIL = "All Mail"
"""The Takeout folder of messages that carry no system label (only user labels, or none)."""

# Takeout's system labels that place a message, English and German exports, with the role
# they give it. Every other label — Opened/Geöffnet, Unread/Ungelesen, Important/Wichtig,
# Starred/Markiert, "Category …"/"Kategorie …", IMAP_* keywords, user labels — is a flag or
# a tag, not a folder.
_TAKEOUT_LABELS = {
    "inbox": FolderRole.INBOX,
    "posteingang": FolderRole.INBOX,
    "sent": FolderRole.SENT,
    "gesendet": FolderRole.SENT,
    "spam": FolderRole.JUNK,
    "trash": FolderRole.TRASH,
    "papierkorb": FolderRole.TRASH,
    "bin": FolderRole.TRASH,
    "drafts": FolderRole.DRAFTS,
    "entwürfe": FolderRole.DRAFTS,
    "archived": FolderRole.ARCHIVE,
    "archiviert": FolderRole.ARCHIVE,
}
# One folder per message: where a message carries several system labels, the one that
# changes its reading most wins (a reply sitting in Spam must be seen in Spam, even when
# it also carries Inbox).
_TAKEOUT_PRIORITY = (
    FolderRole.JUNK,
    FolderRole.TRASH,
    FolderRole.DRAFTS,
    FolderRole.SENT,
    FolderRole.INBOX,
    FolderRole.ARCHIVE,
)
_TAKEOUT_ORDER = (
    FolderRole.INBOX,
    FolderRole.SENT,
    FolderRole.ARCHIVE,
    FolderRole.DRAFTS,
    FolderRole.TRASH,
    FolderRole.JUNK,
    FolderRole.OTHER,
)
_TAKEOUT_SEEN = frozenset({"opened", "geöffnet"})
_TAKEOUT_FLAGGED = frozenset({"starred", "markiert"})

# Status / X-Status are the classic mbox flags (mutt, Pine, mailbox.mboxMessage);
# X-Mozilla-Status is Thunderbird's bit field (nsMsgMessageFlags: 0x1 Read, 0x2 Replied,
# 0x4 Marked, 0x8 Expunged — a deleted message waiting for "Compact folders").
_STATUS_FLAGS = {"R": "\\Seen"}
_X_STATUS_FLAGS = {"A": "\\Answered", "F": "\\Flagged", "D": "\\Deleted", "T": "\\Draft"}
_MOZILLA_FLAGS = ((0x1, "\\Seen"), (0x2, "\\Answered"), (0x4, "\\Flagged"), (0x8, "\\Deleted"))

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
# The date in a From_ line is asctime() output ("Sat Jan  3 01:05:34 1996"); Takeout and
# some MTAs add a numeric zone before or after the year.
_FROM_DATE = re.compile(
    rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    rb"(?:\s+([+-]\d{4}))?(?:\s+[A-Z]{3,5})?\s+(\d{4})(?:\s+([+-]\d{4}))?"
)


def unescape_mboxrd(data: bytes) -> bytes:
    """Undo mboxrd quoting: ``>From `` → ``From ``, ``>>From `` → ``>From `` (RFC 4155).

    Example:
        >>> unescape_mboxrd(b"a\\n>From here\\n>>From there\\n")
        b'a\\nFrom here\\n>From there\\n'
    """
    return _ESCAPED_FROM.sub(rb"\1", data)


def is_mbox_start(start: bytes) -> bool:
    """Return whether a file beginning with *start* is an mbox file (opens with ``From ``)."""
    return start.startswith(b"From ")


@dataclass(frozen=True, slots=True)
class _Entry:
    """One message of an mbox file, as byte offsets.

    ``start`` is the From_ line, ``header_start`` the first header line, ``header_end``
    the empty line after the headers, ``end`` the end of the message (the empty line that
    separates it from the next From_ line is not part of it).
    """

    number: int
    start: int
    header_start: int
    header_end: int
    end: int


@dataclass(frozen=True, slots=True)
class _Indexed:
    """An indexed message: its file, offsets and Gmail labels (None outside Takeout)."""

    path: Path
    entry: _Entry
    labels: tuple[str, ...] | None


@dataclass(frozen=True)
class _Scanned:
    entries: list[_Entry]
    labels: list[tuple[str, ...] | None]


def _field(header_lines: list[bytes], name: bytes) -> bytes | None:
    """Return the unfolded raw value of the first field *name* (lower-case) or None."""
    value: list[bytes] | None = None
    for line in header_lines:
        if line[:1] in (b" ", b"\t"):
            if value is not None:
                value.append(line.strip())
            continue
        if value is not None:
            break
        field, sep, rest = line.partition(b":")
        if sep and field.strip().lower() == name:
            value = [rest.strip()]
    return b" ".join(value) if value is not None else None


def _decode(value: bytes) -> str:
    """Decode a raw header value: UTF-8 or Latin-1 bytes, then RFC 2047 words."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("latin-1")
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (ValueError, LookupError, HeaderParseError):
            pass
    return text


def _split_labels(text: str) -> tuple[str, ...]:
    """Split an X-Gmail-Labels value at commas outside double quotes.

    Example:
        >>> _split_labels('Posteingang,"Kunden, alt",Geöffnet')
        ('Posteingang', 'Kunden, alt', 'Geöffnet')
    """
    labels: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            labels.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    labels.append("".join(current).strip())
    return tuple(label for label in labels if label)


def _label_key(label: str) -> str:
    return unicodedata.normalize("NFC", label).casefold()


def takeout_folder(labels: tuple[str, ...]) -> tuple[str | None, FolderRole]:
    """Pick the one folder a Takeout message goes to.

    Priority spam > trash > drafts > sent > inbox > archive; a message with only user
    labels, flags or no labels at all goes to ``"All Mail"`` (role archive).

    Args:
        labels: the message's X-Gmail-Labels, decoded and split.

    Returns:
        (the label as written, or None for "All Mail"; the role).

    Example:
        >>> takeout_folder(("Posteingang", "Spam", "Geöffnet"))
        ('Spam', <FolderRole.JUNK: 'junk'>)
        >>> takeout_folder(("Kunden", "Wichtig"))
        (None, <FolderRole.ARCHIVE: 'archive'>)
    """
    found: dict[FolderRole, str] = {}
    for label in labels:
        role = _TAKEOUT_LABELS.get(_label_key(label))
        if role is not None:
            found.setdefault(role, label)
    for role in _TAKEOUT_PRIORITY:
        if role in found:
            return found[role], role
    return None, FolderRole.ARCHIVE


def _scan(path: Path) -> _Scanned:
    """Scan an mbox file once: message offsets and, per message, its Gmail labels.

    Raises:
        OSError: the file cannot be read.
    """
    entries: list[_Entry] = []
    labels: list[tuple[str, ...] | None] = []
    offset = 0
    prev_blank_len = -1  # -1: at file start; 0: previous line not blank
    start = header_start = header_end = -1
    in_headers = False
    header_lines: list[bytes] = []
    header_size = 0

    def finish(end: int) -> None:
        raw = _field(header_lines, b"x-gmail-labels")
        labels.append(_split_labels(_decode(raw)) if raw is not None else None)
        stop = header_end if header_end >= 0 else end
        entries.append(_Entry(len(entries) + 1, start, header_start, min(stop, end), end))

    with open(path, "rb", buffering=_BUFFER) as fh:
        for line in fh:
            size = len(line)
            if prev_blank_len != 0 and line.startswith(b"From "):
                if start >= 0:
                    finish(offset - max(prev_blank_len, 0))
                start, header_start, header_end = offset, offset + size, -1
                in_headers, header_lines, header_size = True, [], 0
                prev_blank_len = 0
                offset += size
                continue
            blank = line in _BLANK
            if in_headers:
                if blank:
                    in_headers, header_end = False, offset
                elif header_size < _HEADER_LIMIT:
                    header_lines.append(line)
                    header_size += size
            prev_blank_len = size if blank else 0
            offset += size
    if start >= 0:
        finish(offset - (prev_blank_len if prev_blank_len > 0 and not in_headers else 0))
    return _Scanned(entries, labels)


def _from_line_date(line: bytes) -> datetime | None:
    """Return the delivery date of a From_ line as an aware datetime, or None.

    asctime() has no zone; mbox writers put UTC there by convention (qmail's mbox(5)),
    so a date without one is taken as UTC.
    """
    match = _FROM_DATE.search(line)
    if match is None:
        return None
    month = _MONTHS.get(match.group(1).decode("ascii").lower())
    if month is None:
        return None
    zone = match.group(6) or match.group(8)
    tz = timezone.utc
    if zone:
        sign = -1 if zone[:1] == b"-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])))
    try:
        return datetime(
            int(match.group(7)),
            month,
            int(match.group(2)),
            int(match.group(3)),
            int(match.group(4)),
            int(match.group(5) or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None


def _flags(header_lines: list[bytes], labels: tuple[str, ...] | None) -> frozenset[str]:
    flags: set[str] = set()
    for name, table in ((b"status", _STATUS_FLAGS), (b"x-status", _X_STATUS_FLAGS)):
        value = _field(header_lines, name)
        if value:
            flags.update(table[ch] for ch in value.decode("latin-1") if ch in table)
    mozilla = _field(header_lines, b"x-mozilla-status")
    if mozilla:
        try:
            bits = int(mozilla.strip(), 16)
        except ValueError:
            bits = 0
        flags.update(flag for bit, flag in _MOZILLA_FLAGS if bits & bit)
    for label in labels or ():
        key = _label_key(label)
        if key in _TAKEOUT_SEEN:
            flags.add("\\Seen")
        elif key in _TAKEOUT_FLAGGED:
            flags.add("\\Flagged")
        elif _TAKEOUT_LABELS.get(key) is FolderRole.DRAFTS:
            flags.add("\\Draft")
    return frozenset(flags)


def _load_range(path: Path, start: int, end: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(max(end - start, 0))
    return unescape_mboxrd(data)


def _folder_name(parts: list[str]) -> str:
    name = "/".join(parts)
    return name or "INBOX"


def _strip_extension(name: str) -> str:
    lower = name.lower()
    for ext in _MBOX_EXTENSIONS:
        if lower.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)]
    return name


def _is_mbox_file(path: str, name: str) -> bool:
    """An mbox file starts with ``From ``; an empty file without extension is an empty
    folder (Thunderbird creates "Trash" and "Drafts" as empty files)."""
    ext = os.path.splitext(name)[1].lower()
    try:
        with open(path, "rb") as fh:
            start = fh.read(5)
    except PermissionError:
        # Listed, so that reading it reports the problem instead of the folder vanishing.
        return ext == "" or ext in _MBOX_EXTENSIONS
    except OSError:
        return False
    if not start:
        return ext == "" or ext in _MBOX_EXTENSIONS
    return is_mbox_start(start)


def find_mbox_files(root: Path) -> list[tuple[Path, list[str]]]:
    """Return the mbox files under *root* with their folder path segments.

    Thunderbird: ``Archives.sbd/2024`` → ``["Archives", "2024"]``; Apple Mail:
    ``Work.mbox/mbox`` → ``["Work"]``; ``*.msf`` indexes and other files that do not start
    with ``From `` are left out; hidden entries are ignored.
    """
    found: list[tuple[Path, list[str]]] = []

    def walk(directory: Path, parts: list[str], depth: int) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        bundle = directory.name.lower().endswith(".mbox")
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()
            except OSError:
                continue
            if is_dir and depth < 64:
                name = entry.name
                if name.endswith(_SUBFOLDER_DIR):
                    name = name[: -len(_SUBFOLDER_DIR)]
                walk(Path(entry.path), parts + [_strip_extension(name)], depth + 1)
            elif is_file and _is_mbox_file(entry.path, entry.name):
                if bundle and entry.name == "mbox":
                    found.append((Path(entry.path), parts))
                else:
                    found.append((Path(entry.path), parts + [_strip_extension(entry.name)]))

    walk(root, [], 0)
    return found


class MboxSource:
    """An mbox file, or a directory of mbox files.

    A single file is one folder named after the file (``Inbox``, ``sent.mbox`` →
    ``"sent"``). A directory is walked: each mbox file is a folder named by its path with
    ``.sbd`` and ``.mbox`` suffixes dropped (Thunderbird's "Local Folders",
    ``Archives.sbd/2024`` → ``"Archives/2024"``). Roles come from `role_for_name`.

    A file whose messages carry ``X-Gmail-Labels`` (Google Takeout) is split into virtual
    folders named after the labels (``"Posteingang"``, ``"Spam"``, ``"All Mail"``, ...;
    inside a directory prefixed with the file's folder name), one folder per message.

    Message keys are the message's position in its file, counting from 1.

    `folders` scans every file once and keeps the index until `close`; a file changed
    after that shows up as messages with an error.

    Args:
        path: the mbox file or the directory.
        overrides: folder name → role, see `role_for_name`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        overrides: Mapping[str, FolderRole] | None = None,
    ):
        self.path = Path(path)
        self.location = str(path)
        self._overrides = overrides
        self._folders: list[Folder] | None = None
        self._entries: dict[str, list[_Indexed]] = {}
        self._unreadable: dict[str, str] = {}

    def _files(self) -> list[tuple[Path, str]]:
        if not self.path.is_dir():
            name = self.path.name
            if name == "mbox" and self.path.parent.name.lower().endswith(".mbox"):
                name = self.path.parent.name
            return [(self.path, _strip_extension(name))]
        return [(p, _folder_name(parts)) for p, parts in find_mbox_files(self.path)]

    def _role(self, name: str, default: FolderRole | None = None) -> FolderRole:
        if default is None:
            return role_for_name(name, self._overrides)
        wanted = name.casefold()
        if self._overrides and any(k.casefold() == wanted for k in self._overrides):
            return role_for_name(name, self._overrides)
        return default

    def _ensure_index(self) -> list[Folder]:
        if self._folders is not None:
            return self._folders
        single = not self.path.is_dir()
        folders: dict[str, Folder] = {}
        entries: dict[str, list[_Indexed]] = {}
        for path, name in self._files():
            try:
                scanned = _scan(path)
            except OSError as error:
                if single:
                    raise SourceError(self.location, _describe(path, error)) from error
                # One unreadable file in a directory is one unreadable folder: it is
                # listed, and reading it raises; the other folders are read.
                folders.setdefault(name, Folder(name, self._role(name)))
                self._unreadable[name] = _describe(path, error)
                continue
            if not any(label is not None for label in scanned.labels):
                folders.setdefault(name, Folder(name, self._role(name)))
                entries.setdefault(name, []).extend(
                    _Indexed(path, entry, None) for entry in scanned.entries
                )
                continue
            virtual_folders: dict[str, Folder] = {}
            for entry, labels in zip(scanned.entries, scanned.labels):
                label, role = takeout_folder(labels or ())
                virtual = label or ALL_MAIL
                if not single:
                    virtual = f"{name}/{virtual}"
                if virtual not in folders and virtual not in virtual_folders:
                    virtual_folders[virtual] = Folder(virtual, self._role(virtual, role))
                entries.setdefault(virtual, []).append(_Indexed(path, entry, labels))
            for folder in sorted(
                virtual_folders.values(),
                key=lambda f: (_TAKEOUT_ORDER.index(f.role), f.name.endswith(ALL_MAIL), f.name),
            ):
                folders[folder.name] = folder
        self._folders = list(folders.values())
        self._entries = entries
        return self._folders

    def folders(self) -> list[Folder]:
        """See `Source.folders`. Scans every mbox file once (then cached).

        Plain files come in path order; Takeout's virtual folders in the order inbox,
        sent, archive ("All Mail" last of those), drafts, trash, spam.
        """
        return list(self._ensure_index())

    def messages(self, folder: Folder) -> Iterator[RawMessage]:
        """See `Source.messages`. Reads each header block by its offset, nothing more."""
        self._ensure_index()
        if folder.name in self._unreadable:
            raise SourceError(self.location, self._unreadable[folder.name])
        items = self._entries.get(folder.name)
        if items is None:
            raise SourceError(self.location, f"no folder named {folder.name!r}")
        with ExitStack() as stack:
            handles: dict[Path, IO[bytes]] = {}
            for item in items:
                fh = handles.get(item.path)
                if fh is None:
                    try:
                        fh = stack.enter_context(open(item.path, "rb"))
                    except OSError as error:
                        raise SourceError(self.location, _describe(item.path, error)) from error
                    handles[item.path] = fh
                yield self._read(fh, item, folder)

    def _read(self, fh: IO[bytes], item: _Indexed, folder: Folder) -> RawMessage:
        entry = item.entry
        ref = MessageRef(folder.name, str(entry.number))
        length = min(entry.header_end - entry.start, _HEADER_LIMIT + 4096)
        try:
            fh.seek(entry.start)
            raw = fh.read(length)
        except OSError as error:
            return RawMessage(ref, folder.role, b"", error=_describe(item.path, error))
        if not raw.startswith(b"From ") or len(raw) < length:
            return RawMessage(
                ref, folder.role, b"", error="the mbox file changed since it was indexed"
            )
        envelope_len = entry.header_start - entry.start
        headers = raw[envelope_len:]
        return RawMessage(
            ref=ref,
            folder_role=folder.role,
            headers=headers,
            size=entry.end - entry.header_start,
            flags=_flags(_LINE_SPLIT.split(headers), item.labels),
            internal_date=_from_line_date(raw[:envelope_len]),
            loader=partial(_load_range, item.path, entry.header_start, entry.end),
        )

    def close(self) -> None:
        """See `Source.close`. Drops the index."""
        self._folders = None
        self._entries = {}
        self._unreadable = {}


def _describe(path: Path, error: OSError) -> str:
    text = error.strerror or str(error)
    return f"{path.name}: {text[:1].lower()}{text[1:]}"
