"""Notification rules: lists, newsletters, bulk mail, no-reply senders, tickets, read receipts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghostscan.classify.base import MessageKind
from ghostscan.classify.registry import classify_bytes
from ghostscan.sources.base import MessageRef

MAIL = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


def classify(raw: bytes):
    return classify_bytes(raw, MessageRef("INBOX", "1"))[1]


def mail(
    sender: str = "Peter Koch <p.koch@schreinerei-koch.de>", subject: str = "Neuigkeiten", **headers: str
) -> bytes:
    lines = [f"From: {sender}", "To: anna@studio-berg.de", f"Subject: {subject}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\n".join(lines) + "\n\nText\n").encode("utf-8")


def test_newsletter_with_list_unsubscribe():
    result = classify((MAIL / "notification/newsletter.eml").read_bytes())

    assert result.kind is MessageKind.NOTIFICATION
    assert result.evidence[0].rule == "notification.list"
    assert result.evidence[0].detail.startswith("List-Unsubscribe: <https://fachverband-handwerk.de/abmelden")
    assert result.body_read is False


def test_read_receipt_is_a_notification_not_a_bounce():
    result = classify((MAIL / "notification/read_receipt.eml").read_bytes())

    assert result.kind is MessageKind.NOTIFICATION
    assert result.evidence[0].rule == "notification.mdn"


@pytest.mark.parametrize(
    "headers, rule",
    [
        ({"List-Id": "Handwerk <handwerk.lists.example.org>"}, "notification.list"),
        ({"List-Post": "<mailto:handwerk@lists.example.org>"}, "notification.list"),
        ({"Precedence": "bulk"}, "notification.bulk"),
        ({"Precedence": "list"}, "notification.bulk"),
        ({"Feedback-ID": "1234:campaign:esp"}, "notification.bulk"),
        ({"X-Campaign": "spring-2024"}, "notification.bulk"),
        ({"Return-Path": "<bounce-mc.us14_123-anna=studio-berg.de@mail90.mcsv.example>"}, "notification.verp"),
        ({"Return-Path": "<x7f3a@bounces.shop.example>"}, "notification.verp"),
        ({"Auto-Submitted": "auto-generated"}, "notification.auto_generated"),
    ],
)
def test_bulk_and_list_headers(headers, rule):
    result = classify(mail(**headers))

    assert result.kind is MessageKind.NOTIFICATION
    assert result.evidence[0].rule == rule


@pytest.mark.parametrize(
    "sender",
    ["noreply@shop.example", "no-reply@portal.example", "donotreply@bank.example", "notifications@tool.example"],
)
def test_no_reply_senders(sender):
    result = classify(mail(sender=sender))

    assert result.kind is MessageKind.NOTIFICATION
    assert result.evidence[0].rule == "notification.noreply"


@pytest.mark.parametrize(
    "subject",
    [
        "[support.example.org #33575] Resolved: Angebot",
        "[JIRA] (SYS-422) Neues Ticket",
        "Incident INC678439 -- zugewiesen",
    ],
)
def test_ticket_system_notifications(subject):
    result = classify(mail(sender="Support <support@helpdesk.example>", subject=subject))

    assert result.kind is MessageKind.NOTIFICATION
    assert result.evidence[0].rule == "notification.ticket"


@pytest.mark.parametrize(
    "sender",
    ["Hans <info@mueller-bau.de>", "Anna <mail@studio-berg.de>", "Sophie <reply.sophie@firma.example>"],
)
def test_ordinary_senders_stay_human(sender):
    assert classify(mail(sender=sender, subject="Re: Angebot")).kind is MessageKind.HUMAN


def test_personal_return_path_is_not_verp():
    assert classify(mail(Return_Path="<p.koch@schreinerei-koch.de>")).kind is MessageKind.HUMAN
