"""The default rule chain and the classifier's entry points.

The chain runs in a fixed order and the first rule that fires decides; the rules checked
before it are recorded as misses, so ``--explain`` can say both why a message got its
kind and what it was not. The order encodes which evidence outranks which:

1. challenge-response (Boxbe sends its challenge as a multipart/report DSN) and read
   receipts (RFC 8098 MDNs come from a null sender, like bounces);
2. complaints, then delay warnings, then bounces — Postfix and Exim mark their bounces
   ``Auto-Submitted: auto-replied``, so delivery notices must be decided before any
   auto-reply rule looks at that header;
3. auto-replies — vacation programs add ``Precedence: bulk``, so these come before the
   notification rules;
4. notifications (lists, bulk, auto-generated, no-reply, ticket systems);
5. anything left is human.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from ghostscan.classify import autoreply, bounce, lists
from ghostscan.classify.autoreply import AUTOREPLY_RULES, CHALLENGE_RULES
from ghostscan.classify.base import (
    Classification,
    Evidence,
    MessageKind,
    MessageView,
    ReturnedMessage,
    Rule,
)
from ghostscan.classify.bounce import BOUNCE_RULES, returned_message
from ghostscan.classify.lists import NOTIFICATION_RULES, RECEIPT_RULES
from ghostscan.parse.addresses import Address
from ghostscan.parse.headers import MessageMeta, parse_headers
from ghostscan.sources.base import FolderRole, MessageRef

HUMAN_DEFAULT = Evidence("human.default", "no rule for machine-generated mail fired")
"""The evidence of a message no rule claimed."""

# "Automatische Antwort: Angebot Website" → "Angebot Website": the subject our original
# had, which the verdict stage can match when the auto-reply lacks In-Reply-To.
_AUTOREPLY_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?[^:]{1,60}:\s*(?P<rest>.+)$")


def default_rules() -> tuple[Rule, ...]:
    """Return the default chain, in the order it runs.

    Returns:
        The rule objects; pass a modified tuple as ``rules=`` to `classify_message` to
        run another chain.
    """
    return (*CHALLENGE_RULES, *RECEIPT_RULES, *BOUNCE_RULES, *AUTOREPLY_RULES, *NOTIFICATION_RULES)


def classify_message(
    meta: MessageMeta,
    loader: Callable[[], bytes] | None = None,
    rules: Sequence[Rule] | None = None,
) -> Classification:
    """Decide the `MessageKind` of one inbound message.

    Headers are looked at first; *loader* is called at most once, and only when a rule
    needs the body (most human mail is decided without it).

    Args:
        meta: the message's parsed headers.
        loader: returns the whole message as bytes; None when only headers are available
            (body rules then see an empty body).
        rules: the chain to run; `default_rules()` when None.

    Returns:
        The kind, the evidence of the rule that decided it, the names of the rules that
        were checked and did not fire, what a bounce says about the original message
        (`Classification.returned`), and whether the body was read.

    Example:
        >>> meta = parse_headers(b"From: a@example.com\\nSubject: Hallo\\n", MessageRef("INBOX", "1"))
        >>> classify_message(meta).kind
        <MessageKind.HUMAN: 'human'>
    """
    if rules is None:
        if _plain(meta):
            return PLAIN_HUMAN
        rules = default_rules()
    view = MessageView(meta, loader)
    misses: list[str] = []
    for rule in rules:
        evidence = rule.check(view)
        if evidence is None:
            misses.append(rule.name)
            continue
        returned: ReturnedMessage | None = None
        if rule.kind is MessageKind.BOUNCE:
            returned = returned_message(view)
        elif rule.kind is MessageKind.AUTO_REPLY:
            returned = _autoreply_returned(meta)
        return Classification(
            kind=rule.kind,
            evidence=(evidence,),
            misses=tuple(misses),
            returned=returned,
            body_read=view.body_loaded,
        )
    return Classification(
        kind=MessageKind.HUMAN,
        evidence=(HUMAN_DEFAULT,),
        misses=tuple(misses),
        body_read=view.body_loaded,
    )


def classify_bytes(
    raw: bytes,
    ref: MessageRef,
    folder_role: FolderRole = FolderRole.OTHER,
) -> tuple[MessageMeta, Classification]:
    """Parse and classify a whole message given as bytes (a file, an mbox entry).

    Never raises on malformed mail: unreadable headers give empty fields and the message
    is classified on what is left.

    Args:
        raw: the message, headers and body (an mbox ``From `` line in front is fine).
        ref: where it lives.
        folder_role: the role of its folder.

    Returns:
        The parsed headers and the classification.
    """
    meta = parse_headers(raw, ref, folder_role, size=len(raw))
    return meta, classify_message(meta, lambda: raw)


def _autoreply_returned(meta: MessageMeta) -> ReturnedMessage | None:
    """What an auto-reply's headers say about the message it answers, or None."""
    message_id = meta.in_reply_to[0] if meta.in_reply_to else None
    match = _AUTOREPLY_SUBJECT.match(meta.subject)
    subject = match.group("rest").strip() if match else None
    if message_id is None and subject is None:
        return None
    return ReturnedMessage(message_id=message_id, subject=subject)


# -- the screen for plain human mail -------------------------------------------------------
#
# Most inbound mail is a person writing, and the default chain then runs every rule to
# record it as a miss (some 20 µs a message, a third of the header phase). `_plain` says,
# from the few header values the rules look at first, that none of them can fire: the
# message then gets the very result the chain would give, `PLAIN_HUMAN`, without running
# it. It never says "plain" for a message any rule could claim: each test below is one a
# rule makes before it fires (tests/unit/classify/test_registry.py runs the whole chain
# beside it over sample, corpus and generated mail). Tied to the chain it was written
# for: with another chain (`_SCREENED` differs) every message runs the chain.

_SCREENED = (
    "autoreply.challenge", "notification.mdn", "complaint.arf", "delay.dsn", "bounce.dsn",
    "notification.dsn_delivered", "delay.notice", "bounce.notice", "autoreply.rfc3834",
    "autoreply.header", "autoreply.subject", "autoreply.body", "notification.list",
    "notification.bulk", "notification.verp", "notification.auto_generated",
    "notification.noreply", "notification.ticket",
)  # fmt: skip

# Header fields whose mere presence lets some rule fire (or makes it read on): RFC 3834
# Auto-Submitted, vendor auto-reply fields, Precedence, list and bulk-sender fields,
# X-Failed-Recipients and Exchange's inbox-rule fields. Their values are not looked at.
_CUE_FIELDS = frozenset(
    {
        "auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder", "precedence",
        "x-precedence", "list-id", "list-unsubscribe", "list-post", "mailing-list",
        "x-mailing-list", "x-beenthere", "feedback-id", "x-campaign", "x-hs-feedback-id",
        "x-report-abuse", "x-failed-recipients", "x-ms-exchange-inbox-rules-loop",
        "x-ms-exchange-generated-message-source",
    }
)  # fmt: skip

PLAIN_HUMAN = Classification(
    kind=MessageKind.HUMAN, evidence=(HUMAN_DEFAULT,), misses=tuple(r.name for r in default_rules()), body_read=False
)
"""What the default chain decides for mail no rule claims: one object for all of it."""

_SCREEN_ON = PLAIN_HUMAN.misses == _SCREENED
_CACHE_LIMIT = 100_000
_subjects: dict[str, bool] = {}
_senders: dict[Address, bool] = {}
_values: dict[tuple[str, str], bool] = {}


def _challenge_domain(domain: str) -> bool:
    return domain in autoreply._CHALLENGE_DOMAINS or any(domain.endswith("." + c) for c in autoreply._CHALLENGE_DOMAINS)


def _plain_subject(subject: str) -> bool:
    """No rule's subject cue: notice, complaint, delay, auto-reply (strong or weak), ticket."""
    return not (
        bounce._NOTICE_SUBJECT.search(subject)
        or bounce._COMPLAINT_SUBJECT.match(subject.strip())
        or bounce._DELAY_SUBJECT.search(subject)
        or autoreply.subject_cue(subject) is not None
        or autoreply._SUBJECT_WEAK_PREFIX.search(subject)
        or lists._TICKET_SUBJECT.search(subject)
    )


def _plain_sender(meta: MessageMeta, sender: Address) -> bool:
    """Not a mail system, list manager, no-reply address, Request Tracker or challenge service."""
    return not (
        bounce.daemon_sender(meta) is not None
        or lists._NOREPLY.search(sender.email.partition("@")[0])
        or " via rt" in f" {sender.name.lower()}"
        or _challenge_domain(sender.domain)
    )


def _plain_value(name: str, value: str) -> bool:
    """One header value no rule reacts to (Content-Type, Return-Path, X-Mailer)."""
    if name == "content-type":
        return not value.lower().startswith("multipart/report")
    if name == "return-path":
        bare = value.strip()
        address = bare.strip("<>").lower()
        local, _, domain = address.rpartition("@")
        return not (
            bare in ("<>", "<<>>", "<MAILER-DAEMON>")
            or bare.lower() == "<mailer-daemon>"
            or _challenge_domain(autoreply._domain(value))
            or lists._BOUNCE_LOCAL.search(local)
            or lists._BOUNCE_DOMAIN.search(domain)
        )
    if name == "x-mailer":
        return lists._TICKET_MAILERS.search(value) is None
    return True


def _remember(cache: dict, key: object, answer: bool) -> bool:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = answer
    return answer


def _plain(meta: MessageMeta) -> bool:
    """Whether no rule of the default chain can fire on *meta* (see `PLAIN_HUMAN`)."""
    if not _SCREEN_ON:
        return False
    sender = meta.sender
    if sender is None:
        return False
    extra = meta.extra
    if not _CUE_FIELDS.isdisjoint(extra):
        return False
    for name in ("content-type", "return-path", "x-mailer"):
        value = extra.get(name)
        if value is not None:
            key = (name, value)
            ok = _values.get(key)
            if ok is None:
                ok = _remember(_values, key, _plain_value(name, value))
            if not ok:
                return False
    ok = _senders.get(sender)
    if ok is None:
        ok = _remember(_senders, sender, _plain_sender(meta, sender))
    if not ok:
        return False
    subject = meta.subject
    ok = _subjects.get(subject)
    if ok is None:
        ok = _remember(_subjects, subject, _plain_subject(subject))
    return ok
