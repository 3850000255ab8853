"""Folder roles from names and from IMAP SPECIAL-USE attributes."""

from __future__ import annotations

import unicodedata

import pytest

from ghostscan.errors import ConfigError
from ghostscan.sources.base import FolderRole
from ghostscan.sources.roles import role_for_name, role_for_special_use

INBOX, SENT, JUNK, TRASH = FolderRole.INBOX, FolderRole.SENT, FolderRole.JUNK, FolderRole.TRASH
DRAFTS, ARCHIVE, OTHER = FolderRole.DRAFTS, FolderRole.ARCHIVE, FolderRole.OTHER


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("INBOX", INBOX),
        ("Inbox", INBOX),
        ("inbox", INBOX),
        ("Posteingang", INBOX),
        # English client and server defaults
        ("Sent", SENT),
        ("Sent Items", SENT),
        ("Sent Messages", SENT),
        ("Junk", JUNK),
        ("Junk E-Mail", JUNK),
        ("Junk Email", JUNK),
        ("Spam", JUNK),
        ("Bulk Mail", JUNK),
        ("Trash", TRASH),
        ("Deleted Items", TRASH),
        ("Deleted Messages", TRASH),
        ("Drafts", DRAFTS),
        ("Archive", ARCHIVE),
        ("Archives", ARCHIVE),
        # German: Outlook, Thunderbird, T-Online, GMX, web.de, IONOS
        ("Gesendet", SENT),
        ("Gesendete Elemente", SENT),
        ("Gesendete Objekte", SENT),
        ("Gesendete Nachrichten", SENT),
        ("Junk-E-Mail", JUNK),
        ("Spamverdacht", JUNK),
        ("Unerwünscht", JUNK),
        ("Gelöschte Elemente", TRASH),
        ("Gelöschte Objekte", TRASH),
        ("Gelöscht", TRASH),
        ("Papierkorb", TRASH),
        ("Entwürfe", DRAFTS),
        ("Archiv", ARCHIVE),
        # French, Spanish, Italian, Dutch
        ("Éléments envoyés", SENT),
        ("Courrier indésirable", JUNK),
        ("Corbeille", TRASH),
        ("Brouillons", DRAFTS),
        ("Enviados", SENT),
        ("Correo no deseado", JUNK),
        ("Papelera", TRASH),
        ("Posta inviata", SENT),
        ("Posta indesiderata", JUNK),
        ("Cestino", TRASH),
        ("Verzonden items", SENT),
        ("Ongewenste e-mail", JUNK),
        ("Prullenbak", TRASH),
        # user folders
        ("Kunden", OTHER),
        ("Rechnungen 2024", OTHER),
        ("Bin", OTHER),  # only Gmail's UK trash; a top-level "Bin" is the user's own
    ],
)
def test_localized_names(name: str, role: FolderRole) -> None:
    assert role_for_name(name) is role


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("[Gmail]/Sent Mail", SENT),
        ("[Gmail]/Spam", JUNK),
        ("[Gmail]/Trash", TRASH),
        ("[Gmail]/Bin", TRASH),
        ("[Gmail]/Drafts", DRAFTS),
        ("[Gmail]/All Mail", ARCHIVE),
        ("[Gmail]/Important", OTHER),
        ("[Gmail]/Starred", OTHER),
        ("[Gmail]", OTHER),
        ("[Google Mail]/Gesendet", SENT),
        ("[Google Mail]/Papierkorb", TRASH),
        ("[Google Mail]/Entwürfe", DRAFTS),
        ("[Google Mail]/Alle Nachrichten", ARCHIVE),
        ("[Google Mail]/Spam", JUNK),
        ("[Google Mail]/Wichtig", OTHER),
        ("[Google Mail]/Markiert", OTHER),
    ],
)
def test_gmail_folders(name: str, role: FolderRole) -> None:
    assert role_for_name(name) is role


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("INBOX.Sent", SENT),
        ("INBOX/Sent", SENT),
        ("inbox.Junk", JUNK),
        ("INBOX.Gesendete Objekte", SENT),
        ("INBOX.Kunden", OTHER),
        ("INBOX/Kunden/Müller", OTHER),
        ("Posteingang/Spam", JUNK),
    ],
)
def test_inbox_prefix_and_delimiters(name: str, role: FolderRole) -> None:
    assert role_for_name(name) is role


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Archiv/2023", ARCHIVE),
        ("Archiv.2024", ARCHIVE),
        ("INBOX.Archives.2022", ARCHIVE),
        ("Gesendet/Kunde A", SENT),
        ("Spam/Quarantäne", JUNK),
        ("Kunden/Archiv", ARCHIVE),
        ("Imported/Sent Items", SENT),
        ("Kunden/Müller", OTHER),
    ],
)
def test_children_keep_the_role_of_their_parent(name: str, role: FolderRole) -> None:
    assert role_for_name(name) is role


@pytest.mark.parametrize("name", ["Outbox", "Postausgang", "Unsent Messages", "Nicht gesendete Nachrichten"])
def test_outbox_is_never_sent(name: str) -> None:
    # An outbox holds mail that has not left yet: reading it as sent would report an
    # offer the customer never got as unanswered.
    assert role_for_name(name) is DRAFTS


@pytest.mark.parametrize(
    "name",
    [
        "Junk E-Mail",
        "junk-e-mail",
        "JUNK_EMAIL",
        " Junk  E-Mail ",
        "Entwurfe",
        "Entwuerfe",
        unicodedata.normalize("NFD", "Entwürfe"),  # macOS file names are decomposed
    ],
)
def test_spelling_variants(name: str) -> None:
    assert role_for_name(name) in (JUNK, DRAFTS)
    assert role_for_name(name) is role_for_name(name.upper())


def test_overrides_win_and_match_the_whole_name_without_case() -> None:
    overrides = {"Angebote": SENT, "spam": OTHER, "Ablage": ARCHIVE}
    assert role_for_name("Angebote", overrides) is SENT
    assert role_for_name("ANGEBOTE", overrides) is SENT
    assert role_for_name("Spam", overrides) is OTHER
    assert role_for_name("INBOX.Spam", overrides) is JUNK
    assert role_for_name("Kunden", overrides) is OTHER


def test_overrides_accept_role_names_from_config_files() -> None:
    assert role_for_name("Angebote", {"Angebote": "sent"}) is SENT  # type: ignore[dict-item]


def test_an_unknown_override_role_names_the_folder() -> None:
    with pytest.raises(ConfigError, match="'Angebote'.*'outgoing'"):
        role_for_name("Angebote", {"Angebote": "outgoing"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("attributes", "role"),
    [
        ([b"\\HasNoChildren", b"\\Sent"], SENT),
        (["\\Junk"], JUNK),
        (["\\junk"], JUNK),
        ([b"\\Trash"], TRASH),
        ([b"\\Drafts"], DRAFTS),
        ([b"\\Archive"], ARCHIVE),
        ([b"\\HasNoChildren", b"\\All"], ARCHIVE),
        ([b"\\Spam"], JUNK),  # Gmail's pre-RFC 6154 XLIST name
        ([b"\\Archive", b"\\Junk"], JUNK),
    ],
)
def test_special_use(attributes: list[str | bytes], role: FolderRole) -> None:
    assert role_for_special_use(attributes) is role


@pytest.mark.parametrize("attributes", [[], [b"\\HasNoChildren"], [b"\\Flagged"], ["\\Important"]])
def test_special_use_without_a_role_leaves_the_name_to_decide(attributes: list[str | bytes]) -> None:
    assert role_for_special_use(attributes) is None
