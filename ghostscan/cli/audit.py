"""``ghostscan audit``: every outbound conversation with its verdict and evidence."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import click

from ghostscan.cli.context import AppContext
from ghostscan.cli.options import DATE, VERDICTS, account_option, end_of_day, format_option, source_option, pick_mailbox

if TYPE_CHECKING:
    from ghostscan.reports.model import Report


@dataclass(frozen=True)
class AuditOptions:
    """The audit's options, parsed and checked."""

    source: str | None
    account: str | None
    fmt: str
    output: str | None
    since: date | None
    as_of: date | None
    silent_after: int | None
    verdicts: frozenset[str]
    explain: bool
    html: str | None = None


@click.command()
@source_option
@account_option
@format_option()
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE instead of stdout.")
@click.option("--since", type=DATE, help="Only conversations in which you wrote on or after DATE (YYYY-MM-DD).")
@click.option("--as-of", "as_of", type=DATE, help="Measure silence as of the end of DATE instead of now.")
@click.option(
    "--silent-after",
    type=click.IntRange(1, 250),
    metavar="N",
    help="Business days without an answer before a conversation counts as silent. Default: silence.business_days from the config (5).",
)
@click.option(
    "--verdict",
    "verdicts",
    multiple=True,
    type=click.Choice(VERDICTS),
    help="Show only this verdict (repeatable).",
)
@click.option("--explain", is_flag=True, help="Show every message of each conversation, how it was linked and why it got its kind.")
@click.option(
    "--html",
    "html",
    metavar="FILE",
    help="Also write a self-contained HTML report with charts to FILE (opens offline; nothing is loaded from outside the file).",
)
@click.pass_obj
def audit(app: AppContext, **raw: object) -> int:
    """Audit a mailbox: what happened to every conversation you started.

    Reads a local mailbox (--source) or an IMAP account from the config (--account),
    every folder except Trash and Drafts (Junk included), threads messages across
    folders, and prints one line per conversation with its verdict, how long the customer
    has been silent (business days, public holidays excluded), your follow-ups so far,
    why, and what to do next. Nothing in the mailbox is changed.
    """
    source, account = pick_mailbox(app, raw["source"], raw["account"])  # type: ignore[arg-type]
    options = AuditOptions(
        source=source,
        account=account,
        fmt=str(raw["fmt"]),
        output=raw["output"],  # type: ignore[arg-type]
        since=raw["since"],  # type: ignore[arg-type]
        as_of=raw["as_of"],  # type: ignore[arg-type]
        silent_after=raw["silent_after"],  # type: ignore[arg-type]
        verdicts=frozenset(raw["verdicts"]),  # type: ignore[arg-type]
        explain=bool(raw["explain"]),
        html=raw["html"],  # type: ignore[arg-type]
    )
    return run_audit(app, options)


def run_audit(app: AppContext, options: AuditOptions) -> int:
    from ghostscan.cli.render import open_output, progress_for, write_audit_report, write_kept
    from ghostscan.pipeline import scan_account, scan_path
    from ghostscan.status import ExitStatus

    settings = app.settings()
    if options.silent_after is not None:
        settings = dataclasses.replace(settings, silence=dataclasses.replace(settings.silence, business_days=options.silent_after))
    now = app.env.now()
    if options.as_of is not None:
        now = end_of_day(options.as_of, now)
    with contextlib.ExitStack() as stack:
        if options.account:
            # Held until the report is written: the reports kept in the store go with it.
            store_path = stack.enter_context(app.store_lock())
        with progress_for(app) as progress:
            if options.account:
                result = scan_account(options.account, settings, env=app.env, store_path=store_path, now=now, progress=progress)
            else:
                result = scan_path(str(options.source), settings, now=now, progress=progress)

        @functools.cache
        def report() -> Report:
            # Only when a report is rendered: one kept from an earlier run needs no rows.
            from ghostscan.reports.model import build_report
            from ghostscan.verdicts.model import Verdict

            return build_report(result, verdicts=frozenset(Verdict(v) for v in options.verdicts) or None, since=options.since)

        shown = f"verdicts={','.join(sorted(options.verdicts))}|since={options.since}"
        with open_output(app, options.output) as out:
            color = options.output is None and app.env.stdout_isatty
            write_audit_report(result, report, out, fmt=options.fmt, explain=options.explain, color=color, shown=shown)
        if options.html:
            from ghostscan.reports.html_report import HtmlOptions, write_html

            html = HtmlOptions(language=settings.language, silent_after=settings.silence.business_days)
            with open_output(app, options.html) as out:
                # The HTML report names the day of ``as_of``, not the time.
                variant = f"html|{html}|{shown}|as_of={result.as_of.date().isoformat()}"
                write_kept(result.reports, variant, out, lambda o: write_html(report(), o, html))
    if result.problems:
        logging.getLogger("ghostscan").warning(
            "%d message(s) could not be read and were skipped (-v lists them)", len(result.problems)
        )
        return ExitStatus.PARTIAL
    return ExitStatus.OK
