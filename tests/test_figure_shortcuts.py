"""The shortcuts that keep a year's figures under a second give what the plain way gives.

Percentiles from a histogram of ring times against a sort of every value; waits sorted
in Python against the SQL that orders them; and, on random
ledgers with many missed legs (taken out in Python rather than looked up per call) and
ties between numbers, the figures, the numbers missed most often and the weekday x hour
grid against v0.1's pass in Python (tests/stats_reference.py) and the plain GROUP BY.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.stats_reference import reference_stats, spread
from watcher.ledger import Ledger
from watcher.models import to_text
from watcher.queries import (
    _CALLBACK_WAITS,
    _WAITS,
    Waits,
    callback_waits,
    frequent_callers,
    load_grid,
    reading,
    spread_of,
    waits,
    why_figures,
)
from watcher.schema import CALLERS_FROM_CALLS
from watcher.stats import Period, stats_from

START = datetime(2026, 11, 2)  # a Monday
REASONS = ("hung_up", "timed_out", "after_hours", "short_abandon", "unanswered", "unknown")


def test_histogram_percentiles_equal_the_sorted_ones() -> None:
    rng = random.Random(12)
    assert spread_of([]) == spread([], 0) == spread_of([(5, 0)])
    for trial in range(2000):
        size = rng.choice([0, 1, 2, 3, 4, 9, 10, 11, 19, 20, 21, rng.randint(0, 300)])
        top = rng.choice([0, 1, 3, 45, 200])
        values = [rng.randint(0, top) for _ in range(size)]
        target = rng.choice([0, 10, 20, 20.5, rng.randint(0, top)])
        histogram = sorted(Counter(values).items())
        assert spread_of(histogram, target) == spread(values, target), (trial, values, target)


def random_ledger(path: Path, seed: int) -> tuple[Ledger, list[dict[str, object]]]:
    """A week of random calls from a few numbers (ties in every count), a reason stored
    per missed call (some none, some no reason knows), and a missed leg in every fifth."""
    rng = random.Random(seed)
    numbers = [f"+7916000000{n}" for n in range(7)] + ["", None]
    calls: list[dict[str, object]] = []
    for n in range(rng.randint(0, 400)):
        direction = rng.choice(["in", "in", "in", "out", "internal"])
        answered = rng.random() < 0.5
        calls.append(
            {
                "fingerprint": f"c{n}",
                "record_index": n,
                "started_at": to_text(START + timedelta(seconds=rng.randint(0, 7 * 86400))),
                "duration": rng.randint(1, 300) if answered else rng.choice([0, None]),
                "ring_seconds": rng.choice([None, 0, 3, 3, 8, 12, 20, 21, 30]),
                "extension": rng.choice(["201", "202", "620"]),
                "co_line": rng.choice(["", "01"]),
                "direction": direction,
                "remote": rng.choice(numbers),
                "miss_reason": None
                if answered
                else rng.choice([*REASONS, None, "no_such_reason"] if seed % 3 == 0 else REASONS),
            }
        )
    # A missed leg and the leg that answered the same call, as the ingest pairs them.
    legs = [c for c in calls if not c["duration"] and rng.random() < 0.2]
    for n, leg in enumerate(legs):
        answered = {**leg, "fingerprint": f"a{n}", "record_index": 1000 + n, "duration": 60}
        calls.append({**answered, "extension": "202", "miss_reason": None})
    ledger = Ledger(path)
    with ledger.transaction():
        for call in calls:
            names = ", ".join(call)
            marks = ", ".join("?" * len(call))
            ledger.conn.execute(
                f"INSERT INTO calls ({names}) VALUES ({marks})", list(call.values())
            )
        for n, leg in enumerate(legs):
            ledger.conn.execute(
                "INSERT INTO legs (missed_fingerprint, answered_fingerprint, extension)"
                " VALUES (?, ?, '202')",
                [leg["fingerprint"], f"a{n}"],
            )
        ledger.conn.execute(CALLERS_FROM_CALLS)  # written past insert_calls
    return ledger, calls


def python_grid(calls: list[dict[str, object]], legs: set[str], period: Period) -> list[int]:
    """Incoming and missed calls by weekday and hour, every call in Python."""
    incoming = [0] * 168
    missed = [0] * 168
    for call in calls:
        moment = datetime.fromisoformat(str(call["started_at"]))
        if not (period.start <= moment < period.end) or call["fingerprint"] in legs:
            continue
        if call["direction"] == "in" and call["remote"]:
            cell = moment.weekday() * 24 + moment.hour
            incoming[cell] += 1
            missed[cell] += not call["duration"]
    return incoming + missed


@pytest.mark.parametrize("seed", range(12))
def test_the_shortcuts_equal_the_plain_way_on_random_ledgers(tmp_path: Path, seed: int) -> None:
    ledger, calls = random_ledger(tmp_path / "perezvon.db", seed)
    legs = {str(r[0]) for r in ledger.conn.execute("SELECT missed_fingerprint FROM legs")}
    periods = [
        Period(START, START + timedelta(days=7), "week"),
        Period(START + timedelta(days=2), START + timedelta(days=3), "day"),
        Period(START + timedelta(hours=30, minutes=7), START + timedelta(days=5, hours=3), "odd"),
    ]
    with ledger:
        conn = ledger.conn
        for period in periods:
            assert stats_from(conn, period) == reference_stats(ledger, period), period
            start, end = period.start, period.end
            for minimum in (1, 2, 3):
                every = frequent_callers(conn, start, end, minimum=minimum, by_missed=True)
                for limit in (1, 2, 3, 5, 20):
                    why = why_figures(
                        conn, start, end, target_seconds=0, top=limit, top_at_least=minimum
                    )
                    assert why.top_missed == every[:limit], (period, minimum, limit)
            grid = load_grid(conn, start, end)
            cells = [n for rows in (grid.incoming, grid.missed) for row in rows for n in row]
            assert cells == python_grid(calls, legs, period), period
            lines = frozenset({("201", ""), ("620", "01")})
            part = why_figures(conn, start, end, target_seconds=0, lines=lines).missed_by_reason
            expected = Counter(
                str(c["miss_reason"] or "unknown")
                for c in calls
                if period.start <= datetime.fromisoformat(str(c["started_at"])) < period.end
                and c["direction"] == "in"
                and c["remote"]
                and not c["duration"]
                and c["fingerprint"] not in legs
                and (c["extension"], c["co_line"]) in lines
            )
            assert part == dict(expected), period


@pytest.mark.parametrize("seed", range(8))
def test_waits_sorted_in_python_equal_the_sql_median(tmp_path: Path, seed: int) -> None:
    """The waits to callback (overall and by callback), sorted by Python, against the SQL
    that orders them (kept for a close time SQLite cannot read), on random cases."""
    rng = random.Random(seed)
    hows = ["call", "answered", "user", "expired", "leg", "not_needed", None]
    with Ledger(tmp_path / "perezvon.db") as ledger, ledger.transaction():
        for n in range(rng.choice([0, 1, 2, 3, rng.randint(0, 200)])):
            first = START + timedelta(minutes=rng.randint(0, 7 * 24 * 60))
            closed = first + timedelta(
                seconds=rng.choice([0, 30, 60, 600, rng.randint(-60, 90_000)])
            )
            ledger.conn.execute(
                "INSERT INTO cases (id, department, status, first_at, closed_at, closed_how)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    n + 1,
                    rng.choice(["Sales", "Service"]),
                    rng.choice(["open", "closed", "closed"]),
                    to_text(first),
                    rng.choice([to_text(closed), to_text(closed), None, ""]),
                    rng.choice(hows),
                ],
            )
    with reading(tmp_path / "perezvon.db") as conn:
        start, end = START + timedelta(days=1), START + timedelta(days=6)
        for department in (None, "Sales"):
            filters = "" if department is None else " AND department = :department"
            params = {"start": to_text(start), "end": to_text(end), "within": 600}
            params.update({} if department is None else {"department": department})
            in_sql = {
                g: Waits(int(c), None if m is None else float(m), int(w))
                for g, c, m, w in conn.execute(_WAITS.format(group="NULL", filter=filters), params)
            }
            assert waits(conn, start, end, department=department, within_seconds=600) == in_sql
            row = conn.execute(_CALLBACK_WAITS.format(filter=filters), params).fetchone()
            expected = (0, 0, None, None) if row is None else (row[0], row[1], row[2], row[3])
            found = callback_waits(conn, start, end, within_seconds=600, department=department)
            assert found == expected
