"""spam-check on real spam: the corpus's 59 Junk messages (spam/) planted into the demo
mailbox's Junk folder. None is customer mail, until we write to one of their senders."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ghostscan.actions.rescue import CheckMode, Outcome, RescueReason
from ghostscan.pipeline import spam_check_path
from ghostscan.settings import Settings

pytestmark = pytest.mark.corpus

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "mailbox"
AS_OF = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)
HOFMANN = "ca6cd124-b1a7-42e2-bd08-258c6b537bf2@weingut-hofmann.de"
DUNCAN = "20030407012053.GA20701@green.daf.ddts.net"  # spam/spamassassin-ham/007, a genuine message

TO_DUNCAN = b"""From: Anna Berg <anna@studio-berg.de>
To: Duncan Findlay <duncf@debian.org>
Subject: Angebot Projektseite
Date: Mon, 02 Nov 2026 10:00:00 +0100
Message-ID: <to-duncan@studio-berg.de>

Hallo Duncan, anbei das Angebot.
"""


def plant(corpus_root: Path, tmp_path: Path) -> tuple[Path, int]:
    root = tmp_path / "mail"
    shutil.copytree(SAMPLES, root)
    new = root / ".Junk" / "new"
    new.mkdir()
    files = sorted(p for p in (corpus_root / "spam").rglob("*") if p.is_file() and p.suffix not in {".md", ".tsv"})
    for n, path in enumerate(files):
        shutil.copyfile(path, new / f"17000{n:04d}.M{n}P1.corpus")
    return root, len(files)


def junk_count(root: Path) -> int:
    return sum(1 for sub in ("cur", "new") for _ in (root / ".Junk" / sub).iterdir())


def test_real_spam_in_junk_is_never_customer_mail(corpus, tmp_path):
    root, planted = plant(corpus.root, tmp_path)
    assert planted == 59
    check = spam_check_path(root, Settings(), now=AS_OF, mode=CheckMode.LIST)
    assert [c.message_id for c in check.plan.candidates] == [HOFMANN]


def test_a_genuine_message_from_someone_we_wrote_to_is_found_and_rescued(corpus, tmp_path):
    root, planted = plant(corpus.root, tmp_path)
    (root / ".Sent" / "cur" / "1794000000.M1P1.test:2,S").write_bytes(TO_DUNCAN)
    inbox_before, junk_before = len(list((root / "cur").iterdir())), junk_count(root)
    check = spam_check_path(root, Settings(), now=AS_OF, mode=CheckMode.RESCUE)
    assert [(o.candidate.message_id, o.candidate.reason, o.outcome) for o in check.outcomes] == [
        (DUNCAN, RescueReason.CORRESPONDENT, Outcome.MOVED),
        (HOFMANN, RescueReason.CONVERSATION, Outcome.MOVED),
    ]
    assert len(list((root / "cur").iterdir())) == inbox_before + 2
    assert junk_count(root) == junk_before - 2 == planted + 4 - 2
