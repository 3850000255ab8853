"""Exit codes and the exact error lines a user sees (README "Exit codes")."""

from __future__ import annotations

import os

from ghostscan import __version__
from ghostscan.status import ExitStatus

MESSAGE = b"""From: Hans <hans@mueller-bau.de>
To: anna@studio-berg.de
Subject: Re: Angebot
Message-ID: <r1@mueller-bau.de>
Date: Tue, 10 Nov 2026 10:00:00 +0100

Passt, machen wir so.
"""


def test_version(run):
    result = run("--version")
    assert result.code == ExitStatus.OK
    assert result.stdout == f"ghostscan, version {__version__}\n"


def test_missing_mailbox_is_one_line_and_exit_4(run, tmp_path):
    missing = tmp_path / "nope"
    result = run("audit", "--source", str(missing))
    assert result.code == ExitStatus.SOURCE == 4
    assert result.stderr == f"ghostscan: error: cannot read mailbox {missing}: no such file or directory\n"
    assert result.stdout == ""


def test_no_source_is_a_usage_error(run):
    result = run("audit")
    assert result.code == ExitStatus.USAGE == 2
    assert result.stderr.endswith("Error: no mailbox given: use --source PATH or --account NAME, or set 'source' in the config\n")


def test_unknown_option_is_a_usage_error(run):
    result = run("audit", "--frobnicate")
    assert result.code == 2
    assert "Error: No such option '--frobnicate'" in result.stderr


def test_bad_option_value_is_a_usage_error(run, tmp_path):
    result = run("audit", "--source", str(tmp_path), "--since", "last tuesday")
    assert result.code == 2
    assert "'last tuesday' is not a date like 2026-11-20" in result.stderr


def test_broken_config_names_the_key_and_exits_3(run, tmp_path):
    config = tmp_path / "gs.yaml"
    config.write_text("silence:\n  business_days: soon\n", encoding="utf-8")
    result = run("--config", str(config), "audit", "--source", str(tmp_path))
    assert result.code == ExitStatus.CONFIG == 3
    assert result.stderr == f"ghostscan: error: {config}: silence.business_days: expected a whole number, got text\n"


def test_config_from_environment_variable(run, tmp_path):
    config = tmp_path / "gs.yaml"
    config.write_text("identity:\n  addresses: [anna]\n", encoding="utf-8")
    result = run("config", "check", environ={"GHOSTSCAN_CONFIG": str(config)})
    assert result.code == 3
    assert result.stderr == f"ghostscan: error: {config}: identity.addresses[0]: not an e-mail address: 'anna'\n"


def test_config_check_ok(run, tmp_path):
    config = tmp_path / "gs.yaml"
    config.write_text("identity:\n  addresses: [anna@studio-berg.de]\nsilence:\n  subdivision: BE\n", encoding="utf-8")
    result = run("--config", str(config), "config", "check")
    assert result.code == 0
    assert result.stdout.splitlines()[0] == f"config: {config}: ok"
    assert "identity.addresses: anna@studio-berg.de" in result.stdout
    assert "silence: 5 business days, holidays of DE-BE, days in Europe/Berlin" in result.stdout


def test_unreadable_message_is_reported_and_the_rest_is_scanned(run, tmp_path):
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp", ".Sent/cur"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1700000000.M1P1.host:2,S").write_bytes(MESSAGE)
    os.symlink(tmp_path / "vanished", box / "cur" / "1700000001.M2P1.host:2,S")
    result = run("audit", "--source", str(box), "--format", "json")
    assert result.code == ExitStatus.PARTIAL == 7
    assert "ghostscan: WARNING: 1 message(s) could not be read and were skipped (-v lists them)" in result.stderr
    assert '"messages_read": 1' in result.stdout
    assert "Traceback" not in result.stderr


def test_unexpected_error_is_one_line_without_traceback(run, tmp_path):
    box = tmp_path / "Maildir"
    (box / "cur").mkdir(parents=True)

    def broken_clock():
        raise RuntimeError("clock stopped")

    result = run("audit", "--source", str(box), now=broken_clock)
    assert result.code == ExitStatus.ERROR == 1
    assert result.stderr == "ghostscan: error: unexpected RuntimeError: clock stopped (run with --debug for the traceback)\n"
    debug = run("--debug", "audit", "--source", str(box), now=broken_clock)
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.endswith("ghostscan: error: unexpected RuntimeError: clock stopped\n")


def test_classify_missing_file_reports_it_and_exits_7(run, tmp_path):
    good = tmp_path / "reply.eml"
    good.write_bytes(MESSAGE)
    result = run("classify", str(good), str(tmp_path / "missing.eml"))
    assert result.code == 7
    assert result.stdout.splitlines()[0] == f"{good}: human"
    assert f"{tmp_path / 'missing.eml'}: error: No such file or directory" in result.stdout
