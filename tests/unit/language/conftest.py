"""A generated benchmark mailbox (`benchmarks/generate.py`, 3,000 messages: every template of the generator, about 2,500 distinct texts) as mail texts."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def benchmark_texts(tmp_path_factory) -> list[tuple[str, tuple[str, ...]]]:
    """The distinct bodies (and attachment names) of a generated 3,000-message mailbox."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    sys.path.insert(0, str(REPO / "tests" / "language"))
    from generate import generate
    from mail_texts import mail_texts

    root = tmp_path_factory.mktemp("benchmark") / "mailbox"
    generate(root, 3_000)
    try:
        return list(mail_texts(root))
    finally:
        shutil.rmtree(root, ignore_errors=True)  # about 90 MB
