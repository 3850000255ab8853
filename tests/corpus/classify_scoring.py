"""Scoring the classifier against the labelled real-mail corpus.

Shared by ``tests/corpus/test_classify_corpus.py`` (which asserts the floors) and
``scripts/corpus_report.py`` (which prints the whole table). Not part of the ghostscan
package: it exists to measure it.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ghostscan.classify.base import Classification, MessageKind
from ghostscan.classify.registry import classify_bytes
from ghostscan.sources.base import MessageRef
from scoring import Score

KINDS = tuple(kind.value for kind in MessageKind)
"""Predicted kinds, in `MessageKind` order."""


@dataclass(frozen=True)
class Prediction:
    """One corpus file: its label and what the classifier said."""

    path: str
    truth: str
    predicted: str
    classification: Classification | None = None
    error: str | None = None


@dataclass(frozen=True)
class CorpusScore:
    """All predictions over a corpus and the numbers derived from them."""

    predictions: tuple[Prediction, ...]
    confusion: Counter = field(default_factory=Counter)

    def kind(self, kind: str) -> Score:
        """Score of *kind*: truth *kind* against every other label, spam and not_mail included.

        A delay or complaint predicted as bounce is a false positive of bounce.
        """
        tp = sum(1 for p in self.predictions if p.truth == kind and p.predicted == kind)
        predicted = sum(1 for p in self.predictions if p.predicted == kind)
        support = sum(1 for p in self.predictions if p.truth == kind)
        return Score(kind, tp, predicted, support)

    @property
    def errors(self) -> tuple[Prediction, ...]:
        return tuple(p for p in self.predictions if p.error is not None)

    @property
    def misclassified(self) -> tuple[Prediction, ...]:
        return tuple(p for p in self.predictions if p.truth != p.predicted)

    @property
    def truths(self) -> list[str]:
        """Every label present, MessageKind order first, then the rest (spam, not_mail)."""
        seen = {p.truth for p in self.predictions}
        return [k for k in KINDS if k in seen] + sorted(seen - set(KINDS))


def read_labels(root: Path) -> list[tuple[str, str]]:
    """(relative path, true kind) rows of ``labels.tsv``, in file order."""
    with open(root / "labels.tsv", encoding="utf-8", newline="") as fh:
        return [(row["path"], row["kind"]) for row in csv.DictReader(fh, delimiter="\t")]


def score_corpus(root: Path) -> CorpusScore:
    """Classify every labelled file under *root* and collect the predictions.

    A crash on a file is recorded as that file's ``error`` (and predicted as ``"error"``)
    instead of stopping the run, so one report shows every failure.
    """
    predictions = []
    confusion: Counter = Counter()
    for path, truth in read_labels(root):
        raw = (root / path).read_bytes()
        try:
            _, classification = classify_bytes(raw, MessageRef("corpus", path))
        except Exception as exc:  # noqa: BLE001 - a measuring tool: report every crash, do not stop
            predictions.append(Prediction(path, truth, "error", error=f"{type(exc).__name__}: {exc}"))
            confusion[(truth, "error")] += 1
            continue
        predicted = classification.kind.value
        predictions.append(Prediction(path, truth, predicted, classification))
        confusion[(truth, predicted)] += 1
    return CorpusScore(tuple(predictions), confusion)


def format_report(score: CorpusScore) -> str:
    """The confusion matrix and the per-kind precision / recall / support, as text."""
    columns = list(KINDS) + (["error"] if score.errors else [])
    width = max(len(c) for c in columns + score.truths) + 1
    lines = ["confusion matrix (rows: label, columns: predicted)", ""]
    lines.append("".ljust(width) + "".join(c[: width - 1].rjust(width) for c in columns) + "total".rjust(width))
    for truth in score.truths:
        counts = [score.confusion.get((truth, c), 0) for c in columns]
        lines.append(truth.ljust(width) + "".join(str(n).rjust(width) for n in counts) + str(sum(counts)).rjust(width))
    lines += ["", f"{'kind':<{width}}{'precision':>10}{'recall':>10}{'support':>10}{'predicted':>10}"]
    for kind in KINDS:
        s = score.kind(kind)
        lines.append(f"{kind:<{width}}{s.precision:>10.3f}{s.recall:>10.3f}{s.support:>10}{s.predicted:>10}")
    lines.append(
        f"\n{len(score.predictions)} files, {len(score.errors)} crashes, "
        f"{len(score.misclassified)} disagreements with the label"
    )
    return "\n".join(lines)
