"""Errors of sending mail: each names the server and, once known, where the unsent message was kept.

They are errors of the run. A refused login is an `AuthError` (exit 5), an unreachable or
dropping server a `NetworkError` (exit 6), a server that refuses the message itself (sender,
recipient or content) a `DeliveryRefusedError` (exit 11).
"""

from __future__ import annotations

from pathlib import Path

from ghostscan.errors import AuthError, NetworkError, OperationError


class DeliveryError(OperationError):
    """The digest could not be sent.

    Attributes:
        server: ``host:port`` of the SMTP server.
        reason: what went wrong, without any secret.
        kept: where the unsent message was written for a retry, or None.
    """

    def __init__(self, server: str, reason: str, kept: Path | None = None):
        self.server = server
        self.account = server
        self.reason = reason
        self.kept = kept
        # Not super().__init__: the subclasses also derive from AuthError or NetworkError,
        # whose constructors take other arguments; the attributes above serve all of them.
        Exception.__init__(self, server, reason)

    def __str__(self) -> str:
        line = f"cannot send the digest via {self.server}: {self.reason}"
        if self.kept is not None:
            line += f"; the message is kept in {self.kept}"
        return line

    def kept_in(self, path: Path) -> "DeliveryError":
        """The same error, saying that the message was kept in *path*."""
        return type(self)(self.server, self.reason, path)


class SmtpAuthError(DeliveryError, AuthError):
    """The SMTP server refused the login (or offers no AUTH)."""


class SmtpConnectionError(DeliveryError, NetworkError):
    """The SMTP server cannot be reached, failed TLS, timed out or dropped the connection."""


class DeliveryRefusedError(DeliveryError):
    """The SMTP server refused the sender, every recipient, or the message itself."""
