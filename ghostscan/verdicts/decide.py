"""Rule hits and misses → one `Decision` per outbound conversation.

The order of the checks is the order of urgency: a reply that exists (even in Junk)
beats a bounce, a bounce beats an auto-reply, and only when nothing came back does the
calendar decide between `silent` and `waiting`. Every check that was made is recorded as
evidence, hit or miss, so ``--explain`` can show the whole reasoning.

Headers decide first. Message text is read (through a `TextReader`) only where a verdict
needs it: the customer's last reply (a "no" is `declined`), an out-of-office (its return
date), a silent conversation (was it a firm order? what are their phone numbers?), and,
when only offers are tracked, our first message if its subject does not say "offer".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from ghostscan.classify.base import Evidence, MessageKind
from ghostscan.parse.addresses import Address, Identity
from ghostscan.sources.base import FolderRole
from ghostscan.threads.model import Conversation, Direction, ThreadedMessage
from ghostscan.verdicts.advice import Situation, suggest
from ghostscan.verdicts.business_days import BusinessCalendar
from ghostscan.verdicts.model import CustomerContact, Decision, NoTexts, TextReader, Verdict

# Subjects that name an offer: enough to track a conversation without reading its text.
_OFFER_SUBJECT = re.compile(
    r"\b(angebot\w*|kostenvoranschlag\w*|kostenschätzung|offerte|preisangebot|quote|quotation|proposal|estimate|pricing)\b",
    re.IGNORECASE,
)


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
        track_all: report every conversation we started, not only offers and orders.
        max_follow_ups: unanswered follow-ups before another channel is suggested.
        cold_after: business days of silence, follow-ups done, before "let it rest".
        texts: reads message text where a decision needs it.
    """

    now: datetime
    silent_after: int
    calendar: BusinessCalendar
    identity: Identity = Identity()
    language: str = "en"
    track_all: bool = True
    max_follow_ups: int = 1
    cold_after: int = 30
    texts: TextReader = field(default_factory=NoTexts)


def subject_names_offer(subject: str) -> bool:
    """Whether a subject alone says the conversation is about an offer ("Angebot", "Quote"…)."""
    return _OFFER_SUBJECT.search(subject) is not None


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


def customer_of(conv: Conversation, identity: Identity) -> Address | None:
    """The customer of *conv*: the first external recipient of ours, else the first human replier."""
    return _customer(conv, identity)


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


def _tracked(conv: Conversation, ours: list[ThreadedMessage], options: DecideOptions) -> Evidence | None:
    """Evidence that the conversation is about an offer or an order, or None."""
    for m in ours:
        match = _OFFER_SUBJECT.search(m.meta.subject)
        if match:
            return Evidence("track.offer", f"subject {m.meta.subject!r} says {match.group(0)!r}")
    for m in ours[:3]:
        text = options.texts.text(m)
        if text is None:
            continue
        for intent in ("offer", "order_confirmed"):
            if text.has(intent):
                return Evidence(f"track.{intent}", f"{_describe(m)}: {text.phrase(intent)!r}")
    for m in conv.messages:
        if _human_reply(m):
            phrase = options.texts.says(m, "order_confirmed")
            if phrase is not None:
                return Evidence("track.order_confirmed", f"{_describe(m)}: {phrase!r}")
    return None


def _firm_order(messages: list[ThreadedMessage], options: DecideOptions) -> Evidence | None:
    """An order_confirmed in either direction of the thread."""
    for m in messages:
        if m.kind is not MessageKind.HUMAN:
            continue
        phrase = options.texts.says(m, "order_confirmed")
        if phrase is not None:
            return Evidence("verdict.firm_order", f"firm order in {_describe(m)}: {phrase!r}")
    return None


def decide_verdict(conv: Conversation, options: DecideOptions) -> Decision | None:
    """Decide the verdict of *conv*.

    Returns:
        The decision, or None when the conversation is not ours to report: nobody on our
        side wrote in it, it has no external party (internal mail), or only offers are
        tracked and it holds neither an offer nor an order.
    """
    messages = list(conv.messages)
    ours = [m for m in messages if _ours(m)]
    customer = _customer(conv, options.identity)
    if not ours or customer is None:
        return None
    evidence: list[Evidence] = []
    if not options.track_all:
        tracked = _tracked(conv, ours, options)
        if tracked is None:
            return None
        evidence.append(tracked)

    replies = [i for i, m in enumerate(messages) if _human_reply(m) and not _in_junk(m)]
    last_ours = max(i for i, m in enumerate(messages) if _ours(m))
    if replies and replies[-1] > last_ours:
        reply = messages[replies[-1]]
        # Asked for the "no" alone: most replies lack every word of one, and the tokenizer
        # tells them without reading the whole text.
        no = options.texts.said(reply, "decline")
        if no.phrase is not None:
            evidence.insert(0, Evidence("verdict.declined", f"{_describe(reply)}: {no.phrase!r}"))
            return _decision(conv, Verdict.DECLINED, evidence, customer, ours, [], None, options)
        evidence.insert(0, Evidence("verdict.answered", f"reply from {_describe(reply)}"))
        if no.readable:
            evidence.append(Evidence("verdict.declined.miss", "their reply says no 'no'"))
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
    return_date = None
    if autos:
        auto = autos[-1]
        text = options.texts.text(auto)
        return_date = text.return_date if text is not None else None
        if return_date is None:
            evidence.insert(0, Evidence("verdict.auto_reply", f"automatic reply from {_describe(auto)}, no return date"))
            return _decision(conv, Verdict.AUTO_REPLY, evidence, customer, ours, pending, days, options)
        back = options.calendar.business_days_between(datetime.combine(return_date, time(0), options.calendar.zone), options.now)
        if options.calendar.is_business_day(return_date) and options.calendar.local_date(options.now) >= return_date:
            back += 1
        if back < options.silent_after:
            evidence.insert(0, Evidence("verdict.auto_reply", f"automatic reply from {_describe(auto)}: back on {return_date.isoformat()}"))
            return _decision(conv, Verdict.AUTO_REPLY, evidence, customer, ours, pending, days, options, return_date=return_date)
        evidence.append(Evidence("verdict.auto_reply.miss", f"back since {return_date.isoformat()} ({back} business days) and still no answer"))
        days = back
    else:
        evidence.append(Evidence("verdict.auto_reply.miss", "no automatic reply"))

    if days is None or days >= options.silent_after:
        shown = "unknown" if days is None else str(days)
        since = f"since {return_date.isoformat()} (their return)" if return_date else "since our last message"
        evidence.insert(0, Evidence("verdict.silent", f"{shown} business days {since} (threshold {options.silent_after})"))
        firm = _firm_order(messages, options)
        if firm is not None:
            evidence.insert(1, firm)
        return _decision(conv, Verdict.SILENT, evidence, customer, ours, pending, days, options, firm_order=firm is not None, return_date=return_date)
    evidence.insert(0, Evidence("verdict.waiting", f"{days} business days since our last message (threshold {options.silent_after})"))
    return _decision(conv, Verdict.WAITING, evidence, customer, ours, pending, days, options, return_date=return_date)


def _decision(
    conv: Conversation,
    verdict: Verdict,
    evidence: list[Evidence],
    customer: Address,
    ours: list[ThreadedMessage],
    pending: list[ThreadedMessage],
    days: int | None,
    options: DecideOptions,
    *,
    firm_order: bool = False,
    return_date: date | None = None,
) -> Decision:
    dated = [m.date for m in ours if m.date]
    first_reply = _first_reply(conv, ours)
    to_reply = options.calendar.business_days_between(min(dated), first_reply) if dated and first_reply else None
    follow_ups = max(len(pending) - 1, 0)
    needs_channels = verdict in (Verdict.SILENT, Verdict.BOUNCED)
    contact = options.texts.contact(customer) if needs_channels else CustomerContact()
    cold = (
        verdict is Verdict.SILENT
        and not firm_order
        and follow_ups >= options.max_follow_ups
        and days is not None
        and days >= options.cold_after
    )
    situation = Situation(
        verdict=verdict,
        follow_ups=follow_ups,
        max_follow_ups=options.max_follow_ups,
        firm_order=firm_order,
        cold=cold,
        return_date=return_date,
        phones=contact.phones,
        linkedin_url=contact.linkedin_url,
    )
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
        suggestions=suggest(situation, language=options.language),
        phones=contact.phones,
        linkedin_url=contact.linkedin_url,
        return_date=return_date,
        firm_order=firm_order,
        cold=cold,
        first_reply=first_reply,
        business_days_to_first_reply=to_reply,
    )


def _first_reply(conv: Conversation, ours: list[ThreadedMessage]) -> datetime | None:
    """The date of the customer's first human message after our first one.

    Bounces and automatic replies are not answers; a reply filed in Junk is (the customer
    did answer). A customer's inquiry that started the conversation is not a reply.
    """
    first_ours = conv.messages.index(ours[0])
    for m in conv.messages[first_ours + 1 :]:
        if _human_reply(m) and m.date is not None:
            return m.date
    return None
