"""Conversation ids that mail providers stamp on messages: Gmail's X-GM-THRID, Outlook's Thread-Index.

Both survive where References do not: Exchange and Outlook often send replies without
In-Reply-To/References but always with Thread-Index, and Gmail's IMAP extension reports
the thread it filed a message under (X-GM-THRID, https://developers.google.com/gmail/imap/imap-extensions#access_to_the_gmail_thread_id_x-gm-thrid).
Equal values put messages into one conversation, whatever folder they are in.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import defaultdict
from typing import Sequence

from ghostscan.parse.headers import MessageMeta

GMAIL_THREAD = "x-gm-thrid"
OUTLOOK_THREAD_INDEX = "thread-index"

# [MS-OXOMSG] 2.2.1.3 PidTagConversationIndex, sent as Thread-Index: a 22-byte header
# block (1 reserved byte, 5 bytes of FILETIME, a 16-byte GUID) followed by one 5-byte
# child block per reply. The header block is the same for every message of a conversation.
_HEADER_BLOCK = 22
_WHITESPACE = re.compile(r"\s+")


def gmail_thread_id(meta: MessageMeta) -> str | None:
    """Return the Gmail thread id of *meta*, or None.

    The IMAP source puts X-GM-THRID into ``MessageMeta.extra["x-gm-thrid"]``; a Takeout
    mbox may carry it as a header. Only a decimal number is accepted (it is an unsigned
    64-bit integer in Gmail's IMAP extension); anything else is junk and ignored.
    """
    value = meta.extra.get(GMAIL_THREAD, "").strip()
    return value if value.isdigit() and value.strip("0") else None


def thread_index_conversation(value: str) -> bytes | None:
    """Return the conversation part (the first 22 bytes) of an Outlook Thread-Index.

    Args:
        value: the header value, base64; folding whitespace and missing padding are
            tolerated.

    Returns:
        The 22-byte header block, or None when *value* is not base64, is shorter than
        22 bytes, or carries an all-zero GUID (some gateways stamp a constant
        Thread-Index on everything; it must not join unrelated mail).

    Example:
        >>> len(thread_index_conversation("Ac0sGqTnvktNHx1lQoaTDcVI7lUxJQAPqvXA") or b"")
        22
    """
    text = _WHITESPACE.sub("", value)
    if not text:
        return None
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < _HEADER_BLOCK:
        return None
    block = raw[:_HEADER_BLOCK]
    if not any(block[6:]):
        return None
    return block


def provider_keys(meta: MessageMeta) -> tuple[tuple[str, str], ...]:
    """Return the provider conversation keys of *meta*: ``(kind, value)`` pairs.

    Kinds are ``"x-gm-thrid"`` and ``"thread-index"`` (the value is then the hex of the
    22-byte conversation block). Empty when the message has neither.
    """
    extra = meta.extra
    if GMAIL_THREAD not in extra and OUTLOOK_THREAD_INDEX not in extra:
        return ()  # most mail: neither header
    keys: list[tuple[str, str]] = []
    gm = gmail_thread_id(meta)
    if gm is not None:
        keys.append((GMAIL_THREAD, gm))
    block = thread_index_conversation(extra.get(OUTLOOK_THREAD_INDEX, ""))
    if block is not None:
        keys.append((OUTLOOK_THREAD_INDEX, block.hex()))
    return tuple(keys)


def provider_groups(metas: Sequence[MessageMeta]) -> list[tuple[str, list[int]]]:
    """Group messages that share a provider conversation key.

    Returns:
        ``(kind, indexes)`` for every key that at least two of *metas* share, indexes in
        input order, groups in the order their key first appeared. *kind* says which
        header linked them (``"x-gm-thrid"`` or ``"thread-index"``).
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, meta in enumerate(metas):
        extra = meta.extra
        # `provider_keys`' own first test, inline: most mail has neither header, and
        # this runs once per message.
        if GMAIL_THREAD in extra or OUTLOOK_THREAD_INDEX in extra:
            for key in provider_keys(meta):
                groups[key].append(i)
    return [(kind, members) for (kind, _), members in groups.items() if len(members) > 1]
