"""The embedded store: per-folder IMAP sync state and a header cache in one SQLite file.

`open_store` opens (creating and migrating) the store; `ghostscan.store.sync_state` is
what the IMAP source calls, with plain frozen dataclasses in and out. A message's header
fields are kept parsed (`load_metas` gives them back as `MessageMeta` without a parse), and
`mailbox_fingerprint` changes whenever the synced mailbox does. The default file is
``Environment.state_dir / "store.sqlite"``; `delete_store` removes it for
``ghostscan cache rebuild``.
"""

from ghostscan.store.db import DEFAULT_BUSY_TIMEOUT, Store, delete_store, open_store
from ghostscan.store.errors import StoreCorruptError, StoreError, StoreLockedError
from ghostscan.store.migrations import MIGRATIONS, AppliedMigration, Migration
from ghostscan.store.sync_state import (
    CachedMessage,
    FolderState,
    MetaRow,
    cached_uids,
    count_messages,
    delete_messages,
    get_folder,
    iter_messages,
    iter_metas,
    list_folders,
    load_metas,
    mailbox_fingerprint,
    put_messages,
    remove_account,
    remove_folder,
    reset_folder,
    save_folder,
    update_flags,
)

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "MIGRATIONS",
    "AppliedMigration",
    "CachedMessage",
    "FolderState",
    "MetaRow",
    "Migration",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "cached_uids",
    "count_messages",
    "delete_messages",
    "delete_store",
    "get_folder",
    "iter_messages",
    "iter_metas",
    "list_folders",
    "load_metas",
    "mailbox_fingerprint",
    "open_store",
    "put_messages",
    "remove_account",
    "remove_folder",
    "reset_folder",
    "save_folder",
    "update_flags",
]
