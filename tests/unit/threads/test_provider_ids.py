"""Gmail X-GM-THRID and Outlook Thread-Index join what lost its References."""

from __future__ import annotations

import base64

import pytest

from ghostscan.threads import thread_messages
from ghostscan.threads.provider_ids import provider_keys, thread_index_conversation

HANS = "hans@mueller-bau.de"

# A real Exchange pair (tests/corpus bounces): the original message's Thread-Index and the
# Thread-Index of the non-delivery report about it, which appends one 5-byte child block.
ORIGINAL_INDEX = "AQHT8m5RiOrCDdowhU2Xf10vOxHZpw=="
CHILD_INDEX = "AQHT8m5RiOrCDdowhU2Xf10vOxHZp6RAHdDy"
OTHER_INDEX = "AQHT8fMZY6Buh+3DHEig40zYI2TOvQ=="


def test_messages_with_the_same_gmail_thread_id_form_one_conversation(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], day=0, extra={"x-gm-thrid": "1790012345678901234"})
    # Gmail threaded the reply although the customer's client dropped In-Reply-To.
    reply = mail("r1@mueller-bau.de", sender=HANS, subject="Re: Ihr Angebot", day=1, extra={"x-gm-thrid": "1790012345678901234"})
    elsewhere = mail("r2@mueller-bau.de", sender=HANS, subject="Re: Ihr Angebot", day=1, extra={"x-gm-thrid": "1790012345678900000"})

    conversations = thread_messages([reply, elsewhere, offer])

    conv = mail.conversation_of(conversations, "o1@studio-berg.de")
    assert mail.ids(conv) == ["o1@studio-berg.de", "r1@mueller-bau.de"]
    assert mail.links(conv) == ["root", "x-gm-thrid"]
    assert len(conversations) == 2


@pytest.mark.parametrize("junk", ["", "abc", "0", "12 34", "-5"])
def test_a_gmail_thread_id_that_is_not_a_number_links_nothing(mail, junk):
    a = mail("a@studio-berg.de", to=[HANS], subject="Eins", day=0, extra={"x-gm-thrid": junk})
    b = mail("b@mueller-bau.de", sender=HANS, subject="Zwei", day=1, extra={"x-gm-thrid": junk})

    assert len(thread_messages([a, b])) == 2


def test_an_outlook_reply_without_references_joins_by_thread_index(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], day=0, extra={"thread-index": ORIGINAL_INDEX})
    reply = mail("r1@mueller-bau.de", sender=HANS, subject="AW: Angebot", day=1, extra={"thread-index": CHILD_INDEX})
    unrelated = mail("r2@mueller-bau.de", sender=HANS, subject="AW: Termin", day=1, extra={"thread-index": OTHER_INDEX})

    conversations = thread_messages([offer, reply, unrelated])

    conv = mail.conversation_of(conversations, "o1@studio-berg.de")
    assert mail.ids(conv) == ["o1@studio-berg.de", "r1@mueller-bau.de"]
    assert mail.links(conv) == ["root", "thread-index"]
    assert len(conversations) == 2


def test_the_conversation_part_of_a_thread_index_is_its_first_22_bytes():
    assert thread_index_conversation(CHILD_INDEX) == base64.b64decode(ORIGINAL_INDEX)
    assert thread_index_conversation(ORIGINAL_INDEX) != thread_index_conversation(OTHER_INDEX)


def test_a_folded_thread_index_without_padding_is_still_read():
    assert thread_index_conversation(" AQHT8m5RiOrCDdow\n\thU2Xf10vOxHZpw") == base64.b64decode(ORIGINAL_INDEX)


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "not base64 at all!",
        "AQHT8m5R",  # shorter than the 22-byte header block
        base64.b64encode(b"\x01" + b"\x00" * 21).decode(),  # all-zero GUID, a constant some gateways stamp
    ],
)
def test_a_broken_thread_index_is_ignored(mail, junk):
    assert thread_index_conversation(junk) is None
    a = mail("a@studio-berg.de", to=[HANS], subject="Eins", day=0, extra={"thread-index": junk})
    b = mail("b@mueller-bau.de", sender=HANS, subject="Zwei", day=1, extra={"thread-index": junk})
    assert provider_keys(a.meta) == ()
    assert len(thread_messages([a, b])) == 2
