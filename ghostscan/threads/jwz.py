"""Message-ID / In-Reply-To / References threading across all folders.

This is the container step of Jamie Zawinski's algorithm
(https://www.jwz.org/doc/threading.html) without its subject step (that lives, much
narrower, in `ghostscan.threads.fallback`). Every Message-ID a message names, its own and
those in In-Reply-To and References, is a node; a message and everything it names end up in
one component. A message whose parent is missing still meets its siblings at the missing
parent's id (a "ghost root", as notmuch calls it), so a reply to an offer that was deleted
from Sent still groups with the other replies to it.

Folders do not matter here: IMAP THREAD (RFC 5256) threads one mailbox at a time, so a
reply filed in Junk or in "Kunden/Müller" would never meet the offer in Sent. We thread
the union of every folder.

Everything is dicts, lists and a union-find: linear in the number of ids named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import compress, islice
from operator import eq
from typing import Callable, Mapping, Sequence

from ghostscan.parse.headers import MessageMeta
from ghostscan.sources.base import FolderRole
from ghostscan.threads.fallback import normalize_subject
from ghostscan.threads.model import ThreadedMessage

# Which copy of a message to keep when the same Message-ID sits in several folders:
# the one that says most about the conversation. A reply of ours Bcc'd to ourselves is
# ours (Sent), not something that arrived; a customer's reply that also landed in Junk
# was seen by the user when a copy is in the Inbox, so it is not "in spam".
_FOLDER_RANK = {
    FolderRole.SENT: 0,
    FolderRole.INBOX: 1,
    FolderRole.ARCHIVE: 2,
    FolderRole.OTHER: 2,
    FolderRole.DRAFTS: 3,
    FolderRole.JUNK: 4,
    FolderRole.TRASH: 5,
}


def folder_rank(role: FolderRole) -> int:
    """How meaningful a copy in a folder of *role* is; lower is more meaningful.

    Sent < Inbox < Archive and other folders < Drafts < Junk < Trash.
    """
    return _FOLDER_RANK.get(role, 2)


def timestamp(dt: datetime | None) -> float | None:
    """*dt* as POSIX seconds; a naive datetime is read as UTC. None stays None."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _copy_key(m: ThreadedMessage) -> tuple[int, str, str]:
    return (folder_rank(m.meta.folder_role), m.meta.ref.folder, m.meta.ref.key)


def _same_message(a: ThreadedMessage, b: ThreadedMessage) -> bool:
    """Whether two messages with one Message-ID are copies: same sender and subject."""
    sa = a.meta.sender.email if a.meta.sender else ""
    sb = b.meta.sender.email if b.meta.sender else ""
    return sa == sb and (a.meta.subject == b.meta.subject or normalize_subject(a.meta.subject) == normalize_subject(b.meta.subject))


def collapse_duplicates(messages: Sequence[ThreadedMessage], by_message_id: dict[str, int] | None = None) -> list[ThreadedMessage]:
    """Keep one copy of each message that sits in several folders.

    Copies share a Message-ID (a reply Bcc'd to oneself, Gmail's one-copy-per-label, a
    message in the Inbox and again in Junk). Of each set of copies the one in the most
    meaningful folder is kept (see `folder_rank`; ties go to the smaller folder name and
    key, so the choice does not depend on the order the folders were read in).

    Two messages that share a Message-ID but not their sender and normalized subject
    are not copies: some mailers reuse Message-IDs, and losing a real message would be
    worse than threading a copy twice. Both are kept; replies that name the id join the
    first. Mailing lists that tag the subject (``[notmuch] ...``) still count as copies:
    the tag is dropped before comparing.

    Args:
        messages: the messages of every folder.
        by_message_id: when given (empty), filled with Message-ID → index in the
            returned list of the first message that has it, the index `link_headers`
            needs: worked out here, where every Message-ID is looked up anyway.

    Returns:
        The kept messages, in the order their first copy appeared in *messages*;
        messages without a Message-ID are all kept.
    """
    kept: list[ThreadedMessage] = []
    slot_of: dict[str, int] = {} if by_message_id is None else by_message_id
    collisions: dict[str, list[int]] = {}
    for m in messages:
        mid = m.meta.message_id
        if mid is None:
            kept.append(m)
            continue
        new = len(kept)
        slot = slot_of.setdefault(mid, new)
        if slot == new:
            kept.append(m)
            continue
        for slot in (slot, *collisions.get(mid, ())):
            if _same_message(kept[slot], m):
                if _copy_key(m) < _copy_key(kept[slot]):
                    kept[slot] = m
                break
        else:
            collisions.setdefault(mid, []).append(len(kept))
            kept.append(m)
    return kept


@dataclass(frozen=True)
class HeaderLinks:
    """What Message-ID, In-Reply-To and References say about a list of messages.

    The lists are indexed like the messages given to `link_headers` (lists, not tuples:
    copying 100,000 entries into a tuple touches every one of them again).

    Attributes:
        component: the header component of each message: messages with the same number
            belong together by their threading headers (directly or through a shared
            missing message, the ghost root).
        parent: the index of each message's parent when that parent is in the list, else
            None. Never forms a loop.
        method: how each message is attached to its component: ``"references"`` or
            ``"in-reply-to"``; None for the earliest message of each component (the one
            the rest hangs from).
        depth: how many present ancestors each message has (0 for a top-level message).
        times: each message's date as POSIX seconds (see `timestamp`), None when undated.
        ranked: the message indexes in date order (see `message_order`), undated last.
        rank: each message's place in *ranked*.
        earliest: for each component number, the index of its earliest message.
        by_message_id: Message-ID → index of the first message that has it.
    """

    component: list[int]
    parent: list[int | None]
    method: list[str | None]
    depth: list[int]
    times: list[float | None]
    ranked: list[int]
    rank: list[int]
    earliest: list[int]
    by_message_id: Mapping[str, int]


def message_order(meta: MessageMeta, ts: float | None, depth: int, index: int) -> tuple[bool, float, int, str, str, str, int]:
    """The sort key of a message: by date (*ts*, POSIX seconds), undated last.

    Same-second messages go parent before child (*depth*), then by Message-ID, folder,
    key and *index* (the position in the input), so the order never depends on luck.
    """
    return (ts is None, ts or 0.0, depth, meta.message_id or "", meta.ref.folder, meta.ref.key, index)


def _rank(metas: Sequence[MessageMeta], times: Sequence[float | None], depth: Sequence[int]) -> list[int]:
    """The indexes of *metas* sorted by `message_order`.

    Sorting plain floats (the date, undated as infinity) is several times faster than
    sorting tuples, and dates rarely tie: only the runs of equal dates are sorted again by
    the whole key. The result is the same as sorting by `message_order` alone.
    """
    inf = float("inf")
    when = [inf if ts is None else ts for ts in times]
    ranked = sorted(range(len(when)), key=when.__getitem__)
    dates = list(map(when.__getitem__, ranked))
    # The places whose date equals the one before (in C: this runs once per message).
    tied = list(compress(range(1, len(dates)), map(eq, islice(dates, 1, None), dates)))
    k = 0
    while k < len(tied):
        # tied[k] is the second place of a run; the run goes on while the places follow.
        first = end = tied[k]
        k += 1
        while k < len(tied) and tied[k] == end + 1:
            end = tied[k]
            k += 1
        run = ranked[first - 1 : end + 1]
        run.sort(key=lambda i: message_order(metas[i], times[i], depth[i], i))
        ranked[first - 1 : end + 1] = run
    return ranked


def _cut_loops_and_measure(parent: list[int | None], children: Sequence[int], key: Callable[[int], tuple]) -> list[int]:
    """Cut every parent loop (References that point at each other) in place; return the depths.

    Each node has at most one parent, so loops are simple cycles; the cycle member with
    the smallest order key (the oldest) loses its parent and becomes the top, whichever
    member the walk reaches first. Only *children* (the nodes with a parent) are walked:
    every other node is a top of depth 0. Linear time.
    """
    on_path = -2
    depth = [0] * len(parent)
    for i in children:
        depth[i] = -1
    for start in children:
        if depth[start] != -1:
            continue
        path: list[int] = []
        node: int | None = start
        while node is not None and depth[node] == -1:
            depth[node] = on_path
            path.append(node)
            node = parent[node]
        if node is not None and depth[node] == on_path:
            # A loop: cut it, then walk the same path again, now ending at the new top.
            cycle = path[path.index(node) :]
            parent[min(cycle, key=key)] = None
            for n in path:
                depth[n] = -1
            path = []
            node = start
            while node is not None and depth[node] == -1:
                depth[node] = on_path
                path.append(node)
                node = parent[node]
        base = depth[node] if node is not None else -1
        for n in reversed(path):
            base += 1
            depth[n] = base
    return depth


def link_headers(metas: Sequence[MessageMeta], by_message_id: Mapping[str, int] | None = None) -> HeaderLinks:
    """Group *metas* by Message-ID, In-Reply-To and References.

    Args:
        metas: the messages, one copy each (see `collapse_duplicates`).
        by_message_id: Message-ID → index of the first of *metas* that has it, as
            `collapse_duplicates` fills it; worked out here when None.

    Returns:
        Components, parents, attachment methods, depths and the date order (see
        `HeaderLinks`).

    Example:
        An offer ``<a@x>``, a reply with ``In-Reply-To: <a@x>`` and a second reply whose
        only header is ``References: <a@x>``: one component, both replies have parent 0
        and methods ``"in-reply-to"`` and ``"references"``.
    """
    n = len(metas)
    if by_message_id is None:
        by_message_id = {}
        for i, meta in enumerate(metas):
            mid = meta.message_id
            if mid is not None and mid not in by_message_id:
                by_message_id[mid] = i
    present = by_message_id

    # One pass reads each message's date and whether it has threading headers; only the
    # messages that do, usually fewer than half, are read again. At 100,000 messages
    # the objects lie all over memory, and a pass over them costs more in fetching them
    # than in the work done.
    times: list[float | None] = [None] * n
    linked: list[int] = []
    utc = timezone.utc
    for i, meta in enumerate(metas):
        date = meta.date
        if date is not None:
            # `timestamp`, inline: this runs once per message.
            times[i] = (date if date.tzinfo is not None else date.replace(tzinfo=utc)).timestamp()
        if meta.references or meta.in_reply_to:
            linked.append(i)

    # A union-find over numbers (lists, not dicts of strings: the hot loop of threading).
    # Message i is node i. An id names the node of the first message that has it, so a
    # message that reuses the Message-ID of a different message (see
    # `collapse_duplicates`) keeps a node of its own and replies naming that id join the
    # first; an id no message has (a ghost root) gets a node after the messages.
    #
    # The same loop chooses each message's parent, like notmuch (lib/add-message.cc and
    # its test corpus ``threading/parent-priority``): References' last id is the parent,
    # unless In-Reply-To names a different single id. Only ids of messages that are
    # actually in the mailbox count, so a References list whose last id has a typo still
    # yields the In-Reply-To parent, and an In-Reply-To that names a missing message
    # leaves the References parent. It also notes which messages other messages name,
    # and where: 2 for References, 1 for In-Reply-To only.
    up = list(range(n))
    ghosts: dict[str, int] = {}
    parent: list[int | None] = [None] * n
    method: list[str | None] = [None] * n
    named = bytearray(n)
    for i in linked:
        meta = metas[i]
        references, in_reply_to, own = meta.references, meta.in_reply_to, meta.message_id
        a = i
        while up[a] != a:
            up[a] = a = up[up[a]]
        last_ref: int | None = None
        for mid in references:
            b = present.get(mid)
            if b is not None:
                named[b] = 2
                if b != i:
                    last_ref = b
            # A message that names itself (it happens) must not become its own parent.
            if mid == own:
                continue
            if b is None:
                b = ghosts.get(mid)
                if b is None:
                    b = ghosts[mid] = len(up)
                    up.append(b)
            while up[b] != b:
                up[b] = b = up[up[b]]
            if b != a:
                up[b] = a
        first_reply: int | None = None
        # The same union step as for References above, written out again rather than
        # called, to keep a function call per named id out of threading's innermost loop.
        for mid in in_reply_to:
            b = present.get(mid)
            if b is not None:
                named[b] |= 1
                if b != i and first_reply is None:
                    first_reply = b
            if mid == own:
                continue
            if b is None:
                b = ghosts.get(mid)
                if b is None:
                    b = ghosts[mid] = len(up)
                    up.append(b)
            while up[b] != b:
                up[b] = b = up[up[b]]
            if b != a:
                up[b] = a
        if len(in_reply_to) == 1 and first_reply is not None:
            parent[i] = first_reply
            method[i] = "references" if first_reply == last_ref else "in-reply-to"
        elif last_ref is not None:
            parent[i] = last_ref
            method[i] = "references"
        elif first_reply is not None:
            parent[i] = first_reply
            method[i] = "in-reply-to"
        else:
            # Parent missing: the message meets its siblings at the missing id.
            method[i] = "references" if references else "in-reply-to"

    # Components are numbered in the order of their first message.
    number = [-1] * len(up)  # of each root
    component = [0] * n
    count = 0
    for i in range(n):
        a = i
        while up[a] != a:
            up[a] = a = up[up[a]]
        c = number[a]
        if c < 0:
            c = number[a] = count
            count += 1
        component[i] = c

    children = [i for i in linked if parent[i] is not None]
    depth = _cut_loops_and_measure(parent, children, lambda i: message_order(metas[i], times[i], 0, i))
    ranked = _rank(metas, times, depth)
    rank = [0] * n
    for place, i in enumerate(ranked):
        rank[i] = place

    # The earliest message of a component is the one the rest hangs from; a message
    # that is only *named* by others (it has no threading headers itself) but is not
    # the earliest, e.g. when a reply's clock ran ahead of its parent's, is attached
    # through the headers that name it.
    earliest = [0] * count
    for i in reversed(ranked):
        earliest[component[i]] = i
    for i in earliest:
        method[i] = None
    # Only a message some other message names can share a component without headers
    # of its own.
    for i in compress(range(n), named):
        if method[i] is None and earliest[component[i]] != i:
            method[i] = "references" if named[i] & 2 else "in-reply-to"
    return HeaderLinks(component, parent, method, depth, times, ranked, rank, earliest, present)
