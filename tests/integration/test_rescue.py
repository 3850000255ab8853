"""``spam-check --rescue`` against a real Dovecot: with MOVE, without it (COPY, verify, UID
EXPUNGE), without UIDPLUS (copy only), and a connection lost between COPY and EXPUNGE.

Each test gets a Dovecot of its own (it starts in a fraction of a second) holding the demo
mailbox samples/mailbox for ``anna``: 51 messages, 4 of them in Junk, one of which is Stefan
Hofmann's acceptance of an offer (verdict reply_in_spam); the other three are spam. The
server's CAPABILITY list is set per test with Dovecot's ``imap_capability``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from servers import missing_server
from servers.dovecot import Dovecot, DovecotUser, find_dovecot

from ghostscan.actions.rescue import CheckMode, ImapRescuer, Outcome, check_spam
from ghostscan.environment import Environment
from ghostscan.pipeline import scan
from ghostscan.settings import settings_from_mapping
from ghostscan.sources.imap import ImapMover, ImapSource
from ghostscan.sources.maildir import MaildirSource
from ghostscan.status import ExitStatus
from ghostscan.store import sync_state
from ghostscan.store.db import open_store

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "mailbox"
FOLDERS = {"Sent": "\\Sent", "Junk": "\\Junk", "Archiv": None, "Kunden/Mueller Bau": None}
ALL = ["INBOX", *FOLDERS]
HOFMANN = "ca6cd124-b1a7-42e2-bd08-258c6b537bf2@weingut-hofmann.de"
ENVIRON = {"GS_PW_ANNA": "secret"}
AS_OF = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)

# Dovecot 2.3's own list after login, less what a test takes away.
DOVECOT_CAPABILITIES = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
    "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS "
    "BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
)


def without(*names: str) -> str:
    return " ".join(c for c in DOVECOT_CAPABILITIES.split() if c not in names)


@pytest.fixture
def start(tmp_path) -> Iterator:
    """``start(imap_capability=None)`` → a Dovecot with the samples loaded for anna."""
    if find_dovecot() is None:
        missing_server("dovecot is not installed: sh scripts/test.sh installs it (apt-get install dovecot-imapd)")
    started: list[tuple[Dovecot, Path]] = []

    def _start(imap_capability: str | None = None) -> Dovecot:
        base = Path(tempfile.mkdtemp(prefix="gs-rs-", dir="/tmp"))
        server = Dovecot.start(base, [DovecotUser("anna", "secret", folders=FOLDERS)], imap_capability=imap_capability)
        started.append((server, base))
        source = MaildirSource(SAMPLES)
        for folder in source.folders():
            for raw in source.messages(folder):
                server.append("anna", folder.name, raw.load(), flags=tuple(raw.flags), internal_date=raw.internal_date)
        return server

    yield _start
    for server, base in started:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def write_config(server: Dovecot, tmp_path: Path) -> Path:
    account = {
        "host": server.host,
        "port": server.port,
        "security": "starttls",
        "username": "anna",
        "password_env": "GS_PW_ANNA",
        "ca_file": str(server.ca_file),
        "timeout": 5,
    }
    path = tmp_path / "ghostscan.yaml"
    path.write_text(yaml.safe_dump({"store": {"path": str(tmp_path / "store.sqlite")}, "accounts": {"anna": account}}), encoding="utf-8")
    return path


def counts(server: Dovecot) -> dict[str, int]:
    return {folder: server.count("anna", folder) for folder in ALL}


def uids_with(server: Dovecot, folder: str, message_id: str) -> list[int]:
    with server.session("anna") as client:
        client.select(f'"{folder}"', readonly=True)
        typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", message_id)
        return [int(n) for n in data[0].split()]


def spam_check(run, config: Path, *args: str):
    result = run("--config", str(config), "spam-check", "--account", "anna", "--format", "json", *args, environ=ENVIRON)
    return result, (json.loads(result.stdout) if result.stdout else None)


def check_once(config: Path, mode: CheckMode):
    """One spam-check through the library, returning it and the IMAP commands it sent."""
    settings = settings_from_mapping(yaml.safe_load(config.read_text()))
    with open_store(Path(settings.store.path or "")) as store:
        source = ImapSource(settings.account("anna"), store, Environment(environ=ENVIRON, now=lambda: AS_OF))
        try:
            result = scan(source, settings, now=AS_OF)
            return check_spam(result, ImapRescuer(source.session, result.folders), mode), source.session.commands
        finally:
            source.close()


def test_with_move_the_reply_is_moved_spam_stays_and_a_rerun_changes_nothing(start, run, tmp_path):
    server = start()
    config = write_config(server, tmp_path)
    before = counts(server)
    flags_before = {f: server.flags("anna", f) for f in ALL}
    assert before == {"INBOX": 15, "Sent": 25, "Junk": 4, "Archiv": 6, "Kunden/Mueller Bau": 1}

    listed, data = spam_check(run, config)
    assert listed.code == ExitStatus.FOUND, listed.stderr
    assert [(m["message_id"], m["reason"], m["action"]) for m in data["messages"]] == [(HOFMANN, "conversation", None)]
    dry, data = spam_check(run, config, "--dry-run")
    assert dry.code == ExitStatus.FOUND
    assert (data["mode"], data["method"], data["messages"][0]["action"]) == ("dry-run", "move", "would move")
    assert counts(server) == before
    assert {f: server.flags("anna", f) for f in ALL} == flags_before, "listing and --dry-run change no flag"

    check, commands = check_once(config, CheckMode.RESCUE)
    assert [(o.outcome, o.detail) for o in check.outcomes] == [(Outcome.MOVED, "moved to INBOX (MOVE)")]
    assert commands["MOVE"] == 1 and commands["COPY"] == 0 and commands["EXPUNGE"] == 0
    after = counts(server)
    assert after == {**before, "INBOX": before["INBOX"] + 1, "Junk": before["Junk"] - 1}
    assert sum(after.values()) == sum(before.values()) == 51
    assert len(uids_with(server, "INBOX", HOFMANN)) == 1 and uids_with(server, "Junk", HOFMANN) == []
    flags_after = {f: server.flags("anna", f) for f in ALL}
    assert {f: flags_after[f] for f in FOLDERS if f != "Junk"} == {f: flags_before[f] for f in FOLDERS if f != "Junk"}
    assert flags_after["INBOX"].items() >= flags_before["INBOX"].items(), "INBOX only gained a message"
    assert flags_after["Junk"].items() < flags_before["Junk"].items(), "the spam left in Junk is untouched"

    again, data = spam_check(run, config, "--rescue")
    assert again.code == ExitStatus.OK, again.stderr
    assert data["found"] == 0 and counts(server) == after

    # The store synced before the move syncs the changed folders normally: the reply now
    # answers the offer, and the cache holds exactly what the server holds.
    audit = run("--config", str(config), "audit", "--account", "anna", "--as-of", "2026-11-20", "--format", "json", environ=ENVIRON)
    verdicts = {c["id"]: c["verdict"] for c in json.loads(audit.stdout)["conversations"]}
    assert verdicts["97fbe83d-1339-44a9-b496-a4b34b01c210@studio-berg.de"] == "answered"
    assert "reply_in_spam" not in verdicts.values()
    with open_store(tmp_path / "store.sqlite") as store:
        assert {f: sync_state.count_messages(store, "anna", f) for f in ALL} == after


def test_without_move_copy_is_verified_then_only_that_uid_is_expunged(start, run, tmp_path):
    server = start(without("MOVE"))
    config = write_config(server, tmp_path)
    before = counts(server)
    # A message the user deleted but did not expunge: a plain EXPUNGE would take it with it.
    with server.session("anna") as client:
        client.select("Junk")
        typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", "cae2374134da7777c898@fastfund-capital.biz")
        client.uid("STORE", data[0].decode(), "+FLAGS", "(\\Deleted)")

    result, data = spam_check(run, config, "--rescue")
    assert result.code == ExitStatus.OK, result.stderr
    assert (data["method"], data["messages"][0]["action"]) == ("copy+expunge", "moved")
    assert data["messages"][0]["action_detail"] == "moved to INBOX (COPY, verified, UID EXPUNGE)"
    after = counts(server)
    assert after == {**before, "INBOX": before["INBOX"] + 1, "Junk": before["Junk"] - 1}
    assert len(uids_with(server, "INBOX", HOFMANN)) == 1 and uids_with(server, "Junk", HOFMANN) == []
    assert sum(1 for flags in server.flags("anna", "Junk").values() if "\\Deleted" in flags) == 1, "the user's deleted message is still there"

    check, commands = check_once(config, CheckMode.RESCUE)
    assert check.plan.candidates == () and commands["SELECT"] == 0 and commands["MOVE"] == 0


def test_connection_lost_between_copy_and_expunge_loses_nothing_and_a_rerun_finishes(start, run, tmp_path, monkeypatch):
    server = start(without("MOVE"))
    config = write_config(server, tmp_path)
    before = counts(server)
    real_expunge = ImapMover.expunge

    def cut_then_expunge(self, uids):
        self.session.client.shutdown()  # the network goes away after COPY and its check
        return real_expunge(self, uids)

    monkeypatch.setattr(ImapMover, "expunge", cut_then_expunge)
    failed, _ = spam_check(run, config, "--rescue")
    assert failed.code == ExitStatus.CONNECTION == 6
    assert failed.stderr.startswith("ghostscan: error: account anna: connection lost during STORE in Junk (")
    assert failed.stderr.endswith("); nothing unverified was deleted: run the rescue again to finish\n")
    # Nothing lost: the copy is in INBOX, the original still in Junk, unflagged.
    assert counts(server) == {**before, "INBOX": before["INBOX"] + 1}
    assert len(uids_with(server, "INBOX", HOFMANN)) == 1 and len(uids_with(server, "Junk", HOFMANN)) == 1
    assert all("\\Deleted" not in flags for flags in server.flags("anna", "Junk").values())

    monkeypatch.setattr(ImapMover, "expunge", real_expunge)
    check, commands = check_once(config, CheckMode.RESCUE)
    assert [(o.outcome, o.detail) for o in check.outcomes] == [(Outcome.MOVED, "moved to INBOX (copy already there, verified, UID EXPUNGE)")]
    assert commands["COPY"] == 0 and commands["EXPUNGE"] == 1
    assert counts(server) == {**before, "INBOX": before["INBOX"] + 1, "Junk": before["Junk"] - 1}
    assert len(uids_with(server, "INBOX", HOFMANN)) == 1, "no second copy"


def test_without_uidplus_the_copy_is_verified_and_the_original_left(start, run, tmp_path):
    server = start(without("MOVE", "UIDPLUS"))
    config = write_config(server, tmp_path)
    before = counts(server)
    result, data = spam_check(run, config, "--rescue")
    assert result.code == ExitStatus.FOUND, result.stderr
    assert data["method"] == "copy" and data["still_in_junk"] == 1
    (message,) = data["messages"]
    assert message["action"] == "copied"
    assert message["action_detail"] == (
        "verified copy in INBOX; the original stays in Junk because the server has no UIDPLUS (delete it there yourself)"
    )
    assert counts(server) == {**before, "INBOX": before["INBOX"] + 1}

    check, commands = check_once(config, CheckMode.RESCUE)
    assert [o.outcome for o in check.outcomes] == [Outcome.COPIED]
    assert commands["COPY"] == 0 and commands["EXPUNGE"] == 0 and commands["STORE"] == 0
    assert counts(server) == {**before, "INBOX": before["INBOX"] + 1}
    assert len(uids_with(server, "INBOX", HOFMANN)) == 1
    assert all("\\Deleted" not in flags for flags in server.flags("anna", "Junk").values())


def test_a_refused_copy_leaves_the_message_and_says_why(start, run, tmp_path, monkeypatch):
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError

    server = start(without("MOVE"))
    config = write_config(server, tmp_path)
    before = counts(server)

    def over_quota(self, messages, folder):
        # What a full mailbox answers (RFC 9208 §4.1.3 "OVERQUOTA"): injected at the protocol seam.
        raise IMAPClientError("copy failed: [OVERQUOTA] Quota exceeded (mailbox for user is full)")

    monkeypatch.setattr(IMAPClient, "copy", over_quota)
    result, data = spam_check(run, config, "--rescue")
    assert result.code == ExitStatus.FOUND, result.stderr
    (message,) = data["messages"]
    assert message["action"] == "left"
    assert message["action_detail"] == "the server refused COPY (copy failed: [OVERQUOTA] Quota exceeded (mailbox for user is full)); left in Junk"
    assert counts(server) == before


def test_write_operations_are_guarded_by_capability_and_junk_only(start, tmp_path):
    from ghostscan.sources.base import Folder, FolderRole
    from ghostscan.sources.imap import CapabilityError, ImapSession

    server = start(without("MOVE", "UIDPLUS"))
    settings = settings_from_mapping(yaml.safe_load(write_config(server, tmp_path).read_text()))
    session = ImapSession(settings.account("anna"), ENVIRON)
    try:
        with pytest.raises(ValueError, match="'INBOX' is not a Junk folder; the rescue only ever changes Junk"):
            ImapMover(session, Folder("INBOX", FolderRole.INBOX))
        mover = ImapMover(session, Folder("Junk", FolderRole.JUNK))
        junk_uids = sorted(server.flags("anna", "Junk"))
        with pytest.raises(CapabilityError) as moved:
            mover.move(junk_uids[:1], "INBOX")
        assert str(moved.value) == "account anna: the server does not offer MOVE, needed to move messages (RFC 6851)"
        with pytest.raises(CapabilityError, match="does not offer UIDPLUS, needed to remove only the rescued messages from Junk"):
            mover.expunge(junk_uids[:1])
        assert session.commands["SELECT"] == 0, "nothing was opened read-write"
    finally:
        session.close()
    assert server.count("anna", "Junk") == 4
    assert all("\\Deleted" not in flags for flags in server.flags("anna", "Junk").values())
