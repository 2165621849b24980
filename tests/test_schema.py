"""The ledger's schema: one source per table's columns, numbered migrations, safe commits.

``data/ledger_v0_1.sql`` is the dump of a ledger written by v0.1 (calls, an open case, a
case closed by a person with its posted message, a closed-by-callback case, outbox rows
delivered and pending, a summary mark): opening it with today's code must keep all of it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from watcher import schema
from watcher.ledger import Ledger
from watcher.models import Call, Case
from watcher.rows import Columns
from watcher.vocab import CaseStatus, ClosedHow, Direction

V0_1_DUMP = Path(__file__).parent / "data" / "ledger_v0_1.sql"
TABLES = ("calls", "cases", "case_events", "outbox", "case_messages", "source_state", "meta")
NEW_TABLES = ("unconfirmed_posts", "users", "operators", "case_copies", "digests", "legs")


def v0_1_ledger(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(V0_1_DUMP.read_text(encoding="utf-8"))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return path


def dump_rows(
    path: Path, like: dict[str, list[str]] | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the v0.1 tables, by the columns of ``like`` (a migration may add some)."""
    conn = sqlite3.connect(path)
    try:
        rows = {}
        for table in TABLES:
            names = (like or {}).get(table) or [
                r[1] for r in conn.execute(f"PRAGMA table_info({table})")
            ]
            ordered = ", ".join(sorted(names))
            rows[table] = conn.execute(f"SELECT {ordered} FROM {table} ORDER BY 1, 2").fetchall()
        return rows
    finally:
        conn.close()


def columns_of(conn: sqlite3.Connection, table: str) -> set[tuple[str, str]]:
    return {(r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({table})")}


def test_a_v0_1_ledger_opens_with_everything_kept(tmp_path: Path) -> None:
    path = v0_1_ledger(tmp_path / "perezvon.db")
    before = dump_rows(path)
    conn = sqlite3.connect(path)
    v0_1_columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    conn.close()
    assert before["calls"] and before["cases"] and before["outbox"] and before["case_messages"]
    with Ledger(path) as ledger:
        assert schema.user_version(ledger.conn) == schema.LATEST
        closed = ledger.get_case(2)
        assert closed is not None
        assert (closed.status, closed.closed_how, closed.closed_by_name) == (
            CaseStatus.CLOSED,
            ClosedHow.USER,
            "Иван Петров",
        )
        assert ledger.case_message(2) == (-1001000000001, 1001)
        assert ledger.get_meta("summary_last") == "2026-11-19"
        assert [c.remote for c in ledger.open_cases()] == ["+79165555555"]
        assert ledger.source_state("/tmp/pz/v01data/Calls.dbf") is not None
    after = dump_rows(path, v0_1_columns)
    for table in TABLES:
        if table == "meta":
            continue
        assert after[table] == before[table], table
    assert ("summary_last", "2026-11-19") in after["meta"]


def test_a_migrated_ledger_has_the_same_columns_as_a_new_one(tmp_path: Path) -> None:
    old = v0_1_ledger(tmp_path / "old.db")
    Ledger(old).close()
    Ledger(tmp_path / "new.db").close()
    migrated, fresh = sqlite3.connect(old), sqlite3.connect(tmp_path / "new.db")
    for table in TABLES + NEW_TABLES:
        assert columns_of(migrated, table) == columns_of(fresh, table), table
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    assert set(migrated.execute(indexes)) == set(fresh.execute(indexes))
    assert schema.user_version(migrated) == schema.user_version(fresh) == schema.LATEST


def test_case_ids_are_never_handed_out_again(tmp_path: Path) -> None:
    """Even the id of a deleted newest case stays used, in a migrated and a new ledger."""
    for path in (v0_1_ledger(tmp_path / "old.db"), tmp_path / "new.db"):
        with Ledger(path) as ledger:
            conn = ledger.conn
            with ledger.transaction():
                conn.execute(
                    "INSERT INTO cases (department, remote, status, first_at, last_at)"
                    " VALUES ('x', '+7', 'open', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            newest = conn.execute("SELECT max(id) FROM cases").fetchone()[0]
            with ledger.transaction():
                conn.execute("DELETE FROM cases WHERE id = ?", [newest])
            with ledger.transaction():
                conn.execute(
                    "INSERT INTO cases (department, remote, status, first_at, last_at)"
                    " VALUES ('y', '+7', 'open', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            assert conn.execute("SELECT max(id) FROM cases").fetchone()[0] == newest + 1


def test_reopening_runs_no_migration_twice(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.db"
    Ledger(path).close()
    with Ledger(path) as again:
        assert schema.pending_steps(again.conn) == []


def test_a_ledger_from_a_newer_version_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.db"
    Ledger(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    with pytest.raises(schema.SchemaError, match="newer version"):
        Ledger(path)


def test_a_field_without_its_migration_is_named(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    schema.create_latest(conn)
    conn.execute("ALTER TABLE cases DROP COLUMN closed_by_name")
    with pytest.raises(schema.SchemaError, match="closed_by_name"):
        schema.check_columns(conn)


def test_a_failed_commit_rolls_back(tmp_path: Path) -> None:
    with Ledger(tmp_path / "perezvon.db") as ledger:
        conn = ledger.conn
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER"
            " REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
        )
        with pytest.raises(sqlite3.IntegrityError), ledger.transaction():
            ledger.set_meta("lost", "yes")
            conn.execute("INSERT INTO child (parent) VALUES (42)")  # fails only at COMMIT
        assert not conn.in_transaction
        assert ledger.get_meta("lost") is None
        ledger.set_meta("after", "ok")  # the connection is usable again
        assert ledger.get_meta("after") == "ok"


# -- one source for the columns ------------------------------------------------------------

CALL = Call(
    fingerprint="f1",
    record_index=7,
    started_at=datetime(2026, 3, 1, 10, 5, 9),
    duration=0,
    extension="620",
    direction=Direction.IN,
    remote="+79161234567",
    callerid="89161234567",
    ring_seconds=12,
)
CASE = Case(
    id=5,
    department="Отдел продаж",
    chat=-100,
    remote="+79161234567",
    status=CaseStatus.CLOSED,
    first_at=datetime(2026, 3, 1, 10, 5),
    last_at=datetime(2026, 3, 1, 10, 9),
    attempts=2,
    extension="620",
    ring_seconds=None,
    new_caller=True,
    contact_name=None,
    contact_company="ООО «Вектор»",
    silent=False,
    closed_at=datetime(2026, 3, 1, 11, 0),
    closed_how=ClosedHow.CALL,
    closed_by_extension="203",
    callback_at=datetime(2026, 3, 1, 11, 0),
    callback_duration=65,
    version=3,
)


@pytest.mark.parametrize(("columns", "item"), [(schema.CALLS, CALL), (schema.CASES, CASE)])
def test_rows_round_trip_through_their_columns(columns: Columns[object], item: object) -> None:
    row = dict(zip(columns.names, columns.values(item), strict=True))
    assert columns.build(row) == item


def test_stored_values_are_the_ledger_text_forms() -> None:
    row = dict(zip(schema.CASES.names, schema.CASES.values(CASE), strict=True))
    assert row["first_at"] == "2026-03-01 10:05:00"
    assert (row["new_caller"], row["silent"], row["closed_how"]) == (1, 0, "call")
    assert row["ring_seconds"] is None


def test_nulls_read_as_the_defaults_of_v0_1() -> None:
    row = dict(zip(schema.CALLS.names, schema.CALLS.values(CALL), strict=True))
    row.update(extension=None, number=None, status=None)
    assert schema.CALLS.build(row) == replace(CALL, extension="", number="", status="")


def test_the_tables_follow_the_dataclasses(tmp_path: Path) -> None:
    with Ledger(tmp_path / "perezvon.db") as ledger:
        for table, columns in (("calls", schema.CALLS), ("cases", schema.CASES)):
            stored = {name for name, _ in columns_of(ledger.conn, table)}
            assert stored == {c.name for c in columns.all}
