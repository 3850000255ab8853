"""Link a bounce to the message of ours it returns.

A bounce rarely carries our References: the reporting MTA writes a new message. What it
does carry is in `ghostscan.classify.base.ReturnedMessage` (filled by the classifier
from the DSN's message/rfc822 or text/rfc822-headers part, RFC 3464, or from the text of
a non-standard notice): the original Message-ID, the failed recipients and sometimes the
original subject. They are tried in that order of certainty.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Mapping, Sequence

from ghostscan.classify.base import MessageKind, ReturnedMessage
from ghostscan.threads.fallback import normalize_subject
from ghostscan.threads.model import Direction, ThreadedMessage

LINKED_BY = "bounce"

SUBJECT_WINDOW_DAYS = 7
"""A bounce naming recipient and subject may come this long after our message."""

RECIPIENT_WINDOW_DAYS = 3
"""A bounce naming only the recipient may come this long after our message. A permanent
failure comes back within minutes, a temporary one when the sending MTA gives up retrying
(Postfix ``maximal_queue_lifetime`` 5d, Exchange's message expiration 2d); with nothing
but the address to go on, a shorter reach keeps an old message to the same person from
being blamed."""

CLOCK_SKEW_SECONDS = 15 * 60
"""Our Date header is set by our mail client, the bounce's by a server: when our clock runs
ahead, our message can look a few minutes younger than the bounce it caused. Such a
message is used only when none dated before the bounce fits."""


def _address(value: str) -> str:
    return value.strip().strip("<>").lower()


class _SentTo:
    """Our dated messages per recipient address, sorted by time.

    Only the addresses in *wanted* (those the bounces name) are kept: a bounce is asked
    about no other, and at 100,000 messages listing every recipient of every message
    of ours costs more than all the bounce matching.
    """

    def __init__(self, messages: Sequence[ThreadedMessage], times: Sequence[float | None], wanted: set[str]):
        self._by_rcpt: dict[str, list[tuple[float, int]]] = defaultdict(list)
        inbound = Direction.INBOUND
        for i, m in enumerate(messages if wanted else ()):
            ts = times[i]
            if ts is None or m.direction is inbound:
                continue
            meta = m.meta
            named = [a.email for a in meta.to + meta.cc if a.email in wanted]
            for a in set(named) if len(named) > 1 else named:
                self._by_rcpt[a].append((ts, i))
        for entries in self._by_rcpt.values():
            entries.sort()

    def around(self, rcpt: str, bounced: float, days: int) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
        """Ours to *rcpt* in ``[bounced - days, bounced]`` and in the clock-skew slack after it."""
        entries = self._by_rcpt.get(rcpt, [])
        lo = bisect.bisect_left(entries, (bounced - days * 86400.0, -1))
        mid = bisect.bisect_right(entries, (bounced, float("inf")))
        hi = bisect.bisect_right(entries, (bounced + CLOCK_SKEW_SECONDS, float("inf")))
        return entries[lo:mid], entries[mid:hi]


def _failed(returned: ReturnedMessage) -> list[str]:
    """The failed recipients a bounce names, normalized and sorted."""
    return sorted({_address(r) for r in returned.recipients if "@" in r})


def _best(hits: list[tuple[tuple[float, int], bool]]) -> int | None:
    """Prefer candidates dated before the bounce; among those, the latest."""
    real = [key for key, slack in hits if not slack]
    if real:
        return max(real)[1]
    slack = [key for key, slack in hits if slack]
    return min(slack)[1] if slack else None


def _by_message_id(index: int, returned: ReturnedMessage, by_message_id: Mapping[str, int]) -> int | None:
    """The message the bounce at *index* names by Message-ID, when it is in the mailbox."""
    if returned.message_id:
        target = by_message_id.get(returned.message_id.strip().strip("<>"))
        if target is not None and target != index:
            return target
    return None


def _by_recipient(returned: ReturnedMessage, bounced: float, messages: Sequence[ThreadedMessage], sent_to: _SentTo) -> int | None:
    """The message of ours a bounce returns, found by failed recipient (and subject). See `bounce_links`."""
    recipients = _failed(returned)
    if returned.subject is not None:
        wanted = normalize_subject(returned.subject)
        hits: list[tuple[tuple[float, int], bool]] = []
        for rcpt in recipients:
            before, after = sent_to.around(rcpt, bounced, SUBJECT_WINDOW_DAYS)
            before = [e for e in before if normalize_subject(messages[e[1]].meta.subject) == wanted]
            after = [e for e in after if normalize_subject(messages[e[1]].meta.subject) == wanted]
            hits += [(e, False) for e in before[-1:]] + [(e, True) for e in after[:1]]
        found = _best(hits)
        if found is not None:
            return found
    hits = []
    for rcpt in recipients:
        before, after = sent_to.around(rcpt, bounced, RECIPIENT_WINDOW_DAYS)
        hits += [(e, False) for e in before[-1:]] + [(e, True) for e in after[:1]]
    return _best(hits)


def bounce_links(
    messages: Sequence[ThreadedMessage],
    times: Sequence[float | None],
    by_message_id: Mapping[str, int],
) -> list[tuple[int, int]]:
    """Link every bounce to the message of ours it returns.

    In order of certainty:

    1. ``returned.message_id`` names a message in the mailbox: that message;
    2. a failed recipient and the normalized original subject (when the bounce quotes
       it) match a message of ours to that recipient dated up to 7 days before the
       bounce: the most recent such message;
    3. a failed recipient matches a message of ours dated up to 3 days before the
       bounce: the most recent one.

    A bounce that matches nothing is left alone (it stays a conversation of its own).

    Args:
        messages: all messages.
        times: their dates as POSIX seconds, None when undated.
        by_message_id: Message-ID → index, for every message that has one.

    Returns:
        ``(bounce, original)`` index pairs.
    """
    bounce = MessageKind.BOUNCE
    bounces: list[tuple[int, ReturnedMessage]] = []
    for i, m in enumerate(messages):
        classification = m.classification
        if classification.kind is bounce and classification.returned is not None:
            bounces.append((i, classification.returned))
    targets = [_by_message_id(i, returned, by_message_id) for i, returned in bounces]
    # Most bounces quote the Message-ID; the index of our mail by recipient is built
    # only for those that do not, and only for the recipients they name.
    rest: list[tuple[int, int, ReturnedMessage, float]] = []
    for k, (i, returned) in enumerate(bounces):
        bounced = times[i]
        if targets[k] is None and bounced is not None:
            rest.append((k, i, returned, bounced))
    if rest:
        sent_to = _SentTo(messages, times, {r for _, _, returned, _ in rest for r in _failed(returned)})
        for k, i, returned, bounced in rest:
            targets[k] = _by_recipient(returned, bounced, messages, sent_to)
    return [(i, target) for (i, _), target in zip(bounces, targets) if target is not None]
