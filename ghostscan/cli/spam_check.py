"""``ghostscan spam-check``: customer mail in Junk; with ``--rescue``, moved to INBOX."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import click

from ghostscan.cli.context import AppContext
from ghostscan.cli.options import account_option, format_option, pick_mailbox, source_option

FORMATS = ("table", "json")


@dataclass(frozen=True)
class SpamCheckOptions:
    """The spam-check's options, parsed and checked."""

    source: str | None
    account: str | None
    fmt: str
    rescue: bool
    dry_run: bool


@click.command("spam-check")
@source_option
@account_option
@format_option(FORMATS, "table for people; json (schema ghostscan.spam-check/1) for scripts and monitoring.")
@click.option("--rescue", is_flag=True, help="Move the messages found to INBOX (verified; safe to run twice). Without it nothing is changed.")
@click.option("--dry-run", "dry_run", is_flag=True, help="Show what --rescue would move, and how, without changing anything.")
@click.pass_obj
def spam_check(app: AppContext, **raw: object) -> int:
    """Find customer mail in the Junk folder(s); with --rescue, move it to INBOX.

    Lists every message in Junk that belongs to a conversation the audit tracks, or
    comes from someone you wrote to or their company (never a freemail domain like
    gmail.com), with the reason and date. Exit code 10 when any is found (for cron and
    monitoring), 0 when Junk holds none.

    --rescue moves exactly those messages to INBOX: IMAP MOVE where the server has it,
    else COPY, verify, and expunge only those UIDs (never without UIDPLUS); on a Maildir
    the files are renamed into INBOX. An mbox is never changed. Without --rescue, nothing
    in the mailbox is changed.
    """
    source, account = pick_mailbox(app, raw["source"], raw["account"])  # type: ignore[arg-type]
    options = SpamCheckOptions(
        source=source,
        account=account,
        fmt=str(raw["fmt"]),
        rescue=bool(raw["rescue"] or raw["dry_run"]),
        dry_run=bool(raw["dry_run"]),
    )
    return run_spam_check(app, options)


def run_spam_check(app: AppContext, options: SpamCheckOptions) -> int:
    from ghostscan.actions.rescue import CheckMode
    from ghostscan.cli.render import progress_for
    from ghostscan.pipeline import spam_check_account, spam_check_path
    from ghostscan.reports.model import build_spam_report
    from ghostscan.reports.spam_check import write_spam_report
    from ghostscan.status import ExitStatus

    mode = CheckMode.LIST if not options.rescue else CheckMode.DRY_RUN if options.dry_run else CheckMode.RESCUE
    settings = app.settings()
    now = app.env.now()
    with progress_for(app) as progress:
        if options.account:
            with app.store_lock() as store_path:
                check = spam_check_account(options.account, settings, env=app.env, store_path=store_path, now=now, mode=mode, progress=progress)
        else:
            check = spam_check_path(str(options.source), settings, now=now, mode=mode, progress=progress)
    report = build_spam_report(check)
    write_spam_report(report, app.env.stdout, fmt=options.fmt, color=app.env.stdout_isatty)
    log = logging.getLogger("ghostscan")
    if check.mode is CheckMode.RESCUE and check.plan.method.value == "none" and report.rows:
        log.warning("nothing was moved: %s", check.plan.note)
    if check.scan.problems:
        log.warning("%d message(s) could not be read and were skipped (-v lists them)", len(check.scan.problems))
    if report.still_in_junk:
        return ExitStatus.FOUND
    return ExitStatus.PARTIAL if check.scan.problems else ExitStatus.OK
