"""Silence counted in business days: weekends and public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


class BusinessCalendar:
    """Counts business days for one country / subdivision in one time zone.

    Args:
        country: ISO country code for `holidays` (``"DE"``).
        subdivision: state or region (``"BY"``), or None for nation-wide holidays only.
        timezone: IANA zone in which a message's date is read (``"Europe/Berlin"``).
    """

    def __init__(self, country: str = "DE", subdivision: str | None = None, timezone: str = "Europe/Berlin"):
        self.country = country
        self.subdivision = subdivision
        self.zone = ZoneInfo(timezone)

    @lru_cache(maxsize=64)
    def _holidays(self, year: int) -> frozenset[date]:
        import holidays  # imported lazily: `ghostscan --help` need not load 100+ country modules

        return frozenset(holidays.country_holidays(self.country, subdiv=self.subdivision, years=year))

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays(day.year)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """Business days after *start*'s day up to and including *end*'s day.

        Sent on a Friday, read on the next Monday: 1. Same day, or *end* before *start*: 0.

        Example:
            >>> from datetime import timezone
            >>> cal = BusinessCalendar("DE")
            >>> cal.business_days_between(datetime(2026, 12, 23, 9, tzinfo=timezone.utc),
            ...                           datetime(2026, 12, 28, 9, tzinfo=timezone.utc))
            2
        """
        first = self.local_date(start) + timedelta(days=1)
        last = self.local_date(end)
        if last < first:
            return 0
        total = 0
        weeks, rest = divmod((last - first).days + 1, 7)
        total = weeks * 5
        day = first + timedelta(days=weeks * 7)
        for _ in range(rest):
            if day.weekday() < 5:
                total += 1
            day += timedelta(days=1)
        for year in range(first.year, last.year + 1):
            total -= sum(1 for h in self._holidays(year) if first <= h <= last and h.weekday() < 5)
        return total
