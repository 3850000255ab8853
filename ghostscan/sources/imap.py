"""The IMAP source: any mailbox on a server, read-only, incremental.

Headers first: one batched ``UID FETCH`` of just the header fields ghostscan decides on
(plus FLAGS, INTERNALDATE, RFC822.SIZE), stored in the local store; bodies only when a
decision needs them, size-capped, and kept in the store too. A second run asks each
folder's STATUS and fetches only what changed — with CONDSTORE an unchanged folder costs
no SELECT and no FETCH.

Read-only by construction: folders are opened with EXAMINE (``select_folder(readonly=True)``)
and bodies fetched with ``BODY.PEEK``, so no flag changes; this module sends no STORE,
COPY, MOVE or EXPUNGE.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from ghostscan.environment import Environment
from ghostscan.errors import AuthError, NetworkError
from ghostscan.parse.headers import EXTRA_FIELDS
from ghostscan.secrets import resolve_secret
from ghostscan.settings import AccountSettings
from ghostscan.sources.base import Folder, FolderRole, MessageRef, RawMessage
from ghostscan.sources.roles import role_for_name, role_for_special_use, role_override
from ghostscan.store import sync_state
from ghostscan.store.db import Store
from ghostscan.store.results import StoredResults

log = logging.getLogger(__name__)

T = TypeVar("T")

# The header fields threading and classification read (see ghostscan.parse.headers).
HEADER_FIELDS = (
    "MESSAGE-ID",
    "IN-REPLY-TO",
    "REFERENCES",
    "SUBJECT",
    "FROM",
    "TO",
    "CC",
    "REPLY-TO",
    "DATE",
    *sorted(f.upper() for f in EXTRA_FIELDS),
)
HEADER_ITEM = b"BODY.PEEK[HEADER.FIELDS (" + " ".join(HEADER_FIELDS).encode() + b")]"
FETCH_ITEMS = [HEADER_ITEM, b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]
GMAIL_ITEMS = [b"X-GM-MSGID", b"X-GM-THRID"]

BATCH_SIZE = 1000
"""UIDs per header FETCH: big enough that round trips don't dominate, small enough that a
dropped connection loses little (each batch is stored before the next is asked for)."""

BODY_LIMIT = 256 * 1024
"""Bytes of a body fetched for classification (``BODY.PEEK[]<0.N>``): a DSN's parts and
any reply text sit at the start; a 20 MB attachment is never downloaded."""

# Folder reading order on Gmail: a message shows in every label's folder and in All
# Mail; the first folder that yields it (by this order) keeps it.
BODY_BATCH = 200
"""Messages per body FETCH in `ImapSource.prefetch_bodies`: at 256 KiB each at most, a batch
stays a bounded answer, and a mailbox of 100k needs a few dozen round trips, not thousands."""

_ROLE_ORDER = {FolderRole.SENT: 0, FolderRole.INBOX: 1, FolderRole.JUNK: 2, FolderRole.OTHER: 3, FolderRole.ARCHIVE: 4, FolderRole.DRAFTS: 5, FolderRole.TRASH: 6}

_NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, socket.timeout)


@dataclass(frozen=True)
class ServerFolder:
    """A folder as the server lists it."""

    name: str
    delimiter: str
    flags: tuple[str, ...]
    role: FolderRole


class ImapSession:
    """One authenticated connection that reconnects with backoff when the network fails.

    Args:
        account: the account's settings.
        environ: environment variables (for ``password_env``).
        retries: reconnect attempts after a dropped connection before giving up.
        backoff: seconds before the first reconnect; doubled each time.
        client_factory: builds the `imapclient.IMAPClient` (tests may wrap it).
    """

    def __init__(
        self,
        account: AccountSettings,
        environ: Mapping[str, str],
        *,
        retries: int = 3,
        backoff: float = 1.0,
        client_factory: Callable[..., Any] | None = None,
    ):
        self.account = account
        self.environ = environ
        self.retries = retries
        self.backoff = backoff
        self._factory = client_factory
        self._client: Any = None
        self._selected: str | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.commands: Counter[str] = Counter()
        self.reconnects = 0

    # -- connection -------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.account.ca_file)
        if not self.account.verify_tls:
            log.warning(
                "account %s: TLS certificate verification is OFF (verify_tls: false): anyone on the network path can read this session",
                self.account.name,
            )
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> None:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError, LoginError
        from imapclient.imapclient import SocketTimeout

        a = self.account
        factory = self._factory or IMAPClient
        timeout = SocketTimeout(connect=a.timeout, read=a.timeout)
        where = f"{a.host}:{a.port}"
        try:
            if a.security == "tls":
                client = factory(a.host, port=a.port, ssl=True, ssl_context=self._ssl_context(), timeout=timeout)
            else:
                client = factory(a.host, port=a.port, ssl=False, timeout=timeout)
                if a.security == "starttls":
                    self.commands["STARTTLS"] += 1
                    client.starttls(self._ssl_context())
        except ssl.SSLCertVerificationError as exc:
            raise NetworkError(a.name, f"the certificate of {where} is not trusted ({exc.verify_message}); set ca_file to the server's CA") from None
        except ssl.SSLError as exc:
            raise NetworkError(a.name, f"TLS with {where} failed: {exc.reason or exc}") from None
        except socket.timeout:
            raise NetworkError(a.name, f"{where} did not answer within {a.timeout:g} s") from None
        except (OSError, IMAPClientError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise NetworkError(a.name, f"cannot connect to {where}: {reason}") from None
        secret = resolve_secret(a.secret, self.environ)
        try:
            self.commands["LOGIN" if a.auth == "password" else "AUTHENTICATE"] += 1
            if a.auth == "xoauth2":
                client.oauth2_login(a.username, secret.reveal())
            else:
                client.login(a.username, secret.reveal())
        except LoginError as exc:
            _close_quietly(client)
            raise AuthError(a.name, _server_text(exc) or "credentials rejected") from None
        except IMAPClientError as exc:
            _close_quietly(client)
            raise AuthError(a.name, _server_text(exc) or type(exc).__name__) from None
        except _NETWORK_ERRORS as exc:
            _close_quietly(client)
            raise NetworkError(a.name, f"connection lost while logging in: {exc or type(exc).__name__}") from None
        self._client = client
        self._selected = None
        self.capabilities = frozenset(c.decode() if isinstance(c, bytes) else str(c) for c in client.capabilities())
        if "CONDSTORE" in self.capabilities:
            # HIGHESTMODSEQ only comes back in STATUS/SELECT after ENABLE (RFC 7162 §3.1).
            self.commands["ENABLE"] += 1
            client.enable("CONDSTORE")

    @property
    def client(self) -> Any:
        if self._client is None:
            self._connect()
        return self._client

    def has(self, capability: str) -> bool:
        self.client  # noqa: B018 - capabilities are known once connected
        return capability in self.capabilities

    def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            from imapclient.exceptions import IMAPClientError

            try:
                client.logout()
            except (IMAPClientError, *_NETWORK_ERRORS):
                pass  # closing a dead connection; there is nothing left to save

    def _drop(self) -> None:
        client, self._client = self._client, None
        self._selected = None
        if client is not None:
            _close_quietly(client)

    def call(self, command: str, op: Callable[[Any], T], *, folder: str | None = None) -> T:
        """Run *op(client)* — after EXAMINE of *folder* when given — reconnecting on network failure.

        Raises:
            NetworkError: the connection failed more than `retries` times in a row.
        """
        from imapclient.exceptions import IMAPClientAbortError

        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                client = self.client
                if folder is not None and self._selected != folder:
                    self.commands["EXAMINE"] += 1
                    client.select_folder(folder, readonly=True)
                    self._selected = folder
                self.commands[command] += 1
                return op(client)
            except (IMAPClientAbortError, *_NETWORK_ERRORS) as exc:
                self._drop()
                if attempt == self.retries:
                    reason = "did not answer" if isinstance(exc, socket.timeout) else "dropped the connection"
                    raise NetworkError(
                        self.account.name,
                        f"{self.account.host} {reason} during {command} {self.retries + 1} times; what was fetched is kept for the next run",
                    ) from None
                log.warning("account %s: connection lost during %s (%s); reconnecting in %.1f s", self.account.name, command, exc or type(exc).__name__, delay)
                time.sleep(delay)
                delay *= 2
                self.reconnects += 1
        raise AssertionError("unreachable")


_MESSAGE_START = re.compile(rb"\d+ \(")
_NUMBER_ITEM = re.compile(rb"(UID|RFC822\.SIZE|MODSEQ|X-GM-MSGID|X-GM-THRID) \(?(\d+)\)?")
_FLAGS_ITEM = re.compile(rb"FLAGS \(([^)]*)\)")
_DATE_ITEM = re.compile(rb'INTERNALDATE "([^"]+)"')


def fetch_headers(client: Any, uids: list[int], items: list[bytes]) -> dict[int, dict[bytes, Any]]:
    """``UID FETCH`` of the header items, answered in the shape of imapclient's `fetch`.

    imapclient's general response parser costs about 55 µs a message (5.5 s per 100,000);
    this answer has a fixed shape - numbers, one flag list, one date and one header literal -
    so a few regular expressions read it in a fraction of that. Clients without imaplib's
    protocol object (test doubles) go through their own `fetch`.
    """
    imap = getattr(client, "_imap", None)
    if imap is None:
        return client.fetch(uids, items)
    tag = imap._command("UID", "FETCH", ",".join(map(str, uids)), b"(" + b" ".join(items) + b")")
    typ, data = imap._command_complete("FETCH", tag)
    client._checkok("fetch", typ, data)
    typ, data = imap._untagged_response(typ, data, "FETCH")
    records: list[tuple[bytes, bytes]] = []
    for part in data:
        if isinstance(part, tuple):
            records.append((part[0], part[1] or b""))
        elif isinstance(part, bytes) and _MESSAGE_START.match(part):
            records.append((part, b""))
        elif isinstance(part, bytes) and records:
            text, literal = records[-1]
            records[-1] = (text + part, literal)
    out: dict[int, dict[bytes, Any]] = {}
    for text, literal in records:
        fields: dict[bytes, Any] = {name: int(value) for name, value in _NUMBER_ITEM.findall(text)}
        uid = fields.get(b"UID")
        if uid is None:
            continue  # an unsolicited FETCH (a flag change by another client): not ours
        flags = _FLAGS_ITEM.search(text)
        fields[b"FLAGS"] = tuple(flags.group(1).split()) if flags else ()
        date = _DATE_ITEM.search(text)
        if date:
            try:
                fields[b"INTERNALDATE"] = datetime.strptime(date.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
            except ValueError:
                pass
        fields[b"BODY[HEADER]"] = literal
        out[uid] = fields
    return out


def _fetch_changed_flags(client: Any, modseq: int) -> dict[int, dict[bytes, Any]]:
    """``UID FETCH 1:* (FLAGS) (CHANGEDSINCE modseq)`` (RFC 7162 §3.1.4).

    imapclient 4's `fetch` keeps only the UIDs it was given as numbers and so drops every
    answer to a ``1:*`` range; this sends the same command through its protocol object
    and parses the answer with its own parser.
    """
    from imapclient.response_parser import parse_fetch_response

    imap = client._imap
    tag = imap._command("UID", "FETCH", "1:*", "(FLAGS)", f"(CHANGEDSINCE {modseq})")
    typ, data = imap._command_complete("FETCH", tag)
    client._checkok("fetch", typ, data)
    typ, data = imap._untagged_response(typ, data, "FETCH")
    return parse_fetch_response(data, client.normalise_times, True)


def _close_quietly(client: Any) -> None:
    try:
        client.shutdown()
    except _NETWORK_ERRORS:
        pass  # the socket is already broken; closing it must not raise


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    for prefix in ("b'", 'b"'):
        if text.startswith(prefix):
            text = text[2:-1]
    return text.strip()


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _header_bytes(data: Mapping[bytes, Any]) -> bytes:
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(b"BODY[HEADER"):
            return value or b""
    return b""


def _as_utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        # imapclient hands INTERNALDATE back in local time without a zone (normalise=True).
        value = value.astimezone()
    return value.astimezone(timezone.utc)


class ImapSource:
    """An IMAP account as a `Source`, synchronised into the local store.

    Args:
        account: the account's settings.
        store: the open store (sync state and header cache).
        env: environment variables (for ``password_env``) and the clock.
        session: an `ImapSession` to use (tests pass one with a short backoff).
    """

    def __init__(self, account: AccountSettings, store: Store, env: Environment, *, session: ImapSession | None = None):
        self.account = account
        self.store = store
        self.env = env
        self.session = session or ImapSession(account, env.environ)
        self.location = f"{account.name} ({account.username} at {account.host})"
        self._server_folders: dict[str, ServerFolder] = {}
        self._seen_gm_msgids: set[int] = set()
        self.fetched_headers = 0
        self.synced: set[str] = set()
        """Folders already synced in this session: `messages` does not sync them again."""

    # -- Source protocol ----------------------------------------------------------------

    def folders(self) -> list[Folder]:
        """List folders with roles: SPECIAL-USE, then Gmail names, then localized names.

        Raises:
            NetworkError, AuthError: the server cannot be reached or refuses the login.
        """
        listing = self.session.call("LIST", lambda c: c.list_folders())
        found: list[ServerFolder] = []
        for flags, delimiter, name in listing:
            flags = tuple(_text(f) for f in flags)
            lowered = {f.lower() for f in flags}
            if "\\noselect" in lowered or "\\nonexistent" in lowered:
                continue
            name = _text(name)
            delim = _text(delimiter) if delimiter else "/"
            shown = name.replace(delim, "/") if delim != "/" else name
            overrides = self.account.folders.roles
            role = role_override(shown, overrides) or role_for_special_use(flags) or role_for_name(shown, overrides)
            found.append(ServerFolder(name, delim, flags, role))
        found.sort(key=lambda f: (_ROLE_ORDER[f.role], f.name))
        self._server_folders = {f.name: f for f in found}
        live = {f.name for f in found}
        for state in sync_state.list_folders(self.store, self.account.name):
            if state.folder not in live:
                sync_state.remove_folder(self.store, self.account.name, state.folder)
        return [Folder(f.name, f.role) for f in found]

    def messages(self, folder: Folder) -> Iterator[RawMessage]:
        """Sync *folder* into the store, then yield its messages from the cache.

        Raises:
            NetworkError: the connection failed for good; batches fetched so far are kept.
        """
        if folder.name not in self.synced:
            self.sync(folder)
        gmail = self.session.has("X-GM-EXT-1")
        for cached in sync_state.iter_messages(self.store, self.account.name, folder.name):
            if gmail and cached.gm_msgid is not None:
                if cached.gm_msgid in self._seen_gm_msgids:
                    continue
                self._seen_gm_msgids.add(cached.gm_msgid)
            headers = cached.headers
            if cached.gm_thrid is not None:
                headers = headers.rstrip(b"\r\n") + b"\r\nX-GM-THRID: %d\r\n" % cached.gm_thrid
            yield RawMessage(
                ref=MessageRef(folder.name, str(cached.uid)),
                folder_role=folder.role,
                headers=headers,
                size=cached.size,
                flags=cached.flags,
                internal_date=cached.internal_date,
                loader=self._loader(folder.name, cached.uid),
            )

    def close(self) -> None:
        self.session.close()

    # -- sync -------------------------------------------------------------------------

    def sync(self, folder: Folder) -> None:
        """Bring the cached headers of *folder* up to date with the server."""
        name = folder.name
        account = self.account.name
        condstore = self.session.has("CONDSTORE")
        what = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"] + (["HIGHESTMODSEQ"] if condstore else [])
        status = self.session.call("STATUS", lambda c: c.folder_status(name, what))
        uidvalidity = _int(status.get(b"UIDVALIDITY"))
        uidnext = _int(status.get(b"UIDNEXT"))
        messages = _int(status.get(b"MESSAGES")) or 0
        modseq = _int(status.get(b"HIGHESTMODSEQ"))
        state = sync_state.get_folder(self.store, account, name)
        cached = sync_state.count_messages(self.store, account, name) if state else 0
        if (
            state is not None
            and state.uidvalidity == uidvalidity
            and state.uidnext == uidnext
            and cached == messages
            and (not condstore or state.highestmodseq == modseq)
        ):
            log.debug("account %s: %s unchanged", account, name)
            return
        if state is not None and state.uidvalidity != uidvalidity:
            log.info("account %s: UIDVALIDITY of %s changed (%s → %s): refetching the folder", account, name, state.uidvalidity, uidvalidity)
            sync_state.reset_folder(self.store, account, name, uidvalidity or 0)
            state = None
        if state is None:
            # Saved before the first batch so the batches have their folder row; uidnext
            # stays unknown until the sync is complete, so an interrupted sync resumes.
            sync_state.save_folder(self.store, sync_state.FolderState(account, name, uidvalidity or 0, None, None, folder.role.value, None))
        on_server = set(self.session.call("SEARCH", lambda c: c.search(["ALL"]), folder=name))
        have = sync_state.cached_uids(self.store, account, name)
        gone = have - on_server
        if gone:
            sync_state.delete_messages(self.store, account, name, gone)
        new = sorted(on_server - have)
        gmail = self.session.has("X-GM-EXT-1")
        items = FETCH_ITEMS + (GMAIL_ITEMS if gmail else [])
        for start in range(0, len(new), BATCH_SIZE):
            batch = new[start : start + BATCH_SIZE]
            response = self.session.call("FETCH", lambda c: fetch_headers(c, batch, items), folder=name)
            sync_state.put_messages(self.store, account, name, (self._cached(uid, data) for uid, data in response.items()))
            self.fetched_headers += len(response)
        if condstore and state is not None and state.highestmodseq and modseq != state.highestmodseq and have - gone:
            since = state.highestmodseq
            changed = self.session.call("FETCH", lambda c: _fetch_changed_flags(c, since), folder=name)
            sync_state.update_flags(
                self.store,
                account,
                name,
                ((uid, frozenset(_text(f) for f in d.get(b"FLAGS", ())), _int(d.get(b"MODSEQ"))) for uid, d in changed.items() if uid in have),
            )
        sync_state.save_folder(
            self.store,
            sync_state.FolderState(account, name, uidvalidity or 0, uidnext, modseq, folder.role.value, self.env.now().isoformat(timespec="seconds")),
        )

    @staticmethod
    def _cached(uid: int, data: Mapping[bytes, Any]) -> sync_state.CachedMessage:
        return sync_state.CachedMessage(
            uid=int(uid),
            headers=_header_bytes(data),
            size=_int(data.get(b"RFC822.SIZE")),
            flags=frozenset(_text(f) for f in data.get(b"FLAGS", ())),
            internal_date=_as_utc(data.get(b"INTERNALDATE")),
            modseq=_int(data.get(b"MODSEQ")),
            gm_msgid=_int(data.get(b"X-GM-MSGID")),
            gm_thrid=_int(data.get(b"X-GM-THRID")),
        )

    def loader(self, ref: MessageRef) -> Callable[[], bytes]:
        """A function returning the body start of the cached message *ref* (store, else server)."""
        return self._loader(ref.folder, int(ref.key))

    def results(self, version: str) -> StoredResults:
        """The store's cached classification results for this account under *version*."""
        return StoredResults(self.store, self.account.name, version)

    def prefetch_bodies(self, refs: Iterable[MessageRef]) -> int:
        """Fetch the body starts of *refs* in batches and keep them in the store.

        One ``UID FETCH`` per `BODY_BATCH` messages of a folder instead of one per message;
        bodies already in the store are not fetched again. Returns how many were fetched.

        Raises:
            NetworkError: the connection failed for good (what was fetched is kept).
        """
        item = b"BODY.PEEK[]<0.%d>" % BODY_LIMIT
        account = self.account.name
        wanted: dict[str, set[int]] = {}
        for ref in refs:
            wanted.setdefault(ref.folder, set()).add(int(ref.key))
        fetched = 0
        for folder, uids in wanted.items():
            missing = sorted(uids - sync_state.cached_body_uids(self.store, account, folder))
            for start in range(0, len(missing), BODY_BATCH):
                batch = missing[start : start + BODY_BATCH]
                response = self.session.call("FETCH", lambda c: c.fetch(batch, [item]), folder=folder)
                bodies = [
                    (int(uid), value or b"")
                    for uid, data in response.items()
                    for key, value in data.items()
                    if isinstance(key, bytes) and key.startswith(b"BODY[]")
                ]
                sync_state.put_bodies(self.store, account, folder, bodies)
                fetched += len(bodies)
        return fetched

    def _loader(self, folder: str, uid: int) -> Callable[[], bytes]:
        item = b"BODY.PEEK[]<0.%d>" % BODY_LIMIT
        account = self.account.name

        def load() -> bytes:
            cached = sync_state.get_body(self.store, account, folder, uid)
            if cached is not None:
                return cached
            try:
                response = self.session.call("FETCH", lambda c: c.fetch([uid], [item]), folder=folder)
            except NetworkError as exc:
                raise OSError(str(exc)) from None
            for key, value in response.get(uid, {}).items():
                if isinstance(key, bytes) and key.startswith(b"BODY[]"):
                    body = value or b""
                    sync_state.put_body(self.store, account, folder, uid, body)
                    return body
            raise OSError(f"message {folder}/{uid} is no longer on the server")

        return load
