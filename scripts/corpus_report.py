"""Print the classifier's per-kind table over the labelled real-mail corpus.

Usage:
    python scripts/corpus_report.py [CORPUS_DIR] [--misses]

CORPUS_DIR defaults to $GHOSTSCAN_CORPUS. With --misses, every file whose predicted kind
differs from its label is listed with the evidence that decided it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "corpus"))
sys.path.insert(0, str(REPO / "tests"))

from classify_scoring import format_report, score_corpus  # noqa: E402


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    location = args[0] if args else os.environ.get("GHOSTSCAN_CORPUS", "")
    if not location:
        print("corpus_report: give the corpus directory or set GHOSTSCAN_CORPUS", file=sys.stderr)
        return 2
    root = Path(location)
    if not (root / "labels.tsv").is_file():
        print(f"corpus_report: {root} has no labels.tsv", file=sys.stderr)
        return 2
    score = score_corpus(root)
    print(format_report(score))
    if "--misses" in argv:
        print("\nmisclassified (label -> predicted: evidence)")
        for p in score.misclassified:
            if p.error:
                why = p.error
            else:
                why = "; ".join(str(e) for e in p.classification.evidence)
            print(f"  {p.path}: {p.truth} -> {p.predicted}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
