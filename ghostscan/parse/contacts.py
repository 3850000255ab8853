"""The customer's other channels: phone numbers, name and company from their own mail.

When a customer goes silent, ghostscan suggests reaching them another way: a phone number
from their earlier messages and signatures, and a LinkedIn people search for their name.
Everything here reads the customer's *own* text only. Replies carry our earlier message
below theirs ("> " lines, Outlook's "Von: … Gesendet: …" block, "Am … schrieb …:"), and the
number in *our* quoted signature must never be offered as the customer's.

Numbers are found by ``phonenumbers`` (a port of Google's libphonenumber) with
``Leniency.VALID``, then filtered by what stands in front of them on the line: a label
such as "Tel." or "Mobil" makes a number likely, "Fax" drops it, and words like
"Kundennummer", "IBAN" or "Rechnungsnr." mark a number that only looks like a phone
number. Dates, time ranges and prices are dropped by their shape.

Names are stored without salutations and academic titles ("Dr. Martina Vogt" becomes
``"Martina Vogt"``): the name feeds a LinkedIn people search, and profile names rarely
carry the title, so the title would only narrow the search to nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence
from urllib.parse import quote, urlencode

import phonenumbers
from phonenumbers import Leniency, PhoneMetadata, PhoneNumberFormat, PhoneNumberMatcher

from ghostscan.parse.addresses import Address

LINKEDIN_PEOPLE_SEARCH = "https://www.linkedin.com/search/results/people/"


@dataclass(frozen=True)
class Contact:
    """Another way to reach a customer, from their own messages.

    Attributes:
        name: the person's name without salutation or title (``"Hans Müller"``), or None.
        company: the company from a signature line with a legal form
            (``"Müller Bau GmbH"``), else from the sender's display name, else from the
            sender's domain (``"Mueller Bau"``) unless that is a freemail provider; or None.
        phones: numbers in E.164 form, most likely first (``("+49301234567",)``).
        linkedin_url: a LinkedIn people-search URL for the name (and company), or None
            when no name is known.
    """

    name: str | None
    company: str | None
    phones: tuple[str, ...]
    linkedin_url: str | None


# --------------------------------------------------------------------------- own text

# Outlook, Thunderbird, Apple Mail, Lotus Notes ("----- Forwarded by Vince J Kaminski/HOU/ECT
# on 03/12/2001 …", Enron corpus) and webmailers put a separator line above the message
# they quote or forward; everything below it is someone else's text.
_SEPARATOR = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\s*-?\s*(?:message|nachricht)?|urspr(?:ü|ue)ngliche\s+nachricht|
            weitergeleitete\s+nachricht|forwarded\s+message|message\s+d'origine|
            mensaje\s+original|oorspronkelijk\s+bericht|messaggio\s+originale)\s*-{2,}
      | -{3,}\s*(?:forwarded|weitergeleitet)\s+(?:by|von)\b.*
      | begin\s+forwarded\s+message\s*:
      | anfang\s+der\s+weitergeleiteten\s+nachricht\s*:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# The first line of an Outlook/Exchange/Lotus header block ("Von: Anna Berg [mailto:…]").
# HTML-to-text conversion often leaves the bold markers ("*Von:*").
_HEADER_FROM = re.compile(r"^\s*\*?\s*(?:von|from|de|da|van|od)\s*:\s*\*?\s*\S", re.IGNORECASE)
# Lines that follow it; the colon is optional because Lotus Notes' HTML loses it ("Aneike…"
# in zammad-de/mail007 has none, its "Datum:" has one), so a word boundary is required.
_HEADER_NEXT = re.compile(
    r"^\s*\*?\s*(?:gesendet|sent|datum|date|an|to|cc|betreff|subject|envoy(?:é|e)|enviado|"
    r"objet|asunto|verzonden|aan|onderwerp|inviato|oggetto|wys[łl]ano)\b",
    re.IGNORECASE,
)
# The attribution line above a quote: "Am 12.01.2027 um 10:00 schrieb Anna Berg <…>:",
# "On Mon, Jan 12, 2027 at 10:00 AM Anna Berg <…> wrote:", "Anna Berg schrieb:",
# "Le … a écrit :", and their Dutch, Spanish and Italian forms. Gmail wraps long ones
# onto two lines, so a line is also tried joined with the next.
_ATTRIBUTION = re.compile(
    r"^\s*(?:(?:on|am|le|el|op|il|den)\s.{0,250}?|.{0,200}?)"
    r"\b(?:wrote|writes|schrieb|schreibt|a\s+(?:é|e)crit|escribi(?:ó|o)|schreef|ha\s+scritto|skrev)"
    r"\b.{0,150}:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(?:on|am|le|el|op|il|den)\s", re.IGNORECASE)


# Lotus Notes quotes without a "From:" field: the sender and date stand on their own
# above "To:", "cc:" and "Subject:" ("Hill Huntington <hillh@stanford.edu> on 03/01/2001
# 04:29:29 PM" / "To: vkamins@enron.com" / "cc:" / "Subject: …", Enron corpus).
_HEADER_TO = re.compile(r"^\s*\*?\s*(?:to|an)\s*:", re.IGNORECASE)
_HEADER_AFTER_TO = re.compile(r"^\s*\*?\s*(?:cc|kopie|subject|betreff)\s*:", re.IGNORECASE)


def _header_block_start(lines: Sequence[str], i: int) -> int | None:
    """Where the quoted message's header block at line *i* begins, or None if there is none."""
    following = [line for line in lines[i + 1 : i + 14] if line.strip()][:6]
    if _HEADER_FROM.match(lines[i]):
        return i if any(_HEADER_NEXT.match(line) for line in following) else None
    if _HEADER_TO.match(lines[i]) and any(_HEADER_AFTER_TO.match(line) for line in following[:4]):
        # The sender/date lines sit directly above "To:", without a blank line between.
        start = i
        while start > 0 and lines[start - 1].strip() and i - start < 3:
            start -= 1
        return start
    return None


def _attribution_length(lines: Sequence[str], i: int) -> int:
    """How many lines the attribution starting at line *i* spans (0: none)."""
    line = lines[i]
    if len(line) > 300:
        return 0
    span, candidate = 1, line
    if not _ATTRIBUTION.match(line):
        if i + 1 >= len(lines) or not _ATTRIBUTION_START.match(line):
            return 0
        span, candidate = 2, f"{line.rstrip()} {lines[i + 1].strip()}"
        if not _ATTRIBUTION.match(candidate):
            return 0
    # A sentence of the customer's own can match too ("Am Freitag schrieb ich Ihnen:");
    # a mail client's attribution always names a date or an address.
    return span if re.search(r"[\d@]", candidate) else 0


def _own_lines(text: str) -> list[str]:
    """The lines the writer typed themselves: quoted lines and quoted messages removed.

    ``>`` lines are dropped one by one, so a bottom-posted or interleaved reply keeps the
    writer's own text between and after the quotes. An attribution line ("On … wrote:")
    followed by ``>`` lines only introduces them; followed by unquoted text it starts a
    top-posted quote, and the rest of the message is dropped. A separator line or an
    Outlook header block always starts quoted history.
    """
    lines = _normalize(text).split("\n")
    own: list[int] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith(">"):
            i += 1
            continue
        if _SEPARATOR.match(lines[i]):
            break
        start = _header_block_start(lines, i)
        if start is not None:
            own = [j for j in own if j < start]
            break
        span = _attribution_length(lines, i)
        if span:
            following = next((x.strip() for x in lines[i + span :] if x.strip()), "")
            if following.startswith(">"):
                i += span
                continue
            break
        own.append(i)
        i += 1
    return [lines[j] for j in own]


# Spaces that HTML conversion and word processors leave in signatures; phonenumbers and
# the label patterns expect plain spaces. Zero-width characters are removed entirely.
_SPACES: dict[int, str | None] = dict.fromkeys(map(ord, "\t\u00a0\u202f\u205f\u3000"), " ")
_SPACES.update(dict.fromkeys(range(0x2000, 0x200B), " "))
_SPACES.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None))


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES)


# ----------------------------------------------------------------------------- phones

# What stands in front of a number says what it is. The alternatives are tried left to
# right at each position, so "Telefonnummer", "Tel.-Nr." and "Phone number" are read as
# one phone label before the bare "nummer"/"Nr." of the last group can match.
_LABEL = re.compile(
    r"""(?<![\w])(?:
      (?P<phone>
          tel(?:efon|ephone|efono)?\.?\s*/\s*fax
        | (?:tel(?:efon|ephone|efono|ef)?|phone|ph|fon|fone|mobil(?:e|funk|telefon)?|mob|handy|
             cell(?:phone|ular)?|durchwahl|dw|direkt(?:wahl)?|direct(?:\s+line|\s+dial)?|
             rufnummer|festnetz|b(?:ü|ue)ro|office|voice|whatsapp|signal|r(?:ü|ue)ckruf|
             t(?:é|e)l(?:é|e)phone|t(?:é|e)l|telefono|m(?:ó|o)vil|cellulare|portable)
          (?:[\s.-]*(?:nummer|number|nr|no|num))?
        # In a sentence, only words about reaching the *writer* count: "we will call you
        # at …" names the reader's number (Enron corpus, 4/52998).
        | (?:call|reach|contact|text|ring|phone)\s+(?:me|us)(?:\s+(?:at|on|under))?
        | (?:mich|uns)\s+(?:\w+\s+){0,2}(?:unter|(?:ü|ue)ber)
        | erreichbar(?:\s+unter)?
      )
    | (?P<generic>
          zentrale|hotline|service(?:[\s-]?desk|[\s-]?hotline|nummer)?|support|helpdesk|
          switchboard|vermittlung|main(?:\s+line)?|empfang|reception|sekretariat
      )
    | (?P<fax>(?:tele)?fax(?:[\s.-]*(?:nummer|number|nr|no))?)
    | (?P<other>
          kunden\w*|kd|rechnung\w*|rg|invoice\w*|auftrag\w*|order\w*|bestell\w*|vertrag\w*|
          angebot\w*|quote|offer|ticket\w*|ref(?:erenz|erence)?\w*|aktenzeichen|az|
          vorgang\w*|konto\w*|account\w*|acct|iban|bic|swift|blz|bankleitzahl|ust\w*|uid|
          vat|mwst|steuer\w*|st|tax\w*|handelsregister|register\w*|amtsgericht|hrb|hra|
          reg|weee|plz|postleitzahl|postfach|zip|artikel\w*|art|item|sku|serien\w*|serial|
          preis\w*|price|betrag|summe|total|netto|brutto|eur|euro|usd|chf|gbp|datum|date|
          nr|no|nummer|number|id
      )
    )(?![a-zäöüß])""",
    re.IGNORECASE | re.VERBOSE,
)
# Signatures in the "T +49 …  M +49 …  F +49 …" style label with one letter; Znuny's
# uses "P:" and "F:" (zammad-de/mail005).
_LETTER_LABEL = re.compile(r"(?:^|[\s|/·•,;(\[])([TMPCDHOF])\s*[.:]?\s*$", re.IGNORECASE)
# Currency symbols and "#" are not words; they mark a price or a reference number.
_OTHER_SYMBOL = re.compile(r"[€$£#]\s*$")
# A label counts only when it is this close to the number (characters between them).
_LABEL_REACH = 30
# Only separators between two numbers: the second shares the first one's label
# ("Tel. 030 1234567 / 0171 1234567", "Mobil 0171 1234567 oder 0160 7654321").
_SHARED_LABEL = re.compile(r"^[\s/|,;+]*(?:(?:oder|or|und|and|bzw\.?)[\s/|,;]*)?$", re.IGNORECASE)

# A label after the number: "(650)725-8914 (F)", "030 1234567 (Fax)".
_FAX_AFTER = re.compile(r"^\s*\(\s*(?:tele)?fax\s*\)|^\s*\(\s*f\s*\)", re.IGNORECASE)

# Shapes phonenumbers can accept in prose that are not phone numbers: a time range
# ("06.00 - 08.00", heavyhtml.eml in tine20-de), a date in front. A date must not continue
# in dotted groups: "01.42.68.53.00" is how the French write a Paris number.
_TIME_RANGE = re.compile(r"\d{1,2}[.:]\d{2}\s*[-–—]\s*\d{1,2}[.:]\d{2}")
_DATE = re.compile(
    r"^(?:(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.(?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})(?![.-]?\d)"
)
# What follows a price or a time of day: "0.301.234,00 EUR", "9.00 - 17.00 Uhr".
_AFTER_NOT_A_NUMBER = re.compile(
    r"^\s*(?:€|eur\b|euro\b|usd\b|chf\b|\$|£|,-|,\d|uhr\b|h\b|o'?clock|%|stk\b|stück\b)",
    re.IGNORECASE,
)

# German numbering has variable length, so libphonenumber accepts "1687" or "35 -0800"
# as valid numbers; a real line has at least this many digits after the country code
# (an unlabelled one the length of a city line: "030 1234567" has 10).
_MIN_NATIONAL_DIGITS = 6
_MIN_NATIONAL_DIGITS_UNLABELLED = 7
# An unlabelled number in a region that dials "0" first must be written the way people
# dial it: "+…", "00…", "0…" or "(0…)". That drops ticket and article numbers, URL path
# parts ("…/answer/168383") and time zones from pasted headers ("19:41:35 -0800").
_DIALLED = re.compile(r"^[(\[]?\s*(?:\+|0)")
# Glued to text by "/", "=", "_" …: part of an identifier ("02022-08/mDLeZEmP008628",
# "id=02022-02") or of a URL ("https://support.google.com/a/answer/168383").
_IDENTIFIER_AFTER = re.compile(r"^[/\\_=@:#][^\W_]")
_IDENTIFIER_BEFORE = re.compile(r"(?:://\S*|[\w.]/|[=_#@])$")

# How likely a number is the person's own line, best first.
_RANK_PHONE = 0
_RANK_GENERIC = 1
_RANK_UNLABELLED = 2


@dataclass(frozen=True)
class _Found:
    e164: str
    rank: int
    position: int


def _label_of(segment: str) -> str | None:
    """The category of the label right before a number: phone, generic, fax, other or None."""
    segment = segment[-2 * _LABEL_REACH :]
    letter = _LETTER_LABEL.search(segment)
    if letter:
        return "fax" if letter.group(1).upper() == "F" else "phone"
    if _OTHER_SYMBOL.search(segment):
        return "other"
    last = None
    for last in _LABEL.finditer(segment):
        pass
    if last is None or len(segment) - last.end() > _LABEL_REACH:
        return None
    return last.lastgroup


@lru_cache(maxsize=None)
def _dials_zero_first(region: str) -> bool:
    """True where national numbers start with the trunk prefix "0" (DE, AT, CH, GB, FR …)."""
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    return metadata is not None and metadata.national_prefix == "0"


def _label_above(line: str) -> str | None:
    """The label category of a line that holds nothing but a label ("Telefon:", "Fax")."""
    stripped = line.strip()
    if not stripped or len(stripped) > 30 or re.search(r"\d", stripped):
        return None
    return _label_of(stripped.rstrip(":").rstrip())


_DIGIT = re.compile(r"\d")


def _scan(lines: Iterable[str], region: str) -> tuple[list[_Found], set[str]]:
    """Phone numbers on *lines* with their rank, and the numbers labelled as fax."""
    found: list[_Found] = []
    fax: set[str] = set()
    position = 0
    line_above = ""
    for line in lines:
        previous_end = 0
        previous_label: str | None = None
        # Every number the matcher finds holds a decimal digit (its candidates are digit
        # runs); most lines of a mail have none, and a matcher costs more than the search.
        matches = PhoneNumberMatcher(line, region, leniency=Leniency.VALID) if _DIGIT.search(line) else ()
        for match in matches:
            segment = line[previous_end : match.start]
            label = _label_of(segment)
            if label is None and previous_end and _SHARED_LABEL.match(segment):
                label = previous_label
            if label is None and not previous_end and not segment.strip():
                # HTML signatures laid out as tables often end up as "Telefon:" on one
                # line and the number on the next.
                label = _label_above(line_above)
            after = line[match.end :]
            if _FAX_AFTER.match(after):
                label = "fax"
            previous_end, previous_label = match.end, label
            raw = match.raw_string
            if _TIME_RANGE.search(raw) or _DATE.match(raw) or _AFTER_NOT_A_NUMBER.match(after):
                continue
            if _IDENTIFIER_AFTER.match(after) or _IDENTIFIER_BEFORE.search(segment):
                continue
            digits = len(str(match.number.national_number))
            if digits < (_MIN_NATIONAL_DIGITS if label else _MIN_NATIONAL_DIGITS_UNLABELLED):
                continue
            if label is None and _dials_zero_first(region) and not _DIALLED.match(raw):
                continue
            e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
            if label == "fax":
                fax.add(e164)
                continue
            if label == "other":
                continue
            rank = {"phone": _RANK_PHONE, "generic": _RANK_GENERIC}.get(label or "", _RANK_UNLABELLED)
            found.append(_Found(e164, rank, position))
            position += 1
        if line.strip():
            line_above = line
    return found, fax


def _best_first(found: Iterable[_Found], fax: set[str]) -> tuple[str, ...]:
    best: dict[str, tuple[int, int]] = {}
    for item in found:
        # A number also labelled "Fax" somewhere is a fax line unless a phone label says otherwise.
        if item.e164 in fax and item.rank != _RANK_PHONE:
            continue
        key = (item.rank, item.position)
        if item.e164 not in best or key < best[item.e164]:
            best[item.e164] = key
    return tuple(sorted(best, key=best.__getitem__))


def extract_phones(text: str, region: str = "DE") -> tuple[str, ...]:
    """Find the writer's phone numbers in one message body.

    Only the writer's own text is read (see the module docstring): quoted ``>`` lines and
    quoted or forwarded messages below an attribution, separator or Outlook header block
    are ignored. Fax numbers, dates, time ranges, prices and numbers labelled as customer,
    order, invoice, account, tax or register numbers are dropped.

    Args:
        text: the message body as plain text, signature included.
        region: ISO 3166 country code for numbers written without a country code
            (``"030 1234567"`` is Berlin with ``"DE"``).

    Returns:
        The numbers in E.164 form without duplicates: those labelled as the person's
        line (Tel., Telefon, Phone, Mobil, Durchwahl, direct, "T:", "M:" …) first, then
        switchboard and hotline numbers, then unlabelled ones; each group in text order.
        Empty when there is none.

    Example:
        >>> extract_phones("Gruß\\nHans\\nTel. 030 1234567-0\\nFax 030 1234567-99")
        ('+493012345670',)
    """
    found, fax = _scan(_own_lines(text), region)
    return _best_first(found, fax)


# ------------------------------------------------------------------------------ names

# A closing formula ends the message; the name comes on one of the next lines.
_CLOSING = re.compile(
    r"""^\s*(?:
        (?:mit\s+)?(?:[\w.]+\s+){0,2}gr(?:ü|ue|u)(?:ß|ss)(?:e|en|le)?\b.*
      | mfg | lg | vg | bg | hg | sg
      | (?:[\w.]+\s+){0,2}regards\b.* | best(?:\s+wishes)? | cheers\b.* | sincerely\b.*
      | yours(?:\s+(?:sincerely|truly|faithfully))? | (?:many\s+)?thanks?\b.* | thank\s+you\b.*
      | danke\b.* | vielen\s+dank\b.* | herzlich(?:st)? | ciao | servus | tsch(?:ü|ue)ss?
      | bis\s+bald | sch(?:ö|oe)ne\s+gr(?:ü|ue)(?:ß|ss)e.*
    )[\s,.!]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SIG_DASHES = re.compile(r"^(?:--|__+|-{3,})\s*$")

# Name parts written in lower case ("Ludwig van Beethoven", "Ursula von der Leyen").
_PARTICLES = frozenset("von van der den de del della di da du la le zu zum zur ten ter y bin".split())
# Salutations and academic titles, compared lower-cased. Those in the second set are
# also first names or surnames ("Phil", "Ing", "Mag"), so they count only with their dot.
_TITLES = frozenset("herr frau mr mrs ms miss mx sir dr prof professor mba phd llm msc bsc".split())
_TITLES_DOTTED = frozenset("hr fr ing mag med rer nat phil jur oec pol dent vet habil doz priv univ".split())
# "i.A." (im Auftrag), "i.V." (in Vertretung), "ppa." (Prokura) sign for the company.
_SIGNS_FOR = re.compile(r"^\s*(?:i\.\s?[av]\.?|ppa\.?|pp\.)\s+", re.IGNORECASE)
# Words that make a display name or a line a mailbox, a department or a job, not a person.
_NOT_A_PERSON = frozenset(
    """
    university universität universitaet hochschule institut institute school college
    center centre group gruppe bank verlag stiftung foundation association verband
    info kontakt contact office team support service services sales vertrieb verkauf einkauf
    buchhaltung accounting billing admin administrator account noreply no-reply newsletter
    marketing hr personal bewerbung jobs karriere empfang reception zentrale mail webmaster
    postmaster kundenservice customer helpdesk enews news abteilung department bereich
    leitung leiter leiterin geschäftsführer geschäftsführerin geschäftsführung
    geschaeftsfuehrer manager managing director head ceo cto cfo coo owner inhaber inhaberin
    vorstand assistant assistenz sekretariat projektleiter projektleiterin consultant
    berater beraterin engineer entwickler developer redaktion mitarbeiter mitarbeiterin
    und and the der die das mit with for für bei von aus from unter
    """.split()
)
_NAME_TOKEN = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?$")


def _is_title(token: str) -> bool:
    lower = token.lower().rstrip(",")
    bare = lower.rstrip(".")
    return (
        bare in _TITLES
        or (lower.endswith(".") and bare in _TITLES_DOTTED)
        # "Dipl.-Ing.", "Dr.-Ing.", "Dr.med.", "Prof.Dr.", "Univ.-Prof."
        or lower.startswith(("dipl", "dr.", "prof.", "univ.", "priv."))
        # Degrees with inner dots: "Ph.D.", "B.Sc.", "M.A.", "LL.M.", "h.c." (not initials: "J.")
        or bool(re.fullmatch(r"(?:[a-z]{1,2}\.){1,2}[a-z]{1,3}\.?", lower) and "." in bare)
        or (token.startswith("(") and token.endswith(")"))
    )


def _clean_name(text: str, *, min_tokens: int) -> str | None:
    """*text* as a person's name without titles, or None when it does not look like one."""
    text = _SIGNS_FOR.sub("", text.strip(" \t-–—*_\"'"))
    tokens = [t.rstrip(",") for t in text.replace("(", " (").split() if not _is_title(t)]
    if tokens and len(tokens[-1]) > 2:
        # The sentence's full stop after a name on its own line ("Vorname Nachname.").
        tokens[-1] = tokens[-1].rstrip(".")
    if not min_tokens <= len(tokens) <= 5:
        return None
    if any(t.lower().strip(".") in _NOT_A_PERSON - _PARTICLES for t in tokens):
        return None
    if not all(_NAME_TOKEN.match(t) for t in tokens):
        return None
    # A person's name starts with a capital; only particles are written in lower case.
    # A wholly lower-case or upper-case name (from a display name) gets capitalised.
    if text.islower() or (text.isupper() and len(text) > 3):
        tokens = [t if t.lower() in _PARTICLES else t[:1].upper() + t[1:].lower() for t in tokens]
    if not all(t[:1].isupper() or t in _PARTICLES for t in tokens):
        return None
    if tokens[0] in _PARTICLES:
        return None
    return " ".join(tokens)


def _split_display(display: str) -> list[str]:
    """Parts of a display name: "Müller, Bernd" → ["Bernd Müller"]; "Katja | Firma GmbH" → both."""
    display = " ".join(display.split())
    # Mailing lists and ticket systems send "Martin Edenhofer via Znuny Team".
    display = re.split(r"\s+via\s+", display, maxsplit=1)[0]
    parts = [p.strip() for p in re.split(r"\s*[|/]\s*|\s+[-–—]\s+|\s*[()\[\]]\s*", display) if p.strip()]
    out: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        # Exchange address books write "Last, First" and append a department or country
        # ("Smith, Karoline, Example DE").
        if len(pieces) >= 2 and len(pieces[0].split()) <= 2 and len(pieces[1].split()) <= 3:
            out.append(f"{pieces[1]} {pieces[0]}")
            out.extend(pieces[2:])
        else:
            out.extend(pieces)
    return out


def _fold(name: str) -> list[str]:
    """Name tokens compared loosely: case, accents and German umlaut spellings."""
    text = name.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return sorted(text.replace(".", " ").split())


def _starts_signature(line: str) -> bool:
    """True for a closing formula or a signature separator ("-- ", "___")."""
    stripped = line.strip()
    return bool(_SIG_DASHES.match(stripped) or (len(stripped) <= 60 and _CLOSING.match(stripped)))


def _signature_start(lines: Sequence[str]) -> int:
    """Index of the first line that starts a signature, or -1."""
    return next((i for i, line in enumerate(lines) if _starts_signature(line)), -1)


def _signature_names(lines: Sequence[str]) -> list[str]:
    """Person names found on the first lines after each closing or signature separator."""
    names: list[str] = []
    for i, line in enumerate(lines):
        if not _starts_signature(line):
            continue
        following = [x.strip() for x in lines[i + 1 : i + 12] if x.strip()][:4]
        for candidate in following:
            if _CLOSING.match(candidate):
                break
            # "Sepp Smith - Dipl.Ing. agr. (FH)", "Hans Müller, Geschäftsführer",
            # "Hans Müller | Vertrieb": the name comes first.
            head = re.split(r"\s*[|,]\s*|\s+[-–—]\s+|\s{3,}", candidate.lstrip("-–— "))[0]
            name = _clean_name(head, min_tokens=2)
            if name:
                names.append(name)
                break
    return names


def _name_from_local_part(email: str) -> str | None:
    """"hans.mueller@…" → "Hans Mueller"; None for anything but first.last (or first_last)."""
    local = email.partition("@")[0]
    parts = re.split(r"[._]", local)
    if not 2 <= len(parts) <= 3 or not all(p.isalpha() and len(p) > 1 for p in parts):
        return None
    return _clean_name(" ".join(p.capitalize() for p in parts), min_tokens=2)


def _choose_name(display: str | None, signature: Sequence[str], local: str | None) -> str | None:
    """Display name first, then a signature name, then the address's first.last.

    A signature spells the name the way its owner writes it, so it wins over a display
    name or address with the same words: "Sepp Smith" over Exchange's "Smith Sepp",
    "Hans Müller" over "hans.mueller@", "Christof Gacki" over "Christof".
    """
    for guess in (display, local):
        if not guess:
            continue
        for name in signature:
            if _fold(name) == _fold(guess) or set(_fold(guess)) < set(_fold(name)):
                return name
        if guess is display:
            return display
        break
    if signature:
        return signature[0]
    return local


# ---------------------------------------------------------------------------- company

# Legal forms at the end of a company name (German, Austrian, Swiss, English, Dutch,
# French, Spanish, Italian), with the common compounds "GmbH & Co. KG" and
# "UG (haftungsbeschränkt)".
_LEGAL_FORM = (
    r"(?:(?i:g?gmbh)|mbH|AG|SE|KGaA|KG|UG|OHG|oHG|GbR|PartG(?:\s?mbB)?|e\.\s?K\.|e\.\s?Kfm\.|"
    r"e\.\s?Kfr\.|e\.\s?V\.|eG|(?i:gesmbh)|Ges\.m\.b\.H\.|(?i:ltd)\.?|Limited|LLC|L\.L\.C\.|LLP|"
    r"PLC|plc|(?i:inc)\.?|Corp\.?|Corporation|B\.V\.|BV|N\.V\.|NV|S\.L\.|S\.A\.|SAS|SARL|"
    r"S\.A\.R\.L\.|S\.à\s?r\.l\.|S\.r\.l\.|Srl|S\.p\.A\.)"
    r"(?:\s*\(haftungsbeschr(?:ä|ae)nkt\))?"
    r"(?:\s*&\s*Co\.?(?:\s*(?:KGaA|KG|OHG))?)?"
)
_COMPANY = re.compile(rf"^(?P<name>.*?\S)\s+(?P<form>{_LEGAL_FORM})[\s.,;]*$")
_COMPANY_SPLIT = re.compile(r"\s*(?:\||//|•|·)\s*|\s+[-–—]\s+|,\s+")
_AND_CO = re.compile(r"&\s*Co\.?$")
# Words that make a segment a sentence about a company rather than its name.
_SENTENCE_WORDS = frozenset(
    "der die das dem den des mit bei an auf ist sind wir ich uns unser unsere the with at for "
    "is are we our of by from von zu zur zum im in einer einem eine ein a an".split()
)


def _company_in(segment: str, *, strict: bool) -> str | None:
    """*segment* as a company name ending in a legal form, or None.

    Inside a signature a name may start in lower case ("abc COMPUTER SYSTEME GmbH");
    elsewhere (*strict*) it must look like a name, not a sentence about a company
    ("Wir haben mit der Schmidt GmbH gesprochen").
    """
    segment = segment.strip(" \t*_\"'")
    # Register and address lines carry a label ("Rechtsform: GmbH", "Sitz: …").
    if not segment or len(segment) > 80 or re.search(r":|@|https?://|www\.", segment):
        return None
    match = _COMPANY.match(segment)
    if match is None or not re.search(r"[^\W\d_]", match.group("name")):
        return None
    words = match.group("name").split()
    if len(words) > (5 if strict else 7):
        return None
    if strict:
        if not (segment[:1].isupper() or segment[:1].isdigit()):
            return None
        if any(w in _SENTENCE_WORDS for w in words):
            return None
    return segment.rstrip(" ,;")


def _company_on(line: str, *, strict: bool) -> str | None:
    for segment in _COMPANY_SPLIT.split(line):
        company = _company_in(segment, strict=strict)
        if company:
            return company
    return None


def _signature_company(lines: Sequence[str]) -> str | None:
    """The first company name with a legal form, signature lines before the body's."""
    start = _signature_start(lines)
    if start < 0:
        start = max(0, len(lines) - 12)
    ordered = [(i, False) for i in range(start, len(lines))] + [(i, True) for i in range(start)]
    for i, strict in ordered:
        company = _company_on(lines[i], strict=strict)
        if company is None:
            continue
        # "Example Service AG & Co." / "Management OHG": the name continues on the next line.
        if _AND_CO.search(company):
            rest = next((x for x in lines[i + 1 : i + 3] if x.strip()), "")
            tail = _company_on(rest, strict=strict)
            if tail:
                company = f"{company} {tail}"
        return company
    return None


# Second-level labels under which companies register in some country domains
# ("mueller.co.uk", "example.com.au", "firma.or.at").
_REGISTRY_LABELS = frozenset("co com org net ac gov edu or ne gv ltd plc me sch gen biz info".split())


def _company_from_domain(domain: str) -> str | None:
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    if len(labels) < 2:
        return None
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _REGISTRY_LABELS:
        label = labels[-3]
    else:
        label = labels[-2]
    words = [w for w in re.split(r"[-_]+", label) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or None


# ----------------------------------------------------------------------------- public


def linkedin_search_url(name: str, company: str | None = None) -> str:
    """Build a LinkedIn people-search URL for *name*, narrowed by *company*.

    The company's legal form is left out of the keywords ("Müller Bau GmbH" searches
    "Müller Bau"): profiles usually name the employer without it, and a keyword that a
    profile lacks excludes that profile. A company that only repeats the name (a sole
    trader, "Hans Müller e.K.") is not added twice.

    Args:
        name: the person's name.
        company: the company, or None.

    Returns:
        The URL with the keywords percent-encoded (UTF-8).

    Example:
        >>> linkedin_search_url("Hans Müller", "Müller Bau GmbH")
        'https://www.linkedin.com/search/results/people/?keywords=Hans%20M%C3%BCller%20M%C3%BCller%20Bau'
    """
    keywords = " ".join(name.split())
    if company:
        match = _COMPANY.match(" ".join(company.split()))
        short = match.group("name") if match else " ".join(company.split())
        if short and set(_fold(short)) - set(_fold(name)):
            keywords = f"{keywords} {short}"
    return f"{LINKEDIN_PEOPLE_SEARCH}?{urlencode({'keywords': keywords}, quote_via=quote)}"


def extract_contact(texts: Sequence[str], sender: Address, *, region: str = "DE") -> Contact:
    """Collect another way to reach *sender* from the messages they wrote.

    Args:
        texts: the bodies of the customer's own messages as plain text, signatures
            included, newest first. Quoted text in them (ours or anyone's) is ignored.
        sender: the customer's address; its display name is the first source of the name.
        region: ISO 3166 country code for numbers written without a country code.

    Returns:
        A `Contact`. The name comes from the display name (without titles, "Last, First"
        turned round, "X via Y" cut to X; a mailbox name like "Vertrieb" or a company name
        is not a person), else from the line after a closing formula ("Mit freundlichen
        Grüßen", "Best regards") or "-- " in a signature; a signature spelling of the same
        name wins over the display name's. The company comes from a signature line with a
        legal form, else from the display name, else from the domain (not for freemail).
        Phones are merged over all texts as `extract_phones` orders them, the newest
        message's first within each group. Fields that cannot be found are None or empty.

    Example:
        >>> c = extract_contact(["Gruß\\nHans Müller\\nMüller Bau GmbH\\nTel. 030 1234567"],
        ...                     Address("hans@mueller-bau.de"))
        >>> c.name, c.company, c.phones
        ('Hans Müller', 'Müller Bau GmbH', ('+49301234567',))
    """
    own = [_own_lines(text) for text in texts]

    found: list[_Found] = []
    fax: set[str] = set()
    offset = 0
    for lines in own:
        items, fax_here = _scan(lines, region)
        found.extend(_Found(f.e164, f.rank, offset + f.position) for f in items)
        fax |= fax_here
        offset += len(items)
    phones = _best_first(found, fax)

    display_name: str | None = None
    display_company: str | None = None
    if sender.name and "@" not in sender.name:
        for part in _split_display(sender.name):
            company = _company_on(part, strict=False)
            if company:
                display_company = display_company or company
            elif display_name is None:
                display_name = _clean_name(part, min_tokens=2)
    signature = [name for lines in own for name in _signature_names(lines)]
    name = _choose_name(display_name, signature, _name_from_local_part(sender.email))

    company = next((c for c in map(_signature_company, own) if c), None) or display_company
    if company is None and not sender.is_freemail:
        company = _company_from_domain(sender.domain)

    return Contact(
        name=name,
        company=company,
        phones=phones,
        linkedin_url=linkedin_search_url(name, company) if name else None,
    )
