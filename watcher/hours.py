"""Office hours and office time: when the office is open, and how long a case has waited.

A reminder at 20 minutes means 20 minutes of office time: a case from 17:55 in an office
closing at 18:00 is reminded at 09:15 on the next working day, and a Friday evening case
on Monday. Everything here is pure arithmetic on naive local wall times (the ledger's
kind of time), so it is tested without a clock. A day is a working day when it is one of
``days`` and not a holiday, or when it is an extra working day (a Saturday made a
working day by decree). A short day (the day before a holiday) closes an hour early.

With the office's ``zone`` the minutes counted are real ones: the night the clocks go
forward has 23 hours, the night they go back 25 (an office open then, one without
[hours], sees it). A naive time of the hour that comes twice is the first one (summer
time) unless its ``fold`` says otherwise; :meth:`OfficeHours.as_seen_at` tells which
one a stored time is from the clock's own (the local clock keeps its fold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from watcher.vocab import AfterHours

MINUTES_PER_DAY = 24 * 60
# How much earlier the office closes on a short (pre-holiday) day: Russian labour law
# (Трудовой кодекс, ст. 95) shortens the working day before a holiday by one hour.
SHORT_DAY_MINUTES = 60
# How far ahead to look for an opening: an office with no working day in two years is
# misconfigured, and the config check says so; the arithmetic just stops.
SEARCH_DAYS = 730
# How long after a period a case first rung in it may still be closed, for telling
# whether the clocks changed while it waited (OfficeHours.wall_time_is_real).
CHANGE_LOOKAHEAD_DAYS = 31


@dataclass(frozen=True)
class OfficeHours:
    """The office's week; the default is always open (no ``[hours]`` table)."""

    days: frozenset[int] = frozenset(range(7))  # Monday = 0
    open_minute: int = 0  # minutes after midnight
    close_minute: int = MINUTES_PER_DAY
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    after_hours: AfterHours = AfterHours.POST
    # Working days that close SHORT_DAY_MINUTES early (the day before a holiday).
    short_days: frozenset[date] = field(default_factory=frozenset)
    zone: tzinfo | None = field(default=None, compare=False)  # None: every day 24 hours

    @property
    def always_open(self) -> bool:
        return (
            self.days == frozenset(range(7))
            and self.open_minute == 0
            and self.close_minute == MINUTES_PER_DAY
            and not self.holidays
            and not self.short_days
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
        close = self.close_minute
        if day in self.short_days:
            close = max(self.open_minute, close - SHORT_DAY_MINUTES)
        return (
            midnight + timedelta(minutes=self.open_minute),
            midnight + timedelta(minutes=close),
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

    def _span(self, low: datetime, high: datetime) -> timedelta:
        """The real time from ``low`` to ``high`` (wall times of ``zone``, of one day's
        window: ``high`` at most the next midnight)."""
        if self.zone is None or not (_changes(self.zone, low) or _changes(self.zone, high)):
            return high - low
        return _instant(high, self.zone) - _instant(low, self.zone)

    def _plus(self, moment: datetime, span: timedelta) -> datetime:
        """The wall time ``span`` of real time after ``moment`` (its ``fold`` set)."""
        zone, wall = self.zone, moment + span
        if zone is None or (
            span <= _NO_CHANGE_SPAN and not _changes(zone, moment) and not _changes(zone, wall)
        ):
            return wall
        return (_instant(moment, zone) + span).astimezone(zone).replace(tzinfo=None)

    def reached(self, moment: datetime, now: datetime) -> bool:
        """``moment <= now``, minding which of a repeated hour each one is (``fold``)."""
        if self.zone is None:
            return moment <= now
        return _instant(moment, self.zone) <= _instant(now, self.zone)

    def as_seen_at(self, moment: datetime, now: datetime) -> datetime:
        """A stored ``moment`` (a naive time without its fold) with the fold it has as
        seen at ``now``: of the hour that comes twice, the first one while ``now`` is in
        it or before it reached ``moment`` again, else the second (the later: nothing
        falls due before its time)."""
        if self.zone is None or not repeated(moment, self.zone):
            return moment
        if (repeated(now, self.zone) and now.fold == 0) or moment > now:
            return moment.replace(fold=0)
        return moment.replace(fold=1)

    def wall_time_is_real(self, start: datetime, end: datetime) -> bool:
        """Whether always-open waits that begin in ``[start, end)`` are plain differences
        of wall times (what SQL computes): the clocks do not change from ``start`` to
        :data:`CHANGE_LOOKAHEAD_DAYS` after ``end``, by when nearly every case is closed."""
        zone = self.zone
        if zone is None:
            return True
        day, last = start.date(), end.date() + timedelta(days=CHANGE_LOOKAHEAD_DAYS)
        while day <= last:
            if _day_changes(zone, day):
                return False
            day += timedelta(days=1)
        return True

    def previous_opening(self, day: date, within_days: int) -> datetime | None:
        """The opening of the last working day before ``day``, looking back at most
        ``within_days``; None when there is none that near."""
        window = self._previous_window(day, within_days)
        return window[0] if window is not None else None

    def previous_closing(self, day: date, within_days: int) -> datetime | None:
        """When the office closed on the last working day before ``day`` (looking back at
        most ``within_days``): where the closed time that ends at ``day``'s opening began."""
        window = self._previous_window(day, within_days)
        return window[1] if window is not None else None

    def _previous_window(self, day: date, within_days: int) -> tuple[datetime, datetime] | None:
        for back in range(1, within_days + 1):
            window = self._window(day - timedelta(days=back))
            if window is not None:
                return window
        return None

    def office_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of office time in ``[start, end)``."""
        if end <= start:
            return 0.0
        if self.always_open:  # all of it: the real time between the two, in one step
            zone = self.zone
            span = end - start if zone is None else _instant(end, zone) - _instant(start, zone)
            return span.total_seconds()
        total = 0.0
        day = start.date()
        last = end.date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                low, high = max(window[0], start), min(window[1], end)
                if high > low:
                    total += self._span(low, high).total_seconds()
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
            span = self._span(low, high)
            if span >= left:
                return self._plus(low, left)
            left -= span
        return None


# A span this short from a day without a change of the clocks can only end on such a
# day or the next one, and each is looked at (:meth:`OfficeHours._plus`).
_NO_CHANGE_SPAN = timedelta(hours=23)


@lru_cache(maxsize=4096)
def _day_changes(zone: tzinfo, day: date) -> bool:
    """Whether the clocks of ``zone`` change on ``day`` (between its midnight and the next)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    return midnight.utcoffset() != (midnight + timedelta(days=1)).utcoffset()


def _changes(zone: tzinfo, moment: datetime) -> bool:
    """Whether ``moment`` is on a day the clocks change: the only days where wall time
    and real time part (a window of office hours is within one day)."""
    return _day_changes(zone, moment.date())


def _instant(moment: datetime, zone: tzinfo) -> datetime:
    """The naive wall time ``moment`` of ``zone`` as a UTC instant (its fold decides a
    repeated hour; a time the clocks skipped is taken as if they had not yet moved)."""
    return moment.replace(tzinfo=zone).astimezone(UTC)


def repeated(moment: datetime, zone: tzinfo) -> bool:
    """Whether the naive wall time ``moment`` comes twice in ``zone``: the hour the clocks
    go back in autumn (03:00-04:00 in Europe/Riga), once in summer time, once in winter."""
    first, second = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    early, late = first.utcoffset(), second.utcoffset()
    return early is not None and late is not None and early > late


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
