"""Sync state and header cache: what the IMAP source stores and gets back."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import GeneratorType

import pytest

from ghostscan.store import (
    CachedMessage,
    FolderState,
    cached_uids,
    count_messages,
    delete_messages,
    get_folder,
    iter_messages,
    list_folders,
    open_store,
    put_messages,
    remove_account,
    remove_folder,
    reset_folder,
    save_folder,
    update_flags,
)

ANNA = "anna@example.com"
BERT = "bert@example.org"
BERLIN = timezone(timedelta(hours=1))


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "store.sqlite") as opened:
        yield opened


def headers(uid: int) -> bytes:
    return (
        b"From: Hans M\xfcller <hans@mueller-bau.de>\r\n"  # Latin-1, not UTF-8
        b"Subject: =?utf-8?q?Angebot_Nr=2E?= " + str(uid).encode() + b"\r\n"
        b"X-Raw: \x00\x01\xfe\xff\x80\r\n"
        b"Message-ID: <" + str(uid).encode() + b"@mueller-bau.de>\r\n\r\n"
    )


def message(uid: int, **changes) -> CachedMessage:
    base = CachedMessage(
        uid=uid,
        headers=headers(uid),
        size=2048 + uid,
        flags=frozenset({"\\Seen", "$Junk"}),
        internal_date=datetime(2024, 3, 4, 10, 0, tzinfo=BERLIN) + timedelta(minutes=uid),
        modseq=1000 + uid,
        gm_msgid=1278455344230334865 + uid,
        gm_thrid=1278455344230334865,
    )
    return replace(base, **changes)


def inbox(store, uids=range(1, 6), account=ANNA, folder="INBOX", uidvalidity=7) -> None:
    save_folder(store, FolderState(account, folder, uidvalidity=uidvalidity, uidnext=max(uids) + 1, role="inbox"))
    put_messages(store, account, folder, (message(uid) for uid in uids))


def test_folder_state_round_trip(store):
    state = FolderState(
        account=ANNA,
        folder="[Gmail]/Spam",
        uidvalidity=600_000_001,
        uidnext=4242,
        highestmodseq=987654321,
        role="junk",
        synced_at="2026-11-20T18:00:00+00:00",
    )

    save_folder(store, state)

    assert get_folder(store, ANNA, "[Gmail]/Spam") == state
    assert get_folder(store, ANNA, "INBOX") is None
    assert get_folder(store, BERT, "[Gmail]/Spam") is None


def test_list_folders_per_account_by_name(store):
    for account, folder in [(ANNA, "Sent"), (ANNA, "INBOX"), (BERT, "INBOX"), (ANNA, "Archiv/2024")]:
        save_folder(store, FolderState(account, folder, uidvalidity=1))

    assert [s.folder for s in list_folders(store, ANNA)] == ["Archiv/2024", "INBOX", "Sent"]
    assert [s.folder for s in list_folders(store, BERT)] == ["INBOX"]
    assert list_folders(store, "nobody@example.net") == []


def test_saving_a_folder_again_keeps_its_cache(store):
    inbox(store)

    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7, uidnext=9, highestmodseq=2000))

    assert get_folder(store, ANNA, "INBOX").uidnext == 9
    assert count_messages(store, ANNA, "INBOX") == 5


def test_saving_a_folder_under_a_new_uidvalidity_drops_its_cache(store):
    inbox(store)

    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=8, uidnext=3))

    assert count_messages(store, ANNA, "INBOX") == 0
    assert get_folder(store, ANNA, "INBOX").uidvalidity == 8


def test_uidvalidity_reset_drops_the_cache(store):
    inbox(store)
    inbox(store, folder="Sent")
    synced = replace(get_folder(store, ANNA, "INBOX"), highestmodseq=5000, synced_at="2026-11-20T18:00:00+00:00")
    save_folder(store, synced)

    state = reset_folder(store, ANNA, "INBOX", uidvalidity=8)

    assert state == FolderState(ANNA, "INBOX", uidvalidity=8, role="inbox")
    assert get_folder(store, ANNA, "INBOX") == state
    assert cached_uids(store, ANNA, "INBOX") == set()
    assert list(iter_messages(store, ANNA, "INBOX")) == []
    assert count_messages(store, ANNA, "Sent") == 5  # other folders keep theirs


def test_reset_of_an_unknown_folder_adds_it(store):
    assert reset_folder(store, ANNA, "Junk", uidvalidity=3) == FolderState(ANNA, "Junk", uidvalidity=3)
    assert put_messages(store, ANNA, "Junk", [message(1)]) == 1


def test_messages_round_trip_byte_for_byte(store):
    originals = [message(uid) for uid in (3, 1, 2)]
    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7))

    written = put_messages(store, ANNA, "INBOX", originals)

    assert written == 3
    back = list(iter_messages(store, ANNA, "INBOX"))
    assert back == sorted(originals, key=lambda m: m.uid)
    assert back[0].headers == headers(1)
    assert type(back[0].headers) is bytes
    assert back[0].internal_date.utcoffset() == timedelta(hours=1)


def test_empty_and_missing_values_round_trip(store):
    bare = CachedMessage(uid=9, headers=b"")
    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7))

    put_messages(store, ANNA, "INBOX", [bare])

    assert list(iter_messages(store, ANNA, "INBOX")) == [bare]


def test_unsigned_64_bit_ids_round_trip(store):
    # Gmail's X-GM-MSGID is unsigned 64-bit; SQLite integers are signed.
    big = message(1, gm_msgid=2**64 - 1, gm_thrid=2**63, modseq=2**63 + 5)
    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7, highestmodseq=2**64 - 2))

    put_messages(store, ANNA, "INBOX", [big])

    assert list(iter_messages(store, ANNA, "INBOX")) == [big]
    assert get_folder(store, ANNA, "INBOX").highestmodseq == 2**64 - 2


def test_ids_wider_than_64_bits_are_refused(store):
    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7))
    with pytest.raises(ValueError, match="64 bits"):
        put_messages(store, ANNA, "INBOX", [message(1, gm_msgid=2**64)])


def test_putting_a_cached_uid_again_overwrites_it(store):
    inbox(store)

    put_messages(store, ANNA, "INBOX", [message(2, headers=b"Subject: new\r\n\r\n", flags=frozenset())])

    by_uid = {m.uid: m for m in iter_messages(store, ANNA, "INBOX")}
    assert by_uid[2].headers == b"Subject: new\r\n\r\n"
    assert by_uid[2].flags == frozenset()
    assert len(by_uid) == 5


def test_messages_of_an_unknown_folder_are_refused(store):
    with pytest.raises(LookupError, match="'INBOX' of account 'anna@example.com' is not in the store"):
        put_messages(store, ANNA, "INBOX", [message(1)])
    assert count_messages(store, ANNA, "INBOX") == 0


def test_one_bad_message_leaves_the_whole_batch_unwritten(store):
    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7))
    batch = [message(1), message(2), message(3, flags=frozenset({"\\Seen", "two words"}))]

    with pytest.raises(ValueError, match="white space"):
        put_messages(store, ANNA, "INBOX", batch)

    assert count_messages(store, ANNA, "INBOX") == 0


def test_put_and_folder_state_in_one_transaction(store):
    save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7, uidnext=1))

    with pytest.raises(ConnectionResetError):
        with store.transaction():
            put_messages(store, ANNA, "INBOX", [message(1), message(2)])
            save_folder(store, FolderState(ANNA, "INBOX", uidvalidity=7, uidnext=3))
            raise ConnectionResetError("server went away")

    assert count_messages(store, ANNA, "INBOX") == 0
    assert get_folder(store, ANNA, "INBOX").uidnext == 1


def test_update_flags(store):
    inbox(store)

    changed = update_flags(
        store,
        ANNA,
        "INBOX",
        [
            (1, frozenset({"\\Seen", "\\Answered"}), 3001),
            (2, frozenset(), None),  # no CONDSTORE: the cached MODSEQ stays
            (99, frozenset({"\\Seen"}), 3002),  # not cached: skipped
        ],
    )

    by_uid = {m.uid: m for m in iter_messages(store, ANNA, "INBOX")}
    assert changed == 2
    assert (by_uid[1].flags, by_uid[1].modseq) == (frozenset({"\\Seen", "\\Answered"}), 3001)
    assert (by_uid[2].flags, by_uid[2].modseq) == (frozenset(), 1002)
    assert by_uid[1].headers == headers(1)
    assert by_uid[3] == message(3)


def test_expunged_messages_disappear(store):
    inbox(store, uids=range(1, 11))

    deleted = delete_messages(store, ANNA, "INBOX", [2, 4, 6, 99])

    assert deleted == 3
    assert cached_uids(store, ANNA, "INBOX") == {1, 3, 5, 7, 8, 9, 10}
    assert count_messages(store, ANNA, "INBOX") == 7
    assert [m.uid for m in iter_messages(store, ANNA, "INBOX")] == [1, 3, 5, 7, 8, 9, 10]


def test_accounts_and_folders_do_not_mix(store):
    inbox(store, uids=[1, 2, 3])
    inbox(store, uids=[1, 2], account=BERT)
    inbox(store, uids=[7], folder="Junk")

    delete_messages(store, BERT, "INBOX", [1])

    assert cached_uids(store, ANNA, "INBOX") == {1, 2, 3}
    assert cached_uids(store, BERT, "INBOX") == {2}
    assert cached_uids(store, ANNA, "Junk") == {7}
    assert cached_uids(store, ANNA, "Sent") == set()


def test_iter_messages_streams_in_uid_order(store):
    uids = list(range(1, 2001))
    random.Random(7).shuffle(uids)
    inbox(store, uids=uids)

    stream = iter_messages(store, ANNA, "INBOX")

    assert isinstance(stream, GeneratorType)
    assert next(stream).uid == 1
    # A write between two steps (flags seen while reading the cache) is allowed.
    update_flags(store, ANNA, "INBOX", [(1500, frozenset({"\\Flagged"}), None)])
    rest = [m.uid for m in stream]
    assert rest == list(range(2, 2001))


def test_abandoned_iteration_does_not_hold_the_store(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path) as writer:
        inbox(writer, uids=range(1, 100))
        stream = iter_messages(writer, ANNA, "INBOX")
        next(stream)
        stream.close()
        # The read snapshot is gone: a checkpoint can move every WAL frame into the file.
        busy, _, _ = writer.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
        assert (tmp_path / "store.sqlite-wal").stat().st_size == 0


def test_bulk_batch_round_trips(store):
    save_folder(store, FolderState(ANNA, "[Gmail]/All Mail", uidvalidity=11))
    batch = (message(uid, headers=headers(uid) + bytes([uid % 256]) * 1500) for uid in range(1, 5001))

    assert put_messages(store, ANNA, "[Gmail]/All Mail", batch) == 5000

    assert count_messages(store, ANNA, "[Gmail]/All Mail") == 5000
    assert cached_uids(store, ANNA, "[Gmail]/All Mail") == set(range(1, 5001))
    for cached in iter_messages(store, ANNA, "[Gmail]/All Mail"):
        assert cached.headers == headers(cached.uid) + bytes([cached.uid % 256]) * 1500


def test_remove_folder_takes_its_messages(store):
    inbox(store)
    inbox(store, folder="Sent")

    assert remove_folder(store, ANNA, "INBOX") is True
    assert remove_folder(store, ANNA, "INBOX") is False

    assert get_folder(store, ANNA, "INBOX") is None
    assert count_messages(store, ANNA, "INBOX") == 0
    assert count_messages(store, ANNA, "Sent") == 5
    # Nothing of the removed folder is left behind in the table either.
    (orphans,) = store.connection.execute("SELECT count(*) FROM messages WHERE folder = 'INBOX'").fetchone()
    assert orphans == 0


def test_remove_account(store):
    inbox(store)
    inbox(store, folder="Junk")
    inbox(store, account=BERT)

    assert remove_account(store, ANNA) == 2

    assert list_folders(store, ANNA) == []
    assert count_messages(store, ANNA, "Junk") == 0
    assert count_messages(store, BERT, "INBOX") == 5


def test_cache_survives_reopening(tmp_path):
    path = tmp_path / "store.sqlite"
    with open_store(path) as first:
        inbox(first)

    with open_store(path) as second:
        assert [m.uid for m in iter_messages(second, ANNA, "INBOX")] == [1, 2, 3, 4, 5]
        assert get_folder(second, ANNA, "INBOX").uidnext == 6


def test_dropping_bodies_gives_the_space_back(tmp_path):
    import os

    from ghostscan.store import sync_state
    from ghostscan.store.db import open_store

    with open_store(tmp_path / "store.sqlite") as store:
        sync_state.save_folder(store, sync_state.FolderState("a", "INBOX", 1))
        sync_state.put_messages(store, "a", "INBOX", [sync_state.CachedMessage(i, b"Subject: x\r\n") for i in range(300)])
        sync_state.put_bodies(store, "a", "INBOX", [(i, os.urandom(30_000)) for i in range(300)])
        assert sync_state.drop_bodies(store, "a") == 300
        assert sync_state.get_body(store, "a", "INBOX", 1) is None
        assert sync_state.count_messages(store, "a", "INBOX") == 300
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert size < 1_000_000, f"{size} bytes left after dropping 9 MB of bodies"


def test_parsed_header_records_are_read_back_without_the_raw_blocks(store):
    from ghostscan.store.sync_state import count_stale_metas, iter_metas, stale_meta_uids

    save_folder(store, FolderState(ANNA, "INBOX", 1))
    when = datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN)
    put_messages(
        store,
        ANNA,
        "INBOX",
        [
            CachedMessage(3, b"", 10, frozenset({"\\Seen"}), when, meta=b"record-3", meta_version=2),
            CachedMessage(1, b"", 20, meta=b"record-1", meta_version=2),
            CachedMessage(2, b"Subject: x\r\n\r\n", meta=None, meta_version=2),  # kept raw: could not be parsed
            CachedMessage(4, b"", meta=b"older", meta_version=1),
            CachedMessage(5, b"Subject: y\r\n\r\n"),  # no record at all
        ],
    )
    rows = list(iter_metas(store, ANNA, "INBOX", 2))
    assert [(r.uid, r.meta, r.headers) for r in rows] == [(1, b"record-1", None), (2, None, b"Subject: x\r\n\r\n"), (3, b"record-3", None)]
    assert rows[2].flags == frozenset({"\\Seen"}) and rows[2].internal_date == when and rows[2].size == 10
    assert stale_meta_uids(store, ANNA, "INBOX", 2) == {4, 5}
    assert count_stale_metas(store, ANNA, "INBOX", 2) == (5, 2)
    assert count_stale_metas(store, ANNA, "Sent", 2) == (0, 0)


def test_load_metas_gives_back_what_was_parsed(store):
    from ghostscan.parse.headers import META_VERSION, pack_meta, parse_headers
    from ghostscan.sources.base import FolderRole, MessageRef
    from ghostscan.store.sync_state import load_metas

    save_folder(store, FolderState(ANNA, "Sent", 1))
    blocks = {
        2: b"From: Anna <anna@example.com>\r\nTo: =?UTF-8?Q?J=C3=BCrgen?= <j@example.de>\r\nSubject: Angebot\r\nMessage-ID: <s2@example.com>\r\n\r\n",
        1: b"From: anna@example.com\r\nSubject: Erstes\r\nDate: Mon, 25 Nov 2024 10:40:29 +0100\r\n\r\n",
    }
    parsed = {uid: parse_headers(block, MessageRef("Sent", str(uid)), FolderRole.SENT, size=100 + uid) for uid, block in blocks.items()}
    put_messages(store, ANNA, "Sent", [CachedMessage(uid, b"", 100 + uid, meta=pack_meta(m), meta_version=META_VERSION) for uid, m in parsed.items()])
    loaded = load_metas(store, ANNA, "Sent", FolderRole.SENT)
    assert loaded == [parsed[1], parsed[2]]
    assert loaded[1].to[0].name == "Jürgen" and loaded[0].size == 101


def test_mailbox_fingerprint_changes_with_the_mailbox_only(store):
    from ghostscan.store.sync_state import mailbox_fingerprint

    save_folder(store, FolderState(ANNA, "INBOX", 1, uidnext=5, highestmodseq=10))
    put_messages(store, ANNA, "INBOX", [CachedMessage(1, b"")])
    first = mailbox_fingerprint(store, ANNA)
    assert mailbox_fingerprint(store, ANNA) == first
    save_folder(store, FolderState(BERT, "INBOX", 1, uidnext=9))  # another account
    assert mailbox_fingerprint(store, ANNA) == first
    put_messages(store, ANNA, "INBOX", [CachedMessage(2, b"")])  # new mail
    second = mailbox_fingerprint(store, ANNA)
    assert second != first
    save_folder(store, FolderState(ANNA, "INBOX", 1, uidnext=5, highestmodseq=11))  # a flag changed
    assert mailbox_fingerprint(store, ANNA) not in {first, second}


def test_results_are_written_in_batches_and_bodies_kept_until_the_flush(store, monkeypatch):
    from ghostscan.sources.base import MessageRef
    from ghostscan.store import results, sync_state

    inbox(store, uids=range(1, 8))
    sync_state.put_bodies(store, ANNA, "INBOX", [(uid, b"body %d" % uid) for uid in range(1, 8)])
    monkeypatch.setattr(results, "WRITE_EVERY", 3)
    kept = results.StoredResults(store, ANNA, "v1")
    for uid in range(1, 8):
        kept.put(MessageRef("INBOX", str(uid)), "kind", f'["human",{uid}]')
    # Six written in two batches, the seventh still held; no body dropped before the flush.
    assert sorted(sync_state.get_results(store, ANNA, "INBOX", "v1")) == [(uid, "kind") for uid in range(1, 7)]
    assert sync_state.get_body(store, ANNA, "INBOX", 7) == b"body 7"
    kept.flush()
    assert sync_state.get_results(store, ANNA, "INBOX", "v1")[(7, "kind")] == '["human",7]'
    assert sync_state.get_body(store, ANNA, "INBOX", 7) is None


def test_results_read_before_a_flush_are_still_found_after_it(store):
    from ghostscan.sources.base import MessageRef
    from ghostscan.store import results

    inbox(store, uids=range(1, 4))
    kept = results.StoredResults(store, ANNA, "v1")
    kept.put(MessageRef("INBOX", "2"), "kind", '["human",2]')
    kept.flush()
    assert kept.get(MessageRef("INBOX", "2"), "kind") == '["human",2]'
    kept.put(MessageRef("INBOX", "3"), "text", '["de",[],[],null]')
    kept.flush()
    # The flush forgets what it read (a scan's peak comes after it); asked again, the
    # folder is read anew, with what was written since.
    assert kept.get(MessageRef("INBOX", "2"), "kind") == '["human",2]'
    assert kept.get(MessageRef("INBOX", "3"), "text") == '["de",[],[],null]'
    assert kept.get(MessageRef("INBOX", "1"), "kind") is None
