"""Rescue from Junk on local mailboxes: which messages are customer mail, and the Maildir
move (rename into INBOX, flags kept) against real files; an mbox is never changed."""

from __future__ import annotations

import mailbox
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ghostscan.actions.rescue import CheckMode, Outcome, RescueMethod, RescueReason, find_candidates
from ghostscan.pipeline import scan_path, spam_check_path
from ghostscan.settings import Settings
from ghostscan.sources.maildir import MaildirSource

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "mailbox"
AS_OF = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)
HOFMANN = "ca6cd124-b1a7-42e2-bd08-258c6b537bf2@weingut-hofmann.de"
SPAM_IDS = {
    "429d71447760$02dd54d9@zahlungs-zentrale-online.info",
    "cae2374134da7777c898@fastfund-capital.biz",
    "af33433800eedf68.2ffc5b@preis-aktion24.top",
}


def junk_message(sender: str, subject: str, n: int) -> bytes:
    return (
        f"From: {sender}\nTo: Anna Berg <anna@studio-berg.de>\nSubject: {subject}\n"
        f"Date: Tue, 17 Nov 2026 1{n}:00:00 +0100\nMessage-ID: <junk-{n}@example.test>\n\nHallo Anna,\n"
    ).encode()


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    root = tmp_path / "mail"
    shutil.copytree(SAMPLES, root)
    return root


def message_ids(directory: Path) -> set[str]:
    return {str(mailbox.MaildirMessage(p.read_bytes())["Message-ID"]).strip("<>") for sub in ("cur", "new") for p in directory.glob(f"{sub}/*")}


def test_samples_the_reply_in_junk_is_the_only_candidate():
    (candidate,) = find_candidates(scan_path(SAMPLES, Settings(), now=AS_OF))
    assert candidate.message_id == HOFMANN
    assert candidate.folder == "Junk"
    assert candidate.reason is RescueReason.CONVERSATION
    assert candidate.detail == "in your conversation 'Angebot Online-Shop Weingut Hofmann' (reply_in_spam)"
    assert candidate.sender is not None and candidate.sender.email == "stefan@weingut-hofmann.de"
    assert candidate.date == datetime.fromisoformat("2026-11-02T08:15:40+01:00")


def test_correspondents_and_their_company_count_but_freemail_and_our_own_domain_do_not(maildir: Path):
    junk = maildir / ".Junk" / "new"
    junk.mkdir()
    cases = {
        "Daan de Vries <daan@lumencoffee.nl>": "correspondent",  # we wrote to him; new subject, no thread
        "Eva Jansen <eva@lumencoffee.nl>": "company",  # his colleague at lumencoffee.nl
        "Melanie Koch <melanie.koch76@gmx.de>": "correspondent",  # freemail, but the very address we wrote to
        "Gewinn <gewinner@gmx.de>": None,  # same freemail domain: another person entirely
        "Anna Berg <anna@studio-berg.de>": None,  # forged as from us
        "Support <support@studio-berg.de>": None,  # our own domain: forged too
        "Someone <x@unknown-company.de>": None,
    }
    for n, sender in enumerate(cases):
        (junk / f"17000000{n}.M1P1.test").write_bytes(junk_message(sender, "Kurze Frage", n))
    found = {c.message_id: c for c in find_candidates(scan_path(maildir, Settings(), now=AS_OF))}
    expected = {f"junk-{n}@example.test": reason for n, reason in enumerate(cases.values()) if reason}
    assert {k: v.reason.value for k, v in found.items() if k != HOFMANN} == expected
    assert found["junk-1@example.test"].detail == "from lumencoffee.nl, a company you wrote to"
    assert found["junk-0@example.test"].detail == "from daan@lumencoffee.nl, whom you wrote to"


def test_maildir_rescue_renames_into_inbox_keeping_flags_and_is_safe_to_repeat(maildir: Path):
    inbox_before, junk_before = message_ids(maildir), message_ids(maildir / ".Junk")
    (original,) = [p for p in (maildir / ".Junk" / "cur").iterdir() if p.name.startswith("1793603747")]
    flagged = original.with_name(original.name + "S")  # ":2," → ":2,S": read in Junk
    original.rename(flagged)

    listed = spam_check_path(maildir, Settings(), now=AS_OF, mode=CheckMode.LIST)
    dry = spam_check_path(maildir, Settings(), now=AS_OF, mode=CheckMode.DRY_RUN)
    assert [o.outcome for o in dry.outcomes] == [Outcome.WOULD_MOVE] and dry.plan.method is RescueMethod.RENAME
    assert listed.outcomes == () and len(listed.still_in_junk) == 1
    assert flagged.exists(), "listing and --dry-run change nothing"

    done = spam_check_path(maildir, Settings(), now=AS_OF, mode=CheckMode.RESCUE)
    assert [o.outcome for o in done.outcomes] == [Outcome.MOVED] and done.still_in_junk == ()
    assert not flagged.exists()
    assert b"Message-ID: <" + HOFMANN.encode() in (maildir / "cur" / flagged.name).read_bytes()
    assert message_ids(maildir) == inbox_before | {HOFMANN}
    assert message_ids(maildir / ".Junk") == junk_before - {HOFMANN} == SPAM_IDS

    again = spam_check_path(maildir, Settings(), now=AS_OF, mode=CheckMode.RESCUE)
    assert again.plan.candidates == () and again.outcomes == ()
    assert sorted(p.name for p in (maildir / "cur").iterdir() if p.name.startswith("1793603747")) == [flagged.name]


def test_maildir_rescue_from_new_gets_the_info_suffix(maildir: Path):
    (original,) = [p for p in (maildir / ".Junk" / "cur").iterdir() if p.name.startswith("1793603747")]
    (maildir / ".Junk" / "new").mkdir()
    moved_to_new = maildir / ".Junk" / "new" / original.name.split(":")[0]
    original.rename(moved_to_new)
    done = spam_check_path(maildir, Settings(), now=AS_OF, mode=CheckMode.RESCUE)
    assert [o.outcome for o in done.outcomes] == [Outcome.MOVED]
    assert (maildir / "cur" / (moved_to_new.name + ":2,")).is_file()
    assert MaildirSource(maildir).directories("Junk") == [maildir / ".Junk"]


def test_a_vanished_file_is_left_and_reported_not_an_error(maildir: Path):
    from ghostscan.actions.rescue import MaildirRescuer, RescuePlan

    result = scan_path(maildir, Settings(), now=AS_OF)
    (candidate,) = find_candidates(result)
    for path in (maildir / ".Junk" / "cur").iterdir():
        if path.name.startswith("1793603747"):
            path.unlink()
    (outcome,) = MaildirRescuer(MaildirSource(maildir)).rescue(RescuePlan((candidate,), "INBOX", RescueMethod.RENAME))
    assert outcome.outcome is Outcome.LEFT
    assert outcome.detail == "no longer in Junk (moved or deleted since the scan)"


def _mbox_tree(root: Path) -> Path:
    source = MaildirSource(SAMPLES)
    root.mkdir()
    boxes = {"Inbox": mailbox.mbox(root / "Inbox"), "Sent": mailbox.mbox(root / "Sent"), "Junk": mailbox.mbox(root / "Junk")}
    for folder in source.folders():
        box = boxes.get(folder.name, boxes["Inbox"])
        for raw in source.messages(folder):
            box.add(mailbox.mboxMessage(raw.load()))
    for box in boxes.values():
        box.close()
    return root


def test_mbox_is_only_reported_never_changed(tmp_path: Path):
    root = _mbox_tree(tmp_path / "mbox")
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    check = spam_check_path(root, Settings(), now=AS_OF, mode=CheckMode.RESCUE)
    assert check.plan.method is RescueMethod.NONE
    (outcome,) = check.outcomes
    assert outcome.outcome is Outcome.LEFT and outcome.candidate.message_id == HOFMANN
    assert outcome.detail == "ghostscan does not rewrite mbox files or .eml folders: move it with your mail program"
    assert len(check.still_in_junk) == 1
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before
