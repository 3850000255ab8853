"""Help and docs stay honest: every command has help text and is in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from ghostscan.cli import cli
from ghostscan.status import ExitStatus

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "ghostscan"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path, command


COMMANDS = sorted(_commands(cli), key=lambda item: item[0])


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(path, command):
    assert command.help and len(command.help.strip()) > 40, f"{path} needs a help text"
    assert f"`{path}" in README, f"README does not document {path}"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{path} {param.opts[0]} needs help"
            assert param.opts[-1] in README, f"README does not document {path} {param.opts[-1]}"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_help_runs(run, path):
    result = run(*path.split()[1:], "--help")
    assert result.code == 0
    assert result.stdout.startswith(f"Usage: {path}")


def test_every_exit_status_is_documented():
    for status in ExitStatus:
        assert f"| {int(status)} |" in README or (int(status) == 10 and "Code 10 is reserved" in README), status


def test_help_does_not_import_heavy_modules():
    code = "import sys, ghostscan.cli; heavy = [m for m in ('ghostscan.pipeline', 'holidays', 'rich.table', 'flufl.bounce', 'yaml', 'jinja2', 'smtplib', 'ghostscan.reports.digest', 'apscheduler', 'matplotlib') if m in sys.modules]; print(heavy)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
