"""Messages per second of the language layer on one core, and its one-time start-up cost.

Runs `analyze_text` over the labelled evaluation set (tests/data/intents.tsv, or the file
given) again and again for about ten seconds and prints messages per second, after
measuring the one-time costs: importing spaCy and building the German and English
pipelines. Also times `reply_text` alone. Never part of the test suite.

    .venv/bin/python benchmarks/language_throughput.py [INTENTS_TSV] [--seconds N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "language"))
sys.path.insert(0, str(REPO / "tests"))

from intent_scoring import load_rows  # noqa: E402


def main(argv: list[str]) -> int:
    seconds = 10.0
    if "--seconds" in argv:
        seconds = float(argv[argv.index("--seconds") + 1])
    args = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--seconds")]
    path = Path(args[0]) if args else REPO / "tests" / "data" / "intents.tsv"
    rows = load_rows(path)

    started = time.perf_counter()
    import spacy  # noqa: F401 - measured: the import is part of the first analysis

    imported = time.perf_counter()
    from ghostscan.classify.language import analyze_text
    from ghostscan.classify.language.pipeline import get_pipeline
    from ghostscan.parse.reply_text import reply_text

    for lang in ("de", "en"):
        get_pipeline(lang)
    built = time.perf_counter()
    print(f"one-time: import spaCy {imported - started:.2f} s, build de+en pipelines {built - imported:.2f} s")

    # Warm up: the vocabulary grows on first sight of each word.
    for row in rows:
        analyze_text(row.text, direction=row.direction, sent=row.sent)

    count = 0
    begin = time.perf_counter()
    while time.perf_counter() - begin < seconds:
        for row in rows:
            analyze_text(row.text, direction=row.direction, sent=row.sent)
        count += len(rows)
    elapsed = time.perf_counter() - begin
    chars = sum(len(r.text) for r in rows) / len(rows)
    print(f"analyze_text: {count / elapsed:,.0f} messages/s ({count} messages of {chars:.0f} characters on average, {elapsed:.1f} s)")

    count = 0
    begin = time.perf_counter()
    while time.perf_counter() - begin < seconds / 5:
        for row in rows:
            reply_text(row.text)
        count += len(rows)
    elapsed = time.perf_counter() - begin
    print(f"reply_text alone: {count / elapsed:,.0f} messages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
