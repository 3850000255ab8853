"""A factory for the messages threading tests feed to `thread_messages`.

Anna (anna@studio-berg.de) is the user; every other sender is external. Dates count
days from Monday 3 March 2025, 09:00 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Iterator, Mapping, Sequence

import pytest

from ghostscan.classify.base import Classification, MessageKind, ReturnedMessage
from ghostscan.parse.addresses import Address, Identity, Role
from ghostscan.parse.headers import MessageMeta
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.threads.model import Conversation, Direction, ThreadedMessage

ANNA = "anna@studio-berg.de"
IDENTITY = Identity.build([ANNA])
START = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)

ROLES = {
    "INBOX": FolderRole.INBOX,
    "Sent": FolderRole.SENT,
    "Junk": FolderRole.JUNK,
    "Trash": FolderRole.TRASH,
    "Archive": FolderRole.ARCHIVE,
    "Drafts": FolderRole.DRAFTS,
}
_DIRECTION = {Role.ME: Direction.OUTBOUND, Role.COLLEAGUE: Direction.COLLEAGUE, Role.EXTERNAL: Direction.INBOUND}


@dataclass
class Mail:
    """Builds `ThreadedMessage` objects; call it like ``mail("o1@x", folder="Sent", ...)``."""

    _keys: Iterator[int] = field(default_factory=lambda: count(1))

    def __call__(
        self,
        message_id: str | None,
        *,
        sender: str = ANNA,
        to: Sequence[str] = (),
        cc: Sequence[str] = (),
        subject: str = "Angebot Website",
        day: float | None = 0,
        folder: str | None = None,
        in_reply_to: Sequence[str] = (),
        references: Sequence[str] = (),
        extra: Mapping[str, str] | None = None,
        kind: MessageKind = MessageKind.HUMAN,
        returned: ReturnedMessage | None = None,
    ) -> ThreadedMessage:
        sender_address = Address(sender)
        direction = _DIRECTION[IDENTITY.role_of(sender_address)]
        if folder is None:
            folder = "Sent" if direction is Direction.OUTBOUND else "INBOX"
        meta = MessageMeta(
            ref=MessageRef(folder, str(next(self._keys))),
            folder_role=ROLES.get(folder, FolderRole.OTHER),
            message_id=message_id,
            in_reply_to=tuple(in_reply_to),
            references=tuple(references),
            subject=subject,
            sender=sender_address,
            to=tuple(Address(a) for a in to),
            cc=tuple(Address(a) for a in cc),
            date=None if day is None else START + timedelta(days=day),
            extra=dict(extra or {}),
        )
        return ThreadedMessage(meta, Classification(kind, returned=returned), direction)

    @staticmethod
    def conversation_of(conversations: Sequence[Conversation], message_id: str) -> Conversation:
        """The conversation holding the message with *message_id* (exactly one must)."""
        found = [c for c in conversations if any(m.meta.message_id == message_id for m in c.messages)]
        assert len(found) == 1, f"{message_id} is in {len(found)} conversations"
        return found[0]

    @staticmethod
    def ids(conversation: Conversation) -> list[str | None]:
        return [m.meta.message_id for m in conversation.messages]

    @staticmethod
    def links(conversation: Conversation) -> list[str]:
        return [m.linked_by for m in conversation.messages]


@pytest.fixture
def mail() -> Mail:
    return Mail()
