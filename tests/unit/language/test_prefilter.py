"""The raw-text prefilter of `may_say` (ghostscan.classify.language.prefilter).

It may only say "certainly not" where the full `may_say` (quote cut, tokenizer,
`PatternMatcher.may_match`) says so too: checked over every text of the samples, the
hand-labelled intents, the real-mail corpus and a generated benchmark mailbox, and on
the cases where a token's NORM is not its text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterable

import pytest

import ghostscan.classify.language as language
from ghostscan.classify.language import MAX_ANALYZED_CHARS, Intent, may_say
from ghostscan.classify.language.intents import INBOUND, OUTBOUND
from ghostscan.classify.language.pipeline import LANGUAGES, get_pipeline
from ghostscan.classify.language.prefilter import FoldedText, _literal_pieces, _read_getter
from ghostscan.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "language"))
from mail_texts import labelled_texts, mail_texts  # noqa: E402

ASKED = sorted(
    {language._asked_labels(intent, way) for intent in Intent if intent is not Intent.QUESTION for way in (INBOUND, OUTBOUND)}
)
"""Every set of labels `may_say` asks the matcher about."""


def _assert_sound(texts: Iterable[str], extra_patterns: tuple[Path, ...] = (), *, every_language: bool = True) -> tuple[int, int]:
    """Assert that where the prefilter rules a text out, the matcher finds no pattern of
    those labels in the text's tokens either.

    Args:
        texts: raw message bodies.
        extra_patterns: user pattern files.
        every_language: check each language's prefilter against that language's tokens;
            else only what `may_say` relies on: both prefilters on the raw text, then the
            one of the language `may_say` reads in on the new text, against its tokens.

    Returns:
        How many (text, labels) were asked, and how many the prefilter ruled out.
    """
    asked = ruled_out = 0
    for text in texts:
        raw = FoldedText(text)
        reading = language._reading(text, extra_patterns, None)
        new = FoldedText(reading.body)
        if every_language:
            checks = [(lang, labels) for lang in LANGUAGES for labels in ASKED if not _prefilter(lang, labels, extra_patterns).may_match(raw)]
        else:
            checks = [
                (reading.language, labels)
                for labels in ASKED
                if not any(_prefilter(lang, labels, extra_patterns).may_match(raw) for lang in LANGUAGES)
                or not _prefilter(reading.language, labels, extra_patterns).may_match(new)
            ]
        asked += len(ASKED)
        ruled_out += len(checks)
        if not checks or not reading.body.strip():
            continue
        docs = {}
        for lang, labels in checks:
            pipeline = get_pipeline(lang, extra_patterns)
            if lang not in docs:
                docs[lang] = pipeline.nlp.make_doc(reading.body[:MAX_ANALYZED_CHARS])
            assert not pipeline.nlp.get_pipe("ghostscan_matcher").may_match(docs[lang], labels), (lang, labels, text[:400])
    return asked, ruled_out


def _prefilter(lang: str, labels: tuple[str, ...], extra_patterns: tuple[Path, ...]):
    return get_pipeline(lang, extra_patterns).nlp.get_pipe("ghostscan_matcher").prefilter(labels)


def _full_may_say(monkeypatch, text: str, intent: Intent, **kwargs) -> bool:
    """`may_say` without the prefilter: what it answered before there was one."""
    with monkeypatch.context() as m:
        m.setattr(language, "_may_hold_words", lambda *args: True)
        return may_say(text, intent, **kwargs)


def test_may_say_answers_as_without_the_prefilter(monkeypatch):
    """The whole `may_say`, both ways, over the samples and the hand-labelled intents."""
    texts = [(text, ()) for text in labelled_texts()] + list(mail_texts(REPO / "samples" / "mailbox"))
    _build_both()
    decided = 0
    for text, attachments in texts:
        for intent in Intent:
            for direction in ("inbound", "outbound"):
                full = _full_may_say(monkeypatch, text, intent, direction=direction, attachments=attachments)
                fast = may_say(text, intent, direction=direction, attachments=attachments)
                assert fast == full, (intent, direction, text[:400])
                labels = language._asked_labels(intent, language._DIRECTIONS[direction])
                decided += not language._may_hold_words(text, labels, ())
    assert decided > len(texts)  # it does rule out many questions without spaCy


def test_prefilter_is_sound_over_samples_andlabelled_texts():
    texts = labelled_texts() + [text for text, _ in mail_texts(REPO / "samples" / "mailbox")]
    asked, ruled_out = _assert_sound(texts)
    assert ruled_out > asked // 3


@pytest.mark.corpus
def test_prefilter_is_sound_over_the_corpus(corpus):
    asked, ruled_out = _assert_sound(text for text, _ in mail_texts(corpus.root))
    assert ruled_out > 0


def test_prefilter_is_sound_over_a_generated_benchmark_mailbox(benchmark_texts):
    asked, ruled_out = _assert_sound((text for text, _ in benchmark_texts), every_language=False)
    assert ruled_out > asked // 2


# Tokens whose NORM is not their text -----------------------------------------------------


def _patterns(tmp_path: Path, *entries: dict) -> Path:
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def _holds(text: str, label: str, extra: Path) -> bool:
    """Whether the prefilter lets *text* through for *label* in either language."""
    _build_both((extra,))
    return language._may_hold_words(text, (label,), (extra,))


def _build_both(extra_patterns: tuple[Path, ...] = ()) -> None:
    """Build both pipelines: the prefilter is only asked once both exist."""
    for lang in LANGUAGES:
        get_pipeline(lang, extra_patterns)


def test_an_abbreviation_makes_its_written_out_word(tmp_path):
    # "ggf." is a tokenizer special case whose NORM is "gegebenenfalls".
    extra = _patterns(tmp_path, {"label": "decline", "id": "ggf", "pattern": [{"NORM": "gegebenenfalls"}, {"NORM": "spaeter"}]})
    text = "Wir melden uns ggf. später wieder."
    assert _holds(text, "decline", extra)
    assert may_say(text, Intent.DECLINE, direction="inbound", extra_patterns=[extra])
    assert _assert_sound([text, "Ggf. später.", "Gegebenenfalls später."], (extra,))


def test_a_contraction_makes_not(tmp_path):
    # English "don't" is "do" + "n't", and the NORM of "n't" is "not"; "dont" too.
    extra = _patterns(tmp_path, {"label": "decline", "id": "not-want", "pattern": [{"NORM": "not"}, {"NORM": "want"}]})
    for text in ("We don't want it anymore.", "We dont want it anymore.", "We don’t want it anymore."):
        assert _holds(text, "decline", extra), text
        assert may_say(text, Intent.DECLINE, direction="inbound", extra_patterns=[extra]), text
    _assert_sound(["We don't want it.", "I can't want that.", "We dont want it."], (extra,))


def test_a_lexical_norm_exception_makes_its_norm(tmp_path):
    # spaCy's NORM of "€" is "$".
    extra = _patterns(tmp_path, {"label": "order_confirmed", "id": "dollar", "pattern": [{"NORM": "$"}, {"NORM": "bestellt"}]})
    text = "Für 1200 € bestellt."
    assert _holds(text, "order_confirmed", extra)
    assert may_say(text, Intent.ORDER_CONFIRMED, direction="inbound", extra_patterns=[extra])


def test_a_regex_needs_its_literal_piece(tmp_path):
    extra = _patterns(tmp_path, {"label": "call_me", "id": "vertrag", "pattern": [{"NORM": {"REGEX": "^\\w*vertrag\\w*$"}}]})
    assert _holds("Der Rahmenvertrag liegt bei.", "call_me", extra)
    assert may_say("Der Rahmenvertrag liegt bei.", Intent.CALL_ME, direction="inbound", extra_patterns=[extra])
    _assert_sound(["Der Rahmenvertrag liegt bei.", "Nichts Neues."], (extra,))


def test_a_regex_without_a_literal_piece_lets_every_text_through(tmp_path):
    extra = _patterns(tmp_path, {"label": "call_me", "id": "number", "pattern": [{"NORM": {"REGEX": "^\\d+$"}}]})
    assert _holds("Nichts Neues.", "call_me", extra)
    assert _holds("", "call_me", extra)


def test_a_user_phrase_is_looked_for_word_by_word(tmp_path):
    extra = _patterns(tmp_path, {"label": "accept", "id": "scho", "pattern": "Passt scho"})
    assert _holds("Passt scho, Servus!", "accept", extra)
    assert not _holds("Servus!", "accept", extra)
    assert not may_say("Servus!", Intent.ACCEPT, direction="outbound", extra_patterns=[extra])


def test_a_text_without_any_pattern_word_is_ruled_out_before_spacy(monkeypatch):
    _build_both()
    calls = []
    monkeypatch.setattr(language, "_reading", lambda *args: calls.append(args))
    assert not may_say("Anbei die Unterlagen, schönes Wochenende!", Intent.ORDER_CONFIRMED, direction="inbound")
    assert calls == []


def test_a_trained_model_keeps_the_full_answer(monkeypatch):
    monkeypatch.setattr(language, "_may_hold_words", lambda *args: pytest.fail("prefilter used with a model"))
    text = "Klingt gut, machen wir so."
    assert may_say(text, Intent.ACCEPT, direction="inbound", model="de_core_news_nonexistent")


def test_literal_pieces_of_regexes():
    assert _literal_pieces("^(\\w*angebot|kva|beauftragen\\.)$") == ("angebot", "beauftragen.", "kva")
    assert _literal_pieces("^award(ed|ing)?$") == ("award",)
    assert _literal_pieces("^(zoom\\S*|teams\\S*)$") == ("teams", "zoom")
    assert _literal_pieces("^\\d{1,3}(?:[.,]\\d{3})*$") is None
    assert _literal_pieces("(?i)angebot") is None  # would need every case
    assert _literal_pieces("(a|\\d+)") is None  # one branch has no literal
    assert _literal_pieces("(?:ab)+x") == ("ab",)


def test_a_norm_table_keyed_by_hashes_makes_its_norms_untraceable():
    import functools

    from spacy.lang.lex_attrs import lower
    from spacy.lookups import Table
    from spacy.util import _get_attr_unless_lookup

    table = Table(name="lexeme_norm")
    table["colour"] = "color"
    getter = functools.partial(_get_attr_unless_lookup, lower, ({"€": "$"}, table))
    made_by: dict[str, set[str]] = {}
    untraceable: set[str] = set()
    assert _read_getter(getter, made_by, untraceable)
    assert made_by == {"$": {"€"}} and untraceable == {"color"}
    assert not _read_getter(str.upper, {}, set())  # a getter it does not know: no prefilter


# The lemma under it all: every token's NORM is in the raw text as a word, or made by one.

PROBES = [
    "10kg Ware, 5€, US$500 bestellt, 25°C. und 2024-2025 (cannot) re-order e-mail",
    "We don't. I'd like it. Id like it. dont, gonna, wanna, can't, Anna's, Anna’s plan",
    "Auftrag/Bestellung Hallo,Welt ende.Neuer z.B. morgen ggf. Ggf. evtl. inkl. Tel. 030",
    "auf'm Tisch, geht's? SCHRİEB, Straße, ſchrieb, K, naïve café, ΟΔΟΣ — „Zitat“ «x» ‚y‘",
    "https://example.com/angebot?id=5 anna@example.com #tag @name :-) <3 ...",
]


def _assert_norms_are_words(texts: Iterable[str]) -> None:
    from ghostscan.classify.language.prefilter import _has_word, _NormSources

    texts = list(texts)
    for lang in LANGUAGES:
        nlp = get_pipeline(lang).nlp
        norms = _NormSources.of(nlp)
        assert norms is not None
        for text in texts:
            if len(text) > MAX_ANALYZED_CHARS:
                continue  # may end inside a word: `may_say` does not judge such a text raw
            raw = FoldedText(text)
            for token in nlp.make_doc(text):
                requirement = norms.word(token.norm_)
                if token.is_space or requirement is None:
                    continue
                words = requirement.words
                assert any(w in raw.runs if _is_run(w) else _has_word(raw.folded, w) for w in words), (
                    lang,
                    token.text,
                    token.norm_,
                    text[max(0, token.idx - 40) : token.idx + 40],
                )


def _is_run(word: str) -> bool:
    from ghostscan.classify.language.prefilter import _RUN

    return bool(_RUN.fullmatch(word))


def test_every_token_norm_is_a_word_of_the_raw_text():
    _assert_norms_are_words(PROBES + labelled_texts() + [text for text, _ in mail_texts(REPO / "samples" / "mailbox")])


@pytest.mark.corpus
def test_every_corpus_token_norm_is_a_word_of_the_raw_text(corpus):
    _assert_norms_are_words(text for text, _ in mail_texts(corpus.root))


def test_an_invalid_pattern_for_the_other_language_stays_unread(tmp_path):
    # An English-only pattern spaCy refuses: German texts never build the English
    # pipeline, so they are answered as before (without the raw test, which needs both
    # pipelines); English ones still report it.
    extra = tmp_path / "mine.jsonl"
    extra.write_text(json.dumps({"label": "decline", "lang": "en", "pattern": [{"NORMAL": "nope"}]}) + "\n", encoding="utf-8")
    german = "Wir haben uns für einen anderen Anbieter entschieden."
    assert may_say(german, Intent.DECLINE, direction="inbound", extra_patterns=[extra])
    assert not may_say("Anbei die Unterlagen.", Intent.DECLINE, direction="inbound", extra_patterns=[extra])
    with pytest.raises(ConfigError):
        may_say("We went with another agency, sorry.", Intent.DECLINE, direction="inbound", extra_patterns=[extra])


def test_fold_is_the_character_mapping():
    from ghostscan.classify.language.pipeline import fold

    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "’": "'", "‘": "'"})
    for text in PROBES + labelled_texts() + ["ÄÖÜẞ straße Jürgen’s ‘x’", "plain ascii"]:
        assert fold(text) == text.lower().translate(table)


def test_the_raw_test_waits_for_both_pipelines(tmp_path, monkeypatch):
    """A mailbox in one language never builds the other language's pipeline for it."""
    extra = _patterns(tmp_path, {"label": "accept", "id": "scho", "pattern": "Passt scho"})
    assert language._may_hold_words("Servus!", ("accept",), (extra,))  # nothing built yet: no answer
    built = []
    real = get_pipeline
    monkeypatch.setattr(language, "get_pipeline", lambda lang, *a, **k: built.append(lang) or real(lang, *a, **k))
    assert not may_say("Servus, bis morgen!", Intent.ACCEPT, direction="inbound", extra_patterns=[extra])
    assert built == ["de"]
