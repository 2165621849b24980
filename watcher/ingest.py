"""One pass over Calls.dbf: new and unfinished rows into the ledger, then the case rules.

A row is final once WinTariff has filled CALLTYPE, or once it has stayed byte-for-byte
the same for ``settle_seconds``; in a table without a CALLTYPE field at all it is final at
once, and an import takes calls that ended long ago as final. The cursor is the first row
that is not final yet, so unfinished rows are read again on the next pass and nothing
between passes is lost.

A first pass over a big file (no cursor yet, or a rewritten file) starts at its tail, the
window it posts, found by binary search over the records' times; the history before it
is read afterwards in short silent steps (:meth:`Ingestor.backfill`) with a cursor of its
own, and ends in the same ledger as one pass in file order would.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from watcher import fields, schema
from watcher.cases import ApplyResult, CaseRules
from watcher.clock import local_now
from watcher.config import Config
from watcher.contacts import ContactBook
from watcher.dbf_reader import (
    READ_CHUNK,
    DbfError,
    DbfLayout,
    RawRecord,
    RecordDecoder,
    read_chunks,
    read_layout,
    read_one,
    read_record,
    read_records,
)
from watcher.import_book import ImportBook
from watcher.ledger import (
    BOOK_CACHE_KIB,
    BULK_ALIVE_SECONDS,
    BULK_CACHE_KIB,
    Ledger,
    SourceState,
)
from watcher.models import Call
from watcher.normalise import RowError, quick_calls, to_call
from watcher.reasons import reason_for, with_reasons
from watcher.texts import LogText
from watcher.vocab import MissReason

log = logging.getLogger(__name__)

# Missed calls older than this when first seen are history: stored, never posted (and
# told in one warning per episode). Four days, so a weekend with the PC off, or the share
# out of reach from Friday evening to Monday morning, still posts every call at opening.
RECENT_WINDOW = timedelta(days=4)
# With [hours], the window reaches further back over closed days: to the opening of the
# last working day before today (the New Year holidays with the PC off: 30 December's
# calls are still posted on 11 January), but not beyond this.
RECENT_CLOSED_DAYS = 31
# On the very first pass over a file (no cursor yet) the table is someone's past: only
# the last hour is posted, so installing Perezvon mid-day does not flood the chats.
BASELINE_WINDOW = timedelta(hours=1)
MAX_WARNINGS = 50
# A problem repeated row after row (a table in a format Perezvon cannot read) is logged
# for this many rows of a pass, then once more as a count.
ROW_WARNINGS_LOGGED = 10
# Bad rows that trickle in one per pass share that budget for this long (an episode): a
# damaged row every few seconds is then 10 lines and one count per hour, not a line each.
ROW_EPISODE_SECONDS = 3600.0
# A long pass commits every this many read chunks or seconds, whichever comes first
# (see _ChunkedCommit); the rules still run chunk by chunk. The seconds decide on an
# import: each commit writes the index pages its rows touched, nearly all of the random
# fingerprint index, so 20k-row commits cost 8.5 s of a 1M-row import, 2 s ones 5.8 s.
COMMIT_CHUNKS = 50
COMMIT_SECONDS = 2.0
# An import that holds the ledger's lock (no `perezvon run` beside it: no bot waits on
# its commits) commits every this many seconds instead: 1.6 s of commits on 1M rows.
# Another command that writes meanwhile waits at most that long (the gap below lets it
# in), within its busy timeout (15 s); one that only reads does not wait at all (WAL).
ALONE_COMMIT_SECONDS = 10.0
# Between two transactions of a long pass the write lock is free this long. A writer
# waiting for it retries every 100 ms at most (SQLite's busy handler); without a gap the
# next BEGIN came microseconds after the COMMIT, and a waiter could miss every one.
COMMIT_GAP_SECONDS = 0.15
# A first pass with more records than this before the window it posts reads that tail
# first and the history before it afterwards, step by step (Ingestor.backfill): a new
# call is posted within seconds of the start, not behind a minute of history.
BACKFILL_OVER = 20_000
# One backfill step: one transaction of at most this many read chunks or seconds, so the
# bot's writes never wait long and the watcher looks for new rows between steps.
BACKFILL_CHUNKS = 10
BACKFILL_SECONDS = 0.5

# Allocations between two runs of Python's cycle collector during an import with a case
# book (CPython's default is 700). Each run walks the young objects, and every tenth of
# them (and so on) the older ones: the book's hundred thousand numbers and cases, again
# and again. Measured on 1M rows with gc.callbacks: 3,955 collections took 3.2 s of the
# import at the default, 88 took 0.06 s at this threshold. An import makes few cycles.
GC_THRESHOLD_IMPORT = 100_000

# An import of at least this many records (and of more than the ledger holds) builds
# the figure indexes once after the load instead of row by row (Ledger.deferred_indexes).
BULK_IMPORT_OVER = 20_000

Progress = Callable[[int, int], None]


def find_tail(time_at: Callable[[int], datetime | None], count: int, since: datetime) -> int:
    """The first record index whose time is ``since`` or later, by binary search.

    WinTariff appends in time order, so about log2(count) records are read, not all of
    them. ``time_at`` gives None for a record without a time (deleted, unreadable): the
    next ones up to the end of the range stand in for it, and a range without any time is
    taken as the tail (read at once, which is safe). With times out of order the answer
    is some index where the times cross ``since``; rows before it are still read, later.
    """
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        probe, when = mid, time_at(mid)
        while when is None and probe + 1 < hi:
            probe += 1
            when = time_at(probe)
        if when is None:
            hi = mid
        elif when < since:
            lo = probe + 1
        else:
            hi = mid
    return lo


def source_key(path: Path | str) -> str:
    """The cursor's key for a DBF file: its absolute path, case-folded on Windows.

    ``perezvon import Calls.dbf`` (relative, typed in the file's folder) and ``run`` (the
    config's path) must share one cursor. Lexical, not ``Path.resolve()``: resolving a
    mapped drive or a share that is away would give another key at another time.
    """
    return os.path.normcase(os.path.abspath(path))


def same_source(one: Path | str, other: Path | str) -> bool:
    """Whether two paths name one file: the same :func:`source_key`, or another name of
    it (a link, a short 8.3 name, another share name of the same disk), which the
    operating system tells by the file's identity. False when either cannot be looked at."""
    if source_key(one) == source_key(other):
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def find_cursor(ledger: Ledger, path: Path | str) -> SourceState | None:
    """The cursor of ``path``, also when a version before :func:`source_key` saved it
    under the path as written (no migration: the next save moves it to the new key)."""
    state = ledger.source_state(source_key(path))
    if state is None and str(path) != source_key(path):
        state = ledger.source_state(str(path))
    return state


@dataclass
class ScanResult:
    records_read: int = 0
    new_calls: int = 0
    bad_rows: int = 0
    pending: int = 0
    total_records: int = 0
    rebaselined: str | None = None
    cases: ApplyResult = field(default_factory=ApplyResult)
    backfill_left: int = 0  # history records still to read behind the tail (backfill)
    warnings: list[str] = field(default_factory=list)
    row_warnings: int = 0
    row_allowance: int = ROW_WARNINGS_LOGGED  # of the episode, what this pass may log
    no_caller_number: bool = False  # no field of the table gives an incoming call's number
    # Missed calls of a live pass older than its window: stored as history, not posted.
    too_old: int = 0
    too_old_since: datetime | None = None
    live_opened: int = 0  # cases opened by a live pass within its window
    cut_bytes: int = 0  # of a record begun past the last complete one (see DbfLayout)
    record_length: int = 0

    def warn(self, message: str) -> None:
        """Log a warning of the pass; a :class:`LogText` is told in the log's language."""
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        log.warning("%s", message)

    def warn_row(self, message: str) -> None:
        """A problem of one row: logged for the first rows of a pass, then only counted
        (see :meth:`finish`), so a table of unreadable rows does not flood the log."""
        self.row_warnings += 1
        if self.row_warnings <= self.row_allowance:
            self.warn(message)
        elif len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)

    @property
    def rows_hidden(self) -> int:
        """Row problems this pass counted without logging them."""
        return max(0, self.row_warnings - self.row_allowance)

    def finish(self) -> None:
        """The one summary line for the row warnings that were not logged one by one,
        when the pass itself had more than the budget (an import, a table gone bad)."""
        hidden = self.row_warnings - ROW_WARNINGS_LOGGED
        if hidden > 0 and self.row_allowance == ROW_WARNINGS_LOGGED:
            log.warning(
                "%d more rows were skipped in this pass (%d in all); the first %d are above",
                hidden,
                self.row_warnings,
                ROW_WARNINGS_LOGGED,
            )


# The fields a call's meaning hangs on: a value there that cannot be read makes the row
# a bad one (skipped, and told), not a call with that value missing.
_MUST_READ = frozenset({fields.DATE, fields.ITIME, fields.TIME, fields.IDURATION, fields.DURATION})
# A bad row's warning: the decoder's words (technical, English) inside the log's.
_SKIPPED = "record %d: %s; skipped"


class Ingestor:
    def __init__(
        self,
        config: Config,
        ledger: Ledger,
        *,
        clock: Callable[[], datetime] | None = None,
        wall: Callable[[], float] = time.time,
        contacts: ContactBook | None = None,
        backfill_over: int | None = None,
        alone: bool = False,
    ) -> None:
        """``alone``: no other process writes to the ledger meanwhile (an import under the
        ledger's lock), so a long pass may hold its transactions longer."""
        self.config = config
        self.alone = alone
        self.backfill_over = BACKFILL_OVER if backfill_over is None else backfill_over
        self.ledger = ledger
        self.clock = clock or (lambda: local_now(config))
        self.wall = wall
        self.rules = CaseRules(config, ledger, contacts)
        self.key = source_key(config.source.path)
        self._legacy_key: str | None = None  # a cursor found under the old key, to drop
        self._told_no_caller: str | None = None  # the layout last warned about
        self._told_no_ring: str | None = None  # the same, for rules reading the ring time
        self._told_encoding: str | None = None  # the layout whose code page was told
        # Missed calls found too old to post since the warning that told of them (None:
        # no such episode now); see _tell_too_old.
        self._too_old_told: int | None = None
        # Bad rows' warnings over passes: logged in this episode, counted only, since when.
        self._rows_told = 0
        self._rows_hidden = 0
        self._rows_since: float | None = None
        # The bulk-pass settings (a large page cache) held from the first backfill step to
        # the last: set and reset per step, the cache would be dropped every step.
        self._backfill_bulk: AbstractContextManager[None] | None = None

    def scan(self, *, history: bool = False, progress: Progress | None = None) -> ScanResult:
        """Read what is new; ``history`` makes every case silent (an import)."""
        result = self._new_result()
        layout = read_layout(self.config.source.path, self.config.source.encoding)
        plan = self._plan(layout, result)
        result.total_records = layout.complete_count
        if history:  # told by the import; a live pass reads a half-written row next time
            result.cut_bytes, result.record_length = layout.cut_bytes, layout.record_len
        decoder = RecordDecoder(layout, sources=plan.sources)
        state, window, fresh = self._cursor(layout, decoder, result)
        now = self.clock()
        settle = self.config.source.settle_seconds
        if fresh and not history:
            self._start_at_tail(layout, decoder, state, now - window)
        run = _Pass(
            layout=layout,
            decoder=decoder,
            state=state,
            # First-seen times from earlier passes; _flush replaces state.pending mid-pass.
            previous=state.pending,
            now=now,
            wall=self.wall(),
            live_since=None if history else self._live_since(now, window, fresh),
            final_at_once=plan.final_at_once,
            old_before=now - timedelta(seconds=settle) if history else None,
            waits=not history,
        )
        stop = layout.complete_count
        deferred: AbstractContextManager[None] = nullcontext()
        bulk = history and self._bulk_import(stop - state.next_index)
        long = stop - state.next_index > READ_CHUNK
        # The book stands in for the ledger: only where nobody else writes to it (an
        # import holding its lock) and nothing is in it yet.
        if bulk and long and self.alone and self.ledger.is_empty():
            run.book = ImportBook(self.ledger, min_outgoing=self.config.rules.callback_min_seconds)
            run.rules = CaseRules(self.config, run.book, self.rules.contacts)
            deferred = self.ledger.deferred_indexes(schema.BOOK_DEFERRED_INDEXES)
            run.deferring = True
        else:
            if self.ledger.restore_deferred_indexes():
                log.warning("built the indexes an interrupted import had left out")
            if bulk:
                deferred = self.ledger.deferred_indexes()
                run.deferring = True
        with (
            fewer_collections() if run.book is not None else nullcontext(),
            deferred,
            _ChunkedCommit(
                self.ledger,
                long=long,
                alone=self.alone,
                book=run.book,
            ) as commits,
        ):
            if run.book is not None:
                self._read_quickly(run, result, state.next_index, stop, commits, progress)
            else:
                for record in read_records(layout, state.next_index, stop, decoder):
                    self._take(record, run, result)
                    if (record.index + 1) % READ_CHUNK == 0:
                        self._chunk_done(run, record.index + 1, stop, result, commits, progress)
            self._flush(run, stop, result)
            if progress:
                progress(stop, stop)
        result.pending = len(state.pending)
        if history and state.backfill_end is not None:
            self._backfill(layout, decoder, state, result, history=True, chunks=None)
        result.backfill_left = _left(state)
        result.finish()
        self._count_rows(result)
        if not fresh and not history and run.live_since is not None:
            self._tell_too_old(result, now - run.live_since)
        if run.opened_silent and state.backfill_end is None:
            self.ledger.expire_silent_cases(now)
        return result

    def _new_result(self, **values: Any) -> ScanResult:
        """A pass's result, with what the bad rows' episode has left to log."""
        wall = self.wall()
        if self._rows_since is not None and wall - self._rows_since >= ROW_EPISODE_SECONDS:
            if self._rows_hidden:
                log.warning(
                    "%s: %d more bad rows were skipped in the last hour without a line each"
                    " (%d in all)",
                    self.key,
                    self._rows_hidden,
                    self._rows_hidden + self._rows_told,
                )
            self._rows_told = self._rows_hidden = 0
            self._rows_since = None
        result = ScanResult(**values)
        result.row_allowance = max(0, ROW_WARNINGS_LOGGED - self._rows_told)
        return result

    def _count_rows(self, result: ScanResult) -> None:
        if not result.row_warnings:
            return
        if self._rows_since is None:
            self._rows_since = self.wall()
        if result.row_allowance == ROW_WARNINGS_LOGGED:  # finish() counted the rest
            self._rows_told += result.row_warnings
            return
        self._rows_told += result.row_warnings - result.rows_hidden
        self._rows_hidden += result.rows_hidden

    def _live_since(self, now: datetime, window: timedelta, fresh: bool) -> datetime:
        """Missed calls from this moment on are posted. A file already followed: the
        last :data:`RECENT_WINDOW`, or from the opening of the last working day before
        today when that is earlier (days the office was closed do not use it up)."""
        since = now - window
        hours = self.config.hours
        if fresh or hours.always_open:
            return since
        opening = hours.previous_opening(now.date(), RECENT_CLOSED_DAYS)
        return since if opening is None else min(since, opening)

    def _tell_too_old(self, result: ScanResult, window: timedelta) -> None:
        """One warning when missed calls of a file already followed turn up older than the
        window, and so are not posted; one line when posted ones come again. Either the
        file was out of reach that long, or the PBX's clock is behind the server's."""
        if result.too_old:
            if self._too_old_told is None:
                self._too_old_told = 0
                log.warning(
                    "%s: %d missed calls (the first from %s) were more than %d days old when"
                    " read, so they were not posted: was Calls.dbf out of reach that long, or"
                    " is the PBX clock behind the server's? `perezvon report` lists them as"
                    " never called back (history)",
                    self.key,
                    result.too_old,
                    result.too_old_since,
                    window.days,
                )
            else:
                self._too_old_told += result.too_old
        if result.live_opened and self._too_old_told is not None:
            log.info(
                "%s: missed calls are recent again and posted (%d more too old since the warning)",
                self.key,
                self._too_old_told,
            )
            self._too_old_told = None

    def _read_quickly(
        self,
        run: _Pass,
        result: ScanResult,
        start: int,
        stop: int,
        commits: _ChunkedCommit,
        progress: Progress | None,
    ) -> None:
        """The records of an import with a case book: calls built straight from each
        chunk's values field by field (:func:`quick_calls`); a record that is not plain
        (deleted, damaged, unusual types, not final yet) goes through :meth:`_take`.
        """
        settle = self.config.source.settle_seconds
        config = self.config

        def reason_of(started: datetime, ring: int | None, extension: str, co: str) -> MissReason:
            return reason_for(
                config, started_at=started, ring_seconds=ring, extension=extension, co_line=co
            )

        batch = run.batch
        for index, raws in read_chunks(run.layout, start, stop):
            columns, plain = run.decoder.columns(raws)
            calls = quick_calls(index, columns, plain, reason_of)
            for at, (raw, call) in enumerate(zip(raws, calls, strict=True), index):
                if call is not None and run.final_as_read(call, settle):
                    result.records_read += 1
                    batch.append(call)
                else:
                    self._take(read_record(run.decoder, at, raw), run, result)
                if (at + 1) % READ_CHUNK == 0:
                    self._chunk_done(run, at + 1, stop, result, commits, progress)

    def _chunk_done(
        self,
        run: _Pass,
        end: int,
        stop: int,
        result: ScanResult,
        commits: _ChunkedCommit,
        progress: Progress | None,
    ) -> None:
        self._flush(run, end, result)
        if run.deferring:
            wall = self.wall()
            if wall - run.alive_at >= BULK_ALIVE_SECONDS / 10:
                run.alive_at = wall
                self.ledger.bulk_import_alive(wall)  # committed with the chunk
        commits.chunk_done()
        if progress:
            progress(end, stop)

    def _bulk_import(self, count: int) -> bool:
        """Whether an import of ``count`` records builds the figure indexes once at the
        end: a large one, at least as large as what the ledger holds already."""
        return count >= BULK_IMPORT_OVER and count >= self.ledger.call_count()

    @property
    def backfill_pending(self) -> bool:
        """Whether history behind the tail is still to be read (a cheap ledger read)."""
        state = find_cursor(self.ledger, self.config.source.path)
        return state is not None and state.backfill_end is not None

    def backfill(
        self, *, chunks: int | None = BACKFILL_CHUNKS, seconds: float = BACKFILL_SECONDS
    ) -> ScanResult | None:
        """One step of the history behind the tail: silent, one transaction, bounded by
        ``chunks`` read chunks or ``seconds``; None when there is nothing to read.

        The step runs only against the file the cursor points into: a rewritten one is
        left to the next :meth:`scan`, which re-baselines it and drops this history.
        """
        state = find_cursor(self.ledger, self.config.source.path)
        if state is None or state.backfill_end is None:
            self._end_bulk()
            return None
        layout = read_layout(self.config.source.path, self.config.source.encoding)
        result = self._new_result(total_records=layout.complete_count)
        plan = self._plan(layout, result)
        decoder = RecordDecoder(layout, sources=plan.sources)
        if _rewritten(state, layout, decoder, _identity(read_one(layout, 0), decoder)):
            self._end_bulk()
            return None
        if self._backfill_bulk is None:
            self._backfill_bulk = self.ledger.bulk_pass()
            self._backfill_bulk.__enter__()
        try:
            self._backfill(layout, decoder, state, result, chunks=chunks, seconds=seconds)
        except BaseException:
            self._end_bulk()
            raise
        result.backfill_left = _left(state)
        if not result.backfill_left:
            self._end_bulk()
        result.finish()
        self._count_rows(result)
        return result

    def _end_bulk(self) -> None:
        bulk, self._backfill_bulk = self._backfill_bulk, None
        if bulk is not None:
            bulk.__exit__(None, None, None)

    def _start_at_tail(
        self, layout: DbfLayout, decoder: RecordDecoder, state: SourceState, since: datetime
    ) -> None:
        """On a first pass over a big file, move the cursor to the window it posts and
        leave the history before it to :meth:`backfill`."""
        tail = find_tail(lambda i: _time_at(layout, decoder, i), layout.complete_count, since)
        if tail <= self.backfill_over:
            return
        state.next_index, state.pending = tail, {}
        state.backfill_next, state.backfill_end = 0, tail
        log.info(
            "%s: reading the last %d records first; the %d before them are read in the background",
            self.key,
            layout.complete_count - tail,
            tail,
        )

    def _backfill(
        self,
        layout: DbfLayout,
        decoder: RecordDecoder,
        state: SourceState,
        result: ScanResult,
        *,
        history: bool = False,
        chunks: int | None,
        seconds: float | None = None,
    ) -> None:
        """Read history records into the ledger, silently, cursor and calls in one
        transaction per step (all of it in steps of :data:`COMMIT_CHUNKS` for an import:
        that is `perezvon import` of the file `run` reads, so `run` is stopped).

        Rows there ended long ago, so they are final at once; one newer than the window
        (times out of order) is still posted, as a pass in file order would.
        """
        assert state.backfill_next is not None and state.backfill_end is not None
        now = self.clock()
        run = _Pass(
            layout=layout,
            decoder=decoder,
            state=state,
            previous={},
            now=now,
            wall=self.wall(),
            live_since=None if history else now - BASELINE_WINDOW,
            final_at_once=True,
            waits=False,
        )
        began = time.monotonic()
        # Where the tail begins; rows there deleted or unreadable: the next ones.
        tail = state.backfill_end
        self.rules.history_before = _first_time(layout, decoder, tail)
        try:
            while state.backfill_end is not None:
                with self.ledger.transaction():
                    done = 0
                    while state.backfill_next < state.backfill_end:
                        start = state.backfill_next
                        stop = min(start + READ_CHUNK, state.backfill_end)
                        for record in read_records(layout, start, stop, decoder):
                            self._take(record, run, result)
                        self._store(run.batch, now, run.live_since, result)
                        run.batch.clear()
                        state.backfill_next, done = stop, done + 1
                        limit = COMMIT_CHUNKS if chunks is None else chunks
                        if done >= limit or (
                            seconds is not None and time.monotonic() - began >= seconds
                        ):
                            break
                    if state.backfill_next >= state.backfill_end:
                        self._backfill_done(layout, decoder, state, now)
                    self.ledger.save_source_state(state)
                if chunks is not None:
                    return
        finally:
            self.rules.history_before = None

    def _backfill_done(
        self, layout: DbfLayout, decoder: RecordDecoder, state: SourceState, now: datetime
    ) -> None:
        """The history is in: settle what a pass in file order would have known at once."""
        tail = state.backfill_end
        state.backfill_next = state.backfill_end = None
        since = self.rules.history_before
        if since is not None:
            self.rules.answer_history(self.ledger, since, now)
            self.ledger.recheck_new_callers(since)
        self.ledger.expire_silent_cases(now)
        log.info("%s: history read (%s records)", self.key, tail)

    def _plan(self, layout: DbfLayout, result: ScanResult) -> fields.FieldPlan:
        """Which field gives what; a table that cannot give calls is not read at all.

        Reading it would mark every row bad and move the cursor past calls that a fixed
        ``[source.fields]`` could still read, so it is an error, retried like a locked file.
        """
        names = layout.field_names()
        plan = fields.plan(names, self.config.source.fields)
        problem = fields.plan_problem(plan, names)
        if problem is not None:

            def localized(language: str) -> dict[str, object]:
                return {"problem": fields.plan_problem(plan, names, language)}

            raise DbfError("dbf_plan", path=layout.path, problem=problem, localized=localized)
        result.no_caller_number = plan.caller_number is None
        if layout.encoding_source == "content" and self._told_encoding != layout.signature:
            self._told_encoding = layout.signature  # once per table, as the next one
            log.info(
                "%s: the header names no code page; its Russian letters read as %s (to leave"
                ' no guess, set [source] encoding = "%s")',
                layout.path,
                layout.encoding,
                layout.encoding,
            )
        if self._told_no_caller != layout.signature and not plan.has(fields.CALLERID):
            self._told_no_caller = layout.signature  # once per table, not every pass
            said = fields.NO_CALLER_NUMBER if result.no_caller_number else fields.NO_CALLERID
            result.warn(LogText("%s: %s", layout.path, said))
        if self._told_no_ring != layout.signature:
            ringing = fields.rules_needing_ring(plan, self.config)
            if ringing:
                self._told_no_ring = layout.signature  # once per table, not every pass
                result.warn(LogText("%s: %s", layout.path, fields.no_ring(ringing)))
        return plan

    def _cursor(
        self, layout: DbfLayout, decoder: RecordDecoder, result: ScanResult
    ) -> tuple[SourceState, timedelta, bool]:
        """Where to start reading, how far back a missed call is still posted, and
        whether this is a first pass over the file (no cursor, or a rewritten file).

        A file that is not the one the cursor points into (rewritten, shrunk, purged) is
        read again from the start; known calls are skipped by fingerprint.
        """
        first_hash = _identity(read_one(layout, 0), decoder)
        state = find_cursor(self.ledger, self.config.source.path)
        if state is not None and state.path != self.key:
            self._legacy_key, state.path = state.path, self.key
        reason = _rewritten(state, layout, decoder, first_hash)
        if state is not None and reason:
            result.rebaselined = reason
            result.warn(
                LogText(
                    "%s: %s; re-reading it, known calls are skipped. If WinTariff archived the"
                    " old file (renamed it, and started a new one), rows written to it after"
                    " the last pass were not read: `perezvon import <the archive>` reads them"
                    " (without posting, as history)",
                    self.key,
                    reason,
                )
            )
        window = BASELINE_WINDOW if state is None else RECENT_WINDOW
        fresh = state is None or bool(reason)
        if state is None or reason:
            state = SourceState(
                path=self.key,
                header_signature=layout.signature,
                header_len=layout.header_len,
                record_len=layout.record_len,
                first_record_hash=first_hash,
                next_index=0,
            )
        state.first_record_hash = first_hash
        return state, window, fresh

    def _take(self, record: RawRecord, run: _Pass, result: ScanResult) -> None:
        """One record: a final call joins the batch; an unfinished row holds the cursor."""
        result.records_read += 1
        final, call = self._examine(record, run, self.config.source.settle_seconds, result)
        if not final:
            seen = run.previous.get(record.index)
            since = seen[1] if seen is not None and seen[0] == record.digest else run.wall
            since = min(since, run.wall)  # first seen "in the future": the clock went back
            run.pending[record.index] = (record.digest, since)
            if run.cursor is None:
                run.cursor = record.index
        elif call is not None:
            run.batch.append(call)

    def _flush(self, run: _Pass, end: int, result: ScanResult) -> None:
        """Store the batch, apply the rules and move the cursor, in one transaction."""
        state = run.state
        state.next_index = run.cursor if run.cursor is not None else end
        state.pending = {i: v for i, v in run.pending.items() if i >= state.next_index}
        if state.next_index > 0:
            last = read_one(run.layout, state.next_index - 1)
            state.last_record_hash = _identity(last, run.decoder)
        with self.ledger.atomic():  # a step of the pass's transaction, if it has one
            run.opened_silent |= self._store(
                run.batch, run.now, run.live_since, result, rules=run.rules, book=run.book
            )
            self.ledger.save_source_state(state)
            if self._legacy_key is not None:
                self.ledger.forget_source_state(self._legacy_key)
        self._legacy_key = None
        run.batch.clear()

    def _examine(
        self, record: RawRecord, run: _Pass, settle: float, result: ScanResult
    ) -> tuple[bool, Call | None]:
        """Whether the row is final, and its call (None for a deleted or bad row)."""
        if not record.valid:
            if run.waits and not record.raw.strip(b"\0"):
                # Only zero bytes: the file was extended before the record's bytes landed
                # (a reader over SMB can see it so). Not written yet, like a half-written
                # row: it waits, quietly, until it has stayed so for settle_seconds.
                seen = run.previous.get(record.index)
                if seen is None or seen[0] != record.digest or run.wall - seen[1] < settle:
                    return False, None
            result.bad_rows += 1
            result.warn_row(LogText(_SKIPPED, record.index + 1, record.problems[0]))
            return True, None
        if record.deleted:
            return True, None
        # A time or talk time the decoder could not read ("ABC***") is no missing value:
        # read as none, a damaged answered call would become a missed one and be posted.
        unreadable = [p for p in record.problems if p.split(":", 1)[0] in _MUST_READ]
        if unreadable:
            result.bad_rows += 1
            result.warn_row(LogText(_SKIPPED, record.index + 1, "; ".join(unreadable)))
            return True, None
        try:
            call = to_call(record.index, record.values)
        except RowError as error:
            result.bad_rows += 1
            # The decoder's own complaint (e.g. "invalid date b'2026133'") says more.
            detail = "; ".join(record.problems) or str(error)
            result.warn_row(LogText(_SKIPPED, record.index + 1, detail))
            return True, None
        if run.final_as_read(call, settle):
            return True, call
        seen = run.previous.get(record.index)
        if seen is not None and seen[0] == record.digest and run.wall - seen[1] >= settle:
            return True, call
        return False, None

    def _store(
        self,
        calls: list[Call],
        now: datetime,
        live_since: datetime | None,
        result: ScanResult,
        *,
        rules: CaseRules | None = None,
        book: ImportBook | None = None,
    ) -> bool:
        """Insert one chunk's new calls and apply the rules; True if silent cases opened.

        Calls before ``live_since`` (all of them when it is None) make silent cases.
        With an import's case ``book`` the ``rules`` decide against it, and it keeps the
        numbers' first calls as well.
        """
        if not calls:
            return False
        times: list[str] = []  # the new calls' stored start times, for the book
        fresh = self.ledger.store_new_calls(
            with_reasons(calls, self.config),
            source=self.key,
            callers=book is None,
            times=times if book is not None else None,
        )
        if not fresh:  # all known (a file read again): no rules, not even their set up
            return False
        result.new_calls += len(fresh)
        rules = rules or self.rules
        first = book.add_calls(fresh, times) if book is not None else 0  # their rowids
        rules.begin(fresh)
        silent_opened = False
        for rowid, call in enumerate(fresh, first):
            if rules.skip(call):
                continue
            if book is not None:
                book.cursor = rowid
            silent = live_since is None or call.started_at < live_since
            applied = rules.apply_planned(call, now=now, silent=silent)
            result.cases.add(applied)
            silent_opened |= silent and applied.opened > 0
            if live_since is not None and applied.opened:
                if silent:
                    result.too_old += applied.opened
                    since = result.too_old_since
                    result.too_old_since = min(since or call.started_at, call.started_at)
                else:
                    result.live_opened += applied.opened
        if book is not None:
            _write_book(self.ledger, book)
        return silent_opened


@dataclass
class _Pass:
    """What one pass over the file carries from record to record."""

    layout: DbfLayout
    decoder: RecordDecoder
    state: SourceState
    previous: dict[int, tuple[str, float]]
    now: datetime
    wall: float
    live_since: datetime | None  # None: every case is silent (an import)
    final_at_once: bool = False  # the table has no CALLTYPE to wait for
    old_before: datetime | None = None  # an import: calls that ended before are final
    # Whether a record not written yet may wait for a later pass: only a live one has a
    # later pass over it (an import is one pass; a backfill step never reads it again).
    waits: bool = True
    cursor: int | None = None  # the first row not final in this pass
    pending: dict[int, tuple[str, float]] = field(default_factory=dict)
    batch: list[Call] = field(default_factory=list)
    opened_silent: bool = False
    # An import into an empty ledger: the case book its rules decide against.
    book: ImportBook | None = None
    rules: CaseRules | None = None
    # A bulk import that left indexes out: it says it is alive now and then (meta).
    deferring: bool = False
    alive_at: float = 0.0  # the wall time it last said so

    def final_as_read(self, call: Call, settle: float) -> bool:
        """Whether ``call`` is final from what it says itself: CALLTYPE filled, a table
        with nothing to wait for, or (an import) it ended long ago, when WinTariff will
        not fill CALLTYPE any more and waiting would only hold the cursor."""
        if call.calltype or self.final_at_once or settle <= 0:
            return True
        ended = call.started_at + timedelta(seconds=call.duration)
        return self.old_before is not None and ended < self.old_before


class _ChunkedCommit:
    """A long pass (an import, a first scan) commits every few chunks, not every one.

    Each commit rewrites the index pages the chunks touched, and random fingerprints
    touch a different page per row; the time limit keeps the bot's writes from waiting
    long (``alone``: there is no bot, see ALONE_COMMIT_SECONDS). A short pass commits
    each flush on its own.

    Every commit stays ``synchronous = FULL``, an import's too: with NORMAL a power cut
    could take back a committed import step that closed a live case whose edit the bot
    had already sent; what commits cost is the pages they write, not the syncs.
    """

    def __init__(
        self,
        ledger: Ledger,
        *,
        long: bool,
        alone: bool = False,
        book: ImportBook | None = None,
    ) -> None:
        """``book``: an import's case book; each commit writes what it still holds (a
        long pass only: a short one would commit its flushes without it)."""
        if book is not None and not long:
            raise ValueError("an import's case book needs a long pass")
        self.ledger = ledger
        self.book = book
        self.long = long
        self.chunks = None if alone else COMMIT_CHUNKS
        self.seconds = ALONE_COMMIT_SECONDS if alone else COMMIT_SECONDS
        cache = BULK_CACHE_KIB if book is None else BOOK_CACHE_KIB
        self._bulk = ledger.bulk_pass(cache) if long else nullcontext()
        self._open: AbstractContextManager[Ledger] | None = None
        self._chunks = 0
        self._began = 0.0

    def __enter__(self) -> _ChunkedCommit:
        self._bulk.__enter__()
        if self.long:
            self._begin()
        return self

    def chunk_done(self) -> None:
        if not self.long:
            return
        self._chunks += 1
        if (self.chunks is not None and self._chunks >= self.chunks) or (
            time.monotonic() - self._began >= self.seconds
        ):
            self._commit(None)
            time.sleep(COMMIT_GAP_SECONDS)  # another writer's turn, if one waits
            self._begin()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: Any
    ) -> None:
        try:
            self._commit(error)
        finally:
            self._bulk.__exit__(kind, error, tb)

    def _begin(self) -> None:
        self._open = self.ledger.transaction()
        self._open.__enter__()
        self._chunks, self._began = 0, time.monotonic()

    def _commit(self, error: BaseException | None) -> None:
        """Commit the chunks so far, or roll them back when the pass failed."""
        held, self._open = self._open, None
        if held is not None:
            if error is None:
                if self.book is not None:
                    try:
                        _write_book(self.ledger, self.book, commit=True)
                    except BaseException as failed:
                        held.__exit__(type(failed), failed, failed.__traceback__)
                        raise
                held.__exit__(None, None, None)
            else:
                held.__exit__(type(error), error, error.__traceback__)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cycle collector run less often inside the block (see GC_THRESHOLD_IMPORT);
    cycles are still collected, and the thresholds are put back after."""
    before = gc.get_threshold()
    gc.set_threshold(max(GC_THRESHOLD_IMPORT, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _write_book(ledger: Ledger, book: ImportBook, *, commit: bool = False) -> None:
    """Hand what the case book applied to the ledger: after each batch, and all of it
    with the numbers' first calls before each commit."""
    rows = book.take(all_cases=commit)
    ledger.write_case_rows(cases=rows.cases, events=rows.events, legs=rows.legs, noted=rows.noted)
    if commit:
        ledger.fold_callers(book.take_callers())


def _left(state: SourceState) -> int:
    if state.backfill_next is None or state.backfill_end is None:
        return 0
    return state.backfill_end - state.backfill_next


def _time_at(layout: DbfLayout, decoder: RecordDecoder, index: int) -> datetime | None:
    """When the call of record ``index`` started; None for a deleted or unreadable one."""
    raw = read_one(layout, index)
    if raw is None or raw[:1] != b" ":
        return None
    values, _ = decoder.decode(raw)
    try:
        return to_call(index, values).started_at
    except RowError:
        return None


def _first_time(layout: DbfLayout, decoder: RecordDecoder, index: int) -> datetime | None:
    """The time of the first record from ``index`` on that has one, among the next
    :data:`READ_CHUNK` (None: none has; the history is then read without the bounds)."""
    for i in range(index, min(index + READ_CHUNK, layout.complete_count)):
        when = _time_at(layout, decoder, i)
        if when is not None:
            return when
    return None


def _identity(raw: bytes | None, decoder: RecordDecoder) -> str | None:
    """What identifies the first row: its call's fingerprint, so late CALLTYPE is no rewrite."""
    if raw is None:
        return None
    record = RawRecord(0, raw[:1], raw, *decoder.decode(raw))
    try:
        return to_call(0, record.values).fingerprint
    except RowError:
        return record.digest


def _rewritten(
    state: SourceState | None, layout: DbfLayout, decoder: RecordDecoder, first_hash: str | None
) -> LogText | None:
    """Why the file on disk is not the one the cursor points into, if it is not
    (``first_hash``: the :func:`_identity` of its first record now)."""
    if state is None:
        return None
    if state.header_signature != layout.signature:
        return LogText("the table's structure changed")
    count = layout.complete_count
    if count < state.next_index:
        return LogText("the file shrank (%d records, %d were read)", count, state.next_index)
    if state.first_record_hash and first_hash != state.first_record_hash:
        return LogText("the first record changed (file rewritten)")
    if state.last_record_hash:
        last = read_one(layout, state.next_index - 1) if state.next_index > 0 else None
        if _identity(last, decoder) != state.last_record_hash:
            # Rows were purged or moved in the middle: the cursor no longer points past
            # what was read, so whatever follows it may be calls never seen.
            return LogText("the last record read has changed (rows purged or moved)")
    return None
