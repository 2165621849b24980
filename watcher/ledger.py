"""The SQLite ledger: the one place the watcher and the bot meet.

Calls, cases, case history, the outbox and the source cursor live here, in WAL mode, so
the watcher thread and the bot's event loop each use their own connection; every commit
is synced before it returns (``synchronous = FULL``), so whatever the chats were shown
survives a power cut. Writes that
belong together (a case change and its outbox row) go through :meth:`Ledger.transaction`,
which takes the write lock up front (``BEGIN IMMEDIATE``) so two writers never deadlock.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from watcher import case_log, schema
from watcher.changes import (
    AnsweredLeg,
    ApplyResult,
    Change,
    NewCase,
    OpenCase,
    OverflowLeg,
    apply_plan,
)
from watcher.models import Call, CallbackAttempt, CallReason, Case, from_text, to_text
from watcher.queries import operator_names
from watcher.row_batches import insert_rows
from watcher.schema import CALLS, CASES
from watcher.vocab import (
    ActorKind,
    CaseStatus,
    ClosedHow,
    Direction,
    EventKind,
    MissReason,
    OutboxKind,
)

BUSY_TIMEOUT_MS = 15_000
# An import that left indexes out says it is at work at least this often (meta, at its
# commits); silent longer, it was cut short, and the watcher builds them back.
BULK_ALIVE_SECONDS = 120.0
_BULK_ALIVE = "bulk_import_alive"
# Two 📵 presses by one person on one case this close together are a double tap.
DOUBLE_PRESS_SECONDS = 10
# Page cache of a long pass (an import), in KiB: the random-order fingerprint and
# (remote, started_at) indexes of a large ledger outgrow SQLite's default 2 MB cache, and
# every page evicted is written and read again. Memory only; the data is the same.
BULK_CACHE_KIB = 65_536
# An import into an empty ledger keeps up no (remote, started_at) index (its rules look
# up in memory, watcher/import_book.py), only the fingerprints in random order: half the
# cache inserts as fast (measured on 1M rows), and the book's own memory fits under the
# import's bound.
BOOK_CACHE_KIB = 32_768
# WAL pages between automatic checkpoints during a long pass (SQLite's default is 1000):
# each checkpoint copies the WAL into the database and syncs it, and a long pass's
# commits touch the same index pages again and again. The WAL grows to ~64 MB at most.
BULK_CHECKPOINT_PAGES = 16_384
_INSERT_CALL = CALLS.insert_sql("calls", or_ignore=True)
_STARTED_AT = CALLS.names.index("started_at")
_INSERT_CASE = CASES.insert_sql("cases", skip=("id",))
_REPLACE_CASE = CASES.insert_sql("cases", or_replace=True)
_INSERT_EVENT = (
    "INSERT INTO case_events (case_id, at, kind, actor_kind, actor_id, actor_name,"
    " extension, call_fingerprint, duration, note) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
_INSERT_LEG = (
    "INSERT OR IGNORE INTO legs (missed_fingerprint, answered_fingerprint, extension)"
    " VALUES (?, ?, ?)"
)


@dataclass
class SourceState:
    """Where reading of one DBF file stopped, kept across restarts."""

    path: str
    header_signature: str
    header_len: int
    record_len: int
    first_record_hash: str | None
    next_index: int
    # What identifies record next_index - 1: if it changes, rows before the cursor moved.
    last_record_hash: str | None = None
    # Records at or past next_index seen but not final yet: index -> [raw hash, first seen].
    pending: dict[int, tuple[str, float]] = field(default_factory=dict)
    # History still to read behind a first pass that began at the tail (ingest.backfill):
    # records backfill_next to backfill_end - 1; None when there is none.
    backfill_next: int | None = None
    backfill_end: int | None = None


@dataclass(frozen=True)
class OutboxBatch:
    """All undelivered changes of one case, to be delivered as one post or edit."""

    case_id: int
    first_id: int
    last_id: int
    attempts: int
    kinds: frozenset[str]
    chat: int | None = None  # the case's chat: deliveries to different chats run side by side


@dataclass(frozen=True)
class OutboxWait:
    """Changes a chat did not take yet after trying: its department's cases wait."""

    chat: int | None
    department: str
    cases: int
    since: datetime  # the oldest waiting change
    last_error: str  # Telegram's newest answer, as the outbox recorded it


@dataclass(frozen=True)
class CloseResult:
    """What a press did (close, reopen, claim…): ``changed`` False means the case was not
    eligible, and ``case`` says why (already closed, claimed by someone else)."""

    changed: bool
    case: Case | None


class Ledger:
    holds_presses = True  # cases closed by a person live here (see CaseStore)

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        # Durability (DESIGN "Operations -> Durability"): every commit is synced to disk
        # before the call returns, so nothing the chats are shown (a post, an edit, a toast)
        # can be lost to a power cut. In WAL mode NORMAL syncs only at checkpoints: a cut
        # then rolled back presses users had seen confirmed and re-posted every case since
        # the last checkpoint. FULL costs one fsync of the WAL per commit, and commits are
        # few (the ingest pass batches its rows; see benchmarks/ingest.py for the cost).
        conn.execute("PRAGMA synchronous = FULL")
        self._noted: list[case_log.Noted] = []  # case changes to log once committed
        self._migrate()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Create a new ledger at the latest schema, or climb an older one's ladder.

        A ledger at the latest schema is only read: `perezvon stats` or `check` opened
        during an import must not wait for the write lock the import holds."""
        conn = self.conn
        if self._up_to_date():
            schema.check_columns(conn)
            return
        with self.transaction():
            if schema.is_empty(conn):
                schema.create_latest(conn)
                schema.set_version(conn, schema.LATEST)
            else:
                for number, step in schema.pending_steps(conn):
                    step(conn)
                    schema.set_version(conn, number)
            schema.check_columns(conn)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                [str(schema.LATEST)],
            )

    def _up_to_date(self) -> bool:
        """Whether the ledger is at the latest schema and says so, by reads alone."""
        conn = self.conn
        try:
            if schema.is_empty(conn) or schema.pending_steps(conn):
                return False
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:  # no meta table yet: the write path makes it
            return False
        return row is not None and row[0] == str(schema.LATEST)

    @contextmanager
    def bulk_pass(self, cache_kib: int = BULK_CACHE_KIB) -> Iterator[None]:
        """A larger page cache and rarer WAL checkpoints for the duration of a long pass,
        then the previous settings."""
        row = self.conn.execute("PRAGMA cache_size").fetchone()
        previous = int(row[0]) if row else -2000
        row = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()
        previous_checkpoint = int(row[0]) if row else 1000
        self.conn.execute(f"PRAGMA cache_size = {-cache_kib}")
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {previous}")
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {previous_checkpoint}")

    def restore_deferred_indexes(self, now: float | None = None) -> int:
        """Build the indexes a bulk import cut short left out (how many; see
        :data:`schema.DEFERRED_INDEXES`). The watcher does it before its next pass, not
        every opener: a `perezvon stats` during an import must not build them under the
        importer's feet. Nor does it while an import still says it is at work
        (:meth:`bulk_import_alive`: an archive imported beside `run`), only once that
        import has been silent for BULK_ALIVE_SECONDS: it was cut short."""
        missing = schema.missing_deferred_indexes(self.conn)
        if not missing:
            return 0
        alive = self.get_meta(_BULK_ALIVE)
        now = time.time() if now is None else now
        if alive is not None and now - float(alive) < BULK_ALIVE_SECONDS:
            return 0
        for statement in missing:  # one lock hold each
            with self.transaction():
                self.conn.execute(statement)
        self._forget_bulk_import()
        return len(missing)

    def bulk_import_alive(self, now: float | None = None) -> None:
        """An import that left indexes out is still at work (see restore_deferred_indexes)."""
        self.set_meta(_BULK_ALIVE, repr(time.time() if now is None else now))

    def _forget_bulk_import(self) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM meta WHERE key = ?", [_BULK_ALIVE])

    @contextmanager
    def deferred_indexes(
        self, statements: tuple[str, ...] = schema.FIGURE_INDEXES
    ) -> Iterator[None]:
        """A bulk import without these indexes, each built once at the end. A pass that
        fails leaves them to the watcher's next pass (:meth:`restore_deferred_indexes`)."""
        with self.transaction():
            schema.drop_indexes(self.conn, statements)
            self.bulk_import_alive()
        yield
        for statement in statements:  # one lock hold each, not all at once
            with self.transaction():
                self.conn.execute(statement)
        self._forget_bulk_import()

    @contextmanager
    def waiting_at_most(self, milliseconds: int) -> Iterator[Ledger]:
        """A shorter wait for the write lock inside the block: a button press must be
        answered while Telegram still takes the answer, not after BUSY_TIMEOUT_MS."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
        try:
            yield self
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @contextmanager
    def transaction(self) -> Iterator[Ledger]:
        """One write transaction holding the lock from the start; nested use joins it."""
        if self.conn.in_transaction:
            # What sqlite-utils' atomic() does when nested, under one fixed savepoint name:
            # its random names made every SAVEPOINT/RELEASE a new statement to prepare.
            self.conn.execute("SAVEPOINT ledger_nested")
            mark = len(self._noted)
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK TO SAVEPOINT ledger_nested")
                    self.conn.execute("RELEASE SAVEPOINT ledger_nested")
                del self._noted[mark:]
                raise
            else:
                self.conn.execute("RELEASE SAVEPOINT ledger_nested")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            # Inside the try: a COMMIT that fails (a deferred constraint, a full disk, an
            # I/O error) leaves the transaction open, and it must not stay so.
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._noted.clear()
            raise
        noted, self._noted = self._noted, []
        case_log.write(self.conn, noted)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Join the caller's transaction as it is, or run in one of its own.

        No savepoint: a failure rolls back the whole of the caller's transaction. That is
        what a step of a pass wants, and a savepoint is not free: under one, SQLite copies
        each page the step first changes to a sub-journal, which doubled the calls insert
        of a 1M-row import (random fingerprints change a new index page per row)."""
        if self.conn.in_transaction:
            yield
            return
        with self.transaction():
            yield

    def _rows_in(
        self, sql: str, values: Sequence[Any], *, first: Sequence[Any] = ()
    ) -> Iterator[Any]:
        """The rows of ``sql``, whose ``IN ({})`` takes ``values``, asked in parts of 500
        (SQLite's limit on bound values is 999 in older builds); ``first`` binds before
        them. A query whose rows group by the listed key adds up the same part by part."""
        for start in range(0, len(values), 500):
            part = values[start : start + 500]
            marks = ", ".join("?" * len(part))
            yield from self.conn.execute(sql.format(marks), [*first, *part])

    def _one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | tuple | None:
        return self.conn.execute(sql, tuple(params)).fetchone()

    def _dicts(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, tuple(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- source cursor ------------------------------------------------------------------

    def source_state(self, path: str) -> SourceState | None:
        rows = self._dicts("SELECT * FROM source_state WHERE path = ?", [path])
        if not rows:
            return None
        row = rows[0]
        pending = {int(k): (v[0], float(v[1])) for k, v in json.loads(row["pending"]).items()}
        return SourceState(
            path=row["path"],
            header_signature=row["header_signature"],
            header_len=row["header_len"],
            record_len=row["record_len"],
            first_record_hash=row["first_record_hash"],
            next_index=row["next_index"],
            last_record_hash=row.get("last_record_hash"),
            pending=pending,
            backfill_next=row.get("backfill_next"),
            backfill_end=row.get("backfill_end"),
        )

    def save_source_state(self, state: SourceState) -> None:
        pending = {str(k): [v[0], v[1]] for k, v in sorted(state.pending.items())}
        with self.atomic():
            self.db.table("source_state").upsert(
                {
                    "path": state.path,
                    "header_signature": state.header_signature,
                    "header_len": state.header_len,
                    "record_len": state.record_len,
                    "first_record_hash": state.first_record_hash,
                    "next_index": state.next_index,
                    "pending": json.dumps(pending),
                    "last_record_hash": state.last_record_hash,
                    "backfill_next": state.backfill_next,
                    "backfill_end": state.backfill_end,
                },
                pk="path",
            )

    def forget_source_state(self, path: str) -> None:
        """Drop the cursor saved under ``path`` (an old key of a file read under a new one)."""
        with self.transaction():
            self.conn.execute("DELETE FROM source_state WHERE path = ?", [path])

    def recheck_new_callers(self, since: datetime) -> int:
        """Cases from ``since`` on no longer count as new callers when an earlier call of
        the number is stored now: history backfilled after them (see ingest.backfill)."""
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE cases SET new_caller = 0 WHERE new_caller = 1 AND first_at >= ?"
                " AND EXISTS (SELECT 1 FROM calls WHERE calls.remote = cases.remote"
                " AND calls.started_at < cases.first_at)",
                [to_text(since)],
            )
        return cursor.rowcount

    # -- calls --------------------------------------------------------------------------

    def insert_calls(self, calls: Iterable[Call], source: str = "") -> None:
        """Store calls; a fingerprint already stored is left as it was."""
        self.store_new_calls(list(calls), source)

    def store_new_calls(
        self,
        calls: list[Call],
        source: str = "",
        *,
        callers: bool = True,
        times: list[str] | None = None,
    ) -> list[Call]:
        """Store the calls not stored yet, and give them back: the first call of each
        fingerprint that the ledger did not hold. Each number's first call and first
        incoming call (table ``callers``) move with them.

        A plain ``INSERT OR IGNORE`` (the statement sqlite-utils' ``insert_all(ignore=True)``
        issues, without its per-value conversions): a row count short of the batch says
        some were stored already, and the rowids past the largest one before the insert
        are the new ones. A history import, whose calls are all new, so costs the insert
        and nothing else: no look-up per batch, and no savepoint, under which SQLite
        copies every index page an insert first touches to a sub-journal (see
        :meth:`atomic`). ``callers=False``: the caller folds them in itself (an import's
        case book, see :meth:`fold_callers`). ``times`` gets the new calls' start times
        as stored, in order: the book indexes them by that text, and formatting a
        million times twice cost half a second of an import.
        """
        fresh = _distinct(calls)
        values = CALLS.values
        rows = [(*values(c), source) for c in fresh]
        if not rows:
            return []
        with self.atomic():
            before = self.last_rowid()
            stored = insert_rows(self.conn, _INSERT_CALL, rows)
            if stored != len(rows):
                new = {
                    found
                    for (found,) in self.conn.execute(
                        "SELECT fingerprint FROM calls WHERE rowid > ?", [before]
                    )
                }
                kept = [(c, r) for c, r in zip(fresh, rows, strict=True) if c.fingerprint in new]
                fresh, rows = [c for c, _ in kept], [r for _, r in kept]
            if callers:
                self.fold_callers(_first_calls_of_rows(rows))
        if times is not None:
            times.extend([row[_STARTED_AT] for row in rows])
        return fresh

    def is_empty(self) -> bool:
        """No calls and no cases yet: a first import (see watcher/import_book.py)."""
        return (
            self._one("SELECT 1 FROM calls LIMIT 1") is None
            and self._one("SELECT 1 FROM cases LIMIT 1") is None
        )

    def last_rowid(self) -> int:
        """The rowid of the last call stored (0 for none): a rowid table without
        AUTOINCREMENT gives each new row the largest rowid plus one."""
        row = self._one("SELECT max(rowid) FROM calls")
        return int(row[0]) if row and row[0] is not None else 0

    def last_case_id(self) -> int:
        """The largest case id given so far: cases' ids are AUTOINCREMENT, never reused
        even after a case was deleted, so the sequence counts as well as the table."""
        row = self._one("SELECT max(id) FROM cases")
        largest = int(row[0]) if row and row[0] is not None else 0
        if schema.CASE_IDS_AUTOINCREMENT:
            seq = self._one("SELECT seq FROM sqlite_sequence WHERE name = 'cases'")
            if seq is not None and seq[0] is not None:
                largest = max(largest, int(seq[0]))
        return largest

    def call_at(self, rowid: int) -> Call | None:
        rows = self._dicts("SELECT * FROM calls WHERE rowid = ?", [rowid])
        return _call(rows[0]) if rows else None

    def write_case_rows(
        self,
        *,
        cases: list[tuple[Any, ...]],
        events: list[tuple[Any, ...]],
        legs: list[tuple[str, str | None, str]],
        noted: list[case_log.Noted],
    ) -> None:
        """Write what an import's case book applied: whole case rows (new or changed,
        id first), their events in order and legs, in the caller's transaction; the
        changes are logged once it commits."""
        with self.atomic():
            insert_rows(self.conn, _REPLACE_CASE, cases)
            insert_rows(self.conn, _INSERT_EVENT, events)
            insert_rows(self.conn, _INSERT_LEG, legs)
        self._noted.extend(noted)

    def fold_callers(self, rows: list[tuple[str, str, str | None]]) -> None:
        """Fold (number, first call, first incoming call) rows into ``callers``."""
        with self.atomic():
            insert_rows(self.conn, schema.CALLERS_UPSERT, rows)

    def call_count(self) -> int:
        row = self._one("SELECT count(*) FROM calls")
        return int(row[0]) if row else 0

    def has_call_before(self, remote: str, before: datetime) -> bool:
        row = self._one(
            "SELECT 1 FROM calls WHERE remote = ? AND started_at < ? LIMIT 1",
            [remote, to_text(before)],
        )
        return row is not None

    def first_answer_since(
        self,
        remote: str,
        since: datetime,
        min_outgoing: int,
        exclude: Collection[str] = (),
        before: datetime | None = None,
    ) -> Call | None:
        """The earliest stored call that answers a missed call from ``remote`` at ``since``:
        an answered incoming call from it, or an outgoing one with ``min_outgoing`` s talk.
        Calls whose fingerprint is in ``exclude``, or that start at ``before`` or later,
        are passed over."""
        until = "" if before is None else " AND started_at < ?"
        cursor = self.conn.execute(
            "SELECT * FROM calls WHERE remote = ? AND started_at >= ? AND duration > 0"
            f" AND (direction = 'in' OR (direction = 'out' AND duration >= ?)){until}"
            " ORDER BY started_at",
            [remote, to_text(since), min_outgoing, *([] if before is None else [to_text(before)])],
        )
        names = [d[0] for d in cursor.description]
        for values in cursor:  # rows come one by one: stop at the first that counts
            row = dict(zip(names, values, strict=True))
            if row["fingerprint"] not in exclude:
                return _call(row)
        return None

    def remotes_since(self, since: datetime) -> set[str]:
        """The numbers of the calls from ``since`` on (the started_at index)."""
        rows = self.conn.execute(
            "SELECT DISTINCT remote FROM calls WHERE started_at >= ? AND remote IS NOT NULL",
            [to_text(since)],
        )
        return {row[0] for row in rows}

    def calls_of(self, remote: str, since: datetime) -> list[Call]:
        """The stored calls of ``remote`` from ``since`` on, in time order."""
        rows = self._dicts(
            "SELECT * FROM calls WHERE remote = ? AND started_at >= ?"
            " ORDER BY started_at, record_index",
            [remote, to_text(since)],
        )
        return [_call(row) for row in rows]

    def call_dates(self) -> tuple[datetime | None, datetime | None, datetime | None]:
        """(first call, last call, last missed incoming call) for the health check; each
        walks the started_at index, the last one backwards until a missed call."""
        first = self._one("SELECT min(started_at), max(started_at) FROM calls")
        missed = self._one(
            "SELECT started_at FROM calls WHERE direction = 'in' AND duration = 0"
            " ORDER BY started_at DESC LIMIT 1"
        )
        low, high = (first[0], first[1]) if first else (None, None)
        return (
            from_text(low) if low else None,
            from_text(high) if high else None,
            from_text(missed[0]) if missed else None,
        )

    def calls_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return self._dicts(
            "SELECT * FROM calls WHERE started_at >= ? AND started_at < ? ORDER BY started_at",
            [to_text(start), to_text(end)],
        )

    # -- cases --------------------------------------------------------------------------

    def get_case(self, case_id: int) -> Case | None:
        rows = self._dicts("SELECT * FROM cases WHERE id = ?", [case_id])
        return _case(rows[0]) if rows else None

    def open_cases(
        self, department: str | None = None, *, include_silent: bool = True
    ) -> list[Case]:
        """Open cases, newest activity first; one department's or all."""
        sql = "SELECT * FROM cases WHERE status = 'open'"
        params: list[Any] = []
        if department is not None:
            sql += " AND department = ?"
            params.append(department)
        if not include_silent:
            sql += " AND silent = 0"
        sql += " ORDER BY last_at DESC, id DESC"
        return [_case(row) for row in self._dicts(sql, params)]

    def open_remotes(self) -> set[str]:
        """The numbers that have an open case (one index scan, no Case objects)."""
        rows = self.conn.execute("SELECT DISTINCT remote FROM cases WHERE status = 'open'")
        return {row[0] for row in rows}

    def has_open_case(self, remote: str) -> bool:
        row = self._one(
            "SELECT 1 FROM cases WHERE status = 'open' AND remote = ? LIMIT 1", [remote]
        )
        return row is not None

    def open_cases_of(self, remote: str) -> list[OpenCase]:
        """The open cases of ``remote``, by id: what the rules need of them, without
        building whole cases."""
        rows = self.conn.execute(
            "SELECT id, department, silent, first_at, attempts, ring_seconds,"
            " (SELECT call_fingerprint FROM case_events e WHERE e.case_id = cases.id"
            "  AND e.kind = 'opened' LIMIT 1), extension"
            " FROM cases WHERE status = 'open' AND remote = ? ORDER BY id",
            [remote],
        ).fetchall()
        return [
            OpenCase(r[0], r[1], bool(r[2]), from_text(r[3]), r[4] or 1, r[5], r[6], r[7])
            for r in rows
        ]

    def open_case_briefs(self, remote: str) -> list[tuple[int, str, bool, datetime]]:
        """(id, department, silent, first_at) of the open cases of ``remote``, by id."""
        return [(c.id, c.department, c.silent, c.first_at) for c in self.open_cases_of(remote)]

    def cases_between(self, start: datetime, end: datetime) -> list[Case]:
        rows = self._dicts(
            "SELECT * FROM cases WHERE first_at >= ? AND first_at < ? ORDER BY first_at",
            [to_text(start), to_text(end)],
        )
        return [_case(row) for row in rows]

    def case_events(self, case_id: int) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id])

    def callback_attempts(
        self, case_id: int, *, as_recorded: bool = False
    ) -> list[CallbackAttempt]:
        """The case's failed callbacks, oldest first, as its card lists them: by their
        time, not by when they were recorded (a call from the log is recorded when the
        watcher reads it, often after a 📵 pressed later), then in the order recorded.
        ``as_recorded``: in the order recorded alone, for a feed that prints the new ones."""
        order = "id" if as_recorded else "at, id"
        rows = self.conn.execute(
            "SELECT at, extension, actor_name, duration FROM case_events"
            f" WHERE case_id = ? AND kind = ? ORDER BY {order}",
            [case_id, EventKind.CALLBACK_FAILED],
        ).fetchall()
        return [CallbackAttempt(from_text(r[0]), r[1], r[2], r[3]) for r in rows]

    def failed_callback_counts(self, case_ids: Iterable[int]) -> dict[int, int]:
        """How many failed callbacks each of these cases lists (those with none left out):
        /missed shows them, so two operators do not dial the same caller blind."""
        rows = self._rows_in(
            "SELECT case_id, count(*) FROM case_events WHERE kind = ? AND case_id IN ({})"
            " GROUP BY case_id",
            list(case_ids),
            first=(EventKind.CALLBACK_FAILED,),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    def call_reasons(self, case_id: int) -> list[CallReason]:
        """The case's missed calls in order, each with the reason stored with it."""
        rows = self.conn.execute(
            "SELECT c.started_at, c.miss_reason, c.ring_seconds FROM case_events e"
            " JOIN calls c ON c.fingerprint = e.call_fingerprint"
            " WHERE e.case_id = ? AND e.kind IN (?, ?) ORDER BY c.started_at, e.id",
            [case_id, EventKind.OPENED, EventKind.ATTEMPT],
        ).fetchall()
        return [CallReason(from_text(r[0]), MissReason(r[1]) if r[1] else None, r[2]) for r in rows]

    def create_case(
        self,
        *,
        call: Call,
        department: str,
        chat: int | None,
        new_caller: bool,
        contact_name: str | None,
        contact_company: str | None,
        silent: bool,
        now: datetime,
        held_until: datetime | None = None,
    ) -> int:
        """Open a case for a missed call; its id (read it with :meth:`get_case`).

        A case ``held_until`` an opening is queued for then: the outbox posts it at that
        time under the department's after-hours header."""
        assert call.remote is not None
        case = Case(
            id=0,
            department=department,
            chat=chat,
            remote=call.remote,
            status=CaseStatus.OPEN,
            first_at=call.started_at,
            last_at=call.started_at,
            attempts=1,
            extension=call.extension,
            ring_seconds=call.ring_seconds,
            new_caller=new_caller,
            contact_name=contact_name,
            contact_company=contact_company,
            silent=silent,
            held_until=held_until,
            miss_reason=call.miss_reason,
        )
        with self.atomic():
            cursor = self.conn.execute(_INSERT_CASE, CASES.values(case, skip=("id",)))
            case_id = int(cursor.lastrowid or 0)
            self._event(
                case_id, now, EventKind.OPENED, ActorKind.PBX, extension=call.extension, call=call
            )
            self._enqueue(case_id, OutboxKind.NEW, now, silent, due=held_until)
        return case_id

    def apply(self, changes: Iterable[Change], now: datetime) -> ApplyResult:
        """Write one call's plan (:mod:`watcher.changes`) in one transaction.

        The plan was made inside the caller's write transaction, so the cases it names are
        as it saw them; a conditional UPDATE that still finds a case closed is counted as
        nothing done, never as a change.
        """
        with self.atomic():
            return apply_plan(self, changes, now)

    def open_case(self, change: NewCase, now: datetime) -> int:
        """The case a plan's :class:`~watcher.changes.NewCase` opens; its id."""
        return self.create_case(
            call=change.call,
            department=change.department,
            chat=change.chat,
            new_caller=change.new_caller,
            contact_name=change.contact_name,
            contact_company=change.contact_company,
            silent=change.silent,
            now=now,
            held_until=change.held_until,
        )

    def add_attempt(
        self,
        case_id: int,
        call: Call,
        now: datetime,
        remind_again_before: datetime | None = None,
    ) -> bool:
        """A repeat missed call joins an open case; False if the case is no longer open.
        A reminder sent before ``remind_again_before`` is forgotten (see JoinCase)."""
        again = None if remind_again_before is None else to_text(remind_again_before)
        with self.atomic():
            rows = self.conn.execute(
                "UPDATE cases SET attempts = attempts + 1,"
                " last_at = max(last_at, ?), first_at = min(first_at, ?),"
                " ring_seconds = coalesce(?, ring_seconds),"
                " miss_reason = coalesce(?, miss_reason), version = version + 1,"
                " reminded_at = CASE WHEN reminded_at <= ? THEN NULL ELSE reminded_at END"
                " WHERE id = ? AND status = 'open' RETURNING silent",
                [
                    to_text(call.started_at),
                    to_text(call.started_at),
                    call.ring_seconds,
                    call.miss_reason,
                    again,
                    case_id,
                ],
            ).fetchall()
            if not rows:
                return False
            self._event(
                case_id, now, EventKind.ATTEMPT, ActorKind.PBX, extension=call.extension, call=call
            )
            self._enqueue(case_id, OutboxKind.UPDATE, now, bool(rows[0][0]))
        return True

    def close_by_call(self, case_id: int, call: Call, now: datetime) -> bool:
        """Auto-close from the call log; False when a close came first (it wins quietly)."""
        return self._close_from_log(case_id, call, now, "status = 'open'")

    def confirm_press(self, case_id: int, call: Call, now: datetime) -> bool:
        """A ✅ press that the call's row, come later, confirms: the case ends as
        :meth:`close_by_call` would have closed it (see :class:`ConfirmPress`); the
        press stays in its history."""
        return self._close_from_log(
            case_id, call, now, f"status = 'closed' AND closed_how = '{ClosedHow.USER}'"
        )

    def pressed_cases(self, remote: str, at: datetime, slack: timedelta) -> list[int]:
        """The cases of ``remote`` closed with ✅ whose callback a call at ``at`` can be:
        missed before it, pressed at most ``slack`` before it started (or after)."""
        rows = self.conn.execute(
            "SELECT id FROM cases WHERE status = 'closed' AND remote = ? AND closed_how = ?"
            " AND first_at <= ? AND closed_at >= ? ORDER BY id",
            [remote, ClosedHow.USER, to_text(at), to_text(at - slack)],
        )
        return [row[0] for row in rows]

    def _close_from_log(self, case_id: int, call: Call, now: datetime, where: str) -> bool:
        with self.atomic():
            started = to_text(call.started_at)
            rows = self.conn.execute(
                "UPDATE cases SET status = 'closed', closed_at = ?, closed_how = ?,"
                " closed_by_extension = ?, callback_at = ?, callback_duration = ?,"
                " closed_by_user_id = NULL, closed_by_name = NULL, version = version + 1"
                f" WHERE id = ? AND {where} RETURNING silent",
                [
                    started,
                    ClosedHow.CALL if call.direction == Direction.OUT else ClosedHow.ANSWER,
                    call.extension,
                    started,
                    call.duration,
                    case_id,
                ],
            ).fetchall()
            if not rows:
                return False
            kind = (
                EventKind.CALLBACK if call.direction == Direction.OUT else EventKind.ANSWERED_LATER
            )
            self._event(case_id, now, kind, ActorKind.PBX, extension=call.extension, call=call)
            self._enqueue(case_id, OutboxKind.UPDATE, now, bool(rows[0][0]))
        return True

    def close_by_user(
        self, case_id: int, *, user_id: int, user_name: str, now: datetime
    ) -> CloseResult:
        """A person says the caller was called back. No change if already closed."""
        return self._close_by_person(
            case_id, ClosedHow.USER, EventKind.CLOSED, user_id=user_id, user_name=user_name, now=now
        )

    def reopen_by_user(
        self, case_id: int, *, user_id: int, user_name: str, now: datetime
    ) -> CloseResult:
        """Undo of a close; the caller decides who may do it. Not while the number has a
        newer case open in the department (see :meth:`newer_case_open`): one number, one
        open case there, as the rules keep it; checked in the same statement."""
        return self._change_by_user(
            case_id,
            "UPDATE cases SET status = 'open', closed_at = NULL, closed_how = NULL,"
            " closed_by_user_id = NULL, closed_by_name = NULL, closed_by_extension = NULL,"
            " callback_at = NULL, callback_duration = NULL, version = version + 1"
            f" WHERE id = ? AND status = 'closed' AND NOT EXISTS ({_NEWER_OPEN})",
            [case_id],
            EventKind.REOPENED,
            user_id=user_id,
            user_name=user_name,
            now=now,
        )

    def newer_case_open(self, case_id: int) -> bool:
        """Whether the case's number has another case open in its department that the chat
        was told of (silent history cases never take a live call)."""
        found = self._one(f"SELECT 1 FROM cases WHERE id = ? AND EXISTS ({_NEWER_OPEN})", [case_id])
        return found is not None

    def close_not_needed(
        self, case_id: int, *, user_id: int, user_name: str, now: datetime
    ) -> CloseResult:
        """🚫 No callback is needed (spam, a wrong number, solved otherwise); undoable."""
        return self._close_by_person(
            case_id,
            ClosedHow.NOT_NEEDED,
            EventKind.NOT_NEEDED,
            user_id=user_id,
            user_name=user_name,
            now=now,
        )

    def _close_by_person(
        self,
        case_id: int,
        how: ClosedHow,
        event: EventKind,
        *,
        user_id: int,
        user_name: str,
        now: datetime,
    ) -> CloseResult:
        return self._change_by_user(
            case_id,
            "UPDATE cases SET status = 'closed', closed_at = ?, closed_how = ?,"
            " closed_by_user_id = ?, closed_by_name = ?, closed_by_extension = NULL,"
            " callback_at = NULL, callback_duration = NULL, version = version + 1"
            " WHERE id = ? AND status = 'open'",
            [to_text(now), how, user_id, user_name, case_id],
            event,
            user_id=user_id,
            user_name=user_name,
            now=now,
        )

    def claim(
        self,
        case_id: int,
        *,
        user_id: int,
        user_name: str,
        now: datetime,
        take_over: bool,
        stale_before: datetime | None = None,
    ) -> CloseResult:
        """👋 "I'm calling": the first to press has it; ``take_over`` lets an admin move it,
        and anyone may take a claim made before ``stale_before`` (another day's)."""
        stale = to_text(stale_before) if stale_before is not None else ""
        return self._change_by_user(
            case_id,
            "UPDATE cases SET claimed_by_user_id = ?, claimed_by_name = ?, claimed_at = ?,"
            " version = version + 1 WHERE id = ? AND status = 'open'"
            " AND (claimed_by_user_id IS NULL OR (? AND claimed_by_user_id != ?)"
            " OR (claimed_by_user_id != ? AND claimed_at < ?))",
            [user_id, user_name, to_text(now), case_id, int(take_over), user_id, user_id, stale],
            EventKind.CLAIMED,
            user_id=user_id,
            user_name=user_name,
            now=now,
        )

    def answered_leg(self, remote: str, start: datetime, end: datetime) -> Call | None:
        """An answered incoming call from ``remote`` that started in ``[start, end]``."""
        cursor = self.conn.execute(
            "SELECT * FROM calls WHERE remote = ? AND started_at >= ? AND started_at <= ?"
            " AND direction = 'in' AND duration > 0 ORDER BY started_at LIMIT 1",
            [remote, to_text(start), to_text(end)],
        )
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        return _call(dict(zip(names, row, strict=True))) if row else None

    def waiting_abandons(self, since: datetime, until: datetime) -> list[Call]:
        """Short abandons stored with that reason, started in ``[since, until]``, that no
        answered leg has claimed yet: their answered leg's row comes when its talk ends,
        possibly after a restart."""
        rows = self._dicts(
            "SELECT * FROM calls WHERE direction = 'in' AND started_at >= ? AND started_at <= ?"
            " AND miss_reason = ? AND coalesce(remote, '') <> ''"
            " AND fingerprint NOT IN (SELECT missed_fingerprint FROM legs)"
            " ORDER BY started_at, rowid",
            [to_text(since), to_text(until), MissReason.SHORT_ABANDON],
        )
        return [_call(row) for row in rows]

    def record_overflow(self, leg: OverflowLeg) -> bool:
        """An overflow leg of a case's call: in ``legs``, so no figure counts it twice."""
        with self.atomic():
            self.conn.execute(_INSERT_LEG, [leg.missed_fingerprint, None, leg.extension])
        return True

    def record_leg(self, leg: AnsweredLeg, now: datetime) -> bool:
        """Mark a missed leg as answered; close its case (posted already) as a leg."""
        with self.atomic():
            self.conn.execute(
                _INSERT_LEG,
                [leg.missed_fingerprint, leg.answered.fingerprint, leg.answered.extension],
            )
            if leg.case_id is None:
                return True
            started = to_text(leg.answered.started_at)
            rows = self.conn.execute(
                "UPDATE cases SET status = 'closed', closed_at = ?, closed_how = ?,"
                " closed_by_extension = ?, callback_at = ?, callback_duration = ?,"
                " version = version + 1 WHERE id = ? AND status = 'open' RETURNING silent",
                [
                    started,
                    ClosedHow.LEG,
                    leg.answered.extension,
                    started,
                    leg.answered.duration,
                    leg.case_id,
                ],
            ).fetchall()
            if not rows:
                return False
            self._event(
                leg.case_id,
                now,
                EventKind.ANSWERED_LEG,
                ActorKind.PBX,
                extension=leg.answered.extension,
                call=leg.answered,
            )
            self._enqueue(leg.case_id, OutboxKind.UPDATE, now, bool(rows[0][0]))
        return True

    def leg_fingerprints(self, fingerprints: Iterable[str]) -> set[str]:
        """Which of these missed calls are legs of answered calls."""
        sql = "SELECT missed_fingerprint FROM legs WHERE missed_fingerprint IN ({})"
        return {r[0] for r in self._rows_in(sql, list(fingerprints))}

    def add_failed_callback(
        self,
        case_id: int,
        *,
        now: datetime,
        user_id: int | None = None,
        user_name: str | None = None,
        call: Call | None = None,
    ) -> bool:
        """📵 A callback that did not get through (a press, or ``call`` from the log); the
        case stays open. False when it is closed already. A second press by the same
        person within DOUBLE_PRESS_SECONDS is one attempt: a double tap, not a redial."""
        with self.atomic():
            if (
                call is None
                and user_id is not None
                and self._pressed_just_now(case_id, user_id, now)
            ):
                case = self.get_case(case_id)
                return case is not None and case.is_open
            rows = self.conn.execute(
                "UPDATE cases SET version = version + 1 WHERE id = ? AND status = 'open'"
                " RETURNING silent",
                [case_id],
            ).fetchall()
            if not rows:
                return False
            at = call.started_at if call is not None else now
            self._event(
                case_id,
                at,
                EventKind.CALLBACK_FAILED,
                ActorKind.PBX if call is not None else ActorKind.USER,
                actor_id=user_id,
                actor_name=user_name,
                extension=call.extension if call is not None else None,
                call=call,
            )
            self._enqueue(case_id, OutboxKind.UPDATE, now, bool(rows[0][0]))
        return True

    def _pressed_just_now(self, case_id: int, user_id: int, now: datetime) -> bool:
        since = to_text(now - timedelta(seconds=DOUBLE_PRESS_SECONDS))
        row = self._one(
            "SELECT 1 FROM case_events WHERE case_id = ? AND kind = ? AND actor_id = ?"
            " AND at >= ? LIMIT 1",
            [case_id, EventKind.CALLBACK_FAILED, user_id, since],
        )
        return row is not None

    def _change_by_user(
        self,
        case_id: int,
        update: str,
        params: list[Any],
        kind: EventKind,
        *,
        user_id: int,
        user_name: str,
        now: datetime,
    ) -> CloseResult:
        """A conditional UPDATE by a person, its event and its outbox row, or nothing."""
        with self.transaction():
            cursor = self.conn.execute(update, params)
            case = self.get_case(case_id)
            if cursor.rowcount == 0 or case is None:
                return CloseResult(False, case)
            self._event(case_id, now, kind, ActorKind.USER, actor_id=user_id, actor_name=user_name)
            self._enqueue(case_id, OutboxKind.UPDATE, now, case.silent)
        return CloseResult(True, case)

    def expire_silent_cases(self, now: datetime) -> int:
        """Close stale cases that came from history and were never posted.

        Nobody was told of them, so nobody will close them; left open they would count as
        "still open" for ever. Cases that were posted stay open until a person acts.
        """
        with self.transaction():
            ids = [
                row[0]
                for row in self.conn.execute(
                    "SELECT id FROM cases WHERE status = 'open' AND silent = 1"
                ).fetchall()
            ]
            for case_id in ids:
                self.conn.execute(
                    "UPDATE cases SET status = 'closed', closed_at = ?, closed_how = ?,"
                    " version = version + 1 WHERE id = ?",
                    [to_text(now), ClosedHow.EXPIRY, case_id],
                )
                self._event(case_id, now, EventKind.EXPIRED, ActorKind.SYSTEM)
        return len(ids)

    def _event(
        self,
        case_id: int,
        at: datetime,
        kind: str,
        actor_kind: str,
        *,
        actor_id: int | None = None,
        actor_name: str | None = None,
        extension: str | None = None,
        call: Call | None = None,
        note: str | None = None,
    ) -> None:
        self._noted.append(case_log.Noted(case_id, kind, actor_kind, extension))
        self.conn.execute(
            _INSERT_EVENT,
            [
                case_id,
                to_text(at),
                kind,
                actor_kind,
                actor_id,
                actor_name,
                extension,
                call.fingerprint if call else None,
                call.duration if call else None,
                note,
            ],
        )

    # -- outbox -------------------------------------------------------------------------

    def _enqueue(
        self, case_id: int, kind: str, now: datetime, silent: bool, due: datetime | None = None
    ) -> None:
        """Queue a change for the chats; ``due`` holds it (and the case's later changes,
        delivered with it) until then."""
        if silent:
            return
        self.conn.execute(
            "INSERT INTO outbox (case_id, kind, created_at, next_try_at, attempts)"
            " VALUES (?, ?, ?, ?, 0)",
            [case_id, kind, to_text(now), to_text(due or now)],
        )

    def give_chats(self, chats: Mapping[str, int], now: datetime) -> dict[str, int]:
        """Open cases opened while their department had no chat, given the chat it has now
        and queued to be posted: the order `run` first, chat ids next (README) must not
        leave them in /missed alone. How many per department."""
        given: dict[str, int] = {}
        with self.transaction():
            rows = self.conn.execute(
                "SELECT id, department FROM cases WHERE status = 'open' AND chat IS NULL"
                " AND silent = 0 AND id NOT IN (SELECT case_id FROM case_messages) ORDER BY id"
            ).fetchall()
            for case_id, department in rows:
                chat = chats.get(department)
                if chat is None:
                    continue
                self.conn.execute(
                    "UPDATE cases SET chat = ?, version = version + 1 WHERE id = ?", [chat, case_id]
                )
                self._enqueue(case_id, OutboxKind.NEW, now, False)
                given[department] = given.get(department, 0) + 1
        return given

    def outbox_due(self, now: datetime, limit: int = 50) -> list[OutboxBatch]:
        """Undelivered changes grouped per case, oldest first, whose retry time has come."""
        rows = self.conn.execute(
            "SELECT o.case_id, min(o.id), max(o.id), max(o.attempts), group_concat(o.kind),"
            " max(o.next_try_at), c.chat FROM outbox o LEFT JOIN cases c ON c.id = o.case_id"
            " WHERE o.done_at IS NULL GROUP BY o.case_id"
            " HAVING max(o.next_try_at) <= ? ORDER BY min(o.id) LIMIT ?",
            [to_text(now), limit],
        ).fetchall()
        return [
            OutboxBatch(
                case_id=row[0],
                first_id=row[1],
                last_id=row[2],
                attempts=row[3],
                kinds=frozenset(row[4].split(",")),
                chat=row[6],
            )
            for row in rows
        ]

    def outbox_resume(self, now: datetime) -> int:
        """Telegram is back: changes waiting out a network backoff are due now (a change
        held for later, e.g. until the office opens, keeps its time)."""
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE outbox SET next_try_at = ? WHERE done_at IS NULL"
                " AND last_error LIKE 'network:%' AND next_try_at > ?",
                [to_text(now), to_text(now)],
            )
        return cursor.rowcount

    def outbox_retry_chats_now(self, chats: Iterable[int], now: datetime) -> int:
        """The bot may post in these chats again (added back, its rights restored): their
        changes waiting out a refusal's backoff are due now (a change held for later, e.g.
        until the office opens, or a flood wait keeps its time)."""
        ids = sorted(set(chats))
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)
        with self.transaction():
            cursor = self.conn.execute(
                "UPDATE outbox SET next_try_at = ? WHERE done_at IS NULL AND next_try_at > ?"
                " AND last_error IS NOT NULL AND last_error NOT LIKE '429%'"
                f" AND case_id IN (SELECT id FROM cases WHERE chat IN ({marks}))",
                [to_text(now), to_text(now), *ids],
            )
        return cursor.rowcount

    def outbox_pending_count(self) -> int:
        row = self._one("SELECT count(*) FROM outbox WHERE done_at IS NULL")
        return int(row[0]) if row else 0

    def outbox_waits(self) -> list[OutboxWait]:
        """Per chat and department, the changes tried and not delivered yet (a chat that
        refuses the bot, Telegram unreachable): what ``perezvon check`` tells the admin."""
        rows = self.conn.execute(
            "SELECT c.chat, c.department, count(DISTINCT o.case_id), min(o.created_at),"
            " (SELECT w.last_error FROM outbox w JOIN cases wc ON wc.id = w.case_id"
            "  WHERE w.done_at IS NULL AND w.last_error IS NOT NULL AND wc.chat IS c.chat"
            "  AND wc.department = c.department ORDER BY w.id DESC LIMIT 1)"
            " FROM outbox o JOIN cases c ON c.id = o.case_id"
            " WHERE o.done_at IS NULL AND o.attempts > 0 AND o.last_error IS NOT NULL"
            " GROUP BY c.chat, c.department ORDER BY min(o.created_at)"
        ).fetchall()
        return [
            OutboxWait(row[0], row[1], int(row[2]), from_text(row[3]), str(row[4] or ""))
            for row in rows
        ]

    def outbox_done(self, batch: OutboxBatch, now: datetime) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE outbox SET done_at = ? WHERE case_id = ? AND id <= ? AND done_at IS NULL",
                [to_text(now), batch.case_id, batch.last_id],
            )

    def outbox_retry(self, batch: OutboxBatch, *, error: str, next_try_at: datetime) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_try_at = ?"
                " WHERE case_id = ? AND id <= ? AND done_at IS NULL",
                [error[:500], to_text(next_try_at), batch.case_id, batch.last_id],
            )

    # -- Telegram messages of cases (the bot's; stored here so restarts keep them) -------

    def case_message(self, case_id: int) -> tuple[int, int] | None:
        row = self._one(
            "SELECT chat_id, message_id FROM case_messages WHERE case_id = ?", [case_id]
        )
        return (int(row[0]), int(row[1])) if row else None

    def posted_times(self, case_ids: Iterable[int]) -> dict[int, datetime]:
        """When the card of each of these cases was posted (the ones posted)."""
        sql = "SELECT case_id, posted_at FROM case_messages WHERE case_id IN ({})"
        rows = self._rows_in(sql, sorted(set(case_ids)))
        return {int(row[0]): from_text(row[1]) for row in rows if row[1]}

    def set_case_message(self, case_id: int, chat_id: int, message_id: int, now: datetime) -> None:
        with self.transaction():
            self.db.table("case_messages").upsert(
                {
                    "case_id": case_id,
                    "chat_id": chat_id,
                    "message_id": message_id,
                    "posted_at": to_text(now),
                },
                pk="case_id",
            )

    def record_unconfirmed_post(self, case_id: int, chat_id: int, now: datetime, error: str) -> int:
        """A post Telegram may have applied though its answer was lost; how many so far."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO unconfirmed_posts (case_id, chat_id, sent_at, error)"
                " VALUES (?, ?, ?, ?)",
                [case_id, chat_id, to_text(now), error[:500]],
            )
        return self.unconfirmed_post_count(case_id)

    def unconfirmed_post_count(self, case_id: int) -> int:
        row = self._one("SELECT count(*) FROM unconfirmed_posts WHERE case_id = ?", [case_id])
        return int(row[0]) if row else 0

    def newest_unconfirmed_post(self, case_id: int) -> int | None:
        """The id of the case's latest unconfirmed post, for its answer if one comes late."""
        row = self._one("SELECT max(id) FROM unconfirmed_posts WHERE case_id = ?", [case_id])
        return int(row[0]) if row and row[0] is not None else None

    def record_late_answer(
        self, post_id: int, chat_id: int, message_id: int, now: datetime
    ) -> bool:
        """The late answer to an unconfirmed post names its message. It becomes the case's
        message if the case has none yet (no re-send then); otherwise it is a duplicate,
        queued for deletion. True when it is a duplicate."""
        row = self._one(
            "SELECT u.case_id, c.silent FROM unconfirmed_posts u JOIN cases c ON c.id = u.case_id"
            " WHERE u.id = ?",
            [post_id],
        )
        if row is None:
            return False
        case_id = int(row[0])
        with self.transaction():
            self.conn.execute(
                "UPDATE unconfirmed_posts SET message_id = ?, chat_id = ? WHERE id = ?",
                [message_id, chat_id, post_id],
            )
            stored = self.case_message(case_id)
            if stored == (chat_id, message_id):
                return False
            if stored is None:
                self.set_case_message(case_id, chat_id, message_id, now)  # joins this one
            # An edit: to bring that message up to date with what happened while its
            # answer was late, or to delete the duplicate.
            self._enqueue(case_id, OutboxKind.UPDATE, now, bool(row[1]))
        return stored is not None

    def forget_unconfirmed_post(self, post_id: int) -> None:
        """A post counted as unconfirmed surely never reached the chat (it ended in a
        refusal, not a lost answer): it must not count toward the re-send limit."""
        with self.transaction():
            self.conn.execute("DELETE FROM unconfirmed_posts WHERE id = ?", [post_id])

    def forget_case_message(self, case_id: int) -> None:
        """The case's message is gone from the chat: the next post becomes its message,
        and a late answer to it is no duplicate of the gone one."""
        with self.transaction():
            self.conn.execute("DELETE FROM case_messages WHERE case_id = ?", [case_id])

    def duplicates(self, case_id: int) -> list[tuple[int, int, int]]:
        """(post id, chat, message) of the case's posts that reached the chat besides its
        message and are still there: copies a lost answer made."""
        own = self.case_message(case_id)
        rows = self.conn.execute(
            "SELECT id, chat_id, message_id FROM unconfirmed_posts WHERE case_id = ?"
            " AND message_id IS NOT NULL AND removed_at IS NULL ORDER BY id",
            [case_id],
        ).fetchall()
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows if (int(r[1]), int(r[2])) != own]

    def duplicate_removed(self, post_id: int, now: datetime) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE unconfirmed_posts SET removed_at = ? WHERE id = ?", [to_text(now), post_id]
            )

    # -- reminders, escalations and copies of a case's message ----------------------------

    def waiting_cases(self) -> list[Case]:
        """Open, posted-or-to-be-posted cases still owed a reminder or an escalation."""
        rows = self._dicts(
            "SELECT * FROM cases WHERE status = 'open' AND silent = 0"
            " AND (reminded_at IS NULL OR escalated_at IS NULL) ORDER BY id"
        )
        return [_case(row) for row in rows]

    def mark_due(self, case_id: int, kind: OutboxKind, now: datetime) -> bool:
        """Record a reminder or escalation and queue it, once per case; False if done."""
        column, event = {
            OutboxKind.REMIND: ("reminded_at", EventKind.REMINDED),
            OutboxKind.ESCALATE: ("escalated_at", EventKind.ESCALATED),
        }[kind]
        with self.transaction():
            rows = self.conn.execute(
                f"UPDATE cases SET {column} = ? WHERE id = ? AND status = 'open'"
                f" AND {column} IS NULL RETURNING silent",
                [to_text(now), case_id],
            ).fetchall()
            if not rows:
                return False
            self._event(case_id, now, event, ActorKind.SYSTEM)
            self._enqueue(case_id, kind, now, bool(rows[0][0]))
        return True

    def add_reminder(self, case_id: int, chat_id: int, message_id: int, now: datetime) -> None:
        """Keep a reminder sent for the case, beside those sent before: a repeat call
        brings a new one days later, and the earlier one must say so when the case closes
        too (an operator scrolling up reads it as well)."""
        self.set_case_copy(case_id, f"{_REMINDER}{message_id}", chat_id, message_id, now)

    def reminders_of(self, case_id: int) -> list[tuple[int, int]]:
        """(chat, message) of each reminder sent for the case, the oldest first. A ledger
        written before several were kept holds the latest one under the plain kind."""
        return [
            (int(r[0]), int(r[1]))
            for r in self.conn.execute(
                f"SELECT chat_id, message_id FROM case_copies WHERE case_id = ?"
                f" AND {_IS_REMINDER} ORDER BY posted_at, rowid",
                [case_id],
            )
        ]

    def reminders_closed_since_sent(self, case_id: int) -> set[tuple[int, int]]:
        """The case's reminders sent before a person closed it: an earlier run edited
        those to say so, and only this ledger remembers that after a restart."""
        return {
            (int(r[0]), int(r[1]))
            for r in self.conn.execute(
                f"SELECT chat_id, message_id FROM case_copies c WHERE case_id = ?"
                f" AND {_IS_REMINDER} AND EXISTS (SELECT 1 FROM case_events e"
                " WHERE e.case_id = c.case_id AND e.kind IN (?, ?) AND e.at >= c.posted_at)",
                [case_id, EventKind.CLOSED, EventKind.NOT_NEEDED],
            )
        }

    def case_copy(self, case_id: int, kind: str) -> tuple[int, int] | None:
        row = self._one(
            "SELECT chat_id, message_id FROM case_copies WHERE case_id = ? AND kind = ?",
            [case_id, kind],
        )
        return (int(row[0]), int(row[1])) if row else None

    def set_case_copy(
        self, case_id: int, kind: str, chat_id: int, message_id: int, now: datetime
    ) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO case_copies (case_id, kind, chat_id, message_id,"
                " posted_at) VALUES (?, ?, ?, ?, ?)",
                [case_id, kind, chat_id, message_id, to_text(now)],
            )

    def case_messages_of(self, case_id: int) -> set[tuple[int, int]]:
        """Every message that shows the case with its buttons: its own and its copies
        (not its reminder, a plain reply)."""
        found = {
            (int(r[0]), int(r[1]))
            for r in self.conn.execute(
                f"SELECT chat_id, message_id FROM case_copies WHERE case_id = ?"
                f" AND NOT {_IS_REMINDER}",
                [case_id],
            )
        }
        own = self.case_message(case_id)
        if own is not None:
            found.add(own)
        found.update((chat, message) for _, chat, message in self.duplicates(case_id))
        return found

    # -- departments the config no longer names -------------------------------------------

    def stored_departments(self) -> list[tuple[str, int | None, int]]:
        """(department, the chat of its newest case, its open cases) for every department
        name the ledger's cases carry."""
        rows = self.conn.execute(
            "SELECT department, (SELECT chat FROM cases AS newest WHERE newest.department ="
            " cases.department ORDER BY newest.id DESC LIMIT 1),"
            " count(*) FILTER (WHERE status = 'open') FROM cases GROUP BY department"
        ).fetchall()
        return [(str(r[0]), r[1], int(r[2])) for r in rows if r[0] is not None]

    def move_department(self, old: str, new: str, now: datetime) -> int:
        """Every case of ``old`` is ``new``'s from now on (the admin renamed it): repeat
        calls join its open cases and its figures carry on; the cards of the open ones are
        queued for an edit to show the new name. How many open cases moved."""
        with self.transaction():
            rows = self.conn.execute(
                "SELECT id, silent, id IN (SELECT case_id FROM case_messages) FROM cases"
                " WHERE department = ? AND status = 'open'",
                [old],
            ).fetchall()
            self.conn.execute(
                "UPDATE cases SET department = ?, version = version + 1 WHERE department = ?",
                [new, old],
            )
            self.conn.execute(
                "UPDATE OR IGNORE digests SET department = ? WHERE department = ?", [new, old]
            )
            self.conn.execute("DELETE FROM digests WHERE department = ?", [old])
            for case_id, silent, posted in rows:
                if posted:
                    self._enqueue(case_id, OutboxKind.UPDATE, now, bool(silent))
        return len(rows)

    # -- the after-hours digest ---------------------------------------------------------

    def digest_posted(self, department: str, held_until: datetime) -> bool:
        row = self._one(
            "SELECT 1 FROM digests WHERE department = ? AND held_until = ?",
            [department, to_text(held_until)],
        )
        return row is not None

    def held_count(self, department: str, held_until: datetime) -> tuple[int, int]:
        """How many of the department's cases wait for this opening, and how many of them
        were closed meanwhile (the header says both: their cards follow it). A leg of an
        answered call is neither: it is never posted."""
        row = self._one(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'open') FROM cases"
            " WHERE department = ? AND held_until = ? AND silent = 0"
            " AND coalesce(closed_how, '') <> ?",
            [department, to_text(held_until), ClosedHow.LEG],
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def set_digest(
        self, department: str, held_until: datetime, chat_id: int, message_id: int, now: datetime
    ) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO digests (department, held_until, chat_id, message_id,"
                " posted_at) VALUES (?, ?, ?, ?, ?)",
                [department, to_text(held_until), chat_id, message_id, to_text(now)],
            )

    # -- people: the names the bot saw, and extensions linked to users ----------------------

    def saw_user(self, user_id: int, name: str, now: datetime) -> None:
        """Remember the name Telegram last showed for ``user_id`` (cards show that one).
        Read first: every update names its user, and an unchanged name must not wait for
        the write lock (the watcher or an import may hold it)."""
        if self.user_name(user_id) == name:
            return
        with self.transaction():
            self.conn.execute(
                "INSERT INTO users (user_id, name, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
                " seen_at = excluded.seen_at WHERE users.name IS NOT excluded.name",
                [user_id, name, to_text(now)],
            )

    def user_name(self, user_id: int) -> str | None:
        row = self._one("SELECT name FROM users WHERE user_id = ?", [user_id])
        return str(row[0]) if row and row[0] else None

    def link_operator(self, extension: str, user_id: int, *, by: int, now: datetime) -> None:
        """``/me 201``: the extension belongs to ``user_id`` from now on."""
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO operators (extension, user_id, linked_by, linked_at)"
                " VALUES (?, ?, ?, ?)",
                [extension, user_id, by, to_text(now)],
            )

    def operator_links(self) -> dict[str, int]:
        """Extension -> user id, as linked with /me (the config's [operators] come first)."""
        rows = self.conn.execute("SELECT extension, user_id FROM operators").fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def operator_names(self, configured: Iterable[tuple[str, int]] = ()) -> dict[str, str]:
        """Extension -> the operator's name, for every extension whose user the bot has seen."""
        return operator_names(self.conn, configured)

    # -- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", [key])
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.table("meta").upsert({"key": key, "value": value}, pk="key")

    def chat_moves(self) -> dict[int, int]:
        """Chats Telegram said became supergroups: old id -> new id, remembered so a
        restart keeps posting (and taking presses) there until the config says so."""
        rows = self.conn.execute(
            "SELECT key, value FROM meta WHERE key LIKE ?", [f"{_CHAT_MOVE}%"]
        ).fetchall()
        return {int(key.removeprefix(_CHAT_MOVE)): int(value) for key, value in rows}

    def record_chat_move(self, old: int, new: int) -> None:
        self.set_meta(f"{_CHAT_MOVE}{old}", str(new))


_CHAT_MOVE = "chat_moved:"
# Another open, posted case of the same number in the same department as ``cases``' row.
_NEWER_OPEN = (
    "SELECT 1 FROM cases AS other WHERE other.status = 'open' AND other.silent = 0"
    " AND other.remote = cases.remote AND other.department = cases.department"
    " AND other.id <> cases.id"
)


_REMOTE = CALLS.names.index("remote")
_STARTED = CALLS.names.index("started_at")
_DIRECTION = CALLS.names.index("direction")


# A case's reminders in case_copies: one row each, kind "remind:<message id>" (and the
# plain kind "remind" of a ledger that kept only the latest).
_REMINDER = f"{OutboxKind.REMIND}:"
_IS_REMINDER = f"(kind = '{OutboxKind.REMIND}' OR kind LIKE '{_REMINDER}%')"


def _distinct(calls: Iterable[Call]) -> list[Call]:
    """The first call of each fingerprint (a file may hold one row twice)."""
    seen: set[str] = set()
    fresh: list[Call] = []
    for call in calls:
        if call.fingerprint not in seen:
            seen.add(call.fingerprint)
            fresh.append(call)
    return fresh


def _first_calls_of_rows(rows: Iterable[Sequence[Any]]) -> list[tuple[str, str, str | None]]:
    """(number, first call, first incoming call) of each number among the insert's stored
    values, whose times are text already (formatting each call's time again cost a tenth
    of a history import's inserts)."""
    firsts: dict[str, tuple[str, str | None]] = {}
    incoming = Direction.IN
    for row in rows:
        remote = row[_REMOTE]
        if not remote:
            continue
        at = row[_STARTED]
        known = firsts.get(remote)
        if known is None:
            firsts[remote] = (at, at if row[_DIRECTION] == incoming else None)
            continue
        first, first_in = known
        if row[_DIRECTION] == incoming and (first_in is None or at < first_in):
            first_in = at
        firsts[remote] = (min(first, at), first_in)
    return [(remote, first, first_in) for remote, (first, first_in) in firsts.items()]


def _call(row: dict[str, Any]) -> Call:
    return CALLS.build(row)


def _case(row: dict[str, Any]) -> Case:
    return CASES.build(row)
