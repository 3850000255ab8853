"""Words a text must hold before a pattern can match it: a test on the raw text, before spaCy.

`may_say` answers "may this message say X?" for every message of a silent conversation
(a firm order) and every customer's last reply (a decline). Its full answer cuts the quote
and the signature, detects the language and runs the tokenizer: about a millisecond. Most
texts have none of the words any pattern of the intent needs, and that shows in the raw
text already.

`TextPrefilter` holds, per pattern of the asked labels, the words it requires (per
required token, the words it accepts; for a phrase, each of its words) and looks for them
in ``fold(text)``. It answers False only when no pattern finds its words there, and then
`PatternMatcher.may_match` finds no match either:

* Every token of the new text is a piece of the raw text, cut at the same places: the new
  text is whole lines of the raw text (`reply_text` drops and strips lines; a name taken
  off a sign-off line starts after a space or comma), and the tokenizer cuts only at
  white space, next to a character that is neither a letter nor a digit (punctuation,
  quotes, symbols, "-", "/"), between a number and its unit ("10kg") or inside a special
  case ("cannot", "don't"). So a token's folded text is in the folded raw text as a
  *word*: not glued to a letter on a side where it ends in a letter, nor to a digit where
  it ends in a digit (ASCII letters and digits of the folded text; any other character
  counts as a boundary, which only lets more texts through). That is how spaCy's German
  and English prefix, suffix and infix rules cut; the tests check it on every token of
  the corpus. (A text longer than `MAX_ANALYZED_CHARS` may be cut inside a word; it is
  not judged.)
* A token's NORM is its folded text, except where spaCy sets another: the tokenizer's
  special cases (``"n't"`` → ``not``, ``"ggf."`` → ``gegebenenfalls``), the lexical
  NORM exceptions (``"’s"`` → ``'s``, ``"€"`` → ``$``) and lexemes of the vocabulary.
  Such a NORM is looked for as itself *and* as each text that makes it: for a special
  case, its whole text ("don't" for the "do" and the "not" in it), since its pieces are
  not words of their own. A NORM from a lookup table whose texts cannot be listed
  (spacy-lookups-data's ``lexeme_norm`` is keyed by hashes) is taken as always present.
* A ``REGEX`` requirement becomes its words when it is a word list, else a piece of
  literal text every match contains (``\\w*angebot`` → ``angebot``), looked for anywhere
  in the text; a regex without one (a number) is always taken as met. It is also met by
  the texts of any special NORM it finds.

The prefilter is built per pipeline (language and the user's pattern files); `may_say`
asks both languages' prefilters, since the language is only known after the quote is cut.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from ghostscan.classify.language.pipeline import _requirements, _single_token, fold

if TYPE_CHECKING:
    from spacy.language import Language

    from ghostscan.classify.language.pipeline import PatternMatcher


@dataclass(frozen=True)
class _Requirement:
    """A required token: met when the folded text holds one of *words* as a word, or one of
    *pieces* anywhere."""

    words: tuple[str, ...] = ()
    pieces: tuple[str, ...] = ()

    @property
    def runs(self) -> frozenset[str]:
        """The words that are one run of letters or digits: looked up in a set."""
        return frozenset(w for w in self.words if _RUN.fullmatch(w))

    @property
    def other_words(self) -> tuple[str, ...]:
        """The other words ("n't", "e-mail", "ggf."): searched for in the text."""
        return tuple(w for w in self.words if not _RUN.fullmatch(w))


class FoldedText:
    """A raw text folded (see `fold`) and the runs of letters and digits in it, made once
    for all the prefilters asked about it."""

    def __init__(self, text: str):
        self.folded = fold(text)
        self._runs: frozenset[str] | None = None

    @property
    def runs(self) -> frozenset[str]:
        """The runs of ASCII letters and of ASCII digits."""
        if self._runs is None:
            self._runs = frozenset(_RUN.findall(self.folded))
        return self._runs


_Check = tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]
"""A requirement as `TextPrefilter` checks it: (words that are one run, other words, pieces)."""


@dataclass(frozen=True)
class TextPrefilter:
    """Whether a raw text may hold the words of a pattern of some labels (see the module docstring).

    Attributes:
        always: some pattern of the labels cannot be judged from the raw text; every
            text may match.
        patterns: per pattern, its requirements, the rarest first.
        by_word: patterns whose first requirement is words of one run only, by those words.
        unindexed: the other patterns.
    """

    always: bool
    patterns: tuple[tuple[_Check, ...], ...] = ()
    by_word: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    unindexed: tuple[int, ...] = ()

    @classmethod
    def of(cls, patterns: list[tuple[_Check, ...]]) -> TextPrefilter:
        by_word: dict[str, list[int]] = {}
        unindexed: list[int] = []
        for i, (first, *_) in enumerate(patterns):
            if first[1] or first[2]:
                unindexed.append(i)
            else:
                for word in first[0]:
                    by_word.setdefault(word, []).append(i)
        return cls(False, tuple(patterns), {w: tuple(p) for w, p in by_word.items()}, tuple(unindexed))

    def may_match(self, text: FoldedText) -> bool:
        """False only when no pattern of the labels can match in *text*."""
        if self.always:
            return True
        runs, folded = text.runs, text.folded
        candidates = set(self.unindexed)
        for word in runs.intersection(self.by_word):
            candidates.update(self.by_word[word])
        for i in candidates:
            for run_words, other_words, pieces in self.patterns[i]:
                if run_words.isdisjoint(runs) and not any(_has_word(folded, w) for w in other_words) and not any(
                    p in folded for p in pieces
                ):
                    break  # this requirement is missing: the pattern cannot match
            else:
                return True
        return False


_RUN = re.compile(r"[a-z]+|[0-9]+")
"""A run of ASCII letters or of ASCII digits: what a token cannot be cut out of."""


def _kind(char: str) -> int:
    return 1 if "a" <= char <= "z" else 2 if "0" <= char <= "9" else 0


def _has_word(folded: str, word: str) -> bool:
    """Whether *word* occurs in *folded* not glued to a letter run or digit run at either end."""
    first, last = _kind(word[0]), _kind(word[-1])
    start = folded.find(word)
    while start >= 0:
        end = start + len(word)
        if (not first or start == 0 or _kind(folded[start - 1]) != first) and (
            not last or end == len(folded) or _kind(folded[end]) != last
        ):
            return True
        start = folded.find(word, start + 1)
    return False


def build_prefilter(nlp: Language, matcher: PatternMatcher, labels: Iterable[str]) -> TextPrefilter:
    """The `TextPrefilter` of the patterns of *matcher* labelled one of *labels*.

    Args:
        nlp: the blank pipeline *matcher* belongs to (its tokenizer and vocabulary).
        matcher: the pipeline's ``ghostscan_matcher``.
        labels: the labels asked for, as `PatternMatcher.may_match` takes them.
    """
    wanted = set(labels)
    norms = _NormSources.of(nlp)
    if norms is None:
        return TextPrefilter(True, ())
    patterns = []
    for entry in matcher.patterns:
        if entry["label"] not in wanted:
            continue
        requirements = [r for r in _pattern_requirements(nlp, entry["pattern"], norms) if r is not None]
        if not requirements:
            return TextPrefilter(True, ())
        # Words of one run first (they index the pattern), then the fewest, longest
        # strings: most texts fail on the first requirement.
        requirements.sort(
            key=lambda r: (bool(r.other_words or r.pieces), len(r.words) + len(r.pieces), -min(map(len, r.words + r.pieces)))
        )
        patterns.append(tuple((r.runs, r.other_words, r.pieces) for r in requirements))
    return TextPrefilter.of(patterns)


def _pattern_requirements(nlp: Language, pattern: Any, norms: _NormSources) -> list[_Requirement | None]:
    """A pattern's requirements as raw-text strings; None for one that cannot be judged."""
    if isinstance(pattern, str):
        # A phrase matches on the NORMs of its tokens, tokenised like the text.
        return [norms.word(token.norm_) for token in nlp.make_doc(pattern) if not token.is_space]
    single = _single_token(pattern)
    if single is not None:
        kind, value = single
        if kind == "words":
            return [_any_of(norms.word(w) for w in value)]
        return [norms.regex(value)]
    words, regexes = _requirements(pattern)
    found = [_any_of(norms.word(w) for w in alternatives) for alternatives in words]
    found.extend(norms.regex(regex) for regex in regexes)
    return found


def _any_of(requirements: Iterable[_Requirement | None]) -> _Requirement | None:
    """One requirement met by any of *requirements*; None when one of them is always met."""
    words: set[str] = set()
    pieces: set[str] = set()
    for requirement in requirements:
        if requirement is None:
            return None
        words.update(requirement.words)
        pieces.update(requirement.pieces)
    return _Requirement(tuple(sorted(words)), tuple(sorted(pieces))) if words or pieces else None


class _NormSources:
    """Which raw texts make a NORM that is not the folded text itself."""

    def __init__(self, made_by: dict[str, set[str]], untraceable: set[str]):
        self.made_by = made_by
        """Special NORM → the folded texts that make it."""
        self.untraceable = untraceable
        """NORMs that texts not listed can make (a lookup table keyed by hashes)."""

    @classmethod
    def of(cls, nlp: Language) -> _NormSources | None:
        """The NORM sources of a blank pipeline whose vocabulary `_fold_vocabulary` folded, or
        None when its NORM getter is not one this module can read."""
        from spacy.attrs import NORM, ORTH, intify_attrs

        made_by: dict[str, set[str]] = {}
        untraceable: set[str] = set()
        getter = getattr(nlp.vocab.lex_attr_getters.get(NORM), "unfolded", None)
        if getter is None or not _read_getter(getter, made_by, untraceable):
            return None
        lexical_norm = nlp.vocab.lex_attr_getters[NORM]
        # A special case is a word of the text; its pieces ("do" and "n't" of "don't") need
        # not be. Rules added by name ({"ORTH": …}) and spaCy's own (keyed by id) alike.
        for text, tokens in nlp.tokenizer.rules.items():
            pieces = [intify_attrs(token) for token in tokens]
            for piece in pieces:
                orth, norm = piece.get(ORTH), piece.get(NORM)
                if not isinstance(orth, str):
                    return None
                if not isinstance(norm, str):
                    norm = nlp.vocab[orth].norm_ if orth in nlp.vocab else lexical_norm(orth)
                if len(pieces) > 1 or norm != fold(orth):
                    made_by.setdefault(norm, set()).add(fold(text))
        for lexeme in nlp.vocab:
            if lexeme.norm_ != fold(lexeme.orth_):
                made_by.setdefault(lexeme.norm_, set()).add(fold(lexeme.orth_))
        return cls(made_by, untraceable)

    def word(self, norm: str) -> _Requirement | None:
        """What the folded raw text holds when a token has NORM *norm*: the NORM or a text
        that makes it, as a word."""
        if norm in self.untraceable:
            return None
        words = {norm, *self.made_by.get(norm, ())}
        if any(not w or not w.strip() or _CONTEXTUAL_CASE.search(w) for w in words):
            return None
        return _Requirement(words=tuple(sorted(words)))

    def regex(self, regex: str) -> _Requirement | None:
        """What the folded raw text holds when a token's NORM has a match of *regex*: a literal
        piece of the regex anywhere, or a text that makes a special NORM it finds."""
        pieces = _literal_pieces(regex)
        if pieces is None:
            return None
        compiled = re.compile(regex)
        if any(compiled.search(norm) for norm in self.untraceable):
            return None
        requirement: list[_Requirement | None] = [_Requirement(pieces=pieces)]
        requirement.extend(self.word(norm) for norm in self.made_by if compiled.search(norm))
        return _any_of(requirement)


_CONTEXTUAL_CASE = re.compile("[σς]")
"""Letters whose lower case depends on the letters around them (a final sigma): folding a
whole text and folding one token of it may differ there."""


def _read_getter(getter: Any, made_by: dict[str, set[str]], untraceable: set[str]) -> bool:
    """Collect the NORM exceptions of spaCy's lexical NORM getter; False for a getter not known.

    spaCy builds it as ``lower`` wrapped in ``functools.partial(_get_attr_unless_lookup,
    default, lookups)`` once per table of exceptions.
    """
    from spacy.lang.lex_attrs import lower
    from spacy.util import _get_attr_unless_lookup

    while isinstance(getter, functools.partial):
        if getter.func is not _get_attr_unless_lookup or len(getter.args) != 2 or getter.keywords:
            return False
        getter, lookups = getter.args
        for table in lookups:
            if type(table) is dict:
                for text, norm in table.items():
                    if isinstance(text, str) and isinstance(norm, str):
                        made_by.setdefault(fold(norm), set()).add(fold(text))
            elif isinstance(table, Mapping):
                # spaCy's lookup tables key by hash: the NORMs are known, the texts are not.
                untraceable.update(fold(norm) for norm in table.values() if isinstance(norm, str))
            else:
                return False
    return getter is lower


def _literal_pieces(regex: str) -> _Requirement | None:
    """Strings of which every match of *regex* contains one, or None when none is known.

    ``^(\\w*angebot|kva)$`` gives ``("angebot", "kva")``; a run of literal characters
    counts, also inside a group, a repeat of at least one, or every branch of an
    alternation. Case-insensitive regexes give None: the pieces would need every case.
    """
    try:
        from re import _constants as sre, _parser as parser  # type: ignore[attr-defined]

        parsed = parser.parse(regex)
    except Exception:  # noqa: BLE001 - an unreadable regex is only judged by the matcher
        return None
    if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return None

    def pieces(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
        candidates: list[frozenset[str]] = []
        run: list[str] = []
        for op, value in items:
            if op is sre.LITERAL:
                run.append(chr(value))
                continue
            if run:
                candidates.append(frozenset({"".join(run)}))
                run = []
            inner: frozenset[str] | None = None
            if op is sre.SUBPATTERN:
                _, add_flags, del_flags, sub = value
                if not (add_flags | del_flags) & (re.IGNORECASE | re.LOCALE):
                    inner = pieces(sub)
            elif op is sre.BRANCH:
                branches = [pieces(branch) for branch in value[1]]
                if branches and all(b is not None for b in branches):
                    inner = frozenset().union(*branches)  # type: ignore[arg-type]
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)):
                low, _, sub = value
                if low >= 1:
                    inner = pieces(sub)
            elif op is getattr(sre, "ATOMIC_GROUP", None):
                inner = pieces(value)
            if inner is not None:
                candidates.append(inner)
        if run:
            candidates.append(frozenset({"".join(run)}))
        candidates = [c for c in candidates if c and all(c)]
        if not candidates:
            return None
        # The rarest candidate: the one whose shortest piece is longest.
        return max(candidates, key=lambda c: min(map(len, c)))

    found = pieces(parsed)
    return tuple(sorted(found)) if found else None
