"""Bounce, delay and complaint rules on hand-written notices and on near misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghostscan.classify.base import MessageKind
from ghostscan.classify.registry import classify_bytes
from ghostscan.sources.base import MessageRef

MAIL = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


def classify(raw: bytes):
    return classify_bytes(raw, MessageRef("INBOX", "1"))[1]


def fixture(name: str):
    return classify((MAIL / name).read_bytes())


@pytest.mark.parametrize(
    "name, rule",
    [
        ("bounce/postfix_dsn.eml", "bounce.dsn"),
        ("bounce/office365_ndr_de.eml", "bounce.dsn"),
        ("bounce/exchange_unzustellbar_de.eml", "bounce.notice"),
        ("bounce/exim_failed.eml", "bounce.notice"),
        ("bounce/qmail_failure_notice.eml", "bounce.notice"),
        ("bounce/nicht_zustellbar_de.eml", "bounce.notice"),
    ],
)
def test_delivery_failures_are_bounces(name, rule):
    result = fixture(name)

    assert result.kind is MessageKind.BOUNCE
    assert result.evidence[0].rule == rule


def test_postfix_dsn_tells_which_offer_bounced_and_why():
    result = fixture("bounce/postfix_dsn.eml")

    assert result.returned is not None
    assert result.returned.message_id == "7c1e9a52-3b0d-4f8e-a1c2-5d9e0f6a7b81@studio-berg.de"
    assert result.returned.recipients == ("h.mueller@mueller-bau.de",)
    assert result.returned.subject == "Angebot Website-Relaunch"
    assert result.evidence[0].detail == "DSN Action: failed for h.mueller@mueller-bau.de (Status: 5.1.1)"


def test_german_exchange_ndr_names_recipient_and_original():
    result = fixture("bounce/exchange_unzustellbar_de.eml")

    assert result.returned.message_id == "3f0a2b4c-5d6e-47f8-9a0b-1c2d3e4f5a6b@studio-berg.de"
    assert result.returned.recipients == ("p.koch@schreinerei-koch.de",)
    assert result.returned.subject == "Angebot Website-Relaunch"


def test_exim_bounce_uses_x_failed_recipients_and_the_inline_copy():
    result = fixture("bounce/exim_failed.eml")

    assert result.returned.recipients == ("info@baeckerei-sommer.de",)
    assert result.returned.message_id == "0d9c8b7a-6e5f-4d3c-2b1a-0f9e8d7c6b5a@studio-berg.de"
    assert result.returned.subject == "Angebot Online-Shop"


def test_german_notice_without_attachment_still_names_recipient_and_subject():
    result = fixture("bounce/nicht_zustellbar_de.eml")

    assert result.returned.recipients == ("kontakt@gaertnerei-lind.de",)
    assert result.returned.subject == "Angebot Pflegevertrag"


@pytest.mark.parametrize(
    "name, rule",
    [("bounce/delay_dsn.eml", "delay.dsn"), ("bounce/delay_warning_exim.eml", "delay.notice")],
)
def test_delay_warnings_are_not_bounces(name, rule):
    result = fixture(name)

    assert result.kind is MessageKind.DELAY
    assert result.evidence[0].rule == rule
    assert result.returned is None


def test_arf_report_is_a_complaint_decided_from_headers():
    result = fixture("bounce/arf_complaint.eml")

    assert result.kind is MessageKind.COMPLAINT
    assert result.body_read is False


def _dsn(action: str, status: str, subject: str = "Delivery Status Notification") -> bytes:
    return (
        "From: Mail Delivery Subsystem <mailer-daemon@mx.example.net>\n"
        f"Subject: {subject}\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nNotice.\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.net\n\n"
        f"Final-Recipient: rfc822; kunde@firma-a.de\nAction: {action}\nStatus: {status}\n"
        "--b--\n"
    ).encode()


def test_dsn_that_gave_up_after_temporary_errors_is_a_bounce():
    # Action: failed decides even with a 4.x.x status: the server stopped retrying.
    assert classify(_dsn("failed", "4.4.7")).kind is MessageKind.BOUNCE


def test_dsn_delayed_is_delay():
    result = classify(_dsn("delayed", "4.4.1"))

    assert result.kind is MessageKind.DELAY
    assert "kunde@firma-a.de" in result.evidence[0].detail


def test_feedback_report_part_inside_a_plain_report_is_a_complaint():
    raw = (
        b"From: abuse@provider.example\nSubject: Abuse Report\n"
        b'Content-Type: multipart/report; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nreport\n"
        b"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
        b"--b--\n"
    )

    assert classify(raw).kind is MessageKind.COMPLAINT


def test_hotmail_style_complaint_with_only_the_attached_message():
    raw = (
        b"From: staff@mailbox-provider.example\nSubject: complaint about message from 203.0.113.8\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: message/rfc822\n\nFrom: anna@studio-berg.de\nSubject: Angebot\n\nHallo\n"
        b"--b--\n"
    )

    assert classify(raw).kind is MessageKind.COMPLAINT


@pytest.mark.parametrize(
    "name",
    [
        # Subject, body wording and even a quoted SMTP status look like a notice; the
        # sender is a person answering.
        "human/delivery_talk_de.eml",
        # A person forwarding a bounce they received, with the notice attached.
        "human/forwarded_bounce_de.eml",
        # A person explaining a delivery problem, pasting the SMTP status.
        "human/delivery_problem_talk_en.eml",
    ],
)
def test_people_talking_about_failed_deliveries_are_human(name):
    assert fixture(name).kind is MessageKind.HUMAN


def test_office365_ndr_names_the_original():
    result = fixture("bounce/office365_ndr_de.eml")

    assert result.returned.message_id == "abc@studio-berg.de"
    assert result.returned.recipients == ("m.schulz@kunde.de",)
    assert result.returned.subject == "Angebot Website"


def test_quoted_bounce_in_a_human_reply_does_not_trigger_flufl_heuristics():
    raw = (
        b"From: Peter Koch <p.koch@schreinerei-koch.de>\n"
        b"Subject: AW: Angebot\nIn-Reply-To: <x@studio-berg.de>\n\n"
        b"Hallo, bei mir kam folgendes zurueck:\n\n"
        b"> The following addresses had permanent fatal errors:\n"
        b"> <buchhaltung@schreinerei-koch.de>\n"
        b">     (reason: 550 5.1.1 User unknown)\n\n"
        b"Bitte an p.koch@schreinerei-koch.de senden.\n"
    )

    result = classify(raw)

    assert result.kind is MessageKind.HUMAN
    assert result.body_read is False


def test_notice_without_from_address_and_unreadable_detectors_does_not_crash(caplog):
    # flufl.bounce's heuristic detectors raise on a message without From; the
    # classifier treats that as "no answer" and logs no traceback.
    raw = (
        b"Return-Path: <>\nSubject: failure notice\n\n"
        b"You sent mail to someone@firma-b.de. That's not a valid user here.\n"
    )

    result = classify(raw)

    assert result.kind is MessageKind.BOUNCE
    assert "Exception in detector" not in caplog.text


def test_headers_alone_decide_a_truncated_sendmail_bounce():
    raw = (
        b"Return-Path: <>\n"
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@srv.example.net>\n"
        b'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="x"\n'
        b"Subject: Returned mail: see transcript for details\n"
        b"Auto-Submitted: auto-generated (failure)\n\n"
    )

    assert classify(raw).kind is MessageKind.BOUNCE


def test_dsn_reporting_a_relay_is_a_notification_not_a_bounce():
    raw = _dsn("relayed", "2.0.0", subject="Delivery Status Notification (Relay)").replace(
        b"Notice.", b"Your message was relayed; the remote system could not be asked for DSN."
    )

    result = classify(raw)

    assert result.kind is MessageKind.NOTIFICATION
    assert result.evidence[0].rule == "notification.dsn_delivered"


def test_exchange_online_ndr_sender_counts_as_a_mail_system():
    raw = (
        b"From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@kunde-a.de>\n"
        b"Subject: Unzustellbar: Angebot\n\n"
        b"Die Nachricht konnte nicht an kontakt@kunde-a.de zugestellt werden.\n"
    )

    assert classify(raw).kind is MessageKind.BOUNCE


def test_out_of_office_with_null_return_path_is_not_a_bounce():
    # RFC 3834 asks auto-responders for a null Return-Path, like a bounce has.
    raw = (
        b"Return-Path: <>\nFrom: Ina Roth <i.roth@kunde-b.de>\n"
        b"Subject: Automatische Antwort: Angebot\nAuto-Submitted: auto-generated\n\n"
        b"Ich habe das Unternehmen verlassen, diese Adresse existiert nicht mehr.\n"
        b"Bitte wenden Sie sich an info@kunde-b.de.\n"
    )

    assert classify(raw).kind is MessageKind.AUTO_REPLY
