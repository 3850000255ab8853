"""The scheduler behind ``ghostscan daemon``: jobs, triggers, and a clean stop.

A job is a plain callable that returns a one-line outcome ("22 conversations: 9 answered,
…") or raises; `ghostscan.cli.daemon` builds the real ones (poll an account or mailbox, send
the digest), tests pass their own. Each job runs through `run_job`, the daemon's one
catch-all: a failing run is logged with its account and the daemon goes on, so the next
run retries.

APScheduler 3.x runs them, imported only inside these functions so ``ghostscan --help``
never loads it. Every job has ``max_instances=1`` and ``coalesce=True``: a run that is still
going is never started twice, and runs missed while the machine slept (within the grace
time) happen once, not once per missed slot. One worker thread runs the jobs, so two jobs
never overlap: they share one store, whose run lock would make the second one wait anyway.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from ghostscan.errors import GhostscanError
from ghostscan.schedule.lock import StoreBusyError

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.base import BaseTrigger

__all__ = ["CommandFailedError", "StopAtFolder", "StopRequested", "Cron", "Every", "Job", "cron_trigger", "build_scheduler", "run_daemon", "run_job", "describe_trigger"]

log = logging.getLogger(__name__)


class CommandFailedError(GhostscanError):
    """A command run by a job ended with an exit code other than 0.

    Attributes:
        argv: the command line, ``["ghostscan", "digest", "--send", ...]``.
        code: its exit code.
    """

    def __init__(self, argv: Sequence[str], code: int):
        self.argv = list(argv)
        self.code = code
        super().__init__(str(self))

    def __str__(self) -> str:
        from ghostscan.status import ExitStatus

        try:
            meaning = f" ({ExitStatus(self.code).name.lower()})"
        except ValueError:
            meaning = ""
        return f"{' '.join(self.argv)} exited {self.code}{meaning}"


class StopRequested(Exception):
    """Raised at a safe point inside a job when the daemon was asked to stop.

    Not a `GhostscanError`: nothing went wrong, and `run_job` logs it as a stop.
    """


class StopAtFolder:
    """A `ghostscan.pipeline.Progress` that ends a scan between two folders once *stop* is set.

    A folder's sync is saved batch by batch, so the next start resumes from the store;
    stopping between folders just keeps the daemon from holding up a shutdown for the
    rest of a long first sync.
    """

    def __init__(self, stop: threading.Event):
        self._stop = stop

    def folder(self, folder: object, index: int, total: int) -> None:
        if self._stop.is_set():
            raise StopRequested(f"stopped before folder {index + 1} of {total}")

    def advance(self, messages: int) -> None:
        pass

    def done(self) -> None:
        pass


@dataclass(frozen=True)
class Every:
    """Run every *minutes* minutes (the poll); fractions allowed."""

    minutes: float


@dataclass(frozen=True)
class Cron:
    """Run at a crontab expression in a time zone (the digest).

    Attributes:
        expression: five fields, as in crontab(5): ``"30 7 * * 1-5"`` or ``"30 7 * * mon-fri"``.
        timezone: IANA zone the expression is read in, e.g. ``"Europe/Berlin"``.
    """

    expression: str
    timezone: str


@dataclass(frozen=True)
class Job:
    """One scheduled job.

    Attributes:
        kind: ``"poll"`` or ``"digest"``.
        target: the account name or mailbox path it works on (named in every log line).
        when: its trigger.
        run: does the work; returns a one-line outcome, raises on failure.
        at_start: also run once as soon as the daemon starts (``--run-now``).
    """

    kind: str
    target: str
    when: Every | Cron
    run: Callable[[], str]
    at_start: bool = False

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.target}"


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DOW_TOKEN = re.compile(r"^(\*|\d+)(?:-(\d+))?(?:/(\d+))?$")


def _crontab_day_of_week(field: str) -> str:
    """A crontab day-of-week field in APScheduler 3's terms.

    crontab(5) counts 0 (or 7) as Sunday; APScheduler 3.x counts 0 as *Monday*
    (https://github.com/agronholm/apscheduler/issues/286, fixed only in 4.x), so
    ``"30 7 * * 1-5"`` would run Tuesday to Saturday. Numbers are turned into day names,
    which both read the same way; names and ``*`` pass unchanged.

    Raises:
        ValueError: a number outside 0-7 or a malformed part.
    """
    if not any(ch.isdigit() for ch in field.split("/")[0]) and "/" not in field:
        return field
    days: set[int] = set()
    for part in field.split(","):
        match = _DOW_TOKEN.match(part.strip())
        if not match:
            raise ValueError(f"day of week {part!r}: expected numbers 0-7 or names mon-sun, not both")
        first, last, step = match.groups()
        if first == "*":
            low, high = 0, 6
        else:
            low = int(first)
            high = int(last) if last is not None else (7 if step else low)
        if not (0 <= low <= 7 and 0 <= high <= 7) or low > high:
            raise ValueError(f"day of week {part!r}: expected numbers from 0 to 7 (0 and 7 are Sunday)")
        days.update(day % 7 for day in range(low, high + 1, int(step or 1)))
    return ",".join(_DAYS[day] for day in sorted(days))


def cron_trigger(expression: str, zone: str) -> "BaseTrigger":
    """An APScheduler trigger for a crontab expression read in the IANA zone *zone*.

    Raises:
        ValueError: the expression or the zone is not valid (the message says which part).
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from apscheduler.triggers.cron import CronTrigger

    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r} (expected e.g. Europe/Berlin)") from None
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r}: expected five crontab fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, dow = fields
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_crontab_day_of_week(dow), timezone=tz)
    except ValueError as exc:
        detail = str(exc)
        raise ValueError(f"{expression!r}: {detail[:1].lower()}{detail[1:]}") from None


def _trigger(when: Every | Cron) -> "BaseTrigger":
    if isinstance(when, Cron):
        return cron_trigger(when.expression, when.timezone)
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(seconds=when.minutes * 60, timezone=timezone.utc)


def describe_trigger(when: Every | Cron) -> str:
    """``"every 15 min"`` or ``"at '30 7 * * mon-fri' Europe/Berlin"``."""
    if isinstance(when, Cron):
        return f"at {when.expression!r} {when.timezone}"
    return f"every {when.minutes:g} min"


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, GhostscanError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


def run_job(job: Job, *, debug: bool = False) -> bool:
    """Run *job* once and log its outcome as one line; never raises.

    Returns:
        True when the job succeeded.
    """
    started = time.monotonic()
    try:
        outcome = job.run()
    except StopRequested as stopped:
        log.info("%s %s: %s; the next start goes on from the store", job.kind, job.target, stopped)
        return False
    except StoreBusyError as busy:
        # Another run (a cron line, a user's audit) has the store: nothing is wrong, and
        # the next run finds it free.
        log.warning("%s %s: skipped: %s", job.kind, job.target, busy)
        return False
    except Exception as exc:  # noqa: BLE001 - the daemon's per-job boundary: log it, keep running, retry next time
        if debug:
            log.error("%s %s: failed: %s\n%s", job.kind, job.target, _describe_error(exc), traceback.format_exc().rstrip())
        else:
            log.error("%s %s: failed: %s (retrying at the next run)", job.kind, job.target, _describe_error(exc))
        return False
    log.info("%s %s: %s (%.1f s)", job.kind, job.target, outcome, time.monotonic() - started)
    return True


def build_scheduler(
    jobs: Sequence[Job],
    *,
    now: Callable[[], datetime],
    misfire_grace_seconds: int = 3600,
    debug: bool = False,
) -> "BackgroundScheduler":
    """A scheduler (not yet started) holding *jobs*.

    Every job runs through `run_job`, at most one at a time (``max_instances=1`` and a single
    worker), with missed runs coalesced into one when they are at most
    *misfire_grace_seconds* late. *now* (`Environment.now`) dates the first run of the
    jobs that start at once.

    Raises:
        ValueError: a job's trigger is invalid (settings check them when they are loaded).
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(max_workers=1)}, timezone=timezone.utc)
    for job in jobs:
        extra: dict[str, Any] = {}
        if job.at_start:
            extra["next_run_time"] = now()
        scheduler.add_job(
            run_job,
            _trigger(job.when),
            args=(job,),
            kwargs={"debug": debug},
            id=job.id,
            name=job.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=misfire_grace_seconds,
            **extra,
        )
    return scheduler


def _route_library_logs() -> None:
    """APScheduler's own warnings (a missed run) go through ghostscan's handler, on stderr."""
    ours = logging.getLogger("ghostscan")
    theirs = logging.getLogger("apscheduler")
    theirs.handlers[:] = list(ours.handlers)
    theirs.setLevel(max(ours.getEffectiveLevel(), logging.WARNING))
    theirs.propagate = False


def run_daemon(
    jobs: Sequence[Job],
    *,
    now: Callable[[], datetime],
    misfire_grace_seconds: int = 3600,
    debug: bool = False,
    stop: threading.Event | None = None,
    signals: Iterable[int] = (signal.SIGTERM, signal.SIGINT),
) -> int:
    """Run *jobs* on their schedules until SIGTERM or SIGINT (or *stop* is set).

    On the first signal the daemon stops starting jobs, lets a running one reach its next
    safe point (a poll stops between two folders, see `StopAtFolder`; a digest finishes),
    logs "stopped" and returns 0. A second signal while it waits ends the process at once
    with 130; SQLite rolls back whatever transaction was open, so the store stays consistent.

    Args:
        jobs: what to run.
        now: the clock (`Environment.now`).
        misfire_grace_seconds: how late a missed run may still start (then coalesced).
        debug: log a failing job's traceback.
        stop: set once a signal arrived; jobs watch it through `StopAtFolder`; set it
            to stop the daemon from another thread (tests). Signal handlers are installed
            only when called in the main thread.
        signals: the signals that stop it.

    Returns:
        0 after a clean stop.
    """
    stop = stop or threading.Event()
    installed: dict[int, Any] = {}
    received: list[str] = []

    def on_signal(signum: int, frame: object) -> None:
        # Runs between two bytecodes of the main thread, which may be holding the stop
        # Event's (non-reentrant) lock at that moment: Event.set() here can deadlock. So
        # the handler only appends to a list; the main loop turns that into stop.set().
        name = signal.Signals(signum).name
        if received:
            log.warning("%s again: stopping now without waiting for the running job", name)
            os._exit(130)
        received.append(name)

    if threading.current_thread() is threading.main_thread():
        for sig in signals:
            installed[sig] = signal.signal(sig, on_signal)
    _route_library_logs()
    scheduler = build_scheduler(jobs, now=now, misfire_grace_seconds=misfire_grace_seconds, debug=debug)
    try:
        scheduler.start()
        for job in jobs:
            scheduled = scheduler.get_job(job.id)
            upcoming = scheduled.next_run_time.isoformat(timespec="seconds") if scheduled and scheduled.next_run_time else "-"
            log.info("scheduled %s %s %s, next %s", job.kind, job.target, describe_trigger(job.when), upcoming)
        log.info("started: %d job(s); SIGTERM or Ctrl-C stops", len(jobs))
        # Woken by *stop* (a test) at once, by a signal within the timeout.
        while not received and not stop.wait(timeout=0.2):
            pass
        if received:
            log.info("%s received: stopping after the running job", received[0])
            stop.set()
        scheduler.shutdown(wait=True)
    finally:
        for sig, previous in installed.items():
            signal.signal(sig, previous)
    log.info("stopped")
    return 0
