"""The local sources against the real-mail corpus (GHOSTSCAN_CORPUS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghostscan.parse.headers import parse_headers
from ghostscan.sources import open_source
from ghostscan.sources.eml_dir import EmlDirSource
from ghostscan.sources.maildir import MaildirSource

pytestmark = pytest.mark.corpus

CATEGORIES = ["autoreplies", "bounces", "malformed", "spam", "threads"]

# Labelled files that have no header block at all, so nothing tells them apart from any
# other text file: a Mailman digest body, a bounce-handler log dump, lorem ipsum and a
# one-byte file. They are left out of a folder of message files, not reported.
NO_HEADER_BLOCK = {
    "malformed/cpython/msg_19.txt",
    "bounces/php-bounce-handler/unsubscribe.txt",
    "malformed/rt/lorem-ipsum",
    "spam/spamassassin/bsmtpnull",
}


def message_files(root: Path, category: str) -> set[str]:
    """Every file under *category* except the corpus' own documentation and annotations."""
    return {
        path.relative_to(root).as_posix()
        for path in (root / category).rglob("*")
        if path.is_file()
        and path.name not in {"README.md", "MANIFEST.tsv", "categories.txt"}
        and path.suffix != ".cats"
    }


def test_notmuch_default_is_read_as_a_maildir_tree(corpus) -> None:  # type: ignore[no-untyped-def]
    top = corpus.root / "threads" / "notmuch-default"
    source = open_source(top)
    assert isinstance(source, MaildirSource)
    assert [f.name for f in source.folders()] == [
        "default",
        "default/bar",
        "default/bar/baz",
        "default/foo",
        "default/foo/baz",
    ]
    files = {p.name.partition(":")[0] for p in top.rglob("*") if p.is_file()}
    keys: list[str] = []
    for folder in source.folders():
        for raw in source.messages(folder):
            assert raw.error is None, f"{raw.ref}: {raw.error}"
            assert parse_headers(raw.headers, raw.ref).message_id, raw.ref
            keys.append(raw.ref.key)
    assert len(files) == 53
    assert sorted(keys) == sorted(files)


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_yields_one_message_per_message_file(  # type: ignore[no-untyped-def]
    corpus, category: str
) -> None:
    source = open_source(corpus.root / category)
    assert isinstance(source, EmlDirSource)
    yielded: list[str] = []
    for folder in source.folders():
        for raw in source.messages(folder):
            assert raw.error is None, f"{raw.ref}: {raw.error}"
            assert raw.headers, raw.ref
            prefix = f"{category}/" if folder.name == "INBOX" else f"{category}/{folder.name}/"
            yielded.append(prefix + raw.ref.key)
    expected = message_files(corpus.root, category) - NO_HEADER_BLOCK
    assert len(yielded) == len(set(yielded))
    assert set(yielded) == expected
    labelled = {p for p in corpus.labels() if p.startswith(category + "/")}
    assert set(yielded) | (NO_HEADER_BLOCK & labelled) == labelled


def test_cr_only_files_give_correct_headers(corpus) -> None:  # type: ignore[no-untyped-def]
    folder_path = corpus.root / "bounces" / "sisimai" / "mac"
    assert b"\n" not in (folder_path / "lhost-postfix-01.eml").read_bytes()
    source = open_source(folder_path)
    messages = {m.ref.key: m for f in source.folders() for m in source.messages(f)}
    assert len(messages) == len(list(folder_path.glob("*.eml")))
    postfix = messages["lhost-postfix-01.eml"]
    meta = parse_headers(postfix.headers, postfix.ref)
    assert meta.subject == "Undelivered Mail Returned to Sender"
    assert meta.sender is not None
    assert meta.sender.email == "mailer-daemon@p351355.pool.example.ne.jp"
    assert meta.date is not None
    # The header block stops at the first empty line: no body text in it.
    assert b"This is the mail system" not in postfix.headers
    for raw in messages.values():
        meta = parse_headers(raw.headers, raw.ref)
        assert meta.subject, raw.ref
        assert b"\r\r" not in raw.headers, raw.ref
