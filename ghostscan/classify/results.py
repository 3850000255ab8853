"""Classification and text readings as JSON, so the store can keep them between runs.

A result is kept under `rules_version`: a digest of the code and patterns that decide
kinds and intents. Change a rule or a pattern and every message is decided afresh; leave
them and an unchanged message is never classified or read again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from ghostscan import __version__
from ghostscan.classify.base import Classification, Evidence, MessageKind, MessageText, ReturnedMessage
from ghostscan.settings import NlpSettings

_PACKAGE = Path(__file__).resolve().parent.parent
_DECIDING = ("classify", "parse")


def rules_version(nlp: NlpSettings = NlpSettings()) -> str:
    """A digest of everything that decides a message's kind and intents.

    Covers ghostscan's version, the source and pattern files under ``classify/`` and
    ``parse/``, and the user's `nlp` settings with their pattern files' contents.
    """
    digest = hashlib.sha1(__version__.encode())
    for folder in _DECIDING:
        for path in sorted((_PACKAGE / folder).rglob("*")):
            if path.suffix in (".py", ".jsonl") and path.is_file():
                digest.update(path.relative_to(_PACKAGE).as_posix().encode())
                digest.update(path.read_bytes())
    digest.update(repr(nlp.model).encode())
    for pattern in nlp.patterns:
        try:
            digest.update(Path(pattern).read_bytes())
        except OSError:
            digest.update(pattern.encode())
    return digest.hexdigest()[:16]


def code_version() -> str:
    """A digest of ghostscan's version and every source and pattern file of the package.

    Kept results of whole scans (see `ghostscan.store.snapshots`) count only under it:
    any change to threading, verdicts or advice, not only to the rules, decides afresh.
    """
    digest = hashlib.sha1(__version__.encode())
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".jsonl") and path.is_file():
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _evidence(items: Any) -> tuple[Evidence, ...]:
    return tuple(Evidence(rule, detail) for rule, detail in items)


# A mailbox's classifications repeat: plain human mail shares one (`registry.PLAIN_HUMAN`),
# each newsletter's list gives the same evidence every time. Each distinct one is turned
# into JSON and back once, not once per message, and messages read back share one object
# as equal ones do when classified.
_CACHE_LIMIT = 4096
_written: dict[Classification, str] = {}
_read: dict[str, Classification] = {}


def classification_to_json(c: Classification) -> str:
    text = _written.get(c)
    if text is None:
        text = _classification_json(c)
        if len(_written) >= _CACHE_LIMIT:
            _written.clear()
        _written[c] = text
    return text


def _classification_json(c: Classification) -> str:
    returned = c.returned
    return json.dumps(
        {
            "kind": c.kind.value,
            "evidence": [[e.rule, e.detail] for e in c.evidence],
            "misses": list(c.misses),
            "returned": None
            if returned is None
            else [returned.message_id, list(returned.recipients), returned.subject],
            "body_read": c.body_read,
        },
        ensure_ascii=False,
    )


def classification_from_json(text: str) -> Classification:
    found = _read.get(text)
    if found is not None:
        return found
    data = json.loads(text)
    returned = data["returned"]
    classification = Classification(
        kind=MessageKind(data["kind"]),
        evidence=_evidence(data["evidence"]),
        misses=tuple(data["misses"]),
        returned=None if returned is None else ReturnedMessage(returned[0], tuple(returned[1]), returned[2]),
        body_read=bool(data["body_read"]),
    )
    if len(_read) >= _CACHE_LIMIT:
        _read.clear()
    _read[text] = classification
    return classification


def text_to_json(t: MessageText) -> str:
    return json.dumps(
        {
            "language": t.language,
            "intents": sorted(t.intents),
            "evidence": [[e.rule, e.detail] for e in t.evidence],
            "return_date": t.return_date.isoformat() if t.return_date else None,
        },
        ensure_ascii=False,
    )


def text_from_json(text: str) -> MessageText:
    data = json.loads(text)
    return MessageText(
        language=data["language"],
        intents=frozenset(data["intents"]),
        evidence=_evidence(data["evidence"]),
        return_date=date.fromisoformat(data["return_date"]) if data["return_date"] else None,
    )
