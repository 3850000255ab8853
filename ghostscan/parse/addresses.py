"""Addresses and identity: who is me, who is a colleague, who is the customer.

A *party* is the unit ghostscan thinks of as one customer: a company domain
(``mueller-bau.de``) for business addresses, or the full address for freemail
(``hans.mueller@gmx.de`` and ``erika@gmx.de`` are two customers, not one company).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from email.utils import getaddresses
from enum import StrEnum
from typing import Iterable

from ghostscan.pickling import by_fields

# Mailbox providers where a domain says nothing about the company: two addresses there
# are two different people. German providers first, as most users write German.
FREEMAIL_DOMAINS = frozenset(
    """
    gmx.de gmx.net gmx.at gmx.ch gmx.com web.de t-online.de freenet.de arcor.de
    posteo.de posteo.net mailbox.org online.de 1und1.de email.de vodafone.de kabelmail.de
    aol.de yahoo.de googlemail.com gmail.com outlook.com outlook.de hotmail.com hotmail.de
    live.com live.de msn.com yahoo.com yahoo.co.uk ymail.com aol.com icloud.com me.com
    mac.com protonmail.com proton.me pm.me tutanota.com tutanota.de tuta.io gmx.ch
    bluewin.ch hispeed.ch sunrise.ch a1.net chello.at aon.at mail.com zoho.com yandex.com
    yandex.ru mail.ru fastmail.com fastmail.fm hey.com
    """.split()
)


@by_fields
@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox address.

    Attributes:
        email: the address, lower-cased (``"hans.mueller@mueller-bau.de"``).
        name: the display name, decoded (``"Hans Müller"``), or ``""``.
    """

    email: str
    name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]

    @property
    def is_freemail(self) -> bool:
        return self.domain in FREEMAIL_DOMAINS

    @property
    def party(self) -> str:
        """The customer this address stands for: its domain, or the address on freemail."""
        return self.email if self.is_freemail or not self.domain else self.domain

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


# One plain address, with or without a display name: most header values look like this,
# and matching it directly costs a fraction of email.utils.getaddresses (measured: 2.5 of
# 4.7 s per 20,000 header blocks went to getaddresses alone).
_SIMPLE = re.compile(r'\s*(?:"([^"\\]*)"|([^"<>,;:()\\@]*?))?\s*<?([^\s<>,;:()"\\@]+@[^\s<>,;:()"\\@]+?)>?\s*')


def _simple(value: str) -> list[tuple[str, str]] | None:
    if '"' in value and value.count('"') != 2:
        return None
    parts = value.split(",") if '"' not in value else [value]
    out = []
    for part in parts:
        if not part.strip():
            continue
        match = _SIMPLE.fullmatch(part)
        if match is None:
            return None
        out.append((match.group(1) or match.group(2) or "", match.group(3)))
    return out


@lru_cache(maxsize=65536)
def _parse(values: tuple[str, ...]) -> tuple[Address, ...]:
    pairs: list[tuple[str, str]] = []
    for value in values:
        simple = _simple(value)
        if simple is None:
            try:
                simple = getaddresses([value])
            except Exception:  # noqa: BLE001 - getaddresses raises odd errors on hostile input (bpo-34155)
                simple = []
        pairs.extend(simple)
    out: list[Address] = []
    seen: set[str] = set()
    for name, email in pairs:
        email = email.strip().strip("<>").lower()
        if "@" not in email or email in seen:
            continue
        seen.add(email)
        out.append(Address(email=email, name=" ".join(name.split()).strip("'\" ")))
    return tuple(out)


def parse_addresses(values: Iterable[str]) -> tuple[Address, ...]:
    """Parse decoded header values (To, Cc, …) into addresses; junk is skipped, never raised.

    The same header values recur across a mailbox (the user, regular customers), so results
    are cached.
    """
    return _parse(tuple(v for v in values if v))


def parse_address_values(values: tuple[str, ...]) -> tuple[Address, ...]:
    """`parse_addresses` for a tuple of non-empty values (one From line): no filtering, same cache."""
    return _parse(values)


class Role(StrEnum):
    """Who an address belongs to, from the user's point of view."""

    ME = "me"
    COLLEAGUE = "colleague"
    EXTERNAL = "external"


@dataclass(frozen=True)
class Identity:
    """The user's own addresses and company domains.

    Attributes:
        addresses: the user's own addresses and aliases, lower-cased.
        domains: the user's company domains; mail from there is a colleague's. Freemail
            domains are never company domains, whatever the config says.
    """

    addresses: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    @classmethod
    def build(cls, addresses: Iterable[str], domains: Iterable[str] = ()) -> "Identity":
        """Build an identity; company domains default to the domains of *addresses*.

        Example:
            >>> Identity.build(["anna@studio-berg.de", "anna.berg@gmail.com"]).domains
            frozenset({'studio-berg.de'})
        """
        addrs = frozenset(a.strip().lower() for a in addresses if a and "@" in a)
        doms = {d.strip().lower().lstrip("@") for d in domains if d}
        if not doms:
            doms = {a.rpartition("@")[2] for a in addrs}
        return cls(addrs, frozenset(d for d in doms if d and d not in FREEMAIL_DOMAINS))

    def role_of(self, address: Address | None) -> Role:
        if address is None:
            return Role.EXTERNAL
        if address.email in self.addresses:
            return Role.ME
        if address.domain in self.domains:
            return Role.COLLEAGUE
        return Role.EXTERNAL

    def is_own(self, address: Address | None) -> bool:
        """True for the user and their colleagues (anyone on our side)."""
        return self.role_of(address) is not Role.EXTERNAL
