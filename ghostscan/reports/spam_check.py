"""The ``spam-check`` report: a rich table and a summary, or JSON (schema ``ghostscan.spam-check/1``).

JSON fields are only ever added within a version; the README ("Spam-folder rescue")
documents them.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from ghostscan.reports.model import SpamReport, SpamRow

SCHEMA = "ghostscan.spam-check/1"

ACTION_STYLE = {"moved": "green", "copied": "yellow", "left": "bold red", "would move": "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class SpamTable:
    """The customer messages in Junk, oldest first, with what was (or would be) done."""

    def __init__(self, report: SpamReport):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        report = self.report
        acting = report.mode != "list"
        table = Table(title=f"ghostscan spam-check of {report.source}", title_justify="left", expand=False)
        table.add_column("Date", no_wrap=True)
        table.add_column("From")
        table.add_column("Subject")
        table.add_column("Folder", no_wrap=True)
        table.add_column("Why")
        if acting:
            table.add_column("Action")
        for row in report.rows:
            cells = [
                row.date.date().isoformat() if row.date else "",
                Text(row.sender),
                Text(row.subject),
                Text(row.folder),
                Text(row.detail),
            ]
            if acting:
                action = Text(row.action or "", style=ACTION_STYLE.get(row.action or "", ""))
                if row.action_detail:
                    action.append(f"\n{row.action_detail}", style="dim")
                cells.append(action)
            table.add_row(*cells)
        yield table


class SpamSummary:
    """What was found and what happened, in a sentence or two."""

    def __init__(self, report: SpamReport):
        self.report = report

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        report = self.report
        found = len(report.rows)
        if not report.junk_folders:
            yield Text("No Junk folder found: nothing to check (set folders.roles in the config if yours has another name).", style="yellow")
        elif not found:
            yield Text(f"No customer mail in {', '.join(report.junk_folders)}.", style="green")
        elif report.mode == "list":
            yield Text(f"{_plural(found, 'message')} from customers in Junk. ", style="bold magenta").append(
                f"Move {'it' if found == 1 else 'them'} to INBOX with: ghostscan spam-check --rescue (--dry-run shows the plan first)", style=""
            )
        elif report.method == "none":
            yield Text(f"{_plural(found, 'message')} from customers in Junk; nothing was moved: {report.note}.", style="bold red")
        elif report.mode == "dry-run":
            note = f"; {report.note}" if report.note else ""
            yield Text(f"Dry run: {_plural(found, 'message')} would move to {report.target} ({report.method}{note}). Nothing was changed.", style="cyan")
        else:
            moved = sum(1 for r in report.rows if r.action == "moved")
            line = Text(f"Moved {moved} of {_plural(found, 'message')} to {report.target}.", style="green" if moved == found else "yellow")
            if report.still_in_junk:
                line.append(f" {report.still_in_junk} still in Junk (see Action).", style="bold red")
            yield line
        if report.problems:
            yield Text(f"{len(report.problems)} message(s) could not be read and were skipped; run with -v to list them.", style="yellow")


def render_spam_terminal(report: SpamReport, console: Console) -> None:
    """Print the table (when there is anything to show) and the summary to *console*."""
    parts: list[Any] = [SpamTable(report)] if report.rows else []
    console.print(Group(*parts, SpamSummary(report)))


def _row_json(row: SpamRow) -> dict[str, Any]:
    return {
        "date": row.date.isoformat() if row.date else None,
        "from": row.sender or None,
        "subject": row.subject,
        "folder": row.folder,
        "key": row.key,
        "message_id": row.message_id,
        "reason": row.reason,
        "detail": row.detail,
        "action": row.action,
        "action_detail": row.action_detail or None,
    }


def spam_report_json(report: SpamReport) -> dict[str, Any]:
    """The report as a JSON-ready dict (schema ``ghostscan.spam-check/1``)."""
    return {
        "schema": SCHEMA,
        "source": report.source,
        "as_of": report.as_of.isoformat(timespec="seconds"),
        "mode": report.mode,
        "target": report.target,
        "method": report.method,
        "note": report.note or None,
        "junk_folders": list(report.junk_folders),
        "found": len(report.rows),
        "still_in_junk": report.still_in_junk,
        "messages": [_row_json(r) for r in report.rows],
        "problems": [{"ref": p.ref, "message_id": p.message_id, "reason": p.reason} for p in report.problems],
    }


def write_spam_report(report: SpamReport, out: TextIO, *, fmt: str, color: bool) -> None:
    """Render *report* as ``table`` or ``json`` to *out*."""
    if fmt == "json":
        json.dump(spam_report_json(report), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    console = Console(file=out, force_terminal=color, no_color=not color, width=None if color else 160, soft_wrap=False)
    render_spam_terminal(report, console)


__all__ = ["SCHEMA", "SpamSummary", "SpamTable", "render_spam_terminal", "spam_report_json", "write_spam_report"]
