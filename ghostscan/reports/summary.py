"""The audit's figures: how many offers went where, how often customers go silent, how fast they answer.

Computed from a `Report` alone, so every renderer (terminal, JSON, HTML) shows the same
numbers. The figures cover the conversations in the report: with ``--verdict`` or
``--since`` they describe only what is shown.

Definitions (also in the README, "Audit summary"):

- **ghosting rate**: silent conversations ÷ decided conversations, where *decided* means
  every conversation except those still ``waiting`` (too early to call). Bounced,
  declined, answered, reply-in-Junk and out-of-office conversations are in the
  denominator; only ``silent`` is in the numerator. None when nothing is decided.
- **days to first reply**: business days (weekends and the configured public holidays
  excluded, `ghostscan.verdicts.business_days`) from our first message to the customer's
  first human reply, a reply in Junk included; an answer on the same day is 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import median

from ghostscan.reports.model import Report, ReportRow
from ghostscan.verdicts.model import Verdict

TOP_PARTIES = 10


@dataclass(frozen=True)
class MonthFigures:
    """One calendar month, by the day of our first message.

    Attributes:
        month: ``YYYY-MM``.
        counts: conversations per verdict, in `Verdict` order, zeros included.
        ghosting_rate: silent ÷ decided in that month, or None when nothing is decided.
    """

    month: str
    counts: tuple[tuple[Verdict, int], ...]
    ghosting_rate: float | None

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class SilentParty:
    """A customer (company domain, or the address for freemail) and its silent offers."""

    party: str
    silent: int
    conversations: int


@dataclass(frozen=True)
class AuditSummary:
    """The headline figures of an audit.

    Attributes:
        conversations: conversations in the report (offers sent).
        counts: conversations per verdict, in `Verdict` order, zeros included.
        decided: conversations except those still waiting.
        ghosting_rate: silent ÷ decided (0.0–1.0), or None when nothing is decided.
        days_to_first_reply: business days to the first reply, one per answered
            conversation, ascending.
        median_days_to_first_reply: their median, or None without any reply.
        months: per calendar month of our first message, oldest first, every month from
            the first to the last (months without offers have zero counts).
        top_silent: the customers with the most silent offers, most first (at most
            `TOP_PARTIES`, only those with at least one).
    """

    conversations: int
    counts: tuple[tuple[Verdict, int], ...]
    decided: int
    ghosting_rate: float | None
    days_to_first_reply: tuple[int, ...]
    median_days_to_first_reply: float | None
    months: tuple[MonthFigures, ...]
    top_silent: tuple[SilentParty, ...]

    def count(self, verdict: Verdict) -> int:
        """Conversations with *verdict*."""
        return dict(self.counts)[verdict]


def _counts(rows: list[ReportRow]) -> tuple[tuple[Verdict, int], ...]:
    found = Counter(r.verdict for r in rows)
    return tuple((v, found.get(v, 0)) for v in Verdict)


def _rate(rows: list[ReportRow]) -> tuple[int, float | None]:
    decided = sum(1 for r in rows if r.verdict is not Verdict.WAITING)
    silent = sum(1 for r in rows if r.verdict is Verdict.SILENT)
    return decided, (silent / decided if decided else None)


def _month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from *first* to *last*, so a month without offers shows as a gap."""
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def party_of(row: ReportRow) -> str:
    """Who a conversation is with, for grouping: the company domain, else the address."""
    return row.company or row.customer_address or row.customer_name or "unknown"


def summarize(report: Report) -> AuditSummary:
    """The figures of *report* (see the module docstring for the definitions)."""
    rows = list(report.rows)
    decided, rate = _rate(rows)
    days = tuple(sorted(r.business_days_to_first_reply for r in rows if r.business_days_to_first_reply is not None))

    by_month: dict[str, list[ReportRow]] = {}
    for r in rows:
        day = r.first_outbound or r.last_outbound
        if day is not None:
            by_month.setdefault(f"{day.year:04d}-{day.month:02d}", []).append(r)
    months = tuple(
        MonthFigures(month=month, counts=_counts(by_month.get(month, [])), ghosting_rate=_rate(by_month.get(month, []))[1])
        for month in _month_range(min(by_month), max(by_month))
    ) if by_month else ()

    silent = Counter(party_of(r) for r in rows if r.verdict is Verdict.SILENT)
    total = Counter(party_of(r) for r in rows)
    top = sorted(silent.items(), key=lambda item: (-item[1], item[0]))[:TOP_PARTIES]
    return AuditSummary(
        conversations=len(rows),
        counts=_counts(rows),
        decided=decided,
        ghosting_rate=rate,
        days_to_first_reply=days,
        median_days_to_first_reply=float(median(days)) if days else None,
        months=months,
        top_silent=tuple(SilentParty(party, n, total[party]) for party, n in top),
    )


def summary_json(summary: AuditSummary) -> dict[str, object]:
    """The figures as a JSON-ready dict (the JSON report's ``audit_summary``)."""
    return {
        "conversations": summary.conversations,
        "decided": summary.decided,
        "ghosting_rate": None if summary.ghosting_rate is None else round(summary.ghosting_rate, 4),
        "median_business_days_to_first_reply": summary.median_days_to_first_reply,
        "business_days_to_first_reply": list(summary.days_to_first_reply),
        "months": [
            {
                "month": m.month,
                "counts": {v.value: n for v, n in m.counts},
                "ghosting_rate": None if m.ghosting_rate is None else round(m.ghosting_rate, 4),
            }
            for m in summary.months
        ],
        "top_silent": [{"party": p.party, "silent": p.silent, "conversations": p.conversations} for p in summary.top_silent],
    }
