"""Kept scan results pickle their records field by field and come back equal."""

import pickle
from datetime import datetime, timezone

from ghostscan.classify.base import Classification, Evidence, MessageKind, ReturnedMessage
from ghostscan.parse.addresses import Address
from ghostscan.parse.headers import MessageMeta
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.threads.model import Conversation, Direction, ThreadedMessage


def test_a_conversation_survives_pickling_whole():
    meta = MessageMeta(
        ref=MessageRef("INBOX", "17"),
        folder_role=FolderRole.INBOX,
        message_id="a@x",
        references=("o@studio-berg.de",),
        subject="Re: Angebot",
        sender=Address("hans@mueller-bau.de", "Hans Müller"),
        to=(Address("anna@studio-berg.de"),),
        date=datetime(2026, 11, 19, 9, 12, tzinfo=timezone.utc),
        extra={"auto-submitted": "no"},
    )
    bounce = Classification(MessageKind.BOUNCE, (Evidence("bounce.dsn", "Action: failed"),), ("lists.list_id",), ReturnedMessage("o@x", ("a@b.de",), "Angebot"), True)
    conv = Conversation("o@x", (ThreadedMessage(meta, bounce, Direction.INBOUND, "bounce"),))

    back = pickle.loads(pickle.dumps(conv, protocol=pickle.HIGHEST_PROTOCOL))

    assert back == conv
    assert back.messages[0].meta.extra == {"auto-submitted": "no"}
    assert back.messages[0].kind is MessageKind.BOUNCE and back.messages[0].linked_by == "bounce"
