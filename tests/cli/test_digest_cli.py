"""``ghostscan digest`` without a server: preview, --dry-run, --output, all clear, usage and config errors."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from ghostscan.status import ExitStatus

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "mailbox"


def _empty_maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    return root


def test_preview_prints_the_text_digest(run):
    result = run("digest", "--source", str(SAMPLES), "--as-of", "2026-11-20")
    assert result.code == ExitStatus.OK and result.stderr == ""
    assert result.stdout.startswith("What needs doing today - 2026-11-20\n\n== Replies waiting in Junk (1) ==\n\n[NEW] Stefan Hofmann (weingut-hofmann.de)\n")
    assert "== Firm orders gone silent (1) ==" in result.stdout


def test_dry_run_prints_the_exact_message(run):
    result = run("digest", "--source", str(SAMPLES), "--as-of", "2026-11-20", "--dry-run")
    assert result.code == ExitStatus.OK, result.stderr
    message = email.message_from_string(result.stdout, policy=email.policy.default)
    assert message["Subject"] == "ghostscan 2026-11-20: 1 reply in Junk, 2 bounced, 5 to follow up, 2 away, 1 firm order silent (11 new)"
    # No config: From and To are the own address learned from the Sent folder.
    assert message["From"] == "anna@studio-berg.de" and message["To"] == "anna@studio-berg.de"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_output_writes_an_eml_file_and_sends_nothing(run, tmp_path):
    out = tmp_path / "digest.eml"
    result = run("digest", "--source", str(SAMPLES), "--as-of", "2026-11-20", "--output", str(out))
    assert result.code == ExitStatus.OK, result.stderr
    message = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert result.stdout == f"digest written to {out}: {message['Subject']}\n"
    assert "Follow up today (5)" in message.get_body(("html",)).get_content()
    # Writing a file is not sending: no ledger entry, so nothing is marked as seen.
    assert not (tmp_path / "home" / ".local" / "state" / "ghostscan" / "digest").exists()


def test_nothing_due_gives_all_clear_or_nothing_with_skip_empty(run, tmp_path):
    mailbox = _empty_maildir(tmp_path / "empty")
    config = tmp_path / "gs.yaml"
    config.write_text("digest:\n  from: anna@studio-berg.de\n", encoding="utf-8")
    result = run("--config", str(config), "digest", "--source", str(mailbox), "--dry-run")
    assert result.code == ExitStatus.OK, result.stderr
    message = email.message_from_string(result.stdout, policy=email.policy.default)
    assert message["Subject"] == "ghostscan 2026-11-20: all clear"
    skipped = run("--config", str(config), "digest", "--source", str(mailbox), "--dry-run", "--skip-empty")
    assert skipped.code == ExitStatus.OK
    assert skipped.stdout == f"nothing due for {mailbox}: no digest\n"


def test_send_without_smtp_config_names_the_key(run, tmp_path):
    result = run("digest", "--source", str(SAMPLES), "--send")
    assert result.code == ExitStatus.CONFIG == 3
    assert result.stderr == "ghostscan: error: smtp: missing: set smtp.host (and the login) to send the digest\n"


def test_no_from_address_names_the_key(run, tmp_path):
    result = run("digest", "--source", str(_empty_maildir(tmp_path / "empty")), "--dry-run")
    assert result.code == ExitStatus.CONFIG
    assert result.stderr.splitlines()[-1] + "\n" == "ghostscan: error: digest.from: missing: the digest's From address (no own address is configured or could be learned)\n"


def test_send_and_dry_run_exclude_each_other(run):
    result = run("digest", "--source", str(SAMPLES), "--send", "--dry-run")
    assert result.code == ExitStatus.USAGE
    assert result.stderr.endswith("Error: --send sends the digest; --dry-run and --output write it instead: use one or the other\n")
    forced = run("digest", "--source", str(SAMPLES), "--force")
    assert forced.code == ExitStatus.USAGE and "--force only makes sense with --send" in forced.stderr


def test_unset_password_variable_keeps_the_message(run, tmp_path):
    config = tmp_path / "gs.yaml"
    config.write_text("smtp:\n  host: 127.0.0.1\n  security: none\n  username: anna\n  password_env: GS_NOPE\n", encoding="utf-8")
    result = run("--config", str(config), "digest", "--source", str(SAMPLES), "--send")
    assert result.code == ExitStatus.CONFIG
    kept = tmp_path / "home" / ".local" / "state" / "ghostscan" / "digest" / "unsent"
    [path] = kept.iterdir()
    assert result.stderr == f"ghostscan: error: smtp.password_env: environment variable GS_NOPE is not set or empty; the message is kept in {path}\n"


def test_config_check_shows_the_digest_and_smtp_settings_without_the_password(run, tmp_path):
    config = tmp_path / "gs.yaml"
    config.write_text(
        "digest:\n  to: [boss@studio-berg.de]\n  from: anna@studio-berg.de\n"
        "smtp:\n  host: smtp.ionos.de\n  security: starttls\n  username: anna\n  password_env: GS_SMTP\n",
        encoding="utf-8",
    )
    result = run("--config", str(config), "config", "check", environ={"GS_SMTP": "hunter2-secret"})
    assert result.code == ExitStatus.OK
    assert result.stdout.splitlines()[-3:] == [
        "digest: from anna@studio-berg.de to boss@studio-berg.de",
        "smtp: smtp.ionos.de:587 (starttls), login anna, password from environment variable GS_SMTP",
        "schedule: poll every 15 min, digest none",
    ]
    assert "hunter2" not in result.stdout
