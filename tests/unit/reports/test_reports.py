import csv
import dataclasses
import io
import json
from datetime import date, datetime, timezone

from rich.console import Console

from ghostscan.reports.csv_report import COLUMNS, write_csv
from ghostscan.reports.json_report import SCHEMA, write_json
from ghostscan.reports.model import EvidenceRow, ProblemRow, Report, ReportRow
from ghostscan.reports.terminal import render_terminal
from ghostscan.verdicts.model import Verdict


def row(verdict, subject, *, days=None, name="Hans Müller", address="hans@mueller-bau.de", company="mueller-bau.de", why="reply"):
    return ReportRow(
        conversation=f"{subject}@test",
        verdict=verdict,
        customer_name=name,
        customer_address=address,
        company=company,
        subject=subject,
        first_outbound=date(2026, 11, 2),
        last_outbound=date(2026, 11, 12),
        business_days_silent=days,
        follow_ups=1 if days else 0,
        evidence=(EvidenceRow(f"verdict.{verdict.value}", why), EvidenceRow("verdict.answered.miss", "no reply outside Junk")),
        suggestions=("Send one short follow-up.",) if days else (),
        messages=(),
    )


REPORT = Report(
    source="samples/mailbox",
    as_of=datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc),
    rows=(
        row(Verdict.ANSWERED, "Angebot Website", why="reply from hans@mueller-bau.de"),
        row(Verdict.SILENT, "=HYPERLINK(\"http://x\")", days=6, name="", address="cafe@gmx.de", company=None, why="6 business days"),
    ),
    problems=(ProblemRow("INBOX/1", None, "gone"),),
    own_addresses=("anna@studio-berg.de",),
    messages_read=42,
    folders=(("INBOX", "inbox"),),
)


def render(report, **kw):
    out = io.StringIO()
    render_terminal(report, Console(file=out, width=120, color_system=None, force_terminal=False), **kw)
    return out.getvalue()


def test_terminal_table_lists_urgent_first_with_summary():
    text = render(REPORT)
    lines = text.splitlines()
    assert lines[0].rstrip() == "ghostscan audit of samples/mailbox"
    silent_line = next(i for i, l in enumerate(lines) if "silent" in l and "cafe@gmx.de" in l)
    answered_line = next(i for i, l in enumerate(lines) if "answered" in l and "Hans Müller" in l)
    assert silent_line < answered_line
    assert "6 bd" in lines[silent_line]
    assert "2 conversations: 1 silent, 1 answered (42 messages read, as of 2026-11-20)" in text
    assert "1 message(s) could not be read and were skipped; run with -v to list them." in text


def test_explain_shows_hits_and_misses():
    text = render(REPORT, explain=True)
    assert "✔ verdict.silent: 6 business days" in text
    assert "· verdict.answered.miss: no reply outside Junk" in text
    assert "→ Send one short follow-up." in text


def test_csv_has_the_documented_columns_and_defuses_formulas():
    out = io.StringIO()
    write_csv(REPORT, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1][:3] == ["Angebot Website@test", "answered", "Hans Müller"]
    silent = rows[2]
    assert silent[COLUMNS.index("subject")] == "'=HYPERLINK(\"http://x\")"
    assert silent[COLUMNS.index("business_days_silent")] == "6"
    assert silent[COLUMNS.index("company")] == ""


def test_json_report_schema():
    out = io.StringIO()
    write_json(REPORT, out)
    data = json.loads(out.getvalue())
    assert data["schema"] == SCHEMA == "ghostscan.audit/1"
    assert data["summary"] == {"answered": 1, "reply_in_spam": 0, "bounced": 0, "auto_reply": 0, "declined": 0, "silent": 1, "waiting": 0}
    first = data["conversations"][0]
    assert set(first) == {
        "id", "verdict", "customer", "subject", "first_outbound", "last_outbound",
        "business_days_silent", "follow_ups", "return_date", "firm_order", "cold", "evidence", "suggestions",
        "first_reply", "business_days_to_first_reply",
    }
    assert first["customer"] == {"name": "Hans Müller", "address": "hans@mueller-bau.de", "company": "mueller-bau.de", "phones": [], "linkedin": None}
    assert first["first_outbound"] == "2026-11-02"
    assert data["problems"] == [{"ref": "INBOX/1", "message_id": None, "reason": "gone"}]


def test_json_report_is_the_text_json_dump_writes():
    from ghostscan.reports.json_report import report_json
    from ghostscan.reports.model import MessageRow

    message = MessageRow("2026-11-02T09:00", "inbound", "human", "INBOX", "a@b.de", "Re: \"Zitat\" \\ Tab\t\u2028 ünd 日本", "references", (EvidenceRow("human.default", "x\ny"),), ("lists.list_id",))
    odd = dataclasses.replace(
        row(Verdict.SILENT, "Angebot\x00 mit\nZeile", days=3, company=None),
        phones=("+4930123",),
        messages=(message, dataclasses.replace(message, evidence=(), misses=())),
        first_reply=datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc),
        business_days_to_first_reply=1,
    )
    for report in (REPORT, dataclasses.replace(REPORT, rows=(*REPORT.rows, odd), problems=()), dataclasses.replace(REPORT, rows=())):
        for explain in (False, True):
            out = io.StringIO()
            write_json(report, out, explain=explain)
            assert out.getvalue() == json.dumps(report_json(report, explain=explain), ensure_ascii=False, indent=2) + "\n"


def test_terminal_summary_block_is_rendered_whole():
    from ghostscan.reports.terminal import AuditSummaryBlock

    answered = dataclasses.replace(REPORT.rows[0], business_days_to_first_reply=3)
    waiting = row(Verdict.WAITING, "Angebot Logo", days=2, address="info@blumen.de", company="blumen.de", why="2 business days")
    report = dataclasses.replace(REPORT, rows=(answered, REPORT.rows[1], waiting))
    out = io.StringIO()
    Console(file=out, width=100, color_system=None, force_terminal=False).print(AuditSummaryBlock(report))
    assert [line.rstrip() for line in out.getvalue().splitlines()] == [
        "Summary",
        "Ghosting rate  50.0 % (1 silent of 2 decided; waiting not counted)",
        "First reply    median 3 business days after our first message (1 reply)",
        "Most silent    cafe@gmx.de 1/1",
    ]


def test_terminal_table_of_many_conversations_is_one_line_each():
    from dataclasses import replace

    from ghostscan.reports.terminal import LARGE_TABLE

    many = tuple(
        row(Verdict.ANSWERED, f"Angebot {i}", why="reply from hans@mueller-bau.de") for i in range(LARGE_TABLE - 1)
    ) + (
        replace(
            row(Verdict.SILENT, "Website-Relaunch " * 10, days=12, why="12 business days since our last message"),
            firm_order=True,
            phones=("+49 30 1234567",),
        ),
    )
    lines = render(replace(REPORT, rows=many)).splitlines()
    assert lines[0] == "ghostscan audit of samples/mailbox"
    assert lines[1].split() == ["Verdict", "Customer", "Subject", "Last", "sent", "Silent", "FU", "Why"]
    # Urgent first, extra lines of a cell after "·", a long subject cut to its column.
    silent = lines[2]
    assert silent.startswith("silent · firm order  Hans Müller · mueller-bau.de · +49")
    assert "  Website-Rel" in silent and "…  2026-11-12   12 bd   1  12 business days since" in silent
    assert all(len(line) <= 120 for line in lines)
    body = lines[2 : 2 + LARGE_TABLE]
    assert len(body) == LARGE_TABLE and all("2026-11-12" in line for line in body)
    assert lines[2 + LARGE_TABLE] == "Summary"
    assert any(line.startswith(f"{LARGE_TABLE} conversations: 1 silent, {LARGE_TABLE - 1} answered") for line in lines[3 + LARGE_TABLE :])
