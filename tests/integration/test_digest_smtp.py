"""``ghostscan digest --send`` against a real SMTP server (aiosmtpd on 127.0.0.1).

The server speaks STARTTLS or implicit TLS with a throwaway trustme certificate and wants
AUTH. Each test runs the whole program and parses what the server received.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import trustme
import yaml
from servers import missing_server
from servers.dovecot import Dovecot, DovecotUser, find_dovecot
from servers.smtpd import Smtpd

from ghostscan.status import ExitStatus

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "mailbox"
PASSWORD = "s3cret-Pa55"
DAY_1 = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
SUBJECT_1 = "ghostscan 2026-11-20: 1 reply in Junk, 2 bounced, 5 to follow up, 2 away, 1 firm order silent (11 new)"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(params=["starttls", "ssl"])
def smtpd(request, ca):
    with Smtpd.start(request.param, ca, user="anna", password=PASSWORD) as server:
        yield server


@pytest.fixture
def starttls_smtpd(ca):
    with Smtpd.start("starttls", ca, user="anna", password=PASSWORD) as server:
        yield server


def write_config(tmp_path: Path, ca: trustme.CA, server_port: int, security: str, **top: object) -> Path:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    config = {
        **top,
        "digest": {"from": "anna@studio-berg.de", "to": ["boss@studio-berg.de"]},
        "smtp": {
            "host": "127.0.0.1",
            "port": server_port,
            "security": security,
            "username": "anna",
            "password_env": "GS_SMTP_PASSWORD",
            "ca_file": str(ca_file),
            "timeout": 10,
        },
    }
    path = tmp_path / "ghostscan.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def send(run, config: Path, *args: str, password: str = PASSWORD, now: datetime = DAY_1, source: Path = SAMPLES):
    return run(
        "--config", str(config), "digest", "--source", str(source), "--as-of", now.date().isoformat(), "--send", *args,
        environ={"GS_SMTP_PASSWORD": password},
        now=lambda: now,
    )


def parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    # Sent with CRLF line ends (RFC 5321); compared here with plain newlines.
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    return text, html


def test_digest_arrives_over_tls_with_auth_and_its_sections(run, tmp_path, ca, smtpd):
    config = write_config(tmp_path, ca, smtpd.port, smtpd.security)
    result = send(run, config)
    assert result.code == ExitStatus.OK, result.stderr
    assert result.stderr == ""
    assert result.stdout == f"digest sent to boss@studio-berg.de via 127.0.0.1:{smtpd.port}: {SUBJECT_1}\n"
    [received] = smtpd.received
    assert received.authenticated == "anna"
    assert received.mail_from == "anna@studio-berg.de"
    assert received.rcpt_tos == ("boss@studio-berg.de",)
    message = received.message
    assert message["Subject"] == SUBJECT_1
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = parts(message)
    headings = [line for line in text.splitlines() if line.startswith("== ")]
    assert headings == [
        "== Replies waiting in Junk (1) ==",
        "== Offers that did not arrive (2) ==",
        "== Follow up today (5) ==",
        "== Out of office (2) ==",
        "== Firm orders gone silent (1) ==",
    ]
    # One item as the user reads it: who, what, since when, why, what to do, how to reach them.
    follow_up = text.split("== Follow up today (5) ==")[1].split("== Out of office")[0]
    pohl = follow_up.split("[NEW] Gerhard Pohl (pohl-sanitaer.de)\n")[1].split("\n\n")[0].splitlines()
    assert pohl[:5] == [
        "   Anfrage Internetauftritt",
        "   offer of 2026-10-07 · 32 business days silent · no follow-up yet",
        "   Why: 32 business days since our last message (threshold 5)",
        "   Next: Send one short follow-up that shows interest without pressure: did the offer arrive, are questions open?",
        "   Call: +49306543210",
    ]
    assert "Frank Schäfer (elektro-schaefer.de)" in text and "back on 2026-12-07" in text
    # The HTML part: tel: and LinkedIn links, nothing a mail client strips or blocks.
    assert 'href="tel:+49306543210"' in html
    assert 'href="https://www.linkedin.com/search/results/people/?keywords=Gerhard%20Pohl' in html
    for banned in ("<script", "<img", "<style", "<link", "url("):
        assert banned not in html.lower()
    assert html.count("Follow up today (5)") == 1


def test_second_send_on_the_same_day_sends_nothing_unless_forced(run, tmp_path, ca, starttls_smtpd):
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    assert send(run, config).code == ExitStatus.OK
    again = send(run, config)
    assert again.code == ExitStatus.OK
    assert again.stdout == (
        "today's digest for " + str(SAMPLES) + " was already sent (2026-11-20T07:00:00+00:00 to boss@studio-berg.de): "
        "nothing sent; --force sends it again\n"
    )
    assert len(starttls_smtpd.received) == 1
    forced = send(run, config, "--force")
    assert forced.code == ExitStatus.OK
    assert len(starttls_smtpd.received) == 2
    # A forced second digest marks the same items new as the first one of the day.
    assert starttls_smtpd.received[1].message["Subject"] == SUBJECT_1


def test_the_next_day_marks_only_what_is_new(run, tmp_path, ca, starttls_smtpd):
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    assert send(run, config).code == ExitStatus.OK
    # A week later the offer of 18.11. to Blumen Fischer is 7 business days old: silent.
    later = datetime(2026, 11, 27, 7, 0, tzinfo=timezone.utc)
    result = send(run, config, now=later)
    assert result.code == ExitStatus.OK, result.stderr
    message = starttls_smtpd.received[1].message
    assert message["Subject"] == "ghostscan 2026-11-27: 1 reply in Junk, 2 bounced, 6 to follow up, 2 away, 1 firm order silent (1 new)"
    text, html = parts(message)
    new = [line for line in text.splitlines() if line.startswith("[NEW]")]
    assert new == ["[NEW] Nicole Fischer (blumen-fischer-berlin.de)"]
    assert html.count(">NEW</span>") == 1


def test_refused_login_exits_5_keeps_the_message_and_never_shows_the_password(run, tmp_path, ca, starttls_smtpd):
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    wrong = "wr0ng-Passw0rd"
    result = send(run, config, password=wrong)
    assert result.code == ExitStatus.AUTH == 5
    kept = tmp_path / "home" / ".local" / "state" / "ghostscan" / "digest" / "unsent"
    [path] = kept.iterdir()
    assert result.stderr == (
        f"ghostscan: error: cannot send the digest via 127.0.0.1:{starttls_smtpd.port}: login refused: "
        f"535 5.7.8 Authentication credentials invalid; the message is kept in {path}\n"
    )
    assert result.stdout == ""
    for secret in (wrong, PASSWORD):
        assert secret not in result.stdout + result.stderr
    kept_message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert kept_message["Subject"] == SUBJECT_1
    assert starttls_smtpd.received == []
    # Nothing was sent, so nothing counts as sent: the right password sends today's digest.
    assert send(run, config).code == ExitStatus.OK
    assert len(starttls_smtpd.received) == 1
    assert not path.exists()


def test_unreachable_server_exits_6_and_keeps_the_message(run, tmp_path, ca):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe is closed: the connection is refused.
    config = write_config(tmp_path, ca, port, "starttls")
    result = send(run, config)
    assert result.code == ExitStatus.CONNECTION == 6
    assert result.stderr.startswith(f"ghostscan: error: cannot send the digest via 127.0.0.1:{port}: cannot connect: ")
    kept = Path(result.stderr.rstrip("\n").rsplit("; the message is kept in ", 1)[1])
    assert kept.is_file() and b"Subject: ghostscan 2026-11-20" in kept.read_bytes()
    assert PASSWORD not in result.stderr


def test_refused_recipient_exits_11_and_keeps_the_message(run, tmp_path, ca, starttls_smtpd):
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    starttls_smtpd.refuse_recipients()
    result = send(run, config)
    assert result.code == ExitStatus.SEND == 11
    assert "every recipient was refused: boss@studio-berg.de (550 5.1.1 no such mailbox here); check digest.to" in result.stderr
    assert "; the message is kept in " in result.stderr
    assert starttls_smtpd.received == []


def test_untrusted_certificate_is_a_connection_error(run, tmp_path, ca, starttls_smtpd):
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    other = trustme.CA()
    other.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    result = send(run, config)
    assert result.code == ExitStatus.CONNECTION
    assert "the certificate is not trusted" in result.stderr and "set smtp.ca_file" in result.stderr
    assert starttls_smtpd.received == []


HOSTILE_SUBJECT = "Angebot <script>alert(1)</script>\r\nBcc: evil@example.com"


def _hostile_maildir(root: Path) -> Path:
    """A Maildir with one offer of ours whose subject carries markup and a CRLF (RFC 2047-encoded)."""
    from email.header import Header

    for folder in (root, root / ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
    subject = Header(HOSTILE_SUBJECT, "utf-8").encode()
    message = (
        "From: Anna Berg <anna@studio-berg.de>\r\n"
        "To: Eve Mallory <eve@mallory-shop.de>\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <hostile-1@studio-berg.de>\r\n"
        "Date: Mon, 02 Nov 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Anbei unser Angebot.\r\n"
    )
    (root / ".Sent" / "cur" / "1793610000.M1P1.studio-berg:2,S").write_text(message, encoding="utf-8")
    return root


def test_a_hostile_subject_arrives_escaped_and_injects_no_header(run, tmp_path, ca, starttls_smtpd):
    mailbox = _hostile_maildir(tmp_path / "hostile")
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    result = send(run, config, source=mailbox)
    assert result.code == ExitStatus.OK, result.stderr
    [received] = starttls_smtpd.received
    assert received.rcpt_tos == ("boss@studio-berg.de",)
    headers = received.data.split(b"\r\n\r\n", 1)[0]
    assert b"evil@example.com" not in headers and received.message["Bcc"] is None
    text, html = parts(received.message)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    # In the plain part the subject stays on its one line.
    assert "   Angebot <script>alert(1)</script> Bcc: evil@example.com\n" in text


def test_german_digest(run, tmp_path, ca, starttls_smtpd):
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls", language="de")
    assert send(run, config).code == ExitStatus.OK
    message = starttls_smtpd.received[0].message
    assert message["Subject"] == "ghostscan 20.11.2026: 1 Antwort im Spam, 2 unzustellbar, 5 nachfassen, 2 abwesend, 1 Auftrag still (11 neu)"
    text, _ = parts(message)
    assert "== Heute nachfassen (5) ==" in text
    assert "Angebot vom 07.10.2026 · seit 32 Werktagen still · noch nicht nachgefasst" in text
    assert "Anrufen: +49306543210" in text


@pytest.fixture(scope="module")
def imap_with_samples():
    """A Dovecot of this module's own whose user anna holds samples/mailbox (loaded by APPEND)."""
    from ghostscan.sources.maildir import MaildirSource

    if find_dovecot() is None:
        missing_server("dovecot is not installed: sh scripts/test.sh installs it (apt-get install dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="gs-dg-", dir="/tmp"))
    folders = {"Sent": "\\Sent", "Junk": "\\Junk", "Archiv": None, "Kunden/Mueller Bau": None}
    try:
        with Dovecot.start(base, [DovecotUser("anna", "secret", folders=folders)]) as server:
            source = MaildirSource(SAMPLES)
            for folder in source.folders():
                for raw in source.messages(folder):
                    server.append("anna", folder.name, raw.load(), flags=tuple(raw.flags), internal_date=raw.internal_date)
            yield server
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_digest_of_an_imap_account_is_the_digest_of_the_same_mail(run, tmp_path, ca, starttls_smtpd, imap_with_samples):
    server = imap_with_samples
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["store"] = {"path": str(tmp_path / "store.sqlite")}
    data["accounts"] = {
        "work": {
            "host": server.host, "port": server.port, "security": "starttls", "username": "anna",
            "password_env": "GS_IMAP_PASSWORD", "ca_file": str(server.ca_file), "timeout": 10,
        }
    }
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    environ = {"GS_SMTP_PASSWORD": PASSWORD, "GS_IMAP_PASSWORD": "secret"}
    args = ("--config", str(config), "digest", "--account", "work", "--as-of", "2026-11-20", "--send")
    result = run(*args, environ=environ, now=lambda: DAY_1)
    assert result.code == ExitStatus.OK, result.stderr
    [received] = starttls_smtpd.received
    assert received.message["Subject"] == SUBJECT_1
    again = run(*args, environ=environ, now=lambda: DAY_1)
    assert again.stdout.startswith("today's digest for work was already sent (")
    assert len(starttls_smtpd.received) == 1


def test_verify_tls_off_sends_but_says_so_loudly(run, tmp_path, ca, starttls_smtpd):
    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["smtp"].pop("ca_file")
    data["smtp"]["verify_tls"] = False
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = send(run, config)
    assert result.code == ExitStatus.OK, result.stderr
    assert result.stderr == (
        "ghostscan: WARNING: smtp 127.0.0.1: TLS certificate verification is OFF (verify_tls: false): "
        "anyone on the network path can read the digest and the password\n"
    )
    assert len(starttls_smtpd.received) == 1


def test_local_relay_without_login(run, tmp_path, ca):
    with Smtpd.start("none", ca) as relay:
        config = tmp_path / "gs.yaml"
        config.write_text(
            yaml.safe_dump({"digest": {"to": ["boss@studio-berg.de"]}, "smtp": {"host": "127.0.0.1", "port": relay.port, "security": "none"}}),
            encoding="utf-8",
        )
        result = send(run, config)
        assert result.code == ExitStatus.OK, result.stderr
        [received] = relay.received
        assert received.authenticated is None
        # No digest.from: the own address learned from the Sent folder.
        assert received.mail_from == "anna@studio-berg.de" and received.rcpt_tos == ("boss@studio-berg.de",)


def test_a_server_that_never_greets_is_a_timeout(run, tmp_path, ca):
    with socket.socket() as mute:
        # Listening but never accepting: the connection is made, no greeting ever comes.
        mute.bind(("127.0.0.1", 0))
        mute.listen(1)
        port = mute.getsockname()[1]
        config = write_config(tmp_path, ca, port, "starttls")
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
        data["smtp"]["timeout"] = 1
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        result = send(run, config)
    assert result.code == ExitStatus.CONNECTION
    assert result.stderr.startswith(f"ghostscan: error: cannot send the digest via 127.0.0.1:{port}: no answer within 1 s; the message is kept in ")


def test_the_daemons_digest_job_sends_the_real_digest_once_a_day(tmp_path, ca, starttls_smtpd):
    from ghostscan.cli import cli
    from ghostscan.cli.context import AppContext
    from ghostscan.cli.daemon import build_jobs
    from ghostscan.environment import Environment

    config = write_config(tmp_path, ca, starttls_smtpd.port, "starttls", schedule={"digest": {"cron": "30 7 * * mon-fri", "timezone": "Europe/Berlin"}})
    env = Environment(environ={"HOME": str(tmp_path / "home"), "GS_SMTP_PASSWORD": PASSWORD}, now=lambda: DAY_1)
    jobs = {job.id: job for job in build_jobs(AppContext(env=env, config=str(config)), [], [str(SAMPLES)], group=cli)}
    digest = jobs[f"digest:{SAMPLES}"]
    assert digest.run() == f"ghostscan digest --send --source {SAMPLES}: done"
    [received] = starttls_smtpd.received
    assert received.message["Subject"] == SUBJECT_1
    assert digest.run() == f"ghostscan digest --send --source {SAMPLES}: done"
    assert len(starttls_smtpd.received) == 1, "the second run that day sends nothing"
