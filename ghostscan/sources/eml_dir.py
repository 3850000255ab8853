"""A folder of single-message files (.eml, .msg, .txt, .box, no extension).

Also home of the header-first reading every one-message-per-file source shares (the
Maildir reader uses it too): `read_header_block` reads a file only up to the empty line
that ends its header block, so a 20 MB attachment is never read to get 2 KB of headers;
the whole file is read by `load_message_file`, and only when a decision needs the body.

Whether a file is a message is decided by its first bytes, not its name: an mbox
``From `` line or an RFC 5322 header field (``Name:``). Line endings may be LF, CRLF or
CR-only (classic Mac OS mail, still found in bounce collections).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import BinaryIO, Iterator, Mapping

from ghostscan.errors import SourceError
from ghostscan.sources.base import Folder, FolderRole, MessageRef, RawMessage
from ghostscan.sources.mbox import unescape_mboxrd
from ghostscan.sources.roles import role_for_name

__all__ = [
    "EmlDirSource",
    "HeaderBlock",
    "MessageFile",
    "describe_os_error",
    "load_message_file",
    "read_header_block",
    "read_message_file",
    "sniff_message",
]

HEADER_LIMIT = 256 * 1024
"""Most bytes read as one message's header block. Real header blocks, long Received and
ARC chains included, stay far below; a file without an empty line stops here."""

_CHUNK = 16 * 1024
_SNIFF_BYTES = 4096

# An empty line in any of the three line-ending conventions; "\n\r\n" covers LF headers
# followed by a CRLF blank line, which broken gateways produce.
_BLANK_LINE = re.compile(rb"\r\n\r\n|\n\n|\r\r|\n\r\n")
_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")
# RFC 5322 section 2.2: a field name is printable US-ASCII except ":" — no spaces. Leading
# blanks and a blank before the colon (obsolete syntax, RFC 5322 section 4.5) are tolerated.
_FIELD_LINE = re.compile(rb"[ \t]*[!-9;-~]+[ \t]*:")
# Compound File Binary signature: Outlook's own .msg format, not RFC 5322 text.
_OUTLOOK_MSG = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OUTLOOK_MSG_PROBLEM = "an Outlook .msg file in Outlook's binary format (save it as .eml)"

# Extensions of files that live beside mail in exported folders and are never a message;
# skipped without being opened. Everything else is sniffed.
SKIPPED_EXTENSIONS = frozenset(
    """
    .md .rst .tsv .csv .cats .json .yaml .yml .toml .ini .cfg .xml .html .htm .log .py .pl
    .rb .js .sh .msf .dat .db .sqlite .sqlite3 .idx .index .plist .lock .pdf .png .jpg
    .jpeg .gif .webp .svg .ico .zip .gz .bz2 .xz .tar .tgz .7z .rar .doc .docx .xls .xlsx
    .ppt .pptx .odt .ods .exe .dll .so .bin .pst .ost
    """.split()
)
# Files with these extensions claim to be a message: when they are not, the user hears
# about it (an error) instead of the file silently being left out.
MESSAGE_EXTENSIONS = frozenset({".eml", ".msg", ".box"})

# Maildir's own sub-directories: messages in cur/ and new/ belong to the folder that holds
# them, tmp/ holds deliveries in progress (never read, per the Maildir specification).
_MAILDIR_SUBDIRS = ("cur", "new")
_MAILDIR_TMP = "tmp"


@dataclass(frozen=True)
class HeaderBlock:
    """The start of one message file, as far as it was read.

    Attributes:
        headers: the header block up to (not including) the empty line that ends it, with
            its own line endings; leading empty lines and an mbox ``From `` line are not
            part of it. Empty when `problem` is set.
        offset: where the message starts in the file (after leading empty lines and the
            ``From `` line).
        envelope: the mbox ``From `` line with its line ending, or ``b""``.
        problem: why the file is not a message (``"empty file"``, ``"no header block"``,
            ...), or None.
    """

    headers: bytes
    offset: int
    envelope: bytes = b""
    problem: str | None = None


def describe_os_error(error: OSError) -> str:
    """Return an `OSError` as a short sentence fragment for a report line.

    Example:
        >>> describe_os_error(FileNotFoundError(2, "No such file or directory"))
        'no such file or directory'
    """
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a message file"
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def sniff_message(start: bytes) -> str | None:
    """Say whether the first bytes of a file look like an e-mail message.

    A message starts with an mbox ``From `` line or an RFC 5322 header field. Leading
    empty or blank lines and indented header lines are tolerated (seen in real exports).

    Args:
        start: the first bytes of the file (a few KB are plenty).

    Returns:
        None when it looks like a message, else the reason it does not.
    """
    if not start.strip(b"\r\n"):
        return "empty file"
    if start.startswith(_OUTLOOK_MSG):
        return OUTLOOK_MSG_PROBLEM
    if start.startswith(b"\xef\xbb\xbf"):
        start = start[3:]
    for line in _LINE_SPLIT.split(start[:_SNIFF_BYTES]):
        if not line.strip():
            continue
        if line.startswith(b"From ") or _FIELD_LINE.match(line):
            return None
        break
    return "no header block"


def _line_end(buf: bytes, start: int) -> int:
    """Return the index just past the line ending of the line starting at *start*."""
    nl = buf.find(b"\n", start)
    cr = buf.find(b"\r", start)
    if nl < 0 and cr < 0:
        return len(buf)
    if nl < 0 or (0 <= cr < nl):
        return cr + 2 if buf[cr + 1 : cr + 2] == b"\n" else cr + 1
    return nl + 1


def read_header_block(fh: BinaryIO, limit: int = HEADER_LIMIT) -> HeaderBlock:
    """Read one message's header block from *fh*, and not more than needed.

    Reads in small chunks and stops at the first empty line (or after *limit* bytes of
    headers, or at the end of the file: a message without a body is all headers).

    Args:
        fh: a binary file positioned at the start of the message file.
        limit: the most bytes of header block to read.

    Returns:
        The header block; `HeaderBlock.problem` says when the file is not a message.

    Raises:
        OSError: the file cannot be read.
    """
    buf = fh.read(_CHUNK)
    # Leading empty lines are not the end of an (absent) header block: some exports put
    # one in front of the first header.
    offset = len(buf) - len(buf.lstrip(b"\r\n"))
    problem = sniff_message(buf[offset:]) if buf else "empty file"
    if problem is not None:
        return HeaderBlock(b"", offset, b"", problem)
    if buf.startswith(b"\xef\xbb\xbf", offset):
        offset += 3  # a UTF-8 byte order mark from a Windows editor is not part of a field name
    envelope = b""
    if buf.startswith(b"From ", offset):
        end = _line_end(buf, offset)
        envelope, offset = buf[offset:end], end
    searched = offset
    while True:
        match = _BLANK_LINE.search(buf, searched)
        if match is not None:
            # Keep the line ending of the last header line, drop the empty line.
            cut = match.start() + (2 if match.group().startswith(b"\r\n") else 1)
            return HeaderBlock(buf[offset:cut][:limit], offset, envelope)
        if len(buf) - offset >= limit:
            return HeaderBlock(buf[offset : offset + limit], offset, envelope)
        chunk = fh.read(_CHUNK)
        if not chunk:
            return HeaderBlock(buf[offset:], offset, envelope)
        searched = max(offset, len(buf) - 3)
        buf += chunk


def load_message_file(path: str | os.PathLike[str], offset: int = 0, envelope: bool = False) -> bytes:
    """Return a whole message file from *offset* on (see `HeaderBlock.offset`).

    Args:
        path: the file.
        offset: where the message starts in the file.
        envelope: the file started with an mbox ``From `` line; then ``>From `` lines are
            un-escaped as in an mboxrd file (see `ghostscan.sources.mbox.unescape_mboxrd`).

    Raises:
        OSError: the file vanished or cannot be read any more.
    """
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    return unescape_mboxrd(data) if envelope else data


@dataclass(frozen=True)
class MessageFile:
    """One candidate file and what `read_message_file` made of it."""

    message: RawMessage
    problem: str | None


def read_message_file(path: Path, ref: MessageRef, role: FolderRole) -> MessageFile:
    """Read one single-message file headers-first.

    Never raises for the file: a file that cannot be read comes back as a `RawMessage`
    with `RawMessage.error` set; a file that is readable but not a message comes back
    with `MessageFile.problem` set (the caller decides whether that is an error or a
    file to skip).
    """
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(st.st_mode):
            return MessageFile(
                RawMessage(ref, role, b"", error="not a regular file"), "not a regular file"
            )
        with open(path, "rb") as fh:
            block = read_header_block(fh)
    except OSError as error:
        reason = describe_os_error(error)
        if isinstance(error, FileNotFoundError) and os.path.islink(path):
            reason = "dangling symbolic link: " + reason
        return MessageFile(RawMessage(ref, role, b"", error=reason), None)
    mtime = datetime.fromtimestamp(st.st_mtime, timezone.utc)
    message = RawMessage(
        ref=ref,
        folder_role=role,
        headers=block.headers,
        size=max(st.st_size - block.offset, 0),
        internal_date=mtime,
        loader=partial(load_message_file, path, block.offset, bool(block.envelope)),
        error=None,
    )
    return MessageFile(message, block.problem)


def _is_candidate(entry: os.DirEntry[str]) -> bool:
    """A file worth sniffing: not hidden, not a known non-message extension.

    Dangling symbolic links count, so that they are reported rather than lost.
    """
    if entry.name.startswith("."):
        return False
    if os.path.splitext(entry.name)[1].lower() in SKIPPED_EXTENSIONS:
        return False
    try:
        return entry.is_file() or entry.is_symlink()
    except OSError:
        return True


class IndexedFolders:
    """Folder listing shared by the directory sources: an index of folder name → places,
    built once on first use, and folders listed ``"INBOX"`` first, then by name.

    Subclasses set ``self._index = None`` and ``self._overrides``, and build the index in
    ``_build_index``.
    """

    _index: dict | None
    _overrides: Mapping[str, FolderRole] | None

    def _build_index(self) -> dict:
        raise NotImplementedError

    def _ensure_index(self) -> dict:
        if self._index is None:
            self._index = self._build_index()
        return self._index

    def folders(self) -> list[Folder]:
        """See `Source.folders`. ``"INBOX"`` first, then by name."""
        names = sorted(self._ensure_index(), key=lambda n: (n != "INBOX", n.casefold(), n))
        return [Folder(n, role_for_name(n, self._overrides)) for n in names]


class EmlDirSource(IndexedFolders):
    """A directory tree of single-message files, or one message file.

    Files directly in the root form the folder ``"INBOX"`` (role inbox); every
    sub-directory that holds message files is a folder named by its path relative to the
    root, ``/``-separated, its role from `role_for_name`. Maildir-style ``cur/`` and
    ``new/`` directories belong to the folder above them; ``tmp/`` and hidden entries
    (``.git``, ``.notmuch``) are ignored. Which files are messages is decided by their
    first bytes (`sniff_message`): other files are skipped, except that a file named
    ``.eml``, ``.msg`` or ``.box`` that is not a message is yielded with an error.

    Args:
        path: the directory, or a single message file (then the one folder ``"INBOX"``
            holds just that message).
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
        self._index: dict[str, list[tuple[Path, str]]] | None = None

    def _build_index(self) -> dict[str, list[tuple[Path, str]]]:
        """Folder name → [(directory, key prefix)]; only folders with candidate files."""
        index: dict[str, list[tuple[Path, str]]] = {}
        if not self.path.is_dir():
            index["INBOX"] = [(self.path, "")]
            return index

        def walk(directory: Path, parts: list[str], depth: int) -> None:
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as error:
                if not parts:
                    raise SourceError(self.location, describe_os_error(error)) from error
                return
            name = "/".join(parts) if parts else "INBOX"
            places: list[tuple[Path, str]] = []
            if any(_is_candidate(e) for e in entries):
                places.append((directory, ""))
            subdirs = [e for e in entries if not e.name.startswith(".") and _is_dir(e)]
            names = {e.name for e in subdirs}
            is_maildir = any(n in names for n in _MAILDIR_SUBDIRS)
            for sub in subdirs:
                if is_maildir and sub.name in _MAILDIR_SUBDIRS:
                    places.append((Path(sub.path), sub.name + "/"))
                elif is_maildir and sub.name == _MAILDIR_TMP:
                    continue
                elif depth < 64:
                    walk(Path(sub.path), parts + [sub.name], depth + 1)
            if places:
                index.setdefault(name, []).extend(places)

        walk(self.path, [], 0)
        return index

    def messages(self, folder: Folder) -> Iterator[RawMessage]:
        """See `Source.messages`. Files come in the order of their names."""
        places = self._ensure_index().get(folder.name)
        if places is None:
            raise SourceError(self.location, f"no folder named {folder.name!r}")
        files: list[tuple[str, Path]] = []
        for directory, prefix in places:
            if directory is self.path and not self.path.is_dir():
                files.append((self.path.name, self.path))
                continue
            try:
                entries = list(os.scandir(directory))
            except FileNotFoundError:
                if prefix:
                    continue
                raise SourceError(self.location, f"folder {folder.name!r} vanished") from None
            except OSError as error:
                raise SourceError(
                    self.location, f"folder {folder.name!r}: {describe_os_error(error)}"
                ) from error
            files.extend((prefix + e.name, Path(e.path)) for e in entries if _is_candidate(e))
        for key, path in sorted(files):
            found = read_message_file(path, MessageRef(folder.name, key), folder.role)
            if found.problem is None:
                yield found.message
            elif path.suffix.lower() in MESSAGE_EXTENSIONS or found.problem == OUTLOOK_MSG_PROBLEM:
                yield RawMessage(
                    found.message.ref, folder.role, b"", error=f"not a message: {found.problem}"
                )

    def close(self) -> None:
        """See `Source.close`."""
        self._index = None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    # Symbolic links to directories are not followed: a link back up the tree would loop.
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False
