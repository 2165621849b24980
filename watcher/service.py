"""The watcher thread: file events wake it, a periodic re-check backs them up.

watchdog is only a doorbell here. Native events (or polling, for a DBF on a network share)
shorten the wait, but a timer wakes the loop anyway, and an observer that died (a share
that went away, watchdog issue #1065) is started again. A missing or locked file is a
warning and a retry, never the end of the service; a share that is away for an hour is
one warning when it goes and one line when it is back (:class:`_Trouble`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from watchdog.events import (
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from watcher import health
from watcher.clock import local_now
from watcher.config import Config
from watcher.dbf_reader import DbfError
from watcher.ingest import COMMIT_GAP_SECONDS, Ingestor, ScanResult
from watcher.ledger import Ledger
from watcher.ledger_open import LedgerError, LedgerProblem, explain, open_ledger
from watcher.texts import LogText

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3
RECHECK_SECONDS = 10.0  # with native events; polling mode re-checks at its own interval
PENDING_RECHECK_SECONDS = 1.0  # while rows wait for CALLTYPE
UNWATCHED_RECHECK_SECONDS = 2.0  # while no observer watches the folder (it is gone)
HEALTH_CHECK_SECONDS = 600.0  # how often the ledger is asked whether missed calls still come


class _Trouble:
    """One kind of trouble, logged when it starts and when it ends, not on every retry.

    DESIGN: a repeated warning is logged once per episode, with a count. The checks in
    between go to the debug log, so ``-v`` still shows each one.
    """

    def __init__(self) -> None:
        self.failures = 0
        self.since: float | None = None

    def report(self, message: LogText, *, exc_info: bool = False) -> None:
        self.failures += 1
        if self.since is None:
            self.since = time.monotonic()
            log.warning("%s", message, exc_info=exc_info)
        else:
            log.debug("%s (still; %d failed checks)", message, self.failures)

    def end(self, message: LogText) -> None:
        if self.since is None:
            return
        took = time.monotonic() - self.since
        log.info("%s after %.0f s (%d failed checks)", message, took, self.failures)
        self.failures, self.since = 0, None


# The events that mean the file may have new rows. Opening and closing it without a write
# are left out: those are the watcher's own reads, and ringing on them made it rescan
# about three times a second forever.
WRITE_EVENTS: tuple[type[FileSystemEvent], ...] = (
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    FileClosedEvent,
)


class _Doorbell(FileSystemEventHandler):
    def __init__(self, name: str, ring: Callable[[], None]) -> None:
        self.name = name.lower()
        self.ring = ring

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not isinstance(event, WRITE_EVENTS):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path and Path(str(path)).name.lower() == self.name:
                self.ring()
                return


class WatcherService:
    """Runs :class:`Ingestor` in a thread of its own, with its own ledger connection."""

    def __init__(
        self,
        config: Config,
        *,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        recheck_seconds: float | None = None,
        health_seconds: float = HEALTH_CHECK_SECONDS,
    ) -> None:
        self.config = config
        self.on_change = on_change
        self.clock = clock
        poll = config.source.poll_interval
        self.recheck_seconds = recheck_seconds or (poll if poll > 0 else RECHECK_SECONDS)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._observer: BaseObserver | None = None
        self._ledger: Ledger | None = None
        self._ingestor: Ingestor | None = None
        self._unreadable = _Trouble()  # the file (or its folder, its share) cannot be read
        self._unwatched = _Trouble()  # no observer can watch the folder
        self._failing = _Trouble()  # a pass fails for another reason (a bug, the ledger)
        self.health_seconds = health_seconds
        self._health_due = 0.0  # time.monotonic() of the next health check
        self._quiet = False  # in an episode of no missed calls (warned once)
        self._ledger_gone = False  # the ledger's file was found deleted (told once)
        self.last_result: ScanResult | None = None

    # -- public -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="perezvon-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._stop_observer()
        with self._lock:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
                self._ingestor = None

    def wake(self) -> None:
        self._wake.set()

    def scan_now(self) -> ScanResult | None:
        """One pass, in the caller's thread; None when the file cannot be read now."""
        with self._lock:
            if self._ingestor is None:
                self._ledger = open_ledger(self.config.database_path, self.config, writable=True)
                self._ingestor = Ingestor(self.config, self._ledger, clock=self.clock)
            self._check_ledger_file(self._ledger)
            try:
                result = self._ingestor.scan()
            except DbfError as error:
                self._unreadable.report(self._why_unreadable(error))
                return None
            self._unreadable.end(LogText("%s is readable again", self.config.source.path))
            self._check_health(self._ledger)
        self.last_result = result
        self._tell(result)
        return result

    def backfill_now(self) -> ScanResult | None:
        """One step of the history behind the tail (a first start on a big file), in the
        caller's thread; None when there is none or the file cannot be read now."""
        with self._lock:
            if self._ingestor is None:
                return None
            try:
                result = self._ingestor.backfill()
            except DbfError as error:  # the next scan says so, once per episode
                log.debug("history step skipped: %s", error)
                return None
        if result is not None:
            self._tell(result)
        return result

    def _tell(self, result: ScanResult) -> None:
        """Wake the listener (the bot's outbox) when a pass changed cases."""
        if result.cases.changed and self.on_change is not None:
            try:
                self.on_change()
            except Exception:
                log.exception("change listener failed")

    def _backfill_a_while(self) -> bool:
        """History steps until new rows may be waiting (a file event, or a second
        without a look at the file); True while history is left.

        DESIGN: the steps run in this thread between scans, not in one of their own: a
        new call waits at most one step, and one connection never competes with itself.
        """
        deadline = time.monotonic() + PENDING_RECHECK_SECONDS
        while not self._stop.is_set():
            step = self.backfill_now()
            if step is None or not step.backfill_left:
                return False
            # The write lock free a moment between steps (COMMIT_GAP_SECONDS, as between
            # an import's transactions): a button press waiting for it got in only by
            # luck, after 2-4 s on 200k rows; with the pause within 0.1-0.6 s.
            if self._wake.wait(COMMIT_GAP_SECONDS) or time.monotonic() >= deadline:
                return True
        return True

    def _check_ledger_file(self, ledger: Ledger | None) -> None:
        """An error, once, when the ledger's file is gone while it is open (deleted or
        moved: Linux lets that happen): from then on cases and presses go to a file that
        no later start opens, and that start would post every case again."""
        if ledger is None:
            return
        gone = not ledger.path.exists()
        if gone and not self._ledger_gone:
            log.error(
                "the ledger %s was deleted or moved while Perezvon runs: what it records now"
                " is lost at the next start, which would post the open cases again. Stop"
                " Perezvon, put the file back (or restore a backup), then start it",
                ledger.path,
            )
        self._ledger_gone = gone

    def _check_health(self, ledger: Ledger | None) -> None:
        """Warn once per episode when the PBX seems not to report missed calls at all."""
        now_mono = time.monotonic()
        if ledger is None or now_mono < self._health_due:
            return
        self._health_due = now_mono + self.health_seconds
        now = self.clock() if self.clock is not None else local_now(self.config)
        try:
            dates = health.CallDates(*ledger.call_dates())
        except Exception:  # a busy ledger: the next check asks again; scans go on
            log.debug("health check skipped", exc_info=True)
            return
        verdict = health.judge(dates, now, self.config.hours)
        if verdict.quiet and not self._quiet:
            log.warning("%s", health.describe(verdict))
        elif self._quiet and not verdict.quiet:
            log.info("missed calls are reported again (last at %s)", verdict.last_missed)
        self._quiet = verdict.quiet

    # -- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        log.info(
            "watching %s (%s)",
            self.config.source.path,
            LogText("polling every %g s", self.config.source.poll_interval)
            if self.config.source.poll_interval > 0
            else LogText("file events"),
        )
        while not self._stop.is_set():
            self._ensure_observer()
            history_left = False
            try:
                result = self.scan_now()
                if result is not None and result.backfill_left:
                    history_left = self._backfill_a_while()
            except Exception as error:
                # One bad pass must not end the watcher; the next pass retries.
                told = _ledger_trouble(self.config.database_path, error)
                if told is not None:  # says what to do; a traceback would not
                    self._failing.report(LogText("%s; retrying", told))
                else:
                    path = self.config.source.path
                    self._failing.report(LogText("scan of %s failed", path), exc_info=True)
                result = None
            else:
                self._failing.end(LogText("scans of %s work again", self.config.source.path))
            wait = self._retry_seconds()
            if result is not None and result.pending:
                wait = min(wait, PENDING_RECHECK_SECONDS)
            if history_left:
                wait = 0.0  # back to the history right after a look for new rows
            if self._wake.wait(wait):
                self._debounce()
            self._wake.clear()

    def _debounce(self) -> None:
        """Let a burst of writes (row, then CALLTYPE, then header) settle into one pass."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not self._stop.is_set():
            self._wake.clear()
            if not self._wake.wait(DEBOUNCE_SECONDS):
                return

    def _ensure_observer(self) -> None:
        folder = Path(self.config.source.path).parent
        reachable = folder.is_dir()
        if self._observer is not None and self._observer.is_alive():
            if reachable:
                return
            # A native watch on a folder that went away never fires again, even once the
            # folder is back: drop it now and watch the new folder when it appears.
            self._stop_observer()
        elif self._observer is not None:
            log.warning("file watcher stopped; starting it again")
            self._stop_observer()
        if not reachable:
            return  # the scan that follows fails and says so (_why_unreadable)
        poll = self.config.source.poll_interval
        observer: BaseObserver = PollingObserver(timeout=poll) if poll > 0 else Observer()
        try:
            observer.schedule(
                _Doorbell(Path(self.config.source.path).name, self._wake.set),
                str(folder),
                recursive=False,
                event_filter=list(WRITE_EVENTS),
            )
            observer.daemon = True
            observer.start()
        except Exception as error:  # inotify limits, share errors: re-checks still run
            self._unwatched.report(
                LogText(
                    "cannot watch %s for changes (%s); re-checking every %g s",
                    folder,
                    error,
                    min(self.recheck_seconds, UNWATCHED_RECHECK_SECONDS),
                )
            )
            return
        self._observer = observer
        self._unwatched.end(LogText("watching %s for changes again", folder))

    def _retry_seconds(self) -> float:
        """How long the thread waits for the next pass when no event comes."""
        if self._observer is None:
            return min(self.recheck_seconds, UNWATCHED_RECHECK_SECONDS)
        return self.recheck_seconds

    def _why_unreadable(self, error: DbfError) -> LogText:
        folder = Path(self.config.source.path).parent
        if folder.is_dir():
            return LogText("%s; re-checking every %g s", error, self._retry_seconds())
        return LogText(
            "%s (%s: folder not reachable); re-checking every %g s",
            error,
            folder,
            self._retry_seconds(),
        )

    def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        if observer is None:
            return
        try:
            observer.stop()
            observer.join(timeout=5)
        except Exception:
            log.debug("observer did not stop cleanly", exc_info=True)


def _ledger_trouble(path: Path, error: BaseException) -> LedgerError | None:
    """What a failed pass tells of the ledger, when the trouble is the ledger's place (a
    full disk, a folder turned read-only, a lock) and not a bug or a damaged file, whose
    traceback is kept."""
    if isinstance(error, LedgerError):
        return error
    if isinstance(error, sqlite3.OperationalError):
        told = explain(path, error)
        return None if told.problem is LedgerProblem.DAMAGED else told
    return None
