"""The digest ledger: once a day, what was new, and a damaged file is an error, never ignored."""

from __future__ import annotations

from datetime import date

import pytest

from ghostscan.notify.ledger import DigestLedger, LedgerError, mailbox_key

D1, D2 = date(2026, 11, 20), date(2026, 11, 23)
A = frozenset({("c1", "follow_up")})
B = frozenset({("c1", "follow_up"), ("c2", "bounced")})


def test_fresh_ledger_knows_nothing(tmp_path):
    ledger = DigestLedger(tmp_path, "k")
    assert ledger.load().day is None
    assert ledger.previous(D1) is None


def test_previous_is_the_last_digest_of_an_earlier_day_and_stays_put_on_a_forced_resend(tmp_path):
    ledger = DigestLedger(tmp_path / "digest", "k")
    ledger.record(D1, sent_at="2026-11-20T07:00:00+00:00", message_id="<m1@x>", recipients=("a@b.de",), seen=A)
    assert ledger.load().day == D1 and ledger.load().recipients == ("a@b.de",)
    assert ledger.previous(D1) is None  # a forced second digest that day: still everything new
    assert ledger.previous(D2) == A
    ledger.record(D2, sent_at="2026-11-23T07:00:00+00:00", message_id="<m2@x>", recipients=("a@b.de",), seen=B)
    ledger.record(D2, sent_at="2026-11-23T09:00:00+00:00", message_id="<m3@x>", recipients=("a@b.de",), seen=B)
    assert ledger.previous(D2) == A
    assert ledger.previous(date(2026, 11, 24)) == B


def test_damaged_ledger_is_an_error(tmp_path):
    ledger = DigestLedger(tmp_path, "k")
    ledger.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LedgerError) as err:
        ledger.load()
    assert str(err.value).startswith(f"digest ledger {ledger.path}: not a digest ledger (")
    assert str(err.value).endswith("; delete it to start afresh")


def test_keys_are_file_names_and_a_path_is_keyed_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert mailbox_key(source="mail") == mailbox_key(source=str(tmp_path / "mail"))
    assert mailbox_key(account="work") != mailbox_key(account="work/../x")
    assert "/" not in mailbox_key(account="work/../x")
    assert mailbox_key(source=str(tmp_path / "mail")).startswith("source-mail-")
