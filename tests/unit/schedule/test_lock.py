"""The run lock: one run per store, its holder named, released however the holder ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from ghostscan.schedule.lock import StoreBusyError, lock_path_for, run_lock

HOLDER = """
import sys
from ghostscan.schedule.lock import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def start_holder(store):
    """A separate python process that holds *store*'s run lock until its stdin closes."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "held\n"
    return proc


def test_lock_file_sits_beside_the_store_and_names_the_holder(tmp_path):
    store = tmp_path / "state" / "store.sqlite"
    with run_lock(store) as lock:
        assert lock == lock_path_for(store).absolute() == tmp_path / "state" / "store.sqlite.lock"
        assert lock.read_text() == f"{os.getpid()}\n"
    assert lock.read_text() == ""
    assert lock.exists(), "the lock file stays: deleting it would race with a run opening it"


def test_second_process_fails_at_once_naming_store_and_holder(tmp_path):
    store = tmp_path / "store.sqlite"
    holder = start_holder(store)
    try:
        with pytest.raises(StoreBusyError) as caught:
            with run_lock(store):
                pass
        assert caught.value.pid == holder.pid
        assert str(caught.value) == f"store {store} is in use by another ghostscan run (pid {holder.pid}); try again later or pass --wait SECONDS"
    finally:
        holder.communicate("")
    with run_lock(store):
        pass


def test_lock_of_a_killed_process_is_free(tmp_path):
    store = tmp_path / "store.sqlite"
    holder = start_holder(store)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with run_lock(store) as lock:
        assert lock.read_text() == f"{os.getpid()}\n"


def test_wait_gives_up_after_the_given_seconds(tmp_path):
    store = tmp_path / "store.sqlite"
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    holder = start_holder(store)
    try:
        with pytest.raises(StoreBusyError) as caught:
            with run_lock(store, wait=2.5, clock=lambda: now[0], sleep=sleep):
                pass
    finally:
        holder.communicate("")
    assert now[0] - 100.0 == pytest.approx(2.5)
    assert max(sleeps) <= 0.1, "it polls, so it notices a released lock soon"
    assert "after waiting 2.5 s" in str(caught.value)


def test_wait_takes_the_lock_once_the_holder_is_gone(tmp_path):
    store = tmp_path / "store.sqlite"
    holder = start_holder(store)

    def sleep(seconds):
        # The holder ends while we wait: the next attempt must get the lock.
        if holder.poll() is None:
            holder.communicate("")

    with run_lock(store, wait=60, sleep=sleep) as lock:
        assert lock.read_text() == f"{os.getpid()}\n"
    assert holder.returncode == 0


def test_nested_use_in_the_same_thread_is_free(tmp_path):
    store = tmp_path / "store.sqlite"
    with run_lock(store) as outer:
        with run_lock(store) as inner:
            assert inner == outer
        assert outer.read_text() == f"{os.getpid()}\n", "the inner block must not release the outer one's lock"
    assert outer.read_text() == ""


def test_another_thread_of_the_same_process_is_refused(tmp_path):
    store = tmp_path / "store.sqlite"
    errors: list[BaseException] = []

    def other():
        try:
            with run_lock(store):
                pass
        except StoreBusyError as exc:
            errors.append(exc)

    with run_lock(store):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert len(errors) == 1 and errors[0].pid == os.getpid()


def test_lock_is_released_when_the_block_raises(tmp_path):
    store = tmp_path / "store.sqlite"
    with pytest.raises(RuntimeError):
        with run_lock(store):
            raise RuntimeError("boom")
    holder = start_holder(store)
    holder.communicate("")
    assert holder.returncode == 0


def test_unusable_store_directory_is_a_store_error(tmp_path):
    from ghostscan.store.errors import StoreError

    blocker = tmp_path / "state"
    blocker.write_text("a file where the store's directory should be")
    with pytest.raises(StoreError) as caught:
        with run_lock(blocker / "store.sqlite"):
            pass
    assert str(caught.value) == f"store {blocker / 'store.sqlite'}: cannot create the lock file's directory: File exists"
