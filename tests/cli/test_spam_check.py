"""``ghostscan spam-check`` end to end on local mailboxes: exact output and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ghostscan.status import ExitStatus

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "mailbox"
HOFMANN = "ca6cd124-b1a7-42e2-bd08-258c6b537bf2@weingut-hofmann.de"


def test_listing_the_samples_is_the_whole_table_and_exit_10(run):
    result = run("spam-check", "--source", str(SAMPLES))
    assert result.code == ExitStatus.FOUND == 10
    assert result.stderr == ""
    assert [line.rstrip() for line in result.stdout.splitlines()] == [f"ghostscan spam-check of {SAMPLES}", *EXPECTED_LIST]


EXPECTED_LIST = """\
┏━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Date       ┃ From                                       ┃ Subject                                     ┃ Folder ┃ Why                                         ┃
┡━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 2026-11-02 │ Stefan Hofmann <stefan@weingut-hofmann.de> │ [SPAM] Re: Angebot Online-Shop Weingut      │ Junk   │ in your conversation 'Angebot Online-Shop   │
│            │                                            │ Hofmann                                     │        │ Weingut Hofmann' (reply_in_spam)            │
└────────────┴────────────────────────────────────────────┴─────────────────────────────────────────────┴────────┴─────────────────────────────────────────────┘
1 message from customers in Junk. Move it to INBOX with: ghostscan spam-check --rescue (--dry-run shows the plan first)""".splitlines()


def test_json_lists_the_reply_with_reason_and_changes_nothing(run, tmp_path):
    root = tmp_path / "mail"
    shutil.copytree(SAMPLES, root)
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    result = run("spam-check", "--source", str(root), "--format", "json")
    assert result.code == ExitStatus.FOUND
    data = json.loads(result.stdout)
    assert data["schema"] == "ghostscan.spam-check/1"
    assert (data["mode"], data["method"], data["found"], data["still_in_junk"]) == ("list", "rename", 1, 1)
    assert data["junk_folders"] == ["Junk"]
    (message,) = data["messages"]
    assert message == {
        "date": "2026-11-02T08:15:40+01:00",
        "from": "Stefan Hofmann <stefan@weingut-hofmann.de>",
        "subject": "[SPAM] Re: Angebot Online-Shop Weingut Hofmann",
        "folder": "Junk",
        "key": "1793603747.M412685P4584.studio-berg",
        "message_id": HOFMANN,
        "reason": "conversation",
        "detail": "in your conversation 'Angebot Online-Shop Weingut Hofmann' (reply_in_spam)",
        "action": None,
        "action_detail": None,
    }
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before


def test_rescue_then_again_then_audit_sees_the_answer(run, tmp_path):
    root = tmp_path / "mail"
    shutil.copytree(SAMPLES, root)
    dry = run("spam-check", "--source", str(root), "--dry-run", "--format", "json")
    assert dry.code == ExitStatus.FOUND
    assert [m["action"] for m in json.loads(dry.stdout)["messages"]] == ["would move"]

    done = run("spam-check", "--source", str(root), "--rescue")
    assert done.code == ExitStatus.OK, done.stderr
    assert done.stdout.splitlines()[-1] == "Moved 1 of 1 message to INBOX."

    again = run("spam-check", "--source", str(root), "--rescue")
    assert again.code == ExitStatus.OK
    assert again.stdout == "No customer mail in Junk.\n"

    audit = json.loads(run("audit", "--source", str(root), "--format", "json").stdout)
    verdicts = {c["subject"]: c["verdict"] for c in audit["conversations"]}
    assert verdicts["Angebot Online-Shop Weingut Hofmann"] == "answered"


def test_mbox_rescue_says_nothing_was_moved_and_keeps_exit_10(run, tmp_path):
    import mailbox

    root = tmp_path / "mbox"
    root.mkdir()
    junk = mailbox.mbox(root / "Junk")
    sent = mailbox.mbox(root / "Sent")
    for folder, box in ((".Junk", junk), (".Sent", sent)):
        for path in sorted((SAMPLES / folder / "cur").iterdir()):
            box.add(mailbox.mboxMessage(path.read_bytes()))
        box.close()
    result = run("spam-check", "--source", str(root), "--rescue")
    assert result.code == ExitStatus.FOUND
    assert result.stderr == "ghostscan: WARNING: nothing was moved: ghostscan does not rewrite mbox files or .eml folders: move it with your mail program\n"
    assert result.stdout.splitlines()[-1] == (
        "1 message from customers in Junk; nothing was moved: ghostscan does not rewrite mbox files or .eml folders: move it with your mail program."
    )


def test_no_junk_folder_is_said_and_exit_0(run, tmp_path):
    root = tmp_path / "mail"
    shutil.copytree(SAMPLES, root)
    shutil.rmtree(root / ".Junk")
    result = run("spam-check", "--source", str(root))
    assert result.code == ExitStatus.OK
    assert result.stdout == "No Junk folder found: nothing to check (set folders.roles in the config if yours has another name).\n"


def test_both_source_and_account_is_a_usage_error(run):
    result = run("spam-check", "--source", str(SAMPLES), "--account", "work")
    assert result.code == ExitStatus.USAGE
    assert result.stderr.endswith("Error: use either --source or --account, not both\n")
