"""A bounce joins the message of ours it returns."""

from __future__ import annotations

from ghostscan.classify.base import MessageKind, ReturnedMessage
from ghostscan.threads import thread_messages

HANS = "hans@mueller-bau.de"
DAEMON = "mailer-daemon@mx.studio-berg.de"


def bounce(mail, mid, day, **returned):
    return mail(
        mid, sender=DAEMON, to=["anna@studio-berg.de"], subject="Undelivered Mail Returned to Sender", day=day,
        kind=MessageKind.BOUNCE, returned=ReturnedMessage(**returned),
    )


def test_a_bounce_quoting_our_message_id_joins_that_message(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], day=0)
    newer = mail("o2@studio-berg.de", to=[HANS], subject="Rechnung", day=9)
    # Ten days later (a server that retried for long): the Message-ID decides, not the date.
    dsn = bounce(mail, "b1@mx.studio-berg.de", 10, message_id="o1@studio-berg.de", recipients=(HANS,))

    conversations = thread_messages([dsn, newer, offer])

    conv = mail.conversation_of(conversations, "o1@studio-berg.de")
    assert mail.ids(conv) == ["o1@studio-berg.de", "b1@mx.studio-berg.de"]
    assert mail.links(conv) == ["root", "bounce"]


def test_a_bounce_without_message_id_joins_by_recipient_and_subject(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=0)
    invoice = mail("o2@studio-berg.de", to=[HANS], subject="Rechnung 4711", day=1)
    dsn = bounce(mail, "b1@mx.studio-berg.de", 1.5, recipients=("Hans@Mueller-Bau.de",), subject="AW: Angebot Website")

    conversations = thread_messages([offer, invoice, dsn])

    assert mail.ids(mail.conversation_of(conversations, "o1@studio-berg.de")) == ["o1@studio-berg.de", "b1@mx.studio-berg.de"]
    assert mail.ids(mail.conversation_of(conversations, "o2@studio-berg.de")) == ["o2@studio-berg.de"]


def test_a_bounce_naming_only_the_recipient_joins_the_latest_message_to_them(mail):
    older = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=0)
    latest = mail("o2@studio-berg.de", to=[HANS], cc=["petra@mueller-bau.de"], subject="Nachtrag", day=2)
    to_someone_else = mail("o3@studio-berg.de", to=["info@schmidt-gmbh.de"], subject="Termin", day=2.5)
    dsn = bounce(mail, "b1@mx.studio-berg.de", 2.6, recipients=(HANS,))

    conversations = thread_messages([dsn, older, latest, to_someone_else])

    assert mail.ids(mail.conversation_of(conversations, "o2@studio-berg.de")) == ["o2@studio-berg.de", "b1@mx.studio-berg.de"]
    assert len(conversations) == 3


def test_a_subject_that_matches_nothing_falls_back_to_the_recipient_within_three_days(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=0)
    dsn = bounce(mail, "b1@mx.studio-berg.de", 1, recipients=(HANS,), subject="Something the server mangled")

    (conv,) = thread_messages([offer, dsn])

    assert mail.links(conv) == ["root", "bounce"]


def test_a_bounce_too_long_after_our_message_stays_alone(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=0)
    no_subject = bounce(mail, "b1@mx.studio-berg.de", 4, recipients=(HANS,))
    late_subject = bounce(mail, "b2@mx.studio-berg.de", 8, recipients=(HANS,), subject="Angebot Website")

    conversations = thread_messages([offer, no_subject, late_subject])

    assert [mail.ids(c) for c in conversations] == [["o1@studio-berg.de"], ["b1@mx.studio-berg.de"], ["b2@mx.studio-berg.de"]]


def test_a_bounce_for_another_recipient_or_message_stays_alone(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], day=0)
    dsn = bounce(mail, "b1@mx.studio-berg.de", 0.1, message_id="not-here@studio-berg.de", recipients=("info@schmidt-gmbh.de",))

    conversations = thread_messages([offer, dsn])

    assert [mail.ids(c) for c in conversations] == [["o1@studio-berg.de"], ["b1@mx.studio-berg.de"]]
    assert mail.links(conversations[1]) == ["root"]


def test_our_clock_running_a_few_minutes_ahead_does_not_lose_the_bounce(mail):
    minute = 1 / (24 * 60)
    earlier = mail("o0@studio-berg.de", to=[HANS], subject="Angebot Website", day=-10)
    offer = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=1 + 5 * minute)
    dsn = bounce(mail, "b1@mx.studio-berg.de", 1, recipients=(HANS,), subject="Angebot Website")

    conversations = thread_messages([earlier, offer, dsn])

    assert mail.ids(mail.conversation_of(conversations, "o1@studio-berg.de")) == ["b1@mx.studio-berg.de", "o1@studio-berg.de"]


def test_bounces_with_and_without_our_message_id_each_join_their_message(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=0)
    invoice = mail("o2@studio-berg.de", to=["info@schmidt-gmbh.de"], subject="Rechnung 4711", day=1)
    quoting = bounce(mail, "b1@mx.studio-berg.de", 0.5, message_id="<o1@studio-berg.de>", recipients=(HANS,))
    # Its Message-ID is not in the mailbox (the copy in Sent was deleted): the recipient decides.
    unknown_id = bounce(mail, "b2@mx.studio-berg.de", 1.1, message_id="gone@studio-berg.de", recipients=("info@schmidt-gmbh.de",))

    conversations = thread_messages([unknown_id, quoting, invoice, offer])

    assert [(mail.ids(c), mail.links(c)) for c in conversations] == [
        (["o1@studio-berg.de", "b1@mx.studio-berg.de"], ["root", "bounce"]),
        (["o2@studio-berg.de", "b2@mx.studio-berg.de"], ["root", "bounce"]),
    ]
