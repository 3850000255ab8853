"""The HTML report's charts: matplotlib figures rendered to inline SVG strings.

matplotlib is imported only here, and only when a chart is drawn (``ghostscan --help``
and the terminal report never load it). Every chart is drawn on its own `Figure`
(no pyplot state) with the SVG backend, under fixed rcParams so the output is the same
from run to run:

- ``svg.fonttype: path``: glyphs become paths, so the chart looks the same in a mail
  attachment viewer without our fonts; matplotlib still writes each label as an XML
  comment, which it escapes (``<`` → ``&lt;``, ``--`` → ``- -``).
- ``svg.hashsalt``: the clip-path ids are hashes; a fixed salt makes them stable.
- ``text.parse_math: False``: a customer's name with ``$`` in it is text, not mathtext.
"""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING, Mapping

from ghostscan.verdicts.model import Verdict

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ghostscan.reports.summary import AuditSummary

# One colour per verdict, shared with the HTML table (colour-blind-safe Okabe-Ito hues).
VERDICT_COLOURS: dict[Verdict, str] = {
    Verdict.ANSWERED: "#009E73",
    Verdict.REPLY_IN_SPAM: "#CC79A7",
    Verdict.BOUNCED: "#D55E00",
    Verdict.AUTO_REPLY: "#56B4E9",
    Verdict.DECLINED: "#999999",
    Verdict.SILENT: "#E69F00",
    Verdict.WAITING: "#0072B2",
}

RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "ghostscan",
    "text.parse_math": False,
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
}

_ROOT_SIZE = re.compile(r'<svg([^>]*?)\swidth="[^"]*"\s+height="[^"]*"')
_IDS = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def _figure(width: float, height: float) -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig: "Figure", name: str, title: str) -> str:
    """The figure as an ``<svg>`` element for inlining into HTML.

    The XML prologue and DOCTYPE go (HTML has its own); the fixed width and height go so
    CSS can scale the chart to the page (the viewBox keeps the shape); every id gets the
    chart's *name* as a prefix, since several charts share one document and glyph and
    clip-path ids would otherwise repeat.
    """
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = _PROLOGUE.sub("", out.getvalue(), count=1)
    svg = _ROOT_SIZE.sub(r'<svg\1 class="chart" role="img" aria-label="' + _attr(title) + '"', svg, count=1)
    return _IDS.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def months_chart(summary: "AuditSummary", labels: Mapping[str, str], verdict_names: Mapping[Verdict, str]) -> str:
    """Outcome mix per month (stacked bars) with the ghosting rate as a line on a second axis."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = _figure(7.2, 3.4)
        ax = fig.add_subplot()
        months = [m.month for m in summary.months]
        x = list(range(len(months)))
        bottom = [0] * len(months)
        for verdict in Verdict:
            values = [dict(m.counts)[verdict] for m in summary.months]
            if any(values):
                ax.bar(x, values, bottom=bottom, color=VERDICT_COLOURS[verdict], label=verdict_names[verdict], width=0.7)
                bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xticks(x, months)
        if len(months) > 6:
            ax.tick_params(axis="x", labelrotation=45)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
        ax.set_ylabel(labels["conversations"])
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(labels["chart_months"])
        rate = ax.twinx()
        rate.spines["right"].set_visible(True)
        # NaN breaks the line: a month without decided offers has no rate to connect through.
        rates = [math.nan if m.ghosting_rate is None else m.ghosting_rate * 100 for m in summary.months]
        if not all(math.isnan(r) for r in rates):
            rate.plot(x, rates, color="#222222", marker="o", linewidth=1.8, label=labels["ghosting_rate"])
        rate.set_ylim(0, 105)
        rate.set_yticks(range(0, 101, 20))
        rate.set_ylabel(labels["ghosting_rate"] + " (%)")
        handles, names = ax.get_legend_handles_labels()
        more, more_names = rate.get_legend_handles_labels()
        fig.legend(handles + more, names + more_names, loc="outside right upper", frameon=False)
        return _svg(fig, "months", labels["chart_months"])


def reply_days_chart(summary: "AuditSummary", silent_after: int, labels: Mapping[str, str]) -> str:
    """How many customers answered after 0, 1, 2 … business days, with the silence threshold marked."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = _figure(7.2, 3.0)
        ax = fig.add_subplot()
        last = max([*summary.days_to_first_reply, silent_after + 1])
        days = list(range(last + 1))
        counts = [summary.days_to_first_reply.count(d) for d in days]
        colours = [VERDICT_COLOURS[Verdict.ANSWERED] if d < silent_after else VERDICT_COLOURS[Verdict.SILENT] for d in days]
        ax.bar(days, counts, color=colours, width=0.8)
        ax.axvline(silent_after - 0.5, color="#222222", linestyle="--", linewidth=1.2)
        ax.annotate(
            labels["threshold"].format(days=silent_after),
            xy=(silent_after - 0.5, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -4),
            textcoords="offset points",
            va="top",
        )
        ax.set_xlabel(labels["business_days"])
        ax.set_ylabel(labels["replies"])
        ax.set_xticks(days if len(days) <= 31 else days[:: max(1, len(days) // 15)])
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(labels["chart_reply_days"])
        return _svg(fig, "replydays", labels["chart_reply_days"])


def silent_parties_chart(summary: "AuditSummary", labels: Mapping[str, str]) -> str | None:
    """The customers with the most silent offers (horizontal bars), or None when nobody is silent."""
    if not summary.top_silent:
        return None
    import matplotlib

    with matplotlib.rc_context(RC):
        parties = list(reversed(summary.top_silent))
        fig = _figure(7.2, 0.9 + 0.3 * len(parties))
        ax = fig.add_subplot()
        y = list(range(len(parties)))
        ax.barh(y, [p.conversations for p in parties], color="#dddddd", label=labels["offers"])
        ax.barh(y, [p.silent for p in parties], color=VERDICT_COLOURS[Verdict.SILENT], label=labels["silent_offers"])
        ax.set_yticks(y, [_short(p.party) for p in parties])
        ax.xaxis.get_major_locator().set_params(integer=True)
        fig.legend(loc="outside lower center", ncols=2, frameon=False)
        return _svg(fig, "silent", labels["chart_silent"])


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
