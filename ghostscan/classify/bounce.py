"""Delivery notices: bounces, delay warnings and feedback-loop complaints.

Three kinds of machine mail look alike and mean different things to a sender:

* a **bounce** — the message was not delivered and will not be (RFC 3464 ``Action:
  failed``, status 5.x.x, or a non-RFC notice saying so);
* a **delay** warning — the server is still retrying (``Action: delayed``, 4.x.x,
  "Delayed Mail (still being retried)");
* a **complaint** — a feedback-loop or abuse report (RFC 5965 ARF); the message *was*
  delivered and the recipient marked it as spam.

RFC 3464 delivery status notifications are read directly. flufl.bounce adds recipients
for the many MTAs that send free-form notices, but only once the message looks like a
delivery notice at all: its heuristic detectors also fire on human mail that happens to
quote an address and an error line.

Every rule reads headers first and loads the body only when the headers make a delivery
notice plausible; ordinary human mail never costs a body read here.
"""

from __future__ import annotations

import email.errors
import logging
import re
import weakref
from dataclasses import dataclass, field
from email.message import Message

from ghostscan.classify.autoreply import subject_cue
from ghostscan.classify.base import Evidence, MessageKind, MessageView, ReturnedMessage
from ghostscan.parse.body import body_text, header_text, parse_message, parse_message_cached, part_text
from ghostscan.parse.headers import MessageMeta, decode_header_value, message_ids


class _DetectorCrashFilter(logging.Filter):
    """Drops flufl.bounce's "Exception in detector" tracebacks.

    `flufl.bounce.all_failures` logs the traceback of a crashing heuristic detector
    before re-raising; `_flufl` below catches the error and treats it as "no answer", so
    the traceback would only be noise on the user's terminal for one malformed mail.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Exception in detector")


logging.getLogger("flufl.bounce").addFilter(_DetectorCrashFilter())

# --- header cues -------------------------------------------------------------------------

# Local parts of the addresses MTAs send notices from (RFC 5321 §4.5.5 null sender aside).
_DAEMON_LOCALPARTS = frozenset(
    {
        "mailer-daemon",
        "mailer_daemon",
        "mailerdaemon",
        "mail-daemon",
        "maildaemon",
        "mdaemon",
        "postmaster",
        "double-bounce",
        "mail.delivery.subsystem",
        "mail-delivery-subsystem",
        "maildelivery",
        "mail-router",
        "smtp-gateway",
        "mmdf",
        "mailadmin",
        "mail-admin",
    }
)

_DAEMON_PREFIXES = ("mailerdaemon", "postmaster", "maildaemon", "microsoftexchange")

_LIST_MANAGER = re.compile(r"^owner-|[-+](?:owner|admin|bounces?)(?:[-+]|$)")

# Display names of notice senders, lower-cased substrings. Exchange and Office 365 send
# NDRs as "Microsoft Outlook <postmaster@…>" or "System Administrator".
_DAEMON_NAMES = (
    "mail delivery",
    "mailer-daemon",
    "mailer daemon",
    "postmaster",
    "mail administrator",
    "mail system",
    "system administrator",
    "systemadministrator",
    "microsoft outlook",
    "microsoft exchange",
    "mail delivery subsystem",
    "e-mail-zustelldienst",
    "mailzustellsystem",
    "ndr administrator",
)

# Subjects of delivery notices in the languages our users meet. Broad on purpose: this
# only decides whether the body is worth reading, never the verdict on its own.
_NOTICE_SUBJECT = re.compile(
    r"undeliver|undelivered|non[- ]?deliver|not delivered|could not be delivered|"
    r"delivery (?:status|failure|failed|notification|report|problem|has failed|incomplete)|"
    r"returned mail|returned to sender|mail delivery|delivery failure|failure notice|"
    r"mail (?:system )?error|mail failure|failed mail|delivery report|"
    r"permanent (?:delivery )?failure|message (?:status|delivery)|delayed mail|"
    r"warning: (?:message|could not send)|message delayed|mail not delivered|"
    r"unzustellbar|nicht zustellbar|übermittlungsstatus|zustellung (?:fehlgeschlagen|verzögert)|"
    r"zustellungsbericht|zustellbericht|zustellstatus|fehlgeschlagen|"
    r"nicht zugestellt|empfänger unbekannt|unbekannter empfänger|"
    r"non remis|non distribuable|olevererbart|onbestelbaar|no entregado|non recapitato|"
    r"недоставлен|не доставлен|配信|メールエラー|退信",
    re.IGNORECASE,
)

_DSN_CONTENT_TYPE = re.compile(r"report-type\s*=\s*\"?delivery-status", re.IGNORECASE)
_ARF_CONTENT_TYPE = re.compile(r"report-type\s*=\s*\"?feedback-report", re.IGNORECASE)

# --- body cues ---------------------------------------------------------------------------

# Wording of a notice that says the message did not arrive and will not (EN, DE and a
# few others). The matched words are quoted in the evidence --explain shows.
_FAILURE_PHRASES = re.compile(
    r"could not be delivered|couldn't be delivered|could not be deliver|was not delivered|"
    r"wasn't able to deliver|was unable to deliver|unable to deliver|undeliverable|"
    r"delivery (?:to the following recipients? )?(?:has )?failed|failed permanently|"
    r"permanent (?:fatal )?error|permanent failure|fatal errors?|"
    r"message could not be sent|not be delivered|did not reach|"
    r"delivery is not possible|cannot be delivered|can not be delivered|"
    r"user unknown|unknown user|no such (?:user|mailbox|recipient|address)|"
    r"mailbox (?:unavailable|not found|does not exist|is disabled)|address rejected|"
    r"recipient (?:address )?rejected|does not exist|not a valid (?:mailbox|recipient)|"
    r"returned to (?:the )?sender|returning message to sender|returned mail|undelivered mail|"
    r"mail delivery failed|delivery failure|failure notice|not a valid user|invalid (?:user|recipient|address)|"
    r"(?:was |were )?rejected by|account (?:is|has been) (?:disabled|suspended|deactivated)|"
    r"unable to be delivered|(?:an )?error (?:has )?occurred while (?:attempting to )?deliver|"
    r"(?:trouble|problems?|errors?) (?:in |when |while )?(?:delivering|sending) your|envelope expired|"
    r"mail failure|malformed (?:recipient )?address|mail loop|loop (?:alert|detected)|too many hops|hop count exceeded|"
    r"quota exceeded|mailbox (?:is )?full|over quota|message (?:was )?(?:blocked|refused)|"
    r"delivery to the following recipient|host (?:or domain name )?not found|host unknown|"
    r"unzustellbar|nicht zustellbar|konnte nicht zugestellt werden|nicht zugestellt|"
    r"empfänger unbekannt|unbekannter empfänger|zustellung (?:ist )?fehlgeschlagen|"
    r"fehlgeschlagen|existiert nicht|(?:empfänger|empfängern) nicht erreicht|nicht erreicht werden|"
    r"no valid recipients|failed (?:addresses|recipients)|unknown host|may not exist|"
    r"n'a pas pu (?:être|etre) (?:remis|délivré|delivre)|non remis|no se pudo entregar|non è stato recapitato|"
    r"kunde inte levereras|olevererbart|не доставлен|недоставлен|"
    r"送信できませんでした|配信できませんでした|届きませんでした|送信に失敗",
    re.IGNORECASE,
)

# A warning that the server keeps trying: the message may still arrive (RFC 3464 "delayed").
_RETRY_PHRASES = re.compile(
    r"will (?:continue to )?(?:re)?try|will be retried|will retry|still being retried|"
    r"will keep trying|keep on trying|still trying|will (?:continue to )?attempt|"
    r"has not yet been delivered|not yet been delivered|no action is required|"
    r"is delayed|been delayed|delivery (?:is )?delayed|delayed delivery|"
    r"wird (?:weiterhin|erneut) versucht|verzögert|noch nicht zugestellt|"
    r"keine aktion erforderlich",
    re.IGNORECASE,
)

# Subjects that by themselves say "delay warning", not "failure".
_DELAY_SUBJECT = re.compile(
    r"\bdelay(?:ed)?\b|still being retried|not yet been delivered|could not send message for past|"
    r"delivery incomplete|delivery (?:status notification: )?warning|mail delivery warning|"
    r"verzögert|verzögerung",
    re.IGNORECASE,
)

# Hotmail/Outlook.com's pre-ARF feedback loop and other plain-text complaint formats.
_COMPLAINT_SUBJECT = re.compile(
    r"^(?:complaint about message from|abuse report\b|email feedback report\b|"
    r"spam(?: complaint| report)\b|fbl\b|feedback loop)",
    re.IGNORECASE,
)

# RFC 3463 enhanced status codes of class 5 (permanent) and RFC 5321 55x replies, as
# free-form notices quote them ("550 5.1.1 User unknown").
_PERMANENT_CODE = re.compile(r"\b5\.[0-7]\.\d{1,3}\b|\b55[0-4](?:[ -]|$)", re.MULTILINE)
_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_MSGID_LINE = re.compile(r"^\s*>?\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_SUBJECT_LINE = re.compile(r"^\s*>?\s*(?:Subject|Betreff):[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE)
# qmail ("<user@host>:") and Exim ("  user@host") list each failed recipient at the start
# of a line; the address is followed by a colon or by the end of the line.
_RECIPIENT_LINE = re.compile(
    r"^[ \t]*<?(" + _ADDRESS.pattern + r")>?(?:[ \t]*(?::|$)|[ \t]+(?:am|on|at|\.\.\.)[ \t])", re.MULTILINE
)
# "Empfänger unbekannt: x@y", "Recipient address: <x@y>", "Failed recipient: x@y".
_RECIPIENT_LABEL = re.compile(
    r"(?:recipient|empfänger|address|adresse)[^:\n]{0,40}:[ \t]*<?(" + _ADDRESS.pattern + r")", re.IGNORECASE
)
# Lotus Notes and some gateways keep the original subject, "RE:" included, and append
# the verdict: "RE: Ihr Angebot : non remis".
_NOTICE_SUFFIX = re.compile(
    r"[:\-–]\s*(?:non remis|non distribuable|undeliverable|undelivered|unzustellbar|nicht zustellbar|"
    r"delivery failure|failure notice)\s*(?:\([^)]{0,40}\))?\s*$",
    re.IGNORECASE,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$\n?", re.MULTILINE)
# Replies and forwards ("WG:" is Outlook's German "Fwd:"): a person passing a notice on.
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|antw|sv|vs|odp|fw|fwd|wg|tr)\s*:", re.IGNORECASE)
# Exchange and others repeat the original subject after a fixed prefix.
_SUBJECT_PREFIX = re.compile(
    r"^(?:undeliverable|unzustellbar|nicht zustellbar|non remis|olevererbart|"
    r"undeliverable mail|undelivered mail|failure notice|delivery failure)\s*:+\s*(.+)$",
    re.IGNORECASE,
)

# --- the shared reading of one message ---------------------------------------------------


@dataclass
class _Reading:
    """What the bounce rules learnt from one message body; computed once per message."""

    msg: Message
    text: str
    dsn_blocks: list[Message] = field(default_factory=list)
    has_dsn_part: bool = False
    has_arf_part: bool = False
    has_original: bool = False
    failed: list[str] = field(default_factory=list)
    delayed: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    flufl_permanent: tuple[str, ...] = ()
    flufl_temporary: tuple[str, ...] = ()
    flufl_done: bool = False


_READINGS: "weakref.WeakKeyDictionary[MessageView, _Reading]" = weakref.WeakKeyDictionary()


def _reading(view: MessageView) -> _Reading:
    """Parse *view*'s body once and collect the DSN fields every rule here needs."""
    found = _READINGS.get(view)
    if found is not None:
        return found
    msg = parse_message_cached(view.raw())
    reading = _Reading(msg=msg, text=body_text(msg))
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/feedback-report":
            reading.has_arf_part = True
        if ctype in ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers"):
            reading.has_original = True
        if ctype not in ("message/delivery-status", "message/global-delivery-status"):
            continue
        reading.has_dsn_part = True
        reading.dsn_blocks.extend(_dsn_blocks(part))
    for block in reading.dsn_blocks:
        recipient = _dsn_recipient(block)
        action = header_text(block, "action").strip().lower()
        status = header_text(block, "status").strip()
        if status:
            reading.statuses.append(status)
        if not recipient and not action:
            continue
        if action.startswith(("fail", "error")) or (not action and status.startswith("5")):
            if recipient:
                reading.failed.append(recipient)
            else:
                reading.failed.append("")
        elif action.startswith("delay") or (not action and status.startswith("4")):
            reading.delayed.append(recipient)
        elif action.startswith(("deliver", "relay", "expand")) or (not action and status.startswith("2")):
            reading.delivered.append(recipient)
    _READINGS[view] = reading
    return reading


def _dsn_blocks(part: Message) -> list[Message]:
    """Return the header blocks of a message/delivery-status part.

    The stdlib parses each block into a `Message`; when the part is base64-encoded or
    otherwise unusual it stays one string, which is parsed here block by block.
    """
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if not isinstance(payload, str):
        return []
    text = payload
    if header_text(part, "content-transfer-encoding").strip().lower() in ("base64", "quoted-printable"):
        text = part_text(part)
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text)]
    return [parse_message(block.encode("utf-8", "replace")) for block in blocks if block]


def _dsn_recipient(block: Message) -> str:
    """Final-Recipient (or Original-Recipient) of one DSN block, without the type prefix."""
    for name in ("final-recipient", "original-recipient", "x-actual-recipient"):
        value = decode_header_value(header_text(block, name))
        match = _ADDRESS.search(value)
        if match:
            return match.group(0).strip(".").lower()
    return ""


def _flufl(reading: _Reading) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Run flufl.bounce once; returns (temporary, permanent) addresses as text."""
    if not reading.flufl_done:
        # Here rather than at the top: most runs never meet a notice this unclear, and
        # the import (some 10 ms) would slow every run that loads the pipeline, the
        # re-run of an unchanged mailbox too.
        import flufl.bounce

        reading.flufl_done = True
        try:
            temporary, permanent = flufl.bounce.all_failures(reading.msg)
        except (
            LookupError,
            ValueError,
            TypeError,
            AttributeError,
            IndexError,
            UnicodeError,
            AssertionError,
            email.errors.MessageError,
        ):
            # flufl.bounce's heuristic detectors assume well-formed mail and re-raise
            # whatever a malformed part makes them trip over; that just means "no answer".
            temporary, permanent = frozenset(), frozenset()
        reading.flufl_temporary = _addresses(temporary)
        reading.flufl_permanent = _addresses(permanent)
    return reading.flufl_temporary, reading.flufl_permanent


def _addresses(values: frozenset[bytes]) -> tuple[str, ...]:
    out = []
    for value in values:
        text = value.decode("utf-8", "replace").strip().strip("<>").lower()
        if "@" in text and _ADDRESS.fullmatch(text):
            out.append(text)
    return tuple(sorted(out))


# --- structure gates ---------------------------------------------------------------------


def daemon_sender(meta: MessageMeta) -> str | None:
    """Say why the sender looks like a mail system rather than a person, or None.

    Returns:
        A short description for evidence (``"From MAILER-DAEMON@example.com"``), or None.
    """
    sender = meta.sender
    if sender is None:
        return None
    local = sender.email.partition("@")[0]
    # "post_master", "Mailer_Daemon", "mail.daemon": spellings vary, the words do not.
    squashed = re.sub(r"[-_.\s\"]", "", local)
    # Exchange Online sends NDRs from "MicrosoftExchange329e71ec…@tenant".
    if local in _DAEMON_LOCALPARTS or squashed.startswith(_DAEMON_PREFIXES):
        return f"From {sender.email}"
    if _LIST_MANAGER.search(local):
        # Mailman, mlmmj, Majordomo and fml send "post denied" / "awaits approval" /
        # "not delivered to the list" notices from the list's owner or admin address.
        return f"From the list manager {sender.email}"
    name = sender.name.lower()
    for cue in _DAEMON_NAMES:
        if cue in name:
            return f"From {sender.name!r}"
    return None


def null_sender(meta: MessageMeta) -> bool:
    """True when the envelope sender is null (``Return-Path: <>``, RFC 5321 §4.5.5)."""
    value = meta.header("return-path").strip()
    return value in ("<>", "<<>>", "<MAILER-DAEMON>") or value.lower() in ("<mailer-daemon>",)


def notice_subject(meta: MessageMeta) -> str | None:
    """Return the delivery-notice wording the subject contains, or None."""
    match = _NOTICE_SUBJECT.search(meta.subject)
    return match.group(0) if match else None


def _dsn_content_type(meta: MessageMeta) -> bool:
    ctype = meta.header("content-type").lower()
    return ctype.startswith("multipart/report") and bool(_DSN_CONTENT_TYPE.search(ctype))


_last_plausible: tuple[MessageMeta | None, bool] = (None, False)


def _plausible(meta: MessageMeta) -> bool:
    """Whether the headers allow a delivery notice at all (else the body stays unread).

    The complaint, delay and bounce rules all ask this of the same message in a row; the
    answer for the last message is kept (its subject regex is the classifier's hot spot).
    """
    global _last_plausible
    if _last_plausible[0] is meta:
        return _last_plausible[1]
    answer = _plausible_headers(meta)
    _last_plausible = (meta, answer)
    return answer


def _plausible_headers(meta: MessageMeta) -> bool:
    ctype = meta.header("content-type").lower()
    return bool(
        ctype.startswith("multipart/report")
        or daemon_sender(meta)
        or null_sender(meta)
        or notice_subject(meta)
        or meta.header("x-failed-recipients")
        or meta.sender is None
    )


def _structure(meta: MessageMeta, reading: _Reading) -> tuple[str | None, bool]:
    """Why this message is a delivery notice by its structure (gates flufl.bounce).

    Returns:
        ``(reason, strong)``: the reason for evidence, or None when nothing about the
        message says "mail system"; *strong* is False when only the subject does, which
        a person can also write ("Re: Delivery failed for order 4711").
    """
    if reading.has_dsn_part:
        return "a message/delivery-status part", True
    daemon = daemon_sender(meta)
    if daemon:
        return daemon, True
    if meta.sender is None:
        # "From: MAILER-DAEMON" without a domain parses to no address at all.
        raw_from = header_text(reading.msg, "from").lower()
        squashed = re.sub(r"[-_.\s]", "", raw_from)
        if "mailerdaemon" in squashed or "postmaster" in squashed or "maildelivery" in squashed:
            return f"From {raw_from.strip()!r}", True
    if meta.header("x-failed-recipients"):
        return "X-Failed-Recipients header", True
    if null_sender(meta):
        return "null Return-Path <>", True
    return_path = meta.header("return-path").strip().strip("<>").lower()
    if re.sub(r"[-_.]", "", return_path.partition("@")[0]).startswith(_DAEMON_PREFIXES):
        return f"Return-Path {return_path}", True
    subject = notice_subject(meta)
    if subject:
        return f"subject contains {subject!r}", False
    return None, False


def _autoreply_with_null_sender(meta: MessageMeta, structure: str) -> bool:
    """True for an auto-reply whose only notice-like trait is its null Return-Path.

    RFC 3834 §3.3 asks auto-responders for a null Return-Path too, and Exchange's
    out-of-office replies have one; their subject prefix tells them apart.
    """
    return structure.startswith("null Return-Path") and subject_cue(meta.subject) is not None


# --- what a bounce says about our original message ---------------------------------------


def returned_message(view: MessageView) -> ReturnedMessage:
    """Dig out the original Message-ID, failed recipients and subject from a bounce.

    Sources, best first: an attached message/rfc822 or text/rfc822-headers part; the
    DSN's Final-Recipient / Original-Recipient fields and X-Failed-Recipients; flufl.bounce;
    "Message-ID:" / "Subject:" lines of headers quoted in the body text; recipient lines
    as qmail and Exim write them.

    Returns:
        What could be found; fields stay empty when the notice does not say.
    """
    meta = view.meta
    reading = _reading(view)
    message_id: str | None = None
    subject: str | None = None
    for part in reading.msg.walk():
        ctype = part.get_content_type()
        headers: Message | None = None
        if ctype in ("message/rfc822", "message/global", "message/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                headers = inner[0]
        elif ctype in ("text/rfc822-headers", "text/global-headers"):
            headers = parse_message(part_text(part).encode("utf-8", "replace"))
        if headers is None:
            continue
        if message_id is None and header_text(headers, "message-id"):
            ids = message_ids(decode_header_value(header_text(headers, "message-id")))
            message_id = ids[0] if ids else None
        if subject is None and headers.get("subject") is not None:
            subject = " ".join(decode_header_value(header_text(headers, "subject")).split())
        if message_id and subject is not None:
            break
    if message_id is None or subject is None:
        text = body_text(reading.msg, attached=True)
        if message_id is None:
            match = _MSGID_LINE.search(text)
            if match:
                ids = message_ids(match.group(1))
                message_id = ids[0] if ids and ids[0] != meta.message_id else None
        if subject is None:
            match = _SUBJECT_LINE.search(text)
            if match and match.group(1).strip() != meta.subject:
                subject = " ".join(decode_header_value(match.group(1).strip()).split())
    if subject is None:
        match = _SUBJECT_PREFIX.match(meta.subject.strip())
        if match:
            subject = match.group(1).strip()

    recipients: list[str] = [r for r in reading.failed if r]
    for value in meta.header("x-failed-recipients").split(","):
        match = _ADDRESS.search(value)
        if match:
            recipients.append(match.group(0).lower())
    if not recipients:
        recipients.extend(_flufl(reading)[1])
    if not recipients:
        own = {a.email for a in meta.recipients}
        if meta.sender:
            own.add(meta.sender.email)
        for pattern in (_RECIPIENT_LINE, _RECIPIENT_LABEL):
            for match in pattern.finditer(reading.text):
                address = match.group(1).strip(".").lower()
                if address not in own and not address.startswith(("postmaster@", "mailer-daemon@")):
                    recipients.append(address)
    return ReturnedMessage(
        message_id=message_id,
        recipients=tuple(dict.fromkeys(recipients)),
        subject=subject or None,
    )


# --- rules -------------------------------------------------------------------------------


class FeedbackReportRule:
    """A feedback-loop or abuse report (RFC 5965 ARF, Hotmail/AOL/Yahoo formats)."""

    name = "complaint.arf"
    description = "Feedback-loop / abuse report (ARF multipart/report; report-type=feedback-report)."
    kind = MessageKind.COMPLAINT

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        meta = message.meta
        ctype = meta.header("content-type").lower()
        if ctype.startswith("multipart/report") and _ARF_CONTENT_TYPE.search(ctype):
            return Evidence(self.name, "Content-Type multipart/report; report-type=feedback-report")
        subject = _COMPLAINT_SUBJECT.match(meta.subject.strip())
        if not (ctype.startswith("multipart/report") or subject):
            return None
        reading = _reading(message)
        if reading.has_arf_part:
            return Evidence(self.name, "contains a message/feedback-report part (RFC 5965)")
        if subject and re.search(r"feedback-type:|complain|abuse|spam", reading.text, re.IGNORECASE):
            return Evidence(self.name, f"subject starts with {subject.group(0)!r} and the body reports a complaint")
        if subject and reading.has_original:
            # Hotmail's pre-ARF loop sends only the reported message, attached, under
            # "complaint about message from <IP>".
            return Evidence(self.name, f"subject starts with {subject.group(0)!r} and the reported message is attached")
        return None


class DelayDSNRule:
    """An RFC 3464 DSN whose recipients are all only delayed."""

    name = "delay.dsn"
    description = "Delivery status notification with Action: delayed and no failed recipient (RFC 3464)."
    kind = MessageKind.DELAY

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        if not _plausible(message.meta):
            return None
        reading = _reading(message)
        if not reading.has_dsn_part or reading.failed or not reading.delayed:
            return None
        who = ", ".join(r for r in reading.delayed if r) or "the recipient"
        return Evidence(self.name, f"DSN Action: delayed for {who}; the server is still retrying")


class BounceDSNRule:
    """An RFC 3464 DSN with at least one failed recipient."""

    name = "bounce.dsn"
    description = "Delivery status notification with Action: failed or a 5.x.x status (RFC 3464)."
    kind = MessageKind.BOUNCE

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        if not _plausible(message.meta):
            return None
        reading = _reading(message)
        if not reading.has_dsn_part or not reading.failed:
            return None
        who = ", ".join(r for r in reading.failed if r) or "a recipient"
        status = next((s for s in reading.statuses if s.startswith(("5", "4"))), "")
        detail = f"DSN Action: failed for {who}"
        if status:
            detail += f" (Status: {status})"
        return Evidence(self.name, detail)


class DeliveredDSNRule:
    """An RFC 3464 DSN that reports successful delivery or relay, nothing failed or delayed."""

    name = "notification.dsn_delivered"
    description = "Delivery status notification with Action: delivered, relayed or expanded (RFC 3464)."
    kind = MessageKind.NOTIFICATION

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        if not _dsn_content_type(message.meta):
            return None
        reading = _reading(message)
        if reading.failed or reading.delayed or not reading.delivered:
            return None
        who = ", ".join(r for r in reading.delivered if r) or "the recipient"
        return Evidence(self.name, f"DSN reports successful delivery to {who}")


class DelayNoticeRule:
    """A non-RFC delay warning: "Warning: message delayed 48 hours", Gmail's "(Delay)"."""

    name = "delay.notice"
    description = "Delay warning from a mail server that says it keeps retrying."
    kind = MessageKind.DELAY

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        meta = message.meta
        subject = _DELAY_SUBJECT.search(meta.subject)
        if not subject or not _plausible(meta):
            return None
        reading = _reading(message)
        if reading.failed:
            return None
        structure = _structure(meta, reading)[0]
        if structure is None or _autoreply_with_null_sender(meta, structure):
            return None
        retry = _RETRY_PHRASES.search(reading.text)
        if retry is None and reading.delayed:
            retry = True  # a DSN without Action lines
        if retry is None:
            return None
        return Evidence(self.name, f"subject contains {subject.group(0)!r} and the notice says it will retry")


class BounceNoticeRule:
    """A free-form delivery failure notice (Exchange, qmail, Exim, Domino, German NDRs)."""

    name = "bounce.notice"
    description = "Non-RFC delivery failure notice from a mail system (EN/DE wording, flufl.bounce)."
    kind = MessageKind.BOUNCE

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        meta = message.meta
        if not _plausible(meta):
            return None
        reading = _reading(message)
        structure, strong = _structure(meta, reading)
        if structure is None or _autoreply_with_null_sender(meta, structure):
            return None
        if reading.delivered and not reading.failed and not reading.delayed:
            # A DSN whose Action fields all say delivered/relayed is no failure, whatever
            # its wording (a relay notice quotes "could not be delivered with DSN").
            return None
        _, permanent = _flufl(reading)
        retrying = _RETRY_PHRASES.search(reading.text)
        if reading.delayed and not reading.failed and retrying:
            return None
        phrase = _FAILURE_PHRASES.search(meta.subject) or _FAILURE_PHRASES.search(reading.text)
        code = _PERMANENT_CODE.search(reading.text)
        if not strong:
            # Only the subject sounds like a notice: a person may have written it ("Re:
            # Zustellung fehlgeschlagen?", "Mail delivery problem on our side"), so it must
            # not be a reply or forward, and besides a failure wording in the body's own
            # text (not what it quotes) the message must show a mail system's hand: a
            # returned message, a recipient flufl.bounce recognises, or no From address.
            # An SMTP status alone is not enough; people paste those into mails.
            if _REPLY_PREFIX.match(meta.subject) and not _NOTICE_SUFFIX.search(meta.subject):
                return None
            own_text = _QUOTED_LINE.sub("", reading.text)
            if _FAILURE_PHRASES.search(own_text) is None or not (
                permanent or reading.has_original or meta.sender is None
            ):
                return None
        if permanent:
            who = ", ".join(permanent[:3])
            return Evidence(self.name, f"{structure}; flufl.bounce found a permanent failure for {who}")
        if phrase is not None:
            return Evidence(self.name, f"{structure}; the notice says {phrase.group(0)!r}")
        if code is not None:
            status = code.group(0).strip()
            return Evidence(self.name, f"{structure}; the notice quotes the permanent SMTP status {status!r}")
        if reading.has_original and strong and not retrying:
            return Evidence(self.name, f"{structure}; the mail system returned the original message")
        return None


BOUNCE_RULES = (
    FeedbackReportRule(),
    DelayDSNRule(),
    BounceDSNRule(),
    DeliveredDSNRule(),
    DelayNoticeRule(),
    BounceNoticeRule(),
)
"""The rules of this module in the order the default chain runs them."""
