"""One run per store at a time.

Two ghostscan runs on the same store (a cron job and the daemon, two cron lines that
overlap, a user running ``audit --account`` by hand) would sync the same folders twice and
fight over SQLite's write lock half-way through. So every command that uses the store takes
the run lock first: an exclusive ``flock(2)`` on a file beside the store
(``store.sqlite.lock``), holding the holder's pid for the message the next run shows.

``flock`` belongs to the open file, so the kernel drops it when the process dies, however it
dies (SIGKILL, OOM, power loss leaves no process to hold it): a stale lock file is never a
problem and is never deleted. Within one process the lock is re-entrant for the thread that
holds it, so a daemon job that holds it can run a command in-process that asks for it again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ghostscan.errors import OperationError

__all__ = ["StoreBusyError", "lock_path_for", "run_lock"]

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.1


class StoreBusyError(OperationError):
    """Another ghostscan run holds the store's run lock.

    Attributes:
        store: the store file.
        pid: the holder's process id, when it could be read.
        waited: seconds this run waited before giving up.
    """

    def __init__(self, store: Path | str, pid: int | None, waited: float = 0.0):
        self.store = str(store)
        self.pid = pid
        self.waited = waited
        super().__init__(str(self))

    def __str__(self) -> str:
        holder = f"another ghostscan run (pid {self.pid})" if self.pid else "another ghostscan run"
        after = f" after waiting {self.waited:g} s" if self.waited else ""
        return f"store {self.store} is in use by {holder}{after}; try again later or pass --wait SECONDS"


@dataclass
class _Held:
    thread: int
    depth: int
    fd: int


# The locks this process holds, by lock file. flock conflicts between two open files of
# the same process too, so a nested request from the holding thread must not open it again.
_held: dict[Path, _Held] = {}
_held_guard = threading.Lock()


def lock_path_for(store: Path | str) -> Path:
    """The lock file of *store*: ``store.sqlite`` → ``store.sqlite.lock`` beside it."""
    store = Path(store)
    return store.with_name(store.name + ".lock")


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _try_take(path: Path) -> tuple[int | None, int | None]:
    """Open and lock *path*; returns (fd, None) on success, (None, holder pid) when busy."""
    with _held_guard:
        held = _held.get(path)
        if held is not None:
            if held.thread == threading.get_ident():
                held.depth += 1
                return held.fd, None
            return None, os.getpid()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            return None, pid
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        _held[path] = _Held(threading.get_ident(), 1, fd)
        return fd, None


def _release(path: Path) -> None:
    with _held_guard:
        held = _held[path]
        held.depth -= 1
        if held.depth:
            return
        del _held[path]
        # The pid goes before the lock does, so a waiting run never reads a stale holder.
        os.ftruncate(held.fd, 0)
        os.close(held.fd)


@contextmanager
def run_lock(
    store: Path | str,
    *,
    wait: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Path]:
    """Hold the run lock of *store* for the block.

    Args:
        store: the store file (it need not exist yet; its directory is created).
        wait: seconds to wait for a busy lock; 0 fails at once.
        clock, sleep: for tests that must not wait in real time.

    Yields:
        The lock file.

    Raises:
        StoreBusyError: another run (another process, or another thread of this one) held
            the lock for longer than *wait*.
        StoreError: the lock file cannot be created.
    """
    path = lock_path_for(store).absolute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        from ghostscan.store.errors import StoreError

        raise StoreError(store, f"cannot create the lock file's directory: {exc.strerror or exc}") from None
    started = clock()
    announced = False
    while True:
        try:
            fd, holder = _try_take(path)
        except OSError as exc:
            from ghostscan.store.errors import StoreError

            raise StoreError(store, f"cannot open the lock file {path}: {exc.strerror or exc}") from None
        if fd is not None:
            break
        waited = clock() - started
        if waited >= wait:
            raise StoreBusyError(store, holder, waited=wait)
        if not announced:
            announced = True
            log.info("store %s is in use by pid %s; waiting up to %g s", store, holder or "?", wait)
        sleep(min(_POLL_SECONDS, wait - waited))
    try:
        yield path
    finally:
        _release(path)
