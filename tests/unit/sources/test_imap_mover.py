"""COPYUID (RFC 4315 §3) parsing for the rescue's copy verification."""

from __future__ import annotations

from ghostscan.sources.imap import parse_copyuid


def test_copyuid_sets_are_paired_in_order():
    assert parse_copyuid(b"[COPYUID 38505 304,319:320 3956:3958] Done") == {304: 3956, 319: 3957, 320: 3958}


def test_a_descending_range_is_the_same_set():
    # RFC 3501 §9: "2:4" and "4:2" are the same set.
    assert parse_copyuid(b"[COPYUID 1 7:5 10:12] Copy completed.") == {5: 10, 6: 11, 7: 12}


def test_no_copyuid_is_an_empty_mapping():
    assert parse_copyuid(b"Copy completed.") == {}
    assert parse_copyuid("OK [COPYUID 9 1 2] text as str") == {1: 2}
