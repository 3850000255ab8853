"""Body helpers: tolerant parsing, charset repair, HTML to text, the size cap."""

from __future__ import annotations

import base64

import pytest

from ghostscan.parse.body import (
    body_text,
    codec_for,
    decode_bytes,
    html_to_text,
    parse_message,
)

SIMPLE = (
    b"From: Hans <h@mueller-bau.de>\n"
    b"Subject: Angebot\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\n"
)


@pytest.mark.parametrize(
    "raw",
    [
        SIMPLE,
        SIMPLE.replace(b"\n", b"\r\n"),
        SIMPLE.replace(b"\n", b"\r"),
        b"From h@mueller-bau.de Tue May 14 10:00:00 2024\n" + SIMPLE,
    ],
    ids=["lf", "crlf", "cr-only", "mbox-from-line"],
)
def test_every_line_ending_and_mbox_from_line_parse_alike(raw):
    msg = parse_message(raw)

    assert msg["subject"] == "Angebot"
    assert body_text(msg).strip() == "Grüße aus Köln"


def test_utf7_label_from_exchange_is_decoded():
    raw = (
        b"Subject: Unzustellbar\n"
        b"Content-Type: text/plain; charset=unicode-1-1-utf-7\n\n"
        b"Empf+AOQ-nger unbekannt\n"
    )

    assert "Empfänger unbekannt" in body_text(parse_message(raw))


def test_ansi_x3_110_label_does_not_break_decoding():
    raw = (
        b"Subject: Auto reply\n"
        b"Content-type: text/plain; charset=ansi_x3.110-1983\n\n"
        b"Gracias por contactar con nosotros!! tendr\xe1s noticias nuestras\n"
    )

    text = body_text(parse_message(raw))

    assert text.startswith("Gracias por contactar con nosotros")


def test_missing_charset_prefers_utf8_then_cp1252():
    assert decode_bytes("Grüße".encode("utf-8")) == "Grüße"
    assert decode_bytes("Grüße – Anna".encode("cp1252")) == "Grüße – Anna"


def test_unknown_charset_falls_back_instead_of_raising():
    raw = b"Content-Type: text/plain; charset=x-no-such-charset\n\nM\xfcller\n"

    assert body_text(parse_message(raw)).strip() == "Müller"


def test_wrong_declared_charset_falls_back_to_utf8():
    assert decode_bytes("Grüße".encode("utf-8"), "us-ascii") == "Grüße"


def test_codec_for_knows_the_aliases_of_real_mail():
    assert codec_for("unicode-1-1-utf-7") == "utf-7"
    assert codec_for('"ISO-8859-1"') == "iso8859-1"
    assert codec_for("gb2312") == "gb18030"
    assert codec_for("no-such-charset") is None
    assert codec_for(None) is None


def test_html_only_mail_becomes_text_without_scripts_or_styles():
    raw = (
        b"Content-Type: text/html; charset=utf-8\n\n"
        b"<html><head><style>p{color:red}</style><title>T</title></head>"
        b"<body><p>Sehr geehrte&nbsp;Frau Berg,</p><script>track()</script><p>vielen Dank.</p></body></html>"
    )

    text = body_text(parse_message(raw))

    assert "Sehr geehrte\xa0Frau Berg," in text
    assert "vielen Dank." in text
    assert "track()" not in text and "color" not in text


def test_plain_alternative_is_preferred_over_html():
    raw = (
        b'Content-Type: multipart/alternative; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nplain version\n"
        b"--b\nContent-Type: text/html\n\n<p>html version</p>\n"
        b"--b--\n"
    )

    text = body_text(parse_message(raw))

    assert "plain version" in text
    assert "html version" not in text


def test_attached_messages_are_left_out_unless_asked_for():
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nthe notice\n"
        b"--b\nContent-Type: message/rfc822\n\nSubject: original\n\nthe original text\n"
        b"--b--\n"
    )
    msg = parse_message(raw)

    assert "the original text" not in body_text(msg)
    assert "the original text" in body_text(msg, attached=True)


def test_multipart_without_usable_boundary_still_gives_its_text():
    # The boundary parameter sits on an unindented line, so it is not part of the header.
    raw = (
        b'Content-Type: multipart/mixed; boundary="outer"\n\n'
        b"--outer\n"
        b"Content-Type: multipart/alternative;\n"
        b'boundary="inner"\n\n'
        b"--inner\nContent-Type: text/plain\n\nError: Invalid user address\n--inner--\n"
        b"--outer--\n"
    )

    assert "Error: Invalid user address" in body_text(parse_message(raw))


def test_broken_base64_never_raises():
    payload = base64.b64encode(b"hallo welt")[:-3] + b"!!\n"
    raw = b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" + payload

    assert isinstance(body_text(parse_message(raw)), str)


def test_size_cap_limits_the_text():
    raw = b"Content-Type: text/plain\n\n" + b"x" * 1_000_000

    assert len(body_text(parse_message(raw), limit=1000)) == 1000


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe", b"no header block at all", b"Subject: only headers\n"])
def test_junk_gives_text_not_exceptions(raw):
    assert isinstance(body_text(parse_message(raw)), str)


def test_html_to_text_survives_broken_markup():
    assert "Text" in html_to_text("<p>Text<p><![CDATA[ <<<>>> <!DOCTYPE")


def _offer_with_pdf(text_part: bytes) -> bytes:
    pdf = base64.encodebytes(bytes(range(256)) * 400)
    return (
        b"From: Anna <anna@studio-berg.de>\n"
        b"Subject: Angebot\n"
        b'Content-Type: multipart/mixed; boundary="outer"\n'
        b"\n"
        b"preamble\n"
        b"--outer\n" + text_part + b"\n"
        b"--outer\n"
        b'Content-Type: application/pdf; name="Angebot_2026-117.pdf"\n'
        b"Content-Transfer-Encoding: base64\n"
        b'Content-Disposition: attachment; filename="Angebot_2026-117.pdf"\n'
        b"\n" + pdf + b"--outer--\n"
        b"epilogue\n"
    )


ALTERNATIVE = (
    b'Content-Type: multipart/alternative; boundary="inner"\n'
    b"\n"
    b"--inner\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"Anbei unser Angebot.\n"
    b"--outer\n"  # the enclosing multipart's boundary
    b"--inner\n"
    b"Content-Type: text/html; charset=utf-8\n"
    b"\n"
    b"<p>Anbei unser Angebot.</p>\n"
    b"--inner--\n"
)


def test_text_message_drops_attachment_content_but_not_text_or_names():
    from ghostscan.parse.body import parse_text_message, without_attachment_data

    raw = _offer_with_pdf(ALTERNATIVE)
    full, lean = parse_message(raw), parse_text_message(raw)
    assert len(without_attachment_data(raw)) < len(raw) // 50
    # The outer boundary ends the inner multipart early, as the stdlib parser has it.
    assert body_text(lean) == body_text(full)
    assert body_text(lean).startswith("Anbei unser Angebot.\n")
    names = [p.get_filename() for p in lean.walk() if p.get_filename()]
    assert names == ["Angebot_2026-117.pdf"]
    assert lean.get_payload()[-1].get_content_type() == "application/pdf"
    assert lean.get_payload()[-1].get_payload() == ""


def test_text_message_keeps_text_that_looks_like_mime():
    """A boundary quoted inside a text part (a forwarded bounce) splits nothing."""
    from ghostscan.parse.body import without_attachment_data

    raw = (
        b"Content-Type: text/plain\n\n"
        b"Original message follows:\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: application/msword\n\nsecret words\n--b--\n"
    )
    assert without_attachment_data(raw) == raw
    assert "secret words" in body_text(parse_message(raw))


def test_text_message_keeps_empty_parts_between_repeated_delimiters():
    from ghostscan.parse.body import parse_text_message

    raw = (
        b"Content-Type: multipart/mixed; boundary=ABCDE\n\n"
        b"--ABCDE\nContent-Type: image/png\n\nPNGDATA\n--ABCDE\n--ABCDE\n"
        b"Content-Type: text/plain\n\nHallo\n--ABCDE--\n"
    )
    assert body_text(parse_text_message(raw)) == body_text(parse_message(raw)) == "Hallo"


# ----------------------------------------------------------------------------- light walk


def _reading(msg) -> tuple:
    """Everything a reader of text takes from a parsed message."""
    parts = [(p.get_content_type(), p.get_filename(), p.get_content_charset(), p.is_multipart()) for p in msg.walk()]
    return body_text(msg), body_text(msg, attached=True), parts


def _assert_reads_alike(raw: bytes) -> None:
    from ghostscan.parse.body import parse_text_message, parse_text_parts

    assert _reading(parse_text_parts(raw)) == _reading(parse_text_message(raw))


FORWARD = (
    b"From: Anna <anna@studio-berg.de>\n"
    b'Content-Type: multipart/mixed; boundary="fw"\n'
    b"\n"
    b"--fw\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: quoted-printable\n"
    b"\n"
    b"Weitergeleitet, Gr=FC=DFe\n"
    b"--fw\n"
    b"Content-Type: message/rfc822\n"
    b"\n"
    b"From: Hans <h@mueller-bau.de>\n"
    b'Content-Type: multipart/mixed; boundary="in"\n'
    b"\n"
    b"--in\n"
    b"Content-Type: text/html; charset=utf-8\n"
    b"\n"
    b"<p>Auftrag erteilt</p>\n"
    b"--in\n"
    b"Content-Type: application/pdf\n"
    b"Content-Disposition: attachment; filename*=utf-8''Bestellung%20M%C3%BCller.pdf\n"
    b"\n"
    b"JVBERi0xLjQK\n"
    b"--in--\n"
    b"\n"
    b"--fw--\n"
)


@pytest.mark.parametrize(
    "raw",
    [
        SIMPLE,
        SIMPLE.replace(b"\n", b"\r\n"),
        b"From h@mueller-bau.de Tue May 14 10:00:00 2024\n" + SIMPLE,
        _offer_with_pdf(b"Content-Type: text/plain; charset=utf-8\n\nAnbei unser Angebot.\n"),
        _offer_with_pdf(ALTERNATIVE),  # an outer boundary inside the inner multipart
        FORWARD,
        FORWARD.replace(b"--fw--\n", b""),  # no closing delimiter
        b"Content-Type: multipart/mixed\n\nno boundary parameter\n",
        b"Content-Type: multipart/mixed; boundary=x\n\nno delimiter line at all\n",
        b"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: inner\n\nText\n--d--\n",
        b"Subject: x\nnot a header line\nContent-Type: text/html\n\n<p>body</p>\n",
        b" continuation first\nContent-Type: text/plain\nFrom misplaced\nX: y\n\nText\n",
        b"Content-Type: text/plain\n",
        b"",
    ],
    ids=[
        "simple", "crlf", "mbox-from", "offer-pdf", "outer-boundary-inside", "forward", "unclosed",
        "no-boundary", "no-delimiter", "digest", "missing-blank-line", "odd-header-lines", "only-headers", "empty",
    ],
)
def test_light_walk_reads_like_the_stdlib_parser(raw):
    _assert_reads_alike(raw)


@pytest.mark.parametrize("cut", [40, 200, 400, 600, 800, 1000, 5000])
def test_light_walk_reads_a_partial_fetch_like_the_stdlib_parser(cut):
    """A body fetched up to a size cap ends anywhere: in a header, a part, a delimiter line."""
    for raw in (FORWARD, _offer_with_pdf(ALTERNATIVE), _offer_with_pdf(b"Content-Type: text/plain\n\nHallo\n")):
        _assert_reads_alike(raw[:cut])


@pytest.mark.corpus
def test_light_walk_reads_every_corpus_message_like_the_stdlib_parser(corpus):
    files = [p for p in sorted(corpus.root.rglob("*")) if p.is_file() and p.suffix not in (".md", ".tsv")]
    assert len(files) > 500
    for path in files:
        raw = path.read_bytes()
        for cut in (len(raw), 3000, 16 * 1024):
            _assert_reads_alike(raw[:cut])


@pytest.mark.parametrize("raw", [FORWARD, FORWARD.replace(b"--fw--\n", b""), FORWARD[:700]], ids=["whole", "unclosed", "cut"])
def test_light_walk_reads_ordinary_mail_itself(raw, monkeypatch):
    from ghostscan.parse import body

    expected = _reading(body.parse_text_message(raw))
    monkeypatch.setattr(body, "parse_text_message", lambda raw: pytest.fail("handed to the stdlib parser"))
    assert _reading(body.parse_text_parts(raw)) == expected
