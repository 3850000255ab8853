"""Cron-safe one-shot commands: no command ever reads stdin, and ``--quiet`` leaves stderr
empty when the run succeeds (cron mails whatever a job prints).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ghostscan.cli import cli
from ghostscan.status import ExitStatus

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "mailbox"
BOUNCE = REPO / "tests" / "fixtures" / "mail" / "bounce" / "delay_dsn.eml"

# A typical run of each command; a command not listed here (a newer one) is run bare.
RUNS = {
    "audit": ["audit", "--source", str(SAMPLES), "--as-of", "2026-11-20"],
    "classify": ["classify", str(BOUNCE)],
    "config check": ["config", "check"],
    "cache info": ["cache", "info"],
    "cache rebuild": ["cache", "rebuild"],
    "daemon": ["daemon"],
}


def _paths(group, prefix=""):
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _paths(command, path + " ")
        else:
            yield path


class NoStdin:
    """Stands in for sys.stdin: any read is a failure of the test."""

    def __getattr__(self, name):
        raise AssertionError(f"a command touched stdin (sys.stdin.{name})")


@pytest.mark.parametrize("path", sorted(_paths(cli)))
def test_no_command_reads_stdin(run, monkeypatch, path):
    monkeypatch.setattr(sys, "stdin", NoStdin())
    result = run(*RUNS.get(path, path.split()))
    assert "touched stdin" not in result.stderr
    # A bare run may well be a usage or config error ("nothing to schedule"); reading stdin
    # would show as an unexpected error (exit 1).
    assert result.code != ExitStatus.ERROR, result.stderr


@pytest.mark.parametrize(
    "args",
    [RUNS["audit"], RUNS["audit"] + ["--format", "json"], RUNS["classify"], RUNS["config check"], RUNS["cache info"]],
    ids=["audit", "audit-json", "classify", "config-check", "cache-info"],
)
def test_quiet_success_prints_nothing_on_stderr_with_stdin_closed(tmp_path, args):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("GHOSTSCAN_CONFIG", None)
    # As under cron: stdin is not a terminal, here not even open.
    proc = subprocess.run(
        [sys.executable, "-m", "ghostscan", "--quiet", *args],
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(0),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.strip()
