"""Shared fixtures.

`corpus` points at the real-mail corpus named by ``GHOSTSCAN_CORPUS`` (``.ci/run`` sets it
to ``../shared/corpus``); tests that need it skip with the reason when it is absent.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

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
