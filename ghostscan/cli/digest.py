"""``ghostscan digest``: the daily digest of what needs doing, shown, written or sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import click

from ghostscan.cli.context import AppContext
from ghostscan.cli.options import DATE, account_option, end_of_day, pick_mailbox, source_option

log = logging.getLogger("ghostscan.digest")


@dataclass(frozen=True)
class DigestOptions:
    """The digest's options, parsed and checked."""

    source: str | None
    account: str | None
    send: bool
    dry_run: bool
    output: str | None
    force: bool
    skip_empty: bool
    as_of: date | None


@click.command()
@source_option
@account_option
@click.option("--send", is_flag=True, help="Send the digest through the config's smtp server (at most once a day per mailbox).")
@click.option("--dry-run", "dry_run", is_flag=True, help="Print the exact message (headers, text and HTML parts) instead of sending it.")
@click.option("-o", "--output", metavar="FILE", help="Write the exact message to FILE (an .eml) instead of sending it.")
@click.option("--force", is_flag=True, help="With --send: send even if today's digest already went out.")
@click.option("--skip-empty", "skip_empty", is_flag=True, help="Build nothing when nothing is due, instead of a short 'all clear' digest. Default: digest.skip_empty.")
@click.option("--as-of", "as_of", type=DATE, help="Measure silence as of the end of DATE instead of now.")
@click.pass_obj
def digest(app: AppContext, **raw: object) -> int:
    """Build the daily digest: what needs doing today, most urgent first.

    Replies waiting in Junk, offers that did not arrive, whom to follow up today (with
    the suggested step, phone and LinkedIn), who is out of office until when, firm orders
    gone silent, and what to let rest - each with the customer, subject, date of the
    offer, business days silent, follow-ups so far and why. Items new since the last
    digest sent are marked.

    Without options the text version is printed. --send mails it (plain text and HTML)
    through the config's smtp server; a failed send keeps the message on disk and says
    where. Never prompts, so it is safe under cron.
    """
    source, account = pick_mailbox(app, raw["source"], raw["account"])  # type: ignore[arg-type]
    options = DigestOptions(
        source=source,
        account=account,
        send=bool(raw["send"]),
        dry_run=bool(raw["dry_run"]),
        output=raw["output"],  # type: ignore[arg-type]
        force=bool(raw["force"]),
        skip_empty=bool(raw["skip_empty"]),
        as_of=raw["as_of"],  # type: ignore[arg-type]
    )
    if options.send and (options.dry_run or options.output):
        raise click.UsageError("--send sends the digest; --dry-run and --output write it instead: use one or the other")
    if options.force and not options.send:
        raise click.UsageError("--force only makes sense with --send")
    return run_digest(app, options)


def _say(app: AppContext, line: str) -> None:
    if app.verbosity >= 0:
        app.env.stdout.write(line + "\n")


def run_digest(app: AppContext, options: DigestOptions) -> int:
    from zoneinfo import ZoneInfo

    from ghostscan.errors import ConfigError
    from ghostscan.notify.ledger import DigestLedger, mailbox_key
    from ghostscan.pipeline import scan_account, scan_path
    from ghostscan.reports.digest import build_digest, build_message
    from ghostscan.reports.model import build_report
    from ghostscan.status import ExitStatus

    settings = app.settings()
    if options.send and settings.smtp is None:
        raise ConfigError("missing: set smtp.host (and the login) to send the digest", key="smtp", path=settings.path)
    now = app.env.now()
    today = now.astimezone(ZoneInfo(settings.silence.timezone)).date()
    key = mailbox_key(account=options.account) if options.account else mailbox_key(source=options.source)
    ledger = DigestLedger(app.env.state_dir / "digest", key)
    label = options.account or str(options.source)
    if options.send and not options.force:
        record = ledger.load()
        if record.day == today:
            _say(app, f"today's digest for {label} was already sent ({record.sent_at} to {', '.join(record.recipients)}): nothing sent; --force sends it again")
            return ExitStatus.OK

    as_of = end_of_day(options.as_of, now) if options.as_of is not None else now
    if options.account:
        with app.store_lock() as store_path:
            result = scan_account(options.account, settings, env=app.env, store_path=store_path, now=as_of)
    else:
        result = scan_path(str(options.source), settings, now=as_of)
    report = build_report(result)
    built = build_digest(
        report,
        language=settings.language,
        previous=ledger.previous(today),
        subject_prefix=settings.digest.subject_prefix,
        source=label,
    )
    partial = ExitStatus.PARTIAL if result.problems else ExitStatus.OK
    if result.problems:
        log.warning("%d message(s) could not be read and were skipped (-v lists them)", len(result.problems))
    if built.is_empty and (options.skip_empty or settings.digest.skip_empty):
        _say(app, f"nothing due for {label}: no digest")
        return partial

    sender = settings.digest.sender or next(iter(settings.identity.addresses or report.own_addresses), None)
    if sender is None:
        raise ConfigError("missing: the digest's From address (no own address is configured or could be learned)", key="digest.from", path=settings.path)
    recipients = settings.digest.to or (sender,)
    message = build_message(built, sender=sender, to=recipients, now=now)

    if options.output:
        _write(message, options.output)
        _say(app, f"digest written to {options.output}: {built.subject}")
    elif options.dry_run:
        app.env.stdout.write(message.as_string(policy=message.policy.clone(linesep="\n")))
    elif options.send:
        from ghostscan.notify.smtp import deliver

        assert settings.smtp is not None
        deliver(message, settings.smtp, environ=app.env.environ, keep_at=ledger.unsent_path(today))
        ledger.record(today, sent_at=now.isoformat(timespec="seconds"), message_id=message["Message-ID"], recipients=tuple(recipients), seen=built.seen())
        _say(app, f"digest sent to {', '.join(recipients)} via {settings.smtp.host}:{settings.smtp.port}: {built.subject}")
    else:
        from ghostscan.reports.digest import render_digest

        app.env.stdout.write(render_digest(built)[0])
    return partial


def _write(message: EmailMessage, path: str) -> None:

    from ghostscan.cli.render import OutputError
    from ghostscan.notify.smtp import write_message

    try:
        write_message(message, Path(path).expanduser())
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
