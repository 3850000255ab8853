"""Kept snapshots and the reports kept with them: what a re-run finds again, and what it must not."""

from __future__ import annotations

import io
from datetime import date

import pytest

from ghostscan.store.db import open_store
from ghostscan.store.snapshots import KeptReports, StoredSnapshots

DAY = date(2026, 11, 20)


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "store.sqlite"
    open_store(path).close()
    return path


def snapshots(path, account="anna"):
    store = open_store(path)
    return store, StoredSnapshots(store, account, sync=lambda folder: None)


def keep(kept: KeptReports, variant: str, *pieces: str) -> str:
    out = io.StringIO()
    with kept.recording(variant, out) as recorder:
        for piece in pieces:
            recorder.write(piece)
    return out.getvalue()


def copied(kept: KeptReports, variant: str) -> str | None:
    out = io.StringIO()
    return out.getvalue() if kept.copy_to(variant, out) else None


def test_a_recorded_report_goes_through_and_comes_back_the_same(store_path):
    store, kept_snapshots = snapshots(store_path)
    with store:
        kept = kept_snapshots.reports("key1", DAY)
    # Non-ASCII and a piece far larger than one read from the store.
    pieces = ["{\n", "Bäckerei Wegner – Angebot ✔\n", "x" * 3_000_000, "\n}\n"]
    written = keep(kept, "json|explain=False", *pieces)
    assert written == "".join(pieces)
    assert copied(kept, "json|explain=False") == written


def test_a_report_with_a_lone_surrogate_goes_through_but_is_not_kept(store_path):
    # A header kept with surrogateescape: how a stream writes it depends on its errors
    # handler, so the bytes of one run say nothing about the next.
    store, kept_snapshots = snapshots(store_path)
    with store:
        kept = kept_snapshots.reports("key1", DAY)
    assert keep(kept, "json|", "{\n", "bad \udcff byte\n", "}\n") == "{\nbad \udcff byte\n}\n"
    assert copied(kept, "json|") is None


def test_nothing_is_found_under_another_variant_snapshot_day_or_account(store_path):
    store, kept_snapshots = snapshots(store_path)
    with store:
        keep(kept_snapshots.reports("key1", DAY), "csv|", "a,b\r\n")
        assert copied(kept_snapshots.reports("key1", DAY), "csv|") == "a,b\r\n"
        assert copied(kept_snapshots.reports("key1", DAY), "csv|verdicts=silent") is None
        assert copied(kept_snapshots.reports("key2", DAY), "csv|") is None
        assert copied(kept_snapshots.reports("key1", date(2026, 11, 21)), "csv|") is None
        other_store, other = snapshots(store_path, "berta")
        with other_store:
            assert copied(other.reports("key1", DAY), "csv|") is None


def test_a_new_snapshot_or_day_drops_the_reports_kept_before(store_path):
    store, kept_snapshots = snapshots(store_path)
    with store:
        keep(kept_snapshots.reports("key1", DAY), "csv|", "old\r\n")
        # Another day of the same snapshot: the next report kept drops the old day's.
        keep(kept_snapshots.reports("key1", date(2026, 11, 21)), "json|", "{}\n")
        assert copied(kept_snapshots.reports("key1", DAY), "csv|") is None
        # A new snapshot drops every report at once.
        kept_snapshots.save("key2", b"snapshot")
        assert copied(kept_snapshots.reports("key1", date(2026, 11, 21)), "json|") is None
        with store.reading() as conn:
            assert conn.execute("SELECT count(*) FROM reports").fetchone() == (0,)


def test_only_the_newest_variants_are_kept(store_path):
    store, kept_snapshots = snapshots(store_path)
    with store:
        kept = kept_snapshots.reports("key1", DAY)
    variants = [f"v{n}" for n in range(KeptReports.LIMIT + 2)]
    for variant in variants:
        keep(kept, variant, variant)
    assert [copied(kept, v) for v in variants] == [None, None, *variants[2:]]


def test_a_report_that_fails_half_way_is_not_kept(store_path):
    store, kept_snapshots = snapshots(store_path)
    with store:
        kept = kept_snapshots.reports("key1", DAY)
    with pytest.raises(RuntimeError):
        with kept.recording("json|", io.StringIO()) as recorder:
            recorder.write("{\n")
            raise RuntimeError("the renderer failed")
    assert copied(kept, "json|") is None


def test_the_recorder_is_the_stream_it_writes_to_for_a_renderer(store_path, tmp_path):
    store, kept_snapshots = snapshots(store_path)
    with store:
        kept = kept_snapshots.reports("key1", DAY)
    with open(tmp_path / "report.txt", "w", encoding="utf-8", newline="") as out:
        with kept.recording("table|", out) as recorder:
            # What rich asks of a file before it writes.
            assert recorder.encoding == "utf-8"
            assert recorder.isatty() is False
            recorder.write("Müller\r\n")
            recorder.flush()
    assert (tmp_path / "report.txt").read_bytes() == "Müller\r\n".encode()
    assert copied(kept, "table|") == "Müller\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_a_kept_report_comes_back_into_a_file_as_the_file_writes_it(store_path, tmp_path, encoding):
    store, kept_snapshots = snapshots(store_path)
    with store:
        kept = kept_snapshots.reports("key1", DAY)
    text = "Zoë Müller\r\n" * 1000
    keep(kept, "csv|", text)
    with open(tmp_path / "again.csv", "w", encoding=encoding, newline="") as out:
        out.write("before\n")
        assert kept.copy_to("csv|", out)
        out.write("after\n")
    assert (tmp_path / "again.csv").read_bytes() == ("before\n" + text + "after\n").encode(encoding)


def test_a_snapshot_saved_in_pieces_comes_back_as_one_blob_and_replaces_the_one_before(store_path):
    from ghostscan.store.snapshots import PackedSections, pack_sections

    store, kept_snapshots = snapshots(store_path)
    with store:
        kept_snapshots.save("key1", b"an older snapshot, longer than the one after it" * 1000)
        pieces = pack_sections({"day": "2026-11-20"}, [[f"row {n}" for n in range(5000)], [], ("ä", b"\x00")])
        assert len(pieces) > 3
        kept_snapshots.save("key2", pieces)
        assert kept_snapshots.load("key1") is None
        data = kept_snapshots.load("key2")
        assert data == b"".join(pieces)
        packed = PackedSections(data)
        assert packed.sections == 3
        assert packed.head() == {"day": "2026-11-20"}
        assert packed.section(0) == tuple(f"row {n}" for n in range(5000))
        assert packed.section(1) == () and packed.section(2) == ("ä", b"\x00")
        # In one piece, as before.
        kept_snapshots.save("key3", b"snapshot")
        assert kept_snapshots.load("key3") == b"snapshot"
