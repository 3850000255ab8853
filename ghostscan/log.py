"""Logging on stderr: -v for more, -q for less; secrets never reach a log line."""

from __future__ import annotations

import logging
import re
from typing import TextIO

# Credentials that protocol chatter might carry (IMAP LOGIN/AUTHENTICATE, SMTP AUTH,
# URLs with user:password@). Redacted where records are emitted, whatever the logger.
_SECRETS = (
    re.compile(r"(?i)(\bLOGIN\s+\S+\s+)(\S+)"),
    re.compile(r"(?i)(\bAUTH(?:ENTICATE)?\s+(?:PLAIN|LOGIN|XOAUTH2)\s+)(\S+)"),
    re.compile(r"(?i)(\b(?:password|passwd|token|secret)\b\s*[=:]\s*)(\S+)"),
    re.compile(r"(://[^/\s:@]+:)([^@\s]+)(@)"),
)


def redact(text: str) -> str:
    """Replace credentials in *text* with ``***``."""
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(3) if m.lastindex and m.lastindex >= 3 else ""), text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts credentials from every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(stream: TextIO, *, verbosity: int = 0) -> None:
    """Send ghostscan's log to *stream*.

    Args:
        stream: usually stderr (reports go to stdout, so pipes stay clean).
        verbosity: -1 quiet (errors only), 0 warnings, 1 info, 2 debug.
    """
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("ghostscan: %(levelname)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("ghostscan")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
