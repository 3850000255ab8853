"""What every subcommand receives: the environment and the (lazily loaded) settings."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ghostscan.environment import Environment
from ghostscan.settings import Settings, find_config_file, load_settings


@dataclass
class AppContext:
    """Shared state of one ``ghostscan`` invocation.

    Attributes:
        env: the outside world.
        config: ``--config`` as given, or None.
        verbosity: -1 quiet, 0 normal, 1+ verbose.
        debug: show tracebacks.
        lock_wait: ``--wait``: seconds to wait for another run's lock on the store.
    """

    env: Environment
    config: str | None = None
    verbosity: int = 0
    debug: bool = False
    lock_wait: float = 0.0
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """Load the settings once (``--config``, ``$GHOSTSCAN_CONFIG``, XDG default, defaults).

        Raises:
            ConfigError: the config file is missing (when named), unreadable or invalid.
        """
        if self._settings is None:
            self._settings = load_settings(find_config_file(self.config, self.env))
        return self._settings

    def store_path(self) -> Path:
        """The store file: ``store.path`` from the config, else ``$XDG_STATE_HOME/ghostscan/store.sqlite``."""
        configured = self.settings().store.path
        return Path(configured).expanduser() if configured else self.env.state_dir / "store.sqlite"

    @contextmanager
    def store_lock(self) -> Iterator[Path]:
        """Hold the store's run lock for the block: one run per store at a time.

        Every command that reads or writes the store wraps its work in this (``audit
        --account``, ``cache rebuild``, the daemon's jobs, ``digest``, ``spam-check``). It
        waits up to ``--wait`` seconds for another run; nested use in the same thread (a
        daemon job running a command in-process) is free.

        Example:
            >>> with app.store_lock():  # doctest: +SKIP
            ...     result = scan_account(name, app.settings(), env=app.env, store_path=app.store_path(), now=now)

        Yields:
            The store file.

        Raises:
            StoreBusyError: another run holds the lock for longer than ``--wait`` (exit 9).
            ConfigError: the settings cannot be loaded.
        """
        from ghostscan.schedule.lock import run_lock

        path = self.store_path()
        with run_lock(path, wait=self.lock_wait):
            yield path

    def for_job(self) -> "AppContext":
        """A fresh context with the same environment, flags and loaded settings.

        For running a command in-process (the daemon's jobs): the settings are not read
        again, and the command's own state stays out of this one.
        """
        return AppContext(
            env=self.env,
            config=self.config,
            verbosity=self.verbosity,
            debug=self.debug,
            lock_wait=self.lock_wait,
            _settings=self.settings(),
        )
