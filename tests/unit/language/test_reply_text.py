"""reply_text / signature_text: the new text of a message, without quotes and signature."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghostscan.parse.body import body_text, parse_message
from ghostscan.parse.reply_text import reply_text, signature_text

# ---------------------------------------------------------------------------- quoted history


@pytest.mark.parametrize(
    "history",
    [
        pytest.param(
            "Von: Max Weber <max@weber-web.de>\nGesendet: Montag, 12. Oktober 2026 10:14\n"
            "An: Anna Berg <anna@berg.de>\nBetreff: Angebot Website\n\nHallo Frau Berg,\nanbei unser Angebot.",
            id="outlook-de",
        ),
        pytest.param(
            "From: Max Weber <max@weber-web.de>\nSent: Tuesday, October 13, 2026 9:00 AM\n"
            "To: Anna Berg\nSubject: RE: Quote\n\nHi Anna,\nplease find attached our quote.",
            id="outlook-en",
        ),
        pytest.param(
            "*Von:* Max Weber <max@weber-web.de> *Gesendet:* Montag, 12. Oktober 2026 10:14 "
            "*An:* Anna Berg *Betreff:* Angebot\n\nanbei unser Angebot.",
            id="outlook-html-flattened",
        ),
        pytest.param(
            "-----Ursprüngliche Nachricht-----\nVon: Max Weber\nGesendet: Montag, 12. Oktober 2026\n\nanbei unser Angebot.",
            id="urspruengliche-nachricht",
        ),
        pytest.param("-----Original Message-----\nFrom: Max Weber\n\nplease find attached our quote.", id="original-message"),
        pytest.param("----- Original Nachricht ----\nVon:     max@weber-web.de\n\nanbei unser Angebot.", id="lotus-original"),
        pytest.param("Am 12.10.2026 um 10:14 schrieb Anna Berg:\nanbei unser Angebot.", id="thunderbird-de"),
        pytest.param(
            "Am Mo., 12. Okt. 2026 um 10:14 Uhr schrieb Max Weber <\nmax@weber-web.de>:\n\nanbei unser Angebot.",
            id="gmail-de-wrapped",
        ),
        pytest.param(
            "On Tue, Oct 13, 2026 at 9:00 AM Max Weber <max@weber-web.de> wrote:\nplease find attached our quote.",
            id="gmail-en",
        ),
        pytest.param(
            "________________________________\nVon: Max Weber <max@weber-web.de>\nGesendet: Montag, 12. Oktober 2026\n"
            "An: Anna Berg\n\nanbei unser Angebot.",
            id="outlook-web-rule",
        ),
        pytest.param("---------- Forwarded message ---------\nFrom: Max\n\nplease find attached our quote.", id="forward"),
    ],
)
def test_quoted_history_is_cut(history):
    text = f"Hallo Max,\n\nwir haben uns für einen anderen Anbieter entschieden.\n\n{history}"

    assert reply_text(text) == "Hallo Max,\n\nwir haben uns für einen anderen Anbieter entschieden."


def test_quote_lines_go_and_interleaved_answers_stay():
    text = (
        "Hi Max,\n\n"
        "On Tue, Oct 13, 2026 at 9:00 AM Max Weber <max@weber-web.de> wrote:\n"
        "> Would Thursday work for a call?\n"
        "Thursday is fine.\n"
        "> And can you send the logo files?\n"
        ">\n"
        "Attached.\n"
    )

    assert reply_text(text) == "Hi Max,\n\nThursday is fine.\nAttached."


def test_bottom_posted_reply_keeps_the_text_below_the_quote():
    text = (
        "Am 07.05.2026 08:10, schrieb Max Weber:\n"
        "> Anbei unser Angebot über 4.800 €.\n"
        ">\n"
        "> Viele Grüße\n"
        "> Max\n\n"
        "Hallo Max,\n\nklingt gut, machen wir so.\n"
    )

    assert reply_text(text) == "Hallo Max,\n\nklingt gut, machen wir so."


def test_a_sentence_ending_in_a_colon_is_no_attribution():
    text = "Hallo Max,\n\nwie Sie schon schrieben:\ndas Budget ist knapp. Geht es günstiger?"

    assert reply_text(text) == text


def test_header_like_lines_without_a_sender_are_kept():
    text = "Eckdaten:\nDatum: 12.10.2026\nBetreff: Relaunch\nBudget: 5.000 €"

    assert reply_text(text) == text


def test_forward_without_comment_has_no_new_text():
    text = "\n\n---------- Weitergeleitete Nachricht ---------\nVon: Anna\n\nHallo!"

    assert reply_text(text) == ""


# ---------------------------------------------------------------------------- signatures


def test_signature_after_dash_dash_space_goes_to_signature_text():
    text = "Passt so, danke!\n\n-- \nAnna Berg\nBerg GmbH\nTel. +49 30 1234567\n"

    assert reply_text(text) == "Passt so, danke!"
    assert signature_text(text) == "Anna Berg\nBerg GmbH\nTel. +49 30 1234567"


@pytest.mark.parametrize(
    "sign_off",
    ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße aus Köln", "LG", "VG", "MfG", "Best regards,", "Kind regards", "Cheers,"],
)
def test_sign_off_followed_by_a_name_starts_the_signature(sign_off):
    text = f"Hallo Max,\n\nwir nehmen das Angebot an.\n\n{sign_off}\nAnna Berg\nBerg GmbH | Tel. 030 1234567\n"

    assert reply_text(text) == "Hallo Max,\n\nwir nehmen das Angebot an."
    assert signature_text(text).startswith("Anna Berg")


def test_name_on_the_sign_off_line_is_part_of_the_signature():
    text = "Hi Max,\n\nsounds good.\n\nThanks, Anna\n+44 20 7946 0958"

    assert reply_text(text) == "Hi Max,\n\nsounds good."
    assert signature_text(text) == "Anna\n+44 20 7946 0958"


def test_thanks_at_the_start_of_a_paragraph_is_not_a_sign_off():
    text = "Hi Max,\n\nThanks!\nWe accept your offer and will send the PO tomorrow.\n\nBest,\nAnna"

    assert reply_text(text) == "Hi Max,\n\nThanks!\nWe accept your offer and will send the PO tomorrow."


def test_a_greeting_line_followed_by_prose_is_not_a_sign_off():
    text = "Hallo Max,\n\nviele Grüße aus dem Urlaub!\nIch wollte fragen, ob Sie auch Hosting anbieten.\n\nGruß\nAnna"

    assert reply_text(text) == "Hallo Max,\n\nviele Grüße aus dem Urlaub!\nIch wollte fragen, ob Sie auch Hosting anbieten."


def test_postscript_after_the_signature_stays_in_the_text():
    text = "Hi Max,\n\nlooks good.\n\nBest,\nAnna\n\nPS: Can you also do the German version?"

    assert reply_text(text) == "Hi Max,\n\nlooks good.\n\nPS: Can you also do the German version?"
    assert "PS" not in signature_text(text)


def test_sent_from_my_phone_trailer_goes():
    assert reply_text("Ja, passt.\n\nVon meinem iPhone gesendet") == "Ja, passt."
    assert reply_text("Yes, go ahead.\n\nSent from my iPhone") == "Yes, go ahead."


def test_bullet_lists_are_kept():
    text = "Hallo Frau Berg,\n\nanbei das Angebot:\n- Konzept: 1.200 €\n- Umsetzung: 3.600 €\n\nViele Grüße\nMax"

    assert reply_text(text) == "Hallo Frau Berg,\n\nanbei das Angebot:\n- Konzept: 1.200 €\n- Umsetzung: 3.600 €"


@pytest.mark.parametrize("junk", ["", "\x00\x01\x02", ">" * 5000, "Am " * 3000, "On x wrote:\n" * 2000, "Von: a\n" * 3000, "\r\r\n\n"])
def test_never_raises(junk):
    assert isinstance(reply_text(junk), str)
    assert isinstance(signature_text(junk), str)


def test_crlf_and_cr_line_endings():
    text = "Danke, passt.\r\n\r\n> Anbei das Angebot.\r\n"

    assert reply_text(text) == "Danke, passt."
    assert reply_text(text.replace("\r\n", "\r")) == "Danke, passt."


# ---------------------------------------------------------------------------- real German business mail


def _body(corpus, relative: str) -> str:
    return body_text(parse_message((corpus.root / relative).read_bytes()))


@pytest.mark.corpus
def test_outlook_block_below_a_german_reply(corpus):
    body = _body(corpus, "threads/zammad-de/mail012.box")

    text = reply_text(body)

    assert text.startswith("Hallo Herr Edenhofer,")
    assert "Meinen Sie, dass Sie uns bei der Behebung" in text
    assert "Ursprüngliche Nachricht" not in text and "Sehr geehrte Frau Smith" not in text
    assert "Alex Smith" not in text and "Frankfurt am Main" not in text
    assert signature_text(body).startswith("Alex Smith")


@pytest.mark.corpus
def test_bottom_posted_thunderbird_reply(corpus):
    text = reply_text(_body(corpus, "threads/zammad-de/mail005.box"))

    assert text.startswith("Hallo Martin,")
    assert "John und ich könnten leider nur am Freitag" in text
    assert "Mögliche Termine" not in text and "Managing Director" not in text


@pytest.mark.corpus
def test_lotus_notes_header_block_with_blank_lines(corpus):
    text = reply_text(_body(corpus, "threads/zammad-de/mail007.box"))

    assert text == "Hallo.\nJetzt muss ich dir noch kurzfristig absagen für morgen.\nLass uns evtl morgen Tel."


@pytest.mark.corpus
def test_forward_of_an_invoice_has_no_new_text(corpus):
    assert reply_text(_body(corpus, "threads/zammad-de/mail057.box")) == ""


@pytest.mark.corpus
def test_tine20_replies(corpus):
    blockquote = reply_text(_body(corpus, "threads/tine20-de/blockquote.eml"))
    assert blockquote.startswith("Nein, das ist leider ein Unterschied")
    assert "Moin!" not in blockquote and "Lars Kneschke wrote" not in blockquote

    body = _body(corpus, "threads/tine20-de/invalid_html.eml")
    assert reply_text(body).startswith("Hallo Susan,\n\nhier seine Daten :)")
    assert "Moin Roberta" not in reply_text(body)
    assert "Roberta Wright" in signature_text(body)


@pytest.mark.corpus
def test_every_corpus_thread_keeps_only_lines_it_had(corpus):
    for path in sorted((corpus.root / "threads").rglob("*")):
        if not path.is_file() or path.suffix in (".md", ".tsv", ".cats"):
            continue
        body = body_text(parse_message(path.read_bytes()))
        original = {line.strip() for line in body.splitlines()}
        for line in reply_text(body).splitlines():
            assert line.strip() in original, f"{path}: {line!r} is not a line of the body"


# ------------------------------------------------------------------ shortcuts change nothing


def _without_shortcuts(monkeypatch) -> None:
    """Undo the speed-ups of reply_text: each line searched for an attribution hint on its
    own, and every line tried as a sign-off."""
    import re

    from ghostscan.parse import reply_text as module

    monkeypatch.setattr(
        module, "_hinted_lines", lambda lines: {i for i, line in enumerate(lines) if module._ATTRIBUTION_HINT.search(line)}
    )
    monkeypatch.setattr(module, "_SIGN_OFF_START", re.compile(""))


def _assert_same_without_shortcuts(monkeypatch, texts) -> None:
    """Both the new text and the signature (`_split` gives the two) come out the same."""
    from ghostscan.parse.reply_text import _split

    texts = list(texts)
    fast = [_split(text) for text in texts]
    with monkeypatch.context() as m:
        _without_shortcuts(m)
        for text, found in zip(texts, fast):
            assert _split(text) == found, text[:400]


def test_shortcuts_change_no_text(monkeypatch):
    odd = [
        "Danke.\n\nAm 12.10.2026 SCHRİEB Max:\n> Angebot",  # "İ" lower-cases to two characters
        "Danke.\n\nOn Monday John wrote:\n> quote",
        "Danke.\n\nAm Montag hat Max folgendes:\n> Angebot",  # an attribution without a hint word
        "Passt.\n\nViele Grüße, Anna\nTel. 030 123456",
        "Passt.\n\nBest Practice\nfür alle",
        "Passt so.\nLG Anna",
        "Thanks, John",
    ]
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "language"))
    from mail_texts import labelled_texts, mail_texts

    samples = [text for text, _ in mail_texts(Path(__file__).resolve().parents[3] / "samples" / "mailbox")]
    _assert_same_without_shortcuts(monkeypatch, odd + labelled_texts() + samples)


@pytest.mark.corpus
def test_shortcuts_change_no_corpus_text(monkeypatch, corpus):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "language"))
    from mail_texts import mail_texts

    _assert_same_without_shortcuts(monkeypatch, (text for text, _ in mail_texts(corpus.root)))


def test_shortcuts_change_no_benchmark_text(monkeypatch, benchmark_texts):
    _assert_same_without_shortcuts(monkeypatch, (text for text, _ in benchmark_texts))
