"""The SQL figures against v0.1's pass in Python, on two weeks of generated traffic, and
the query plans that keep a year of calls out of Python and off SQLite's sorter."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import PHONE_CONFIG
from tests.generated_office import GeneratedOffice, build_generated_office
from tests.stats_reference import reference_stats
from watcher.config import parse_config
from watcher.ledger import Ledger
from watcher.models import to_text
from watcher.queries import (
    _LINES_SQL,
    _PAIR_SQL,
    _SLOTS_SQL,
    _WAITS,
    all_lines,
    hour_slots,
    line_departments,
    scope_lines,
)
from watcher.stats import Period, parse_period, read_stats, stats_from

# Sales rings 30 s before giving up, so its missed calls are timed out or hung up; the
# office closes at 18:00 (the traffic runs to 19:00) and rings under 3 s are short abandons.
WHY_CONFIG = {
    **PHONE_CONFIG,
    "rules": {**PHONE_CONFIG["rules"], "min_ring_seconds": 3},
    "hours": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "close": "18:00"},
    "department": [
        {**PHONE_CONFIG["department"][0], "ring_timeout_seconds": 30},
        PHONE_CONFIG["department"][1],
    ],
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedOffice:
    folder = tmp_path_factory.mktemp("generated")
    return build_generated_office(parse_config(WHY_CONFIG, base_dir=folder))


def _day(day: date) -> Period:
    return parse_period(day.isoformat(), day)


def periods(office: GeneratedOffice) -> list[Period]:
    first, last = office.first_day, office.last_day
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    start = datetime(first.year, first.month, first.day)
    return [
        *(_day(d) for d in days),
        parse_period(f"{first}..{last}", last),
        parse_period("week", last),
        parse_period("month", last),
        parse_period("yesterday", last),
        parse_period(f"{first - timedelta(days=30)}..{first - timedelta(days=1)}", last),
        # Not at whole hours: the first and last slots are parts of an hour.
        Period(
            start + timedelta(hours=10, minutes=17),
            start + timedelta(days=3, hours=15, minutes=41, seconds=5),
            "odd",
        ),
    ]


def test_sql_figures_equal_the_python_pass_on_generated_traffic(
    generated: GeneratedOffice,
) -> None:
    with Ledger(generated.database) as ledger:
        compared = 0
        for period in periods(generated):
            expected = reference_stats(ledger, period)
            assert stats_from(ledger.conn, period) == expected, period
            compared += expected.incoming
        whole = stats_from(
            ledger.conn,
            parse_period(f"{generated.first_day}..{generated.last_day}", generated.last_day),
        )
    assert compared > 2 * 1000  # the comparison saw real traffic
    assert whole.cases_expired and whole.closed_by_user and whole.cases_open
    assert whole.closed_by_call > 100 and whole.median_callback_seconds
    assert len(whole.operators) > 5 and len(whole.departments) == 2
    # Every missed call has its reason, and the generated traffic has each kind of them.
    assert sum(whole.missed_by_reason.values()) == whole.missed
    assert {"hung_up", "timed_out", "after_hours", "unanswered"} <= set(whole.missed_by_reason)
    assert whole.answer_speed.count > 100 and whole.answer_speed.median is not None
    assert whole.hung_up_waits.count == whole.missed_by_reason["hung_up"]


def test_read_stats_runs_in_a_worker_thread_on_its_own_connection(
    generated: GeneratedOffice,
) -> None:
    period = parse_period(f"{generated.first_day}..{generated.last_day}", generated.last_day)
    with Ledger(generated.database) as ledger:
        expected = reference_stats(ledger, period)
        ledger.conn.execute("BEGIN IMMEDIATE")  # a writer holding the lock does not block it
        try:
            seen: list[str] = []

            def work() -> object:
                seen.append(threading.current_thread().name)
                return read_stats(generated.database, period)

            assert asyncio.run(asyncio.to_thread(work)) == expected
            assert seen and seen[0] != threading.current_thread().name
        finally:
            ledger.conn.execute("ROLLBACK")


def test_a_reader_cannot_write(generated: GeneratedOffice) -> None:
    from watcher.queries import reading

    with reading(generated.database) as conn, pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM calls")


def test_department_scope_splits_the_calls(generated: GeneratedOffice) -> None:
    config = generated.config
    period = parse_period(f"{generated.first_day}..{generated.last_day}", generated.last_day)
    with Ledger(generated.database) as ledger:
        conn = ledger.conn
        mapping = line_departments(conn, config.departments)
        assert set(mapping.values()) == {"Отдел продаж", "Сервис"}  # 630 is Service's
        assert set(mapping) == set(all_lines(conn))
        whole = stats_from(conn, period)
        parts = [
            stats_from(
                conn, period, lines=scope_lines(conn, config.departments, d.name), department=d.name
            )
            for d in config.departments
        ]
        slots = hour_slots(
            conn, period.start, period.end, scope_lines(conn, config.departments, "Сервис")
        )
    assert sum(p.incoming for p in parts) == whole.incoming
    assert sum(p.missed for p in parts) == whole.missed
    assert sum(p.answer_speed.count for p in parts) == whole.answer_speed.count
    for reason, count in whole.missed_by_reason.items():
        assert sum(p.missed_by_reason.get(reason, 0) for p in parts) == count
    assert sum(p.cases_total for p in parts) == whole.cases_total
    assert [d.name for d in parts[1].departments] == ["Сервис"]
    assert sum(s.missed for s in slots) == parts[1].missed > 0
    # Service's calls are its group's; stations of sales appear only for calling back.
    busy = {o.extension for o in parts[1].operators if o.answered or o.missed or o.outgoing}
    assert busy == {"630"}
    assert all(o.callbacks for o in parts[1].operators if o.extension != "630")


# -- the plans -------------------------------------------------------------------------------


def plan(conn: sqlite3.Connection, sql: str, params: object) -> str:
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "\n".join(str(row[-1]) for row in rows)


def test_the_big_queries_read_covering_indexes_and_sort_nothing(tmp_path: Path) -> None:
    with Ledger(tmp_path / "perezvon.db") as ledger:
        conn = ledger.conn
        window = {"start": to_text(datetime(2024, 1, 1)), "end": to_text(datetime(2025, 1, 1))}
        slots = plan(conn, _SLOTS_SQL.format(filter=""), window)
        lines = plan(conn, _LINES_SQL, ())
        pair = plan(conn, _PAIR_SQL, {**window, "x": "201", "l": "01"})
        waits = plan(conn, _WAITS.format(group="NULL", filter=""), {**window, "within": 0})
    # Incoming calls first: a year's slots walk the incoming calls only.
    assert "COVERING INDEX idx_calls_in (direction=? AND started_at>? AND started_at<?)" in slots
    assert "COVERING INDEX idx_calls_line" in lines and "COVERING INDEX idx_calls_line" in pair
    assert "COVERING INDEX idx_cases_time" in waits
    for text in (slots, lines, pair):
        assert "SCAN calls" not in text and "TEMP B-TREE" not in text, text
