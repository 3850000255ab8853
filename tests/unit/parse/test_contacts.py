"""The customer's other channels: phones, name, company and a LinkedIn search from their own mail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ghostscan.parse.addresses import Address
from ghostscan.parse.body import body_text, parse_message
from ghostscan.parse.contacts import Contact, extract_contact, extract_phones, linkedin_search_url
from ghostscan.parse.headers import parse_headers
from ghostscan.sources.base import MessageRef

# Our side of the conversation: Anna Berg of Studio Berg. Her number must never turn up
# as a customer's phone, however her message is quoted.
OUR_SIGNATURE = "Viele Grüße\nAnna Berg\nStudio Berg GmbH\nTel. +49 40 987654-0\n"
OUR_NUMBER = "+49409876540"
SEARCH = "https://www.linkedin.com/search/results/people/?keywords="


def sign(body: str, signature: str = "Gruß\nHans Müller") -> str:
    return f"{body}\n\n{signature}\n"


# ------------------------------------------------------------------ signatures, whole


OUTLOOK_DE = """Sehr geehrte Frau Berg,

vielen Dank für Ihr Angebot. Wir besprechen es intern und melden uns bis Freitag.

Mit freundlichen Grüßen

Dr. Martina Vogt
Geschäftsführerin

Vogt & Partner Steuerberatung GmbH
Hauptstraße 5 | 10115 Berlin
Tel.: +49 30 1234567-0
Fax: +49 30 1234567-99
Mobil: 0171 1234567
E-Mail: m.vogt@vogt-partner.de | www.vogt-partner.de

Amtsgericht Charlottenburg HRB 12345 | USt-IdNr. DE123456789
Bankverbindung: IBAN DE89 3704 0044 0532 0130 00 | BIC COBADEFFXXX

Von: Anna Berg <anna@studio-berg.de>
Gesendet: Montag, 12. Januar 2027 10:00
An: Martina Vogt <m.vogt@vogt-partner.de>
Betreff: Angebot Website-Relaunch

Sehr geehrte Frau Dr. Vogt,

anbei unser Angebot.

""" + OUR_SIGNATURE

GMAIL_EN = """Hi Anna,

thanks for the quote - I'll get back to you next week.

Best regards,
John Carter
Head of Procurement | Carter & Sons Ltd
M: +44 7911 123456
T: +44 20 7946 0958

On Mon, Jan 12, 2027 at 10:00 AM Anna Berg <anna@studio-berg.de>
wrote:

> Dear John,
>
> please find our quote attached.
>
> Anna Berg | Studio Berg GmbH | +49 40 987654-0
"""

APPLE_MAIL_DE = """Passt, machen wir so.

Viele Grüße
Hans

--
Hans Müller
Müller Bau GmbH & Co. KG
T +49 30 1234567
M +49 171 1234567

Von meinem iPhone gesendet

> Am 12.01.2027 um 10:00 schrieb Anna Berg <anna@studio-berg.de>:
>
> Hallo Herr Müller,
> anbei das Angebot.
>
> Viele Grüße
> Anna Berg
> Tel. +49 40 987654-0
"""


def test_outlook_signature_in_german():
    contact = extract_contact([OUTLOOK_DE], Address("m.vogt@vogt-partner.de", "Vogt, Martina"))

    assert contact == Contact(
        name="Martina Vogt",
        company="Vogt & Partner Steuerberatung GmbH",
        phones=("+493012345670", "+491711234567"),
        linkedin_url="https://www.linkedin.com/search/results/people/"
        "?keywords=Martina%20Vogt%20Vogt%20%26%20Partner%20Steuerberatung",
    )


def test_gmail_signature_in_english_with_letter_labels():
    contact = extract_contact(
        [GMAIL_EN], Address("john.carter@carter-sons.co.uk", "John Carter"), region="GB"
    )

    assert contact.name == "John Carter"
    assert contact.company == "Carter & Sons Ltd"
    assert contact.phones == ("+447911123456", "+442079460958")


def test_apple_mail_signature_below_the_dashes():
    contact = extract_contact([APPLE_MAIL_DE], Address("hans.mueller@mueller-bau.de"))

    assert contact.name == "Hans Müller"
    assert contact.company == "Müller Bau GmbH & Co. KG"
    assert contact.phones == ("+49301234567", "+491711234567")


# ------------------------------------------------------------------------ phone formats


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+49 30 1234567-0", "+493012345670"),
        ("030 / 123 456 70", "+493012345670"),
        ("(030) 1234567", "+49301234567"),
        ("0171 1234567", "+491711234567"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-0132", "+14155550132"),
        ("0043 1 234 5678", "+4312345678"),
        ("+49 (0)40 317031-533", "+4940317031533"),
        ("+49\u00a030\u00a01234567", "+49301234567"),
    ],
)
def test_phone_formats(written, e164):
    assert extract_phones(sign("Hallo Anna,\npasst.", f"Gruß\nHans Müller\nTel.: {written}")) == (e164,)


@pytest.mark.parametrize(
    ("written", "region", "e164"),
    [("Tél. 01.42.68.53.00", "FR", "+33142685300"), ("Tel. 030.12.34.567", "DE", "+49301234567")],
)
def test_dotted_numbers_are_not_taken_for_dates(written, region, e164):
    assert extract_phones(written, region=region) == (e164,)


@pytest.mark.parametrize(
    "label",
    ["Tel.", "Tel:", "Telefon:", "Telefonnummer:", "Tel.-Nr.", "Phone:", "Phone number:", "Mobil:",
     "Mobile:", "Handy", "Fon", "T", "M:", "direct:", "Durchwahl:", "Festnetz:"],
)
def test_labelled_numbers_come_before_unlabelled_ones(label):
    text = sign(
        "Am besten erreichen Sie den Bauleiter unter 0171 7654321.",
        f"Gruß\nHans Müller\n{label} 030 1234567",
    )

    assert extract_phones(text) == ("+49301234567", "+491717654321")


def test_switchboard_and_hotline_after_the_personal_line():
    text = sign("Danke!", "Kind regards\nSarah O'Neill\nMain: +44 20 7946 0000\nDirect: +44 20 7946 0958")

    assert extract_phones(text, region="GB") == ("+442079460958", "+442079460000")


def test_two_numbers_after_one_label_share_it():
    text = sign("Ok.", "Gruß\nHans Müller\nMobil 0171 1234567 oder 0160 7654321\nFax 030 1234568")

    assert extract_phones(text) == ("+491711234567", "+491607654321")


def test_label_on_the_line_above_from_an_html_table():
    text = sign("Ok.", "Gruß\nHans Müller\nTelefon:\n030 1234567\nFax:\n030 1234568")

    assert extract_phones(text) == ("+49301234567",)


def test_sentence_that_asks_to_call_the_writer_counts_as_a_label():
    text = "Rufen Sie mich gerne unter 0171 1234567 an, die Zentrale hat 030 1234560.\n"

    assert extract_phones(text) == ("+491711234567", "+49301234560")


# -------------------------------------------------------------------------------- fax


@pytest.mark.parametrize(
    "signature",
    [
        "Tel: 09422-505601 | Fax: 09422-505620",
        "Tel.: 09422 505601\nTelefax: 09422 505620",
        "T +49 9422 505601   F +49 9422 505620",
        "Telefon 09422 505601, Faxnummer 09422 505620",
        "09422 505601\n09422 505620 (Fax)",
    ],
)
def test_fax_numbers_are_skipped(signature):
    assert extract_phones(sign("Ok.", f"Gruß\nSepp Smith\n{signature}")) == ("+499422505601",)


def test_a_number_labelled_fax_is_skipped_where_it_appears_unlabelled_too():
    text = sign(
        "Faxen Sie mir bitte an 030 1234568.", "Gruß\nHans Müller\nTel. 030 1234567\nFax 030 1234568"
    )

    assert extract_phones(text) == ("+49301234567",)


def test_combined_phone_and_fax_line_is_a_phone():
    assert extract_phones(sign("Ok.", "Gruß\nHans Müller\nTel./Fax: 030 1234567")) == ("+49301234567",)


# ---------------------------------------------------------------------------- traps

# Each is a line of the customer's own text next to the real number. Several of them are
# numbers that phonenumbers itself accepts as valid German numbers.
TRAPS = [
    "Termin: 12.01.2027",
    "Liefertermin 12.01.2027 um 10:00",
    "Stand: 2026-11-20",
    "Auftrag 2026-117",
    "Auftrag 0301234-117",
    "Rechnungsnr. 4711-0815",
    "Rechnungsnr. 0891-234567",
    "Kundennummer 12345678",
    "Kundennummer 0301234567",
    "Kd.-Nr.: 089 1234567",
    "Ihre Bestellnummer: 0711 123456",
    "Order no. 0171 1234567",
    "Ref: 0301234567",
    "Vertragsnummer 0891 234567",
    "IBAN DE89 3704 0044 0532 0130 00",
    "Konto 0301234567 BLZ 10070000",
    "BIC COBADEFFXXX",
    "USt-IdNr. DE123456789",
    "Steuer-Nr. 030/123/45678",
    "HRB 12345",
    "Handelsregister HRB 0301234",
    "PLZ 10115",
    "Sprechzeiten 08:00-16:00",
    "am 21. August in der Zeit von 06.00 - 08.00 Uhr",
    "Mo-Fr 9.00 - 17.00",
    "Gesamtpreis 4.800,00 €",
    "Preis: 0.301.234,00 EUR",
    "EUR 030.123.456",
    "zahlbar: 0.301.234,- netto",
    # Numbers from machine text pasted into a reply.
    "Learn more here: https://support.google.com/a/answer/168383",
    "id=02022-08, queued as 02022-08/mDLeZEmP008628",
    "Received: from mx; Fri, 26 Nov 2004 19:41:35 -0800 (PST)",
    "Vorgang 1687 erledigt",
    "Tel. intern: 1687",
    "Artikel 2191442 ist lieferbar",
]


@pytest.mark.parametrize("trap", TRAPS)
def test_traps_are_not_phone_numbers(trap):
    text = sign(f"Hallo Anna,\n{trap}\nDanke.", "Gruß\nHans Müller\nTel. 030 1234567")

    assert extract_phones(text) == ("+49301234567",)


@pytest.mark.parametrize("trap", TRAPS)
def test_a_trap_alone_gives_no_phone(trap):
    assert extract_phones(f"{trap}\n") == ()


# ------------------------------------------------------------------ quoted messages


@pytest.mark.parametrize(
    "quoted",
    [
        # Outlook, German: header block under a rule, no ">".
        "________________________________\nVon: Anna Berg <anna@studio-berg.de>\n"
        "Gesendet: Montag, 12. Januar 2027 10:00\nAn: Hans Müller\nBetreff: Angebot\n\n"
        "Hallo Herr Müller,\nanbei das Angebot.\n\n" + OUR_SIGNATURE,
        # Outlook, English, bold markers left by the HTML conversion.
        "*From:* Anna Berg <anna@studio-berg.de>\n*Sent:* Monday, January 12, 2027 10:00 AM\n"
        "*To:* Hans Müller\n*Subject:* Quote\n\nDear Mr Müller,\n\n" + OUR_SIGNATURE,
        "-----Ursprüngliche Nachricht-----\nVon: Anna Berg [mailto:anna@studio-berg.de]\n"
        "Gesendet: Montag, 12. Januar 2027 10:00\n\n" + OUR_SIGNATURE,
        "-----Original Message-----\n" + OUR_SIGNATURE,
        # Thunderbird top-post from HTML mail: the quote lost its ">" in conversion.
        "Am 12.01.2027 um 10:00 schrieb Anna Berg:\nHallo Herr Müller,\n\n" + OUR_SIGNATURE,
        "On 12/01/2027 10:00, Anna Berg wrote:\nDear Mr Müller,\n\n" + OUR_SIGNATURE,
        # Gmail wraps a long attribution line.
        "Am Mo., 12. Jan. 2027 um 10:00 Uhr schrieb Anna Berg <\nanna@studio-berg.de>:\n\n"
        + "".join(f"> {line}\n" for line in OUR_SIGNATURE.splitlines()),
        "".join(f"> {line}\n" for line in OUR_SIGNATURE.splitlines()),
        # Lotus Notes, as in the Enron mail.
        "---------------------- Forwarded by Hans Mueller/BER/MB on 12.01.2027\n"
        "10:17 ---------------------------\n\n" + OUR_SIGNATURE,
        'Anna Berg <anna@studio-berg.de> on 12.01.2027 10:00:00\nTo: hans@mueller-bau.de\ncc:\n'
        "Subject: Angebot\n\n" + OUR_SIGNATURE,
        "-------- Weitergeleitete Nachricht --------\n" + OUR_SIGNATURE,
    ],
    ids=["outlook-de", "outlook-en", "ursprüngliche", "original", "thunderbird", "on-wrote",
         "gmail-wrapped", "quoted", "lotus-forward", "lotus-header", "forward"],
)
def test_our_quoted_signature_is_never_the_customers_phone(quoted):
    text = "Hallo Frau Berg,\ndanke, wir melden uns.\n\n" + quoted
    customer = Address("info@mueller-bau.de")

    assert extract_phones(text) == ()
    contact = extract_contact([text], customer)
    assert contact.phones == ()
    assert contact.name is None
    assert contact.company == "Mueller Bau"


def test_bottom_posted_reply_keeps_the_customers_signature_after_the_quote():
    text = (
        "On Mon, Jan 12, 2027 at 10:00 AM Anna Berg <anna@studio-berg.de> wrote:\n"
        "> Dear Hans,\n> here is the quote.\n>\n> Anna Berg | Tel. +49 40 987654-0\n\n"
        "Thanks, looks good.\n\nCheers\nHans Müller\nMobile: +49 171 1234567\n"
    )

    assert extract_phones(text) == ("+491711234567",)


@pytest.mark.parametrize(
    "sentence",
    ["Wie ich Ihnen schrieb:", "Am Freitag schrieb ich Ihnen bereits:", "On Friday I wrote:"],
)
def test_own_sentence_with_schrieb_does_not_hide_the_signature(sentence):
    text = sign(f"{sentence}\nder Termin passt.", "Gruß\nHans Müller\nTel. 030 1234567")

    assert extract_phones(text) == ("+49301234567",)


def test_apple_mail_quote_is_ignored_and_the_signature_above_is_kept():
    assert OUR_NUMBER not in extract_phones(APPLE_MAIL_DE)
    assert OUR_NUMBER not in extract_phones(GMAIL_EN, region="GB")
    assert OUR_NUMBER not in extract_phones(OUTLOOK_DE)


# ------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("display", "name"),
    [
        ("Hans Müller", "Hans Müller"),
        ("Dr. Martina Vogt", "Martina Vogt"),
        ("Prof. Dr.-Ing. Klaus Weber", "Klaus Weber"),
        ("Herr Hans Müller", "Hans Müller"),
        ("Vogt, Martina", "Martina Vogt"),
        ("Smith, Karoline, Example DE", "Karoline Smith"),
        ("Martin Edenhofer via Znuny Team", "Martin Edenhofer"),
        ("Hans Müller (Müller Bau)", "Hans Müller"),
        ("HANS MÜLLER", "Hans Müller"),
        ("mark anton", "Mark Anton"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Sarah O'Neill", "Sarah O'Neill"),
        ("Dr. phil. Hans Meier", "Hans Meier"),
        ("Klaus Weber Ph.D.", "Klaus Weber"),
        ("Schmidt, Maria, M.A.", "Maria Schmidt"),
        # Titles that are also names stay names.
        ("Phil Collins", "Phil Collins"),
        ("Jack Ma", "Jack Ma"),
        ("Hans J. Müller", "Hans J. Müller"),
        ("Vertrieb", None),
        ("Info Team", None),
        ("Tine 2.0 Admin Account", None),
        ("hans.mueller@mueller-bau.de", None),
    ],
)
def test_name_from_the_display_name(display, name):
    assert extract_contact([], Address("info@mueller-bau.de", display)).name == name


@pytest.mark.parametrize(
    ("signature", "name"),
    [
        ("Mit freundlichen Grüßen\n\ni.A. Manfred Härt\nTest Somewhere GmbH", "Manfred Härt"),
        ("Freundliche Grüße\ni.V. Dr. Petra Schulz", "Petra Schulz"),
        ("Best regards,\nJohn Carter\nHead of Procurement", "John Carter"),
        ("Viele Grüße\nHans Müller, Geschäftsführer", "Hans Müller"),
        ("Herzliche Grüße aus Bogen\n\nSepp Smith  - Dipl.Ing. agr. (FH)", "Sepp Smith"),
        ("Danke und Grüße\nChristof\n\n-- \nDipl.-Betriebsw.(FH) Christof Gacki\nTeam Leader",
         "Christof Gacki"),
        ("Gruß\nHans", None),
        ("Mit freundlichen Grüßen\nIhr Team der Müller Bau GmbH", None),
    ],
)
def test_name_from_the_signature_when_the_display_name_has_none(signature, name):
    text = sign("Vielen Dank für das Angebot.", signature)

    assert extract_contact([text], Address("info@mueller-bau.de")).name == name


def test_signature_spelling_wins_over_the_display_name_with_the_same_words():
    text = sign("Ok.", "Herzliche Grüße\nSepp Smith  - Dipl.Ing. agr. (FH)")

    assert extract_contact([text], Address("smith@example.com", "Smith Sepp")).name == "Sepp Smith"


def test_name_from_first_dot_last_address_when_nothing_else_names_the_person():
    assert extract_contact(["Mfg eike"], Address("eike.ehringer@example.com")).name == "Eike Ehringer"
    assert extract_contact(["JA"], Address("k.guenther@example.com")).name is None
    assert extract_contact(["JA"], Address("it-abteilung@example.com")).name is None


def test_signature_restores_the_umlaut_of_a_first_dot_last_address():
    text = sign("Ok.", "Gruß\nHans Müller")

    assert extract_contact([text], Address("hans.mueller@mueller-bau.de")).name == "Hans Müller"


def test_a_name_in_our_quoted_message_is_not_the_customers():
    text = "Passt.\n\n> Viele Grüße\n> Anna Berg\n> Studio Berg GmbH\n"

    contact = extract_contact([text], Address("info@mueller-bau.de"))

    assert contact.name is None
    assert contact.company == "Mueller Bau"


# ---------------------------------------------------------------------------- company


@pytest.mark.parametrize(
    "form",
    ["GmbH", "AG", "UG (haftungsbeschränkt)", "GbR", "KG", "OHG", "e.K.", "e.V.", "Ltd", "Limited",
     "LLC", "Inc.", "Corp.", "B.V.", "S.L.", "SARL", "S.r.l.", "GmbH & Co. KG", "SE"],
)
def test_company_from_a_signature_line_with_a_legal_form(form):
    text = sign("Ok.", f"Gruß\nHans Müller\nMüller Bau {form}\nHauptstr. 5, 10115 Berlin")

    assert extract_contact([text], Address("hans@mueller-bau.de")).company == f"Müller Bau {form}"


@pytest.mark.parametrize(
    "line",
    [
        "Müller Bau GmbH | Hauptstraße 5 | 10115 Berlin",
        "Müller Bau GmbH // Hauptstraße 5 // 10115 Berlin // Germany",
        "Müller Bau GmbH, Hauptstraße 5, 10115 Berlin",
        "Müller Bau GmbH - Ihr Partner am Bau",
    ],
)
def test_company_is_cut_from_an_address_line(line):
    text = sign("Ok.", f"Gruß\nHans Müller\n{line}")

    assert extract_contact([text], Address("hans@mueller-bau.de")).company == "Müller Bau GmbH"


def test_sentences_and_register_lines_are_not_company_names():
    text = sign(
        "Wir haben mit der Schmidt Logistik GmbH gesprochen.",
        "Gruß\nHans Müller\nRechtsform: GmbH\nSitz der Gesellschaft: Berlin",
    )

    assert extract_contact([text], Address("hans@mueller-bau.de")).company == "Mueller Bau"


def test_company_continued_on_the_next_line():
    text = sign("Ok.", "Mit freundlichem Gruß\n\nJohn Smith\n\nExample Service AG & Co.\nManagement OHG")

    company = extract_contact([text], Address("john.smith@example.com")).company

    assert company == "Example Service AG & Co. Management OHG"


def test_company_from_the_display_name():
    contact = extract_contact(["Ok."], Address("k.guenther@example.com", "Günther Katja | Example GmbH"))

    assert contact.company == "Example GmbH"
    assert contact.name == "Günther Katja"


def test_display_name_that_is_a_company_is_not_a_person():
    contact = extract_contact(["Ok."], Address("info@mueller-bau.de", "Müller Bau GmbH"))

    assert contact == Contact(name=None, company="Müller Bau GmbH", phones=(), linkedin_url=None)


@pytest.mark.parametrize(
    ("email", "company"),
    [
        ("hans@mueller-bau.de", "Mueller Bau"),
        ("hans@mail.mueller-bau.de", "Mueller Bau"),
        ("john@carter-sons.co.uk", "Carter Sons"),
        ("info@example.com.au", "Example"),
        ("hans.mueller@gmx.de", None),
        ("hans.mueller@gmail.com", None),
        ("erika@web.de", None),
    ],
)
def test_company_from_the_domain_unless_freemail(email, company):
    assert extract_contact(["Ok."], Address(email, "Hans Müller")).company == company


def test_freemail_sender_keeps_the_company_of_the_signature():
    text = sign("Ok.", "Gruß\nHans Müller\nMüller Bau GmbH")

    assert extract_contact([text], Address("hans.mueller@gmx.de")).company == "Müller Bau GmbH"


# ---------------------------------------------------------------------------- LinkedIn


def test_linkedin_search_url():
    assert linkedin_search_url("Hans Müller", "Müller Bau GmbH") == (
        "https://www.linkedin.com/search/results/people/?keywords=Hans%20M%C3%BCller%20M%C3%BCller%20Bau"
    )
    assert linkedin_search_url("John Carter") == (
        "https://www.linkedin.com/search/results/people/?keywords=John%20Carter"
    )
    assert linkedin_search_url("Sarah O'Neill", "O'Neill & Co Limited") == (
        "https://www.linkedin.com/search/results/people/?keywords=Sarah%20O%27Neill%20O%27Neill%20%26%20Co"
    )


def test_linkedin_search_does_not_repeat_a_sole_traders_name():
    assert linkedin_search_url("Hans Müller", "Hans Müller e.K.") == (
        "https://www.linkedin.com/search/results/people/?keywords=Hans%20M%C3%BCller"
    )


def test_no_linkedin_url_without_a_name():
    assert extract_contact(["Ok."], Address("info@mueller-bau.de")).linkedin_url is None


def test_freemail_linkedin_search_has_the_name_only():
    contact = extract_contact(["Ok."], Address("hans.mueller@gmx.de", "Hans Müller"))

    assert contact.linkedin_url == f"{SEARCH}Hans%20M%C3%BCller"


# ------------------------------------------------------------------ several messages


def test_newest_message_first_and_names_from_older_signatures():
    newest = "Passt, danke!\n\nHans\nMobil 0160 7654321"
    older = sign(
        "Anbei die Unterlagen.", "Mit freundlichen Grüßen\nHans Müller\nTel. 030 1234567\nFax 030 1234568"
    )
    oldest = "Bitte rufen Sie mich an: 030 1234568."

    contact = extract_contact([newest, older, oldest], Address("hans@mueller-bau.de"))

    assert contact.phones == ("+491607654321", "+49301234567")
    assert contact.name == "Hans Müller"


def test_no_texts_gives_what_the_address_says():
    assert extract_contact([], Address("hans.mueller@mueller-bau.de", "Hans Müller")) == Contact(
        name="Hans Müller",
        company="Mueller Bau",
        phones=(),
        linkedin_url=f"{SEARCH}Hans%20M%C3%BCller%20Mueller%20Bau",
    )


# ----------------------------------------------------------------------------- corpus

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _contact_of(path: Path, region: str = "DE") -> Contact:
    raw = path.read_bytes()
    meta = parse_headers(raw, MessageRef("corpus", path.name))
    return extract_contact([body_text(parse_message(raw))], meta.sender or Address(""), region=region)


@pytest.mark.corpus
def test_every_thread_in_the_corpus_gives_a_well_formed_contact(corpus):
    skip = {"README.md", "MANIFEST.tsv", "categories.txt"}
    paths = [
        p for p in sorted((corpus.root / "threads").rglob("*"))
        if p.is_file() and p.name not in skip and p.suffix != ".cats"  # Berkeley's category files
    ]
    assert len(paths) == 295

    for path in paths:
        contact = _contact_of(path)
        assert all(E164.match(phone) for phone in contact.phones), path
        assert len(set(contact.phones)) == len(contact.phones), path
        assert (contact.linkedin_url is None) == (contact.name is None), path


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("path", "name", "company", "phones"),
    [
        # "Tel: +49 (0)40 317031-533" / "Fax: +49 (0)40 317031-933", HRB line after.
        (
            "tine20-de/multipart_related.eml",
            "Christof Gacki",
            "Metaways Infosystems GmbH",
            ("+4940317031533",),
        ),
        # Unlabelled hotline in the text; "06.00 - 08.00 Uhr" is a time, not a number.
        ("tine20-de/heavyhtml.eml", "Arp Zarp", "abc COMPUTER SYSTEME GmbH", ("+494053773160",)),
        # "Tel: 09422-505601 | Fax: 09422-505620" on one line.
        ("zammad-de/mail062.box", "Sepp Smith", "Example", ("+499422505601",)),
        # Own signature above "-----Ursprüngliche Nachricht-----" and the quoted Znuny one;
        # the personal line before the service desk, the Telefax dropped.
        ("zammad-de/mail012.box", "Alex Smith", "Example GmbH", ("+4969111111113", "+4969111111122")),
        # "i.A. Manfred Härt"; the number has an invalid area code and is rightly dropped.
        ("zammad-de/mail030.box", "Manfred Härt", "Test Somewhere GmbH", ()),
        # Newsletter footer: Steuernummer, USt-Id and WEEE numbers are not phones; DE fax dropped.
        ("tine20-de/Wortmann1.eml", None, "WORTMANN AG", ("+495744944199", "+4312020909")),
        # Only the quoted Znuny signature has a number (Lotus header without "Von:" field).
        ("zammad-de/mail007.box", "Eike Ehringer", "Example", ()),
        ("zammad-de/mail005.box", "Marc Smith", "Example", ()),
    ],
)
def test_corpus_signatures_read_by_hand(corpus, path, name, company, phones):
    contact = _contact_of(corpus.root / "threads" / path)

    assert (contact.name, contact.company, contact.phones) == (name, company, phones)


@pytest.mark.corpus
def test_znuny_signature_quoted_in_customer_replies_is_never_their_phone(corpus):
    znuny = "+4930609854180"
    replies = sorted((corpus.root / "threads" / "zammad-de").glob("*.box"))
    quoting = [p for p in replies if b"60 98 54 18" in p.read_bytes()]
    assert len(quoting) >= 3

    for path in quoting:
        assert znuny not in _contact_of(path).phones, path


@pytest.mark.corpus
def test_enron_lotus_notes_quotes_and_forwards(corpus):
    enron = corpus.root / "threads" / "enron-kaminski-v"

    # Wolak's own signature: Phone (office), FAX, Phone (home), Cell Phone.
    assert _contact_of(enron / "3/55210.txt", "US").phones == ("+16507233944", "+16508560109", "+16508140107")
    # Vince Kaminski forwards Hill Huntington's mail: Hill's number is not Vince's.
    assert _contact_of(enron / "1/56333.txt", "US").phones == ()
    # "please feel free to contact me at 713/853-5290" before "We will call you at (605) …".
    assert _contact_of(enron / "4/52998.txt", "US").phones[0] == "+17138535290"


def test_a_number_in_full_width_digits_is_found_like_ascii_digits():
    """Lines without a digit are skipped before the phone matcher; any script's digits count."""
    assert extract_phones("Tel. ０３０ １２３４５６７") == extract_phones("Tel. 030 1234567") == ("+49301234567",)
