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
from typing import Callable, Mapping, Sequence

from ghostscan.classify import autoreply, bounce, lists
from ghostscan.classify.autoreply import AUTOREPLY_RULES, CHALLENGE_RULES
from ghostscan.classify.base import (
    BodyNeeded,
    Classification,
    Evidence,
    MessageKind,
    MessageView,
    ReturnedMessage,
    Rule,
    shared,
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
    misses: list[str] = []
    if rules is None:
        screened = _screen(meta)
        if screened is _PLAIN:
            return PLAIN_HUMAN
        if screened is _LIST_ONLY:
            # None of the rules before the notification rules can fire: they are misses.
            misses += _EARLY_NAMES
            rules = _TAIL
        else:
            rules = default_rules()
    view = MessageView(meta, loader)
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
        return shared(
            Classification(
                kind=rule.kind,
                evidence=(evidence,),
                misses=tuple(misses),
                returned=returned,
                body_read=view.body_loaded,
            )
        )
    return shared(
        Classification(
            kind=MessageKind.HUMAN,
            evidence=(HUMAN_DEFAULT,),
            misses=tuple(misses),
            body_read=view.body_loaded,
        )
    )


def defer_body() -> bytes:
    """A body loader for a pass on headers alone: any rule that asks for the body raises `BodyNeeded`."""
    raise BodyNeeded


def classify_headers(meta: MessageMeta) -> Classification:
    """The kind the default chain gives *meta* from its headers alone.

    The first pass of a scan (`ghostscan.pipeline`), done where the headers are parsed:
    the IMAP source runs it in its header-parsing processes and keeps the result with the
    message.

    Raises:
        BodyNeeded: a rule asked for the body; the scan classifies the message once its
            body is fetched.
    """
    return classify_message(meta, defer_body)


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


# -- the screen: which rules can fire at all --------------------------------------------
#
# Most inbound mail is a person writing or a newsletter, and the default chain runs rule
# after rule on it to record misses (some 20 µs a message, a third of the header phase).
# `_screen` looks at the few header values the rules look at first: when none of the
# rules can fire, the message gets the very result the chain would give, `PLAIN_HUMAN`,
# without running it; when only the notification rules can (list and bulk headers), only
# they run, the rules before them recorded as misses. It never skips a rule that could
# fire: each test below is one a rule makes before it fires or reads the body
# (tests/unit/classify/test_registry.py and the corpus tests run the whole chain beside
# it). Tied to the chain it was written for: with another chain (`_SCREENED` differs)
# every message runs the chain.

_SCREENED = (
    "autoreply.challenge", "notification.mdn", "complaint.arf", "delay.dsn", "bounce.dsn",
    "notification.dsn_delivered", "delay.notice", "bounce.notice", "autoreply.rfc3834",
    "autoreply.header", "autoreply.subject", "autoreply.body", "notification.list",
    "notification.bulk", "notification.verp", "notification.auto_generated",
    "notification.noreply", "notification.ticket",
)  # fmt: skip

# Header fields whose mere presence lets some rule before the notification rules fire
# (or read on): RFC 3834 Auto-Submitted, vendor auto-reply fields, X-Failed-Recipients and
# Exchange's inbox-rule fields. Their values are not looked at.
_CUE_FIELDS = frozenset(
    {
        "auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder", "x-failed-recipients",
        "x-ms-exchange-inbox-rules-loop", "x-ms-exchange-generated-message-source",
    }
)  # fmt: skip
# Fields only the notification rules react to: list and bulk-sender fields, and Precedence
# in every value but those `_early_precedence` turns away. A message that has any of them
# and passes every other test runs only those rules.
_LIST_FIELDS = frozenset(
    {
        "precedence", "x-precedence", "list-id", "list-unsubscribe", "list-post", "mailing-list",
        "x-mailing-list", "x-beenthere", "feedback-id", "x-campaign", "x-hs-feedback-id", "x-report-abuse",
    }
)  # fmt: skip
_NOTIFICATION_FIRST = "notification.list"
_PLAIN, _LIST_ONLY, _ANY = "plain", "list only", "any"

PLAIN_HUMAN = Classification(
    kind=MessageKind.HUMAN, evidence=(HUMAN_DEFAULT,), misses=tuple(r.name for r in default_rules()), body_read=False
)
"""What the default chain decides for mail no rule claims: one object for all of it."""

_SCREEN_ON = PLAIN_HUMAN.misses == _SCREENED
_EARLY_NAMES = _SCREENED[: _SCREENED.index(_NOTIFICATION_FIRST)]
_TAIL = default_rules()[len(_EARLY_NAMES) :]
_CACHE_LIMIT = 100_000
# Each test below answers twice: whether the rules before the notification rules stay
# quiet (early), and whether the notification rules do (late). Cached by value: a
# mailbox repeats its subjects, senders and header values.
_Quiet = tuple[bool, bool]
_subjects: dict[str, _Quiet] = {}
_senders: dict[Address, _Quiet] = {}
_values: dict[tuple[str, str], _Quiet] = {}
_QUIET: _Quiet = (True, True)


def _challenge_domain(domain: str) -> bool:
    return domain in autoreply._CHALLENGE_DOMAINS or any(domain.endswith("." + c) for c in autoreply._CHALLENGE_DOMAINS)


def _quiet_subject(subject: str) -> _Quiet:
    """Early: no notice, complaint, delay or auto-reply (strong or weak) wording. Late: no ticket tag."""
    early = not (
        bounce._NOTICE_SUBJECT.search(subject)
        or bounce._COMPLAINT_SUBJECT.match(subject.strip())
        or bounce._DELAY_SUBJECT.search(subject)
        or autoreply.subject_cue(subject) is not None
        or autoreply._SUBJECT_WEAK_PREFIX.search(subject)
    )
    return early, not lists._TICKET_SUBJECT.search(subject)


def _quiet_sender(meta: MessageMeta, sender: Address) -> _Quiet:
    """Early: not a mail system, list manager or challenge service. Late: no no-reply address, not Request Tracker."""
    early = bounce.daemon_sender(meta) is None and not _challenge_domain(sender.domain)
    late = not (lists._NOREPLY.search(sender.email.partition("@")[0]) or " via rt" in f" {sender.name.lower()}")
    return early, late


def _quiet_value(name: str, value: str) -> _Quiet:
    """One header value (Content-Type, Return-Path, X-Mailer) as the rules read it."""
    if name == "content-type":
        return not value.lower().startswith("multipart/report"), True
    if name == "return-path":
        bare = value.strip()
        address = bare.strip("<>").lower()
        local, _, domain = address.rpartition("@")
        early = not (
            bare in ("<>", "<<>>", "<MAILER-DAEMON>")
            or bare.lower() == "<mailer-daemon>"
            or _challenge_domain(autoreply._domain(value))
        )
        return early, not (lists._BOUNCE_LOCAL.search(local) or lists._BOUNCE_DOMAIN.search(domain))
    if name == "x-mailer":
        return True, lists._TICKET_MAILERS.search(value) is None
    return _QUIET


def _remember(cache: dict, key: object, answer: _Quiet) -> _Quiet:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = answer
    return answer


def _early_precedence(meta: MessageMeta, extra: Mapping[str, str]) -> bool:
    """Whether Precedence / X-Precedence stay below every rule before the notification rules.

    ``auto_reply`` is a vendor auto-reply header; ``bulk`` or ``junk`` on a reply is the
    weak signal of vacation(1) that sends the auto-reply rules to the body.
    """
    for name in ("precedence", "x-precedence"):
        value = extra.get(name)
        if value is None:
            continue
        value = value.strip().lower()
        if value.replace("-", "_") == "auto_reply":
            return False
        if name == "precedence" and value in ("bulk", "junk") and (meta.in_reply_to or meta.references):
            return False
    return True


def _screen(meta: MessageMeta) -> str:
    """Which rules of the default chain can fire on *meta*: none (`_PLAIN`), only the
    notification rules (`_LIST_ONLY`), or any (`_ANY`)."""
    if not _SCREEN_ON:
        return _ANY
    sender = meta.sender
    if sender is None:
        return _ANY
    extra = meta.extra
    if not _CUE_FIELDS.isdisjoint(extra):
        return _ANY
    late = True
    for name in ("content-type", "return-path", "x-mailer"):
        value = extra.get(name)
        if value is not None:
            key = (name, value)
            quiet = _values.get(key) or _remember(_values, key, _quiet_value(name, value))
            if not quiet[0]:
                return _ANY
            late = late and quiet[1]
    quiet = _senders.get(sender) or _remember(_senders, sender, _quiet_sender(meta, sender))
    if not quiet[0]:
        return _ANY
    late = late and quiet[1]
    subject = meta.subject
    quiet = _subjects.get(subject) or _remember(_subjects, subject, _quiet_subject(subject))
    if not quiet[0]:
        return _ANY
    if late and quiet[1] and _LIST_FIELDS.isdisjoint(extra):
        return _PLAIN
    return _LIST_ONLY if _early_precedence(meta, extra) else _ANY
