"""spaCy is imported only when text is first analysed, never by the CLI or the pipeline module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _imports_spacy(code: str) -> bool:
    probe = f"{code}\nimport sys\nprint('spacy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.parametrize(
    "module",
    [
        "ghostscan.cli",
        "ghostscan.pipeline",
        "ghostscan.classify.language",
        "ghostscan.classify.language.pipeline",
        "ghostscan.parse.reply_text",
    ],
)
def test_importing_does_not_import_spacy(module):
    assert not _imports_spacy(f"import {module}")


def test_help_does_not_import_spacy():
    code = (
        "import contextlib, io\n"
        "from ghostscan.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    assert not _imports_spacy(code)


def test_analysing_text_imports_spacy():
    code = "from ghostscan.classify.language import analyze_text\nanalyze_text('Passt so.', direction='inbound')"
    assert _imports_spacy(code)
