"""The default chain and the entry points: order, hits and misses, headers-first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ghostscan.classify.base import Evidence, MessageKind, MessageView
from ghostscan.classify.registry import PLAIN_HUMAN, classify_bytes, classify_message, default_rules
from ghostscan.parse.headers import parse_headers
from ghostscan.sources.base import FolderRole, MessageRef

REF = MessageRef("INBOX", "7")

HUMAN = b"From: Hans <h.mueller@mueller-bau.de>\nSubject: Re: Angebot\nIn-Reply-To: <a@studio-berg.de>\n\nPasst.\n"
BOUNCE = (
    b"Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
    b"Subject: Mail delivery failed: returning message to sender\n"
    b"X-Failed-Recipients: kunde@firma-a.de\nAuto-Submitted: auto-replied\n\n"
    b"A message that you sent could not be delivered to one or more of its recipients.\n"
    b"This is a permanent error. The following address(es) failed:\n\n  kunde@firma-a.de\n"
)


def test_rules_have_unique_dotted_names_descriptions_and_kinds():
    rules = default_rules()
    names = [rule.name for rule in rules]

    assert len(names) == len(set(names))
    for rule in rules:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", rule.name), rule.name
        assert rule.description.endswith(".") and len(rule.description) > 20, rule.name
        assert isinstance(rule.kind, MessageKind)


def test_delivery_notices_are_decided_before_auto_replies_and_those_before_notifications():
    names = [rule.name for rule in default_rules()]

    assert names.index("bounce.dsn") < names.index("autoreply.rfc3834")
    assert names.index("delay.dsn") < names.index("bounce.dsn")
    assert names.index("autoreply.challenge") < names.index("bounce.dsn")
    assert names.index("autoreply.subject") < names.index("notification.bulk")


def test_human_mail_records_every_rule_as_a_miss_and_never_loads_the_body():
    calls = []

    def loader() -> bytes:
        calls.append(1)
        return HUMAN

    meta = parse_headers(HUMAN, REF, FolderRole.INBOX)
    result = classify_message(meta, loader)

    assert result.kind is MessageKind.HUMAN
    assert result.misses == tuple(rule.name for rule in default_rules())
    assert result.evidence[0].rule == "human.default"
    assert result.body_read is False
    assert calls == []


def test_bounce_records_the_deciding_rule_the_misses_before_it_and_the_returned_message():
    calls = []

    def loader() -> bytes:
        calls.append(1)
        return BOUNCE

    result = classify_message(parse_headers(BOUNCE, REF), loader)

    assert result.kind is MessageKind.BOUNCE
    assert result.evidence[0].rule == "bounce.notice"
    assert result.misses == (
        "autoreply.challenge",
        "notification.mdn",
        "complaint.arf",
        "delay.dsn",
        "bounce.dsn",
        "notification.dsn_delivered",
        "delay.notice",
    )
    assert result.returned.recipients == ("kunde@firma-a.de",)
    assert result.body_read is True
    assert calls == [1]


def test_without_a_loader_header_rules_still_decide():
    meta = parse_headers(b"From: a@b.example\nSubject: Automatische Antwort: Angebot\n", REF)

    assert classify_message(meta).kind is MessageKind.AUTO_REPLY


def test_a_loader_that_fails_counts_as_an_empty_body():
    def loader() -> bytes:
        raise OSError("message vanished")

    result = classify_message(parse_headers(BOUNCE, REF), loader)

    # The subject and the daemon sender are still enough.
    assert result.kind is MessageKind.BOUNCE


def test_custom_chain():
    class Everything:
        name = "test.everything"
        description = "Fires on every message."
        kind = MessageKind.NOTIFICATION

        def check(self, message: MessageView) -> Evidence | None:
            return Evidence(self.name, "always")

    result = classify_message(parse_headers(HUMAN, REF), rules=[Everything()])

    assert result.kind is MessageKind.NOTIFICATION
    assert result.evidence == (Evidence("test.everything", "always"),)
    assert result.misses == ()


def test_newsletters_of_one_list_share_one_classification():
    letter = b"From: news@shop.example\nList-Id: <news.shop.example>\nSubject: %s\n\nHallo\n"
    first = classify_message(parse_headers(letter % b"Angebote im Mai", REF))
    second = classify_message(parse_headers(letter % b"Angebote im Juni", MessageRef("INBOX", "8")))
    assert first.kind is MessageKind.NOTIFICATION
    assert second is first  # equal and frozen: held once for all of the list's mail


def test_classify_bytes_returns_the_parsed_headers_too():
    meta, result = classify_bytes(BOUNCE, REF, FolderRole.JUNK)

    assert meta.folder_role is FolderRole.JUNK
    assert meta.size == len(BOUNCE)
    assert meta.subject == "Mail delivery failed: returning message to sender"
    assert result.kind is MessageKind.BOUNCE


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\n",
        b"\x00\xff\xfe\x00",
        b"just some text without headers",
        b"Content-Type: multipart/report; report-type=delivery-status\n\n--no-boundary--\n",
        b'From: <>\nContent-Type: multipart/report; boundary="b"\n\n'
        b"--b\nContent-Type: message/delivery-status\n\n\n--b--",
        b"Subject: =?x-unknown?q?=FF?=\nContent-Type: text/plain; charset=x-unknown\n\n\xff\xfe",
        # 8-bit bytes in DSN fields make the stdlib hand out Header objects, not strings.
        b'From: MAILER-DAEMON@mx.example.net\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n'
        b"\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        b"Final-Recipient: rfc822; k\xfcnde@firma.de\nAction: f\xe4iled\nStatus: 5.1.1\n--b--\n",
    ],
)
def test_malformed_input_is_classified_not_raised(raw):
    _, result = classify_bytes(raw, REF)

    assert isinstance(result.kind, MessageKind)


# -- plain human mail is recognised without running the chain --------------------------------

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
SAMPLE_MAILBOX = Path(__file__).resolve().parents[3] / "samples" / "mailbox"

# One header line each that some rule reacts to, added to a plain human message.
CUES = [
    b"Auto-Submitted: auto-replied",
    b"Auto-Submitted: no",
    b"X-Autoreply: yes",
    b"Precedence: bulk",
    b"Precedence: junk",
    b"Precedence: auto_reply",
    b"X-Precedence: auto-reply",
    b"X-Precedence: list",
    b"List-Id: <news.example.com>",
    b"List-Unsubscribe: <mailto:u@example.com>",
    b"X-BeenThere: list@example.com",
    b"Feedback-ID: 1:2:3",
    b"X-Campaign: 42",
    b"X-Failed-Recipients: kunde@firma-a.de",
    b"X-MS-Exchange-Inbox-Rules-Loop: h@mueller-bau.de",
    b"X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x",
    b"Content-Type: multipart/report; report-type=disposition-notification; boundary=x",
    b"Return-Path: <>",
    b"Return-Path: <MAILER-DAEMON>",
    b"Return-Path: <bounce-12-h=mueller-bau.de@news.example.com>",
    b"Return-Path: <x@mail.bounces.example.com>",
    b"Return-Path: <anna@boxbe.com>",
    b"X-Mailer: Request Tracker 4.4",
]
SENDERS = [
    b"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
    b"From: postmaster@example.net",
    b"From: noreply@shop.example.com",
    b"From: Support via RT <rt@example.com>",
    b"From: Boxbe <notify@boxbe.com>",
    b"From: list-owner@lists.example.org",
    b"From: Microsoft Outlook <h@mueller-bau.de>",
]
SUBJECTS = [
    b"Subject: Undeliverable: Angebot",
    b"Subject: Unzustellbar: Angebot",
    b"Subject: Automatische Antwort: Angebot",
    b"Subject: Out of Office",
    b"Subject: Urlaub: Fotos",
    b"Subject: Warning: message delayed",
    b"Subject: complaint about message from 1.2.3.4",
    b"Subject: [support.example.com #33575] Angebot",
    b"Subject: Re: Angebot (Automatic reply)",
]


def _variants() -> list[bytes]:
    base = HUMAN.split(b"\n\n")[0].split(b"\n")
    out = [HUMAN]
    not_a_reply = [line for line in base if not line.startswith(b"In-Reply-To:")]
    for cue in CUES:
        out.append(b"\n".join([*base, cue]) + b"\n\nPasst.\n")
        # And on a message that answers nothing, beside list headers (a newsletter's).
        out.append(b"\n".join([*not_a_reply, b"List-Id: <news.example.com>", cue]) + b"\n\nNews.\n")
    for sender in SENDERS:
        out.append(b"\n".join([sender if line.startswith(b"From:") else line for line in base]) + b"\n\nPasst.\n")
    for subject in SUBJECTS:
        out.append(b"\n".join([subject if line.startswith(b"Subject:") else line for line in base]) + b"\n\nPasst.\n")
    out.append(b"Subject: Hallo\n\nno sender at all\n")
    return out


def _mail_files() -> list[Path]:
    return sorted(p for root in (FIXTURES, SAMPLE_MAILBOX) for p in root.rglob("*") if p.is_file())


def _the_whole_chain(raw: bytes):
    meta = parse_headers(raw, REF, FolderRole.INBOX, size=len(raw))
    # Passing the chain itself runs every rule, as the classifier did before it screened.
    return classify_message(meta, lambda: raw), classify_message(meta, lambda: raw, rules=default_rules())


@pytest.mark.parametrize("raw", _variants())
def test_a_header_cue_gets_the_same_kind_evidence_and_misses_as_the_whole_chain(raw):
    screened, whole = _the_whole_chain(raw)

    assert screened == whole


@pytest.mark.parametrize("path", _mail_files(), ids=lambda p: p.name)
def test_sample_and_fixture_mail_gets_what_the_whole_chain_gives(path):
    screened, whole = _the_whole_chain(path.read_bytes())

    assert screened == whole


def test_cues_are_not_taken_for_plain_human_mail():
    human, *cued = _variants()

    assert classify_message(parse_headers(human, REF)) is PLAIN_HUMAN
    # Not one cue is waved through: each runs the chain (most of them then fire).
    fired = [raw for raw in cued if classify_message(parse_headers(raw, REF)) is not PLAIN_HUMAN]
    assert len(fired) == len(cued)
