from email.utils import getaddresses

import pytest

from ghostscan.parse.addresses import Address, Identity, parse_addresses

FORMS = [
    "Hans Müller <hans@mueller-bau.de>",
    '"Müller, Hans" <Hans@Mueller-Bau.de>',
    "hans@mueller-bau.de",
    'a@b.de, "C D" <c@d.de>',
    "Anna <a@b.de>, b@c.de",
    "undisclosed-recipients:;",
    "<a@b.de>",
    "x (comment) <a@b.de>",
    "Hans <hans@x.de",
    '"quoted@name" <a@b.de>',
    "Team: a@b.de, c@d.de;",
    "'Single Quoted' <s@q.de>",
    "broken <<a@b.de>>",
    "",
]


@pytest.mark.parametrize("value", FORMS)
def test_parse_addresses_agrees_with_the_standard_library(value):
    expected = []
    for name, email in getaddresses([value]):
        email = email.strip().strip("<>").lower()
        if "@" in email and email not in [e for _, e in expected]:
            expected.append((" ".join(name.split()).strip("'\" "), email))
    assert [(a.name, a.email) for a in parse_addresses([value])] == expected


def test_party_is_the_domain_for_companies_and_the_address_for_freemail():
    assert Address("hans@mueller-bau.de").party == "mueller-bau.de"
    assert Address("melanie.koch76@gmx.de").party == "melanie.koch76@gmx.de"


def test_identity_learns_company_domains_but_never_freemail():
    me = Identity.build(["anna@studio-berg.de", "anna.berg@gmail.com"])
    assert me.domains == frozenset({"studio-berg.de"})
    assert me.is_own(Address("jonas@studio-berg.de"))
    assert not me.is_own(Address("someone@gmail.com"))
