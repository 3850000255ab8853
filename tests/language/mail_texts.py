"""Mail texts to check the language layer's shortcuts against (see tests/unit/language)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

from ghostscan.classify.text_reader import attachment_names
from ghostscan.parse.body import body_text, parse_text_parts

REPO = Path(__file__).resolve().parents[2]


def mail_texts(root: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Body text and attachment names of every message file under *root*, each pair once."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix in (".tsv", ".md", ".json", ".yaml"):
            continue
        msg = parse_text_parts(path.read_bytes())
        found = (body_text(msg), attachment_names(msg))
        if found not in seen:
            seen.add(found)
            yield found


def labelled_texts() -> list[str]:
    """The texts of ``tests/data/intents.tsv``."""
    sys.path.insert(0, str(REPO / "tests" / "language"))
    from intent_scoring import load_rows

    return [row.text for row in load_rows(REPO / "tests" / "data" / "intents.tsv")]
