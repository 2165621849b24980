"""Whether the PBX reports missed calls at all: a pure decision on the ledger's dates.

Most PBXs report only answered calls until "Lost Call Print-out" / SMDR for incoming
calls is turned on (PGM 177 on LG-Ericsson ipLDK and iPECS). Such an install runs without
an error and posts nothing, so it looks like an office that never misses a call. A real
office misses some every working day; :data:`QUIET_OFFICE_DAYS` complete office days
without one are worth a warning that names the PBX setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from watcher.hours import SEARCH_DAYS, OfficeHours
from watcher.texts import LogText

# Complete office days without a single missed call before the service warns.
QUIET_OFFICE_DAYS = 3
# The PBX settings the warning names (README "PBX checklist" explains them).
PBX_CHECKLIST = LogText(
    "turn on Lost Call Print-out / SMDR for incoming calls (PGM 177 on LG-Ericsson"
    " ipLDK / iPECS); see the PBX checklist in the README"
)


@dataclass(frozen=True)
class CallDates:
    """What the ledger knows: its first and last call, and its last missed call."""

    first_call: datetime | None = None
    last_call: datetime | None = None
    last_missed: datetime | None = None


@dataclass(frozen=True)
class Health:
    """The verdict: ``quiet`` when no missed call came in the last office days."""

    quiet: bool
    since: datetime | None = None  # the start of the office days looked at
    days: int = QUIET_OFFICE_DAYS
    last_missed: datetime | None = None
    no_calls: bool = False  # not a single call since then: the file itself is silent


def window_start(
    now: datetime, hours: OfficeHours, days: int = QUIET_OFFICE_DAYS
) -> datetime | None:
    """Midnight of the earliest of the last ``days`` office days that are over by ``now``.

    A day is over at its closing time (midnight for an office that is always open), so
    today counts only after closing; weekends and holidays do not count at all.
    """
    found = 0
    day = now.date()
    for _ in range(SEARCH_DAYS):
        if hours.is_workday(day) and _closing(day, hours) <= now:
            found += 1
            if found == days:
                return datetime.combine(day, time())
        day -= timedelta(days=1)
    return None


def judge(
    dates: CallDates, now: datetime, hours: OfficeHours, days: int = QUIET_OFFICE_DAYS
) -> Health:
    """Quiet when the ledger covers the last ``days`` office days and holds no missed call
    from them. A ledger younger than that (a new install) is never quiet: too early."""
    since = window_start(now, hours, days)
    if since is None or dates.first_call is None or dates.first_call.date() > since.date():
        return Health(False, since, days, dates.last_missed)
    quiet = dates.last_missed is None or dates.last_missed < since
    no_calls = dates.last_call is None or dates.last_call < since
    return Health(quiet, since, days, dates.last_missed, quiet and no_calls)


def describe(health: Health) -> LogText:
    """The log's warning for a quiet PBX (English; told in the log's language)."""
    last: str = LogText("none yet")
    if health.last_missed:
        last = health.last_missed.strftime("%Y-%m-%d %H:%M")
    since = health.since.strftime("%Y-%m-%d") if health.since else "?"
    if health.no_calls:
        return LogText(
            "no call at all in the last %d office days (since %s; last missed call: %s): is"
            " WinTariff still receiving the PBX's call records? Check the PBX link, then %s",
            health.days,
            since,
            last,
            PBX_CHECKLIST,
        )
    return LogText(
        "no missed call in the last %d office days (since %s; last missed call: %s): the"
        " PBX may not report unanswered calls to WinTariff; %s",
        health.days,
        since,
        last,
        PBX_CHECKLIST,
    )


def _closing(day: date, hours: OfficeHours) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=hours.close_minute)
