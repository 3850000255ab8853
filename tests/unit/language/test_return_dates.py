"""parse_return_date: the first day back from an absence notice; absence_start."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ghostscan.classify.language.return_dates import absence_start, parse_return_date

# A Monday in December: January dates are next year, "Friday" is 2026-12-18.
DEC = datetime(2026, 12, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))
# A Wednesday in mid-year.
JUL = datetime(2026, 7, 15, 16, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text",
    [
        "Ich bin bis einschließlich 12.01. nicht im Büro.",
        "Ich bin bis einschl. 12.01. nicht im Büro.",
        "Ich bin bis zum 12.01. nicht erreichbar.",
        "Abwesend bis 12.01.",
        "ich bin bis 12.1. im urlaub",
        "Bis und mit 12. Januar bin ich in den Ferien.",
        "I am out of the office until January 12.",
        "Out of office through Jan 12, with limited access to email.",
        "I'm out until 12/01.",
        "I am away till the 12th of January.",
        "Urlaub vom 23.12. bis 12.01.",
        "Closed 24.12.–12.01.",
        "I will be on leave from December 21 to January 12 inclusive.",
    ],
)
def test_last_day_away_gives_the_next_day(text):
    assert parse_return_date(text, "de", DEC) == date(2027, 1, 13)


@pytest.mark.parametrize(
    "text",
    [
        "Ab dem 7. Januar bin ich wieder erreichbar.",
        "ab 07.01. wieder im Büro",
        "Ich bin am Donnerstag, 7.1., wieder im Büro.",
        "Ab 7.1.2027 bin ich wieder für Sie da.",
        "Back on 7 January.",
        "Returning January 7.",
        "I'll be back on Jan 7th.",
        "I'm out until Christmas and back in the office on the 7th of January.",
        "I won't be back until 7 January.",
        "Our office is closed from Dec 24 to Jan 1. We will reopen on January 7.",
        "Ich bin vom 21.12. bis 6.1. im Urlaub und ab dem 7.1. wieder erreichbar.",
        "I will be out of the office from Monday 21 December, returning Thursday 7 January.",
    ],
)
def test_first_day_back_is_taken_as_is(text):
    assert parse_return_date(text, "en", DEC) == date(2027, 1, 7)


def test_weekdays_count_from_the_day_the_notice_was_sent():
    assert parse_return_date("Back on Monday.", "en", DEC) == date(2026, 12, 21)  # sent on a Monday
    assert parse_return_date("Ich bin bis Freitag im Urlaub.", "de", DEC) == date(2026, 12, 19)
    assert parse_return_date("Ab Mittwoch wieder im Büro.", "de", JUL) == date(2026, 7, 22)  # sent on a Wednesday
    assert parse_return_date("I'm back on Thursday.", "en", JUL) == date(2026, 7, 16)


def test_tomorrow_and_today_count_from_the_notice():
    assert parse_return_date("Ich bin heute nicht im Büro und ab morgen wieder erreichbar.", "de", JUL) == date(2026, 7, 16)
    assert parse_return_date("I'm off sick today and tomorrow.", "en", JUL) == date(2026, 7, 17)
    assert parse_return_date("Guten Morgen, ich bin bis 20.7. unterwegs.", "de", JUL) == date(2026, 7, 21)


def test_years_come_from_the_notice():
    assert parse_return_date("bis 06.01.", "de", DEC) == date(2027, 1, 7)
    assert parse_return_date("bis 06.08.", "de", JUL) == date(2026, 8, 7)
    assert parse_return_date("until 31 December", "en", DEC) == date(2027, 1, 1)
    # A stale notice still names a recent date of its own year.
    assert parse_return_date("bis 10.07.", "de", JUL) == date(2026, 7, 11)
    # An explicit year wins, with or without a date for the notice.
    assert parse_return_date("bis 12.01.2028", "de", DEC) == date(2028, 1, 13)
    assert parse_return_date("back on 7 January 2027", "en", None) == date(2027, 1, 7)


def test_calendar_weeks_and_days_of_the_month():
    assert parse_return_date("Ich bin ab KW 3 wieder erreichbar.", "de", DEC) == date(2027, 1, 18)
    assert parse_return_date("I'm travelling until the 9th.", "en", DEC) == date(2027, 1, 10)
    assert parse_return_date("I'm travelling until the 19th.", "en", DEC) == date(2026, 12, 20)


def test_a_range_within_one_month():
    assert parse_return_date("I will be traveling for work on July 20-31.", "en", JUL) == date(2026, 8, 1)
    assert parse_return_date("Ich bin vom 20.-31.07. im Urlaub.", "de", JUL) == date(2026, 8, 1)


def test_numeric_dates_are_day_first_unless_impossible():
    assert parse_return_date("away until 05/08/2026", "en", JUL) == date(2026, 8, 6)
    assert parse_return_date("away until 08/25/2026", "en", JUL) == date(2026, 8, 26)


@pytest.mark.parametrize(
    "text",
    [
        "Ich bin im Urlaub.",
        "I'm in meetings all day, replies may be slow.",
        "Ich bin nach den Feiertagen wieder da.",
        "Back mid-January.",
        "Der Termin ist um 12.10 Uhr.",
        "Preis: 1.200 € netto.",
        "",
    ],
)
def test_no_date_of_return(text):
    assert parse_return_date(text, "de", DEC) is None


def test_without_a_sent_date_only_full_dates_resolve():
    assert parse_return_date("bis 12.01.", "de", None) is None
    assert parse_return_date("back on Monday", "en", None) is None


def test_absence_start():
    assert absence_start("ich bin ab 21.12. im Urlaub, können wir vorher telefonieren?", "de", DEC) == date(2026, 12, 21)
    assert absence_start("I'm off from the 21st – could we have a call before?", "en", DEC) == date(2026, 12, 21)
    assert absence_start("I'll be on holiday for the first two weeks of August.", "en", JUL) == date(2026, 8, 1)
    assert absence_start("I will be out of the office from Monday 14 December.", "en", DEC) == date(2026, 12, 14)
    assert absence_start("Ich bin bis 8.1. im Urlaub.", "de", DEC) is None
    assert absence_start("I am out of office until 3rd of January.", "en", DEC) is None
