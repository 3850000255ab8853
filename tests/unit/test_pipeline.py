"""The scan's classification pass (`ghostscan.pipeline._classify`) over what a source decided already."""

from __future__ import annotations

from pathlib import Path

from ghostscan import pipeline
from ghostscan.classify.base import Classification, Evidence, MessageKind
from ghostscan.classify.registry import classify_message
from ghostscan.parse.addresses import Identity
from ghostscan.parse.headers import parse_headers
from ghostscan.sources.base import FolderRole, MessageRef

BOUNCE = (Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "bounce" / "postfix_dsn.eml").read_bytes()
REF = MessageRef("INBOX", "7")
IDENTITY = Identity.build(["anna@studio-berg.de"])


class Results:
    """A `ResultCache` in memory."""

    def __init__(self):
        self.kept: dict[tuple[str, str], str] = {}

    def get(self, ref, name):
        return self.kept.get((str(ref), name))

    def put(self, ref, name, value):
        self.kept[str(ref), name] = value

    def flush(self):
        pass


def test_a_message_whose_header_pass_needs_its_body_is_fetched_once_and_then_found_kept():
    meta = parse_headers(BOUNCE, REF, FolderRole.INBOX, size=len(BOUNCE))
    results = Results()
    fetched: list[MessageRef] = []

    def scan_once():
        held = pipeline._Held(REF, lambda: BOUNCE, pipeline._NEEDS_BODY)
        return pipeline._classify([(held, meta)], IDENTITY, [], fetched.extend, results)

    first, bodies = scan_once()
    assert fetched == [REF] and bodies == 1
    assert first[0].classification == classify_message(meta, lambda: BOUNCE)
    assert first[0].kind is MessageKind.BOUNCE
    # A later scan: the source says again the headers are not enough; the kind decided
    # with the body is kept, so nothing is fetched again.
    again, bodies = scan_once()
    assert fetched == [REF] and bodies == 0
    assert again[0].classification == first[0].classification


def test_a_kind_the_source_decided_is_taken_as_it_is():
    meta = parse_headers(b"From: Hans <hans@mueller-bau.de>\r\nSubject: Angebot\r\n\r\n", REF, FolderRole.INBOX)
    decided = Classification(MessageKind.NOTIFICATION, (Evidence("notification.list", "List-Id <x>"),))
    results = Results()
    threaded, _ = pipeline._classify([(pipeline._Held(REF, lambda: b"", decided), meta)], IDENTITY, [], lambda refs: None, results)
    assert threaded[0].classification is decided
    assert not results.kept  # kept by the source, with the message
