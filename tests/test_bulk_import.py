"""A bulk import leaves exactly the ledger the row-by-row path left.

The fast paths of a large ``scan(history=True)`` (field texts decoded once per chunk,
calls that cannot touch a case passed over, the figure indexes built after the load,
each batch inserted without a look-up of its fingerprints, and into an empty ledger the
case rules deciding against an in-memory case book)
must change nothing but the time: the same generated Calls.dbf is imported both ways
and every table is compared row for row.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EMPLOYEE, PhoneRows
from watcher import ingest, queries, schema
from watcher.cases import CaseRules
from watcher.config import Config
from watcher.dbf_reader import READ_CHUNK, RecordDecoder, read_layout, read_records
from watcher.import_book import ImportBook
from watcher.ingest import Ingestor, ScanResult
from watcher.ledger import BULK_ALIVE_SECONDS, Ledger
from watcher.models import Call
from watcher.normalise import RowError, to_call
from watcher.sim.wintariff import CallsDbfWriter, make_row

START = dt.datetime(2024, 3, 4, 8, 30)  # a Monday
ROWS = 6000


def _traffic(rng: random.Random) -> Iterator[dict[str, object]]:
    """Missed group calls (some repeated, some answered on another leg), callbacks that
    get through, fall short or go unanswered, customers who get through later, internal
    and staff calls, day and night."""
    phone_rows = PhoneRows()
    customers = [f"8916{rng.randrange(10**7):07d}" for _ in range(400)]
    missed: list[str] = []
    when = START
    for _ in range(ROWS):
        when += dt.timedelta(seconds=rng.randint(5, 900))
        kind = rng.random()
        line = rng.choice(("01", "02", "05"))
        if kind < 0.25:
            caller = rng.choice(missed) if missed and rng.random() < 0.3 else rng.choice(customers)
            missed.append(caller)
            group = rng.choice(("620", "630", "777"))
            row = phone_rows.missed(when, caller, ext=group, co=line, ring=rng.randint(0, 40))
            yield row
            if rng.random() < 0.05:  # a colleague took it on another leg
                yield phone_rows.answered_in(when + dt.timedelta(seconds=2), caller, ext="201")
        elif kind < 0.45 and missed:
            number = "8" + rng.choice(missed)[-10:]
            talk = rng.choice((0, 3, 60))
            yield make_row(
                when=when, duration=talk, extension=rng.choice(("201", "301")), number=number,
                co=line, calltype="C", ring=rng.randint(3, 30),
            )  # fmt: skip
        elif kind < 0.60:
            caller = rng.choice(missed) if missed and rng.random() < 0.3 else rng.choice(customers)
            yield phone_rows.answered_in(when, caller, seconds=rng.randint(1, 300), co=line)
        elif kind < 0.65:
            yield phone_rows.answered_in(when, EMPLOYEE, co=line)
        else:
            yield make_row(
                when=when, duration=rng.randint(3, 300), extension="202",
                number=f"internal-{rng.randint(201, 209)}", co="", calltype="N",
            )  # fmt: skip


def _write(
    path: Path, *, repeats: bool = False, seed: int = 7, shuffled: bool = False
) -> dt.datetime:
    """The generated file, with deleted and unreadable rows; the import's clock.
    ``repeats``: some rows again in later read chunks (the same call twice);
    ``shuffled``: rows out of time order here and there, across read chunks too."""
    writer = CallsDbfWriter.create(path)
    rows = list(_traffic(random.Random(seed)))
    if shuffled:
        rng = random.Random(seed + 1)
        for _ in range(len(rows) // 10):
            a = rng.randrange(len(rows) - 60)
            b = a + rng.randint(1, 60)
            rows[a], rows[b] = rows[b], rows[a]
    if repeats:
        for index in range(100, 1900, 250):
            rows[index + 2 * READ_CHUNK] = rows[index + READ_CHUNK] = rows[index]
    for index in range(5, len(rows), 701):
        rows[index] = {**rows[index], "DATE": b"20241340"}
    for index in range(6, len(rows), 907):
        rows[index] = {**rows[index], "ITIME": b"    ab"}
    writer.append_many(rows)
    for index in range(3, len(rows), 499):
        writer.delete(index)
    with open(path, "r+b") as handle:
        for index in range(11, len(rows), 1303):
            handle.seek(writer.header_len + index * writer.record_len)
            handle.write(b"#")
    return START + dt.timedelta(seconds=len(rows) * 900, days=1)


def _dump(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        dump = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
        dump["indexes"] = sorted(
            str(row[0]) for row in conn.execute("SELECT sql FROM sqlite_master WHERE type='index'")
        )
    finally:
        conn.close()
    return dump


def _summary(result: ScanResult) -> tuple[Any, ...]:
    return (
        result.records_read,
        result.new_calls,
        result.bad_rows,
        result.pending,
        result.cases,
        result.warnings,
    )


def _row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path before the bulk import: every record decoded on its own, every call
    planned, the figure indexes kept up row by row."""
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 10**9)
    monkeypatch.setattr(CaseRules, "_inert", lambda self, call: False)
    monkeypatch.setattr(
        RecordDecoder, "decode_many", lambda self, raws: [self.decode(r) for r in raws]
    )


def _import(config: Config, database: Path, now: dt.datetime) -> ScanResult:
    with Ledger(database) as ledger:
        return Ingestor(config, ledger, clock=lambda: now, alone=True).scan(history=True)


@pytest.fixture
def office(phone_config: Any) -> tuple[Config, dt.datetime]:
    config = phone_config()
    return config, _write(config.source.path)


@pytest.mark.parametrize(
    ("seed", "shuffled"), [(7, False), (11, True), (23, True)], ids=["in order", "a", "b"]
)
def test_bulk_import_leaves_the_same_ledger_as_row_by_row(
    tmp_path: Path,
    phone_config: Any,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    shuffled: bool,
) -> None:
    """Into an empty ledger the rules decide against the import's case book, in memory
    (watcher/import_book.py); row by row they read and write the ledger."""
    config = phone_config()
    now = _write(config.source.path, seed=seed, shuffled=shuffled)
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 1000)
    booked = []
    real_apply = ImportBook.apply

    def counted(self: ImportBook, *args: Any) -> Any:
        booked.append(1)
        return real_apply(self, *args)

    with monkeypatch.context() as patch:
        patch.setattr(ImportBook, "apply", counted)
        bulk = _import(config, tmp_path / "bulk.db", now)
    assert len(booked) > 1000  # every plan went to the book
    with monkeypatch.context() as patch:
        _row_by_row(patch)
        patch.setattr(ImportBook, "apply", None)  # never used row by row
        plain = _import(config, tmp_path / "plain.db", now)
    assert bulk.cases.opened > 500 and bulk.cases.closed > 300 and bulk.cases.legs > 10
    assert bulk.cases.merged > 50 and bulk.cases.attempts > 50 and bulk.bad_rows > 10
    assert _summary(bulk) == _summary(plain)
    assert _dump(tmp_path / "bulk.db") == _dump(tmp_path / "plain.db")


def test_an_import_runs_the_cycle_collector_less_often_and_puts_it_back(
    tmp_path: Path, phone_config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its book's objects are walked by every collection: a 1M import spent 3.2 s there."""
    config = phone_config()
    now = _write(config.source.path)
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 1000)
    before = gc.get_threshold()
    seen: list[int] = []
    real_store = Ingestor._store

    def store(self: Ingestor, *args: Any, **kwargs: Any) -> bool:
        seen.append(gc.get_threshold()[0])
        if len(seen) == 3 and kwargs.get("book") is None:
            raise AssertionError("the book was not used")
        return real_store(self, *args, **kwargs)

    monkeypatch.setattr(Ingestor, "_store", store)
    _import(config, tmp_path / "a.db", now)
    assert seen and set(seen) == {ingest.GC_THRESHOLD_IMPORT}
    assert gc.get_threshold() == before

    def failing(self: Ingestor, *args: Any, **kwargs: Any) -> bool:
        raise OSError("disk full")

    monkeypatch.setattr(Ingestor, "_store", failing)
    with pytest.raises(OSError):
        _import(config, tmp_path / "b.db", now)
    assert gc.get_threshold() == before


def test_an_import_cut_short_gets_its_indexes_back_and_ends_the_same(
    tmp_path: Path, office: tuple[Config, dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, now = office
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 1000)
    monkeypatch.setattr(ingest, "ALONE_COMMIT_SECONDS", 0.0)  # each chunk durable on its own
    _import(config, tmp_path / "whole.db", now)
    stores = 0
    real_store = Ingestor._store

    def failing_store(self: Ingestor, *args: Any, **kwargs: Any) -> bool:
        nonlocal stores
        stores += 1
        if stores == 2:
            raise OSError("power cut")
        return real_store(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Ingestor, "_store", failing_store)
        with pytest.raises(OSError):
            _import(config, tmp_path / "cut.db", now)
    names = {schema.index_name(s) for s in schema.BOOK_DEFERRED_INDEXES}
    conn = sqlite3.connect(tmp_path / "cut.db")
    try:
        left = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert not names & left  # the import had dropped them and did not get to the end
    with Ledger(tmp_path / "cut.db") as ledger:
        present = {row[0] for row in ledger.conn.execute("SELECT name FROM sqlite_master")}
        assert not names & present  # an opener (a `perezvon stats` meanwhile) builds none
        assert 0 < ledger.call_count() < ROWS
        assert {"idx_calls_line", "idx_calls_time"} <= present  # kept: figures meanwhile
        meanwhile = _why(ledger)  # /stats between the cut and the next pass
        assert meanwhile.top_missed  # the numbers missed most often, without their index
        # The watcher's next pass: not while the import could still be at work (one of an
        # archive beside `run` says so at its commits), only once it has been silent.
        assert ledger.restore_deferred_indexes() == 0
        silent = time.time() + BULK_ALIVE_SECONDS
        assert ledger.restore_deferred_indexes(now=silent) == len(names)
        assert ledger.restore_deferred_indexes(now=silent) == 0
        assert _why(ledger) == meanwhile
    _import(config, tmp_path / "cut.db", now)  # the restart reads on from the cursor
    assert _dump(tmp_path / "cut.db") == _dump(tmp_path / "whole.db")


def _why(ledger: Ledger) -> queries.WhyFigures:
    return queries.why_figures(
        ledger.conn, START, START + dt.timedelta(days=400), target_seconds=20, top=5
    )


def _stored_before(config: Config, database: Path, indexes: range) -> None:
    """Calls of the file at ``indexes`` stored in the ledger before the import."""
    layout = read_layout(config.source.path)
    calls = []
    for record in read_records(layout, indexes.start, indexes.stop, RecordDecoder(layout)):
        if record.index in indexes and record.valid and not record.deleted:
            try:
                calls.append(to_call(record.index, record.values))
            except RowError:
                continue
    with Ledger(database) as ledger:
        ledger.insert_calls(calls, source="earlier")


@pytest.mark.parametrize("stored_before", [False, True], ids=["repeated rows", "stored calls"])
def test_bulk_import_inserts_first_and_still_skips_known_calls(
    tmp_path: Path,
    phone_config: Any,
    monkeypatch: pytest.MonkeyPatch,
    stored_before: bool,
) -> None:
    """The bulk path inserts each batch without looking anything up first; a batch holding
    calls stored already (by an earlier chunk, or before the import) gives the rules only
    its new ones, with the same ledger in the end."""
    config = phone_config()
    now = _write(config.source.path, repeats=not stored_before)
    if stored_before:
        for name in ("bulk.db", "plain.db"):
            _stored_before(config, tmp_path / name, range(2500, 3500, 3))
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 1000)
    batches: list[tuple[int, int]] = []  # (distinct calls given, calls new)
    real_store = Ledger.store_new_calls

    def spy(self: Ledger, calls: list[Call], source: str = "", **kwargs: Any) -> list[Call]:
        fresh = real_store(self, calls, source, **kwargs)
        batches.append((len({c.fingerprint for c in calls}), len(fresh)))
        return fresh

    with monkeypatch.context() as patch:
        patch.setattr(Ledger, "store_new_calls", spy)
        bulk = _import(config, tmp_path / "bulk.db", now)
    assert batches[0][0] == batches[0][1]  # the first chunk: all new
    assert any(given > new for given, new in batches)  # a later one met stored calls
    with monkeypatch.context() as patch:
        _row_by_row(patch)
        plain = _import(config, tmp_path / "plain.db", now)
    deleted = len(range(3, bulk.records_read, 499))
    assert bulk.records_read - bulk.bad_rows - deleted - bulk.new_calls >= 10  # known, skipped
    assert _summary(bulk) == _summary(plain)
    assert _dump(tmp_path / "bulk.db") == _dump(tmp_path / "plain.db")


def test_callers_from_stored_values_match_a_fold_of_the_stored_calls(
    tmp_path: Path, office: tuple[Config, dt.datetime]
) -> None:
    """insert_calls folds each batch into ``callers`` from the values it stores, in
    whatever order batches come; that is what the migration's one pass over the stored
    calls (schema.CALLERS_FROM_CALLS) gives."""
    config, _ = office
    layout = read_layout(config.source.path)
    calls = []
    for record in read_records(layout, 0, layout.complete_count, RecordDecoder(layout)):
        if record.valid and not record.deleted:
            try:
                calls.append(to_call(record.index, record.values))
            except RowError:
                continue
    random.Random(7).shuffle(calls)  # any order: the tail first, history later, re-reads
    with Ledger(tmp_path / "l.db") as ledger:
        for start in range(0, len(calls), 700):
            ledger.insert_calls(calls[start : start + 700])
        folded = ledger.conn.execute("SELECT * FROM callers ORDER BY remote").fetchall()
        ledger.conn.execute("DELETE FROM callers")
        ledger.conn.execute(schema.CALLERS_FROM_CALLS)
        assert ledger.conn.execute("SELECT * FROM callers ORDER BY remote").fetchall() == folded
    assert len(folded) > 300


def test_an_import_alone_commits_less_often_and_ends_the_same(
    tmp_path: Path, office: tuple[Config, dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Next to a running `run` an import commits every COMMIT_CHUNKS chunks (the bot's
    writes wait at most that long); holding the ledger alone, every ALONE_COMMIT_SECONDS.
    The ledger is the same either way."""
    config, now = office
    monkeypatch.setattr(ingest, "COMMIT_CHUNKS", 1)
    monkeypatch.setattr(ingest, "ALONE_COMMIT_SECONDS", 3600.0)
    commits: dict[bool, int] = {}
    for alone in (False, True):
        with Ledger(tmp_path / f"alone-{alone}.db") as ledger:
            statements: list[str] = []
            ledger.conn.set_trace_callback(statements.append)
            Ingestor(config, ledger, clock=lambda: now, alone=alone).scan(history=True)
            ledger.conn.set_trace_callback(None)
        commits[alone] = statements.count("COMMIT")
    chunks = -(-read_layout(config.source.path).complete_count // READ_CHUNK)
    assert chunks >= 3
    assert commits[False] - commits[True] == chunks - 1  # one per chunk, or one for all
    assert _dump(tmp_path / "alone-False.db") == _dump(tmp_path / "alone-True.db")


def test_the_case_book_goes_on_from_ids_given_before(
    tmp_path: Path, office: tuple[Config, dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Case ids are never given twice, even after cases were deleted: an import into an
    emptied ledger goes on from the sequence, as SQLite's AUTOINCREMENT does."""
    config, now = office
    for name in ("bulk.db", "plain.db"):
        with Ledger(tmp_path / name) as ledger, ledger.transaction():
            ledger.conn.execute("INSERT INTO cases (id, remote, status) VALUES (41, 'x', 'open')")
            ledger.conn.execute("DELETE FROM cases")
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 1000)
    _import(config, tmp_path / "bulk.db", now)
    with monkeypatch.context() as patch:
        _row_by_row(patch)
        _import(config, tmp_path / "plain.db", now)
    with Ledger(tmp_path / "bulk.db") as ledger:
        assert ledger.conn.execute("SELECT min(id) FROM cases").fetchone()[0] == 42
    assert _dump(tmp_path / "bulk.db") == _dump(tmp_path / "plain.db")


def test_hour_slots_without_the_time_index_are_the_same(
    tmp_path: Path, office: tuple[Config, dt.datetime]
) -> None:
    """An import next to `run` builds idx_calls_time at the end; the hours counted
    meanwhile by one pass over the period are the ones a seek per hour gives."""
    config, now = office
    _import(config, tmp_path / "ledger.db", now)
    periods = [
        (START, START + dt.timedelta(days=40)),
        (START + dt.timedelta(minutes=17), START + dt.timedelta(days=3, minutes=41)),
    ]
    lines = [("620", "01"), ("630", "02"), ("777", "05")]
    with Ledger(tmp_path / "ledger.db") as ledger:
        conn = ledger.conn
        asked = [(a, b, w) for a, b in periods for w in (None, lines)]
        seek = [queries.hour_slots(conn, a, b, w) for a, b, w in asked]
        assert sum(slot.incoming for slot in seek[0]) > 500
        conn.execute('DROP INDEX "idx_calls_time"')
        assert [queries.hour_slots(conn, a, b, w) for a, b, w in asked] == seek


def test_an_import_next_to_run_goes_through_the_ledger(
    tmp_path: Path, office: tuple[Config, dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Next to a running `run` (not holding the ledger's lock) the bot may write between
    the import's commits: its calls would take rowids the book counts on, so the rules
    read and write the ledger itself, with the same result."""
    config, now = office
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 1000)
    monkeypatch.setattr(ImportBook, "apply", None)  # a use of the book would fail
    with Ledger(tmp_path / "beside.db") as ledger:
        beside = Ingestor(config, ledger, clock=lambda: now).scan(history=True)
    assert beside.cases.opened > 500
    monkeypatch.undo()
    monkeypatch.setattr(ingest, "BULK_IMPORT_OVER", 1000)
    alone = _import(config, tmp_path / "alone.db", now)
    assert _summary(beside) == _summary(alone)
    assert _dump(tmp_path / "beside.db") == _dump(tmp_path / "alone.db")


def test_an_import_at_work_beside_run_keeps_its_indexes_left_out(tmp_path: Path) -> None:
    """An archive imported beside `run`: the watcher's pass took the dropped indexes for
    an interrupted import's, said so, and built them under the importer's feet."""
    path = tmp_path / "ledger.db"
    with Ledger(path) as importer, Ledger(path) as watcher:
        with importer.deferred_indexes():
            assert schema.missing_deferred_indexes(watcher.conn)
            assert watcher.restore_deferred_indexes() == 0  # the import is at work
            importer.bulk_import_alive(now=time.time() + 100)  # still, 100 s on
            assert watcher.restore_deferred_indexes(now=time.time() + 150) == 0
            assert schema.missing_deferred_indexes(watcher.conn)
        assert watcher.get_meta("bulk_import_alive") is None  # done: built, and forgotten
        assert not schema.missing_deferred_indexes(watcher.conn)
