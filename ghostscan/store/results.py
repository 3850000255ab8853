"""`StoredResults`: a per-run view of the results table for one account."""

from __future__ import annotations

from ghostscan.sources.base import MessageRef
from ghostscan.store import sync_state
from ghostscan.store.db import Store


# Results kept in memory before they are written: a first audit of 100,000 messages
# makes some 110,000 (kinds, text readings, "lacks" marks), 15 MB held until the scan
# ended. Written every so many, in a transaction per folder, they cost a few more commits.
WRITE_EVERY = 10_000


class StoredResults:
    """Reads an account's cached results folder by folder; writes them in batches.

    Args:
        store: the open store.
        account: the account's name.
        version: the rules version results must carry to count (see
            `ghostscan.classify.results.rules_version`).
    """

    def __init__(self, store: Store, account: str, version: str):
        self._store = store
        self._account = account
        self._version = version
        self._loaded: dict[str, dict[tuple[int, str], str]] = {}
        self._pending: dict[str, list[tuple[int, str, str]]] = {}
        self._count = 0

    def get(self, ref: MessageRef, name: str) -> str | None:
        """The cached JSON result *name* (``"kind"``, ``"text"``) of a message, or None."""
        folder = self._loaded.get(ref.folder)
        if folder is None:
            folder = self._loaded[ref.folder] = sync_state.get_results(self._store, self._account, ref.folder, self._version)
        return folder.get((int(ref.key), name))

    def put(self, ref: MessageRef, name: str, value: str) -> None:
        """Keep a result; written with the next `WRITE_EVERY` results, or by `flush`."""
        self._pending.setdefault(ref.folder, []).append((int(ref.key), name, value))
        self._count += 1
        if self._count >= WRITE_EVERY:
            self._write()

    def _write(self) -> None:
        for folder, rows in self._pending.items():
            sync_state.put_results(self._store, self._account, folder, self._version, rows)
        self._pending.clear()
        self._count = 0

    def flush(self) -> None:
        """Write the kept results, one transaction per folder, then drop the body starts.

        Once a message's results are kept its body is not needed again until the rules
        change (then it is fetched anew); keeping bodies would make the store grow by
        tens of KiB per message (attachments included), measured 21.5 KiB at 1,000.
        The body starts stay until then: a body fetched for a later reading is still read.

        The results read so far are forgotten too (a later `get` reads its folder
        again): a scan flushes once it has decided, and what it does after that (report
        rows, the kept snapshot) needs the 35 MB they took at 100,000 messages more.
        """
        self._write()
        self._loaded.clear()
        sync_state.drop_bodies(self._store, self._account)
