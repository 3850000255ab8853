"""Replies without threading headers: subject + party + time window, never across customers."""

from __future__ import annotations

import pytest

from ghostscan.threads import thread_messages
from ghostscan.threads.fallback import normalize_subject

HANS = "hans@mueller-bau.de"
PETRA = "petra@mueller-bau.de"
SCHMIDT = "info@schmidt-gmbh.de"


@pytest.mark.parametrize(
    ("subject", "normalized"),
    [
        ("Angebot Website", "angebot website"),
        ("AW: Angebot Website", "angebot website"),
        ("AW: WG: Angebot Website", "angebot website"),
        ("Re[2]: Angebot", "angebot"),
        ("RE(3): Angebot", "angebot"),
        ("Re:Re: Angebot", "angebot"),
        ("RE : Angebot", "angebot"),
        ("Fwd: FW: SV: Antw: Antwort: Ref: RIF: TR: Doorst: R: Wg: Aw: re: Angebot", "angebot"),
        ("[Ticket#123] AW: Angebot", "angebot"),
        ("AW: Angebot [EXTERN]", "angebot"),
        ("[EXTERN] AW: [Ticket#11168] Ticket Templates", "ticket templates"),
        ("Angebot (fwd)", "angebot"),
        ("Automatische Antwort: Angebot", "angebot"),
        ("  ANGEBOT   Website  ", "angebot website"),
        ("Automatic   reply:  Angebot", "angebot"),
        ("AW:AW:  Re :Angebot", "angebot"),
        ("Ｒｅ：Angebot", "angebot"),
        ("Re^2: Angebot: Teil 2", "angebot: teil 2"),
        # A tag that comes to light only once the inner one is gone, after a prefix.
        ("Re: [[x]] Angebot", "angebot"),
        ("[[x]] Angebot", "[ ] angebot"),
        ("Re:", ""),
        ("", ""),
        # Words that merely start like a prefix are the subject, not a prefix.
        ("Rechnung: Mai", "rechnung: mai"),
        ("Antwort Termineinladung: test", "antwort termineinladung: test"),
        ("Treffen", "treffen"),
    ],
)
def test_normalize_subject(subject, normalized):
    assert normalize_subject(subject) == normalized


def test_a_colleague_of_the_customer_answering_without_headers_joins(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=0)
    colleague = mail("r1@mueller-bau.de", sender=PETRA, subject="AW: Angebot Website", day=3)

    (conv,) = thread_messages([colleague, offer])

    assert mail.ids(conv) == ["o1@studio-berg.de", "r1@mueller-bau.de"]
    assert mail.links(conv) == ["root", "subject+participants"]


def test_the_same_subject_from_another_company_does_not_join(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], subject="Angebot Website", day=0)
    stranger = mail("s1@schmidt-gmbh.de", sender=SCHMIDT, subject="AW: Angebot Website", day=3)

    conversations = thread_messages([offer, stranger])

    assert [mail.ids(c) for c in conversations] == [["o1@studio-berg.de"], ["s1@schmidt-gmbh.de"]]


def test_freemail_addresses_are_separate_customers(mail):
    # Two gmx.de customers; the first one's spouse writes from her own gmx.de address.
    offer_mueller = mail("o1@studio-berg.de", to=["hans.mueller@gmx.de"], subject="Angebot", day=0)
    offer_meier = mail("o2@studio-berg.de", to=["k.meier@gmx.de"], subject="Angebot", day=1)
    spouse = mail("r1@gmx.de", sender="erika.mueller@gmx.de", subject="AW: Angebot", day=2)
    meier = mail("r2@gmx.de", sender="k.meier@gmx.de", subject="AW: Angebot", day=3)

    conversations = thread_messages([offer_mueller, offer_meier, spouse, meier])

    assert mail.ids(mail.conversation_of(conversations, "o1@studio-berg.de")) == ["o1@studio-berg.de"]
    assert mail.ids(mail.conversation_of(conversations, "o2@studio-berg.de")) == ["o2@studio-berg.de", "r2@gmx.de"]
    assert mail.ids(mail.conversation_of(conversations, "r1@gmx.de")) == ["r1@gmx.de"]


def test_two_customers_who_both_answer_angebot_stay_apart(mail):
    offer_a = mail("oa@studio-berg.de", to=[HANS], subject="Angebot", day=0)
    offer_b = mail("ob@studio-berg.de", to=[SCHMIDT], subject="Angebot", day=0.5)
    reply_b = mail("rb@schmidt-gmbh.de", sender=SCHMIDT, subject="AW: Angebot", day=1)
    reply_a = mail("ra@mueller-bau.de", sender=HANS, subject="Re: Angebot", day=2)

    conversations = thread_messages([reply_a, reply_b, offer_a, offer_b])

    assert [mail.ids(c) for c in conversations] == [
        ["oa@studio-berg.de", "ra@mueller-bau.de"],
        ["ob@studio-berg.de", "rb@schmidt-gmbh.de"],
    ]


@pytest.mark.parametrize(("days_later", "window_days", "joined"), [(59, 60, True), (61, 60, False), (6, 7, True), (8, 7, False)])
def test_a_reply_joins_only_within_the_window(mail, days_later, window_days, joined):
    offer = mail("o1@studio-berg.de", to=[HANS], day=0)
    reply = mail("r1@mueller-bau.de", sender=HANS, subject="AW: Angebot Website", day=days_later)

    conversations = thread_messages([offer, reply], window_days=window_days)

    assert len(conversations) == (1 if joined else 2)


def test_a_message_before_our_offer_is_not_a_reply_to_it(mail):
    earlier = mail("r0@mueller-bau.de", sender=HANS, subject="Re: Angebot Website", day=0)
    offer = mail("o1@studio-berg.de", to=["info@schmidt-gmbh.de"], subject="Angebot Website", day=1)

    assert len(thread_messages([earlier, offer])) == 2


@pytest.mark.parametrize(("ours", "theirs"), [("", "Re:"), ("", ""), ("(kein Betreff)", "AW: (kein Betreff)")])
def test_empty_or_generic_subjects_never_join(mail, ours, theirs):
    offer = mail("o1@studio-berg.de", to=[HANS], subject=ours, day=0)
    reply = mail("r1@mueller-bau.de", sender=HANS, subject=theirs, day=1)

    assert len(thread_messages([offer, reply])) == 2


def test_the_latest_earlier_offer_gets_the_reply(mail):
    first = mail("o1@studio-berg.de", to=[HANS], subject="Angebot", day=0)
    second = mail("o2@studio-berg.de", to=[HANS], subject="Angebot", day=20)
    reply = mail("r1@mueller-bau.de", sender=HANS, subject="AW: Angebot", day=22)

    conversations = thread_messages([reply, first, second])

    assert mail.ids(mail.conversation_of(conversations, "r1@mueller-bau.de")) == ["o2@studio-berg.de", "r1@mueller-bau.de"]
    assert mail.ids(mail.conversation_of(conversations, "o1@studio-berg.de")) == ["o1@studio-berg.de"]


def test_our_answer_to_their_request_joins_it(mail):
    request = mail("q1@mueller-bau.de", sender=HANS, to=["anna@studio-berg.de"], subject="Anfrage Website", day=0)
    answer = mail("a1@studio-berg.de", to=[PETRA], subject="AW: Anfrage Website", day=1)
    to_someone_else = mail("a2@studio-berg.de", to=[SCHMIDT], subject="WG: Anfrage Website", day=1.5)

    conversations = thread_messages([answer, request, to_someone_else])

    assert mail.ids(mail.conversation_of(conversations, "q1@mueller-bau.de")) == ["q1@mueller-bau.de", "a1@studio-berg.de"]
    assert mail.ids(mail.conversation_of(conversations, "a2@studio-berg.de")) == ["a2@studio-berg.de"]


def test_a_reply_with_headers_pointing_at_an_unknown_message_still_finds_the_offer(mail):
    # Some relays rewrite our Message-ID on the way out: the customer's In-Reply-To names
    # an id that is not in Sent.
    offer = mail("local-id@studio-berg.de", to=[HANS], day=0)
    reply = mail("r1@mueller-bau.de", sender=HANS, subject="AW: Angebot Website", day=1, in_reply_to=["rewritten@relay.example"])
    second = mail("r2@mueller-bau.de", sender=HANS, subject="AW: AW: Angebot Website", day=2, in_reply_to=["r1@mueller-bau.de"])

    (conv,) = thread_messages([second, reply, offer])

    assert mail.ids(conv) == ["local-id@studio-berg.de", "r1@mueller-bau.de", "r2@mueller-bau.de"]
    assert mail.links(conv) == ["root", "subject+participants", "in-reply-to"]
