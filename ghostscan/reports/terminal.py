"""The terminal report: rich renderables (objects with ``__rich_console__``)."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from ghostscan.reports.model import Report, ReportRow
from ghostscan.verdicts.model import Verdict

VERDICT_STYLE = {
    Verdict.ANSWERED: "green",
    Verdict.REPLY_IN_SPAM: "bold magenta",
    Verdict.BOUNCED: "bold red",
    Verdict.AUTO_REPLY: "cyan",
    Verdict.DECLINED: "dim",
    Verdict.SILENT: "yellow",
    Verdict.WAITING: "blue",
}

# Most urgent first: what the user should act on today leads the table.
URGENCY = (
    Verdict.REPLY_IN_SPAM,
    Verdict.BOUNCED,
    Verdict.SILENT,
    Verdict.AUTO_REPLY,
    Verdict.WAITING,
    Verdict.DECLINED,
    Verdict.ANSWERED,
)


def _customer(row: ReportRow) -> Text:
    text = Text(row.customer_name or row.customer_address)
    if row.company:
        text.append(f"\n{row.company}", style="dim")
    elif row.customer_name:
        text.append(f"\n{row.customer_address}", style="dim")
    if row.phones:
        text.append(f"\n{row.phones[0]}", style="dim")
    return text


def _verdict(row: ReportRow) -> Text:
    text = Text(row.verdict.value, style=VERDICT_STYLE[row.verdict])
    if row.firm_order:
        text.append("\nfirm order", style="bold")
    if row.cold:
        text.append("\ncold", style="dim")
    if row.return_date:
        text.append(f"\nback {row.return_date.isoformat()}", style="dim")
    return text


class AuditTable:
    """The conversations, most urgent first, one row each."""

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = Table(title=f"ghostscan audit of {self.report.source}", title_justify="left", expand=False)
        table.add_column("Verdict", no_wrap=True)
        table.add_column("Customer")
        table.add_column("Subject")
        table.add_column("Last sent", no_wrap=True)
        table.add_column("Silent", justify="right", no_wrap=True)
        table.add_column("FU", justify="right", no_wrap=True)
        table.add_column("Why")
        order = {v: i for i, v in enumerate(URGENCY)}
        rows = sorted(self.report.rows, key=lambda r: (order[r.verdict], r.last_outbound or r.first_outbound or r.conversation))
        for r in rows:
            table.add_row(
                _verdict(r),
                _customer(r),
                Text(r.subject),
                r.last_outbound.isoformat() if r.last_outbound else "",
                "" if r.business_days_silent is None else f"{r.business_days_silent} bd",
                str(r.follow_ups),
                Text(r.why),
            )
        yield table


class Summary:
    """One line per verdict with its count, then problems, if any."""

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        counts = self.report.counts()
        parts = Text()
        for verdict in URGENCY:
            if counts[verdict]:
                if parts:
                    parts.append(", ")
                parts.append(f"{counts[verdict]} {verdict.value}", style=VERDICT_STYLE[verdict])
        total = len(self.report.rows)
        line = Text(f"{total} conversation{'s' if total != 1 else ''}")
        if parts:
            line.append(": ")
            line.append_text(parts)
        line.append(f" ({self.report.messages_read} messages read, as of {self.report.as_of.date().isoformat()})", style="dim")
        yield line
        if self.report.problems:
            yield Text(
                f"{len(self.report.problems)} message(s) could not be read and were skipped; run with -v to list them.",
                style="yellow",
            )


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f} %"


class AuditSummaryBlock:
    """The audit's figures under the table: ghosting rate, time to first reply, who goes silent.

    Definitions in `ghostscan.reports.summary`.
    """

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from ghostscan.reports.summary import summarize

        summary = summarize(self.report)
        if not summary.conversations:
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        silent = summary.count(Verdict.SILENT)
        grid.add_row("Ghosting rate", f"{_percent(summary.ghosting_rate)} ({silent} silent of {summary.decided} decided; waiting not counted)")
        if summary.median_days_to_first_reply is None:
            grid.add_row("First reply", "no replies")
        else:
            replies = len(summary.days_to_first_reply)
            grid.add_row(
                "First reply",
                f"median {summary.median_days_to_first_reply:g} business day{'' if summary.median_days_to_first_reply == 1 else 's'} after our first message"
                f" ({replies} repl{'y' if replies == 1 else 'ies'})",
            )
        if summary.top_silent:
            grid.add_row("Most silent", ", ".join(f"{p.party} {p.silent}/{p.conversations}" for p in summary.top_silent[:5]))
        yield Text("Summary", style="bold")
        yield grid


class Explanation:
    """``--explain``: for each conversation, every message, how it was linked and why it got its kind."""

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for r in self.report.rows:
            yield Text(f"\n{r.verdict.value}: {r.subject}  [{r.conversation}]", style=f"bold {VERDICT_STYLE[r.verdict]}")
            for e in r.evidence:
                hit = not e.rule.endswith(".miss")
                yield Text(f"  {'✔' if hit else '·'} {e.rule}: {e.detail}", style="" if hit else "dim")
            for s in r.suggestions:
                yield Text(f"  → {s}")
            for m in r.messages:
                yield Text(f"    {m.date[:16]:16} {m.direction:9} {m.kind:12} {m.folder}  {m.sender}  (linked by {m.linked_by})")
                for e in m.evidence:
                    yield Text(f"        {e.rule}: {e.detail}", style="dim")


def render_terminal(report: Report, console: Console, *, explain: bool = False) -> None:
    """Print the table (or the explanation) and the summary to *console*."""
    parts = [Explanation(report) if explain else AuditTable(report), AuditSummaryBlock(report), Summary(report)]
    console.print(Group(*parts))
