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


def test_a_kept_scan_result_comes_back_whole_from_its_chunks(monkeypatch):
    from pathlib import Path

    from ghostscan import pipeline
    from ghostscan.reports.model import build_report
    from ghostscan.settings import Settings
    from ghostscan.store import snapshots

    result = pipeline.scan_path(Path(__file__).resolve().parents[2] / "samples" / "mailbox", Settings(), now=datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc))
    contacts = tuple(m for d in result.decisions for m in d.conversation.messages if m.direction is Direction.INBOUND)
    snapshot = pipeline._Snapshot(datetime(2026, 11, 20).date(), result.decisions, result.problems, result.identity, tuple(result.folders), result.stats.messages, contacts)
    monkeypatch.setattr(snapshots, "CHUNK", 3)  # several chunks even for the small sample mailbox
    rows = build_report(result).rows

    data = b"".join(pipeline._dump(snapshot, rows))
    back = pipeline._load(data)

    assert len(result.decisions) > 3 and len(contacts) > 3
    assert back == snapshot
    # The report rows come back the same, their messages (made from the kept decisions
    # only when asked for) too.
    kept = pipeline._Kept(data).rows()
    assert kept == rows
    assert [tuple(row.messages) for row in kept] == [row.messages for row in rows]
    assert any(row.messages for row in rows)


def test_a_lazy_tuple_loads_once_and_acts_as_its_tuple():
    from ghostscan.store.snapshots import LazyTuple

    loads = []
    lazy = LazyTuple(lambda: loads.append(1) or (1, 2, 3))
    assert not loads
    assert lazy == (1, 2, 3) and (1, 2, 3) == lazy
    assert list(lazy) == [1, 2, 3] and lazy[1:] == (2, 3) and len(lazy) == 3
    assert hash(lazy) == hash((1, 2, 3))
    assert pickle.loads(pickle.dumps(lazy)) == (1, 2, 3)
    assert loads == [1]
