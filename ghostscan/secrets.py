"""Passwords and tokens: from an environment variable, a command, or the system keyring.

Never from the config file itself, never in a log line or a report: a `Secret` prints as
``***`` and its value is only read by the code that sends it to the server.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from typing import Mapping, Sequence

from ghostscan.errors import ConfigError


class Secret:
    """A password or token whose ``repr``/``str`` never shows the value.

    Example:
        >>> s = Secret("hunter2")
        >>> print(s, repr(s))
        *** Secret('***')
        >>> s.reveal()
        'hunter2'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        """The value itself, for the one call that sends it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


@dataclass(frozen=True)
class SecretSource:
    """Where one account's secret comes from; exactly one field is set.

    Attributes:
        env: name of an environment variable holding the secret.
        command: a command (argument list, run without a shell, like mbsync's PassCmd)
            whose first line of output is the secret.
        keyring: (service, username) in the system keyring.
        key: the config key path, for error messages (``accounts.work.password_command``).
    """

    env: str | None = None
    command: tuple[str, ...] | None = None
    keyring: tuple[str, str] | None = None
    key: str = ""

    def describe(self) -> str:
        """Where the secret comes from, without the secret (for logs and ``config check``)."""
        if self.env:
            return f"environment variable {self.env}"
        if self.command:
            return f"command {self.command[0]}"
        if self.keyring:
            return f"keyring {self.keyring[0]}/{self.keyring[1]}"
        return "nowhere"


def parse_command(value: str | Sequence[str], key: str) -> tuple[str, ...]:
    """A command from config: a list of arguments, or a string split like a shell would
    (quotes respected) but never run by one.

    Raises:
        ConfigError: empty, or unbalanced quotes.
    """
    if isinstance(value, str):
        try:
            parts = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(f"cannot split the command: {exc}", key=key) from None
    else:
        parts = [str(p) for p in value]
    if not parts:
        raise ConfigError("the command is empty", key=key)
    return tuple(parts)


def resolve_secret(source: SecretSource, environ: Mapping[str, str], *, timeout: float = 60.0) -> Secret:
    """Fetch the secret.

    Raises:
        ConfigError: the variable is unset or empty, the command cannot run, fails, times
            out or prints nothing, or the keyring has no entry (or is not installed). The
            message names the config key and never contains the secret.
    """
    if source.env:
        value = environ.get(source.env, "")
        if not value:
            raise ConfigError(f"environment variable {source.env} is not set or empty", key=source.key)
        return Secret(value)
    if source.command:
        return Secret(_run_command(source.command, source.key, timeout))
    if source.keyring:
        return Secret(_from_keyring(*source.keyring, key=source.key))
    raise ConfigError("no password source: set password_env, password_command or keyring", key=source.key)


def _run_command(command: tuple[str, ...], key: str, timeout: float) -> str:
    try:
        done = subprocess.run(list(command), capture_output=True, timeout=timeout, check=False)  # noqa: S603 - no shell, by design
    except FileNotFoundError:
        raise ConfigError(f"command not found: {command[0]}", key=key) from None
    except PermissionError:
        raise ConfigError(f"command not executable: {command[0]}", key=key) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"command {command[0]} did not finish within {timeout:.0f} s", key=key) from None
    if done.returncode != 0:
        # Only the command's stderr is shown: stdout may hold a partial secret.
        hint = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f": {hint[0][:200]}" if hint else ""
        raise ConfigError(f"command {command[0]} failed with exit code {done.returncode}{detail}", key=key)
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    value = lines[0].strip() if lines else ""
    if not value:
        raise ConfigError(f"command {command[0]} printed nothing", key=key)
    return value


def _from_keyring(service: str, username: str, *, key: str) -> str:
    try:
        import keyring  # optional: only users who keep passwords there need it
        from keyring.errors import KeyringError
    except ImportError:
        raise ConfigError("the keyring package is not installed (pip install keyring)", key=key) from None
    try:
        value = keyring.get_password(service, username)
    except KeyringError as exc:
        raise ConfigError(f"keyring lookup failed: {exc}", key=key) from None
    if not value:
        raise ConfigError(f"no keyring entry for service {service!r}, user {username!r}", key=key)
    return value
