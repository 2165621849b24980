"""Figures for a period: pure functions over calls and cases, plus the plain-text report.

The same report is printed by ``perezvon stats`` and sent by the bot's /stats and the
daily summary, so a manager sees one set of numbers wherever they look.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from watcher.ledger import Ledger
from watcher.models import Case, from_text
from watcher.texts import tr
from watcher.vocab import ClosedHow, Direction

PERIOD_WORDS = {
    "today": "today",
    "сегодня": "today",
    "yesterday": "yesterday",
    "вчера": "yesterday",
    "week": "week",
    "неделя": "week",
    "неделю": "week",
    "month": "month",
    "месяц": "month",
}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    label: str

    @property
    def days(self) -> int:
        return max(1, (self.end - self.start).days)


def parse_period(text: str | None, today: date) -> Period:
    """``today``, ``yesterday``, ``week`` (7 days to today), ``month`` (this month so far),
    a day ``YYYY-MM-DD`` or a range ``YYYY-MM-DD..YYYY-MM-DD`` (both days included)."""
    word = (text or "today").strip().lower()
    midnight = datetime(today.year, today.month, today.day)
    kind = PERIOD_WORDS.get(word)
    if kind == "today":
        return Period(midnight, midnight + timedelta(days=1), today.isoformat())
    if kind == "yesterday":
        day = today - timedelta(days=1)
        return Period(midnight - timedelta(days=1), midnight, day.isoformat())
    if kind == "week":
        start = midnight - timedelta(days=6)
        return Period(start, midnight + timedelta(days=1), f"{start.date()}..{today}")
    if kind == "month":
        start = midnight.replace(day=1)
        return Period(start, midnight + timedelta(days=1), f"{start.date()}..{today}")
    first, sep, last = word.partition("..")
    try:
        start_day = date.fromisoformat(first.strip())
        end_day = date.fromisoformat(last.strip()) if sep else start_day
    except ValueError:
        raise ValueError(
            f"period not understood: {text!r}; use today, yesterday, week, month, "
            "YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD"
        ) from None
    if end_day < start_day:
        raise ValueError(f"period goes backwards: {text!r}")
    start = datetime(start_day.year, start_day.month, start_day.day)
    end = datetime(end_day.year, end_day.month, end_day.day) + timedelta(days=1)
    label = start_day.isoformat() if start_day == end_day else f"{start_day}..{end_day}"
    return Period(start, end, label)


@dataclass
class OperatorStats:
    extension: str
    answered: int = 0
    missed: int = 0
    outgoing: int = 0
    talk_seconds: int = 0
    callbacks: int = 0


@dataclass
class DepartmentStats:
    name: str
    cases: int = 0
    closed: int = 0
    open: int = 0


@dataclass
class Stats:
    incoming: int = 0
    answered: int = 0
    missed: int = 0
    cases_total: int = 0
    cases_closed: int = 0
    cases_open: int = 0
    cases_expired: int = 0
    closed_by_call: int = 0
    closed_by_user: int = 0
    median_callback_seconds: float | None = None
    operators: list[OperatorStats] = field(default_factory=list)
    departments: list[DepartmentStats] = field(default_factory=list)
    hourly_incoming: list[int] = field(default_factory=lambda: [0] * 24)
    hourly_missed: list[int] = field(default_factory=lambda: [0] * 24)

    @property
    def miss_rate(self) -> float:
        return self.missed / self.incoming if self.incoming else 0.0


def compute_stats(
    calls: list[dict[str, Any]],
    cases: list[Case],
    period: Period,
    legs: Collection[str] = (),
) -> Stats:
    """Figures from ledger rows (``calls`` as dicts, as :meth:`Ledger.calls_between` gives).

    ``legs`` are missed legs of answered calls (a colleague picked up on another leg): the
    call is counted once, as answered, by its answered leg, and a case such a leg had
    opened is no case."""
    stats = Stats()
    operators: dict[str, OperatorStats] = {}

    def operator(extension: str) -> OperatorStats:
        if extension not in operators:
            operators[extension] = OperatorStats(extension)
        return operators[extension]

    for call in calls:
        started = call["started_at"]
        if not (period.start <= from_text(started) < period.end):
            continue
        extension = call["extension"] or "?"
        duration = int(call["duration"] or 0)
        if legs and call.get("fingerprint") in legs:
            continue  # one call, counted once: by the leg that answered it
        if call["direction"] == Direction.IN and call["remote"]:
            hour = int(started[11:13])
            stats.incoming += 1
            stats.hourly_incoming[hour] += 1
            if duration > 0:
                stats.answered += 1
                operator(extension).answered += 1
                operator(extension).talk_seconds += duration
            else:
                stats.missed += 1
                stats.hourly_missed[hour] += 1
                operator(extension).missed += 1
        elif call["direction"] == Direction.OUT and duration > 0:
            operator(extension).outgoing += 1
            operator(extension).talk_seconds += duration

    departments: dict[str, DepartmentStats] = {}
    waits: list[float] = []
    for case in cases:
        if not (period.start <= case.first_at < period.end) or case.closed_how == ClosedHow.LEG:
            continue
        stats.cases_total += 1
        dept = departments.setdefault(case.department, DepartmentStats(case.department))
        dept.cases += 1
        if case.is_open:
            stats.cases_open += 1
            dept.open += 1
            continue
        if case.closed_how == ClosedHow.EXPIRY:
            stats.cases_expired += 1
            continue
        stats.cases_closed += 1
        dept.closed += 1
        if case.closed_how in (ClosedHow.CALL, ClosedHow.ANSWER):
            stats.closed_by_call += 1
            if case.closed_how == ClosedHow.CALL and case.closed_by_extension:
                operator(case.closed_by_extension).callbacks += 1
        elif case.closed_how == ClosedHow.USER:
            stats.closed_by_user += 1
        if case.closed_at is not None:
            waits.append(max(0.0, (case.closed_at - case.first_at).total_seconds()))
    stats.median_callback_seconds = statistics.median(waits) if waits else None
    stats.operators = sorted(operators.values(), key=_extension_order)
    stats.departments = sorted(departments.values(), key=lambda d: d.name)
    return stats


def _extension_order(op: OperatorStats) -> tuple[int, int | str]:
    return (0, int(op.extension)) if op.extension.isdigit() else (1, op.extension)


def load_stats(ledger: Ledger, period: Period) -> Stats:
    calls = ledger.calls_between(period.start, period.end)
    missed = (c["fingerprint"] for c in calls if c["direction"] == "in" and not c["duration"])
    return compute_stats(
        calls,
        ledger.cases_between(period.start, period.end),
        period,
        ledger.leg_fingerprints(missed),
    )


def duration_text(seconds: float | None) -> str:
    """``2:13`` under an hour, ``1:02:13`` above; a dash for no value."""
    if seconds is None:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render_stats(stats: Stats, period: Period, language: str = "ru") -> str:
    """The plain-text report; monospace-friendly, no markup (words from :mod:`watcher.texts`)."""
    t = language
    lines = [tr(t, "stats_title", label=period.label), ""]
    if not stats.incoming and not stats.cases_total and not stats.operators:
        return "\n".join([*lines, tr(t, "stats_none")])
    lines.append(
        tr(
            t,
            "stats_incoming",
            incoming=stats.incoming,
            answered=stats.answered,
            missed=stats.missed,
            rate=stats.miss_rate,
        )
    )
    closed = tr(t, "stats_closed", count=stats.cases_closed)
    if stats.cases_closed:
        closed += tr(
            t, "stats_closed_how", by_call=stats.closed_by_call, by_user=stats.closed_by_user
        )
    parts = [closed, tr(t, "stats_open", count=stats.cases_open)]
    if stats.cases_expired:
        parts.append(tr(t, "stats_expired", count=stats.cases_expired))
    lines.append(tr(t, "stats_cases", total=stats.cases_total, parts=", ".join(parts)))
    lines.append(tr(t, "stats_median", median=duration_text(stats.median_callback_seconds)))
    if stats.departments:
        lines += ["", tr(t, "stats_departments")]
        for d in stats.departments:
            lines.append(f"  {d.name}: {d.cases} / {d.closed} / {d.open}")
    if stats.operators:
        lines += ["", tr(t, "stats_operators")]
        for op in stats.operators:
            lines.append(
                f"  {op.extension:>6}: {op.answered} / {op.missed} / {op.outgoing} / "
                f"{op.callbacks} / {duration_text(op.talk_seconds)}"
            )
    return "\n".join(lines)
