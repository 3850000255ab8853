"""open_source: which reader a path gets, and the errors a user sees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ghostscan.errors import SourceError
from ghostscan.parse.headers import parse_headers
from ghostscan.sources import Folder, FolderRole, open_source
from ghostscan.sources.eml_dir import EmlDirSource
from ghostscan.sources.maildir import MaildirSource
from ghostscan.sources.mbox import MboxSource

MESSAGE = b"From: a@studio-berg.de\nTo: b@mueller-bau.de\nSubject: Angebot\n\nText\n"
ENVELOPE = b"From a@studio-berg.de Mon Mar  4 09:00:00 2024\n"


def put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def count(source: object) -> dict[str, int]:
    return {f.name: len(list(source.messages(f))) for f in source.folders()}  # type: ignore[attr-defined]


def test_maildir(tmp_path: Path) -> None:
    put(tmp_path / "cur" / "1:2,S", MESSAGE)
    put(tmp_path / ".Sent" / "cur" / "2:2,S", MESSAGE)
    source = open_source(tmp_path)
    assert isinstance(source, MaildirSource)
    assert source.folders() == [Folder("INBOX", FolderRole.INBOX), Folder("Sent", FolderRole.SENT)]


def test_maildirpp_without_an_inbox_of_its_own(tmp_path: Path) -> None:
    put(tmp_path / ".Junk" / "new" / "1", MESSAGE)
    source = open_source(tmp_path)
    assert isinstance(source, MaildirSource)
    assert count(source) == {"Junk": 1}


def test_a_tree_of_nested_maildirs(tmp_path: Path) -> None:
    put(tmp_path / "mail" / "cur" / "1:2,", MESSAGE)
    put(tmp_path / "mail" / "foo" / "new" / "2:2,", MESSAGE)
    put(tmp_path / "README", b"Mailbox backup, see mail/\n")
    source = open_source(tmp_path)
    assert isinstance(source, MaildirSource)
    assert count(source) == {"mail": 1, "mail/foo": 1}


def test_maildirs_mixed_with_loose_message_files_are_a_folder_of_files(tmp_path: Path) -> None:
    put(tmp_path / "notmuch" / "cur" / "1:2,", MESSAGE)
    put(tmp_path / "enron" / "1.txt", MESSAGE)
    source = open_source(tmp_path)
    assert isinstance(source, EmlDirSource)
    assert count(source) == {"enron": 1, "notmuch": 1}


def test_mbox_file(tmp_path: Path) -> None:
    path = put(tmp_path / "Inbox", ENVELOPE + MESSAGE + b"\n" + ENVELOPE + MESSAGE)
    source = open_source(path)
    assert isinstance(source, MboxSource)
    assert count(source) == {"Inbox": 2}


def test_thunderbird_directory(tmp_path: Path) -> None:
    put(tmp_path / "Inbox", ENVELOPE + MESSAGE)
    put(tmp_path / "Inbox.msf", b"// <!-- <mdb:mork:z v=\"1.4\"/> -->\n")
    put(tmp_path / "Archives.sbd" / "2024", ENVELOPE + MESSAGE)
    source = open_source(tmp_path)
    assert isinstance(source, MboxSource)
    assert count(source) == {"Archives/2024": 1, "Inbox": 1}


def test_directory_of_mbox_files_without_indexes(tmp_path: Path) -> None:
    put(tmp_path / "inbox", ENVELOPE + MESSAGE + b"\n" + ENVELOPE + MESSAGE)
    put(tmp_path / "sent", ENVELOPE + MESSAGE)
    source = open_source(tmp_path)
    assert isinstance(source, MboxSource)
    assert count(source) == {"inbox": 2, "sent": 1}


def test_directory_of_message_files(tmp_path: Path) -> None:
    put(tmp_path / "a.eml", MESSAGE)
    put(tmp_path / "b.box", ENVELOPE + MESSAGE)
    put(tmp_path / "Gesendet" / "c.eml", MESSAGE)
    source = open_source(tmp_path)
    assert isinstance(source, EmlDirSource)
    assert count(source) == {"INBOX": 2, "Gesendet": 1}


def test_single_message_files(tmp_path: Path) -> None:
    eml = open_source(put(tmp_path / "angebot.eml", MESSAGE))
    assert isinstance(eml, EmlDirSource)
    ((raw,),) = [list(eml.messages(f)) for f in eml.folders()]
    assert parse_headers(raw.headers, raw.ref).subject == "Angebot"
    box = open_source(put(tmp_path / "bounce.box", ENVELOPE + MESSAGE))
    assert isinstance(box, MboxSource)
    assert count(box) == {"bounce": 1}


def test_overrides_are_passed_on(tmp_path: Path) -> None:
    put(tmp_path / "Angebote" / "a.eml", MESSAGE)
    source = open_source(tmp_path, {"Angebote": FolderRole.SENT})
    assert source.folders() == [Folder("Angebote", FolderRole.SENT)]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p / "missing", "no such file or directory"),
        (lambda p: put(p / "file", MESSAGE) / "below", "no such file or directory"),
        (lambda p: put(p / "empty.mbox", b""), "empty file"),
        (lambda p: put(p / "blank.eml", b"\n\n"), "empty file"),
        (
            lambda p: put(p / "notes.txt", b"Lorem ipsum dolor sit amet\n"),
            "not a mailbox: no mbox 'From ' line and no message header",
        ),
        (lambda p: (p / "leer").mkdir() or p / "leer", "not a mailbox: the directory is empty"),
        (
            lambda p: put(p / "docs" / "README.md", b"# Hallo\n").parent,
            "not a mailbox: no Maildir cur/ or new/, no mbox 'From ' line and no message files",
        ),
        (
            lambda p: put(p / "texts" / "a.txt", b"Lorem ipsum\n").parent,
            "not a mailbox: no Maildir cur/ or new/, no mbox 'From ' line and no message files",
        ),
    ],
    ids=["missing", "below-a-file", "empty", "blank", "text", "empty-dir", "docs-only", "text-only"],
)
def test_errors_a_user_understands(tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(SourceError) as caught:
        open_source(path)
    assert caught.value.reason == reason
    assert caught.value.location == str(path)
    assert str(caught.value) == f"cannot read mailbox {path}: {reason}"


def test_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    with pytest.raises(SourceError, match="dangling symbolic link"):
        open_source(tmp_path / "link")


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root reads every file regardless of its mode"
)
def test_permission_denied(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    put(locked / "a.eml", MESSAGE)
    locked.chmod(0)
    try:
        with pytest.raises(SourceError, match="permission denied"):
            open_source(locked)
    finally:
        locked.chmod(0o755)


def test_a_file_that_is_not_mail_is_named(tmp_path: Path) -> None:
    path = put(tmp_path / "mail.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    with pytest.raises(SourceError, match="Outlook .msg file"):
        open_source(path)
