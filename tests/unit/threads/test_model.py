"""The threading model's shortcut constructors make what the dataclass constructors make."""

from __future__ import annotations

from ghostscan.threads.model import Conversation, ThreadedMessage, conversation, relinked


def test_relinked_copies_a_message_with_the_new_label_and_keeps_one_that_has_it(mail):
    message = mail("o1@studio-berg.de", to=["hans@mueller-bau.de"])

    copy = relinked(message, "references")

    assert copy == ThreadedMessage(message.meta, message.classification, message.direction, "references")
    assert message.linked_by == "root"
    assert relinked(message, "root") is message


def test_conversation_is_the_dataclass(mail):
    messages = (mail("o1@studio-berg.de"), mail("o2@studio-berg.de"))

    made = conversation("o1@studio-berg.de", messages)

    assert made == Conversation("o1@studio-berg.de", messages)
    assert type(made) is Conversation
