"""Message text on demand: body → text → language layer, and the customer's other channels.

`MailTexts` is the `ghostscan.verdicts.model.TextReader` the pipeline hands to the verdicts
stage. It loads a body only when a verdict asks for it, reads each message once, and keeps
the result, so headers stay the whole cost of most messages.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from ghostscan.classify.base import CustomerContact, Evidence, MessageKind, MessageText
from ghostscan.classify.results import text_from_json, text_to_json
from ghostscan.parse.addresses import Address
from ghostscan.settings import NlpSettings
from ghostscan.threads.model import Direction, ThreadedMessage
from ghostscan.verdicts.model import Said

log = logging.getLogger(__name__)

CONTACT_MESSAGES = 5
"""How many of the customer's newest messages are searched for phone numbers and a signature."""


def attachment_names(msg: Message) -> tuple[str, ...]:
    """File names of a parsed message's attachments (``Angebot_2026-117.pdf``)."""
    return tuple(str(part.get_filename()) for part in msg.walk() if part.get_filename())


def message_body(raw: bytes) -> str:
    """The readable text of a raw message (HTML converted, size-capped); never raises."""
    from ghostscan.parse.body import body_text, parse_text_parts

    return body_text(parse_text_parts(raw))


def read_text(raw: bytes, *, direction: str, sent: datetime | None = None, nlp: NlpSettings = NlpSettings()) -> MessageText:
    """Run the language layer over one raw message.

    Args:
        raw: the whole message.
        direction: ``"inbound"`` or ``"outbound"``.
        sent: the message's date (return dates like "Monday" are relative to it).
        nlp: model and extra pattern files.
    """
    from ghostscan.parse.body import body_text, parse_text_parts

    msg = parse_text_parts(raw)  # once: body text and attachment names both come from it
    return analyze_body(body_text(msg), attachment_names(msg), direction=direction, sent=sent, nlp=nlp)


def analyze_body(
    body: str, attachments: Sequence[str], *, direction: str, sent: datetime | None = None, nlp: NlpSettings = NlpSettings()
) -> MessageText:
    """`read_text` for a body already decoded (see `ghostscan.parse.body.body_text`)."""
    from ghostscan.classify.language import analyze_text

    analysis = analyze_text(
        body,
        direction=direction,
        sent=sent,
        attachments=attachments,
        extra_patterns=tuple(Path(p) for p in nlp.patterns),
        model=nlp.model,
    )
    return MessageText(
        language=analysis.language,
        intents=frozenset(i.value for i in analysis.intents),
        evidence=tuple(Evidence(f"intent.{hit.intent.value}", " ".join(hit.phrase.split())) for hit in analysis.evidence),
        return_date=analysis.return_date,
    )


def may_say_in_body(
    body: str, attachments: Sequence[str], intent: str, *, direction: str, nlp: NlpSettings = NlpSettings()
) -> bool:
    """Whether `analyze_body` may find *intent*: False only when it certainly does not.

    See `ghostscan.classify.language.may_say`: the tokenizer alone, no rules.
    """
    from ghostscan.classify.language import Intent, may_say

    return may_say(
        body,
        Intent(intent),
        direction=direction,
        attachments=attachments,
        extra_patterns=tuple(Path(p) for p in nlp.patterns),
        model=nlp.model,
    )


def read_contact(bodies: Sequence[str], customer: Address, *, region: str) -> CustomerContact:
    """The customer's name, company, phones and LinkedIn search from their own mail texts."""
    from ghostscan.parse.contacts import extract_contact

    found = extract_contact(bodies, customer, region=region)
    return CustomerContact(found.name, found.company, tuple(found.phones), found.linkedin_url)


class ReadPlanner:
    """A `TextReader` for a dry run of the verdicts: it loads nothing, notes what would be.

    It answers with the readings `MailTexts` already has (this run's, or kept in the
    store), and with "no text" otherwise, noting the message. A dry run of the verdicts
    with it lists the bodies the real run will read, to fetch them in a few batches.

    Args:
        texts: the real reader.
        read: which unknown messages to read for real after all (their bodies are
            fetched already); the others are only noted.
    """

    def __init__(self, texts: MailTexts, read: Callable[[ThreadedMessage], bool] | None = None):
        self._texts = texts
        self._read = read
        self.refs: list[object] = []
        self.unknown_auto_reply = False
        """An automatic reply's text was unknown: its return date may lead anywhere."""
        self.guessed = False
        """An answer was not the real reader's (a text or contact details not read yet):
        a verdict decided with this reader may differ from the real one. Until it is
        set, every answer was the real reader's, and so is the verdict."""

    def text(self, message: ThreadedMessage) -> MessageText | None:
        """See `TextReader.text`."""
        if self._texts.known(message):
            return self._texts.text(message)
        if self._read is not None and self._read(message):
            return self._texts.text(message)
        self.guessed = True
        self.refs.append(message.meta.ref)
        if message.kind is MessageKind.AUTO_REPLY:
            self.unknown_auto_reply = True
        return None

    def says(self, message: ThreadedMessage, intent: str) -> str | None:
        """See `TextReader.says`."""
        return self.said(message, intent).phrase

    def said(self, message: ThreadedMessage, intent: str) -> Said:
        """See `TextReader.said`: an unknown message counts as unreadable, like in `text`."""
        if self._texts.known(message) or self._texts.lacks(message, intent):
            return self._texts.said(message, intent)
        if self._read is not None and self._read(message):
            return self._texts.said(message, intent)
        self.guessed = True
        self.refs.append(message.meta.ref)
        if message.kind is MessageKind.AUTO_REPLY:
            self.unknown_auto_reply = True
        return Said(readable=False)

    def contact(self, customer: Address) -> CustomerContact:
        """See `TextReader.contact`: the real details when they are known, else none."""
        if self._texts.contact_known(customer):
            return self._texts.contact(customer)
        self.guessed = True
        self.plan_contact(customer)
        return CustomerContact()

    def plan_contact(self, customer: Address) -> None:
        """Note the bodies `MailTexts.contact` would read for *customer*."""
        if not self._texts.contact_known(customer):
            self.refs.extend(m.meta.ref for m in self._texts.contact_reads(customer))


def _newest_first(m: ThreadedMessage) -> float:
    return -m.meta.date.timestamp() if m.meta.date else 0.0


class MailTexts:
    """Reads the text of threaded messages on demand (see `TextReader`).

    Args:
        messages: every threaded message of the scan (to find a customer's own mail).
        loaders: message ref → function returning its raw bytes.
        nlp: language-layer settings.
        region: region for phone numbers without a country code.
        on_problem: called with (message, reason) when a body cannot be read or analysed;
            the verdict then falls back to what the headers say.
        cache: results kept between runs (``get``/``put`` of JSON by ref and name), or None.
        prefetch: called once, before the first body is loaded, to fetch the bodies that
            will likely be read in one batch.
    """

    def __init__(
        self,
        messages: Iterable[ThreadedMessage],
        loaders: Mapping[object, Callable[[], bytes]],
        *,
        nlp: NlpSettings = NlpSettings(),
        region: str = "DE",
        on_problem: Callable[[ThreadedMessage, str], None] | None = None,
        cache: Any = None,
        prefetch: Callable[[], object] | None = None,
    ):
        self._loaders = loaders
        self._nlp = nlp
        self._region = region
        self._on_problem = on_problem or (lambda m, reason: None)
        self._cache = cache
        self._prefetch = prefetch
        self._texts: dict[object, MessageText | None] = {}
        self._lacking: set[tuple[object, str]] = set()
        """(ref, intent) of messages known not to say the intent, their text unread."""
        self._bodies: dict[object, str | None] = {}
        self._contacts: dict[str, CustomerContact] = {}
        self._by_sender: dict[str, list[ThreadedMessage]] = {}
        for m in messages:
            if m.direction is Direction.INBOUND and m.kind is MessageKind.HUMAN and m.meta.sender:
                self._by_sender.setdefault(m.meta.sender.email, []).append(m)
        # The messages `contact` reads: each sender's newest few.
        self._contact_sources: set[object] = set()
        for own in self._by_sender.values():
            own.sort(key=_newest_first)
            self._contact_sources.update(m.meta.ref for m in own[:CONTACT_MESSAGES])
        self.bodies_read = 0

    def contact_sources(self) -> tuple[ThreadedMessage, ...]:
        """The messages `contact` may read: each sender's newest few of their own."""
        return tuple(m for own in self._by_sender.values() for m in own[:CONTACT_MESSAGES])

    def _raw(self, message: ThreadedMessage) -> bytes | None:
        loader = self._loaders.get(message.meta.ref)
        if loader is None:
            return None
        if self._prefetch is not None:
            prefetch, self._prefetch = self._prefetch, None
            prefetch()
        try:
            raw = loader()
        except OSError as exc:
            self._on_problem(message, f"cannot read the body: {exc}")
            return None
        self.bodies_read += 1
        return raw

    def known(self, message: ThreadedMessage) -> bool:
        """Whether the text of *message* is read already (this run, or kept in the store)."""
        ref = message.meta.ref
        if ref not in self._texts and self._cache is not None:
            kept = self._cache.get(ref, "text")
            if kept is not None:
                self._texts[ref] = text_from_json(kept)
        return ref in self._texts

    def contact_known(self, customer: Address) -> bool:
        """Whether the contact details of *customer* are read already (or kept in the store)."""
        if customer.email in self._contacts:
            return True
        own = self._by_sender.get(customer.email)
        return bool(own) and self._cache is not None and self._cache.get(own[0].meta.ref, f"contact:{customer.email}") is not None

    def contact_reads(self, customer: Address) -> list[ThreadedMessage]:
        """The messages `contact` reads for *customer*."""
        return self._by_sender.get(customer.email, [])[:CONTACT_MESSAGES]

    def lacks(self, message: ThreadedMessage, intent: str) -> bool:
        """Whether *message* is known not to say *intent* though its text is not read (see `says`)."""
        ref = message.meta.ref
        if (ref, intent) in self._lacking:
            return True
        if self._cache is not None and self._cache.get(ref, f"lacks:{intent}") is not None:
            self._lacking.add((ref, intent))
            return True
        return False

    def text(self, message: ThreadedMessage) -> MessageText | None:
        """See `TextReader.text`."""
        ref = message.meta.ref
        if not self.known(message):
            read = self._read_body(message)
            self._texts[ref] = self._analyse(message, *read) if read is not None else None
        return self._texts[ref]

    def says(self, message: ThreadedMessage, intent: str) -> str | None:
        """See `TextReader.says` and `said`."""
        return self.said(message, intent).phrase

    def said(self, message: ThreadedMessage, intent: str) -> Said:
        """See `TextReader.said`.

        A message whose words cannot make *intent* (`may_say_in_body`, the tokenizer
        alone) is not read further; that it lacks the intent is kept like a text
        reading, and it counts as read. In a silent conversation every message is
        asked for a firm order, and most have none of its words; of the customers'
        last replies, asked for a "no", most have none of a decline's.
        """
        ref = message.meta.ref
        if not self.known(message):
            if self.lacks(message, intent):
                return Said(readable=True)
            read = self._read_body(message)
            if read is None:
                self._texts[ref] = None
                return Said(readable=False)
            body, attachments = read
            direction = "inbound" if message.direction is Direction.INBOUND else "outbound"
            try:
                possible = may_say_in_body(body, attachments, intent, direction=direction, nlp=self._nlp)
            except Exception as exc:  # noqa: BLE001 - per-message boundary: one unreadable text never stops a scan
                self._on_problem(message, f"cannot analyse the text: {type(exc).__name__}: {exc}")
                self._texts[ref] = None
                return Said(readable=False)
            if not possible:
                self._lacking.add((ref, intent))
                if self._cache is not None:
                    self._cache.put(ref, f"lacks:{intent}", "true")
                return Said(readable=True)
            self._texts[ref] = self._analyse(message, body, attachments)
        text = self._texts[ref]
        if text is None:
            return Said(readable=False)
        return Said(readable=True, phrase=text.phrase(intent) if text.has(intent) else None)

    def _read_body(self, message: ThreadedMessage) -> tuple[str, tuple[str, ...]] | None:
        """Body text and attachment names of *message*, or None when it cannot be read."""
        raw = self._raw(message)
        if raw is None:
            return None
        try:
            return self._parse(message, raw)
        except Exception as exc:  # noqa: BLE001 - per-message boundary: one unreadable text never stops a scan
            self._on_problem(message, f"cannot analyse the text: {type(exc).__name__}: {exc}")
            return None

    def _analyse(self, message: ThreadedMessage, body: str, attachments: Sequence[str]) -> MessageText | None:
        """The language layer's reading of *body*, kept in the store; None when it fails."""
        direction = "inbound" if message.direction is Direction.INBOUND else "outbound"
        try:
            result = analyze_body(body, attachments, direction=direction, sent=message.meta.date, nlp=self._nlp)
        except Exception as exc:  # noqa: BLE001 - per-message boundary: one unreadable text never stops a scan
            self._on_problem(message, f"cannot analyse the text: {type(exc).__name__}: {exc}")
            return None
        if self._cache is not None:
            self._cache.put(message.meta.ref, "text", text_to_json(result))
        return result

    def _parse(self, message: ThreadedMessage, raw: bytes) -> tuple[str, tuple[str, ...]]:
        """Body text and attachment names of *raw*, parsed once.

        The text of a customer's own message is kept for `contact`, which may search it
        later; nothing else is kept.
        """
        from ghostscan.parse.body import body_text, parse_text_parts

        msg = parse_text_parts(raw)
        body = body_text(msg)
        if message.meta.ref in self._contact_sources:
            self._bodies[message.meta.ref] = body
        return body, attachment_names(msg)

    def _body(self, message: ThreadedMessage) -> str | None:
        ref = message.meta.ref
        if ref not in self._bodies:
            raw = self._raw(message)
            self._bodies[ref] = message_body(raw) if raw is not None else None
        return self._bodies[ref]

    def contact(self, customer: Address) -> CustomerContact:
        """See `TextReader.contact`: the customer's newest own messages, anywhere in the mailbox."""
        if customer.email not in self._contacts:
            own = self._by_sender.get(customer.email, [])
            # Kept under the customer's newest message: a new mail from them reads afresh.
            key = own[0].meta.ref if own else None
            kept = self._cache.get(key, f"contact:{customer.email}") if self._cache is not None and key else None
            if kept is not None:
                data = json.loads(kept)
                self._contacts[customer.email] = CustomerContact(data[0], data[1], tuple(data[2]), data[3])
                return self._contacts[customer.email]
            bodies = [b for b in (self._body(m) for m in own[:CONTACT_MESSAGES]) if b]
            try:
                found = read_contact(bodies, customer, region=self._region)
            except Exception as exc:  # noqa: BLE001 - per-customer boundary: the verdict stands without channels
                log.info("cannot read the contact details of %s: %s", customer.email, exc)
                found = CustomerContact(name=customer.name or None)
            else:
                if self._cache is not None and key:
                    value = [found.name, found.company, list(found.phones), found.linkedin_url]
                    self._cache.put(key, f"contact:{customer.email}", json.dumps(value, ensure_ascii=False))
            self._contacts[customer.email] = found
        return self._contacts[customer.email]
