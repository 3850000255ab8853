"""The ``ghostscan`` command: a click group that only wires the library together.

Subcommands live one per module; each parses its options into an options object, calls
`ghostscan.pipeline` and a renderer, and returns an `ExitStatus`. Heavy modules are
imported inside the commands so ``ghostscan --help`` stays fast.
"""

from __future__ import annotations

import sys
from typing import Sequence

import click

from ghostscan import __version__
from ghostscan.cli.audit import audit
from ghostscan.cli.boundary import run_guarded
from ghostscan.cli.cache import cache
from ghostscan.cli.classify import classify
from ghostscan.cli.config_cmd import config
from ghostscan.cli.context import AppContext
from ghostscan.cli.daemon import daemon
from ghostscan.cli.digest import digest
from ghostscan.cli.spam_check import spam_check
from ghostscan.environment import Environment
from ghostscan.log import setup_logging

EPILOG = """\b
Examples:
  ghostscan audit --source ~/Mail/work           every outbound conversation and its verdict
  ghostscan audit --source export.mbox --format csv > audit.csv
  ghostscan audit --source ~/Mail --verdict silent --verdict bounced
  ghostscan audit --account work                 an IMAP account from the config (read-only)
  ghostscan classify suspicious.eml --explain    why a message counts as bounce/auto-reply/…
  ghostscan spam-check --account work --rescue   move customer mail out of Junk (verified)
  ghostscan digest --account work --send         mail today's digest (once a day)
  ghostscan daemon --run-now                     poll and send the digest on the config's schedule
  ghostscan -q --wait 600 audit -a work -f csv -o audit.csv   cron: no output unless it fails

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 config, 4 mailbox unreadable,
5 login refused, 6 server unreachable or connection lost, 7 some messages could not
be read (the rest was reported), 8 local store corrupt, 9 another run holds the
store (see --wait), 10 spam-check found customer mail in Junk, 11 the mail server
refused the digest (kept on disk), 130 interrupted.

Under cron: nothing is ever read from stdin; -q leaves stderr empty unless
something failed; two runs on one store never overlap.
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="Config file (YAML). Default: $GHOSTSCAN_CONFIG, else ~/.config/ghostscan/config.yaml if it exists; none is needed.",
)
@click.option("-v", "--verbose", count=True, help="Say more on stderr (-vv for debug output).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress.")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
@click.option(
    "--wait",
    "lock_wait",
    type=click.FloatRange(0),
    default=0,
    metavar="SECONDS",
    help="When another run uses the local store, wait up to SECONDS for it instead of failing at once (exit 9).",
)
@click.version_option(__version__, "-V", "--version", prog_name="ghostscan")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, quiet: bool, debug: bool, lock_wait: float) -> None:
    """Find out why customers went quiet.

    ghostscan reads a mailbox (IMAP, Maildir, mbox, a folder of .eml files), threads every
    message you sent with everything that came back - across Inbox, Sent, every other
    folder and Junk - and tells you per conversation what happened: answered,
    reply_in_spam, bounced, auto_reply, declined, silent or waiting, with the evidence
    and the next step.

    Read-only: ghostscan never changes, moves or deletes mail unless a command says so.
    """
    app: AppContext = ctx.ensure_object(AppContext)
    app.config = config_path
    app.verbosity = -1 if quiet else verbose
    app.debug = debug or app.debug
    app.lock_wait = lock_wait
    setup_logging(app.env.stderr, verbosity=app.verbosity)


cli.add_command(audit)
cli.add_command(classify)
cli.add_command(config)
cli.add_command(cache)
cli.add_command(spam_check)
cli.add_command(digest)
cli.add_command(daemon)


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run ``ghostscan`` with *argv* (default: ``sys.argv[1:]``) and return the exit code."""
    env = env or Environment()
    args = list(sys.argv[1:] if argv is None else argv)
    app = AppContext(env=env, debug="--debug" in args)

    def run() -> int:
        result = cli.main(args=args, prog_name="ghostscan", standalone_mode=False, obj=app)
        return int(result or 0)

    return run_guarded(run, env.stderr, debug=app.debug)


__all__ = ["cli", "main"]
