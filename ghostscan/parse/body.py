"""On-demand message bodies: bytes → `email.message.Message` → text.

The classifier decides most mail from headers alone; these helpers run only when a rule
needs the body. They are built for hostile input: any line-ending convention, an mbox
``From `` line in front, unknown or missing charsets, HTML-only mail and huge messages
all give *some* text and never an exception.
"""

from __future__ import annotations

import codecs
import email
import re
from email.message import Message
from email.policy import compat32
from functools import lru_cache
from html.parser import HTMLParser
from typing import Iterator

DEFAULT_TEXT_LIMIT = 256 * 1024
"""Characters of body text returned by default: enough for any notice, cheap for a huge mail."""

# Charset labels seen in real mail that Python's codec registry does not know, or knows
# under another name. Unknown labels not listed here fall back to UTF-8/CP1252 guessing.
_CHARSET_ALIASES = {
    # RFC 1641's label for UTF-7; Exchange writes it on German NDRs.
    "unicode-1-1-utf-7": "utf-7",
    "unicode-2-0-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    # ANSI X3.110-1983 is a teletext superset of ASCII; Latin-1 decodes its ASCII range
    # the same and never fails on the rest.
    "ansi_x3.110-1983": "latin-1",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "x-user-defined": "latin-1",
    # GB18030 is a strict superset of GB2312/GBK; spam routinely mislabels GBK as GB2312.
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "utf8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "default": "",
}

_NEWLINES = re.compile(rb"\r\n?")


def parse_message(raw: bytes) -> Message:
    """Parse a whole message into an `email.message.Message` (compat32 policy).

    Line endings are normalised to ``\\n`` first (CRLF and CR-only files parse alike) and
    a leading mbox ``From `` line is dropped. Never raises on malformed input: the stdlib
    parser records defects instead, and whatever it could not structure stays payload.

    Args:
        raw: the message bytes, headers and body.

    Returns:
        The parsed message; an empty message for empty input.
    """
    data = _NEWLINES.sub(b"\n", raw)
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]
    return email.message_from_bytes(data, policy=compat32)


@lru_cache(maxsize=4)
def parse_message_cached(raw: bytes) -> Message:
    """Like `parse_message`, remembering the last few results.

    Several classifier rules look at the same message one after the other; bytes objects
    cache their hash, so a repeated lookup costs one identity comparison. Callers must
    not modify the returned message.

    Returns:
        The parsed message (shared; treat it as read-only).
    """
    return parse_message(raw)


def codec_for(charset: str | None) -> str | None:
    """Return a Python codec name for a MIME charset label, or None when unknown.

    Example:
        >>> codec_for("unicode-1-1-utf-7")
        'utf-7'
        >>> codec_for("no-such-charset") is None
        True
    """
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if not label:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode *data* with its declared charset, repairing what real mail gets wrong.

    Tries the declared charset (through `codec_for`), then UTF-8, then CP1252; the last
    resort is Latin-1, which decodes any byte. Never raises.

    Returns:
        The text.
    """
    codec = codec_for(charset)
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    # Undeclared 8-bit text is UTF-8 in modern mail and CP1252 in older Windows mail;
    # plain ASCII decodes the same under either.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec:
        return data.decode(codec, "replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def header_text(msg: Message, name: str) -> str:
    """Return one header of *msg* as text (``""`` when missing). Never raises.

    compat32 hands out an `email.header.Header` instead of a string for a value with raw
    8-bit bytes; this always gives a plain string.
    """
    value = msg.get(name)
    if value is None:
        return ""
    try:
        return str(value)
    except (UnicodeError, LookupError, ValueError):
        return ""


def part_bytes(part: Message) -> bytes:
    """Return a non-multipart part's payload with its Content-Transfer-Encoding undone.

    Broken base64 or quoted-printable gives what could be decoded; never raises.
    """
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError):
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def part_text(part: Message) -> str:
    """Return a text part's payload as text (HTML converted to text). Never raises."""
    try:
        charset = part.get_content_charset()
    except (ValueError, LookupError):
        charset = None
    text = decode_bytes(part_bytes(part), charset)
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return text


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document, one block element per line."""

    _SKIP = frozenset({"script", "style", "head", "title"})
    _BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML document (scripts and styles dropped). Never raises.

    Example:
        >>> html_to_text("<p>Hallo&nbsp;Welt</p><script>x()</script>").strip()
        'Hallo\\xa0Welt'
    """
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        # html.parser gives up on some malformed declarations (bpo-41989); keep what it saw.
        pass
    text = "".join(parser.chunks)
    return re.sub(r"\n[ \t\r\f\v]*(?:\n[ \t\r\f\v]*)+", "\n\n", text)


def iter_text_parts(msg: Message, *, attached: bool = False) -> Iterator[Message]:
    """Yield the parts of *msg* a reader would see as text, in order.

    Plain text is preferred: inside a multipart/alternative, the HTML alternative is
    skipped when a plain one exists. Parts marked as attachments are skipped, except
    text/rfc822-headers (a returned header block). Messages attached as message/rfc822
    are entered only when *attached* is true: their text is somebody else's mail.
    """
    if msg.is_multipart():
        payload = msg.get_payload()
        if not isinstance(payload, list):
            return
        subtype = msg.get_content_subtype()
        if msg.get_content_maintype() == "message":
            if attached:
                for inner in payload:
                    if isinstance(inner, Message):
                        yield from iter_text_parts(inner, attached=attached)
            return
        children = [p for p in payload if isinstance(p, Message)]
        if subtype == "alternative":
            plain = [p for p in children if p.get_content_type() == "text/plain"]
            if plain:
                children = plain[:1]
            elif children:
                children = children[-1:]
        for child in children:
            yield from iter_text_parts(child, attached=attached)
        return
    ctype = msg.get_content_type()
    if ctype == "text/rfc822-headers":
        yield msg
        return
    if msg.get_content_maintype() == "multipart":
        # A multipart whose boundary the parser could not find (a folded Content-Type
        # whose continuation line lacks indentation, a missing boundary parameter) stays
        # one string: its raw text is the best that can be shown.
        yield msg
        return
    if msg.get_content_maintype() != "text":
        return
    disposition = header_text(msg, "content-disposition").lower()
    if disposition.startswith("attachment") and ctype not in ("text/plain", "text/html"):
        return
    if ctype in ("text/plain", "text/html") or not msg.get_content_subtype():
        yield msg
    elif ctype in ("text/enriched", "text/richtext", "text/x-aol"):
        yield msg


def body_text(msg: Message, limit: int = DEFAULT_TEXT_LIMIT, *, attached: bool = False) -> str:
    """Return the decoded text a reader would see in *msg*, at most *limit* characters.

    Text parts are joined with blank lines; HTML is converted to text when it is the only
    form; charsets are repaired (see `decode_bytes`). Never raises.

    Args:
        msg: a parsed message (see `parse_message`).
        limit: maximum number of characters returned; parts after the limit are not
            decoded at all, so a huge message costs little.
        attached: also include the text of attached messages (message/rfc822).

    Returns:
        The text, possibly empty.
    """
    out: list[str] = []
    size = 0
    for part in iter_text_parts(msg, attached=attached):
        text = part_text(part)
        out.append(text)
        size += len(text) + 2
        if size >= limit:
            break
    return "\n\n".join(out)[:limit]


def without_attachment_data(data: bytes) -> bytes:
    """*data* (``\\n`` line endings) with the payload of every non-text MIME part left out.

    A body part declared ``application/*``, ``image/*``, ``audio/*``, ``video/*`` (or any
    other non-text type) keeps its header block, so its file name stays readable, but
    loses its content: a 300 KB PDF in base64 is some 4,000 lines the stdlib parser
    would otherwise read one by one, for text nobody looks at. The MIME tree is walked
    the way the stdlib parser walks it: only the boundary of a multipart's own
    Content-Type splits its body (RFC 2046 section 5.1.1), text parts are never looked
    into, message/rfc822 parts are entered. Everything else is returned unchanged.
    """
    drops: list[tuple[int, int]] = []
    _lean(data, 0, len(data), drops, depth=0)
    if not drops:
        return data
    out, last = [], 0
    for begin, end in drops:
        out.append(data[last:begin])
        last = end
    out.append(data[last:])
    return b"".join(out)


_HEADER_PARSER = None


def _lean(data: bytes, start: int, end: int, drops: list[tuple[int, int]], *, depth: int, part: bool = False) -> None:
    """Record in *drops* the content ranges of non-text parts of the entity ``data[start:end]``."""
    global _HEADER_PARSER
    if _HEADER_PARSER is None:
        from email.parser import BytesHeaderParser

        _HEADER_PARSER = BytesHeaderParser(policy=compat32)
    if depth > 20:
        return
    blank = start if data.startswith(b"\n", start) else data.find(b"\n\n", start, end)
    body = end if blank < 0 else blank + (1 if blank == start else 2)
    head = _HEADER_PARSER.parsebytes(data[start:body])
    maintype = head.get_content_maintype()
    if maintype == "message" and head.get_content_subtype() in ("rfc822", "global"):
        _lean(data, body, end, drops, depth=depth + 1)
    elif maintype == "multipart":
        boundary = head.get_boundary()
        if boundary:
            _split(data, body, end, boundary.encode("utf-8", "surrogateescape"), drops, depth)
    elif part and maintype not in ("text", "message") and "content-type" in head and body < end:
        drops.append((body, end))


def _split(data: bytes, start: int, end: int, boundary: bytes, drops: list[tuple[int, int]], depth: int) -> None:
    """Walk the body parts of a multipart body ``data[start:end]`` between its delimiter lines."""
    marker = b"--" + boundary
    line = start
    part_start = None
    while line < end:
        at = data.find(marker, line, end)
        while at > start and data[at - 1] != 0x0A:  # delimiters start a line
            at = data.find(marker, at + 1, end)
        if at < 0:
            break
        line_end = data.find(b"\n", at, end)
        line_end = end if line_end < 0 else line_end
        rest = data[at + len(marker) : line_end].rstrip(b" \t")
        if rest not in (b"", b"--"):
            line = line_end
            continue
        if part_start is not None:
            # The line break before a delimiter belongs to the delimiter.
            _lean(data, part_start, max(at - 1, part_start), drops, depth=depth + 1, part=True)
        if rest == b"--":
            return  # the rest is the epilogue
        part_start = line = line_end + 1
    if part_start is not None and part_start < end:
        _lean(data, part_start, end, drops, depth=depth + 1, part=True)


def parse_text_message(raw: bytes) -> Message:
    """Like `parse_message`, for reading text: non-text parts come without content.

    `body_text` and the parts' headers (file names, types) are the same as from
    `parse_message`; the payload of a non-text part is empty (see `without_attachment_data`).
    """
    data = _NEWLINES.sub(b"\n", raw)
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]
    return email.message_from_bytes(without_attachment_data(data), policy=compat32)
