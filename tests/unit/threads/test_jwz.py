"""Message-ID / In-Reply-To / References threading across folders."""

from __future__ import annotations

import random

from ghostscan.sources.base import FolderRole
from ghostscan.threads import thread_messages
from ghostscan.threads.jwz import collapse_duplicates, link_headers

HANS = "hans@mueller-bau.de"


def test_a_conversation_spans_sent_junk_and_a_custom_folder(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], day=0)
    reply_in_junk = mail("r1@mueller-bau.de", sender=HANS, folder="Junk", subject="AW: Angebot Website", day=1, in_reply_to=["o1@studio-berg.de"])
    follow_up = mail(
        "f1@studio-berg.de", to=[HANS], subject="AW: Angebot Website", day=2,
        in_reply_to=["r1@mueller-bau.de"], references=["o1@studio-berg.de", "r1@mueller-bau.de"],
    )
    filed = mail(
        "r2@mueller-bau.de", sender=HANS, folder="Kunden/Müller", subject="AW: AW: Angebot Website", day=3,
        in_reply_to=["f1@studio-berg.de"], references=["o1@studio-berg.de", "r1@mueller-bau.de", "f1@studio-berg.de"],
    )
    other = mail("x1@studio-berg.de", to=["info@schmidt-gmbh.de"], subject="Termin", day=1)

    conversations = thread_messages([filed, other, reply_in_junk, follow_up, offer])

    assert len(conversations) == 2
    conv = mail.conversation_of(conversations, "o1@studio-berg.de")
    assert conv.id == "o1@studio-berg.de"
    assert mail.ids(conv) == ["o1@studio-berg.de", "r1@mueller-bau.de", "f1@studio-berg.de", "r2@mueller-bau.de"]
    assert [m.meta.ref.folder for m in conv.messages] == ["Sent", "Junk", "Sent", "Kunden/Müller"]
    assert mail.links(conv) == ["root", "in-reply-to", "references", "references"]


def test_replies_to_a_missing_offer_meet_at_the_ghost_root(mail):
    # The offer was deleted from Sent; both replies still name it.
    first = mail("r1@mueller-bau.de", sender=HANS, day=2, in_reply_to=["gone@studio-berg.de"], references=["gone@studio-berg.de"])
    second = mail("r2@mueller-bau.de", sender="petra@mueller-bau.de", day=3, references=["gone@studio-berg.de"])
    unrelated = mail("u1@mueller-bau.de", sender=HANS, day=2.5, references=["elsewhere@studio-berg.de"])

    conversations = thread_messages([second, unrelated, first])

    conv = mail.conversation_of(conversations, "r1@mueller-bau.de")
    assert mail.ids(conv) == ["r1@mueller-bau.de", "r2@mueller-bau.de"]
    assert mail.links(conv) == ["root", "references"]
    assert mail.ids(mail.conversation_of(conversations, "u1@mueller-bau.de")) == ["u1@mueller-bau.de"]


def test_a_reply_in_inbox_and_junk_is_kept_once_from_the_inbox(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], day=0)
    in_junk = mail("r1@mueller-bau.de", sender=HANS, folder="Junk", day=1, in_reply_to=["o1@studio-berg.de"])
    in_inbox = mail("r1@mueller-bau.de", sender=HANS, folder="INBOX", day=1, in_reply_to=["o1@studio-berg.de"])

    for order in ([offer, in_junk, in_inbox], [in_inbox, offer, in_junk]):
        (conv,) = thread_messages(order)
        assert mail.ids(conv) == ["o1@studio-berg.de", "r1@mueller-bau.de"]
        assert conv.messages[1].meta.folder_role is FolderRole.INBOX


def test_our_reply_bcc_to_ourselves_is_kept_as_the_sent_copy(mail):
    bcc_copy = mail("o1@studio-berg.de", to=[HANS], folder="INBOX", day=0)
    sent = mail("o1@studio-berg.de", to=[HANS], folder="Sent", day=0)
    archived = mail("o1@studio-berg.de", to=[HANS], folder="Archive", day=0)

    (kept,) = collapse_duplicates([bcc_copy, archived, sent])

    assert kept is sent


def test_a_reused_message_id_on_a_different_message_is_not_a_copy(mail):
    # Some mailers reuse Message-IDs; two different messages must both survive.
    first = mail("same@example.com", sender=HANS, subject="Personaländerung", day=0)
    second = mail("same@example.com", sender=HANS, subject="Wetterau West", day=0)
    list_copy = mail("same@example.com", sender=HANS, subject="[kunden] Personaländerung", folder="Lists", day=0)

    kept = collapse_duplicates([first, second, list_copy])

    assert [m.meta.subject for m in kept] == ["Personaländerung", "Wetterau West"]
    assert len(thread_messages([first, second, list_copy])) == 2


def test_in_reply_to_wins_when_the_last_reference_is_not_in_the_mailbox(mail):
    # notmuch's parent-priority corpus: the References id has a typo ("B00--root").
    root = mail("B00-root@example.org", sender="alice@example.org", day=0)
    child = mail("B01-child@example.org", sender="alice@example.org", day=1, in_reply_to=["B00-root@example.org"], references=["B00--root@example.org"])
    grand = mail(
        "B01-grand-child@example.org", sender="alice@example.org", day=1.1,
        in_reply_to=["B01-child@example.org"], references=["B01-child@example.org", "B00-root@example.org"],
    )

    links = link_headers([root.meta, child.meta, grand.meta])

    assert links.parent == [None, 0, 1]
    assert links.depth == [0, 1, 2]
    (conv,) = thread_messages([grand, child, root])
    assert mail.links(conv) == ["root", "in-reply-to", "in-reply-to"]


def test_the_last_present_reference_is_the_parent_when_in_reply_to_names_a_missing_message(mail):
    four = mail("foo@four.com", sender="a@four.com", day=0)
    not_four = mail("bar@four.com", sender="a@four.com", day=0)
    reply = mail("neither@four.com", sender="a@four.com", day=1, in_reply_to=["baz@four.com"], references=["baz@four.com", "foo@four.com"])

    links = link_headers([four.meta, not_four.meta, reply.meta])

    assert links.parent == [None, None, 0]
    assert links.component[2] == links.component[0] != links.component[1]


def test_references_that_loop_end_and_keep_one_conversation(mail):
    a = mail("a@x.org", sender=HANS, day=0, references=["b@x.org", "a@x.org"])
    b = mail("b@x.org", sender=HANS, day=1, in_reply_to=["c@x.org"], references=["c@x.org"])
    c = mail("c@x.org", sender=HANS, day=2, references=["a@x.org"])

    links = link_headers([a.meta, b.meta, c.meta])

    assert links.parent == [None, 2, 0]  # the oldest message of the loop lost its parent
    (conv,) = thread_messages([c, b, a])
    assert mail.ids(conv) == ["a@x.org", "b@x.org", "c@x.org"]


def test_conversations_are_ordered_by_their_first_message_and_undated_messages_go_last(mail):
    late = mail("late@studio-berg.de", to=[HANS], subject="Zweites Angebot", day=5)
    early = mail("early@studio-berg.de", to=[HANS], day=1)
    undated_reply = mail("r@mueller-bau.de", sender=HANS, day=None, in_reply_to=["early@studio-berg.de"])
    reply = mail("r2@mueller-bau.de", sender=HANS, day=2, in_reply_to=["early@studio-berg.de"])
    no_date_no_id = mail(None, to=["info@schmidt-gmbh.de"], subject="Ohne Datum", day=None)

    conversations = thread_messages([no_date_no_id, late, undated_reply, reply, early])

    assert [c.id for c in conversations] == ["early@studio-berg.de", "late@studio-berg.de", str(no_date_no_id.meta.ref)]
    assert mail.ids(conversations[0]) == ["early@studio-berg.de", "r2@mueller-bau.de", "r@mueller-bau.de"]


def test_a_reply_whose_clock_ran_ahead_of_the_offer_still_joins(mail):
    offer = mail("o1@studio-berg.de", to=[HANS], day=1)
    reply = mail("r1@mueller-bau.de", sender=HANS, day=0.9, in_reply_to=["o1@studio-berg.de"])

    (conv,) = thread_messages([offer, reply])

    assert mail.ids(conv) == ["r1@mueller-bau.de", "o1@studio-berg.de"]
    assert mail.links(conv) == ["root", "in-reply-to"]


def test_the_result_does_not_depend_on_the_order_of_the_input(mail):
    messages = [mail("o1@studio-berg.de", to=[HANS], day=0)]
    messages += [mail(f"r{i}@mueller-bau.de", sender=HANS, day=1, references=["o1@studio-berg.de"]) for i in range(5)]
    messages += [mail(f"s{i}@schmidt-gmbh.de", sender="info@schmidt-gmbh.de", subject="Frage", day=1) for i in range(5)]
    expected = [(c.id, mail.ids(c), mail.links(c)) for c in thread_messages(messages)]

    for seed in range(5):
        shuffled = messages[:]
        random.Random(seed).shuffle(shuffled)
        assert [(c.id, mail.ids(c), mail.links(c)) for c in thread_messages(shuffled)] == expected


def test_a_reply_sent_within_the_same_second_comes_after_the_message_it_answers(mail):
    # Same Date header down to the second (an auto-reply, a quick "thanks"): the parent
    # goes first, although its Message-ID sorts last.
    offer = mail("z-offer@studio-berg.de", to=[HANS], day=1)
    reply = mail("m-reply@mueller-bau.de", sender=HANS, day=1, in_reply_to=["z-offer@studio-berg.de"])
    answer = mail("a-answer@studio-berg.de", to=[HANS], day=1, references=["z-offer@studio-berg.de", "m-reply@mueller-bau.de"])
    other = mail("b-other@schmidt-gmbh.de", sender="info@schmidt-gmbh.de", subject="Frage", day=1)

    for messages in ([offer, reply, answer, other], [other, answer, reply, offer]):
        conversations = thread_messages(messages)

        assert [mail.ids(c) for c in conversations] == [
            ["b-other@schmidt-gmbh.de"],
            ["z-offer@studio-berg.de", "m-reply@mueller-bau.de", "a-answer@studio-berg.de"],
        ]
        assert mail.links(conversations[1]) == ["root", "in-reply-to", "references"]


def test_the_message_id_index_of_collapse_duplicates_is_the_one_link_headers_builds(mail):
    sent = mail("o1@studio-berg.de", to=[HANS], day=0)
    bcc_copy = mail("o1@studio-berg.de", to=[HANS], folder="INBOX", day=0)
    reused = mail("o1@studio-berg.de", sender=HANS, subject="Etwas anderes", day=1)
    reply = mail("r1@mueller-bau.de", sender=HANS, day=2, in_reply_to=["o1@studio-berg.de"])
    no_id = mail(None, sender=HANS, subject="Ohne ID", day=3)
    by_message_id: dict[str, int] = {}

    kept = collapse_duplicates([bcc_copy, reused, no_id, reply, sent], by_message_id)

    assert [m.meta.ref.folder for m in kept] == ["Sent", "INBOX", "INBOX", "INBOX"]
    assert by_message_id == {"o1@studio-berg.de": 0, "r1@mueller-bau.de": 3}
    metas = [m.meta for m in kept]
    assert link_headers(metas, by_message_id) == link_headers(metas)
