"""A first start on a big Calls.dbf: the tail is read first, the history behind it later.

Proves issue 10 point 4 without timing: the binary search for the tail on its own, live
rows applied (and posted) before any history is stored, history backfilled silently in
steps that end in the same ledger as a plain pass in file order, a restart mid-backfill,
a rewritten file, and an import that finishes the history.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PhoneRows
from watcher.config import Config
from watcher.dbf_reader import READ_CHUNK
from watcher.ingest import Ingestor, ScanResult, find_tail
from watcher.ledger import Ledger
from watcher.sim.wintariff import CallsDbfWriter

NOW = dt.datetime(2024, 5, 6, 12, 0, 0)
SINCE = NOW - dt.timedelta(hours=1)


# -- find_tail ----------------------------------------------------------------------------


def _times(minutes: list[float | None]) -> list[dt.datetime | None]:
    return [None if m is None else SINCE + dt.timedelta(minutes=m) for m in minutes]


def _tail(times: list[dt.datetime | None], since: dt.datetime = SINCE) -> tuple[int, int]:
    """The tail index and how many records the search read."""
    reads: list[int] = []

    def time_at(i: int) -> dt.datetime | None:
        reads.append(i)
        return times[i]

    return find_tail(time_at, len(times), since), len(reads)


def test_tail_of_an_empty_file_is_its_start() -> None:
    assert _tail([]) == (0, 0)


def test_tail_when_every_row_is_old_is_the_end() -> None:
    assert _tail(_times([-90, -80, -70, -1]))[0] == 4


def test_tail_when_every_row_is_new_is_the_start() -> None:
    assert _tail(_times([0, 1, 2, 3]))[0] == 0


def test_tail_starts_at_the_first_row_of_equal_times() -> None:
    # Rows at exactly ``since`` belong to the tail; so do all rows of the same second.
    assert _tail(_times([-5, -5, 0, 0, 0, 0, 3]))[0] == 2
    assert _tail(_times([0] * 9))[0] == 0
    assert _tail(_times([-1] * 9))[0] == 9


def test_tail_reads_about_log2_of_the_records() -> None:
    times = _times([(i - 900_000) / 1000 for i in range(1_000_000)])
    index, reads = _tail(times)
    assert index == 900_000
    assert reads <= 21


def test_rows_without_a_time_are_stepped_over() -> None:
    times = _times([-9, None, None, -3, None, 1, None, 2])
    assert _tail(times)[0] == 4  # the first row at or after the last old one's successor
    assert _tail(_times([None, None, None]))[0] == 0  # no time at all: read it all now
    assert _tail(_times([-9, -8, None, None]))[0] == 2


def test_unsorted_times_give_an_index_where_they_cross() -> None:
    rng = random.Random(7)
    for _ in range(200):
        minutes: list[float | None] = [rng.uniform(-60, 60) for _ in range(rng.randint(1, 50))]
        times = _times(minutes)
        index, _ = _tail(times)
        assert 0 <= index <= len(times)
        before, at = (
            times[index - 1] if index else None,
            times[index] if index < len(times) else None,
        )
        assert before is None or before < SINCE
        assert at is None or at >= SINCE


# -- the first pass over a real file --------------------------------------------------------


CALLERS = [f"8916{n:07d}" for n in range(40)]


def write_day(calls_dbf: CallsDbfWriter, phone_rows: PhoneRows, *, history: int) -> int:
    """``history`` calls over the two days before the last hour, then 60 in the last 50
    minutes, from a small pool of callers so that the two parts answer each other's calls;
    returns the number of history rows (records before the tail)."""
    rng = random.Random(10)
    rows: list[dict[str, object]] = []

    def call(when: dt.datetime) -> dict[str, object]:
        caller = rng.choice(CALLERS)
        kind = rng.random()
        if kind < 0.45:
            return phone_rows.missed(when, caller, ext=rng.choice(["620", "630"]))
        if kind < 0.7:
            return phone_rows.answered_in(when, caller)
        if kind < 0.9:
            return phone_rows.outgoing(when, caller, seconds=rng.choice([0, 3, 60]))
        return phone_rows.internal(when)

    start = NOW - dt.timedelta(days=2)
    span = (dt.timedelta(days=2) - dt.timedelta(hours=1, minutes=5)).total_seconds()
    for i in range(history):
        rows.append(call(start + dt.timedelta(seconds=span * i / history)))
    for i in range(60):
        rows.append(call(NOW - dt.timedelta(minutes=50) + dt.timedelta(seconds=45 * i)))
    calls_dbf.append_many(rows)
    return history


def ingestor(config: Config, ledger: Ledger, *, backfill_over: int) -> Ingestor:
    return Ingestor(
        config, ledger, clock=lambda: NOW, wall=lambda: 1e6, backfill_over=backfill_over
    )


def content(ledger: Ledger) -> dict[str, Any]:
    """What a pass leaves in the ledger, without the ids the order of passes hands out."""
    calls = ledger._dicts("SELECT * FROM calls ORDER BY record_index")
    ids = {
        row["id"]: (row["remote"], row["department"], row["first_at"])
        for row in ledger._dicts("SELECT * FROM cases")
    }
    cases = sorted(
        (
            {k: v for k, v in row.items() if k != "id"}
            for row in ledger._dicts("SELECT * FROM cases")
        ),
        key=lambda row: (row["remote"], row["department"], row["first_at"]),
    )
    outbox = sorted(
        (ids[row["case_id"]], row["kind"]) for row in ledger._dicts("SELECT * FROM outbox")
    )
    events = sorted(
        (ids[row["case_id"]], row["kind"], str(row["call_fingerprint"]), str(row["at"]))
        for row in ledger._dicts("SELECT * FROM case_events")
    )
    return {"calls": calls, "cases": cases, "outbox": outbox, "events": events}


def plain_pass(config: Config, tmp_path: Path) -> dict[str, Any]:
    ledger = Ledger(tmp_path / "plain.db")
    try:
        ingestor(ledger=ledger, config=config, backfill_over=10**9).scan()
        return content(ledger)
    finally:
        ledger.close()


def backfill_all(ingest: Ingestor) -> list[ScanResult]:
    steps = []
    while (step := ingest.backfill(chunks=1)) is not None:
        steps.append(step)
    return steps


@pytest.fixture
def config(phone_config, calls_dbf: CallsDbfWriter) -> Config:
    return phone_config()


def test_live_rows_come_first_and_the_backfill_ends_as_a_plain_pass(
    config: Config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows, tmp_path: Path
) -> None:
    history = write_day(calls_dbf, phone_rows, history=3 * READ_CHUNK + 123)
    ledger = Ledger(config.database_path)
    ingest = ingestor(config, ledger, backfill_over=100)

    first = ingest.scan()
    assert first.records_read == 60  # the tail only
    assert first.backfill_left == history
    assert ledger.call_count() == 60  # no history stored yet
    live = ledger._dicts("SELECT * FROM cases")
    assert live and not any(case["silent"] for case in live)
    assert ledger._dicts("SELECT * FROM outbox")  # posted before the history is read
    assert ingest.backfill_pending

    steps = backfill_all(ingest)
    assert len(steps) == 4  # one read chunk per step here
    assert [s.backfill_left for s in steps] == [
        history - READ_CHUNK * (i + 1) for i in range(3)
    ] + [0]
    assert sum(s.new_calls for s in steps) == history
    assert not ingest.backfill_pending
    assert ingest.scan().records_read == 0

    assert content(ledger) == plain_pass(config, tmp_path)
    ledger.close()


def test_a_restart_mid_backfill_goes_on_where_it_stopped(
    config: Config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows, tmp_path: Path
) -> None:
    history = write_day(calls_dbf, phone_rows, history=3 * READ_CHUNK)
    ledger = Ledger(config.database_path)
    ingestor(config, ledger, backfill_over=100).scan()
    step = ingestor(config, ledger, backfill_over=100).backfill(chunks=1)
    assert step is not None and step.backfill_left == history - READ_CHUNK
    ledger.close()

    # A live call while the service was down, then a restart.
    calls_dbf.append(phone_rows.missed(NOW - dt.timedelta(minutes=1), "89169999999"))
    ledger = Ledger(config.database_path)
    ingest = ingestor(config, ledger, backfill_over=100)
    again = ingest.scan()
    assert again.records_read == 1
    assert again.cases.opened == 1
    assert again.backfill_left == history - READ_CHUNK
    assert sum(s.new_calls for s in backfill_all(ingest)) == history - READ_CHUNK
    assert ledger.call_count() == history + 61
    assert content(ledger) == plain_pass(config, tmp_path)
    ledger.close()


def test_a_rewritten_file_mid_backfill_is_read_again(
    config: Config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    write_day(calls_dbf, phone_rows, history=2 * READ_CHUNK)
    ledger = Ledger(config.database_path)
    ingest = ingestor(config, ledger, backfill_over=100)
    ingest.scan()
    ingest.backfill(chunks=1)
    calls_dbf.rewrite([phone_rows.missed(NOW - dt.timedelta(minutes=2), "89168888888")])
    assert ingest.backfill() is None  # not against a file the cursor does not point into
    result = ingest.scan()
    assert result.rebaselined is not None
    assert result.backfill_left == 0  # one row: a plain pass
    assert not ingest.backfill_pending
    assert result.cases.opened == 1
    ledger.close()


def test_an_import_finishes_the_history(
    config: Config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    history = write_day(calls_dbf, phone_rows, history=2 * READ_CHUNK)
    ledger = Ledger(config.database_path)
    ingest = ingestor(config, ledger, backfill_over=100)
    ingest.scan()
    posts = len(ledger._dicts("SELECT * FROM outbox"))
    result = ingest.scan(history=True)
    assert result.new_calls == history
    assert result.backfill_left == 0
    assert not ingest.backfill_pending
    assert ledger.call_count() == history + 60
    assert len(ledger._dicts("SELECT * FROM outbox")) == posts  # history is silent
    ledger.close()


def test_a_small_file_is_one_plain_pass(
    config: Config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    history = write_day(calls_dbf, phone_rows, history=500)
    ledger = Ledger(config.database_path)
    ingest = Ingestor(config, ledger, clock=lambda: NOW, wall=lambda: 1e6)  # default threshold
    result = ingest.scan()
    assert result.records_read == history + 60
    assert result.backfill_left == 0
    assert ingest.backfill() is None
    ledger.close()
