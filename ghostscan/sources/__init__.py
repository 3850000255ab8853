"""Mailbox sources: where raw messages come from (Maildir, mbox, .eml folders; IMAP later).

`open_source` picks the reader for a local path; every reader implements `Source`.
"""

from typing import TYPE_CHECKING, Any

from ghostscan.sources.base import Folder, FolderRole, MessageRef, RawMessage, Source

if TYPE_CHECKING:
    from ghostscan.sources.open import open_source

__all__ = ["Folder", "FolderRole", "MessageRef", "RawMessage", "Source", "open_source"]


def __getattr__(name: str) -> Any:
    # `open_source` on first use: it loads every local reader (mbox, .eml, Maildir), which
    # an IMAP run, and everything that imports `sources.base`, never needs.
    if name == "open_source":
        from ghostscan.sources.open import open_source

        return open_source
    raise AttributeError(f"module 'ghostscan.sources' has no attribute {name!r}")
