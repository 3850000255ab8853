"""ghostscan at 1k, 10k and 100k messages over IMAP, side by side with a raw imaplib baseline.

One command (sizes default to 1000,10000,100000)::

    GHOSTSCAN_BENCH_SIZES=1000,10000,100000 .venv/bin/python benchmarks/run.py

For each size it starts a throwaway Dovecot (tests/servers/dovecot.py), writes a generated
mailbox (benchmarks/generate.py) straight into the user's Maildir++ (chowned to the mail
user when run as root, as the test fixture does), lets Dovecot index it with one untimed
pass, and then measures, every part in a fresh Python process of its own (so its peak RSS
is its own, read with ``os.wait4``), with all IMAP traffic going through a counting proxy
(commands and bytes on the wire):

1. the baseline: plain ``imaplib``, ``UID FETCH`` of exactly the items ghostscan asks for
   (``HEADER_ITEM`` from ghostscan/sources/imap.py plus FLAGS, INTERNALDATE, RFC822.SIZE) in
   batches of 2000 over every folder — once without parsing, once parsing every header
   block with ``email.parser.BytesHeaderParser(policy=compat32)``;
2. ghostscan's first audit: `ghostscan.pipeline.scan` with an `ImapSource` and a fresh
   store, its phases timed by wrapping the pipeline's stage functions; and the same audit
   from headers alone (rules get no body, the verdicts a `NoTexts` reader, no body FETCH):
   the header phase the targets speak of;
3. the no-change re-run: ``ghostscan audit --account`` as a fresh process, wall time minus
   the interpreter's start (``python -c pass``);
4. the re-run after 1 % new mail, delivered into ``new/`` and seen by Dovecot first, as
   its LDA would have done at delivery;
5. ``ghostscan --help``;

plus threading alone (`ghostscan.threads.thread_messages` on the first audit's messages)
and, at 10k, cProfiles of both first audits and of the no-change re-run. Results go to
stdout and benchmarks/RESULTS.md; benchmarks/README.md says what each number means.

Environment: ``GHOSTSCAN_BENCH_SIZES`` (comma-separated), ``GHOSTSCAN_BENCH_TIMEOUT``
(seconds a first audit may take before it is stopped, default 300), ``GHOSTSCAN_BENCH_KEEP=1``
keeps the Dovecot directories under /tmp. Never part of the test suite.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
for _path in (REPO, REPO / "tests", REPO / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
GHOSTSCAN = str(Path(PYTHON).with_name("ghostscan"))
PASSWORD_ENV = "GHOSTSCAN_BENCH_PASSWORD"
PASSWORD = "bench-secret"
USER = "anna"
ACCOUNT = "bench"
AS_OF_DAY = "2026-11-20"
AS_OF = datetime(2026, 11, 20, 23, 59, 59, tzinfo=timezone.utc)  # what --as-of 2026-11-20 means
BASELINE_BATCH = 2000
PROFILE_SIZE = 10_000
CHEAP = 10_000
"""Sizes up to this get medians of 3 for the first audits; above, one run each."""
RESULTS = REPO / "benchmarks" / "RESULTS.md"

# -- the counting proxy -------------------------------------------------------------------------

_COMMAND = re.compile(rb"(?:^|\n)[A-Z]{3,5}\d+ (UID [A-Za-z]+|[A-Za-z]+)")


def _counting_proxy(host: str, port: int) -> Any:
    """A `CuttingProxy` that also counts the IMAP commands clients send (plain IMAP only).

    Commands are tagged lines (``ABCD12 UID FETCH ...``); imaplib and imapclient tag with
    letters and a counter. Bytes are the proxy's own counters, both directions.

    The proxy must not add latency Dovecot itself would not: imapclient sends a FETCH or
    SEARCH line and its CRLF in two ``send()`` calls, so with Nagle's algorithm the CRLF
    waits for the ACK of the first part, and a plain Python socket delays that ACK by
    Linux's 40 ms minimum (TCP_DELACK_MIN) where Dovecot's ACKs at once. ``TCP_QUICKACK``
    after every read (the kernel clears it again) and ``TCP_NODELAY`` on the proxy's own
    sends keep the proxy transparent: 56 commands of a 1k header sync took 0.75 s through
    a plain proxy, 0.11 s direct and 0.11 s through this one.
    """
    import socket

    from servers.cutting_proxy import CHUNK, CuttingProxy

    quickack = getattr(socket, "TCP_QUICKACK", None)

    class CountingProxy(CuttingProxy):
        def __init__(self, target_host: str, target_port: int):
            super().__init__(target_host, target_port)
            self.commands: Counter[str] = Counter()
            self._tails: dict[Any, bytes] = {}

        def _forward(self, connection: Any, source: Any) -> bool:
            if connection not in self._tails:
                self._tails[connection] = b""
                for sock in (connection.client, connection.server):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if source is not connection.client:
                return super()._forward(connection, source)
            data = source.recv(CHUNK)
            if not data:
                return False
            if quickack is not None:
                source.setsockopt(socket.IPPROTO_TCP, quickack, 1)
            # A command line may straddle two reads: keep the unfinished line for the next.
            text = self._tails[connection] + data
            cut = text.rfind(b"\n") + 1
            self._tails[connection] = text[cut:][-4096:]
            with self._lock:
                for match in _COMMAND.finditer(text[:cut]):
                    self.commands[match.group(1).decode().upper()] += 1
                self.bytes_from_client += len(data)
            connection.server.sendall(data)
            return True

        def snapshot(self) -> tuple[int, int, Counter[str]]:
            with self._lock:
                return self.bytes_from_server, self.bytes_from_client, Counter(self.commands)

    return CountingProxy(host, port)


# -- child processes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    """One finished child process."""

    seconds: float
    rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run_child(argv: list[str], *, env: dict[str, str] | None = None, timeout: float | None = None) -> Child:
    """Run *argv* and return its wall time and peak RSS (``ru_maxrss`` from ``os.wait4``).

    Output goes to temporary files, not pipes, so a chatty child never blocks and the
    parent can wait with ``wait4`` (which ``subprocess`` cannot give the rusage of).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=REPO)
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            os.kill(process.pid, signal.SIGKILL)  # our own child, by its pid

        timer = threading.Timer(timeout, stop) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if timer:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Child(
            seconds=seconds,
            rss_mb=usage.ru_maxrss / 1024,
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            timed_out=timed_out.is_set(),
        )


def run_worker(kind: str, spec: dict[str, Any], *, timeout: float | None = None) -> tuple[Child, dict[str, Any]]:
    """Run ``run.py --worker kind`` in a fresh interpreter; returns the child and its result."""
    with tempfile.TemporaryDirectory(prefix="gs-bench-w-") as tmp:
        spec = dict(spec, result=str(Path(tmp) / "result.json"), progress=str(Path(tmp) / "progress.json"))
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        env = dict(os.environ, **{PASSWORD_ENV: PASSWORD})
        child = run_child([PYTHON, str(Path(__file__).resolve()), "--worker", kind, str(spec_path)], env=env, timeout=timeout)
        result: dict[str, Any] = {}
        for name in ("result", "progress"):
            path = Path(spec[name])
            if path.exists():
                result = json.loads(path.read_text(encoding="utf-8"))
                break
        if child.returncode != 0 and not child.timed_out:
            raise RuntimeError(f"worker {kind} failed ({child.returncode}):\n{child.stderr[-4000:]}")
        return child, result


# -- workers (each runs in its own process) ----------------------------------------------------


def _uid_ranges(uids: list[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1:3,7"``: a batch of 2000 UIDs stays a short command line."""
    parts = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid != prev + 1:
            parts.append(f"{start}:{prev}" if prev != start else str(start))
            start = uid
        prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


def worker_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """Raw imaplib: header FETCH of every folder in batches, optionally parsed with compat32."""
    import imaplib
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    from servers.dovecot import quote_mailbox

    from ghostscan.sources.imap import FETCH_ITEMS

    items = "(" + " ".join(item.decode() for item in FETCH_ITEMS) + ")"
    parser = BytesHeaderParser(policy=compat32)
    parse = spec["parse"]
    started = time.perf_counter()
    client = imaplib.IMAP4(spec["host"], spec["port"], timeout=300)
    client.login(USER, PASSWORD)
    messages = parsed = 0
    for folder in spec["folders"]:
        typ, data = client.select(quote_mailbox(folder), readonly=True)
        if typ != "OK":
            raise RuntimeError(f"EXAMINE {folder}: {data!r}")
        typ, data = client.uid("SEARCH", None, "ALL")
        uids = sorted(int(u) for u in data[0].split())
        for start in range(0, len(uids), spec["batch"]):
            typ, data = client.uid("FETCH", _uid_ranges(uids[start : start + spec["batch"]]), items)
            if typ != "OK":
                raise RuntimeError(f"UID FETCH in {folder}: {data!r}")
            for item in data:
                # imaplib gives (prefix, literal) per message and a b")" closer.
                if isinstance(item, tuple):
                    messages += 1
                    if parse:
                        parser.parsebytes(item[1])
                        parsed += 1
    client.logout()
    return {"seconds": time.perf_counter() - started, "messages": messages, "parsed": parsed}


class _Phases:
    """Wall time per pipeline stage, got by wrapping the stage functions by name.

    Each finished stage is also written to the progress file, so a run stopped at its
    time limit still says how far it got.
    """

    def __init__(self, progress: Path):
        self.progress = progress
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.stage = "read"
        self.started = time.perf_counter()

    def wrap(self, owner: Any, name: str, label: str, *, report: bool = False, on_call: Callable[..., None] | None = None) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            if on_call:
                on_call(*args, **kwargs)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                key = label if label != "prefetch" else f"prefetch during {self.stage}"
                self.seconds[key] += time.perf_counter() - started
                self.calls[key] += 1
                if report:
                    self.save()

        setattr(owner, name, timed)

    def save(self, **more: Any) -> None:
        data = {"phases": dict(self.seconds), "calls": dict(self.calls), "elapsed": time.perf_counter() - self.started, "partial": True, **more}
        self.progress.write_text(json.dumps(data), encoding="utf-8")


def worker_audit(spec: dict[str, Any]) -> dict[str, Any]:
    """ghostscan's first audit: `scan` with an `ImapSource` and a fresh store, phases timed."""
    import dataclasses
    import gc
    import resource

    import ghostscan.pipeline as pipeline
    from ghostscan.environment import Environment
    from ghostscan.settings import load_settings
    from ghostscan.sources.imap import ImapSource
    from ghostscan.store.db import delete_store, open_store
    from ghostscan.threads import thread_messages
    from ghostscan.verdicts.model import NoTexts

    settings = load_settings(spec["config"])
    account = settings.account(ACCOUNT)
    settings = dataclasses.replace(settings, folders=account.folders)
    store_path = Path(spec["store"])
    delete_store(store_path)
    env = Environment(environ={PASSWORD_ENV: PASSWORD}, now=lambda: AS_OF)
    phases = _Phases(Path(spec["progress"]))
    captured: list[Any] = []
    _instrument(phases, captured, ImapSource, pipeline, enabled=not spec.get("profile"))
    headers_only = spec["mode"] == "headers"
    if headers_only:
        # Headers alone: the rules get no body (classify_message's documented loader=None),
        # the verdicts a reader that reads no text, and no body is ever fetched.
        classify = pipeline.classify_message
        pipeline.classify_message = lambda meta, loader=None, rules=None: classify(meta, None, rules)  # type: ignore[assignment]

        class HeaderTexts(NoTexts):
            bodies_read = 0

            def close(self) -> None:
                """Nothing read ahead, nothing to stop (see `MailTexts.close`)."""

            def done_with(self, messages: object) -> None:
                """Nothing read, nothing to let go (see `MailTexts.done_with`)."""

        pipeline.MailTexts = lambda *args, **kwargs: HeaderTexts()  # type: ignore[assignment,misc]

    profile = None
    if spec.get("profile"):
        import cProfile

        profile = cProfile.Profile()
    started = time.perf_counter()
    with open_store(store_path) as store:
        source = ImapSource(account, store, env)
        if headers_only:
            source.prefetch_bodies = lambda refs: 0  # type: ignore[method-assign]
        if profile:
            profile.enable()
        try:
            result = pipeline.scan(source, settings, now=AS_OF)
        finally:
            if profile:
                profile.disable()
            source.close()
        seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in store_path.parent.glob(store_path.name + "*"))
    out: dict[str, Any] = {
        "seconds": seconds,
        "phases": dict(phases.seconds),
        "calls": dict(phases.calls),
        "messages": result.stats.messages,
        "bodies_read": result.stats.bodies_read,
        "conversations": result.stats.conversations,
        "problems": len(result.problems),
        "verdicts": dict(Counter(d.verdict.value for d in result.decisions)),
        "session_commands": dict(source.session.commands),
        "fetched_headers": source.fetched_headers,
        "store_bytes": size,
    }
    if profile:
        out["profile"] = _top(profile)
    # The audit's own peak: the threading-alone runs below come after it in this
    # process and are no part of an audit (they took the process ~35 MB higher at 100k).
    own = resource.getrusage(resource.RUSAGE_SELF)
    out["rss_mb"] = own.ru_maxrss / 1024
    # Its helper processes (header parsing, the text read-ahead worker): the largest one's
    # peak, and CPU apart from the audit's own, since the two cores are shared.
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_seconds"] = own.ru_utime + own.ru_stime
    out["helper_cpu_seconds"] = helpers.ru_utime + helpers.ru_stime
    out["helper_rss_mb"] = helpers.ru_maxrss / 1024
    if captured:
        del result  # the runs below hold only the messages they thread
        gc.collect()
        messages, kwargs = captured[0]
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            thread_messages(messages, **kwargs)
            runs.append(time.perf_counter() - t)
        out["threading"] = runs
        out["threaded_messages"] = len(messages)
    return out


def _top(profile: Any, count: int = 15) -> str:
    """The *count* functions with the largest cumulative time, then with the largest own time.

    The cumulative list shows which stage costs; the own-time list, where the time is
    actually spent. *profile* is a `cProfile.Profile` or the path of a file
    ``python -m cProfile -o`` wrote.
    """
    import io
    import pstats

    out = []
    for key, title in (("cumulative", "by cumulative time"), ("tottime", "by own time")):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(key).print_stats(count)
        # Keep the totals line and the table; drop pstats' notes on sorting and restriction.
        lines = [line for line in text.getvalue().splitlines() if line.strip() and not line.strip().startswith(("Ordered by", "List reduced"))]
        lines = [line.replace(str(REPO) + "/", "").replace(sys.base_prefix + "/lib/", "") for line in lines if not line.lstrip().startswith(("/tmp", "Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "))]
        out.append(f"-- top {count} {title}\n" + "\n".join(lines))
    return "\n\n".join(out)


def _instrument(phases: _Phases, captured: list[Any], source_class: Any, pipeline: Any, *, enabled: bool) -> None:
    """Wrap the pipeline's stage functions to time them (not when profiling: noise)."""
    if not enabled:
        return
    phases.wrap(source_class, "sync", "sync")
    phases.wrap(source_class, "prefetch_bodies", "prefetch")
    phases.wrap(pipeline, "_read", "read", report=True)
    phases.wrap(pipeline, "learn_identity", "identity")

    def entering_classify(*args: Any, **kwargs: Any) -> None:
        phases.stage = "classify"

    def entering_thread(messages: Any, **kwargs: Any) -> None:
        captured.append((messages, kwargs))
        phases.stage = "verdicts"

    phases.wrap(pipeline, "_classify", "classify", report=True, on_call=entering_classify)
    phases.wrap(pipeline, "thread_messages", "thread", report=True, on_call=entering_thread)
    phases.wrap(pipeline, "decide_verdict", "verdicts")


def worker_main(kind: str, spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    result = {"baseline": worker_baseline, "audit": worker_audit}[kind](spec)
    Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


# -- measuring one size -------------------------------------------------------------------------


@dataclass
class Part:
    """One measured part at one size.

    Attributes:
        runs: wall seconds of each run (the figure is their median).
        net: seconds with the interpreter's start taken off (CLI runs), else None.
        rss_mb: peak RSS of the process, the largest over the runs.
        commands: IMAP commands on the wire per run (median), None when no IMAP.
        bytes_in / bytes_out: bytes server → client and client → server per run (median).
        note: said next to the figure.
        extra: whatever else the part reported.
    """

    runs: list[float] = field(default_factory=list)
    net: float | None = None
    rss_mb: float | None = None
    commands: float | None = None
    bytes_in: float | None = None
    bytes_out: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def figure(self) -> float | None:
        return self.net if self.net is not None else self.seconds


@dataclass
class SizeResult:
    """Everything measured at one mailbox size."""

    size: int
    mailbox: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, Part] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _measure(proxy: Any, runs: int, action: Callable[[], tuple[Child, dict[str, Any]]]) -> tuple[Part, list[dict[str, Any]]]:
    part = Part()
    results = []
    commands, received, sent = [], [], []
    for _ in range(runs):
        before = proxy.snapshot()
        child, result = action()
        after = proxy.snapshot()
        part.runs.append(result.get("seconds", child.seconds) if not child.timed_out else child.seconds)
        # A worker that says its measured part's own peak (the first audits) is taken at its word.
        part.rss_mb = max(part.rss_mb or 0.0, result.get("rss_mb") or child.rss_mb)
        received.append(after[0] - before[0])
        sent.append(after[1] - before[1])
        commands.append(sum((after[2] - before[2]).values()))
        part.extra.setdefault("wire_commands", []).append(dict(after[2] - before[2]))
        result["_child"] = child
        results.append(result)
        if child.timed_out:
            break
    part.commands, part.bytes_in, part.bytes_out = _median(commands), _median(received), _median(sent)
    return part, results


def _command_mix(part: Part) -> str:
    """The commands of the part's last run on the wire: ``"UID FETCH 12, EXAMINE 3, ..."``."""
    runs = part.extra.get("wire_commands") or []
    if not runs or not runs[-1]:
        return ""
    return ", ".join(f"{name} {count}" for name, count in sorted(runs[-1].items(), key=lambda kv: (-kv[1], kv[0])))


def _cli(config: Path, *args: str) -> list[str]:
    return [GHOSTSCAN, "--config", str(config), "-q", *args]


def _write_config(path: Path, port: int, store: Path) -> None:
    from generate import OWNER

    path.write_text(
        "# Written by benchmarks/run.py for one benchmark run.\n"
        f"identity:\n  addresses: [{OWNER}]\n"
        f"store:\n  path: {store}\n"
        "accounts:\n"
        f"  {ACCOUNT}:\n    host: 127.0.0.1\n    port: {port}\n    security: none\n    username: {USER}\n"
        f"    password_env: {PASSWORD_ENV}\n    timeout: 300\n",
        encoding="utf-8",
    )


def _see_new_mail(server: Any, folders: list[str]) -> None:
    """Let Dovecot index mail dropped into ``new/``, as its LDA does at delivery."""
    from servers.dovecot import quote_mailbox

    with server.session(USER) as client:
        for folder in folders:
            client.status(quote_mailbox(folder), "(MESSAGES UIDNEXT)")


def _warm(server: Any, folders: list[str], port: int) -> float:
    """One untimed baseline pass: Dovecot builds its index and header cache."""
    started = time.perf_counter()
    run_worker("baseline", {"host": server.host, "port": port, "folders": folders, "batch": BASELINE_BATCH, "parse": False})
    return time.perf_counter() - started


def measure_size(size: int, *, interpreter: float, timeout: float, keep: bool) -> SizeResult:
    from generate import FOLDERS, add_new_mail, describe, generate
    from servers.dovecot import Dovecot, DovecotUser, _Identity

    out = SizeResult(size)
    base = Path(tempfile.mkdtemp(prefix="gs-bench-", dir="/tmp"))
    user = DovecotUser(USER, PASSWORD, folders=FOLDERS)
    identity = _Identity.current()
    owner = (identity.mail_uid, identity.mail_gid) if identity.root else None
    folders = ["INBOX", *FOLDERS]
    try:
        with Dovecot.start(base, [user]) as server:
            mailbox = generate(server.maildir(USER), size, owner=owner)
            for line in describe(mailbox):
                print(f"  {line}", flush=True)
            warm = _warm(server, folders, server.port)
            print(f"  Dovecot indexed it in {warm:.1f} s (untimed warm-up pass)", flush=True)
            out.mailbox = {
                "ghostscan": ghostscan_version(),
                "messages": mailbox.messages,
                "bytes": mailbox.bytes,
                "customers": mailbox.customers,
                "by_folder": mailbox.by_folder,
                "outcomes": mailbox.outcomes,
                "generate_seconds": mailbox.seconds,
                "index_seconds": warm,
            }
            with _counting_proxy(server.host, server.port) as proxy:
                # Not base/state: that is Dovecot's state_dir.
                store = base / "ghostscan" / "store.sqlite"
                store.parent.mkdir(exist_ok=True)
                config = base / "ghostscan.yaml"
                _write_config(config, proxy.port, store)
                net = {"host": proxy.host, "port": proxy.port, "folders": folders, "batch": BASELINE_BATCH}
                cheap = size <= CHEAP
                audit_runs = 3 if cheap else 1

                for name, parse in (("baseline", False), ("baseline+parse", True)):
                    part, _ = _measure(proxy, 3, lambda parse=parse: run_worker("baseline", dict(net, parse=parse)))
                    out.parts[name] = part
                    _say(name, part, out)

                spec = {"config": str(config), "store": str(store)}
                part, results = _measure(proxy, audit_runs, lambda: run_worker("audit", dict(spec, mode="headers"), timeout=timeout))
                part.note = "" if cheap else "1 run"
                _stopped(part, results, timeout, out)
                part.extra.update({k: v for k, v in results[-1].items() if not k.startswith("_")})
                out.parts["header audit"] = part
                _say("header audit", part, out)

                part, results = _measure(proxy, audit_runs, lambda: run_worker("audit", dict(spec, mode="full"), timeout=timeout))
                part.note = "" if cheap else "1 run"
                finished = not _stopped(part, results, timeout, out)
                out.parts["first audit"] = part
                last = results[-1]
                part.extra.update({k: v for k, v in last.items() if not k.startswith("_")})
                _say("first audit", part, out)
                if "phases" in last:
                    print("    phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in last["phases"].items()), flush=True)
                if last.get("threading"):
                    threading_part = Part(runs=list(last["threading"]), note=f"{last['threaded_messages']:,} messages")
                    out.parts["threading"] = threading_part
                    _say("threading", threading_part, out)

                if finished:
                    rerun = _cli(config, "audit", "--account", ACCOUNT, "--as-of", AS_OF_DAY, "--format", "json", "-o", str(base / "report.json"))
                    env = dict(os.environ, **{PASSWORD_ENV: PASSWORD})
                    first = _first_cli_run(rerun, env)
                    part, results = _measure(proxy, 3, lambda: (run_child(rerun, env=env), {}))
                    _check(results, "no-change re-run")
                    part.net = max(0.0, part.seconds - interpreter)
                    part.note = first
                    part.extra["store_bytes"] = _store_bytes(store)
                    out.parts["re-run"] = part
                    _say("re-run", part, out)
                    if size == PROFILE_SIZE:
                        out.profiles["no-change re-run (CLI)"] = _profile_cli(rerun, env, base / "rerun.prof")

                    terminal = _cli(config, "audit", "--account", ACCOUNT, "--as-of", AS_OF_DAY)
                    first = _first_cli_run(terminal, env)
                    part, results = _measure(proxy, 1, lambda: (run_child(terminal, env=env), {}))
                    _check(results, "terminal re-run")
                    part.net = max(0.0, part.seconds - interpreter)
                    part.note = f"terminal table to a file, 1 run {first}"
                    out.parts["re-run (terminal)"] = part
                    _say("re-run (terminal)", part, out)

                    new_mail = max(1, math.ceil(size / 100))
                    part = Part(note=f"{new_mail:,} new messages per run")
                    commands, received, sent = [], [], []
                    for round_no in range(3):
                        add_new_mail(mailbox, new_mail, seed=1000 + round_no, owner=owner)
                        _see_new_mail(server, folders)
                        one, results = _measure(proxy, 1, lambda: (run_child(rerun, env=env), {}))
                        _check(results, "re-run after new mail")
                        part.runs += one.runs
                        part.extra.setdefault("wire_commands", []).extend(one.extra.get("wire_commands", []))
                        part.rss_mb = max(part.rss_mb or 0.0, one.rss_mb or 0.0)
                        commands.append(one.commands)
                        received.append(one.bytes_in)
                        sent.append(one.bytes_out)
                    part.commands, part.bytes_in, part.bytes_out = _median(commands), _median(received), _median(sent)
                    part.net = max(0.0, part.seconds - interpreter)
                    part.extra["store_bytes"] = _store_bytes(store)
                    out.parts["re-run +1%"] = part
                    _say("re-run +1%", part, out)
                else:
                    out.notes.append("the re-runs were not measured: the first audit did not finish, so there is no complete store to re-run on")

                help_part, _ = _measure(proxy, 3, lambda: (run_child([GHOSTSCAN, "--help"]), {}))
                help_part.commands = help_part.bytes_in = help_part.bytes_out = None
                out.parts["--help"] = help_part
                _say("--help", help_part, out)

                if size == PROFILE_SIZE and finished:
                    # Last: these rebuild the store the re-runs used.
                    for label, mode in (("first audit (full)", "full"), ("first audit, headers only", "headers")):
                        _, results = _measure(proxy, 1, lambda mode=mode: run_worker("audit", dict(spec, mode=mode, profile=True), timeout=timeout))
                        out.profiles[label] = results[-1].get("profile", "")
    finally:
        if keep:
            print(f"  kept {base}", flush=True)
        else:
            shutil.rmtree(base, ignore_errors=True)
    return out


def _first_cli_run(argv: list[str], env: dict[str, str]) -> str:
    """Run *argv* once, untimed, so that what is measured after it is a re-run; say what it took.

    The first audits above call `scan` without the store's snapshot, as the stages are
    timed there; a user's first ``ghostscan audit`` keeps the scan result and the report
    it wrote, and only the run after it is the re-run of an unchanged mailbox.
    """
    child = run_child(argv, env=env)
    _check([{"_child": child}], "first CLI run")
    return f"(after an untimed first run: {child.seconds:.1f} s, {child.rss_mb:.0f} MB)"


def _profile_cli(argv: list[str], env: dict[str, str], path: Path) -> str:
    """cProfile of one CLI run (``python -m cProfile -o path -m ghostscan ...``), top 15."""
    child = run_child([PYTHON, "-m", "cProfile", "-o", str(path), "-m", "ghostscan", *argv[1:]], env=env)
    if child.returncode not in (0, 7) or not path.exists():
        return f"profiling failed ({child.returncode}): {child.stderr[-500:]}"
    return _top(str(path))


def _stopped(part: Part, results: list[dict[str, Any]], timeout: float, out: SizeResult) -> bool:
    last = results[-1]
    if not last["_child"].timed_out:
        return False
    part.note = f"stopped after {timeout:.0f} s"
    done = ", ".join(f"{k} {v:.1f} s" for k, v in last.get("phases", {}).items())
    out.notes.append(f"{part.note}; stages finished by then: {done or 'none'}")
    return True


def _check(results: list[dict[str, Any]], what: str) -> None:
    for result in results:
        child = result["_child"]
        # 7 = some messages could not be read (the report still came out).
        if child.returncode not in (0, 7):
            raise RuntimeError(f"{what} exited with {child.returncode}:\n{child.stderr[-4000:]}")


def _store_bytes(store: Path) -> int:
    return sum(p.stat().st_size for p in store.parent.glob(store.name + "*"))


def _say(name: str, part: Part, result: SizeResult) -> None:
    base = result.parts.get("baseline+parse")
    print(f"    {_row(name, part, result.size, base.seconds if base else None)}", flush=True)


# -- rendering ------------------------------------------------------------------------------------

LABELS = {
    "baseline": "baseline: imaplib header FETCH",
    "baseline+parse": "baseline: FETCH + compat32 parse",
    "header audit": "ghostscan first audit, headers only",
    "first audit": "ghostscan first audit (full)",
    "threading": "threading alone",
    "re-run": "re-run, no change (CLI)",
    "re-run (terminal)": "re-run, no change, terminal table",
    "re-run +1%": "re-run after 1% new mail (CLI)",
    "--help": "ghostscan --help",
}
HEADER = f"{'part':38} {'wall s':>8} {'net s':>7} {'x base':>7} {'RSS MB':>7} {'cmds':>6} {'cmd/1k':>7} {'MB in':>8} {'KB out':>8}  note"


def _fmt(value: float | None, spec: str) -> str:
    width = int(spec.split(".")[0] or 0)
    return "-".rjust(width) if value is None else format(value, spec)


def _row(name: str, part: Part, size: int, baseline: float | None) -> str:
    ratio = part.seconds / baseline if baseline and part.seconds is not None and name in ("header audit", "first audit", "baseline") else None
    per_1k = part.commands / (size / 1000) if part.commands is not None else None
    return (
        f"{LABELS.get(name, name):38} {_fmt(part.seconds, '8.3f')} {_fmt(part.net, '7.3f')} {_fmt(ratio, '7.2f')} {_fmt(part.rss_mb, '7.0f')} "
        f"{_fmt(part.commands, '6.0f')} {_fmt(per_1k, '7.2f')} {_fmt(part.bytes_in / 1e6 if part.bytes_in is not None else None, '8.2f')} "
        f"{_fmt(part.bytes_out / 1e3 if part.bytes_out is not None else None, '8.1f')}  {part.note}"
    ).rstrip()


def table(result: SizeResult) -> list[str]:
    base = result.parts.get("baseline+parse")
    lines = [HEADER]
    for name in LABELS:
        if name in result.parts:
            lines.append(_row(name, result.parts[name], result.size, base.seconds if base else None))
    return lines


def phase_lines(result: SizeResult, name: str = "first audit") -> list[str]:
    """The stages of a first audit with their wall time and share."""
    part = result.parts.get(name)
    if not part or "phases" not in part.extra:
        return []
    phases = dict(part.extra["phases"])
    read = phases.get("read", 0.0)
    sync = phases.get("sync", 0.0)
    classify = phases.get("classify", 0.0)
    body_fetch = phases.get("prefetch during classify", 0.0)
    rows = [
        ("header sync: STATUS/SEARCH/FETCH + store writes", sync),
        ("cache read + parse_headers", read - sync),
        ("learn identity", phases.get("identity", 0.0)),
        ("classify (rules; bodies they asked for are fetched below)", classify - body_fetch),
        ("  body FETCH for classification", body_fetch),
        ("threading", phases.get("thread", 0.0)),
        ("body FETCH of likely text reads", phases.get("prefetch during verdicts", 0.0)),
        ("verdicts (text reads, language layer, advice)", phases.get("verdicts", 0.0)),
    ]
    total = part.seconds or 0.0
    accounted = sum(v for k, v in rows if not k.startswith("  "))
    rows.append(("other (connect, LIST, MailTexts setup, ...)", max(0.0, total - accounted)))
    out = [f"{LABELS[name] + ': stage':58} {'s':>8} {'share':>6}"]
    out += [f"{label:58} {seconds:8.2f} {seconds / total if total else 0:6.0%}" for label, seconds in rows]
    if name == "first audit":
        header_phase = read + phases.get("identity", 0.0) + (classify - body_fetch) + phases.get("thread", 0.0)
        out.append(f"{'header phase within the full run (sync..threading, no body FETCH)':58} {header_phase:8.2f}")
    return out


def exponents(results: list[SizeResult]) -> list[str]:
    """Scaling exponent log(t2/t1)/log(n2/n1) of each part between consecutive sizes."""
    lines = []
    pairs = list(zip(results, results[1:]))
    if not pairs:
        return lines
    heads = " ".join(f"{f'{a.size // 1000}k→{b.size // 1000}k':>10}" for a, b in pairs)
    lines.append(f"{'part':38} {heads}")
    for name in LABELS:
        cells = []
        for a, b in pairs:
            pa, pb = a.parts.get(name), b.parts.get(name)
            ta, tb = (pa.figure if pa else None), (pb.figure if pb else None)
            if ta and tb and ta > 0 and tb > 0 and "stopped" not in (pa.note + pb.note):
                cells.append(f"{math.log(tb / ta) / math.log(b.size / a.size):10.2f}")
            else:
                cells.append(f"{'-':>10}")
        if any(c.strip() != "-" for c in cells):
            lines.append(f"{LABELS[name]:38} {' '.join(cells)}")
    return lines


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    ratio: str
    met: bool | None


def targets(results: list[SizeResult]) -> tuple[int, list[Target]]:
    """The targets at the largest size measured (100,000 when run as documented)."""
    top = results[-1]
    p = top.parts
    out: list[Target] = []

    def fig(name: str) -> float | None:
        return p[name].figure if name in p and "stopped" not in p[name].note else None

    base = fig("baseline+parse")
    header = fig("header audit")
    out.append(Target(
        "header phase <= 2x raw header fetch with parsing",
        f"{header:.2f} s vs {base:.2f} s" if header and base else "not measured",
        f"{header / base:.2f}x" if header and base else "-",
        header / base <= 2 if header and base else None,
    ))  # fmt: skip
    first = fig("first audit")
    out.append(Target("whole first audit <= 20 s", f"{first:.1f} s" if first else _why(p, "first audit"), f"{first / 20:.2f} of target" if first else "-", first <= 20 if first else None))
    rerun = fig("re-run")
    out.append(Target("no-change re-run <= 0.5 s on top of interpreter start", f"{rerun:.2f} s" if rerun is not None else "not measured", f"{rerun / 0.5:.2f} of target" if rerun is not None else "-", rerun <= 0.5 if rerun is not None else None))
    new = fig("re-run +1%")
    out.append(Target("re-run after 1% new mail <= 1 s (on top of interpreter start)", f"{new:.2f} s" if new is not None else "not measured", f"{new:.2f} of target" if new is not None else "-", new <= 1 if new is not None else None))
    # A helper process of an audit (the text read-ahead worker) counts as a ghostscan process too.
    rss = max(max(part.rss_mb or 0, part.extra.get("helper_rss_mb") or 0) for name, part in p.items() if name not in ("baseline", "baseline+parse", "--help"))
    out.append(Target("peak RSS <= 300 MB (largest of ghostscan's runs)", f"{rss:.0f} MB", f"{rss / 300:.2f} of target", rss <= 300))
    store = max([part.extra.get("store_bytes", 0) for part in p.values()] + [0]) / 1e6
    out.append(Target("store on disk <= 100 MB", f"{store:.1f} MB" if store else "not measured", f"{store / 100:.2f} of target" if store else "-", store <= 100 if store else None))
    thread = fig("threading")
    out.append(Target("threading alone <= 1 s", f"{thread:.2f} s" if thread else "not measured", f"{thread:.2f} of target" if thread else "-", thread <= 1 if thread else None))
    help_s = p["--help"].seconds if "--help" in p else None
    out.append(Target("ghostscan --help <= 0.3 s (wall, interpreter included)", f"{help_s:.3f} s" if help_s else "-", f"{help_s / 0.3:.2f} of target" if help_s else "-", help_s <= 0.3 if help_s else None))
    exps = []
    for a, b in zip(results, results[1:]):
        pa, pb = a.parts.get("first audit"), b.parts.get("first audit")
        if pa and pb and pa.seconds and pb.seconds and "stopped" not in (pa.note + pb.note):
            exps.append((a.size, b.size, math.log(pb.seconds / pa.seconds) / math.log(b.size / a.size)))
    if exps:
        last = exps[-1]
        out.append(Target(
            "scaling linear (first audit exponent <= 1.1)",
            "; ".join(f"{x:.2f} ({a // 1000}k→{b // 1000}k)" for a, b, x in exps),
            f"{last[2]:.2f}",
            last[2] <= 1.1,
        ))  # fmt: skip
    else:
        out.append(Target("scaling linear (first audit exponent <= 1.1)", "needs two sizes", "-", None))
    per_1k = [(r.size, r.parts["first audit"].commands / (r.size / 1000)) for r in results if "first audit" in r.parts and r.parts["first audit"].commands and "stopped" not in r.parts["first audit"].note]
    if len(per_1k) >= 2:
        grows = any(b[1] > a[1] * 1.05 for a, b in zip(per_1k, per_1k[1:]))
        out.append(Target("IMAP commands per 1k messages do not grow (first audit)", ", ".join(f"{v:.1f} at {n // 1000}k" for n, v in per_1k), "-", not grows))
    else:
        out.append(Target("IMAP commands per 1k messages do not grow (first audit)", "needs two sizes", "-", None))
    return top.size, out


def _why(parts: dict[str, Part], name: str) -> str:
    part = parts.get(name)
    return part.note if part and part.note else "not measured"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    from servers.dovecot import find_dovecot

    binary = find_dovecot()
    dovecot = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip() if binary else "not installed"
    return {
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "dovecot": dovecot,
        "os": f"{platform.system()} {platform.release()}",
        "ghostscan": ghostscan_version(),
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def ghostscan_version() -> str:
    """The commit of the code measured, and whether ghostscan/ had uncommitted changes."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "ghostscan"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    return (commit or "unknown") + (" with uncommitted changes in ghostscan/" if dirty else "")


def interpreter_start() -> float:
    """Median wall time of ``python -c pass`` (5 runs): what every CLI run pays first."""
    return statistics.median(run_child([PYTHON, "-c", "pass"]).seconds for _ in range(5))


def write_results(results: list[SizeResult], info: dict[str, str], interpreter: float, started: float) -> str:
    size, checks = targets(results)
    lines = [
        "# ghostscan benchmark results",
        "",
        "Written by `benchmarks/run.py` (see benchmarks/README.md for what each number means). Do not",
        "edit by hand; run the benchmark again.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['nproc']} CPUs available",
        f"- RAM: {info['ram']}",
        f"- OS: {info['os']}; Python {info['python']}; Dovecot {info['dovecot']}",
        f"- ghostscan at commit {info['ghostscan']}; run on {info['date']}, {time.perf_counter() - started:.0f} s in all",
        f"- interpreter start (`python -c pass`, median of 5): {interpreter * 1000:.0f} ms",
        "",
        f"## Targets at {size:,} messages",
        "",
    ]
    if size != 100_000:
        lines += [f"Measured at {size:,} messages, the largest size of this run, not at 100,000.", ""]
    lines += ["| target | measured | ratio | |", "|---|---|---|---|"]
    for t in checks:
        lines.append(f"| {t.name} | {t.measured} | {t.ratio} | {'met' if t.met else 'missed' if t.met is False else 'n/a'} |")
    for result in results:
        m = result.mailbox
        lines += [
            "",
            f"## {result.size:,} messages",
            "",
            f"Mailbox: {m.get('messages', 0):,} messages, {m.get('bytes', 0) / 1e6:,.0f} MB (average {m.get('bytes', 0) / max(m.get('messages', 1), 1) / 1024:.1f} KiB), "
            f"{m.get('customers', 0):,} customers; generated in {m.get('generate_seconds', 0):.1f} s, indexed by Dovecot in {m.get('index_seconds', 0):.1f} s (untimed). "
            f"ghostscan at {m.get('ghostscan', 'unknown')}.",
            "",
            "```",
            *table(result),
            "```",
        ]
        mixes = [(LABELS.get(name, name), _command_mix(part)) for name, part in result.parts.items()]
        mixes = [(label, mix) for label, mix in mixes if mix]
        if mixes:
            lines += ["", "IMAP commands on the wire (last run of each part):", ""] + [f"- {label}: {mix}" for label, mix in mixes]
        for name in ("header audit", "first audit"):
            phases = phase_lines(result, name)
            if phases:
                lines += ["", "```", *phases, "```"]
        stores = [(LABELS[name], part.extra["store_bytes"]) for name, part in result.parts.items() if part.extra.get("store_bytes")]
        if stores:
            lines += ["", "Store on disk (SQLite file with -wal and -shm): " + "; ".join(f"after the {label}: {size / 1e6:.1f} MB ({size / result.size / 1024:.1f} KiB per message)" for label, size in stores) + "."]
        first = result.parts.get("first audit")
        if first and first.extra.get("verdicts"):
            e = first.extra
            lines += [
                "",
                f"First audit: {e.get('messages', 0):,} messages, {e.get('fetched_headers', 0):,} header FETCHed, {e.get('bodies_read', 0):,} bodies read, "
                f"{e.get('conversations', 0):,} conversations reported, {e.get('problems', 0)} problems; IMAP commands by ImapSession: "
                + ", ".join(f"{k} {v}" for k, v in sorted(e.get("session_commands", {}).items()))
                + ".",
                "Verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(e["verdicts"].items(), key=lambda kv: -kv[1])) + ".",
            ]
            if "helper_cpu_seconds" in e:
                lines.append(
                    f"CPU of the first audit (last run, whole process): {e['cpu_seconds']:.1f} s; of its helper processes "
                    f"(header parsing, text read-ahead): {e['helper_cpu_seconds']:.1f} s, the largest at {e['helper_rss_mb']:.0f} MB peak RSS."
                )
        for note in result.notes:
            lines += ["", f"Note: {note}."]
        for label, profile in result.profiles.items():
            lines += ["", f"cProfile of the {label} at {result.size:,} (profiling slows it):", "", "```", profile.strip(), "```"]
    scaling = exponents(results)
    if scaling:
        lines += ["", "## Scaling exponents", "", "log(t2/t1) / log(n2/n1): 1.0 is linear (net times for CLI runs).", "", "```", *scaling, "```"]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    from servers.dovecot import find_dovecot

    if find_dovecot() is None:
        print("benchmarks/run.py needs Dovecot: apt-get install dovecot-imapd", file=sys.stderr)
        return 2
    sizes = [int(s.replace("_", "")) for s in os.environ.get("GHOSTSCAN_BENCH_SIZES", "1000,10000,100000").split(",") if s.strip()]
    timeout = float(os.environ.get("GHOSTSCAN_BENCH_TIMEOUT", "300"))
    keep = os.environ.get("GHOSTSCAN_BENCH_KEEP") == "1"
    started = time.perf_counter()
    info = machine()
    # Byte-compiled as pip compiles an installed package: with PYTHONDONTWRITEBYTECODE set
    # (as on CI machines) every CLI run would otherwise compile ghostscan's sources anew.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "ghostscan")], check=True, stdout=subprocess.DEVNULL)
    interpreter = interpreter_start()
    print(f"{info['cpu']}, {info['nproc']} CPUs, {info['ram']}, Python {info['python']}, Dovecot {info['dovecot']}; python -c pass {interpreter * 1000:.0f} ms", flush=True)
    results = []
    for size in sorted(sizes):
        print(f"\n== {size:,} messages", flush=True)
        print(f"    {HEADER}", flush=True)
        results.append(measure_size(size, interpreter=interpreter, timeout=timeout, keep=keep))
        write_results(results, info, interpreter, started)
    for result in results:
        print(f"\n== {result.size:,} messages")
        print("\n".join(table(result)))
        for name in ("header audit", "first audit"):
            print("\n".join(phase_lines(result, name)))
        for note in result.notes:
            print(f"note: {note}")
    scaling = exponents(results)
    if scaling:
        print("\nscaling exponents log(t2/t1)/log(n2/n1):")
        print("\n".join(scaling))
    size, checks = targets(results)
    print(f"\ntargets at {size:,} messages:")
    for t in checks:
        print(f"  {'met   ' if t.met else 'MISSED' if t.met is False else 'n/a   '} {t.name}: {t.measured} ({t.ratio})")
    for result in results:
        for label, profile in result.profiles.items():
            print(f"\ncProfile of the {label} at {result.size:,}:\n{profile}")
    print(f"\nwritten {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        sys.exit(worker_main(sys.argv[2], sys.argv[3]))
    sys.exit(main())
