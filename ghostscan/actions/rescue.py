"""Customer mail in Junk: find it (`find_candidates`), plan its way out (`RescuePlan`) and,
only on request, move it to INBOX, verified (`ImapRescuer`, `MaildirRescuer`).

The pure part decides from a `ScanResult` alone. A message in a Junk folder is a candidate
when it belongs to a conversation the audit tracks (a reply to an offer, its bounce), or
when its sender is someone we wrote to, or works at the company of someone we wrote to.
"We" is the identity (the user and colleagues); "company" is never a freemail domain
(gmail.com, gmx.de: two addresses there are two people) and never our own domain, which
spammers like to forge.

The executors change the mailbox, and only there:

* IMAP: ``UID MOVE`` (RFC 6851) where the server has MOVE, confirmed afterwards by the
  Message-ID in INBOX. Without MOVE: ``UID COPY``, the copies' Message-ID and size checked
  in INBOX (by the COPYUID response of RFC 4315 where there is one), then ``\\Deleted``
  and ``UID EXPUNGE`` of exactly those UIDs, which needs UIDPLUS (RFC 4315 §2.1); without
  UIDPLUS the original stays in Junk and the outcome says so. Before copying, INBOX is
  searched for the Message-ID: a copy left by an interrupted run is used, not made twice.
* Maildir: the file is renamed from Junk's ``cur/`` or ``new/`` into INBOX's ``cur/`` with
  its flags (``:2,S``) kept: one ``rename(2)``, atomic on one filesystem.
* mbox and folders of .eml files: reported only; moving a message inside an mbox file means
  rewriting the file, which ghostscan never does.
"""

from __future__ import annotations

import errno
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Protocol

from ghostscan.parse.addresses import Address
from ghostscan.sources.base import Folder, FolderRole
from ghostscan.threads.model import Direction, ThreadedMessage

if TYPE_CHECKING:
    from ghostscan.pipeline import ScanResult
    from ghostscan.sources.imap import ImapSession
    from ghostscan.sources.maildir import MaildirSource

TARGET = "INBOX"


class RescueReason(StrEnum):
    """Why a message in Junk counts as customer mail."""

    CONVERSATION = "conversation"
    """It belongs to a conversation the audit tracks."""
    CORRESPONDENT = "correspondent"
    """Its sender is someone we wrote to."""
    COMPANY = "company"
    """Its sender works at the company (non-freemail domain) of someone we wrote to."""


@dataclass(frozen=True)
class RescueCandidate:
    """A message in a Junk folder that should be in INBOX.

    Attributes:
        folder: the Junk folder's name.
        key: where it is in that folder: the IMAP UID, or the Maildir file's unique name.
        message_id: its Message-ID (without angle brackets), or None.
        sender: its From address, or None.
        date: its Date (or the source's internal date), or None.
        subject: its subject.
        reason: why it is customer mail.
        detail: the reason for a person (``"reply in 'Angebot Online-Shop' (reply_in_spam)"``).
        size: its size in bytes, when known.
    """

    folder: str
    key: str
    message_id: str | None
    sender: Address | None
    date: datetime | None
    subject: str
    reason: RescueReason
    detail: str
    size: int | None = None


class RescueMethod(StrEnum):
    """How the candidates get to INBOX."""

    MOVE = "move"
    """IMAP ``UID MOVE`` (RFC 6851)."""
    COPY_EXPUNGE = "copy+expunge"
    """IMAP ``UID COPY``, verify, ``\\Deleted`` and ``UID EXPUNGE`` of those UIDs (RFC 4315)."""
    COPY = "copy"
    """IMAP ``UID COPY`` and verify; the original stays in Junk (no UIDPLUS)."""
    RENAME = "rename"
    """Maildir: rename the file into INBOX's ``cur/``."""
    NONE = "none"
    """Nothing can be moved (mbox, .eml folders): report only."""


@dataclass(frozen=True)
class RescuePlan:
    """What a rescue would do: the candidates, where they go and how.

    Attributes:
        candidates: the messages, oldest first.
        target: the folder they go to (``"INBOX"``).
        method: how.
        note: why the method is what it is, for a person (``"the server has no MOVE"``).
    """

    candidates: tuple[RescueCandidate, ...]
    target: str
    method: RescueMethod
    note: str = ""


class Outcome(StrEnum):
    """What became of one candidate."""

    MOVED = "moved"
    """It is in INBOX and no longer in Junk."""
    COPIED = "copied"
    """A verified copy is in INBOX; the original is still in Junk (no UIDPLUS)."""
    LEFT = "left"
    """It is still in Junk, untouched (see the detail)."""
    WOULD_MOVE = "would move"
    """``--dry-run``: it would be moved."""


@dataclass(frozen=True)
class RescueOutcome:
    """One candidate and what became of it."""

    candidate: RescueCandidate
    outcome: Outcome
    detail: str = ""


class CheckMode(StrEnum):
    """What ``spam-check`` was asked to do."""

    LIST = "list"
    DRY_RUN = "dry-run"
    RESCUE = "rescue"


@dataclass(frozen=True)
class SpamCheck:
    """The result of ``spam-check``.

    Attributes:
        scan: the scan it was decided from.
        plan: the candidates, target and method.
        mode: list, dry-run or rescue.
        outcomes: one per candidate under dry-run and rescue; empty when only listing.
    """

    scan: "ScanResult"
    plan: RescuePlan
    mode: CheckMode
    outcomes: tuple[RescueOutcome, ...] = ()

    @property
    def still_in_junk(self) -> tuple[RescueCandidate, ...]:
        """Candidates whose original is still in Junk after this run."""
        if self.mode is not CheckMode.RESCUE:
            return self.plan.candidates
        return tuple(o.candidate for o in self.outcomes if o.outcome is not Outcome.MOVED)


# -- the pure part ---------------------------------------------------------------------


def written_to(recipients: Iterable[Address], is_own: "_IsOwn") -> tuple[frozenset[str], frozenset[str]]:
    """Everyone our side wrote to: (addresses, their non-freemail company domains).

    Args:
        recipients: the To and Cc addresses of our messages (`ScanResult.recipients`;
            messages in Junk do not count: a spam "from" our address says nothing about
            whom we wrote to).
        is_own: tells our own addresses and domains, which are left out, so mail forged
            "from" us is never a reason.
    """
    addresses: set[str] = set()
    domains: set[str] = set()
    for recipient in recipients:
        if is_own(recipient):
            continue
        addresses.add(recipient.email)
        if recipient.domain and not recipient.is_freemail:
            domains.add(recipient.domain)
    return frozenset(addresses), frozenset(domains)


class _IsOwn(Protocol):
    def __call__(self, address: Address | None) -> bool: ...


def find_candidates(result: "ScanResult") -> tuple[RescueCandidate, ...]:
    """The messages in *result*'s Junk folders that are customer mail, oldest first.

    A message counts when it belongs to a decided conversation (`RescueReason.CONVERSATION`),
    else when its sender is someone we wrote to (`CORRESPONDENT`), else when the sender's
    domain is the company domain of someone we wrote to (`COMPANY`). Only inbound mail
    counts; messages flagged ``\\Deleted`` were never read by the scan.

    Example:
        For the bundled samples: one candidate, Stefan Hofmann's acceptance, reason
        conversation; the three spam messages beside it are not candidates.
    """
    junk = {f.name for f in result.folders if f.role is FolderRole.JUNK}
    found: dict[tuple[str, str], RescueCandidate] = {}
    for decision in result.decisions:
        for message in decision.conversation.messages:
            meta = message.meta
            if meta.ref.folder not in junk or message.direction is not Direction.INBOUND:
                continue
            detail = f"in your conversation '{decision.subject}' ({decision.verdict.value})"
            found[(meta.ref.folder, meta.ref.key)] = _candidate(message, RescueReason.CONVERSATION, detail)
    addresses, domains = written_to(result.recipients, result.identity.is_own)
    for message in result.junk:
        meta = message.meta
        key = (meta.ref.folder, meta.ref.key)
        if meta.ref.folder not in junk or key in found or message.direction is not Direction.INBOUND or meta.sender is None:
            continue
        if meta.sender.email in addresses:
            found[key] = _candidate(message, RescueReason.CORRESPONDENT, f"from {meta.sender.email}, whom you wrote to")
        elif meta.sender.domain in domains:
            found[key] = _candidate(message, RescueReason.COMPANY, f"from {meta.sender.domain}, a company you wrote to")
    return tuple(sorted(found.values(), key=lambda c: (c.date is None, c.date or datetime.min, c.folder, c.key)))


def _candidate(message: ThreadedMessage, reason: RescueReason, detail: str) -> RescueCandidate:
    meta = message.meta
    return RescueCandidate(
        folder=meta.ref.folder,
        key=meta.ref.key,
        message_id=meta.message_id,
        sender=meta.sender,
        date=meta.date,
        subject=meta.subject,
        reason=reason,
        detail=detail,
        size=meta.size,
    )


class Rescuer(Protocol):
    """Moves candidates out of Junk for one kind of mailbox."""

    def method(self) -> tuple[RescueMethod, str]:
        """How this mailbox can move mail, and a note for a person (may be empty)."""
        ...

    def rescue(self, plan: RescuePlan) -> list[RescueOutcome]:
        """Move the plan's candidates to its target; one outcome per candidate, in plan order.

        Raises:
            NetworkError: the connection dropped mid-way; what was not verified is untouched.
        """
        ...


def check_spam(result: "ScanResult", rescuer: Rescuer, mode: CheckMode) -> SpamCheck:
    """Find the candidates in *result* and, per *mode*, list them, plan or rescue them.

    Raises:
        NetworkError: during a rescue, the connection dropped (re-running is safe).
    """
    candidates = find_candidates(result)
    method, note = rescuer.method()
    plan = RescuePlan(candidates, TARGET, method, note)
    if mode is CheckMode.LIST or not candidates:
        return SpamCheck(result, plan, mode)
    if mode is CheckMode.DRY_RUN:
        outcome = Outcome.LEFT if method is RescueMethod.NONE else Outcome.WOULD_MOVE
        return SpamCheck(result, plan, mode, tuple(RescueOutcome(c, outcome, note) for c in candidates))
    return SpamCheck(result, plan, mode, tuple(rescuer.rescue(plan)))


# -- executors -------------------------------------------------------------------------


class ReportOnly:
    """A mailbox ghostscan does not change (mbox, .eml folders): every candidate is left."""

    def __init__(self, why: str):
        self.why = why

    def method(self) -> tuple[RescueMethod, str]:
        return RescueMethod.NONE, self.why

    def rescue(self, plan: RescuePlan) -> list[RescueOutcome]:
        return [RescueOutcome(c, Outcome.LEFT, self.why) for c in plan.candidates]


class MaildirRescuer:
    """Renames candidate files from Junk into INBOX's ``cur/``, flags kept."""

    def __init__(self, source: "MaildirSource"):
        self.source = source

    def method(self) -> tuple[RescueMethod, str]:
        if TARGET not in {f.name for f in self.source.folders()}:
            return RescueMethod.NONE, "this Maildir has no INBOX (no cur/ or new/ at its root)"
        return RescueMethod.RENAME, ""

    def rescue(self, plan: RescuePlan) -> list[RescueOutcome]:
        from ghostscan.sources.maildir import split_info

        if plan.method is RescueMethod.NONE:
            return [RescueOutcome(c, Outcome.LEFT, plan.note) for c in plan.candidates]
        inbox_cur = self.source.directories(plan.target)[0] / "cur"
        outcomes = []
        for candidate in plan.candidates:
            found = None
            for directory in self.source.directories(candidate.folder):
                for sub in ("cur", "new"):
                    try:
                        names = os.listdir(directory / sub)
                    except OSError:
                        continue
                    found = next(((directory / sub, n) for n in names if split_info(n)[0] == candidate.key), None)
                    if found:
                        break
                if found:
                    break
            if found is None:
                outcomes.append(RescueOutcome(candidate, Outcome.LEFT, "no longer in Junk (moved or deleted since the scan)"))
                continue
            where, name = found
            if where.name == "new" and ":2," not in name and ";2," not in name:
                # A message moving from new/ to cur/ gets the (empty) info suffix (Maildir spec).
                name += ":2,"
            outcomes.append(self._rename(candidate, where / found[1], inbox_cur / name))
        return outcomes

    @staticmethod
    def _rename(candidate: RescueCandidate, src: Path, dst: Path) -> RescueOutcome:
        if dst.exists():
            return RescueOutcome(candidate, Outcome.LEFT, f"{dst} already exists; left in Junk")
        try:
            dst.parent.mkdir(exist_ok=True)
            os.rename(src, dst)
        except OSError as exc:
            why = "INBOX is on another filesystem" if exc.errno == errno.EXDEV else (exc.strerror or str(exc))
            return RescueOutcome(candidate, Outcome.LEFT, f"cannot move: {why}; left in Junk")
        return RescueOutcome(candidate, Outcome.MOVED, f"moved to {dst.parent}")


class ImapRescuer:
    """Moves candidates out of an IMAP account's Junk folders, verified (see the module docstring).

    Args:
        session: the account's session (the one the scan used).
        folders: the account's folders with roles (the scan's).
    """

    def __init__(self, session: "ImapSession", folders: Iterable[Folder]):
        self.session = session
        self.folders = {f.name: f for f in folders}

    def method(self) -> tuple[RescueMethod, str]:
        if self.session.has("MOVE"):
            return RescueMethod.MOVE, ""
        if self.session.has("UIDPLUS"):
            return RescueMethod.COPY_EXPUNGE, "the server has no MOVE: copy, verify, then expunge only those UIDs"
        return RescueMethod.COPY, "the server has neither MOVE nor UIDPLUS: a verified copy goes to INBOX, the original stays in Junk"

    def rescue(self, plan: RescuePlan) -> list[RescueOutcome]:
        results: dict[RescueCandidate, RescueOutcome] = {}
        by_folder: dict[str, list[RescueCandidate]] = defaultdict(list)
        for candidate in plan.candidates:
            by_folder[candidate.folder].append(candidate)
        for folder, candidates in by_folder.items():
            for outcome in self._rescue_folder(self.folders[folder], candidates, plan.target):
                results[outcome.candidate] = outcome
        return [results[c] for c in plan.candidates]

    def _rescue_folder(self, junk: Folder, candidates: list[RescueCandidate], target: str) -> list[RescueOutcome]:
        from ghostscan.sources.imap import ImapMover, StoredIdentity, WriteRefusedError

        mover = ImapMover(self.session, junk)
        outcomes: list[RescueOutcome] = []

        def left(candidate: RescueCandidate, why: str) -> None:
            outcomes.append(RescueOutcome(candidate, Outcome.LEFT, why))

        # 1. What the UIDs hold now: a UID is only acted on if it still holds the message
        #    the scan saw (same Message-ID).
        originals = mover.identify(junk.name, (int(c.key) for c in candidates))
        todo: list[tuple[RescueCandidate, StoredIdentity]] = []
        for candidate in candidates:
            original = originals.get(int(candidate.key))
            if original is None:
                left(candidate, "no longer in Junk (moved or deleted since the scan)")
            elif candidate.message_id is None:
                left(candidate, "it has no Message-ID, so a copy could not be verified: move it with your mail program")
            elif original.message_id != candidate.message_id:
                left(candidate, "its UID now holds another message: run spam-check again")
            else:
                todo.append((candidate, original))
        if not todo:
            return outcomes

        # 2. Copies already in INBOX (an earlier run stopped between COPY and EXPUNGE, or
        #    the server kept a copy): they are used, not made again.
        present: list[tuple[RescueCandidate, StoredIdentity]] = []
        fresh: list[tuple[RescueCandidate, StoredIdentity]] = []
        for candidate, original in todo:
            copies = mover.find(target, original.message_id or "")
            (present if any(c.size == original.size for c in copies.values()) else fresh).append((candidate, original))

        verified: list[tuple[RescueCandidate, StoredIdentity]] = list(present)
        if fresh and mover.has("MOVE"):
            # 3a. MOVE is atomic (RFC 6851 §3.1): the message is in one place or the other.
            try:
                mover.move([o.uid for _, o in fresh], target)
            except WriteRefusedError as exc:
                for candidate, _ in fresh:
                    left(candidate, f"the server refused MOVE ({exc.reason}); left in Junk")
                fresh = []
            for candidate, original in fresh:
                copies = mover.find(target, original.message_id or "")
                if any(c.size == original.size for c in copies.values()):
                    outcomes.append(RescueOutcome(candidate, Outcome.MOVED, f"moved to {target} (MOVE)"))
                else:
                    left(candidate, f"the server accepted MOVE but {target} does not show the message: check Junk")
        elif fresh:
            # 3b. COPY, then check every copy's Message-ID and size before anything is deleted.
            try:
                mapping = mover.copy([o.uid for _, o in fresh], target)
            except WriteRefusedError as exc:
                for candidate, _ in fresh:
                    left(candidate, f"the server refused COPY ({exc.reason}); left in Junk")
                fresh, mapping = [], {}
            copies_by_uid = mover.identify(target, mapping.values()) if mapping else {}
            for candidate, original in fresh:
                new_uid = mapping.get(original.uid)
                if new_uid is not None:
                    copy = copies_by_uid.get(new_uid)
                    ok = copy is not None and copy.message_id == original.message_id and copy.size == original.size
                else:
                    ok = any(c.size == original.size for c in mover.find(target, original.message_id or "").values())
                if ok:
                    verified.append((candidate, original))
                else:
                    left(candidate, f"the copy in {target} could not be verified; the original stays in Junk")
        if not verified:
            return outcomes

        # 4. Remove the verified originals from Junk - only with UIDPLUS, only their UIDs.
        if mover.has("UIDPLUS"):
            try:
                mover.expunge([o.uid for _, o in verified])
            except WriteRefusedError as exc:
                for candidate, _ in verified:
                    outcomes.append(
                        RescueOutcome(candidate, Outcome.COPIED, f"verified copy in {target}; removing the original from Junk was refused ({exc.reason})")
                    )
                return outcomes
            for candidate, original in verified:
                how = "copy already there" if (candidate, original) in present else "COPY"
                outcomes.append(RescueOutcome(candidate, Outcome.MOVED, f"moved to {target} ({how}, verified, UID EXPUNGE)"))
        else:
            for candidate, _ in verified:
                outcomes.append(
                    RescueOutcome(
                        candidate,
                        Outcome.COPIED,
                        f"verified copy in {target}; the original stays in Junk because the server has no UIDPLUS (delete it there yourself)",
                    )
                )
        return outcomes


__all__ = [
    "CheckMode",
    "ImapRescuer",
    "MaildirRescuer",
    "Outcome",
    "ReportOnly",
    "RescueCandidate",
    "RescueMethod",
    "RescueOutcome",
    "RescuePlan",
    "RescueReason",
    "Rescuer",
    "SpamCheck",
    "check_spam",
    "find_candidates",
    "written_to",
]
