"""MaildirSource: Maildir, Maildir++ and nested Maildirs built in tmp_path."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ghostscan.errors import SourceError
from ghostscan.parse.headers import parse_headers
from ghostscan.sources.base import Folder, FolderRole
from ghostscan.sources.maildir import MaildirSource, decode_modified_utf7, split_info


def message(subject: str, body: str = "Hallo.\n", newline: str = "\n") -> bytes:
    lines = [
        "From: Anna Berg <anna@studio-berg.de>",
        "To: hans@mueller-bau.de",
        f"Subject: {subject}",
        f"Message-ID: <{abs(hash(subject))}@studio-berg.de>",
        "Date: Mon, 04 Mar 2024 10:00:00 +0100",
        "",
    ]
    return (newline.join(lines) + newline + body).encode()


def deliver(folder: Path, name: str, data: bytes, sub: str = "cur") -> Path:
    (folder / sub).mkdir(parents=True, exist_ok=True)
    path = folder / sub / name
    path.write_bytes(data)
    return path


def subjects(source: MaildirSource, folder: Folder) -> list[str]:
    return [parse_headers(m.headers, m.ref).subject for m in source.messages(folder)]


def bytes_read() -> int:
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        pytest.skip("counting bytes read needs /proc/self/io (Linux)")
    return int(re.search(r"rchar: (\d+)", text).group(1))  # type: ignore[union-attr]


@pytest.fixture
def maildirpp(tmp_path: Path) -> Path:
    root = tmp_path / "Maildir"
    deliver(root, "1700000001.M1P1.host:2,S", message("Angebot Dachsanierung"))
    deliver(root, "1700000002.M2P1.host", message("Rückfrage"), sub="new")
    (root / "tmp").mkdir()
    (root / "tmp" / "1700000003.M3P1.host").write_bytes(message("halb zugestellt"))
    deliver(root / ".Sent", "1700000004.M4P1.host:2,S", message("Angebot Fenster"))
    deliver(root / ".Junk", "1700000005.M5P1.host:2,", message("AW: Angebot Fenster"))
    deliver(root / ".INBOX.Kunden", "1700000006.M6P1.host:2,S", message("Kunde"))
    deliver(root / ".Archiv.2024", "1700000007.M7P1.host:2,S", message("Alt"))
    deliver(root / ".Entw&APw-rfe", "1700000008.M8P1.host:2,D", message("Entwurf"))
    # Dovecot's bookkeeping beside the folders is not mail.
    (root / "dovecot-uidlist").write_text("3 V1700000000 N9 G1\n1 :1700000001.M1P1.host\n")
    (root / "subscriptions").write_text("Sent\nJunk\n")
    (root / "maildirfolder").write_bytes(b"")
    (root / ".notmuch" / "xapian").mkdir(parents=True)
    return root


def test_maildirpp_folders_and_roles(maildirpp: Path) -> None:
    source = MaildirSource(maildirpp)
    assert source.folders() == [
        Folder("INBOX", FolderRole.INBOX),
        Folder("Archiv/2024", FolderRole.ARCHIVE),
        Folder("Entwürfe", FolderRole.DRAFTS),
        Folder("INBOX/Kunden", FolderRole.OTHER),
        Folder("Junk", FolderRole.JUNK),
        Folder("Sent", FolderRole.SENT),
    ]


def test_inbox_reads_cur_and_new_but_not_tmp_nor_bookkeeping(maildirpp: Path) -> None:
    source = MaildirSource(maildirpp)
    inbox = source.folders()[0]
    assert subjects(source, inbox) == ["Angebot Dachsanierung", "Rückfrage"]


def test_every_message_is_in_exactly_one_folder(maildirpp: Path) -> None:
    source = MaildirSource(maildirpp)
    counts = {f.name: len(list(source.messages(f))) for f in source.folders()}
    assert counts == {
        "INBOX": 2,
        "Archiv/2024": 1,
        "Entwürfe": 1,
        "INBOX/Kunden": 1,
        "Junk": 1,
        "Sent": 1,
    }


def test_keys_flags_size_and_date(tmp_path: Path) -> None:
    data = message("Flags")
    path = deliver(tmp_path, "1700000001.M1P1.host:2,FRS", data)
    when = datetime(2024, 3, 4, 9, 30, tzinfo=timezone.utc)
    os.utime(path, (when.timestamp(), when.timestamp()))
    deliver(tmp_path, "1700000002.M2P1.host:2,DPT", message("Alle"))
    source = MaildirSource(tmp_path)
    first, second = source.messages(source.folders()[0])
    assert first.ref.key == "1700000001.M1P1.host"
    assert str(first.ref) == "INBOX/1700000001.M1P1.host"
    assert first.flags == {"\\Flagged", "\\Answered", "\\Seen"}
    assert first.size == len(data)
    assert first.internal_date == when
    assert first.internal_date.tzinfo is not None
    assert second.flags == {"\\Draft", "$Forwarded", "\\Deleted"}


def test_messages_are_sorted_by_file_name_across_cur_and_new(tmp_path: Path) -> None:
    deliver(tmp_path, "3:2,S", message("drei"))
    deliver(tmp_path, "1", message("eins"), sub="new")
    deliver(tmp_path, "2:2,", message("zwei"))
    source = MaildirSource(tmp_path)
    assert subjects(source, source.folders()[0]) == ["eins", "zwei", "drei"]


@pytest.mark.parametrize("present", ["cur", "new"])
def test_cur_or_new_may_be_missing(tmp_path: Path, present: str) -> None:
    # A Maildir checked into git loses its empty directories.
    deliver(tmp_path, "1:2,S", message("allein"), sub=present)
    source = MaildirSource(tmp_path)
    assert subjects(source, source.folders()[0]) == ["allein"]


def test_plain_nested_maildirs(tmp_path: Path) -> None:
    deliver(tmp_path / "foo", "1:2,", message("foo"))
    deliver(tmp_path / "bar" / "baz", "2:2,", message("baz"), sub="new")
    (tmp_path / "bar" / "leer").mkdir()  # neither cur/ nor new/: not a folder
    deliver(tmp_path / "Gesendet", "3:2,S", message("gesendet"))
    source = MaildirSource(tmp_path)
    assert source.folders() == [
        Folder("bar/baz", FolderRole.OTHER),
        Folder("foo", FolderRole.OTHER),
        Folder("Gesendet", FolderRole.SENT),
    ]
    assert subjects(source, Folder("bar/baz", FolderRole.OTHER)) == ["baz"]


def test_loose_message_files_in_a_folder_directory_are_read(tmp_path: Path) -> None:
    # notmuch's corpora keep some messages beside cur/ and new/.
    deliver(tmp_path, "1:2,", message("in cur"))
    (tmp_path / "2:2,").write_bytes(message("daneben"))
    (tmp_path / "dovecot.index.log").write_bytes(b"\x01\x02\x00\x00binary")
    source = MaildirSource(tmp_path)
    assert subjects(source, source.folders()[0]) == ["in cur", "daneben"]


def test_headers_only_until_the_loader_is_called(tmp_path: Path) -> None:
    body = ("x" * 75 + "\n") * (5 * 1024 * 1024 // 76)
    data = message("Großer Anhang", body)
    deliver(tmp_path, "1:2,S", data)
    source = MaildirSource(tmp_path)
    folder = source.folders()[0]
    before = bytes_read()
    (raw,) = list(source.messages(folder))
    read = bytes_read() - before
    assert read < 256 * 1024, f"{read} bytes read for a header block"
    assert raw.headers.startswith(b"From: Anna Berg")
    assert raw.headers.endswith(b"+0100\n")
    assert parse_headers(raw.headers, raw.ref).subject == "Großer Anhang"
    assert raw.size == len(data)
    assert raw.load() == data


def test_crlf_headers(tmp_path: Path) -> None:
    deliver(tmp_path, "1:2,", message("Zeilenenden", "Text\r\n", newline="\r\n"))
    source = MaildirSource(tmp_path)
    (raw,) = list(source.messages(source.folders()[0]))
    assert raw.headers.endswith(b"+0100\r\n")
    assert b"Text" not in raw.headers
    assert parse_headers(raw.headers, raw.ref).subject == "Zeilenenden"


def test_unreadable_files_are_yielded_with_an_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    deliver(tmp_path, "1:2,S", message("eins"))
    (tmp_path / "cur" / "2:2,S").symlink_to(tmp_path / "gone")
    (tmp_path / "cur" / "3:2,S").mkdir()
    deliver(tmp_path, "4:2,S", message("vier"))
    deliver(tmp_path, "5:2,S", b"this is not a message at all\n")
    source = MaildirSource(tmp_path)
    got = list(source.messages(source.folders()[0]))
    assert [m.ref.key for m in got] == ["1", "2", "3", "4", "5"]
    assert [m.error is None for m in got] == [True, False, False, True, False]
    assert "no such file" in got[1].error
    assert "directory" in got[2].error
    assert got[4].error == "not a message: no header block"
    assert got[1].headers == b""


def test_hidden_files_in_cur_are_not_messages(tmp_path: Path) -> None:
    deliver(tmp_path, "1:2,S", message("eins"))
    (tmp_path / "cur" / ".gitkeep").write_bytes(b"")
    (tmp_path / "cur" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    source = MaildirSource(tmp_path)
    assert len(list(source.messages(source.folders()[0]))) == 1


def test_overrides_reach_the_roles(tmp_path: Path) -> None:
    deliver(tmp_path / ".Angebote", "1:2,S", message("a"))
    source = MaildirSource(tmp_path, {"angebote": FolderRole.SENT})
    assert source.folders() == [Folder("Angebote", FolderRole.SENT)]


def test_unknown_folder_and_missing_root(tmp_path: Path) -> None:
    deliver(tmp_path, "1:2,S", message("eins"))
    source = MaildirSource(tmp_path)
    with pytest.raises(SourceError, match="no folder named 'Nope'"):
        list(source.messages(Folder("Nope", FolderRole.OTHER)))
    with pytest.raises(SourceError, match="no such directory"):
        MaildirSource(tmp_path / "missing").folders()


def test_close_is_safe_twice(tmp_path: Path) -> None:
    deliver(tmp_path, "1:2,S", message("eins"))
    source = MaildirSource(tmp_path)
    source.folders()
    source.close()
    source.close()
    assert len(list(source.messages(Folder("INBOX", FolderRole.INBOX)))) == 1


@pytest.mark.parametrize(
    ("name", "key", "flags"),
    [
        ("1700.M1.host:2,RS", "1700.M1.host", {"\\Answered", "\\Seen"}),
        ("1700.M1.host;2,S", "1700.M1.host", {"\\Seen"}),  # mbsync on Windows
        ("1700.M1.host:2,Sab", "1700.M1.host", {"\\Seen"}),  # Dovecot keywords a-z
        ("1700.M1.host", "1700.M1.host", set()),
        ("01:2,", "01", set()),
        ("x.len:2,S", "x.len", {"\\Seen"}),
    ],
)
def test_split_info(name: str, key: str, flags: set[str]) -> None:
    assert split_info(name) == (key, flags)


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("Entw&APw-rfe", "Entwürfe"),
        ("Gel&APY-schte Elemente", "Gelöschte Elemente"),
        ("R&-D", "R&D"),
        ("R&D", "R&D"),  # not valid modified UTF-7: kept as it is
        ("Sent", "Sent"),
    ],
)
def test_modified_utf7_folder_names(encoded: str, decoded: str) -> None:
    assert decode_modified_utf7(encoded) == decoded
