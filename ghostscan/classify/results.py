"""Classification and text readings as JSON, so the store can keep them between runs.

A result is kept under `rules_version`: a digest of the code and patterns that decide
kinds and intents. Change a rule or a pattern and every message is decided afresh; leave
them and an unchanged message is never classified or read again.
"""

from __future__ import annotations

import functools
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
    digest = _files_digest(_DECIDING).copy()
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
    return _files_digest(("",)).hexdigest()[:16]


@functools.cache
def _files_digest(folders: tuple[str, ...]) -> Any:
    """sha1 of ghostscan's version and the source and pattern files under *folders* of the package.

    Once per process: the code that runs is the code imported at its start, and a run
    asks for both versions (`ghostscan.pipeline`), each more than once.
    """
    digest = hashlib.sha1(__version__.encode())
    for folder in folders:
        for path in sorted((_PACKAGE / folder).rglob("*")):
            if path.suffix in (".py", ".jsonl") and path.is_file():
                digest.update(path.relative_to(_PACKAGE).as_posix().encode())
                digest.update(path.read_bytes())
    return digest


def _evidence(items: Any) -> tuple[Evidence, ...]:
    return tuple(Evidence(rule, detail) for rule, detail in items)


# A mailbox's classifications repeat: plain human mail shares one (`registry.PLAIN_HUMAN`),
# each newsletter's list gives the same evidence every time. Each distinct one is turned
# into JSON and back once, not once per message, and messages read back share one object
# as equal ones do when classified.
_CACHE_LIMIT = 4096
_written: dict[Classification, str] = {}
_read: dict[str, Classification] = {}


@functools.cache
def _chain() -> tuple[tuple[str, ...], Evidence]:
    """The default chain's rule names, in order, and human mail's default evidence."""
    from ghostscan.classify.registry import HUMAN_DEFAULT, default_rules

    return tuple(rule.name for rule in default_rules()), HUMAN_DEFAULT


def classification_to_json(c: Classification) -> str:
    """*c* as a compact JSON array: ``[kind, evidence, misses, returned, body_read]``.

    The misses of a message decided by the default chain are the chain's first rules, up
    to the one that fired (all of them for human mail): kept as their number, which
    `classification_from_json` turns back into the names. A result only counts under
    the `rules_version` that decided it, so the chain it is read back with is the one
    that wrote it. Human mail's default evidence is kept as null. In the object form kept
    before, mostly rule names, the results of 100,000 messages took about 45 MB.
    """
    text = _written.get(c)
    if text is None:
        text = _classification_json(c)
        if len(_written) >= _CACHE_LIMIT:
            _written.clear()
        _written[c] = text
    return text


def _classification_json(c: Classification) -> str:
    returned = c.returned
    chain, human_default = _chain()
    misses: int | list[str] = len(c.misses) if c.misses == chain[: len(c.misses)] else list(c.misses)
    evidence = None if c.evidence == (human_default,) else [[e.rule, e.detail] for e in c.evidence]
    return json.dumps(
        [
            c.kind.value,
            evidence,
            misses,
            None if returned is None else [returned.message_id, list(returned.recipients), returned.subject],
            int(c.body_read),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def classification_from_json(text: str) -> Classification:
    """The `Classification` `classification_to_json` wrote (or the object form before it).

    Raises:
        ValueError: not such JSON.
    """
    found = _read.get(text)
    if found is not None:
        return found
    data = json.loads(text)
    if isinstance(data, dict):
        # Written by ghostscan before the compact form (see migration compact_results).
        data = [data["kind"], data["evidence"], data["misses"], data["returned"], data["body_read"]]
    kind, evidence, misses, returned, body_read = data
    chain, human_default = _chain()
    classification = Classification(
        kind=MessageKind(kind),
        evidence=(human_default,) if evidence is None else _evidence(evidence),
        misses=chain[:misses] if isinstance(misses, int) else tuple(misses),
        returned=None if returned is None else ReturnedMessage(returned[0], tuple(returned[1]), returned[2]),
        body_read=bool(body_read),
    )
    if len(_read) >= _CACHE_LIMIT:
        _read.clear()
    _read[text] = classification
    return classification


def text_to_json(t: MessageText) -> str:
    """*t* as a compact JSON array: ``[language, intents, evidence, return_date]``."""
    return json.dumps(
        [
            t.language,
            sorted(t.intents),
            [[e.rule, e.detail] for e in t.evidence],
            t.return_date.isoformat() if t.return_date else None,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def text_from_json(text: str) -> MessageText:
    """The `MessageText` `text_to_json` wrote (or the object form before it).

    Raises:
        ValueError: not such JSON.
    """
    data = json.loads(text)
    if isinstance(data, dict):
        # Written by ghostscan before the compact form (see migration compact_results).
        data = [data["language"], data["intents"], data["evidence"], data["return_date"]]
    language, intents, evidence, return_date = data
    return MessageText(
        language=language,
        intents=frozenset(intents),
        evidence=_evidence(evidence),
        return_date=date.fromisoformat(return_date) if return_date else None,
    )
