"""Ingestor.scan against real Calls.dbf files written the way WinTariff writes them.

Proves the reading rules of issue 2: incremental cursor kept in SQLite, no full re-read
after the first scan, re-baseline on rewrites, delayed CALLTYPE and settle time, partial
and deleted records, lagging headers, code pages, bad rows, silent history.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PhoneRows
from watcher.config import Config
from watcher.dbf_reader import READ_CHUNK, DbfError
from watcher.ingest import BASELINE_WINDOW, RECENT_WINDOW, Ingestor, ScanResult
from watcher.ledger import Ledger
from watcher.sim.wintariff import WINTARIFF_FIELDS, CallsDbfWriter, FieldSpec
from watcher.vocab import CaseStatus, ClosedHow

NOW = dt.datetime(2024, 5, 6, 12, 0, 0)
T0 = NOW - dt.timedelta(minutes=50)  # recent calls start here: within the first-pass hour
CUSTOMER = "89161234567"
CUSTOMER_KEY = "+79161234567"


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


class Harness:
    """A Ledger and an Ingestor on one config, with a fixed office clock and a wall clock
    the test moves by hand."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.now = NOW
        self.wall = 1_000_000.0
        self.ledger = Ledger(config.database_path)
        self.ingestor = self._ingestor()

    def _ingestor(self) -> Ingestor:
        return Ingestor(self.config, self.ledger, clock=lambda: self.now, wall=lambda: self.wall)

    def scan(self, **kw: Any) -> ScanResult:
        return self.ingestor.scan(**kw)

    def restart(self) -> None:
        """What a service restart keeps: only the database file."""
        self.ledger.close()
        self.ledger = Ledger(self.config.database_path)
        self.ingestor = self._ingestor()

    def cases(self) -> list[dict[str, Any]]:
        return self.ledger._dicts("SELECT * FROM cases ORDER BY id")

    def calls(self) -> list[dict[str, Any]]:
        return self.ledger._dicts("SELECT * FROM calls ORDER BY record_index")

    def outbox(self) -> list[dict[str, Any]]:
        return self.ledger._dicts("SELECT * FROM outbox ORDER BY id")

    def next_index(self) -> int:
        state = self.ledger.source_state(str(self.config.source.path))
        assert state is not None
        return state.next_index


@pytest.fixture
def harness(phone_config, calls_dbf: CallsDbfWriter):
    h = Harness(phone_config())
    yield h
    h.ledger.close()


def test_first_scan_reads_everything_and_opens_cases(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append_many(
        [
            phone_rows.missed(at(0), CUSTOMER),
            phone_rows.internal(at(1)),
            phone_rows.answered_in(at(2), "84951112233"),
        ]
    )
    result = harness.scan()
    assert result.records_read == 3
    assert result.total_records == 3
    assert result.new_calls == 3
    assert result.pending == 0
    assert result.rebaselined is None
    assert (result.cases.opened, result.cases.merged, result.cases.closed) == (1, 0, 0)
    [case] = harness.cases()
    assert case["remote"] == CUSTOMER_KEY
    assert case["department"] == "Отдел продаж"
    assert harness.next_index() == 3


def test_after_the_first_scan_only_appended_records_are_read(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append_many(phone_rows.answered_in(at(i / 60), "84951112233") for i in range(500))
    assert harness.scan().records_read == 500
    assert harness.scan().records_read == 0  # nothing new: nothing read
    calls_dbf.append(phone_rows.missed(at(30), CUSTOMER))
    result = harness.scan()
    assert result.records_read == 1
    assert result.new_calls == 1
    assert result.total_records == 501
    assert result.cases.opened == 1
    calls_dbf.append(phone_rows.missed(at(31), "89160000001"))
    calls_dbf.append(phone_rows.missed(at(32), "89160000002"))
    assert harness.scan().records_read == 2
    assert harness.ledger.call_count() == 503


def test_cursor_survives_a_restart(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append_many(phone_rows.missed(at(i), f"8916000{i:04d}") for i in range(50))
    assert harness.scan().cases.opened == 50
    harness.restart()
    assert harness.scan().records_read == 0
    calls_dbf.append(phone_rows.missed(at(55), CUSTOMER))
    harness.restart()
    result = harness.scan()
    assert result.records_read == 1
    assert result.cases.opened == 1
    assert len(harness.cases()) == 51  # nothing opened twice
    assert harness.next_index() == 51


def test_calls_between_passes_are_not_lost(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    harness.scan()  # empty file
    for i in range(5):
        calls_dbf.append(phone_rows.missed(at(i), f"8916000{i:04d}"))
    harness.restart()
    result = harness.scan()
    assert result.records_read == 5
    assert result.cases.opened == 5


def test_progress_is_reported_per_chunk(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    total = READ_CHUNK * 2 + 10
    calls_dbf.append_many(phone_rows.internal(at(i / 100)) for i in range(total))
    seen: list[tuple[int, int]] = []
    harness.scan(progress=lambda done, of: seen.append((done, of)))
    assert seen == [(READ_CHUNK, total), (READ_CHUNK * 2, total), (total, total)]


# -- finalization -------------------------------------------------------------------------


def test_row_waits_for_calltype(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.answered_in(at(0), "84951112233"))
    index = calls_dbf.append(phone_rows.missed(at(1), CUSTOMER, calltype=""))
    result = harness.scan()
    assert result.records_read == 2
    assert result.new_calls == 1
    assert result.pending == 1
    assert harness.cases() == []
    assert harness.next_index() == index  # the cursor stays on the unfinished row
    harness.wall += 5
    result = harness.scan()
    assert (result.records_read, result.new_calls, result.pending) == (1, 0, 1)
    calls_dbf.update(index, {"CALLTYPE": "I"})
    harness.wall += 1
    result = harness.scan()
    assert (result.records_read, result.new_calls, result.pending) == (1, 1, 0)
    assert result.cases.opened == 1
    [call] = [c for c in harness.calls() if c["record_index"] == index]
    assert call["calltype"] == "I"
    assert harness.next_index() == 2
    assert harness.scan().records_read == 0


def test_a_clock_set_back_does_not_hold_a_row_for_as_long(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """A row first seen while the server's clock ran a day ahead settles settle_seconds
    after the clock is put right, not a day later."""
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    harness.wall += 86400
    assert harness.scan().pending == 1
    harness.wall -= 86400  # NTP puts the clock right
    assert harness.scan().pending == 1
    harness.wall += 30  # settle_seconds = 30 in the shared config
    result = harness.scan()
    assert (result.pending, result.cases.opened) == (0, 1)


def test_row_without_calltype_is_final_after_settle_seconds(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    assert harness.scan().pending == 1
    harness.wall += 29
    assert harness.scan().pending == 1
    assert harness.cases() == []
    harness.wall += 1  # settle_seconds = 30 in the shared config
    result = harness.scan()
    assert (result.new_calls, result.pending, result.cases.opened) == (1, 0, 1)
    [call] = harness.calls()
    assert call["calltype"] == ""
    assert call["direction"] == "in"  # guessed from CALLERID


def test_settle_time_restarts_when_the_row_changes(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    index = calls_dbf.append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    harness.scan()
    harness.wall += 20
    calls_dbf.update(index, {"STATUS": "Москва"})  # still no CALLTYPE, but a new write
    assert harness.scan().pending == 1
    harness.wall += 20  # 40 s since first seen, 20 s since the change
    assert harness.scan().pending == 1
    harness.wall += 10
    assert harness.scan().new_calls == 1


def test_settle_time_survives_a_restart(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    harness.scan()
    harness.restart()
    harness.wall += 31
    result = harness.scan()
    assert (result.new_calls, result.pending) == (1, 0)


def test_zero_settle_seconds_takes_rows_as_they_are(
    phone_config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    h = Harness(phone_config(source={"settle_seconds": 0}))
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    result = h.scan()
    assert (result.new_calls, result.pending, result.cases.opened) == (1, 0, 1)
    h.ledger.close()


def test_rows_after_an_unfinished_row_are_read_again_not_the_whole_file(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append_many(phone_rows.internal(at(i / 10)) for i in range(100))
    harness.scan()
    index = calls_dbf.append(phone_rows.missed(at(1), CUSTOMER, calltype=""))
    calls_dbf.append(phone_rows.answered_in(at(2), "84951112233"))
    calls_dbf.append(phone_rows.answered_in(at(3), "84951112244"))
    result = harness.scan()
    assert result.records_read == 3
    assert result.new_calls == 2
    assert harness.next_index() == index
    calls_dbf.update(index, {"CALLTYPE": "I"})
    result = harness.scan()
    assert result.records_read == 3  # from the cursor, not from 0
    assert result.new_calls == 1  # the two after it are known already
    assert harness.next_index() == 103
    assert harness.ledger.call_count() == 103


def test_a_callback_finalized_before_the_missed_row_still_closes_its_case(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    # The missed row never gets CALLTYPE and settles later than the callback after it.
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    calls_dbf.append(phone_rows.outgoing(at(2), CUSTOMER, seconds=40, ext="205"))
    harness.scan()
    harness.wall += 31
    result = harness.scan()
    assert result.new_calls == 1
    [case] = harness.cases()
    assert case["status"] == "closed"
    assert case["closed_how"] == ClosedHow.CALL
    assert case["closed_by_extension"] == "205"
    assert case["callback_duration"] == 40


def test_many_unfinished_rows_settle_together(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    # More unfinished rows than one read chunk: each must keep its first-seen time.
    total = READ_CHUNK + 500
    calls_dbf.append_many(
        phone_rows.answered_in(at(0) + dt.timedelta(seconds=i), "84951112233", calltype="")
        for i in range(total)
    )
    result = harness.scan()
    assert (result.new_calls, result.pending) == (0, total)
    harness.wall += 31
    result = harness.scan()
    assert (result.new_calls, result.pending) == (total, 0)
    assert harness.next_index() == total


def test_partial_trailing_record_waits_until_complete(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.answered_in(at(0), "84951112233"))
    harness.scan()
    calls_dbf.append_partial(phone_rows.missed(at(1), CUSTOMER), calls_dbf.record_len - 10)
    result = harness.scan()
    assert (result.records_read, result.new_calls, result.total_records) == (0, 0, 1)
    assert harness.next_index() == 1
    calls_dbf.complete_partial()
    result = harness.scan()
    assert (result.records_read, result.new_calls, result.cases.opened) == (1, 1, 1)


def test_lagging_header_count(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER), update_header=False)
    calls_dbf.append(phone_rows.missed(at(1), "89160000001"), update_header=False)
    assert calls_dbf.read_header_count() == 0
    result = harness.scan()
    assert (result.total_records, result.new_calls, result.cases.opened) == (2, 2, 2)
    calls_dbf.append(phone_rows.missed(at(2), "89160000002"), update_header=False)
    assert harness.scan().records_read == 1


def test_deleted_rows_are_skipped(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    calls_dbf.append(phone_rows.missed(at(1), "89160000001"))
    calls_dbf.delete(0)
    result = harness.scan()
    assert result.records_read == 2
    assert result.new_calls == 1
    assert [c["remote"] for c in harness.cases()] == ["+79160000001"]
    # Deleting a row already read changes nothing and is no rewrite.
    calls_dbf.delete(1)
    result = harness.scan()
    assert (result.records_read, result.rebaselined) == (0, None)
    assert len(harness.cases()) == 1


def test_bad_row_is_skipped_with_a_warning(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    calls_dbf.append({**phone_rows.missed(at(1), "89160000001"), "DATE": b"20241340"})
    calls_dbf.append({**phone_rows.missed(at(2), "89160000002"), "ITIME": b"    ab"})
    calls_dbf.append(phone_rows.missed(at(3), "89160000003"))
    with caplog.at_level(logging.WARNING, logger="watcher.ingest"):
        result = harness.scan()
    assert result.bad_rows == 2
    assert result.new_calls == 2
    assert result.cases.opened == 2
    assert result.warnings[0].startswith("record 2: ")
    assert result.warnings[1].startswith("record 3: ")
    assert all(w.endswith("skipped") for w in result.warnings)
    assert [r.getMessage() for r in caplog.records] == result.warnings
    assert harness.next_index() == 4  # a bad row does not block the cursor
    assert harness.scan().bad_rows == 0  # and is not warned about again


def test_an_unreadable_talk_time_is_a_bad_row_not_a_missed_call(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """IDURATION "ABC***" was read as no talk time: a damaged row of an answered call
    became a missed call and was posted, with no log line. A RINGBEFORE of "-999" made a
    short abandon of a call whose ring time is simply not known."""
    answered = phone_rows.answered_in(at(0), "89160000001", seconds=95, ext="620")
    calls_dbf.append({**answered, "IDURATION": b"ABC***"})
    calls_dbf.append({**phone_rows.missed(at(1), CUSTOMER), "RINGBEFORE": b"-999"})
    with caplog.at_level(logging.WARNING, logger="watcher.ingest"):
        result = harness.scan()
    assert (result.bad_rows, result.new_calls, result.cases.opened) == (1, 1, 1)
    [warning] = result.warnings
    assert warning.startswith("record 1: IDURATION: ") and warning.endswith("skipped")
    assert [r.getMessage() for r in caplog.records] == [warning]
    [case] = harness.cases()
    assert case["remote"] == CUSTOMER_KEY and case["ring_seconds"] is None
    assert harness.next_index() == 2


def test_a_nan_or_infinite_number_is_a_bad_row_and_reading_goes_on(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """RINGBEFORE "nan" or IDURATION "1e999" raised past the row's own handling: every
    pass over the file failed there, and no later call was ever read, after a restart
    too, nor by `check` or `import`."""
    calls_dbf.append({**phone_rows.missed(at(0), "89160000001"), "RINGBEFORE": b"nan"})
    calls_dbf.append({**phone_rows.missed(at(1), "89160000002"), "IDURATION": b"1e999"})
    calls_dbf.append({**phone_rows.missed(at(2), "89160000003"), "ITIME": b"inf"})
    calls_dbf.append(phone_rows.missed(at(3), CUSTOMER))
    result = harness.scan()
    assert (result.bad_rows, result.new_calls) == (2, 2)
    assert [w.split(":")[0] for w in result.warnings] == ["record 2", "record 3"]
    rings = {c["remote"]: c["ring_seconds"] for c in harness.cases()}
    assert rings == {"+79160000001": None, CUSTOMER_KEY: 20}
    assert harness.next_index() == 4


def test_bad_rows_one_per_pass_are_ten_lines_and_a_count_an_hour(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A damaged row every few seconds was a warning each: the rule is once per episode
    with a count."""
    with caplog.at_level(logging.WARNING, logger="watcher.ingest"):
        for n in range(15):
            calls_dbf.append({**phone_rows.missed(at(n), f"8916000{n:04d}"), "DATE": b"20241340"})
            assert harness.scan().bad_rows == 1
            harness.wall += 3
        lines = [r.getMessage() for r in caplog.records]
        assert len(lines) == 10 and all(line.startswith("record ") for line in lines)
        harness.wall += 3600
        calls_dbf.append(phone_rows.missed(at(20), CUSTOMER))
        assert harness.scan().bad_rows == 0
    summary = caplog.records[-1].getMessage()
    assert "5 more bad rows were skipped in the last hour without a line each (15 in all)" in (
        summary
    )
    assert len(caplog.records) == 11


def test_bad_record_marker_is_skipped_with_a_warning(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    calls_dbf.append(phone_rows.missed(at(1), "89160000001"))
    with open(calls_dbf.path, "r+b") as f:
        f.seek(calls_dbf.header_len)
        f.write(b"\x00")
    result = harness.scan()
    assert result.bad_rows == 1
    assert "bad record marker" in result.warnings[0]
    assert result.cases.opened == 1


def test_a_record_of_zero_bytes_waits_for_its_bytes_quietly(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Over SMB the file can be seen extended before the new record's bytes land: it is
    not yet written, so no 'bad record marker' warning and no re-read of the history;
    the call is read once its bytes are there."""
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    harness.scan()
    index = calls_dbf.append(phone_rows.missed(at(1), "89160000001"))
    with open(calls_dbf.path, "r+b") as f:
        f.seek(calls_dbf.header_len + index * calls_dbf.record_len)
        written = f.read(calls_dbf.record_len)
        f.seek(calls_dbf.header_len + index * calls_dbf.record_len)
        f.write(b"\0" * calls_dbf.record_len)
    with caplog.at_level(logging.INFO, logger="watcher.ingest"):
        result = harness.scan()
        assert (result.bad_rows, result.pending, result.warnings) == (0, 1, [])
        with open(calls_dbf.path, "r+b") as f:
            f.seek(calls_dbf.header_len + index * calls_dbf.record_len)
            f.write(written)
        harness.wall += 1
        result = harness.scan()
    assert (result.bad_rows, result.pending, result.cases.opened) == (0, 0, 1)
    assert result.rebaselined is None
    assert [r.getMessage() for r in caplog.records if r.name == "watcher.ingest"] == []


def test_an_import_skips_a_zero_bytes_record_at_once(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """An import is one pass: nothing later would read the record again, so it is a bad
    row there and then, and the cursor goes past it."""
    index = calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    calls_dbf.append(phone_rows.missed(at(1), "89160000001"))
    with open(calls_dbf.path, "r+b") as f:
        f.seek(calls_dbf.header_len + index * calls_dbf.record_len)
        f.write(b"\0" * calls_dbf.record_len)
    result = harness.scan(history=True)
    assert (result.bad_rows, result.pending) == (1, 0)
    assert harness.next_index() == 2


def test_a_record_that_stays_zero_bytes_is_skipped_after_settle_seconds(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """Zero bytes for good (a damaged file) must not hold the calls after them for ever."""
    index = calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    calls_dbf.append(phone_rows.missed(at(1), "89160000001"))
    with open(calls_dbf.path, "r+b") as f:
        f.seek(calls_dbf.header_len + index * calls_dbf.record_len)
        f.write(b"\0" * calls_dbf.record_len)
    first = harness.scan()
    assert (first.pending, first.cases.opened) == (1, 1)  # the next call is not held
    harness.wall += 30  # settle_seconds = 30 in the shared config
    result = harness.scan()
    assert (result.bad_rows, result.pending) == (1, 0)
    assert "bad record marker" in result.warnings[0]
    assert harness.next_index() == 2


# -- rewrites -----------------------------------------------------------------------------


def test_shrunk_file_is_re_baselined_without_cases_for_known_calls(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    rows = [phone_rows.missed(at(i), f"8916000{i:04d}") for i in range(10)]
    calls_dbf.append_many(rows)
    harness.scan()
    assert len(harness.cases()) == 10
    # WinTariff compacts: the first rows are dropped, one new call comes after.
    calls_dbf.rewrite([*rows[6:], phone_rows.missed(at(20), CUSTOMER)])
    result = harness.scan()
    assert result.rebaselined is not None and "shrank" in result.rebaselined
    assert result.records_read == 5
    assert result.new_calls == 1
    assert result.cases.opened == 1
    assert len(harness.cases()) == 11
    assert harness.next_index() == 5
    calls_dbf.append(phone_rows.missed(at(21), "89160009999"))
    result = harness.scan()
    assert (result.rebaselined, result.records_read) == (None, 1)


def test_changed_first_record_is_a_rewrite(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    rows = [phone_rows.missed(at(i), f"8916000{i:04d}") for i in range(5)]
    calls_dbf.append_many(rows)
    harness.scan()
    # Same length or longer, but a different table: record numbers mean other calls.
    new_rows = [phone_rows.missed(at(10 + i), f"8917000{i:04d}") for i in range(3)]
    calls_dbf.rewrite([*rows[1:], *new_rows])
    result = harness.scan()
    assert result.rebaselined == "the first record changed (file rewritten)"
    assert result.records_read == 7
    assert (result.new_calls, result.cases.opened) == (3, 3)
    assert harness.ledger.call_count() == 8


def test_rows_purged_in_the_middle_are_a_rewrite(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """First row the same, a middle row purged: the cursor would skip a new call."""
    rows = [phone_rows.missed(at(i), f"8916000{i:04d}") for i in range(10)]
    calls_dbf.append_many(rows)
    harness.scan()
    new_rows = [phone_rows.missed(at(20 + i), f"8917000{i:04d}") for i in range(3)]
    calls_dbf.rewrite([*rows[:1], *rows[2:], *new_rows])  # 12 records: 10 read before
    result = harness.scan()
    assert result.rebaselined == "the last record read has changed (rows purged or moved)"
    assert (result.new_calls, result.cases.opened) == (3, 3)
    assert harness.ledger.call_count() == 13
    calls_dbf.append(phone_rows.missed(at(30), CUSTOMER))
    assert (harness.scan().rebaselined, harness.ledger.call_count()) == (None, 14)


def test_deleting_a_read_row_is_no_rewrite(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append_many([phone_rows.missed(at(i), f"8916000{i:04d}") for i in range(4)])
    harness.scan()
    calls_dbf.delete(3)  # the last row read gets the deletion flag: same call, still there
    calls_dbf.append(phone_rows.missed(at(9), CUSTOMER))
    result = harness.scan()
    assert (result.rebaselined, result.records_read, result.new_calls) == (None, 1, 1)


def test_structure_change_is_a_rewrite(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    rows = [phone_rows.missed(at(i), f"8916000{i:04d}") for i in range(3)]
    calls_dbf.append_many(rows)
    harness.scan()
    fields = (*calls_dbf.fields, FieldSpec("NOTE", "C", 10))
    writer = CallsDbfWriter.create(calls_dbf.path, fields)
    writer.append_many([*rows, phone_rows.missed(at(5), CUSTOMER)])
    result = harness.scan()
    assert result.rebaselined == "the table's structure changed"
    assert (result.records_read, result.new_calls, result.cases.opened) == (4, 1, 1)
    assert result.warnings and "known calls are skipped" in result.warnings[0]


def test_a_missed_call_with_a_broken_itime_opens_its_case_from_time(
    harness: Harness, phone_rows: PhoneRows
) -> None:
    fields = (*WINTARIFF_FIELDS, FieldSpec("TIME", "C", 8))
    writer = CallsDbfWriter.create(harness.config.source.path, fields)
    row = phone_rows.missed(at(0), CUSTOMER)
    row.update(ITIME=99999, TIME=at(0).strftime("%H:%M:%S"))
    writer.append(row)
    result = harness.scan()
    assert (result.bad_rows, result.cases.opened) == (0, 1)
    [case] = harness.cases()
    assert case["first_at"] == at(0).strftime("%Y-%m-%d %H:%M:%S")


def test_late_calltype_on_the_first_record_is_no_rewrite(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    harness.scan()
    calls_dbf.update(0, {"CALLTYPE": "I"})
    calls_dbf.append(phone_rows.missed(at(1), "89160000001"))
    result = harness.scan()
    assert result.rebaselined is None
    assert result.cases.opened == 2
    calls_dbf.delete(0)
    assert harness.scan().rebaselined is None


def test_empty_file_then_rows(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    assert harness.scan().records_read == 0
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    result = harness.scan()
    assert (result.rebaselined, result.records_read, result.cases.opened) == (None, 1, 1)


def test_unreadable_file_raises_and_keeps_the_cursor(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append_many(phone_rows.missed(at(i), f"8916000{i:04d}") for i in range(3))
    harness.scan()
    good = calls_dbf.path.read_bytes()
    calls_dbf.path.write_bytes(good[: calls_dbf.header_len - 40])  # caught mid-rewrite
    with pytest.raises(DbfError):
        harness.scan()
    calls_dbf.path.write_bytes(b"garbage")
    with pytest.raises(DbfError, match="not a readable DBF table"):
        harness.scan()
    calls_dbf.path.unlink()
    with pytest.raises(DbfError, match="file not found"):
        harness.scan()
    assert harness.next_index() == 3
    calls_dbf.path.write_bytes(good)
    calls_dbf.append(phone_rows.missed(at(9), CUSTOMER))
    result = harness.scan()
    assert (result.rebaselined, result.records_read, result.cases.opened) == (None, 1, 1)


# -- code pages and field variants --------------------------------------------------------


@pytest.mark.parametrize(("codepage", "driver"), [("cp866", 0x65), ("cp1251", 0xC9)])
def test_cyrillic_status_in_either_code_page(
    phone_config, tmp_path: Path, phone_rows: PhoneRows, codepage: str, driver: int
) -> None:
    writer = CallsDbfWriter.create(
        tmp_path / "Calls.dbf", encoding=codepage, language_driver=driver
    )
    writer.append(phone_rows.missed(at(0), CUSTOMER, status="Москва МТС"))
    h = Harness(phone_config())
    h.scan()
    assert h.calls()[0]["status"] == "Москва МТС"
    h.ledger.close()


def test_config_encoding_override(phone_config, tmp_path: Path, phone_rows: PhoneRows) -> None:
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp1251", language_driver=0)
    writer.append(phone_rows.missed(at(0), CUSTOMER, status="Москва"))
    h = Harness(phone_config(source={"encoding": "cp1251"}))
    h.scan()
    assert h.calls()[0]["status"] == "Москва"
    h.ledger.close()


def test_undecodable_text_is_stored_with_replacement_characters(
    phone_config, tmp_path: Path, phone_rows: PhoneRows
) -> None:
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp866", language_driver=0x65)
    writer.append(phone_rows.missed(at(0), CUSTOMER, status=b"\x8c\xae\xe1\xaa\xa2\xa0\xff"))
    h = Harness(phone_config(source={"encoding": "utf-8"}))
    result = h.scan()
    assert result.cases.opened == 1
    assert "\ufffd" in h.calls()[0]["status"]
    h.ledger.close()


def test_c_typed_numbers_and_missing_optional_fields(
    phone_config, tmp_path: Path, phone_rows: PhoneRows
) -> None:
    fields = (
        FieldSpec("DATE", "D", 8),
        FieldSpec("ITIME", "C", 6),
        FieldSpec("IDURATION", "C", 6),
        FieldSpec("EXTENSION", "C", 6),
        FieldSpec("NUMBER", "C", 20),
        FieldSpec("CALLTYPE", "C", 1),
        FieldSpec("CALLERID", "C", 20),
    )
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields)
    writer.append(phone_rows.missed(at(0), CUSTOMER))
    writer.append(phone_rows.outgoing(at(5), CUSTOMER, seconds=30, ext="203"))
    h = Harness(phone_config())
    result = h.scan()
    assert (result.bad_rows, result.new_calls) == (0, 2)
    assert (result.cases.opened, result.cases.closed) == (1, 1)
    [case] = h.cases()
    assert case["first_at"] == "2024-05-06 11:10:00"
    assert case["ring_seconds"] is None  # no RINGBEFORE field at all
    assert case["callback_duration"] == 30
    h.ledger.close()


def test_time_and_duration_as_text(phone_config, tmp_path: Path) -> None:
    fields = (
        FieldSpec("DATE", "D", 8),
        FieldSpec("TIME", "C", 8),
        FieldSpec("DURATION", "C", 8),
        FieldSpec("EXTENSION", "C", 6),
        FieldSpec("NUMBER", "C", 20),
        FieldSpec("CO", "C", 2),
        FieldSpec("CALLTYPE", "C", 1),
        FieldSpec("CALLERID", "C", 20),
    )
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields)
    day = T0.date()
    base = {"DATE": day, "CO": "01"}
    missed = {"TIME": "11:00", "DURATION": "0", "EXTENSION": "620", "CALLTYPE": "I"}
    callback = {"TIME": "11:04:30", "DURATION": "01:05", "EXTENSION": "204", "CALLTYPE": "C"}
    writer.append({**base, **missed, "CALLERID": CUSTOMER})
    writer.append({**base, **callback, "NUMBER": CUSTOMER})
    h = Harness(phone_config())
    result = h.scan()
    assert (result.cases.opened, result.cases.closed) == (1, 1)
    [case] = h.cases()
    assert case["first_at"] == "2024-05-06 11:00:00"
    assert case["callback_at"] == "2024-05-06 11:04:30"
    assert case["callback_duration"] == 65
    h.ledger.close()


# -- silent history -----------------------------------------------------------------------


def test_history_import_is_silent_and_expires(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(NOW - dt.timedelta(days=3), "89160000001"))
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    result = harness.scan(history=True)
    assert result.cases.opened == 2
    assert harness.outbox() == []
    for case in harness.cases():
        assert case["silent"] == 1
        assert (case["status"], case["closed_how"]) == ("closed", ClosedHow.EXPIRY)
        assert [e["kind"] for e in harness.ledger.case_events(case["id"])] == [
            "opened",
            "expired",
        ]
    assert harness.ledger.open_cases() == []


def test_first_pass_posts_only_the_last_hour(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    before = NOW - BASELINE_WINDOW - dt.timedelta(minutes=1)
    calls_dbf.append(phone_rows.missed(before, "89160000001"))
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    harness.scan()
    old, recent = harness.cases()
    assert (old["silent"], old["status"], old["closed_how"]) == (1, "closed", ClosedHow.EXPIRY)
    assert (recent["silent"], recent["status"]) == (0, CaseStatus.OPEN)
    assert [(o["case_id"], o["kind"]) for o in harness.outbox()] == [(recent["id"], "new")]


def test_later_passes_post_the_last_four_days(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A weekend with the PC off (Friday evening to Monday morning) still posts every
    call; one older than that is history, and a warning says so, naming what to check."""
    assert dt.timedelta(hours=64) <= RECENT_WINDOW  # Fri 17:00 .. Mon 09:00
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    harness.scan()
    # Rows written late (e.g. after a PBX buffer flush) carry their own old times.
    calls_dbf.append(phone_rows.missed(NOW - RECENT_WINDOW + dt.timedelta(minutes=1), "8916001"))
    calls_dbf.append(phone_rows.missed(NOW - RECENT_WINDOW - dt.timedelta(minutes=1), "8916002"))
    harness.scan()
    first, recent, stale = harness.cases()
    assert (recent["silent"], recent["status"]) == (0, CaseStatus.OPEN)
    assert (stale["silent"], stale["status"], stale["closed_how"]) == (
        1,
        "closed",
        ClosedHow.EXPIRY,
    )
    assert first["status"] == CaseStatus.OPEN  # a posted case is never expired
    assert [o["case_id"] for o in harness.outbox()] == [first["id"], recent["id"]]
    [told] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "1 missed calls" in told and "were more than 4 days old" in told
    assert "PBX clock" in told and "perezvon report" in told


def test_missed_calls_too_old_to_post_are_told_once_per_episode(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A PBX clock days behind makes every missed call history: one warning, not one per
    call, and one line once missed calls are recent again."""
    caplog.set_level(logging.INFO, "watcher.ingest")
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    harness.scan()
    late = NOW - RECENT_WINDOW - dt.timedelta(hours=1)
    for n in range(3):
        calls_dbf.append(phone_rows.missed(late + dt.timedelta(minutes=n), f"891600000{n}"))
        harness.scan()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "1 missed calls" in warnings[0]
    calls_dbf.append(phone_rows.missed(at(2), "89160000009"))
    harness.scan()
    [back] = [r.getMessage() for r in caplog.records if "recent again" in r.getMessage()]
    assert "2 more too old since the warning" in back
    assert len(harness.outbox()) == 2  # the first call and the last: the rest is history


def test_live_cases_write_outbox_rows(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    harness.scan()
    calls_dbf.append(phone_rows.missed(at(1), CUSTOMER))
    harness.scan()
    calls_dbf.append(phone_rows.outgoing(at(2), CUSTOMER, seconds=30))
    harness.scan()
    [case] = harness.cases()
    assert [o["kind"] for o in harness.outbox()] == ["new", "update", "update"]
    assert {o["case_id"] for o in harness.outbox()} == {case["id"]}
    [batch] = harness.ledger.outbox_due(NOW)
    assert batch.kinds == {"new", "update"}


def test_a_live_missed_call_is_not_swallowed_by_a_silent_case(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    # Installed mid-day: the customer's first try is history, the second is live.
    calls_dbf.append(phone_rows.missed(NOW - dt.timedelta(hours=3), CUSTOMER))
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))
    harness.scan()
    live = [c for c in harness.cases() if c["status"] == CaseStatus.OPEN]
    assert len(live) == 1
    assert live[0]["silent"] == 0
    assert live[0]["last_at"] == "2024-05-06 11:10:00"
    assert [o["kind"] for o in harness.outbox() if o["case_id"] == live[0]["id"]] == ["new"]


def test_first_scan_of_a_long_file_does_not_flood(
    harness: Harness, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    start = NOW - dt.timedelta(days=30)
    calls_dbf.append_many(
        phone_rows.missed(start + dt.timedelta(hours=i), f"8916{i:07d}") for i in range(24 * 29)
    )
    result = harness.scan()
    assert result.cases.opened == 24 * 29
    assert harness.outbox() == []
    assert harness.ledger.open_cases() == []  # all of it expired history


def test_a_crash_mid_batch_loses_nothing_and_duplicates_nothing(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls_dbf.append(phone_rows.missed(at(0), CUSTOMER))

    def crash(state: object) -> None:
        raise OSError("disk full")

    # Calls, case, case event, outbox row and cursor commit together or not at all.
    monkeypatch.setattr(harness.ledger, "save_source_state", crash)
    with pytest.raises(OSError):
        harness.scan()
    monkeypatch.undo()
    assert harness.ledger.call_count() == 0
    assert harness.cases() == [] and harness.outbox() == []
    result = harness.scan()
    assert (result.new_calls, result.cases.opened) == (1, 1)
    assert len(harness.outbox()) == 1


# -- short abandons across a restart ------------------------------------------------------

ABANDONER = "89161234567"


def _legs(h: Harness) -> list[tuple[str, str]]:
    rows = h.ledger.conn.execute("SELECT missed_fingerprint, answered_fingerprint FROM legs")
    return [(str(a), str(b)) for a, b in rows]


@pytest.mark.parametrize("hours_later", [None, 3], ids=["alone", "with a later call"])
def test_a_short_abandon_finds_its_answered_leg_in_the_first_batch_after_a_restart(
    phone_config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows, hours_later: int | None
) -> None:
    """The service was down from the short abandon on; its answered leg's row comes in the
    first batch after the restart, maybe with the night's calls after it."""
    h = Harness(phone_config(rules={"min_ring_seconds": 5}))
    start = NOW - dt.timedelta(minutes=20)
    calls_dbf.append(phone_rows.missed(start, ABANDONER, ring=2))
    h.scan()
    assert _legs(h) == []  # waiting for its answered leg
    h.restart()
    calls_dbf.append(phone_rows.answered_in(start + dt.timedelta(seconds=3), ABANDONER, ring=2))
    if hours_later:
        later = start + dt.timedelta(hours=hours_later)
        calls_dbf.append(phone_rows.outgoing(later, "89160000000"))
        h.now = later + dt.timedelta(minutes=1)
    h.scan()
    assert len(_legs(h)) == 1
    h.ledger.close()


def test_a_garbled_year_does_not_stop_the_first_scan_after_a_restart(
    phone_config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """A DATE of 09990506 is stored as "999-05-06 …", which sorts after every real time."""
    h = Harness(phone_config(rules={"min_ring_seconds": 5}))
    odd = phone_rows.outgoing(NOW - dt.timedelta(minutes=30), "89160000000")
    odd["DATE"] = "09990506"
    calls_dbf.append(odd)
    calls_dbf.append(phone_rows.missed(NOW - dt.timedelta(minutes=20), ABANDONER, ring=20))
    h.scan()
    assert len(h.cases()) == 1
    for minutes in (15, 10):
        h.restart()
        calls_dbf.append(phone_rows.missed(NOW - dt.timedelta(minutes=minutes), ABANDONER, ring=2))
        h.scan()
    assert len(h.calls()) == 4
    h.ledger.close()


def test_a_missed_call_of_a_case_is_no_abandon_when_min_ring_is_raised_later(
    phone_config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """A 2 s ring joined a case while min_ring_seconds was 0; after a restart with 5 it is
    still that case's call, not a short abandon for the next answered call to claim."""
    h = Harness(phone_config(rules={"min_ring_seconds": 0}))
    start = NOW - dt.timedelta(minutes=20)
    calls_dbf.append(phone_rows.missed(start - dt.timedelta(minutes=5), ABANDONER, ring=20))
    calls_dbf.append(phone_rows.missed(start, ABANDONER, ring=2))
    h.scan()
    assert [c["attempts"] for c in h.cases()] == [2]
    h.ledger.close()
    h = Harness(phone_config(rules={"min_ring_seconds": 5}))
    calls_dbf.append(phone_rows.answered_in(start + dt.timedelta(seconds=3), ABANDONER, ring=2))
    h.scan()
    assert _legs(h) == []
    h.ledger.close()


NEW_YEAR_HOURS = {
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "open": "09:00",
    "close": "18:00",
    "holidays": ["2026-12-31", "2027-01-01..2027-01-08"],
    "after_hours": "digest",
}


def test_calls_of_the_new_year_holidays_are_posted_after_the_pc_was_off(
    phone_config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """The PC with Perezvon was off from 30 December 17:00 to 11 January 08:45, twelve
    days, most of them closed. Every call it did not see, from 30 December's afternoon
    on, is what the staff must call back first thing on 11 January: posted (under the
    opening's digest), not taken for history because it is more than four days old."""
    harness = Harness(phone_config(hours=NEW_YEAR_HOURS))
    try:
        harness.now = dt.datetime(2026, 12, 30, 16, 0)
        calls_dbf.append(phone_rows.missed(dt.datetime(2026, 12, 30, 15, 55), "89160000001"))
        harness.scan()
        for caller, when in (
            ("89160000002", dt.datetime(2026, 12, 30, 17, 30)),  # open, never seen
            ("89160000003", dt.datetime(2026, 12, 30, 19, 0)),
            ("89160000004", dt.datetime(2027, 1, 3, 11, 0)),
            ("89160000005", dt.datetime(2027, 1, 10, 14, 0)),
        ):
            calls_dbf.append(phone_rows.missed(when, caller))
        harness.now = dt.datetime(2027, 1, 11, 8, 45)
        harness.restart()
        harness.scan()
        cases = harness.cases()
        assert [(c["remote"][-1], c["silent"], c["status"]) for c in cases] == [
            (str(n), 0, CaseStatus.OPEN) for n in range(1, 6)
        ]
        # The ones of the closed days wait for the opening's digest.
        assert [c["held_until"] for c in cases[2:]] == ["2027-01-11 09:00:00"] * 3
    finally:
        harness.ledger.close()


def test_a_backlog_older_than_the_holidays_is_still_history(
    phone_config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """The window reaches back over the closed days to the last working day before them,
    no further: a call of 29 December read on 11 January is history."""
    harness = Harness(phone_config(hours=NEW_YEAR_HOURS))
    try:
        harness.now = dt.datetime(2026, 12, 29, 10, 0)
        calls_dbf.append(phone_rows.missed(dt.datetime(2026, 12, 29, 9, 55), "89160000001"))
        harness.scan()
        calls_dbf.append(phone_rows.missed(dt.datetime(2026, 12, 29, 17, 0), "89160000002"))
        harness.now = dt.datetime(2027, 1, 11, 8, 45)
        harness.scan()
        assert [c["silent"] for c in harness.cases()] == [0, 1]
    finally:
        harness.ledger.close()


def test_a_windows_table_without_a_code_page_is_read_by_its_letters_and_told_once(
    harness: Harness,
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """WinTariff writing cp1251 under a header that names no code page: read as cp866,
    "Входящий" was stored as box drawing, for every post and report, with no word."""
    windows = CallsDbfWriter.create(calls_dbf.path, encoding="cp1251", language_driver=0)
    for minute in range(3):
        windows.append({**phone_rows.missed(at(minute), CUSTOMER), "STATUS": "Входящий"})
    with caplog.at_level(logging.INFO, logger="watcher.ingest"):
        harness.scan()
        windows.append({**phone_rows.missed(at(5), CUSTOMER), "STATUS": "Входящий"})
        harness.scan()
    assert {call["status"] for call in harness.calls()} == {"Входящий"}
    told = [r.getMessage() for r in caplog.records if "names no code page" in r.getMessage()]
    assert len(told) == 1
    assert 'read as cp1251 (to leave no guess, set [source] encoding = "cp1251")' in told[0]
