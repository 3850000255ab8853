"""The daily digest: what needs doing today, as a multipart e-mail (plain text and HTML).

`build_digest` turns a `Report` into a small frozen `Digest` (sections of items, most
urgent first); `render_digest` renders it with the Jinja2 templates beside this module;
`build_message` wraps both parts into an `email.message.EmailMessage`. Subjects, names and
evidence come from strangers' mail, so the HTML template is autoescaped, every field is
collapsed to one line (a CR/LF in a subject never reaches a header or breaks the layout),
and links are kept only when they are ``tel:`` numbers or ``https://`` URLs.

Jinja2 is imported only here, so ``ghostscan --help`` never loads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Iterable

from ghostscan.reports.model import Report, ReportRow
from ghostscan.verdicts.model import Verdict

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Section(StrEnum):
    """The digest's sections, most urgent first (the order they are shown in)."""

    JUNK = "junk"
    """A customer's reply sits in Junk: read and answer it."""
    BOUNCED = "bounced"
    """Our offer never arrived."""
    FOLLOW_UP = "follow_up"
    """Silent: follow up today (mail, then phone or LinkedIn)."""
    AWAY = "away"
    """Only an out-of-office came back."""
    FIRM_ORDER = "firm_order"
    """A firm order whose customer went silent."""
    REST = "rest"
    """Silent for long, follow-ups done: let it rest."""


_TEXTS = {
    "en": {
        "title": "What needs doing today",
        "sections": {
            Section.JUNK: "Replies waiting in Junk",
            Section.BOUNCED: "Offers that did not arrive",
            Section.FOLLOW_UP: "Follow up today",
            Section.AWAY: "Out of office",
            Section.FIRM_ORDER: "Firm orders gone silent",
            Section.REST: "Let rest",
        },
        "counts": {
            Section.JUNK: ("{n} reply in Junk", "{n} replies in Junk"),
            Section.BOUNCED: ("{n} bounced", "{n} bounced"),
            Section.FOLLOW_UP: ("{n} to follow up", "{n} to follow up"),
            Section.AWAY: ("{n} away", "{n} away"),
            Section.FIRM_ORDER: ("{n} firm order silent", "{n} firm orders silent"),
            Section.REST: ("{n} to let rest", "{n} to let rest"),
        },
        "new_count": "{n} new",
        "all_clear": "all clear",
        "all_clear_text": "All clear: no reply in Junk, nothing bounced, no follow-up due.",
        "new": "NEW",
        "offer_of": "offer of {date}",
        "silent": "{n} business days silent",
        "silent_one": "1 business day silent",
        "follow_ups": "{n} follow-ups so far",
        "follow_ups_one": "1 follow-up so far",
        "follow_ups_none": "no follow-up yet",
        "back_on": "back on {date}",
        "not_delivered": "not delivered",
        "why": "Why",
        "next": "Next",
        "call": "Call",
        "linkedin": "LinkedIn",
        "problems": "{n} message(s) could not be read and were skipped; run ghostscan audit -v to list them.",
        "footer": "ghostscan digest of {source} as of {date}. Read-only: nothing in your mailbox was changed.",
    },
    "de": {
        "title": "Heute zu tun",
        "sections": {
            Section.JUNK: "Antworten im Spam-Ordner",
            Section.BOUNCED: "Angebote, die nicht ankamen",
            Section.FOLLOW_UP: "Heute nachfassen",
            Section.AWAY: "Abwesend",
            Section.FIRM_ORDER: "Feste Aufträge ohne Rückmeldung",
            Section.REST: "Ruhen lassen",
        },
        "counts": {
            Section.JUNK: ("{n} Antwort im Spam", "{n} Antworten im Spam"),
            Section.BOUNCED: ("{n} unzustellbar", "{n} unzustellbar"),
            Section.FOLLOW_UP: ("{n} nachfassen", "{n} nachfassen"),
            Section.AWAY: ("{n} abwesend", "{n} abwesend"),
            Section.FIRM_ORDER: ("{n} Auftrag still", "{n} Aufträge still"),
            Section.REST: ("{n} ruhen lassen", "{n} ruhen lassen"),
        },
        "new_count": "{n} neu",
        "all_clear": "alles erledigt",
        "all_clear_text": "Alles erledigt: keine Antwort im Spam, nichts unzustellbar, kein Nachfassen fällig.",
        "new": "NEU",
        "offer_of": "Angebot vom {date}",
        "silent": "seit {n} Werktagen still",
        "silent_one": "seit 1 Werktag still",
        "follow_ups": "{n}-mal nachgefasst",
        "follow_ups_one": "1-mal nachgefasst",
        "follow_ups_none": "noch nicht nachgefasst",
        "not_delivered": "nicht zugestellt",
        "back_on": "zurück am {date}",
        "why": "Warum",
        "next": "Nächster Schritt",
        "call": "Anrufen",
        "linkedin": "LinkedIn",
        "problems": "{n} Nachricht(en) konnten nicht gelesen werden und wurden übersprungen; ghostscan audit -v listet sie.",
        "footer": "ghostscan-Übersicht von {source}, Stand {date}. Nur gelesen: im Postfach wurde nichts verändert.",
    },
}

_SPACE = re.compile(r"\s+")
_E164 = re.compile(r"^\+[1-9][0-9]{5,14}$")
_MAX_FIELD = 200


def _one_line(text: str | None, limit: int = _MAX_FIELD) -> str:
    """*text* on one line (CR, LF, tabs and runs of spaces become one space), cut at *limit*."""
    flat = _SPACE.sub(" ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _day(value: date | None, language: str) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y") if language == "de" else value.isoformat()


@dataclass(frozen=True)
class DigestItem:
    """One conversation as the digest shows it; every text is one line.

    Attributes:
        conversation: the conversation id (stable across runs).
        customer: the customer's name, else their address.
        address: the customer's address.
        company: their company domain, or None for freemail.
        subject: the conversation's subject.
        offer_date: the day of our first message.
        business_days_silent: business days since our last message, or None.
        follow_ups: our follow-ups so far.
        why: the deciding evidence.
        step: the first suggested next step, or None.
        phone: the customer's number (E.164) for a ``tel:`` link, or None.
        linkedin_url: an ``https://`` LinkedIn people search, or None.
        return_date: an out-of-office's return day, or None.
        new: not in the previous digest (in this section).
    """

    conversation: str
    customer: str
    address: str
    company: str | None
    subject: str
    offer_date: date | None
    business_days_silent: int | None
    follow_ups: int
    why: str
    step: str | None
    phone: str | None = None
    linkedin_url: str | None = None
    return_date: date | None = None
    new: bool = False

    @property
    def tel_url(self) -> str | None:
        """``tel:+49…`` (RFC 3966) for the customer's number, or None."""
        return f"tel:{self.phone}" if self.phone else None


@dataclass(frozen=True)
class DigestSection:
    """One section: its kind, its title in the digest's language, and its items."""

    section: Section
    title: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class Digest:
    """What the digest e-mail shows.

    Attributes:
        day: the day the digest is for (silence measured at its end).
        language: ``"en"`` or ``"de"``.
        source: the mailbox (account name or path).
        subject: the subject line, with the counts.
        sections: the non-empty sections, most urgent first.
        problems: messages that could not be read during the scan.
    """

    day: date
    language: str
    source: str
    subject: str
    sections: tuple[DigestSection, ...]
    problems: int = 0

    @property
    def is_empty(self) -> bool:
        """Nothing is due: the digest says "all clear"."""
        return not self.sections

    @property
    def items(self) -> tuple[DigestItem, ...]:
        """Every item, in the order shown."""
        return tuple(item for section in self.sections for item in section.items)

    def seen(self) -> frozenset[tuple[str, str]]:
        """(conversation, section) of every item: what the next digest compares against."""
        return frozenset((item.conversation, s.section.value) for s in self.sections for item in s.items)

    def section(self, section: Section) -> DigestSection | None:
        """The section of that kind, or None when it is empty."""
        return next((s for s in self.sections if s.section is section), None)


def section_of(row: ReportRow) -> Section | None:
    """Which section a conversation belongs in; None for those with nothing to do.

    Answered, declined and waiting conversations are not in the digest. A silent firm
    order always goes to its own section, cold or not: work was agreed.
    """
    if row.verdict is Verdict.REPLY_IN_SPAM:
        return Section.JUNK
    if row.verdict is Verdict.BOUNCED:
        return Section.BOUNCED
    if row.verdict is Verdict.AUTO_REPLY:
        return Section.AWAY
    if row.verdict is Verdict.SILENT:
        if row.firm_order:
            return Section.FIRM_ORDER
        return Section.REST if row.cold else Section.FOLLOW_UP
    return None


def _item(row: ReportRow, *, new: bool) -> DigestItem:
    phone = next((p for p in row.phones if _E164.match(p)), None)
    linkedin = row.linkedin_url if row.linkedin_url and row.linkedin_url.startswith("https://") else None
    return DigestItem(
        conversation=row.conversation,
        customer=_one_line(row.customer_name or row.customer_address, 100),
        address=_one_line(row.customer_address, 100),
        company=_one_line(row.company, 100) or None,
        subject=_one_line(row.subject, 120),
        offer_date=row.first_outbound,
        business_days_silent=row.business_days_silent,
        follow_ups=row.follow_ups,
        why=_one_line(row.why),
        step=_one_line(row.suggestions[0]) if row.suggestions else None,
        phone=phone,
        linkedin_url=linkedin,
        return_date=row.return_date,
        new=new,
    )


def _order(section: Section, item: DigestItem) -> tuple:
    if section is Section.AWAY:
        return (item.return_date or date.max, item.conversation)
    # Longest silence first: the oldest loose end leads.
    return (-(item.business_days_silent or 0), item.offer_date or date.min, item.conversation)


def _texts(language: str) -> dict:
    return _TEXTS.get(language, _TEXTS["en"])


def digest_subject(prefix: str, day: date, counts: Iterable[tuple[Section, int]], new: int, language: str) -> str:
    """The subject line: prefix, day, then the count per non-empty section, most urgent first.

    Example:
        >>> digest_subject("ghostscan", date(2026, 11, 20), [(Section.JUNK, 1), (Section.FOLLOW_UP, 4)], 2, "en")
        'ghostscan 2026-11-20: 1 reply in Junk, 4 to follow up (2 new)'
    """
    t = _texts(language)
    parts = [t["counts"][s][0 if n == 1 else 1].format(n=n) for s, n in counts if n]
    head = f"{prefix} {_day(day, language)}".strip()
    if not parts:
        return f"{head}: {t['all_clear']}"
    tail = f" ({t['new_count'].format(n=new)})" if new else ""
    return f"{head}: {', '.join(parts)}{tail}"


def build_digest(
    report: Report,
    *,
    language: str = "en",
    previous: frozenset[tuple[str, str]] | None = None,
    subject_prefix: str = "ghostscan",
    source: str | None = None,
) -> Digest:
    """Sort a report's conversations into the digest's sections.

    Args:
        report: the audit report (its rows unfiltered: answered, declined and waiting
            conversations are left out here).
        language: ``"en"`` or ``"de"`` (anything else: English).
        previous: (conversation, section) pairs of the last digest sent; an item not among
            them is marked new. None: there was no digest before, so everything is new.
        subject_prefix: what the subject line starts with.
        source: how to name the mailbox (default: the report's source).

    Returns:
        The digest; `Digest.is_empty` when nothing is due.
    """
    t = _texts(language)
    grouped: dict[Section, list[DigestItem]] = {s: [] for s in Section}
    for row in report.rows:
        section = section_of(row)
        if section is None:
            continue
        new = previous is None or (row.conversation, section.value) not in previous
        grouped[section].append(_item(row, new=new))
    sections = tuple(
        DigestSection(s, t["sections"][s], tuple(sorted(items, key=lambda i, s=s: _order(s, i))))
        for s, items in grouped.items()
        if items
    )
    new_count = sum(item.new for s in sections for item in s.items)
    day = report.as_of.date()
    subject = digest_subject(subject_prefix, day, [(s.section, len(s.items)) for s in sections], new_count, language)
    return Digest(
        day=day,
        language=language if language in _TEXTS else "en",
        source=_one_line(source or report.source, 200),
        subject=subject,
        sections=sections,
        problems=len(report.problems),
    )


def _facts(item: DigestItem, section: Section, t: dict, language: str) -> str:
    """The item's facts on one line: offer date, silence (or the return day, or that it was not delivered), follow-ups."""
    facts = []
    if item.offer_date:
        facts.append(t["offer_of"].format(date=_day(item.offer_date, language)))
    if section is Section.AWAY and item.return_date:
        facts.append(t["back_on"].format(date=_day(item.return_date, language)))
    elif section is Section.BOUNCED:
        # Silence means nothing for a message that never arrived: the bounce is the news.
        facts.append(t["not_delivered"])
    elif item.business_days_silent is not None:
        n = item.business_days_silent
        facts.append(t["silent_one"] if n == 1 else t["silent"].format(n=n))
    f = item.follow_ups
    facts.append(t["follow_ups_none"] if f == 0 else t["follow_ups_one"] if f == 1 else t["follow_ups"].format(n=f))
    return " · ".join(facts)


def render_digest(digest: Digest) -> tuple[str, str]:
    """Render *digest* as (plain text, HTML) with the package's Jinja2 templates.

    The HTML part is autoescaped: a subject ``<script>`` shows as ``&lt;script&gt;``. It
    uses tables and inline styles only (no images, no scripts, no ``<style>`` block),
    which Gmail, Outlook and phone mail apps all keep.
    """
    import jinja2  # imported here: only the digest renders templates

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    t = _texts(digest.language)
    context = {
        "digest": digest,
        "t": t,
        "facts": lambda item, section: _facts(item, section.section, t, digest.language),
        "day": _day(digest.day, digest.language),
        "footer": t["footer"].format(source=digest.source, date=_day(digest.day, digest.language)),
        "problems": t["problems"].format(n=digest.problems) if digest.problems else "",
    }
    text = env.get_template("digest.txt.j2").render(context)
    html = env.get_template("digest.html.j2").render(context)
    return text, html


def build_message(digest: Digest, *, sender: str, to: Iterable[str], now: datetime) -> EmailMessage:
    """The digest as a ``multipart/alternative`` message, plain text first, then HTML.

    Args:
        digest: what to show.
        sender: the From address.
        to: the recipients.
        now: the Date header.

    Returns:
        A message with RFC 5322 headers; serialize it with ``as_bytes()`` (CRLF lines).
    """
    import email.policy
    from email.utils import format_datetime, make_msgid

    text, html = render_digest(digest)
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = _one_line(digest.subject, 300)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("ghostscan-digest", domain=sender.rpartition("@")[2] or None)
    # RFC 3834 §5: an automatically generated message; vacation responders must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


__all__ = [
    "Digest",
    "DigestItem",
    "DigestSection",
    "Section",
    "build_digest",
    "build_message",
    "digest_subject",
    "render_digest",
    "section_of",
]
