"""`open_source`: look at a path and pick the reader that fits it."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ghostscan.errors import SourceError
from ghostscan.sources.base import FolderRole, Source
from ghostscan.sources.eml_dir import (
    SKIPPED_EXTENSIONS,
    EmlDirSource,
    describe_os_error,
    sniff_message,
)
from ghostscan.sources.maildir import MaildirSource, is_maildir
from ghostscan.sources.mbox import MboxSource, is_mbox_start

__all__ = ["open_source"]

NOT_A_MAILBOX = "not a mailbox: no Maildir cur/ or new/, no mbox 'From ' line and no message files"

_MAILDIR_DIRS = frozenset({"cur", "new", "tmp"})
# Extensions that say "this file is one message" even when it starts with a From_ line
# (a .box file is a single message saved with its mbox envelope line).
_SINGLE_MESSAGE_EXTENSIONS = frozenset({".eml", ".msg", ".txt", ".box"})
_MBOX_EXTENSIONS = frozenset({".mbox", ".mbx"})
_SNIFF = 4096


@dataclass
class _Survey:
    """What a walk over a directory tree found (names only, plus a few first bytes)."""

    maildir_folders: int = 0
    thunderbird: bool = False
    outside_candidates: list[Path] = field(default_factory=list)


def _first_bytes(path: str | os.PathLike[str]) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(_SNIFF)
    except OSError:
        return None


def _is_candidate_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() not in SKIPPED_EXTENSIONS


def _survey(root: Path) -> _Survey:
    found = _Survey()

    def walk(directory: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        inside_maildir = is_maildir(directory)
        if inside_maildir:
            found.maildir_folders += 1
        for entry in entries:
            name = entry.name
            lower = name.lower()
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file()
            except OSError:
                continue
            if is_dir:
                if lower.endswith(".sbd") or (lower.endswith(".mbox") and not name.startswith(".")):
                    found.thunderbird = True
                if name.startswith(".") or (inside_maildir and name in _MAILDIR_DIRS):
                    continue
                if depth < 64:
                    walk(Path(entry.path), depth + 1)
            elif is_file:
                if lower.endswith(".msf") or lower.endswith(".mbox"):
                    found.thunderbird = True
                if not inside_maildir and _is_candidate_name(name):
                    found.outside_candidates.append(Path(entry.path))

    walk(root, 0)
    return found


def _has_maildirplusplus(root: Path) -> bool:
    try:
        entries = list(os.scandir(root))
    except OSError:
        return False
    return any(
        e.name.startswith(".") and len(e.name) > 1 and e.name != ".." and is_maildir(e.path)
        for e in entries
    )


def _is_mbox_directory(root: Path) -> bool:
    """A directory of mbox files without Thunderbird's index files (mutt's ~/Mail).

    True when its top-level files that could be mbox files (no extension, or .mbox) start
    with ``From ``, and none of its top-level files is a plain RFC 5322 message.
    """
    mbox_files = 0
    try:
        entries = list(os.scandir(root))
    except OSError:
        return False
    for entry in entries:
        if not _is_candidate_name(entry.name):
            continue
        try:
            if not entry.is_file():
                continue
        except OSError:
            continue
        start = _first_bytes(entry.path)
        if not start:
            continue
        ext = os.path.splitext(entry.name)[1].lower()
        if is_mbox_start(start):
            if ext in _SINGLE_MESSAGE_EXTENSIONS:
                return False
            mbox_files += 1
        elif sniff_message(start) is None:
            return False
    return mbox_files > 0


def _open_directory(
    root: Path, location: str, overrides: Mapping[str, FolderRole] | None
) -> Source:
    try:
        with os.scandir(root) as it:
            empty = next(it, None) is None
    except PermissionError:
        raise SourceError(location, "permission denied") from None
    except OSError as error:
        raise SourceError(location, describe_os_error(error)) from error
    if empty:
        raise SourceError(location, "not a mailbox: the directory is empty")
    if is_maildir(root) or _has_maildirplusplus(root):
        return MaildirSource(root, overrides)
    survey = _survey(root)
    if survey.thunderbird:
        return MboxSource(root, overrides)
    first_message = next(
        (p for p in survey.outside_candidates if (s := _first_bytes(p)) and sniff_message(s) is None), None
    )
    if survey.maildir_folders and first_message is None:
        return MaildirSource(root, overrides)
    if _is_mbox_directory(root):
        return MboxSource(root, overrides)
    if first_message is not None:
        return EmlDirSource(root, overrides)
    raise SourceError(location, NOT_A_MAILBOX)


def open_source(
    path: str | os.PathLike[str],
    overrides: Mapping[str, FolderRole] | None = None,
) -> Source:
    """Open a local mailbox, whatever its layout.

    * a directory with ``cur/`` or ``new/``, Maildir++ ``.Folder`` directories, or a tree
      whose only messages sit in nested Maildirs → `MaildirSource`;
    * a file starting with ``From `` → `MboxSource` (a ``.box`` single message too);
    * a directory of mbox files (Thunderbird's ``*.msf``/``*.sbd``, Apple Mail's
      ``*.mbox``, or files that all start with ``From ``) → `MboxSource`;
    * a directory of message files, or one ``.eml`` file → `EmlDirSource`.

    Only names and the first few KB of files are read to decide.

    Args:
        path: the mailbox's path.
        overrides: folder name → role, passed on to the source (see `role_for_name`).

    Returns:
        The source; nothing is scanned yet.

    Raises:
        SourceError: the path does not exist, cannot be read, is empty, or is not a
            mailbox. The reason reads as a sentence fragment
            (``"no such file or directory"``, ``"permission denied"``, ``"empty file"``,
            ``NOT_A_MAILBOX``).
    """
    location = os.fspath(path)
    location = location if isinstance(location, str) else os.fsdecode(location)
    p = Path(location)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        if os.path.islink(p):
            raise SourceError(location, "dangling symbolic link: no such file or directory") from None
        raise SourceError(location, "no such file or directory") from None
    except NotADirectoryError:
        raise SourceError(location, "no such file or directory") from None
    except PermissionError:
        raise SourceError(location, "permission denied") from None
    except OSError as error:
        raise SourceError(location, describe_os_error(error)) from error
    if stat.S_ISDIR(st.st_mode):
        return _open_directory(p, location, overrides)
    if not stat.S_ISREG(st.st_mode):
        raise SourceError(location, "not a mailbox: neither a regular file nor a directory")
    try:
        with open(p, "rb") as fh:
            start = fh.read(_SNIFF)
    except PermissionError:
        raise SourceError(location, "permission denied") from None
    except OSError as error:
        raise SourceError(location, describe_os_error(error)) from error
    if not start:
        raise SourceError(location, "empty file")
    if is_mbox_start(start):
        return MboxSource(p, overrides)
    problem = sniff_message(start)
    if problem is None:
        return EmlDirSource(p, overrides)
    if problem == "empty file":
        raise SourceError(location, "empty file")
    if problem == "no header block":
        raise SourceError(location, "not a mailbox: no mbox 'From ' line and no message header")
    raise SourceError(location, f"not a mailbox: {problem}")
