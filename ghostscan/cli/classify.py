"""``ghostscan classify``: what the classifier decides for single message files, and why."""

from __future__ import annotations

import json
from dataclasses import dataclass

import click

from ghostscan.cli.context import AppContext


@dataclass(frozen=True)
class ClassifyOptions:
    """The options of ``ghostscan classify``."""

    paths: tuple[str, ...]
    fmt: str
    explain: bool


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=False))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text for people; json prints one object per line (path, kind, evidence, …).",
)
@click.option("--explain", is_flag=True, help="Also list the rules that were checked and did not fire.")
@click.pass_obj
def classify(app: AppContext, files: tuple[str, ...], fmt: str, explain: bool) -> int:
    """Classify message files: kind, language, intents, return date and contact details.

    Each FILE holds one message (.eml, .msg, an mbox 'From ' line in front is fine). Every
    message is read as inbound mail. Prints the kind (bounce, delay, complaint,
    auto_reply, notification, human), the rule that decided and what it saw; for bounces
    the original Message-ID and the failed recipients; then the language, the intents
    with the phrases that matched (offer, order_confirmed, follow_up, decline, accept,
    question, call_me, out_of_office), an out-of-office's return date, and the phone
    numbers, name and company found - for tuning patterns.
    """
    return run_classify(app, ClassifyOptions(tuple(files), fmt, explain))


def _json_line(item) -> str:  # type: ignore[no-untyped-def]
    if item.problem:
        return json.dumps({"path": item.path, "kind": None, "error": item.problem}, ensure_ascii=False)
    c, meta, text, contact = item.classification, item.meta, item.text, item.contact
    returned = c.returned
    data = {
        "path": item.path,
        "kind": c.kind.value,
        "language": text.language if text else None,
        "intents": sorted(text.intents) if text else [],
        "return_date": text.return_date.isoformat() if text and text.return_date else None,
        "phones": list(contact.phones) if contact else [],
        "name": contact.name if contact else None,
        "company": contact.company if contact else None,
        "subject": meta.subject,
        "from": meta.sender.email if meta.sender else None,
        "evidence": [{"rule": e.rule, "detail": e.detail} for e in (*c.evidence, *(text.evidence if text else ()))],
        "misses": list(c.misses),
        "returned": None
        if returned is None
        else {"message_id": returned.message_id, "recipients": list(returned.recipients), "subject": returned.subject},
        "body_read": c.body_read,
    }
    return json.dumps(data, ensure_ascii=False)


def _text_lines(item, explain: bool) -> list[str]:  # type: ignore[no-untyped-def]
    if item.problem:
        return [f"{item.path}: error: {item.problem}"]
    c, meta = item.classification, item.meta
    lines = [f"{item.path}: {c.kind.value}"]
    lines.append(f"  subject: {meta.subject!r}  from: {meta.sender.email if meta.sender else '-'}")
    for e in c.evidence:
        lines.append(f"  because {e.rule}: {e.detail}")
    if not c.evidence:
        lines.append("  because no rule for machine-generated mail fired")
    if c.returned is not None:
        r = c.returned
        lines.append(f"  original: message-id={r.message_id or '-'} recipients={', '.join(r.recipients) or '-'}")
    text, contact = item.text, item.contact
    if text is not None:
        lines.append(f"  language: {text.language}  intents: {', '.join(sorted(text.intents)) or '-'}")
        for e in text.evidence:
            lines.append(f"    {e.rule}: {e.detail!r}")
        if text.return_date:
            lines.append(f"  back on: {text.return_date.isoformat()}")
    if contact is not None and (contact.phones or contact.name or contact.company):
        lines.append(f"  contact: {contact.name or '-'} / {contact.company or '-'} / {', '.join(contact.phones) or 'no phone'}")
    if explain and c.misses:
        lines.append(f"  not: {', '.join(c.misses)}")
    return lines


def run_classify(app: AppContext, options: ClassifyOptions) -> int:
    from ghostscan.pipeline import classify_files
    from ghostscan.status import ExitStatus

    out = app.env.stdout
    failed = 0
    for item in classify_files(options.paths, settings=app.settings()):
        failed += item.problem is not None
        if options.fmt == "json":
            out.write(_json_line(item) + "\n")
        else:
            out.write("\n".join(_text_lines(item, options.explain)) + "\n")
    return ExitStatus.PARTIAL if failed else ExitStatus.OK
