from datetime import datetime, timezone

from ghostscan.verdicts.business_days import BusinessCalendar


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=timezone.utc)


def test_friday_to_monday_is_one_business_day():
    cal = BusinessCalendar("DE")
    assert cal.business_days_between(at(2026, 11, 13), at(2026, 11, 16)) == 1


def test_same_day_and_backwards_count_zero():
    cal = BusinessCalendar("DE")
    assert cal.business_days_between(at(2026, 11, 16, 8), at(2026, 11, 16, 17)) == 0
    assert cal.business_days_between(at(2026, 11, 16), at(2026, 11, 10)) == 0


def test_christmas_holidays_do_not_count():
    cal = BusinessCalendar("DE")
    # Wed 23 Dec 2026 → Mon 4 Jan 2027: 24, 28-31 Dec and 4 Jan count; 25 Dec and 1 Jan don't.
    assert cal.business_days_between(at(2026, 12, 23), at(2027, 1, 4)) == 6


def test_regional_holiday_counts_only_in_that_state():
    # All Saints' Day (Sun 1 Nov in 2026, so use 2027: Monday) is a holiday in Bavaria, not in Berlin.
    bavaria = BusinessCalendar("DE", "BY")
    berlin = BusinessCalendar("DE", "BE")
    assert bavaria.business_days_between(at(2027, 10, 29), at(2027, 11, 2)) == 1
    assert berlin.business_days_between(at(2027, 10, 29), at(2027, 11, 2)) == 2


def test_days_are_counted_in_the_configured_time_zone():
    cal = BusinessCalendar("DE", timezone="Europe/Berlin")
    # 23:30 UTC on Thursday is already Friday in Berlin: Friday → Monday is 1, not 2.
    sent = datetime(2026, 11, 12, 23, 30, tzinfo=timezone.utc)
    assert cal.business_days_between(sent, at(2026, 11, 16)) == 1
