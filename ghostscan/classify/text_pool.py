"""Text reads on the second core: a worker process reads ahead what the verdicts will ask.

A first audit reads tens of thousands of message texts, each for about 1.5 ms of one
core (body parsing, quote stripping, the tokenizer, the spaCy rules, a customer's
contact details). The dry run of the verdicts (`ReadPlanner`) lists them beforehand, in
the order the verdicts will ask for them. `TextPool` hands that list to one worker
process *from its end*, while the verdicts run in this process *from its start* and read
on demand whatever the worker was not given; where the two meet, the work is done.

The verdicts still ask every question of `MailTexts` in their own order and take each
step from the worker's `Reading` instead of doing it (`MailTexts.read_ahead`): results,
kept readings and problems are those of reading alone, whatever the worker did or did
not do. A worker that cannot start, fails or dies leaves the rest to the verdicts.

The worker is a fresh interpreter, not a fork of this process: a fork would carry the
whole parsed mailbox (some 250 MB at 100,000 messages) and count it in its own resident
size. It builds its language pipelines itself (about 1.3 s of CPU) while the verdicts
start here. It gets each message's raw body start from this process, which holds the
store (an SQLite connection must not be shared with another process), and sends back
the small `Reading` and `CustomerContact` results.
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ghostscan.classify.base import CustomerContact
from ghostscan.classify.text_reader import Ask, Failed, Reading, direction_of
from ghostscan.parse.addresses import Address
from ghostscan.settings import NlpSettings
from ghostscan.threads.model import ThreadedMessage

log = logging.getLogger(__name__)

MIN_TASKS = 400
"""Fewer foreseen readings than this (some 0.6 s of reading) are left to the verdicts
alone: the worker needs about 1.3 s of CPU to start before it reads anything."""

WINDOW = 32
"""Tasks handed to the worker and not answered yet, at most: enough to keep it busy while
the verdicts read one text here, few enough that little is left queued where they meet."""

STUCK = 60.0
"""Seconds the verdicts wait for an answer before they give up on the worker."""

_FRAME = struct.Struct("<Q")


class _WorkerGone(Exception):
    """The worker failed or exited; the verdicts read the rest themselves."""


@dataclass(eq=False, slots=True)
class _Task:
    """What the worker reads for one message (its asks in order), or one customer's contact.

    Attributes:
        index: its place in its plan (`TextPool.plan`).
        id: its number, unique in the pool.
    """

    index: int
    id: int = 0
    message: ThreadedMessage | None = None
    asks: list[str | None] = field(default_factory=list)
    customer: Address | None = None


def start_pool(
    asks: Sequence[Ask],
    loaders: Mapping[Any, Callable[[], bytes]],
    contact_reads: Callable[[Address], Sequence[ThreadedMessage]],
    *,
    nlp: NlpSettings,
    region: str,
    min_tasks: int | None = None,
) -> TextPool | None:
    """A `TextPool` to read ahead what *asks* foresee (`TextPool.plan`), or None when the verdicts read alone.

    None when the work is small (*min_tasks*, default `MIN_TASKS`), when there is no
    second core, or when no worker process can be started.

    Args:
        asks: what the verdicts are expected to ask, in their order (`ReadPlanner.asks`).
        loaders: message ref → function returning its raw body start (raises OSError).
        contact_reads: the messages `MailTexts.contact` reads for a customer.
        nlp: language-layer settings (the worker builds its own pipelines from them).
        region: region for phone numbers without a country code.
        min_tasks: fewer tasks than this start nothing.
    """
    if len(_tasks(asks)[0]) < (MIN_TASKS if min_tasks is None else min_tasks) or not _spare_core():
        return None
    worker = _Worker.start(nlp, region)
    if worker is None:
        return None
    return TextPool(worker, loaders, contact_reads)


def _tasks(asks: Sequence[Ask]) -> tuple[list[_Task], dict[object, _Task]]:
    """One task per message (its asks in order) and per customer, in order of first ask.

    Keyed by the message's ref or the customer's address (never equal, being of two
    classes): tens of thousands of keys at 100,000 messages, each a tuple more before.
    """
    tasks: list[_Task] = []
    keys: dict[object, _Task] = {}
    for ask in asks:
        if ask.message is None:
            assert ask.customer is not None
            # The whole address: the reading depends on the name too (a LinkedIn search, a
            # signature to find), and the verdicts may ask with another name than the dry run.
            key: object = ask.customer
            if key not in keys:
                keys[key] = _Task(len(tasks), customer=ask.customer)
                tasks.append(keys[key])
            continue
        key = ask.message.meta.ref
        task = keys.get(key)
        if task is None:
            task = keys[key] = _Task(len(tasks), message=ask.message)
            tasks.append(task)
        task.asks.append(ask.intent)
    return tasks, keys


def _spare_core() -> bool:
    """Whether this process may run on two cores or more."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) >= 2 if affinity is not None else (os.cpu_count() or 1) >= 2


class TextPool:
    """The read-ahead worker as `MailTexts` sees it: readings by message and customer.

    Each question the verdicts ask moves the point they have reached in the plan; the
    worker is handed tasks from the end of the plan down to that point, `WINDOW` at a
    time, so the two never read the same text, except a few where they meet.
    """

    def __init__(
        self,
        worker: _Worker,
        loaders: Mapping[Any, Callable[[], bytes]],
        contact_reads: Callable[[Address], Sequence[ThreadedMessage]],
    ):
        self._worker: _Worker | None = worker
        self._loaders = loaders
        self._contact_reads = contact_reads
        self._tasks: list[_Task | None] = []
        self._keys: dict[object, _Task] = {}
        self._ids = 0
        self._next = -1
        """The next task of the plan to hand over (from the end down)."""
        self._reached = -1
        """The furthest task of the plan the verdicts have asked for."""
        self._pending: set[int] = set()
        self._done: dict[int, Any] = {}
        self._dropped: set[int] = set()
        """Tasks handed over and forgotten before they were answered."""
        self.handed = 0
        """Tasks handed to the worker."""
        self.waited = 0.0
        """Seconds the verdicts waited for the worker."""
        self.usage: Any = None
        """The worker's `resource.struct_rusage` once it has exited (CPU time, peak RSS)."""

    @property
    def running(self) -> bool:
        """Whether the worker still takes tasks."""
        return self._worker is not None

    def plan(self, asks: Sequence[Ask]) -> None:
        """Read ahead what *asks* foresee, in place of what is left of the last plan.

        What the worker read of an earlier plan stays at hand.
        """
        tasks, keys = _tasks(asks)
        for task in tasks:
            task.id = self._ids = self._ids + 1
        self._tasks = list(tasks)
        self._keys.update(keys)
        self._next = len(tasks) - 1
        self._reached = -1
        self._pump()

    def drain(self, timeout: float = STUCK) -> None:
        """Let the worker read the whole plan; waits until it has, or *timeout* s have passed.

        The verdicts never wait so (they read on themselves); for tests, and to measure.
        """
        waited = 0.0
        self._pump()
        while self._worker is not None and self._pending and waited < timeout:
            waited += self._worker.wait()
            self._pump()

    def reading(self, message: ThreadedMessage) -> Reading | None:
        """What the worker read of *message*, or None: read it here.

        Kept until `forget`: a message known not to say one intent may be asked another.
        """
        found = self._take(self._keys.get(message.meta.ref))
        return found if isinstance(found, Reading) else None

    def forget(self, message: ThreadedMessage) -> None:
        """Drop what the worker read of *message*: its text is known now, or unreadable."""
        task = self._keys.pop(message.meta.ref, None)
        if task is not None:
            self._done.pop(task.id, None)
            if task.index < len(self._tasks) and self._tasks[task.index] is task:
                self._tasks[task.index] = None  # not to be handed over, if it was not yet
            if task.id in self._pending:
                self._dropped.add(task.id)  # its answer, when it comes, is not kept

    def contact(self, customer: Address) -> CustomerContact | Failed | None:
        """What the worker read of *customer*'s contact details, or None: read them here."""
        task = self._keys.pop(customer, None)
        found = self._take(task)
        if task is not None:
            self._done.pop(task.id, None)
            if task.index < len(self._tasks) and self._tasks[task.index] is task:
                self._tasks[task.index] = None
        return found if isinstance(found, (CustomerContact, Failed)) else None

    def _take(self, task: _Task | None) -> Any:
        if task is not None and task.index < len(self._tasks) and self._tasks[task.index] is task:
            self._reached = max(self._reached, task.index)
        self._pump()
        if task is None:
            return None
        # Where the two meet: wait for the worker when it is at this task or about to be
        # (it reads the window from its end), else read it here and drop its answer.
        waited = 0.0
        while task.id in self._pending and len(self._pending) <= 2 and self._worker is not None:
            if waited >= STUCK:
                log.info("the read-ahead worker has not answered in %.0f s; the verdicts read the rest", waited)
                self.close()
                break
            waited += self._worker.wait()
            self._pump()
        self.waited += waited
        return self._done.get(task.id)

    def _pump(self) -> None:
        """Take the worker's answers and hand it more tasks, without ever blocking."""
        worker = self._worker
        if worker is None:
            return
        try:
            for task_id, result in worker.receive():
                self._pending.discard(task_id)
                if task_id in self._dropped:
                    self._dropped.discard(task_id)
                else:
                    self._done[task_id] = result
            while len(self._pending) < WINDOW and self._next > self._reached:
                task = self._tasks[self._next]
                self._next -= 1
                if task is None:
                    continue  # forgotten: its message is read, or no longer asked about
                payload = self._payload(task)
                if payload is not None:
                    worker.send(payload)
                    self._pending.add(task.id)
                    self.handed += 1
            worker.flush()
        except _WorkerGone as exc:
            log.info("the read-ahead worker stopped (%s); the verdicts read the rest", exc)
            self.close()
        except Exception as exc:  # noqa: BLE001 - never the scan's end: what failed here, the verdicts meet again
            log.info("the read-ahead worker was given up (%s: %s); the verdicts read the rest", type(exc).__name__, exc)
            self.close()

    def _payload(self, task: _Task) -> tuple[Any, ...] | None:
        """The message to the worker for *task*, or None to leave it to the verdicts.

        A body that cannot be loaded is left to them, to be reported as they would.
        """
        try:
            if task.message is not None:
                raw = self._load(task.message)
                if raw is None:
                    return None
                return ("read", task.id, raw, tuple(task.asks), direction_of(task.message), task.message.meta.date)
            assert task.customer is not None
            raws = [self._load(m) for m in self._contact_reads(task.customer)]
            return ("contact", task.id, raws, task.customer)
        except OSError:
            return None

    def _load(self, message: ThreadedMessage) -> bytes | None:
        loader = self._loaders.get(message.meta.ref)
        return loader() if loader is not None else None

    def close(self) -> None:
        """Stop the worker (what it is reading now is not needed)."""
        worker, self._worker = self._worker, None
        self._pending.clear()
        self._dropped.clear()
        if worker is not None:
            self.usage = worker.stop()
            log.debug("read-ahead worker: %d tasks handed over", self.handed)


_BOOT = "import sys; from ghostscan.classify.text_pool import serve; serve(int(sys.argv[1]), int(sys.argv[2]))"


class _Worker:
    """The worker process and the two pipes to it, framed pickles; this end never blocks."""

    def __init__(self, process: subprocess.Popen[bytes], results: int, tasks: int):
        self._process = process
        self._in = results
        self._out = tasks
        os.set_blocking(results, False)
        os.set_blocking(tasks, False)
        self._inbox = bytearray()
        self._outbox: collections.deque[memoryview] = collections.deque()
        """What is to be written, in pieces: a task's raw body is never copied into a buffer."""

    @classmethod
    def start(cls, nlp: NlpSettings, region: str) -> _Worker | None:
        """Start the worker with its settings, or None when no process can be started."""
        if not sys.executable:
            return None
        tasks_read, tasks_write = os.pipe()
        results_read, results_write = os.pipe()
        # The worker imports ghostscan from where this process does (a checkout, a test run).
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(tasks_read), str(results_write)],
                pass_fds=(tasks_read, results_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except Exception as exc:  # noqa: BLE001 - whatever keeps a worker from starting, the verdicts read alone
            log.info("cannot start a read-ahead worker: %s", exc)
            os.close(tasks_write)
            os.close(results_read)
            return None
        finally:
            os.close(tasks_read)
            os.close(results_write)
        try:
            worker = cls(process, results_read, tasks_write)
        except OSError as exc:  # pipes that cannot be made non-blocking
            log.info("cannot start a read-ahead worker: %s", exc)
            process.kill()
            process.wait()
            os.close(tasks_write)
            os.close(results_read)
            return None
        try:
            worker.send(("init", nlp, region))
        except _WorkerGone:
            worker.stop()
            return None
        return worker

    def send(self, message: tuple[Any, ...]) -> None:
        """Queue *message* and write what the pipe takes now (see `flush`)."""
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self._outbox.append(memoryview(_FRAME.pack(len(data))))
        self._outbox.append(memoryview(data))
        self.flush()

    def flush(self) -> None:
        """Write as much of the queued messages as the pipe takes without waiting.

        Raises:
            _WorkerGone: the worker closed its end.
        """
        outbox = self._outbox
        while outbox:
            try:
                written = os.writev(self._out, list(itertools.islice(outbox, 64)))
            except BlockingIOError:
                return
            except OSError as exc:
                raise _WorkerGone(f"cannot write to it: {exc}") from None
            while written and written >= len(outbox[0]):
                written -= len(outbox.popleft())
            if written:
                outbox[0] = outbox[0][written:]

    def receive(self) -> list[tuple[int, Any]]:
        """The answers that have arrived, (task id, result) each; never waits.

        Raises:
            _WorkerGone: the worker reported a failure, or exited.
        """
        gone = False
        while True:
            try:
                chunk = os.read(self._in, 1 << 16)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                gone = True
                break
            self._inbox += chunk
        answers = []
        while len(self._inbox) >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self._inbox)
            if len(self._inbox) < _FRAME.size + size:
                break
            answer = pickle.loads(self._inbox[_FRAME.size : _FRAME.size + size])
            del self._inbox[: _FRAME.size + size]
            if answer[0] == "error":
                raise _WorkerGone(answer[1])
            answers.append(answer)
        if gone and not answers:
            raise _WorkerGone(f"it exited (status {self._process.poll()})")
        return answers

    def wait(self, timeout: float = 1.0) -> float:
        """Wait until the worker has answered (or takes what is queued for it), at most *timeout* s.

        Returns:
            The seconds waited.
        """
        started = time.monotonic()
        writing = [self._out] if self._outbox else []
        select.select([self._in], writing, [], timeout)
        return time.monotonic() - started

    def stop(self) -> Any:
        """End the worker and close the pipes; returns its resource usage (None if unknown)."""
        os.close(self._out)
        os.close(self._in)
        if self._process.poll() is None:
            self._process.kill()
        try:
            _, status, usage = os.wait4(self._process.pid, 0)
        except ChildProcessError:  # already reaped by `poll`
            self._process.wait()
            return None
        self._process.returncode = os.waitstatus_to_exitcode(status)
        return usage


def serve(tasks: int, results: int) -> None:
    """The worker's loop: read tasks from fd *tasks*, answer on fd *results* until EOF.

    The first message carries the settings; each task is answered with (its id, result),
    a failure of the worker itself with ("error", traceback) before it exits.
    """
    from ghostscan.classify.text_reader import contact_ahead, read_ahead

    inbox = os.fdopen(tasks, "rb")
    outbox = os.fdopen(results, "wb")
    try:
        _, nlp, region = _read_frame(inbox)
        _warm_up(nlp)
        while (task := _read_frame(inbox)) is not None:
            kind, task_id, *args = task
            if kind == "read":
                raw, asks, direction, sent = args
                result: Any = read_ahead(raw, asks, direction=direction, sent=sent, nlp=nlp)
            else:
                raws, customer = args
                result = contact_ahead(raws, customer, region=region)
            _write_frame(outbox, (task_id, result))
    except BaseException:  # noqa: BLE001 - told to the parent, which reads on alone
        import traceback

        try:
            _write_frame(outbox, ("error", traceback.format_exc(limit=5)))
        except OSError:
            pass


def _warm_up(nlp: NlpSettings) -> None:
    """Build the language pipelines now, while this process waits for its first task."""
    from pathlib import Path

    from ghostscan.classify.language.pipeline import LANGUAGES, get_pipeline

    for language in LANGUAGES:
        try:
            get_pipeline(language, tuple(Path(p) for p in nlp.patterns), nlp.model)
        except Exception:  # noqa: BLE001 - each text then meets the error as it would here
            pass


def _read_frame(stream: Any) -> Any:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    return pickle.loads(stream.read(size))


def _write_frame(stream: Any, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)) + data)
    stream.flush()
