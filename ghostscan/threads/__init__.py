"""Threading: group messages from all folders into conversations.

`thread_messages` runs four linkers over the messages of every folder at once, from the
most to the least certain:

1. `jwz` — Message-ID / In-Reply-To / References (after collapsing copies of one message
   that sit in several folders);
2. `provider_ids` — Gmail X-GM-THRID and Outlook Thread-Index;
3. `bounces` — a bounce to the message of ours it returns;
4. `fallback` — normalized subject within one party and a time window, for replies whose
   threading headers were lost.

Each message records how it was attached (`ThreadedMessage.linked_by`).
"""

from __future__ import annotations

from typing import Any, Sequence

from ghostscan import collector
from ghostscan.threads.bounces import LINKED_BY as _BOUNCE
from ghostscan.threads.bounces import bounce_links
from ghostscan.threads.fallback import LINKED_BY as _FALLBACK
from ghostscan.threads.fallback import fallback_links
from ghostscan.threads.jwz import collapse_duplicates, link_headers
from ghostscan.threads.model import Conversation, ThreadedMessage, conversation, relinked
from ghostscan.threads.provider_ids import provider_groups

_ROOT = "root"


class _Conversations:
    """Union-find over message indexes that remembers how each message was attached.

    Invariant: every set has exactly one message without a label, its earliest. When two
    sets merge, the earliest message of the later set is labelled with the reason of the
    merge; the earlier set's earliest stays unlabelled and leads the merged set.

    Sets start as the header components (`HeaderLinks.component`), each led by its
    earliest message (*earliest*, per component), the only one `link_headers` leaves
    unlabelled. *order* gives each message's place in date order (any comparable keys,
    one per message).
    """

    def __init__(self, component: Sequence[int], earliest: Sequence[int], order: Sequence[Any], labels: list[str | None]):
        self._order = order
        self.labels = labels
        self._up = list(map(earliest.__getitem__, component))
        self._first = list(range(len(component)))

    def find(self, i: int) -> int:
        """The representative of *i*'s set (path halving)."""
        up = self._up
        while up[i] != i:
            up[i] = up[up[i]]
            i = up[i]
        return i

    def same(self, i: int, j: int) -> bool:
        """Whether *i* and *j* are in one conversation already."""
        return self.find(i) == self.find(j)

    def merge(self, i: int, j: int, reason: str) -> None:
        """Merge the sets of *i* and *j*; *reason* labels the later set's first message."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return
        fi, fj = self._first[ri], self._first[rj]
        if self._order[fj] < self._order[fi]:
            ri, rj, fi, fj = rj, ri, fj, fi
        if self.labels[fj] is None:
            self.labels[fj] = reason
        self._up[rj] = ri

    def leaders(self, walk: Sequence[int]) -> list[int]:
        """The earliest message of every set, in the order of *walk* (every index once)."""
        up, first = self._up, self._first
        return [first[i] for i in walk if up[i] == i]

    def groups(self, walk: Sequence[int]) -> list[list[int]]:
        """The sets, each listed in the order of *walk* (every index once), in the order
        their first member comes in it."""
        members: dict[int, list[int]] = {}
        up = self._up
        for i in walk:
            root = i
            while up[root] != root:  # `find`, inline: this runs once per message
                up[root] = root = up[up[root]]
            group = members.get(root)
            if group is None:
                members[root] = [i]
            else:
                group.append(i)
        return list(members.values())


def thread_messages(messages: Sequence[ThreadedMessage], *, window_days: int = 60) -> list[Conversation]:
    """Group *messages* from all folders into conversations.

    Copies of one message (same Message-ID) in several folders become one message, the
    copy from the most meaningful folder (Sent, then Inbox, then archive and other
    folders, then Junk, then Trash). Messages are then joined by their threading headers,
    provider conversation ids, bounce reports, and finally by subject and party within
    *window_days* (never across two customers).

    Args:
        messages: the classified messages of every folder, direction set.
        window_days: how long after our message a reply without threading headers may
            come and still join it by subject.

    Returns:
        The conversations, ordered by their first message's date (conversations without
        any dated message last). Inside each, messages are ordered by date, undated last.
        `Conversation.id` is the Message-ID of the first message, or its ``folder/key``
        when it has none. Every message's `ThreadedMessage.linked_by` says how it was
        attached: ``"root"`` for the first message, else ``"references"``,
        ``"in-reply-to"``, ``"x-gm-thrid"``, ``"thread-index"``, ``"bounce"`` or
        ``"subject+participants"``. The same input always gives the same result.
    """
    # Threading makes many small objects and no cycles.
    with collector.paused():
        return _thread(messages, window_days)


def _thread(messages: Sequence[ThreadedMessage], window_days: int) -> list[Conversation]:
    by_message_id: dict[str, int] = {}
    unique = collapse_duplicates(messages, by_message_id)
    metas = [m.meta for m in unique]
    headers = link_headers(metas, by_message_id)
    # link_headers sorted the messages once; everything after compares places in that
    # order (plain numbers) and walks the messages in it, so groups come out sorted and
    # need no sort.
    ranked, rank, times = headers.ranked, headers.rank, headers.times

    convs = _Conversations(headers.component, headers.earliest, rank, list(headers.method))

    for kind, members in provider_groups(metas):
        members = sorted(members, key=rank.__getitem__)
        for a, b in zip(members, members[1:]):
            convs.merge(a, b, kind)

    for bounce, original in bounce_links(unique, times, headers.by_message_id):
        convs.merge(bounce, original, _BOUNCE)

    firsts = convs.leaders(ranked)
    for candidate, earlier in fallback_links(unique, times, firsts, convs.same, window_days=window_days):
        convs.merge(candidate, earlier, _FALLBACK)

    labels = convs.labels
    conversations: list[Conversation] = []
    for members in convs.groups(ranked):
        head = relinked(unique[members[0]], _ROOT)
        if len(members) == 1:  # most conversations: one message
            threaded: tuple[ThreadedMessage, ...] = (head,)
        else:
            threaded = (head, *[relinked(unique[i], labels[i] or "references") for i in members[1:]])
        meta = head.meta
        conversations.append(conversation(meta.message_id if meta.message_id is not None else str(meta.ref), threaded))
    return conversations


__all__ = ["thread_messages"]
