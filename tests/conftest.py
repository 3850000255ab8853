"""Shared fixtures.

`corpus` points at the real-mail corpus named by ``GHOSTSCAN_CORPUS`` (``.ci/run`` sets it
to ``../shared/corpus``); tests that need it skip with the reason when it is absent.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ghostscan.cli import main
from ghostscan.environment import Environment

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Corpus:
    root: Path

    def labels(self) -> dict[str, str]:
        """relative path → true kind, from labels.tsv."""
        with open(self.root / "labels.tsv", encoding="utf-8", newline="") as fh:
            rows = csv.DictReader(fh, delimiter="\t")
            return {row["path"]: row["kind"] for row in rows}


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    value = os.environ.get("GHOSTSCAN_CORPUS")
    if not value:
        pytest.skip("GHOSTSCAN_CORPUS is not set: the real-mail corpus is not available")
    root = Path(value)
    if not (root / "labels.tsv").is_file():
        pytest.skip(f"GHOSTSCAN_CORPUS={value} has no labels.tsv: the real-mail corpus is not available")
    return Corpus(root)


AS_OF = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run(tmp_path, capsys):
    """``run(*args, environ=None, now=AS_OF)`` → `Run` with exit code, stdout and stderr."""

    def _run(*args: str, environ: dict[str, str] | None = None, now=lambda: AS_OF) -> Run:
        out, err = io.StringIO(), io.StringIO()
        base = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
        env = Environment(stdout=out, stderr=err, environ={**base, **(environ or {})}, now=now)
        code = main(list(args), env=env)
        captured = capsys.readouterr()  # click writes --help/--version to sys.stdout
        return Run(int(code), out.getvalue() + captured.out, err.getvalue() + captured.err)

    return _run
