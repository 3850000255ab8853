"""The Rule protocol and what classification hands to the next stages.

A rule is a small named object: `check()` looks at one message and returns `Evidence`
when it fires, None when it does not. The chain records hits *and* misses, so
``--explain`` can always say why a message got its kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Callable, Protocol

from ghostscan.parse.headers import MessageMeta
from ghostscan.pickling import by_fields


class MessageKind(StrEnum):
    """What kind of message an inbound mail is."""

    BOUNCE = "bounce"
    """Not delivered: a permanent delivery failure."""
    DELAY = "delay"
    """Delivery delayed; the server is still retrying (not a bounce)."""
    COMPLAINT = "complaint"
    """A feedback-loop / abuse report (ARF); not a bounce."""
    AUTO_REPLY = "auto_reply"
    """Out of office, vacation, challenge-response, automatic acknowledgement."""
    NOTIFICATION = "notification"
    """Other machine-generated mail: newsletters, mailing lists, ticket systems."""
    HUMAN = "human"
    """Written by a person."""


@by_fields
@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a rule fired.

    Attributes:
        rule: the rule's name (``"bounce.dsn"``).
        detail: what it saw, for a human (``"Content-Type multipart/report;
            report-type=delivery-status, Action: failed"``).
    """

    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


@by_fields
@dataclass(frozen=True, slots=True)
class ReturnedMessage:
    """What a bounce (or an auto-reply) tells about the message it answers.

    Attributes:
        message_id: the Message-ID of our original message, when the notice quotes it.
        recipients: the recipients that failed (lower-cased addresses).
        subject: the original subject, when quoted.
    """

    message_id: str | None = None
    recipients: tuple[str, ...] = ()
    subject: str | None = None


@by_fields
@dataclass(frozen=True, slots=True)
class Classification:
    """The classifier's decision for one message.

    Attributes:
        kind: the decided kind.
        evidence: the hits that decided it (the first one decided; later ones agree).
        misses: names of the rules that were checked and did not fire.
        returned: for bounces (and auto-replies, where known), what they say about our
            original message; None otherwise.
        body_read: whether the decision needed the body (headers-first bookkeeping).
    """

    kind: MessageKind
    evidence: tuple[Evidence, ...] = ()
    misses: tuple[str, ...] = ()
    returned: ReturnedMessage | None = None
    body_read: bool = False


# A mailbox's classifications repeat: each newsletter's list, each ticket system, each
# mail system's bounces give the same kind, evidence and misses on every message. One
# object each instead of one per message: at 100,000 messages some 14 MB less held.
_SHARED_LIMIT = 4096
_shared: dict[Classification, Classification] = {}


def shared(classification: Classification) -> Classification:
    """An equal `Classification` made before (the same object each time), else *classification*.

    Classifications are frozen, so one object can stand for all equal ones. Bounded:
    when the table is full it starts again.
    """
    found = _shared.get(classification)
    if found is None:
        if len(_shared) >= _SHARED_LIMIT:
            _shared.clear()
        found = _shared[classification] = classification
    return found


class BodyNeeded(Exception):
    """Raised by a deferring loader when a rule asks for the body.

    The pipeline classifies every message with such a loader first, collects the ones that
    need their body, has the source fetch those bodies in batches (one IMAP command per
    hundreds of messages instead of one each), then classifies them again.
    """


class MessageView:
    """One message as rules see it: metadata now, the full bytes on first request.

    The body is loaded at most once and only when a rule asks for it.
    """

    def __init__(self, meta: MessageMeta, loader: Callable[[], bytes] | None = None):
        self.meta = meta
        self._loader = loader
        self._raw: bytes | None = None

    @property
    def body_loaded(self) -> bool:
        return self._raw is not None

    def raw(self) -> bytes:
        """The whole message as bytes (``b""`` when no loader was given or it failed)."""
        if self._raw is None:
            try:
                self._raw = self._loader() if self._loader else b""
            except OSError:
                self._raw = b""
        return self._raw


class Rule(Protocol):
    """A named check that returns evidence when it fires.

    Attributes:
        name: dotted, stable name (``"autoreply.rfc3834"``); shown by ``--explain``.
        description: one sentence on what the rule looks for.
        kind: the `MessageKind` the rule votes for when it fires.
    """

    name: str
    description: str
    kind: MessageKind

    def check(self, message: MessageView) -> Evidence | None:
        """Return `Evidence` when the rule fires on *message*, else None."""
        ...


@by_fields
@dataclass(frozen=True, slots=True)
class MessageText:
    """What the language layer read in one message's new text (quotes and signature removed).

    Attributes:
        language: ``"de"`` or ``"en"``.
        intents: the intents found (values of `ghostscan.classify.language.Intent`:
            ``offer``, ``order_confirmed``, ``follow_up``, ``decline``, ``accept``,
            ``question``, ``call_me``, ``out_of_office``).
        evidence: one `Evidence` per match: rule ``intent.<intent>``, detail the matched phrase.
        return_date: for an out-of-office, the first day the person is back, else None.
    """

    language: str
    intents: frozenset[str] = frozenset()
    evidence: tuple[Evidence, ...] = ()
    return_date: date | None = None

    def has(self, intent: str) -> bool:
        return intent in self.intents

    def phrase(self, intent: str) -> str:
        """The first matched phrase for *intent* (``""`` when none)."""
        for e in self.evidence:
            if e.rule == f"intent.{intent}":
                return e.detail
        return ""


@by_fields
@dataclass(frozen=True, slots=True)
class CustomerContact:
    """The customer's other channels, as far as their own mail tells.

    Attributes:
        name: their name (display name or signature).
        company: their company (signature legal name, else domain unless freemail).
        phones: phone numbers in E.164, most likely first.
        linkedin_url: a LinkedIn people-search URL for name and company.
    """

    name: str | None = None
    company: str | None = None
    phones: tuple[str, ...] = ()
    linkedin_url: str | None = None
