"""The JSON report: a versioned, documented schema for scripts and CRMs.

Schema ``ghostscan.audit/1`` (documented in the README, "JSON output"; the golden file
``tests/golden/samples_audit.json`` pins it). Fields are only ever added within a
version; a removal or change of meaning bumps the version.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, TextIO

if TYPE_CHECKING:
    from ghostscan.reports.model import Report, ReportRow

SCHEMA = "ghostscan.audit/1"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def conversation_json(row: ReportRow, *, explain: bool = False) -> dict[str, Any]:
    """One conversation as a JSON-ready dict."""
    data: dict[str, Any] = {
        "id": row.conversation,
        "verdict": row.verdict.value,
        "customer": {
            "name": row.customer_name or None,
            "address": row.customer_address or None,
            "company": row.company,
            "phones": list(row.phones),
            "linkedin": row.linkedin_url,
        },
        "subject": row.subject,
        "first_outbound": _iso(row.first_outbound),
        "last_outbound": _iso(row.last_outbound),
        "business_days_silent": row.business_days_silent,
        "follow_ups": row.follow_ups,
        "return_date": _iso(row.return_date),
        "first_reply": _iso(row.first_reply),
        "business_days_to_first_reply": row.business_days_to_first_reply,
        "firm_order": row.firm_order,
        "cold": row.cold,
        "evidence": [{"rule": e.rule, "detail": e.detail} for e in row.evidence],
        "suggestions": list(row.suggestions),
    }
    if explain:
        data["messages"] = [
            {
                "date": m.date or None,
                "direction": m.direction,
                "kind": m.kind,
                "folder": m.folder,
                "from": m.sender or None,
                "subject": m.subject,
                "linked_by": m.linked_by,
                "evidence": [{"rule": e.rule, "detail": e.detail} for e in m.evidence],
                "misses": list(m.misses),
            }
            for m in row.messages
        ]
    return data


def report_json(report: Report, *, explain: bool = False) -> dict[str, Any]:
    """The whole report as a JSON-ready dict (see the module docstring for the schema)."""
    conversations = [conversation_json(r, explain=explain) for r in report.rows]
    return {**_head_json(report.source, report.as_of), **_rest_json(report, explain=explain, conversations=conversations)}


def _head_json(source: str, as_of: datetime) -> dict[str, Any]:
    return {"schema": SCHEMA, "source": source, "as_of": as_of.isoformat(timespec="seconds")}


def _rest_json(report: Report, *, explain: bool, conversations: Iterable[dict[str, Any]]) -> dict[str, Any]:
    # Here, not at the top: a re-run that writes a kept report needs only the head.
    from ghostscan.reports.summary import summarize, summary_json

    return {
        "messages_read": report.messages_read,
        "own_addresses": list(report.own_addresses),
        "summary": {v.value: n for v, n in report.counts().items()},
        "audit_summary": summary_json(summarize(report)),
        "conversations": conversations,
        "problems": [{"ref": p.ref, "message_id": p.message_id, "reason": p.reason} for p in report.problems],
    }


def write_json(report: Report, out: TextIO, *, explain: bool = False) -> None:
    """Write the report as indented JSON (UTF-8, non-ASCII kept) and a final newline.

    The text is exactly ``json.dump(report_json(...), ensure_ascii=False, indent=2)``'s,
    made by `_indented`: the standard library's pure-Python encoder (the only one that
    indents before Python 3.13) spent over a second on 16,000 conversations. It is
    written in two parts, `write_json_head` and `write_json_rest`.
    """
    write_json_head(report.source, report.as_of, out)
    write_json_rest(report, out, explain=explain)


def write_json_head(source: str, as_of: datetime, out: TextIO) -> None:
    """Write the start of the JSON report: the schema, the mailbox and the moment of the audit.

    Apart from the rest (`write_json_rest`) because the moment, to the second, is all of
    the report that changes between two audits of an unchanged mailbox on one day.
    """
    out.write("{")
    _write_members(_head_json(source, as_of), out, first=True)


def write_json_rest(report: Report, out: TextIO, *, explain: bool = False) -> None:
    """Write the JSON report after `write_json_head`'s part, to its end."""
    # A conversation at a time: no list of every conversation's dict is built first.
    conversations = (conversation_json(r, explain=explain) for r in report.rows)
    _write_members(_rest_json(report, explain=explain, conversations=conversations), out, first=False)
    out.write("\n}\n")


def _write_members(data: dict[str, Any], out: TextIO, *, first: bool) -> None:
    for index, (key, value) in enumerate(data.items()):
        out.write(("," if index or not first else "") + "\n  " + _string(key) + ": ")
        if key == "conversations":
            empty = True
            for conversation in value:
                out.write(("[\n    " if empty else ",\n    ") + _indented(conversation, "    "))
                empty = False
            out.write("[]" if empty else "\n  ]")
        else:
            out.write(_indented(value, "  "))


_string = json.encoder.encode_basestring  # the C encoder json uses with ensure_ascii=False
_KEYS: dict[str, str] = {}
"""Key → its encoding and the separator after it: a report has a few dozen keys."""


def _indented(value: Any, indent: str) -> str:
    """*value* as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it at *indent*."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    inner = indent + "  "
    if kind is dict:
        if not value:
            return "{}"
        # Plain values inline: most of a report's values are strings, numbers, null.
        parts = []
        for key, item in value.items():
            head = _KEYS.get(key) if type(key) is str else None
            if head is None:
                if type(key) is not str:
                    break  # json's conversion of other keys, below
                head = _string(key) + ": "
                if len(_KEYS) < 500:
                    _KEYS[key] = head
            kind = type(item)
            if kind is str:
                parts.append(head + _string(item))
            elif item is None:
                parts.append(head + "null")
            elif kind is int:
                parts.append(head + int.__repr__(item))
            else:
                parts.append(head + _indented(item, inner))
        else:
            return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + indent + "}"
    elif kind is list or kind is tuple:
        if not value:
            return "[]"
        return "[\n" + inner + (",\n" + inner).join([_string(item) if type(item) is str else _indented(item, inner) for item in value]) + "\n" + indent + "]"
    # Floats and anything else: as json writes them.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)
