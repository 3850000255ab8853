"""The HTML audit report: one self-contained file to open, keep and forward.

Jinja2 renders ``templates/audit.html.j2`` with autoescaping on, so every subject, name
and evidence line from the mailbox is text, never markup. The charts are matplotlib SVG
(`ghostscan.reports.charts`) inlined as markup; matplotlib escapes the text it writes.
Nothing is loaded from outside the file: no scripts, fonts, images or style sheets, and a
Content-Security-Policy (``default-src 'none'``) tells the browser to refuse any request
anyway. The few lines of script (sorting, filtering, opening the evidence for print) are
allowed by their hash only, so an inline event handler can never run; without script the
report reads the same, just unsorted.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any, TextIO

from ghostscan.reports.model import Report, ReportRow
from ghostscan.reports.summary import AuditSummary, party_of, summarize
from ghostscan.verdicts.model import Verdict

# Most urgent first, as in the terminal table.
OPEN_VERDICTS = (Verdict.REPLY_IN_SPAM, Verdict.BOUNCED, Verdict.SILENT, Verdict.AUTO_REPLY, Verdict.WAITING)

VERDICT_NAMES: dict[str, dict[Verdict, str]] = {
    "en": {
        Verdict.ANSWERED: "answered",
        Verdict.REPLY_IN_SPAM: "reply in Junk",
        Verdict.BOUNCED: "bounced",
        Verdict.AUTO_REPLY: "out of office",
        Verdict.DECLINED: "declined",
        Verdict.SILENT: "silent",
        Verdict.WAITING: "waiting",
    },
    "de": {
        Verdict.ANSWERED: "beantwortet",
        Verdict.REPLY_IN_SPAM: "Antwort im Spam",
        Verdict.BOUNCED: "unzustellbar",
        Verdict.AUTO_REPLY: "abwesend",
        Verdict.DECLINED: "abgelehnt",
        Verdict.SILENT: "keine Antwort",
        Verdict.WAITING: "wartet",
    },
}

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Offer audit",
        "source": "Mailbox",
        "as_of": "as of",
        "offers_sent": "Offers sent",
        "answered": "Answered",
        "silent": "Silent",
        "bounced": "Bounced",
        "reply_in_spam": "Replies in Junk",
        "declined": "Declined",
        "ghosting_rate": "Ghosting rate",
        "ghosting_rate_note": "silent of {decided} decided (waiting not counted)",
        "median_reply": "Median time to first reply",
        "median_reply_value": "{days} business days",
        "median_reply_value_one": "{days} business day",
        "median_reply_note": "{n} replies",
        "median_reply_note_one": "{n} reply",
        "no_replies": "no replies",
        "conversations": "Conversations",
        "chart_months": "Outcome per month of the first offer",
        "chart_reply_days": "Business days until the first reply",
        "chart_silent": "Customers with the most silent offers",
        "business_days": "business days after our first message",
        "replies": "replies",
        "threshold": "silent after {days} business days",
        "offers": "offers",
        "silent_offers": "silent offers",
        "customer": "Customer",
        "open_conversations": "Open conversations",
        "open_note": "Everything not answered or declined, most urgent first.",
        "no_open": "No open conversations.",
        "verdict": "Verdict",
        "subject": "Subject",
        "last_sent": "Last sent",
        "days_silent": "Silent (bd)",
        "follow_ups": "Follow-ups",
        "next_step": "Next step",
        "contact": "Contact",
        "evidence": "Evidence",
        "why": "why",
        "filter": "Filter",
        "filter_placeholder": "customer, subject, evidence …",
        "all_verdicts": "all verdicts",
        "sort_hint": "Click a column heading to sort.",
        "back": "back",
        "firm_order": "firm order",
        "cold": "cold",
        "problems": "{n} message(s) could not be read and were skipped.",
        "footer": "Made by ghostscan from {messages} messages. Silence counts business days; weekends and public holidays are not counted.",
    },
    "de": {
        "title": "Angebots-Auswertung",
        "source": "Postfach",
        "as_of": "Stand",
        "offers_sent": "Angebote verschickt",
        "answered": "Beantwortet",
        "silent": "Keine Antwort",
        "bounced": "Unzustellbar",
        "reply_in_spam": "Antworten im Spam",
        "declined": "Abgelehnt",
        "ghosting_rate": "Ghosting-Quote",
        "ghosting_rate_note": "ohne Antwort von {decided} entschiedenen (wartende nicht gezählt)",
        "median_reply": "Median bis zur ersten Antwort",
        "median_reply_value": "{days} Werktage",
        "median_reply_value_one": "{days} Werktag",
        "median_reply_note": "{n} Antworten",
        "median_reply_note_one": "{n} Antwort",
        "no_replies": "keine Antworten",
        "conversations": "Vorgänge",
        "chart_months": "Ergebnis nach Monat des ersten Angebots",
        "chart_reply_days": "Werktage bis zur ersten Antwort",
        "chart_silent": "Kunden mit den meisten unbeantworteten Angeboten",
        "business_days": "Werktage nach unserer ersten Nachricht",
        "replies": "Antworten",
        "threshold": "still nach {days} Werktagen",
        "offers": "Angebote",
        "silent_offers": "ohne Antwort",
        "customer": "Kunde",
        "open_conversations": "Offene Vorgänge",
        "open_note": "Alles, was weder beantwortet noch abgelehnt ist, das Dringendste zuerst.",
        "no_open": "Keine offenen Vorgänge.",
        "verdict": "Ergebnis",
        "subject": "Betreff",
        "last_sent": "Zuletzt gesendet",
        "days_silent": "Still (WT)",
        "follow_ups": "Nachfassen",
        "next_step": "Nächster Schritt",
        "contact": "Kontakt",
        "evidence": "Belege",
        "why": "warum",
        "filter": "Filter",
        "filter_placeholder": "Kunde, Betreff, Beleg …",
        "all_verdicts": "alle Ergebnisse",
        "sort_hint": "Zum Sortieren auf eine Spaltenüberschrift klicken.",
        "back": "zurück am",
        "firm_order": "fester Auftrag",
        "cold": "kalt",
        "problems": "{n} Nachricht(en) konnten nicht gelesen werden und wurden übersprungen.",
        "footer": "Erstellt von ghostscan aus {messages} Nachrichten. Stille zählt Werktage; Wochenenden und Feiertage zählen nicht.",
    },
}

# Sorting and filtering the conversations table, and opening the evidence for print.
# Plain DOM calls; the CSP allows exactly this text by its hash.
SCRIPT = """
(function () {
  var table = document.getElementById('open');
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var controls = document.getElementById('controls');
  controls.hidden = false;
  var text = document.getElementById('filter-text');
  var verdict = document.getElementById('filter-verdict');
  var count = document.getElementById('shown');
  function filter() {
    var needle = text.value.toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!verdict.value || row.dataset.verdict === verdict.value) &&
               (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + ' / ' + rows.length;
  }
  text.addEventListener('input', filter);
  verdict.addEventListener('change', filter);
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
    var button = th.querySelector('button');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var up = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      var numeric = th.dataset.type === 'number';
      rows.sort(function (a, b) {
        var x = a.cells[index].dataset.sort || a.cells[index].textContent.trim();
        var y = b.cells[index].dataset.sort || b.cells[index].textContent.trim();
        var d = numeric ? (parseFloat(x || '-1') - parseFloat(y || '-1')) : x.localeCompare(y);
        return up ? d : -d;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
  filter();
})();
"""


@dataclass(frozen=True)
class HtmlOptions:
    """What the HTML report depends on besides the report.

    Attributes:
        language: ``"en"`` or ``"de"`` (the config's ``language``).
        silent_after: the silence threshold in business days, marked on the reply chart.
    """

    language: str = "en"
    silent_after: int = 5


def _script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f} %"


def _number(value: float | None, language: str) -> str:
    if value is None:
        return "–"
    text = f"{value:g}"
    return text.replace(".", ",") if language == "de" else text


def _plural(labels: dict[str, str], key: str, value: float, shown: str) -> str:
    """*key*'s text for *value*: the ``_one`` form for exactly 1."""
    form = labels[f"{key}_one"] if value == 1 else labels[key]
    return form.format(days=shown, n=shown)


def _open_rows(report: Report) -> list[ReportRow]:
    order = {v: i for i, v in enumerate(OPEN_VERDICTS)}
    rows = [r for r in report.rows if r.verdict in order]
    return sorted(rows, key=lambda r: (order[r.verdict], -(r.business_days_silent or 0), r.conversation))


def render_html(report: Report, options: HtmlOptions = HtmlOptions()) -> str:
    """The whole report as one HTML document (a string)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    from ghostscan.reports import charts

    language = options.language if options.language in LABELS else "en"
    labels = LABELS[language]
    names = VERDICT_NAMES[language]
    summary: AuditSummary = summarize(report)
    silent_chart = charts.silent_parties_chart(summary, labels)
    env = Environment(
        loader=PackageLoader("ghostscan.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template("audit.html.j2")
    context: dict[str, Any] = {
        "report": report,
        "summary": summary,
        "labels": labels,
        "language": language,
        "verdict_names": {v.value: n for v, n in names.items()},
        "colours": {v.value: c for v, c in charts.VERDICT_COLOURS.items()},
        "open_verdicts": [v.value for v in OPEN_VERDICTS],
        "open_rows": _open_rows(report),
        "party_of": party_of,
        "percent": _percent,
        "number": lambda value: _number(value, language),
        "plural": lambda key, value: _plural(labels, key, value, _number(value, language)),
        "count": summary.count,
        "Verdict": Verdict,
        # matplotlib writes escaped SVG (see charts); it is markup, not text.
        "charts": {
            "months": Markup(charts.months_chart(summary, labels, names)) if summary.months else None,
            "reply_days": Markup(charts.reply_days_chart(summary, options.silent_after, labels)),
            "silent": Markup(silent_chart) if silent_chart else None,
        },
        "script": Markup(SCRIPT),
        "script_hash": _script_hash(SCRIPT),
        "silent_after": options.silent_after,
    }
    return template.render(**context)


def write_html(report: Report, out: TextIO, options: HtmlOptions = HtmlOptions()) -> None:
    """Write the HTML report to *out*."""
    out.write(render_html(report, options))
