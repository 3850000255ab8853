"""Header bytes → `MessageMeta`, the plain record every later stage works on.

Only the fields a decision needs are decoded. Nothing here raises on junk: a header that
cannot be decoded becomes an empty value and the message goes on through the scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from typing import Mapping

from ghostscan.parse.addresses import Address, parse_addresses
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
    match = re.search(rb"\r\n\r\n|\n\n|\r\r|\n\r\n", raw)
    if match is None:
        head, body = raw, b""
    else:
        head, body = raw[: match.start()], raw[match.end() :]
    return b"\n".join(_LINE_SPLIT.split(head)), body


def _unfold(header_block: bytes) -> list[tuple[str, bytes]]:
    """Return (lower-cased name, raw value) pairs; continuation lines are joined."""
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


def _text(value: bytes) -> str:
    """Decode a raw header value: RFC 2047 words, then raw UTF-8 or Latin-1 bytes."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("latin-1")
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # noqa: BLE001 - email.header raises several types on broken words
        return text


def decode_header_value(value: bytes | str) -> str:
    """Decode one header value to text; never raises. See `_text`."""
    return _text(value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value)


def message_ids(value: str) -> tuple[str, ...]:
    """Extract Message-IDs from a header value, without angle brackets, in order."""
    found = _MSGID.findall(value)
    if not found and value.strip() and "@" in value and " " not in value.strip():
        found = [value.strip()]
    return tuple(dict.fromkeys(found))


def parse_date(value: str) -> datetime | None:
    """Parse an RFC 5322 date; returns an aware datetime or None. Never raises."""
    if not value:
        return None
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
    first: dict[str, bytes] = {}
    addr_values: dict[str, list[str]] = {"to": [], "cc": [], "reply-to": []}
    for name, value in _unfold(header_block):
        if name in addr_values:
            addr_values[name].append(_text(value))
        elif name not in first:
            first[name] = value

    def text(name: str) -> str:
        raw = first.get(name)
        return " ".join(_text(raw).split()) if raw is not None else ""

    senders = parse_addresses([text("from")])
    mid = message_ids(text("message-id"))
    extra = {name: text(name) for name in EXTRA_FIELDS if name in first}
    return MessageMeta(
        ref=ref,
        folder_role=folder_role,
        message_id=mid[0] if mid else None,
        in_reply_to=message_ids(text("in-reply-to")),
        references=message_ids(text("references")),
        subject=text("subject"),
        sender=senders[0] if senders else None,
        to=parse_addresses(addr_values["to"]),
        cc=parse_addresses(addr_values["cc"]),
        reply_to=parse_addresses(addr_values["reply-to"]),
        date=parse_date(text("date")) or internal_date,
        size=size,
        extra=extra,
    )
