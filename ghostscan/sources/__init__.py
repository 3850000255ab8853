"""Mailbox sources: where raw messages come from (Maildir, mbox, .eml folders; IMAP later).

`open_source` picks the reader for a local path; every reader implements `Source`.
"""

from ghostscan.sources.base import Folder, FolderRole, MessageRef, RawMessage, Source
from ghostscan.sources.open import open_source

__all__ = ["Folder", "FolderRole", "MessageRef", "RawMessage", "Source", "open_source"]
