"""The IMAP source against a real Dovecot: same verdicts as the local source, read-only,
incremental, and robust against servers that drop or hang.

A Dovecot of its own for this module (the session one is shared): every user holds the demo
mailbox samples/mailbox, loaded by APPEND.

* ``anna``: English folder names with SPECIAL-USE flags; only read, never changed.
* ``berta``: German folder names ("Gesendete Elemente", "Spamverdacht") and no flags.
* ``carla``: like anna, for the tests that change the mailbox (new mail, UIDVALIDITY, expunge).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from servers import missing_server
from servers.cutting_proxy import CuttingProxy
from servers.dovecot import Dovecot, DovecotUser, find_dovecot

from ghostscan.environment import Environment
from ghostscan.errors import NetworkError
from ghostscan.pipeline import scan
from ghostscan.settings import settings_from_mapping
from ghostscan.sources import imap as imap_module
from ghostscan.sources.imap import ImapSession, ImapSource
from ghostscan.sources.maildir import MaildirSource
from ghostscan.status import ExitStatus
from ghostscan.store import sync_state
from ghostscan.store.db import open_store

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AS_OF = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)
PASSWORDS = {"anna": "secret", "berta": "geheim", "carla": "s3cret"}
ENGLISH = {"Sent": "\\Sent", "Junk": "\\Junk", "Archiv": None, "Kunden/Mueller Bau": None}
GERMAN = {"Sent": "Gesendete Elemente", "Junk": "Spamverdacht", "Archiv": "Archiv", "Kunden/Mueller Bau": "Kunden/Mueller Bau"}


def _load_samples(server: Dovecot, user: str, names: dict[str, str]) -> int:
    source = MaildirSource(SAMPLES / "mailbox")
    loaded = 0
    for folder in source.folders():
        target = "INBOX" if folder.name == "INBOX" else names[folder.name]
        for raw in source.messages(folder):
            # The DSN is left unread on purpose: fetching its body must not mark it seen.
            flags = () if b"MAILER-DAEMON" in raw.headers else tuple(raw.flags)
            server.append(user, target, raw.load(), flags=flags, internal_date=raw.internal_date)
            loaded += 1
    return loaded


@pytest.fixture(scope="module")
def server():
    if find_dovecot() is None:
        missing_server("dovecot is not installed: sh scripts/test.sh installs it (apt-get install dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="gs-im-", dir="/tmp"))
    users = [
        DovecotUser("anna", PASSWORDS["anna"], folders=ENGLISH),
        DovecotUser("berta", PASSWORDS["berta"], special_use=False, folders={v: None for v in [*GERMAN.values(), "Papierkorb", "Entwürfe"]}),
        DovecotUser("carla", PASSWORDS["carla"], folders=ENGLISH),
    ]
    try:
        with Dovecot.start(base, users) as dovecot:
            counts = {
                "anna": _load_samples(dovecot, "anna", {k: k for k in ENGLISH}),
                "berta": _load_samples(dovecot, "berta", GERMAN),
                "carla": _load_samples(dovecot, "carla", {k: k for k in ENGLISH}),
            }
            assert len(set(counts.values())) == 1
            yield dovecot
    finally:
        shutil.rmtree(base, ignore_errors=True)


def account_config(server: Dovecot, user: str, **overrides) -> dict:
    config = {
        "host": server.host,
        "port": server.port,
        "security": "starttls",
        "username": user,
        "password_env": f"GS_PW_{user.upper()}",
        "ca_file": str(server.ca_file),
        "timeout": 5,
    }
    config.update(overrides)
    return {k: v for k, v in config.items() if v is not None}


@pytest.fixture
def config_file(server, tmp_path):
    """A config with accounts anna, berta, carla and a few broken variants; store in tmp_path."""
    data = {
        "store": {"path": str(tmp_path / "store.sqlite")},
        "accounts": {
            "anna": account_config(server, "anna"),
            "berta": account_config(server, "berta"),
            "carla": account_config(server, "carla"),
            "anna-tls": account_config(server, "anna", port=server.tls_port, security="tls"),
            "anna-untrusted": account_config(server, "anna", port=server.tls_port, security="tls", ca_file=None),
            "wrong": account_config(server, "anna", password_env="GS_WRONG"),
        },
    }
    path = tmp_path / "ghostscan.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


ENVIRON = {"GS_PW_ANNA": "secret", "GS_PW_BERTA": "geheim", "GS_PW_CARLA": "s3cret", "GS_WRONG": "not-the-password"}


def audit(run, config_file, *args):
    return run("--config", str(config_file), "audit", "--as-of", "2026-11-20", "--format", "json", *args, environ=ENVIRON)


def verdicts(result) -> dict[str, str]:
    assert result.code == ExitStatus.OK, result.stderr
    return {c["id"]: c["verdict"] for c in json.loads(result.stdout)["conversations"]}


@pytest.fixture(scope="module")
def local_verdicts():
    from ghostscan.pipeline import scan_path
    from ghostscan.settings import Settings

    result = scan_path(SAMPLES / "mailbox", Settings(), now=AS_OF)
    return {d.conversation.id: d.verdict.value for d in result.decisions}


@pytest.mark.parametrize("account", ["anna", "berta", "anna-tls"])
def test_imap_gives_exactly_the_verdicts_of_the_local_source(run, config_file, local_verdicts, account):
    assert verdicts(audit(run, config_file, "--account", account)) == local_verdicts
    assert len(local_verdicts) == 22


def test_audit_of_an_account_prints_the_summary_of_the_local_audit(run, config_file):
    over_imap = run("--config", str(config_file), "audit", "--account", "anna", "--as-of", "2026-11-20", environ=ENVIRON)
    assert over_imap.code == ExitStatus.OK, over_imap.stderr
    summary = over_imap.stdout[over_imap.stdout.index("Summary\n"):]
    local = run("--config", str(config_file), "audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-11-20")
    assert summary == local.stdout[local.stdout.index("Summary\n"):]
    assert "Ghosting rate  28.6 % (6 silent of 21 decided; waiting not counted)" in summary
    assert "First reply    median 2 business days after our first message (12 replies)" in summary


def test_german_folder_names_without_special_use_get_their_roles(server, config_file, tmp_path):
    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    with open_store(tmp_path / "roles.sqlite") as store:
        source = ImapSource(settings.account("berta"), store, Environment(environ=ENVIRON))
        try:
            roles = {f.name: f.role.value for f in source.folders()}
        finally:
            source.close()
    assert "SPECIAL-USE" not in source.session.capabilities
    assert roles["Gesendete Elemente"] == "sent"
    assert roles["Spamverdacht"] == "junk"
    assert roles["Papierkorb"] == "trash"
    assert roles["Entwürfe"] == "drafts"
    assert roles["Archiv"] == "archive"


def test_a_full_scan_leaves_every_flag_as_it_was(server, run, config_file):
    folders = ["INBOX", *ENGLISH]
    before = {f: server.flags("anna", f) for f in folders}
    assert any("\\Seen" not in flags for flags in before["INBOX"].values()), "an unread message is needed"
    verdicts(audit(run, config_file, "--account", "anna"))
    assert {f: server.flags("anna", f) for f in folders} == before


def _scan(settings, name, store, **session):
    env = Environment(environ=ENVIRON, now=lambda: AS_OF)
    account = settings.account(name)
    source = ImapSource(account, store, env, session=ImapSession(account, ENVIRON, **session))
    try:
        result = scan(source, settings, now=AS_OF)
    finally:
        source.close()
    return source, {d.conversation.id: d.verdict.value for d in result.decisions}


def test_unchanged_second_run_sends_no_fetch(config_file, tmp_path, local_verdicts):
    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    with open_store(tmp_path / "second.sqlite") as store:
        first, got = _scan(settings, "anna", store)
        assert got == local_verdicts
        # Per folder: one header FETCH, one for the bodies classification needs, one for the
        # texts the verdicts read - batched, never one command per message.
        assert 0 < first.session.commands["FETCH"] <= 3 * len(sync_state.list_folders(store, "anna"))
        second, again = _scan(settings, "anna", store)
        synced = len(sync_state.list_folders(store, "anna"))
    assert again == local_verdicts
    commands = second.session.commands
    assert commands["FETCH"] == 0 and commands["EXAMINE"] == 0 and commands["SEARCH"] == 0
    assert commands["STATUS"] == synced == 5
    assert sum(commands.values()) == synced + 4  # STARTTLS, LOGIN, ENABLE CONDSTORE and LIST besides
    assert set(commands) == {"STARTTLS", "LOGIN", "ENABLE", "LIST", "STATUS"}


def test_records_of_another_parser_version_are_fetched_again_headers_only(config_file, tmp_path, local_verdicts):
    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    with open_store(tmp_path / "older.sqlite") as store:
        first, _ = _scan(settings, "anna", store)
        cached = sum(sync_state.count_messages(store, "anna", f.name) for f in first.folders())
        # As an older ghostscan left it: records of another version (and one with none).
        with store.transaction() as conn:
            conn.execute("UPDATE messages SET meta_version = meta_version - 1")
            conn.execute("UPDATE messages SET meta = NULL, meta_version = NULL WHERE uid = 1")
        second, got = _scan(settings, "anna", store)
        assert sum(sync_state.count_messages(store, "anna", f.name) for f in second.folders()) == cached
        third, again = _scan(settings, "anna", store)
        folders = len(sync_state.list_folders(store, "anna"))
    assert got == again == local_verdicts
    # Every header block once more, one FETCH a folder; the kept results mean no body is fetched.
    assert second.fetched_headers == cached
    assert second.session.commands["FETCH"] == folders
    assert third.session.commands["FETCH"] == 0 and third.fetched_headers == 0


REPLY = b"""From: Daan de Vries <daan@lumencoffee.nl>
To: Anna Berg <anna@studio-berg.de>
Subject: Re: Proposal: new website and web shop for Lumen Coffee Roasters
Date: Thu, 19 Nov 2026 09:12:00 +0100
Message-ID: <late-reply-{n}@lumencoffee.nl>
In-Reply-To: <{parent}>
References: <{parent}>

Sorry for the silence - we would like to go ahead.
"""


LUMEN = "c6196248-7916-4ca8-857f-84d967786eda@studio-berg.de"  # samples: a silent English proposal


def test_new_mail_uidvalidity_change_and_expunge_are_picked_up(server, config_file, tmp_path, local_verdicts):
    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    assert local_verdicts[LUMEN] == "silent"
    with open_store(tmp_path / "changes.sqlite") as store:
        _scan(settings, "carla", store)
        inbox_before = sync_state.count_messages(store, "carla", "INBOX")

        # New mail: the late reply arrives; only its headers are fetched.
        server.append("carla", "INBOX", REPLY.replace(b"{n}", b"1").replace(b"{parent}", LUMEN.encode()))
        source, got = _scan(settings, "carla", store)
        assert got[LUMEN] == "answered"
        assert source.fetched_headers == 1
        assert sync_state.count_messages(store, "carla", "INBOX") == inbox_before + 1

        # UIDVALIDITY changes (folder re-created): that folder is fetched again, nothing else.
        junk = server.count("carla", "Junk")
        server.recreate_folder("carla", "Junk")
        source, got = _scan(settings, "carla", store)
        assert source.fetched_headers == junk == 4
        assert got[LUMEN] == "answered"
        assert {k: v for k, v in got.items() if k != LUMEN} == {k: v for k, v in local_verdicts.items() if k != LUMEN}

        # Expunge: the late reply goes away again, and so does its cache entry.
        with server.session("carla") as client:
            client.select("INBOX")
            typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", "late-reply-1@lumencoffee.nl")
            client.uid("STORE", data[0].decode(), "+FLAGS", "(\\Deleted)")
            client.expunge()
        source, got = _scan(settings, "carla", store)
        assert source.fetched_headers == 0
        assert sync_state.count_messages(store, "carla", "INBOX") == inbox_before
        assert got == local_verdicts


def test_dropped_connection_mid_fetch_resumes_without_refetching(server, config_file, tmp_path, local_verdicts, monkeypatch):
    monkeypatch.setattr(imap_module, "BATCH_SIZE", 4)
    # One connection, so the cut is sure to hit the session's own (extra ones are below).
    monkeypatch.setattr(imap_module, "MAX_CONNECTIONS", 1)
    with CuttingProxy(server.host, server.port) as proxy:
        data = yaml.safe_load(config_file.read_text())
        data["accounts"]["proxied"] = account_config(server, "anna", port=proxy.port, security="none", ca_file=None, password_env="GS_PW_ANNA")
        settings = settings_from_mapping(data)
        proxy.cut_after(bytes_from_server=12_000)
        with open_store(tmp_path / "drop.sqlite") as store:
            source, got = _scan(settings, "proxied", store, backoff=0.01)
            cached = sum(sync_state.count_messages(store, "proxied", f.name) for f in source.folders())
    assert proxy.cuts == 1 and source.session.reconnects >= 1
    assert got == local_verdicts
    # Every header was fetched exactly once: the batches stored before the cut were kept.
    assert source.fetched_headers == cached == 51


def _proxied_scan(server, config_file, tmp_path, proxy, name):
    data = yaml.safe_load(config_file.read_text())
    data["accounts"]["proxied"] = account_config(server, "anna", port=proxy.port, security="none", ca_file=None, password_env="GS_PW_ANNA")
    settings = settings_from_mapping(data)
    with open_store(tmp_path / f"{name}.sqlite") as store:
        source, got = _scan(settings, "proxied", store, backoff=0.01)
        cached = sum(sync_state.count_messages(store, "proxied", f.folder) for f in sync_state.list_folders(store, "proxied"))
    return source, got, cached


def _all_closed(proxy) -> bool:
    # The proxy sees a connection end a moment after the client closed it.
    for _ in range(100):
        if proxy.active == 0:
            return True
        time.sleep(0.02)
    return False


def test_big_folders_are_fetched_over_three_connections_with_the_same_verdicts(server, config_file, tmp_path, local_verdicts, monkeypatch):
    monkeypatch.setattr(imap_module, "BATCH_SIZE", 4)  # INBOX and Sent: more than two batches
    with CuttingProxy(server.host, server.port) as proxy:
        source, got, cached = _proxied_scan(server, config_file, tmp_path, proxy, "three")
        assert _all_closed(proxy)
    assert got == local_verdicts
    assert source.fetched_headers == cached == 51  # each message fetched once
    assert proxy.connections == 3 and source.session.commands["LOGIN"] == 3
    examined = source.session.commands["EXAMINE"]
    # Every connection EXAMINEs what it reads; nothing is ever SELECTed read-write.
    assert 5 <= examined <= 3 * 5 + 5 and "SELECT" not in source.session.commands


def test_a_server_that_refuses_more_connections_is_read_over_one(server, config_file, tmp_path, local_verdicts, monkeypatch):
    monkeypatch.setattr(imap_module, "BATCH_SIZE", 4)
    # Like a server with a connection limit of one: a second connection is closed at once.
    with CuttingProxy(server.host, server.port, max_connections=1) as proxy:
        source, got, cached = _proxied_scan(server, config_file, tmp_path, proxy, "limited")
        assert _all_closed(proxy)
    assert got == local_verdicts
    assert source.fetched_headers == cached == 51
    # Two extra connections tried at once for the first big folder, none after that.
    assert proxy.connections == 3 and source.session.commands["LOGIN"] == 1


def test_server_that_stops_answering_times_out(server, config_file, tmp_path):
    with CuttingProxy(server.host, server.port) as proxy:
        data = yaml.safe_load(config_file.read_text())
        data["accounts"]["hanging"] = account_config(server, "anna", port=proxy.port, security="none", ca_file=None, timeout=1)
        settings = settings_from_mapping(data)
        with open_store(tmp_path / "hang.sqlite") as store:
            account = settings.account("hanging")
            source = ImapSource(account, store, Environment(environ=ENVIRON), session=ImapSession(account, ENVIRON, retries=1, backoff=0.01))
            source.folders()
            proxy.hang()
            with pytest.raises(NetworkError, match="did not answer"):
                list(source.messages(next(f for f in source.folders() if f.name == "INBOX")))
            # The partial result is not a result: nothing claims the folder is synced.
            assert sync_state.get_folder(store, "hanging", "INBOX") is None or sync_state.get_folder(store, "hanging", "INBOX").uidnext is None


def test_hanging_server_through_the_cli_is_exit_6(run, server, tmp_path):
    with CuttingProxy(server.host, server.port) as proxy:
        proxy.hang()
        config = tmp_path / "hang.yaml"
        config.write_text(
            yaml.safe_dump({"store": {"path": str(tmp_path / "s.sqlite")}, "accounts": {"hang": account_config(server, "anna", port=proxy.port, security="none", ca_file=None, timeout=1)}}),
            encoding="utf-8",
        )
        result = run("--config", str(config), "audit", "--account", "hang", environ=ENVIRON)
    assert result.code == ExitStatus.CONNECTION == 6
    assert result.stderr == f"ghostscan: error: account hang: 127.0.0.1:{proxy.port} did not answer within 1 s\n"


def test_wrong_password_is_one_line_exit_5_without_the_secret(run, config_file):
    result = audit(run, config_file, "--account", "wrong")
    assert result.code == ExitStatus.AUTH == 5
    assert result.stderr.startswith("ghostscan: error: account wrong: login failed: ")
    assert result.stderr.count("\n") == 1
    assert "not-the-password" not in result.stderr + result.stdout


def test_self_signed_certificate_is_refused_without_ca_file(run, config_file, server):
    result = audit(run, config_file, "--account", "anna-untrusted")
    assert result.code == ExitStatus.CONNECTION == 6
    assert result.stderr.startswith(f"ghostscan: error: account anna-untrusted: the certificate of 127.0.0.1:{server.tls_port} is not trusted (")
    assert result.stderr.endswith("); set ca_file to the server's CA\n")


def test_corrupt_store_is_exit_8_and_cache_rebuild_fixes_it(run, config_file, tmp_path, local_verdicts):
    (tmp_path / "store.sqlite").write_bytes(b"this is not a database" * 100)
    result = audit(run, config_file, "--account", "anna")
    assert result.code == ExitStatus.STORE == 8
    assert result.stderr == f"ghostscan: error: store {tmp_path / 'store.sqlite'}: the file is not a ghostscan store (corrupt?): run 'ghostscan cache rebuild' to start it afresh\n"
    rebuilt = run("--config", str(config_file), "cache", "rebuild", "--account", "anna", environ=ENVIRON)
    assert rebuilt.code == 0, rebuilt.stderr
    assert rebuilt.stdout == f"anna: 51 messages in 5 folders cached in {tmp_path / 'store.sqlite'}\n"
    assert verdicts(audit(run, config_file, "--account", "anna")) == local_verdicts
    info = run("--config", str(config_file), "cache", "info", environ=ENVIRON)
    assert "anna\tJunk\tjunk\t4 messages" in info.stdout


def test_unchanged_rerun_neither_reads_nor_classifies_again(config_file, tmp_path):
    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    env = Environment(environ=ENVIRON, now=lambda: AS_OF)
    stats = []
    with open_store(tmp_path / "results.sqlite") as store:
        for _ in range(2):
            account = settings.account("anna")
            source = ImapSource(account, store, env)
            try:
                stats.append(scan(source, settings, now=AS_OF).stats)
            finally:
                source.close()
        kept = sum(len(sync_state.get_results(store, "anna", f.folder, v)) for f in sync_state.list_folders(store, "anna") for v in {_version(store)})
    assert stats[0].bodies_read > 0
    assert stats[1].bodies_read == 0
    assert kept > 0


def _version(store) -> str:
    (version,) = store.connection.execute("SELECT DISTINCT version FROM results").fetchone()
    return version


def _offer(subject: str, attachment: tuple[str, str, bytes] | None, *, text: str = "Anbei unser Angebot.\n") -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Anna Berg <anna@studio-berg.de>"
    message["To"] = "Hans <hans@mueller-bau.de>"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '-')}@studio-berg.de>"
    message.set_content(text)
    if attachment:
        maintype, name, data = attachment
        message.add_attachment(data, maintype=maintype, subtype="octet-stream" if maintype != "text" else "plain", filename=name)
    return message.as_bytes()


def _prefetch_from_a_server_of_its_own(base: Path, messages: dict[str, bytes]) -> tuple[int, dict[str, bytes | None]]:
    """Load *messages* into a fresh Dovecot, sync and prefetch their bodies: (FETCHes, bodies kept)."""
    from ghostscan.sources.base import MessageRef

    with Dovecot.start(base, [DovecotUser("dora", "pw", folders={})]) as dovecot:
        uids = {name: dovecot.append("dora", "INBOX", raw) for name, raw in messages.items()}
        data = account_config(dovecot, "dora", password_env="GS_PW_DORA")
        settings = settings_from_mapping({"accounts": {"dora": data}})
        env = Environment(environ={"GS_PW_DORA": "pw"}, now=lambda: AS_OF)
        with open_store(base / "store.sqlite") as store:
            source = ImapSource(settings.account("dora"), store, env)
            try:
                (inbox,) = [f for f in source.folders() if f.name == "INBOX"]
                assert len(list(source.messages(inbox))) == 4
                before = dict(source.session.commands)
                assert source.prefetch_bodies([MessageRef("INBOX", str(uid)) for uid in uids.values()]) == 4
                fetches = source.session.commands["FETCH"] - before["FETCH"]
                kept = {name: sync_state.get_body(store, "dora", "INBOX", uid) for name, uid in uids.items()}
            finally:
                source.close()
    return fetches, kept


def test_bodies_stop_where_a_last_attachment_s_content_begins():
    """Readers see the same text and attachment names from the shorter body start."""
    import random

    from ghostscan.classify.text_reader import attachment_names, message_body
    from ghostscan.parse.body import parse_message

    if find_dovecot() is None:
        missing_server("dovecot is not installed: sh scripts/test.sh installs it (apt-get install dovecot-imapd)")
    pdf = random.Random(7).randbytes(300_000)
    messages = {
        "big pdf": _offer("big pdf", ("application", "Angebot_2026-117.pdf", pdf)),
        "text attachment": _offer("text attachment", ("text", "notes.txt", b"Notiz\n" * 30_000)),
        "plain": _offer("plain", None),
        "long text": _offer("long text", ("application", "a.pdf", pdf[:1000]), text="Zeile mit Text.\n" * 6_000),
    }
    base = Path(tempfile.mkdtemp(prefix="gs-dc-", dir="/tmp"))  # short: Dovecot's socket paths
    try:
        fetches, kept = _prefetch_from_a_server_of_its_own(base, messages)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    # One BODYSTRUCTURE look for the large messages, then one FETCH per body size.
    assert fetches == 3
    # The PDF's content is left on the server; the message up to its part header is not.
    assert len(kept["big pdf"]) <= imap_module.BODY_CAPS[0] < len(messages["big pdf"])

    def on_the_wire(raw: bytes) -> bytes:
        return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")[: imap_module.BODY_LIMIT]

    # A text attachment is read, a long text is read: both get the usual start.
    assert kept["text attachment"] == on_the_wire(messages["text attachment"])
    assert kept["long text"] == on_the_wire(messages["long text"])
    for name, raw in messages.items():
        crlf = on_the_wire(raw)
        full, short = parse_message(crlf), parse_message(kept[name])
        assert attachment_names(short) == attachment_names(full), name
        assert message_body(kept[name]) == message_body(crlf), name
    assert attachment_names(parse_message(kept["big pdf"])) == ("Angebot_2026-117.pdf",)


def test_unchanged_rerun_reuses_the_kept_result_and_redecides_only_for_another_day(server, config_file, tmp_path, monkeypatch):
    from datetime import timedelta

    from ghostscan import pipeline
    from ghostscan.pipeline import scan_account
    from ghostscan.reports.json_report import write_json
    from ghostscan.reports.model import build_report

    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    env = Environment(environ=ENVIRON, now=lambda: AS_OF)
    store = tmp_path / "snapshots.sqlite"

    def report(when, path=store):
        import io

        out = io.StringIO()
        write_json(build_report(scan_account("carla", settings, env=env, store_path=path, now=when)), out, explain=True)
        return out.getvalue()

    first = report(AS_OF)
    # Unchanged: the same report, without reading a header or deciding a conversation.
    decided = []
    real_decide, real_read = pipeline.decide_verdict, pipeline._read
    monkeypatch.setattr(pipeline, "decide_verdict", lambda c, o: decided.append(c.id) or real_decide(c, o))
    monkeypatch.setattr(pipeline, "_read", lambda *a: pytest.fail("headers read again"))
    assert report(AS_OF) == first
    assert decided == []

    # Two weeks later: silence is counted anew, as a fresh scan of that day counts it;
    # answered and declined conversations are kept as they were.
    later = AS_OF + timedelta(days=14)
    redecided = report(later)
    assert decided and len(decided) < len(json.loads(first)["conversations"])
    monkeypatch.setattr(pipeline, "_read", real_read)
    assert redecided == report(later, tmp_path / "fresh.sqlite")
    assert redecided != first
    # Again on that day: nothing decided and nothing kept again; and the day after,
    # the customers' contact details are still there to be read.
    decided.clear()
    real_dump = pipeline._dump
    monkeypatch.setattr(pipeline, "_dump", lambda *a: pytest.fail("kept again"))
    assert report(later) == redecided
    assert decided == []
    monkeypatch.setattr(pipeline, "_dump", real_dump)
    assert report(later + timedelta(days=1)) == report(later + timedelta(days=1), tmp_path / "fresh-2.sqlite")

    # New mail: the kept result no longer counts.
    server.append("carla", "INBOX", REPLY.replace(b"{n}", b"2").replace(b"{parent}", LUMEN.encode()))
    try:
        got = {c["id"]: c["verdict"] for c in json.loads(report(AS_OF))["conversations"]}
        assert got[LUMEN] == "answered"
    finally:
        with server.session("carla") as client:
            client.select("INBOX")
            typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", "late-reply-2@lumencoffee.nl")
            client.uid("STORE", data[0].decode(), "+FLAGS", "(\\Deleted)")
            client.expunge()


RERUN_OUTPUTS = {
    "json": ("--format", "json"),
    "json, explained": ("--format", "json", "--explain"),
    "table": (),
    "table, explained": ("--explain",),
    "csv": ("--format", "csv"),
    "json, filtered": ("--format", "json", "--verdict", "silent", "--verdict", "bounced", "--since", "2026-10-01"),
    "table, filtered": ("--verdict", "answered", "--since", "2026-10-01"),
    "html": ("--html", "{html}"),
}


@pytest.mark.parametrize("output", RERUN_OUTPUTS)
def test_unchanged_rerun_writes_exactly_the_report_of_the_first_run(run, config_file, tmp_path, monkeypatch, output):
    html = tmp_path / "audit.html"
    args = [arg.format(html=html) for arg in RERUN_OUTPUTS[output]]

    def audit_anna() -> tuple[str, bytes | None]:
        result = run("--config", str(config_file), "audit", "--account", "anna", "--as-of", "2026-11-20", *args, environ=ENVIRON)
        assert result.code == ExitStatus.OK, result.stderr
        return result.stdout, html.read_bytes() if html.exists() else None

    first = audit_anna()
    html.unlink(missing_ok=True)
    # The re-run writes the report the first run kept: it builds no report at all.
    monkeypatch.setattr("ghostscan.reports.model.build_report", lambda *a, **k: pytest.fail("the report was built again"))
    assert audit_anna() == first


def test_a_rerun_after_new_mail_writes_the_report_of_a_fresh_scan(server, run, config_file, tmp_path):
    # The kept snapshot no longer counts; the re-run reads the rest from the store, keeps
    # what it read before, decides what the dry run settled only once, and makes the
    # rows' messages only for --explain: none of it may show in the report.
    config = yaml.safe_load(config_file.read_text())

    def fresh(n: int) -> Path:
        path = tmp_path / f"fresh-{n}.yaml"
        path.write_text(yaml.safe_dump({**config, "store": {"path": str(path.with_suffix(".sqlite"))}}), encoding="utf-8")
        return path

    def audit_carla(path, *args: str) -> str:
        result = run("--config", str(path), "audit", "--account", "carla", "--as-of", "2026-11-20", *args, environ=ENVIRON)
        assert result.code == ExitStatus.OK, result.stderr
        return result.stdout

    first = audit_carla(config_file, "--format", "json", "--explain")
    server.append("carla", "INBOX", REPLY.replace(b"{n}", b"3").replace(b"{parent}", LUMEN.encode()))
    try:
        for n, args in enumerate([("--format", "json", "--explain"), ("--format", "json"), ("--explain",), ()]):
            assert audit_carla(config_file, *args) == audit_carla(fresh(n), *args), args
        got = {c["id"]: c["verdict"] for c in json.loads(audit_carla(config_file, "--format", "json"))["conversations"]}
        assert got[LUMEN] == "answered"
        assert json.loads(first)["conversations"] != json.loads(audit_carla(config_file, "--format", "json", "--explain"))["conversations"]
    finally:
        with server.session("carla") as client:
            client.select("INBOX")
            typ, data = client.uid("SEARCH", None, "HEADER", "Message-ID", "late-reply-3@lumencoffee.nl")
            client.uid("STORE", data[0].decode(), "+FLAGS", "(\\Deleted)")
            client.expunge()


def test_a_snapshot_kept_in_another_layout_is_redone_with_the_same_report(run, config_file, tmp_path):
    # A snapshot as ghostscan kept it before the rows' messages were made from the
    # decisions: the rows, their messages, the decisions and the contact messages.
    from ghostscan.store.snapshots import PackedSections, pack_sections

    def audit_anna(*args: str) -> str:
        result = run("--config", str(config_file), "audit", "--account", "anna", "--as-of", "2026-11-20", "--format", "json", *args, environ=ENVIRON)
        assert result.code == ExitStatus.OK, result.stderr
        return result.stdout

    first = audit_anna("--explain")

    def kept() -> PackedSections:
        with open_store(tmp_path / "store.sqlite") as store, store.reading() as conn:
            (data,) = conn.execute("SELECT data FROM snapshots WHERE account = 'anna'").fetchone()
        return PackedSections(bytes(data))

    now = kept()
    rows, decisions, contacts = now.section(0), now.section(1), now.section(2)
    messages = [tuple(row.messages) for row in pipeline_rows(decisions)]
    older = b"".join(pack_sections(now.head(), [rows, messages, decisions, contacts]))
    with open_store(tmp_path / "store.sqlite") as store, store.transaction() as conn:
        conn.execute("UPDATE snapshots SET data = ? WHERE account = 'anna'", (older,))
        conn.execute("DELETE FROM reports")
    assert kept().sections == 4
    # Not read as it is (its sections mean something else now): scanned afresh, the
    # same report, and kept again in today's layout.
    assert audit_anna("--explain") == first
    assert kept().sections == 3
    assert audit_anna() == audit_anna()


def pipeline_rows(decisions):
    from ghostscan.reports.model import row_from_decision

    return [row_from_decision(d) for d in decisions]


def test_a_kept_report_is_written_again_only_for_the_same_options_and_day(run, config_file, tmp_path):
    config = yaml.safe_load(config_file.read_text())
    fresh_stores = iter(range(100))

    def audit_anna(*args: str, now: datetime = AS_OF, fresh: bool = False) -> str:
        path = config_file
        if fresh:
            # The same audit on a store of its own, where nothing was kept.
            path = tmp_path / f"fresh-{next(fresh_stores)}.yaml"
            path.write_text(yaml.safe_dump({**config, "store": {"path": str(path.with_suffix(".sqlite"))}}), encoding="utf-8")
        result = run("--config", str(path), "audit", "--account", "anna", *args, environ=ENVIRON, now=lambda: now)
        assert result.code == ExitStatus.OK, result.stderr
        return result.stdout

    first_json = audit_anna("--as-of", "2026-11-20", "--format", "json")
    first_table = audit_anna("--as-of", "2026-11-20")
    in_the_morning = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
    for args, now in [
        (("--as-of", "2026-11-20", "--format", "json", "--verdict", "silent"), AS_OF),
        (("--as-of", "2026-11-20", "--format", "json", "--explain"), AS_OF),
        (("--as-of", "2026-11-20", "--format", "json", "--since", "2026-11-01"), AS_OF),
        (("--as-of", "2026-11-20", "--format", "csv", "--verdict", "waiting"), AS_OF),
        (("--as-of", "2026-11-20", "--verdict", "silent"), AS_OF),
        (("--as-of", "2026-12-04", "--format", "json"), AS_OF),
        (("--as-of", "2026-12-04"), AS_OF),
        # The same day, another time: the JSON names the moment to the second.
        (("--format", "json"), in_the_morning),
        (("--as-of", "2026-11-20", "--format", "json"), AS_OF),
    ]:
        got = audit_anna(*args, now=now)
        assert got == audit_anna(*args, now=now, fresh=True), args
        assert got not in (first_json, first_table) or args == ("--as-of", "2026-11-20", "--format", "json"), args
    assert audit_anna("--as-of", "2026-11-20") == first_table


def test_first_run_fetches_the_bodies_it_reads_in_batches_and_little_else(config_file, tmp_path, monkeypatch, local_verdicts):
    from ghostscan.classify import text_reader

    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    batches: dict[str, list[set]] = {"classify": [], "verdicts": []}
    read: set = set()
    real_prefetch, real_raw = ImapSource.prefetch_bodies, text_reader.MailTexts._raw

    def prefetch(self, refs):
        batches["verdicts" if read else "classify"].append(set(refs))
        return real_prefetch(self, refs)

    def raw(self, message):
        read.add(message.meta.ref)
        return real_raw(self, message)

    monkeypatch.setattr(ImapSource, "prefetch_bodies", prefetch)
    monkeypatch.setattr(text_reader.MailTexts, "_raw", raw)
    with open_store(tmp_path / "prefetch.sqlite") as store:
        source, got = _scan(settings, "anna", store)
    assert got == local_verdicts
    # Every text the verdicts read came with a batch (no FETCH per message), and the
    # batches held hardly anything nobody read.
    fetched = set().union(*batches["verdicts"])
    assert read and read <= fetched | set().union(*batches["classify"])
    assert len(fetched - read) <= len(read) // 4


@pytest.mark.parametrize("name", ["anna", "anna-tls"])
def test_commands_are_sent_without_waiting_for_the_servers_ack(config_file, name):
    # imapclient sends a command line and its CRLF in two writes; with Nagle's algorithm
    # on, the CRLF waited for the server's delayed ACK, some 40-60 ms per command (a body
    # fetched alone cost 57 ms against this Dovecot). Over STARTTLS and implicit TLS alike.
    import socket

    settings = settings_from_mapping(yaml.safe_load(config_file.read_text()))
    session = ImapSession(settings.account(name), ENVIRON)
    try:
        sock = session.client._imap.sock
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        session.close()


def test_a_later_days_rerun_fetches_the_new_texts_it_reads_in_batches(run, config_file, monkeypatch):
    # Two weeks on, offers have gone silent and are read for a firm order: texts nobody
    # read on the first day. They come in batches, as in a first scan, not one FETCH each.
    def audit_anna(day: str) -> str:
        result = run("--config", str(config_file), "audit", "--account", "anna", "--as-of", day, "--format", "json", environ=ENVIRON)
        assert result.code == ExitStatus.OK, result.stderr
        return result.stdout

    audit_anna("2026-11-20")
    batched: set = set()
    alone: list = []
    real_prefetch, real_load = ImapSource.prefetch_bodies, ImapSource._load_body

    def prefetch(self, refs):
        refs = list(refs)
        batched.update((ref.folder, int(ref.key)) for ref in refs)
        return real_prefetch(self, refs)

    def load(self, folder, uid):
        if sync_state.get_body(self.store, self.account.name, folder, uid) is None:
            alone.append((folder, uid))
        return real_load(self, folder, uid)

    monkeypatch.setattr(ImapSource, "prefetch_bodies", prefetch)
    monkeypatch.setattr(ImapSource, "_load_body", load)
    later = json.loads(audit_anna("2026-12-18"))
    assert batched, "the later day read no new text: the test would prove nothing"
    assert alone == []
    assert any(c["verdict"] == "silent" for c in later["conversations"])
