from datetime import date, datetime, timezone

import pytest

from ghostscan.classify.base import Classification, CustomerContact, Evidence, MessageKind, MessageText, ReturnedMessage
from ghostscan.parse.addresses import Address, Identity
from ghostscan.parse.headers import MessageMeta
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.threads.model import Conversation, Direction, ThreadedMessage
from ghostscan.verdicts.business_days import BusinessCalendar
from ghostscan.verdicts.decide import DecideOptions, decide_verdict
from ghostscan.verdicts.model import Said, Verdict

ANNA = Address("anna@studio-berg.de", "Anna Berg")
JONAS = Address("jonas@studio-berg.de", "Jonas Kraft")
HANS = Address("hans@mueller-bau.de", "Hans Müller")
PETRA = Address("petra@mueller-bau.de", "Petra Schneider")
DAEMON = Address("mailer-daemon@mx.studio-berg.de")

FOLDER = {FolderRole.SENT: "Sent", FolderRole.INBOX: "INBOX", FolderRole.JUNK: "Junk"}
_n = iter(range(10_000))


def msg(sender, to, day, *, role=None, kind=MessageKind.HUMAN, direction=None, returned=None, subject="Angebot Website"):
    direction = direction or (Direction.OUTBOUND if sender is ANNA else Direction.COLLEAGUE if sender is JONAS else Direction.INBOUND)
    role = role or (FolderRole.SENT if direction is Direction.OUTBOUND else FolderRole.INBOX)
    meta = MessageMeta(
        ref=MessageRef(FOLDER[role], str(next(_n))),
        folder_role=role,
        message_id=f"m{next(_n)}@test",
        subject=subject,
        sender=sender,
        to=to,
        date=datetime(2026, 11, day, 10, tzinfo=timezone.utc),
    )
    return ThreadedMessage(meta, Classification(kind, returned=returned), direction)


def decide(*messages, now_day=20, silent_after=5, **kw):
    options = DecideOptions(
        now=datetime(2026, 11, now_day, 18, tzinfo=timezone.utc),
        silent_after=silent_after,
        calendar=BusinessCalendar("DE"),
        **kw,
    )
    return decide_verdict(Conversation("c1@test", tuple(messages)), options)


def test_reply_from_the_customer_is_answered():
    d = decide(msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 3))
    assert d.verdict is Verdict.ANSWERED
    assert d.business_days_silent is None
    assert d.evidence[0].rule == "verdict.answered"
    assert "hans@mueller-bau.de" in d.evidence[0].detail


def test_reply_from_a_colleague_of_the_customer_is_answered():
    assert decide(msg(ANNA, (HANS,), 2), msg(PETRA, (ANNA,), 3)).verdict is Verdict.ANSWERED


def test_reply_only_in_junk_is_reply_in_spam_and_beats_a_bounce():
    d = decide(
        msg(ANNA, (HANS,), 2),
        msg(DAEMON, (ANNA,), 2, kind=MessageKind.BOUNCE, returned=ReturnedMessage(recipients=("other@mueller-bau.de",))),
        msg(HANS, (ANNA,), 4, role=FolderRole.JUNK),
    )
    assert d.verdict is Verdict.REPLY_IN_SPAM
    assert "Junk" in d.evidence[0].detail


def test_reply_in_junk_and_in_inbox_is_answered():
    d = decide(msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 4, role=FolderRole.JUNK), msg(HANS, (ANNA,), 5))
    assert d.verdict is Verdict.ANSWERED


def test_bounce_of_the_offer_is_bounced():
    bounce = msg(DAEMON, (ANNA,), 2, kind=MessageKind.BOUNCE, returned=ReturnedMessage(recipients=("hans@mueller-bau.de",)))
    d = decide(msg(ANNA, (HANS,), 2), bounce)
    assert d.verdict is Verdict.BOUNCED
    assert "hans@mueller-bau.de" in d.evidence[0].detail


def test_bounce_for_a_cc_recipient_only_is_not_bounced():
    offer = msg(ANNA, (HANS,), 2)
    bounce = msg(DAEMON, (ANNA,), 2, kind=MessageKind.BOUNCE, returned=ReturnedMessage(recipients=("typo@mueller-bau.de",)))
    d = decide(offer, bounce)
    assert d.verdict is Verdict.SILENT
    assert any(e.rule == "verdict.bounced.miss" and "typo@mueller-bau.de" in e.detail for e in d.evidence)


def test_delay_notice_is_not_a_bounce():
    d = decide(msg(ANNA, (HANS,), 2), msg(DAEMON, (ANNA,), 3, kind=MessageKind.DELAY))
    assert d.verdict is Verdict.SILENT
    assert any(e.rule == "verdict.delay" for e in d.evidence)


def test_only_an_auto_reply_is_auto_reply():
    d = decide(msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 2, kind=MessageKind.AUTO_REPLY))
    assert d.verdict is Verdict.AUTO_REPLY


def test_silence_counts_business_days_from_our_last_message():
    # Offer Mon 2 Nov, follow-up Thu 12 Nov; as of Fri 20 Nov that is 6 business days.
    d = decide(msg(ANNA, (HANS,), 2), msg(ANNA, (HANS,), 12))
    assert d.verdict is Verdict.SILENT
    assert d.business_days_silent == 6
    assert d.follow_ups == 1
    assert d.first_outbound.day == 2 and d.last_outbound.day == 12


def test_too_early_for_silence_is_waiting():
    d = decide(msg(ANNA, (HANS,), 18))
    assert d.verdict is Verdict.WAITING
    assert d.business_days_silent == 2
    assert decide(msg(ANNA, (HANS,), 18), silent_after=2).verdict is Verdict.SILENT


def test_offer_after_their_inquiry_then_nothing_is_silent():
    d = decide(msg(HANS, (ANNA,), 2), msg(ANNA, (HANS,), 3))
    assert d.verdict is Verdict.SILENT
    assert d.follow_ups == 0


def test_their_question_after_our_offer_is_answered():
    d = decide(msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 3), msg(ANNA, (HANS,), 4), msg(HANS, (ANNA,), 5))
    assert d.verdict is Verdict.ANSWERED


def test_follow_up_by_a_colleague_counts_as_ours():
    d = decide(msg(ANNA, (HANS,), 2), msg(JONAS, (HANS,), 10))
    assert d.verdict is Verdict.SILENT
    assert d.follow_ups == 1


def test_silent_after_a_follow_up_suggests_another_channel():
    first = decide(msg(ANNA, (HANS,), 2))
    later = decide(msg(ANNA, (HANS,), 2), msg(ANNA, (HANS,), 10))
    assert "follow-up" in first.suggestions[0]
    assert "another channel" in later.suggestions[0]


def test_conversation_the_user_never_wrote_in_is_not_reported():
    assert decide(msg(HANS, (ANNA,), 2)) is None


def test_internal_mail_is_not_reported():
    options = DecideOptions(
        now=datetime(2026, 11, 20, tzinfo=timezone.utc),
        silent_after=5,
        calendar=BusinessCalendar("DE"),
        identity=Identity.build(["anna@studio-berg.de"]),
    )
    internal = Conversation("c", (msg(ANNA, (JONAS,), 2),))
    assert decide_verdict(internal, options) is None
    with_customer = Conversation("d", (msg(ANNA, (JONAS, HANS), 2),))
    assert decide_verdict(with_customer, options).customer == HANS


class Texts:
    """A TextReader that knows the text of some messages (by ref key)."""

    def __init__(self, texts=None, contact=None):
        self.texts = texts or {}
        self.read = []
        self.customer = contact or CustomerContact()

    def text(self, message):
        self.read.append(message.meta.ref.key)
        return self.texts.get(message.meta.ref.key)

    def says(self, message, intent):
        text = self.text(message)
        return text.phrase(intent) if text is not None and text.has(intent) else None

    def said(self, message, intent):
        text = self.text(message)
        if text is None:
            return Said(readable=False)
        return Said(readable=True, phrase=text.phrase(intent) if text.has(intent) else None)

    def contact(self, customer):
        return self.customer


def said(*intents, phrase="…", return_date=None, language="de"):
    evidence = tuple(Evidence(f"intent.{i}", phrase) for i in intents)
    return MessageText(language, frozenset(intents), evidence, return_date)


def test_a_no_is_declined_with_the_phrase_as_evidence():
    offer, reply = msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 3)
    texts = Texts({reply.meta.ref.key: said("decline", phrase="für einen anderen Anbieter entschieden")})
    d = decide(offer, reply, texts=texts)
    assert d.verdict is Verdict.DECLINED
    assert d.evidence[0].rule == "verdict.declined"
    assert "für einen anderen Anbieter entschieden" in d.evidence[0].detail
    assert "close it" in d.suggestions[0]


def test_a_reply_without_a_no_stays_answered_and_headers_decide_the_rest():
    offer, reply = msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 3)
    texts = Texts({reply.meta.ref.key: said("question")})
    assert decide(offer, reply, texts=texts).verdict is Verdict.ANSWERED
    # Only the reply's text was read; our offer's subject already says "Angebot".
    assert texts.read == [reply.meta.ref.key]


def test_auto_reply_waits_until_the_return_date_then_turns_silent():
    offer = msg(ANNA, (HANS,), 2)
    auto = msg(HANS, (ANNA,), 2, kind=MessageKind.AUTO_REPLY)
    texts = Texts({auto.meta.ref.key: said("out_of_office", return_date=date(2026, 11, 16))})
    # Back Mon 16 Nov; as of Fri 20 Nov that is 5 business days counting the 16th: silent.
    d = decide(offer, auto, texts=texts)
    assert d.verdict is Verdict.SILENT
    assert d.return_date == date(2026, 11, 16)
    assert any(e.rule == "verdict.auto_reply.miss" and "back since 2026-11-16" in e.detail for e in d.evidence)
    # Back Thu 19 Nov: 2 business days, still auto_reply, told to wait until then.
    texts = Texts({auto.meta.ref.key: said("out_of_office", return_date=date(2026, 11, 19))})
    d = decide(offer, auto, texts=texts)
    assert d.verdict is Verdict.AUTO_REPLY
    assert d.suggestions == ("They are away and back on 2026-11-19: follow up once when they are.",)


def test_silent_firm_order_gets_the_order_advice():
    offer, order, thanks = msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 3), msg(ANNA, (HANS,), 4)
    texts = Texts({order.meta.ref.key: said("order_confirmed", phrase="wir beauftragen Sie hiermit")})
    d = decide(offer, order, thanks, texts=texts, language="de")
    assert d.verdict is Verdict.SILENT and d.firm_order
    assert d.evidence[1].rule == "verdict.firm_order"
    assert d.suggestions[0].startswith("Ein fester Auftrag ist verstummt")
    assert "vorher das Gespräch suchen" in d.suggestions[1]


def test_channels_carry_the_phone_and_linkedin_and_cold_lets_it_rest():
    contact = CustomerContact("Hans Müller", "Müller Bau GmbH", ("+49301234567",), "https://www.linkedin.com/search/results/people/?keywords=Hans+M%C3%BCller")
    d = decide(msg(ANNA, (HANS,), 2), msg(ANNA, (HANS,), 10), texts=Texts(contact=contact))
    assert d.phones == ("+49301234567",)
    assert d.suggestions == (
        "Mail may not have arrived: try another channel.",
        "Call +49301234567.",
        f"Write on LinkedIn: {contact.linkedin_url}",
    )
    cold = decide(msg(ANNA, (HANS,), 2), msg(ANNA, (HANS,), 3), texts=Texts(contact=contact), cold_after=10)
    assert cold.cold and cold.suggestions[0].startswith("Let it rest")


def test_tracking_offers_drops_conversations_without_offer_or_order():
    chat = msg(ANNA, (HANS,), 2, subject="Kurze Frage zum Termin")
    texts = Texts({chat.meta.ref.key: said()})
    assert decide(chat, texts=texts, track_all=False) is None
    offer_in_text = Texts({chat.meta.ref.key: said("offer", phrase="anbei unser Angebot")})
    d = decide(chat, texts=offer_in_text, track_all=False)
    assert d.evidence[-1].rule == "track.offer" or any(e.rule == "track.offer" for e in d.evidence)
    by_subject = decide(msg(ANNA, (HANS,), 2, subject="AW: Ihr Angebot 2026-117"), texts=Texts(), track_all=False)
    assert by_subject is not None


def test_first_reply_is_their_first_human_answer_after_our_first_message():
    # Offer Mon 2 Nov; an out-of-office Tue 3 Nov is no answer; Hans writes Mon 9 Nov and
    # again Thu 12 Nov: the first reply is on the 9th, 5 business days later.
    d = decide(
        msg(ANNA, (HANS,), 2),
        msg(HANS, (ANNA,), 3, kind=MessageKind.AUTO_REPLY),
        msg(HANS, (ANNA,), 9),
        msg(ANNA, (HANS,), 10),
        msg(HANS, (ANNA,), 12),
    )
    assert d.first_reply == datetime(2026, 11, 9, 10, tzinfo=timezone.utc)
    assert d.business_days_to_first_reply == 5


def test_their_inquiry_before_our_offer_is_not_a_reply():
    d = decide(msg(HANS, (ANNA,), 2), msg(ANNA, (HANS,), 3))
    assert d.first_reply is None and d.business_days_to_first_reply is None


def test_a_reply_in_junk_is_a_first_reply_on_the_same_day():
    d = decide(msg(ANNA, (HANS,), 4), msg(HANS, (ANNA,), 4, role=FolderRole.JUNK))
    assert d.verdict is Verdict.REPLY_IN_SPAM
    assert d.business_days_to_first_reply == 0


def test_a_reply_read_without_a_no_says_so_in_the_evidence_and_an_unreadable_one_does_not():
    offer, reply = msg(ANNA, (HANS,), 2), msg(HANS, (ANNA,), 3)
    read = decide(offer, reply, texts=Texts({reply.meta.ref.key: said("question")}))
    unreadable = decide(offer, reply, texts=Texts())
    assert read.verdict is unreadable.verdict is Verdict.ANSWERED
    assert "verdict.declined.miss" in [e.rule for e in read.evidence]
    assert "verdict.declined.miss" not in [e.rule for e in unreadable.evidence]
