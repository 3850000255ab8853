"""Rule hits and misses → one `Decision` per outbound conversation.

The order of the checks is the order of urgency: a reply that exists (even in Junk)
beats a bounce, a bounce beats an auto-reply, and only when nothing came back does the
calendar decide between `silent` and `waiting`. Every check that was made is recorded as
evidence, hit or miss, so ``--explain`` can show the whole reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ghostscan.classify.base import Evidence, MessageKind
from ghostscan.parse.addresses import Address, Identity
from ghostscan.sources.base import FolderRole
from ghostscan.threads.model import Conversation, Direction, ThreadedMessage
from ghostscan.verdicts.advice import suggest
from ghostscan.verdicts.business_days import BusinessCalendar
from ghostscan.verdicts.model import Decision, Verdict


@dataclass(frozen=True)
class DecideOptions:
    """What the decision depends on besides the conversation.

    Attributes:
        now: the moment the silence is measured at.
        silent_after: business days without an answer before a conversation is silent.
        calendar: counts business days.
        identity: the user's addresses and company domains; recipients on our side are
            never the customer.
        language: language of the suggestions.
    """

    now: datetime
    silent_after: int
    calendar: BusinessCalendar
    identity: Identity = Identity()
    language: str = "en"


def _ours(m: ThreadedMessage) -> bool:
    return m.direction is not Direction.INBOUND


def _human_reply(m: ThreadedMessage) -> bool:
    return m.direction is Direction.INBOUND and m.kind is MessageKind.HUMAN


def _in_junk(m: ThreadedMessage) -> bool:
    return m.meta.folder_role is FolderRole.JUNK


def _when(m: ThreadedMessage) -> str:
    return m.date.date().isoformat() if m.date else "undated"


def _describe(m: ThreadedMessage) -> str:
    who = m.meta.sender.email if m.meta.sender else "unknown sender"
    return f"{who} on {_when(m)} in {m.meta.ref.folder}"


def _customer(conv: Conversation, identity: Identity) -> Address | None:
    for m in conv.messages:
        if _ours(m):
            for address in m.meta.to + m.meta.cc:
                if not identity.is_own(address):
                    return address
    for m in conv.messages:
        if _human_reply(m) and m.meta.sender:
            return m.meta.sender
    return None


def _bounce_hits_all(bounce: ThreadedMessage, ours: list[ThreadedMessage]) -> tuple[bool, str]:
    """Whether a bounce means the offer reached nobody it was addressed to.

    A bounce for a Cc recipient while the To recipient got the message is not a failed offer.
    """
    returned = bounce.classification.returned
    failed = set(returned.recipients) if returned else set()
    if not failed:
        return True, "no failed recipient named"
    addressed = {a.email for m in ours for a in m.meta.to}
    reached = addressed - failed
    if reached:
        return False, f"only {', '.join(sorted(failed))} failed; {', '.join(sorted(reached))} did not bounce"
    return True, f"failed: {', '.join(sorted(failed))}"


def decide_verdict(conv: Conversation, options: DecideOptions) -> Decision | None:
    """Decide the verdict of *conv*.

    Returns:
        The decision, or None when the conversation is not ours to report: nobody on our
        side wrote in it, or it has no external party (internal mail).
    """
    messages = list(conv.messages)
    ours = [m for m in messages if _ours(m)]
    customer = _customer(conv, options.identity)
    if not ours or customer is None:
        return None
    evidence: list[Evidence] = []

    replies = [i for i, m in enumerate(messages) if _human_reply(m) and not _in_junk(m)]
    last_ours = max(i for i, m in enumerate(messages) if _ours(m))
    if replies and replies[-1] > last_ours:
        reply = messages[replies[-1]]
        evidence.append(Evidence("verdict.answered", f"reply from {_describe(reply)}"))
        return _decision(conv, Verdict.ANSWERED, evidence, customer, ours, [], None, options)

    # Our messages since the customer's last (non-Junk) word are the unanswered ones.
    start = replies[-1] + 1 if replies else 0
    pending = [m for m in messages[start:] if _ours(m)]
    first_pending = messages.index(pending[0])
    after = messages[first_pending:]
    if replies:
        evidence.append(Evidence("verdict.answered.miss", f"their last reply ({_describe(messages[replies[-1]])}) is older than our last message"))
    else:
        evidence.append(Evidence("verdict.answered.miss", "no reply outside Junk"))

    days = options.calendar.business_days_between(pending[-1].date, options.now) if pending[-1].date else None
    spam = [m for m in after if _human_reply(m) and _in_junk(m)]
    if spam:
        evidence.insert(0, Evidence("verdict.reply_in_spam", f"reply from {_describe(spam[-1])}"))
        return _decision(conv, Verdict.REPLY_IN_SPAM, evidence, customer, ours, pending, days, options)
    evidence.append(Evidence("verdict.reply_in_spam.miss", "no reply in Junk"))

    bounces = [m for m in after if m.kind is MessageKind.BOUNCE]
    for bounce in reversed(bounces):
        total, detail = _bounce_hits_all(bounce, pending)
        if total:
            evidence.insert(0, Evidence("verdict.bounced", f"delivery failure from {_describe(bounce)} ({detail})"))
            return _decision(conv, Verdict.BOUNCED, evidence, customer, ours, pending, days, options)
        evidence.append(Evidence("verdict.bounced.miss", detail))
    if not bounces:
        evidence.append(Evidence("verdict.bounced.miss", "no delivery failure"))
    for m in after:
        if m.kind in (MessageKind.DELAY, MessageKind.COMPLAINT):
            evidence.append(Evidence(f"verdict.{m.kind.value}", f"{m.kind.value} notice from {_describe(m)} (not a bounce)"))

    autos = [m for m in after if m.kind is MessageKind.AUTO_REPLY]
    if autos:
        evidence.insert(0, Evidence("verdict.auto_reply", f"automatic reply from {_describe(autos[-1])}"))
        return _decision(conv, Verdict.AUTO_REPLY, evidence, customer, ours, pending, days, options)
    evidence.append(Evidence("verdict.auto_reply.miss", "no automatic reply"))

    if days is None or days >= options.silent_after:
        shown = "unknown" if days is None else str(days)
        evidence.insert(0, Evidence("verdict.silent", f"{shown} business days since our last message (threshold {options.silent_after})"))
        return _decision(conv, Verdict.SILENT, evidence, customer, ours, pending, days, options)
    evidence.insert(0, Evidence("verdict.waiting", f"{days} business days since our last message (threshold {options.silent_after})"))
    return _decision(conv, Verdict.WAITING, evidence, customer, ours, pending, days, options)


def _decision(
    conv: Conversation,
    verdict: Verdict,
    evidence: list[Evidence],
    customer: Address,
    ours: list[ThreadedMessage],
    pending: list[ThreadedMessage],
    days: int | None,
    options: DecideOptions,
) -> Decision:
    dated = [m.date for m in ours if m.date]
    follow_ups = max(len(pending) - 1, 0)
    return Decision(
        conversation=conv,
        verdict=verdict,
        evidence=tuple(evidence),
        customer=customer,
        company=None if customer.is_freemail else customer.domain,
        subject=conv.messages[0].meta.subject or ours[0].meta.subject,
        first_outbound=min(dated) if dated else None,
        last_outbound=max(dated) if dated else None,
        business_days_silent=days,
        follow_ups=follow_ups,
        suggestions=suggest(verdict, follow_ups=follow_ups, language=options.language),
    )
