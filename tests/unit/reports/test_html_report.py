"""The HTML report and its charts, rendered from hand-made rows (no browser; see
tests/integration/test_html_report_browser.py for the report in Chromium)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime, timezone
from html.parser import HTMLParser

from ghostscan.reports import charts
from ghostscan.reports.html_report import LABELS, VERDICT_NAMES, HtmlOptions, render_html
from ghostscan.reports.model import EvidenceRow, Report, ReportRow
from ghostscan.reports.summary import SilentParty, summarize
from ghostscan.verdicts.model import Verdict

EVIL = "<img src=x onerror=alert(1)> & --> $x$"


def row(verdict, subject, *, company="mueller-bau.de", month=10, to_reply=None, days=None, name="Hans Müller"):
    return ReportRow(
        conversation=f"{subject}-{verdict.value}-{month}@test",
        verdict=verdict,
        customer_name=name,
        customer_address=f"hans@{company}",
        company=company,
        subject=subject,
        first_outbound=date(2026, month, 2),
        last_outbound=date(2026, month, 12),
        business_days_silent=days,
        follow_ups=0,
        evidence=(EvidenceRow(f"verdict.{verdict.value}", f"why {subject}"),),
        suggestions=("Send one short follow-up.",),
        messages=(),
        phones=("+493012345",),
        linkedin_url="https://www.linkedin.com/search/results/people/?keywords=Hans%20M%C3%BCller",
        business_days_to_first_reply=to_reply,
    )


REPORT = Report(
    source="/home/anna/Mail",
    as_of=datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc),
    rows=(
        row(Verdict.ANSWERED, "Angebot Website", to_reply=2),
        row(Verdict.ANSWERED, "Angebot Shop", month=11, to_reply=9),
        row(Verdict.SILENT, EVIL, company="evil.example", days=12, name=EVIL),
        row(Verdict.SILENT, "Angebot Logo", company="evil.example", month=11, days=6),
        row(Verdict.WAITING, "Angebot Flyer", month=11, days=2),
    ),
    problems=(),
    own_addresses=("anna@studio-berg.de",),
    messages_read=12,
    folders=(("INBOX", "inbox"),),
)


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.tags: Counter[str] = Counter()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for key, value in attrs:
            if key == "id":
                self.ids[value] += 1
            if key in ("src", "srcset", "background", "poster", "data"):
                self.sources.append(value)


def test_mail_text_is_escaped_in_the_page_and_in_the_charts():
    html = render_html(REPORT)
    assert "<img" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; --&gt; $x$" in html
    summary = dataclasses.replace(summarize(REPORT), top_silent=(SilentParty(EVIL, 1, 1),))
    svg = charts.silent_parties_chart(summary, LABELS["en"])
    # matplotlib keeps the label as an XML comment: escaped, and it cannot close early.
    assert "<img" not in svg and svg.count("-->") == svg.count("<!--")
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; - -&gt; $x$" in svg
    ET.fromstring(svg)  # well-formed XML: no markup slipped in


def test_page_loads_nothing_from_outside_and_allows_only_its_own_script():
    html = render_html(REPORT)
    parsed = Ids()
    parsed.feed(html)
    assert parsed.tags["script"] == 1 and parsed.tags["link"] == 0 and parsed.tags["img"] == 0 and parsed.tags["iframe"] == 0
    assert parsed.sources == []
    assert not re.search(r"""@import|url\(\s*['"]?(https?:|//|data:)""", html)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    script = re.search(r"<script>(.*?)</script>", html, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    # Links out are the customer's own channels, opened only on a click.
    assert set(re.findall(r'href="([a-z]+):', html)) == {"tel", "mailto", "https"}


def test_three_charts_share_the_page_without_clashing_ids():
    html = render_html(REPORT)
    parsed = Ids()
    parsed.feed(html)
    assert parsed.tags["svg"] == 3
    assert [i for i, n in parsed.ids.items() if n > 1] == []
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', html):
        assert parsed.ids[ref] == 1, ref


def test_open_table_lists_open_conversations_most_urgent_first():
    html = render_html(REPORT)
    verdicts = re.findall(r'<tr data-verdict="([a-z_]+)">', html)
    assert verdicts == ["silent", "silent", "waiting"]
    assert html.index("12</td>") < html.index(">6</td>")


def test_german_labels_and_the_marked_threshold():
    html = render_html(REPORT, HtmlOptions(language="de", silent_after=7))
    assert '<html lang="de">' in html
    for text in ("Angebots-Auswertung", "Ghosting-Quote", "Offene Vorgänge (3)", VERDICT_NAMES["de"][Verdict.SILENT], "Werktage bis zur ersten Antwort"):
        assert text in html
    assert "still nach 7 Werktagen" in html
    # 2 silent of 4 decided.
    assert ">50 %<" in html
    # Median of 2 and 9 business days, with a German decimal comma.
    assert ">5,5<" in html


def test_the_same_report_renders_the_same_file():
    assert render_html(REPORT) == render_html(REPORT)


def test_reply_chart_reaches_past_the_threshold():
    svg = charts.reply_days_chart(summarize(REPORT), 12, LABELS["en"])
    # The x axis runs to one past the threshold even when every reply came sooner.
    assert "<!-- 13 -->" in svg and "silent after 12 business days" in svg


def test_no_conversations_still_renders():
    html = render_html(dataclasses.replace(REPORT, rows=()))
    assert "No open conversations." in html and 'id="chart-months"' not in html
