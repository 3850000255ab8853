"""The README demo: samples/mailbox gives exactly the verdicts in samples/expected_verdicts.tsv."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "samples_audit.json"


def expected() -> dict[str, str]:
    with open(SAMPLES / "expected_verdicts.tsv", encoding="utf-8", newline="") as fh:
        return {row["conversation"]: row["verdict"] for row in csv.DictReader(fh, delimiter="\t")}


def audit_json(run, *extra: str) -> dict:
    result = run("audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-11-20", "--format", "json", *extra)
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_samples_give_the_expected_verdict_for_every_conversation(run):
    report = audit_json(run)
    got = {c["id"]: c["verdict"] for c in report["conversations"]}
    want = expected()
    wrong = {cid: (got.get(cid), verdict) for cid, verdict in want.items() if got.get(cid) != verdict}
    extra = sorted(set(got) - set(want))
    assert not wrong, f"(got, expected) per conversation: {wrong}"
    assert not extra, f"reported but not expected: {extra}"


def test_samples_show_every_verdict_but_declined(run):
    summary = audit_json(run)["summary"]
    assert {v for v, n in summary.items() if n} == {"answered", "reply_in_spam", "bounced", "auto_reply", "silent", "waiting"}


def test_samples_identity_is_learned_from_the_sent_folder(run):
    assert "anna@studio-berg.de" in audit_json(run)["own_addresses"]


def test_samples_json_matches_the_golden_file(run):
    """The JSON schema and content, pinned. Regenerate with GHOSTSCAN_UPDATE_GOLDEN=1 after a deliberate change."""
    report = audit_json(run)
    report["source"] = "samples/mailbox"
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if os.environ.get("GHOSTSCAN_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_samples_verdict_filter_and_csv(run):
    result = run("audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-11-20", "--format", "csv", "--verdict", "bounced")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,verdict,customer_name")
    want = [cid for cid, v in expected().items() if v == "bounced"]
    assert len(lines) - 1 == len(want)
    assert all(",bounced," in line for line in lines[1:])


@pytest.mark.parametrize("as_of, verdict", [("2026-11-20", "waiting"), ("2026-12-31", "silent")])
def test_waiting_turns_silent_with_time(run, as_of, verdict):
    waiting = [cid for cid, v in expected().items() if v == "waiting"]
    result = run("audit", "--source", str(SAMPLES / "mailbox"), "--as-of", as_of, "--format", "json")
    got = {c["id"]: c["verdict"] for c in json.loads(result.stdout)["conversations"]}
    assert waiting and all(got[cid] == verdict for cid in waiting)
