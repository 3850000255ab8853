"""Maildir and Maildir++ mailboxes, and trees of plain nested Maildirs.

Layouts read (https://cr.yp.to/proto/maildir.html, Courier's Maildir++ and Dovecot's
LAYOUT=fs):

* the root is the inbox (``"INBOX"``) when it has ``cur/`` or ``new/``;
* Maildir++ folders are hidden sibling directories ``.Sent``, ``.Junk``,
  ``.Archiv.2024``, ``.INBOX.Kunden``: "." is their hierarchy separator, shown as "/"
  (``"Archiv/2024"``); names are IMAP modified UTF-7 on disk (RFC 3501 section 5.1.3:
  ``.Entw&APw-rfe`` is "Entwürfe") and decoded here;
* any other sub-directory that itself has ``cur/`` or ``new/`` is a folder named by its
  relative path (``foo/``, ``bar/baz/`` → ``"foo"``, ``"bar/baz"``).

Messages are the files in ``cur/`` and ``new/``; ``tmp/`` holds deliveries in progress and
is never read. Either of ``cur/`` and ``new/`` may be missing (git keeps no empty
directories). Message files lying directly in a folder's directory — notmuch's test
corpora and some importers put them there — are read too when their first bytes look
like a message, so Dovecot's index files and the like beside them are left alone.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Mapping

from ghostscan.errors import SourceError
from ghostscan.sources.base import Folder, FolderRole, MessageRef, RawMessage
from ghostscan.sources.eml_dir import IndexedFolders, describe_os_error, read_message_file

__all__ = ["MaildirSource", "decode_modified_utf7", "is_maildir", "split_info"]

_MESSAGE_DIRS = ("cur", "new")
_IGNORED_DIRS = frozenset({"cur", "new", "tmp"})

# The info suffix starts with ":2," (the Maildir specification). mbsync writes ";" instead
# of ":" on Windows, where ":" cannot be in a file name (its FieldDelimiter option).
_INFO_SEPARATORS = (":", ";")

# Maildir info flags → IMAP system flags (RFC 3501 section 2.3.2). "P" (passed) has no
# system flag; Dovecot maps it to the $Forwarded keyword (RFC 5788 registry).
_INFO_FLAGS = {
    "S": "\\Seen",
    "R": "\\Answered",
    "F": "\\Flagged",
    "T": "\\Deleted",
    "D": "\\Draft",
    "P": "$Forwarded",
}


def split_info(file_name: str) -> tuple[str, frozenset[str]]:
    """Split a Maildir file name into its unique part and its flags.

    Args:
        file_name: e.g. ``"1700000000.M1P2.host:2,RS"``.

    Returns:
        The name without the info suffix, and the IMAP flags of its ``2,`` info.
        Lower-case letters (Dovecot keywords, numbered per mailbox) are ignored.

    Example:
        >>> key, flags = split_info("1700000000.M1P2.host:2,RS")
        >>> key, sorted(flags)
        ('1700000000.M1P2.host', ['\\\\Answered', '\\\\Seen'])
    """
    for separator in _INFO_SEPARATORS:
        at = file_name.rfind(separator + "2,")
        if at > 0:
            letters = file_name[at + 3 :]
            return file_name[:at], frozenset(_INFO_FLAGS[c] for c in letters if c in _INFO_FLAGS)
        at = file_name.rfind(separator + "1,")
        if at > 0:
            return file_name[:at], frozenset()
    return file_name, frozenset()


def decode_modified_utf7(name: str) -> str:
    """Decode an IMAP modified UTF-7 mailbox name (RFC 3501 section 5.1.3).

    Names that are not valid modified UTF-7 come back unchanged (a folder "R&D" written
    by a tool that did not encode it).

    Example:
        >>> decode_modified_utf7("Entw&APw-rfe")
        'Entwürfe'
    """
    if "&" not in name:
        return name
    out: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch != "&":
            out.append(ch)
            i += 1
            continue
        end = name.find("-", i + 1)
        if end < 0:
            return name
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
            try:
                out.append(base64.b64decode(padded, validate=True).decode("utf-16-be"))
            except (binascii.Error, UnicodeDecodeError):
                return name
        i = end + 1
    return "".join(out)


def is_maildir(path: str | os.PathLike[str]) -> bool:
    """Return whether *path* is a Maildir folder: a directory with ``cur/`` or ``new/``."""
    return any(os.path.isdir(os.path.join(path, sub)) for sub in _MESSAGE_DIRS)


def _subdirs(directory: Path) -> list[os.DirEntry[str]]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return []
    out = []
    for entry in entries:
        try:
            # Links to directories are not followed: a link back up the tree would loop.
            if entry.is_dir(follow_symlinks=False):
                out.append(entry)
        except OSError:
            continue
    return out


class MaildirSource(IndexedFolders):
    """A Maildir, Maildir++ or nested-Maildir tree (see the module docstring).

    Message keys are file names without the info suffix (``":2,S"``); flags come from
    the info suffix, ``size`` and ``internal_date`` (aware UTC) from the file's stat.

    Args:
        path: the Maildir root.
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
        self._index: dict[str, list[Path]] | None = None

    def _build_index(self) -> dict[str, list[Path]]:
        if not self.path.is_dir():
            reason = "no such directory" if not self.path.exists() else "not a directory"
            raise SourceError(self.location, reason)
        index: dict[str, list[Path]] = {}
        if is_maildir(self.path):
            index["INBOX"] = [self.path]

        def nested(directory: Path, parts: list[str], depth: int) -> None:
            if is_maildir(directory):
                index.setdefault("/".join(parts), []).append(directory)
            if depth >= 64:
                return
            for entry in _subdirs(directory):
                if entry.name.startswith(".") or entry.name in _IGNORED_DIRS:
                    continue
                nested(Path(entry.path), parts + [decode_modified_utf7(entry.name)], depth + 1)

        for entry in _subdirs(self.path):
            if entry.name in _IGNORED_DIRS:
                continue
            if entry.name.startswith("."):
                # Maildir++: ".Sent", ".Archiv.2024"; hidden directories that are not
                # Maildirs (".notmuch", ".git") are someone else's.
                dotted = entry.name[1:]
                if dotted and dotted != "." and is_maildir(entry.path):
                    parts = [decode_modified_utf7(p) for p in dotted.split(".") if p]
                    index.setdefault("/".join(parts), []).append(Path(entry.path))
                continue
            nested(Path(entry.path), [decode_modified_utf7(entry.name)], 1)
        return index

    def messages(self, folder: Folder) -> Iterator[RawMessage]:
        """See `Source.messages`. Files come in the order of their names."""
        directories = self._ensure_index().get(folder.name)
        if directories is None:
            raise SourceError(self.location, f"no folder named {folder.name!r}")
        files: list[tuple[str, Path, bool]] = []
        for directory in directories:
            for sub in _MESSAGE_DIRS:
                files.extend((n, p, True) for n, p in self._list(directory / sub, folder))
            files.extend((n, p, False) for n, p in self._list(directory, folder, loose=True))
        files.sort(key=lambda item: item[0])
        for name, path, in_maildir_dir in files:
            key, flags = split_info(name)
            found = read_message_file(path, MessageRef(folder.name, key), folder.role)
            if found.problem is None:
                yield replace(found.message, flags=flags)
            elif in_maildir_dir:
                # Every file in cur/ and new/ is a message by definition: one that does
                # not look like one is reported, not skipped.
                yield RawMessage(
                    found.message.ref,
                    folder.role,
                    b"",
                    flags=flags,
                    error=f"not a message: {found.problem}",
                )

    def directories(self, folder: str) -> list[Path]:
        """The Maildir directories (each with ``cur/``, ``new/``) that make up *folder*.

        Raises:
            SourceError: the mailbox cannot be listed, or has no folder named *folder*.
        """
        directories = self._ensure_index().get(folder)
        if directories is None:
            raise SourceError(self.location, f"no folder named {folder!r}")
        return list(directories)

    def _list(self, directory: Path, folder: Folder, loose: bool = False) -> list[tuple[str, Path]]:
        """List one directory's message files; a missing cur/ or new/ is an empty one."""
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            if loose:
                raise SourceError(self.location, f"folder {folder.name!r} vanished") from None
            return []
        except NotADirectoryError:
            return []
        except OSError as error:
            raise SourceError(
                self.location, f"folder {folder.name!r}: {describe_os_error(error)}"
            ) from error
        out = []
        for entry in entries:
            # Hidden files are never Maildir messages (unique names start with a
            # timestamp); .gitkeep and .DS_Store are.
            if entry.name.startswith("."):
                continue
            if loose:
                try:
                    if not entry.is_file():
                        continue
                except OSError:
                    continue
            out.append((entry.name, Path(entry.path)))
        return out

    def close(self) -> None:
        """See `Source.close`."""
        self._index = None
