"""The outside world, in one object.

Streams, terminal detection, environment variables, XDG directories and the clock live
here; no other module reads ``os.environ`` or calls ``datetime.now()``. Tests pass an
`Environment` built with their own values instead of monkeypatching.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping, TextIO


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Environment:
    """What ghostscan may know about the process it runs in.

    Args:
        stdout: where reports go.
        stderr: where logs, progress and errors go.
        environ: environment variables (read-only view).
        now: the clock; returns an aware datetime.
    """

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    now: Callable[[], datetime] = _utcnow

    @property
    def stdout_isatty(self) -> bool:
        return bool(getattr(self.stdout, "isatty", lambda: False)())

    @property
    def stderr_isatty(self) -> bool:
        return bool(getattr(self.stderr, "isatty", lambda: False)())

    def _xdg(self, var: str, default: str) -> Path:
        value = self.environ.get(var)
        base = Path(value) if value else Path(self.environ.get("HOME", "~")).expanduser() / default
        return base / "ghostscan"

    @property
    def config_dir(self) -> Path:
        """``$XDG_CONFIG_HOME/ghostscan`` (default ``~/.config/ghostscan``)."""
        return self._xdg("XDG_CONFIG_HOME", ".config")

    @property
    def state_dir(self) -> Path:
        """``$XDG_STATE_HOME/ghostscan`` (default ``~/.local/state/ghostscan``)."""
        return self._xdg("XDG_STATE_HOME", ".local/state")
