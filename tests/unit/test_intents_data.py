"""The intent evaluation set (tests/data/intents.tsv) is well-formed and its README is current.

The language layer is scored against this file, so a malformed row would silently skew every
score: these tests keep the file readable by a plain tab split, the labels and dates valid, and
the counts in tests/data/README.md equal to the file's.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
TSV = DATA / "intents.tsv"
README = DATA / "README.md"

HEADER = ["id", "lang", "direction", "sent", "labels", "return_date", "text"]
LABELS = (
    "offer",
    "order_confirmed",
    "follow_up",
    "decline",
    "accept",
    "question",
    "call_me",
    "out_of_office",
)
# The label table says who writes each of these; the rest may come from either side.
INBOUND_ONLY = {"decline", "accept", "question", "call_me", "out_of_office"}
OUTBOUND_ONLY = {"follow_up"}
LANGS = ("de", "en")
ID_PATTERN = re.compile(r"(de|en)-[a-z]+-\d{3}")


def read_lines() -> tuple[list[str], list[list[str]]]:
    lines = TSV.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", "the file ends with a newline"
    header, *body = lines[:-1]
    return header.split("\t"), [line.split("\t") for line in body]


def read_rows() -> list[dict[str, str]]:
    header, body = read_lines()
    return [dict(zip(header, fields)) for fields in body]


def labels_of(row: dict[str, str]) -> list[str]:
    return row["labels"].split(",") if row["labels"] else []


ROWS = read_rows()


def row_id(row: dict[str, str]) -> str:
    return row.get("id", "?")


def test_header_and_field_count():
    header, body = read_lines()
    assert header == HEADER
    bad = [fields[0] for fields in body if len(fields) != len(HEADER)]
    assert not bad, f"rows without exactly {len(HEADER)} tab-separated fields: {bad}"


def test_csv_reader_agrees_with_a_plain_tab_split():
    # A text that starts with a quote character would make csv's default dialect swallow
    # tabs and newlines; the README promises both ways of reading give the same rows.
    with open(TSV, encoding="utf-8", newline="") as fh:
        via_csv = list(csv.DictReader(fh, delimiter="\t"))
    assert via_csv == ROWS


def test_enough_rows_in_both_languages():
    assert len(ROWS) >= 320
    per_lang = Counter(row["lang"] for row in ROWS)
    for lang in LANGS:
        assert 0.4 <= per_lang[lang] / len(ROWS) <= 0.6, per_lang


def test_ids_are_unique_slugs_naming_their_language():
    ids = [row["id"] for row in ROWS]
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert not duplicates
    for row in ROWS:
        assert ID_PATTERN.fullmatch(row["id"]), row["id"]
        assert row["id"].startswith(row["lang"] + "-"), row["id"]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_values_are_valid(row):
    assert row["lang"] in LANGS
    assert row["direction"] in ("inbound", "outbound")
    sent = datetime.fromisoformat(row["sent"])
    assert sent.tzinfo is not None, "sent carries its UTC offset"
    labels = labels_of(row)
    assert set(labels) <= set(LABELS), labels
    assert len(labels) == len(set(labels)), "a label is listed twice"
    if row["direction"] == "outbound":
        assert not set(labels) & INBOUND_ONLY, labels
    else:
        assert not set(labels) & OUTBOUND_ONLY, labels
    text = row["text"]
    assert text and text == text.strip()
    assert "\r" not in text and "\t" not in text


@pytest.mark.parametrize("row", [r for r in ROWS if r["return_date"]], ids=row_id)
def test_return_date_only_on_absence_notices_and_after_the_mail(row):
    assert "out_of_office" in labels_of(row)
    back = date.fromisoformat(row["return_date"])
    sent_day = datetime.fromisoformat(row["sent"]).date()
    # A January date in a December notice belongs to the next year: a wrong year lands
    # before the mail or a year after it, and both fall outside this window.
    assert sent_day < back <= sent_day + timedelta(weeks=6), (sent_day, back)


def test_every_label_has_thirty_positives_in_both_languages():
    counts = Counter((label, row["lang"]) for row in ROWS for label in labels_of(row))
    for label in LABELS:
        total = counts[(label, "de")] + counts[(label, "en")]
        assert total >= 30, (label, total)
        for lang in LANGS:
            assert counts[(label, lang)] >= 10, (label, lang, counts[(label, lang)])


def test_enough_rows_without_any_label():
    assert sum(1 for row in ROWS if not labels_of(row)) >= 80


def test_absence_notices_exercise_the_year_roll_over_and_missing_dates():
    absences = [row for row in ROWS if "out_of_office" in labels_of(row)]
    next_year = [
        row
        for row in absences
        if row["return_date"]
        and date.fromisoformat(row["return_date"]).year > datetime.fromisoformat(row["sent"]).year
    ]
    undated = [row for row in absences if not row["return_date"]]
    for lang in LANGS:
        assert sum(row["lang"] == lang for row in next_year) >= 5, lang
        assert sum(row["lang"] == lang for row in undated) >= 2, lang


def test_readme_counts_match_the_file():
    table = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\| `([a-z_()]+)` \| (\d+) \| (\d+) \| (\d+) \|", line)
        if match:
            table[match[1]] = tuple(int(n) for n in match.group(2, 3, 4))

    def count(predicate) -> tuple[int, int, int]:
        de = sum(1 for row in ROWS if row["lang"] == "de" and predicate(row))
        en = sum(1 for row in ROWS if row["lang"] == "en" and predicate(row))
        return de, en, de + en

    expected = {label: count(lambda row, label=label: label in labels_of(row)) for label in LABELS}
    expected["(none)"] = count(lambda row: not labels_of(row))
    expected["rows"] = count(lambda row: True)
    expected["inbound"] = count(lambda row: row["direction"] == "inbound")
    expected["outbound"] = count(lambda row: row["direction"] == "outbound")
    expected["return_date"] = count(lambda row: bool(row["return_date"]))
    assert table == expected
