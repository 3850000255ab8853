"""The suggested next step for each verdict, in English and German.

The playbook for a silent customer: one short follow-up that shows interest without
sounding needy; after `max_follow_ups` unanswered ones another channel (phone, LinkedIn),
because mail may not have arrived; then let it rest. A firm order that goes silent is
different: say plainly what was agreed, what you need and by when, and what happens next;
work and costs already incurred can be claimed, but talk before invoicing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ghostscan.verdicts.model import Verdict


@dataclass(frozen=True)
class Situation:
    """What the advice depends on.

    Attributes:
        verdict: the conversation's verdict.
        follow_ups: our unanswered follow-ups so far.
        max_follow_ups: follow-ups before switching channel.
        firm_order: the conversation holds a firm order.
        cold: silent so long, follow-ups done, that it is time to let it rest.
        return_date: an out-of-office's return day.
        phones: the customer's numbers (E.164).
        linkedin_url: a LinkedIn people search for the customer.
    """

    verdict: Verdict
    follow_ups: int = 0
    max_follow_ups: int = 1
    firm_order: bool = False
    cold: bool = False
    return_date: date | None = None
    phones: tuple[str, ...] = ()
    linkedin_url: str | None = None


_T = {
    "en": {
        "spam": "Their reply is in your Junk folder: read it there and answer it.",
        "rescue": "Move it to the inbox (ghostscan spam-check --rescue) so their next mail arrives.",
        "bounced": "Your message never arrived: check the address, then reach them another way.",
        "away_until": "They are away and back on {date}: follow up once when they are.",
        "away": "They are away: wait until they are back, then follow up once.",
        "declined": "They said no: thank them, ask what tipped the decision, close it and keep the contact.",
        "follow_up": "Send one short follow-up that shows interest without pressure: did the offer arrive, are questions open?",
        "channel": "Mail may not have arrived: try another channel.",
        "call": "Call {phone}.",
        "linkedin": "Write on LinkedIn: {url}",
        "cold": "Let it rest: mark it cold; at most a friendly check-in in a few months.",
        "order": "A firm order went silent: write plainly what was agreed, what you need from them and by when, and what happens next.",
        "order_costs": "Work and costs already incurred can be claimed - talk to them before you invoice.",
        "waiting": "Give them time; nothing to do yet.",
    },
    "de": {
        "spam": "Die Antwort liegt im Spam-Ordner: dort lesen und beantworten.",
        "rescue": "In den Posteingang verschieben (ghostscan spam-check --rescue), damit die nächste Mail ankommt.",
        "bounced": "Die Nachricht kam nie an: Adresse prüfen und auf anderem Weg Kontakt aufnehmen.",
        "away_until": "Abwesend, zurück am {date}: dann einmal nachfassen.",
        "away": "Abwesend: bis zur Rückkehr warten, dann einmal nachfassen.",
        "declined": "Absage: bedanken, nach dem Grund fragen, Vorgang schließen, Kontakt halten.",
        "follow_up": "Einmal kurz nachfassen: Interesse zeigen, ohne zu drängen – ist das Angebot angekommen, gibt es Fragen?",
        "channel": "Vielleicht kam die Mail nicht an: einen anderen Weg versuchen.",
        "call": "Anrufen: {phone}.",
        "linkedin": "Über LinkedIn schreiben: {url}",
        "cold": "Ruhen lassen: als kalt markieren; höchstens in ein paar Monaten freundlich nachhören.",
        "order": "Ein fester Auftrag ist verstummt: klar schreiben, was vereinbart ist, was Sie bis wann brauchen und wie es weitergeht.",
        "order_costs": "Bereits geleistete Arbeit und Kosten können berechnet werden – vorher das Gespräch suchen.",
        "waiting": "Noch etwas Zeit lassen; jetzt ist nichts zu tun.",
    },
}


def _channels(t: dict[str, str], s: Situation) -> list[str]:
    steps = [t["call"].format(phone=s.phones[0])] if s.phones else []
    if s.linkedin_url:
        steps.append(t["linkedin"].format(url=s.linkedin_url))
    return steps


def suggest(situation: Situation, *, language: str = "en") -> tuple[str, ...]:
    """Return the next steps for a conversation, most important first.

    Args:
        situation: the verdict and what else the advice depends on.
        language: ``"en"`` or ``"de"`` (anything else falls back to English).

    Example:
        >>> suggest(Situation(Verdict.SILENT, follow_ups=1, phones=("+49301234567",)))
        ('Mail may not have arrived: try another channel.', 'Call +49301234567.')
    """
    t = _texts_for(language)
    s = situation
    v = s.verdict
    if v is Verdict.ANSWERED:
        return ()
    if v is Verdict.REPLY_IN_SPAM:
        return (t["spam"], t["rescue"])
    if v is Verdict.BOUNCED:
        return (t["bounced"], *_channels(t, s))
    if v is Verdict.AUTO_REPLY:
        if s.return_date:
            return (t["away_until"].format(date=s.return_date.isoformat()),)
        return (t["away"],)
    if v is Verdict.DECLINED:
        return (t["declined"],)
    if v is Verdict.WAITING:
        return (t["waiting"],)
    if s.firm_order:
        return (t["order"], t["order_costs"], *_channels(t, s))
    if s.cold:
        return (t["cold"],)
    if s.follow_ups < s.max_follow_ups:
        return (t["follow_up"],)
    return (t["channel"], *_channels(t, s))


def _texts_for(language: str) -> dict[str, str]:
    return _T.get(language, _T["en"])
