"""The suggested next step for each verdict, in English and German."""

from __future__ import annotations

from ghostscan.verdicts.model import Verdict

_TEXTS: dict[str, dict[Verdict, tuple[str, ...]]] = {
    "en": {
        Verdict.ANSWERED: (),
        Verdict.REPLY_IN_SPAM: (
            "Their reply is in your Junk folder: read it there and answer it.",
            "Move it to the inbox (ghostscan spam-check --rescue) so the next reply arrives.",
        ),
        Verdict.BOUNCED: (
            "Your message never arrived: check the address and reach them by phone or LinkedIn.",
        ),
        Verdict.AUTO_REPLY: ("They are away: wait until they are back, then follow up once.",),
        Verdict.DECLINED: ("They said no: thank them, close the conversation, keep the contact.",),
        Verdict.SILENT: (
            "Send one short follow-up that shows interest without pressure.",
            "No answer to that either: call or write on LinkedIn, mail may not have arrived.",
        ),
        Verdict.WAITING: ("Give them time; nothing to do yet.",),
    },
    "de": {
        Verdict.ANSWERED: (),
        Verdict.REPLY_IN_SPAM: (
            "Die Antwort liegt im Spam-Ordner: dort lesen und beantworten.",
            "In den Posteingang verschieben (ghostscan spam-check --rescue), damit die nächste ankommt.",
        ),
        Verdict.BOUNCED: (
            "Die Nachricht kam nie an: Adresse prüfen und per Telefon oder LinkedIn Kontakt aufnehmen.",
        ),
        Verdict.AUTO_REPLY: ("Abwesend: bis zur Rückkehr warten, dann einmal nachfassen.",),
        Verdict.DECLINED: ("Absage: bedanken, Vorgang schließen, Kontakt halten.",),
        Verdict.SILENT: (
            "Einmal kurz nachfassen: Interesse zeigen, ohne zu drängen.",
            "Auch darauf keine Antwort: anrufen oder über LinkedIn schreiben – vielleicht kam die Mail nicht an.",
        ),
        Verdict.WAITING: ("Noch etwas Zeit lassen; jetzt ist nichts zu tun.",),
    },
}


def suggest(verdict: Verdict, *, follow_ups: int = 0, language: str = "en") -> tuple[str, ...]:
    """Return the next steps for *verdict*, most important first.

    A silent conversation that already had a follow-up skips straight to another
    channel: a second mail nudge rarely helps when the first went unanswered.

    Args:
        verdict: the conversation's verdict.
        follow_ups: how many follow-ups we already sent without an answer.
        language: ``"en"`` or ``"de"`` (anything else falls back to English).
    """
    texts = _TEXTS.get(language, _TEXTS["en"])[verdict]
    if verdict is Verdict.SILENT and follow_ups >= 1:
        return texts[1:]
    return texts
