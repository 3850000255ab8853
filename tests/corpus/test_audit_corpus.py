"""The whole program on real mail: no crash, malformed messages reported, not fatal."""

from __future__ import annotations

import json

import pytest

from ghostscan.status import ExitStatus


@pytest.mark.parametrize("folder", ["threads", "malformed", "spam"])
def test_audit_of_a_real_corpus_folder_completes(run, corpus, folder):
    result = run("audit", "--source", str(corpus.root / folder), "--format", "json")
    assert result.code in (ExitStatus.OK, ExitStatus.PARTIAL), result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["messages_read"] > 0
    # A problem is a message the sources could not read at all; its reason says why.
    for problem in report["problems"]:
        assert problem["ref"] and problem["reason"]
    assert (result.code == ExitStatus.PARTIAL) == bool(report["problems"])


def test_enron_mailbox_owner_gets_conversations_when_named(run, corpus, tmp_path):
    # The Enron mailbox has no Sent folder (the original folder is only in X-Folder), so
    # ghostscan cannot learn the owner; named in the config, his conversations are found.
    config = tmp_path / "enron.yaml"
    config.write_text("track: all\nidentity:\n  addresses: [j.kaminski@enron.com]\n", encoding="utf-8")
    source = corpus.root / "threads" / "enron-kaminski-v"
    result = run("--config", str(config), "audit", "--source", str(source), "--format", "json")
    assert result.code in (ExitStatus.OK, ExitStatus.PARTIAL), result.stderr
    report = json.loads(result.stdout)
    assert report["messages_read"] >= 190
    assert report["own_addresses"] == ["j.kaminski@enron.com"]
    assert len(report["conversations"]) >= 50
