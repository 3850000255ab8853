"""Print the language layer's per-intent table over a labelled intent file.

Usage:
    python scripts/intent_report.py [INTENTS_TSV] [--misses]

INTENTS_TSV defaults to tests/data/intents.tsv. Prints precision, recall and support per
intent, language accuracy and return-date accuracy on the out-of-office rows; with
--misses, every row whose labels or return date came out wrong, with its evidence.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "language"))
sys.path.insert(0, str(REPO / "tests"))

from intent_scoring import IntentFileError, format_misses, format_report, load_rows, score_rows  # noqa: E402

DEFAULT = REPO / "tests" / "data" / "intents.tsv"


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT
    if not path.is_file():
        print(f"intent_report: {path} does not exist", file=sys.stderr)
        return 2
    try:
        rows = load_rows(path)
    except IntentFileError as e:
        print(f"intent_report: {e}", file=sys.stderr)
        return 2
    score = score_rows(rows)
    print(format_report(score))
    if "--misses" in argv:
        print("\nmisses (labels or return date wrong)")
        print(format_misses(score) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
