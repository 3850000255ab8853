"""A throwaway Dovecot IMAP server on 127.0.0.1 for ghostscan's integration tests.

`Dovecot.start(base_dir, users)` writes its own config, certificate, passwd-file and Maildirs
under ``base_dir``, runs ``dovecot -F -c <conf>`` on two free loopback ports (plain IMAP with
STARTTLS, and implicit TLS), waits for the greeting and creates every user's folders. The
helpers (`Dovecot.append`, `Dovecot.flags`, `Dovecot.count`, `Dovecot.recreate_folder`, ...)
talk to it over IMAP with the stdlib ``imaplib``: this is test tooling, not ghostscan's IMAP
source, so it must not share code with what it tests.

Example::

    base = Path(tempfile.mkdtemp(prefix="gs-dc-", dir="/tmp"))
    users = [DovecotUser("anna", "secret", folders={"Sent": "\\\\Sent", "Junk": "\\\\Junk"})]
    with Dovecot.start(base, users) as server:
        uid = server.append("anna", "Junk", b"Subject: hi\\r\\n\\r\\nbody\\r\\n")
        assert server.count("anna", "Junk") == 1

Storage: ``mail_location = maildir:~/Maildir``, the Maildir++ default layout (folders are
``~/Maildir/.Name`` directories, names modified UTF-7 on disk: ``.Entw&APw-rfe``), with ``/``
as the IMAP hierarchy separator. Maildir++ rather than ``LAYOUT=fs`` because it is what
Dovecot, Courier and most hosting setups write, and what ghostscan's own Maildir reader reads,
so a test can read one mailbox both over IMAP and from disk. On disk Dovecot keeps messages
with bare LF line ends (``mail_save_crlf = no``, the default); over IMAP they come as CRLF.

Quirks met on the way, and why the config looks as it does:

* Dovecot refuses to open mail as uid 0 ("Mail access for users with UID 0 not permitted").
  Started as root, every user's mail therefore belongs to ``nobody``/its group and the homes
  are chowned to it; ``first_valid_uid`` is lowered to that uid (the default 500 would refuse
  a low non-root uid too). Because ``nobody`` must reach its home, ``base_dir`` and all its
  parents must be world-searchable: pytest's ``tmp_path`` (mode 0700) is not, so pass a
  ``tempfile.mkdtemp(dir="/tmp")`` directory.
* Started as a normal user, ``imap-login`` and ``anvil`` cannot ``chroot()``: the port then
  accepts connections but never greets. Their ``chroot`` is set empty in both modes, so root
  and non-root runs behave alike. ``default_login_user``/``default_internal_user`` must be
  users that exist (``dovenull``/``dovecot`` exist only where the Debian package made them):
  the current user, or ``nobody`` when root. ``default_internal_group`` (``dovecot``) must be
  ours too: as non-root the master cannot chown its sockets to that group and exits with
  "Failed to start listeners".
* Unix sockets live in Dovecot's ``base_dir`` and a socket path is limited to 108 bytes
  (``sun_path``); ``base_dir/run`` must stay short, hence the ``/tmp`` directory above.
* ``state_dir`` defaults to ``/var/lib/dovecot``, shared with a system instance that the
  Debian package may have started on 143/993: ours is moved under ``base_dir`` so the two
  never meet. ``/etc/dovecot`` is never read (``-c`` names our file).
* Special-use flags (RFC 6154) are per user: they come as userdb extra fields
  (``namespace/inbox/mailbox/<id>/special_use=\\Sent``) in the passwd-file rather than as global
  ``mailbox`` sections, so one user can have ``\\Sent`` on "Sent" and another plain German
  folders. passwd-file extra fields are split on spaces and not unescaped, so a special-use
  folder name must not contain whitespace or ``:`` and the flag is written with one backslash.
  Dovecot advertises the ``SPECIAL-USE`` capability only to a user with at least one such
  folder, like a server without RFC 6154 support.
* The greeting (and the capability list of ``imap-login``) names only pre-login capabilities;
  CONDSTORE, QRESYNC, MOVE, UIDPLUS and SPECIAL-USE appear after LOGIN. ``HIGHESTMODSEQ``
  comes in SELECT/EXAMINE once the client sent ``ENABLE CONDSTORE`` (RFC 7162 §3.1).
* A failed login costs 2 s (``auth_failure_delay``) and anvil's auth penalty adds up to 15 s
  per further failure from the same IP, all 127.0.0.1 here: one wrong-password test would
  slow every later one. The delay is set to 0 and anvil's ``anvil-auth-penalty`` socket is
  not created, which turns the penalty off; a failure still takes up to 0.5 s, the auth
  process's fixed flush interval for failed requests.
* ``dovecot -F`` keeps the master in the foreground so `stop` can end exactly the process it
  started; on Linux the master also gets ``PR_SET_PDEATHSIG`` so a killed test run leaves no
  server behind.
* ``mail_fsync = never``: the mail is thrown away after the run, fsync only costs time.
"""

from __future__ import annotations

import base64
import ctypes
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
START_ATTEMPTS = 5
IMAP_TIMEOUT = 10.0
# sun_path is 108 bytes on Linux; Dovecot's longest socket name under base_dir is
# "replication-notify-fifo" plus a subdirectory or two ("login/..."), so leave room.
MAX_RUN_DIR = 70
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


class DovecotError(RuntimeError):
    """The test Dovecot could not be started or did not do what a helper asked.

    Attributes:
        log_tail: the last lines of the server's log and stderr, to read in a test failure.
    """

    def __init__(self, message: str, log_tail: str = ""):
        self.log_tail = log_tail
        super().__init__(f"{message}\n--- dovecot log ---\n{log_tail}" if log_tail else message)


@dataclass(frozen=True)
class DovecotUser:
    """One IMAP account of the test server.

    Attributes:
        name: login name.
        password: plain password (stored as ``{PLAIN}`` in the passwd-file).
        special_use: whether the server announces the folders' SPECIAL-USE flags (RFC 6154);
            False leaves every folder unflagged whatever `folders` says.
        folders: folder name (UTF-8, ``/``-separated) → SPECIAL-USE flag (``"\\\\Sent"``) or
            None. INBOX always exists and need not be listed.
    """

    name: str
    password: str
    special_use: bool = True
    folders: Mapping[str, str | None] = field(default_factory=dict)


def find_dovecot() -> str | None:
    """Locate the ``dovecot`` binary.

    Returns:
        Its path, or None when it is not installed. ``/usr/sbin`` is searched even when it
        is not on PATH, as for normal users on Debian.
    """
    found = shutil.which("dovecot")
    if found:
        return found
    for directory in _SBIN_DIRS:
        candidate = Path(directory) / "dovecot"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def encode_mailbox(name: str) -> str:
    """Encode a folder name in IMAP modified UTF-7 (RFC 3501 §5.1.3).

    Returns:
        The ASCII wire form: ``"Entwürfe"`` → ``"Entw&APw-rfe"``, ``"A&B"`` → ``"A&-B"``.
    """
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def decode_mailbox(wire: str) -> str:
    """Decode an IMAP modified UTF-7 folder name (RFC 3501 §5.1.3).

    Returns:
        The folder name as text: ``"Entw&APw-rfe"`` → ``"Entwürfe"``.
    """

    def shift(match: re.Match[str]) -> str:
        chunk = match.group(1)
        if not chunk:
            return "&"
        chunk = chunk.replace(",", "/")
        return base64.b64decode(chunk + "=" * (-len(chunk) % 4)).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", shift, wire)


def quote_mailbox(name: str) -> str:
    """The folder name as an IMAP quoted string in modified UTF-7, ready for a command line.

    Returns:
        e.g. ``"Gesendete Elemente"`` → ``'"Gesendete Elemente"'``.
    """
    wire = encode_mailbox(name)
    return '"' + wire.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _death_signal_hook() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when the starting thread dies.

    So an interrupted test run does not leave a Dovecot on the ports. ``prctl`` is looked up
    here, in the parent: between fork and exec only async-signal-safe work is allowed, and
    ``dlopen`` is not (other threads, e.g. a `CuttingProxy`'s, may hold its lock).
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1  # <linux/prctl.h>

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


_LIST_LINE = re.compile(rb'^\((?P<attrs>[^)]*)\) (?P<sep>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')
_UID = re.compile(rb"\bUID (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE ("[^"]*")')
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")
_UIDVALIDITY = re.compile(rb"\bUIDVALIDITY (\d+)")
# \Recent is session state (and gone in IMAP4rev2, RFC 9051): whether it shows depends on
# which session saw the message first, so the flag helpers leave it out.
_SESSION_FLAGS = frozenset({"\\Recent"})


def _unquote(token: bytes) -> str:
    text = token.decode("ascii")
    if text.startswith('"') and text.endswith('"'):
        text = re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


class Dovecot:
    """A running test Dovecot. Use `Dovecot.start`; stop it with `stop` or a ``with`` block.

    Attributes:
        host: ``"127.0.0.1"``.
        port: plain IMAP; STARTTLS is offered.
        tls_port: implicit TLS (IMAPS).
        ca_file: the CA certificate that signed the server's certificate (SAN ``127.0.0.1``
            and ``localhost``): pass it to ``ssl.create_default_context(cafile=...)``.
        log_path: Dovecot's log file.
        base_dir: where config, certificates, passwd-file, homes and sockets live.
        users: the accounts, by name.
    """

    host = HOST

    def __init__(
        self,
        *,
        base_dir: Path,
        users: Mapping[str, DovecotUser],
        port: int,
        tls_port: int,
        ca_file: Path,
        log_path: Path,
        process: subprocess.Popen[bytes],
    ):
        self.base_dir = base_dir
        self.users = dict(users)
        self.port = port
        self.tls_port = tls_port
        self.ca_file = ca_file
        self.log_path = log_path
        self._process = process

    # -- lifecycle ---------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        base_dir: Path,
        users: Sequence[DovecotUser],
        *,
        binary: str | None = None,
        timeout: float = START_TIMEOUT,
        imap_capability: str | None = None,
    ) -> Dovecot:
        """Configure and start a Dovecot under ``base_dir``, then create the users' folders.

        Args:
            base_dir: an existing, empty, short directory (``tempfile.mkdtemp(prefix="gs-dc-",
                dir="/tmp")``); when run as root it and its parents must be world-searchable.
                It is made mode 0755; the caller removes it after `stop`.
            users: the accounts; names must be unique.
            binary: the ``dovecot`` executable; found with `find_dovecot` when None.
            timeout: seconds to wait for the greeting on each attempt.
            imap_capability: Dovecot's ``imap_capability`` setting, or None for its default
                list: the CAPABILITY announced after login. A value starting with "+" adds
                to the default list; any other value replaces it, so a test can offer a
                server without MOVE (RFC 6851) or without UIDPLUS (RFC 4315). Dovecot still
                accepts the commands; a client that checks the announcement will not send them.

        Returns:
            The running server, greeting on `port` and `tls_port`. On Linux it is stopped
            by the kernel if the thread that called `start` ends first, so call it from the
            main thread (as pytest fixtures run).

        Raises:
            DovecotError: no binary, openssl failed, or the server did not greet within
                ``timeout`` (the message carries the log tail). A port taken between choosing
                and binding it is retried with new ports up to 5 times.
            ValueError: a bad argument (path too long or unreachable, duplicate user, a
                special-use folder name passwd-file cannot carry).
        """
        binary = binary or find_dovecot()
        if binary is None:
            raise DovecotError("dovecot is not installed (apt-get install dovecot-imapd)")
        base_dir = Path(base_dir).resolve()
        by_name = _check_users(users)
        run_dir = base_dir / "run"
        if len(str(run_dir)) > MAX_RUN_DIR:
            raise ValueError(
                f"{base_dir} is too long for Dovecot's unix sockets; "
                'use tempfile.mkdtemp(prefix="gs-dc-", dir="/tmp")'
            )
        identity = _Identity.current()
        if identity.root:
            _check_searchable(base_dir)
        base_dir.chmod(0o755)
        ca_file, cert_file, key_file = _make_certificates(base_dir / "tls")
        passwd = base_dir / "passwd"
        passwd.write_text(_passwd_file(base_dir, by_name.values(), identity), encoding="utf-8")
        for user in by_name.values():
            home = base_dir / "home" / user.name
            home.mkdir(parents=True, exist_ok=True)
            if identity.root:
                os.chown(home.parent, identity.mail_uid, identity.mail_gid)
                os.chown(home, identity.mail_uid, identity.mail_gid)
        log_path = base_dir / "dovecot.log"
        stderr_path = base_dir / "dovecot.stderr"
        conf = base_dir / "dovecot.conf"

        tail = ""
        for _attempt in range(START_ATTEMPTS):
            port, tls_port = _free_port(), _free_port()
            while tls_port == port:
                tls_port = _free_port()
            if run_dir.exists():
                shutil.rmtree(run_dir)
            log_path.unlink(missing_ok=True)
            conf.write_text(
                _config(base_dir, run_dir, passwd, log_path, cert_file, key_file, port, tls_port, identity, imap_capability=imap_capability),
                encoding="utf-8",
            )
            with open(stderr_path, "wb") as stderr:
                process = subprocess.Popen(
                    [binary, "-F", "-c", str(conf)],
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                    preexec_fn=_death_signal_hook(),
                )
            server = cls(
                base_dir=base_dir,
                users=by_name,
                port=port,
                tls_port=tls_port,
                ca_file=ca_file,
                log_path=log_path,
                process=process,
            )
            if server._wait_for_greeting(timeout):
                server._create_folders()
                return server
            tail = server.log_tail()
            code = process.poll()
            server.stop()
            if "in use" not in tail:
                break
        if code is None:
            raise DovecotError(f"dovecot did not greet on {HOST}:{port} within {timeout:.0f} s", tail)
        raise DovecotError(f"dovecot exited with status {code} before greeting on {HOST}:{port}", tail)

    def stop(self) -> None:
        """Stop the server (SIGTERM to the master, which ends its children). Idempotent."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)

    @property
    def running(self) -> bool:
        """Whether the master process is still alive."""
        return self._process.poll() is None

    def __enter__(self) -> Dovecot:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the log, preceded by the master's stderr.

        Returns:
            Text for an error message; empty when nothing was logged.
        """
        parts = []
        for path in (self.base_dir / "dovecot.stderr", self.log_path):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").strip()
                if text:
                    parts.append("\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts)

    def maildir(self, user: str) -> Path:
        """The user's Maildir++ root on disk (INBOX; folders are ``.Name`` subdirectories).

        Returns:
            ``base_dir/home/<user>/Maildir``; it exists once the user has logged in.
        """
        return self.base_dir / "home" / self._user(user).name / "Maildir"

    # -- IMAP helpers ------------------------------------------------------------------

    @contextmanager
    def session(self, user: str) -> Iterator[imaplib.IMAP4]:
        """A logged-in plain-IMAP session for ``user``, logged out afterwards.

        Yields:
            An ``imaplib.IMAP4`` in the authenticated state.

        Raises:
            KeyError: an unknown user.
            imaplib.IMAP4.error: the login failed.
        """
        account = self._user(user)
        client = imaplib.IMAP4(self.host, self.port, timeout=IMAP_TIMEOUT)
        try:
            client.login(account.name, account.password)
            yield client
        finally:
            try:
                client.logout()
            except (imaplib.IMAP4.error, OSError):
                client.shutdown()

    def append(
        self,
        user: str,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = (),
        internal_date: datetime | None = None,
    ) -> int:
        """Store a message with IMAP APPEND.

        Args:
            user: the account.
            folder: folder name (UTF-8, ``/``-separated); it must exist.
            raw: the whole message; bare LF line ends become CRLF.
            flags: e.g. ``("\\\\Seen", "$Junk")``.
            internal_date: the INTERNALDATE to give it (timezone-aware); now when None.

        Returns:
            The new message's UID (from the APPENDUID response code, RFC 4315).

        Raises:
            DovecotError: the server refused the APPEND.
            ValueError: ``internal_date`` is naive.
        """
        date = None
        if internal_date is not None:
            if internal_date.tzinfo is None:
                raise ValueError("internal_date must be timezone-aware")
            date = imaplib.Time2Internaldate(internal_date)
        with self.session(user) as client:
            return self._append(client, folder, raw, tuple(flags), date)

    def flags(self, user: str, folder: str) -> dict[int, frozenset[str]]:
        """Every message's flags, read with EXAMINE so nothing changes.

        Returns:
            UID → flags (``frozenset({"\\\\Seen"})``); ``\\Recent`` is left out.

        Raises:
            DovecotError: the folder cannot be examined.
        """
        with self.session(user) as client:
            if self._examine(client, folder) == 0:
                return {}
            typ, data = client.uid("FETCH", "1:*", "(FLAGS)")
            self._ok(typ, data, f"UID FETCH FLAGS in {folder}")
            result: dict[int, frozenset[str]] = {}
            for line in data:
                if not isinstance(line, bytes):
                    continue
                uid, flags = _UID.search(line), _FLAGS.search(line)
                if uid and flags:
                    names = flags.group(1).decode("ascii").split()
                    result[int(uid.group(1))] = frozenset(names) - _SESSION_FLAGS
            return result

    def count(self, user: str, folder: str) -> int:
        """How many messages the folder holds (EXISTS after EXAMINE).

        Raises:
            DovecotError: the folder cannot be examined.
        """
        with self.session(user) as client:
            return self._examine(client, folder)

    def uidvalidity(self, user: str, folder: str) -> int:
        """The folder's UIDVALIDITY (STATUS, RFC 3501 §6.3.10).

        Raises:
            DovecotError: the folder does not exist.
        """
        with self.session(user) as client:
            return self._uidvalidity(client, folder)

    def list_folders(self, user: str) -> dict[str, frozenset[str]]:
        """LIST "" "*" for the user.

        Returns:
            Decoded folder name → its attributes, e.g.
            ``{"INBOX": frozenset({"\\\\HasNoChildren"}), "Sent": frozenset({"\\\\HasNoChildren", "\\\\Sent"})}``.

        Raises:
            DovecotError: LIST failed.
        """
        with self.session(user) as client:
            typ, data = client.list('""', "*")
            self._ok(typ, data, "LIST")
            return _parse_list(data)

    def create_folder(self, user: str, folder: str) -> None:
        """CREATE and SUBSCRIBE a folder (without special-use: that is fixed at start).

        Raises:
            DovecotError: the server refused (e.g. it exists).
        """
        with self.session(user) as client:
            self._create(client, folder)

    def delete_folder(self, user: str, folder: str) -> None:
        """DELETE a folder and its messages.

        Raises:
            DovecotError: the server refused (e.g. INBOX, or it does not exist).
        """
        with self.session(user) as client:
            typ, data = client.delete(quote_mailbox(folder))
            self._ok(typ, data, f"DELETE {folder}")

    def recreate_folder(self, user: str, folder: str) -> int:
        """Delete and re-create a folder with the same messages, so its UIDVALIDITY changes.

        What a server does after a restore or migration: same mail, same flags and
        INTERNALDATEs, but every cached UID is void (RFC 3501 §2.3.1.1).

        Returns:
            The new UIDVALIDITY (always different from the old one: Dovecot keeps a per-user
            counter, so even a re-create within the same second gets a new value).

        Raises:
            ValueError: ``folder`` is INBOX, which IMAP cannot delete (RFC 3501 §6.3.4).
            DovecotError: a command failed.
        """
        if folder.upper() == "INBOX":
            raise ValueError("INBOX cannot be deleted (RFC 3501 §6.3.4), so it cannot be re-created")
        with self.session(user) as client:
            old = self._uidvalidity(client, folder)
            saved = self._fetch_all(client, folder)
            typ, data = client.delete(quote_mailbox(folder))
            self._ok(typ, data, f"DELETE {folder}")
            self._create(client, folder)
            for raw, flags, date in saved:
                self._append(client, folder, raw, flags, date)
            new = self._uidvalidity(client, folder)
        if new == old:
            raise DovecotError(f"re-creating {folder} kept UIDVALIDITY {old}", self.log_tail())
        return new

    # -- internals ---------------------------------------------------------------------

    def _user(self, user: str | DovecotUser) -> DovecotUser:
        name = user.name if isinstance(user, DovecotUser) else user
        return self.users[name]

    def _wait_for_greeting(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(4096).startswith(b"* OK"):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def _create_folders(self) -> None:
        for account in self.users.values():
            with self.session(account.name) as client:
                for folder in account.folders:
                    if folder.upper() != "INBOX":
                        self._create(client, folder)

    def _create(self, client: imaplib.IMAP4, folder: str) -> None:
        typ, data = client.create(quote_mailbox(folder))
        self._ok(typ, data, f"CREATE {folder}")
        typ, data = client.subscribe(quote_mailbox(folder))
        self._ok(typ, data, f"SUBSCRIBE {folder}")

    def _append(
        self,
        client: imaplib.IMAP4,
        folder: str,
        raw: bytes,
        flags: tuple[str, ...],
        date: str | None,
    ) -> int:
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        typ, data = client.append(quote_mailbox(folder), flag_list, date, raw)
        self._ok(typ, data, f"APPEND to {folder}")
        match = _APPENDUID.search(data[0] or b"")
        if match is None:
            raise DovecotError(f"APPEND to {folder} returned no APPENDUID: {data!r}", self.log_tail())
        return int(match.group(2))

    def _examine(self, client: imaplib.IMAP4, folder: str) -> int:
        typ, data = client.select(quote_mailbox(folder), readonly=True)
        self._ok(typ, data, f"EXAMINE {folder}")
        return int(data[0])

    def _uidvalidity(self, client: imaplib.IMAP4, folder: str) -> int:
        typ, data = client.status(quote_mailbox(folder), "(UIDVALIDITY)")
        self._ok(typ, data, f"STATUS {folder}")
        match = _UIDVALIDITY.search(data[0])
        if match is None:
            raise DovecotError(f"STATUS {folder} returned no UIDVALIDITY: {data!r}")
        return int(match.group(1))

    def _fetch_all(self, client: imaplib.IMAP4, folder: str) -> list[tuple[bytes, tuple[str, ...], str]]:
        if self._examine(client, folder) == 0:
            client.close()
            return []
        typ, data = client.uid("FETCH", "1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
        self._ok(typ, data, f"UID FETCH in {folder}")
        saved = []
        for item in data:
            # imaplib gives a (prefix, literal) tuple per message, then a b")" closer.
            if not isinstance(item, tuple):
                continue
            prefix, raw = item
            flags, date = _FLAGS.search(prefix), _INTERNALDATE.search(prefix)
            if flags is None or date is None:
                raise DovecotError(f"unexpected FETCH response in {folder}: {prefix!r}")
            names = tuple(name for name in flags.group(1).decode("ascii").split() if name not in _SESSION_FLAGS)
            saved.append((raw, names, date.group(1).decode("ascii")))
        client.close()
        return saved

    def _ok(self, typ: str, data: list, what: str) -> None:
        if typ != "OK":
            raise DovecotError(f"{what} failed: {typ} {data!r}", self.log_tail())


def _parse_list(data: list) -> dict[str, frozenset[str]]:
    folders: dict[str, frozenset[str]] = {}
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            # A name sent as a literal: the prefix ends with "{n}", the name is the literal.
            line = re.sub(rb"\{\d+\}$", b"", item[0]) + b'"' + item[1].replace(b'"', b'\\"') + b'"'
        else:
            line = item
        match = _LIST_LINE.match(line)
        if match is None:
            raise DovecotError(f"unexpected LIST response: {item!r}")
        attrs = frozenset(match.group("attrs").decode("ascii").split())
        folders[decode_mailbox(_unquote(match.group("name")))] = attrs
    return folders


def _check_users(users: Sequence[DovecotUser]) -> dict[str, DovecotUser]:
    by_name: dict[str, DovecotUser] = {}
    for user in users:
        if user.name in by_name:
            raise ValueError(f"user {user.name!r} is listed twice")
        if not re.fullmatch(r"[A-Za-z0-9._@-]+", user.name):
            raise ValueError(f"user name {user.name!r} must be letters, digits and ._@-")
        if ":" in user.password or "\n" in user.password:
            raise ValueError(f"the password of {user.name!r} cannot hold ':' or a newline (passwd-file)")
        if user.special_use:
            for folder, flag in user.folders.items():
                if flag is not None and not re.fullmatch(r"\\[A-Za-z]+", flag):
                    raise ValueError(f"special-use flag {flag!r} of {folder!r} must look like '\\Sent' (RFC 6154)")
                if flag is not None and re.search(r"[\s:\\]", folder):
                    raise ValueError(
                        f"special-use folder {folder!r} of {user.name!r}: passwd-file extra fields "
                        "cannot carry whitespace, ':' or '\\' in a name"
                    )
        by_name[user.name] = user
    return by_name


def _check_searchable(base_dir: Path) -> None:
    # As root the mail processes run as nobody, who must walk down to the homes.
    for directory in base_dir.parents:
        if not directory.stat().st_mode & 0o001:
            raise ValueError(
                f"{directory} is not searchable by other users, so Dovecot's mail user cannot reach "
                f"{base_dir}; use tempfile.mkdtemp(dir='/tmp')"
            )


@dataclass(frozen=True)
class _Identity:
    """Who Dovecot's processes run as."""

    root: bool
    login_user: str
    group: str
    mail_uid: int
    mail_gid: int

    @classmethod
    def current(cls) -> _Identity:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            group = grp.getgrgid(nobody.pw_gid).gr_name
            return cls(True, "nobody", group, nobody.pw_uid, nobody.pw_gid)
        me = pwd.getpwuid(os.geteuid())
        return cls(False, me.pw_name, grp.getgrgid(os.getegid()).gr_name, me.pw_uid, os.getegid())


def _passwd_file(base_dir: Path, users: Iterable[DovecotUser], identity: _Identity) -> str:
    lines = []
    for user in users:
        extra = []
        if user.special_use:
            flagged = [(name, flag) for name, flag in user.folders.items() if flag]
            if flagged:
                ids = [f"su{index}" for index in range(len(flagged))]
                extra.append("userdb_namespace/inbox/mailbox=" + ",".join(ids))
                for section, (name, flag) in zip(ids, flagged):
                    extra.append(f"userdb_namespace/inbox/mailbox/{section}/name={name}")
                    extra.append(f"userdb_namespace/inbox/mailbox/{section}/special_use={flag}")
        home = base_dir / "home" / user.name
        fields = [
            user.name,
            "{PLAIN}" + user.password,
            str(identity.mail_uid),
            str(identity.mail_gid),
            "",
            str(home),
            "",
            " ".join(extra),
        ]
        lines.append(":".join(fields))
    return "\n".join(lines) + "\n"


def _config(
    base_dir: Path,
    run_dir: Path,
    passwd: Path,
    log_path: Path,
    cert_file: Path,
    key_file: Path,
    port: int,
    tls_port: int,
    identity: _Identity,
    *,
    imap_capability: str | None = None,
) -> str:
    capability = f"\nprotocol imap {{\n  imap_capability = {imap_capability}\n}}\n" if imap_capability else ""
    return f"""\
# Written by tests/servers/dovecot.py for one test run; see its module docstring.
base_dir = {run_dir}
state_dir = {base_dir}/state
instance_name = ghostscan-test
log_path = {log_path}
protocols = imap
listen = {HOST}
ssl = yes
ssl_cert = <{cert_file}
ssl_key = <{key_file}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
auth_failure_delay = 0
default_login_user = {identity.login_user}
default_internal_user = {identity.login_user}
default_internal_group = {identity.group}
first_valid_uid = {identity.mail_uid}
first_valid_gid = {min(identity.mail_gid, 1)}
mail_location = maildir:~/Maildir
mail_fsync = never

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}

namespace inbox {{
  inbox = yes
  separator = /
}}

service imap-login {{
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{capability}"""


def _make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate it signed (SAN 127.0.0.1, localhost), with openssl.

    A separate CA rather than one self-signed leaf: clients with strict X.509 checks (Python
    3.13 sets VERIFY_X509_STRICT by default) reject a leaf that is also its own trust anchor.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DovecotError("the openssl command is not installed (apt-get install openssl)")
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = directory / "ca.key", directory / "ca.pem"
    key, csr, cert = directory / "server.key", directory / "server.csr", directory / "server.pem"
    extensions = directory / "server.ext"
    extensions.write_text(
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n",
        encoding="ascii",
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    commands = [
        [openssl, "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_cert, "-days", "7",
         "-subj", "/CN=ghostscan test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        [openssl, "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        [openssl, "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-set_serial", "1",
         "-days", "7", "-extfile", extensions, "-out", cert],
    ]  # fmt: skip
    for command in commands:
        result = subprocess.run([str(part) for part in command], capture_output=True, timeout=30)
        if result.returncode != 0:
            what = " ".join(str(part) for part in command[:3])
            raise DovecotError(f"openssl failed: {what}", result.stderr.decode(errors="replace"))
    return ca_cert, cert, key
