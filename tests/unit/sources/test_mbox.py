"""MboxSource: single files, Thunderbird/Apple directories, Google Takeout labels."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ghostscan.errors import SourceError
from ghostscan.parse.headers import parse_headers
from ghostscan.sources.base import Folder, FolderRole
from ghostscan.sources.mbox import MboxSource, unescape_mboxrd


def entry(
    subject: str,
    body: str = "Hallo.\n",
    *,
    extra: str = "",
    envelope: str = "From anna@studio-berg.de Mon Mar  4 09:00:00 2024",
) -> str:
    return (
        f"{envelope}\n"
        "From: Anna Berg <anna@studio-berg.de>\n"
        "To: hans@mueller-bau.de\n"
        f"Subject: {subject}\n"
        f"{extra}"
        "Date: Mon, 04 Mar 2024 10:00:00 +0100\n"
        "\n"
        f"{body}\n"
    )


def write_mbox(path: Path, *entries: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(entries).encode())
    return path


def subjects(source: MboxSource, folder: Folder) -> list[str]:
    return [parse_headers(m.headers, m.ref).subject for m in source.messages(folder)]


def everything(source: MboxSource) -> dict[str, list[str]]:
    return {f.name: subjects(source, f) for f in source.folders()}


def bytes_read() -> int:
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        pytest.skip("counting bytes read needs /proc/self/io (Linux)")
    return int(re.search(r"rchar: (\d+)", text).group(1))  # type: ignore[union-attr]


def test_one_file_is_one_folder_named_after_it(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "sent.mbox", entry("eins"), entry("zwei"), entry("drei"))
    source = MboxSource(path)
    assert source.folders() == [Folder("sent", FolderRole.SENT)]
    messages = list(source.messages(source.folders()[0]))
    assert [m.ref.key for m in messages] == ["1", "2", "3"]
    assert [parse_headers(m.headers, m.ref).subject for m in messages] == ["eins", "zwei", "drei"]


def test_from_lines_inside_a_paragraph_do_not_split_messages(tmp_path: Path) -> None:
    body = "Sehr geehrte Damen und Herren,\nFrom now on we ship on Mondays.\n"
    path = write_mbox(tmp_path / "Inbox", entry("eins", body), entry("zwei"))
    source = MboxSource(path)
    assert subjects(source, source.folders()[0]) == ["eins", "zwei"]


def test_header_block_excludes_the_from_line_and_the_loader_returns_one_message(tmp_path: Path) -> None:
    first = entry("eins", "Zeile 1\n>From the archive\n>>From deeper\n")
    path = write_mbox(tmp_path / "Inbox", first, entry("zwei"))
    source = MboxSource(path)
    one, two = source.messages(source.folders()[0])
    assert one.headers.startswith(b"From: Anna Berg")
    assert b"anna@studio-berg.de Mon Mar" not in one.headers
    loaded = one.load()
    assert loaded.startswith(b"From: Anna Berg")
    # mboxrd: one ">" comes off every quoted From_ line; the separator line is not part
    # of the message.
    assert loaded.endswith(b"\n\nZeile 1\nFrom the archive\n>From deeper\n")
    assert one.size == len(first.split("\n", 1)[1]) - 1
    assert two.load().endswith(b"\n\nHallo.\n")


def test_internal_date_comes_from_the_from_line(tmp_path: Path) -> None:
    path = write_mbox(
        tmp_path / "Inbox",
        entry("asctime"),
        entry("takeout", envelope="From 1791234567890@xxx Wed Mar 06 18:21:37 +0000 2024"),
        entry("kaputt", envelope="From someone"),
    )
    source = MboxSource(path)
    dates = [m.internal_date for m in source.messages(source.folders()[0])]
    assert dates == [
        datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc),
        datetime(2024, 3, 6, 18, 21, 37, tzinfo=timezone.utc),
        None,
    ]


def test_flags_from_status_headers(tmp_path: Path) -> None:
    path = write_mbox(
        tmp_path / "Inbox",
        entry("mutt", extra="Status: RO\nX-Status: AF\n"),
        entry("thunderbird gelöscht", extra="X-Mozilla-Status: 0009\n"),
        entry("neu"),
    )
    source = MboxSource(path)
    flags = [m.flags for m in source.messages(source.folders()[0])]
    assert flags == [
        {"\\Seen", "\\Answered", "\\Flagged"},
        {"\\Seen", "\\Deleted"},
        set(),
    ]


def test_crlf_mbox(tmp_path: Path) -> None:
    path = tmp_path / "Inbox"
    path.write_bytes((entry("eins") + entry("zwei")).replace("\n", "\r\n").encode())
    source = MboxSource(path)
    one, two = source.messages(source.folders()[0])
    assert parse_headers(one.headers, one.ref).subject == "eins"
    assert one.load().endswith(b"\r\n\r\nHallo.\r\n")
    assert parse_headers(two.headers, two.ref).subject == "zwei"


def test_headers_first_reading_of_a_big_message(tmp_path: Path) -> None:
    body = ("y" * 75 + "\n") * (5 * 1024 * 1024 // 76)
    path = write_mbox(tmp_path / "Inbox", entry("klein"), entry("groß", body), entry("danach"))
    source = MboxSource(path)
    folder = source.folders()[0]  # the one scan over the whole file happens here
    before = bytes_read()
    messages = list(source.messages(folder))
    read = bytes_read() - before
    assert read < 1024 * 1024, f"{read} bytes read for three header blocks"
    assert [parse_headers(m.headers, m.ref).subject for m in messages] == ["klein", "groß", "danach"]
    big = messages[1].load()
    assert len(big) > 5_000_000
    assert big.endswith(body.encode())
    assert messages[1].size == len(big)


def test_thunderbird_local_folders(tmp_path: Path) -> None:
    root = tmp_path / "Local Folders"
    write_mbox(root / "Inbox", entry("rein"), entry("auch rein"))
    write_mbox(root / "Sent", entry("raus"))
    write_mbox(root / "Junk", entry("AW: Angebot"))
    write_mbox(root / "Archives.sbd" / "2024", entry("alt"))
    write_mbox(root / "Archives", entry("archiviert"))
    (root / "Trash").write_bytes(b"")  # Thunderbird creates empty folders as empty files
    (root / "Unsent Messages").write_bytes(b"")
    for name in ("Inbox.msf", "Sent.msf", "Archives.sbd/2024.msf"):
        (root / name).write_bytes(b"// <!-- <mdb:mork:z v=\"1.4\"/> -->\n< <(a=c)> // (f=iso-8859-1)\n")
    (root / "msgFilterRules.dat").write_text('version="9"\nlogging="no"\n')
    (root / "popstate.dat").write_text("# POP3 State File\n")
    source = MboxSource(root)
    assert source.folders() == [
        Folder("Archives", FolderRole.ARCHIVE),
        Folder("Archives/2024", FolderRole.ARCHIVE),
        Folder("Inbox", FolderRole.INBOX),
        Folder("Junk", FolderRole.JUNK),
        Folder("Sent", FolderRole.SENT),
        Folder("Trash", FolderRole.TRASH),
        Folder("Unsent Messages", FolderRole.DRAFTS),
    ]
    assert everything(source) == {
        "Archives": ["archiviert"],
        "Archives/2024": ["alt"],
        "Inbox": ["rein", "auch rein"],
        "Junk": ["AW: Angebot"],
        "Sent": ["raus"],
        "Trash": [],
        "Unsent Messages": [],
    }


def test_apple_mail_export(tmp_path: Path) -> None:
    write_mbox(tmp_path / "Kunden.mbox" / "mbox", entry("apple"))
    (tmp_path / "Kunden.mbox" / "Info.plist").write_text("<?xml version='1.0'?><plist/>")
    (tmp_path / "Kunden.mbox" / "table_of_contents").write_bytes(b"\x00\x01\x02")
    source = MboxSource(tmp_path)
    assert everything(source) == {"Kunden": ["apple"]}


def takeout(labels: str, subject: str) -> str:
    return entry(
        subject,
        extra=f"X-GM-THRID: 1791234567890\nX-Gmail-Labels: {labels}\n",
        envelope="From 1791234567890@xxx Wed Mar 06 18:21:37 +0000 2024",
    )


def test_takeout_labels_make_one_folder_per_message(tmp_path: Path) -> None:
    path = write_mbox(
        tmp_path / "All mail Including Spam and Trash.mbox",
        takeout("Inbox,Opened,Category Updates", "rein"),
        takeout("Sent,Inbox,Opened", "an mich selbst"),
        takeout("Spam,Inbox", "antwort im spam"),
        takeout("Trash,Sent", "gelöscht"),
        takeout("Drafts,Opened", "entwurf"),
        takeout("Archived,Important,Starred", "archiviert"),
        takeout('"Kunden, alt",Opened,Important', "nur eigenes label"),
        entry("ohne labels"),
    )
    source = MboxSource(path)
    assert source.folders() == [
        Folder("Inbox", FolderRole.INBOX),
        Folder("Sent", FolderRole.SENT),
        Folder("Archived", FolderRole.ARCHIVE),
        Folder("All Mail", FolderRole.ARCHIVE),
        Folder("Drafts", FolderRole.DRAFTS),
        Folder("Trash", FolderRole.TRASH),
        Folder("Spam", FolderRole.JUNK),
    ]
    assert everything(source) == {
        "Inbox": ["rein"],
        "Sent": ["an mich selbst"],
        "Archived": ["archiviert"],
        "All Mail": ["nur eigenes label", "ohne labels"],
        "Drafts": ["entwurf"],
        "Trash": ["gelöscht"],
        "Spam": ["antwort im spam"],
    }
    keys = [m.ref.key for f in source.folders() for m in source.messages(f)]
    assert sorted(keys, key=int) == [str(n) for n in range(1, 9)]


def test_german_takeout_with_encoded_labels(tmp_path: Path) -> None:
    path = write_mbox(
        tmp_path / "Alle E-Mails einschließlich Spam und Papierkorb.mbox",
        takeout("=?UTF-8?Q?Posteingang,Ge=C3=B6ffnet?=", "rein"),
        takeout("Gesendet,Ge=?UTF-8?Q?=C3=B6ffnet?=", "raus"),
        takeout("=?UTF-8?Q?Entw=C3=BCrfe?=", "entwurf"),
        takeout("Papierkorb,Ungelesen", "weg"),
        takeout("Spam,Posteingang,Ungelesen", "im spam"),
        takeout("Archiviert,Wichtig,Kategorie Werbung", "abgelegt"),
    )
    source = MboxSource(path)
    assert everything(source) == {
        "Posteingang": ["rein"],
        "Gesendet": ["raus"],
        "Archiviert": ["abgelegt"],
        "Entwürfe": ["entwurf"],
        "Papierkorb": ["weg"],
        "Spam": ["im spam"],
    }
    roles = {f.name: f.role for f in source.folders()}
    assert roles["Entwürfe"] is FolderRole.DRAFTS
    assert roles["Papierkorb"] is FolderRole.TRASH
    inbox = next(source.messages(Folder("Posteingang", FolderRole.INBOX)))
    assert "\\Seen" in inbox.flags
    spam = next(source.messages(Folder("Spam", FolderRole.JUNK)))
    assert "\\Seen" not in spam.flags


def test_takeout_inside_a_directory_is_prefixed_with_its_file(tmp_path: Path) -> None:
    write_mbox(tmp_path / "Mail" / "Alle E-Mails.mbox", takeout("Spam", "spam"), takeout("Inbox", "rein"))
    write_mbox(tmp_path / "Mail" / "Spam", entry("lokal"))
    source = MboxSource(tmp_path)
    assert everything(source) == {
        "Mail/Alle E-Mails/Inbox": ["rein"],
        "Mail/Alle E-Mails/Spam": ["spam"],
        "Mail/Spam": ["lokal"],
    }
    assert {f.role for f in source.folders()} == {FolderRole.INBOX, FolderRole.JUNK}


def test_overrides_apply_to_takeout_folders(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "takeout.mbox", takeout("Kunden", "k"))
    source = MboxSource(path, {"All Mail": FolderRole.INBOX})
    assert source.folders() == [Folder("All Mail", FolderRole.INBOX)]


def test_a_file_changed_after_indexing_yields_errors_not_exceptions(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "Inbox", entry("eins"), entry("zwei", "x\n" * 1000))
    source = MboxSource(path)
    folder = source.folders()[0]
    path.write_bytes(entry("eins").encode())
    got = list(source.messages(folder))
    assert [m.error for m in got] == [None, "the mbox file changed since it was indexed"]


def test_unknown_folder_and_unreadable_file(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "Inbox", entry("eins"))
    source = MboxSource(path)
    with pytest.raises(SourceError, match="no folder named 'Sent'"):
        list(source.messages(Folder("Sent", FolderRole.SENT)))
    with pytest.raises(SourceError, match="no such file or directory"):
        MboxSource(tmp_path / "missing").folders()


def test_unescape_mboxrd() -> None:
    assert unescape_mboxrd(b"a\n>From b\n>>From c\n> From d\nx>From e\n") == (
        b"a\nFrom b\n>From c\n> From d\nx>From e\n"
    )
