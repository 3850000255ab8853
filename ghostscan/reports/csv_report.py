"""The CSV report: the same rows as the JSON report, one conversation a line."""

from __future__ import annotations

import csv
from typing import TextIO

from ghostscan.reports.model import Report

COLUMNS = (
    "id",
    "verdict",
    "customer_name",
    "customer_address",
    "company",
    "subject",
    "first_outbound",
    "last_outbound",
    "business_days_silent",
    "follow_ups",
    "why",
    "suggestion",
    "phone",
    "linkedin",
    "return_date",
    "firm_order",
)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _text(value: str) -> str:
    # Subjects and names come from strangers' mail: a leading = + - @ would make a
    # spreadsheet run it as a formula (OWASP "CSV injection"), so it is quoted away.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(report: Report, out: TextIO) -> None:
    """Write a header line and one line per conversation (RFC 4180 quoting, ``\\r\\n``)."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in report.rows:
        writer.writerow(
            _cell(v)
            for v in (
                r.conversation,
                r.verdict.value,
                _text(r.customer_name),
                r.customer_address,
                r.company,
                _text(r.subject),
                r.first_outbound,
                r.last_outbound,
                r.business_days_silent,
                r.follow_ups,
                _text(r.why),
                r.suggestions[0] if r.suggestions else "",
                r.phones[0] if r.phones else "",
                r.linkedin_url,
                r.return_date,
                "yes" if r.firm_order else "",
            )
        )
