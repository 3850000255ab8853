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
    view = MessageView(meta, loader)
    misses: list[str] = []
    for rule in default_rules() if rules is None else rules:
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
