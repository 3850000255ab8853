"""A big header sync over several connections and parsing processes, with a fake server:
the same messages as over one connection, whatever the server refuses or drops.

The real-server checks (Dovecot, a proxy that limits connections) are in
tests/integration/test_imap_dovecot.py.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from imapclient.exceptions import LoginError

from ghostscan.classify.base import BodyNeeded
from ghostscan import pipeline
from ghostscan.classify.registry import classify_headers
from ghostscan.classify.results import classification_from_json
from ghostscan.environment import Environment
from ghostscan.parse.addresses import Identity
from ghostscan.parse.headers import split_message, unpack_meta
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.secrets import SecretSource
from ghostscan.settings import AccountSettings
from ghostscan.sources import imap as imap_module
from ghostscan.sources.imap import ImapSession, ImapSource
from ghostscan.store import sync_state
from ghostscan.store.db import open_store

ITEM = b"BODY[HEADER.FIELDS (MESSAGE-ID SUBJECT FROM TO DATE)]"


def headers(uid: int, folder: str) -> bytes:
    subject = "=?utf-8?q?Angebot_f=C3=BCr?= Nr. %d" % uid if uid % 3 else "Re: offer %d" % uid
    return (
        f"Message-ID: <{folder}-{uid}@studio-berg.de>\r\nSubject: {subject}\r\n"
        f"From: Anna Berg <anna@studio-berg.de>\r\nTo: kunde{uid % 4}@example.com\r\n"
        f"Date: Mon, 2 Nov 2026 10:{uid % 60:02d}:00 +0100\r\n\r\n"
    ).encode()


MAILBOXES = {
    "INBOX": {uid: headers(uid, "inbox") for uid in range(1, 12)},
    "Sent": {uid: headers(uid, "sent") for uid in range(3, 10)},
    "Junk": {1: headers(1, "junk")},
}


class FakeServer:
    """Just enough of imapclient.IMAPClient; every instance is one connection to the same mailbox.

    Class attributes set by a test: `limit` connections logged in at once (more get the
    login refused, as Dovecot answers over ``mail_max_userip_connections``), and `drop`:
    when true, the first FETCH on a connection other than the first fails as a dropped
    connection does.
    """

    limit = 10
    drop = False
    lock = threading.Lock()
    opened: list[FakeServer] = []
    logins: list[tuple[str, str]] = []

    def __init__(self, host, port=None, ssl=True, ssl_context=None, timeout=None):
        with FakeServer.lock:
            FakeServer.opened.append(self)
            self.number = len(FakeServer.opened)
        self.logged_in = self.closed = False
        self.selected = None

    @classmethod
    def reset(cls, *, limit: int = 10, drop: bool = False) -> None:
        cls.limit, cls.drop, cls.opened, cls.logins = limit, drop, [], []

    def capabilities(self):
        return (b"IMAP4REV1",)

    def login(self, user, password):
        with FakeServer.lock:
            FakeServer.logins.append((user, password))
            if sum(1 for c in FakeServer.opened if c.logged_in and not c.closed) >= FakeServer.limit:
                raise LoginError(b"[UNAVAILABLE] Maximum number of connections from user+IP exceeded")
            self.logged_in = True

    def list_folders(self):
        return [((b"\\HasNoChildren",), b"/", name) for name in MAILBOXES]

    def folder_status(self, folder, what):
        box = MAILBOXES[folder]
        return {b"MESSAGES": len(box), b"UIDNEXT": max(box) + 1, b"UIDVALIDITY": 7}

    def select_folder(self, folder, readonly=False):
        assert readonly, "a sync opens folders read-only (EXAMINE)"
        self.selected = folder

    def search(self, criteria):
        return list(MAILBOXES[self.selected])

    def fetch(self, uids, items, modifiers=None):
        if self.number == 1:
            time.sleep(0.02)  # the first connection answers slowly: the others get batches too
        elif FakeServer.drop:
            FakeServer.drop = False
            raise ConnectionResetError("connection reset by peer")
        return {
            uid: {ITEM: MAILBOXES[self.selected][uid], b"FLAGS": (b"\\Seen",), b"INTERNALDATE": datetime(2026, 11, 2, 10, 0), b"RFC822.SIZE": 900 + uid}
            for uid in uids
        }

    def logout(self):
        self.closed = True

    def shutdown(self):
        self.closed = True


def die(*args):
    """What a parsing process runs in the test of one that dies (forked: it finds this by name)."""
    os._exit(1)


@pytest.fixture
def small_batches(monkeypatch):
    # Two UIDs a batch: INBOX is 6 batches, Sent 4 - "big" folders, fetched in parallel.
    monkeypatch.setattr(imap_module, "BATCH_SIZE", 2)


def account(secret: SecretSource | None = None) -> AccountSettings:
    return AccountSettings(name="fake", host="imap.example.com", username="anna", secret=secret or SecretSource(env="PW", key="k"))


def read_all(tmp_path, name: str, acct: AccountSettings | None = None):
    """Sync and read every folder; returns (what each message parsed to, the source)."""
    acct = acct or account()
    environ = {"PW": "pw"}
    with open_store(tmp_path / f"{name}.sqlite") as store:
        source = ImapSource(acct, store, Environment(environ=environ), session=ImapSession(acct, environ, backoff=0.01, client_factory=FakeServer))
        try:
            seen = [(str(m.ref), m.meta, m.size, m.flags, m.internal_date) for f in source.folders() for m in source.messages(f)]
        finally:
            source.close()
        stored = sum(sync_state.count_messages(store, "fake", name) for name in MAILBOXES)
    assert stored == len(seen)  # nothing stored twice, nothing missing
    return seen, source


def one_connection(tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(imap_module, "MAX_CONNECTIONS", 1)
        m.setattr(imap_module, "PARSE_PROCESSES", 0)
        FakeServer.reset()
        seen, source = read_all(tmp_path, "one")
    assert len(FakeServer.opened) == 1 and source.fetched_headers == 19
    return seen


def test_three_connections_read_what_one_reads_and_are_all_closed(tmp_path, monkeypatch, small_batches):
    expected = one_connection(tmp_path, monkeypatch)
    FakeServer.reset()
    seen, source = read_all(tmp_path, "three")
    assert seen == expected
    assert source.fetched_headers == 19  # every message fetched once
    assert len(FakeServer.opened) == 3
    assert all(c.closed for c in FakeServer.opened)
    # The extra connections' commands are counted with the session's.
    assert source.session.commands["LOGIN"] == 3


def test_every_connection_logs_in_with_the_secret_read_once(tmp_path, small_batches):
    runs = tmp_path / "runs"
    command = (sys.executable, "-c", f"open({str(runs)!r}, 'a').write('x'); print('from-the-command')")
    FakeServer.reset()
    read_all(tmp_path, "secret", account(SecretSource(command=command, key="k")))
    assert FakeServer.logins == [("anna", "from-the-command")] * 3
    assert runs.read_text() == "x"


def test_a_server_that_refuses_more_connections_is_read_over_one(tmp_path, monkeypatch, small_batches, caplog):
    expected = one_connection(tmp_path, monkeypatch)
    FakeServer.reset(limit=1)
    with caplog.at_level(logging.INFO, logger="ghostscan"):
        seen, source = read_all(tmp_path, "limited")
    assert seen == expected and source.fetched_headers == 19
    # Refused once, not asked again for the next big folder.
    assert len(FakeServer.logins) == 3
    assert "the server refused another connection" in caplog.text
    assert "pw" not in caplog.text
    assert all(c.closed for c in FakeServer.opened if c.logged_in)


def test_a_dropped_extra_connection_gives_its_batch_to_another(tmp_path, monkeypatch, small_batches):
    expected = one_connection(tmp_path, monkeypatch)
    FakeServer.reset(drop=True)
    seen, source = read_all(tmp_path, "dropped")
    assert seen == expected
    assert source.fetched_headers == 19  # the dropped batch was fetched again, once
    assert not FakeServer.drop  # the drop did happen
    assert all(c.closed for c in FakeServer.opened)


def test_a_parsing_process_that_dies_loses_no_message(tmp_path, monkeypatch, small_batches, caplog):
    expected = one_connection(tmp_path, monkeypatch)
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: headers are parsed without processes")

    monkeypatch.setattr(imap_module, "_parse_job", die)
    FakeServer.reset()
    with caplog.at_level(logging.INFO, logger="ghostscan"):
        seen, source = read_all(tmp_path, "died")
    assert "a header-parsing process ended; parsing here" in caplog.text
    assert seen == expected and source.fetched_headers == 19


# -- kinds decided where the headers are parsed ------------------------------------------

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


@pytest.fixture
def fixture_inbox(monkeypatch, small_batches):
    """INBOX holds the header blocks of every fixture message (bounces, auto-replies, lists, people), twice."""
    blocks = [split_message(path.read_bytes())[0] + b"\r\n" for path in sorted(FIXTURES.rglob("*.eml"))]
    monkeypatch.setitem(MAILBOXES, "INBOX", dict(enumerate(blocks * 2, start=1)))


def header_pass(meta):
    """The scan's first pass over *meta*: its kind from the headers, or "body" when a rule asks for the body."""
    try:
        return classify_headers(meta)
    except BodyNeeded:
        return "body"


def sync_kinds(tmp_path, name: str, version: str = "rules-1"):
    """Sync and read every folder with the scan's rules version given: (ref, what the source decided, what the scan decides) each."""
    acct = account()
    environ = {"PW": "pw"}
    with open_store(tmp_path / f"{name}.sqlite") as store:
        source = ImapSource(acct, store, Environment(environ=environ), session=ImapSession(acct, environ, backoff=0.01, client_factory=FakeServer))
        source.results(version)
        try:
            return [(str(m.ref), "body" if m.needs_body else m.kind, header_pass(m.meta)) for f in source.folders() for m in source.messages(f)]
        finally:
            source.close()


def scan_kinds(tmp_path, name: str) -> list[tuple[str, object]]:
    """Sync, read and classify every message as a scan does: (ref, classification) each."""
    acct = account()
    environ = {"PW": "pw"}
    with open_store(tmp_path / f"{name}.sqlite") as store:
        source = ImapSource(acct, store, Environment(environ=environ), session=ImapSession(acct, environ, backoff=0.01, client_factory=FakeServer))
        try:
            results = source.results("rules-1")
            problems: list = []
            items = pipeline._read(source.folders(), source, pipeline.NoProgress(), problems)
            threaded, _ = pipeline._classify(items, Identity.build(["anna@studio-berg.de"]), problems, lambda refs: 0, results)
        finally:
            source.close()
    assert not problems
    return sorted((str(m.meta.ref), m.classification) for m in threaded)


def test_the_parsing_job_decides_the_kinds_the_scan_would_decide(fixture_inbox):
    uids = sorted(MAILBOXES["INBOX"])
    answer = {uid: {ITEM: MAILBOXES["INBOX"][uid], b"FLAGS": (), b"RFC822.SIZE": 900} for uid in uids}
    rows = imap_module._parse_job(FolderRole.INBOX, answer, uids, "rules-1")
    seen = set()
    for uid, _headers, size, *_, record, _version, kind, kind_version in rows:
        decided = header_pass(unpack_meta(record, MessageRef("INBOX", str(uid)), FolderRole.INBOX, size=size))
        if decided == "body":
            assert kind == imap_module.NEEDS_BODY
        else:
            assert classification_from_json(kind) == decided
        assert kind_version == "rules-1"
        seen.add(decided if decided == "body" else decided.kind.value)
    assert {"human", "notification", "auto_reply", "body"} <= seen  # bounces need their body


def test_kinds_from_the_parsing_processes_are_the_ones_the_scan_would_decide(tmp_path, fixture_inbox):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: headers are parsed without processes")
    FakeServer.reset()
    there = sync_kinds(tmp_path, "processes")
    decided = [(kind, scan) for ref, kind, scan in there if kind is not None]
    # The processes decide while they keep up; the scan decides the rest itself.
    assert decided and all(kind == scan for kind, scan in decided)
    # Sent is ours: its kinds are left to the scan, which never classifies our mail.
    assert all(kind is None for ref, kind, _ in there if ref.startswith("Sent/"))


def test_the_scan_classifies_alike_whether_processes_parse_or_die_mid_folder(tmp_path, monkeypatch, fixture_inbox):
    with monkeypatch.context() as m:
        m.setattr(imap_module, "MAX_CONNECTIONS", 1)
        m.setattr(imap_module, "PARSE_PROCESSES", 0)
        FakeServer.reset()
        expected = scan_kinds(tmp_path, "here")
    assert len(expected) == sum(map(len, MAILBOXES.values()))
    FakeServer.reset()
    assert scan_kinds(tmp_path, "processes") == expected
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: headers are parsed without processes")
    monkeypatch.setattr(imap_module, "_parse_job", die)
    FakeServer.reset()
    assert scan_kinds(tmp_path, "died") == expected


def test_a_later_run_finds_the_kinds_under_their_rules_version_only(tmp_path, fixture_inbox):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: headers are parsed without processes")
    FakeServer.reset()
    first = sync_kinds(tmp_path, "kept")
    assert any(kind is not None for _, kind, _ in first)
    FakeServer.reset()
    # Nothing changed on the server: read back from the store, not fetched again.
    assert sync_kinds(tmp_path, "kept") == first
    assert not any(c.selected for c in FakeServer.opened)
    FakeServer.reset()
    assert all(kind is None for _, kind, _ in sync_kinds(tmp_path, "kept", version="rules-2"))
