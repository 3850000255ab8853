"""The digest model and its rendering, on hand-made report rows."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timezone

from ghostscan.reports.digest import Section, build_digest, build_message, render_digest, section_of
from ghostscan.reports.model import EvidenceRow, Report, ReportRow
from ghostscan.verdicts.model import Verdict

AS_OF = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)


def row(verdict, cid, *, days=8, follow_ups=0, firm_order=False, cold=False, return_date=None, phones=(), linkedin=None, subject="Angebot Website", name="Hans Müller", why="8 business days since our last message (threshold 5)", suggestions=("Send one short follow-up.",)):
    return ReportRow(
        conversation=cid,
        verdict=verdict,
        customer_name=name,
        customer_address="hans@mueller-bau.de",
        company="mueller-bau.de",
        subject=subject,
        first_outbound=date(2026, 11, 2),
        last_outbound=date(2026, 11, 9),
        business_days_silent=days,
        follow_ups=follow_ups,
        evidence=(EvidenceRow(f"verdict.{verdict.value}", why),),
        suggestions=suggestions,
        messages=(),
        phones=phones,
        linkedin_url=linkedin,
        return_date=return_date,
        firm_order=firm_order,
        cold=cold,
    )


def report(*rows, problems=()):
    return Report("samples/mailbox", AS_OF, tuple(rows), problems, ("anna@studio-berg.de",), 10, ())


ROWS = (
    row(Verdict.ANSWERED, "answered"),
    row(Verdict.WAITING, "waiting", days=2),
    row(Verdict.DECLINED, "declined", days=None),
    row(Verdict.SILENT, "rest", days=40, follow_ups=2, cold=True),
    row(Verdict.SILENT, "order", days=12, follow_ups=1, firm_order=True, cold=True),
    row(Verdict.AUTO_REPLY, "away-late", return_date=date(2026, 12, 9)),
    row(Verdict.AUTO_REPLY, "away-soon", return_date=date(2026, 11, 30)),
    row(Verdict.SILENT, "silent-6", days=6, phones=("+49301234567",)),
    row(Verdict.SILENT, "silent-20", days=20),
    row(Verdict.BOUNCED, "bounced"),
    row(Verdict.REPLY_IN_SPAM, "junk"),
)


def test_sections_most_urgent_first_and_only_what_needs_doing():
    digest = build_digest(report(*ROWS))
    assert [s.section for s in digest.sections] == [Section.JUNK, Section.BOUNCED, Section.FOLLOW_UP, Section.AWAY, Section.FIRM_ORDER, Section.REST]
    assert [i.conversation for i in digest.section(Section.FOLLOW_UP).items] == ["silent-20", "silent-6"]
    assert [i.conversation for i in digest.section(Section.AWAY).items] == ["away-soon", "away-late"]
    # A silent firm order is never left to rest, however long it has been.
    assert [i.conversation for i in digest.section(Section.FIRM_ORDER).items] == ["order"]
    assert {i.conversation for i in digest.items}.isdisjoint({"answered", "waiting", "declined"})
    assert digest.subject == "ghostscan 2026-11-20: 1 reply in Junk, 1 bounced, 2 to follow up, 2 away, 1 firm order silent, 1 to let rest (8 new)"


def test_section_of_each_verdict():
    assert section_of(row(Verdict.SILENT, "x")) is Section.FOLLOW_UP
    assert section_of(row(Verdict.SILENT, "x", cold=True)) is Section.REST
    assert section_of(row(Verdict.ANSWERED, "x")) is None


def test_items_new_since_the_previous_digest():
    previous = frozenset({("junk", "junk"), ("silent-6", "follow_up"), ("order", "follow_up")})
    digest = build_digest(report(*ROWS), previous=previous)
    new = {i.conversation for i in digest.items if i.new}
    # "order" moved from follow-up to firm orders: new in its new section.
    assert new == {"bounced", "silent-20", "away-soon", "away-late", "order", "rest"}
    assert digest.subject.endswith("(6 new)")
    assert build_digest(report(*ROWS), previous=digest.seen()).subject.endswith("1 to let rest")


def test_nothing_due_is_an_all_clear_digest():
    digest = build_digest(report(row(Verdict.ANSWERED, "a"), row(Verdict.WAITING, "w", days=1)))
    assert digest.is_empty
    assert digest.subject == "ghostscan 2026-11-20: all clear"
    text, html = render_digest(digest)
    assert text == (
        "What needs doing today - 2026-11-20\n"
        "\n"
        "All clear: no reply in Junk, nothing bounced, no follow-up due.\n"
        "\n"
        "-- \n"
        "ghostscan digest of samples/mailbox as of 2026-11-20. Read-only: nothing in your mailbox was changed.\n"
    )
    assert "All clear" in html


def test_german_subject_and_headings():
    digest = build_digest(report(*ROWS), language="de", subject_prefix="[Akquise]")
    assert digest.subject == "[Akquise] 20.11.2026: 1 Antwort im Spam, 1 unzustellbar, 2 nachfassen, 2 abwesend, 1 Auftrag still, 1 ruhen lassen (8 neu)"
    text, _ = render_digest(digest)
    assert "== Heute nachfassen (2) ==" in text
    assert "   Angebot vom 02.11.2026 · seit 20 Werktagen still · noch nicht nachgefasst" in text


def test_one_item_rendered_whole():
    item = row(
        Verdict.SILENT, "c1", days=6, follow_ups=1, phones=("+49301234567",),
        linkedin="https://www.linkedin.com/search/results/people/?keywords=Hans%20M%C3%BCller",
        suggestions=("Mail may not have arrived: try another channel.", "Call +49301234567."),
    )
    text, html = render_digest(build_digest(report(item)))
    block = text.split("== Follow up today (1) ==\n\n")[1].split("\n\n")[0]
    assert block == (
        "[NEW] Hans Müller (mueller-bau.de)\n"
        "   Angebot Website\n"
        "   offer of 2026-11-02 · 6 business days silent · 1 follow-up so far\n"
        "   Why: 8 business days since our last message (threshold 5)\n"
        "   Next: Mail may not have arrived: try another channel.\n"
        "   Call: +49301234567\n"
        "   LinkedIn: https://www.linkedin.com/search/results/people/?keywords=Hans%20M%C3%BCller"
    )
    assert '<a href="tel:+49301234567"' in html
    assert '<a href="https://www.linkedin.com/search/results/people/?keywords=Hans%20M%C3%BCller"' in html


def test_a_bounced_offer_says_not_delivered_instead_of_silence():
    item = row(Verdict.BOUNCED, "b1", days=9, why="delivery failure from mailer-daemon@mx.example on 2026-11-09")
    text, _ = render_digest(build_digest(report(item)))
    facts = text.split("== Offers that did not arrive (1) ==\n\n")[1].splitlines()[2]
    assert facts == "   offer of 2026-11-02 · not delivered · no follow-up yet"
    german, _ = render_digest(build_digest(report(item), language="de"))
    assert "nicht zugestellt" in german and "Werktagen still" not in german


def test_strangers_text_is_escaped_and_kept_on_one_line():
    hostile = row(
        Verdict.SILENT, "h1",
        subject='Angebot "><script>alert(1)</script>\r\nBcc: evil@example.com',
        name="<b>Eve</b>\nX-Injected: yes",
        linkedin="javascript:alert(1)",
        phones=("+49 30 <img>",),
    )
    digest = build_digest(report(hostile))
    [item] = digest.items
    assert item.subject == 'Angebot "><script>alert(1)</script> Bcc: evil@example.com'
    assert item.linkedin_url is None and item.phone is None
    text, html = render_digest(digest)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt; X-Injected: yes" in html
    assert "javascript:" not in html and "<img" not in html
    message = build_message(digest, sender="anna@studio-berg.de", to=["anna@studio-berg.de"], now=AS_OF)
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_message_headers():
    message = build_message(build_digest(report(*ROWS)), sender="anna@studio-berg.de", to=["a@studio-berg.de", "b@studio-berg.de"], now=AS_OF)
    assert message["To"] == "a@studio-berg.de, b@studio-berg.de"
    assert message["Date"] == "Fri, 20 Nov 2026 23:59:00 +0000"
    assert message["Message-ID"].endswith("@studio-berg.de>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert b"\r\n" in message.as_bytes() and b"\n" not in message.as_bytes().replace(b"\r\n", b"")


def test_problems_are_mentioned():
    from ghostscan.reports.model import ProblemRow

    text, _ = render_digest(build_digest(report(*ROWS, problems=(ProblemRow("INBOX/1", None, "gone"),))))
    assert "1 message(s) could not be read and were skipped" in text
