"""Header bytes → `MessageMeta`, the plain record every later stage works on.

Only the fields a decision needs are decoded. Nothing here raises on junk: a header that
cannot be decoded becomes an empty value and the message goes on through the scan.
"""

from __future__ import annotations

import marshal
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from typing import Any, Iterator, Mapping

from ghostscan.parse.addresses import Address, parse_address_values, parse_addresses
from ghostscan.pickling import by_fields
from ghostscan.sources.base import FolderRole, MessageRef

# Header fields kept verbatim in `MessageMeta.extra` (names lower-cased). The classifier's
# header rules read them; everything else in the header block is dropped.
EXTRA_FIELDS = frozenset(
    {
        "auto-submitted",  # RFC 3834
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "x-auto-response-suppress",  # Exchange: asks others NOT to auto-reply; not a sign of one
        "precedence",
        "x-precedence",
        "list-id",
        "list-unsubscribe",
        "list-post",
        "mailing-list",
        "x-mailing-list",
        "feedback-id",
        "x-campaign",
        "x-mailer",
        "content-type",
        "return-path",
        "x-failed-recipients",
        "x-gm-thrid",
        "thread-index",
        "thread-topic",
        "x-gmail-labels",
        "x-spam-flag",
        "x-spam-status",
        "x-ms-exchange-generated-message-source",
        "x-ms-exchange-inbox-rules-loop",
        "delivered-to",
        "sender",
        "x-loop",
        "x-original-to",
        "x-report-abuse",
        "x-hs-feedback-id",
        "x-beenthere",
    }
)

_MSGID = re.compile(r"<([^<>\s]+)>")
_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")
_HEADER_END = re.compile(rb"\r\n\r\n|\n\n|\r\r|\n\r\n")

# A header block of ordinary field lines only (RFC 5322 section 2.2: a printable-ASCII
# name without colon or space, a colon, the value, continuation lines starting with
# white space): one pass of each regex reads it, where the general loop below takes a
# Python step per line. Anything else - empty lines, lines without a colon, odd bytes
# in a name - goes through the general loop, so both give the same fields.
_FIELD = rb"([!-9;-~]+)[ \t]*:(.*(?:\n[ \t].*)*)"
_FIELDS = re.compile(_FIELD)
_ORDINARY_BLOCK = re.compile(rb"(?:" + _FIELD + rb"(?:\n|\Z))*")

# The usual Date form (RFC 5322 section 3.3, as nearly every client writes it):
# "Mon, 25 Nov 2024 10:40:29 +0100". Others go to email.utils.
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_PLAIN_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
)


@by_fields
@dataclass(frozen=True, slots=True)
class MessageMeta:
    """What ghostscan knows about one message from its headers.

    Attributes:
        ref: where the message lives.
        folder_role: the role of its folder.
        message_id: the Message-ID without angle brackets, or None.
        in_reply_to: Message-IDs from In-Reply-To.
        references: Message-IDs from References, oldest first.
        subject: the decoded subject (``""`` when missing).
        sender: the From address, or None.
        to: To addresses.
        cc: Cc addresses.
        reply_to: Reply-To addresses.
        date: the Date header as an aware datetime (UTC when the header has no zone), or
            the source's internal date, or None.
        size: message size in bytes, when known.
        extra: selected other fields (see `EXTRA_FIELDS`), names lower-cased, values decoded.
    """

    ref: MessageRef
    folder_role: FolderRole
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    subject: str = ""
    sender: Address | None = None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    date: datetime | None = None
    size: int | None = None
    extra: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def recipients(self) -> tuple[Address, ...]:
        return self.to + self.cc

    def header(self, name: str, default: str = "") -> str:
        """Return one of the `EXTRA_FIELDS` by case-insensitive name."""
        return self.extra.get(name.lower(), default)


_META_FIELDS = (
    "ref", "folder_role", "message_id", "in_reply_to", "references", "subject",
    "sender", "to", "cc", "reply_to", "date", "size", "extra",
)
_new_object = object.__new__
# The shortcut below relies on MessageMeta being exactly these fields, plain frozen
# dataclass attributes kept in slots: when that changes, its constructor is used instead.
_FAST = (
    tuple(f.name for f in fields(MessageMeta)) == _META_FIELDS
    and vars(MessageMeta).get("__slots__") == _META_FIELDS
    and not hasattr(MessageMeta, "__post_init__")
)
# Each slot's own setter (a member descriptor's ``__set__``): what the frozen
# dataclass's ``__init__`` reaches through ``object.__setattr__`` field by field.
_SLOT_SETTERS = tuple(vars(MessageMeta)[name].__set__ for name in _META_FIELDS) if _FAST else ()


def _build_meta(values: tuple[Any, ...]) -> MessageMeta:
    """A `MessageMeta` of *values* in `_META_FIELDS` order.

    What the generated ``__init__`` does, without its keyword arguments and its
    per-field ``object.__setattr__`` (the price of frozen), paid on every parse and every
    read back from the store.
    """
    if _FAST:
        meta = _new_object(MessageMeta)
        for set_slot, value in zip(_SLOT_SETTERS, values):
            set_slot(meta, value)
        return meta
    return MessageMeta(**dict(zip(_META_FIELDS, values)))


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """Split a raw message into its header block and body.

    Tolerates an mbox ``From `` line in front and LF, CRLF or CR-only line endings.
    Returns the header block with ``\\n`` line endings and the body as it is.
    """
    if raw.startswith(b"From "):
        nl = raw.find(b"\n")
        cr = raw.find(b"\r")
        ends = [i for i in (nl, cr) if i >= 0]
        raw = raw[min(ends) + 1 :] if ends else b""
        if raw.startswith(b"\n"):
            raw = raw[1:]
    match = _HEADER_END.search(raw)
    if match is None:
        head, body = raw, b""
    else:
        head, body = raw[: match.start()], raw[match.end() :]
    if b"\r" in head:
        unix = head.replace(b"\r\n", b"\n")
        # Only CRLF: the same as splitting on every line ending; a lone CR needs the split.
        head = unix if b"\r" not in unix else b"\n".join(_LINE_SPLIT.split(head))
    return head, body


_NAMES: dict[bytes, str] = {}


def _name(raw: bytes) -> str:
    """A field name (printable ASCII) lower-cased; the few a mailbox uses are kept."""
    name = raw.decode("ascii").lower()
    if len(_NAMES) < 4096:
        _NAMES[raw] = name
    return name


def _unfold(header_block: bytes) -> list[tuple[str, bytes]]:
    """Return (lower-cased name, raw value) pairs; continuation lines are joined."""
    if b"\r" not in header_block and _ORDINARY_BLOCK.fullmatch(header_block):
        names = _NAMES
        return [
            (
                names.get(name) or _name(name),
                value.strip() if b"\n" not in value else b" ".join([part.strip() for part in value.split(b"\n")]),
            )
            for name, value in _FIELDS.findall(header_block)
        ]
    fields: list[tuple[str, bytes]] = []
    for line in _LINE_SPLIT.split(header_block):
        if not line:
            continue
        if line[:1] in (b" ", b"\t"):
            if fields:
                name, value = fields[-1]
                fields[-1] = (name, value + b" " + line.strip())
            continue
        name, sep, value = line.partition(b":")
        if not sep or not name or b" " in name.strip():
            continue
        fields.append((name.strip().decode("ascii", "replace").lower(), value.strip()))
    return fields


# Values with encoded words, decoded: `email.header` takes some 12 µs a value, and a
# mailbox repeats them (a customer's name in every From, a thread's subject); about three
# in four were seen before in a generated mailbox of 10,000. Bounded: full, it starts again.
_DECODED: dict[bytes, str] = {}
_DECODED_LIMIT = 4096


def _text(value: bytes) -> str:
    """Decode a raw header value: RFC 2047 words, then raw UTF-8 or Latin-1 bytes."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("latin-1")
    if "=?" not in text:
        return text
    decoded = _DECODED.get(value)
    if decoded is None:
        try:
            decoded = str(make_header(decode_header(text)))
        except Exception:  # noqa: BLE001 - email.header raises several types on broken words
            decoded = text
        if len(_DECODED) >= _DECODED_LIMIT:
            _DECODED.clear()
        _DECODED[bytes(value)] = decoded
    return decoded


def decode_header_value(value: bytes | str) -> str:
    """Decode one header value to text; never raises. See `_text`."""
    return _text(value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value)


def message_ids(value: str) -> tuple[str, ...]:
    """Extract Message-IDs from a header value, without angle brackets, in order."""
    if not value:
        return ()
    found = _MSGID.findall(value)
    if not found and value.strip() and "@" in value and " " not in value.strip():
        found = [value.strip()]
    return tuple(dict.fromkeys(found))


def parse_date(value: str) -> datetime | None:
    """Parse an RFC 5322 date; returns an aware datetime or None. Never raises."""
    if not value:
        return None
    plain = _PLAIN_DATE.fullmatch(value)
    if plain is not None:
        day, month, year, hour, minute, second, sign, zone_h, zone_m = plain.groups()
        offset = int(zone_h) * 3600 + int(zone_m) * 60
        try:
            return datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                # "-0000": the zone is unknown (RFC 5322 section 3.3); read as UTC, as below.
                tzinfo=_zone(-offset if sign == "-" else offset),
            )
        except ValueError:
            pass  # 31 Feb, hour 24, a zone of a day or more: email.utils decides
    try:
        dt = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def parse_headers(
    header_block: bytes,
    ref: MessageRef,
    folder_role: FolderRole = FolderRole.OTHER,
    *,
    size: int | None = None,
    internal_date: datetime | None = None,
) -> MessageMeta:
    """Parse a raw header block into a `MessageMeta`. Never raises on malformed input.

    Args:
        header_block: the bytes before the first empty line (a whole message also works;
            the body is ignored).
        ref: where the message lives.
        folder_role: the role of its folder.
        size: the message size, when the source knows it.
        internal_date: used when the Date header is missing or unreadable.

    Returns:
        The message's metadata. Missing fields are empty, never an exception.
    """
    header_block, _ = split_message(header_block)
    # Each field decoded once, with white space runs made one space; To, Cc and Reply-To
    # (every occurrence, not only the first) are decoded and handed to the address parser.
    texts: dict[str, str] = {}
    addr_values: dict[str, list[str]] = {"to": [], "cc": [], "reply-to": []}
    for name, value in _unfold(header_block):
        if name in texts:
            continue
        # `_text`, its plain case inline: most values are ASCII without encoded words.
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("latin-1")
        if "=?" in text:
            text = _text(value)
        if name in addr_values:
            addr_values[name].append(text)
        else:
            texts[name] = " ".join(text.split())
    get = texts.get
    sender = get("from")
    senders = parse_address_values((sender,)) if sender else ()
    # Outside `sharing_strings` a table of this message alone: its In-Reply-To and
    # References still share their Message-IDs.
    share = (_shared if _shared is not None else {}).setdefault
    mid = message_ids(get("message-id", ""))
    in_reply_to, references = _thread_ids(message_ids(get("in-reply-to", "")), message_ids(get("references", "")), share)
    subject = get("subject", "")
    return _build_meta(
        (
            ref,
            folder_role,
            share(mid[0], mid[0]) if mid else None,
            in_reply_to,
            references,
            share(subject, subject),
            senders[0] if senders else None,
            parse_addresses(addr_values["to"]),
            parse_addresses(addr_values["cc"]),
            parse_addresses(addr_values["reply-to"]),
            parse_date(get("date", "")) or internal_date,
            size,
            _extra({name: value for name, value in texts.items() if name in EXTRA_FIELDS}),
        )
    )


# -- one object for the strings a mailbox repeats -----------------------------------------
#
# Held for every message until a scan ends, the parsed headers are most of its memory
# (about 1.2 KB a message, 120 MB at 100,000), and much of that is the same text over and
# over: a reply's References name Message-IDs other messages carry as their own, a
# thread repeats its subject, and one sender's Return-Path, Delivered-To, List-Id or
# Content-Type is the same on every message. Within `sharing_strings` (`pipeline.scan`)
# equal strings become one object, about 40 % of the parsed headers.

_shared: dict[str, str] | None = None
# Equal `MessageMeta.extra` mappings, by the hash of their items: one sender's messages
# mostly carry the same fields with the same values. Keyed by the hash alone (an int,
# not a tuple of the items) so the table costs little; a hit is compared before use.
_shared_extras: dict[int, dict[str, str]] | None = None


@contextmanager
def sharing_strings() -> Iterator[None]:
    """Within the block, equal Message-IDs, subjects and header values parsed are one object.

    Equal `MessageMeta.extra` mappings are one dict too (read-only, as its type says).
    The tables live as long as the block (a scan): strings are not kept after it,
    which a module-wide table or `sys.intern` (immortal since Python 3.12) would do.
    Blocks nest; the outermost one owns the tables.
    """
    global _shared, _shared_extras
    outer, outer_extras = _shared, _shared_extras
    if outer is None:
        _shared, _shared_extras = {}, {}
    try:
        yield
    finally:
        _shared, _shared_extras = outer, outer_extras


def stop_sharing() -> None:
    """Let go of the current `sharing_strings` tables before the block ends.

    For when every header is parsed (the scan has read the mailbox): what was shared
    stays shared, and the tables (some 10 MB at 100,000 messages) are freed for the
    stages after. Parsing after it, inside the block, shares nothing.
    """
    global _shared, _shared_extras
    _shared, _shared_extras = None, None


# A Content-Type's boundary is all a mailbox's Content-Types differ in, and no reader
# of `MessageMeta` looks at it (the rules ask for the type and its report-type; the
# body is parsed from the message itself): without it, one sender's are one string.
# A record a store kept with the boundary reads back without it (`unpack_meta` goes
# through `_extra` too), so both give the same `MessageMeta` and META_VERSION stays.
_BOUNDARY = re.compile(r""";\s*boundary\s*=\s*(?:"[^"]*"|[^;]*)""", re.IGNORECASE)


def _extra(extra: dict[str, str]) -> dict[str, str]:
    """*extra*, the `MessageMeta.extra` of one message, without a Content-Type boundary.

    Within `sharing_strings` an equal mapping made before is returned instead, or else
    *extra* with its values shared.
    """
    ctype = extra.get("content-type")
    if ctype is not None and ("oundary" in ctype or "OUNDARY" in ctype):
        extra["content-type"] = _BOUNDARY.sub("", ctype)
    extras = _shared_extras
    if extras is None or _shared is None:
        return extra
    key = hash(tuple(extra.values()))
    found = extras.get(key)
    if found is not None and found == extra:
        return found
    share = _shared.setdefault
    extra = {name: share(value, value) for name, value in extra.items()}
    if found is None:
        extras[key] = extra
    return extra


def _thread_ids(in_reply_to: tuple[str, ...], references: tuple[str, ...], share: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """In-Reply-To and References with each Message-ID shared; one tuple when they are equal."""
    references = tuple([share(i, i) for i in references])
    if in_reply_to == references:
        return references, references
    return tuple([share(i, i) for i in in_reply_to]), references


# -- the compact form kept in the store ----------------------------------------------------

META_VERSION = 2
"""Version of `pack_meta`'s record *and* of what `parse_headers` makes of a header block.

The record names `EXTRA_FIELDS` by their place in sorted order, so a change to that set
changes the record too (tests/unit/parse/test_headers.py pins the pair).

Raise it whenever either changes: a store holding records of another version has their
header fields fetched and parsed again (header fields are cheap; bodies are not touched).
"""

_ZONES: dict[int, timezone] = {}
_EXTRA_NAMES = tuple(sorted(EXTRA_FIELDS))
_EXTRA_INDEX = {name: index for index, name in enumerate(_EXTRA_NAMES)}


def _zone(offset: int) -> timezone:
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES[offset] = timezone(timedelta(seconds=offset)) if offset else timezone.utc
    return zone


def _address_record(address: Address) -> tuple[str, str]:
    return (address.email, address.name)


def pack_meta(meta: MessageMeta) -> bytes:
    """The parsed headers of *meta* as a small byte string (`unpack_meta` reads it back).

    Everything but where the message lives (ref, folder role), its size and internal date,
    which the store keeps in columns of their own. `marshal` of plain tuples and strings:
    about the size of the fetched header fields, and read back in a few microseconds
    where a parse costs tens - so a re-run never parses a header block again.
    """
    date = meta.date
    date_record = None
    if date is not None:
        offset = date.utcoffset()
        date_record = (
            date.year, date.month, date.day, date.hour, date.minute, date.second, date.microsecond,
            int(offset.total_seconds()) if offset is not None else None,
        )
    # A reply's In-Reply-To is mostly the last of its References: one string object for
    # both, so marshal writes it once and refers back to it.
    ids: dict[str, str] = {}
    in_reply_to = tuple(ids.setdefault(i, i) for i in meta.in_reply_to)
    references = tuple(ids.setdefault(i, i) for i in meta.references)
    extra: list[Any] = []
    for name, value in meta.extra.items():
        extra += (_EXTRA_INDEX.get(name, name), value)
    record = (
        meta.message_id,
        in_reply_to,
        references,
        meta.subject,
        _address_record(meta.sender) if meta.sender else None,
        tuple(map(_address_record, meta.to)),
        tuple(map(_address_record, meta.cc)),
        tuple(map(_address_record, meta.reply_to)),
        date_record,
        tuple(extra),
    )
    return marshal.dumps(record)


def unpack_meta(
    blob: bytes,
    ref: MessageRef,
    folder_role: FolderRole,
    *,
    size: int | None = None,
    addresses: dict[tuple[str, str], Address] | None = None,
) -> MessageMeta:
    """The `MessageMeta` `pack_meta` stored, at *ref* in a folder of *folder_role*.

    Args:
        blob: what `pack_meta` returned (of this `META_VERSION`).
        ref: where the message lives.
        folder_role: the role of its folder.
        size: the message size, when known.
        addresses: a cache shared over many calls; one mailbox names the same few
            hundred people on 100,000 messages, so equal addresses become one object.

    Raises:
        ValueError, EOFError, TypeError: *blob* is not such a record.
    """
    mid, in_reply_to, references, subject, sender, to, cc, reply_to, date, extra = marshal.loads(blob)
    if addresses is None:
        addresses = {}

    def address(pair: Any) -> Address:
        found = addresses.get(pair)
        if found is None:
            found = addresses[pair] = Address(pair[0], pair[1])
        return found

    when = None
    if date is not None:
        *parts, offset = date
        when = datetime(*parts, tzinfo=None if offset is None else _zone(offset))
    if _shared is not None:
        # (Outside a scan the record is as marshal read it: In-Reply-To and References
        # share their strings already, see `pack_meta`.)
        share = _shared.setdefault
        in_reply_to, references = _thread_ids(in_reply_to, references, share)
        mid = share(mid, mid) if mid is not None else None
        subject = share(subject, subject)
    return _build_meta(
        (
            ref, folder_role, mid, in_reply_to, references, subject,
            address(sender) if sender is not None else None,
            tuple(map(address, to)), tuple(map(address, cc)), tuple(map(address, reply_to)),
            when, size,
            _extra({(_EXTRA_NAMES[extra[i]] if extra[i].__class__ is int else extra[i]): extra[i + 1] for i in range(0, len(extra), 2)}),
        )
    )
