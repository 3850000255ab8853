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


def test_samples_show_every_verdict(run):
    summary = audit_json(run)["summary"]
    assert {v for v, n in summary.items() if n} == {"answered", "reply_in_spam", "bounced", "auto_reply", "declined", "silent", "waiting"}


def test_samples_declined_and_firm_order_get_their_advice(run):
    conversations = {c["id"]: c for c in audit_json(run)["conversations"]}
    declined = conversations["7b1e0c52-3f5e-4b0a-9d51-yoga-offer@studio-berg.de"]
    assert declined["evidence"][0]["rule"] == "verdict.declined"
    assert "entschieden" in declined["evidence"][0]["detail"]
    assert declined["suggestions"][0].startswith("They said no")
    order = conversations["a41f9e7d-2c10-4f6e-b2aa-baeckerei-offer@studio-berg.de"]
    assert order["verdict"] == "silent" and order["firm_order"] is True
    assert order["suggestions"][:2] == [
        "A firm order went silent: write plainly what was agreed, what you need from them and by when, and what happens next.",
        "Work and costs already incurred can be claimed - talk to them before you invoice.",
    ]
    # The customer's own signature gave the number to call; ours (+49 30 1234567-0) never.
    assert order["customer"]["phones"] == ["+49304455667"]
    assert "Call +49304455667." in order["suggestions"]
    away = [c for c in conversations.values() if c["verdict"] == "auto_reply"]
    assert [c["return_date"] for c in away] == ["2026-12-07", "2026-12-07"]
    assert all("+49301234567" not in c["customer"]["phones"] for c in conversations.values())


def test_out_of_office_turns_silent_after_the_return_date(run):
    result = run("audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-12-18", "--format", "json")
    away = [c for c in json.loads(result.stdout)["conversations"] if c["return_date"] == "2026-12-07"]
    assert len(away) == 2 and all(c["verdict"] == "silent" for c in away)
    assert all("back since 2026-12-07" in " ".join(e["detail"] for e in c["evidence"]) for c in away)


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


def test_html_report_of_the_samples_is_written_beside_the_table(run, tmp_path):
    out = tmp_path / "report.html"
    result = run("audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-11-20", "--html", str(out))
    assert result.code == 0, result.stderr
    assert "Ghosting rate  28.6 % (6 silent of 21 decided; waiting not counted)" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('<tr data-verdict="') == 12
    assert '<span class="value">22</span><span class="label">Offers sent</span>' in html
    assert '<span class="value">29 %</span><span class="label">Ghosting rate</span>' in html


def test_html_report_follows_the_configured_language(run, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("language: de\nsilence:\n  business_days: 4\n", encoding="utf-8")
    out = tmp_path / "bericht.html"
    result = run("--config", str(config), "audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-11-20", "--html", str(out), "-f", "json")
    assert result.code == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert '<html lang="de">' in html and "Angebots-Auswertung" in html
    assert "still nach 4 Werktagen" in html


def test_html_report_into_a_missing_folder_is_one_error_line(run, tmp_path):
    target = tmp_path / "missing" / "report.html"
    result = run("audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-11-20", "--html", str(target), "-f", "json")
    assert result.code == 1
    assert result.stderr == f"ghostscan: error: cannot write {target}: No such file or directory\n"
