"""Option decorators and value types shared by subcommands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

import click

FORMATS = ("table", "json", "csv")
VERDICTS = ("answered", "reply_in_spam", "bounced", "auto_reply", "declined", "silent", "waiting")


class DateType(click.ParamType):
    """A calendar day as ``YYYY-MM-DD``."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date like 2026-11-20", param, ctx)


DATE = DateType()


def source_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-s",
        "--source",
        metavar="PATH",
        help="Local mailbox: a Maildir, an mbox file (Google Takeout too), a Thunderbird folder or a folder of .eml files. Default: 'source' from the config.",
    )(func)


def format_option(
    formats: tuple[str, ...] = FORMATS,
    help: str = "table for people; json (schema ghostscan.audit/1) or csv for scripts and CRMs.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-f/--format`` with the choices *formats* (the first is the default)."""
    return click.option("-f", "--format", "fmt", type=click.Choice(formats), default=formats[0], show_default=True, help=help)


def end_of_day(day: date, now: datetime) -> datetime:
    """*day* at 23:59:59 in *now*'s time zone (``--as-of`` counts the whole day)."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=now.tzinfo)


def account_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-a",
        "--account",
        metavar="NAME",
        help="IMAP account from the config's 'accounts' section; synced read-only into the local store.",
    )(func)


def pick_mailbox(app: Any, source: str | None, account: str | None) -> tuple[str | None, str | None]:
    """Decide between ``--source`` and ``--account`` (then the config's ``source``).

    Raises:
        click.UsageError: both given, or neither and no default.
    """
    if source and account:
        raise click.UsageError("use either --source or --account, not both")
    if account:
        app.settings().account(account)
        return None, account
    source = source or app.settings().source
    if not source:
        raise click.UsageError("no mailbox given: use --source PATH or --account NAME, or set 'source' in the config")
    return source, None
