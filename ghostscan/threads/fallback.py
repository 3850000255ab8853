"""Subject + participants + time window: for replies whose threading headers were lost.

Many Outlook/Exchange setups, webmailers behind gateways and old archives (the Enron
mail has no In-Reply-To or References at all) deliver replies without threading headers.
Those replies are matched to an earlier message by their normalized subject, but only
within one *party* (`ghostscan.parse.addresses.Address.party`: a company domain, or the
full address for freemail) and only within a time window.

The party is part of the key, never a tie-breaker: a conversation whose outbound
recipients are party A never receives a message from party B through this fallback, so two
customers who both answer "Angebot" or "Quote" stay in two conversations.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from itertools import compress, repeat
from operator import attrgetter, is_, not_
from typing import Callable, Iterable, Iterator, Sequence

from ghostscan.classify.base import MessageKind
from ghostscan.parse.addresses import Address
from ghostscan.threads.model import Direction, ThreadedMessage

# Reply and forward prefixes as mail clients write them: English, German (AW/WG/Antw),
# Scandinavian (SV), Italian (R/RIF), French (TR), Dutch (Doorst), Outlook's "Ref",
# plus the subject prefixes of automatic replies (RT's "AutoReply", Outlook's "Automatic
# reply" / "Automatische Antwort"), which answer a message rather than start one.
# Counters like "Re[2]:" / "Re(2):" / "Re^2:" and any spacing before the colon are allowed.
_ONE_PREFIX = (
    r"\s*(?:re|aw|wg|fwd?|sv|antw|antwort|ref|rif|tr|doorst|r|"
    r"autoreply|auto-reply|automatic reply|automatische antwort|abwesenheitsnotiz|out of office)"
    r"\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]"
)
_PREFIX = re.compile("^" + _ONE_PREFIX, re.IGNORECASE)
# All the prefixes in a row at once: what matching `_PREFIX` again and again finds
# when no tag can come to light between them (the subject has no "[" or "(").
_PREFIXES = re.compile(f"(?:{_ONE_PREFIX})+", re.IGNORECASE)
# Tags anywhere in the subject: ticket systems ("[Ticket#123]"), mailing lists
# ("[notmuch]"), gateways ("[EXTERN]", "[SPAM?]") and the old "(fwd)" suffix.
_TAGS = re.compile(r"\[[^\[\]]*\]|\((?:fwd|fw|wg)\)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")

# Subjects that say nothing about what a message is about.
_GENERIC = frozenset({"", "no subject", "(no subject)", "kein betreff", "(kein betreff)", "ohne betreff", "untitled"})

LINKED_BY = "subject+participants"


def normalize_subject(subject: str) -> str:
    """Return *subject* without reply/forward prefixes, tags, case and extra whitespace.

    Example:
        >>> normalize_subject("AW: WG: [EXTERN] Angebot  Website (fwd)")
        'angebot website'
        >>> normalize_subject("Re[2]: RE: Angebot")
        'angebot'
    """
    # ASCII is its own NFKC form. A tag needs "[" or "(" and a prefix a colon (NFKC turns
    # the full-width one into ":"), so most subjects skip those regexes; str.split()
    # splits at exactly the characters \s matches, so joining its parts equals
    # collapsing \s+ to one space and stripping.
    text = subject if subject.isascii() else unicodedata.normalize("NFKC", subject)
    if "[" not in text and "(" not in text:
        # Most subjects: no tag, so the prefixes go in one match (and one split).
        text = " ".join(text.split())
        if ":" in text or "：" in text:
            match = _PREFIXES.match(text)
            if match is not None:
                text = text[match.end() :].lstrip()
        return text.casefold()
    text = " ".join(_TAGS.sub(" ", text).split())
    while ":" in text or "：" in text:
        match = _PREFIX.match(text)
        if match is None:
            break
        text = text[match.end() :]
        if "[" in text or "(" in text:
            text = _TAGS.sub(" ", text)
        text = " ".join(text.split())
    return text.casefold()


def is_generic_subject(normalized: str) -> bool:
    """True for a normalized subject that must never link two messages (``""``, "no subject")."""
    return normalized in _GENERIC


def _ours(m: ThreadedMessage) -> bool:
    return m.direction is not Direction.INBOUND


def _eligible(m: ThreadedMessage) -> bool:
    # Bounces come from the sender's own mail system and are linked by what they quote
    # (ghostscan.threads.bounces), never by subject.
    return m.kind is not MessageKind.BOUNCE


class _Normalized(dict[str, str]):
    """Raw subject → `normalize_subject` of it, worked out on first use."""

    def __missing__(self, subject: str) -> str:
        normalized = self[subject] = normalize_subject(subject)
        return normalized


_SUBJECT = attrgetter("meta.subject")
_DIRECTION = attrgetter("direction")


class _Index:
    """Sorted (time, index) lists per (normalized subject, party)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)

    def add(self, key: tuple[str, str], ts: float, index: int) -> None:
        self.entries[key].append((ts, index))

    def has(self, key: tuple[str, str]) -> bool:
        """Whether any entry has *key*."""
        return key in self.entries

    def freeze(self) -> None:
        for entries in self.entries.values():
            entries.sort()

    def latest(self, key: tuple[str, str], ts: float, earliest: float, skip: Callable[[int], bool]) -> tuple[float, int] | None:
        """The latest entry with ``earliest <= time <= ts`` that *skip* does not reject."""
        entries = self.entries.get(key)
        if not entries:
            return None
        pos = bisect.bisect_right(entries, (ts, float("inf"))) - 1
        while pos >= 0 and entries[pos][0] >= earliest:
            if not skip(entries[pos][1]):
                return entries[pos]
            pos -= 1
        return None


def fallback_links(
    messages: Sequence[ThreadedMessage],
    times: Sequence[float | None],
    candidates: Iterable[int],
    same_conversation: Callable[[int, int], bool],
    *,
    window_days: int = 60,
) -> Iterator[tuple[int, int]]:
    """Find, for each candidate, the earlier message it most likely answers.

    A candidate matches an earlier message (dated at most *window_days* before it) with
    the same non-generic normalized subject when the parties fit:

    * an inbound candidate (theirs) matches a message of ours whose To/Cc include the
      candidate's sender party;
    * a candidate of ours matches an inbound message whose sender party is among the
      candidate's To/Cc parties.

    Of several matches the latest earlier one wins. Bounces neither match nor are matched.

    The links are produced lazily: the caller merges each pair before asking for the
    next, so *same_conversation* sees the merges and a candidate is never matched with a
    message of its own conversation.

    Args:
        messages: all messages.
        times: ``messages[i].date`` as POSIX seconds, or None when undated.
        candidates: indexes to find an earlier message for (undated ones are skipped),
            usually the first message of each conversation so far, oldest first.
        same_conversation: whether two indexes are already in one conversation.
        window_days: how long after the earlier message a reply may come.

    Yields:
        ``(candidate, earlier)`` index pairs.
    """
    # Most subjects and addresses repeat ("Re: X", "AW: X", ...): work each out once.
    normalized = _Normalized()
    parties: dict[str, str] = {}

    def party(a: Address) -> str:
        p = parties.get(a.email)
        if p is None:
            p = parties[a.email] = a.party
        return p

    # The loops below test the message kind, direction and subject inline (they run once
    # per message of the whole mailbox); `_eligible`, `_ours` and `is_generic_subject`
    # say the same.
    generic, bounce, inbound = _GENERIC, MessageKind.BOUNCE, Direction.INBOUND

    # Each message's normalized subject and side, and the subjects each side carries.
    # Only a subject both sides carry can link, so most candidates and messages are
    # never looked at again. These passes over the whole mailbox run in C (map,
    # compress); the exact tests (dated, not generic, not a bounce) come later, for
    # the few messages that get that far.
    n = len(messages)
    subjects: list[str] = list(map(normalized.__getitem__, map(_SUBJECT, messages)))
    theirs: list[bool] = list(map(is_, map(_DIRECTION, messages), repeat(inbound)))
    theirs_subjects = set(compress(subjects, theirs))
    ours_subjects = set(compress(subjects, map(not_, theirs)))

    # What the candidates look for, in their order: (index, time, subject, whether it is
    # ours, the parties to look for), and per subject the parties asked of each side.
    asks: list[tuple[int, float, str, bool, list[str]]] = []
    asked_of_ours: dict[str, set[str]] = {}
    asked_of_theirs: dict[str, set[str]] = {}
    for i in candidates:
        ts = times[i]
        subject = subjects[i]
        if ts is None or subject not in (ours_subjects if theirs[i] else theirs_subjects) or subject in generic:
            continue
        m = messages[i]
        if m.classification.kind is bounce:
            continue
        meta = m.meta
        if not theirs[i]:
            wanted = sorted({party(a) for a in meta.to + meta.cc})
            asked = asked_of_theirs
        elif meta.sender is not None:
            wanted = [party(meta.sender)]
            asked = asked_of_ours
        else:
            continue
        asks.append((i, ts, subject, not theirs[i], wanted))
        known = asked.get(subject)
        if known is None:
            asked[subject] = set(wanted)
        else:
            known.update(wanted)

    # The indexes hold only the (subject, party) pairs some candidate looks for. The
    # party is tested before the kind: it rejects far more messages.
    ours_to = _Index()  # our messages, keyed by each recipient's party
    theirs_from = _Index()  # inbound messages, keyed by the sender's party
    ours_entries, theirs_entries = ours_to.entries, theirs_from.entries  # `_Index.add`, inline
    for j in compress(range(n), map(asked_of_ours.__contains__, subjects)) if asked_of_ours else ():
        ts = times[j]
        if theirs[j] or ts is None:
            continue
        m = messages[j]
        meta = m.meta
        subject = subjects[j]
        asked = asked_of_ours[subject]
        hits = {p for p in map(party, meta.to + meta.cc) if p in asked}
        if hits and m.classification.kind is not bounce:
            for p in hits:
                ours_entries[(subject, p)].append((ts, j))
    for j in compress(range(n), map(asked_of_theirs.__contains__, subjects)) if asked_of_theirs else ():
        ts = times[j]
        if not theirs[j] or ts is None:
            continue
        m = messages[j]
        sender = m.meta.sender
        if sender is None:
            continue
        subject = subjects[j]
        p = party(sender)
        if p in asked_of_theirs[subject] and m.classification.kind is not bounce:
            theirs_entries[(subject, p)].append((ts, j))
    ours_to.freeze()
    theirs_from.freeze()

    window = window_days * 86400.0
    for i, ts, subject, ours, wanted in asks:
        index = theirs_from if ours else ours_to
        best: tuple[float, int] | None = None
        for p in wanted:
            if not index.has((subject, p)):
                continue
            hit = index.latest((subject, p), ts, ts - window, lambda j: j == i or same_conversation(i, j))
            if hit is not None and (best is None or hit > best):
                best = hit
        if best is not None:
            yield i, best[1]
