"""What business mail says, in German and English: offers, orders, declines, absences.

`analyze_text` reads one message body and returns a `TextAnalysis`: its language, its
intents (`Intent`) with the phrases that prove them, and for an out-of-office notice the
first day its sender is back. It runs on spaCy *without* a downloaded model: blank
pipelines with rule components and the patterns in ``patterns/*.jsonl`` (see
`ghostscan.classify.language.pipeline`); the rules that turn matches into intents are in
`ghostscan.classify.language.intents`.

spaCy is imported only here, and only on the first call of `analyze_text`: importing
this package (or the CLI) stays fast.

Example:
    >>> from datetime import datetime
    >>> a = analyze_text("Wir haben uns für einen anderen Anbieter entschieden.", direction="inbound")
    >>> a.language, [str(i) for i in a.intents]
    ('de', ['decline'])
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ghostscan.classify.language.intents import DIRECTIONS, INBOUND, OUTBOUND, WEAK, Intent, IntentHit, find_intents, settle
from ghostscan.classify.language.pipeline import LANGUAGES, SPANS_KEY, LanguagePipeline, built_pipeline, fold, get_pipeline
from ghostscan.classify.language.prefilter import FoldedText
from ghostscan.classify.language.return_dates import absence_start, parse_return_date
from ghostscan.errors import ConfigError
from ghostscan.parse.reply_text import reply_text

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = [
    "Intent",
    "IntentHit",
    "TextAnalysis",
    "analyze_text",
    "detect_language",
    "may_say",
    "parse_return_date",
]

MAX_ANALYZED_CHARS = 20_000
"""Characters of new text analysed; past this a message is a document, not a reply."""

_DIRECTIONS = {"inbound": INBOUND, "outbound": OUTBOUND, "colleague": OUTBOUND}


@dataclass(frozen=True)
class TextAnalysis:
    """What one message says.

    Attributes:
        language: ``"de"`` or ``"en"``.
        intents: the intents found, sorted by value, each once.
        evidence: the phrase and pattern behind each intent, in text order (an intent
            may have several).
        return_date: for an out-of-office notice, the first day back; otherwise None.
    """

    language: str
    intents: tuple[Intent, ...]
    evidence: tuple[IntentHit, ...]
    return_date: date | None


def analyze_text(
    text: str,
    *,
    direction: str,
    sent: datetime | None = None,
    attachments: Sequence[str] = (),
    extra_patterns: Sequence[Path] = (),
    model: str | None = None,
) -> TextAnalysis:
    """Find the intents of one message body.

    Quoted history and the signature are removed first (`ghostscan.parse.reply_text`),
    so only what the sender wrote in this message counts.

    Args:
        text: the whole decoded body (see `ghostscan.parse.body.body_text`).
        direction: ``"outbound"`` (written by the user, or ``"colleague"``) or
            ``"inbound"`` (written by the customer). Intents that only make sense one
            way are dropped for the other.
        sent: the message's Date; resolves weekdays and years of a return date.
        attachments: file names of the attachments. In outbound mail, an offer-like
            name ("Angebot_2026-117.pdf", "quote-acme.pdf", "Kostenvoranschlag.pdf")
            is an offer; in inbound mail a purchase order or a signed offer is an order.
        extra_patterns: the user's pattern files, same JSONL format as the package's.
        model: an installed trained spaCy pipeline ("de_core_news_sm") to use instead
            of the blank one when it can be loaded; everything works without.

    Returns:
        The `TextAnalysis`.

    Raises:
        ValueError: *direction* is not one of ``"inbound"``, ``"outbound"``, ``"colleague"``.
        ConfigError: an extra pattern file is missing or invalid.
    """
    try:
        way = _DIRECTIONS[str(direction)]
    except KeyError:
        raise ValueError(f"direction must be 'inbound' or 'outbound', not {direction!r}") from None
    reading = _reading(text, extra_patterns, model)
    body, language = reading.body, reading.language
    evidence: list[IntentHit] = []
    if body.strip():
        pipeline = get_pipeline(language, extra_patterns, model)
        made, reading.doc = reading.doc, None
        # The tokens `may_say` made of this text, if it just asked: the same doc
        # `pipeline` would make, before any component ran on it.
        doc = pipeline.nlp(made[1]) if made is not None and made[0] is pipeline else pipeline(body[:MAX_ANALYZED_CHARS])
        evidence = find_intents(
            doc, direction=way, spans_key=SPANS_KEY, negating_patterns=pipeline.negating_patterns
        )
    coming = False
    if sent is not None and any(hit.intent is Intent.OUT_OF_OFFICE for hit in evidence):
        start = absence_start(body, language, sent)
        coming = start is not None and start > sent.date()
    evidence = settle(evidence, direction=way, coming_absence=coming)
    evidence.extend(_attachment_hits(attachments, way, {h.intent for h in evidence}))
    intents = tuple(sorted({hit.intent for hit in evidence}))
    return_date = parse_return_date(body, language, sent) if Intent.OUT_OF_OFFICE in intents else None
    return TextAnalysis(language, intents, tuple(evidence), return_date)


def may_say(
    text: str,
    intent: Intent,
    *,
    direction: str,
    attachments: Sequence[str] = (),
    extra_patterns: Sequence[Path] = (),
    model: str | None = None,
) -> bool:
    """Whether `analyze_text` may find *intent* in a message: a quick test before it.

    False only when `analyze_text` with the same arguments certainly finds no *intent*:
    no attachment name gives it, and no pattern of the intent (or of an inbound order,
    which is also an acceptance) finds its words in the new text. That takes the tokenizer alone, without sentences, rules or return dates; a
    firm order is looked for in every message of a silent conversation, and few of
    them have the words of one. Most are ruled out before even that, by a look for the
    patterns' words in the raw text (`ghostscan.classify.language.prefilter`), then in
    the new text. With a trained pipeline the answer is always True.

    Args:
        text, direction, attachments, extra_patterns, model: as for `analyze_text`.
        intent: the intent asked about.

    Raises:
        ValueError, ConfigError: as `analyze_text`.
    """
    try:
        way = _DIRECTIONS[str(direction)]
    except KeyError:
        raise ValueError(f"direction must be 'inbound' or 'outbound', not {direction!r}") from None
    if way not in DIRECTIONS[intent]:
        return False
    if intent is Intent.QUESTION:
        return True  # also any question sentence, no pattern needed
    if any(hit.intent is intent for hit in _attachment_hits(attachments, way, set())):
        return True
    labels = _asked_labels(intent, way)
    if not model and not _may_hold_words(text, labels, extra_patterns):
        return False
    reading = _reading(text, extra_patterns, model)
    if not reading.body.strip():
        return False
    pipeline = get_pipeline(reading.language, extra_patterns, model)
    if pipeline.model is not None:
        return True
    matcher = pipeline.nlp.get_pipe("ghostscan_matcher")
    if len(reading.body) <= MAX_ANALYZED_CHARS and not matcher.prefilter(labels).may_match(FoldedText(reading.body)):
        # The new text alone, in its language: the quote often had the words.
        return False
    doc = pipeline.nlp.make_doc(reading.body[:MAX_ANALYZED_CHARS])
    reading.doc = (pipeline, doc)  # for `analyze_text`, which often comes next
    return matcher.may_match(doc, labels)


def _asked_labels(intent: Intent, way: str) -> tuple[str, ...]:
    """The pattern labels that make *intent* in a message written *way* (`INBOUND`, `OUTBOUND`)."""
    # An inbound order is also an acceptance (see `settle`).
    intents = (intent, Intent.ORDER_CONFIRMED) if intent is Intent.ACCEPT and way == INBOUND else (intent,)
    return tuple(label for i in intents for label in (i.value, f"{i.value}{WEAK}"))


def _may_hold_words(text: str, labels: tuple[str, ...], extra_patterns: Sequence[Path]) -> bool:
    """Whether the raw *text* holds the words some pattern of *labels* needs, in either language.

    False only where the blank pipelines' `PatternMatcher.may_match` finds no such
    pattern in the new text (see `ghostscan.classify.language.prefilter`): set lookups of
    the text's words instead of cutting the quote, detecting the language and tokenizing.
    Both languages are asked, since the language is chosen from the new text; until both
    pipelines were built for texts in their language, the answer is True (building one
    costs more than it saves in a small mailbox in one language).
    """
    if len(text) > MAX_ANALYZED_CHARS:
        return True  # the text read may end inside a word, which is then no word of the raw text
    try:
        pipelines = [built_pipeline(lang, extra_patterns) for lang in LANGUAGES]
    except ConfigError:
        return True  # the full reading reports it
    if any(pipeline is None for pipeline in pipelines):
        return True
    folded = FoldedText(text)
    return any(p.nlp.get_pipe("ghostscan_matcher").prefilter(labels).may_match(folded) for p in pipelines if p)


@dataclass
class _Reading:
    """A text's new part and language, shared by `may_say` and `analyze_text` asked in turn."""

    body: str
    language: str
    doc: tuple[LanguagePipeline, Doc] | None = None
    """The tokens `may_say` made of *body* and the pipeline that made them; taken by `analyze_text`."""


_recent: dict[tuple[str, tuple[Path, ...], str | None], _Reading] = {}
_RECENT = 2
_recent_lock = threading.Lock()


def _reading(text: str, extra_patterns: Sequence[Path], model: str | None) -> _Reading:
    """The `_Reading` of *text*: from the last few asked, else made now.

    A text read for the verdicts is mostly first asked whether it may say an intent,
    then read whole: the quote is cut once.
    """
    key = (text, tuple(extra_patterns), model)
    with _recent_lock:
        reading = _recent.get(key)
    if reading is None:
        body = reply_text(text)
        # A one-line reply ("Auftrag erteilt.") says little about its language; the
        # greeting, signature and quote around it say more.
        language = _language(body) or _language(text) or _fallback_language(body or text)
        reading = _Reading(body, language)
        with _recent_lock:
            _recent[key] = reading
            while len(_recent) > _RECENT:
                del _recent[next(iter(_recent))]
    return reading


# Function words only: frequent, short, and nearly disjoint between the two languages.
_GERMAN = frozenset(
    "und der die das ich wir sie ist nicht mit für fuer ein eine einen dem den zu von auf bitte vielen dank "
    "uns ihr ihnen wie auch bei noch gerne gern hallo leider haben wird sind es im am bis ab sehr "
    "grüße gruesse mfg hier schon oder aber dass sich mir mich dir euch sehr geehrte geehrter liebe lieber "
    "wäre waere würde wuerde können koennen möchte moechte danke nur wenn mal kurz heute morgen woche "
    "passt ja nein jo klar servus moin grüezi gruezi tschüss lg vg bitte gut super prima".split()
)
_ENGLISH = frozenset(
    "the and to of you we is for in on with our your this that be it are will thanks thank please hi "
    "dear regards not have would can could back out until my me us as at if just about best kind "
    "from let know looking forward week today tomorrow any be been was were there they do does "
    "yes yep sure ok okay great cheers sounds fine".split()
)
_WORD = re.compile(r"[a-zäöüß']+")
_GERMAN_LETTERS = re.compile(r"sch|ch|ei|ie|tz|[zäöüß]|ung\b")
_ENGLISH_LETTERS = re.compile(r"th|wh|w|y|ing\b|ea|oo")
_UMLAUT = re.compile(r"[äöüßÄÖÜ]")


def detect_language(text: str) -> str:
    """Return ``"de"`` or ``"en"`` for *text* by counting function words.

    A mixed message goes to the language with more function words. When the counts tie
    (a one-line reply, no words at all), letter groups decide ("sch", "ei", "z" against
    "th", "wh", "ing"), and after them umlauts or ß for German, else English.

    Example:
        >>> detect_language("Vielen Dank für Ihr Angebot!"), detect_language("Thanks a lot!")
        ('de', 'en')
    """
    return _language(text) or _fallback_language(text)


def _language(text: str) -> str | None:
    """The language with more function words in *text*, or None on a tie."""
    german = english = 0
    for word in _WORD.findall(text[:4000].lower()):
        if word in _GERMAN:
            german += 1
        elif word in _ENGLISH:
            english += 1
    if german == english:
        return None
    return "de" if german > english else "en"


def _fallback_language(text: str) -> str:
    sample = text[:4000].lower()
    german = len(_GERMAN_LETTERS.findall(sample))
    english = len(_ENGLISH_LETTERS.findall(sample))
    if german != english:
        return "de" if german > english else "en"
    return "de" if _UMLAUT.search(text) else "en"


_OFFER_FILE = re.compile(
    r"angebot|kostenvoranschlag|kostenschaetzung|kalkulation|offerte|preisliste|"
    r"quote|quotation|proposal|estimate|offer|pricing"
)
_SIGNED = r"(?:unterschrieben|unterzeichnet|gegengezeichnet|signed)"
_DEAL_DOCUMENT = r"(?:angebot|auftrag|vertrag|offer|quote|proposal|contract)"
_ORDER_FILE = re.compile(
    r"bestellung|auftragserteilung|purchase[\s_-]?order|(?<![a-z])po[\s_-]?\d|"
    rf"{_DEAL_DOCUMENT}.{{0,20}}{_SIGNED}|{_SIGNED}.{{0,20}}{_DEAL_DOCUMENT}"
)
# An invoice or terms are not an offer even when the name says "Angebot" somewhere.
_NOT_OFFER_FILE = re.compile(r"rechnung|invoice|agb|terms|mahnung|gutschrift|storno")


def _attachment_hits(names: Sequence[str], direction: str, found: set[Intent]) -> list[IntentHit]:
    hits: list[IntentHit] = []
    for name in names:
        folded = fold(Path(str(name)).name)
        if direction == OUTBOUND and Intent.OFFER not in found:
            if _OFFER_FILE.search(folded) and not _NOT_OFFER_FILE.search(folded) and not _ORDER_FILE.search(folded):
                hits.append(IntentHit(Intent.OFFER, str(name), "attachment-offer"))
                found = found | {Intent.OFFER}
        if direction == INBOUND and Intent.ORDER_CONFIRMED not in found and _ORDER_FILE.search(folded):
            hits.append(IntentHit(Intent.ORDER_CONFIRMED, str(name), "attachment-order"))
            found = found | {Intent.ORDER_CONFIRMED}
            if Intent.ACCEPT not in found:
                hits.append(IntentHit(Intent.ACCEPT, str(name), "implied-by-order"))
                found = found | {Intent.ACCEPT}
    return hits
