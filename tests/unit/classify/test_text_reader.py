"""MailTexts: reading message text on demand, and asking a message for one intent."""

from datetime import datetime, timezone

from ghostscan.classify.base import Classification, MessageKind
from ghostscan.classify.text_reader import MailTexts
from ghostscan.parse.addresses import Address
from ghostscan.parse.headers import MessageMeta
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.threads.model import Direction, ThreadedMessage

ANNA = Address("anna@studio-berg.de", "Anna Berg")
HANS = Address("hans@mueller-bau.de", "Hans Müller")


def message(key: str, sender: Address, direction: Direction) -> ThreadedMessage:
    role = FolderRole.SENT if direction is Direction.OUTBOUND else FolderRole.INBOX
    meta = MessageMeta(
        ref=MessageRef("Sent" if role is FolderRole.SENT else "INBOX", key),
        folder_role=role,
        message_id=f"{key}@test",
        subject="Website",
        sender=sender,
        to=(HANS if sender is ANNA else ANNA,),
        date=datetime(2026, 11, 3, 10, tzinfo=timezone.utc),
    )
    return ThreadedMessage(meta, Classification(MessageKind.HUMAN), direction)


def mail(sender: Address, body: str) -> bytes:
    head = f"From: {sender.email}\nTo: x@example.com\nSubject: Website\nContent-Type: text/plain; charset=utf-8\n\n"
    return (head + body).encode()


class Kept:
    """The store's results as MailTexts sees them (get/put JSON by ref and name)."""

    def __init__(self):
        self.values = {}

    def get(self, ref, name):
        return self.values.get((ref, name))

    def put(self, ref, name, value):
        self.values[(ref, name)] = value

    def flush(self):
        pass


OFFER = "Hallo Herr Müller,\n\nanbei unser Angebot für die neue Website: 4.800 € netto.\n\nViele Grüße\nAnna Berg\n"
ORDER = "Hallo Frau Berg,\n\nhiermit erteilen wir Ihnen den Auftrag für die Website.\n\nGruß\nHans Müller\n"


def test_a_message_without_the_words_of_an_order_says_none_and_a_later_run_does_not_read_it_again():
    offer = message("1", ANNA, Direction.OUTBOUND)
    loads = []

    def load():
        loads.append(offer.meta.ref)
        return mail(ANNA, OFFER)

    kept = Kept()
    assert MailTexts([offer], {offer.meta.ref: load}, cache=kept).says(offer, "order_confirmed") is None
    assert loads == [offer.meta.ref]
    # Nothing read past the tokenizer, so no reading is kept; that it has no order is.
    assert kept.get(offer.meta.ref, "text") is None
    later = MailTexts([offer], {offer.meta.ref: load}, cache=kept)
    assert later.says(offer, "order_confirmed") is None
    assert loads == [offer.meta.ref]
    # Its whole reading, asked for later, is still there to be had.
    assert later.text(offer).has("offer")


def test_an_order_is_found_with_its_phrase_and_its_reading_is_kept():
    order = message("2", HANS, Direction.INBOUND)
    kept = Kept()
    texts = MailTexts([order], {order.meta.ref: lambda: mail(HANS, ORDER)}, cache=kept)
    phrase = texts.says(order, "order_confirmed")
    assert phrase is not None and "Auftrag" in phrase
    assert texts.text(order).phrase("order_confirmed") == phrase
    assert kept.get(order.meta.ref, "text") is not None


def test_asking_for_one_intent_gives_what_the_whole_reading_says():
    messages = [message("3", ANNA, Direction.OUTBOUND), message("4", HANS, Direction.INBOUND)]
    bodies = {messages[0].meta.ref: mail(ANNA, OFFER), messages[1].meta.ref: mail(HANS, ORDER)}
    loaders = {ref: (lambda raw=raw: raw) for ref, raw in bodies.items()}
    for m in messages:
        for intent in ("order_confirmed", "offer", "decline", "accept"):
            reading = MailTexts(messages, loaders).text(m)
            expected = reading.phrase(intent) if reading.has(intent) else None
            assert MailTexts(messages, loaders).says(m, intent) == expected


def test_an_unreadable_body_says_nothing_and_is_reported():
    lost = message("5", HANS, Direction.INBOUND)
    problems = []

    def load():
        raise OSError("connection dropped")

    texts = MailTexts([lost], {lost.meta.ref: load}, on_problem=lambda m, reason: problems.append(reason))
    assert texts.says(lost, "order_confirmed") is None
    assert texts.text(lost) is None
    assert len(problems) == 1 and "connection dropped" in problems[0]


THANKS = "Hallo Frau Berg,\n\ndanke, das sieht gut aus. Wann könnten Sie anfangen?\n\nGruß\nHans Müller\n"
NO = "Hallo Frau Berg,\n\nwir haben uns leider für einen anderen Anbieter entschieden.\n\nGruß\nHans Müller\n"


def test_a_reply_without_the_words_of_a_no_counts_as_read_without_its_whole_reading():
    reply = message("6", HANS, Direction.INBOUND)
    kept = Kept()
    texts = MailTexts([reply], {reply.meta.ref: lambda: mail(HANS, THANKS)}, cache=kept)
    said = texts.said(reply, "decline")
    assert said.readable and said.phrase is None
    assert kept.get(reply.meta.ref, "text") is None
    assert kept.get(reply.meta.ref, "lacks:decline") is not None
    # A later run knows it from the store, still as a text that was read.
    later = MailTexts([reply], {}, cache=kept)
    assert later.said(reply, "decline").readable


def test_a_no_is_said_with_the_phrase_of_the_whole_reading():
    reply = message("7", HANS, Direction.INBOUND)
    loaders = {reply.meta.ref: lambda: mail(HANS, NO)}
    said = MailTexts([reply], loaders).said(reply, "decline")
    reading = MailTexts([reply], loaders).text(reply)
    assert reading.has("decline")
    assert said.readable and said.phrase == reading.phrase("decline")


def test_an_unreadable_reply_is_not_said_to_be_read():
    lost = message("8", HANS, Direction.INBOUND)

    def load():
        raise OSError("connection dropped")

    texts = MailTexts([lost], {lost.meta.ref: load})
    assert not texts.said(lost, "decline").readable
    # Nothing to load at all (the message is gone) is no reading either.
    assert not MailTexts([lost], {}).said(lost, "decline").readable


def test_the_dry_run_fetches_a_reply_once_and_not_again_when_its_missing_no_is_kept():
    from ghostscan.classify.text_reader import ReadPlanner

    reply = message("9", HANS, Direction.INBOUND)
    kept = Kept()
    first = ReadPlanner(MailTexts([reply], {reply.meta.ref: lambda: mail(HANS, THANKS)}, cache=kept))
    assert not first.said(reply, "decline").readable
    assert first.refs == [reply.meta.ref]
    MailTexts([reply], {reply.meta.ref: lambda: mail(HANS, THANKS)}, cache=kept).said(reply, "decline")
    later = ReadPlanner(MailTexts([reply], {}, cache=kept))
    assert later.said(reply, "decline").readable
    assert later.refs == []


SIGNED = "Hallo Frau Berg,\n\nhiermit erteilen wir Ihnen den Auftrag.\n\nGruß\nHans Müller\nMüller Bau GmbH\nTel. +49 30 1234567\n"


def test_a_customers_contact_is_read_from_the_text_read_before_and_stays_the_same_once_that_text_is_let_go():
    order = message("7", HANS, Direction.INBOUND)
    loads = []

    def load():
        loads.append(order.meta.ref)
        return mail(HANS, SIGNED)

    alone = MailTexts([order], {order.meta.ref: lambda: mail(HANS, SIGNED)}).contact(HANS)
    assert alone.phones == ("+49301234567",)
    texts = MailTexts([order], {order.meta.ref: load})
    assert texts.text(order).has("order_confirmed")
    assert texts.contact(HANS) == alone
    assert loads == [order.meta.ref]  # the text read for the verdict was kept for the contact
    # Read now, the customer's text is not kept any longer, and the details asked again
    # are the same, without a load.
    assert not texts._bodies
    assert texts.contact(HANS) == alone
    assert loads == [order.meta.ref]


def test_a_contact_read_first_is_the_same_when_the_customers_text_is_read_after_it():
    order = message("8", HANS, Direction.INBOUND)
    loaders = {order.meta.ref: lambda: mail(HANS, SIGNED)}
    first = MailTexts([order], loaders)
    contact = first.contact(HANS)
    assert contact.phones == ("+49301234567",)
    # The text read after the details is not kept for them again.
    assert first.text(order).has("order_confirmed")
    assert not first._bodies
    assert first.contact(HANS) == contact
    later = MailTexts([order], loaders)
    assert later.text(order).has("order_confirmed")
    assert later.contact(HANS) == contact
