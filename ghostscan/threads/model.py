"""Conversation and ThreadedMessage: what the threading stage hands to verdicts."""

from __future__ import annotations

from dataclasses import dataclass, fields
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


# Threading makes a Conversation for every conversation and a relabelled copy of most
# replies: at 100,000 messages that is about 100,000 objects. A frozen dataclass's
# ``__init__`` sets each field through ``object.__setattr__``; these set the slots
# directly (each slot's own setter), which is what that ``__init__`` does for these
# classes: their fields are plain slots.
_new_object = object.__new__
_SET_META, _SET_CLASSIFICATION, _SET_DIRECTION, _SET_LINKED_BY = (vars(ThreadedMessage)[f.name].__set__ for f in fields(ThreadedMessage))
_SET_ID, _SET_MESSAGES = (vars(Conversation)[f.name].__set__ for f in fields(Conversation))


def relinked(message: ThreadedMessage, linked_by: str) -> ThreadedMessage:
    """*message* with `ThreadedMessage.linked_by` set to *linked_by*: a new object, or *message* when it says that already."""
    if message.linked_by == linked_by:
        return message
    copy = _new_object(ThreadedMessage)
    _SET_META(copy, message.meta)
    _SET_CLASSIFICATION(copy, message.classification)
    _SET_DIRECTION(copy, message.direction)
    _SET_LINKED_BY(copy, linked_by)
    return copy


def conversation(id: str, messages: tuple[ThreadedMessage, ...]) -> Conversation:
    """``Conversation(id, messages)``, made the way `relinked` makes its copy."""
    made = _new_object(Conversation)
    _SET_ID(made, id)
    _SET_MESSAGES(made, messages)
    return made
