"""parse_headers against the standard library's parser on the same bytes, and the compact
record the IMAP store keeps (pack_meta / unpack_meta)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import datetime, timezone
from email.utils import getaddresses, parsedate_to_datetime

import pytest

from ghostscan.parse.addresses import Address
from ghostscan.parse.headers import MessageMeta, pack_meta, parse_date, parse_headers, split_message, unpack_meta
from ghostscan.sources.base import FolderRole, MessageRef

REF = MessageRef("INBOX", "7")

# Header blocks as servers hand them over: CRLF and LF, folded lines, RFC 2047 words in
# several charsets, raw 8-bit bytes, odd spacing, missing fields.
BLOCKS = {
    "plain": b"From: Anna Berg <anna@studio-berg.de>\r\nTo: Hans Mueller <hans@mueller-bau.de>\r\n"
    b"Subject: Angebot Website\r\nDate: Mon, 25 Nov 2024 10:40:29 +0100\r\nMessage-ID: <a1@studio-berg.de>\r\n\r\n",
    "folded": b"From: anna@studio-berg.de\nSubject: Angebot f\n\tWebsite und\n  Shop\nReferences: <r1@x.de>\n <r2@x.de>\n\t<r3@x.de>\n"
    b"To: a@b.de,\n c@d.de\nDate: Tue, 3 Dec 2024 08:01:02 -0500\n\n",
    "utf8 words": b"From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <j@mueller.de>\r\nSubject: =?UTF-8?B?UmU6IEFuZ2Vib3Qg4oCTIFfDpHJtZXB1bXBl?=\r\n"
    b"To: =?utf-8?q?Stra=C3=9Fe?= <s@x.de>\r\nDate: Wed, 04 Dec 2024 11:00:00 +0000\r\n\r\n",
    "latin1 words": b"From: =?ISO-8859-1?Q?Ren=E9e_Gr=FCn?= <r@gruen.at>\r\nSubject: =?iso-8859-1?q?=C4nderung_der_Gr=F6=DFe?=\r\n\r\n",
    "windows-1252 words": b"Subject: =?windows-1252?Q?Preis_=80_50?=\r\nFrom: x@y.de\r\n\r\n",
    "split words": b"Subject: =?UTF-8?Q?Gr=C3=BC?=\r\n =?UTF-8?Q?=C3=9Fe?= aus Berlin\r\nFrom: x@y.de\r\n\r\n",
    "raw utf-8": "Subject: Grüße aus Köln\r\nFrom: Jörg <joerg@koeln.de>\r\n\r\n".encode("utf-8"),
    "quoted names": b'From: "Mueller, Hans" <hans@mueller-bau.de>\r\nCc: "B, C" <b@c.de>, d@e.de\r\n\r\n',
    "missing fields": b"X-Mailer: something\r\n\r\n",
    "no zone date": b"From: a@b.de\r\nDate: 25 Nov 2024 10:40:29 -0000\r\n\r\n",
    "mixed case names": b"FROM: a@b.de\r\nsubject: lower\r\nMESSAGE-id: <m@b.de>\r\n\r\n",
}


def stdlib(block: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(block, policy=email.policy.default)


def decoded(message: email.message.EmailMessage, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_subject_and_addresses_match_the_standard_library(name):
    block = BLOCKS[name]
    meta = parse_headers(block, REF, FolderRole.INBOX)
    ours = stdlib(block)
    assert meta.subject == decoded(ours, "subject")
    expected_from = [email_ for _, email_ in getaddresses([decoded(ours, "from")]) if "@" in email_]
    assert ([meta.sender.email] if meta.sender else []) == [e.lower() for e in expected_from[:1]]
    for field, got in (("to", meta.to), ("cc", meta.cc)):
        want = [(" ".join(n.split()), e.lower()) for n, e in getaddresses([decoded(ours, field)]) if "@" in e]
        assert [(a.name, a.email) for a in got] == want


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_date_matches_the_standard_library(name):
    block = BLOCKS[name]
    meta = parse_headers(block, REF, FolderRole.INBOX)
    raw = stdlib(block).get("date")
    if raw is None:
        assert meta.date is None
        return
    want = parsedate_to_datetime(str(raw))
    if want.tzinfo is None:
        want = want.replace(tzinfo=timezone.utc)
    assert meta.date == want and meta.date.utcoffset() == want.utcoffset()


@pytest.mark.parametrize(
    "value",
    [
        "Mon, 25 Nov 2024 10:40:29 +0100",
        "25 Nov 2024 10:40:29 -0530",
        "Sun, 1 Dec 2024 00:00:00 -0000",
        "Sun, 01 Dec 2024 00:00:00 +0000",
        "Sat, 31 Feb 2024 10:00:00 +0100",  # no such day
        "Mon, 25 Nov 2024 24:00:00 +0100",  # no such hour
        "Mon, 25 Nov 2024 10:40:29 +9900",  # no such zone
        "Mon, 25 Nov 2024 10:40 +0100",  # no seconds
        "mon, 25 nov 2024 10:40:29 +0100",  # lower case
        "Mon, 25 Nov 24 10:40:29 GMT",  # two-digit year, zone name
        "Mon, 25 Nov 2024 10:40:29 +0100 (CET)",
    ],
)
def test_every_date_form_reads_as_email_utils_reads_it(value):
    try:
        want = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        want = None
    if want is not None and want.tzinfo is None:
        want = want.replace(tzinfo=timezone.utc)
    got = parse_date(value)
    assert got == want
    assert (got.utcoffset() if got else None) == (want.utcoffset() if want else None)


def test_missing_fields_are_empty_and_the_internal_date_stands_in():
    received = datetime(2024, 11, 25, 9, 0, tzinfo=timezone.utc)
    meta = parse_headers(BLOCKS["missing fields"], REF, FolderRole.INBOX, internal_date=received)
    assert (meta.message_id, meta.subject, meta.sender, meta.to, meta.references) == (None, "", None, (), ())
    assert meta.date == received
    assert meta.header("X-Mailer") == "something"


def test_space_before_the_colon_is_still_the_field():
    # The stdlib's parser keeps "Subject " as another field's name; the subject is there all the same.
    meta = parse_headers(b"Subject : spaced\r\nFrom:a@b.de\r\n\r\n", REF, FolderRole.INBOX)
    assert meta.subject == "spaced" and meta.sender == Address("a@b.de")


def test_folded_references_keep_their_order():
    meta = parse_headers(BLOCKS["folded"], REF, FolderRole.INBOX)
    assert meta.references == ("r1@x.de", "r2@x.de", "r3@x.de")
    assert meta.subject == "Angebot f Website und Shop"


def test_lines_that_are_not_fields_are_skipped_and_their_continuations_join_the_field_before():
    # A line without a colon in the middle: the general reader, not the one-regex path.
    block = b"Subject: one\r\nthis is no field\r\n two\r\nFrom: a@b.de\r\n\r\n"
    meta = parse_headers(block, REF, FolderRole.INBOX)
    assert meta.subject == "one two"
    assert meta.sender == Address("a@b.de")


def test_lone_carriage_returns_end_lines_too():
    head, body = split_message(b"Subject: cr\rFrom: a@b.de\r\rbody")
    assert head == b"Subject: cr\nFrom: a@b.de" and body == b"body"
    assert parse_headers(b"Subject: cr\rFrom: a@b.de\r\r", REF).sender == Address("a@b.de")


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_the_stored_record_gives_back_the_same_meta(name):
    received = datetime(2024, 11, 25, 9, 0, tzinfo=timezone.utc)
    meta = parse_headers(BLOCKS[name], REF, FolderRole.JUNK, size=1234, internal_date=received)
    again = unpack_meta(pack_meta(meta), REF, FolderRole.JUNK, size=1234)
    assert isinstance(again, MessageMeta)
    assert again == meta and again.extra == meta.extra and repr(again) == repr(meta) and hash(again) == hash(meta)


def test_the_record_shares_equal_addresses():
    meta = parse_headers(BLOCKS["plain"], REF, FolderRole.INBOX)
    cache: dict = {}
    one = unpack_meta(pack_meta(meta), REF, FolderRole.INBOX, addresses=cache)
    two = unpack_meta(pack_meta(meta), MessageRef("INBOX", "8"), FolderRole.INBOX, addresses=cache)
    assert one.sender is two.sender and one.to[0] is two.to[0]


def test_a_damaged_record_raises_a_plain_error():
    with pytest.raises((ValueError, EOFError, TypeError)):
        unpack_meta(b"\x00garbage", REF, FolderRole.INBOX)


@pytest.mark.parametrize("name", ["plain", "utf8 words", "missing fields"])
def test_the_constructor_path_gives_the_same_meta(name, monkeypatch):
    import ghostscan.parse.headers as headers

    fast = parse_headers(BLOCKS[name], REF, FolderRole.INBOX, size=9)
    monkeypatch.setattr(headers, "_FAST", False)  # as if MessageMeta had changed shape
    slow = parse_headers(BLOCKS[name], REF, FolderRole.INBOX, size=9)
    assert slow == fast and slow.extra == fast.extra
    assert unpack_meta(pack_meta(fast), REF, FolderRole.INBOX, size=9) == fast


def test_the_record_version_moves_with_the_extra_fields():
    import hashlib

    from ghostscan.parse.headers import EXTRA_FIELDS, META_VERSION

    digest = hashlib.sha256(" ".join(sorted(EXTRA_FIELDS)).encode()).hexdigest()[:12]
    # Records name the extra fields by their sorted position: a new field shifts them.
    # When this fails, raise META_VERSION (stores then fetch header fields once again)
    # and write the new pair here.
    assert (META_VERSION, digest) == (2, "1917fa41d748")


def test_extra_fields_outside_the_known_set_survive_the_record():
    meta = parse_headers(BLOCKS["plain"], REF, FolderRole.INBOX)
    odd = MessageMeta(REF, FolderRole.INBOX, extra={"x-custom": "1", "list-id": "<l>"})
    assert unpack_meta(pack_meta(odd), REF, FolderRole.INBOX).extra == {"x-custom": "1", "list-id": "<l>"}
    assert unpack_meta(pack_meta(meta), REF, FolderRole.INBOX).extra == meta.extra


# -- one object for repeated strings -------------------------------------------------------

OFFER = b"From: anna@studio-berg.de\r\nSubject: Angebot Website\r\nMessage-ID: <offer-1@studio-berg.de>\r\n\r\n"
REPLY = (
    b"From: hans@mueller-bau.de\r\nSubject: Angebot Website\r\nMessage-ID: <reply-1@mueller-bau.de>\r\n"
    b"In-Reply-To: <offer-1@studio-berg.de>\r\nReferences: <offer-1@studio-berg.de>\r\n"
    b"Return-Path: <hans@mueller-bau.de>\r\n\r\n"
)


def test_a_scan_holds_one_object_per_repeated_message_id_subject_and_value():
    from ghostscan.parse.headers import sharing_strings

    with sharing_strings():
        offer = parse_headers(OFFER, MessageRef("Sent", "1"), FolderRole.SENT)
        reply = parse_headers(REPLY, MessageRef("INBOX", "1"), FolderRole.INBOX)
        again = parse_headers(REPLY, MessageRef("INBOX", "2"), FolderRole.INBOX)
        stored = unpack_meta(pack_meta(reply), MessageRef("INBOX", "3"), FolderRole.INBOX)
    assert reply.in_reply_to == reply.references == ("offer-1@studio-berg.de",)
    assert reply.in_reply_to[0] is offer.message_id
    assert reply.subject is offer.subject
    assert again.header("return-path") is reply.header("return-path")
    assert again.extra is reply.extra  # one mapping for the sender's equal fields
    for read_back in (again, stored):
        assert dataclasses.replace(read_back, ref=reply.ref) == reply and read_back.extra == reply.extra
        assert read_back.message_id is reply.message_id and read_back.references[0] is offer.message_id


def test_the_shared_strings_are_let_go_when_the_scan_ends():
    import ghostscan.parse.headers as headers

    with headers.sharing_strings():
        with headers.sharing_strings():
            inner = headers._shared
        assert headers._shared is inner  # nested blocks share the outer table
    assert headers._shared is None
    with headers.sharing_strings():
        first = parse_headers(OFFER, REF, FolderRole.SENT)
        headers.stop_sharing()  # all parsed: the tables go, the shared objects stay
        assert headers._shared is None and headers._shared_extras is None
        assert parse_headers(OFFER, REF, FolderRole.SENT) == first
    # Outside a scan a message still shares its own Message-IDs, with no table kept.
    meta = parse_headers(REPLY, REF, FolderRole.INBOX)
    assert meta.in_reply_to is meta.references


@pytest.mark.parametrize(
    "value, kept",
    [
        ('multipart/mixed; boundary="=_b1"', "multipart/mixed"),
        ("multipart/report; report-type=delivery-status;\r\n boundary=\"x;y\"", "multipart/report; report-type=delivery-status"),
        ('multipart/report; BOUNDARY="b"; report-type="disposition-notification"', 'multipart/report; report-type="disposition-notification"'),
        ("text/plain; charset=utf-8", "text/plain; charset=utf-8"),
    ],
)
def test_content_type_is_kept_without_its_boundary(value, kept):
    # The rules read the type and its report-type; a boundary only made every
    # Content-Type of a mailbox a string of its own.
    block = b"From: a@b.de\r\nContent-Type: " + value.encode() + b"\r\n\r\n"
    meta = parse_headers(block, REF, FolderRole.INBOX)
    assert meta.header("content-type") == kept
    old_record = pack_meta(MessageMeta(REF, FolderRole.INBOX, extra={"content-type": " ".join(value.split())}))
    assert unpack_meta(old_record, REF, FolderRole.INBOX).header("content-type") == kept
