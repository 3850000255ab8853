"""Headless Chromium driven over the DevTools protocol on a pipe, for the HTML report test.

``--remote-debugging-pipe`` makes Chromium read protocol commands from fd 3 and write
replies and events to fd 4, each a JSON object ending in a NUL byte. That needs no
port, no websocket library and no browser download: Debian's ``chromium`` is enough.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)

# A guard against a hung browser, not a timing assertion.
REPLY_TIMEOUT = 120


def find_chromium() -> str | None:
    """The chromium binary, or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class DevToolsError(RuntimeError):
    """Chromium answered a command with an error, or went away."""


class Chromium:
    """One headless Chromium with a fresh profile; `send` runs a DevTools command.

    Events (``Network.requestWillBeSent`` …) are kept in `events` in arrival order.
    """

    def __init__(self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int):
        self.process = process
        self._to = to_browser
        self._from = from_browser
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, binary: str, profile: Path) -> "Chromium":
        commands_r, commands_w = os.pipe()
        replies_r, replies_w = os.pipe()

        def plumb() -> None:  # in the child: the pipe ends where Chromium expects them
            high_r = fcntl.fcntl(commands_r, fcntl.F_DUPFD, 10)  # neither end may sit on 3 or 4 yet
            high_w = fcntl.fcntl(replies_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        # subprocess closes the child's other descriptors after preexec_fn: keep 3 and 4.
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=plumb,
            pass_fds=(3, 4),
        )
        os.close(commands_r)
        os.close(replies_w)
        return cls(process, commands_w, replies_r)

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from, 1 << 16)
            if not chunk:
                self._replies.put({"closed": True})
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    self._replies.put(message)
                else:
                    self.events.append(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Run *method* and return its result.

        Raises:
            DevToolsError: the command failed or Chromium exited.
        """
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to, json.dumps(command).encode() + b"\0")
        while True:
            try:
                reply = self._replies.get(timeout=REPLY_TIMEOUT)
            except queue.Empty:
                raise DevToolsError(f"no reply to {method}") from None
            if reply.get("closed"):
                raise DevToolsError(f"chromium exited during {method}")
            if reply["id"] == self._next_id:
                break
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_for_event(self, method: str, after: int = 0) -> dict[str, Any]:
        """The first event named *method* at index *after* or later (polls the event list)."""
        import time

        for _ in range(REPLY_TIMEOUT * 20):
            for event in self.events[after:]:
                if event.get("method") == method:
                    return event
            time.sleep(0.05)
        raise DevToolsError(f"no {method} event")

    def stop(self) -> None:
        try:
            self.send("Browser.close")
        except DevToolsError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to)
        self._reader.join(timeout=5)
        os.close(self._from)
