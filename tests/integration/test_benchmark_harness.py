"""The benchmark harness (benchmarks/run.py) measures every part on a small mailbox.

Speed is never asserted here. What is checked is that `benchmarks/run.py` still runs end
to end against a real Dovecot: its audits stand in for parts of ghostscan (a reader that
reads nothing for the headers-only audit), and when the scan asks something new of its
reader, a stale stand-in used to end a 100k run minutes in. Also that both first audits
and the CLI re-runs agree on what they found.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from servers import missing_server
from servers.dovecot import find_dovecot

REPO = Path(__file__).resolve().parents[2]
SIZE = 300


@pytest.fixture(scope="module")
def measured():
    if find_dovecot() is None:
        missing_server("Dovecot is not installed (apt-get install dovecot-imapd)")
    # run.py imports the generator as it goes.
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import run

        yield run.measure_size(SIZE, interpreter=0.0, timeout=240, keep=False)
    finally:
        sys.path.remove(str(REPO / "benchmarks"))


def test_every_part_is_measured(measured):
    assert set(measured.parts) >= {
        "baseline",
        "baseline+parse",
        "header audit",
        "first audit",
        "threading",
        "re-run",
        "re-run (terminal)",
        "re-run +1%",
        "--help",
    }
    assert not measured.notes
    for name, part in measured.parts.items():
        assert part.runs and all(seconds > 0 for seconds in part.runs), name


def test_both_first_audits_read_the_whole_mailbox(measured):
    headers, full = measured.parts["header audit"].extra, measured.parts["first audit"].extra
    messages = measured.mailbox["messages"]
    assert headers["messages"] == full["messages"] == messages
    # Headers only: no text is read, only what the rules ask for (a bounce's report).
    assert 0 <= headers["bodies_read"] < full["bodies_read"]
    assert sum(headers["verdicts"].values()) > 0
    assert sum(full["verdicts"].values()) > 0
    assert full["problems"] == 0


def test_the_re_runs_ask_the_server_little(measured):
    first = measured.parts["first audit"].commands
    assert measured.parts["re-run"].commands < first
    assert measured.parts["re-run"].bytes_in < measured.parts["first audit"].bytes_in
