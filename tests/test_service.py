"""WatcherService end to end in its thread: file events, polling, re-checks, a file or folder
that is missing for a while, a watchdog observer that dies.

Each test waits for an outcome (a case in the ledger, a log line) with a deadline of a few
seconds; none measures speed.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchdog.observers.polling import PollingObserver

from tests.conftest import PhoneRows
from watcher import ingest
from watcher.config import Config
from watcher.dbf_reader import READ_CHUNK
from watcher.ledger import Ledger
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter

NOW = dt.datetime(2024, 5, 6, 12, 0)
DEADLINE = 8.0


def at(minutes: int) -> dt.datetime:
    return NOW - dt.timedelta(minutes=30) + dt.timedelta(minutes=minutes)


def wait_for(what: Callable[[], object], timeout: float = DEADLINE) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = what()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


class Watch:
    """A service on tmp_path/pbx/Calls.dbf, a reader's view of the ledger, and a count of
    on_change calls."""

    def __init__(self, config: Config, recheck: float | None) -> None:
        self.config = config
        self.changes = 0
        self.changed = threading.Event()
        self.service = WatcherService(
            config, on_change=self._on_change, clock=lambda: NOW, recheck_seconds=recheck
        )
        self.reader = Ledger(config.database_path)

    def _on_change(self) -> None:
        self.changes += 1
        self.changed.set()

    def remotes(self) -> list[str]:
        return [c["remote"] for c in self.reader._dicts("SELECT remote FROM cases ORDER BY id")]

    def wait_cases(self, count: int) -> list[str]:
        wait_for(lambda: len(self.remotes()) >= count)
        return self.remotes()

    def close(self) -> None:
        self.service.stop()
        self.reader.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "pbx"
    path.mkdir()
    return path


@pytest.fixture
def watch(phone_config) -> Iterator[Callable[..., Watch]]:
    made: list[Watch] = []

    def make(recheck: float | None = 30.0, **source: object) -> Watch:
        config = phone_config(source={"path": "pbx/Calls.dbf", **source})
        w = Watch(config, recheck)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def test_native_events_bring_new_rows_in(watch, folder: Path, phone_rows: PhoneRows) -> None:
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    w = watch(recheck=60.0)  # the timer cannot be what notices the second row
    w.service.start()
    assert w.wait_cases(1) == ["+79160000001"]
    wait_for(lambda: w.service._observer is not None)
    assert not isinstance(w.service._observer, PollingObserver)
    w.changed.clear()
    writer.append(phone_rows.missed(at(1), "89160000002"))
    assert w.wait_cases(2) == ["+79160000001", "+79160000002"]
    assert w.changed.wait(DEADLINE)
    writer.append(phone_rows.outgoing(at(2), "89160000001", seconds=40))
    wait_for(lambda: w.reader.get_case(1).status == "closed")  # type: ignore[union-attr]
    assert w.changes >= 3


def test_polling_mode_uses_the_polling_observer(watch, folder: Path, phone_rows: PhoneRows) -> None:
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    w = watch(recheck=None, poll_interval=0.2)
    assert w.service.recheck_seconds == 0.2
    w.service.start()
    wait_for(lambda: isinstance(w.service._observer, PollingObserver))
    writer.append(phone_rows.missed(at(0), "89160000001"))
    assert w.wait_cases(1) == ["+79160000001"]
    assert w.changed.wait(DEADLINE)


def test_rows_waiting_for_calltype_are_rechecked_without_events(
    watch, folder: Path, phone_rows: PhoneRows
) -> None:
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001", calltype=""))
    w = watch(recheck=60.0, settle_seconds=0.5)
    w.service.start()
    # No file event comes after the start, and the timer is a minute: the short re-check
    # while a row is unfinished is what finalizes it once settle_seconds have passed.
    assert w.wait_cases(1) == ["+79160000001"]


def test_file_missing_at_start_is_a_warning_then_picked_up(
    watch, folder: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="watcher.service")
    w = watch(recheck=0.3)
    w.service.start()
    wait_for(lambda: "file not found" in caplog.text)
    assert w.service._thread is not None and w.service._thread.is_alive()
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    assert w.wait_cases(1) == ["+79160000001"]
    assert w.changed.wait(DEADLINE)
    # The warning was given once, not on every retry.
    assert sum("file not found" in r.getMessage() for r in caplog.records) == 1


def test_folder_missing_at_start_then_appearing(
    watch, tmp_path: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="watcher.service")
    w = watch(recheck=0.3)
    w.service.start()
    wait_for(lambda: "folder not reachable" in caplog.text)
    (tmp_path / "pbx").mkdir()
    writer = CallsDbfWriter.create(tmp_path / "pbx" / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    assert w.wait_cases(1) == ["+79160000001"]
    wait_for(lambda: w.service._observer is not None and w.service._observer.is_alive())


def test_folder_gone_for_a_while(
    watch, folder: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="watcher.service")
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    w = watch(recheck=0.3)
    w.service.start()
    w.wait_cases(1)
    away = folder.with_name("pbx-away")
    folder.rename(away)  # the share drops out
    wait_for(lambda: "file not found" in caplog.text)
    moved = CallsDbfWriter.open(away / "Calls.dbf")
    moved.append(phone_rows.missed(at(1), "89160000002"))
    away.rename(folder)  # and comes back with a new row
    assert w.wait_cases(2) == ["+79160000001", "+79160000002"]
    assert w.service.last_result is not None and w.service.last_result.rebaselined is None
    wait_for(lambda: "readable again" in caplog.text)
    assert w.service._thread is not None and w.service._thread.is_alive()


def test_folder_deleted_and_recreated(watch, folder: Path, phone_rows: PhoneRows) -> None:
    rows = [phone_rows.missed(at(0), "89160000001")]
    CallsDbfWriter.create(folder / "Calls.dbf").append_many(rows)
    w = watch(recheck=0.3)
    w.service.start()
    w.wait_cases(1)
    shutil.rmtree(folder)
    time.sleep(0.5)  # let a pass or two find nothing
    folder.mkdir()
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append_many([*rows, phone_rows.missed(at(2), "89160000002")])
    assert w.wait_cases(2) == ["+79160000001", "+79160000002"]


def test_garbage_file_is_a_warning_until_it_is_fixed(
    watch, folder: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="watcher.service")
    path = folder / "Calls.dbf"
    path.write_bytes(b"not a table")
    w = watch(recheck=0.3)
    w.service.start()
    wait_for(lambda: "not a readable DBF table" in caplog.text)
    CallsDbfWriter.create(path).append(phone_rows.missed(at(0), "89160000001"))
    assert w.wait_cases(1) == ["+79160000001"]


def test_a_dead_observer_is_started_again(
    watch, folder: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="watcher.service")
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    w = watch(recheck=0.3, poll_interval=0.2)
    w.service.start()
    first = wait_for(lambda: w.service._observer)
    first.stop()  # as PollingObserver does for good when a share vanishes (watchdog #1065)
    first.join(5)
    wait_for(lambda: "starting it again" in caplog.text)
    second = wait_for(lambda: w.service._observer if w.service._observer is not first else None)
    assert second.is_alive()
    writer.append(phone_rows.missed(at(0), "89160000001"))
    assert w.wait_cases(1) == ["+79160000001"]


def test_a_failing_listener_does_not_stop_the_watcher(
    phone_config, folder: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    config = phone_config(source={"path": "pbx/Calls.dbf"})
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("bot is down")

    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    service = WatcherService(config, on_change=broken, clock=lambda: NOW, recheck_seconds=0.3)
    try:
        service.start()
        wait_for(lambda: calls)
        writer.append(phone_rows.missed(at(1), "89160000002"))
        wait_for(lambda: len(calls) >= 2)
        assert "change listener failed" in caplog.text
    finally:
        service.stop()


def test_scan_now_and_a_restart_resume_from_the_cursor(
    phone_config, folder: Path, phone_rows: PhoneRows
) -> None:
    config = phone_config(source={"path": "pbx/Calls.dbf"})
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append_many(phone_rows.missed(at(i), f"8916000000{i}") for i in range(3))
    first = WatcherService(config, clock=lambda: NOW)
    result = first.scan_now()
    assert result is not None and result.cases.opened == 3
    first.stop()
    writer.append(phone_rows.missed(at(5), "89160000009"))
    second = WatcherService(config, clock=lambda: NOW)
    result = second.scan_now()
    assert result is not None
    assert (result.records_read, result.cases.opened) == (1, 1)
    assert second.last_result is result
    (folder / "Calls.dbf").unlink()
    assert second.scan_now() is None  # unreadable now: None, no exception
    second.stop()
    with Ledger(config.database_path) as ledger:
        assert len(ledger.open_cases()) == 4


def test_stop_ends_the_thread(watch, folder: Path) -> None:
    CallsDbfWriter.create(folder / "Calls.dbf")
    w = watch(recheck=60.0)
    w.service.start()
    thread = w.service._thread
    assert thread is not None
    wait_for(lambda: w.service._observer is not None)
    w.service.stop()
    assert not thread.is_alive()
    assert w.service._observer is None


def test_native_events_resume_after_the_folder_is_recreated(
    watch, folder: Path, phone_rows: PhoneRows
) -> None:
    """A watch on a deleted folder never fires again; the new folder gets a new watch."""
    rows = [phone_rows.missed(at(0), "89160000001")]
    CallsDbfWriter.create(folder / "Calls.dbf").append_many(rows)
    w = watch(recheck=60.0)  # only events (or the short unwatched re-check) can wake it
    w.service.start()
    w.wait_cases(1)
    shutil.rmtree(folder)
    wait_for(lambda: w.service._observer is None)
    folder.mkdir()
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append_many(rows)
    wait_for(lambda: w.service._observer is not None)
    writer.append(phone_rows.missed(at(2), "89160000002"))
    assert w.wait_cases(2) == ["+79160000001", "+79160000002"]


def test_its_own_reads_do_not_wake_the_watcher(watch, folder: Path, phone_rows: PhoneRows) -> None:
    """Native events: opening and reading Calls.dbf (the watcher's own passes) is no change;
    only a write rings, so an idle watcher does not rescan several times a second."""
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    w = watch(recheck=60.0)
    passes: list[float] = []
    scan = w.service.scan_now

    def counted() -> object:
        passes.append(time.monotonic())
        return scan()

    w.service.scan_now = counted  # type: ignore[method-assign]
    w.service.start()
    assert w.wait_cases(1) == ["+79160000001"]
    wait_for(lambda: w.service._observer is not None)
    time.sleep(0.5)  # let the first pass and its debounce settle
    settled = len(passes)
    time.sleep(1.5)
    assert len(passes) == settled, f"{len(passes) - settled} passes while idle"
    writer.append(phone_rows.missed(at(1), "89160000002"))
    assert w.wait_cases(2) == ["+79160000001", "+79160000002"]  # a write still rings


def test_history_of_a_big_file_is_read_in_the_background(
    watch, folder: Path, phone_rows: PhoneRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first start reads the tail, then the history step by step between scans; a row
    appended meanwhile is taken in, and the history ends up in the ledger all the same."""
    monkeypatch.setattr(ingest, "BACKFILL_OVER", 100)
    old = NOW - dt.timedelta(days=1)
    history = 3 * READ_CHUNK
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append_many(phone_rows.internal(old + dt.timedelta(seconds=i)) for i in range(history))
    writer.append(phone_rows.missed(at(0), "89160000001"))
    w = watch(recheck=0.5)
    w.service.start()
    w.wait_cases(1)
    writer.append(phone_rows.missed(at(1), "89160000002"))
    assert w.wait_cases(2) == ["+79160000001", "+79160000002"]
    wait_for(lambda: w.reader.call_count() == history + 2)
    wait_for(
        lambda: not w.reader._dicts("SELECT * FROM source_state WHERE backfill_end IS NOT NULL")
    )


def test_history_steps_leave_the_write_lock_free_between_them(
    watch, folder: Path, phone_rows: PhoneRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between two history steps the watcher waits COMMIT_GAP_SECONDS (for a file event,
    if one comes) with no transaction open: a button press waiting for the lock gets in.
    Back to back, one waited 2-4 s behind the steps of a 200k-row first start."""
    monkeypatch.setattr(ingest, "BACKFILL_OVER", 100)
    old = NOW - dt.timedelta(days=1)
    history = (ingest.BACKFILL_CHUNKS + 1) * READ_CHUNK  # two steps at least
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append_many(phone_rows.internal(old + dt.timedelta(seconds=i)) for i in range(history))
    writer.append(phone_rows.missed(at(0), "89160000001"))
    w = watch(recheck=0.5)
    pauses: list[tuple[float | None, bool]] = []
    service = w.service

    class Recording(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            if timeout == ingest.COMMIT_GAP_SECONDS:
                ledger = service._ledger
                pauses.append((timeout, bool(ledger and ledger.conn.in_transaction)))
            return super().wait(timeout)

    service._wake = Recording()
    service.start()
    wait_for(lambda: w.reader.call_count() == history + 1)
    wait_for(
        lambda: not w.reader._dicts("SELECT * FROM source_state WHERE backfill_end IS NOT NULL")
    )
    assert pauses  # after each step but the last
    assert not any(in_transaction for _, in_transaction in pauses)


def test_a_ledger_deleted_while_running_is_told_once(
    phone_config, folder: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    """Linux lets an open file be deleted: presses and cases went on into it, and the next
    start posted every open case again, with nothing in the log."""
    config = phone_config(source={"path": "pbx/Calls.dbf"})
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    service = WatcherService(config, clock=lambda: NOW)
    try:
        assert service.scan_now() is not None
        config.database_path.unlink()
        with caplog.at_level(logging.WARNING, logger="watcher.service"):
            for _ in range(3):
                service.scan_now()
    finally:
        service.stop()
    told = [r for r in caplog.records if "was deleted or moved while Perezvon runs" in r.message]
    assert len(told) == 1 and told[0].levelname == "ERROR"


def test_a_full_ledger_disk_while_running_is_told_as_such_and_nothing_is_lost(
    watch, folder: Path, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    """The disk of the ledger filled while `run` worked: the log said "scan of
    ...Calls.dbf failed" with an sqlite3 traceback, naming the call log, not the ledger's
    disk nor the fix. Once space is free the calls read meanwhile come in, once each."""
    writer = CallsDbfWriter.create(folder / "Calls.dbf")
    writer.append(phone_rows.missed(at(0), "89160000001"))
    w = watch(recheck=0.2)
    caplog.set_level(logging.INFO, logger="watcher.service")
    w.service.start()
    w.wait_cases(1)
    with w.service._lock:  # the disk is full from now on: SQLite's own SQLITE_FULL
        conn = w.service._ledger.conn  # type: ignore[union-attr]
        used = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {used}")
    writer.append_many(phone_rows.missed(at(1), f"8916100{i:04d}") for i in range(200))
    wait_for(lambda: "the disk of the ledger is full" in caplog.text)
    [told] = [r for r in caplog.records if "the disk of the ledger is full" in r.getMessage()]
    assert told.levelname == "WARNING" and not told.exc_info
    assert str(w.config.database_path.absolute()) in told.getMessage()
    assert "failed" not in caplog.text
    with w.service._lock:  # space freed
        w.service._ledger.conn.execute("PRAGMA max_page_count = 1073741823")  # type: ignore[union-attr]
    assert len(w.wait_cases(201)) == 201
    wait_for(lambda: "work again" in caplog.text)
    assert len(set(w.remotes())) == 201
