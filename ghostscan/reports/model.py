"""Report and ReportRow: the only thing renderers receive.

Built from a `ScanResult`; plain strings, numbers and dates, no mail objects, so every
renderer can be tested on hand-made rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from typing import TYPE_CHECKING, Sequence

from ghostscan.verdicts.model import Decision, Verdict

if TYPE_CHECKING:
    from ghostscan.actions.rescue import SpamCheck
    from ghostscan.pipeline import ScanResult


@dataclass(frozen=True)
class EvidenceRow:
    """One reason: the rule that decided (``verdict.silent``) and what it saw."""

    rule: str
    detail: str


@dataclass(frozen=True)
class MessageRow:
    """One message of a conversation, for ``--explain``."""

    date: str
    direction: str
    kind: str
    folder: str
    sender: str
    subject: str
    linked_by: str
    evidence: tuple[EvidenceRow, ...]
    misses: tuple[str, ...]


@dataclass(frozen=True)
class ReportRow:
    """One conversation as reports show it."""

    conversation: str
    verdict: Verdict
    customer_name: str
    customer_address: str
    company: str | None
    subject: str
    first_outbound: date | None
    last_outbound: date | None
    business_days_silent: int | None
    follow_ups: int
    evidence: tuple[EvidenceRow, ...]
    suggestions: tuple[str, ...]
    messages: tuple[MessageRow, ...]
    phones: tuple[str, ...] = ()
    linkedin_url: str | None = None
    return_date: date | None = None
    firm_order: bool = False
    cold: bool = False
    first_reply: datetime | None = None
    business_days_to_first_reply: int | None = None

    @property
    def why(self) -> str:
        """The deciding reason in one line."""
        return self.evidence[0].detail if self.evidence else ""


@dataclass(frozen=True)
class ProblemRow:
    """A skipped message."""

    ref: str
    message_id: str | None
    reason: str


@dataclass(frozen=True)
class Report:
    """Everything a renderer shows.

    Attributes:
        source: the mailbox location.
        as_of: the moment silence was measured at.
        rows: the conversations, after filters.
        problems: messages that could not be read.
        own_addresses: the user's addresses used to tell ours from theirs.
        messages_read: messages read from the mailbox.
        folders: folder name → role, as read.
    """

    source: str
    as_of: datetime
    rows: tuple[ReportRow, ...]
    problems: tuple[ProblemRow, ...]
    own_addresses: tuple[str, ...]
    messages_read: int
    folders: tuple[tuple[str, str], ...]

    def counts(self) -> dict[Verdict, int]:
        """Conversations per verdict, in `Verdict` order, zeros included."""
        found = Counter(r.verdict for r in self.rows)
        return {v: found.get(v, 0) for v in Verdict}


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def message_rows(decision: Decision) -> tuple[MessageRow, ...]:
    """The `MessageRow` of each message of a decision's conversation (what ``--explain`` shows)."""
    return tuple(
        MessageRow(
            date=m.date.isoformat(timespec="minutes") if m.date else "",
            direction=m.direction.value,
            kind=m.kind.value,
            folder=m.meta.ref.folder,
            sender=m.meta.sender.email if m.meta.sender else "",
            subject=m.meta.subject,
            linked_by=m.linked_by,
            evidence=tuple(EvidenceRow(e.rule, e.detail) for e in m.classification.evidence),
            misses=m.classification.misses,
        )
        for m in decision.conversation.messages
    )


def row_from_decision(decision: Decision, messages: Sequence[MessageRow] | None = None) -> ReportRow:
    """Flatten a `Decision` into a `ReportRow`.

    Args:
        decision: the decision.
        messages: its `message_rows`, or something that makes them when asked (a scan
            passes a `ghostscan.store.snapshots.LazyTuple`: only ``--explain`` shows
            them, and they were most of the rows' cost); None makes them now.
    """
    customer = decision.customer
    if messages is None:
        messages = message_rows(decision)
    return ReportRow(
        conversation=decision.conversation.id,
        verdict=decision.verdict,
        customer_name=customer.name if customer else "",
        customer_address=customer.email if customer else "",
        company=decision.company,
        subject=decision.subject,
        first_outbound=_day(decision.first_outbound),
        last_outbound=_day(decision.last_outbound),
        business_days_silent=decision.business_days_silent,
        follow_ups=decision.follow_ups,
        evidence=tuple(EvidenceRow(e.rule, e.detail) for e in decision.evidence),
        suggestions=decision.suggestions,
        messages=messages,  # type: ignore[arg-type]
        phones=decision.phones,
        linkedin_url=decision.linkedin_url,
        return_date=decision.return_date,
        firm_order=decision.firm_order,
        cold=decision.cold,
        first_reply=decision.first_reply,
        business_days_to_first_reply=decision.business_days_to_first_reply,
    )


def build_report(result: "ScanResult", *, verdicts: frozenset[Verdict] | None = None, since: date | None = None) -> Report:
    """Build the report of a scan.

    Args:
        result: what `ghostscan.pipeline.scan` returned.
        verdicts: keep only these verdicts (None: all).
        since: keep only conversations where we wrote on or after this day.
    """
    # Rows the scan already made (and kept for a re-run) are the ones made here.
    made = result.report_rows if result.report_rows is not None else map(row_from_decision, result.decisions)
    rows = tuple(
        row
        for row in made
        if (verdicts is None or row.verdict in verdicts)
        and (since is None or (row.last_outbound is not None and row.last_outbound >= since))
    )
    return Report(
        source=result.source,
        as_of=result.as_of,
        rows=rows,
        problems=tuple(ProblemRow(p.ref, p.message_id, p.reason) for p in result.problems),
        own_addresses=tuple(sorted(result.identity.addresses)),
        messages_read=result.stats.messages,
        folders=tuple((f.name, f.role.value) for f in result.folders),
    )


# -- spam-check ------------------------------------------------------------------------


@dataclass(frozen=True)
class SpamRow:
    """One message in Junk that is customer mail, as ``spam-check`` shows it.

    Attributes:
        date: its date, or None.
        sender: ``"Name <address>"`` or the address; ``""`` when it has no From.
        subject: its subject.
        folder: the Junk folder it is (or was) in.
        key: its UID or Maildir name there.
        message_id: its Message-ID, or None.
        reason: ``conversation``, ``correspondent`` or ``company``.
        detail: the reason for a person.
        action: under ``--dry-run`` / ``--rescue``: ``would move``, ``moved``, ``copied`` or
            ``left``; None when only listing.
        action_detail: what happened, for a person (why it was left, how it was moved).
    """

    date: datetime | None
    sender: str
    subject: str
    folder: str
    key: str
    message_id: str | None
    reason: str
    detail: str
    action: str | None = None
    action_detail: str = ""


@dataclass(frozen=True)
class SpamReport:
    """What ``spam-check`` reports.

    Attributes:
        source: the mailbox.
        as_of: when the check ran.
        mode: ``list``, ``dry-run`` or ``rescue``.
        target: where rescued mail goes (``"INBOX"``).
        method: how (``move``, ``copy+expunge``, ``copy``, ``rename``, ``none``).
        note: why the method is what it is, or ``""``.
        rows: the messages, oldest first.
        still_in_junk: how many of them are still in Junk after this run.
        problems: messages the scan could not read.
        junk_folders: the Junk folders read.
    """

    source: str
    as_of: datetime
    mode: str
    target: str
    method: str
    note: str
    rows: tuple[SpamRow, ...]
    still_in_junk: int
    problems: tuple[ProblemRow, ...] = ()
    junk_folders: tuple[str, ...] = ()


def build_spam_report(check: "SpamCheck") -> SpamReport:
    """Build the report of a `ghostscan.actions.rescue.SpamCheck`."""
    from ghostscan.sources.base import FolderRole

    outcomes = {o.candidate: o for o in check.outcomes}
    rows = []
    for c in check.plan.candidates:
        outcome = outcomes.get(c)
        rows.append(
            SpamRow(
                date=c.date,
                sender=str(c.sender) if c.sender else "",
                subject=c.subject,
                folder=c.folder,
                key=c.key,
                message_id=c.message_id,
                reason=c.reason.value,
                detail=c.detail,
                action=outcome.outcome.value if outcome else None,
                action_detail=outcome.detail if outcome else "",
            )
        )
    result = check.scan
    return SpamReport(
        source=result.source,
        as_of=result.as_of,
        mode=check.mode.value,
        target=check.plan.target,
        method=check.plan.method.value,
        note=check.plan.note,
        rows=tuple(rows),
        still_in_junk=len(check.still_in_junk),
        problems=tuple(ProblemRow(p.ref, p.message_id, p.reason) for p in result.problems),
        junk_folders=tuple(f.name for f in result.folders if f.role is FolderRole.JUNK),
    )
