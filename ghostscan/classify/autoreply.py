"""Auto-replies: out-of-office, vacation, challenge-response, acknowledgements of receipt.

An auto-reply proves the address works but says nothing about the offer, so the verdict
stage must not mistake it for an answer. The strongest evidence is RFC 3834
``Auto-Submitted: auto-replied``; vendor headers and subject prefixes follow. Subject
cues alone must be *strong* (the prefix forms mail programs write, such as "Automatische
Antwort:"): a person writing "Re: Angebot — ich bin bis Montag im Urlaub" is human.
Weaker signals (a null sender, an Exchange inbox-rule header, ``Auto-Submitted:
auto-generated``) count only when the body confirms them.

``X-Auto-Response-Suppress`` is deliberately ignored: Outlook sets it on ordinary mail to
ask *others* not to auto-reply (MS-OXCMAIL §2.2.3.2.14).
"""

from __future__ import annotations

import re

from ghostscan.classify.base import Evidence, MessageKind, MessageView
from ghostscan.parse.body import body_text, parse_message_cached
from ghostscan.parse.headers import MessageMeta

# Wording mail programs put in an auto-reply's subject, in the languages our users meet;
# each is unambiguous on its own *in prefix position*.
_CUES = (
    r"automatic reply|automatic response|auto[- ]?reply|auto[- ]?response|autoreply|"
    r"auto[- ]?responder|out of (?:the )?office(?: reply| autoreply| notice)?|"
    r"out-of-office|away from (?:the |my )?office|vacation (?:reply|notice|message)|"
    r"automatische antwort|abwesenheitsnotiz|abwesenheitsmeldung|automatische rückantwort|"
    r"autom\. antwort|urlaubsnotiz|"
    r"réponse automatique|reponse automatique|absence du bureau|"
    r"risposta automatica|fuori sede|respuesta automática|respuesta automatica|"
    r"fuera de la oficina|resposta automática|automatisch antwoord|afwezigheidsmelding|"
    r"automatyczna odpowied[źz]|odpowied[źz] automatyczna|autosvar|automatisk svar|"
    r"automaattinen vastaus|automatická odpověď|automatikus válasz|automātiskā atbilde|"
    r"automatiska atbilde|αυτόματη απάντηση|автоматический ответ|"
    r"automatické odpověď"
)
# One-word prefixes that mail programs write but people sometimes do too ("Urlaub:
# Fotos vom Wochenende"); they count only with a header or body signal beside them.
_WEAK_CUES = r"auto|vacation|urlaub|away|abwesend|abwesenheit|ooo"

# "Automatische Antwort: Angebot Website", "[Ticket #123] AutoReply: …", "Arpus biroja
# automātiskā atbilde: …": a cue, possibly after a few words, then a colon, at the start
# (after an optional "[tag]"). A "Re:" in front means a person answered an auto-reply.
_TAG = r"^\s*(?:\[[^\]]{0,80}\]\s*)?"
_SUBJECT_PREFIX = re.compile(
    _TAG + r"(?P<cue>(?:[^\W\d_][\w.-]*\s+){0,4}?(?:" + _CUES + r"))\s*:", re.IGNORECASE
)
_SUBJECT_WEAK_PREFIX = re.compile(_TAG + r"(?P<cue>" + _WEAK_CUES + r")\s*:", re.IGNORECASE)
# "Out of Office" / "Abwesenheitsnotiz" as the whole subject, or "(Automatic Response)" /
# "[Automatyczna odpowiedź ]" in brackets anywhere.
_SUBJECT_WHOLE = re.compile(r"^\s*(?P<cue>" + _CUES + r")\b[\s.!]*$", re.IGNORECASE)
_SUBJECT_BRACKETED = re.compile(r"[\[(]\s*(?P<cue>" + _CUES + r")\s*[\])]", re.IGNORECASE)

# A body that says it was written by a machine on somebody's behalf.
_BODY_CUES = re.compile(
    r"out of (?:the )?office|i am (?:currently )?(?:away|on (?:vacation|holiday|leave)|travel+ing)|"
    r"i'm (?:currently )?(?:away|on (?:vacation|holiday|leave)|travel+ing)|"
    r"(?:limited|no) access to (?:my )?e-?mail|"
    r"(?:will|shall) (?:reply|respond|answer|get back)[^.\n]{0,60}(?:return|back)|"
    r"upon my return|when i return|after my return|"
    r"this is an? automat(?:ic|ed)(?:ally generated)? (?:reply|response)|"
    r"automatically generated (?:reply|response)|"
    r"(?:we|i) have received your (?:e-?mail|message|request|inquiry|enquiry)|"
    r"thank you for (?:your )?(?:e-?mail|message|contacting)[^.\n]{0,80}(?:received|respond|reply|get back|as soon as)|"
    r"bin (?:bis|ab|vom)[^.\n]{0,60}(?:nicht im büro|abwesend|im urlaub|nicht erreichbar)|"
    r"nicht im büro|außer haus|ausser haus|abwesend|im urlaub|nicht erreichbar|"
    r"nach meiner rückkehr|ab dem [^.\n]{0,30} wieder|"
    r"dies ist eine automatische|diese (?:e-mail|nachricht) wurde automatisch|"
    r"automatische (?:antwort|benachrichtigung|eingangsbestätigung)|"
    r"ihre (?:nachricht|anfrage|e-mail|mail) (?:ist bei uns eingegangen|haben wir erhalten|wurde empfangen)|"
    r"vielen dank für ihre (?:nachricht|anfrage|e-mail|mail)[^.\n]{0,80}(?:eingegangen|erhalten|melden|bearbeiten)|"
    r"gracias por (?:contactar|su mensaje|tu mensaje)|merci pour votre message|je suis absent",
    re.IGNORECASE,
)

# Challenge-response services: the reply asks the sender to prove they are a person
# before the mail is delivered. The vendor domains are the services themselves.
_CHALLENGE_DOMAINS = frozenset(
    {"boxbe.com", "bluebottle.com", "spamarrest.com", "mailblocks.com", "choicemail.com", "sendio.com", "qurb.com"}
)
_CHALLENGE_BODY = re.compile(
    r"waitlisted|guest list|allowed (?:senders? )?list|approved senders? list|whitelist|"
    r"verify (?:that )?you are (?:a )?(?:human|real person|person)|sender verification|"
    r"(?:confirm|verify) your (?:e-?mail|address|identity)|protected by \w+|"
    r"to ensure delivery of your (?:e-?mail|message)|"
    r"click (?:on )?the (?:following )?link[^.]{0,60}(?:added|deliver|verify)",
    re.IGNORECASE,
)


# Where clients start quoting the mail being answered (Outlook DE/EN, Thunderbird,
# Apple Mail, Gmail).
_QUOTE_HEADER = re.compile(
    r"^[ \t]*(?:-{2,}\s*(?:original message|ursprüngliche nachricht|weitergeleitete nachricht|"
    r"forwarded message)\s*-{2,}|(?:von|from):[^\n]*\n[ \t]*(?:gesendet|sent|datum|date):|"
    r"(?:am|on) [^\n]{4,80}(?:schrieb|wrote)[^\n]{0,80}:)",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


def subject_cue(subject: str) -> str | None:
    """The strong auto-reply wording in *subject*, or None.

    Example:
        >>> subject_cue("Automatische Antwort: Angebot Website")
        'Automatische Antwort'
        >>> subject_cue("Re: Angebot - ich bin bis Montag im Urlaub") is None
        True
    """
    for pattern in (_SUBJECT_PREFIX, _SUBJECT_WHOLE, _SUBJECT_BRACKETED):
        match = pattern.search(subject)
        if match:
            return match.group("cue").strip()
    return None


def _domain(value: str) -> str:
    return value.strip().strip("<>").rpartition("@")[2].lower()


def _body(view: MessageView) -> str:
    """The message's own text: quoted lines and everything after a quote header dropped.

    An auto-reply's wording is at the top; what follows a quote header is the mail it
    answers (often our own offer, "Vielen Dank für Ihre Anfrage …"), which must not
    count as a cue.
    """
    text = body_text(parse_message_cached(view.raw()), limit=32 * 1024)
    match = _QUOTE_HEADER.search(text)
    if match:
        text = text[: match.start()]
    return _QUOTED_LINE.sub("", text)


class ChallengeResponseRule:
    """A challenge-response system asks the sender to verify before delivery (Boxbe & co)."""

    name = "autoreply.challenge"
    description = "Challenge-response system (Boxbe, Bluebottle, Spam Arrest …) asking the sender to verify."
    kind = MessageKind.AUTO_REPLY

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        meta = message.meta
        domains = {_domain(meta.header("return-path"))}
        if meta.sender is not None:
            domains.add(meta.sender.domain)
        vendor = sorted(
            d for d in domains if d in _CHALLENGE_DOMAINS or any(d.endswith("." + c) for c in _CHALLENGE_DOMAINS)
        )
        if not vendor:
            return None
        match = _CHALLENGE_BODY.search(_body(message))
        if match is None:
            return None
        return Evidence(
            self.name, f"sent by {vendor[0]}, a challenge-response service; the body says {match.group(0)!r}"
        )


class RFC3834Rule:
    """RFC 3834 ``Auto-Submitted: auto-replied``."""

    name = "autoreply.rfc3834"
    description = "Auto-Submitted: auto-replied (RFC 3834 §5)."
    kind = MessageKind.AUTO_REPLY

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        value = message.meta.header("auto-submitted").strip().lower()
        if value.startswith("auto-replied"):
            return Evidence(self.name, "Auto-Submitted: auto-replied")
        return None


class VendorHeaderRule:
    """Auto-reply headers set by vacation programs and mail servers."""

    name = "autoreply.header"
    description = "X-Autoreply / X-Autorespond / X-Autoresponder or Precedence: auto_reply."
    kind = MessageKind.AUTO_REPLY

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        meta = message.meta
        for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
            value = meta.header(name).strip()
            # Some servers write "X-Autoreply: no" on ordinary mail; only a positive value counts.
            if value and value.lower() not in ("no", "false", "0", "off"):
                return Evidence(self.name, f"{_title(name)}: {value}")
        for name in ("precedence", "x-precedence"):
            value = meta.header(name).strip().lower()
            if value.replace("-", "_") == "auto_reply":
                return Evidence(self.name, f"{_title(name)}: {value}")
        return None


class SubjectRule:
    """A subject that starts the way mail programs start an auto-reply."""

    name = "autoreply.subject"
    description = "Subject in the prefix form of an auto-reply ('Automatische Antwort:', 'Out of Office:' …)."
    kind = MessageKind.AUTO_REPLY

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        meta = message.meta
        if meta.header("auto-submitted").strip().lower() == "no":
            return None
        cue = subject_cue(meta.subject)
        if cue is not None:
            return Evidence(self.name, f"subject starts with {cue!r}")
        weak = _SUBJECT_WEAK_PREFIX.search(meta.subject)
        if weak is None:
            return None
        cue = weak.group("cue") + ":"
        signal = _weak_signal(meta)
        if signal is not None:
            return Evidence(self.name, f"subject starts with {cue!r} and {signal}")
        body = _BODY_CUES.search(_body(message))
        if body is not None:
            return Evidence(self.name, f"subject starts with {cue!r} and the body says {body.group(0)!r}")
        return None


class ConfirmedBodyRule:
    """A weak machine signal in the headers that the body confirms as an auto-reply."""

    name = "autoreply.body"
    description = "Weak automatic-mail header (null sender, Exchange inbox rule, auto-generated) confirmed by the body."
    kind = MessageKind.AUTO_REPLY

    def check(self, message: MessageView) -> Evidence | None:
        """See `Rule.check`."""
        signal = _weak_signal(message.meta)
        if signal is None:
            return None
        match = _BODY_CUES.search(_body(message))
        if match is None:
            return None
        return Evidence(self.name, f"{signal} and the body says {match.group(0)!r}")


def _weak_signal(meta: MessageMeta) -> str | None:
    """A header hinting at an automatic reply without proving it, or None."""
    if meta.header("auto-submitted").strip().lower() == "no":
        return None
    if meta.header("x-ms-exchange-inbox-rules-loop"):
        # Exchange adds this to anything an inbox rule sent, the out-of-office reply included.
        return "X-MS-Exchange-Inbox-Rules-Loop is set"
    source = meta.header("x-ms-exchange-generated-message-source")
    if source:
        return f"X-MS-Exchange-Generated-Message-Source: {source}"
    if meta.header("auto-submitted").strip().lower().startswith("auto-generated"):
        return "Auto-Submitted: auto-generated"
    if meta.header("return-path").strip() == "<>":
        # RFC 3834 §3.3: automatic responses SHOULD go out with a null return path.
        return "null Return-Path"
    if meta.header("precedence").strip().lower() in ("bulk", "junk") and (meta.in_reply_to or meta.references):
        # vacation(1) answers with Precedence: bulk and refers to the mail it answers.
        return f"Precedence: {meta.header('precedence').strip().lower()} on a reply"
    return None


def _title(name: str) -> str:
    return "-".join(p.capitalize() for p in name.split("-"))


AUTOREPLY_RULES = (RFC3834Rule(), VendorHeaderRule(), SubjectRule(), ConfirmedBodyRule())
"""The auto-reply rules that run after the bounce rules, in order."""

CHALLENGE_RULES = (ChallengeResponseRule(),)
"""Challenge-response must run before the bounce rules: Boxbe sends a multipart/report."""
