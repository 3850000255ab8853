"""scan(): runs the stages over one mailbox; the one entry point the CLI (and later the
daemon) calls.

sources → parse → classify → threads → verdicts. A message that cannot be read or parsed
is set aside as a `Problem` with its folder, key and Message-ID, and the scan goes on.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import gc
import logging
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol, Sequence

from ghostscan import collector
from ghostscan.classify.base import BodyNeeded, Classification, CustomerContact, Evidence, MessageKind, MessageText
from ghostscan.classify.registry import classify_bytes, classify_message, defer_body
from ghostscan.classify.results import classification_from_json, classification_to_json, code_version, rules_version
from ghostscan.classify.text_reader import MailTexts
from ghostscan.parse.addresses import Address, Identity, Role
from ghostscan.parse.headers import MessageMeta, parse_headers, sharing_strings, stop_sharing
from ghostscan.settings import Settings
from ghostscan.sources.base import Folder, FolderRole, MessageRef, Source
from ghostscan.threads import thread_messages
from ghostscan.threads.model import Conversation, Direction, ThreadedMessage
from ghostscan.verdicts.business_days import BusinessCalendar
from ghostscan.verdicts.decide import DecideOptions, decide_verdict, subject_names_offer
from ghostscan.verdicts.model import Decision, Verdict

if TYPE_CHECKING:
    import sqlite3

    from ghostscan.actions.rescue import CheckMode, Rescuer, SpamCheck
    from ghostscan.environment import Environment
    from ghostscan.sources.imap import ImapSource
    from ghostscan.store.snapshots import KeptReports

log = logging.getLogger(__name__)

_DIRECTION = {Role.ME: Direction.OUTBOUND, Role.COLLEAGUE: Direction.COLLEAGUE, Role.EXTERNAL: Direction.INBOUND}
_OURS = Classification(MessageKind.HUMAN, (Evidence("identity", "written by us"),))


@dataclass(frozen=True)
class Problem:
    """A message that could not be read or understood; it was skipped, not lost.

    Attributes:
        ref: where it lives (``"INBOX/1700000000.M1P1"``).
        message_id: its Message-ID when the headers got that far, else None.
        reason: what went wrong.
    """

    ref: str
    message_id: str | None
    reason: str


@dataclass(frozen=True)
class ScanStats:
    """Counts and timings of one scan."""

    folders: int = 0
    messages: int = 0
    bodies_read: int = 0
    conversations: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class ScanResult:
    """What a scan found.

    Attributes:
        decisions: one per reported conversation, oldest first.
        problems: messages that were skipped.
        identity: the user's addresses and domains as used (configured or learned).
        folders: the folders read, with their roles.
        as_of: the moment silence was measured at.
        source: the mailbox location.
        stats: counts and timings.
        junk: every message read in a Junk folder, in a conversation or not (`spam-check`
            looks for customer mail among them).
        recipients: everyone our side's messages were addressed to (To and Cc), outside
            Junk: whom we wrote to.
    """

    decisions: tuple[Decision, ...]
    problems: tuple[Problem, ...]
    identity: Identity
    folders: tuple[Folder, ...]
    as_of: datetime
    source: str
    stats: ScanStats = field(default_factory=ScanStats)
    junk: tuple[ThreadedMessage, ...] = ()
    recipients: frozenset[Address] = frozenset()
    report_rows: Sequence[Any] | None = None
    """The decisions' report rows (`ghostscan.reports.model.ReportRow`) when the scan
    made them already (to keep them, see `Snapshots`), else None: `build_report` makes
    them. A re-run of an unchanged mailbox loads these and `decisions` (both then a
    `LazyTuple`) only when they are asked for."""
    reports: "KeptReports | None" = None
    """Where the reports written from this very result are kept (`KeptReports`): set when
    the result is the account's kept snapshot as of its day, else None. A re-run of an
    unchanged mailbox on the same day writes a report kept there instead of rendering."""


class Progress(Protocol):
    """Receives progress of a scan (the CLI draws it on a terminal)."""

    def folder(self, folder: Folder, index: int, total: int) -> None:
        """A folder starts being read."""

    def advance(self, messages: int) -> None:
        """*messages* more messages of the current folder were read."""

    def done(self) -> None:
        """The scan finished reading."""


class NoProgress:
    """A `Progress` that shows nothing (under cron, with --quiet, in tests)."""

    def folder(self, folder: Folder, index: int, total: int) -> None:
        pass

    def advance(self, messages: int) -> None:
        pass

    def done(self) -> None:
        pass


def learn_identity(settings: Settings, metas: Iterable[MessageMeta]) -> Identity:
    """The configured identity, or one learned from the From of messages in Sent folders."""
    addresses = list(settings.identity.addresses)
    if not addresses:
        counts = Counter(m.sender.email for m in metas if m.folder_role is FolderRole.SENT and m.sender)
        addresses = [email for email, _ in counts.most_common()]
        if addresses:
            log.info("own addresses learned from Sent folders: %s", ", ".join(addresses))
    return Identity.build(addresses, settings.identity.domains)


_NEEDS_BODY = object()
"""`_Held.kind` of a message whose kind the source found needs the body (`RawMessage.needs_body`)."""


class _Held:
    """A read message as the later stages need it: where it lives, how to load its body,
    and its kind when the source decided it already (`RawMessage.kind`, or `_NEEDS_BODY`).

    The header block is dropped once parsed: kept for 100,000 messages until the scan
    ends, header bytes alone would take a few hundred MB.
    """

    __slots__ = ("ref", "load", "kind")

    def __init__(self, ref: MessageRef, load: Callable[[], bytes], kind: Classification | object | None = None):
        self.ref = ref
        self.load = load
        self.kind = kind


def _read(folders: list[Folder], source: Source, progress: Progress, problems: list[Problem]) -> list[tuple[_Held, MessageMeta]]:
    items: list[tuple[_Held, MessageMeta]] = []
    for index, folder in enumerate(folders):
        progress.folder(folder, index, len(folders))
        batch = 0
        for raw in source.messages(folder):
            batch += 1
            if batch == 200:
                progress.advance(batch)
                batch = 0
            if "\\Deleted" in raw.flags:
                # Marked for deletion (IMAP \Deleted, Maildir "T", Thunderbird's expunge
                # flag): the user threw it away, so it takes no part in any verdict.
                continue
            if raw.error:
                problems.append(Problem(str(raw.ref), None, raw.error))
                log.info("skipped %s: %s", raw.ref, raw.error)
                continue
            if raw.meta is not None:
                # Parsed once, when the source stored it. Held without the rest of the
                # source's record (flags, dates, a second ref): some 30 MB at 100,000.
                items.append((_Held(raw.meta.ref, raw.loader, raw.kind or (_NEEDS_BODY if raw.needs_body else None)), raw.meta))
                continue
            try:
                meta = parse_headers(raw.headers, raw.ref, raw.folder_role, size=raw.size, internal_date=raw.internal_date)
            except Exception as exc:  # noqa: BLE001 - per-message boundary: one bad message never stops a scan
                problems.append(Problem(str(raw.ref), None, f"unreadable headers: {exc}"))
                log.info("skipped %s: unreadable headers: %s", raw.ref, exc)
                continue
            items.append((_Held(meta.ref, raw.loader), meta))
        progress.advance(batch)
    progress.done()
    return items


class ResultCache(Protocol):
    """Results kept between runs (the IMAP source's store): JSON by message and name."""

    def get(self, ref: MessageRef, name: str) -> str | None: ...

    def put(self, ref: MessageRef, name: str, value: str) -> None: ...

    def flush(self) -> None: ...


def _classify(
    items: list[tuple[_Held, MessageMeta]],
    identity: Identity,
    problems: list[Problem],
    prefetch: Callable[[list[MessageRef]], object] | None = None,
    cache: ResultCache | None = None,
) -> tuple[list[ThreadedMessage], int]:
    """Classify inbound messages; ours are human by definition.

    With *prefetch* (a source that can fetch bodies in batches), a first pass decides every
    message it can from headers and sets aside the ones whose rules asked for the body;
    their bodies are fetched in one go, then they are classified with them. What the
    source decided from the headers already (the IMAP source does, where it parses them,
    and keeps it) is that first pass's result for the message: its kind, or that it
    needs its body (unless a kind decided with the body is kept).
    """
    threaded: list[ThreadedMessage] = []
    bodies = 0
    deferred: list[tuple[_Held, MessageMeta]] = []

    def classify_one(raw: _Held, meta: MessageMeta, loader: Callable[[], bytes]) -> None:
        nonlocal bodies
        try:
            decision = classify_message(meta, loader)
        except BodyNeeded:
            deferred.append((raw, meta))
            return
        except Exception as exc:  # noqa: BLE001 - per-message boundary: one bad message never stops a scan
            problems.append(Problem(str(raw.ref), meta.message_id, f"cannot classify: {exc}"))
            log.info("skipped %s (%s): cannot classify: %s", raw.ref, meta.message_id, exc)
            return
        bodies += decision.body_read
        threaded.append(ThreadedMessage(meta, decision, Direction.INBOUND))
        if cache:
            cache.put(raw.ref, "kind", classification_to_json(decision))

    for raw, meta in items:
        direction = _DIRECTION[identity.role_of(meta.sender)]
        if direction is not Direction.INBOUND:
            threaded.append(ThreadedMessage(meta, _OURS, direction))
            continue
        known = raw.kind
        if known is not None and known is not _NEEDS_BODY:
            threaded.append(ThreadedMessage(meta, known, direction))  # type: ignore[arg-type]
            continue
        kept = cache.get(raw.ref, "kind") if cache else None
        if kept is not None:
            threaded.append(ThreadedMessage(meta, classification_from_json(kept), direction))
            continue
        if known is _NEEDS_BODY and prefetch:
            deferred.append((raw, meta))
            continue
        classify_one(raw, meta, defer_body if prefetch else raw.load)
    if deferred and prefetch:
        waiting, deferred[:] = list(deferred), []
        prefetch([raw.ref for raw, _ in waiting])
        for raw, meta in waiting:
            classify_one(raw, meta, raw.load)
    return threaded, bodies


def _names_deal(text: MessageText | None) -> bool:
    return text is not None and (text.has("offer") or text.has("order_confirmed"))


def _prefetch_reads(
    conversations: Iterable[Conversation],
    texts: MailTexts,
    options: DecideOptions,
    prefetch: Callable[[list[MessageRef]], object],
    settled: dict[int, Decision | None] | None = None,
) -> None:
    """Fetch, in batches, the bodies the verdicts will read whose readings are not kept.

    A dry run of the verdicts finds them (`ReadPlanner`: it loads nothing). When only
    offers are tracked, our first messages are fetched and read first where no subject
    says "offer", so the dry run knows which conversations are tracked. Where an
    automatic reply's return date is unknown, the conversation may turn out silent,
    which reads every human message (a firm order?) and the customer's contact details.
    A body the dry run could not foresee is fetched alone when it is read. What the dry
    run foresaw is then read ahead on a second core (`MailTexts.read_ahead`).

    A conversation the dry run decided from what is known alone (nothing guessed, see
    `ReadPlanner.guessed`) got the verdict the real run would give it: it goes into
    *settled*, by ``id()`` of the conversation, and is not decided again (`_decide`).
    In a re-run after new mail that is nearly every conversation.
    """
    from ghostscan.classify.text_reader import Ask, ReadPlanner
    from ghostscan.verdicts import decide

    conversations = list(conversations)
    fetched: set[object] = set()
    if not options.track_all:
        # Our first three messages, one at a time: most first messages are the offer.
        waiting = []
        for conv in conversations:
            ours = [m for m in conv.messages if m.direction is not Direction.INBOUND]
            if ours and not any(subject_names_offer(m.meta.subject) for m in ours) and decide.customer_of(conv, options.identity):
                waiting.append(ours[:3])
        for k in range(3):
            firsts = [ours[k] for ours in waiting if len(ours) > k and not texts.known(ours[k])]
            if firsts:
                refs = [m.meta.ref for m in firsts]
                fetched.update(refs)
                texts.read_ahead([Ask(m) for m in firsts], prepare=functools.partial(prefetch, refs))
            waiting = [ours for ours in waiting if len(ours) > k + 1 and not _names_deal(texts.text(ours[k]))]
    planner = ReadPlanner(texts, read=lambda m: m.meta.ref in fetched)
    dry = dataclasses.replace(options, texts=planner)
    for conv in conversations:
        planner.unknown_auto_reply = planner.guessed = False
        decision = decide.decide_verdict(conv, dry)
        if settled is not None and not planner.guessed:
            settled[id(conv)] = decision
        if decision is not None and planner.unknown_auto_reply:
            for m in conv.messages:
                if m.kind is MessageKind.HUMAN:
                    planner.says(m, "order_confirmed")
            if decision.customer is not None:
                planner.plan_contact(decision.customer)
    texts.read_ahead(planner.asks, prepare=functools.partial(prefetch, planner.refs) if planner.refs else None)


_UNDECIDED = object()


def _decide(conversation: Conversation, options: DecideOptions, settled: dict[int, Decision | None], texts: MailTexts) -> Decision | None:
    """`decide_verdict`, unless the dry run of `_prefetch_reads` settled *conversation* already.

    What *texts* read of the conversation's messages is let go once it is decided
    (`MailTexts.done_with`).
    """
    done = settled.pop(id(conversation), _UNDECIDED)
    decision = decide_verdict(conversation, options) if done is _UNDECIDED else done
    texts.done_with(conversation.messages)
    return decision  # type: ignore[return-value]


class Snapshots(Protocol):
    """Keeps the last scan result of a mailbox (the IMAP store, see `StoredSnapshots`)."""

    def key(self, folders: Iterable[Folder], extra: str, progress: Progress | None = None) -> str: ...

    def load(self, key: str) -> bytes | None: ...

    def save(self, key: str, data: Sequence[bytes]) -> None: ...

    def reports(self, key: str, day: date) -> "KeptReports": ...


@dataclass(frozen=True)
class _Snapshot:
    """What a re-run of an unchanged mailbox reuses instead of reading it again.

    Attributes:
        day: the local day silence was measured at; the decisions hold for that day.
        decisions, problems, identity, folders: as in `ScanResult`.
        messages: messages read.
        contact_messages: the customers' own newest messages, where `MailTexts.contact`
            looks for phone numbers when a conversation turns silent on a later day.
    """

    day: date
    decisions: tuple[Decision, ...]
    problems: tuple[Problem, ...]
    identity: Identity
    folders: tuple[Folder, ...]
    messages: int
    contact_messages: tuple[ThreadedMessage, ...]
    redone: bool = field(default=False, compare=False)
    """Decided again in this run (for another day), so worth keeping."""
    conversations: int = field(default=0, compare=False)
    """How many decisions there are, kept in the head by `_dump`: a re-run counts them
    without loading them."""


# Verdicts that do not depend on the day: nothing is pending, no silence is counted.
_SETTLED = frozenset({Verdict.ANSWERED, Verdict.DECLINED})


def _report_rows(decisions: Sequence[Decision]) -> tuple[Any, ...]:
    """The report rows of *decisions*, the same `build_report` makes (`ReportRow`).

    A row's messages (``--explain`` only) are made when first asked for: made for
    every row, they were two thirds of the rows' cost and some 30 MB at 100,000 messages.
    """
    from ghostscan.reports.model import message_rows, row_from_decision
    from ghostscan.store.snapshots import LazyTuple

    return tuple(row_from_decision(d, LazyTuple(functools.partial(message_rows, d))) for d in decisions)


_SECTIONS = 3
"""Sections after the head in what `_dump` writes; a snapshot with another count is not read."""


def _dump(snapshot: _Snapshot, rows: Sequence[Any]) -> list[bytes]:
    """*snapshot* and its report *rows* in sections a re-run can read one by one.

    The sections: the rows without their messages (what a report of the same day
    shows), the decisions (a row's messages for ``--explain`` are made from its
    decision again, and a later day's re-run decides again from them) and the contact
    messages. Returned as the parts `ghostscan.store.snapshots.pack_sections` makes.
    """
    from ghostscan.store.snapshots import pack_sections

    def bare(row: Any) -> Any:
        row = copy.copy(row)
        object.__setattr__(row, "messages", ())
        return row

    # Not `redone`: read back, the head would say so again, and a same-day re-run would
    # keep it once more, without the contact messages the head leaves out.
    head = dataclasses.replace(snapshot, decisions=(), contact_messages=(), redone=False, conversations=len(snapshot.decisions))
    # The bare rows are made as they are packed, a chunk at a time, not all first.
    sections = [map(bare, rows), snapshot.decisions, snapshot.contact_messages]
    assert len(sections) == _SECTIONS
    return pack_sections(head, sections)


class _Kept:
    """A snapshot `_dump` wrote, read back: the head at once, the rest on demand.

    Raises:
        Exception: the data is not such a snapshot (another ghostscan wrote it, or
            one that kept its sections otherwise).
    """

    def __init__(self, data: bytes):
        from ghostscan.store.snapshots import PackedSections

        self._packed = PackedSections(data)
        if self._packed.sections != _SECTIONS:
            raise ValueError(f"a snapshot of {self._packed.sections} sections, not {_SECTIONS}")
        self.head = self._packed.head()
        if not isinstance(self.head, _Snapshot):
            raise TypeError("not a snapshot")

    def rows(self) -> tuple[Any, ...]:
        """The report rows; each row's messages are made from its decision when first asked for."""
        from ghostscan.store.snapshots import LazyTuple

        rows = self._packed.section(0)
        for index, row in enumerate(rows):
            object.__setattr__(row, "messages", LazyTuple(functools.partial(self._message_rows, index)))
        return rows

    def _message_rows(self, index: int) -> tuple[Any, ...]:
        from ghostscan.reports.model import message_rows

        return message_rows(self.decisions()[index])

    @functools.cached_property
    def _decisions(self) -> tuple[Decision, ...]:
        return self._packed.section(1)

    def decisions(self) -> tuple[Decision, ...]:
        """The decisions, read once (the rows' messages are made from them)."""
        return self._decisions

    def snapshot(self) -> _Snapshot:
        """The whole snapshot, decisions and contact messages included."""
        return dataclasses.replace(self.head, decisions=self.decisions(), contact_messages=self._packed.section(2))


def _load(data: bytes) -> _Snapshot:
    """The whole snapshot `_dump` wrote (see `_Kept`)."""
    return _Kept(data).snapshot()


def _snapshot_basis(settings: Settings) -> str:
    """Everything besides the mailbox and the day that a scan result depends on."""
    return f"{code_version()}|{rules_version(settings.nlp)}|{settings!r}"


def _decide_options(settings: Settings, identity: Identity, now: datetime, texts: MailTexts) -> DecideOptions:
    return DecideOptions(
        now=now,
        silent_after=settings.silence.business_days,
        calendar=_calendar(settings),
        identity=identity,
        language=settings.language,
        track_all=settings.track == "all",
        max_follow_ups=settings.advice.max_follow_ups,
        cold_after=settings.advice.cold_after,
        texts=texts,
    )


def _calendar(settings: Settings) -> BusinessCalendar:
    return BusinessCalendar(settings.silence.country, settings.silence.subdivision, settings.silence.timezone)


class _SourceLoaders:
    """Message ref → body loader, asked of the source only for the few bodies needed."""

    def __init__(self, source: Source):
        self._loader = getattr(source, "loader", None)

    def get(self, ref: MessageRef) -> Callable[[], bytes] | None:
        return self._loader(ref) if self._loader else None


def _replay(data: bytes, source: Source, settings: Settings, now: datetime, cache: ResultCache | None, problems: list[Problem]) -> tuple[_Snapshot, Sequence[Any]] | None:
    """The kept snapshot and its report rows, re-made for *now*'s day where they depend on it.

    On the day it was made, only the head is read: the report rows and the decisions
    come back (`LazyTuple`) only if someone asks for them (a report kept as written
    needs neither, see `KeptReports`).
    """
    from ghostscan.store.snapshots import LazyTuple

    try:
        kept = _Kept(data)
        day = _calendar(settings).local_date(now)
        if day == kept.head.day:
            count = kept.head.conversations or None  # 0: none, or a head written without the count
            return dataclasses.replace(kept.head, decisions=LazyTuple(kept.decisions, count)), LazyTuple(kept.rows, count)
        snapshot = kept.snapshot()
    except Exception:  # noqa: BLE001 - a snapshot of another ghostscan version: scan afresh
        return None

    def text_problem(message: ThreadedMessage, reason: str) -> None:
        problems.append(Problem(str(message.meta.ref), message.meta.message_id, reason))

    # Another day: silence, follow-up advice and return dates move on; texts and contacts
    # come from the store, and a body is fetched only for a text never read before. Such
    # bodies (a conversation gone silent is read for a firm order) are fetched in batches
    # first, as in a first scan: one at a time they cost a round trip each, some 600 at
    # 100,000 messages two weeks on.
    prefetch = getattr(source, "prefetch_bodies", None)
    pending = [d.conversation for d in snapshot.decisions if d.verdict not in _SETTLED]
    settled: dict[int, Decision | None] = {}
    texts = MailTexts(
        snapshot.contact_messages,
        _SourceLoaders(source),  # type: ignore[arg-type]
        nlp=settings.nlp,
        region=settings.advice.region,
        on_problem=text_problem,
        cache=cache,
        prefetch=(lambda: _prefetch_reads(pending, texts, options, prefetch, settled)) if prefetch else None,
    )
    options = _decide_options(settings, snapshot.identity, now, texts)
    redone = (d if d.verdict in _SETTLED else _decide(d.conversation, options, settled, texts) for d in snapshot.decisions)
    try:
        decisions = tuple(d for d in redone if d is not None)
    finally:
        texts.close()
    settled.clear()  # those decided before the dry run ran
    if cache:
        cache.flush()
    snapshot = _Snapshot(day, decisions, snapshot.problems, snapshot.identity, snapshot.folders, snapshot.messages, snapshot.contact_messages, redone=True)
    return snapshot, _report_rows(decisions)


def scan(source: Source, settings: Settings, *, now: datetime, progress: Progress | None = None, snapshots: Snapshots | None = None) -> ScanResult:
    """Read *source* and decide a verdict for every outbound conversation.

    Args:
        source: the mailbox.
        settings: validated settings (identity, silence threshold, folders, threading).
        now: the moment silence is measured at (the CLI passes the clock or ``--as-of``).
        progress: receives per-folder progress; nothing is shown when None.
        snapshots: where the last result is kept; when the mailbox, the settings and the
            code are as they were, it is reused and only what depends on the day is
            decided again.

    Returns:
        The decisions, the skipped messages and counts.

    Raises:
        SourceError: the mailbox as a whole cannot be read.
    """
    try:
        with sharing_strings():
            return _scan(source, settings, now=now, progress=progress, snapshots=snapshots)
    finally:
        gc.unfreeze()


def _scan(source: Source, settings: Settings, *, now: datetime, progress: Progress | None, snapshots: Snapshots | None) -> ScanResult:
    started = time.perf_counter()
    progress = progress or NoProgress()
    problems: list[Problem] = []
    folders = [f for f in source.folders() if f.role not in settings.folders.skip]
    results = getattr(source, "results", None)
    cache: ResultCache | None = results(rules_version(settings.nlp)) if results else None
    snapshot_key = snapshots.key(folders, _snapshot_basis(settings), progress) if snapshots is not None else None
    kept = snapshots.load(snapshot_key) if snapshots is not None and snapshot_key is not None else None
    if kept is not None:
        replay_problems: list[Problem] = []
        replayed = _replay(kept, source, settings, now, cache, replay_problems)
        if replayed is not None:
            snapshot, rows = replayed
            progress.done()
            reports = None
            if snapshots is not None and snapshot_key is not None and not replay_problems:
                if snapshot.redone:
                    snapshots.save(snapshot_key, _dump(snapshot, rows))
                reports = snapshots.reports(snapshot_key, snapshot.day)
            stats = ScanStats(len(snapshot.folders), snapshot.messages, 0, len(rows), time.perf_counter() - started)
            return ScanResult(snapshot.decisions, snapshot.problems + tuple(replay_problems), snapshot.identity, snapshot.folders, now, source.location, stats, report_rows=rows, reports=reports)
    items = _read(folders, source, progress, problems)
    stop_sharing()  # every header is parsed: the tables go, the shared strings stay
    # The parsed mailbox lives until the scan ends. Left to the cyclic collector, every
    # full collection walks all of it again (about 0.3 s per million objects, several
    # times a scan at 100,000 messages); frozen, it is left alone (`scan` unfreezes it).
    gc.freeze()
    identity = learn_identity(settings, (meta for _, meta in items))
    if not identity.addresses:
        log.warning("no own address known: set identity.addresses in the config, or scan a mailbox with a Sent folder")
    prefetch = getattr(source, "prefetch_bodies", None)
    threaded, bodies = _classify(items, identity, problems, prefetch, cache)
    # Threading pauses the cyclic collector itself; kept paused until the collection
    # below, so the objects it made are walked once, not also by a young-generation
    # pass the moment it would switch the collector back on.
    with collector.paused():
        conversations = thread_messages(threaded, window_days=settings.threading.window_days)
        # The threaded messages too, for the verdicts' many small objects; first the garbage
        # classification left (the stdlib mail parser leaves reference cycles), which
        # frozen would stay until the scan ends.
        gc.collect()
        gc.freeze()

    text_problems = 0

    def text_problem(message: ThreadedMessage, reason: str) -> None:
        nonlocal text_problems
        text_problems += 1
        problems.append(Problem(str(message.meta.ref), message.meta.message_id, reason))
        log.info("%s (%s): %s", message.meta.ref, message.meta.message_id, reason)

    # From here on the messages are `threaded`; of what was read only the body loaders
    # are needed (the pairs and their holders were some 12 MB at 100,000 messages), and
    # of a source that makes a loader for any ref (IMAP) not even those: a dict of
    # 100,000 loaders was 13 MB more, for the few thousand bodies read.
    messages_read = len(items)
    loaders: Any = _SourceLoaders(source) if getattr(source, "loader", None) else {raw.ref: raw.load for raw, _ in items}
    del items
    texts = MailTexts(
        threaded,
        loaders,
        nlp=settings.nlp,
        region=settings.advice.region,
        on_problem=text_problem,
        cache=cache,
        # Asked for only when a first body is really needed: an unchanged re-run, whose
        # readings are all kept, fetches nothing.
        prefetch=(lambda: _prefetch_reads(conversations, texts, options, prefetch, settled)) if prefetch else None,
    )
    options = _decide_options(settings, identity, now, texts)
    settled: dict[int, Decision | None] = {}
    try:
        decisions = tuple(d for d in (_decide(c, options, settled, texts) for c in conversations) if d is not None)
    finally:
        texts.close()
    settled.clear()  # those decided before the dry run ran
    if cache:
        cache.flush()
    junk_folders = {f.name for f in folders if f.role is FolderRole.JUNK}
    # Kept apart rather than every message: Junk is small, and whom we wrote to is a set of
    # addresses, so a scan of 100,000 messages holds no more than it did for the audit.
    junk = tuple(m for m in threaded if m.meta.ref.folder in junk_folders)
    recipients = frozenset(
        r for m in threaded if m.direction is not Direction.INBOUND and m.meta.ref.folder not in junk_folders for r in m.meta.recipients
    )
    # A text that could not be read (a dropped connection) is not kept as an answer.
    keep = snapshots is not None and snapshot_key is not None and not text_problems
    day = options.calendar.local_date(now)
    contact_messages = texts.contact_sources() if keep else ()
    bodies += texts.bodies_read
    # What no decision holds (newsletters, notifications, spam: a quarter of the
    # messages) and the readings (kept in the store by now) go before the report rows
    # and the snapshot are made, the run's peak. (`conversations`,
    # `texts` and `options` are also the prefetch's, called by now.)
    del threaded, conversations, texts, options
    rows = reports = None
    if keep and snapshots is not None and snapshot_key is not None:
        snapshot = _Snapshot(day, decisions, tuple(problems), identity, tuple(folders), messages_read, contact_messages)
        rows = _report_rows(decisions)
        snapshots.save(snapshot_key, _dump(snapshot, rows))
        reports = snapshots.reports(snapshot_key, snapshot.day)
    stats = ScanStats(
        folders=len(folders),
        messages=messages_read,
        bodies_read=bodies,
        conversations=len(decisions),
        seconds=time.perf_counter() - started,
    )
    return ScanResult(decisions, tuple(problems), identity, tuple(folders), now, source.location, stats, junk=junk, recipients=recipients, report_rows=rows, reports=reports)


@dataclass(frozen=True)
class FileClassification:
    """`ghostscan classify` result for one file: kind, text reading and contact, or a problem."""

    path: str
    meta: MessageMeta | None
    classification: Classification | None
    problem: str | None = None
    text: MessageText | None = None
    contact: CustomerContact | None = None


def classify_files(paths: Iterable[str | Path], *, settings: Settings | None = None) -> Iterator[FileClassification]:
    """Classify each file as one inbound message and read its text; unreadable files yield a problem."""
    from ghostscan.classify.text_reader import message_body, read_contact, read_text

    settings = settings or Settings()
    for path in paths:
        shown = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            yield FileClassification(shown, None, None, exc.strerror or str(exc))
            continue
        try:
            meta, decision = classify_bytes(raw, MessageRef("file", shown))
            text = read_text(raw, direction="inbound", sent=meta.date, nlp=settings.nlp)
            sender = meta.sender
            contact = read_contact([message_body(raw)], sender, region=settings.advice.region) if sender else None
        except Exception as exc:  # noqa: BLE001 - per-message boundary: one bad file never stops the run
            yield FileClassification(shown, None, None, f"cannot classify: {type(exc).__name__}: {exc}")
            continue
        yield FileClassification(shown, meta, decision, text=text, contact=contact)


def scan_path(path: str | Path, settings: Settings, *, now: datetime, progress: Progress | None = None) -> ScanResult:
    """Open the local mailbox at *path* (``~`` expanded) and `scan` it.

    Raises:
        SourceError: the path is missing or not a mailbox.
    """
    from ghostscan.sources.open import open_source

    source = open_source(Path(path).expanduser(), settings.folders.roles)
    try:
        return scan(source, settings, now=now, progress=progress)
    finally:
        source.close()


def scan_account(
    name: str,
    settings: Settings,
    *,
    env: "Environment",
    store_path: Path,
    now: datetime,
    progress: Progress | None = None,
) -> ScanResult:
    """Sync the IMAP account *name* into the store at *store_path* and `scan` it.

    Raises:
        ConfigError: no such account, or its password cannot be had.
        AuthError: the server refused the login.
        NetworkError: the server cannot be reached or keeps dropping the connection.
        StoreError: the store is locked, corrupt or from a newer ghostscan.
    """
    from ghostscan.store.snapshots import StoredSnapshots

    with _account_source(name, settings, env=env, store_path=store_path) as (source, store, account_settings):

        def sync(folder: Folder) -> None:
            # keep_parsed: when the kept decisions cannot be reused, the scan takes what
            # was fetched now from memory instead of reading it back from the store.
            source.sync(folder, keep_parsed=True)
            source.synced.add(folder.name)

        return scan(source, account_settings, now=now, progress=progress, snapshots=StoredSnapshots(store, name, sync))


@contextmanager
def _account_source(name: str, settings: Settings, *, env: "Environment", store_path: Path) -> Iterator[tuple["ImapSource", "sqlite3.Connection", Settings]]:
    """The IMAP source of account *name* over the store at *store_path*, closed after the block.

    Yields the source, the store and *settings* with the account's folder settings.
    """
    from ghostscan.sources.imap import ImapSource
    from ghostscan.store.db import open_store

    account = settings.account(name)
    with open_store(store_path) as store:
        source = ImapSource(account, store, env)
        try:
            yield source, store, dataclasses.replace(settings, folders=account.folders)
        finally:
            source.close()


def spam_check_path(path: str | Path, settings: Settings, *, now: datetime, mode: "CheckMode", progress: Progress | None = None) -> "SpamCheck":
    """Scan the local mailbox at *path* and find customer mail in its Junk folders.

    With ``mode=RESCUE`` a Maildir's candidates are renamed into INBOX; an mbox or a
    folder of .eml files is never changed (every candidate comes back `Outcome.LEFT`).

    Raises:
        SourceError: the path is missing or not a mailbox.
    """
    from ghostscan.actions.rescue import MaildirRescuer, ReportOnly, check_spam
    from ghostscan.sources.maildir import MaildirSource
    from ghostscan.sources.open import open_source

    source = open_source(Path(path).expanduser(), settings.folders.roles)
    try:
        result = scan(source, settings, now=now, progress=progress)
        if isinstance(source, MaildirSource):
            rescuer: "Rescuer" = MaildirRescuer(source)
        else:
            rescuer = ReportOnly("ghostscan does not rewrite mbox files or .eml folders: move it with your mail program")
        return check_spam(result, rescuer, mode)
    finally:
        source.close()


def spam_check_account(
    name: str,
    settings: Settings,
    *,
    env: "Environment",
    store_path: Path,
    now: datetime,
    mode: "CheckMode",
    progress: Progress | None = None,
) -> "SpamCheck":
    """Sync and scan the IMAP account *name*, then find customer mail in its Junk folders.

    Read-only unless ``mode=RESCUE``: then the candidates are moved to INBOX over the same
    connection (see `ghostscan.actions.rescue.ImapRescuer`). The store needs no special
    care afterwards: the changed folders' STATUS differs, so the next run syncs them.

    Raises:
        ConfigError, AuthError, NetworkError, StoreError: as for `scan_account`.
    """
    from ghostscan.actions.rescue import ImapRescuer, check_spam

    with _account_source(name, settings, env=env, store_path=store_path) as (source, _store, account_settings):
        result = scan(source, account_settings, now=now, progress=progress)
        return check_spam(result, ImapRescuer(source.session, result.folders), mode)


def rebuild_store(path: Path, accounts: Iterable[str], settings: Settings, *, env: "Environment") -> Iterator[tuple[str, int, int]]:
    """Delete the store at *path* and sync *accounts* into a fresh one.

    Yields:
        (account, folders synced, messages cached) per account, as each finishes.

    Raises:
        ConfigError, AuthError, NetworkError: as for `scan_account`.
    """
    from ghostscan.sources.imap import ImapSource
    from ghostscan.store import sync_state
    from ghostscan.store.db import delete_store, open_store

    delete_store(path)
    with open_store(path) as store:
        for name in accounts:
            account = settings.account(name)
            source = ImapSource(account, store, env)
            try:
                folders = [f for f in source.folders() if f.role not in account.folders.skip]
                for folder in folders:
                    source.sync(folder)
                total = sum(sync_state.count_messages(store, name, f.name) for f in folders)
            finally:
                source.close()
            yield name, len(folders), total


def describe_store(path: Path) -> list[tuple[str, str, str, int]]:
    """(account, folder, role, cached messages) for every folder in the store at *path*.

    Raises:
        StoreError: the store is locked, corrupt or from a newer ghostscan.
    """
    from ghostscan.store import sync_state
    from ghostscan.store.db import open_store

    rows = []
    with open_store(path) as store:
        for account in sync_state.list_accounts(store):
            for state in sync_state.list_folders(store, account):
                rows.append((account, state.folder, state.role or "", sync_state.count_messages(store, account, state.folder)))
    return rows


__all__ = ["FileClassification", "NoProgress", "Problem", "Progress", "ScanResult", "ScanStats", "classify_files", "describe_store", "rebuild_store", "scan", "scan_account", "scan_path", "spam_check_account", "spam_check_path"]
