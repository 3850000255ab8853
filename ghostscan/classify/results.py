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


# Most messages share one classification (plain human mail, `registry.PLAIN_HUMAN`): the
# last one written and read is remembered, so it is turned into JSON and back once, not
# once per message, and messages read back share one object as they did when classified.
_last_written: tuple[Classification | None, str] = (None, "")
_last_read: tuple[str, Classification | None] = ("", None)


def classification_to_json(c: Classification) -> str:
    global _last_written
    if _last_written[0] is c:
        return _last_written[1]
    text = _classification_json(c)
    _last_written = (c, text)
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
    global _last_read
    last_text, last = _last_read
    if last is not None and text == last_text:
        return last
    data = json.loads(text)
    returned = data["returned"]
    classification = Classification(
        kind=MessageKind(data["kind"]),
        evidence=_evidence(data["evidence"]),
        misses=tuple(data["misses"]),
        returned=None if returned is None else ReturnedMessage(returned[0], tuple(returned[1]), returned[2]),
        body_read=bool(data["body_read"]),
    )
    _last_read = (text, classification)
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
