"""The first day back, read from an out-of-office notice (German and English).

Absence notices say the same thing two ways, and the day they mean differs by one:

* the **last day away** — "bis einschließlich 12.01.", "bis zum 12.01.", "until January
  12", "through Jan 12", "out until 12/01", the end of a range "20.12.–06.01.": the person
  is back the next calendar day;
* the **first day back** — "ab dem 7. Januar wieder erreichbar", "ab 07.01. wieder im
  Büro", "back on 7 January", "returning January 7", "I'll be back on Jan 7th": taken as is.

An explicit first day back wins over a last day away when a notice gives both. Weekdays
("back on Monday", "bis Freitag") are the first such day *after* the day the notice was
sent; a date without a year takes the year of the notice, the next one when that puts it
well before the notice ("bis 06.01." in a December notice means January of the next year).
Numeric dates are day-first ("12/01" is 12 January) unless that reading is impossible.
Also understood: ranges ("20.12.–06.01.", "July 10-31"), calendar weeks ("ab KW 3" is
that week's Monday), days of the month alone ("until the 9th": the next 9th), "morgen",
"tomorrow" and "today and tomorrow". "Mitte Januar", "after the holidays" give no date.

`absence_start` reads the other end: when an announced absence begins, so that a
holiday mentioned in passing ("ich bin ab 21.12. im Urlaub") is not taken for an
out-of-office notice.

This module is plain regular expressions: it needs no spaCy and is safe to import anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_MONTHS = {
    "januar": 1, "jänner": 1, "jaenner": 1, "january": 1, "jan": 1,
    "februar": 2, "february": 2, "feber": 2, "feb": 2,
    "märz": 3, "maerz": 3, "marz": 3, "march": 3, "mär": 3, "mrz": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "december": 12, "dez": 12, "dec": 12,
}  # fmt: skip

_WEEKDAYS = {
    "montag": 0, "monday": 0, "mon": 0, "mo": 0,
    "dienstag": 1, "tuesday": 1, "tues": 1, "tue": 1, "di": 1,
    "mittwoch": 2, "wednesday": 2, "wed": 2, "mi": 2,
    "donnerstag": 3, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "do": 3,
    "freitag": 4, "friday": 4, "fri": 4, "fr": 4,
    "samstag": 5, "sonnabend": 5, "saturday": 5, "sat": 5, "sa": 5,
    "sonntag": 6, "sunday": 6, "sun": 6, "so": 6,
}  # fmt: skip

_FULL_WEEKDAYS = "|".join(sorted((w for w in _WEEKDAYS if len(w) > 4), key=len, reverse=True))
_ANY_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

# A weekday in front of a date belongs to it ("Montag, den 12.01.", "Mon, Jan 12th"); only
# then may it be abbreviated, since "Do", "So" and "Mi" alone are ordinary words.
_WEEKDAY_PREFIX = rf"(?:(?:{_ANY_WEEKDAY})\.?,?\s+(?:(?:den|dem|the)\s+)?)?"

_DATE = re.compile(
    r"(?<![\w.])(?:"
    # ISO 8601: 2026-01-12
    r"(?P<iso_y>\d{4})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})"
    r"|" + _WEEKDAY_PREFIX + r"(?:"
    # German numeric: 12.01. / 12.1.2026 / 12.01.26 / 12.01 (a time "12.10 Uhr" is refused below)
    r"(?P<num_d>\d{1,2})\.\s?(?P<num_m>\d{1,2})(?:\.(?:\s?(?P<num_y>\d{4}|\d{2})(?![\d.]))?|(?![\d.]))"
    # slashed: 12/01, 12/01/2026
    r"|(?P<sl_a>\d{1,2})/(?P<sl_b>\d{1,2})(?:/(?P<sl_y>\d{4}|\d{2}))?(?![\d/])"
    # day then month name: 12. Januar 2026, 12th of January, 12 Jan
    rf"|(?P<dm_d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?P<dm_m>{_MONTH})(?![\w])"
    r"(?:,?\s*(?P<dm_y>\d{4})(?!\d))?"
    # a range within one month, named first: July 10-31 (its end is the last day away)
    rf"|(?P<mr_m>{_MONTH})\s*\d{{1,2}}(?:st|nd|rd|th)?\s*(?:-|–|—|to|through|until)\s*"
    r"(?P<mr_d>\d{1,2})(?:st|nd|rd|th)?(?!\d|[.:]\d)(?:,?\s*(?P<mr_y>\d{4})(?!\d))?"
    # month name then day: January 12, Jan. 12th, 2026
    rf"|(?P<md_m>{_MONTH})\s*(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?(?!\d|[.:]\d)"
    r"(?:,?\s*(?P<md_y>\d{4})(?!\d))?"
    r")"
    # a weekday alone: "back on Monday", "bis Freitag", "nächsten Montag"
    rf"|(?P<wd>{_FULL_WEEKDAYS})(?![\w])"
    # a day of the month alone, English ordinal: "until the 9th", "back on the 11th"
    r"|(?:the\s+)?(?P<od>\d{1,2})(?:st|nd|rd|th)(?![\w])"
    # a calendar week: "ab KW 3" is the Monday of ISO week 3
    r"|(?:KW|Kalenderwoche|CW|calendar\s+week)\s*(?P<kw>\d{1,2})(?!\d)"
    # tomorrow; "Guten Morgen" and "morgens" are refused below
    r"|(?P<rel>übermorgen|uebermorgen|morgen|tomorrow)(?![\w])"
    r")",
    re.IGNORECASE,
)
_TIME_AFTER = re.compile(r"\s*(?:uhr|h)\b|:\d", re.IGNORECASE)
_TIME_BEFORE = re.compile(r"\b(?:um|gegen|at)\s+$", re.IGNORECASE)
_GREETING_BEFORE = re.compile(r"\bguten\s+$", re.IGNORECASE)
_GREETING_AFTER = re.compile(r"\s*[,!]")

# What stands between two dates of one absence ("20.12. - 06.01.", "20.12. bis 06.01.").
_RANGE_JOIN = re.compile(
    r"^\s*(?:-|–|—|bis(?:\s+(?:einschließlich|einschl\.?|inkl\.?|zum))?|to|till|until|through|thru)\s*$",
    re.IGNORECASE,
)

# Words right before a date that make it the last day away.
_LAST_DAY = re.compile(
    r"(?:\bbis(?:\s+(?:einschlie(?:ß|ss)lich|einschl\.?|inklusive|inkl\.?|zum|zur|am|an|den|dem|und\s+mit|"
    r"voraussichtlich|mindestens))*"
    r"|\beinschlie(?:ß|ss)lich"
    r"|\b(?:until|till|til|thru|through|up\s+to|up\s+until|to)"
    r"(?:\s+(?:and\s+including|including|inclusive|the|on))*"
    r"|\b(?:after|nach\s+dem|nach)"
    # "off sick today and tomorrow", "heute und morgen nicht erreichbar"
    r"|\b(?:today|heute)\s+(?:and|und)"
    # "vom 10.–31.07.", "10-31 July": the first day of the range is just a number
    r"|(?<![\d.])\d{1,2}\.?\s*(?:-|–|—)"
    # "I'm out of the office Friday", "away 12 January": the named day is away
    r"|\b(?:out(?:\s+of\s+(?:the\s+)?office)?|away|off|absent)(?:\s+on)?"
    r")\s*:?\s*$",
    re.IGNORECASE,
)
# Words right before a date that make it the first day back.
_BACK = re.compile(
    r"(?:\b(?:wieder|zurück|zurueck|rückkehr|rueckkehr|erreichbar|verfügbar|verfuegbar|"
    r"back|return|returning|returns|available|in\s+the\s+office|in\s+office|at\s+my\s+desk|at\s+work|"
    r"reopen|reopening|re-open|reopens|open\s+again|geöffnet|geoeffnet|öffnen|oeffnen|"
    r"return\s+date|rückkehrdatum|im\s+büro|im\s+buero)"
    r"(?:\s+(?:am|ab|dem|den|zum|wieder|voraussichtlich|erst|on|from|by|the|as\s+of|starting|again|"
    r"in\s+the\s+office|at\s+work|to\s+the\s+office|to\s+work))*"
    r")\s*:?\s*$",
    re.IGNORECASE,
)
# Words before a date that start something: first day back only when the words after the
# date say "back" ("ab dem 7.1. wieder erreichbar") and not "away" ("ab dem 20.12. im Urlaub").
_STARTING = re.compile(
    r"(?:\b(?:ab|am|from|as\s+of|starting|beginning|on)(?:\s+(?:dem|den|the|on))?)?\s*:?\s*$",
    re.IGNORECASE,
)
_BACK_WORDS = re.compile(
    r"\b(?:wieder|zurück|zurueck|back|return|returning|erreichbar|reachable|available|reopen|reopening)\b",
    re.IGNORECASE,
)
# Words before a date that start an absence ("from", "ab", "vom"), when away-words are near.
_START = re.compile(
    r"\b(?:ab|vom|von|from|starting|beginning|as\s+of)(?:\s+(?:dem|den|the|on))?\s*:?\s*$", re.IGNORECASE
)
# A month without a day as the start of an absence: "for the first two weeks of August",
# "im August", "from mid-July".
_MONTH_START = re.compile(
    r"\b(?P<part>of|in|im|ab|from|anfang|mitte|ende|early|mid|late|during|for)[\s-]+(?:(?:dem|den|the)\s+)?"
    rf"(?P<m>{_MONTH})(?![\w.])(?!\s*\d)",
    re.IGNORECASE,
)
_AWAY_WORDS = re.compile(
    r"\b(?:nicht|kein|keine|urlaub|abwesend|außer|ausser|elternzeit|"
    r"not|out|away|leave|off|vacation|holiday|holidays)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:nicht|not|n't|kein)\b|n't", re.IGNORECASE)
_NEGATED_BACK = re.compile(
    r"\b(?:nicht|not|won't|wont|n't)\b.{0,25}\b(?:back|return|zurück|zurueck|wieder)\b.{0,12}$",
    re.IGNORECASE,
)

# A clause ends at these; a dot ends one only when a new sentence follows ("einschl. 12.01."
# and "12. Jan." do not end anything).
_BOUNDARY = re.compile(r"[!?;\n]|\.\s+(?=[A-ZÄÖÜ])")
# Within a clause, what joins two statements ("nicht im Büro und ab morgen wieder da").
_CLAUSE_JOIN = re.compile(r",|\b(?:und|and|but|aber)\b", re.IGNORECASE)
_DAY_BEFORE = re.compile(r"\d(?:st|nd|rd|th)?\.?\s*$")
_WINDOW = 70


@dataclass(frozen=True)
class _Mention:
    """One date mentioned in the text, resolved, with its role."""

    start: int
    end: int
    day: date
    role: str  # "back" | "last" | "start" | "none"


def parse_return_date(text: str, lang: str, sent: datetime | None) -> date | None:
    """Return the first day the sender of an out-of-office notice is back, or None.

    Args:
        text: the notice's text (best without quoted history).
        lang: ``"de"`` or ``"en"``. Both languages' wordings are read whatever it says,
            since notices mix them ("Out of Office: bis 12.01."); numeric dates are
            day-first in either unless that reading is impossible ("08/25/2026").
        sent: when the notice was sent (its Date header). Needed for weekdays, "morgen"
            and dates without a year; without it only dates with a year can be resolved.

    Returns:
        The first day back (see the module docstring for the rules), or None when the
        text names no date of return.

    Example:
        >>> parse_return_date("Ich bin bis einschließlich 12.01. nicht im Büro.", "de",
        ...                   datetime(2025, 12, 22))
        datetime.date(2026, 1, 13)
    """
    mentions = _mentions(text, sent)
    for role in ("back", "last"):
        for mention in mentions:
            if mention.role == role:
                return mention.day + timedelta(days=1) if role == "last" else mention.day
    return None


def absence_start(text: str, lang: str, sent: datetime | None) -> date | None:
    """Return the first day of an absence the text announces, or None.

    "Ich bin ab 21.12. im Urlaub", "I'm off from the 21st", "I'll be on holiday for the
    first two weeks of August": a day (or, for a month alone, its first day) after which
    the writer is away. An absence that starts after the message was sent is a coming
    holiday mentioned in passing, not an out-of-office notice.

    Args:
        text: the message's new text.
        lang: ``"de"`` or ``"en"`` (see `parse_return_date`).
        sent: when the message was sent; without it only dates with a year are read.

    Returns:
        The earliest start found, or None.
    """
    starts = [m.day for m in _mentions(text, sent) if m.role == "start"]
    if sent is not None:
        for match in _MONTH_START.finditer(text):
            if _DAY_BEFORE.search(text, 0, match.start()):
                continue  # "3rd of January" is a date, read above
            if not _AWAY_WORDS.search(text[max(0, match.start() - 80) : match.end() + 80]):
                continue
            day = 15 if match.group("part").lower() in ("mitte", "mid") else 1
            found = _dated(day, _month(match.group("m")), None, sent)
            if found is not None:
                starts.append(found)
    return min(starts) if starts else None


def _mentions(text: str, sent: datetime | None) -> list[_Mention]:
    found: list[tuple[re.Match[str], date]] = []
    for match in _DATE.finditer(text):
        day = _resolve(match, text, sent)
        if day is not None:
            found.append((match, day))
    mentions: list[_Mention] = []
    previous_end = 0
    for index, (match, day) in enumerate(found):
        next_start = found[index + 1][0].start() if index + 1 < len(found) else len(text)
        before = _clause_before(text, max(previous_end, match.start() - _WINDOW), match.start())
        after = _clause_after(text, match.end(), min(next_start, match.end() + _WINDOW))
        joined = index > 0 and _RANGE_JOIN.match(text[previous_end : match.start()]) is not None
        role = _role(before, after, joined=joined or match.group("mr_m") is not None)
        mentions.append(_Mention(match.start(), match.end(), day, role))
        previous_end = match.end()
    return mentions


def _clause_before(text: str, lo: int, hi: int) -> str:
    window = text[lo:hi]
    cuts = list(_BOUNDARY.finditer(window))
    return window[cuts[-1].end() :] if cuts else window


def _clause_after(text: str, lo: int, hi: int) -> str:
    window = text[lo:hi]
    cut = _BOUNDARY.search(window)
    return window[: cut.start()] if cut else window


def _role(before: str, after: str, *, joined: bool) -> str:
    if joined:
        # The second date of a range is its last day.
        return "last"
    if _LAST_DAY.search(before):
        # "I won't be back until 12 January": the date *is* the day back.
        return "back" if _NEGATED_BACK.search(before) else "last"
    back_marker = _BACK.search(before)
    if back_marker:
        # "nicht wieder am …", "not back on …"; a negation further away belongs to
        # another statement ("I'm not in the office at the moment – back on Monday").
        near = before[max(0, back_marker.start() - 12) : back_marker.end()]
        return "none" if _NEGATION.search(near) else "back"
    start = _START.search(before)
    own_before = _CLAUSE_JOIN.split(before)[-1]
    if start and _AWAY_WORDS.search(own_before):
        # "out of the office from Wednesday 23 December, returning …": the absence starts.
        return "start"
    if _STARTING.search(before):
        # "ab morgen wieder erreichbar", "am Donnerstag, 7.1., wieder im Büro".
        own_after = after.lstrip(" ,").split(",", 1)[0]
        back = _BACK_WORDS.search(own_after)
        if back and not _AWAY_WORDS.search(own_after[: back.start()]):
            return "back"
    if start and _AWAY_WORDS.search(after):
        # "ab 21.12. im Urlaub".
        return "start"
    return "none"


def _resolve(match: re.Match[str], text: str, sent: datetime | None) -> date | None:
    g = match.groupdict()
    before = text[max(0, match.start() - 12) : match.start()]
    if g["iso_y"]:
        return _make(int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"]))
    if g["num_d"]:
        if _TIME_AFTER.match(text, match.end()) or _TIME_BEFORE.search(before):
            return None
        return _dated(int(g["num_d"]), int(g["num_m"]), g["num_y"], sent)
    if g["sl_a"]:
        a, b = int(g["sl_a"]), int(g["sl_b"])
        day, month = (a, b) if b <= 12 else (b, a)
        return _dated(day, month, g["sl_y"], sent)
    if g["dm_d"]:
        return _dated(int(g["dm_d"]), _month(g["dm_m"]), g["dm_y"], sent)
    if g["mr_m"]:
        return _dated(int(g["mr_d"]), _month(g["mr_m"]), g["mr_y"], sent)
    if g["md_m"]:
        return _dated(int(g["md_d"]), _month(g["md_m"]), g["md_y"], sent)
    if sent is None:
        return None
    if g["od"]:
        return _day_of_month(int(g["od"]), sent)
    if g["kw"]:
        return _calendar_week(int(g["kw"]), sent)
    if g["wd"]:
        weekday = _WEEKDAYS[g["wd"].lower()]
        ahead = (weekday - sent.weekday() - 1) % 7 + 1
        return sent.date() + timedelta(days=ahead)
    word = g["rel"].lower()
    if word == "morgen" and (_GREETING_BEFORE.search(before) or _GREETING_AFTER.match(text, match.end())):
        # "Guten Morgen", "Morgen, Herr Berg!" are greetings, not tomorrow.
        return None
    return sent.date() + timedelta(days=1 if word in ("morgen", "tomorrow") else 2)


def _day_of_month(day: int, sent: datetime) -> date | None:
    """The next *day* of a month on or after the day of *sent* ("the 9th")."""
    year, month = sent.year, sent.month
    for _ in range(3):
        candidate = _make(year, month, day)
        if candidate is not None and candidate >= sent.date():
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _calendar_week(week: int, sent: datetime) -> date | None:
    """The Monday of ISO *week*, in the year that puts it near or after *sent*."""
    year = sent.isocalendar().year
    if week < sent.isocalendar().week - 4:
        year += 1
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        return None


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _dated(day: int, month: int, year_text: str | None, sent: datetime | None) -> date | None:
    if year_text:
        year = int(year_text)
        return _make(year + 2000 if year < 100 else year, month, day)
    if sent is None:
        return None
    candidate = _make(sent.year, month, day)
    if candidate is None:
        # 29 February outside a leap year: maybe next year's.
        return _make(sent.year + 1, month, day)
    # A notice speaks of the weeks ahead; a date well before it is next year's
    # ("bis 06.01." sent on 20 December). A few weeks of slack keep a stale notice's
    # recent date in its own year.
    if candidate < sent.date() - timedelta(days=31):
        return _make(sent.year + 1, month, day)
    return candidate


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
