"""The digest ledger: which day a digest was last sent, and what it showed.

One small JSON file per mailbox (account or local path) under the state directory
(``$XDG_STATE_HOME/ghostscan/digest/``). It keeps the digest from going out twice on one day
and tells the next digest what is new. Written atomically (a temporary file, then
``os.replace``), so a crash never leaves half a ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ghostscan.errors import OperationError

Seen = frozenset[tuple[str, str]]


class LedgerError(OperationError):
    """The ledger file cannot be read or written.

    Attributes:
        path: the ledger file.
        reason: what is wrong.
    """

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"digest ledger {path}: {reason}")


@dataclass(frozen=True)
class DigestRecord:
    """The last digest sent for one mailbox.

    Attributes:
        day: the day it was sent (in the configured time zone), or None: never.
        sent_at: when, ISO 8601.
        message_id: its Message-ID.
        recipients: who it went to.
        seen: (conversation, section) pairs it showed.
        baseline: what that digest was compared against, so a forced second digest on
            the same day marks the same items new as the first; None: it was the first.
    """

    day: date | None = None
    sent_at: str | None = None
    message_id: str | None = None
    recipients: tuple[str, ...] = ()
    seen: Seen = frozenset()
    baseline: Seen | None = None


def mailbox_key(*, account: str | None = None, source: str | None = None) -> str:
    """A file-name-safe key for a mailbox: ``account-work`` or ``source-mailbox-1a2b3c4d5e``.

    A local path is keyed by its resolved form, so ``./mail`` and ``/home/a/mail`` agree.
    """
    if account is not None:
        return "account-" + _slug(account) + "-" + _hash(account)
    resolved = str(Path(source or "").expanduser().resolve())
    return "source-" + _slug(Path(resolved).name) + "-" + _hash(resolved)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:40] or "mailbox"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _pairs(value: object) -> Seen:
    if not isinstance(value, list):
        raise ValueError("expected a list of [conversation, section] pairs")
    pairs = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ValueError("expected a list of [conversation, section] pairs")
        pairs.append((pair[0], pair[1]))
    return frozenset(pairs)


class DigestLedger:
    """The ledger of one mailbox in *directory*.

    Args:
        directory: where ledgers and kept messages live (``state_dir / "digest"``).
        key: the mailbox's `mailbox_key`.
    """

    def __init__(self, directory: Path, key: str):
        self.directory = directory
        self.key = key

    @property
    def path(self) -> Path:
        """The ledger file."""
        return self.directory / f"{self.key}.json"

    def unsent_path(self, day: date) -> Path:
        """Where a digest that could not be sent on *day* is kept."""
        return self.directory / "unsent" / f"{self.key}-{day.isoformat()}.eml"

    def load(self) -> DigestRecord:
        """The last digest sent; an empty record when none was.

        Raises:
            LedgerError: the file exists but cannot be read or is not a ledger. It is not
                ignored: an unreadable ledger could send the digest twice.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return DigestRecord()
        except OSError as exc:
            raise LedgerError(self.path, f"cannot read it: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
            baseline = data.get("baseline")
            return DigestRecord(
                day=date.fromisoformat(data["day"]),
                sent_at=data.get("sent_at"),
                message_id=data.get("message_id"),
                recipients=tuple(data.get("recipients", ())),
                seen=_pairs(data.get("seen", [])),
                baseline=None if baseline is None else _pairs(baseline),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LedgerError(self.path, f"not a digest ledger ({exc}); delete it to start afresh") from None

    def previous(self, day: date) -> Seen | None:
        """What a digest sent on *day* is compared against to mark items new.

        The last digest of an earlier day; for a second digest on the same day, the same
        baseline the first one had. None: no digest was ever sent (everything is new).

        Raises:
            LedgerError: as for `load`.
        """
        record = self.load()
        if record.day is None:
            return None
        if record.day == day:
            return record.baseline
        return record.seen

    def record(self, day: date, *, sent_at: str, message_id: str | None, recipients: tuple[str, ...], seen: Seen) -> None:
        """Note that a digest showing *seen* was sent on *day*.

        Raises:
            LedgerError: the file cannot be written.
        """
        baseline = self.previous(day)
        data = {
            "day": day.isoformat(),
            "sent_at": sent_at,
            "message_id": message_id,
            "recipients": list(recipients),
            "seen": sorted([list(p) for p in seen]),
            "baseline": None if baseline is None else sorted([list(p) for p in baseline]),
        }
        partial = self.path.with_name(self.path.name + ".part")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as exc:
            raise LedgerError(self.path, f"cannot write it: {exc.strerror or exc}") from None
