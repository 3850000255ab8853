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
from typing import Callable, Hashable, Sequence

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


class UnionFind:
    """Disjoint sets over hashable keys, with path halving and union by size.

    A key never seen is a set of its own. ``find`` and ``union`` take amortised
    near-constant time.
    """

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._size: dict[Hashable, int] = {}

    def find(self, key: Hashable) -> Hashable:
        """Return the representative of *key*'s set."""
        parent = self._parent
        up = parent.get(key, key)
        while up != key:
            grand = parent.get(up, up)
            parent[key] = grand
            key, up = grand, parent.get(grand, grand)
        return key

    def union(self, a: Hashable, b: Hashable) -> Hashable:
        """Merge the sets of *a* and *b*; return the representative of the result."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        size = self._size
        sa, sb = size.get(ra, 1), size.get(rb, 1)
        if sa < sb:
            ra, rb = rb, ra
        self._parent[rb] = ra
        size[ra] = sa + sb
        return ra


def _copy_key(m: ThreadedMessage) -> tuple[int, str, str]:
    return (folder_rank(m.meta.folder_role), m.meta.ref.folder, m.meta.ref.key)


def _same_message(a: ThreadedMessage, b: ThreadedMessage) -> bool:
    """Whether two messages with one Message-ID are copies: same sender and subject."""
    sa = a.meta.sender.email if a.meta.sender else ""
    sb = b.meta.sender.email if b.meta.sender else ""
    return sa == sb and (a.meta.subject == b.meta.subject or normalize_subject(a.meta.subject) == normalize_subject(b.meta.subject))


def collapse_duplicates(messages: Sequence[ThreadedMessage]) -> list[ThreadedMessage]:
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

    Returns:
        The kept messages, in the order their first copy appeared in *messages*;
        messages without a Message-ID are all kept.
    """
    kept: list[ThreadedMessage] = []
    slot_of: dict[str, int] = {}
    collisions: dict[str, list[int]] = {}
    for m in messages:
        mid = m.meta.message_id
        if mid is None:
            kept.append(m)
            continue
        slot = slot_of.get(mid)
        if slot is None:
            slot_of[mid] = len(kept)
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

    All tuples are indexed like the messages given to `link_headers`.

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
        order: each message's sort key (see `message_order`): sorting by it puts a
            conversation in date order, undated last.
    """

    component: tuple[int, ...]
    parent: tuple[int | None, ...]
    method: tuple[str | None, ...]
    depth: tuple[int, ...]
    times: tuple[float | None, ...]
    order: tuple[tuple, ...]


def message_order(meta: MessageMeta, ts: float | None, depth: int, index: int) -> tuple[bool, float, int, str, str, str, int]:
    """The sort key of a message: by date (*ts*, POSIX seconds), undated last.

    Same-second messages go parent before child (*depth*), then by Message-ID, folder,
    key and *index* (the position in the input), so the order never depends on luck.
    """
    return (ts is None, ts or 0.0, depth, meta.message_id or "", meta.ref.folder, meta.ref.key, index)


def _choose_parent(i: int, meta: MessageMeta, present: dict[str, int]) -> tuple[int | None, str | None]:
    """Return (parent index, method) for message *i*; (None, None) when no parent is present.

    Like notmuch (lib/add-message.cc and its test corpus ``threading/parent-priority``):
    References' last id is the parent, unless In-Reply-To names a different single id.
    Only ids of messages that are actually in the mailbox count, so a References list
    whose last id has a typo still yields the In-Reply-To parent, and an In-Reply-To that
    names a missing message leaves the References parent.
    """

    last_ref: int | None = None
    for mid in reversed(meta.references):
        j = present.get(mid)
        if j is not None and j != i:
            last_ref = j
            break
    in_reply_to = meta.in_reply_to
    if len(in_reply_to) == 1:
        j = present.get(in_reply_to[0])
        if j is not None and j != i:
            return j, "references" if j == last_ref else "in-reply-to"
    if last_ref is not None:
        return last_ref, "references"
    for mid in in_reply_to:
        j = present.get(mid)
        if j is not None and j != i:
            return j, "in-reply-to"
    return None, None


def _break_loops(parent: list[int | None], key: Callable[[int], tuple]) -> None:
    """Cut every parent loop (References that point at each other) in place.

    Each node has at most one parent, so loops are simple cycles; the cycle member with
    the smallest order key (the oldest) loses its parent and becomes the top. Linear time.
    """
    state = [0] * len(parent)  # 0 unseen, 1 on the current path, 2 done
    for start in range(len(parent)):
        if state[start]:
            continue
        path: list[int] = []
        node: int | None = start
        while node is not None and state[node] == 0:
            state[node] = 1
            path.append(node)
            node = parent[node]
        if node is not None and state[node] == 1:
            cycle = path[path.index(node) :]
            top = min(cycle, key=key)
            parent[top] = None
        for n in path:
            state[n] = 2


def _depths(parent: Sequence[int | None]) -> list[int]:
    depth = [-1] * len(parent)
    for start in range(len(parent)):
        path: list[int] = []
        node: int | None = start
        while node is not None and depth[node] < 0:
            path.append(node)
            node = parent[node]
        base = depth[node] if node is not None else -1
        for n in reversed(path):
            base += 1
            depth[n] = base
    return depth


def link_headers(metas: Sequence[MessageMeta]) -> HeaderLinks:
    """Group *metas* by Message-ID, In-Reply-To and References.

    Args:
        metas: the messages, one copy each (see `collapse_duplicates`).

    Returns:
        Components, parents, attachment methods and depths (see `HeaderLinks`).

    Example:
        An offer ``<a@x>``, a reply with ``In-Reply-To: <a@x>`` and a second reply whose
        only header is ``References: <a@x>``: one component, both replies have parent 0
        and methods ``"in-reply-to"`` and ``"references"``.
    """
    n = len(metas)
    present: dict[str, int] = {}
    for i, meta in enumerate(metas):
        mid = meta.message_id
        if mid is not None and mid not in present:
            present[mid] = i

    # A union-find over numbers (lists, not dicts of strings: the hot loop of threading).
    # Message i is node i. An id names the node of the first message that has it, so a
    # message that reuses the Message-ID of a different message (see
    # `collapse_duplicates`) keeps a node of its own and replies naming that id join the
    # first; an id no message has (a ghost root) gets a node after the messages.
    up = list(range(n))
    ghosts: dict[str, int] = {}
    for i, meta in enumerate(metas):
        references, in_reply_to = meta.references, meta.in_reply_to
        if not (references or in_reply_to):
            continue
        a = i
        while up[a] != a:
            up[a] = a = up[up[a]]
        own = meta.message_id
        for mid in (*references, *in_reply_to) if in_reply_to else references:
            # A message that names itself (it happens) must not become its own parent.
            if mid == own:
                continue
            b = present.get(mid)
            if b is None:
                b = ghosts.get(mid)
                if b is None:
                    b = ghosts[mid] = len(up)
                    up.append(b)
            while up[b] != b:
                up[b] = b = up[up[b]]
            if b != a:
                up[b] = a
    roots: dict[int, int] = {}
    component = []
    for i in range(n):
        a = i
        while up[a] != a:
            up[a] = a = up[up[a]]
        c = roots.get(a)
        if c is None:
            c = roots[a] = len(roots)
        component.append(c)

    times = [timestamp(meta.date) if meta.date is not None else None for meta in metas]
    parent: list[int | None] = []
    method: list[str | None] = []
    for i, meta in enumerate(metas):
        if not (meta.references or meta.in_reply_to):
            parent.append(None)
            method.append(None)
            continue
        p, how = _choose_parent(i, meta, present)
        if how is None:
            # Parent missing: the message meets its siblings at the missing id.
            how = "references" if meta.references else "in-reply-to"
        parent.append(p)
        method.append(how)
    _break_loops(parent, lambda i: message_order(metas[i], times[i], 0, i))
    depth = _depths(parent)
    # message_order's tuples, built inline: one call fewer per message.
    order = [
        (ts is None, ts or 0.0, depth[i], meta.message_id or "", meta.ref.folder, meta.ref.key, i)
        for i, (meta, ts) in enumerate(zip(metas, times))
    ]

    # The earliest message of a component is the one the rest hangs from; a message
    # that is only *named* by others (it has no threading headers itself) but is not
    # the earliest, e.g. when a reply's clock ran ahead of its parent's, is attached
    # through the headers that name it.
    earliest: dict[int, int] = {}
    for i in range(n):
        c = component[i]
        e = earliest.get(c)
        if e is None or order[i] < order[e]:
            earliest[c] = i
    named_in_references: set[str] | None = None
    for i, meta in enumerate(metas):
        if earliest[component[i]] == i:
            method[i] = None
        elif method[i] is None:
            if named_in_references is None:
                named_in_references = {mid for m in metas for mid in m.references}
            method[i] = "references" if meta.message_id in named_in_references else "in-reply-to"
    return HeaderLinks(tuple(component), tuple(parent), tuple(method), tuple(depth), tuple(times), tuple(order))
