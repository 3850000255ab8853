"""ImapSource with a fake IMAP client: what a real Dovecot can't easily show (Gmail's
X-GM extensions, XOAUTH2, verify_tls off). The real-server tests are in tests/integration."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timezone

import pytest

from ghostscan.environment import Environment
from ghostscan.secrets import SecretSource
from ghostscan.settings import AccountSettings
from ghostscan.sources.base import FolderRole
from ghostscan.sources.imap import ImapSession, ImapSource, internal_date, uid_set
from ghostscan.store.db import open_store


def headers(mid: str, subject: str = "Angebot") -> bytes:
    return f"Message-ID: <{mid}>\r\nSubject: {subject}\r\nFrom: a@b.de\r\n\r\n".encode()


class FakeGmail:
    """Just enough of imapclient.IMAPClient, speaking like Gmail (X-GM-EXT-1, labels as folders)."""

    calls: list = []

    def __init__(self, host, port=None, ssl=True, ssl_context=None, timeout=None):
        self.ssl_context = ssl_context
        self.mailboxes = {
            "INBOX": {1: (headers("m1"), 111, 900)},
            "[Gmail]/Sent Mail": {5: (headers("m2"), 222, 900)},
            "[Gmail]/All Mail": {7: (headers("m1"), 111, 900), 8: (headers("m2"), 222, 900), 9: (headers("m3"), 333, 901)},
            "[Gmail]/Spam": {},
        }
        FakeGmail.calls = []

    def capabilities(self):
        return (b"IMAP4REV1", b"X-GM-EXT-1", b"CONDSTORE")

    def login(self, user, password):
        FakeGmail.calls.append(("login", user, password))

    def oauth2_login(self, user, token):
        FakeGmail.calls.append(("oauth2_login", user, token))

    def enable(self, *caps):
        FakeGmail.calls.append(("enable", caps))

    def list_folders(self):
        flags = {"[Gmail]/Sent Mail": (b"\\HasNoChildren", b"\\Sent"), "[Gmail]/All Mail": (b"\\All",), "[Gmail]/Spam": (b"\\Junk",)}
        return [(flags.get(name, (b"\\HasNoChildren",)), b"/", name) for name in self.mailboxes] + [((b"\\Noselect",), b"/", "[Gmail]")]

    def folder_status(self, folder, what):
        box = self.mailboxes[folder]
        return {b"MESSAGES": len(box), b"UIDNEXT": max(box, default=0) + 1, b"UIDVALIDITY": 1, b"HIGHESTMODSEQ": 10}

    def select_folder(self, folder, readonly=False):
        FakeGmail.calls.append(("select", folder, readonly))
        self.selected = folder

    def search(self, criteria):
        return list(self.mailboxes[self.selected])

    def fetch(self, uids, items, modifiers=None):
        FakeGmail.calls.append(("fetch", tuple(items)))
        out = {}
        for uid in uids:
            head, msgid, thrid = self.mailboxes[self.selected][uid]
            out[uid] = {
                b"BODY[HEADER.FIELDS (MESSAGE-ID)]": head,
                b"FLAGS": (b"\\Seen",),
                b"INTERNALDATE": datetime(2026, 11, 2, 10, 0),
                b"RFC822.SIZE": 1234,
                b"X-GM-MSGID": msgid,
                b"X-GM-THRID": thrid,
            }
        return out

    def logout(self):
        pass

    def shutdown(self):
        pass


def account(**kw) -> AccountSettings:
    base = dict(name="gmail", host="imap.gmail.com", username="anna@gmail.com", secret=SecretSource(env="PW", key="k"))
    return AccountSettings(**{**base, **kw})


def source_for(acct, tmp_path, environ=None):
    environ = environ or {"PW": "pw"}
    store = open_store(tmp_path / "store.sqlite")
    session = ImapSession(acct, environ, client_factory=FakeGmail)
    return ImapSource(acct, store, Environment(environ=environ), session=session), store


def test_gmail_message_in_several_labels_is_counted_once_and_keeps_its_role(tmp_path):
    source, store = source_for(account(), tmp_path)
    folders = source.folders()
    assert [(f.name, f.role) for f in folders] == [
        ("[Gmail]/Sent Mail", FolderRole.SENT),
        ("INBOX", FolderRole.INBOX),
        ("[Gmail]/Spam", FolderRole.JUNK),
        ("[Gmail]/All Mail", FolderRole.ARCHIVE),
    ]
    seen = [(f.name, m.ref.key) for f in folders for m in source.messages(f)]
    # m2 comes from Sent, m1 from INBOX; All Mail only adds m3.
    assert seen == [("[Gmail]/Sent Mail", "5"), ("INBOX", "1"), ("[Gmail]/All Mail", "9")]
    store.close()


def test_gmail_thread_id_reaches_the_headers(tmp_path):
    source, store = source_for(account(), tmp_path)
    inbox = next(f for f in source.folders() if f.name == "INBOX")
    (message,) = list(source.messages(inbox))
    # Parsed once at sync and kept parsed: the thread id is among the header fields.
    assert message.meta is not None and message.meta.header("X-GM-THRID") == "900"
    assert message.meta.message_id == "m1"
    assert message.internal_date is not None and message.internal_date.tzinfo is not None
    store.close()


def test_folders_are_examined_read_only_and_bodies_fetched_with_peek(tmp_path):
    source, store = source_for(account(), tmp_path)
    inbox = next(f for f in source.folders() if f.name == "INBOX")
    (message,) = list(source.messages(inbox))
    with pytest.raises(OSError):
        message.load()  # the fake has no body; what matters is how it was asked for
    selects = [c for c in FakeGmail.calls if c[0] == "select"]
    assert selects and all(readonly for _, _, readonly in selects)
    fetched = [item for c in FakeGmail.calls if c[0] == "fetch" for item in c[1]]
    assert all(b"PEEK" in item for item in fetched if item.startswith(b"BODY"))
    store.close()


def test_xoauth2_token_comes_from_the_command(tmp_path):
    command = (sys.executable, "-c", "print('ya29.token')")
    acct = account(auth="xoauth2", secret=SecretSource(command=command, key="k"))
    source, store = source_for(acct, tmp_path)
    source.folders()
    assert ("oauth2_login", "anna@gmail.com", "ya29.token") in FakeGmail.calls
    assert not [c for c in FakeGmail.calls if c[0] == "login"]
    store.close()


def test_turning_certificate_checks_off_is_logged_loudly(tmp_path, caplog):
    source, store = source_for(account(verify_tls=False), tmp_path)
    with caplog.at_level(logging.WARNING, logger="ghostscan"):
        source.folders()
    assert "TLS certificate verification is OFF" in caplog.text
    store.close()


def test_uid_sets_are_sent_as_ranges():
    assert uid_set([]) == ""
    assert uid_set([5]) == "5"
    assert uid_set(range(1, 5001)) == "1:5000"
    assert uid_set([9, 1, 2, 3, 7, 10, 3]) == "1:3,7,9:10"


@pytest.mark.parametrize(
    "value",
    [b"25-Nov-2024 10:40:29 +0100", b" 5-Nov-2024 10:40:29 -0530", b"31-Dec-2024 23:59:59 -1200", b"01-Jan-2025 00:00:00 +0000"],
)
def test_internal_date_reads_as_strptime_does(value):
    want = datetime.strptime(value.decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    got = internal_date(value)
    assert got == want and got.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("value", [b"31-Feb-2024 10:00:00 +0100", b"2024-11-25T10:40:29Z", b""])
def test_an_unreadable_internal_date_is_none(value):
    assert internal_date(value) is None
