"""Folder roles: what a folder is for, from its SPECIAL-USE attributes or its name.

IMAP servers that support RFC 6154 say it outright (``\\Sent``, ``\\Junk``, ...); everywhere
else — local Maildir, mbox files, servers without SPECIAL-USE — the name is all there is.
The order of evidence is: the user's overrides, then SPECIAL-USE (the IMAP source asks
`role_for_special_use` first), then Gmail's ``[Gmail]/`` folders, then localized names.

Name rules in short (see `role_for_name`):

* ``INBOX`` (any case) is the inbox; an ``INBOX.`` / ``INBOX/`` prefix (Courier, Dovecot
  Maildir++ namespaces, Cyrus) is dropped before the rest is looked at, so
  ``INBOX.Sent`` is the Sent folder and ``INBOX/Kunden`` is just "Kunden".
* Names are compared without case, accents, spaces or punctuation, so ``Junk E-Mail``,
  ``Junk-E-Mail`` and ``junk_email`` are one name, and so are ``Entwürfe``, ``Entwurfe``
  and a decomposed (macOS NFD) ``Entwürfe``.
* A child of a Sent, Archive, Junk, Trash or Drafts folder keeps its parent's role:
  ``Archiv/2023`` is an archive and ``Gesendet/Kunde A`` holds mail the user sent and
  filed there (the threading stage still checks the sender address, so a stray received
  message in it is not mistaken for ours). A folder whose top level says nothing
  (``Kunden/Archiv``, ``Imported/Sent``) takes the role of its last segment.
* An Outbox (``Postausgang``, Thunderbird's ``Unsent Messages``) is *not* Sent: it holds
  messages that have not left the machine yet. Counting them as sent would report an offer
  the customer never received as "silent", so an Outbox gets the Drafts role: ours, unsent.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable, Mapping

from ghostscan.errors import ConfigError
from ghostscan.sources.base import FolderRole

__all__ = ["role_for_name", "role_for_special_use"]


def _key(name: str) -> str:
    """Return the comparison key of a folder name (or one segment of it).

    Case, accents, whitespace and punctuation do not count: ``"Gelöschte Elemente"`` →
    ``"geloschteelemente"``.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _table(spec: Mapping[FolderRole, str]) -> dict[str, FolderRole]:
    table: dict[str, FolderRole] = {}
    for role, names in spec.items():
        for line in names.strip().splitlines():
            for name in line.split("|"):
                if name.strip():
                    table[_key(name)] = role
    return table


# Localized names of the standard folders, "|"-separated. Sources: the default folder names
# of Outlook/Exchange (English, German, French, Spanish, Italian, Dutch), Apple Mail,
# Thunderbird, Yahoo ("Bulk Mail") and the German providers: T-Online ("Gesendet",
# "Entwürfe", "Gelöscht", "Spam"), GMX ("Spamverdacht", "Gelöscht"), web.de ("Unerwünscht",
# "Gelöscht"), IONOS/1&1 ("Gesendete Objekte", "Papierkorb"). Only names that cannot mean
# anything else are listed; "Bin" is only trusted under Gmail's prefix.
_NAMES = _table(
    {
        FolderRole.INBOX: """
            Inbox | Posteingang
            Boîte de réception | Bandeja de entrada | Posta in arrivo | Postvak IN
        """,
        FolderRole.SENT: """
            Sent | Sent Items | Sent Messages | Sent Mail | Sent E-Mail | Sent Email
            Gesendet | Gesendete Elemente | Gesendete Objekte | Gesendete Nachrichten
            Gesendete E-Mails
            Envoyés | Éléments envoyés | Messages envoyés
            Enviados | Elementos enviados | Correo enviado | Mensajes enviados
            Posta inviata | Inviati | Inviata | Elementi inviati
            Verzonden | Verzonden items | Verzonden berichten
        """,
        FolderRole.JUNK: """
            Junk | Junk E-Mail | Junk Mail | Spam | Spam Mail | Bulk Mail
            Spamverdacht | Unerwünscht | Unerwuenscht | Junk-E-Mail
            Courrier indésirable | Indésirables | Pourriel | Pourriels
            Correo no deseado | Posta indesiderata | Ongewenste e-mail | Ongewenst
        """,
        FolderRole.TRASH: """
            Trash | Deleted Items | Deleted Messages | Deleted
            Papierkorb | Gelöscht | Gelöschte Elemente | Gelöschte Objekte
            Gelöschte Nachrichten | Geloescht | Geloeschte Elemente | Geloeschte Objekte
            Müll | Muell | Mülleimer
            Corbeille | Éléments supprimés | Papelera | Elementos eliminados
            Cestino | Posta eliminata | Elementi eliminati | Prullenbak | Verwijderde items
        """,
        FolderRole.DRAFTS: """
            Drafts | Draft | Entwürfe | Entwuerfe | Entwurf
            Brouillons | Borradores | Bozze | Concepten
            Outbox | Postausgang | Unsent Messages | Nicht gesendete Nachrichten
            Boîte d'envoi | Bandeja de salida | Posta in uscita | Postvak UIT
        """,
        FolderRole.ARCHIVE: """
            Archive | Archives | Archived | Archiv | Archiviert
            All Mail | Alle Nachrichten
            Archivio | Archief | Archivo
        """,
    }
)

# Gmail's system folders live under "[Gmail]/" (or "[Google Mail]/" for accounts opened in
# Germany and the UK) and are named in the account's UI language. Important and Starred
# (Wichtig, Markiert) are views onto mail that also sits elsewhere: role OTHER.
_GMAIL_PREFIXES = frozenset({"[gmail]", "[google mail]"})
_GMAIL = _table(
    {
        FolderRole.SENT: "Sent Mail | Gesendet",
        FolderRole.JUNK: "Spam",
        FolderRole.TRASH: "Trash | Bin | Papierkorb",
        FolderRole.DRAFTS: "Drafts | Entwürfe",
        FolderRole.ARCHIVE: "All Mail | Alle Nachrichten",
        FolderRole.OTHER: "Important | Starred | Wichtig | Markiert | Chats",
    }
)

# Roles a folder hands down to its children (see the module docstring).
_INHERITED = frozenset(
    {FolderRole.SENT, FolderRole.ARCHIVE, FolderRole.JUNK, FolderRole.TRASH, FolderRole.DRAFTS}
)

_INBOX = _key("INBOX")


def role_override(name: str, overrides: Mapping[str, FolderRole | str]) -> FolderRole | None:
    """The role the config gives folder *name* (case-insensitive, NFC), or None.

    Raises:
        ConfigError: the configured role is not a `FolderRole`.
    """
    wanted = unicodedata.normalize("NFC", name.strip()).casefold()
    for folder, role in overrides.items():
        if unicodedata.normalize("NFC", folder.strip()).casefold() != wanted:
            continue
        try:
            return FolderRole(role)
        except ValueError:
            choices = ", ".join(r.value for r in FolderRole)
            raise ConfigError(
                f"folder {folder!r} has unknown role {role!r}; expected one of {choices}"
            ) from None
    return None


def _segments(name: str) -> list[str]:
    """Split a folder name at its hierarchy delimiter.

    ``/`` when the name has one, else ``.`` (Courier and Dovecot Maildir++ use ``.``).
    """
    delimiter = "/" if "/" in name else "."
    return [part.strip() for part in name.split(delimiter) if part.strip()]


def role_for_name(name: str, overrides: Mapping[str, FolderRole] | None = None) -> FolderRole:
    """Return the role of a folder, judged by its name.

    Args:
        name: the folder name as the server or the disk calls it, IMAP modified UTF-7
            already decoded; ``/`` or ``.`` as hierarchy delimiter.
        overrides: folder name → role from the configuration; matched against the whole
            name, case-insensitively, before any rule.

    Returns:
        The role; `FolderRole.OTHER` for every name no rule knows.

    Raises:
        ConfigError: the override for *name* is not a `FolderRole` value.

    Example:
        >>> role_for_name("INBOX.Gesendete Objekte")
        <FolderRole.SENT: 'sent'>
        >>> role_for_name("[Google Mail]/Alle Nachrichten")
        <FolderRole.ARCHIVE: 'archive'>
        >>> role_for_name("Archiv/2023")
        <FolderRole.ARCHIVE: 'archive'>
    """
    if overrides:
        role = role_override(name, overrides)
        if role is not None:
            return role
    whole = _key(name)
    if whole == _INBOX:
        return FolderRole.INBOX
    if whole in _NAMES:
        return _NAMES[whole]
    parts = _segments(name)
    # Folders below the inbox (Courier's "INBOX.", Cyrus' "INBOX/", or a localized
    # "Posteingang/…") are judged by the rest of their path.
    while len(parts) > 1 and _NAMES.get(_key(parts[0])) is FolderRole.INBOX:
        parts = parts[1:]
    if not parts:
        return FolderRole.OTHER
    keys = [_key(part) for part in parts]
    if " ".join(parts[0].casefold().split()) in _GMAIL_PREFIXES:
        if len(keys) != 2:
            return FolderRole.OTHER
        return _GMAIL.get(keys[1]) or _NAMES.get(keys[1]) or FolderRole.OTHER
    top = _NAMES.get(keys[0])
    if top is not None and (len(keys) == 1 or top in _INHERITED):
        return top
    return _NAMES.get(keys[-1], FolderRole.OTHER)


# RFC 6154 section 2 attributes, plus the pre-standard XLIST names Gmail still sends
# (\Spam, \AllMail, \Inbox; https://developers.google.com/gmail/imap/imap-extensions).
# \Flagged and \Important are views onto mail that lives elsewhere: no role.
_SPECIAL_USE = {
    "\\junk": FolderRole.JUNK,
    "\\spam": FolderRole.JUNK,
    "\\trash": FolderRole.TRASH,
    "\\drafts": FolderRole.DRAFTS,
    "\\sent": FolderRole.SENT,
    "\\inbox": FolderRole.INBOX,
    "\\archive": FolderRole.ARCHIVE,
    "\\all": FolderRole.ARCHIVE,
    "\\allmail": FolderRole.ARCHIVE,
}
# When a server marks one folder with several uses, the one that changes the reading most
# wins: mail in Junk must be seen as junk even if the folder is also an archive.
_SPECIAL_USE_PRIORITY = (
    FolderRole.JUNK,
    FolderRole.TRASH,
    FolderRole.DRAFTS,
    FolderRole.SENT,
    FolderRole.INBOX,
    FolderRole.ARCHIVE,
)


def role_for_special_use(attributes: Iterable[str | bytes]) -> FolderRole | None:
    """Return the role an IMAP LIST response's attributes give a folder (RFC 6154).

    Args:
        attributes: the folder's attributes as imapclient returns them
            (``(b"\\\\HasNoChildren", b"\\\\Sent")``); case does not matter (RFC 3501
            section 9: atoms are case-insensitive).

    Returns:
        The role, or None when no attribute names one (then the name decides, see
        `role_for_name`).

    Example:
        >>> role_for_special_use([b"\\\\HasNoChildren", b"\\\\Junk"])
        <FolderRole.JUNK: 'junk'>
    """
    found: set[FolderRole] = set()
    for attribute in attributes:
        text = attribute.decode("ascii", "replace") if isinstance(attribute, bytes) else attribute
        role = _SPECIAL_USE.get(text.strip().casefold())
        if role is not None:
            found.add(role)
    for role in _SPECIAL_USE_PRIORITY:
        if role in found:
            return role
    return None
