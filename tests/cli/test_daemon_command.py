"""``ghostscan daemon`` as a real process: first poll at start, one line per run, a failing
run that does not stop it, and a clean exit 0 on SIGTERM and SIGINT.

Plus the digest wiring: the digest job runs the ``digest`` command in-process, with the
daemon's settings and under the store's run lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
import pytest
import yaml

from ghostscan.cli import cli
from ghostscan.cli.context import AppContext
from ghostscan.cli.daemon import build_jobs
from ghostscan.environment import Environment
from ghostscan.schedule.daemon import CommandFailedError
from ghostscan.schedule.lock import StoreBusyError, run_lock
from ghostscan.status import ExitStatus

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "mailbox"


def start_daemon(*args: str, config: Path | None = None, environ: dict[str, str] | None = None) -> subprocess.Popen:
    head = ["--config", str(config)] if config else []
    return subprocess.Popen(
        [sys.executable, "-m", "ghostscan", *head, "daemon", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(environ or {})},
    )


def read_until(proc: subprocess.Popen, done) -> list[str]:
    """stderr lines up to and including the first one for which *done* is true."""
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if done(line):
            return lines
    raise AssertionError(f"daemon ended (exit {proc.wait()}) before the expected line:\n{''.join(lines)}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_daemon_polls_at_start_and_stops_cleanly_on_signal(sig):
    proc = start_daemon("--source", str(SAMPLES), "--run-now")
    try:
        lines = read_until(proc, lambda line: line.startswith("ghostscan: INFO: poll "))
        assert lines[-1].startswith(f"ghostscan: INFO: poll {SAMPLES}: 22 conversations: ")
        assert "51 messages" in lines[-1]
        proc.send_signal(sig)
        out, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitStatus.OK
    assert out == ""
    assert rest.splitlines() == [f"ghostscan: INFO: {sig.name} received: stopping after the running job", "ghostscan: INFO: stopped"]


def test_failing_run_is_logged_and_the_daemon_goes_on(tmp_path):
    missing = tmp_path / "gone"
    proc = start_daemon("--source", str(missing), "--source", str(SAMPLES), "--run-now")
    try:
        lines = read_until(proc, lambda line: line.startswith(f"ghostscan: INFO: poll {SAMPLES}:"))
        assert f"ghostscan: ERROR: poll {missing}: failed: cannot read mailbox {missing}: no such file or directory (retrying at the next run)\n" in lines
        assert proc.poll() is None, "a failing run must not end the daemon"
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0


def test_quiet_daemon_says_nothing_but_errors(tmp_path):
    missing = tmp_path / "gone"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ghostscan", "-q", "daemon", "--source", str(missing), "--run-now"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stderr.readline()
        proc.send_signal(signal.SIGTERM)
        _, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert first == f"ghostscan: ERROR: poll {missing}: failed: cannot read mailbox {missing}: no such file or directory (retrying at the next run)\n"
    assert rest == ""
    assert proc.returncode == 0


def test_nothing_to_schedule_is_a_usage_error(run):
    result = run("daemon")
    assert result.code == ExitStatus.USAGE
    assert result.stderr.endswith("Error: nothing to schedule: use --account NAME or --source PATH, or set schedule.accounts, accounts or source in the config\n")


def test_bad_cron_in_the_config_names_the_key(run, tmp_path):
    config = tmp_path / "gs.yaml"
    config.write_text('schedule:\n  digest:\n    cron: "30 25 * * 1-5"\n', encoding="utf-8")
    result = run("--config", str(config), "daemon", "--source", str(SAMPLES))
    assert result.code == ExitStatus.CONFIG
    assert result.stderr == (
        f"ghostscan: error: {config}: schedule.digest.cron: '30 25 * * 1-5': error validating expression '25': "
        "the last value (25) is higher than the maximum value (23)\n"
    )


def test_config_check_shows_the_schedule(run, tmp_path):
    config = tmp_path / "gs.yaml"
    config.write_text('schedule:\n  poll_minutes: 10\n  digest:\n    cron: "30 7 * * 1-5"\n', encoding="utf-8")
    result = run("--config", str(config), "config", "check")
    assert result.code == 0
    assert "schedule: poll every 10 min, digest at '30 7 * * 1-5' Europe/Berlin\n" in result.stdout


# -- the digest job ----------------------------------------------------------------------


def group_with_digest(command: click.Command) -> click.Group:
    """The real ``ghostscan`` group plus a ``digest`` command, as it will be once that exists."""
    group = click.Group(name="ghostscan", params=cli.params, callback=cli.callback, commands=dict(cli.commands))
    group.add_command(command, "digest")
    return group


@pytest.fixture
def app(tmp_path):
    config = tmp_path / "gs.yaml"
    account = {"host": "127.0.0.1", "port": 1, "security": "none", "username": "anna", "password_env": "GS_PW"}
    data = {
        "store": {"path": str(tmp_path / "store.sqlite")},
        "accounts": {"work": account},
        "schedule": {"digest": {"cron": "30 7 * * mon-fri", "timezone": "Europe/Berlin"}},
    }
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    env = Environment(environ={"HOME": str(tmp_path), "GS_PW": "x"})
    context = AppContext(env=env, config=str(config))
    context.settings()
    return context


def test_digest_job_runs_the_digest_command_in_process_under_the_run_lock(app):
    seen = []

    @click.command()
    @click.option("--send", is_flag=True)
    @click.option("--account")
    @click.option("--source")
    @click.pass_obj
    def digest(obj: AppContext, send: bool, account: str | None, source: str | None) -> int:
        busy = []

        def other_run():
            try:
                with run_lock(obj.store_path()):
                    pass
            except StoreBusyError as exc:
                busy.append(exc)

        probe = threading.Thread(target=other_run)
        probe.start()
        probe.join()
        with obj.store_lock():  # what the real command does: free here, the job holds it
            seen.append((send, account, source, obj.settings() is app.settings(), len(busy)))
        return 0

    jobs = {job.id: job for job in build_jobs(app, ["work"], [str(SAMPLES)], group=group_with_digest(digest))}
    assert sorted(jobs) == sorted(["digest:work", f"digest:{SAMPLES}", "poll:work", f"poll:{SAMPLES}"])
    assert jobs["digest:work"].run() == "ghostscan digest --send --account work: done"
    assert jobs[f"digest:{SAMPLES}"].run() == f"ghostscan digest --send --source {SAMPLES}: done"
    assert seen == [(True, "work", None, True, 1), (True, None, str(SAMPLES), True, 0)]


def test_digest_job_fails_with_the_commands_exit_code(app):
    @click.command()
    @click.option("--send", is_flag=True)
    @click.option("--account")
    def digest(send: bool, account: str | None) -> int:
        return ExitStatus.CONNECTION

    jobs = {job.id: job for job in build_jobs(app, ["work"], [], group=group_with_digest(digest))}
    with pytest.raises(CommandFailedError) as caught:
        jobs["digest:work"].run()
    assert str(caught.value) == "ghostscan digest --send --account work exited 6 (connection)"


def test_poll_stops_between_folders_once_the_daemon_is_stopping(app):
    from ghostscan.schedule.daemon import StopRequested, run_job

    stop = threading.Event()
    (poll, _digest) = build_jobs(app, [], [str(SAMPLES)], group=cli, stop=stop)
    assert poll.run().startswith("22 conversations: ")
    stop.set()
    with pytest.raises(StopRequested) as caught:
        poll.run()
    assert str(caught.value) == "stopped before folder 1 of 5"
    assert run_job(poll) is False


def test_without_a_digest_cron_there_is_no_digest_job(app, tmp_path):
    config = tmp_path / "no-digest.yaml"
    config.write_text(yaml.safe_dump({"accounts": {"work": {"host": "127.0.0.1", "username": "anna", "password_env": "GS_PW"}}}), encoding="utf-8")
    jobs = build_jobs(AppContext(env=app.env, config=str(config)), ["work"], [], group=cli)
    assert [job.id for job in jobs] == ["poll:work"]
