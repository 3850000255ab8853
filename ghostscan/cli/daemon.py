"""``ghostscan daemon``: poll accounts and mailboxes, send the digest on schedule.

Wiring only: the scheduler is `ghostscan.schedule.daemon`; the jobs call the same library
functions and commands as the one-shot runs.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import TYPE_CHECKING, Callable, Sequence

import click

from ghostscan.cli.context import AppContext

if TYPE_CHECKING:
    from ghostscan.pipeline import Progress, ScanResult
    from ghostscan.schedule.daemon import Job


@click.command()
@click.option(
    "-a",
    "--account",
    "accounts",
    multiple=True,
    metavar="NAME",
    help="Work on this IMAP account from the config (repeatable). Default: schedule.accounts, else every account.",
)
@click.option(
    "-s",
    "--source",
    "sources",
    multiple=True,
    metavar="PATH",
    help="Work on this local mailbox (repeatable). Default: schedule.sources, else 'source' from the config.",
)
@click.option("--run-now", is_flag=True, help="Poll every account and mailbox once right at start, then on schedule.")
@click.pass_context
def daemon(ctx: click.Context, accounts: tuple[str, ...], sources: tuple[str, ...], run_now: bool) -> int:
    """Run in the foreground: poll the mailboxes and send the digest on the config's schedule.

    Polls each account (incremental sync into the store) or local mailbox every
    schedule.poll_minutes and logs one line per run with its verdict counts; sends the
    digest at schedule.digest.cron in schedule.digest.timezone. A failing run is logged and
    retried at the next one. SIGTERM or Ctrl-C stops it once the running job reaches a safe
    point (a poll between two folders; a digest when sent): exit 0, "stopped" in the log. A
    second signal stops it at once. For systemd or a terminal; under cron use the one-shot
    commands instead.
    """
    from ghostscan.schedule.daemon import run_daemon

    app: AppContext = ctx.obj
    settings = app.settings()
    plan = settings.schedule
    names, paths = _targets(app, accounts, sources)
    group = ctx.find_root().command
    stop = threading.Event()
    jobs = build_jobs(app, names, paths, group=group, run_now=run_now, stop=stop)
    _show_outcomes(app.verbosity)
    return run_daemon(jobs, now=app.env.now, misfire_grace_seconds=plan.misfire_grace_minutes * 60, debug=app.debug, stop=stop)


def _targets(app: AppContext, accounts: Sequence[str], sources: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    settings = app.settings()
    if accounts or sources:
        for name in accounts:
            settings.account(name)
        return tuple(accounts), tuple(sources)
    plan = settings.schedule
    if plan.accounts or plan.sources:
        return plan.accounts, plan.sources
    if settings.accounts:
        return tuple(sorted(settings.accounts)), ()
    if settings.source:
        return (), (settings.source,)
    raise click.UsageError("nothing to schedule: use --account NAME or --source PATH, or set schedule.accounts, accounts or source in the config")


def _show_outcomes(verbosity: int) -> None:
    """One line per run on stderr unless ``--quiet``: the daemon's log is its output."""
    level = logging.ERROR if verbosity < 0 else min(logging.INFO, logging.getLogger("ghostscan").getEffectiveLevel())
    logging.getLogger("ghostscan.schedule").setLevel(level)


def build_jobs(
    app: AppContext,
    accounts: Sequence[str],
    sources: Sequence[str],
    *,
    group: click.Group,
    run_now: bool = False,
    stop: threading.Event | None = None,
) -> list["Job"]:
    """The daemon's jobs: a poll per account and mailbox, and a digest per each when scheduled.

    Polls end between two folders once *stop* is set (the daemon is shutting down).

    The digest job runs the ``digest`` command of *group* in-process, exactly as cron would
    run ``ghostscan digest --send --account NAME``; without ``schedule.digest.cron`` there
    is no digest job.
    """
    from ghostscan.schedule.daemon import Cron, Every, Job, StopAtFolder

    progress = StopAtFolder(stop or threading.Event())
    settings = app.settings()
    plan = settings.schedule
    digest = Cron(plan.digest.cron, plan.digest.timezone or settings.silence.timezone) if plan.digest.cron else None
    jobs = []
    every = Every(plan.poll_minutes)
    for name in accounts:
        jobs.append(Job("poll", name, every, _poll_account(app, name, progress), at_start=run_now))
        if digest:
            jobs.append(Job("digest", name, digest, _command(app, group, ["digest", "--send", "--account", name], locked=True)))
    for path in sources:
        jobs.append(Job("poll", path, every, _poll_source(app, path, progress), at_start=run_now))
        if digest:
            jobs.append(Job("digest", path, digest, _command(app, group, ["digest", "--send", "--source", path], locked=False)))
    return jobs


def summarize(result: "ScanResult") -> str:
    """``"22 conversations: 9 answered, 1 reply_in_spam, …; 51 messages"`` for the log."""
    from ghostscan.verdicts.model import Verdict

    counts = Counter(d.verdict for d in result.decisions)
    verdicts = ", ".join(f"{counts[v]} {v.value}" for v in Verdict if counts[v])
    text = f"{len(result.decisions)} conversations" + (f": {verdicts}" if verdicts else "")
    text += f"; {result.stats.messages} messages"
    if result.problems:
        text += f", {len(result.problems)} could not be read"
    return text


def _poll_account(app: AppContext, name: str, progress: "Progress") -> Callable[[], str]:
    def poll() -> str:
        from ghostscan.pipeline import scan_account

        with app.store_lock() as store_path:
            result = scan_account(name, app.settings(), env=app.env, store_path=store_path, now=app.env.now(), progress=progress)
        return summarize(result)

    return poll


def _poll_source(app: AppContext, path: str, progress: "Progress") -> Callable[[], str]:
    def poll() -> str:
        from ghostscan.pipeline import scan_path

        return summarize(scan_path(path, app.settings(), now=app.env.now(), progress=progress))

    return poll


def global_args(app: AppContext) -> list[str]:
    """The global options that make an in-process command see *app*'s flags."""
    args = ["--config", app.config] if app.config else []
    args += ["-q"] if app.verbosity < 0 else ["-v"] * app.verbosity
    args += ["--debug"] if app.debug else []
    return args + ["--wait", f"{app.lock_wait:g}"]


def _command(app: AppContext, group: click.Group, args: list[str], *, locked: bool) -> Callable[[], str]:
    """A job that runs ``ghostscan ARGS`` in-process, with *app*'s settings already loaded.

    With *locked*, the job holds the store's run lock around the command, which takes it
    again for free (same thread).
    """
    from ghostscan.status import ExitStatus

    def run() -> str:
        from ghostscan.schedule.daemon import CommandFailedError

        child = app.for_job()
        if locked:
            with child.store_lock():
                code = _invoke(group, child, args)
        else:
            code = _invoke(group, child, args)
        if code != ExitStatus.OK:
            raise CommandFailedError(["ghostscan", *args], code)
        return f"ghostscan {' '.join(args)}: done"

    return run


def _invoke(group: click.Group, app: AppContext, args: list[str]) -> int:
    # standalone_mode=False: errors come back as exceptions for the job's boundary to log,
    # and click never calls sys.exit in the daemon's worker thread.
    result = group.main(args=[*global_args(app), *args], prog_name="ghostscan", standalone_mode=False, obj=app)
    return int(result or 0)
