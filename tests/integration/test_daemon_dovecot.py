"""``ghostscan daemon`` against a real Dovecot: the poll syncs the account into the store,
one line per run, and a poll on a store that another run holds is skipped with a warning.

A Dovecot of its own: a sync ENABLEs CONDSTORE, which Dovecot then keeps on for the
mailbox, and the session server's tests expect it off.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from servers import missing_server
from servers.dovecot import Dovecot, DovecotUser, find_dovecot

from ghostscan.schedule.lock import run_lock
from ghostscan.status import ExitStatus

MESSAGE = (
    b"From: Anna Berg <anna@studio-berg.de>\r\n"
    b"To: Hans <hans@mueller-bau.de>\r\n"
    b"Subject: Angebot Website\r\n"
    b"Message-ID: <daemon-poll-1@studio-berg.de>\r\n"
    b"Date: Mon, 02 Nov 2026 10:30:00 +0100\r\n"
    b"\r\n"
    b"Anbei unser Angebot.\r\n"
)


@pytest.fixture(scope="module")
def dovecot():
    if find_dovecot() is None:
        missing_server("dovecot is not installed: sh scripts/test.sh installs it (apt-get install dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="gs-dd-", dir="/tmp"))
    try:
        with Dovecot.start(base, [DovecotUser("anna", "secret", folders={"Sent": "\\Sent", "Junk": "\\Junk"})]) as server:
            yield server
    finally:
        shutil.rmtree(base, ignore_errors=True)


def write_config(dovecot, tmp_path):
    store = tmp_path / "store.sqlite"
    account = {
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "starttls",
        "username": "anna",
        "password_env": "GS_PW_ANNA",
        "ca_file": str(dovecot.ca_file),
        "timeout": 5,
    }
    config = tmp_path / "ghostscan.yaml"
    config.write_text(yaml.safe_dump({"store": {"path": str(store)}, "accounts": {"anna": account}, "schedule": {"accounts": ["anna"]}}), encoding="utf-8")
    return config, store


def ghostscan(config, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "ghostscan", "--config", str(config), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "GS_PW_ANNA": "secret"},
        **kwargs,
    )


def test_daemon_poll_syncs_the_account_into_the_store(dovecot, tmp_path):
    dovecot.append("anna", "Sent", MESSAGE, internal_date=datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc))
    config, store = write_config(dovecot, tmp_path)
    daemon = ghostscan(config, "daemon", "--run-now")
    try:
        for line in daemon.stderr:
            if line.startswith("ghostscan: INFO: poll anna: ") or "ERROR" in line:
                break
        assert line.startswith("ghostscan: INFO: poll anna: "), line
        assert " messages" in line
        daemon.send_signal(signal.SIGTERM)
        _, rest = daemon.communicate(timeout=120)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0
    assert rest.endswith("ghostscan: INFO: stopped\n")
    info = subprocess.run([sys.executable, "-m", "ghostscan", "--config", str(config), "cache", "info"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert "anna\tSent\tsent\t1 messages" in info.stdout.splitlines(), info.stdout


def test_daemon_poll_on_a_busy_store_is_skipped_with_a_warning(dovecot, tmp_path):
    config, store = write_config(dovecot, tmp_path)
    with run_lock(store):
        daemon = ghostscan(config, "daemon", "--run-now")
        try:
            first = daemon.stderr.readline()
            while first.startswith("ghostscan: INFO: scheduled") or first.startswith("ghostscan: INFO: started"):
                first = daemon.stderr.readline()
            daemon.send_signal(signal.SIGTERM)
            _, rest = daemon.communicate(timeout=120)
        finally:
            if daemon.poll() is None:
                daemon.kill()
    assert first == f"ghostscan: WARNING: poll anna: skipped: store {store} is in use by another ghostscan run (pid {os.getpid()}); try again later or pass --wait SECONDS\n"
    assert daemon.returncode == ExitStatus.OK
