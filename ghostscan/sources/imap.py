"""The IMAP source: any mailbox on a server, read-only, incremental.

Headers first: one batched ``UID FETCH`` of just the header fields ghostscan decides on
(plus FLAGS, INTERNALDATE, RFC822.SIZE), stored in the local store; bodies only when a
decision needs them, size-capped, and kept in the store too. A second run asks each
folder's STATUS and fetches only what changed — with CONDSTORE an unchanged folder costs
no SELECT and no FETCH.

Read-only by construction: folders are opened with EXAMINE (``select_folder(readonly=True)``)
and bodies fetched with ``BODY.PEEK``, so no flag changes. The one exception sits at the
end of this module, apart: `ImapMover`, used only by ``spam-check --rescue``, is the only
code that sends SELECT (read-write), MOVE, COPY, STORE or EXPUNGE, and only for a Junk
folder.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import socket
import ssl
import threading
import time
from collections import Counter
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, TypeVar

from ghostscan import collector
from ghostscan.classify.base import BodyNeeded, Classification
from ghostscan.classify.registry import classify_headers
from ghostscan.classify.results import classification_from_json, classification_to_json
from ghostscan.environment import Environment
from ghostscan.errors import AuthError, NetworkError, OperationError
from ghostscan.parse.headers import EXTRA_FIELDS, META_VERSION, MessageMeta, pack_meta, parse_headers, unpack_meta
from ghostscan.secrets import Secret, resolve_secret
from ghostscan.settings import AccountSettings
from ghostscan.sources.base import Folder, FolderRole, MessageRef, RawMessage, raw_message
from ghostscan.sources.roles import role_for_name, role_for_special_use, role_override
from ghostscan.store import sync_state
from ghostscan.store.db import Store
from ghostscan.store.results import StoredResults

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

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

MAX_CONNECTIONS = 3
"""Connections a header sync uses at most: the account's session and two more, opened for
a folder of more than two batches. While one connection's batch is parsed, the others'
answers arrive and the server prepares the next: with two cores, more would only wait."""

PARSE_PROCESSES = 2
"""Processes parsing header blocks in a big sync (`ImapSource._parse_pool`): the parse is
most of a first sync's work and Python runs one thread at a time, so it goes to other
cores while this process reads the answers and writes the store."""

BODY_LIMIT = 256 * 1024
"""Bytes of a body fetched for classification (``BODY.PEEK[]<0.N>``): a DSN's parts and
any reply text sit at the start; a 20 MB attachment is never downloaded."""

BODY_CAPS = (16 * 1024, 64 * 1024)
"""Body starts fetched when the rest is one attachment's content (see `ImapSource._body_caps`):
an offer of 3 KB of text and a 300 KB PDF costs 16 KiB, not `BODY_LIMIT`."""

BODY_SLACK = 2048
"""Bytes fetched beyond where a last attachment's content starts (its closing boundary
line is counted in the message size; a little more guards against servers counting a
part's octets a line differently)."""

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
        secret: the password or token to log in with, already resolved (a second
            connection of the same account uses the first one's); resolved from the
            account's settings at each login when None.

    Attributes:
        secret: the secret of the last login (None before the first): what a second
            connection logs in with, so a password command is not run once per connection.
    """

    def __init__(
        self,
        account: AccountSettings,
        environ: Mapping[str, str],
        *,
        retries: int = 3,
        backoff: float = 1.0,
        client_factory: Callable[..., Any] | None = None,
        secret: Secret | None = None,
    ):
        self.account = account
        self.environ = environ
        self.retries = retries
        self.backoff = backoff
        self._factory = client_factory
        self._given_secret = secret
        self.secret: Secret | None = secret
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
        secret = self._given_secret or resolve_secret(a.secret, self.environ)
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
        _send_at_once(client)
        self._client = client
        self._selected = None
        self.secret = secret
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


_NUMBER_ITEM = re.compile(rb"(UID|RFC822\.SIZE|MODSEQ|X-GM-MSGID|X-GM-THRID) \(?(\d+)\)?")
_FLAGS_ITEM = re.compile(rb"FLAGS \(([^)]*)\)")
_DATE_ITEM = re.compile(rb'INTERNALDATE "([^"]+)"')
# RFC 3501 section 9, date-time: "dd-Mon-yyyy hh:mm:ss +zzzz", the day space-padded.
_INTERNALDATE = re.compile(rb" ?(\d{1,2})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_MONTHS = {m.encode(): i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def internal_date(value: bytes) -> datetime | None:
    """An INTERNALDATE as an aware datetime in UTC, or None when it is not one.

    A regular expression instead of ``strptime``, which costs about 15 µs a call (1.5 s
    per 100,000 messages).

    Example:
        >>> internal_date(b" 5-Nov-2024 10:40:29 +0100")
        datetime.datetime(2024, 11, 5, 9, 40, 29, tzinfo=datetime.timezone.utc)
    """
    match = _INTERNALDATE.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    offset = timedelta(hours=int(zone_h), minutes=int(zone_m))
    try:
        local = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=timezone.utc)
    except ValueError:
        return None
    return local + offset if sign == b"-" else local - offset


def uid_set(uids: Iterable[int]) -> str:
    """*uids* as an IMAP sequence set of ranges (RFC 3501 section 9, ``sequence-set``).

    ``1:5000`` instead of five thousand comma-separated numbers: a folder fetched from
    the start is one range per batch, and the command line stays short.

    Example:
        >>> uid_set([1, 2, 3, 7, 9, 10])
        '1:3,7,9:10'
    """
    parts: list[str] = []
    start = end = None
    for uid in sorted(set(uids)):
        if end is not None and uid == end + 1:
            end = uid
            continue
        if start is not None:
            parts.append(f"{start}:{end}" if end != start else str(start))
        start = end = uid
    if start is not None:
        parts.append(f"{start}:{end}" if end != start else str(start))
    return ",".join(parts)


_LITERAL_END = re.compile(rb"\{(\d+)\}\r\n\Z")
_FETCH_LINE = re.compile(rb"\* \d+ FETCH \(", re.IGNORECASE)


class _Refused(Exception):
    """The server answered a command with NO or BAD: (status, its text)."""


def _fetch_records(imap: Any, tag: bytes) -> list[tuple[bytes, bytes]]:
    """Read the answer to the FETCH tagged *tag*: (response text, first literal) per message.

    imaplib's reader takes a regex match, a debug-log call and a list append for every
    line and literal (about 50 µs a message, as long as the parse that follows); this reads
    the lines and literals (RFC 3501 section 4.3) straight from the connection. Untagged
    answers other than FETCH (EXISTS, EXPUNGE, OK notes) are not ours and are skipped.

    Raises:
        EOFError: the connection ended mid-answer (the session reconnects; nothing of this
            batch is stored, so nothing is lost or counted twice).
        _Refused: the server answered NO or BAD.
    """
    readline, read = imap.readline, imap.read
    done = tag + b" "
    records: list[tuple[bytes, bytes]] = []
    while True:
        line = readline()
        if not line.endswith(b"\r\n"):
            raise EOFError("the server closed the connection mid-answer")
        if line.startswith(done):
            status, _, text = line[len(done) :].partition(b" ")
            if status != b"OK":
                raise _Refused(status.decode("ascii", "replace"), text.strip())
            return records
        literal = b""
        literal_end = _LITERAL_END.search(line)
        while literal_end is not None:
            size = int(literal_end.group(1))
            data = read(size)
            if len(data) < size:
                raise EOFError("the server closed the connection mid-literal")
            literal = literal or data
            rest = readline()
            if not rest.endswith(b"\r\n"):
                raise EOFError("the server closed the connection mid-answer")
            line = line[: literal_end.start()] + rest
            literal_end = _LITERAL_END.search(line)
        if _FETCH_LINE.match(line):
            records.append((line, literal))


def fetch_answer(client: Any, uids: list[int], items: list[bytes]) -> Any:
    """``UID FETCH`` of the header items; the answer as read, not yet decoded (`decode_answer`).

    The raw (response text, header literal) records, as `_fetch_records` reads them: a
    header sync hands them to the processes that parse them, so this process only moves
    bytes. Clients without imaplib's protocol object (test doubles) answer through their
    own `fetch`, decoded already.
    """
    imap = getattr(client, "_imap", None)
    if imap is None:
        return client.fetch(uids, items)
    tag = imap._command("UID", "FETCH", uid_set(uids), b"(" + b" ".join(items) + b")")
    try:
        return _fetch_records(imap, tag)
    except _Refused as exc:
        client._checkok("fetch", exc.args[0], [exc.args[1]])
        raise
    finally:
        imap.tagged_commands.pop(tag, None)


def decode_answer(answer: Any, uids: Iterable[int]) -> dict[int, dict[bytes, Any]]:
    """*answer* (`fetch_answer`) in the shape of imapclient's `fetch`: UID → item → value.

    imapclient's general response parser costs about 55 µs a message (5.5 s per 100,000);
    this answer has a fixed shape - numbers, one flag list, one date and one header literal -
    so a few regular expressions read it in a fraction of that.

    Only the UIDs asked for (*uids*) are kept: an unsolicited FETCH (a flag change by
    another client) is not part of the answer. A mapping (a test double's) is returned
    as it is.
    """
    if isinstance(answer, dict):
        return answer
    wanted = set(uids)
    out: dict[int, dict[bytes, Any]] = {}
    for text, literal in answer:
        fields: dict[bytes, Any] = {name: int(value) for name, value in _NUMBER_ITEM.findall(text)}
        uid = fields.get(b"UID")
        if uid is None or uid not in wanted:
            continue  # an unsolicited FETCH (a flag change by another client): not ours
        flags = _FLAGS_ITEM.search(text)
        fields[b"FLAGS"] = tuple(flags.group(1).split()) if flags else ()
        date = _DATE_ITEM.search(text)
        when = internal_date(date.group(1)) if date else None
        if when is not None:
            fields[b"INTERNALDATE"] = when
        fields[b"BODY[HEADER]"] = literal
        out[uid] = fields
    return out


def _fetch_ranges(client: Any, uids: list[int], item: bytes) -> dict[int, dict[bytes, Any]]:
    """``UID FETCH`` of *item* for *uids* sent as ranges (`uid_set`), parsed by imapclient.

    imapclient's `fetch` writes every UID out and takes no ranges; clients without
    imaplib's protocol object (test doubles) go through it anyway.
    """
    imap = getattr(client, "_imap", None)
    if imap is None:
        return client.fetch(uids, [item])
    from imapclient.response_parser import parse_fetch_response

    tag = imap._command("UID", "FETCH", uid_set(uids), b"(" + item + b")")
    typ, data = imap._command_complete("FETCH", tag)
    client._checkok("fetch", typ, data)
    typ, data = imap._untagged_response(typ, data, "FETCH")
    wanted = set(uids)
    return {uid: d for uid, d in parse_fetch_response(data, client.normalise_times, True).items() if uid in wanted}


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


def _attachment_tail(structure: Any) -> int | None:
    """The body size of a multipart message's last part when readers skip its content.

    That is a leaf part that is neither text (read, or a returned header block) nor a
    message (a forwarded or returned mail); None for anything else.
    """
    if structure is None or not getattr(structure, "is_multipart", False):
        return None
    parts = structure[0]
    if not isinstance(parts, list) or not parts:
        return None
    last = parts[-1]
    if getattr(last, "is_multipart", True) or len(last) < 7:
        return None
    kind = last[0].lower() if isinstance(last[0], bytes) else b""
    if kind in (b"text", b"message", b""):
        return None
    return _int(last[6])


def _send_at_once(client: Any) -> None:
    """Switch Nagle's algorithm off on *client*'s socket (TCP_NODELAY).

    imapclient writes a command line and its CRLF in two sends. With Nagle's algorithm
    the CRLF waits until the server acknowledges the first part, and a server that delays
    its ACKs (Linux: at least 40 ms) makes every command wait that long: one body
    fetched alone cost about 57 ms against Dovecot on 127.0.0.1. A client object without
    a socket (a test double) is left as it is.
    """
    sock = getattr(getattr(client, "_imap", None), "sock", None)
    if sock is None:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (AttributeError, OSError) as exc:
        log.debug("TCP_NODELAY not set: %s", exc)


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
    block = data.get(b"BODY[HEADER]")  # as `decode_answer` names it
    if block is not None:
        return block
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(b"BODY[HEADER"):
            return value or b""
    return b""


_FLAG_SETS: dict[Any, frozenset[str]] = {}


def _flag_set(flags: Any) -> frozenset[str]:
    """*flags* as a set of text; a mailbox has a handful of combinations, each kept once."""
    found = _FLAG_SETS.get(flags) if isinstance(flags, tuple) else None
    if found is None:
        found = frozenset(_text(f) for f in flags)
        if isinstance(flags, tuple) and len(_FLAG_SETS) < 1024:
            _FLAG_SETS[flags] = found
    return found


def _as_utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is timezone.utc:
        return value  # as `internal_date` makes it
    if value.tzinfo is None:
        # imapclient hands INTERNALDATE back in local time without a zone (normalise=True).
        value = value.astimezone()
    return value.astimezone(timezone.utc)


def _with_thread_id(headers: bytes, gm_thrid: int | None) -> bytes:
    """*headers* with Gmail's thread id as a header field, where threading looks for provider hints."""
    if gm_thrid is None:
        return headers
    return headers.rstrip(b"\r\n") + b"\r\nX-GM-THRID: %d\r\n" % gm_thrid


_NOWHERE = MessageRef("", "")


NEEDS_BODY = ""
"""What a message's row keeps as its kind when the header pass asked for the body."""


def _kind_json(meta: MessageMeta) -> str | None:
    """The kind of *meta* decided from its headers (`classify_headers`) as stored.

    `NEEDS_BODY` when a rule asked for the body; None when the rule chain failed (the
    scan classifies the message again and reports it).
    """
    try:
        kind = classify_headers(meta)
    except BodyNeeded:
        return NEEDS_BODY
    except Exception:  # noqa: BLE001 - per-message boundary: the scan meets it again and reports it
        return None
    return classification_to_json(kind)


def _kind_from_json(text: str | None) -> Classification | None:
    if not text:
        return None  # none decided, or NEEDS_BODY
    try:
        return classification_from_json(text)
    except (ValueError, TypeError, KeyError):
        return None  # not a result this ghostscan can read: the scan classifies the message


def _message_rows(
    role: FolderRole,
    answer: Any,
    uids: list[int],
    kinds_version: str | None,
    parsed: list[MessageMeta | None] | None = None,
    folder: str = "",
) -> list[tuple]:
    """The messages of one header FETCH *answer* (`fetch_answer`) as store rows (`sync_state.message_row`).

    What a header-parsing process runs (`_parse_job`), and this process when it has
    none or it failed: decode the answer, parse each header block once and keep the parsed
    record (`pack_meta`), not the raw block; a re-run reads the record back in a
    microsecond instead of parsing again, and the store stays small. A block the parser
    chokes on is kept raw, so the scan reports it. With *kinds_version*, each message's
    kind from its headers (`_kind_json`) goes in its row under that version. *parsed*,
    when given, receives each row's parsed headers (None where the parse failed), which
    know their place in *folder*.
    """
    rows: list[tuple] = []
    message_row = sync_state.message_row
    for uid, data in decode_answer(answer, uids).items():
        size = _int(data.get(b"RFC822.SIZE"))
        internal_date = _as_utc(data.get(b"INTERNALDATE"))
        gm_thrid = _int(data.get(b"X-GM-THRID"))
        headers = _with_thread_id(_header_bytes(data), gm_thrid)
        meta = packed = kind = None
        try:
            ref = _NOWHERE if parsed is None else MessageRef(folder, str(uid))
            meta = parse_headers(headers, ref, role, size=size, internal_date=internal_date)
            packed = pack_meta(meta)
        except Exception:  # noqa: BLE001 - per-message boundary: the scan reports it from the raw block
            meta = None
        else:
            headers = b""
            if kinds_version is not None:
                # Decided on the parse; the scan holds the record read back, which holds the
                # same (tests/unit/sources/test_imap_parallel.py).
                kind = _kind_json(meta)
        if parsed is not None:
            parsed.append(meta)
        rows.append(
            message_row(
                int(uid), headers, size, _flag_set(data.get(b"FLAGS", ())), internal_date, _int(data.get(b"MODSEQ")),
                _int(data.get(b"X-GM-MSGID")), gm_thrid, packed, META_VERSION, kind, kinds_version if kind is not None else None,
            )
        )  # fmt: skip
    return rows


def _parse_job(role: FolderRole, answer: Any, uids: list[int], kinds_version: str | None) -> list[tuple]:
    """What a header-parsing process runs (`ImapSource._parse_pool`): `_message_rows` of one answer."""
    return _message_rows(role, answer, uids, kinds_version)


def _parse_process_init() -> None:
    """Set up a header-parsing process: deaf to Ctrl-C, and gone when ghostscan is.

    Ctrl-C reaches the whole process group: the scan stops and ends these processes, and
    a traceback from each would only bury its message. A forked process holds copies of
    ghostscan's open files, the run lock's among them: should ghostscan be killed, it
    must not live on holding the lock, so it watches for its parent to go.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="ghostscan-parent-watch", daemon=True).start()


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
        self._addresses: dict[Any, Any] = {}
        # What the last sync of a folder fetched and parsed, until `messages` hands it out.
        self._fresh: dict[str, dict[int, tuple[MessageMeta | None, sync_state.MetaRow]]] = {}
        self._only_fresh: set[str] = set()
        self.fetched_headers = 0
        # More connections for big header syncs (`_fetch_headers`), kept until `close`.
        self._extras: list[ImapSession] = []
        self._extras_refused = False
        self._pool: ProcessPoolExecutor | None = None
        self._pool_failed = False
        self._flag_texts: dict[str, frozenset[str]] = {}
        self._kinds_version: str | None = None
        """The rules version of the scan's results (`results`): when set, a sync decides
        each message's kind from its headers where it parses them, and stores it with it."""
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
            self.sync(folder, keep_parsed=True)
        gmail = self.session.has("X-GM-EXT-1")
        fresh = self._fresh.pop(folder.name, {})
        if folder.name in self._only_fresh:
            # Every message of the folder was fetched just now and is parsed in memory:
            # reading the store back would only give the same again.
            self._only_fresh.discard(folder.name)
            rows: Iterable[Any] = (fresh[uid][1] for uid in sorted(fresh))
        else:
            rows = sync_state.iter_metas(self.store, self.account.name, folder.name, META_VERSION, self._kinds_version)
        for row in rows:
            if gmail and row.gm_msgid is not None:
                if row.gm_msgid in self._seen_gm_msgids:
                    continue
                self._seen_gm_msgids.add(row.gm_msgid)
            kept = fresh.get(row.uid)
            meta = kept[0] if kept is not None else None
            # A parsed message knows where it lives: the same ref, not a second one.
            ref = meta.ref if meta is not None else MessageRef(folder.name, str(row.uid))
            error = None
            if meta is None and row.meta is not None:
                try:
                    meta = unpack_meta(row.meta, ref, folder.role, size=row.size, addresses=self._addresses)
                except (ValueError, EOFError, TypeError) as exc:
                    error = f"unreadable cached headers ({exc}); `ghostscan cache rebuild` fetches them again"
            yield raw_message(
                ref,
                folder.role,
                row.headers or b"",
                row.size,
                row.flags,
                row.internal_date,
                self._loader(folder.name, row.uid),
                error,
                meta,
                _kind_from_json(row.kind) if meta is not None else None,
                row.kind == NEEDS_BODY and meta is not None,
            )

    def close(self) -> None:
        for extra in self._extras:
            self.session.commands.update(extra.commands)
            extra.commands.clear()
            extra.close()
        self._extras.clear()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)
        self.session.close()

    # -- sync -------------------------------------------------------------------------

    def sync(self, folder: Folder, *, keep_parsed: bool = False) -> None:
        """Bring the cached headers of *folder* up to date with the server.

        Args:
            folder: the folder.
            keep_parsed: keep the headers fetched now parsed in memory as well, for
                `messages` to hand out without reading them back from the store.
        """
        # A first sync makes some 100,000 parsed records that live until the scan ends;
        # kept for the scan, they are frozen (see `collector.paused`).
        with collector.paused(freeze=keep_parsed):
            self._sync(folder, keep_parsed)

    def _sync(self, folder: Folder, keep_parsed: bool) -> None:
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
        cached, stale = sync_state.count_stale_metas(self.store, account, name, META_VERSION) if state else (0, 0)
        if (
            state is not None
            and state.uidvalidity == uidvalidity
            and state.uidnext == uidnext
            and cached == messages
            and not stale
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
        if stale:
            # Kept by an older ghostscan, whose parse differs: the header fields again.
            have -= sync_state.stale_meta_uids(self.store, account, name, META_VERSION)
        gone = have - on_server
        if gone:
            sync_state.delete_messages(self.store, account, name, gone)
        new = sorted(on_server - have)
        fresh: dict[int, tuple[MessageMeta | None, sync_state.MetaRow]] = {}
        if keep_parsed:
            self._fresh[name] = fresh

        def store(rows: list[tuple], kept: list[tuple[int, Any]]) -> None:
            sync_state.put_message_rows(self.store, account, name, rows)
            fresh.update(kept)
            self.fetched_headers += len(rows)

        self._fetch_headers(folder, [new[i : i + BATCH_SIZE] for i in range(0, len(new), BATCH_SIZE)], store, keep_parsed)
        if keep_parsed and not have - gone:
            self._only_fresh.add(name)
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

    # -- header FETCH over one or more connections ---------------------------------------

    def _fetch_headers(self, folder: Folder, batches: list[list[int]], store: Callable[[list[tuple], list[tuple[int, Any]]], None], keep: bool) -> None:
        """FETCH the header fields of *batches* of UIDs of *folder*, parse them, hand each batch to *store*.

        *store* runs in this thread, the one that owns the store, once per batch as it
        arrives; batches may arrive out of order. A folder of more than two batches is
        fetched over up to `MAX_CONNECTIONS` connections at once and parsed in up to
        `PARSE_PROCESSES` processes, so that reading answers, parsing (the most of the
        work, and Python's one thread at a time) and storing overlap. The processes get
        the answers as read (`fetch_answer`) and give back finished store rows
        (`_message_rows`): this thread only moves bytes, writes rows and reads back the
        parsed headers it keeps; a batch whose process failed is parsed here. The extra
        connections are best effort: one the server refuses (a connection limit) or
        drops is given up and its batch fetched by another; only this session's own
        failure ends the sync, as with one connection.

        Raises:
            NetworkError: this session's connection failed for good; the batches stored
                so far are kept.
        """
        if not batches:
            return
        gmail = self.session.has("X-GM-EXT-1")
        items = FETCH_ITEMS + (GMAIL_ITEMS if gmail else [])
        name = folder.name
        big = len(batches) > 2
        # The processes first: they are forked, and no thread of ours may run while they are.
        pool = self._parse_pool() if big else None
        extras = self._extra_sessions(min(len(batches) - 2, MAX_CONNECTIONS - 1)) if big else []
        if pool is None and not extras:
            for uids in batches:
                answer = self.session.call("FETCH", lambda c: fetch_answer(c, uids, items), folder=name)
                store(*self._parse_batch(folder, answer, uids, keep))
            return
        jobs: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
        for uids in batches:
            jobs.put(uids)
        # ("fetched", answer, uids) from another connection, ("parsed", answer, uids, future)
        # from the processes, None when a connection gave its batch back.
        events: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        # Batches fetched and not yet stored, at most: answers wait in memory for the parse.
        ahead = threading.BoundedSemaphore(2 * (PARSE_PROCESSES if pool else 1) + len(extras) + 1)
        stop = threading.Event()
        failed: dict[int, tuple[BaseException, bool]] = {}

        def fetch_with(index: int, session: ImapSession) -> None:
            try:
                session.client  # noqa: B018 - connects and logs in, once per session
            except BaseException as exc:  # noqa: BLE001 - refused (a connection limit) or unreachable: fewer connections, not an error
                failed[index] = (exc, False)
                return
            while not stop.is_set():
                if not ahead.acquire(timeout=0.05):
                    continue
                try:
                    uids = jobs.get_nowait()
                except queue.Empty:
                    ahead.release()
                    return
                try:
                    answer = session.call("FETCH", lambda c: fetch_answer(c, uids, items), folder=name)
                except BaseException as exc:  # noqa: BLE001 - the batch goes back to the others; this session's own failure is not the sync's
                    failed[index] = (exc, True)
                    jobs.put(uids)
                    ahead.release()
                    events.put(None)
                    return
                events.put(("fetched", answer, uids))

        outstanding = len(batches)

        kinds_version = self._kinds_for(folder)
        in_pool = 0  # batches with the processes, not yet handled

        def parse(answer: Any, uids: list[int]) -> None:
            nonlocal outstanding, pool, in_pool
            # Each process busy with one batch and one more waiting: rather than wait for
            # them, this process parses the batch itself (on a machine whose other work
            # leaves the processes little time, it would only wait).
            if pool is not None and in_pool < 2 * PARSE_PROCESSES:
                # The kinds too while the processes keep up; when they fall behind, the
                # scan decides the kinds of this batch's messages itself, later.
                kinds = kinds_version if in_pool < PARSE_PROCESSES else None
                try:
                    future = pool.submit(_parse_job, folder.role, answer, uids, kinds)
                except (BrokenExecutor, RuntimeError):
                    pool = self._pool_broken()
                else:
                    in_pool += 1
                    future.add_done_callback(lambda done: events.put(("parsed", answer, uids, done)))
                    return
            store(*self._parse_batch(folder, answer, uids, keep))
            ahead.release()
            outstanding -= 1

        def handle(event: tuple[Any, ...] | None) -> None:
            nonlocal outstanding, pool, in_pool
            if event is None:
                return  # a batch given back: it is in `jobs` again
            if event[0] == "fetched":
                parse(event[1], event[2])
                return
            _, answer, uids, future = event
            in_pool -= 1
            try:
                rows = future.result()
            except BrokenExecutor:
                # A parsing process died (out of memory, killed): parse here from now on.
                pool = self._pool_broken()
                rows = None
            except Exception:  # noqa: BLE001 - whatever went wrong there, the parse here says it again or succeeds
                rows = None
            if rows is None:
                store(*self._parse_batch(folder, answer, uids, keep))
            else:
                store(rows, self._kept(folder, rows) if keep else [])
            ahead.release()
            outstanding -= 1

        threads = [threading.Thread(target=fetch_with, args=(i, session), name=f"ghostscan-imap-{i + 1}", daemon=True) for i, session in enumerate(extras)]
        for thread in threads:
            thread.start()
        try:
            while outstanding:
                try:
                    handle(events.get_nowait())
                    continue
                except queue.Empty:
                    pass
                if ahead.acquire(blocking=False):
                    try:
                        uids = jobs.get_nowait()
                    except queue.Empty:
                        ahead.release()
                    else:
                        try:
                            answer = self.session.call("FETCH", lambda c: fetch_answer(c, uids, items), folder=name)
                        except BaseException:
                            ahead.release()
                            raise
                        parse(answer, uids)
                        continue
                handle(events.get())
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            for index, session in enumerate(extras):
                self.session.commands.update(session.commands)
                session.commands.clear()
                self.session.reconnects += session.reconnects
                session.reconnects = 0
                if index in failed:
                    self._drop_extra(session, *failed[index])

    def _parse_pool(self) -> ProcessPoolExecutor | None:
        """The processes that parse header blocks for big syncs, started on first use; None without.

        Forked, so they start in milliseconds and need no module imported again. That is
        done before any thread of this source runs (a fork copies only the thread that
        forks), and they run nothing but `_parse_job`. None on a machine of one core,
        where they would only take turns with this process, or where fork is unavailable.
        """
        if self._pool is None and not self._pool_failed:
            self._pool_failed = True  # unless it starts below
            # Imported here: a run with nothing to fetch does without them.
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:
                cores = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                cores = os.cpu_count() or 1
            if cores < 2 or PARSE_PROCESSES < 1 or "fork" not in multiprocessing.get_all_start_methods():
                return None
            try:
                pool = ProcessPoolExecutor(PARSE_PROCESSES, mp_context=multiprocessing.get_context("fork"), initializer=_parse_process_init)
                pool.submit(int).result()  # forks every process now
            except (OSError, BrokenExecutor) as exc:
                log.info("account %s: no processes to parse headers in (%s); parsing here", self.account.name, exc)
                return None
            self._pool, self._pool_failed = pool, False
        return self._pool

    def _pool_broken(self) -> None:
        pool, self._pool, self._pool_failed = self._pool, None, True
        if pool is not None:
            log.info("account %s: a header-parsing process ended; parsing here", self.account.name)
            pool.shutdown(wait=False, cancel_futures=True)

    def _extra_sessions(self, wanted: int) -> list[ImapSession]:
        """Up to *wanted* more sessions of this account for a header sync (not yet connected when new).

        None once the server refused one: it limits connections, and the sync goes on
        over this session alone.
        """
        if wanted <= 0 or self._extras_refused:
            return []
        while len(self._extras) < wanted:
            # No reconnects of its own: a dropped extra connection gives its batch back.
            self._extras.append(ImapSession(self.account, self.session.environ, retries=0, client_factory=self.session._factory, secret=self.session.secret))
        return self._extras[:wanted]

    def _drop_extra(self, session: ImapSession, exc: BaseException, logged_in: bool) -> None:
        """Give up an extra connection that failed; after a refused login, open no more."""
        self._extras.remove(session)
        reason = str(exc) or type(exc).__name__
        if logged_in:
            log.info("account %s: an extra connection failed (%s); its batch is fetched over another", self.account.name, reason)
        else:
            # Servers limit connections per user: Dovecot answers the login with NO
            # [UNAVAILABLE], others close the connection or refuse it.
            self._extras_refused = True
            log.info("account %s: the server refused another connection (%s); fetching over fewer", self.account.name, reason)
        session.close()

    def _parse_batch(self, folder: Folder, answer: Any, uids: list[int], keep: bool) -> tuple[list[tuple], list[tuple[int, Any]]]:
        """`_message_rows` of one batch, parsed here; with *keep*, the parsed headers too (`_kept`).

        Without kinds: in this process they would cost what the scan's own classification
        costs (which decides only inbound mail's), and the sync is the stretch where this
        process has the most to do.
        """
        parsed: list[MessageMeta | None] | None = [] if keep else None
        rows = _message_rows(folder.role, answer, uids, None, parsed, folder.name)
        return rows, self._kept(folder, rows, parsed) if keep else []

    def _kept(self, folder: Folder, rows: list[tuple], parsed: list[MessageMeta | None] | None = None) -> list[tuple[int, Any]]:
        """(uid, (parsed headers, `sync_state.MetaRow`)) of each of *rows*, for `messages` to hand out without a read back.

        The parsed headers are *parsed* (this process parsed them), else read from each
        row's record as a re-run reads them (`unpack_meta`), while the processes parse the
        next batches. The rows' own record is left out: the parsed headers stand in for it
        (and 100,000 of them would hold tens of MB for nothing).
        """
        name, role = folder.name, folder.role
        addresses = self._addresses
        meta_row = sync_state.MetaRow
        from_iso, u64_out, flag_sets = datetime.fromisoformat, sync_state._u64_out, self._flag_texts
        kept: list[tuple[int, Any]] = []
        for position, (uid, headers, size, flag_text, when, _modseq, gm_msgid, _thrid, record, _version, kind, _kinds) in enumerate(rows):
            if parsed is not None:
                meta = parsed[position]
            elif record is not None:
                meta = unpack_meta(record, MessageRef(name, str(uid)), role, size=size, addresses=addresses)
            else:
                meta = None
            flags = flag_sets.get(flag_text)
            if flags is None:
                flags = flag_sets[flag_text] = frozenset(flag_text.split())
            row = meta_row(uid, None, size, flags, None if when is None else from_iso(when), u64_out(gm_msgid), headers or None, kind)
            kept.append((uid, (meta, row)))
        return kept

    def _kinds_for(self, folder: Folder) -> str | None:
        """The rules version the parsing processes decide kinds of *folder*'s messages under, or None when they do not.

        The scan's rules version, once known (`results`); None before, and for Sent and
        Drafts: what is there is ours, and the scan classifies only inbound mail. A
        message there from someone else is classified by the scan itself, as any message
        without a kind is.
        """
        if folder.role in (FolderRole.SENT, FolderRole.DRAFTS):
            return None
        return self._kinds_version

    def loader(self, ref: MessageRef) -> Callable[[], bytes]:
        """A function returning the body start of the cached message *ref* (store, else server)."""
        return self._loader(ref.folder, int(ref.key))

    def results(self, version: str) -> StoredResults:
        """The store's cached classification results for this account under *version*.

        From then on a sync also decides each message's kind from its headers, in the
        processes that parse them, and keeps it in the message's row under *version*;
        `messages` hands it out (`RawMessage.kind`) where it was decided under *version*.
        """
        self._kinds_version = version
        return StoredResults(self.store, self.account.name, version)

    def prefetch_bodies(self, refs: Iterable[MessageRef]) -> int:
        """Fetch the body starts of *refs* in batches and keep them in the store.

        One ``UID FETCH`` per `BODY_BATCH` messages of a folder instead of one per message;
        bodies already in the store are not fetched again. Returns how many were fetched.

        Raises:
            NetworkError: the connection failed for good (what was fetched is kept).
        """
        account = self.account.name
        wanted: dict[str, set[int]] = {}
        for ref in refs:
            wanted.setdefault(ref.folder, set()).add(int(ref.key))
        fetched = 0
        for folder, uids in wanted.items():
            missing = sorted(uids - sync_state.cached_body_uids(self.store, account, folder))
            sizes = sync_state.message_sizes(self.store, account, folder) if missing else {}
            for start in range(0, len(missing), BODY_BATCH):
                batch = missing[start : start + BODY_BATCH]
                big = [uid for uid in batch if (sizes.get(uid) or BODY_LIMIT + 1) > BODY_CAPS[0]]
                caps = self._body_caps(folder, big) if big else {}
                by_cap: dict[int, list[int]] = {}
                for uid in batch:
                    by_cap.setdefault(caps.get(uid, BODY_LIMIT), []).append(uid)
                for cap, some in sorted(by_cap.items()):
                    item = b"BODY.PEEK[]<0.%d>" % cap
                    response = self.session.call("FETCH", lambda c: _fetch_ranges(c, some, item), folder=folder)
                    bodies = [
                        (int(uid), value or b"")
                        for uid, data in response.items()
                        for key, value in data.items()
                        if isinstance(key, bytes) and key.startswith(b"BODY[]")
                    ]
                    sync_state.put_bodies(self.store, account, folder, bodies)
                    fetched += len(bodies)
        return fetched

    def _body_caps(self, folder: str, uids: list[int]) -> dict[int, int]:
        """How many bytes of each message its readers can use, from its ``BODYSTRUCTURE``.

        Readers take the text parts and the *names* of attachments, never an attachment's
        content. When a message's last part is such an attachment (a PDF, an image), the
        message up to that part's own header is all they read: RFC822.SIZE less that
        part's body size (RFC 3501 section 7.4.2, ``body-fld-octets``) less the closing
        boundary. That start is rounded up to one of `BODY_CAPS`, so a batch needs a few
        FETCH commands, not one per message. Messages without such a part are not listed
        (they get `BODY_LIMIT`).
        """
        response = self.session.call("FETCH", lambda c: _fetch_ranges(c, uids, b"RFC822.SIZE BODYSTRUCTURE"), folder=folder)
        caps: dict[int, int] = {}
        for uid, data in response.items():
            size = _int(data.get(b"RFC822.SIZE"))
            tail = _attachment_tail(data.get(b"BODYSTRUCTURE"))
            if size is None or tail is None:
                continue
            # The slack covers the closing boundary line counted in the size and, should
            # a server count a part's octets a little differently, a few lines more.
            needed = size - tail + BODY_SLACK
            cap = next((c for c in BODY_CAPS if needed <= c), BODY_LIMIT)
            if cap < BODY_LIMIT:
                caps[uid] = cap
        return caps

    def _loader(self, folder: str, uid: int) -> Callable[[], bytes]:
        return _BodyLoader(self, folder, uid)

    def _load_body(self, folder: str, uid: int) -> bytes:
        cached = sync_state.get_body(self.store, self.account.name, folder, uid)
        if cached is not None:
            return cached
        item = b"BODY.PEEK[]<0.%d>" % BODY_LIMIT
        try:
            response = self.session.call("FETCH", lambda c: c.fetch([uid], [item]), folder=folder)
        except NetworkError as exc:
            raise OSError(str(exc)) from None
        for key, value in response.get(uid, {}).items():
            if isinstance(key, bytes) and key.startswith(b"BODY[]"):
                body = value or b""
                sync_state.put_body(self.store, self.account.name, folder, uid, body)
                return body
        raise OSError(f"message {folder}/{uid} is no longer on the server")


class _BodyLoader:
    """Loads one message's body start (store, else server) when called.

    One small object per message, not a closure with its cells: a scan holds one for
    every message it read (at 100,000 messages the closures took over 20 MB).
    """

    __slots__ = ("source", "folder", "uid")

    def __init__(self, source: ImapSource, folder: str, uid: int):
        self.source = source
        self.folder = folder
        self.uid = uid

    def __call__(self) -> bytes:
        return self.source._load_body(self.folder, self.uid)


# -- write operations: spam-check --rescue only ---------------------------------------
#
# Everything above reads. What follows changes a mailbox, and only a Junk folder: the
# rescue of customer mail into INBOX. Every command that depends on an extension is
# guarded by `ImapMover.require_capability`, and nothing here reconnects and retries on
# its own: a write whose answer was lost might have happened, so the caller stops and a
# re-run starts from what the server shows (the rescue looks for copies by Message-ID
# before copying again).


class CapabilityError(OperationError):
    """The server lacks an IMAP extension a write operation needs.

    Attributes:
        account: the account's name.
        capability: the missing capability (``"MOVE"``, ``"UIDPLUS"``).
        purpose: what it was needed for.
    """

    def __init__(self, account: str, capability: str, purpose: str):
        self.account = account
        self.capability = capability
        self.purpose = purpose
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"account {self.account}: the server does not offer {self.capability}, needed to {self.purpose}"


class WriteRefusedError(OperationError):
    """The server answered NO or BAD to a write (quota, permissions, a read-only folder).

    Attributes:
        account: the account's name.
        command: the command refused (``"COPY"``, ``"MOVE"``, ``"STORE"``).
        reason: the server's text.
    """

    def __init__(self, account: str, command: str, reason: str):
        self.account = account
        self.command = command
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"account {self.account}: the server refused {self.command}: {self.reason}"


@dataclass(frozen=True)
class StoredIdentity:
    """What identifies one stored message for verification: Message-ID and size."""

    uid: int
    message_id: str | None
    size: int | None


_COPYUID = re.compile(rb"\[COPYUID (\d+) ([\d:,]+) ([\d:,]+)\]")


def _uid_set(text: bytes) -> list[int]:
    out: list[int] = []
    for part in text.decode().split(","):
        low, _, high = part.partition(":")
        a, b = int(low), int(high or low)
        out.extend(range(min(a, b), max(a, b) + 1))
    return out


def parse_copyuid(response: Any) -> dict[int, int]:
    """Read the COPYUID response code of a COPY (RFC 4315 §3): source UID → new UID.

    Returns an empty mapping when the answer has none (a server without UIDPLUS).

    Example:
        >>> parse_copyuid(b"[COPYUID 38505 304,319:320 3956:3958] Done")
        {304: 3956, 319: 3957, 320: 3958}
    """
    text = response if isinstance(response, bytes) else str(response).encode()
    match = _COPYUID.search(text)
    if match is None:
        return {}
    # RFC 4315 §3: the two sets are in the same order, message by message.
    return dict(zip(_uid_set(match.group(2)), _uid_set(match.group(3))))


class ImapMover:
    """Moves messages out of one Junk folder of an account (``spam-check --rescue``).

    Reads (which UIDs hold what, is a copy already there) go through `ImapSession.call`
    with EXAMINE and reconnect as usual. Writes SELECT the Junk folder read-write, run
    once, and raise `NetworkError` if the connection drops: the caller then stops.

    Args:
        session: the account's session.
        junk: the folder to move from; it must have the role junk.

    Raises:
        ValueError: *junk* is not a Junk folder (nothing else is ever written to).
    """

    def __init__(self, session: ImapSession, junk: Folder):
        if junk.role is not FolderRole.JUNK:
            raise ValueError(f"{junk.name!r} is not a Junk folder; the rescue only ever changes Junk")
        self.session = session
        self.junk = junk

    def has(self, capability: str) -> bool:
        return self.session.has(capability)

    def require_capability(self, capability: str, purpose: str) -> None:
        """Raise `CapabilityError` unless the server announced *capability*."""
        if not self.session.has(capability):
            raise CapabilityError(self.session.account.name, capability, purpose)

    # -- reads --------------------------------------------------------------------------

    def identify(self, folder: str, uids: Iterable[int]) -> dict[int, StoredIdentity]:
        """Message-ID and RFC822.SIZE of *uids* in *folder* (EXAMINE; UIDs gone are absent)."""
        from ghostscan.parse.headers import parse_headers

        wanted = sorted(set(uids))
        if not wanted:
            return {}
        item = b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
        response = self.session.call("FETCH", lambda c: c.fetch(wanted, [item, b"RFC822.SIZE"]), folder=folder)
        out = {}
        for uid, data in response.items():
            meta = parse_headers(_header_bytes(data), MessageRef(folder, str(uid)))
            out[int(uid)] = StoredIdentity(int(uid), meta.message_id, _int(data.get(b"RFC822.SIZE")))
        return out

    def find(self, folder: str, message_id: str) -> dict[int, StoredIdentity]:
        """Messages in *folder* whose Message-ID is exactly *message_id* (UID SEARCH HEADER, then checked)."""
        # SEARCH HEADER matches substrings (RFC 3501 §6.4.4): the hits are fetched and
        # compared whole, so "<a@x>" never counts as a copy of "<a@x.de>".
        found = self.session.call("SEARCH", lambda c: c.search(["HEADER", "Message-ID", message_id]), folder=folder)
        return {uid: ident for uid, ident in self.identify(folder, found).items() if ident.message_id == message_id}

    # -- writes (Junk only) -----------------------------------------------------------

    def _write(self, command: str, op: Callable[[Any], T]) -> T:
        from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

        session = self.session
        try:
            client = session.client
            # SELECT, not EXAMINE: the one place a folder is opened read-write, and it is Junk.
            session.commands["SELECT"] += 1
            client.select_folder(self.junk.name, readonly=False)
            session._selected = None  # the next read EXAMINEs again
            session.commands[command] += 1
            return op(client)
        except (IMAPClientAbortError, *_NETWORK_ERRORS) as exc:
            session._drop()
            raise NetworkError(
                session.account.name,
                f"connection lost during {command} in {self.junk.name} ({exc or type(exc).__name__}); "
                "nothing unverified was deleted: run the rescue again to finish",
            ) from None
        except IMAPClientError as exc:
            raise WriteRefusedError(session.account.name, command, _server_text(exc) or type(exc).__name__) from None

    def move(self, uids: list[int], target: str) -> None:
        """``UID MOVE`` *uids* to *target* (RFC 6851).

        Raises:
            CapabilityError: no MOVE.
            NetworkError: the connection dropped.
            WriteRefusedError: the server said NO.
        """
        self.require_capability("MOVE", "move messages (RFC 6851)")
        self._write("MOVE", lambda c: c.move(uids, target))

    def copy(self, uids: list[int], target: str) -> dict[int, int]:
        """``UID COPY`` *uids* to *target*; returns the COPYUID mapping (empty without UIDPLUS).

        Raises:
            NetworkError: the connection dropped.
            WriteRefusedError: the server said NO (over quota, say).
        """
        response = self._write("COPY", lambda c: c.copy(uids, target))
        return parse_copyuid(response) if self.session.has("UIDPLUS") else {}

    def expunge(self, uids: list[int]) -> None:
        """Flag *uids* ``\\Deleted`` and ``UID EXPUNGE`` exactly those (RFC 4315 §2.1).

        A plain EXPUNGE would also remove whatever else in Junk carries ``\\Deleted``:
        without UIDPLUS nothing is expunged at all.

        Raises:
            CapabilityError: no UIDPLUS.
            NetworkError: the connection dropped.
            WriteRefusedError: the server said NO.
        """
        self.require_capability("UIDPLUS", "remove only the rescued messages from Junk (RFC 4315)")

        def store_and_expunge(client: Any) -> None:
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            self.session.commands["EXPUNGE"] += 1
            client.uid_expunge(uids)

        self._write("STORE", store_and_expunge)
