"""Exit codes: the only place they are defined.

Documented in the README ("Exit codes"); `tests/cli/test_exit_status.py` checks them.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes of the ``ghostscan`` command."""

    OK = 0
    """The run completed."""
    ERROR = 1
    """An output file could not be written, or an unexpected error (a bug; rerun with --debug for the traceback)."""
    USAGE = 2
    """Wrong command-line usage (unknown option, bad value)."""
    CONFIG = 3
    """The configuration is invalid or missing a required key."""
    SOURCE = 4
    """The mailbox could not be read (missing path, not a mailbox)."""
    AUTH = 5
    """The server rejected the credentials."""
    CONNECTION = 6
    """The server could not be reached, dropped the connection or timed out."""
    PARTIAL = 7
    """The run completed, but some messages could not be read (reported, not fatal)."""
    STORE = 8
    """The local store is locked by another run, corrupt, or from a newer ghostscan."""
    BUSY = 9
    """Another ghostscan run holds the store's run lock (``--wait SECONDS`` waits for it)."""
    FOUND = 10
    """`spam-check` found customer mail in Junk (for cron and monitoring)."""
    SEND = 11
    """The mail server refused the digest (sender, recipients or content); it was kept on disk."""
    INTERRUPTED = 130
    """Interrupted by Ctrl-C (SIGINT)."""
