"""The new text of a message: quoted history and signature removed.

What a customer *wrote* decides whether a reply is a "no", a question or an order; the
offer quoted underneath must not count. `reply_text` keeps what the sender wrote in this
message and drops:

* quoted history below an attribution or header block — Outlook's "Von: … Gesendet: …
  An: … Betreff:" / "From: … Sent: … To: … Subject:" (also flattened onto one line by an
  HTML conversion, and Lotus Notes' spaced-out variant), "-----Ursprüngliche
  Nachricht-----", "-----Original Message-----", forwarded-message separators, "Am
  12.10.2026 um 10:14 schrieb Anna Berg:", Gmail's "Am Mo., 12. Okt. 2026 um 10:14 Uhr
  schrieb …" and "On Tue, Oct 13, 2026 at 9:00 AM X wrote:" (also when wrapped over two
  lines);
* ">" quoted lines wherever they are, so a bottom-posted or interleaved reply keeps the
  sender's own lines;
* the signature: after an RFC 3676 §4.3 "-- " separator, after "Sent from my iPhone"
  style trailers, and after a sign-off ("Mit freundlichen Grüßen", "Best regards", "VG")
  that is followed by a name or contact block.

mail-parser-reply (languages de, en) runs on what is left as a second opinion on reply
headers this module does not know; its cut is taken only where a quoted message really
starts (a sender, an address, "wrote"), since it also cuts at any two "Label:" lines.

`signature_text` returns the signature block itself, for reading contact details.
Neither function raises.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailparser_reply import EmailReplyParser

MAX_CHARS = 64 * 1024
"""Characters looked at. The new text of a reply is at its top; a huge quoted tail
(or a pasted log) costs nothing past this point."""

_NEWLINES = re.compile(r"\r\n?")

# Attribution lines. The "strong" forms cannot be ordinary prose; the loose ones ("Anna
# Berg schrieb:", "John wrote:") count only with an address or a date in them, or when
# quoted lines follow.
_ATTRIBUTION_STRONG = re.compile(
    r"^[\s*>]{0,3}(?:"
    r"Am\s.{4,160}?\s(?:schrieb|hat)\s.{0,200}?:"  # Thunderbird, Gmail, Apple Mail (de)
    r"|On\s.{4,200}?\s(?:wrote|writes|said)\s*:"  # Gmail, Apple Mail, Thunderbird (en)
    r"|Le\s.{4,200}?\sa\s[ée]crit\s?:"
    r")\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_LOOSE = re.compile(
    r"^[\s*>]{0,3}(?:"
    r".{2,160}?\s(?:schrieb|hat\s.{0,80}?geschrieben)(?:\s(?:am|um)\s.{3,80}?)?"
    r"|.{2,160}?\s(?:wrote|writes)(?:\son\s.{3,80}?)?"
    r"|Zitat\svon\s.{2,160}?"
    r"|Quoting\s.{2,160}?"
    r")\s*:\s*$",
    re.IGNORECASE,
)
_HAS_ADDRESS_OR_DATE = re.compile(r"@|\d")
# Every attribution form has one of these words; checked first because most lines have none.
_HINT_WORDS = ("schrieb", "geschrieben", "wrote", "writes", "said", "crit", "zitat", "quoting")
_ATTRIBUTION_HINT = re.compile("|".join(_HINT_WORDS), re.IGNORECASE)
# Letters that match an ASCII letter of a hint word ignoring case although `str.lower` does
# not make them that letter ("ſ" is an "s", "ı" an "i"), or that `str.lower` makes two
# characters ("İ"): in a text with one of them, the regex itself is asked.
_ODD_CASES = ("İ", "ı", "ſ")

# "-----Ursprüngliche Nachricht-----", "----- Original Nachricht ----", "---------- Forwarded
# message ---------", "Begin forwarded message:".
_SEPARATOR = re.compile(
    r"^[\s>]*(?:[-_=*]{2,}\s*(?:Urspr(?:ü|ue)ngliche\s+Nachricht|Original(?:\s|-)?(?:Message|Nachricht)"
    r"|Originalnachricht|Weitergeleitete\s+Nachricht|Forwarded\s+message|Nachricht\s+weitergeleitet"
    r"|Reply\s+message|Antwortnachricht)\s*[-_=*]{2,}"
    r"|(?:Begin\s+forwarded\s+message|Anfang\s+der\s+weitergeleiteten\s+(?:Nachricht|E-Mail)"
    r"|Beginn\s+der\s+weitergeleiteten\s+Nachricht)\s*:"
    r")\s*$",
    re.IGNORECASE,
)

# Header lines of a quoted message as Outlook, Exchange, Lotus Notes and web mailers write
# them; HTML conversions often bold the labels ("*Von:*").
_FROM_LABELS = frozenset({"von", "from", "absender", "sender"})
_HEADER_LINE = re.compile(
    r"^[\s*>]*(?P<label>von|from|absender|sender|gesendet|sent|datum|date|an|to|betreff|subject|"
    r"cc|kopie|empfänger|organisation|organization|wichtigkeit|importance|priorität)\s*\*?\s*:",
    re.IGNORECASE,
)
_INLINE_LABEL = re.compile(
    r"\s\*?(?:gesendet|sent|datum|date|an|to|betreff|subject)\s*\*?\s*:", re.IGNORECASE
)
# A line just above a header block that belongs to it: an underscore rule (Outlook on the
# web, newer Outlook) or Lotus Notes' "Name --- Subject ---".
_BLOCK_LEAD = re.compile(r"^\s*(?:[_\-=]{10,}|.{1,160}\s---\s.{1,200}?\s---)\s*$")

_QUOTED = re.compile(r"^\s*>")

# RFC 3676 §4.3 signature separator; many clients strip its trailing space.
_SIG_DASHES = re.compile(r"^\s*--\s*$")
_DEVICE_TRAILER = re.compile(
    r"^\s*(?:Sent\s+from\s+my\s|Sent\s+from\s+(?:Outlook|Mail\s+for)|Get\s+Outlook\s+for\s|Sent\s+with\s|"
    r"Sent\s+via\s|Gesendet\s+von\s+meinem\s|Von\s+meinem\s.{1,40}\sgesendet|Gesendet\s+mit\s+der\s|"
    r"Gesendet\s+von\s+(?:Outlook|Mail\s+für)|Diese\s+Nachricht\s+wurde\s+von\s+meinem\s)",
    re.IGNORECASE,
)

# Sign-offs. A strong one ends the message text when a name or contact block follows it
# (or nothing does); a weak one ("Danke!", "Thanks,") only when a name follows directly,
# since "Vielen Dank!" is just as often the start of a sentence's paragraph.
_GREET = r"(?:gr(?:ü|ue|u)(?:ß|ss)(?:e|en)?|gru(?:ß|ss))"
_SIGN_OFF_STRONG_START = (
    r"^(?:"
    r"(?:mit\s+)?(?:(?:den\s+)?(?:freundliche[nm]?|beste[nm]?|herzliche[nm]?|liebe[nm]?|viele[nm]?|"
    r"sch(?:ö|oe)ne[nm]?|sonnige[nm]?|kollegiale[nm]?|freundschaftliche[nm]?|s(?:ü|ue)(?:ß|ss)e|"
    rf"hanseatische[nm]?)\s+)*{_GREET}"
    rf"(?:\s+(?:aus|nach|von|in)\s+[\w.-]+(?:\s+[\w.-]+)?)?(?:\s+(?:und|&)\s+[\w\s]{{1,30}})?"
    rf"|(?:danke|vielen\s+dank|besten\s+dank)\s+(?:und|&)\s+(?:viele\s+|beste\s+|liebe\s+)?{_GREET}"
    rf"|es\s+gr(?:ü|ue)(?:ß|ss)t(?:\s+\w+){{0,3}}|{_GREET}\s+und\s+dank"
    r"|mfg|lg|vg|bg|sg|cu|ciao|tsch(?:ü|ue)ss"
    r"|(?:(?:with\s+)?(?:best|kind|kindest|warm|warmest|many|all\s+the\s+best|good)\s+)?(?:regards|wishes)"
    r"|best|all\s+the\s+best|cheers|sincerely(?:\s+yours)?|yours(?:\s+(?:sincerely|truly|faithfully))?"
    r"|respectfully|rgds|br|kr|take\s+care"
    r")(?:\s*[/|]\s*(?:best|kind|warm)\s+regards)?[\s,.!:;-]*"
)
_SIGN_OFF_WEAK_START = (
    r"^(?:thanks?(?:\s+(?:again|so\s+much|a\s+lot|in\s+advance))?"
    r"|thank\s+you(?:\s+(?:again|very\s+much|in\s+advance))?"
    r"|many\s+thanks|thx|danke(?:\s+(?:sch(?:ö|oe)n|sehr|vielmals|dir|ihnen))?|vielen\s+dank(?:\s+im\s+voraus)?"
    r"|besten\s+dank|herzlichen\s+dank|bis\s+bald|bis\s+dann|talk\s+soon|speak\s+soon)[\s,.!:;-]*"
)
_SIGN_OFF_STRONG = re.compile(_SIGN_OFF_STRONG_START + "$", re.IGNORECASE)
_SIGN_OFF_WEAK = re.compile(_SIGN_OFF_WEAK_START + "$", re.IGNORECASE)
# What a line, or the head of a "Viele Grüße, Anna" line, begins with when it is a sign-off:
# the sign-offs without their end. Neither has a lookaround, so a line whose head is a
# sign-off starts with a match of one of these; most lines start with none.
_SIGN_OFF_START = re.compile(f"{_SIGN_OFF_STRONG_START}|{_SIGN_OFF_WEAK_START}", re.IGNORECASE)

# "Viele Grüße, Anna" / "Thanks, John" / "LG Anna": a sign-off and a name on one line.
_NAME_TAIL = re.compile(
    r"^(?P<head>.+?)[\s,]+(?P<name>(?:-\s*)?[^\W\d_][\w.'-]*(?:\s+[A-ZÄÖÜ][\w.'-]*){0,2})\s*$"
)
_BARE_SIGN_OFF = re.compile(rf"{_GREET}|^(?:lg|vg|mfg|bg|cheers|thanks|danke)$", re.IGNORECASE)
_NAME_LIKE = re.compile(r"^[\s\-–—]*(?:\S+\s+){0,5}\S+\s*$")
_CONTACT_LIKE = re.compile(
    r"@|https?://|www\.|\+?\d[\d /().-]{6,}\d|\b(?:tel|fon|phone|mobil|mobile|fax)\b", re.IGNORECASE
)
_POSTSCRIPT = re.compile(r"^\s*P\.?\s?S\.?\s*[:.]?\s", re.IGNORECASE)


def reply_text(text: str) -> str:
    """Return the new text of a message body, without quoted history or signature.

    Args:
        text: a decoded body (see `ghostscan.parse.body.body_text`); any line endings.

    Returns:
        The text the sender wrote in this message, stripped; ``""`` when nothing is left
        (a forward without a comment, a body that is all quote). Never raises.

    Example:
        >>> reply_text("Passt, machen wir so.\\n\\nViele Grüße\\nAnna\\n\\n"
        ...            "Am 12.10.2026 um 10:14 schrieb Max:\\n> Anbei das Angebot.")
        'Passt, machen wir so.'
    """
    body, _ = _split(text)
    return body


def signature_text(text: str) -> str:
    """Return the sender's signature block of a message body (``""`` when none is found).

    The block is what follows the "-- " separator or the sign-off line ("Mit freundlichen
    Grüßen"), up to the quoted history: name, role, company, phone numbers, addresses.
    The sign-off itself is left out, a name on the sign-off's line is kept. Never raises.

    Args:
        text: a decoded body, as for `reply_text`.

    Returns:
        The signature lines, stripped.
    """
    _, signature = _split(text)
    return signature


def _split(text: str) -> tuple[str, str]:
    if not text:
        return "", ""
    lines = _NEWLINES.sub("\n", text[:MAX_CHARS]).split("\n")
    lines = _drop_history(lines)
    lines = _second_opinion(lines)
    body, signature = _cut_signature(lines)
    return _tidy(body), _tidy(signature)


def _drop_history(lines: list[str]) -> list[str]:
    """Cut at the first quoted-history marker; drop ">" lines and their attribution."""
    kept: list[str] = []
    hinted = _hinted_lines(lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        if _QUOTED.match(line):
            i += 1
            continue
        span = _attribution_at(lines, i, hinted) if i in hinted or i + 1 in hinted else 0
        if span:
            if _quote_follows(lines, i + span):
                # Bottom-posted or interleaved reply: only the quote goes, the sender's
                # own lines around it stay.
                i += span
                continue
            return _without_lead(kept)
        if _SEPARATOR.match(line) or _header_block_at(lines, i):
            return _without_lead(kept)
        kept.append(line)
        i += 1
    return kept


def _without_lead(kept: list[str]) -> list[str]:
    """Drop a separator line (underscores, Lotus "--- subject ---") left just above a cut."""
    end = len(kept)
    while end and not kept[end - 1].strip():
        end -= 1
    if end and _BLOCK_LEAD.match(kept[end - 1]):
        end -= 1
    return kept[:end]


def _hinted_lines(lines: list[str]) -> set[int]:
    """The indexes of the lines with an `_ATTRIBUTION_HINT` word, from one pass over the text.

    The hint words hold no white space, so a candidate of `_attribution_at` (a stripped
    line, or two joined by a space) has one exactly when one of its lines has. A search
    of the lower-cased text for each word finds the same lines as the case-insensitive
    regex, and quicker.
    """
    text = "\n".join(lines)
    if any(odd in text for odd in _ODD_CASES):
        return {text.count("\n", 0, match.start()) for match in _ATTRIBUTION_HINT.finditer(text)}
    lowered = text.lower()
    hinted: set[int] = set()
    for word in _HINT_WORDS:
        start = lowered.find(word)
        while start >= 0:
            hinted.add(lowered.count("\n", 0, start))
            start = lowered.find(word, start + 1)
    return hinted


def _attribution_at(lines: list[str], i: int, hinted: set[int]) -> int:
    """Return how many lines the attribution starting at *i* spans (0: none there).

    *hinted* holds the lines with an attribution hint word (`_hinted_lines`).
    """
    line = lines[i].strip()
    if not line or len(line) > 300:
        return 0
    # A candidate without a hint word is no attribution: every form has one.
    candidates = [(line, 1)] if i in hinted else []
    if (i in hinted or i + 1 in hinted) and i + 1 < len(lines) and lines[i + 1].strip() and not _QUOTED.match(lines[i + 1]):
        # Gmail wraps long attribution lines: "Am Mo., 12. Okt. 2026 um 10:14 Uhr schrieb
        # Anna Berg <" / "anna@example.com>:".
        candidates.append((line + " " + lines[i + 1].strip(), 2))
    for candidate, span in candidates:
        if _ATTRIBUTION_STRONG.match(candidate):
            return span
        if _ATTRIBUTION_LOOSE.match(candidate) and (
            _HAS_ADDRESS_OR_DATE.search(candidate) or _quote_follows(lines, i + span)
        ):
            return span
    return 0


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start : start + 3]:
        if line.strip():
            return bool(_QUOTED.match(line))
    return False


def _header_block_at(lines: list[str], i: int) -> bool:
    """Whether line *i* starts a quoted message's header block (two or more header fields,
    one of them the sender), possibly spread over several lines with blanks between."""
    first = _HEADER_LINE.match(lines[i])
    if not first:
        return False
    labels = {first.group("label").lower()}
    if labels & _FROM_LABELS and _INLINE_LABEL.search(lines[i], first.end()):
        # "Von: Anna Berg Gesendet: Montag, 12. Oktober 2026 An: … Betreff: …" in one line.
        return True
    # Outlook writes the fields on consecutive lines, Lotus Notes with blank lines between;
    # four lines reach both without joining a memo's "To:" to a "From:" further down.
    for line in lines[i + 1 : i + 5]:
        match = _HEADER_LINE.match(line)
        if match:
            labels.add(match.group("label").lower())
    return len(labels) >= 2 and bool(labels & _FROM_LABELS)


# Every reply header mail-parser-reply knows for de/en contains one of these.
_LIBRARY_CUES = re.compile(
    r"wrote|schrieb|original message|^[\s*>]*(?:from|sent|to|subject|date|cc|organization|von|gesendet|an|"
    r"betreff|datum|organisation)[ *]*:",
    re.IGNORECASE | re.MULTILINE,
)


_QUOTE_EVIDENCE = re.compile(
    r"^[\s*>]*(?:von|from|absender|sender|de)\s*\*?:|wrote|schrieb|original|urspr(?:ü|ue)nglich|@",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    # Imported here: the library costs ~30 ms to import and most commands never need it.
    from mailparser_reply import EmailReplyParser

    return EmailReplyParser(languages=["de", "en"])


def _second_opinion(lines: list[str]) -> list[str]:
    """Let mail-parser-reply cut at reply headers this module does not know.

    Its result is only accepted as a cut (a prefix of what is left): it also rewrites
    whitespace and drops "signatures" by rules too eager for business mail (any line
    starting with "Thanks," or "- " ends the text there), so its text is never used as is.
    """
    text = "\n".join(lines)
    if not _LIBRARY_CUES.search(text):
        # Nothing it could cut at; it costs as much as everything else here together.
        return lines
    try:
        latest = _parser().parse_reply(text)
    except (re.error, ValueError, IndexError, TypeError, RecursionError):
        return lines
    if not latest:
        return lines
    latest_lines = [line.strip() for line in latest.split("\n")]
    stripped = [line.strip() for line in lines]
    # Find where the library's first fragment ends in our lines; it strips every line,
    # so compare stripped lines.
    try:
        start = stripped.index(latest_lines[0])
    except ValueError:
        return lines
    end = start + len(latest_lines)
    if stripped[start:end] != latest_lines or start > 0 and any(stripped[:start]):
        return lines
    # It also cuts at any two "Label:" lines ("Datum: …", "Betreff: …" in a list of key
    # facts); a quoted message names its sender, its writer or itself.
    following = [line for line in stripped[end : end + 8] if line]
    if not any(_QUOTE_EVIDENCE.search(line) for line in following[:6]):
        return lines
    return lines[:end]


def _cut_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    seen_text = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if _SIG_DASHES.match(line) and seen_text:
            return _keep_postscript(lines[:i], lines[i + 1 :])
        if _DEVICE_TRAILER.match(line):
            return lines[:i], lines[i + 1 :]
        if seen_text and stripped:
            cut = _sign_off_at(lines, i)
            if cut is not None:
                return _keep_postscript(lines[:i], cut)
        if stripped:
            seen_text = True
    return lines, []


def _sign_off_at(lines: list[str], i: int) -> list[str] | None:
    """Return the signature lines when line *i* is a sign-off that ends the text, else None."""
    stripped = lines[i].strip()
    if len(stripped) > 80 or not _SIGN_OFF_START.match(stripped):
        return None
    name_on_line: list[str] = []
    strong = _SIGN_OFF_STRONG.match(stripped)
    weak = not strong and _SIGN_OFF_WEAK.match(stripped)
    if not strong and not weak:
        tail = _NAME_TAIL.match(stripped)
        if not tail:
            return None
        head = tail.group("head").strip()
        strong = _SIGN_OFF_STRONG.match(head)
        weak = not strong and _SIGN_OFF_WEAK.match(head)
        if not strong and not weak:
            return None
        if "," not in stripped and not _BARE_SIGN_OFF.search(head):
            # "Best Practice" is a heading; "Best, Anna" and "LG Anna" are sign-offs.
            return None
        name_on_line = [tail.group("name").lstrip("- ")]
        # A name right on the sign-off's line is proof enough, even for "Thanks, John".
        return name_on_line + lines[i + 1 :]
    rest = lines[i + 1 :]
    following = next((line.strip() for line in rest if line.strip()), None)
    if following is None:
        return [] if strong else None
    if _looks_like_signature_start(following):
        return rest
    return None


def _looks_like_signature_start(line: str) -> bool:
    if _CONTACT_LIKE.search(line) and len(line) < 120:
        return True
    if _POSTSCRIPT.match(line):
        return True
    return len(line) <= 60 and bool(_NAME_LIKE.match(line)) and not line.rstrip().endswith((".", "?", ":", ";"))


def _keep_postscript(body: list[str], signature: list[str]) -> tuple[list[str], list[str]]:
    """Move a "PS:" paragraph found in the signature back into the text."""
    for j, line in enumerate(signature):
        if _POSTSCRIPT.match(line):
            end = j + 1
            while end < len(signature) and signature[end].strip():
                end += 1
            return body + [""] + signature[j:end], signature[:j] + signature[end:]
    return body, signature


def _tidy(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
