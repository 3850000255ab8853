"""Auto-reply rules: RFC 3834, vendor headers, subject prefixes, body-confirmed signals."""

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


def mail(subject: str, body: str = "Hallo,\nanbei die Unterlagen.\n", **headers: str) -> bytes:
    lines = ["From: Peter Koch <p.koch@schreinerei-koch.de>", "To: anna@studio-berg.de", f"Subject: {subject}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


@pytest.mark.parametrize(
    "name, rule",
    [
        ("autoreply/automatische_antwort_de.eml", "autoreply.subject"),
        ("autoreply/out_of_office_en.eml", "autoreply.subject"),
        ("autoreply/vacation_rfc3834.eml", "autoreply.rfc3834"),
        ("autoreply/abwesenheit_body_confirmed.eml", "autoreply.body"),
        ("autoreply/challenge_response.eml", "autoreply.challenge"),
        ("autoreply/ticket_acknowledgement.eml", "autoreply.body"),
    ],
)
def test_auto_replies(name, rule):
    result = fixture(name)

    assert result.kind is MessageKind.AUTO_REPLY
    assert result.evidence[0].rule == rule


def test_german_out_of_office_points_back_at_the_offer():
    result = fixture("autoreply/automatische_antwort_de.eml")

    assert result.evidence[0].detail == "subject starts with 'Automatische Antwort'"
    assert result.returned.message_id == "a4c2e1f0-9b8d-4c7e-8f6a-5b4c3d2e1f0a@studio-berg.de"
    assert result.returned.subject == "Angebot Website"


def test_strong_subject_is_decided_without_reading_the_body():
    assert fixture("autoreply/out_of_office_en.eml").body_read is False


def test_challenge_response_is_not_taken_for_a_bounce():
    # Boxbe sends its challenge as a multipart/report with "Action: failed".
    result = fixture("autoreply/challenge_response.eml")

    assert result.kind is MessageKind.AUTO_REPLY
    assert "waitlisted" in result.evidence[0].detail


@pytest.mark.parametrize(
    "subject",
    [
        "Automatische Antwort: Angebot Website",
        "Abwesenheitsnotiz: Angebot Website",
        "Abwesenheitsnotiz",
        "Automatic reply: Offer",
        "Out of Office AutoReply: Offer",
        "AutoReply: Offer",
        "Auto-Reply: Offer",
        "[support.example.org #4711] AutoReply: Angebot",
        "Re: Angebot (Automatic Response)",
        "Réponse automatique : Offre",
        "Risposta automatica: Offerta",
        "Respuesta automática: Oferta",
        "Automatisch antwoord: Offerte",
        "[Automatyczna odpowiedź ] Oferta",
        "Autosvar: Tilbud",
    ],
)
def test_strong_subject_prefixes(subject):
    result = classify(mail(subject))

    assert result.kind is MessageKind.AUTO_REPLY
    assert result.evidence[0].rule == "autoreply.subject"


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Angebot - ich bin bis Montag im Urlaub, melde mich dann",
        "Re: Automatische Antwort: Angebot Website",
        "Frage zu Ihrem Angebot (Auto)",
        "Out of office furniture - Angebot",
        "AW: Vacation planning",
    ],
)
def test_people_writing_about_holidays_stay_human(subject):
    result = classify(mail(subject))

    assert result.kind is MessageKind.HUMAN
    assert result.body_read is False


def test_weak_prefix_alone_is_human():
    # "Urlaub:" is also how people start a subject; the body is read and says nothing automatic.
    result = classify(mail("Urlaub: Fotos vom Wochenende", body="Anbei die Fotos!\n"))

    assert result.kind is MessageKind.HUMAN


def test_weak_prefix_counts_with_an_automatic_header_beside_it():
    raw = mail("Urlaub: Angebot", **{"X-MS-Exchange-Inbox-Rules-Loop": "p.koch@schreinerei-koch.de"})

    assert classify(raw).kind is MessageKind.AUTO_REPLY


def test_weak_prefix_counts_when_the_body_says_so():
    raw = mail("Vacation: Offer", body="I am currently on vacation and will reply when I return.\n")

    result = classify(raw)

    assert result.kind is MessageKind.AUTO_REPLY
    assert "'I am currently on vacation'" in result.evidence[0].detail


def test_holiday_reply_from_a_person_is_human():
    result = fixture("human/holiday_reply_de.eml")

    assert result.kind is MessageKind.HUMAN
    assert result.body_read is False


def test_x_auto_response_suppress_alone_is_not_an_auto_reply():
    result = fixture("human/outlook_auto_response_suppress.eml")

    assert result.kind is MessageKind.HUMAN
    assert result.body_read is False


@pytest.mark.parametrize(
    "header, value",
    [
        ("X-Autoreply", "yes"),
        ("X-Autorespond", "Abwesenheit"),
        ("X-Autoresponder", "vacation"),
        ("Precedence", "auto_reply"),
        ("X-Precedence", "auto-reply"),
    ],
)
def test_vendor_headers(header, value):
    result = classify(mail("Re: Angebot", **{header: value}))

    assert result.kind is MessageKind.AUTO_REPLY
    assert result.evidence[0].rule == "autoreply.header"
    assert header.lower() in result.evidence[0].detail.lower()


def test_negative_vendor_header_value_is_ignored():
    assert classify(mail("Re: Angebot", X_Autoreply="no")).kind is MessageKind.HUMAN


def test_auto_submitted_no_means_a_person_even_with_an_automatic_looking_subject():
    raw = mail("Auto: Angebot", body="I am out of the office.\n", Auto_Submitted="no")

    assert classify(raw).kind is MessageKind.HUMAN


def test_auto_generated_is_a_notification_unless_the_body_says_auto_reply():
    notice = mail(
        "Ihr Ticket 4711 wurde aktualisiert", body="Status: in Bearbeitung\n", Auto_Submitted="auto-generated"
    )
    ack = mail(
        "Ihre Anfrage",
        body="Vielen Dank für Ihre Nachricht, sie ist bei uns eingegangen. Wir melden uns.\n",
        Auto_Submitted="auto-generated",
    )

    assert classify(notice).kind is MessageKind.NOTIFICATION
    assert classify(ack).kind is MessageKind.AUTO_REPLY


def test_null_sender_alone_without_a_body_cue_is_human():
    raw = mail("Re: Angebot", body="Passt, wir nehmen es.\n", Return_Path="<>")

    assert classify(raw).kind is MessageKind.HUMAN


def test_our_own_quoted_offer_is_no_body_cue():
    # The weak signal is there, but the only "Vielen Dank für Ihre Anfrage" is in the
    # quoted offer below the reply.
    raw = mail(
        "Re: Angebot",
        body=(
            "Passt so, bitte loslegen.\n\n"
            "-----Ursprüngliche Nachricht-----\n"
            "Von: Anna Berg <anna@studio-berg.de>\n"
            "Gesendet: Montag, 13. Mai 2024 09:00\n\n"
            "Vielen Dank für Ihre Anfrage, gerne melde ich mich mit dem Angebot.\n"
            "> Ich bin bis Freitag nicht im Büro.\n"
        ),
        Precedence="bulk",
        In_Reply_To="<offer-1@studio-berg.de>",
    )

    assert classify(raw).kind is not MessageKind.AUTO_REPLY
