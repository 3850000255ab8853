"""The session Dovecot and the cutting proxy do what the IMAP source's tests will rely on.

Each test talks to the real server with the stdlib ``imaplib`` (or the fixture's helpers) and
asserts what an IMAP client would see: logins, TLS verification against the fixture's CA,
RFC 6154 flags, modified UTF-7 names, CONDSTORE, UIDVALIDITY changes and broken connections.
"""

from __future__ import annotations

import imaplib
import shutil
import socket
import ssl
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from servers import dovecot as dovecot_module
from servers.cutting_proxy import CuttingProxy
from servers.dovecot import Dovecot, DovecotUser, decode_mailbox, encode_mailbox, find_dovecot, quote_mailbox

SPECIAL_USE = frozenset({"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"})
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _message(subject: str, body_lines: int = 1) -> bytes:
    head = (
        "From: Anna Angebot <anna@example.org>\r\n"
        "To: kunde@example.com\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.org>\r\n"
        "Date: Mon, 02 Mar 2026 10:30:00 +0100\r\n"
        "\r\n"
    )
    body = "".join(f"line {n:06d} of the offer, padded to a realistic width.\r\n" for n in range(body_lines))
    return (head + body).encode("ascii")


def _client(host: str, port: int) -> imaplib.IMAP4:
    return imaplib.IMAP4(host, port, timeout=5)


# -- logins and TLS ----------------------------------------------------------------------


def test_plain_login_works_without_tls(dovecot: Dovecot) -> None:
    client = _client(dovecot.host, dovecot.port)
    try:
        assert client.login("anna", "secret")[0] == "OK"
        assert not isinstance(client.sock, ssl.SSLSocket)
    finally:
        client.logout()


def test_starttls_verifies_against_the_ca_file_then_login_works(dovecot: Dovecot) -> None:
    client = _client(dovecot.host, dovecot.port)
    try:
        assert "STARTTLS" in client.capabilities
        client.starttls(ssl_context=ssl.create_default_context(cafile=str(dovecot.ca_file)))
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.login("berta", "geheim")[0] == "OK"
    finally:
        client.logout()


@pytest.mark.parametrize("hostname", ["127.0.0.1", "localhost"])
def test_implicit_tls_port_verifies_for_ip_and_name(dovecot: Dovecot, hostname: str) -> None:
    context = ssl.create_default_context(cafile=str(dovecot.ca_file))
    with imaplib.IMAP4_SSL(hostname, dovecot.tls_port, ssl_context=context, timeout=5) as client:
        assert client.login("anna", "secret")[0] == "OK"
        assert client.sock.getpeercert()["subjectAltName"] == (("IP Address", "127.0.0.1"), ("DNS", "localhost"))


def test_tls_without_the_ca_file_fails_verification(dovecot: Dovecot) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(dovecot.host, dovecot.tls_port, ssl_context=ssl.create_default_context(), timeout=5)


def test_wrong_password_is_refused(dovecot: Dovecot) -> None:
    client = _client(dovecot.host, dovecot.port)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login("anna", "geheim")
    finally:
        client.logout()


# -- capabilities and folders --------------------------------------------------------------


def _capabilities(dovecot: Dovecot, user: str) -> set[str]:
    # Asked after LOGIN: the greeting carries only imap-login's pre-login list.
    with dovecot.session(user) as client:
        typ, data = client.capability()
    assert typ == "OK"
    return set(data[-1].decode("ascii").split())


def test_capabilities_after_login_include_what_the_imap_source_needs(dovecot: Dovecot) -> None:
    assert {"MOVE", "UIDPLUS", "QRESYNC", "CONDSTORE", "SPECIAL-USE", "ENABLE"} <= _capabilities(dovecot, "anna")


def test_user_without_special_use_folders_gets_no_special_use_capability(dovecot: Dovecot) -> None:
    capabilities = _capabilities(dovecot, "berta")
    assert "SPECIAL-USE" not in capabilities
    assert {"MOVE", "UIDPLUS", "CONDSTORE"} <= capabilities


def test_anna_lists_english_folders_with_special_use_flags(dovecot: Dovecot) -> None:
    folders = dovecot.list_folders("anna")
    assert {name: attrs & SPECIAL_USE for name, attrs in folders.items()} == {
        "INBOX": frozenset(),
        "Sent": {"\\Sent"},
        "Junk": {"\\Junk"},
        "Trash": {"\\Trash"},
        "Drafts": {"\\Drafts"},
        "Archive": {"\\Archive"},
    }


def test_berta_lists_german_folders_unflagged_and_in_modified_utf7_on_the_wire(dovecot: Dovecot) -> None:
    with dovecot.session("berta") as client:
        typ, lines = client.list('""', "*")
    assert typ == "OK"
    assert b'(\\HasNoChildren) "/" Entw&APw-rfe' in lines
    assert b'(\\HasNoChildren) "/" "Gesendete Elemente"' in lines
    folders = dovecot.list_folders("berta")
    assert set(folders) == {"INBOX", "Gesendete Elemente", "Spamverdacht", "Papierkorb", "Entwürfe", "Archiv"}
    assert all(not attrs & SPECIAL_USE for attrs in folders.values())


def test_modified_utf7_names() -> None:
    assert encode_mailbox("Entwürfe") == "Entw&APw-rfe"
    assert encode_mailbox("Kunden & Partner") == "Kunden &- Partner"
    assert quote_mailbox("Gesendete Elemente") == '"Gesendete Elemente"'
    for name in ("Entwürfe", "Kunden & Partner", "受信トレイ", "Ärger/Übel", "plain"):
        assert decode_mailbox(encode_mailbox(name)) == name


# -- storing and reading mail -----------------------------------------------------------


def test_append_then_examine_counts_flags_and_internaldate(dovecot: Dovecot, scratch_folder: str) -> None:
    first = dovecot.append("anna", scratch_folder, _message("offer one"), flags=("\\Seen",), internal_date=WHEN)
    second = dovecot.append("anna", scratch_folder, _message("offer two"))

    assert second == first + 1
    assert dovecot.count("anna", scratch_folder) == 2
    assert dovecot.flags("anna", scratch_folder) == {first: {"\\Seen"}, second: frozenset()}
    with dovecot.session("anna") as client:
        client.select(quote_mailbox(scratch_folder), readonly=True)
        typ, data = client.uid("FETCH", str(first), "(INTERNALDATE)")
    assert typ == "OK"
    assert b'INTERNALDATE "02-Mar-2026 09:30:00 +0000"' in data[0]


def test_examine_leaves_messages_unseen(dovecot: Dovecot, scratch_folder: str) -> None:
    uid = dovecot.append("anna", scratch_folder, _message("unread reply"))
    with dovecot.session("anna") as client:
        client.select(quote_mailbox(scratch_folder), readonly=True)
        client.uid("FETCH", str(uid), "(BODY[])")
    assert dovecot.flags("anna", scratch_folder) == {uid: frozenset()}


def test_mail_lands_in_maildir_plus_plus_under_a_modified_utf7_directory(dovecot: Dovecot) -> None:
    before = dovecot.count("berta", "Entwürfe")
    dovecot.append("berta", "Entwürfe", _message("Entwurf an Kunde"))

    assert dovecot.count("berta", "Entwürfe") == before + 1
    folder = dovecot.maildir("berta") / ".Entw&APw-rfe"
    stored = [path.read_bytes() for sub in ("new", "cur") for path in (folder / sub).iterdir()]
    # Dovecot keeps mail with bare LF on disk (mail_save_crlf = no) and sends CRLF over IMAP.
    assert any(b"\nSubject: Entwurf an Kunde\n" in raw and b"\r" not in raw for raw in stored)


def test_condstore_highestmodseq_comes_after_enable(dovecot: Dovecot) -> None:
    with dovecot.session("anna") as client:
        client.select("INBOX", readonly=True)
        assert client.response("HIGHESTMODSEQ") == ("HIGHESTMODSEQ", [None])
        client.unselect()
        assert client.enable("CONDSTORE")[0] == "OK"
        client.select("INBOX", readonly=True)
        name, values = client.response("HIGHESTMODSEQ")
    assert int(values[0]) >= 1


def test_recreate_folder_changes_uidvalidity_and_keeps_the_mail(dovecot: Dovecot, scratch_folder: str) -> None:
    dovecot.append("anna", scratch_folder, _message("flagged"), flags=("\\Flagged", "$Label1"), internal_date=WHEN)
    dovecot.append("anna", scratch_folder, _message("plain"))
    old = dovecot.uidvalidity("anna", scratch_folder)

    new = dovecot.recreate_folder("anna", scratch_folder)

    assert new != old
    assert dovecot.uidvalidity("anna", scratch_folder) == new
    assert sorted(dovecot.flags("anna", scratch_folder).values(), key=len) == [frozenset(), {"\\Flagged", "$Label1"}]
    with dovecot.session("anna") as client:
        client.select(quote_mailbox(scratch_folder), readonly=True)
        typ, data = client.fetch("1", "(INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b'INTERNALDATE "02-Mar-2026 09:30:00 +0000"' in data[0][0]
    assert data[0][1].strip() == b"Subject: flagged"


def test_inbox_cannot_be_recreated(dovecot: Dovecot) -> None:
    with pytest.raises(ValueError, match="INBOX"):
        dovecot.recreate_folder("anna", "INBOX")


# -- the cutting proxy ------------------------------------------------------------------


def _login_through(proxy: CuttingProxy, folder: str) -> imaplib.IMAP4:
    client = _client(proxy.host, proxy.port)
    client.login("anna", "secret")
    client.select(quote_mailbox(folder), readonly=True)
    return client


def test_proxy_cuts_a_session_mid_fetch_once(dovecot: Dovecot, proxy: CuttingProxy, scratch_folder: str) -> None:
    big = _message("big offer", body_lines=3000)  # ~200 KB: the FETCH literal spans many reads
    uid = dovecot.append("anna", scratch_folder, big)
    client = _login_through(proxy, scratch_folder)
    before = proxy.bytes_from_server

    proxy.cut_after(bytes_from_server=10_000)
    with pytest.raises(imaplib.IMAP4.abort, match="EOF"):
        client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    client.shutdown()

    assert proxy.cuts == 1
    assert proxy.bytes_from_server - before == 10_000
    # The cut fired once: the next connection reads the whole message.
    again = _login_through(proxy, scratch_folder)
    try:
        typ, data = again.uid("FETCH", str(uid), "(BODY.PEEK[])")
    finally:
        again.logout()
    assert typ == "OK" and data[0][1] == big
    assert proxy.connections == 2
    assert proxy.cuts == 1


def test_proxy_cut_now_disconnects_every_open_session(dovecot: Dovecot, proxy: CuttingProxy) -> None:
    clients = [_login_through(proxy, "INBOX") for _ in range(2)]

    proxy.cut_now()

    for client in clients:
        with pytest.raises(imaplib.IMAP4.abort):
            client.noop()
        client.shutdown()
    assert proxy.cuts == 2
    assert proxy.connections == 2


def test_proxy_hang_keeps_the_socket_open_until_the_client_times_out(dovecot: Dovecot, proxy: CuttingProxy) -> None:
    client = _login_through(proxy, "INBOX")
    assert client.noop()[0] == "OK"
    client.sock.settimeout(0.3)

    proxy.hang()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.noop()

    assert time.monotonic() - started < 2
    assert proxy.active == 1
    client.shutdown()


def test_proxy_refuses_targets_off_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        CuttingProxy("192.0.2.1", 143)


# -- start and stop ---------------------------------------------------------------------


@pytest.fixture
def short_dir():
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed: sh scripts/test.sh installs it (apt-get install dovecot-imapd)")
    path = Path(tempfile.mkdtemp(prefix="gs-dc-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_start_retries_when_a_port_is_taken_and_stop_frees_the_port(short_dir: Path, monkeypatch) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen(1)
    taken = squatter.getsockname()[1]
    real_free_port = dovecot_module._free_port
    handed_out: list[int] = []

    def free_port() -> int:
        port = taken if not handed_out else real_free_port()
        handed_out.append(port)
        return port

    monkeypatch.setattr(dovecot_module, "_free_port", free_port)
    try:
        server = Dovecot.start(short_dir, [DovecotUser("carl", "pw")])
        try:
            assert server.port != taken
            assert handed_out[0] == taken
            with server.session("carl") as client:
                assert client.list()[0] == "OK"
        finally:
            server.stop()
    finally:
        squatter.close()

    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.port), timeout=2).close()
