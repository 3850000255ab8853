"""The error boundary: every error becomes one stderr line and an `ExitStatus`.

The traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Callable, TextIO

import click

from ghostscan.errors import AuthError, ConfigError, GhostscanError, NetworkError, SourceError
from ghostscan.status import ExitStatus

_STATUS: tuple[tuple[type[GhostscanError], ExitStatus], ...] = (
    (ConfigError, ExitStatus.CONFIG),
    (SourceError, ExitStatus.SOURCE),
    (AuthError, ExitStatus.AUTH),
    (NetworkError, ExitStatus.CONNECTION),
)


def status_for(error: GhostscanError) -> ExitStatus:
    """The exit code for a ghostscan error (most specific class first)."""
    from ghostscan.notify.errors import DeliveryRefusedError
    from ghostscan.notify.ledger import LedgerError
    from ghostscan.schedule.lock import StoreBusyError
    from ghostscan.store.errors import StoreError

    if isinstance(error, StoreBusyError):
        return ExitStatus.BUSY
    if isinstance(error, (StoreError, LedgerError)):
        return ExitStatus.STORE
    if isinstance(error, DeliveryRefusedError):
        return ExitStatus.SEND
    for cls, status in _STATUS:
        if isinstance(error, cls):
            return status
    return ExitStatus.ERROR


def run_guarded(run: Callable[[], int], stderr: TextIO, *, debug: bool) -> int:
    """Call *run*; turn whatever escapes into one ``ghostscan: error: …`` line and a code."""
    try:
        return run()
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show(file=stderr)
        return ExitStatus.USAGE if isinstance(exc, click.UsageError) else ExitStatus.ERROR
    except click.exceptions.Abort:
        stderr.write("ghostscan: interrupted\n")
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        stderr.write("ghostscan: interrupted\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`ghostscan audit | head`): stop quietly, as cat and grep do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.OK
    except GhostscanError as exc:
        if debug:
            traceback.print_exc(file=stderr)
        stderr.write(f"ghostscan: error: {exc}\n")
        return status_for(exc)
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: no traceback for users unless --debug
        if debug:
            traceback.print_exc(file=stderr)
            hint = ""
        else:
            hint = " (run with --debug for the traceback)"
        stderr.write(f"ghostscan: error: unexpected {type(exc).__name__}: {exc}{hint}\n")
        return ExitStatus.ERROR
