"""Text reads on a second core: the same readings, kept results and problems as reading alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ghostscan.classify import text_pool, text_reader
from ghostscan.classify.base import Classification, MessageKind
from ghostscan.classify.text_reader import Ask, MailTexts
from ghostscan.parse.addresses import Address
from ghostscan.parse.headers import MessageMeta
from ghostscan.settings import NlpSettings
from ghostscan.sources.base import FolderRole, MessageRef
from ghostscan.threads.model import Direction, ThreadedMessage

ANNA = Address("anna@studio-berg.de", "Anna Berg")
SAMPLES = Path(__file__).resolve().parents[3] / "samples"

BODIES = [
    "Hallo Frau Berg,\n\nhiermit erteilen wir Ihnen den Auftrag für die Website.\n\nGruß\n{name}\nTel. +49 30 4455667\n",
    "Hallo Frau Berg,\n\nwir haben uns für einen anderen Anbieter entschieden.\n\nViele Grüße\n{name}\n",
    "Hi Anna,\n\nthanks, we will look at it next week.\n\nBest\n{name}\nMobile: +49 171 2345678\n",
    "Guten Tag,\n\nich bin bis 07.12.2026 nicht im Büro.\n\n{name}\n",
    "Hallo {name},\n\nanbei unser Angebot für die neue Website: 4.800 € netto.\n\nViele Grüße\nAnna Berg\n",
]


def message(number: int, sender: Address, direction: Direction) -> ThreadedMessage:
    role = FolderRole.SENT if direction is Direction.OUTBOUND else FolderRole.INBOX
    meta = MessageMeta(
        ref=MessageRef("Sent" if role is FolderRole.SENT else "INBOX", str(number)),
        folder_role=role,
        message_id=f"{number}@test",
        subject="Website",
        sender=sender,
        to=(ANNA,),
        date=datetime(2026, 11, 3, 10, tzinfo=timezone.utc) + timedelta(hours=number),
    )
    return ThreadedMessage(meta, Classification(MessageKind.HUMAN), direction)


class Mailbox:
    """Messages of a few customers, the reads the verdicts would ask of them, and their bodies."""

    def __init__(self, customers: int = 12):
        self.messages: list[ThreadedMessage] = []
        self.bodies: dict[MessageRef, bytes] = {}
        self.customers = [Address(f"kunde{n}@firma{n}.de", f"Kunde {n}") for n in range(customers)]
        for n, customer in enumerate(self.customers):
            for k in range(3):
                number = len(self.messages)
                m = message(number, customer, Direction.INBOUND)
                text = BODIES[(n + k) % 4].format(name=customer.name)
                head = f"From: {customer.email}\nTo: {ANNA.email}\nSubject: Website\nContent-Type: text/plain; charset=utf-8\n\n"
                self.messages.append(m)
                self.bodies[m.meta.ref] = (head + text).encode()
            number = len(self.messages)
            ours = message(number, ANNA, Direction.OUTBOUND)
            self.messages.append(ours)
            self.bodies[ours.meta.ref] = (f"From: {ANNA.email}\nTo: {customer.email}\nSubject: Angebot\n\n" + BODIES[4].format(name=customer.name)).encode()
        # One message whose body is gone: reported as a problem, read ahead or not.
        self.lost = self.messages[5]

    def asks(self) -> list[Ask]:
        asks = []
        for m in self.messages:
            asks.append(Ask(m, "order_confirmed"))
            if m.direction is Direction.INBOUND:
                asks.append(Ask(m, "decline"))
            if m.meta.ref.key.endswith(("3", "7")):
                asks.append(Ask(m))
        asks.extend(Ask(None, customer=c) for c in self.customers)
        return asks

    def loaders(self, loads: list | None = None) -> dict:
        def loader(ref):
            def load():
                if loads is not None:
                    loads.append(ref)
                if ref == self.lost.meta.ref:
                    raise OSError("the connection dropped")
                return self.bodies[ref]

            return load

        return {ref: loader(ref) for ref in self.bodies}


class Kept:
    """The store's results as MailTexts sees them, in the order they were put."""

    def __init__(self):
        self.puts: list = []

    def get(self, ref, name):
        return None

    def put(self, ref, name, value):
        self.puts.append((ref, name, value))

    def flush(self):
        pass


def read_all(box: Mailbox, *, ahead: bool, nlp: NlpSettings = NlpSettings(), kill: bool = False):
    """Ask *box*'s asks of a `MailTexts` in order; what it answered, kept and reported.

    With *ahead*, a worker reads them first, all of them; with *kill* too, it is killed
    before it answers, with every task handed over that fits its window.
    """
    problems: list = []
    kept = Kept()
    texts = MailTexts(box.messages, box.loaders(), nlp=nlp, on_problem=lambda m, reason: problems.append((m.meta.ref, reason)), cache=kept)
    asks = box.asks()
    if ahead:
        texts.read_ahead(asks)
        assert texts._pool is not None and texts._pool.running
        if kill:
            texts._pool._worker._process.kill()
        else:
            texts._pool.drain()
    answers = []
    try:
        for ask in asks:
            if ask.customer is not None:
                answers.append(texts.contact(ask.customer))
            elif ask.intent is None:
                answers.append(texts.text(ask.message))
            else:
                answers.append(texts.said(ask.message, ask.intent))
    finally:
        texts.close()
    return {"answers": answers, "kept": kept.puts, "problems": problems, "bodies_read": texts.bodies_read}, texts


@pytest.fixture
def pool_on(monkeypatch):
    """Read ahead however small the work, on any machine."""
    monkeypatch.setattr(text_pool, "MIN_TASKS", 0)
    monkeypatch.setattr(text_pool, "_spare_core", lambda: True)


@pytest.fixture
def here(monkeypatch):
    """Counts of the language layer's and contact reader's work done in this process."""
    counts = {"may_say": 0, "analyze": 0, "contact": 0}
    for name, key in (("may_say_in_body", "may_say"), ("analyze_body", "analyze"), ("read_contact", "contact")):
        real = getattr(text_reader, name)

        def counted(*args, _real=real, _key=key, **kwargs):
            counts[_key] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(text_reader, name, counted)
    return counts


def test_texts_read_ahead_by_the_worker_give_the_answers_kept_results_and_problems_of_reading_alone(pool_on, here):
    box = Mailbox()
    alone, _ = read_all(box, ahead=False)
    assert all(here.values()), here
    here.update(dict.fromkeys(here, 0))
    ahead, texts = read_all(box, ahead=True)
    assert ahead == alone
    assert set(alone["problems"]) == {(box.lost.meta.ref, "cannot read the body: the connection dropped")}
    assert any(a.phrase for a in alone["answers"] if hasattr(a, "phrase")), "nothing said: the test would prove little"
    assert any(getattr(a, "phones", ()) for a in alone["answers"])
    # The worker read them all but the customer with the lost message, left to this
    # process so that it reports the problem as it would have.
    assert here == {"may_say": 0, "analyze": 0, "contact": 1}
    assert texts.read_by_worker > 0


def test_a_text_the_language_layer_fails_on_is_reported_alike_when_read_ahead(pool_on, tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    nlp = NlpSettings(patterns=(str(broken),))
    box = Mailbox(customers=3)
    alone, _ = read_all(box, ahead=False, nlp=nlp)
    ahead, texts = read_all(box, ahead=True, nlp=nlp)
    assert ahead == alone
    assert any("cannot analyse the text" in reason for _, reason in alone["problems"])
    assert texts.read_by_worker > 0


def test_a_customer_asked_with_another_name_than_foreseen_is_read_here(pool_on):
    # The dry run may meet a customer under one display name, the verdicts under another
    # (a conversation that turned out otherwise); the name goes into the contact reading.
    box = Mailbox(customers=2)
    texts = MailTexts(box.messages, box.loaders())
    foreseen = box.customers[0]
    texts.read_ahead([Ask(None, customer=foreseen)])
    texts._pool.drain()
    renamed = Address(foreseen.email, "Dr. Erika Mustermann")
    got = texts.contact(renamed)
    texts.close()
    assert texts.read_by_worker == 0
    assert got == MailTexts(box.messages, box.loaders()).contact(renamed)


def test_a_worker_killed_midway_leaves_the_rest_to_this_process_with_the_same_results(pool_on):
    box = Mailbox()
    alone, _ = read_all(box, ahead=False)
    ahead, texts = read_all(box, ahead=True, kill=True)
    assert ahead == alone
    assert texts._pool is None  # closed


def test_a_worker_that_cannot_start_leaves_the_reading_to_this_process(pool_on, monkeypatch):
    monkeypatch.setattr(text_pool.sys, "executable", "")
    box = Mailbox(customers=2)
    texts = MailTexts(box.messages, box.loaders())
    texts.read_ahead(box.asks())
    assert texts._pool is None
    assert texts.said(box.messages[0], "order_confirmed").phrase


def test_small_work_is_read_here_without_a_worker(monkeypatch):
    monkeypatch.setattr(text_pool, "_spare_core", lambda: True)
    box = Mailbox(customers=2)
    texts = MailTexts(box.messages, box.loaders())
    texts.read_ahead(box.asks())
    assert texts._pool is None


def test_a_scan_reading_ahead_on_a_second_core_writes_the_report_of_a_scan_reading_alone(run, pool_on, monkeypatch):
    from ghostscan.sources.maildir import MaildirSource

    def audit() -> str:
        result = run("audit", "--source", str(SAMPLES / "mailbox"), "--as-of", "2026-11-20", "--format", "json")
        assert result.code == 0, result.stderr
        return result.stdout

    alone = audit()
    # A source that fetches bodies in batches makes the scan plan its reads (a dry run
    # of the verdicts), and the plan is read ahead by a worker.
    monkeypatch.setattr(MaildirSource, "prefetch_bodies", lambda self, refs: 0, raising=False)
    started = []
    real_start = text_pool.start_pool

    def start_pool(*args, **kwargs):
        pool = real_start(*args, **kwargs)
        started.append(pool)
        return pool

    monkeypatch.setattr(text_pool, "start_pool", start_pool)
    ahead = audit()
    assert started and started[0] is not None and started[0].handed > 0
    assert json.loads(ahead) == json.loads(alone)
    assert ahead == alone


def ask_all(texts: MailTexts, asks: list[Ask]) -> list:
    return [
        texts.contact(a.customer) if a.customer is not None else texts.text(a.message) if a.intent is None else texts.said(a.message, a.intent)
        for a in asks
    ]


def test_what_was_read_of_decided_conversations_is_let_go_and_asked_again_it_reads_the_same(pool_on):
    box = Mailbox()
    alone, _ = read_all(box, ahead=False)
    problems: list = []
    texts = MailTexts(box.messages, box.loaders(), on_problem=lambda m, reason: problems.append((m.meta.ref, reason)), cache=Kept())
    asks = box.asks()
    texts.read_ahead(asks)
    texts._pool.drain()
    try:
        assert ask_all(texts, asks) == alone["answers"]
        texts.done_with(box.messages)
        # Nothing of the messages is held any longer, here or of the worker's readings.
        assert not texts._lacking and all(t is None for t in texts._texts.values())
        assert not any(isinstance(key, MessageRef) for key in texts._pool._keys)
        assert ask_all(texts, asks) == alone["answers"]
    finally:
        texts.close()
    # The lost body is reported once, as when everything is read once.
    assert problems == alone["problems"]


def test_a_message_let_go_before_the_worker_got_to_it_is_not_handed_over(pool_on):
    box = Mailbox(customers=30)
    texts = MailTexts(box.messages, box.loaders())
    asks = [a for a in box.asks() if a.customer is None]
    texts.read_ahead(asks)
    pool = texts._pool
    try:
        handed = pool.handed
        assert 0 < handed < len({a.message.meta.ref for a in asks})
        texts.done_with(box.messages)
        pool.drain()
        assert pool.handed == handed
        # Nor is what the worker answered for those handed over before kept.
        assert not pool._done
    finally:
        texts.close()
