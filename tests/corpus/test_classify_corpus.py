"""The classifier against every labelled file of the real-mail corpus.

Floors: no crash on any file; bounce precision >= 0.98 and recall >= 0.95; auto-reply
precision and recall >= 0.85. A delay or complaint predicted as bounce is a false
positive of bounce. ``scripts/corpus_report.py`` prints the whole table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The scoring module sits beside this file and is shared with scripts/corpus_report.py.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from classify_scoring import CorpusScore, score_corpus  # noqa: E402

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def score(corpus) -> CorpusScore:
    return score_corpus(corpus.root)


def _listing(predictions) -> str:
    return "\n".join(f"  {p.path}: {p.truth} -> {p.predicted} {p.error or ''}" for p in predictions)


def test_every_labelled_file_is_classified_without_crashing(score, corpus):
    assert len(score.predictions) == len(corpus.labels())
    assert not score.errors, "crashed on:\n" + _listing(score.errors)


def test_bounce_precision_and_recall(score):
    bounce = score.kind("bounce")
    wrong = [p for p in score.predictions if (p.truth == "bounce") != (p.predicted == "bounce")]

    assert bounce.precision >= 0.98, _listing(wrong)
    assert bounce.recall >= 0.95, _listing(wrong)


def test_auto_reply_precision_and_recall(score):
    auto = score.kind("auto_reply")
    wrong = [p for p in score.predictions if (p.truth == "auto_reply") != (p.predicted == "auto_reply")]

    assert auto.precision >= 0.85, _listing(wrong)
    assert auto.recall >= 0.85, _listing(wrong)


def test_delay_warnings_and_complaints_are_never_bounces(score):
    confused = [p for p in score.predictions if p.truth in ("delay", "complaint") and p.predicted == "bounce"]

    assert not confused, _listing(confused)


def test_every_file_gets_from_the_screened_chain_what_the_whole_chain_gives(corpus):
    from ghostscan.classify.registry import classify_message, default_rules
    from ghostscan.parse.headers import parse_headers
    from ghostscan.sources.base import FolderRole, MessageRef

    different = []
    files = [p for p in corpus.root.rglob("*") if p.is_file() and p.name not in ("labels.tsv", "README.md")]
    for path in sorted(files):
        raw = path.read_bytes()
        meta = parse_headers(raw, MessageRef("corpus", path.name), FolderRole.INBOX, size=len(raw))
        try:
            whole = classify_message(meta, lambda: raw, rules=default_rules())
        except Exception:  # noqa: BLE001 - the scoring test above reports crashes
            continue
        if classify_message(meta, lambda: raw) != whole:
            different.append(str(path.relative_to(corpus.root)))

    assert len(files) > 100
    assert not different, "\n".join(different)
