"""Sync a mailbox made of the real-mail corpus from a throwaway Dovecot, twice.

Loads every corpus message by APPEND (bounces and auto-replies into INBOX, threads into
INBOX/Sent by sender, spam into Junk, malformed into "Unsortiert"), then measures with
ghostscan's IMAP source and a fresh store: the full first scan, the unchanged second
scan, and the first scan's header phase at several FETCH batch sizes. Prints wall times
and IMAP command counts. Never part of the test suite.

    GHOSTSCAN_CORPUS=../shared/corpus .venv/bin/python benchmarks/imap_corpus.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from servers.dovecot import Dovecot, DovecotUser, find_dovecot  # noqa: E402

from ghostscan.environment import Environment  # noqa: E402
from ghostscan.pipeline import scan  # noqa: E402
from ghostscan.settings import settings_from_mapping  # noqa: E402
from ghostscan.sources import imap  # noqa: E402
from ghostscan.sources.imap import ImapSource  # noqa: E402
from ghostscan.store.db import open_store  # noqa: E402

FOLDERS = {"autoreplies": "INBOX", "bounces": "INBOX", "threads": "INBOX", "spam": "Junk", "malformed": "Unsortiert"}
OWNER = b"j.kaminski@enron.com"


def load(server: Dovecot, corpus: Path) -> int:
    count = 0
    for line in (corpus / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        path = line.split("\t", 1)[0]
        raw = (corpus / path).read_bytes()
        folder = FOLDERS[path.split("/", 1)[0]]
        if folder == "INBOX" and OWNER in raw.split(b"\n\n", 1)[0].split(b"\nFrom:", 1)[-1][:200]:
            folder = "Sent"
        if raw.startswith(b"From "):
            ends = [i for i in (raw.find(b"\n"), raw.find(b"\r")) if i >= 0]
            raw = raw[min(ends) + 1 :].lstrip(b"\n") if ends else b""
        try:
            server.append("anna", folder, raw)
            count += 1
        except Exception as exc:  # noqa: BLE001 - a benchmark loader: report and go on
            print(f"  not loaded: {path}: {exc}", file=sys.stderr)
    return count


def run_scan(settings, store, env) -> tuple[float, Counter, int]:
    source = ImapSource(settings.account("corpus"), store, env)
    started = time.perf_counter()
    try:
        result = scan(source, settings, now=env.now())
    finally:
        source.close()
    return time.perf_counter() - started, source.session.commands, len(result.decisions)


def main() -> int:
    corpus = Path(os.environ.get("GHOSTSCAN_CORPUS", REPO.parent / "shared" / "corpus"))
    if not (corpus / "labels.tsv").is_file() or find_dovecot() is None:
        print("needs GHOSTSCAN_CORPUS and an installed dovecot", file=sys.stderr)
        return 2
    base = Path(tempfile.mkdtemp(prefix="gs-bm-", dir="/tmp"))
    user = DovecotUser("anna", "secret", folders={"Sent": "\\Sent", "Junk": "\\Junk", "Unsortiert": None})
    try:
        with Dovecot.start(base, [user]) as server:
            started = time.perf_counter()
            loaded = load(server, corpus)
            print(f"loaded {loaded} corpus messages by APPEND in {time.perf_counter() - started:.1f} s")
            account = {"host": server.host, "port": server.port, "security": "starttls", "username": "anna", "password_env": "BM_PW", "ca_file": str(server.ca_file)}
            settings = settings_from_mapping({"identity": {"addresses": [OWNER.decode()]}, "accounts": {"corpus": account}})
            env = Environment(environ={"BM_PW": "secret"}, now=lambda: datetime(2026, 11, 20, tzinfo=timezone.utc))
            with tempfile.TemporaryDirectory() as tmp:
                with open_store(Path(tmp) / "store.sqlite") as store:
                    for label in ("first scan", "unchanged second scan"):
                        seconds, commands, conversations = run_scan(settings, store, env)
                        listed = ", ".join(f"{k} {v}" for k, v in sorted(commands.items()))
                        print(f"{label}: {seconds:.2f} s, {sum(commands.values())} IMAP commands ({listed}); {conversations} conversations")
                for batch in (100, 250, 500, 1000, 2000):
                    imap.BATCH_SIZE = batch
                    with open_store(Path(tmp) / f"batch{batch}.sqlite") as store:
                        source = ImapSource(settings.account("corpus"), store, env)
                        started = time.perf_counter()
                        for folder in source.folders():
                            if folder.role.value not in ("trash", "drafts"):
                                source.sync(folder)
                        seconds = time.perf_counter() - started
                        source.close()
                    print(f"header sync, batch {batch:5}: {seconds:.2f} s, {source.session.commands['FETCH']} FETCH")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
