"""Callback SLA: how many cases were called back within ``callback_sla_minutes`` of office
time, and the median and 90th percentile of office minutes to callback.

Without office hours, office time is wall time and the figures come from SQL
(:func:`watcher.queries.callback_waits`: count, within, median and p90 with ORDER BY +
OFFSET). With office hours each wait is measured in office minutes, which SQL cannot do:
the (first call, close) pairs are streamed from SQL and measured one by one, never held
as rows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime

from watcher.hours import OfficeHours
from watcher.queries import Waits, callback_waits, median, percentile, wait_pairs, waits


@dataclass(frozen=True)
class Sla:
    target_minutes: int
    called_back: int  # cases closed by a callback
    within: int  # of them, within the target
    median_minutes: float | None
    p90_minutes: float | None
    # Minutes of office time ([hours] set) or of the wall clock (always open): how the
    # figures were measured, for their words; the same figures either way when equal.
    office_time: bool = field(default=True, compare=False)

    @property
    def share(self) -> float | None:
        return self.within / self.called_back if self.called_back else None


def callback_sla(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    hours: OfficeHours,
    target_minutes: int,
    department: str | None = None,
) -> Sla:
    """The SLA figures of the cases that first rang in [start, end)."""
    if hours.always_open and hours.wall_time_is_real(start, end):
        count, within, med, p90 = callback_waits(
            conn, start, end, within_seconds=target_minutes * 60, department=department
        )
        return Sla(
            target_minutes,
            count,
            within,
            None if med is None else med / 60,
            None if p90 is None else p90 / 60,
            office_time=False,
        )
    found = sla_of(office_seconds_waited(conn, start, end, hours, department), target_minutes)
    return replace(found, office_time=not hours.always_open)


def office_seconds_waited(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    hours: OfficeHours,
    department: str | None = None,
) -> list[float]:
    """The office seconds each case closed by a callback waited, streamed from SQL and
    measured one by one (SQL cannot count office time). Every wait is a callback's
    (queries._WAITED: vocab.CALLED_BACK), so no filter of closes is needed here."""
    return [
        hours.office_seconds(first, closed)
        for _, first, closed in wait_pairs(conn, start, end, department=department)
    ]


def sla_of(seconds: list[float], target_minutes: int) -> Sla:
    """The SLA figures of these waits (office seconds, :func:`office_seconds_waited`)."""
    minutes = [s / 60 for s in seconds]
    within = sum(1 for m in minutes if m <= target_minutes)
    return Sla(target_minutes, len(minutes), within, median(minutes), percentile(minutes, 0.9))


def office_waits(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    hours: OfficeHours,
    by: str | None = None,
    department: str | None = None,
    closed_how: tuple[str, ...] = (),
    within_seconds: float = 0,
) -> dict[str | None, Waits]:
    """:func:`watcher.queries.waits` with each wait in office time, as the SLA and the
    workbook's rows measure it: one "minutes to callback" everywhere. Without office
    hours office time is wall time, and SQL does it all."""
    if hours.always_open and hours.wall_time_is_real(start, end):  # else real minutes
        return waits(
            conn,
            start,
            end,
            by=by,
            department=department,
            closed_how=closed_how,
            within_seconds=within_seconds,
        )
    groups: dict[str | None, list[float]] = {}
    for group, first, closed in wait_pairs(
        conn, start, end, by=by, department=department, closed_how=closed_how
    ):
        groups.setdefault(group, []).append(hours.office_seconds(first, closed))
    return {
        group: Waits(len(found), median(found), sum(1 for s in found if s <= within_seconds))
        for group, found in groups.items()
    }
