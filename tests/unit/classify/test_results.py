"""Kept classification results: compact JSON that comes back as the same decision."""

from __future__ import annotations

import json
from datetime import date

from ghostscan.classify.base import Classification, Evidence, MessageKind, MessageText, ReturnedMessage
from ghostscan.classify.registry import classify_bytes, default_rules
from ghostscan.classify.results import classification_from_json, classification_to_json, text_from_json, text_to_json
from ghostscan.sources.base import MessageRef
from ghostscan.store import MIGRATIONS, open_store

HUMAN = b"From: Hans <h.mueller@mueller-bau.de>\nSubject: Re: Angebot\nIn-Reply-To: <a@studio-berg.de>\n\nPasst.\n"
BOUNCE = (
    b"Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
    b"Subject: Mail delivery failed: returning message to sender\n"
    b"X-Failed-Recipients: kunde@firma-a.de\nAuto-Submitted: auto-replied\n\n"
    b"A message that you sent could not be delivered to one or more of its recipients.\n"
    b"This is a permanent error. The following address(es) failed:\n\n  kunde@firma-a.de\n"
)


def _old_json(c: Classification) -> str:
    """A result as ghostscan kept it before the compact form."""
    returned = c.returned
    return json.dumps(
        {
            "kind": c.kind.value,
            "evidence": [[e.rule, e.detail] for e in c.evidence],
            "misses": list(c.misses),
            "returned": None if returned is None else [returned.message_id, list(returned.recipients), returned.subject],
            "body_read": c.body_read,
        },
        ensure_ascii=False,
    )


def test_human_and_bounce_come_back_the_same_without_the_rule_names():
    for raw in (HUMAN, BOUNCE):
        _, decided = classify_bytes(raw, MessageRef("INBOX", "1"))
        kept = classification_to_json(decided)

        assert classification_from_json(kept) == decided
        assert decided.misses and not any(name in kept for name in decided.misses)
    _, human = classify_bytes(HUMAN, MessageRef("INBOX", "1"))
    assert human.misses == tuple(rule.name for rule in default_rules())
    assert len(classification_to_json(human)) < len(_old_json(human)) / 10


def test_misses_that_are_not_the_chain_s_first_rules_are_kept_by_name():
    odd = Classification(MessageKind.AUTO_REPLY, (Evidence("autoreply.subject", "Abwesenheitsnotiz"),), ("lists.list_id", "bounce.dsn"), ReturnedMessage("o@x", ("a@b.de",), "Angebot"), True)

    assert classification_from_json(classification_to_json(odd)) == odd


def test_results_kept_before_are_read_and_compacted_by_the_migration(tmp_path):
    path = tmp_path / "store.sqlite"
    _, human = classify_bytes(HUMAN, MessageRef("INBOX", "1"))
    _, bounce = classify_bytes(BOUNCE, MessageRef("INBOX", "2"))
    older = tuple(m for m in MIGRATIONS if m.name != "compact_results")
    with open_store(path, migrations=older) as store, store.transaction() as conn:
        conn.execute("INSERT INTO folders (account, folder, uidvalidity) VALUES ('anna', 'INBOX', 1)")
        for uid in (1, 2):
            conn.execute("INSERT INTO messages (account, folder, uid, headers) VALUES ('anna', 'INBOX', ?, x'')", (uid,))
        conn.executemany(
            "INSERT INTO results (account, folder, uid, name, version, value) VALUES ('anna', 'INBOX', ?, ?, 'v1', ?)",
            [(1, "kind", _old_json(human)), (2, "kind", _old_json(bounce)), (2, "text", json.dumps({"language": "de", "intents": ["offer"], "evidence": [["intent.offer", "Angebot"]], "return_date": "2026-12-01"})), (2, "contact:x@y.de", "{}")],
        )
    # An older store's rows are still read as they were.
    assert classification_from_json(_old_json(bounce)) == bounce

    with open_store(path) as store:
        rows = store.connection.execute("SELECT uid, name, version, value FROM results ORDER BY uid, name").fetchall()
        (sql,) = store.connection.execute("SELECT sql FROM sqlite_master WHERE name = 'results'").fetchone()
        # Expunged messages still take their results with them.
        store.connection.execute("DELETE FROM messages WHERE uid = 1")
        left = store.connection.execute("SELECT count(*) FROM results").fetchone()[0]

    assert "WITHOUT ROWID" in sql
    assert [(uid, name, version) for uid, name, version, _ in rows] == [(1, "kind", "v1"), (2, "contact:x@y.de", "v1"), (2, "kind", "v1"), (2, "text", "v1")]
    values = {(uid, name): value for uid, name, _, value in rows}
    assert classification_from_json(values[1, "kind"]) == human
    assert classification_from_json(values[2, "kind"]) == bounce
    assert text_from_json(values[2, "text"]) == MessageText("de", frozenset({"offer"}), (Evidence("intent.offer", "Angebot"),), date(2026, 12, 1))
    assert values[2, "text"] == '["de",["offer"],[["intent.offer","Angebot"]],"2026-12-01"]' and values[2, "contact:x@y.de"] == "{}"
    assert len(values[1, "kind"]) < len(_old_json(human)) / 10
    assert left == 3


def test_a_text_reading_comes_back_the_same():
    reading = MessageText("en", frozenset({"out_of_office", "question"}), (Evidence("intent.question", "Could you call me?"),), date(2026, 12, 1))

    assert text_from_json(text_to_json(reading)) == reading
    assert text_from_json(text_to_json(MessageText("de"))) == MessageText("de")
