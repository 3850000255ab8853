"""Two runs on one store never overlap: the second fails with exit 9, or waits with --wait.

Both runs are real processes: the lock is the kernel's, and so is the proof.
"""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from ghostscan.status import ExitStatus

HOLDER = """
import sys
from ghostscan.schedule.lock import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def write_config(tmp_path):
    store = tmp_path / "state" / "store.sqlite"
    config = tmp_path / "ghostscan.yaml"
    # Port 1 on loopback: nothing listens, so a run that gets past the lock fails fast (exit 6).
    account = {"host": "127.0.0.1", "port": 1, "security": "none", "username": "anna", "password_env": "GS_PW", "timeout": 2}
    config.write_text(yaml.safe_dump({"store": {"path": str(store)}, "accounts": {"work": account}}), encoding="utf-8")
    return config, store


def ghostscan(*args, **kwargs):
    env = {**os.environ, "GS_PW": "secret"}
    return subprocess.Popen([sys.executable, "-m", "ghostscan", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kwargs)


def hold(store):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "held\n"
    return proc


def test_second_run_on_the_same_store_fails_with_exit_9_naming_the_holder(tmp_path):
    config, store = write_config(tmp_path)
    holder = hold(store)
    try:
        for args in (
            ["audit", "--account", "work"],
            ["cache", "rebuild", "--account", "work"],
            ["digest", "--account", "work"],
            ["spam-check", "--account", "work"],
        ):
            out, err = ghostscan("--config", str(config), *args).communicate()
            assert err == f"ghostscan: error: store {store} is in use by another ghostscan run (pid {holder.pid}); try again later or pass --wait SECONDS\n"
            assert out == ""
    finally:
        holder.communicate("")
    proc = ghostscan("--config", str(config), "audit", "--account", "work")
    proc.communicate()
    assert proc.returncode == ExitStatus.CONNECTION, "without the other run it gets past the lock to the (absent) server"


def test_exit_code_of_a_busy_store_is_9(tmp_path):
    config, store = write_config(tmp_path)
    holder = hold(store)
    try:
        proc = ghostscan("--config", str(config), "-q", "audit", "--account", "work")
        proc.communicate()
    finally:
        holder.communicate("")
    assert proc.returncode == ExitStatus.BUSY == 9


def test_wait_lets_the_second_run_start_once_the_first_ends(tmp_path):
    config, store = write_config(tmp_path)
    holder = hold(store)
    second = ghostscan("-v", "--wait", "120", "--config", str(config), "audit", "--account", "work")
    try:
        line = second.stderr.readline()
        assert line == f"ghostscan: INFO: store {store} is in use by pid {holder.pid}; waiting up to 120 s\n"
    finally:
        holder.communicate("")
    _, rest = second.communicate()
    assert second.returncode == ExitStatus.CONNECTION, rest
    assert "in use" not in rest


def test_local_mailbox_needs_no_lock(tmp_path):
    """`audit --source` never touches the store, so a busy store does not stop it."""
    config, store = write_config(tmp_path)
    samples = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "mailbox")
    holder = hold(store)
    try:
        proc = ghostscan("--config", str(config), "audit", "--source", samples, "--format", "csv")
        out, err = proc.communicate()
    finally:
        holder.communicate("")
    assert proc.returncode == ExitStatus.OK, err
    assert out.startswith("id,verdict,")
