"""The figures as v0.1 computed them: one pass over every call and case in Python.

Kept as the reference the SQL aggregates (:func:`watcher.stats.stats_from`) must agree
with, number for number; it loads every row, so it is for tests only. The daily series
(added with the per-day chart) is computed the same straightforward way.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection
from datetime import datetime
from typing import Any

from watcher.ledger import Ledger
from watcher.models import Case, from_text
from watcher.queries import Spread
from watcher.schema import CALLERS_FROM_CALLS, CASES
from watcher.stats import (
    TOP_MISSED,
    TOP_MISSED_AT_LEAST,
    DepartmentStats,
    MissedNumber,
    NewCallerStats,
    OperatorStats,
    Period,
    Stats,
    stats_from,
)
from watcher.vocab import ClosedHow, Direction, MissReason


def compute_stats(
    calls: list[dict[str, Any]],
    cases: list[Case],
    period: Period,
    legs: Collection[str] = (),
    answer_target_seconds: int = 20,
    history: list[dict[str, Any]] | None = None,
) -> Stats:
    """Figures from ledger rows (``calls`` as dicts, as :meth:`Ledger.calls_between` gives).

    v0.2 rules on top of v0.1's pass: ``legs`` (missed legs of answered calls) are counted
    once, by the leg that answered; a case such a leg opened is no case; a case closed as
    not needed is counted apart and has no wait to callback. Why and when: missed calls by
    stored reason, ring times of answered calls and the waits of those who hung up."""
    stats = Stats(answer_target_seconds=answer_target_seconds)
    answer_rings: list[int] = []
    hung_up_rings: list[int] = []
    missed_of: dict[str, int] = {}
    operators: dict[str, OperatorStats] = {}

    def operator(extension: str) -> OperatorStats:
        if extension[:1] == "G" and extension[1:].isdigit():  # G620 is group 620
            extension = extension[1:]
        if extension not in operators:
            operators[extension] = OperatorStats(extension)
        return operators[extension]

    for call in calls:
        started = call["started_at"]
        moment = from_text(started)
        if not (period.start <= moment < period.end):
            continue
        extension = call["extension"] or "?"
        duration = int(call["duration"] or 0)
        if call["direction"] == Direction.IN and not call["remote"]:
            # A hidden number: counted apart, every row (no leg can be found without a
            # number, so the rules record none for them).
            stats.hidden += 1
            stats.hidden_missed += duration <= 0
            continue
        if call.get("fingerprint") in legs:
            continue
        if call["direction"] == Direction.IN and call["remote"]:
            hour = int(started[11:13])
            day = moment.date()
            stats.incoming += 1
            stats.hourly_incoming[hour] += 1
            stats.daily_incoming[day] = stats.daily_incoming.get(day, 0) + 1
            ring = call.get("ring_seconds")
            if duration > 0:
                if ring is not None:
                    answer_rings.append(int(ring))
                stats.answered += 1
                operator(extension).answered += 1
                operator(extension).talk_seconds += duration
            else:
                reason = call.get("miss_reason") or "unknown"
                stats.missed_by_reason[reason] = stats.missed_by_reason.get(reason, 0) + 1
                if reason == "hung_up" and ring is not None:
                    hung_up_rings.append(int(ring))
                missed_of[call["remote"]] = missed_of.get(call["remote"], 0) + 1
                stats.missed += 1
                stats.hourly_missed[hour] += 1
                stats.daily_missed[day] = stats.daily_missed.get(day, 0) + 1
                operator(extension).missed += 1
        elif call["direction"] == Direction.OUT and duration > 0:
            operator(extension).outgoing += 1
            operator(extension).talk_seconds += duration
    for day in stats.daily_incoming:
        stats.daily_missed.setdefault(day, 0)
    stats.answer_speed = spread(answer_rings, answer_target_seconds)
    stats.hung_up_waits = spread(hung_up_rings, 0)
    often = sorted((-n, remote) for remote, n in missed_of.items() if n >= TOP_MISSED_AT_LEAST)
    stats.top_missed = [MissedNumber(remote, -n) for n, remote in often[:TOP_MISSED]]

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
        dept.closed += 1  # every close: the line adds up
        if case.closed_how == ClosedHow.EXPIRY:
            stats.cases_expired += 1
            continue
        if case.closed_how == ClosedHow.NOT_NEEDED:
            stats.closed_not_needed += 1
            continue
        stats.cases_closed += 1
        if case.closed_how in (ClosedHow.CALL, ClosedHow.ANSWER):
            stats.closed_by_call += 1
            if case.closed_how == ClosedHow.ANSWER:
                stats.closed_by_answer += 1
            if case.closed_how == ClosedHow.CALL and case.closed_by_extension:
                operator(case.closed_by_extension).callbacks += 1
        elif case.closed_how == ClosedHow.USER:
            stats.closed_by_user += 1
        # Minutes to callback: of the cases called back, not those who got through.
        if case.closed_at is not None and case.closed_how != ClosedHow.ANSWER:
            waits.append(max(0.0, (case.closed_at - case.first_at).total_seconds()))
    stats.new_callers = new_caller_stats(calls if history is None else history, cases, period, legs)
    stats.median_callback_seconds = statistics.median(waits) if waits else None
    stats.operators = sorted(operators.values(), key=_extension_order)
    stats.departments = sorted(departments.values(), key=lambda d: d.name)
    return stats


def new_caller_stats(
    calls: list[dict[str, Any]], cases: list[Case], period: Period, legs: Collection[str] = ()
) -> NewCallerStats:
    """Numbers whose first call of all ``calls`` is an incoming call in the period; answered
    when a row at that moment has talk time or is a missed leg of an answered call, else
    called back when the case it opened (or joined) was closed by a callback (the call log
    or a press), got through on their own, or needed no callback."""
    first: dict[str, str] = {}
    first_in: dict[str, str] = {}
    for call in calls:
        remote, at = call["remote"], call["started_at"]
        if not remote:
            continue
        first[remote] = min(first.get(remote, at), at)
        if call["direction"] == Direction.IN:
            first_in[remote] = min(first_in.get(remote, at), at)
    at_moment: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for call in calls:
        if call["remote"] and call["direction"] == Direction.IN:
            at_moment.setdefault((call["remote"], call["started_at"]), []).append(call)
    cases_of: dict[str, list[Case]] = {}
    for case in cases:
        cases_of.setdefault(case.remote, []).append(case)
    result = NewCallerStats()
    for remote, at in first_in.items():
        if first[remote] != at or not (period.start <= from_text(at) < period.end):
            continue
        result.total += 1
        rows = at_moment[(remote, at)]
        if any(int(c["duration"] or 0) > 0 or c.get("fingerprint") in legs for c in rows):
            result.answered += 1
            continue
        mine = [c for c in cases_of.get(remote, []) if c.first_at <= from_text(at)]
        case = max(mine, key=lambda c: c.first_at) if mine else None
        if case is None and all(c.get("miss_reason") == MissReason.SHORT_ABANDON for c in rows):
            result.short_abandons += 1  # never posted: no case, nobody to call back
        if case is None or case.is_open or case.closed_at is None:
            continue
        if case.closed_how in (ClosedHow.CALL, ClosedHow.USER):
            result.called_back += 1
        elif case.closed_how == ClosedHow.ANSWER:
            result.got_through += 1
        elif case.closed_how == ClosedHow.NOT_NEEDED:
            result.not_needed += 1
    return result


def spread(values: list[int], target: float) -> Spread:
    """Count, median, nearest-rank 90th percentile and how many at most ``target``."""
    if not values:
        return Spread()
    ordered = sorted(values)
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
    within = sum(v <= target for v in ordered)
    return Spread(len(ordered), float(statistics.median(ordered)), float(p90), within)


def _extension_order(op: OperatorStats) -> tuple[int, int | str]:
    return (0, int(op.extension)) if op.extension.isdigit() else (1, op.extension)


def reference_stats(ledger: Ledger, period: Period, *, history: bool = True) -> Stats:
    """v0.1's load_stats: every call and case of the period into Python; ``history``:
    every call before it too, for the new callers (v0.1 had no such figure)."""
    calls = ledger.calls_between(period.start, period.end)
    missed = (c["fingerprint"] for c in calls if c["direction"] == "in" and not c["duration"])
    return compute_stats(
        calls,
        ledger.cases_between(period.start, period.end),
        period,
        ledger.leg_fingerprints(missed),
        history=ledger.calls_between(datetime(1900, 1, 1), datetime(9999, 1, 1))
        if history
        else None,
    )


def ledger_of(calls: list[dict[str, Any]], cases: list[Case]) -> Ledger:
    """An in-memory ledger holding these call dicts (as the tests write them) and cases."""
    ledger = Ledger(":memory:")
    with ledger.transaction():
        for index, call in enumerate(calls):
            row = {
                "fingerprint": f"t{index}",
                "record_index": index,
                "co_line": "",
                **call,
            }
            names = ", ".join(row)
            marks = ", ".join("?" * len(row))
            ledger.conn.execute(f"INSERT INTO calls ({names}) VALUES ({marks})", list(row.values()))
        for case in cases:
            ledger.conn.execute(CASES.insert_sql("cases"), CASES.values(case))
        ledger.conn.execute(CALLERS_FROM_CALLS)  # written past insert_calls
    return ledger


def checked_stats(calls: list[dict[str, Any]], cases: list[Case], period: Period) -> Stats:
    """The SQL figures of these rows, after checking they equal the reference's."""
    with ledger_of(calls, cases) as ledger:
        stats = stats_from(ledger.conn, period)
    assert stats == compute_stats(calls, cases, period)
    return stats
