"""The terminal report: rich renderables (objects with ``__rich_console__``)."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.segment import Segment
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


LARGE_TABLE = 500
"""Rows from which the table is drawn as `PlainTable`: rich measures and wraps every cell,
some 0.7 ms a row, which a mailbox with 16,000 conversations waits 11 s for."""


def _urgent_first(rows: tuple[ReportRow, ...]) -> list[ReportRow]:
    order = {v: i for i, v in enumerate(URGENCY)}
    return sorted(rows, key=lambda r: (order[r.verdict], r.last_outbound or r.first_outbound or r.conversation))


class AuditTable:
    """The conversations, most urgent first, one row each."""

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if len(self.report.rows) >= LARGE_TABLE:
            yield PlainTable(self.report)
            return
        table = Table(title=f"ghostscan audit of {self.report.source}", title_justify="left", expand=False)
        table.add_column("Verdict", no_wrap=True)
        table.add_column("Customer")
        table.add_column("Subject")
        table.add_column("Last sent", no_wrap=True)
        table.add_column("Silent", justify="right", no_wrap=True)
        table.add_column("FU", justify="right", no_wrap=True)
        table.add_column("Why")
        for r in _urgent_first(self.report.rows):
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


def _fit(text: str, width: int) -> str:
    """*text* on one line, cut to *width* with an ellipsis, padded to *width*."""
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width)


class PlainTable:
    """The audit table for many rows: one line per conversation, fixed-width columns.

    The same columns as the rich table, without its box and per-cell wrapping: a
    cell's extra lines (company, firm order, return date) follow its first line after
    a "·", and a cell too long for its column is cut with "…". Only the verdict is
    coloured.
    """

    HEADERS = ("Verdict", "Customer", "Subject", "Last sent", "Silent", "FU", "Why")
    MAX_WIDTHS = (24, 36, 44, 10, 7, 3)

    def __init__(self, report: Report):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = [
            (
                " · ".join(_verdict(r).plain.split("\n")),
                " · ".join(_customer(r).plain.split("\n")),
                r.subject,
                r.last_outbound.isoformat() if r.last_outbound else "",
                "" if r.business_days_silent is None else f"{r.business_days_silent} bd",
                str(r.follow_ups),
                r.why,
                r.verdict,
            )
            for r in _urgent_first(self.report.rows)
        ]
        widths = [
            min(cap, max(len(self.HEADERS[i]), *(len(row[i]) for row in rows)))
            for i, cap in enumerate(self.MAX_WIDTHS)
        ]
        # On a narrow console, customer and subject give way first, down to 12 each,
        # so that the reason keeps at least 24 characters.
        over = sum(widths) + 2 * len(widths) + 24 - options.max_width
        for i in (2, 1):
            give = max(0, min(over, widths[i] - 12))
            widths[i] -= give
            over -= give
        why_width = max(24, options.max_width - sum(widths) - 2 * len(widths))
        right = (False, False, False, False, True, True)

        def line(cells: tuple[str, ...]) -> str:
            out = [
                _fit(cell, width).rstrip().rjust(width) if right[i] else _fit(cell, width)
                for i, (cell, width) in enumerate(zip(cells, widths))
            ]
            return "  ".join([*out, _fit(cells[6], why_width).rstrip()])

        # Segments, not Text: a Text of 16,000 lines is split and wrapped again by rich.
        newline = Segment.line()
        styles = {v: console.get_style(style) for v, style in VERDICT_STYLE.items()}
        yield Segment(f"ghostscan audit of {self.report.source}")
        yield newline
        yield Segment(line(self.HEADERS), console.get_style("bold"))
        yield newline
        cut = widths[0]
        for row in rows:
            text = line(row[:7])
            yield Segment(text[:cut], styles[row[7]])
            yield Segment(text[cut:])
            yield newline


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
    # A plain table fits its lines to the width itself; cropping measures every character.
    console.print(Group(*parts), crop=explain or len(report.rows) < LARGE_TABLE)
