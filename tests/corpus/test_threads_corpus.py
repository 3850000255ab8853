"""Threading real mail: notmuch's threading corpora, notmuch's default corpus, Enron.

The expected structures were checked by reading the messages' headers (and, for
notmuch-default, against the thread sizes notmuch's own test suite expects in
test/emacs.expected-output/notmuch-search-tag-inbox).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ghostscan.classify.base import Classification, MessageKind
from ghostscan.parse.addresses import Identity, Role
from ghostscan.parse.headers import parse_headers
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.threads import thread_messages
from ghostscan.threads.jwz import link_headers
from ghostscan.threads.model import Conversation, Direction, ThreadedMessage

pytestmark = pytest.mark.corpus

_DIRECTION = {Role.ME: Direction.OUTBOUND, Role.COLLEAGUE: Direction.COLLEAGUE, Role.EXTERNAL: Direction.INBOUND}
_NOT_MAIL = {".md", ".tsv", ".cats"}
KAMINSKI = Identity.build(["j.kaminski@enron.com", "kaminski@enron.com", "vince.kaminski@enron.com", "vkamins@enron.com"])


def read(folder: Path, identity: Identity = Identity()) -> list[ThreadedMessage]:
    """Every message file under *folder*, each in the folder it sits in."""
    messages = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix not in _NOT_MAIL and p.name != "categories.txt"):
        meta = parse_headers(path.read_bytes(), MessageRef(str(path.parent.relative_to(folder)), path.name), FolderRole.INBOX)
        messages.append(ThreadedMessage(meta, Classification(MessageKind.HUMAN), _DIRECTION[identity.role_of(meta.sender)]))
    return messages


def by_id(conversations: list[Conversation]) -> dict[str, Conversation]:
    return {m.meta.message_id: c for c in conversations for m in c.messages if m.meta.message_id}


def test_ghost_root_corpus(corpus):
    conversations = thread_messages(read(corpus.root / "threads/notmuch-threading/threading/ghost-root"))
    found = by_id(conversations)

    # Alice's thread; Mallory's "fake root" references the real root, the child and a
    # message that does not exist, so it belongs here too, below the real root.
    alice = found["000-real-root@example.org"]
    assert alice.id == "000-real-root@example.org"
    assert {m.meta.message_id for m in alice.messages} == {
        "000-real-root@example.org",
        "001-fake-message-root@example.org",
        "001-child@example.org",
        "001-grand-child@example.org",
        "001-grand-child2@example.org",
        "001-great-grand-child@example.org",
    }
    # The RT ticket: its root <RT-Ticket-33575@...> is missing; "Resolved" names only
    # that missing root and still joins the auto-reply and the original message.
    ticket = found["87bmc6lp3h.fsf@len.workgroup"]
    assert [m.meta.subject.rsplit("] ", 1)[-1][:14] for m in ticket.messages] == ["FYI: xxxx xxxx", "AutoReply: FYI", "Resolved: FYI:"]
    assert [m.linked_by for m in ticket.messages] == ["root", "references", "references"]
    assert len(conversations) == 2


def test_parent_priority_corpus(corpus):
    messages = read(corpus.root / "threads/notmuch-threading/threading/parent-priority")
    index = {m.meta.message_id: i for i, m in enumerate(messages)}
    links = link_headers([m.meta for m in messages])

    # child: In-Reply-To <B00-root>, References <B00--root> (missing): In-Reply-To wins.
    assert links.parent[index["B01-child@example.org"]] == index["B00-root@example.org"]
    # grand-child: In-Reply-To <B01-child>, References' last id <B00-root>: In-Reply-To wins.
    assert links.parent[index["B01-grand-child@example.org"]] == index["B01-child@example.org"]
    (conv,) = thread_messages(messages)
    assert [m.meta.message_id for m in conv.messages] == ["B00-root@example.org", "B01-child@example.org", "B01-grand-child@example.org"]
    assert [m.linked_by for m in conv.messages] == ["root", "in-reply-to", "in-reply-to"]


def test_notmuch_default_corpus(corpus):
    messages = read(corpus.root / "threads/notmuch-default/default")
    conversations = thread_messages(messages)
    found = by_id(conversations)

    # 53 files, one message stored twice (bar/18 and cur/51, "[notmuch] archive").
    assert len(messages) == 53
    assert sum(len(c.messages) for c in conversations) == 52
    assert len(found["20091117190054.GU3165@dottiness.seas.harvard.edu"].messages) == 7  # Working with Maildir storage?
    assert len(found["1258471718-6781-1-git-send-email-dottedmag@dottedmag.net"].messages) == 5  # [PATCH 1/2] Close message file ...
    assert len(found["ddd65cda0911171950o4eea4389v86de9525e46052d3@mail.gmail.com"].messages) == 4  # Mac OS X/Darwin
    assert len(found["20091117232137.GA7669@griffis1.net"].messages) == 3  # archive
    # The multi-message threads notmuch's own tests list, by size.
    sizes = Counter(len(c.messages) for c in conversations if len(c.messages) > 1)
    assert sizes == Counter({2: 7, 3: 4, 4: 1, 5: 1, 7: 1})


def test_enron_replies_without_threading_headers_join_by_subject_and_party(corpus):
    # Vince Kaminski's mail has no In-Reply-To/References at all. He wrote to
    # pannesley@riskwaters.com, she answered, he answered again: one conversation. His
    # forward of the same topic to Stanford is another party and stays apart.
    conversations = thread_messages(read(corpus.root / "threads/enron-kaminski-v", KAMINSKI))
    risk = [c for c in conversations if any("Risk 2001 Australia" in m.meta.subject for m in c.messages)]

    assert sorted([(m.meta.ref.key, m.linked_by) for m in c.messages] for c in risk) == [
        [("54262.txt", "root")],
        [("54263.txt", "root"), ("49059.txt", "subject+participants"), ("54261.txt", "subject+participants")],
    ]


def test_the_whole_threads_corpus_threads_without_error(corpus):
    messages = read(corpus.root / "threads", KAMINSKI)
    conversations = thread_messages(messages)

    assert len(messages) == 295
    threaded = [m for c in conversations for m in c.messages]
    # Copies collapse: notmuch's "archive" (2 files), zammad's six identical
    # "AW: OTRS / Anfrage ..." variants, tine20's blockquote.eml = emoji.eml. Zammad's
    # variant from another sender and mail050/mail077 (one Message-ID, two different
    # subjects) are different messages and stay.
    assert len(threaded) == 295 - 1 - 5 - 1
    assert len({(m.meta.ref.folder, m.meta.ref.key) for m in threaded}) == len(threaded)
    for c in conversations:
        assert c.messages[0].linked_by == "root"
        assert all(m.linked_by != "root" for m in c.messages[1:])
        dated = [m.date for m in c.messages if m.date is not None]
        assert dated == sorted(dated)
        assert all(m.date is not None for m in c.messages[: len(dated)])
