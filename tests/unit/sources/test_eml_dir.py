"""EmlDirSource: folders of single-message files, header-first reading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ghostscan.errors import SourceError
from ghostscan.parse.headers import parse_headers
from ghostscan.sources.base import Folder, FolderRole
from ghostscan.sources.eml_dir import EmlDirSource, sniff_message


def message(subject: str, body: str = "Hallo.\n", newline: str = "\n") -> bytes:
    lines = [
        "From: Hans Müller <hans@mueller-bau.de>",
        "To: anna@studio-berg.de",
        f"Subject: {subject}",
        "Date: Tue, 05 Mar 2024 08:15:00 +0100",
        "",
    ]
    return (newline.join(lines) + newline + body).encode()


def put(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def subjects(source: EmlDirSource, folder: Folder) -> list[str]:
    return [parse_headers(m.headers, m.ref).subject for m in source.messages(folder)]


def bytes_read() -> int:
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        pytest.skip("counting bytes read needs /proc/self/io (Linux)")
    return int(re.search(r"rchar: (\d+)", text).group(1))  # type: ignore[union-attr]


def test_root_is_inbox_and_subdirectories_are_folders(tmp_path: Path) -> None:
    put(tmp_path / "a.eml", message("Anfrage"))
    put(tmp_path / "Gesendet" / "b.eml", message("Angebot"))
    put(tmp_path / "Kunden" / "Müller" / "c.msg", message("Rückfrage Müller"))
    put(tmp_path / "Junk-E-Mail" / "d.txt", message("AW: Angebot"))
    (tmp_path / "leer").mkdir()
    put(tmp_path / "nur-notizen" / "README.md", b"# Notizen\n")
    source = EmlDirSource(tmp_path)
    assert source.folders() == [
        Folder("INBOX", FolderRole.INBOX),
        Folder("Gesendet", FolderRole.SENT),
        Folder("Junk-E-Mail", FolderRole.JUNK),
        Folder("Kunden/Müller", FolderRole.OTHER),
    ]
    assert subjects(source, Folder("Kunden/Müller", FolderRole.OTHER)) == ["Rückfrage Müller"]
    assert subjects(source, Folder("Junk-E-Mail", FolderRole.JUNK)) == ["AW: Angebot"]


def test_files_are_chosen_by_their_first_bytes(tmp_path: Path) -> None:
    put(tmp_path / "1.eml", message("eml"))
    put(tmp_path / "2.msg", message("msg"))
    put(tmp_path / "3.txt", message("txt"))
    put(tmp_path / "4", message("ohne Endung"))
    put(tmp_path / "5.box", b"From hans@mueller-bau.de Tue Mar  5 08:15:00 2024\n" + message("box"))
    put(tmp_path / "README.md", b"Subject: looks like a header but is documentation\n")
    put(tmp_path / "MANIFEST.tsv", b"path\tsha256\n")
    put(tmp_path / "1.cats", b"1,1,1\n")
    put(tmp_path / "categories.txt", b"Format of each line in .cats file:\nn1,n2,n3\n")
    put(tmp_path / "lorem", b"Lorem ipsum dolor sit amet, consectetur adipisicing elit\n")
    put(tmp_path / "bild.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    put(tmp_path / "blob", b"\x00\x01\x02\x03binary")
    put(tmp_path / ".hidden.eml", message("versteckt"))
    source = EmlDirSource(tmp_path)
    assert subjects(source, source.folders()[0]) == ["eml", "msg", "txt", "ohne Endung", "box"]


def test_a_box_file_loses_its_envelope_line(tmp_path: Path) -> None:
    data = message("box", "Zeile\n>From the archive\n")
    put(tmp_path / "x.box", b"From hans@mueller-bau.de Tue Mar  5 08:15:00 2024\n" + data)
    source = EmlDirSource(tmp_path)
    (raw,) = list(source.messages(source.folders()[0]))
    assert raw.headers.startswith(b"From: Hans")
    assert raw.size == len(data)
    assert raw.load() == data.replace(b">From the", b"From the")


def test_files_claiming_to_be_messages_are_reported_when_they_are_not(tmp_path: Path) -> None:
    put(tmp_path / "a.eml", message("gut"))
    put(tmp_path / "b.eml", b"")
    put(tmp_path / "c.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    put(tmp_path / "d.eml", b"<html><body>kein Header</body></html>\n")
    source = EmlDirSource(tmp_path)
    got = list(source.messages(source.folders()[0]))
    assert [(m.ref.key, m.error) for m in got] == [
        ("a.eml", None),
        ("b.eml", "not a message: empty file"),
        ("c.msg", "not a message: an Outlook .msg file in Outlook's binary format (save it as .eml)"),
        ("d.eml", "not a message: no header block"),
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_line_endings(tmp_path: Path, newline: str) -> None:
    put(tmp_path / "m.eml", message("Zeilenenden", f"Text{newline}mehr{newline}", newline=newline))
    source = EmlDirSource(tmp_path)
    (raw,) = list(source.messages(source.folders()[0]))
    assert b"Text" not in raw.headers
    meta = parse_headers(raw.headers, raw.ref)
    assert meta.subject == "Zeilenenden"
    assert meta.sender is not None and meta.sender.email == "hans@mueller-bau.de"
    assert meta.date is not None and meta.date.hour == 8


def test_leading_blank_lines_are_not_the_end_of_the_headers(tmp_path: Path) -> None:
    put(tmp_path / "m.eml", b"\n" + b" " * 40 + b"\n" + message("davor leer"))
    source = EmlDirSource(tmp_path)
    (raw,) = list(source.messages(source.folders()[0]))
    assert parse_headers(raw.headers, raw.ref).subject == "davor leer"


def test_headers_only_until_the_loader_is_called(tmp_path: Path) -> None:
    body = ("z" * 75 + "\n") * (5 * 1024 * 1024 // 76)
    data = message("Bauplan als Anhang", body)
    put(tmp_path / "gross.eml", data)
    source = EmlDirSource(tmp_path)
    folder = source.folders()[0]
    before = bytes_read()
    (raw,) = list(source.messages(folder))
    read = bytes_read() - before
    assert read < 256 * 1024, f"{read} bytes read for a header block"
    assert parse_headers(raw.headers, raw.ref).subject == "Bauplan als Anhang"
    assert len(raw.headers) < 300
    assert raw.size == len(data)
    assert raw.load() == data


def test_a_header_block_without_end_stops_at_the_limit(tmp_path: Path) -> None:
    put(tmp_path / "m.eml", b"Subject: endlos\n" + b"X-Filler: " + b"a" * (2 * 1024 * 1024) + b"\n")
    source = EmlDirSource(tmp_path)
    (raw,) = list(source.messages(source.folders()[0]))
    assert raw.headers.startswith(b"Subject: endlos\n")
    assert len(raw.headers) == 256 * 1024


def test_unreadable_files_are_yielded_with_an_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    put(tmp_path / "1.eml", message("eins"))
    (tmp_path / "2.eml").symlink_to(tmp_path / "weg.eml")
    put(tmp_path / "3.eml", message("drei"))
    source = EmlDirSource(tmp_path)
    got = list(source.messages(source.folders()[0]))
    assert [m.ref.key for m in got] == ["1.eml", "2.eml", "3.eml"]
    assert got[0].error is None and got[2].error is None
    assert got[1].error == "dangling symbolic link: no such file or directory"
    assert got[1].headers == b""


def test_maildir_subdirectories_belong_to_their_folder(tmp_path: Path) -> None:
    put(tmp_path / "Kunden" / "cur" / "1:2,S", message("cur"))
    put(tmp_path / "Kunden" / "new" / "2", message("new"))
    put(tmp_path / "Kunden" / "tmp" / "3", message("tmp"))
    put(tmp_path / "Kunden" / "4.eml", message("daneben"))
    put(tmp_path / ".git" / "HEAD", b"ref: refs/heads/main\n")
    source = EmlDirSource(tmp_path)
    assert source.folders() == [Folder("Kunden", FolderRole.OTHER)]
    got = list(source.messages(source.folders()[0]))
    assert [m.ref.key for m in got] == ["4.eml", "cur/1:2,S", "new/2"]


def test_a_single_file(tmp_path: Path) -> None:
    path = put(tmp_path / "angebot.eml", message("einzeln"))
    source = EmlDirSource(path)
    assert source.folders() == [Folder("INBOX", FolderRole.INBOX)]
    (raw,) = list(source.messages(source.folders()[0]))
    assert raw.ref.key == "angebot.eml"
    assert raw.load() == message("einzeln")


def test_unknown_folder(tmp_path: Path) -> None:
    put(tmp_path / "a.eml", message("a"))
    with pytest.raises(SourceError, match="no folder named 'Sent'"):
        list(EmlDirSource(tmp_path).messages(Folder("Sent", FolderRole.SENT)))


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        (b"Received: from x\n", None),
        (b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n", None),
        (b"\xef\xbb\xbfFrom: a@b.de\n", None),
        (b"    Return-Path: <someone@domain.org>\n", None),
        (b"Subject : obsolete spacing\n", None),
        (b"\n\n", "empty file"),
        (b"Lorem ipsum dolor sit amet\n", "no header block"),
        (b"--------------\nmatches: Array\n", "no header block"),
    ],
)
def test_sniff_message(start: bytes, problem: str | None) -> None:
    assert sniff_message(start) == problem
