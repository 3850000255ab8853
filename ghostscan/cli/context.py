"""What every subcommand receives: the environment and the (lazily loaded) settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
    """

    env: Environment
    config: str | None = None
    verbosity: int = 0
    debug: bool = False
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
