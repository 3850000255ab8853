"""From pattern matches to intents: negation, near misses, conditions and direction.

The patterns (``patterns/*.jsonl``) find candidate phrases; this module decides which of
them stand. Precision matters more than recall: a wrong "declined" hides a live deal, a
wrong "order" reports money that is not there. So a candidate is dropped when its
sentence or clause says otherwise:

* **negation** — a negation word (``negation`` spans) up to four tokens before the match
  in the same clause, up to two after it (German puts "nicht" behind the verb: "das
  passt leider nicht"), or inside it when the pattern has no negation of its own. Words
  in an ``idiom`` span ("kein Problem", "no worries", "nicht nur") do not negate;
* **near misses** — a ``no.<intent>`` span anywhere in the sentence ("noch nicht
  entschieden", "not yet decided", "leider erst nächste Woche");
* **conditions** — ``conditional`` ("wenn", "falls", "if", "provided") within one clause
  of the match: a conditional acceptance is not an order;
* **hedges** — ``hedge`` ("wahrscheinlich", "probably", "wir überlegen") in the same clause;
* **questions** — the sentence ends with "?": "Können wir den Auftrag erst im März
  erteilen?" is no order;
* **contrast** — for an opinion-like acceptance only (``accept.weak``), ``contrast``
  ("aber", "but", "allerdings") after the match or opening the next sentence: "klingt
  gut, aber …";
* per-intent extras, see `CANCELLED_BY` and `WEAK_ALSO_CANCELLED_BY` (a promised offer
  is no offer, a cancelled *meeting* is no decline, a past absence is no out-of-office).

Then direction: intents that only make sense one way are dropped for the other
(`DIRECTIONS`). An inbound question is also any sentence ending in "?" that is not a
pleasantry ("Wie geht's?") and not a request for a call (which is `call_me` alone).
`settle` applies the rules about a message as a whole: out-of-office notices, coming
absences, orders that are also acceptances.

This module never imports spaCy; it only reads the `Doc` it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span


class Intent(StrEnum):
    """What a message says, as far as a sales conversation is concerned."""

    OFFER = "offer"
    """The message sends or contains an offer, quote, proposal, estimate or price."""
    ORDER_CONFIRMED = "order_confirmed"
    """A firm order or acceptance that makes it a deal."""
    FOLLOW_UP = "follow_up"
    """Our own nudge about an earlier mail or offer that got no answer."""
    DECLINE = "decline"
    """The customer says no, chose someone else, or stops the project."""
    ACCEPT = "accept"
    """The customer agrees: yes, sounds good, let's do it (an order included)."""
    QUESTION = "question"
    """The customer asks something that needs an answer from us."""
    CALL_ME = "call_me"
    """The customer asks for a call or a meeting, or gives a time to call."""
    OUT_OF_OFFICE = "out_of_office"
    """An absence notice."""


@dataclass(frozen=True)
class IntentHit:
    """Why an intent was found.

    Attributes:
        intent: the intent.
        phrase: the matched text ("haben uns für einen anderen Anbieter entschieden"),
            or an attachment's file name.
        pattern: the id of the pattern or rule that matched
            (``"de-decline-anderer-anbieter"``, ``"question-mark"``, ``"attachment-offer"``).
    """

    intent: Intent
    phrase: str
    pattern: str

    def __str__(self) -> str:
        return f"{self.intent}: {self.phrase!r} ({self.pattern})"


MODIFIERS = frozenset({"negation", "idiom", "conditional", "hedge", "future", "schedule", "contrast", "past"})
"""Labels that are not intents but change how intent matches are read."""

WEAK = ".weak"
GUARD = "no."

INBOUND, OUTBOUND = "inbound", "outbound"

DIRECTIONS: dict[Intent, frozenset[str]] = {
    # A customer's "anbei das unterschriebene Angebot" or "Ihr Angebot ist zu teuer" is
    # about our offer; offers the user receives are not what ghostscan follows.
    Intent.OFFER: frozenset({OUTBOUND}),
    Intent.ORDER_CONFIRMED: frozenset({OUTBOUND, INBOUND}),
    Intent.FOLLOW_UP: frozenset({OUTBOUND}),
    Intent.DECLINE: frozenset({INBOUND}),
    Intent.ACCEPT: frozenset({INBOUND}),
    Intent.QUESTION: frozenset({INBOUND}),
    Intent.CALL_ME: frozenset({INBOUND}),
    Intent.OUT_OF_OFFICE: frozenset({INBOUND}),
}
"""Which directions each intent can have; a match in the other direction is dropped."""

CANCELLED_BY: dict[Intent, frozenset[str]] = {
    Intent.OFFER: frozenset({"negation", "question"}),
    Intent.ORDER_CONFIRMED: frozenset({"negation", "conditional", "hedge", "question"}),
    Intent.FOLLOW_UP: frozenset({"negation"}),
    Intent.DECLINE: frozenset({"negation", "conditional", "hedge", "question"}),
    Intent.ACCEPT: frozenset({"negation", "conditional", "hedge", "question"}),
    Intent.QUESTION: frozenset({"negation"}),
    Intent.CALL_ME: frozenset({"negation"}),
    Intent.OUT_OF_OFFICE: frozenset({"negation", "past"}),
}
"""Contexts that cancel a match of each intent."""

WEAK_ALSO_CANCELLED_BY: dict[Intent, frozenset[str]] = {
    # "Ich schicke Ihnen das Angebot morgen" is a promise. A price under a condition ("bei
    # Beauftragung bis zum 15.12. …") is still an offer.
    Intent.OFFER: frozenset({"future", "hedge"}),
    # "ich muss den Termin morgen absagen" cancels a meeting, not the deal.
    Intent.DECLINE: frozenset({"schedule"}),
    # "wenn ich wieder im Büro bin, …" is a person, not an absence notice.
    Intent.OUT_OF_OFFICE: frozenset({"conditional", "question"}),
    Intent.CALL_ME: frozenset({"conditional", "past"}),
    Intent.ORDER_CONFIRMED: frozenset({"future"}),
    # An opinion ("klingt gut", "looks good") is taken back by "aber …"; a decision
    # ("please go with version 2, but keep the teal") is not. "Mittwoch passt mir",
    # "Thursday works for me" agree on a time, not to the offer.
    Intent.ACCEPT: frozenset({"contrast", "schedule"}),
    # "If you have a chance, have a look" in a first mail is no nudge.
    Intent.FOLLOW_UP: frozenset({"conditional"}),
    Intent.QUESTION: frozenset(),
}
"""Further contexts that cancel a ``<intent>.weak`` match."""

_INTENT_VALUES = frozenset(i.value for i in Intent)

# Tokens that end a clause for negation, hedge and condition scopes.
_CLAUSE_PUNCT = frozenset({",", ";", ":", "–", "—", "(", ")", "/", '"', "“", "”", "„"})
_CLAUSE_WORDS = frozenset(
    {
        "aber", "sondern", "jedoch", "allerdings", "und", "oder", "weil", "denn", "dass", "obwohl", "damit",
        "but", "and", "or", "because", "however", "although", "though", "while", "whereas",
    }
)  # fmt: skip
_NEGATION_BEFORE = 4
_NEGATION_AFTER = 2
_MIN_QUESTION_WORDS = 3


def is_valid_label(label: str) -> bool:
    """Whether *label* may appear in a pattern file (intent, ``intent.weak``, ``no.intent``, modifier).

    Example:
        >>> is_valid_label("decline.weak"), is_valid_label("no.accept"), is_valid_label("sale")
        (True, True, False)
    """
    if label in MODIFIERS or label in _INTENT_VALUES:
        return True
    if label.startswith(GUARD):
        return label[len(GUARD) :] in _INTENT_VALUES
    if label.endswith(WEAK):
        return label[: -len(WEAK)] in _INTENT_VALUES
    return False


def find_intents(
    doc: Doc,
    *,
    direction: str,
    spans_key: str,
    negating_patterns: frozenset[str] = frozenset(),
) -> list[IntentHit]:
    """Return the intent evidence that survives the rules, in text order.

    Args:
        doc: a document processed by a `ghostscan.classify.language.pipeline` pipeline.
        direction: ``"inbound"`` or ``"outbound"``.
        spans_key: where the pattern matcher put its matches (``doc.spans[spans_key]``).
        negating_patterns: ids of patterns with a negation of their own (see
            `LanguagePipeline.negating_patterns`).

    Returns:
        One hit per intent and pattern (the first match), ordered by position.
    """
    layout = _Layout(doc)
    spans = list(doc.spans[spans_key]) if spans_key in doc.spans else []
    modifiers: dict[str, list[Span]] = {name: [] for name in MODIFIERS}
    guards: dict[Intent, list[Span]] = {}
    candidates: list[tuple[Span, Intent, bool]] = []
    for span in spans:
        label = span.label_
        if label in MODIFIERS:
            modifiers[label].append(span)
        elif label.startswith(GUARD):
            guards.setdefault(Intent(label[len(GUARD) :]), []).append(span)
        elif label.endswith(WEAK):
            candidates.append((span, Intent(label[: -len(WEAK)]), True))
        elif label in _INTENT_VALUES:
            candidates.append((span, Intent(label), False))
    negations = [n for n in modifiers["negation"] if not any(_overlaps(n, i) for i in modifiers["idiom"])]

    # (position, hit, weak) per surviving match; one per intent and pattern.
    hits: list[tuple[int, IntentHit, bool]] = []
    seen: set[tuple[Intent, str]] = set()
    for span, intent, weak in sorted(candidates, key=lambda c: (c[0].start, c[0].end)):
        if direction not in DIRECTIONS[intent]:
            continue
        if layout.sentence(span) is None:
            continue  # a gap in the pattern ran across a sentence end
        if any(layout.same_sentence(g, span) for g in guards.get(intent, ())):
            continue
        cancellers = CANCELLED_BY[intent] | (WEAK_ALSO_CANCELLED_BY[intent] if weak else frozenset())
        if _cancelled(span, cancellers, layout, modifiers, negations, negating_patterns):
            continue
        key = (intent, span.id_)
        if key in seen:
            continue
        seen.add(key)
        hits.append((span.start, IntentHit(intent, span.text, span.id_ or span.label_), weak))

    if direction == OUTBOUND and any(h.intent is Intent.ORDER_CONFIRMED for _, h, _ in hits):
        # An order confirmation restates the price; that price is not a new offer.
        hits = [(pos, h, weak) for pos, h, weak in hits if not (h.intent is Intent.OFFER and weak)]
    if direction == INBOUND:
        call_sentences = {layout.sent_of[pos] for pos, h, _ in hits if h.intent is Intent.CALL_ME}
        for sent in layout.question_sentences():
            if any(layout.same_sentence(g, sent) for g in guards.get(Intent.QUESTION, ())):
                continue
            if layout.sent_of[sent.start] in call_sentences:
                # "Können wir kurz telefonieren?" asks for a call, which is `call_me` alone.
                continue
            if (Intent.QUESTION, "question-mark") not in seen:
                seen.add((Intent.QUESTION, "question-mark"))
                hits.append((sent.start, IntentHit(Intent.QUESTION, _short(sent.text), "question-mark"), False))
    hits.sort(key=lambda item: item[0])
    return [hit for _, hit, _ in hits]


def settle(hits: list[IntentHit], *, direction: str, coming_absence: bool = False) -> list[IntentHit]:
    """Apply the rules that look at a message's intents together.

    * A coming absence ("ich bin ab 21.12. im Urlaub, können wir vorher telefonieren?")
      is no out-of-office notice: its evidence is dropped.
    * An out-of-office notice asks and offers calls on nobody's behalf ("would you like
      to…", "in urgent cases call…"): its questions and call requests are dropped.
    * An inbound order is also an acceptance (agreement "short of or including an order").

    Args:
        hits: evidence from `find_intents` (and attachments), in text order.
        direction: ``"inbound"`` or ``"outbound"``.
        coming_absence: the absence the message mentions starts after it was sent.

    Returns:
        The evidence that stands, in the same order.
    """
    if coming_absence:
        hits = [h for h in hits if h.intent is not Intent.OUT_OF_OFFICE]
    found = {h.intent for h in hits}
    if Intent.OUT_OF_OFFICE in found:
        hits = [h for h in hits if h.intent not in (Intent.QUESTION, Intent.CALL_ME)]
    if direction == INBOUND and Intent.ORDER_CONFIRMED in found and Intent.ACCEPT not in found:
        at = next(i for i, h in enumerate(hits) if h.intent is Intent.ORDER_CONFIRMED)
        hits = hits[: at + 1] + [IntentHit(Intent.ACCEPT, hits[at].phrase, "implied-by-order")] + hits[at + 1 :]
    return hits


def _cancelled(
    span: Span,
    cancellers: frozenset[str],
    layout: _Layout,
    modifiers: dict[str, list[Span]],
    negations: list[Span],
    negating_patterns: frozenset[str],
) -> bool:
    if "question" in cancellers and layout.is_question(span):
        return True
    if "negation" in cancellers and _negated(span, layout, negations, span.id_ in negating_patterns):
        return True
    for name, reach in (("conditional", 1), ("hedge", 0), ("past", 1)):
        if name in cancellers and any(layout.within_clauses(m, span, reach) for m in modifiers[name]):
            return True
    for name in ("future", "schedule"):
        if name in cancellers and any(layout.same_sentence(m, span) for m in modifiers[name]):
            return True
    if "contrast" in cancellers and any(layout.contrasts(m, span) for m in modifiers["contrast"]):
        return True
    return False


def _negated(span: Span, layout: _Layout, negations: list[Span], own_negation: bool) -> bool:
    for n in negations:
        if n.start >= span.start and n.end <= span.end:
            if not own_negation:
                return True
            continue
        if not layout.same_clause(n, span):
            continue
        if n.end <= span.start and span.start - n.end <= _NEGATION_BEFORE:
            return True
        if n.start >= span.end and n.start - span.end <= _NEGATION_AFTER:
            return True
    return False


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CLAUSE_HASHES: list[set[int]] = []


def _clause_hashes(doc: Doc) -> tuple[set[int], set[int]]:
    """String hashes of `_CLAUSE_PUNCT` and `_CLAUSE_WORDS` (the same in every vocabulary)."""
    if not _CLAUSE_HASHES:
        strings = doc.vocab.strings
        _CLAUSE_HASHES.extend({strings.add(t) for t in texts} for texts in (_CLAUSE_PUNCT, _CLAUSE_WORDS))
    return _CLAUSE_HASHES[0], _CLAUSE_HASHES[1]


class _Layout:
    """Sentence and clause indices of a document's tokens."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.sents = list(doc.sents)
        self.sent_of: list[int] = [0] * len(doc)
        self.clause_of: list[int] = [0] * len(doc)
        # Over the token arrays' plain integers: a Token object per word cost more than
        # the rest of the rules.
        punct, words = _clause_hashes(doc)
        columns = doc.to_array(["ORTH", "NORM"]).tolist()
        clause = 0
        for number, sent in enumerate(self.sents):
            clause += 1
            for i in range(sent.start, sent.end):
                self.sent_of[i] = number
                orth, norm = columns[i]
                if orth in punct or norm in words:
                    clause += 1
                self.clause_of[i] = clause
        self._questions = [self._ends_with_question(s) for s in self.sents]

    @staticmethod
    def _ends_with_question(sent: Span) -> bool:
        for token in reversed(sent):
            if token.is_space:
                continue
            if "?" in token.text:
                return True
            if token.is_punct and token.text in {"!", ")", '"', "“", "”", "'"}:
                continue
            return False
        return False

    def sentence(self, span: Span) -> int | None:
        """The sentence index of *span*, or None when it crosses a sentence boundary."""
        first, last = self.sent_of[span.start], self.sent_of[span.end - 1]
        return first if first == last else None

    def same_sentence(self, a: Span, b: Span) -> bool:
        return self.sent_of[a.start] == self.sent_of[b.start] or self.sent_of[a.end - 1] == self.sent_of[b.start]

    def same_clause(self, a: Span, b: Span) -> bool:
        return self.within_clauses(a, b, 0)

    def within_clauses(self, modifier: Span, span: Span, reach: int) -> bool:
        if not self.same_sentence(modifier, span):
            return False
        if modifier.end <= span.start:
            # The boundary count between the modifier's end and the span's start.
            distance = self.clause_of[span.start] - self.clause_of[modifier.end - 1]
        elif modifier.start >= span.end:
            distance = self.clause_of[modifier.start] - self.clause_of[span.end - 1]
        else:
            distance = 0
        return distance <= reach

    def is_question(self, span: Span) -> bool:
        return self._questions[self.sent_of[span.start]]

    def contrasts(self, modifier: Span, span: Span) -> bool:
        here = self.sent_of[span.start]
        there = self.sent_of[modifier.start]
        if there == here:
            return modifier.start >= span.end
        # "Klingt gut. Allerdings müssen wir …": the next sentence opens with the contrast.
        return there == here + 1 and modifier.start - self.sents[there].start <= 2

    def question_sentences(self) -> Iterable[Span]:
        for sent, is_question in zip(self.sents, self._questions):
            if is_question and sum(1 for t in sent if t.is_alpha) >= _MIN_QUESTION_WORDS:
                yield sent
