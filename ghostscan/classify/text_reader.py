"""Message text on demand: body → text → language layer, and the customer's other channels.

`MailTexts` is the `ghostscan.verdicts.model.TextReader` the pipeline hands to the verdicts
stage. It loads a body only when a verdict asks for it, reads each message once, and keeps
the result, so headers stay the whole cost of most messages.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from ghostscan.classify.base import CustomerContact, Evidence, MessageKind, MessageText
from ghostscan.classify.results import text_from_json, text_to_json
from ghostscan.parse.addresses import Address
from ghostscan.settings import NlpSettings
from ghostscan.threads.model import Direction, ThreadedMessage
from ghostscan.verdicts.model import Said

if TYPE_CHECKING:
    from ghostscan.classify.text_pool import TextPool

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
    return analyze_body(*parse_body(raw), direction=direction, sent=sent, nlp=nlp)


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


def analysis_problem(exc: Exception) -> str:
    """The problem reported for a text the language layer (or the body parser) failed on."""
    return f"cannot analyse the text: {type(exc).__name__}: {exc}"


def parse_body(raw: bytes) -> tuple[str, tuple[str, ...]]:
    """Body text and attachment names of a raw message, parsed once."""
    from ghostscan.parse.body import body_text, parse_text_parts

    msg = parse_text_parts(raw)
    return body_text(msg), attachment_names(msg)


def direction_of(message: ThreadedMessage) -> str:
    """The language layer's direction of *message*: ``"inbound"`` or ``"outbound"``."""
    return "inbound" if message.direction is Direction.INBOUND else "outbound"


@dataclass(frozen=True, slots=True)
class Failed:
    """A reading that failed, with the problem `MailTexts` reports (or logs) for it."""

    reason: str


@dataclass(frozen=True, slots=True)
class Reading:
    """What `MailTexts` would make of one message's body, read ahead elsewhere.

    `read_ahead` makes it (in `ghostscan.classify.text_pool`'s worker); `MailTexts`
    takes each step from it instead of doing the step, so reports, kept results and
    problems stay as if it had read the body itself.

    Attributes:
        problem: why the body could not be parsed, else None (and nothing more was read).
        may_say: `may_say_in_body`'s answer per intent asked, or the `Failed` it met.
        analysis: `analyze_body`'s reading, the `Failed` it met, or None: not analysed.
    """

    problem: str | None = None
    may_say: Mapping[str, bool | Failed] = field(default_factory=dict)
    analysis: MessageText | Failed | None = None


def read_ahead(raw: bytes, asks: Sequence[str | None], *, direction: str, sent: datetime | None, nlp: NlpSettings) -> Reading:
    """Answer *asks* of one message in turn, as `MailTexts` would: an intent for `said`, None for `text`.

    Args:
        raw: the message's body start, as its loader returns it.
        asks: what the verdicts are expected to ask, in order.
        direction: ``"inbound"`` or ``"outbound"``.
        sent: the message's date.
        nlp: language-layer settings.
    """
    try:
        body, attachments = parse_body(raw)
    except Exception as exc:  # noqa: BLE001 - reported by `MailTexts` as it would its own
        return Reading(problem=analysis_problem(exc))
    may_say: dict[str, bool | Failed] = {}
    for intent in asks:
        if intent is not None:
            if intent in may_say:
                continue  # asked before, and not said (a "may say" is read whole, below)
            try:
                may_say[intent] = possible = may_say_in_body(body, attachments, intent, direction=direction, nlp=nlp)
            except Exception as exc:  # noqa: BLE001 - as in `MailTexts.said`: the text is then unreadable
                may_say[intent] = Failed(analysis_problem(exc))
                return Reading(may_say=may_say)
            if not possible:
                continue
        try:
            analysis: MessageText | Failed = analyze_body(body, attachments, direction=direction, sent=sent, nlp=nlp)
        except Exception as exc:  # noqa: BLE001 - as in `MailTexts._analyse`
            analysis = Failed(analysis_problem(exc))
        return Reading(may_say=may_say, analysis=analysis)  # read: later asks need nothing more
    return Reading(may_say=may_say)


def contact_ahead(raws: Sequence[bytes | None], customer: Address, *, region: str) -> CustomerContact | Failed | None:
    """`MailTexts.contact`'s reading of *customer* from the raw messages it would read.

    Returns None where `MailTexts.contact` would raise (a body it cannot take apart):
    it is then left to `MailTexts`, to fail the same way.
    """
    try:
        bodies = [b for b in (message_body(raw) if raw is not None else None for raw in raws) if b]
    except Exception:  # noqa: BLE001 - see above
        return None
    try:
        return read_contact(bodies, customer, region=region)
    except Exception as exc:  # noqa: BLE001 - as in `MailTexts.contact`: logged, the verdict stands without channels
        return Failed(str(exc))


def read_contact(bodies: Sequence[str], customer: Address, *, region: str) -> CustomerContact:
    """The customer's name, company, phones and LinkedIn search from their own mail texts."""
    from ghostscan.parse.contacts import extract_contact

    found = extract_contact(bodies, customer, region=region)
    return CustomerContact(found.name, found.company, tuple(found.phones), found.linkedin_url)


class Ask(NamedTuple):
    """A reading the dry run of the verdicts foresaw (see `ReadPlanner.asks`).

    Attributes:
        message: the message to read (`MailTexts.text` when *intent* is None, else
            `MailTexts.said`), or None for a customer's contact details.
        intent: the intent asked about.
        customer: the customer whose contact details are read.
    """

    message: ThreadedMessage | None
    intent: str | None = None
    customer: Address | None = None


class ReadPlanner:
    """A `TextReader` for a dry run of the verdicts: it loads nothing, notes what would be.

    It answers with the readings `MailTexts` already has (this run's, or kept in the
    store), and with "no text" otherwise, noting the message. A dry run of the verdicts
    with it lists the bodies the real run will read, to fetch them in a few batches,
    and what it will ask of them (`asks`), to read them ahead on another core.

    Args:
        texts: the real reader.
        read: which unknown messages to read for real after all (their bodies are
            fetched already); the others are only noted.
    """

    def __init__(self, texts: MailTexts, read: Callable[[ThreadedMessage], bool] | None = None):
        self._texts = texts
        self._read = read
        self.refs: list[object] = []
        self.asks: list[Ask] = []
        """What the real run is expected to ask of `MailTexts` that it cannot answer yet, in order."""
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
        self.asks.append(Ask(message))
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
        self.asks.append(Ask(message, intent))
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
            self.asks.append(Ask(None, customer=customer))


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
        self._lacking: dict[object, tuple[str, ...]] = {}
        """The intents messages are known not to say, by ref, their text unread."""
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
        self._pool: TextPool | None = None
        self._read_by_worker = 0

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
        if intent in self._lacking.get(ref, ()):
            return True
        if self._cache is not None and self._cache.get(ref, f"lacks:{intent}") is not None:
            self._lacking[ref] = self._lacking.get(ref, ()) + (intent,)
            return True
        return False

    def read_ahead(self, asks: Sequence[Ask], prepare: Callable[[], object] | None = None) -> None:
        """Have a worker process read what *asks* foresee while the verdicts go on.

        The verdicts still ask everything here, in their order; a step the worker made
        is taken from it instead of being done again (see `Reading`), so the results,
        the kept readings and the problems are those of reading alone. A worker starts
        with the first plan large enough to share (`start_pool`) and takes the later
        ones too, until `close`.

        Args:
            asks: what the verdicts are expected to ask, in their order.
            prepare: called before the worker gets a task, once it is starting: the
                fetch of the bodies, while it builds its language pipelines.
        """
        from ghostscan.classify.text_pool import start_pool

        if self._pool is None:
            self._pool = start_pool(asks, self._loaders, self.contact_reads, nlp=self._nlp, region=self._region)
        if prepare is not None:
            prepare()
        if self._pool is not None and self._pool.running:
            self._pool.plan(asks)

    def done_with(self, messages: Iterable[ThreadedMessage]) -> None:
        """Let go of what was read of *messages*: their conversation is decided.

        The verdicts ask of a message in its own conversation, so its reading, what it
        is known not to say and what the worker read of it are not asked for again;
        were they, they would be taken from the store, or read again, the same. Kept
        for every conversation until the scan ended, they were some 25 MB at 100,000
        messages, at the first audit's peak. That a text could not be read stays, so
        that it is reported once.
        """
        for m in messages:
            ref = m.meta.ref
            if self._texts.get(ref) is not None:
                del self._texts[ref]
            self._lacking.pop(ref, None)
            if self._pool is not None:
                self._pool.forget(m)

    def close(self) -> None:
        """Stop the read-ahead worker if one runs; what it read and no verdict asked for is dropped."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close()

    @property
    def read_by_worker(self) -> int:
        """How many readings of messages and customers the read-ahead worker made that were used."""
        return self._read_by_worker

    def text(self, message: ThreadedMessage) -> MessageText | None:
        """See `TextReader.text`."""
        ref = message.meta.ref
        if not self.known(message):
            body = self._read_body(message)
            self._texts[ref] = self._analyse(message, body) if body is not None else None
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
            body = self._read_body(message)
            if body is None:
                self._texts[ref] = None
                return Said(readable=False)
            possible = body.ahead.may_say.get(intent) if body.ahead is not None else None
            if possible is None:
                direction = direction_of(message)
                try:
                    possible = may_say_in_body(*body.parsed(), intent, direction=direction, nlp=self._nlp)
                except Exception as exc:  # noqa: BLE001 - per-message boundary: one unreadable text never stops a scan
                    possible = Failed(analysis_problem(exc))
            if isinstance(possible, Failed):
                body.forget()
                self._on_problem(message, possible.reason)
                self._texts[ref] = None
                return Said(readable=False)
            if not possible:
                self._lacking[ref] = self._lacking.get(ref, ()) + (intent,)
                if self._cache is not None:
                    self._cache.put(ref, f"lacks:{intent}", "true")
                return Said(readable=True)
            self._texts[ref] = self._analyse(message, body)
        text = self._texts[ref]
        if text is None:
            return Said(readable=False)
        return Said(readable=True, phrase=text.phrase(intent) if text.has(intent) else None)

    def _read_body(self, message: ThreadedMessage) -> _Body | None:
        """Body text and attachment names of *message*, or None when it cannot be read.

        What the read-ahead worker read of it, when it did: counted as a body read, its
        problem reported here, as if the body had been loaded and parsed now.
        """
        ahead = self._pool.reading(message) if self._pool is not None else None
        if ahead is not None:
            self._read_by_worker += 1
            self.bodies_read += 1
            if ahead.problem is not None:
                self._pool.forget(message)  # type: ignore[union-attr]
                self._on_problem(message, ahead.problem)
                return None
            if message.meta.ref in self._contact_sources:
                self._bodies.setdefault(message.meta.ref, _AHEAD)
            return _Body(self, message, ahead=ahead)
        raw = self._raw(message)
        if raw is None:
            return None
        try:
            return _Body(self, message, self._parse(message, raw))
        except Exception as exc:  # noqa: BLE001 - per-message boundary: one unreadable text never stops a scan
            self._on_problem(message, analysis_problem(exc))
            return None

    def _analyse(self, message: ThreadedMessage, body: _Body) -> MessageText | None:
        """The language layer's reading of *body*, kept in the store; None when it fails."""
        result = body.ahead.analysis if body.ahead is not None else None
        body.forget()
        if result is None:
            direction = direction_of(message)
            try:
                result = analyze_body(*body.parsed(), direction=direction, sent=message.meta.date, nlp=self._nlp)
            except Exception as exc:  # noqa: BLE001 - per-message boundary: one unreadable text never stops a scan
                result = Failed(analysis_problem(exc))
        if isinstance(result, Failed):
            self._on_problem(message, result.reason)
            return None
        if self._cache is not None:
            self._cache.put(message.meta.ref, "text", text_to_json(result))
        return result

    def _parse(self, message: ThreadedMessage, raw: bytes) -> tuple[str, tuple[str, ...]]:
        """Body text and attachment names of *raw*, parsed once.

        The text of a customer's own message is kept for `contact`, which may search it
        later; nothing else is kept.
        """
        body, attachments = parse_body(raw)
        if message.meta.ref in self._contact_sources:
            self._bodies[message.meta.ref] = body
        return body, attachments

    def _reload(self, message: ThreadedMessage) -> bytes:
        """The raw body of a message the worker read, for a step it did not make (counted already).

        Raises:
            OSError: it cannot be loaded now.
        """
        loader = self._loaders.get(message.meta.ref)
        if loader is None:
            raise OSError(f"no body for {message.meta.ref}")
        return loader()

    def _body(self, message: ThreadedMessage) -> str | None:
        ref = message.meta.ref
        if ref not in self._bodies:
            raw = self._raw(message)
            self._bodies[ref] = message_body(raw) if raw is not None else None
        elif self._bodies[ref] is _AHEAD:
            self._bodies[ref] = message_body(self._reload(message))
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
                self._forget_bodies(own)
                return self._contacts[customer.email]
            found = self._pool.contact(customer) if self._pool is not None else None
            if found is not None:
                self._read_by_worker += 1
                for m in own[:CONTACT_MESSAGES]:
                    # The bodies `_body` would have loaded (and kept) to read it here.
                    if m.meta.ref not in self._bodies:
                        loaded = self._loaders.get(m.meta.ref) is not None
                        self.bodies_read += loaded
                        self._bodies[m.meta.ref] = _AHEAD if loaded else None
            else:
                bodies = [b for b in (self._body(m) for m in own[:CONTACT_MESSAGES]) if b]
                try:
                    found = read_contact(bodies, customer, region=self._region)
                except Exception as exc:  # noqa: BLE001 - per-customer boundary: the verdict stands without channels
                    found = Failed(str(exc))
            if isinstance(found, Failed):
                log.info("cannot read the contact details of %s: %s", customer.email, found.reason)
                found = CustomerContact(name=customer.name or None)
            elif self._cache is not None and key:
                value = [found.name, found.company, list(found.phones), found.linkedin_url]
                self._cache.put(key, f"contact:{customer.email}", json.dumps(value, ensure_ascii=False))
            self._contacts[customer.email] = found
            self._forget_bodies(own)
        return self._contacts[customer.email]

    def _forget_bodies(self, own: Sequence[ThreadedMessage]) -> None:
        """Let go of the texts kept for a customer's contact details, which are read now.

        `contact` never reads them again (the details are kept), so they are no longer
        kept either when one of them is read later. Kept for every customer until the
        scan ended, they were some 18 million characters at 100,000 messages.
        """
        for m in own[:CONTACT_MESSAGES]:
            self._contact_sources.discard(m.meta.ref)
            self._bodies.pop(m.meta.ref, None)


_AHEAD: Any = object()
"""In `MailTexts._bodies`: the body was read by the worker, and is loaded again if needed."""


class _Body:
    """One message's body text and attachment names, or the `Reading` the worker made of them.

    A step the reading lacks (a question the dry run did not foresee) parses the body
    again; it was counted as read once, as `MailTexts` counts it when it reads alone.
    """

    __slots__ = ("_texts", "_message", "_parsed", "ahead")

    def __init__(self, texts: MailTexts, message: ThreadedMessage, parsed: tuple[str, tuple[str, ...]] | None = None, *, ahead: Reading | None = None):
        self._texts = texts
        self._message = message
        self._parsed = parsed
        self.ahead = ahead

    def forget(self) -> None:
        """Drop the worker's reading, which is no longer asked for (the text is read now)."""
        if self.ahead is not None and self._texts._pool is not None:
            self._texts._pool.forget(self._message)

    def parsed(self) -> tuple[str, tuple[str, ...]]:
        """Body text and attachment names.

        Raises:
            OSError, Exception: the body cannot be loaded or parsed again.
        """
        if self._parsed is None:
            self._parsed = parse_body(self._texts._reload(self._message))
        return self._parsed
