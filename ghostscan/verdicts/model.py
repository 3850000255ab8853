"""Verdict and Decision: the outcome of the verdicts stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from ghostscan.classify.base import CustomerContact, Evidence, MessageText
from ghostscan.parse.addresses import Address
from ghostscan.pickling import by_fields
from ghostscan.threads.model import Conversation, ThreadedMessage


class Verdict(StrEnum):
    """What happened to an outbound conversation."""

    ANSWERED = "answered"
    """The customer (or a colleague of theirs) replied."""
    REPLY_IN_SPAM = "reply_in_spam"
    """A reply exists, but only in a Junk folder."""
    BOUNCED = "bounced"
    """Our message was not delivered."""
    AUTO_REPLY = "auto_reply"
    """Only an out-of-office / automatic reply came back."""
    DECLINED = "declined"
    """The customer said no."""
    SILENT = "silent"
    """Nothing came back for the configured number of business days."""
    WAITING = "waiting"
    """Nothing came back yet, but it is too early to call it silence."""


@by_fields
@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict for one conversation, with everything a report shows about it.

    Attributes:
        conversation: the conversation decided.
        verdict: the verdict.
        evidence: why, in order: the deciding fact first, then the checks that did not
            apply (``--explain`` prints all of it).
        customer: the customer's address (first external recipient of our first message,
            or the sender of their first message).
        company: the customer's company domain, or None for freemail addresses.
        subject: the conversation's subject (of our first message).
        first_outbound: date of our first message in the conversation.
        last_outbound: date of our latest message.
        business_days_silent: business days since our latest message, when the ball is in
            the customer's court; None when they answered.
        follow_ups: our messages after the first unanswered one.
        suggestions: the next steps, most important first.
        phones: the customer's phone numbers (E.164) from their own earlier mail.
        linkedin_url: a LinkedIn people search for the customer, when a name is known.
        return_date: for an out-of-office, the day the customer is back.
        firm_order: the conversation holds a firm order (it gets other advice when silent).
        cold: silent past `AdviceSettings.cold_after` with the follow-ups done: let it rest.
        first_reply: when the customer first answered a human word after our first
            message (a reply in Junk counts: they did answer), or None.
        business_days_to_first_reply: business days from our first message to
            `first_reply` (same day: 0), or None without a reply.
    """

    conversation: Conversation
    verdict: Verdict
    evidence: tuple[Evidence, ...]
    customer: Address | None
    company: str | None
    subject: str
    first_outbound: datetime | None
    last_outbound: datetime | None
    business_days_silent: int | None
    follow_ups: int
    suggestions: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    linkedin_url: str | None = None
    return_date: date | None = None
    firm_order: bool = False
    cold: bool = False
    first_reply: datetime | None = None
    business_days_to_first_reply: int | None = None


@dataclass(frozen=True, slots=True)
class Said:
    """What one message says about one intent (see `TextReader.said`).

    Attributes:
        readable: its text could be read; False leaves the verdict to the headers.
        phrase: the phrase by which it says the intent, or None when it does not.
    """

    readable: bool
    phrase: str | None = None


class TextReader(Protocol):
    """Reads message text on demand; the verdicts stage asks only where a decision needs it."""

    def text(self, message: ThreadedMessage) -> MessageText | None:
        """The language layer's reading of *message*, or None when its body cannot be read."""
        ...

    def says(self, message: ThreadedMessage, intent: str) -> str | None:
        """The phrase by which *message* says *intent*, or None when it does not (or cannot be read).

        The same as asking `text`, for a reader that can tell a message without the
        intent at less cost than reading all of it.
        """
        ...

    def said(self, message: ThreadedMessage, intent: str) -> Said:
        """Like `says`, and whether the text of *message* could be read at all.

        A "no" not found in a reply is evidence only when the reply was read.
        """
        ...

    def contact(self, customer: Address) -> CustomerContact:
        """The other channels of *customer*, from their own earlier messages."""
        ...


class NoTexts:
    """A `TextReader` that reads nothing: verdicts from headers alone."""

    def text(self, message: ThreadedMessage) -> MessageText | None:
        return None

    def says(self, message: ThreadedMessage, intent: str) -> str | None:
        return None

    def said(self, message: ThreadedMessage, intent: str) -> Said:
        return Said(readable=False)

    def contact(self, customer: Address) -> CustomerContact:
        return CustomerContact(name=customer.name or None, company=None if customer.is_freemail else customer.domain)
