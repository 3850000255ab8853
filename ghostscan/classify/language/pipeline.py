"""spaCy pipelines for German and English business mail: built on first use, then cached.

No downloaded model is needed. A pipeline is ``spacy.blank(lang)`` with folded NORMs
and three cheap components:

folded NORMs
    Every token's NORM is lower-cased with umlauts and ß folded (``für`` and ``fuer``
    both become ``fuer``), so one pattern covers the spellings of keyboards without
    umlauts. A blank pipeline folds its vocabulary once; with a trained pipeline, whose
    models read NORM as a feature, the ``ghostscan_norm`` component folds after them.
``ghostscan_sentences``
    Punctuation-based sentence boundaries, exactly those of spaCy's rule-based
    ``sentencizer``, computed over the token arrays instead of a Token object per word
    as the sentencizer builds them. Also starts a
    sentence after a blank line and after a short line ("Hallo Anna,", "Preis: 1.200 €"):
    mail is written in lines, and a greeting or a table row without a full stop must not
    run into the next sentence. Long lines are taken as hard-wrapped prose and joined.
``ghostscan_matcher``
    The patterns of ``patterns/<lang>.jsonl`` plus the user's files, matched on NORM
    with spaCy's ``Matcher`` and ``PhraseMatcher``; every match lands in
    ``doc.spans["ghostscan"]`` (overlaps kept), as ``span_ruler`` would put it. Unlike
    ``span_ruler`` it runs a token pattern only on a sentence holding the words the
    pattern requires, and only around them (see `PatternMatcher`): the ``Matcher``
    costs time per token *and* per pattern, and a few hundred patterns over every
    token were the slowest part of a scan by an order of magnitude.

Pattern files use spaCy's SpanRuler/EntityRuler JSONL format, one object per line::

    {"label": "decline", "id": "de-decline-anderer-anbieter", "pattern": [{"NORM": "anderen"}, ...]}
    {"label": "no.decline", "id": "de-near-miss-kein-problem", "pattern": "kein Problem"}

``pattern`` is a token pattern (a list of dicts) or a phrase (a string, tokenised and
folded like the text). NORM values and ``IN`` lists in token patterns are folded when
loaded, so ``{"NORM": "für"}`` works; a ``REGEX`` is used as written and must be
written folded (``"^gr(ue|u)sse$"``). ``label`` is an intent
(``offer``, ``order_confirmed``, ``follow_up``, ``decline``, ``accept``, ``question``,
``call_me``, ``out_of_office``), an intent with ``.weak`` (evidence that more contexts
cancel), ``no.<intent>`` (a near miss: the intent is not taken from that sentence) or a
modifier that `ghostscan.classify.language.intents` reads: ``negation``, ``idiom``,
``conditional``, ``hedge``, ``future``, ``schedule``, ``contrast``, ``past``. A user file
may carry ``"lang": "de"`` or ``"en"`` on a line to restrict it to one language.

With ``model`` naming an installed trained pipeline (``de_core_news_sm``), that pipeline
replaces the blank one and its parser's sentences are used; anything missing falls back
to the blank pipeline silently, since the rules never depend on a model.

spaCy itself is imported inside the functions here, so importing this module is free.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ghostscan.classify.language.intents import is_valid_label
from ghostscan.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from ghostscan.classify.language.prefilter import TextPrefilter

log = logging.getLogger(__name__)

LANGUAGES = ("de", "en")
PATTERNS_DIR = Path(__file__).resolve().parent / "patterns"
SPANS_KEY = "ghostscan"
SHORT_LINE = 60
"""Lines shorter than this end a sentence even without punctuation (see module docstring)."""

_FOLD_PAIRS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("’", "'"), ("‘", "'"))

# Abbreviations whose dot would otherwise end a sentence in the middle of "bis einschl.
# 12.01." or "Tel. 030 …". spaCy's German tokenizer knows "z.B." and "MwSt." but not these.
# Weekday abbreviations stay out: "So." and "Do." end ordinary sentences ("machen wir so.").
_ABBREVIATIONS = {
    "de": {
        "einschl.": "einschliesslich",
        "inkl.": "inklusive",
        "evtl.": "eventuell",
        "ggf.": "gegebenenfalls",
        "bzgl.": "bezueglich",
        "bzw.": "beziehungsweise",
        "tel.": "telefon",
        "ca.": "circa",
        "vsl.": "voraussichtlich",
        "voraussichtl.": "voraussichtlich",
        "zzgl.": "zuzueglich",
    },
    "en": {
        "incl.": "including",
        "approx.": "approximately",
        "tel.": "telephone",
    },
}

_lock = threading.Lock()
_cache: dict[tuple[str, tuple[tuple[str, int], ...], str | None], "LanguagePipeline"] = {}


@dataclass(frozen=True)
class LanguagePipeline:
    """A built pipeline and what the intent rules need to know about its patterns.

    Attributes:
        lang: ``"de"`` or ``"en"``.
        nlp: the spaCy pipeline.
        negating_patterns: ids of patterns that contain a negation word themselves
            ("kein Bedarf", "decided not to proceed"); a negation *inside* their match is
            part of the phrase, not a negation of it.
        model: the trained pipeline in use, or None for the blank one.
    """

    lang: str
    nlp: Language
    negating_patterns: frozenset[str]
    model: str | None = None

    def __call__(self, text: str) -> Doc:
        return self.nlp(text)


def get_pipeline(lang: str, extra_patterns: Sequence[Path] = (), model: str | None = None) -> LanguagePipeline:
    """Return the pipeline for *lang*, building it on the first call.

    Pipelines are cached per language, set of extra pattern files (and their
    modification times) and model name; building one costs about a tenth of a second
    after spaCy's one-time import.

    Args:
        lang: ``"de"`` or ``"en"``.
        extra_patterns: user pattern files (JSONL, same format as the package's).
        model: an installed trained spaCy pipeline to use instead of a blank one, when
            it can be loaded.

    Returns:
        The cached `LanguagePipeline`.

    Raises:
        ValueError: *lang* is not supported.
        ConfigError: an extra pattern file is missing, unreadable or invalid.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    key = (lang, tuple(_file_key(Path(p)) for p in extra_patterns), model)
    with _lock:
        pipeline = _cache.get(key)
        if pipeline is None:
            pipeline = _build(lang, [Path(p) for p in extra_patterns], model)
            _cache[key] = pipeline
    return pipeline


def built_pipeline(lang: str, extra_patterns: Sequence[Path] = (), model: str | None = None) -> LanguagePipeline | None:
    """The pipeline `get_pipeline` returns, if it was built already; else None (nothing is built).

    Raises:
        ConfigError: an extra pattern file is missing.
    """
    key = (lang, tuple(_file_key(Path(p)) for p in extra_patterns), model)
    with _lock:
        return _cache.get(key)


def load_patterns(path: Path, lang: str | None = None) -> list[dict[str, Any]]:
    """Read a pattern file and check every line's shape and label.

    Args:
        path: a JSONL pattern file.
        lang: keep only lines without a ``"lang"`` key or with this one; None keeps all.

    Returns:
        The pattern objects, in file order, ready for `PatternMatcher.add_patterns`.

    Raises:
        ConfigError: the file cannot be read, a line is not a JSON object with a valid
            ``label`` and a ``pattern``, or an ``id`` repeats.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read pattern file: {e}", path=str(path)) from e
    patterns: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(f"not valid JSON ({e.msg})", key=where, path=str(path)) from e
        if not isinstance(entry, dict) or "label" not in entry or "pattern" not in entry:
            raise ConfigError('expected an object with "label" and "pattern"', key=where, path=str(path))
        label = entry["label"]
        if not isinstance(label, str) or not is_valid_label(label):
            raise ConfigError(f"unknown label {label!r}", key=where, path=str(path))
        if not isinstance(entry["pattern"], (str, list)) or not entry["pattern"]:
            problem = "pattern must be a phrase or a non-empty list of token patterns"
            raise ConfigError(problem, key=where, path=str(path))
        pattern_id = entry.setdefault("id", f"{path.stem}-{number}")
        if pattern_id in seen_ids:
            raise ConfigError(f"pattern id {pattern_id!r} is used twice", key=where, path=str(path))
        seen_ids.add(pattern_id)
        if lang is not None and entry.get("lang", lang) != lang:
            continue
        patterns.append({k: entry[k] for k in ("label", "pattern", "id")})
    return patterns


def fold(text: str) -> str:
    """Lower-case *text* and fold umlauts, ß and typographic apostrophes.

    Example:
        >>> fold("Grüße für Jürgen’s Büro")
        "gruesse fuer juergen's buero"
    """
    text = text.lower()
    if text.isascii():
        return text
    # A few replacements in C beat `str.translate`'s lookup per character; none of them
    # makes a character another one replaces, so the order does not matter.
    for old, new in _FOLD_PAIRS:
        if old in text:
            text = text.replace(old, new)
    return text


def _file_key(path: Path) -> tuple[str, int]:
    try:
        return str(path.resolve()), path.stat().st_mtime_ns
    except OSError as e:
        raise ConfigError(f"cannot read pattern file: {e.strerror or e}", path=str(path)) from e


def _build(lang: str, extra_patterns: list[Path], model: str | None) -> LanguagePipeline:
    from spacy.errors import MatchPatternError

    _register_components()
    nlp, used_model = _base(lang, model)
    for text, norm in _ABBREVIATIONS.get(lang, {}).items():
        for variant in {text, text.capitalize()}:
            nlp.tokenizer.add_special_case(variant, [{"ORTH": variant, "NORM": norm}])
    if used_model is None:
        _fold_vocabulary(nlp)
    else:
        # A trained pipeline reads NORM as a feature: fold only after it has run.
        nlp.add_pipe("ghostscan_norm")
    if not (nlp.has_pipe("parser") or nlp.has_pipe("senter")):
        nlp.add_pipe("ghostscan_sentences")
    matcher = nlp.add_pipe("ghostscan_matcher")
    package = load_patterns(PATTERNS_DIR / f"{lang}.jsonl")
    matcher.add_patterns(package)
    loaded = list(package)
    for path in extra_patterns:
        patterns = load_patterns(path, lang)
        try:
            matcher.add_patterns(patterns)
        except (MatchPatternError, ValueError) as e:
            raise ConfigError(f"invalid pattern: {e}", path=str(path)) from e
        loaded.extend(patterns)
    negation_words = _negation_words(loaded)
    negating = frozenset(
        p["id"] for p in loaded if p["label"] != "negation" and _mentions_any(p["pattern"], negation_words)
    )
    log.debug("built %s pipeline (%s) with %d patterns", lang, used_model or "blank", len(loaded))
    return LanguagePipeline(lang, nlp, negating, used_model)


def _base(lang: str, model: str | None) -> tuple[Language, str | None]:
    import spacy

    if model:
        if spacy.util.is_package(model):
            try:
                nlp = spacy.load(model, exclude=["ner", "lemmatizer", "textcat"])
            except (OSError, ValueError, ImportError) as e:
                log.debug("cannot load spaCy model %s (%s); using a blank pipeline", model, e)
            else:
                if nlp.lang == lang:
                    return nlp, model
                log.debug("spaCy model %s is for %r, not %r; using a blank pipeline", model, nlp.lang, lang)
        else:
            log.debug("spaCy model %s is not installed; using a blank pipeline", model)
    return spacy.blank(lang), None


def _register_components() -> None:
    from spacy.language import Language

    if not Language.has_factory("ghostscan_norm"):
        Language.component("ghostscan_norm", func=_norm_component)
    if not Language.has_factory("ghostscan_sentences"):
        Language.component("ghostscan_sentences", func=_sentences_component)
    if not Language.has_factory("ghostscan_matcher"):
        Language.factory(
            "ghostscan_matcher",
            default_config={"spans_key": SPANS_KEY, "validate": True},
            func=_make_matcher,
        )


def _make_matcher(nlp: Language, name: str, spans_key: str, validate: bool) -> PatternMatcher:
    return PatternMatcher(nlp, name, spans_key=spans_key, validate=validate)


def _fold_vocabulary(nlp: Language) -> None:
    """Make every NORM folded at the source: new words, known words, tokenizer exceptions.

    Cheaper than a component touching every token of every text, and the same result.
    """
    from spacy.attrs import NORM

    original = nlp.vocab.lex_attr_getters.get(NORM)

    def folded_norm(string: str) -> str:
        return fold(original(string) if original else string)

    # What `ghostscan.classify.language.prefilter` reads to know which texts make which NORM.
    folded_norm.unfolded = original  # type: ignore[attr-defined]
    nlp.vocab.lex_attr_getters[NORM] = folded_norm
    for lexeme in nlp.vocab:
        norm = lexeme.norm_
        if fold(norm) != norm:
            lexeme.norm_ = fold(norm)
    nlp.tokenizer.rules = {
        text: [
            {attr: fold(value) if attr == NORM and isinstance(value, str) else value for attr, value in token.items()}
            for token in tokens
        ]
        for text, tokens in nlp.tokenizer.rules.items()
    }


def _norm_component(doc: Doc) -> Doc:
    for token in doc:
        norm = token.norm_
        folded = fold(norm)
        if folded != norm:
            token.norm_ = folded
    return doc


_SENTENCE_ENDS: set[int] = set()
_UNSET_START = 2**64 - 1
"""``SENT_START`` -1 (not a sentence start) as the unsigned value of a token array."""


def _sentences_component(doc: Doc) -> Doc:
    """Sentence starts: spaCy's sentencizer, then line breaks (see the module docstring).

    The same steps as spaCy's ``Sentencizer``: a token that is neither punctuation nor
    a sentence-final character opens a sentence when a sentence-final character came
    since the last sentence start ("Danke. Wir …", also after '." )'); a boundary set
    before (none in a blank pipeline) is left as it is. Over the token arrays' plain
    integers: a Token object per word, as the sentencizer builds them, cost more.
    """
    import numpy

    size = len(doc)
    if not size:
        return doc
    if not _SENTENCE_ENDS:
        from spacy.pipeline import Sentencizer

        _SENTENCE_ENDS.update(doc.vocab.strings.add(c) for c in Sentencizer.default_punct_chars)
    ends = _SENTENCE_ENDS
    values: list[int] = []
    seen_end = False
    for orth, is_punct, preset in doc.to_array(["ORTH", "IS_PUNCT", "SENT_START"]).tolist():
        is_end = orth in ends
        start = not values
        if seen_end and not is_punct and not is_end:
            start, seen_end = True, False
        elif is_end:
            seen_end = True
        values.append(preset or (1 if start else _UNSET_START))
    text = doc.text
    if "\n" in text:
        # Only whitespace tokens can hold a line break; find them without a Python loop.
        for i in doc.to_array("IS_SPACE").nonzero()[0]:
            token = doc[int(i)]
            if "\n" not in token.text or token.i + 1 >= size:
                continue
            line_start = text.rfind("\n", 0, token.idx) + 1
            if token.text.count("\n") > 1 or token.idx - line_start < SHORT_LINE:
                values[token.i + 1] = 1
    doc.from_array(["SENT_START"], numpy.array(values, dtype=numpy.uint64))
    return doc


def _negation_words(patterns: Iterable[dict[str, Any]]) -> frozenset[str]:
    words: set[str] = set()
    for p in patterns:
        if p["label"] == "negation":
            words.update(_literals(p["pattern"]))
    return frozenset(words)


def _mentions_any(pattern: str | list[dict[str, Any]], words: frozenset[str]) -> bool:
    return any(word in words for word in _literals(pattern))


def _literals(pattern: str | list[dict[str, Any]]) -> list[str]:
    """The literal words a pattern asks for (phrase words, NORM/LOWER/ORTH values, IN lists)."""
    if isinstance(pattern, str):
        return fold(pattern).split()
    found: list[str] = []
    for token in pattern:
        for attr in ("NORM", "LOWER", "ORTH", "TEXT"):
            value = token.get(attr)
            if isinstance(value, str):
                found.append(fold(value))
            elif isinstance(value, dict):
                for op in ("IN", "FUZZY", "FUZZY1", "FUZZY2"):
                    inner = value.get(op)
                    if isinstance(inner, list):
                        found.extend(fold(v) for v in inner if isinstance(v, str))
                    elif isinstance(inner, str):
                        found.append(fold(inner))
    return found


_REQUIRED_OPS = (None, "+", "1")
_NORM_CACHE_LIMIT = 100_000


@dataclass(frozen=True)
class _Lookup:
    """What one NORM means to the patterns (cached per NORM string)."""

    rules: frozenset[int]
    """Token patterns whose trigger this word is."""
    regexes: frozenset[int]
    """Requirement regexes this word matches."""
    singles: tuple[int, ...]
    """Match keys of one-token patterns this word is a match of."""


_NOTHING = _Lookup(frozenset(), frozenset(), ())
"""The lookup of a word no pattern asks for (most words)."""


@dataclass
class _Rule:
    """One token pattern: its Matcher, its longest match, what a sentence must contain."""

    matcher: Any
    length: int
    words: tuple[frozenset[int], ...]
    """Per required token, the NORM hashes it accepts; a sentence needs one of each."""
    regexes: tuple[int, ...]
    """Ids of requirement regexes a sentence needs a word for."""
    label: int = 0
    """Hash of the pattern's label."""


class PatternMatcher:
    """spaCy component: pattern matches as spans in ``doc.spans[spans_key]``.

    spaCy's ``Matcher`` costs time per pattern and per call, and most of a few hundred
    patterns cannot match a given sentence. So every token pattern gets its own
    ``Matcher`` and runs only on a sentence that has, for each of its required tokens, a
    word that token accepts (a NORM literal, an ``IN`` list or a ``REGEX``), and then
    only over the tokens around its trigger word (the rarest of them). One-token
    patterns need no Matcher at all, and phrase patterns all go to one ``PhraseMatcher``.
    The matches are exactly those of a ``Matcher`` run over every sentence.
    """

    def __init__(
        self, nlp: Language, name: str = "ghostscan_matcher", *, spans_key: str = SPANS_KEY, validate: bool = True
    ):
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.validate = validate
        self.patterns: list[dict[str, Any]] = []
        self._phrases = PhraseMatcher(nlp.vocab, attr="NORM", validate=validate)
        self._rules: list[_Rule] = []
        self._rules_by_label: dict[int, list[_Rule]] = {}
        """The token patterns of each label (hash), for `may_match`."""
        self._always: set[int] = set()
        self._by_word: dict[int, set[int]] = {}
        self._by_regex: dict[int, set[int]] = {}
        self._regexes: list[re.Pattern[str]] = []
        self._regex_ids: dict[str, int] = {}
        self._single_words: dict[int, list[int]] = {}
        self._single_regexes: list[tuple[int, int]] = []
        self._norm_cache: dict[int, _Lookup] = {}
        self._names: dict[int, tuple[int, int]] = {}
        self._common = frozenset(fold(w) for w in nlp.Defaults.stop_words)
        self._prefilters: dict[tuple[str, ...], TextPrefilter] = {}

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add pattern objects (``label``, ``pattern``, ``id``), as `load_patterns` returns them.

        Raises:
            MatchPatternError: a token pattern is invalid (with ``validate``).
        """
        from spacy.matcher import Matcher

        phrases: list[tuple[str, str]] = []
        for entry in patterns:
            key = repr((entry["label"], entry["id"]))
            key_hash = self.nlp.vocab.strings.add(key)
            self._names[key_hash] = (self._hash(entry["label"]), self._hash(entry["id"]))
            pattern = entry["pattern"]
            if isinstance(pattern, str):
                phrases.append((key, pattern))
                self.patterns.append(entry)
                continue
            pattern = _fold_pattern(pattern)
            matcher = Matcher(self.nlp.vocab, validate=self.validate)
            matcher.add(key, [pattern])  # validates every pattern, also those matched without it
            self.patterns.append(dict(entry, pattern=pattern))
            single = _single_token(pattern)
            if single is not None:
                # One plain token ("nicht", a regex over compounds): looking the word up is
                # the whole match.
                if single[0] == "words":
                    for word in single[1]:
                        self._single_words.setdefault(self._hash(word), []).append(key_hash)
                else:
                    self._single_regexes.append((self._regex_id(single[1]), key_hash))
                continue
            words, regexes = _requirements(pattern)
            rule = len(self._rules)
            self._rules.append(
                _Rule(
                    matcher,
                    _max_length(pattern),
                    tuple(frozenset(self._hash(w) for w in alternatives) for alternatives in words),
                    tuple(self._regex_id(r) for r in regexes),
                    self._names[key_hash][0],
                )
            )
            self._rules_by_label.setdefault(self._rules[rule].label, []).append(self._rules[rule])
            trigger = _trigger(words, regexes, self._common)
            if trigger is None:
                self._always.add(rule)
            elif isinstance(trigger, str):
                self._by_regex.setdefault(self._regex_id(trigger), set()).add(rule)
            else:
                for word in trigger:
                    self._by_word.setdefault(self._hash(word), set()).add(rule)
        if phrases:
            # Phrases are folded like the text: by the components before this one.
            with self.nlp.select_pipes(disable=[self.name]):
                for (key, _), doc in zip(phrases, self.nlp.pipe(text for _, text in phrases)):
                    self._phrases.add(key, [doc])
        self._norm_cache.clear()
        self._prefilters.clear()

    def __call__(self, doc: Doc) -> Doc:
        from spacy.attrs import NORM
        from spacy.tokens import Span

        found: set[tuple[int, int, int]] = set(self._phrases(doc))
        # NORM hashes, not Token objects: building a Token per word costs more than the rest.
        norms: list[int] = doc.to_array(NORM).tolist()
        # Each distinct word is looked up once, and only the words that mean something to
        # a pattern are visited below: most words of a mail mean nothing to any.
        lookups = {norm: self._lookup(norm) for norm in set(norms)}
        telling = [(i, lookup) for i, lookup in enumerate(map(lookups.__getitem__, norms)) if lookup is not _NOTHING]
        next_telling = 0
        for sent in doc.sents:
            first_token, end_token = sent.start, sent.end
            regexes: set[int] = set()
            where: dict[int, list[int]] = {rule: [first_token, end_token - 1] for rule in self._always}
            while next_telling < len(telling) and telling[next_telling][0] < end_token:
                i, lookup = telling[next_telling]
                next_telling += 1
                regexes |= lookup.regexes
                for key in lookup.singles:
                    found.add((key, i, i + 1))
                for rule in lookup.rules:
                    seen = where.get(rule)
                    if seen is None:
                        where[rule] = [i, i]
                    else:
                        seen[1] = i
            if not where:
                continue
            present = set(norms[first_token:end_token])
            for rule_id, (first, last) in where.items():
                rule = self._rules[rule_id]
                if any(words.isdisjoint(present) for words in rule.words):
                    continue
                if any(regex not in regexes for regex in rule.regexes):
                    continue
                # A match contains its trigger word and is at most `length` tokens long.
                start = max(first_token, first - rule.length + 1)
                window = doc[start : min(end_token, last + rule.length)]
                for key, begin, end in rule.matcher(window):
                    found.add((key, start + begin, start + end))
        spans = []
        for key, start, end in sorted(found, key=lambda m: (m[1], m[2], m[0])):
            if start == end:
                continue
            label, pattern_id = self._names[key]
            spans.append(Span(doc, start, end, label=label, span_id=pattern_id))
        doc.spans[self.spans_key] = spans
        return doc

    def may_match(self, doc: Doc, labels: Iterable[str]) -> bool:
        """Whether a pattern labelled one of *labels* may match in *doc*, before any sentence is known.

        False only where `__call__` certainly finds no such match: no phrase of theirs
        is in the text, and no token pattern of theirs finds a word for each token it
        requires anywhere in it (`__call__` asks that of one sentence). *doc* needs its
        tokens and NORMs only, as the tokenizer of a blank pipeline makes them.
        """
        from spacy.attrs import NORM

        wanted = {self._hash(label) for label in labels}
        norms = set(doc.to_array(NORM).tolist())
        lookups = [self._lookup(norm) for norm in norms]
        if any(self._names[key][0] in wanted for lookup in lookups for key in lookup.singles):
            return True
        regexes: set[int] = set()
        for lookup in lookups:
            regexes |= lookup.regexes
        for label in wanted:
            for rule in self._rules_by_label.get(label, ()):
                if all(not words.isdisjoint(norms) for words in rule.words) and all(regex in regexes for regex in rule.regexes):
                    return True
        return any(self._names[key][0] in wanted for key, _, _ in self._phrases(doc))

    def prefilter(self, labels: tuple[str, ...]) -> TextPrefilter:
        """The test of a raw text before `may_match` for *labels*: see `ghostscan.classify.language.prefilter`.

        Built on the first call per labels; valid for a blank pipeline only (a trained
        one may set NORMs the prefilter cannot know).
        """
        found = self._prefilters.get(labels)
        if found is None:
            from ghostscan.classify.language.prefilter import build_prefilter

            found = self._prefilters[labels] = build_prefilter(self.nlp, self, labels)
        return found

    def _regex_id(self, regex: str) -> int:
        known = self._regex_ids.get(regex)
        if known is None:
            known = self._regex_ids[regex] = len(self._regexes)
            self._regexes.append(re.compile(regex))
        return known

    def _hash(self, word: str) -> int:
        return int(self.nlp.vocab.strings.add(word))

    def _lookup(self, norm_hash: int) -> _Lookup:
        cached = self._norm_cache.get(norm_hash)
        if cached is None:
            norm = self.nlp.vocab.strings[norm_hash]
            regexes = frozenset(i for i, regex in enumerate(self._regexes) if regex.search(norm))
            rules = set(self._by_word.get(norm_hash, ()))
            for regex in regexes:
                rules.update(self._by_regex.get(regex, ()))
            singles = list(self._single_words.get(norm_hash, ()))
            singles.extend(key for regex, key in self._single_regexes if regex in regexes)
            cached = _Lookup(frozenset(rules), regexes, tuple(singles)) if rules or regexes or singles else _NOTHING
            if len(self._norm_cache) >= _NORM_CACHE_LIMIT:
                self._norm_cache.clear()
            self._norm_cache[norm_hash] = cached
        return cached


def _fold_pattern(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold NORM literals and IN/NOT_IN lists like the text's norms (see `fold`)."""
    folded = []
    for token in pattern:
        value = token.get("NORM")
        if isinstance(value, str):
            token = dict(token, NORM=fold(value))
        elif isinstance(value, dict):
            value = {
                op: [fold(v) if isinstance(v, str) else v for v in arg]
                if op in ("IN", "NOT_IN") and isinstance(arg, list)
                else arg
                for op, arg in value.items()
            }
            token = dict(token, NORM=value)
        folded.append(token)
    return folded


def _requirements(pattern: list[dict[str, Any]]) -> tuple[list[frozenset[str]], list[str]]:
    """What a sentence must contain for *pattern* to match: per required token with a
    NORM literal or ``IN`` list, one of those words; per required ``REGEX``, a word it finds."""
    words: list[frozenset[str]] = []
    regexes: list[str] = []
    for token in pattern:
        if token.get("OP") not in _REQUIRED_OPS:
            continue
        value = token.get("NORM")
        if isinstance(value, str):
            words.append(frozenset({value}))
        elif isinstance(value, dict):
            if isinstance(value.get("IN"), list):
                words.append(frozenset(v for v in value["IN"] if isinstance(v, str)))
            elif isinstance(value.get("REGEX"), str):
                listed = _regex_words(value["REGEX"])
                if listed is not None:
                    words.append(listed)
                else:
                    regexes.append(value["REGEX"])
    return [w for w in words if w], regexes


def _trigger(words: list[frozenset[str]], regexes: list[str], common: frozenset[str]) -> frozenset[str] | str | None:
    """The cheapest requirement to look words up by: a word set, a regex, or None (none).

    Rare words make good triggers and function words poor ones ("wir", "the" are in
    most sentences). Each candidate gets a rough cost — a word costs 1, a function word
    10, an open regex ("\\w*angebot") 15 — and the cheapest wins.
    """
    best: tuple[int, frozenset[str] | str] | None = None
    for candidate in words:
        cost = sum(_COMMON_COST if word in common else 1 for word in candidate)
        if best is None or cost < best[0]:
            best = (cost, candidate)
    if regexes and (best is None or _REGEX_COST < best[0]):
        best = (_REGEX_COST, regexes[0])
    return best[1] if best is not None else None


_COMMON_COST = 10
_REGEX_COST = 15
_WORD_LIST_REGEX = re.compile(r"^\^\(?((?:[\w'-]+\|)*[\w'-]+)\)?\$$")


def _regex_words(regex: str) -> frozenset[str] | None:
    """The words of a regex that is only ``^(a|b|c)$``, else None."""
    match = _WORD_LIST_REGEX.match(regex)
    if not match:
        return None
    return frozenset(match.group(1).split("|"))


def _max_length(pattern: list[dict[str, Any]]) -> int:
    """The most tokens a match of *pattern* can span (unbounded operators: a sentence)."""
    total = 0
    for token in pattern:
        op = token.get("OP")
        if op in (None, "!", "?", "1"):
            total += 1
        elif op in ("+", "*"):
            return _UNBOUNDED
        else:
            upper = op.strip("{}").split(",")[-1].strip()
            if not upper:
                return _UNBOUNDED
            total += int(upper)
    return total


_UNBOUNDED = 10_000


def _single_token(pattern: list[dict[str, Any]]) -> tuple[str, Any] | None:
    """("words", set) or ("regex", str) for a one-token pattern on NORM alone, else None."""
    if len(pattern) != 1 or set(pattern[0]) != {"NORM"}:
        return None
    value = pattern[0]["NORM"]
    if isinstance(value, str):
        return ("words", frozenset({value}))
    if isinstance(value, dict) and len(value) == 1:
        if isinstance(value.get("IN"), list):
            return ("words", frozenset(v for v in value["IN"] if isinstance(v, str)))
        if isinstance(value.get("REGEX"), str):
            return ("regex", value["REGEX"])
    return None
