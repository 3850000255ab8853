"""The audit's figures, on samples/ as of 2026-11-20 (samples/expected_verdicts.tsv).

The expected numbers were counted by hand from the sample mails:
22 conversations: 9 answered, 6 silent, 2 bounced, 2 auto_reply, 1 reply_in_spam,
1 declined, 1 waiting. First replies (business days, DE holidays): Da Luca 1, Fjord 1,
Harbour & Finch 1, Nordwand 2, Müller Bau 2, Lindner 2, Weingut Hofmann (in Junk) 2,
Steuerbüro Klein 2, Physio am Park 3, Bäckerei Wegner 4 (the order; then silence),
Yoga Sonnengruß 6 (the no), Kita Kiezkind 6.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from ghostscan.pipeline import scan_path
from ghostscan.reports.model import Report, build_report
from ghostscan.reports.summary import summarize
from ghostscan.settings import Settings
from ghostscan.verdicts.model import Verdict

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "mailbox"


@pytest.fixture(scope="module")
def report() -> Report:
    return build_report(scan_path(str(SAMPLES), Settings(), now=datetime(2026, 11, 20, 23, 59, 59, tzinfo=timezone.utc)))


def test_headline_figures_of_the_samples(report):
    s = summarize(report)
    assert s.conversations == 22
    assert dict(s.counts) == {
        Verdict.ANSWERED: 9,
        Verdict.REPLY_IN_SPAM: 1,
        Verdict.BOUNCED: 2,
        Verdict.AUTO_REPLY: 2,
        Verdict.DECLINED: 1,
        Verdict.SILENT: 6,
        Verdict.WAITING: 1,
    }
    # 6 silent of the 21 conversations that are not still waiting.
    assert s.decided == 21
    assert s.ghosting_rate == pytest.approx(6 / 21)


def test_days_to_first_reply_of_the_samples(report):
    s = summarize(report)
    assert s.days_to_first_reply == (1, 1, 1, 2, 2, 2, 2, 2, 3, 4, 6, 6)
    assert s.median_days_to_first_reply == 2.0
    rows = {r.company: r for r in report.rows}
    # Mon 19 Oct → Tue 27 Oct; the no counts as their first reply.
    assert rows["yoga-sonnengruss.de"].business_days_to_first_reply == 6
    assert rows["yoga-sonnengruss.de"].first_reply.date() == date(2026, 10, 27)
    # Their inquiry came before our offer and nothing after it: no reply.
    assert rows["pohl-sanitaer.de"].first_reply is None


def test_months_are_counted_by_our_first_message(report):
    months = {m.month: m for m in summarize(report).months}
    assert list(months) == ["2026-09", "2026-10", "2026-11"]
    assert [m.total for m in months.values()] == [5, 9, 8]
    assert dict(months["2026-09"].counts)[Verdict.SILENT] == 2 and months["2026-09"].ghosting_rate == pytest.approx(2 / 5)
    assert months["2026-10"].ghosting_rate == pytest.approx(3 / 9)
    # November: 1 silent of 7 decided (Blumen Fischer is still waiting).
    assert months["2026-11"].ghosting_rate == pytest.approx(1 / 7)


def test_top_silent_groups_by_company_and_freemail_address(report):
    top = summarize(report).top_silent
    assert [(p.party, p.silent) for p in top] == [
        ("autohaus-brandl.de", 1),
        ("baeckerei-wegner.de", 1),
        ("lumencoffee.nl", 1),
        ("melanie.koch76@gmx.de", 1),
        ("pohl-sanitaer.de", 1),
        ("tischlerei-hansen.de", 1),
    ]


def test_a_customer_with_two_silent_offers_leads(report):
    silent = next(r for r in report.rows if r.company == "tischlerei-hansen.de")
    extra = [dataclasses.replace(silent, conversation=f"extra{i}@test") for i in range(2)]
    s = summarize(Report(**{**report.__dict__, "rows": report.rows + tuple(extra)}))
    assert (s.top_silent[0].party, s.top_silent[0].silent, s.top_silent[0].conversations) == ("tischlerei-hansen.de", 3, 3)
    assert s.ghosting_rate == pytest.approx(8 / 23)


def test_nothing_decided_has_no_rate():
    s = summarize(Report("x", datetime(2026, 11, 20, tzinfo=timezone.utc), (), (), (), 0, ()))
    assert s.conversations == 0 and s.ghosting_rate is None and s.median_days_to_first_reply is None and s.months == ()



def test_months_without_offers_are_gaps_not_left_out(report):
    rows = [r for r in report.rows if r.first_outbound.month != 10]
    months = summarize(dataclasses.replace(report, rows=tuple(rows))).months
    assert [m.month for m in months] == ["2026-09", "2026-10", "2026-11"]
    assert months[1].total == 0 and months[1].ghosting_rate is None


def test_months_run_across_the_new_year(report):
    november, february = (dataclasses.replace(report.rows[0], first_outbound=date(y, m, 3)) for y, m in ((2026, 11), (2027, 2)))
    months = summarize(dataclasses.replace(report, rows=(november, february))).months
    assert [m.month for m in months] == ["2026-11", "2026-12", "2027-01", "2027-02"]
