"""The scheduler: triggers, job options, a failing job that does not stop it, a clean stop."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ghostscan.errors import SourceError
from ghostscan.schedule.daemon import CommandFailedError, Cron, Every, Job, build_scheduler, cron_trigger, run_daemon, run_job

BERLIN = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def fire_times(trigger, start: datetime, count: int) -> list[datetime]:
    times, previous, now = [], None, start
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        times.append(previous)
        now = previous + timedelta(seconds=1)
    return times


@pytest.mark.parametrize("expression", ["30 7 * * 1-5", "30 7 * * mon-fri", "30 7 * * 1,2,3,4,5"])
def test_weekday_digest_fires_monday_to_friday_at_0730_berlin(expression):
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=BERLIN)
    times = fire_times(cron_trigger(expression, "Europe/Berlin"), saturday, 10)
    assert [t.strftime("%a %H:%M") for t in times[:5]] == ["Mon 07:30", "Tue 07:30", "Wed 07:30", "Thu 07:30", "Fri 07:30"]
    assert {t.strftime("%a") for t in times} == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert all(t.utcoffset() == timedelta(hours=1) for t in times), "Berlin is UTC+1 in November"


def test_digest_keeps_local_time_across_the_clock_change():
    # Europe/Berlin goes to summer time on Sunday 2027-03-28: 07:30 local is 06:30 UTC before, 05:30 UTC after.
    friday = datetime(2027, 3, 26, 8, 0, tzinfo=BERLIN)
    monday = fire_times(cron_trigger("30 7 * * 1-5", "Europe/Berlin"), friday, 1)[0]
    assert monday.astimezone(timezone.utc) == datetime(2027, 3, 29, 5, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("dow", ["0", "7", "sun"])
def test_sunday_is_0_and_7_as_in_crontab(dow):
    times = fire_times(cron_trigger(f"0 9 * * {dow}", "UTC"), datetime(2026, 11, 23, tzinfo=timezone.utc), 2)
    assert [t.date().isoformat() for t in times] == ["2026-11-29", "2026-12-06"]


@pytest.mark.parametrize(
    "expression, zone, message",
    [
        ("30 7 * *", "UTC", "'30 7 * *': expected five crontab fields (minute hour day month weekday), got 4"),
        ("61 7 * * *", "UTC", "'61 7 * * *': error validating expression '61': the last value (61) is higher than the maximum value (59)"),
        ("30 7 * * 8", "UTC", "'30 7 * * 8': day of week '8': expected numbers from 0 to 7 (0 and 7 are Sunday)"),
        ("30 7 * * 1-5", "Mars/Olympus", "unknown time zone 'Mars/Olympus' (expected e.g. Europe/Berlin)"),
    ],
)
def test_bad_cron_or_zone_is_a_clear_error(expression, zone, message):
    with pytest.raises(ValueError) as caught:
        cron_trigger(expression, zone)
    assert str(caught.value) == message


def test_scheduler_jobs_are_coalesced_single_instance_with_grace():
    jobs = [
        Job("poll", "work", Every(15), lambda: "ok"),
        Job("digest", "work", Cron("30 7 * * mon-fri", "Europe/Berlin"), lambda: "ok"),
    ]
    scheduler = build_scheduler(jobs, now=utcnow, misfire_grace_seconds=600)
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(scheduled) == ["digest:work", "poll:work"]
    for job in scheduled.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 600
    assert scheduled["poll:work"].trigger.interval == timedelta(minutes=15)
    digest = scheduled["digest:work"].trigger
    assert str(digest.timezone) == "Europe/Berlin"
    assert {f.name: str(f) for f in digest.fields}["day_of_week"] == "mon-fri"
    assert {f.name: str(f) for f in digest.fields}["hour"] == "7"


def test_run_now_polls_at_start_and_the_digest_waits_for_its_time():
    start = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    jobs = [
        Job("poll", "work", Every(15), lambda: "ok", at_start=True),
        Job("digest", "work", Cron("30 7 * * mon-fri", "Europe/Berlin"), lambda: "ok"),
    ]
    scheduler = build_scheduler(jobs, now=lambda: start)
    assert scheduler.get_job("poll:work").next_run_time == start
    assert not hasattr(scheduler.get_job("digest:work"), "next_run_time") or scheduler.get_job("digest:work").next_run_time is None


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


@pytest.fixture
def log_lines():
    handler = Lines()
    logger = logging.getLogger("ghostscan.schedule")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(old)


def test_failing_job_is_logged_with_its_account_and_the_next_run_is_not_affected(log_lines):
    def broken():
        raise SourceError("/mail/work", "no such file or directory")

    assert run_job(Job("poll", "work", Every(15), broken)) is False
    assert run_job(Job("poll", "home", Every(15), lambda: "3 conversations: 3 answered")) is True
    assert log_lines[0] == "ERROR: poll work: failed: cannot read mailbox /mail/work: no such file or directory (retrying at the next run)"
    assert log_lines[1].startswith("INFO: poll home: 3 conversations: 3 answered (")


def test_unexpected_error_names_its_type(log_lines):
    def bug():
        raise KeyError("uid")

    assert run_job(Job("digest", "work", Every(15), bug)) is False
    assert log_lines == ["ERROR: digest work: failed: unexpected KeyError: 'uid' (retrying at the next run)"]


def test_busy_store_skips_the_run_with_a_warning(log_lines):
    from ghostscan.schedule.lock import StoreBusyError

    def busy():
        raise StoreBusyError("/state/store.sqlite", 4242)

    assert run_job(Job("poll", "work", Every(15), busy)) is False
    assert log_lines == ["WARNING: poll work: skipped: store /state/store.sqlite is in use by another ghostscan run (pid 4242); try again later or pass --wait SECONDS"]


def test_daemon_survives_failing_runs_and_stops_cleanly(log_lines):
    """Real APScheduler, a short interval: the failing job fails again and again, the good one keeps running."""
    stop = threading.Event()
    good_runs, bad_runs = [], []
    enough = threading.Event()

    def good():
        good_runs.append(1)
        if len(good_runs) >= 3 and len(bad_runs) >= 3:
            enough.set()
        return "fine"

    def bad():
        bad_runs.append(1)
        raise RuntimeError("server on fire")

    jobs = [Job("poll", "broken", Every(0.001), bad, at_start=True), Job("poll", "work", Every(0.001), good, at_start=True)]
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(run_daemon(jobs, now=utcnow, stop=stop)))
    thread.start()
    try:
        assert enough.wait(60), f"good {len(good_runs)}, bad {len(bad_runs)}"
    finally:
        stop.set()
        thread.join(60)
    assert result == [0]
    assert log_lines.count("ERROR: poll broken: failed: unexpected RuntimeError: server on fire (retrying at the next run)") >= 3
    assert log_lines[-1] == "INFO: stopped"


def test_stop_waits_for_the_running_job(log_lines):
    stop = threading.Event()
    running, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow():
        running.set()
        release.wait(60)
        finished.set()
        return "done"

    thread = threading.Thread(target=run_daemon, args=([Job("poll", "work", Every(15), slow, at_start=True)],), kwargs={"stop": stop, "now": utcnow})
    thread.start()
    assert running.wait(60)
    stop.set()
    release.set()
    thread.join(60)
    assert finished.is_set()
    done = [i for i, line in enumerate(log_lines) if line.startswith("INFO: poll work: done (")]
    assert len(done) == 1 and log_lines[-1] == "INFO: stopped", log_lines


def test_command_failure_reads_as_a_sentence():
    assert str(CommandFailedError(["ghostscan", "digest", "--send", "--account", "work"], 6)) == "ghostscan digest --send --account work exited 6 (connection)"


STUCK_DAEMON = """
import logging, sys, threading
from datetime import datetime, timezone
from ghostscan.log import setup_logging
from ghostscan.schedule.daemon import Every, Job, run_daemon

setup_logging(sys.stderr, verbosity=1)

def stuck():
    print("running", flush=True)
    threading.Event().wait()  # a job that never reaches a safe point

sys.exit(run_daemon([Job("poll", "work", Every(15), stuck, at_start=True)], now=lambda: datetime.now(timezone.utc)))
"""


def test_second_signal_stops_at_once_with_130():
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", STUCK_DAEMON], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "running\n"
        proc.send_signal(signal.SIGTERM)
        for line in proc.stderr:
            if "received" in line:
                break
        assert line == "ghostscan: INFO: SIGTERM received: stopping after the running job\n"
        assert proc.poll() is None, "the first signal waits for the running job"
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert rest == "ghostscan: WARNING: SIGTERM again: stopping now without waiting for the running job\n"
