"""`StoredSnapshots`: an account's last scan result, reused while nothing it depends on changed."""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterable

from ghostscan.sources.base import Folder
from ghostscan.store import sync_state
from ghostscan.store.db import Store


class StoredSnapshots:
    """Keeps one snapshot (bytes) per account under a key of what it was computed from.

    Args:
        store: the open store.
        account: the account's name.
        sync: brings one folder's cached headers up to date with the server.
    """

    def __init__(self, store: Store, account: str, sync: Callable[[Folder], None]):
        self._store = store
        self._account = account
        self._sync = sync

    def key(self, folders: Iterable[Folder], extra: str, progress: Any = None) -> str:
        """Sync *folders*, then digest their sync states with *extra* (settings, code).

        *progress* (a `ghostscan.pipeline.Progress`) hears of each folder as it is synced.

        Any new, expunged or (on a CONDSTORE server) re-flagged message changes a
        folder's UIDNEXT, message count or HIGHESTMODSEQ, and with it the key.

        Raises:
            NetworkError: a folder could not be synced.
            StoreError: SQLite failed.
        """
        digest = hashlib.sha1(extra.encode("utf-8", "surrogateescape"))
        folders = list(folders)
        for index, folder in enumerate(folders):
            if progress is not None:
                progress.folder(folder, index, len(folders))
            self._sync(folder)
        states = {s.folder: s for s in sync_state.list_folders(self._store, self._account)}
        for folder in folders:
            state = states.get(folder.name)
            count = sync_state.count_messages(self._store, self._account, folder.name)
            seen = (state.uidvalidity, state.uidnext, state.highestmodseq) if state else None
            digest.update(repr((folder.name, folder.role.value, seen, count)).encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def load(self, key: str) -> bytes | None:
        """The snapshot kept under *key*, or None (none kept, or kept under another key)."""
        with self._store.reading() as conn:
            row = conn.execute("SELECT data FROM snapshots WHERE account = ? AND key = ?", (self._account, key)).fetchone()
        return bytes(row[0]) if row else None

    def save(self, key: str, data: bytes) -> None:
        """Keep *data* as the account's snapshot under *key*, replacing the one before."""
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO snapshots (account, key, data) VALUES (?, ?, ?) "
                "ON CONFLICT (account) DO UPDATE SET key = excluded.key, data = excluded.data",
                (self._account, key, data),
            )
