"""Office hours and office time: when the office is open, and how long a case has waited.

A reminder at 20 minutes means 20 minutes of office time: a case from 17:55 in an office
closing at 18:00 is reminded at 09:15 on the next working day, and a Friday evening case
on Monday. Everything here is pure arithmetic on naive local wall times (the ledger's
kind of time), so it is tested without a clock. A day is a working day when it is one of
``days`` and not a holiday, or when it is an extra working day (a Saturday made a
working day by decree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from watcher.vocab import AfterHours

MINUTES_PER_DAY = 24 * 60
# How far ahead to look for an opening: an office with no working day in two years is
# misconfigured, and the config check says so; the arithmetic just stops.
SEARCH_DAYS = 730


@dataclass(frozen=True)
class OfficeHours:
    """The office's week; the default is always open (no ``[hours]`` table)."""

    days: frozenset[int] = frozenset(range(7))  # Monday = 0
    open_minute: int = 0  # minutes after midnight
    close_minute: int = MINUTES_PER_DAY
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    after_hours: AfterHours = AfterHours.POST

    @property
    def always_open(self) -> bool:
        return (
            self.days == frozenset(range(7))
            and self.open_minute == 0
            and self.close_minute == MINUTES_PER_DAY
            and not self.holidays
        )

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.days and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The open interval of ``day``, or None when the office is closed all day."""
        if not self.is_workday(day):
            return None
        midnight = datetime(day.year, day.month, day.day)
        return (
            midnight + timedelta(minutes=self.open_minute),
            midnight + timedelta(minutes=self.close_minute),
        )

    def is_open(self, moment: datetime) -> bool:
        window = self._window(moment.date())
        return window is not None and window[0] <= moment < window[1]

    def next_opening(self, moment: datetime) -> datetime | None:
        """``moment`` itself while open, else the next time the office opens."""
        day = moment.date()
        for offset in range(SEARCH_DAYS):
            window = self._window(day + timedelta(days=offset))
            if window is None:
                continue
            start, end = window
            if moment < end:
                return max(start, moment)
        return None

    def office_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of office time in ``[start, end)``."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        last = end.date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                low, high = max(window[0], start), min(window[1], end)
                if high > low:
                    total += (high - low).total_seconds()
            day += timedelta(days=1)
        return total

    def office_minutes(self, start: datetime, end: datetime) -> float:
        return self.office_seconds(start, end) / 60

    def after(self, start: datetime, minutes: float) -> datetime | None:
        """The moment ``minutes`` of office time have passed since ``start``."""
        left = timedelta(minutes=minutes)
        day = start.date()
        for offset in range(SEARCH_DAYS):
            window = self._window(day + timedelta(days=offset))
            if window is None:
                continue
            low, high = max(window[0], start), window[1]
            if high <= low:
                continue
            if high - low >= left:
                return low + left
            left -= high - low
        return None


def parse_clock(text: str) -> int | None:
    """``"09:00"`` -> 540 minutes, ``"24:00"`` -> 1440; None when it is no time of day."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        return None
    return value


def minute_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def clock_of(minute: int) -> time:
    return time(minute // 60, minute % 60) if minute < MINUTES_PER_DAY else time.max
