"""Realistic business mailboxes of any size, written straight into a Maildir++ tree.

The mailbox belongs to Anna Berg of Studio Berg, a small Berlin web studio that sends
German and English offers. Every conversation is scripted from one seeded
`random.Random`, so the same size and seed always give the same files, byte for byte:

* offers (``Angebot Nr. 2026-117: Relaunch Website``, ``Proposal: website redesign``),
  many with a PDF attachment (deterministic pseudo-random bytes, base64), some answering
  a customer's inquiry, some with a subject that never says "offer";
* what came back: replies with proper In-Reply-To/References (some from webmail that
  stripped them, some with the offer quoted), our answers and follow-ups, declines,
  out-of-office replies (``Auto-Submitted: auto-replied``, German and English, with a
  return date), RFC 3464 bounces from MAILER-DAEMON with the original's headers as
  ``text/rfc822-headers``, and replies that landed in Junk;
* the rest of a business inbox: newsletters with List-Id, notifications, mail between
  colleagues, and spam in Junk.

About 35 % of the messages sit in Sent, 5 % in Junk and the rest in INBOX, ``Archiv/2024``,
``Archiv/2025`` and one ``Kunden/…`` folder per key account. Customers are many and
distinct: company domains (``mueller-bau.de``, ``harbourandfinch.co.uk``) and freemail
(gmx.de, web.de, gmail.com, …). The average message is about 30 KB.

Files go straight into ``cur/`` with Maildir info (``:2,S``) and Dovecot's ``S=`` (size on
disk) and ``W=`` (size with CRLF line ends, what IMAP's RFC822.SIZE reports) in the name,
bare LF line ends as Dovecot itself stores them (``mail_save_crlf = no``), and the file's
mtime set to the message date (Dovecot's INTERNALDATE for Maildir). Writing files is far
faster than IMAP APPEND: 100,000 messages take well under a minute.

Usage::

    .venv/bin/python benchmarks/generate.py 10000 /tmp/bench-mailbox [--seed 2026]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import textwrap
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))

from servers.dovecot import encode_mailbox  # noqa: E402

OWNER = "anna@studio-berg.de"
OWNER_NAME = "Anna Berg"
OWN_DOMAIN = "studio-berg.de"
COLLEAGUES = (("Jonas Kraft", "jonas@studio-berg.de"), ("Mira Okafor", "mira@studio-berg.de"))
AS_OF = datetime(2026, 11, 20, 17, 0, tzinfo=timezone.utc)
"""The generated mail ends here; audit with ``--as-of 2026-11-20``."""
SPAN_DAYS = 730
DEFAULT_SEED = 2026

SENT_SHARE = 0.35
JUNK_SHARE = 0.05

# Key accounts: each has a folder of its own under Kunden/, where most of its mail is filed.
KEY_ACCOUNTS = (
    ("Müller Bau GmbH", "mueller-bau.de", "de", ("Stefan", "Müller", "m")),
    ("Lindner Immobilien GmbH", "lindner-immobilien.de", "de", ("Claudia", "Schneider", "f")),
    ("Bäckerei Wegner GmbH", "baeckerei-wegner.de", "de", ("Thomas", "Wegner", "m")),
    ("Pohl Sanitär- und Heizungstechnik GmbH", "pohl-sanitaer.de", "de", ("Gerhard", "Pohl", "m")),
    ("Kanzlei Roth & Partner", "kanzlei-roth.de", "de", ("Susanne", "Roth", "f")),
    ("Harbour & Finch Ltd", "harbourandfinch.co.uk", "en", ("Olivia", "Hart", "f")),
    ("Northgate Analytics Ltd", "northgate-analytics.co.uk", "en", ("Daniel", "Price", "m")),
    ("Praxis Dr. Yilmaz", "praxis-yilmaz.de", "de", ("Aylin", "Yilmaz", "f")),
)


def _customer_folder(company: str) -> str:
    # No "." in a folder name: it is Maildir++'s hierarchy separator on disk.
    short = company.replace(" GmbH", "").replace(" Ltd", "").replace("Kanzlei ", "").replace(" & Partner", "")
    short = short.replace(" Sanitär- und Heizungstechnik", " Sanitär").replace(" Dr.", "")
    return f"Kunden/{short}"


FOLDERS: dict[str, str | None] = {
    "Sent": "\\Sent",
    "Junk": "\\Junk",
    "Archiv": None,
    "Archiv/2024": None,
    "Archiv/2025": None,
    **{_customer_folder(company): None for company, *_ in KEY_ACCOUNTS},
}
"""Folders besides INBOX → SPECIAL-USE flag (RFC 6154), as `DovecotUser.folders` takes them."""

# -- names and words ---------------------------------------------------------------------

DE_FIRST = (
    ("Thomas", "m"), ("Michael", "m"), ("Andreas", "m"), ("Stefan", "m"), ("Jan", "m"), ("Markus", "m"),
    ("Christian", "m"), ("Tobias", "m"), ("Frank", "m"), ("Jörg", "m"), ("Matthias", "m"), ("Lukas", "m"),
    ("Uwe", "m"), ("Holger", "m"), ("Kai", "m"), ("Mehmet", "m"), ("Sebastian", "m"), ("Dirk", "m"),
    ("Sabine", "f"), ("Claudia", "f"), ("Andrea", "f"), ("Julia", "f"), ("Katrin", "f"), ("Anja", "f"),
    ("Nicole", "f"), ("Susanne", "f"), ("Petra", "f"), ("Birgit", "f"), ("Lena", "f"), ("Jana", "f"),
    ("Sandra", "f"), ("Melanie", "f"), ("Özlem", "f"), ("Franziska", "f"), ("Heike", "f"), ("Monika", "f"),
)  # fmt: skip
DE_LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann",
    "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
    "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Vogel", "Friedrich", "Keller", "Günther", "Frank",
    "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon",
    "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger",
    "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Dietrich",
    "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt",
    "Sauer", "Arnold", "Wolff", "Pfeiffer", "Yilmaz", "Kaya", "Demir", "Nowak", "Kowalski", "Wegner",
)  # fmt: skip
DE_TRADES = (
    "Bau", "Immobilien", "Sanitär", "Elektrotechnik", "Dachdeckerei", "Tischlerei", "Steuerberatung",
    "Physiotherapie", "Zahnarztpraxis", "Autohaus", "Gartenbau", "Malerbetrieb", "Logistik", "Metallbau",
    "Hausverwaltung", "Reisebüro", "Fahrschule", "Druckerei", "Optik", "Brillen", "Catering", "Weinhandel",
    "Bäckerei", "Fleischerei", "Blumen", "Fotostudio", "Architekten", "Ingenieurbüro", "Pflegedienst", "Hotel",
)  # fmt: skip
DE_FORMS = ("GmbH", "GmbH", "GmbH", "GmbH & Co. KG", "e.K.", "AG", "OHG", "UG (haftungsbeschränkt)")
EN_FIRST = (
    ("James", "m"), ("Oliver", "m"), ("Harry", "m"), ("George", "m"), ("Daniel", "m"), ("Thomas", "m"),
    ("Samuel", "m"), ("David", "m"), ("Mark", "m"), ("Richard", "m"), ("Ben", "m"), ("Tom", "m"),
    ("Olivia", "f"), ("Emily", "f"), ("Sophie", "f"), ("Charlotte", "f"), ("Emma", "f"), ("Grace", "f"),
    ("Hannah", "f"), ("Lucy", "f"), ("Rachel", "f"), ("Sarah", "f"), ("Laura", "f"), ("Priya", "f"),
)  # fmt: skip
EN_LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Hart", "Price", "Bennett", "Cooper", "Hughes", "Morgan", "Patel", "Shah", "Murphy", "Kelly",
    "Finch", "Harbour", "Fletcher", "Mason", "Turner", "Parker", "Ellis", "Foster", "Reed", "Barker",
)  # fmt: skip
EN_TRADES = (
    "Studio", "Analytics", "Interiors", "Consulting", "Architects", "Dental", "Logistics", "Bakery",
    "Florists", "Gallery", "Property", "Law", "Coffee", "Joinery", "Print", "Travel", "Fitness", "Brewing",
)  # fmt: skip
EN_FORMS = ("Ltd", "Ltd", "Ltd", "LLP", "& Co", "Group")
DE_FREEMAIL = ("gmx.de", "web.de", "t-online.de", "gmx.net", "freenet.de", "gmail.com", "icloud.com")
EN_FREEMAIL = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.co.uk")

DE_PROJECTS = (
    ("Relaunch Website", "den Relaunch Ihrer Website"),
    ("Online-Shop", "Ihren neuen Online-Shop"),
    ("Online-Terminbuchung", "die Online-Terminbuchung"),
    ("Intranet", "das neue Intranet"),
    ("Wartungsvertrag", "den Wartungsvertrag für Ihre Website"),
    ("SEO-Paket", "die Suchmaschinenoptimierung Ihrer Website"),
    ("Karriereseite", "Ihre neue Karriereseite"),
    ("Produktfotos", "die Produktfotografie für Ihren Katalog"),
    ("Kunden-App", "Ihre Kunden-App für iOS und Android"),
    ("Newsletter-Einrichtung", "die Einrichtung Ihres Newsletters"),
    ("Bautagebuch", "das digitale Bautagebuch"),
    ("Barrierefreiheit", "die barrierefreie Umgestaltung Ihrer Website"),
    ("Immobilienportal", "den Relaunch Ihres Immobilienportals"),
    ("Online-Vorbestellung", "die Online-Vorbestellung"),
)
EN_PROJECTS = (
    ("website redesign", "the redesign of your website"),
    ("online shop", "your new online shop"),
    ("booking system", "the online booking system"),
    ("maintenance plan", "a maintenance plan for your website"),
    ("SEO package", "search engine optimisation for your site"),
    ("careers page", "your new careers page"),
    ("product photography", "the product photography for your catalogue"),
    ("customer app", "your customer app for iOS and Android"),
    ("newsletter setup", "setting up your newsletter"),
    ("accessibility audit", "an accessibility audit of your website"),
)
DE_ITEMS = (
    "Konzeption und Design", "Umsetzung im CMS", "Datenübernahme", "Schulung Ihrer Mitarbeiter", "Hosting (12 Monate)",
    "Suchmaschinenoptimierung", "Fotoshooting vor Ort", "Schnittstelle zur Warenwirtschaft", "Barrierefreiheit (WCAG 2.1 AA)",
    "Responsive Umsetzung", "Kontaktformular mit Spamschutz", "Projektmanagement",
)  # fmt: skip
EN_ITEMS = (
    "Concept and design", "Build in the CMS", "Content migration", "Staff training", "Hosting (12 months)",
    "Search engine optimisation", "Photo shoot on site", "Integration with your stock system", "Accessibility (WCAG 2.1 AA)",
    "Responsive build", "Contact form with spam protection", "Project management",
)  # fmt: skip

DE_POSITIVE = (
    "passt alles, wir beauftragen Sie hiermit mit der Umsetzung wie im Angebot beschrieben. Die Unterlagen schicke ich Ihnen nächste Woche.",
    "vielen Dank für das Angebot. Wir haben noch zwei Fragen: Ist das Hosting im Preis enthalten? Und wie lange dauert die Umsetzung ungefähr?",
    "danke für das Angebot, das klingt gut. Können wir nächste Woche kurz telefonieren? Am besten Dienstag oder Mittwoch vormittags.",
    "wir haben Ihr Angebot in der Geschäftsführung besprochen und möchten das Projekt gern mit Ihnen umsetzen. Wann könnten Sie starten?",
    "vielen Dank, das Angebot liegt gerade bei unserem Geschäftsführer. Eine Frage vorab: Ist die Schnittstelle im Preis enthalten?",
)
DE_DECLINE = (
    "vielen Dank für Ihr Angebot und die Mühe. Wir haben uns leider für einen anderen Anbieter entschieden.",
    "danke für das Angebot. Nach Rücksprache im Team haben wir aktuell leider kein Budget für das Projekt.",
    "wir haben uns nach langer Überlegung dagegen entschieden, das Projekt in diesem Jahr umzusetzen.",
    "vielen Dank für Ihre Zeit. Wir haben das Projekt inzwischen an eine andere Agentur vergeben.",
)
EN_POSITIVE = (
    "Thanks so much for this, it sounds good - we're happy with the scope and the instalments.",
    "Thanks for the quote. A couple of questions: does the price include hosting, and when could you start?",
    "Looks great. Could we have a quick call on Thursday afternoon to go through the timeline?",
    "Please go ahead, we'd like to proceed as outlined in your proposal. I'll send the purchase order this week.",
    "Thank you, I've shared this with our finance director. One question in the meantime: is the migration included?",
)
EN_DECLINE = (
    "Thank you for the proposal. After some consideration we have decided to go with another agency.",
    "Thanks for your time on this. We're not moving forward with the project this year.",
    "We've decided not to proceed at this stage - budgets have been frozen until next spring.",
    "Many thanks for the quote. We have chosen a different supplier for this project.",
)
DE_OUR_ANSWER = (
    "vielen Dank für Ihre Rückmeldung! Das Hosting ist nicht enthalten, wir können es aber für 15 EUR im Monat übernehmen. Für die Umsetzung rechnen wir mit sechs bis acht Wochen.",
    "sehr gern, Dienstag um 10 Uhr passt mir gut. Ich rufe Sie unter der Nummer aus Ihrer Signatur an.",
    "vielen Dank für den Auftrag, wir freuen uns auf das Projekt! Ich melde mich Anfang der Woche mit einem Terminvorschlag für das Auftaktgespräch.",
    "ja, die Schnittstelle ist im Preis enthalten. Gern erläutere ich die Details in einem kurzen Telefonat.",
)
EN_OUR_ANSWER = (
    "Thanks for getting back to me! Hosting isn't included, but we can take it on for GBP 15 a month. We'd need six to eight weeks for the build.",
    "Thursday at 3pm works well for me - I'll send you a calendar invite.",
    "Thank you for the go-ahead, we're looking forward to it! I'll be in touch early next week to set up a kick-off call.",
    "Yes, the migration is included. Happy to go through the details on a call.",
)
DE_FOLLOW_UP = (
    "ich wollte kurz nachfragen, ob Sie schon Gelegenheit hatten, sich unser Angebot vom {date} anzusehen. Gern beantworte ich offene Fragen auch telefonisch.",
    "ich hoffe, es geht Ihnen gut. Haben Sie unser Angebot vom {date} erhalten? Falls etwas unklar ist, melden Sie sich gern.",
)
EN_FOLLOW_UP = (
    "I just wanted to follow up on the proposal I sent on {date}. Happy to answer any questions on a call.",
    "I hope you're well. Did you have a chance to look at my quote from {date}? Let me know if anything is unclear.",
)
DE_INQUIRY = (
    "wir sind ein {trade}-Betrieb mit {staff} Mitarbeitern und suchen Unterstützung für {project}. Können Sie uns sagen, was so etwas ungefähr kostet?",
    "Ihre Adresse habe ich von einem Geschäftspartner bekommen. Wir bräuchten Hilfe bei {project}. Hätten Sie in den nächsten Wochen Zeit für ein Gespräch?",
)
EN_INQUIRY = (
    "We're a {trade} business with {staff} staff and are looking for help with {project}. Could you give us a rough idea of the cost?",
    "A colleague recommended you. We need some help with {project} - would you have time for a call in the next few weeks?",
)
NEWSLETTERS = (
    ("t3n Newsletter", "newsletter@t3n.de", "t3n-daily.t3n.de", "de", "t3n Daily: Die wichtigsten Digital-News des Tages"),
    ("IHK Berlin", "newsletter@ihk-berlin.de", "news.ihk-berlin.de", "de", "IHK-Newsletter: Veranstaltungen und Fristen"),
    ("Smashing Magazine", "newsletter@smashingmagazine.com", "smashing-newsletter.smashingmagazine.com", "en", "Smashing Newsletter: CSS, accessibility and more"),
    ("Hostwerk", "news@hostwerk.de", "kundeninfo.hostwerk.de", "de", "Hostwerk Kundeninfo: Wartungsarbeiten und neue Tarife"),
    ("Figma", "no-reply@email.figma.com", "product-updates.figma.com", "en", "What's new in Figma this month"),
    ("Gründerszene", "newsletter@gruenderszene.de", "daily.gruenderszene.de", "de", "Gründerszene Daily"),
    ("A List Apart", "newsletter@alistapart.com", "ala.alistapart.com", "en", "New on A List Apart"),
)
NOTIFICATIONS = (
    ("Hostwerk Rechnung", "no-reply@hostwerk.de", "de", "Ihre Rechnung {no} von Hostwerk", "auto-generated"),
    ("GitHub", "notifications@github.com", "en", "[studio-berg/website] Pull request #{no}: update dependencies", None),
    ("DATEV", "noreply@datev.de", "de", "DATEV Unternehmen online: Neue Belege ({no})", "auto-generated"),
    ("Google Calendar", "calendar-notification@google.com", "en", "Reminder: Call at 10:00 (#{no})", "auto-generated"),
    ("Sparkasse", "noreply@sparkasse.de", "de", "Neue Nachricht im Online-Banking ({no})", None),
)
SPAM = (
    ("Paketdienst", "Ihr Paket konnte nicht zugestellt werden - Sendung {no}", "de"),
    ("SEO Experten", "Erste Seite bei Google garantiert!", "de"),
    ("Prize Team", "Congratulations! You have been selected (ref {no})", "en"),
    ("Crypto Profit", "Make EUR 5,000 a week from home", "en"),
    ("Sicherheitsteam", "Ihr Konto wurde gesperrt - bitte bestätigen Sie Ihre Daten", "de"),
    ("Business Leads", "50,000 verified B2B leads for your agency", "en"),
    ("Dr. Mueller Pharma", "Günstige Medikamente ohne Rezept", "de"),
)

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DE_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_TRANS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue", "é": "e", "&": "and", " ": "-", ".": "", "(": "", ")": "", ",": ""})

OUR_SIGNATURE_DE = "-- \nAnna Berg\nStudio Berg · Webdesign & Entwicklung\nBoxhagener Straße 18 · 10245 Berlin\nTel. +49 30 1234567-0\nwww.studio-berg.de\n"
OUR_SIGNATURE_EN = "-- \nAnna Berg\nStudio Berg · Web Design & Development\nBoxhagener Straße 18, 10245 Berlin, Germany\nPhone +49 30 1234567-0\nwww.studio-berg.de\n"


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower().translate(_TRANS) if ch.isalnum() or ch == "-").strip("-")


def _offset(when: datetime, lang: str) -> timedelta:
    # Central European (Summer) Time for German mail, UK time for English; DST by month
    # is close enough for dates in a benchmark.
    summer = 4 <= when.month <= 10
    hours = (2 if summer else 1) if lang == "de" else (1 if summer else 0)
    return timedelta(hours=hours)


def format_date(when: datetime, lang: str = "de") -> str:
    """An RFC 5322 Date header value in the sender's local time.

    Returns:
        e.g. ``"Fri, 02 Oct 2026 07:12:30 +0200"``.
    """
    offset = _offset(when, lang)
    local = (when + offset).replace(tzinfo=None)
    hours = int(offset.total_seconds()) // 3600
    return f"{_DAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} {local.year} {local:%H:%M:%S} {'+' if hours >= 0 else '-'}{abs(hours):02d}00"


@lru_cache(maxsize=4096)
def _wrap(text: str) -> str:
    """*text* wrapped at 72 columns, as mail clients send it."""
    return textwrap.fill(text, 72, break_long_words=False, break_on_hyphens=False)


def _encode_words(text: str) -> str:
    """RFC 2047 encoded-words for a non-ASCII header value; ASCII stays as it is.

    Mail clients send non-ASCII subjects and names this way rather than as raw UTF-8
    (RFC 6532), so header decoding is part of what a scan pays for.
    """
    if text.isascii():
        return text
    words, chunk = [], ""
    for char in text:
        # An encoded-word is at most 75 characters (RFC 2047 §2): 45 bytes in base64 fit.
        if len((chunk + char).encode()) > 45:
            words.append(chunk)
            chunk = char
        else:
            chunk += char
    words.append(chunk)
    return "\n ".join("=?UTF-8?B?" + base64.b64encode(w.encode()).decode() + "?=" for w in words)


def _encode_address(value: str) -> str:
    """``Jörg Müller <j@x.de>`` with the display name as an RFC 2047 encoded-word."""
    if value.isascii() or " <" not in value:
        return value
    name, address = value.rsplit(" <", 1)
    return f"{_encode_words(name)} <{address}"


def _amount(euros: int, lang: str) -> str:
    return f"{euros:,} EUR".replace(",", ".") if lang == "de" else f"EUR {euros:,}"


def _human_date(when: datetime, lang: str) -> str:
    if lang == "de":
        return f"{when.day:02d}.{when.month:02d}.{when.year}"
    return f"{_EN_WEEKDAYS[when.weekday()]}, {when.day} {_EN_MONTHS[when.month - 1]} {when.year}"


# -- people ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """One person Anna writes offers to.

    Attributes:
        first, last: the name.
        gender: ``"m"`` or ``"f"`` (German salutations need it).
        email: their address.
        company: the company name, or None for a private customer on freemail.
        lang: ``"de"`` or ``"en"``.
        folder: where their mail is filed (``"INBOX"`` or ``"Kunden/…"``).
        phone: the number in their signature.
    """

    first: str
    last: str
    gender: str
    email: str
    company: str | None
    lang: str
    folder: str
    phone: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[1]

    def salutation(self) -> str:
        if self.lang == "de":
            return f"Sehr geehrte Frau {self.last}," if self.gender == "f" else f"Sehr geehrter Herr {self.last},"
        return f"Dear {self.first},"

    def signature(self) -> str:
        lines = [self.name]
        if self.company:
            lines.append(self.company)
        lines.append(self.phone)
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class OpenOffer:
    """An offer of ours that the new mail of `add_new_mail` can answer.

    Attributes:
        message_id: the offer's Message-ID, without angle brackets.
        subject: its subject.
        customer: who it went to.
        sent: when.
    """

    message_id: str
    subject: str
    customer: Customer
    sent: datetime


@dataclass(frozen=True)
class GeneratedMailbox:
    """What `generate` wrote.

    Attributes:
        root: the Maildir++ root (INBOX; folders are ``.Name`` subdirectories).
        messages: files written.
        bytes: their total size on disk.
        by_folder: messages per folder name.
        by_kind: messages per kind (``offer``, ``reply``, ``bounce``, ``auto_reply``, ``decline``,
            ``follow_up``, ``answer``, ``inquiry``, ``newsletter``, ``notification``,
            ``internal``, ``spam``, ``reply_in_junk``).
        outcomes: conversations per scripted outcome (``answered``, ``silent``, ...).
        customers: distinct customer addresses.
        open_offers: offers nobody answered yet, for `add_new_mail`.
        seconds: wall time of the generation.
    """

    root: Path
    messages: int
    bytes: int
    by_folder: dict[str, int]
    by_kind: dict[str, int]
    outcomes: dict[str, int]
    customers: int
    open_offers: tuple[OpenOffer, ...] = field(repr=False, default=())
    seconds: float = 0.0


# -- attachments ------------------------------------------------------------------------


class _Base64Pool:
    """Deterministic pseudo-random bytes, base64-encoded once in 76-character lines.

    An attachment is a slice of whole lines: as incompressible as a real PDF, and no
    per-message encoding cost.
    """

    LINE = 77  # 76 characters and LF

    def __init__(self, seed: int, raw_bytes: int = 3 * 1024 * 1024):
        self.data = base64.encodebytes(random.Random(seed).randbytes(raw_bytes))
        self.lines = len(self.data) // self.LINE

    def slice(self, rng: random.Random, encoded_bytes: int) -> bytes:
        count = max(1, min(self.lines - 1, encoded_bytes // self.LINE))
        start = rng.randrange(0, self.lines - count)
        return self.data[start * self.LINE : (start + count) * self.LINE]


# -- writing ----------------------------------------------------------------------------


def folder_path(root: Path, folder: str) -> Path:
    """The Maildir++ directory of *folder* under *root*.

    Returns:
        *root* for INBOX; else ``root/.Name`` with the IMAP name in modified UTF-7
        (RFC 3501 §5.1.3) and ``/`` turned into Maildir++'s ``.`` separator:
        ``"Kunden/Müller Bau"`` → ``root/.Kunden.M&APw-ller Bau``.
    """
    if folder == "INBOX":
        return root
    return root / ("." + encode_mailbox(folder).replace("/", "."))


class MaildirWriter:
    """Writes message files into a Maildir++ tree, counting them.

    Args:
        root: the Maildir++ root; folder directories are created when missing.
        folders: the folder names to be written to (INBOX is implied).
        tag: makes this writer's file names unique (the seed); writers into one mailbox
            need different tags.
        owner: (uid, gid) to give every file and directory, or None to keep the writer's.
        limit: stop accepting messages after this many (`full` turns True).
    """

    def __init__(self, root: Path, folders: list[str], *, tag: str, owner: tuple[int, int] | None = None, limit: int | None = None):
        self.root = root
        self.tag = tag
        self.owner = owner
        self.limit = limit
        self.count = 0
        self.bytes = 0
        self.by_folder: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self._dirs: dict[str, Path] = {}
        for name in ["INBOX", *folders]:
            path = folder_path(root, name)
            for sub in ("cur", "new", "tmp"):
                (path / sub).mkdir(parents=True, exist_ok=True)
                if owner:
                    os.chown(path / sub, *owner)
            if name != "INBOX" and not (path / "maildirfolder").exists():
                # Maildir++: marks a folder directory (Courier, Dovecot).
                (path / "maildirfolder").touch()
            if owner:
                os.chown(path, *owner)
                if name != "INBOX":
                    os.chown(path / "maildirfolder", *owner)
            self._dirs[name] = path

    @property
    def full(self) -> bool:
        return self.limit is not None and self.count >= self.limit

    def write(self, folder: str, when: datetime, data: bytes, *, flags: str = "S", kind: str = "", new: bool = False) -> bool:
        """Write one message; False (and nothing written) once `full`.

        Args:
            folder: the folder name.
            when: the message date; it becomes the file's mtime (INTERNALDATE).
            data: the message with bare LF line ends.
            flags: Maildir info flags (``"S"`` seen, ``"RS"`` answered and seen, ``""``).
            kind: counted in `by_kind`.
            new: write into ``new/`` without info, as a delivery agent does; else ``cur/``.
        """
        if self.full:
            return False
        stamp = int(when.timestamp())
        self.count += 1
        # Dovecot reads S= (physical size) and W= (virtual size, CRLF line ends) from the
        # file name and so never has to stat or read a file to answer RFC822.SIZE.
        virtual = len(data) + data.count(b"\n")
        # Unique per writer (R, the seed) and message (M), as the Maildir spec asks, and the
        # same on every run: a mailbox of one size and seed is the same files, names included.
        base = f"{stamp}.M{self.count}R{self.tag}.bench,S={len(data)},W={virtual}"
        path = self._dirs[folder] / ("new" if new else "cur") / (base if new else f"{base}:2,{flags}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if self.owner:
                os.fchown(fd, *self.owner)
            os.utime(fd, (stamp, stamp))
        finally:
            os.close(fd)
        self.bytes += len(data)
        self.by_folder[folder] += 1
        self.by_kind[kind] += 1
        return True


# -- the mailbox script ------------------------------------------------------------------


@dataclass
class _Message:
    """One message of a conversation, kept until the conversation's replies are written."""

    message_id: str
    subject: str
    sender: str
    date: datetime
    body: str
    references: tuple[str, ...]


class _Script:
    """Writes conversations and the rest of the mailbox from one seeded random stream."""

    def __init__(self, writer: MaildirWriter, seed: int):
        self.w = writer
        self.rng = random.Random(seed)
        self.pool = _Base64Pool(seed)
        self.customers: list[Customer] = []
        self.domains: set[str] = set()
        self.outcomes: Counter[str] = Counter()
        self.open_offers: list[OpenOffer] = []
        self.offer_no = 100
        self.key_accounts = [self._key_account(*k) for k in KEY_ACCOUNTS]

    # -- ids, dates, people -------------------------------------------------------------

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"

    def _our_id(self) -> str:
        return f"{self._uuid()}@{OWN_DOMAIN}"

    def _their_id(self, customer: Customer) -> str:
        style = self.rng.random()
        if customer.domain == "gmail.com" or style < 0.2:
            return f"CA{self.rng.getrandbits(200):050x}@mail.gmail.com"
        if style < 0.55:
            return f"{self.rng.getrandbits(128):032x}@EXCH01.{customer.domain.split('.')[0]}.local"
        return f"{self._uuid()}@{customer.domain}"

    def _phone(self, lang: str) -> str:
        if lang == "de":
            return f"Tel. 0{self.rng.choice(('30', '40', '89', '221', '69', '711', '351'))} {self.rng.randrange(1000000, 9999999)}"
        return f"+44 {self.rng.choice(('20', '117', '161', '131'))} {self.rng.randrange(1000, 9999)} {self.rng.randrange(1000, 9999)}"

    def _key_account(self, company: str, domain: str, lang: str, person: tuple[str, str, str]) -> Customer:
        first, last, gender = person
        local = f"{first[0]}.{last}".lower().translate(_TRANS) if lang == "de" else f"{first}.{last}".lower()
        self.domains.add(domain)
        return Customer(first, last, gender, f"{local}@{domain}", company, lang, _customer_folder(company), self._phone(lang))

    def _new_customer(self) -> Customer:
        rng = self.rng
        lang = "de" if rng.random() < 0.7 else "en"
        first, gender = rng.choice(DE_FIRST if lang == "de" else EN_FIRST)
        last = rng.choice(DE_LAST if lang == "de" else EN_LAST)
        if rng.random() < 0.25:
            domain = rng.choice(DE_FREEMAIL if lang == "de" else EN_FREEMAIL)
            email = f"{_slug(first)}.{_slug(last)}{rng.randrange(1, 999)}@{domain}"
            company = None
        else:
            if lang == "de":
                trade = rng.choice(DE_TRADES)
                core = f"{trade} {last}" if rng.random() < 0.4 else f"{last} {trade}"
                company = f"{core} {rng.choice(DE_FORMS)}"
                base, tld = _slug(core), ".de"
            else:
                core = f"{last} & {rng.choice(EN_LAST)}" if rng.random() < 0.3 else f"{last} {rng.choice(EN_TRADES)}"
                company = f"{core} {rng.choice(EN_FORMS)}"
                base, tld = _slug(core).replace("-", ""), rng.choice((".co.uk", ".com", ".co.uk"))
            domain = base + tld
            suffix = 2
            while domain in self.domains:
                domain = f"{base}{suffix}{tld}"
                suffix += 1
            self.domains.add(domain)
            email = f"{first[0]}.{last}".lower().translate(_TRANS) if lang == "de" else f"{first}.{last}".lower()
            email = f"{_slug(email)}@{domain}" if rng.random() < 0.85 else f"info@{domain}"
        customer = Customer(first, last, gender, email, company, lang, "INBOX", self._phone(lang))
        self.customers.append(customer)
        return customer

    def _pick_customer(self) -> Customer:
        roll = self.rng.random()
        if roll < 0.1:
            return self.rng.choice(self.key_accounts)
        if roll < 0.25 and self.customers:
            return self.rng.choice(self.customers)
        return self._new_customer()

    def _business_time(self, day: datetime) -> datetime:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day.replace(hour=self.rng.randrange(6, 16), minute=self.rng.randrange(60), second=self.rng.randrange(60), microsecond=0)

    def _later(self, when: datetime, min_hours: float, max_hours: float) -> datetime:
        later = when + timedelta(hours=self.rng.uniform(min_hours, max_hours))
        if later.weekday() >= 5 and self.rng.random() < 0.8:
            later = self._business_time(later)
        return later

    def _inbound_folder(self, customer: Customer, when: datetime) -> str:
        if customer.folder != "INBOX" and self.rng.random() < 0.8:
            return customer.folder
        age = (AS_OF - when).days
        if age > 365 and self.rng.random() < 0.5:
            return "Archiv/2024" if when.year <= 2024 else "Archiv/2025"
        if age > 180 and self.rng.random() < 0.08:
            return "Archiv"
        return "INBOX"

    # -- message building ---------------------------------------------------------------

    def _received(self, domain: str, when: datetime, sender: str) -> str:
        ip = f"198.51.100.{self.rng.randrange(2, 250)}"
        qid = f"{self.rng.getrandbits(40):010X}"
        return (
            f"Return-Path: <{sender}>\nDelivered-To: {OWNER}\n"
            f"Received: from mail.{domain} (mail.{domain} [{ip}])\n\tby mx02.hostwerk.de (Postfix) with ESMTPS id {qid}\n"
            f"\tfor <{OWNER}>; {format_date(when)}\n"
            f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=mail;\n\tt={int(when.timestamp())}; "
            f"bh={base64.b64encode(self.rng.randbytes(32)).decode()};\n\th=From:To:Subject:Date:Message-ID;\n"
            f"\tb={base64.b64encode(self.rng.randbytes(96)).decode()}\n"
        )

    def _headers(
        self,
        *,
        sender: str,
        to: str,
        subject: str,
        when: datetime,
        message_id: str,
        lang: str,
        in_reply_to: str | None = None,
        references: tuple[str, ...] = (),
        cc: str | None = None,
        inbound_from: str | None = None,
        extra: str = "",
    ) -> str:
        head = ""
        if inbound_from:
            address = sender[sender.rfind("<") + 1 : -1] if "<" in sender else sender
            head = self._received(inbound_from, when, address)
        head += f"From: {_encode_address(sender)}\nTo: {_encode_address(to)}\n"
        if cc:
            head += f"Cc: {_encode_address(cc)}\n"
        head += f"Subject: {_encode_words(subject)}\nDate: {format_date(when, lang)}\nMessage-ID: <{message_id}>\n"
        if in_reply_to:
            head += f"In-Reply-To: <{in_reply_to}>\n"
        if references:
            head += "References: " + "\n ".join(f"<{r}>" for r in references) + "\n"
        head += "MIME-Version: 1.0\n" + extra
        return head

    def _text_message(self, head: str, body: str) -> bytes:
        return (head + "Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n\n" + body).encode("utf-8")

    def _with_attachment(self, head: str, body: str, filename: str, encoded_bytes: int) -> bytes:
        boundary = f"------------{self.rng.getrandbits(96):024x}"
        top = (
            f"{head}Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\nThis is a multi-part message in MIME format.\n"
            f"--{boundary}\nContent-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
            f"--{boundary}\nContent-Type: application/pdf; name=\"{filename}\"\nContent-Disposition: attachment; filename=\"{filename}\"\n"
            "Content-Transfer-Encoding: base64\n\n"
        ).encode("utf-8")
        return b"".join((top, self.pool.slice(self.rng, encoded_bytes), f"\n--{boundary}--\n".encode()))

    def _pdf_size(self) -> int:
        # Offer PDFs of 70-340 KB (base64 adds a third): a few pages with a logo and a
        # table, what offer software exports. Tuned so the mailbox averages ~30 KB.
        return int(self.rng.uniform(70_000, 340_000) * 4 / 3)

    @staticmethod
    def _quote(previous: _Message, lang: str, outlook: bool) -> str:
        if outlook:
            head = "-----Ursprüngliche Nachricht-----\nVon: " if lang == "de" else "-----Original Message-----\nFrom: "
            sent = "Gesendet: " if lang == "de" else "Sent: "
            subject = "Betreff: " if lang == "de" else "Subject: "
            return f"\n{head}{previous.sender}\n{sent}{_human_date(previous.date, lang)}\n{subject}{previous.subject}\n\n{previous.body}"
        intro = f"Am {_human_date(previous.date, 'de')} schrieb {previous.sender}:" if lang == "de" else f"On {_human_date(previous.date, 'en')}, {previous.sender} wrote:"
        return f"\n{intro}\n" + "".join(f"> {line}\n" if line else ">\n" for line in previous.body.splitlines())

    @staticmethod
    def _re(subject: str, lang: str, ours: bool) -> str:
        prefix = "Re: " if ours or lang == "en" else "AW: "
        return subject if subject.startswith(prefix) else prefix + subject

    # -- conversations ------------------------------------------------------------------

    def conversation(self) -> None:
        """One offer and what came of it."""
        rng = self.rng
        customer = self._pick_customer()
        lang = customer.lang
        start = self._business_time(AS_OF - timedelta(days=rng.uniform(0, SPAN_DAYS)))
        short, long = rng.choice(DE_PROJECTS if lang == "de" else EN_PROJECTS)
        me = f"{OWNER_NAME} <{OWNER}>"
        them = f"{customer.name} <{customer.email}>"
        thread: list[_Message] = []
        when = start

        if rng.random() < 0.4:
            # The customer asked first; our offer answers the inquiry.
            subject = rng.choice((f"Anfrage {short}", f"Anfrage: {short}", f"{short}?")) if lang == "de" else rng.choice((f"Enquiry: {short}", f"Question about the {short}"))
            text = rng.choice(DE_INQUIRY if lang == "de" else EN_INQUIRY).format(
                trade=rng.choice(DE_TRADES if lang == "de" else EN_TRADES), staff=rng.randrange(3, 80), project=long
            )
            greeting = "Guten Tag Frau Berg," if lang == "de" else "Hello Anna,"
            closing = "Mit freundlichen Grüßen" if lang == "de" else "Kind regards,"
            body = f"{greeting}\n\n{_wrap(text)}\n\n{closing}\n\n{customer.signature()}"
            inquiry = _Message(self._their_id(customer), subject, them, when, body, ())
            if not self._inbound(customer, inquiry, lang, kind="inquiry", flags="RS"):
                return
            thread.append(inquiry)
            when = self._later(when, 20, 120)

        # The offer.
        self.offer_no += 1
        number = f"{when.year}-{self.offer_no % 1000:03d}"
        if lang == "de":
            subject = rng.choice((f"Angebot {short}", f"Angebot Nr. {number}: {short}", f"Ihr Angebot – {short}", f"Kostenvoranschlag {short}", f"{short} – wie besprochen"))
        else:
            subject = rng.choice((f"Proposal: {short}", f"Quote for the {short}", f"Estimate – {short}", f"{short} – as discussed"))
        if thread:
            subject = self._re(thread[0].subject, lang, ours=True)
        items = rng.sample(DE_ITEMS if lang == "de" else EN_ITEMS, rng.randrange(2, 5))
        prices = [rng.randrange(4, 60) * 100 for _ in items]
        lines = "\n".join(f"- {item}: {_amount(price, lang)}" for item, price in zip(items, prices))
        with_pdf = rng.random() < 0.65
        if lang == "de":
            attachment = "anbei" if with_pdf else "hier"
            intro = f"vielen Dank für Ihre Anfrage und das freundliche Gespräch. Wie besprochen erhalten Sie {attachment} unser Angebot Nr. {number} für {long}:"
            body = (
                f"{customer.salutation()}\n\n{_wrap(intro)}\n\n{lines}\n\nGesamt: {_amount(sum(prices), lang)} zzgl. MwSt. Das Angebot ist 30 Tage gültig.\n\n"
                f"Für Rückfragen stehe ich Ihnen gern zur Verfügung.\n\nMit freundlichen Grüßen\nAnna Berg\n\n{OUR_SIGNATURE_DE}"
            )
            filename = f"Angebot_{number}.pdf"
        else:
            attachment = "attached" if with_pdf else "below"
            intro = f"Thank you for your time on the phone. As discussed, my proposal for {long} is {attachment}:"
            body = (
                f"{customer.salutation()}\n\n{_wrap(intro)}\n\n"
                f"{lines}\n\nTotal: {_amount(sum(prices), lang)} plus VAT, valid for 30 days.\n\nI'm happy to walk you through it in a call.\n\n"
                f"Best wishes,\nAnna\n\n{OUR_SIGNATURE_EN}"
            )
            filename = f"Proposal_{number}.pdf"
        references = tuple(m.message_id for m in thread)
        offer = _Message(self._our_id(), subject, me, when, body, references)
        bounce_to = customer.email
        if rng.random() < 0.05:
            outcome = "bounced"
        else:
            outcome = rng.choices(("answered", "silent", "declined", "auto_reply", "reply_in_spam"), (0.42, 0.28, 0.11, 0.12, 0.07))[0]
        if outcome == "bounced" and rng.random() < 0.6:
            # A typo in the address is the usual cause.
            local, domain = customer.email.split("@")
            bounce_to = f"{local[:-1] + local[-1] * 2}@{domain}" if len(local) > 2 else f"x{local}@{domain}"
        head = self._headers(
            sender=me, to=f"{customer.name} <{bounce_to}>", subject=subject, when=when, message_id=offer.message_id, lang=lang,
            in_reply_to=thread[-1].message_id if thread else None, references=references,
            extra="User-Agent: Mozilla Thunderbird\nContent-Language: " + ("de-DE" if lang == "de" else "en-GB") + "\n",
        )  # fmt: skip
        data = self._with_attachment(head, body, filename, self._pdf_size()) if with_pdf else self._text_message(head, body)
        if when > AS_OF or not self.w.write("Sent", when, data, kind="offer"):
            return
        thread.append(offer)
        self.outcomes[outcome] += 1

        if outcome == "bounced":
            self._bounce(offer, customer, bounce_to, head)
            return
        if outcome == "auto_reply":
            back = self._auto_reply(offer, customer)
            if back is None or rng.random() < 0.5:
                self._follow_ups(thread, customer, rng.randrange(0, 2))
                return
            when = back
            outcome = "answered"
        elif outcome == "silent":
            self._follow_ups(thread, customer, rng.choices((0, 1, 2), (0.45, 0.4, 0.15))[0])
            return
        else:
            when = self._later(when, 2, 24 * 9)
            if rng.random() < 0.25:
                # Our follow-up went out before they answered.
                self._follow_ups(thread, customer, 1)
                when = self._later(thread[-1].date, 2, 24 * 5)

        # They answered (in Junk for reply_in_spam), maybe back and forth.
        rounds = 1 if outcome in ("declined", "reply_in_spam") else rng.choices((1, 2, 3, 4), (0.45, 0.3, 0.15, 0.1))[0]
        for round_no in range(rounds):
            if outcome == "declined":
                text, kind = rng.choice(DE_DECLINE if lang == "de" else EN_DECLINE), "decline"
            else:
                text, kind = rng.choice(DE_POSITIVE if lang == "de" else EN_POSITIVE), "reply"
            reply = self._reply(thread, customer, text, when)
            folder = "Junk" if outcome == "reply_in_spam" else None
            if not self._inbound(customer, reply, lang, kind="reply_in_junk" if folder else kind, folder=folder, stripped=rng.random() < 0.12, flags="S" if folder else "RS"):
                return
            thread.append(reply)
            if outcome != "answered" or (round_no == rounds - 1 and rng.random() < 0.5):
                return
            when = self._later(when, 1, 30)
            answer = _Message(
                self._our_id(), self._re(reply.subject, lang, ours=True), me, when,
                f"{'Hallo' if lang == 'de' else 'Hi'} {customer.first if lang == 'en' else ('Frau ' if customer.gender == 'f' else 'Herr ') + customer.last},\n\n"
                f"{_wrap(rng.choice(DE_OUR_ANSWER if lang == 'de' else EN_OUR_ANSWER))}\n\n{'Viele Grüße' if lang == 'de' else 'Best,'}\nAnna\n\n"
                f"{OUR_SIGNATURE_DE if lang == 'de' else OUR_SIGNATURE_EN}" + self._quote(reply, lang, outlook=False),
                (*reply.references, reply.message_id),
            )  # fmt: skip
            head = self._headers(
                sender=me, to=them, subject=answer.subject, when=when, message_id=answer.message_id, lang=lang,
                in_reply_to=reply.message_id, references=answer.references, extra="User-Agent: Mozilla Thunderbird\n",
            )  # fmt: skip
            if when > AS_OF or not self.w.write("Sent", when, self._text_message(head, answer.body), kind="answer"):
                return
            thread.append(answer)
            when = self._later(when, 3, 24 * 6)

    def _reply(self, thread: list[_Message], customer: Customer, text: str, when: datetime) -> _Message:
        lang = customer.lang
        previous = thread[-1]
        greeting = ("Hallo Frau Berg," if self.rng.random() < 0.6 else "Guten Tag Frau Berg,") if lang == "de" else ("Hi Anna," if self.rng.random() < 0.7 else "Dear Anna,")
        closing = ("Viele Grüße" if self.rng.random() < 0.5 else "Mit freundlichen Grüßen") if lang == "de" else ("Best," if self.rng.random() < 0.5 else "Kind regards,")
        body = f"{greeting}\n\n{_wrap(text)}\n\n{closing}\n{customer.first}\n\n{customer.signature()}" + self._quote(previous, lang, outlook=self.rng.random() < 0.4)
        return _Message(self._their_id(customer), self._re(previous.subject, lang, ours=False), f"{customer.name} <{customer.email}>", when, body, (*previous.references, previous.message_id))

    def _inbound(
        self,
        customer: Customer,
        message: _Message,
        lang: str,
        *,
        kind: str,
        folder: str | None = None,
        stripped: bool = False,
        flags: str = "S",
        extra: str = "",
    ) -> bool:
        """Write a message from the customer; False when it is past AS_OF or the mailbox is full."""
        if message.date > AS_OF:
            return False
        cc = None
        if customer.company and self.rng.random() < 0.1:
            cc = f"{self.rng.choice(DE_FIRST if lang == 'de' else EN_FIRST)[0]} {self.rng.choice(DE_LAST if lang == 'de' else EN_LAST)} <office@{customer.domain}>"
        if kind == "reply_in_junk":
            extra += "X-Spam-Flag: YES\nX-Spam-Status: Yes, score=6.1 required=5.0 tests=BAYES_80,HTML_MESSAGE,RDNS_NONE\n"
        # Some webmailers drop In-Reply-To/References on reply: only the subject is left.
        refs = () if stripped else message.references
        head = self._headers(
            sender=message.sender, to=f"{OWNER_NAME} <{OWNER}>", subject=message.subject, when=message.date,
            message_id=message.message_id, lang=lang, in_reply_to=refs[-1] if refs else None, references=refs,
            cc=cc, inbound_from=customer.domain, extra=extra,
        )  # fmt: skip
        target = folder or self._inbound_folder(customer, message.date)
        if message.date > AS_OF - timedelta(days=3) and self.rng.random() < 0.5:
            flags = ""
        return self.w.write(target, message.date, self._text_message(head, message.body), flags=flags, kind=kind)

    def _follow_ups(self, thread: list[_Message], customer: Customer, count: int) -> None:
        lang = customer.lang
        offer = next(m for m in thread if m.sender.endswith(f"<{OWNER}>"))
        for _ in range(count):
            when = self._business_time(thread[-1].date + timedelta(days=self.rng.uniform(6, 16)))
            text = self.rng.choice(DE_FOLLOW_UP if lang == "de" else EN_FOLLOW_UP).format(date=_human_date(offer.date, lang))
            body = f"{customer.salutation()}\n\n{_wrap(text)}\n\n{'Mit freundlichen Grüßen' if lang == 'de' else 'Best wishes,'}\nAnna Berg\n\n{OUR_SIGNATURE_DE if lang == 'de' else OUR_SIGNATURE_EN}"
            body += self._quote(thread[-1], lang, outlook=False)
            follow = _Message(self._our_id(), self._re(offer.subject, lang, ours=True), f"{OWNER_NAME} <{OWNER}>", when, body, (*thread[-1].references, thread[-1].message_id))
            head = self._headers(
                sender=f"{OWNER_NAME} <{OWNER}>", to=f"{customer.name} <{customer.email}>", subject=follow.subject, when=when,
                message_id=follow.message_id, lang=lang, in_reply_to=thread[-1].message_id, references=follow.references,
                extra="User-Agent: Mozilla Thunderbird\n",
            )  # fmt: skip
            if when > AS_OF or not self.w.write("Sent", when, self._text_message(head, body), kind="follow_up"):
                break
            thread.append(follow)
        last = thread[-1]
        if last.sender.endswith(f"<{OWNER}>"):
            self.open_offers.append(OpenOffer(last.message_id, last.subject, customer, last.date))

    def _auto_reply(self, offer: _Message, customer: Customer) -> datetime | None:
        """An out-of-office reply to *offer*; returns the return date, or None when not written."""
        rng = self.rng
        lang = customer.lang
        when = offer.date + timedelta(seconds=rng.randrange(5, 90))
        back = self._business_time(offer.date + timedelta(days=rng.uniform(3, 18)))
        if lang == "de":
            subject = rng.choice(("Automatische Antwort: ", "Abwesenheitsnotiz: ", "Out of Office: ")) + offer.subject
            body = (
                f"Guten Tag,\n\nvielen Dank für Ihre Nachricht. Ich bin bis einschließlich {_human_date(back - timedelta(days=1), 'de')} nicht im Büro "
                f"und habe keinen Zugriff auf meine E-Mails. Ab dem {_human_date(back, 'de')} bin ich wieder für Sie da.\n\n"
                f"In dringenden Fällen wenden Sie sich bitte an office@{customer.domain}.\n\nMit freundlichen Grüßen\n{customer.name}\n"
            )
        else:
            subject = rng.choice(("Automatic reply: ", "Out of Office: ", "Auto: ")) + offer.subject
            body = (
                f"Thank you for your email. I am out of the office until {_human_date(back, 'en')} with limited access to email.\n\n"
                f"For anything urgent please contact office@{customer.domain}.\n\nKind regards,\n{customer.name}\n"
            )
        vendor = rng.random()
        extra = "Auto-Submitted: auto-replied\n"
        if vendor < 0.5:
            extra += "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: " + customer.email + "\n"
        elif vendor < 0.8:
            extra += "X-Autoreply: yes\nPrecedence: bulk\n"
        message = _Message(self._their_id(customer), subject, f"{customer.name} <{customer.email}>", when, body, (offer.message_id,) if rng.random() < 0.85 else ())
        if not self._inbound(customer, message, lang, kind="auto_reply", extra=extra, flags="S"):
            return None
        return back

    def _bounce(self, offer: _Message, customer: Customer, recipient: str, original_head: str) -> None:
        """An RFC 3464 delivery status notification for *offer*."""
        rng = self.rng
        when = offer.date + timedelta(seconds=rng.randrange(2, 600))
        qid = f"{rng.getrandbits(48):012X}"
        boundary = f"{qid}.{int(when.timestamp())}/smtp03.hostwerk.de"
        domain = recipient.split("@", 1)[1]
        if recipient != customer.email:
            status, diagnostic = "5.1.1", f"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual mailbox table"
        else:
            status, diagnostic = rng.choice((
                ("5.2.2", f"552 5.2.2 <{recipient}>: Mailbox full"),
                ("5.7.1", f"550 5.7.1 <{recipient}>: Message rejected as spam by Content Filtering"),
                ("5.4.4", f"Host or domain name not found. Name service error for name={domain} type=MX: Host not found"),
            ))  # fmt: skip
        body = (
            "This is a MIME-encapsulated message.\n\n"
            f"--{boundary}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
            "This is the mail system at host smtp03.hostwerk.de.\n\nI'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\n"
            f"                   The mail system\n\n<{recipient}>: host mx01.{domain} said: {diagnostic}\n    (in reply to RCPT TO command)\n\n"
            f"--{boundary}\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
            f"Reporting-MTA: dns; smtp03.hostwerk.de\nX-Postfix-Queue-ID: {qid}\nX-Postfix-Sender: rfc822; {OWNER}\n"
            f"Arrival-Date: {format_date(offer.date)}\n\nFinal-Recipient: rfc822; {recipient}\nOriginal-Recipient: rfc822;{recipient}\n"
            f"Action: failed\nStatus: {status}\nRemote-MTA: dns; mx01.{domain}\nDiagnostic-Code: smtp; {diagnostic}\n\n"
            f"--{boundary}\nContent-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
            f"Return-Path: <{OWNER}>\n{original_head}\n--{boundary}--\n"
        )
        head = (
            f"Return-Path: <>\nDelivered-To: {OWNER}\nReceived: by smtp03.hostwerk.de (Postfix)\n\tid {qid}; {format_date(when)}\n"
            f"Date: {format_date(when)}\nFrom: MAILER-DAEMON@smtp03.hostwerk.de (Mail Delivery System)\n"
            f"Subject: Undelivered Mail Returned to Sender\nTo: {OWNER}\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
            f"Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{boundary}\"\n"
            f"Content-Transfer-Encoding: 8bit\nMessage-Id: <{when:%Y%m%d%H%M%S}.{qid}@smtp03.hostwerk.de>\n\n"
        )
        if when <= AS_OF:
            self.w.write("INBOX", when, (head + body).encode("utf-8"), kind="bounce")

    # -- the rest of the mailbox --------------------------------------------------------

    def newsletter(self, when: datetime | None = None, *, new: bool = False) -> None:
        rng = self.rng
        name, sender, list_id, lang, title = rng.choice(NEWSLETTERS)
        when = when or self._business_time(AS_OF - timedelta(days=rng.uniform(0, SPAN_DAYS)))
        domain = sender.split("@", 1)[1]
        boundary = f"=_{rng.getrandbits(64):016x}"
        paragraphs = rng.randrange(6, 16)
        text = "\n\n".join(_wrap(f"{i + 1}. " + ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * rng.randrange(3, 8)).strip()) for i in range(paragraphs))
        html = "".join(f"<tr><td style=\"padding:12px;font-family:Arial,sans-serif\"><h2>{i + 1}.</h2><p>{'Lorem ipsum dolor sit amet. ' * rng.randrange(4, 10)}</p></td></tr>\n" for i in range(paragraphs))
        head = self._headers(
            sender=f"{name} <{sender}>", to=OWNER, subject=f"{title} ({_human_date(when, lang)})", when=when,
            message_id=f"{rng.getrandbits(96):024x}@{domain}", lang=lang, inbound_from=domain,
            extra=(f"List-Id: {_encode_words(name)} <{list_id}>\nList-Unsubscribe: <mailto:unsubscribe@{domain}?subject=unsubscribe>, <https://{domain}/u/{rng.getrandbits(64):x}>\n"
                   f"List-Unsubscribe-Post: List-Unsubscribe=One-Click\nPrecedence: bulk\nFeedback-ID: {rng.randrange(1000, 9999)}:newsletter:{domain}\n"),
        )  # fmt: skip
        data = (
            f"{head}Content-Type: multipart/alternative; boundary=\"{boundary}\"\n\n--{boundary}\nContent-Type: text/plain; charset=UTF-8\n"
            f"Content-Transfer-Encoding: 8bit\n\n{text}\n\n--{boundary}\nContent-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
            f"<html><body><table width=\"600\">\n{html}</table></body></html>\n--{boundary}--\n"
        ).encode("utf-8")
        self.w.write("INBOX", when, data, flags="" if rng.random() < 0.4 else "S", kind="newsletter", new=new)

    def notification(self) -> None:
        rng = self.rng
        name, sender, lang, subject, auto = rng.choice(NOTIFICATIONS)
        when = AS_OF - timedelta(days=rng.uniform(0, SPAN_DAYS), seconds=rng.randrange(86400))
        domain = sender.split("@", 1)[1]
        head = self._headers(
            sender=f"{name} <{sender}>", to=OWNER, subject=subject.format(no=rng.randrange(1000, 99999)), when=when,
            message_id=f"{rng.getrandbits(96):024x}@{domain}", lang=lang, inbound_from=domain,
            extra=f"Auto-Submitted: {auto}\n" if auto else "X-GitHub-Reason: subscribed\nList-Id: studio-berg/website <website.studio-berg.github.com>\n",
        )  # fmt: skip
        body = ("Guten Tag,\n\nin Ihrem Kundenkonto liegt eine neue Nachricht für Sie bereit.\n\nDies ist eine automatisch erzeugte Nachricht.\n" if lang == "de"
                else "You are receiving this because you are subscribed to this thread.\nReply to this email directly or view it on the web.\n")  # fmt: skip
        self.w.write("INBOX", when, self._text_message(head, body * rng.randrange(1, 4)), kind="notification")

    def internal(self) -> None:
        rng = self.rng
        name, address = rng.choice(COLLEAGUES)
        when = self._business_time(AS_OF - timedelta(days=rng.uniform(0, SPAN_DAYS)))
        customer = rng.choice(self.key_accounts)
        subject = rng.choice((f"{customer.company} – Termin nächste Woche?", "Urlaubsplanung", "Server-Update heute Abend", f"Fotos für {customer.company}"))
        body = "Hi,\n\nkurze Frage: passt dir Dienstag Vormittag? Ich hätte sonst Mittwoch Zeit.\n\nGruß\n" + name.split()[0] + "\n"
        ours = rng.random() < 0.5
        sender, to = (f"{OWNER_NAME} <{OWNER}>", f"{name} <{address}>") if ours else (f"{name} <{address}>", f"{OWNER_NAME} <{OWNER}>")
        head = self._headers(sender=sender, to=to, subject=subject, when=when, message_id=self._our_id(), lang="de", inbound_from=None if ours else OWN_DOMAIN)
        self.w.write("Sent" if ours else "INBOX", when, self._text_message(head, body), kind="internal")

    def spam(self) -> None:
        rng = self.rng
        name, subject, lang = rng.choice(SPAM)
        when = AS_OF - timedelta(days=rng.uniform(0, 120), seconds=rng.randrange(86400))
        domain = f"{''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randrange(5, 12)))}.{rng.choice(('ru', 'top', 'xyz', 'info', 'biz', 'com'))}"
        head = self._headers(
            sender=f"{name} <info@{domain}>", to=OWNER, subject=subject.format(no=rng.randrange(100000, 999999)), when=when,
            message_id=f"{rng.getrandbits(80):020x}@{domain}", lang=lang, inbound_from=domain,
            extra=f"X-Spam-Flag: YES\nX-Spam-Status: Yes, score={rng.uniform(5.5, 25):.1f} required=5.0 tests=BAYES_99,RDNS_NONE,URIBL_BLACK\n",
        )  # fmt: skip
        body = ("Sehr geehrter Kunde,\n\nklicken Sie hier: http://" if lang == "de" else "Dear friend,\n\nclick here: http://") + domain + "/x\n"
        self.w.write("Junk", when, self._text_message(head, body * rng.randrange(1, 30)), flags="" if rng.random() < 0.7 else "S", kind="spam")


def _fill(script: _Script) -> None:
    """Write until the writer is full, steering the folder shares towards the targets."""
    w = script.w
    rng = script.rng
    while not w.full:
        written = max(w.count, 1)
        if w.by_folder["Junk"] < JUNK_SHARE * written - 1:
            script.spam()
        elif w.by_folder["Sent"] < SENT_SHARE * written:
            script.internal() if rng.random() < 0.04 else script.conversation()
        else:
            roll = rng.random()
            if roll < 0.55:
                script.newsletter()
            elif roll < 0.85:
                script.notification()
            else:
                script.internal()


def generate(root: Path, n: int, *, seed: int = DEFAULT_SEED, owner: tuple[int, int] | None = None) -> GeneratedMailbox:
    """Write a mailbox of *n* messages into the Maildir++ tree at *root*.

    Args:
        root: the Maildir++ root; it and the `FOLDERS` directories are created when missing
            (Dovecot may have created them already).
        n: how many messages.
        seed: the same seed and *n* give the same files.
        owner: (uid, gid) for every file and directory written, or None.

    Returns:
        What was written. The last conversation may be cut short to hit *n* exactly.
    """
    started = time.perf_counter()
    writer = MaildirWriter(root, list(FOLDERS), tag=str(seed), owner=owner, limit=n)
    script = _Script(writer, seed)
    _fill(script)
    return GeneratedMailbox(
        root=root,
        messages=writer.count,
        bytes=writer.bytes,
        by_folder=dict(writer.by_folder),
        by_kind=dict(writer.by_kind),
        outcomes=dict(script.outcomes),
        customers=len({c.email for c in script.customers}) + len(script.key_accounts),
        open_offers=tuple(script.open_offers),
        seconds=time.perf_counter() - started,
    )


def add_new_mail(mailbox: GeneratedMailbox, count: int, *, seed: int = DEFAULT_SEED + 1, owner: tuple[int, int] | None = None) -> int:
    """Deliver *count* new messages into ``new/``, as a delivery agent would.

    Half answer offers that were still open (replies with In-Reply-To/References, filed
    like the customer's other mail), the rest are newsletters; all dated within the last
    day before `AS_OF`. Call it again with another *seed* for another batch.

    Returns:
        How many were written.
    """
    writer = MaildirWriter(mailbox.root, list(FOLDERS), tag=f"new{seed}", owner=owner, limit=count)
    script = _Script(writer, seed)
    rng = script.rng
    offers = list(mailbox.open_offers)
    rng.shuffle(offers)
    for offer in offers[: count // 2]:
        customer = offer.customer
        when = AS_OF - timedelta(minutes=rng.randrange(10, 24 * 60))
        text = rng.choice(DE_POSITIVE if customer.lang == "de" else EN_POSITIVE)
        previous = _Message(offer.message_id, offer.subject, f"{OWNER_NAME} <{OWNER}>", offer.sent, "", ())
        reply = script._reply([previous], customer, text, when)
        head = script._headers(
            sender=reply.sender, to=f"{OWNER_NAME} <{OWNER}>", subject=reply.subject, when=when, message_id=reply.message_id,
            lang=customer.lang, in_reply_to=offer.message_id, references=(offer.message_id,), inbound_from=customer.domain,
        )  # fmt: skip
        folder = customer.folder if customer.folder != "INBOX" else "INBOX"
        writer.write(folder, when, script._text_message(head, reply.body), kind="reply", new=True)
    while not writer.full:
        script.newsletter(AS_OF - timedelta(minutes=rng.randrange(10, 24 * 60)), new=True)
    return writer.count


def describe(mailbox: GeneratedMailbox) -> Iterator[str]:
    """Lines saying what was written (counts, shares, sizes)."""
    n = max(mailbox.messages, 1)
    yield f"{mailbox.messages:,} messages, {mailbox.bytes / 1e6:,.0f} MB (average {mailbox.bytes / n / 1024:.1f} KiB), {mailbox.customers:,} customers, {mailbox.seconds:.1f} s"
    yield "folders: " + ", ".join(f"{name} {count / n:.1%}" for name, count in sorted(mailbox.by_folder.items(), key=lambda kv: -kv[1]))
    yield "kinds: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(mailbox.by_kind.items(), key=lambda kv: -kv[1]))
    yield "scripted outcomes: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(mailbox.outcomes.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a realistic Maildir++ mailbox of N messages.")
    parser.add_argument("size", type=int, help="number of messages")
    parser.add_argument("root", type=Path, help="Maildir++ root to write into (created when missing)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    mailbox = generate(args.root, args.size, seed=args.seed)
    for line in describe(mailbox):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
