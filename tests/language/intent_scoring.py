"""Scoring `analyze_text` against a labelled intent file.

Shared by ``tests/language/test_intent_eval.py`` (which asserts the floors) and
``scripts/intent_report.py`` (which prints the whole table). Not part of the ghostscan
package: it exists to measure it.

The file is tab-separated with a header row and the columns ``id lang direction sent
labels return_date text``: ``labels`` is a comma-separated list of intent values (empty
for none; spaces, ``;`` and ``|`` also separate), ``sent`` an ISO date or datetime (may
be empty), ``return_date`` an ISO date (empty for none), and ``text`` the message body
with ``\\n`` for newlines (``\\t`` and ``\\\\`` are unescaped too). The text is the last
column, so a stray tab inside it stays part of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ghostscan.classify.language import Intent, TextAnalysis, analyze_text
from scoring import Score

LABELS = tuple(intent.value for intent in Intent)
"""Every intent label, in `Intent` order."""

COLUMNS = ("id", "lang", "direction", "sent", "labels", "return_date", "text")
_SEPARATORS = re.compile(r"[\s,;|]+")
_ESCAPES = re.compile(r"\\(n|t|r|\\)")
_UNESCAPED = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


class IntentFileError(ValueError):
    """The labelled file does not have the expected shape."""


@dataclass(frozen=True)
class Row:
    """One labelled message."""

    id: str
    lang: str
    direction: str
    sent: datetime | None
    labels: frozenset[str]
    return_date: date | None
    text: str


@dataclass(frozen=True)
class RowResult:
    """A row and what `analyze_text` said about it."""

    row: Row
    analysis: TextAnalysis | None
    error: str | None = None

    @property
    def predicted(self) -> frozenset[str]:
        if self.analysis is None:
            return frozenset()
        return frozenset(intent.value for intent in self.analysis.intents)

    @property
    def missed(self) -> frozenset[str]:
        return self.row.labels - self.predicted

    @property
    def extra(self) -> frozenset[str]:
        return self.predicted - self.row.labels

    @property
    def return_date_ok(self) -> bool:
        got = self.analysis.return_date if self.analysis else None
        return got == self.row.return_date


@dataclass(frozen=True)
class EvalScore:
    """All results over a file and the numbers derived from them."""

    results: tuple[RowResult, ...]

    def label(self, label: str) -> Score:
        tp = sum(1 for r in self.results if label in r.row.labels and label in r.predicted)
        predicted = sum(1 for r in self.results if label in r.predicted)
        support = sum(1 for r in self.results if label in r.row.labels)
        return Score(label, tp, predicted, support)

    @property
    def errors(self) -> tuple[RowResult, ...]:
        return tuple(r for r in self.results if r.error is not None)

    @property
    def misses(self) -> tuple[RowResult, ...]:
        """Rows whose predicted labels differ from their labels."""
        return tuple(r for r in self.results if r.predicted != r.row.labels)

    @property
    def exact_match(self) -> float:
        return _share(sum(1 for r in self.results if r.predicted == r.row.labels), len(self.results))

    @property
    def language_accuracy(self) -> float:
        rows = [r for r in self.results if r.row.lang in ("de", "en")]
        right = sum(1 for r in rows if r.analysis is not None and r.analysis.language == r.row.lang)
        return _share(right, len(rows))

    @property
    def out_of_office_rows(self) -> tuple[RowResult, ...]:
        return tuple(r for r in self.results if Intent.OUT_OF_OFFICE.value in r.row.labels)

    @property
    def return_date_accuracy(self) -> float:
        """Share of out-of-office rows whose return date is exactly right (both empty counts)."""
        rows = self.out_of_office_rows
        return _share(sum(1 for r in rows if r.return_date_ok), len(rows))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def unescape(text: str) -> str:
    r"""Turn the file's ``\n``, ``\t``, ``\r`` and ``\\`` back into characters."""
    return _ESCAPES.sub(lambda m: _UNESCAPED[m.group(1)], text)


def load_rows(path: Path) -> list[Row]:
    """Read a labelled intent file.

    Raises:
        IntentFileError: the header is not the expected one, or a row has too few
            columns, an unknown label or an unreadable date.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise IntentFileError(f"{path}: empty file")
    header = tuple(lines[0].split("\t"))
    if header != COLUMNS:
        raise IntentFileError(f"{path}: header is {header!r}, expected {COLUMNS!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t", len(COLUMNS) - 1)
        if len(fields) != len(COLUMNS):
            raise IntentFileError(f"{path}:{number}: {len(fields)} columns, expected {len(COLUMNS)}")
        rows.append(_row(dict(zip(COLUMNS, fields)), f"{path}:{number}"))
    return rows


def _row(fields: dict[str, str], where: str) -> Row:
    labels = frozenset(label for label in _SEPARATORS.split(fields["labels"].strip().lower()) if label)
    labels -= {"none", "-"}
    unknown = labels - set(LABELS)
    if unknown:
        raise IntentFileError(f"{where}: unknown labels {sorted(unknown)}")
    text = fields["text"]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        # Written by a csv writer that quoted the field.
        text = text[1:-1].replace('""', '"')
    try:
        sent = datetime.fromisoformat(fields["sent"].strip()) if fields["sent"].strip() else None
        returned = date.fromisoformat(fields["return_date"].strip()) if fields["return_date"].strip() else None
    except ValueError as e:
        raise IntentFileError(f"{where}: {e}") from e
    return Row(
        id=fields["id"].strip(),
        lang=fields["lang"].strip().lower(),
        direction=fields["direction"].strip().lower(),
        sent=sent,
        labels=labels,
        return_date=returned,
        text=unescape(text),
    )


def score_rows(rows: list[Row]) -> EvalScore:
    """Run `analyze_text` on every row (never raising) and collect the results."""
    results = []
    for row in rows:
        try:
            analysis = analyze_text(row.text, direction=row.direction, sent=row.sent)
        except Exception as e:  # noqa: BLE001 - a measuring tool reports a crash as a result
            results.append(RowResult(row, None, f"{type(e).__name__}: {e}"))
        else:
            results.append(RowResult(row, analysis))
    return EvalScore(tuple(results))


def format_report(score: EvalScore) -> str:
    """The per-label table, language and return-date accuracy, as text."""
    lines = [f"{'label':<16} {'precision':>9} {'recall':>7} {'TP':>4} {'pred':>5} {'support':>7}"]
    for label in LABELS:
        s = score.label(label)
        lines.append(
            f"{label:<16} {s.precision:>9.3f} {s.recall:>7.3f} {s.true_positives:>4} {s.predicted:>5} {s.support:>7}"
        )
    ooo = score.out_of_office_rows
    lines.append("")
    lines.append(f"rows: {len(score.results)}, exact label-set match: {score.exact_match:.3f}, errors: {len(score.errors)}")
    lines.append(f"language accuracy: {score.language_accuracy:.3f}")
    lines.append(
        f"return-date accuracy on {len(ooo)} out_of_office rows: {score.return_date_accuracy:.3f}"
        f" ({sum(1 for r in ooo if r.return_date_ok)} right)"
    )
    return "\n".join(lines)


def format_misses(score: EvalScore) -> str:
    """Every row whose labels or return date came out wrong, with the evidence."""
    lines = []
    for r in score.results:
        wrong_date = r in score.out_of_office_rows and not r.return_date_ok
        if r.predicted == r.row.labels and not wrong_date and r.error is None:
            continue
        head = f"{r.row.id} [{r.row.lang} {r.row.direction}]"
        parts = []
        if r.error:
            parts.append(f"error {r.error}")
        if r.missed:
            parts.append("missed " + ",".join(sorted(r.missed)))
        if r.extra:
            parts.append("extra " + ",".join(sorted(r.extra)))
        if wrong_date:
            got = r.analysis.return_date if r.analysis else None
            parts.append(f"return_date {got} != {r.row.return_date}")
        lines.append(f"{head}: {'; '.join(parts)}")
        lines.append("    " + " ".join(r.row.text.split())[:200])
        for hit in r.analysis.evidence if r.analysis else ():
            lines.append(f"    - {hit}")
    return "\n".join(lines)
