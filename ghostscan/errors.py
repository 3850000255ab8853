"""ghostscan's exception tree.

Every error ghostscan raises on purpose derives from `GhostscanError`. Errors the user
fixes in the configuration derive from `ConfigError`; errors of a run (a mailbox that
cannot be read, a server, the network) derive from `OperationError`. The CLI maps them to
different exit codes (see `ghostscan.status.ExitStatus`).
"""

from __future__ import annotations


class GhostscanError(Exception):
    """Base class of every error ghostscan raises on purpose."""


class ConfigError(GhostscanError):
    """The configuration is wrong; the user fixes it in the config file or on the command line.

    Attributes:
        key: dotted path of the offending key (``"identity.addresses[2]"``), or ``None``.
        problem: what is wrong, as a sentence fragment.
        path: the config file, when one was involved.
    """

    def __init__(self, problem: str, *, key: str | None = None, path: str | None = None):
        self.key = key
        self.problem = problem
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        if self.key:
            return f"{where}{self.key}: {self.problem}"
        return f"{where}{self.problem}"


class OperationError(GhostscanError):
    """A run failed for a reason outside the configuration (mailbox, server, network)."""


class SourceError(OperationError):
    """A mailbox source cannot be opened or read as a whole.

    Attributes:
        location: the path or account that failed.
        reason: why, as a sentence fragment.
    """

    def __init__(self, location: str, reason: str):
        self.location = location
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"cannot read mailbox {self.location}: {self.reason}"


class AuthError(OperationError):
    """The server refused the credentials (or the login method).

    Attributes:
        account: the account's name.
        reason: the server's answer, without the secret.
    """

    def __init__(self, account: str, reason: str):
        self.account = account
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"account {self.account}: login failed: {self.reason}"


class NetworkError(OperationError):
    """The server could not be reached, dropped the connection or stopped answering.

    Attributes:
        account: the account's name.
        reason: what happened, for a person.
    """

    def __init__(self, account: str, reason: str):
        self.account = account
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"account {self.account}: {self.reason}"
