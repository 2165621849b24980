"""Rows inserted in grouped statements come out exactly as executemany stores them."""

from __future__ import annotations

import sqlite3

import pytest

from watcher import schema
from watcher.row_batches import grouped_sql, insert_rows

_TABLE = "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, s TEXT)"
_INSERT = "INSERT OR IGNORE INTO t (k, n, s) VALUES (?, ?, ?)"


def _conn() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(_TABLE)
    return conn


def _rows(count: int) -> list[tuple[object, ...]]:
    # Every seventh key comes again (OR IGNORE keeps the first), NULLs and Cyrillic text.
    return [
        (f"k{i - i % 7 if i % 7 == 3 else i}", i, None if i % 5 else "звонок") for i in range(count)
    ]


def _stored(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT rowid, k, n, s FROM t ORDER BY rowid").fetchall()


@pytest.mark.parametrize("count", [0, 1, 249, 250, 251, 1_000, 1_337])
def test_same_rows_rowids_and_count_as_executemany(count: int) -> None:
    rows = _rows(count)
    plain, grouped = _conn(), _conn()
    expected = plain.executemany(_INSERT, rows).rowcount if rows else 0
    assert insert_rows(grouped, _INSERT, rows) == expected
    assert _stored(grouped) == _stored(plain)
    assert len(_stored(grouped)) == expected


def test_a_low_variable_limit_makes_smaller_groups() -> None:
    conn, plain = _conn(), _conn()
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)  # three rows of three marks
    rows = _rows(100)
    plain.executemany(_INSERT, rows)
    insert_rows(conn, _INSERT, rows)
    assert _stored(conn) == _stored(plain)


def test_a_limit_below_one_row_falls_back_to_executemany() -> None:
    conn, plain = _conn(), _conn()
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 3)
    rows = _rows(20)
    plain.executemany(_INSERT, rows)
    insert_rows(conn, _INSERT, rows)
    assert _stored(conn) == _stored(plain)


def test_an_upsert_tail_applies_row_by_row_in_order() -> None:
    """The callers' merge (ON CONFLICT ... DO UPDATE) sees earlier rows of the same
    statement, as it does under executemany."""
    ddl = 'CREATE TABLE "callers" ("remote" TEXT PRIMARY KEY, "first_at" TEXT, "first_in_at" TEXT)'
    rows = [
        (
            f"+7{i % 40}",
            f"2026-01-{1 + i % 28:02d} 10:00:00",
            None if i % 3 else f"2026-02-{1 + i % 9:02d}",
        )
        for i in range(600)
    ]
    plain, grouped = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn in (plain, grouped):
        conn.execute(ddl)
    plain.executemany(schema.CALLERS_UPSERT, rows)
    insert_rows(grouped, schema.CALLERS_UPSERT, rows)
    query = "SELECT * FROM callers ORDER BY remote"
    assert grouped.execute(query).fetchall() == plain.execute(query).fetchall()


def test_a_statement_is_built_once_per_size() -> None:
    first = grouped_sql(_INSERT, 4)
    assert (
        first
        == "INSERT OR IGNORE INTO t (k, n, s) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)"
    )
    assert grouped_sql(_INSERT, 4) is first


def test_a_statement_without_one_group_of_marks_is_refused() -> None:
    with pytest.raises(ValueError, match="after VALUES"):
        grouped_sql("INSERT INTO t (k) VALUES (lower(?))", 2)
