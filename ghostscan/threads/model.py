"""Conversation and ThreadedMessage: what the threading stage hands to verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ghostscan.classify.base import Classification, MessageKind
from ghostscan.parse.headers import MessageMeta
from ghostscan.pickling import by_fields


class Direction(StrEnum):
    """Who wrote a message, from the user's point of view."""

    OUTBOUND = "outbound"
    """Written by the user (one of `Identity.addresses`)."""
    COLLEAGUE = "colleague"
    """Written by someone at the user's own company."""
    INBOUND = "inbound"
    """Written by anyone else (customer, their colleagues, machines)."""


@by_fields
@dataclass(frozen=True, slots=True)
class ThreadedMessage:
    """One message inside a conversation.

    Attributes:
        meta: its headers.
        classification: the classifier's decision (outbound mail is always human).
        direction: who wrote it.
        linked_by: how threading attached it to the conversation (``"references"``,
            ``"in-reply-to"``, ``"x-gm-thrid"``, ``"thread-index"``, ``"bounce"``,
            ``"subject+participants"``, or ``"root"`` for the first message).
    """

    meta: MessageMeta
    classification: Classification
    direction: Direction
    linked_by: str = "root"

    @property
    def kind(self) -> MessageKind:
        return self.classification.kind

    @property
    def date(self) -> datetime | None:
        return self.meta.date


@by_fields
@dataclass(frozen=True, slots=True)
class Conversation:
    """Messages that belong together, from every folder, oldest first.

    Attributes:
        id: stable identifier: the Message-ID of the conversation's first message, or
            ``"<folder>/<key>"`` of it when it has none.
        messages: the messages, sorted by date (undated last).
    """

    id: str
    messages: tuple[ThreadedMessage, ...]
