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


def parse_text_parts(raw: bytes) -> Message:
    """Like `parse_text_message`, faster, for `body_text` and the parts' headers only.

    The stdlib parser reads a message line by line and compiles a regular expression
    for every boundary it meets; reading a few thousand bodies, that was most of the cost
    of a text read. This walks the MIME tree with ``bytes.find`` instead, building the
    same `Message` objects with the stdlib's own header parsing, so content types,
    charsets, file names and the text parts' payloads come out exactly as the stdlib
    parser makes them. Left out, since no reader of text looks at them: header fields
    other than Content-*, the payloads of parts that are not text, preambles, epilogues
    and defects.

    Anything unusual (a multipart without its first boundary or with doubled
    delimiter lines, a part cut short by an enclosing multipart's boundary, a digest, a
    delivery-status report, a misplaced ``From`` line) is handed to `parse_text_message`
    whole. A message cut off at a size cap (an IMAP partial fetch) is not unusual:
    its open multiparts end where the data ends, as in the stdlib parser.
    """
    data = raw if b"\r" not in raw else _NEWLINES.sub(b"\n", raw)
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]
    try:
        return _LightWalk(data).message()
    except _Unusual:
        return parse_text_message(raw)


class _Unusual(Exception):
    """A construct `_LightWalk` leaves to the stdlib parser."""


def _decode(data: bytes) -> str:
    # As `email.message_from_bytes` reads bytes: one character per byte.
    return data.decode("ascii", "surrogateescape")


_MAX_DEPTH = 40

# The feed parser's ``headerRE``, and the first line of a text that does not match it.
_HEADER_LINE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")
_HEADER_END = re.compile(r"^(?!From |[\041-\071\073-\176]*:|[\t ])", re.MULTILINE)


class _LightWalk:
    """The stdlib `FeedParser`'s MIME walk (compat32), over ``\\n``-only bytes.

    It follows ``email.feedparser.FeedParser._parsegen`` step by step: header lines up to
    a blank or non-header line, the boundaries of the enclosing multiparts as the end of
    every part inside them (the feed parser's "EOF matchers"), and the newline before
    a delimiter line belonging to the delimiter. Where the feed parser would take a
    path these readers never meet in well-formed or truncated mail, `_Unusual` is raised.
    """

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0
        self.eofs: list[bytes] = []
        """Delimiters (``--boundary``) of the enclosing multiparts, innermost last."""
        self.last: Message | None = None
        """The message made last (the feed parser's ``_last``)."""

    def message(self) -> Message:
        return self._entity(None, 0)

    # -- lines ---------------------------------------------------------------------

    def _line_end(self, pos: int) -> int:
        nl = self.data.find(b"\n", pos)
        return len(self.data) if nl < 0 else nl + 1

    def _delimiter(self, pos: int, sep: bytes) -> str | None:
        """``"close"``, ``"part"`` or None: whether the line at *pos* is a delimiter line of *sep*.

        The feed parser's ``boundaryre``: the delimiter, an optional ``--``, spaces or tabs.
        """
        data = self.data
        if not data.startswith(sep, pos):
            return None
        rest = data[pos + len(sep) : self._line_end(pos)]
        if rest.endswith(b"\n"):
            rest = rest[:-1]
        if rest.startswith(b"--") and not rest[2:].strip(b" \t"):
            return "close"
        if not rest.strip(b" \t"):
            return "part"
        return None

    def _next_delimiter(self, pos: int, seps: list[bytes]) -> int:
        """The start of the first line at or after *pos* that is a delimiter line of one of *seps*; else the end."""
        data = self.data
        best = len(data)
        for sep in seps:
            if self._delimiter(pos, sep):
                return pos
            needle = b"\n" + sep
            at = data.find(needle, pos, best)
            while at >= 0:
                if self._delimiter(at + 1, sep):
                    best = at + 1
                    break
                at = data.find(needle, at + 1, best)
        return best

    def _at_eof(self, pos: int) -> bool:
        return pos >= len(self.data) or any(self._delimiter(pos, sep) for sep in self.eofs)

    # -- entities ------------------------------------------------------------------

    def _entity(self, parent: Message | None, depth: int) -> Message:
        if depth > _MAX_DEPTH:
            raise _Unusual
        msg = Message(policy=compat32)
        if parent is not None:
            if parent.get_content_type() == "multipart/digest":
                raise _Unusual  # its parts default to message/rfc822
            parent.attach(msg)
        self.last = msg
        self._headers(msg)
        ctype = msg.get_content_type()
        maintype = ctype.partition("/")[0]
        if ctype == "message/delivery-status":
            raise _Unusual
        if maintype == "message":
            self._entity(msg, depth + 1)
        elif maintype == "multipart":
            self._multipart(msg, depth)
        else:
            end = self._next_delimiter(self.pos, self.eofs) if self.eofs else len(self.data)
            if end < len(self.data) and not self._delimiter(end, self.eofs[-1]):
                raise _Unusual  # cut short by an outer multipart's boundary
            if maintype == "text":
                msg._payload = _decode(self.data[self.pos : end])  # type: ignore[attr-defined]
            else:
                msg._payload = ""  # type: ignore[attr-defined]
            self.pos = end
        return msg

    def _headers(self, msg: Message) -> None:
        """Read the header block at `pos` into *msg*: its Content-* fields, in order.

        The feed parser's header loop and ``_parse_headers``. Other fields are not kept:
        the readers of text ask only for Content-Type, Content-Disposition and
        Content-Transfer-Encoding.
        """
        data = self.data
        start = self.pos
        if data.startswith(b"\n", start):
            self.pos = start + 1  # no header at all, just the blank line
            return
        blank = data.find(b"\n\n", start)
        region_end = len(data) if blank < 0 else blank + 1
        region = _decode(data[start:region_end])
        found = _HEADER_END.search(region)
        size = len(region) if found is None else found.start()
        if self.eofs and (data.startswith(b"--", start) or data.find(b"\n--", start, start + size) >= 0):
            # A header line might be a delimiter line, which ends the block: line by line.
            size = 0
            while size < len(region) and not self._at_eof(start + size):
                end = region.find("\n", size)
                end = len(region) if end < 0 else end + 1
                if not _HEADER_LINE.match(region, size):
                    break
                size = end
        lines = [line + "\n" for line in region[:size].split("\n")]
        lines[-1] = lines[-1][:-1]  # after the last newline: nothing, or a line the data ends in
        if not lines[-1]:
            lines.pop()
        self.pos = start + size
        if blank >= 0 and self.pos == blank + 1:
            self.pos += 1  # the blank line between header and body
        last_name = ""
        value: list[str] = []
        for number, line in enumerate(lines):
            if line[0] in " \t":
                if last_name:
                    value.append(line)
                continue  # else a continuation line first: the feed parser ignores it
            if last_name:
                if last_name[:8].lower() == "content-":
                    msg.set_raw(*compat32.header_source_parse(value))
                last_name, value = "", []
            if line.startswith("From "):
                if number == 0:
                    continue  # the envelope line
                if number == len(lines) - 1:
                    raise _Unusual  # the feed parser pushes it back as the first body line
                continue  # a misplaced envelope line: ignored
            colon = line.find(":")
            if colon == 0:
                continue  # no header name: ignored
            last_name = line[:colon]
            value = [line]
        if last_name and last_name[:8].lower() == "content-":
            msg.set_raw(*compat32.header_source_parse(value))

    def _multipart(self, msg: Message, depth: int) -> None:
        boundary = msg.get_boundary()
        if boundary is None:
            raise _Unusual  # the stdlib keeps the whole body as one string
        try:
            sep = b"--" + boundary.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            raise _Unusual from None
        if sep in self.eofs or b"\n" in sep:
            raise _Unusual
        seps = [*self.eofs, sep]
        # The preamble: up to the first delimiter line.
        self.pos = self._next_delimiter(self.pos, seps)
        if self._at_eof(self.pos) or self._delimiter(self.pos, sep) != "part":
            raise _Unusual  # no first delimiter: the stdlib keeps the preamble as the payload
        while True:
            # At a delimiter line of this multipart that opens a part.
            self.pos = self._line_end(self.pos)
            if self._at_eof(self.pos) or self._delimiter(self.pos, sep):
                raise _Unusual  # an empty part or doubled delimiter lines
            self.eofs.append(sep)
            self._entity(msg, depth + 1)
            # The newline before a delimiter line belongs to the delimiter.
            last = self.last
            if last is not None and last.get_content_maintype() != "multipart":
                payload = last._payload  # type: ignore[attr-defined]
                if isinstance(payload, str) and payload.endswith("\n"):
                    last._payload = payload[:-1]  # type: ignore[attr-defined]
            self.eofs.pop()
            self.last = msg
            if self.pos >= len(self.data):
                return  # cut off (a partial fetch): no closing delimiter, as the stdlib has it
            kind = self._delimiter(self.pos, sep)
            if kind is None or any(self._delimiter(self.pos, outer) for outer in self.eofs):
                raise _Unusual  # an enclosing multipart's boundary before this one's end
            if kind == "close":
                break
        # The epilogue: up to the enclosing multipart's next delimiter line.
        self.pos = self._line_end(self.pos)
        self.pos = self._next_delimiter(self.pos, self.eofs) if self.eofs else len(self.data)
