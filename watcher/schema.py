"""The ledger's tables and the numbered migrations that bring an older ledger up to date.

A new ledger is created at the latest version in one go: ``calls`` and ``cases`` from
their dataclasses (:mod:`watcher.rows`), the other tables from the statements below. An
older one climbs the ladder in :data:`MIGRATIONS`, one transaction per step, and
``PRAGMA user_version`` records the step reached. A v0.1 ledger has version 0 with its
tables in place: step 1 is that schema, so it passes through unchanged.

Migrations are history: never edit one that has shipped, add the next one. A field added
to ``Call`` or ``Case`` without a migration that stores it is caught when the ledger
opens (:func:`check_columns`) and by the tests, not by a user's first crash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from watcher.models import Call, Case
from watcher.rows import Columns

CALLS = Columns(Call, extra=[("source", str)])
CASES = Columns(Case)

OTHER_TABLES = (
    'CREATE TABLE IF NOT EXISTS "case_events" ("id" INTEGER PRIMARY KEY,'
    ' "case_id" INTEGER REFERENCES "cases"("id"), "at" TEXT, "kind" TEXT, "actor_kind" TEXT,'
    ' "actor_id" INTEGER, "actor_name" TEXT, "extension" TEXT, "call_fingerprint" TEXT,'
    ' "duration" INTEGER, "note" TEXT)',
    'CREATE TABLE IF NOT EXISTS "outbox" ("id" INTEGER PRIMARY KEY,'
    ' "case_id" INTEGER REFERENCES "cases"("id"), "kind" TEXT, "created_at" TEXT,'
    ' "next_try_at" TEXT, "attempts" INTEGER, "last_error" TEXT, "done_at" TEXT)',
    'CREATE TABLE IF NOT EXISTS "case_messages" ("case_id" INTEGER PRIMARY KEY,'
    ' "chat_id" INTEGER, "message_id" INTEGER, "posted_at" TEXT)',
    'CREATE TABLE IF NOT EXISTS "source_state" ("path" TEXT PRIMARY KEY,'
    ' "header_signature" TEXT, "header_len" INTEGER, "record_len" INTEGER,'
    ' "first_record_hash" TEXT, "next_index" INTEGER, "pending" TEXT,'
    ' "last_record_hash" TEXT)',
    'CREATE TABLE IF NOT EXISTS "meta" ("key" TEXT PRIMARY KEY, "value" TEXT)',
)
_V3_UNCONFIRMED_POSTS = (
    'CREATE TABLE IF NOT EXISTS "unconfirmed_posts" ("id" INTEGER PRIMARY KEY,'
    ' "case_id" INTEGER REFERENCES "cases"("id"), "chat_id" INTEGER, "sent_at" TEXT,'
    ' "error" TEXT)'
)

INDEXES = (
    ("calls", ("remote", "started_at")),
    ("calls", ("started_at",)),
    ("cases", ("status", "remote")),
    ("cases", ("first_at",)),
    ("case_events", ("case_id",)),
    ("outbox", ("done_at", "case_id")),
)


def _index_name(table: str, columns: tuple[str, ...]) -> str:
    return f"idx_{table}_{'_'.join(columns)}"


def _index_sql(table: str, columns: tuple[str, ...]) -> str:
    name = _index_name(table, columns)
    listed = ", ".join(f'"{c}"' for c in columns)
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({listed})'


def create_latest(conn: sqlite3.Connection) -> None:
    """Every table and index as the current code defines them."""
    conn.execute(CALLS.ddl("calls", pk="fingerprint"))
    conn.execute(CASES.ddl("cases", pk="id", autoincrement=CASE_IDS_AUTOINCREMENT))
    for statement in (
        *OTHER_TABLES,
        _V3_UNCONFIRMED_POSTS,
        *_V14_LATE_ANSWERS,
        *_V5_PEOPLE,
        _V6_CASE_COPIES,
        _V7_DIGESTS,
        _V8_LEGS,
        *_V13_CALLERS,
    ):
        conn.execute(statement)
    for table, columns in INDEXES:
        if _index_name(table, columns) not in _V9_DROPPED:
            conn.execute(_index_sql(table, columns))
    for statement in (*_V9_FIGURE_INDEXES, _V15_INCOMING_INDEX):
        conn.execute(statement)
    for statement in _V10_BACKFILL:
        conn.execute(statement)


# -- the ladder ---------------------------------------------------------------------------

# v0.1, as it shipped: what a ledger with user_version 0 holds.
_V1_CALLS = (
    'CREATE TABLE IF NOT EXISTS "calls" ("fingerprint" TEXT PRIMARY KEY,'
    ' "record_index" INTEGER, "started_at" TEXT, "duration" INTEGER, "ring_seconds" INTEGER,'
    ' "extension" TEXT, "direction" TEXT, "remote" TEXT, "number" TEXT, "callerid" TEXT,'
    ' "co_line" TEXT, "calltype" TEXT, "callmode" TEXT, "status" TEXT, "source" TEXT)'
)
_V1_CASES = (
    'CREATE TABLE IF NOT EXISTS "cases" ("id" INTEGER PRIMARY KEY, "department" TEXT,'
    ' "chat" INTEGER, "remote" TEXT, "status" TEXT, "first_at" TEXT, "last_at" TEXT,'
    ' "attempts" INTEGER, "extension" TEXT, "ring_seconds" INTEGER, "new_caller" INTEGER,'
    ' "contact_name" TEXT, "contact_company" TEXT, "silent" INTEGER, "closed_at" TEXT,'
    ' "closed_how" TEXT, "closed_by_extension" TEXT, "closed_by_user_id" INTEGER,'
    ' "closed_by_name" TEXT, "callback_at" TEXT, "callback_duration" INTEGER,'
    ' "version" INTEGER)'
)


def _v1_base(conn: sqlite3.Connection) -> None:
    """The v0.1 schema; a v0.1 ledger already has it (early ones lacked one column)."""
    conn.execute(_V1_CALLS)
    conn.execute(_V1_CASES)
    for statement in OTHER_TABLES:
        conn.execute(statement)
    if "last_record_hash" not in _columns(conn, "source_state"):
        conn.execute('ALTER TABLE "source_state" ADD COLUMN "last_record_hash" TEXT')
    for table, columns in INDEXES:
        conn.execute(_index_sql(table, columns))


_V1_CASE_COLUMNS = (
    "id, department, chat, remote, status, first_at, last_at, attempts, extension,"
    " ring_seconds, new_caller, contact_name, contact_company, silent, closed_at, closed_how,"
    " closed_by_extension, closed_by_user_id, closed_by_name, callback_at, callback_duration,"
    " version"
)


def _v2_case_ids_never_reused(conn: sqlite3.Connection) -> None:
    """Case ids become AUTOINCREMENT: an id shown in a button never names another case.

    SQLite cannot add AUTOINCREMENT to a table in place, so the table is rebuilt the way
    its documentation describes (new table, copy, drop, rename), its indexes with it.
    """
    conn.execute(
        _V1_CASES.replace('"cases"', '"cases_v2"').replace(
            '"id" INTEGER PRIMARY KEY', '"id" INTEGER PRIMARY KEY AUTOINCREMENT'
        )
    )
    conn.execute(f"INSERT INTO cases_v2 ({_V1_CASE_COLUMNS}) SELECT {_V1_CASE_COLUMNS} FROM cases")
    conn.execute("DROP TABLE cases")
    conn.execute("ALTER TABLE cases_v2 RENAME TO cases")
    for table, columns in INDEXES:
        if table == "cases":
            conn.execute(_index_sql(table, columns))


def _v3_unconfirmed_posts(conn: sqlite3.Connection) -> None:
    """Posts Telegram may have applied without a readable answer: at most one re-send."""
    conn.execute(_V3_UNCONFIRMED_POSTS)


_V4_CASE_COLUMNS = (
    ("claimed_by_user_id", "INTEGER"),
    ("claimed_by_name", "TEXT"),
    ("claimed_at", "TEXT"),
    ("reminded_at", "TEXT"),
    ("escalated_at", "TEXT"),
    ("held_until", "TEXT"),
)


def _v4_callback_assurance(conn: sqlite3.Connection) -> None:
    """Who took a case, when it was reminded and escalated, and when it is posted if it
    came in after hours."""
    for name, kind in _V4_CASE_COLUMNS:
        conn.execute(f'ALTER TABLE "cases" ADD COLUMN "{name}" {kind}')


_V5_PEOPLE = (
    'CREATE TABLE IF NOT EXISTS "users" ("user_id" INTEGER PRIMARY KEY, "name" TEXT,'
    ' "seen_at" TEXT)',
    'CREATE TABLE IF NOT EXISTS "operators" ("extension" TEXT PRIMARY KEY,'
    ' "user_id" INTEGER, "linked_by" INTEGER, "linked_at" TEXT)',
)


def _v5_operators(conn: sqlite3.Connection) -> None:
    """Operators by name: the name the bot last saw for each user, and /me links."""
    for statement in _V5_PEOPLE:
        conn.execute(statement)


_V6_CASE_COPIES = (
    'CREATE TABLE IF NOT EXISTS "case_copies" ("case_id" INTEGER REFERENCES "cases"("id"),'
    ' "kind" TEXT, "chat_id" INTEGER, "message_id" INTEGER, "posted_at" TEXT,'
    ' PRIMARY KEY ("case_id", "kind"))'
)


def _v6_case_copies(conn: sqlite3.Connection) -> None:
    """Messages of a case besides its own: the escalated copy in the managers' chat."""
    conn.execute(_V6_CASE_COPIES)


_V7_DIGESTS = (
    'CREATE TABLE IF NOT EXISTS "digests" ("department" TEXT, "held_until" TEXT,'
    ' "chat_id" INTEGER, "message_id" INTEGER, "posted_at" TEXT,'
    ' PRIMARY KEY ("department", "held_until"))'
)


def _v7_digests(conn: sqlite3.Connection) -> None:
    """The after-hours header posted once per department and opening."""
    conn.execute(_V7_DIGESTS)


_V8_LEGS = (
    'CREATE TABLE IF NOT EXISTS "legs" ("missed_fingerprint" TEXT PRIMARY KEY,'
    ' "answered_fingerprint" TEXT, "extension" TEXT)'
)


def _v8_legs(conn: sqlite3.Connection) -> None:
    """Missed legs of answered calls: counted as answered in every figure."""
    conn.execute(_V8_LEGS)


# Covering indexes the figures read instead of the tables (watcher/queries.py): calls by
# time with what an hour's count needs, calls by (extension, trunk line) for a seek per
# line, cases by first call with what their counts and waits need.
_V9_FIGURE_INDEXES = (
    'CREATE INDEX IF NOT EXISTS "idx_calls_time" ON "calls"'
    ' ("started_at", "direction", "remote", "duration", "extension", "co_line")',
    'CREATE INDEX IF NOT EXISTS "idx_calls_line" ON "calls"'
    ' ("extension", "co_line", "direction", "started_at", "duration", "remote")',
    'CREATE INDEX IF NOT EXISTS "idx_cases_time" ON "cases"'
    ' ("first_at", "department", "status", "closed_how", "closed_by_extension", "closed_at")',
)


# They start with the column these indexed alone, so they serve the same lookups; one
# index less to keep up on every call stored.
_V9_DROPPED = ("idx_calls_started_at", "idx_cases_first_at")


def _v9_figure_indexes(conn: sqlite3.Connection) -> None:
    """Figures from SQL aggregates: a year of a million calls without reading the rows."""
    for statement in _V9_FIGURE_INDEXES:
        conn.execute(statement)
    for name in _V9_DROPPED:
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')


_V10_BACKFILL = (
    'ALTER TABLE "source_state" ADD COLUMN "backfill_next" INTEGER',
    'ALTER TABLE "source_state" ADD COLUMN "backfill_end" INTEGER',
)


def _v10_backfill(conn: sqlite3.Connection) -> None:
    """A first start on a big file reads its tail first: the history still to read."""
    for statement in _V10_BACKFILL:
        conn.execute(statement)


def _v11_miss_reasons(conn: sqlite3.Connection) -> None:
    """A reason on every missed call and case (watcher/reasons.py).

    The reason depends on the config (office hours, ring timeouts), which a migration does
    not have: the step adds the columns and marks the ledger; the first open with the
    config fills the calls stored before (:func:`watcher.reasons.fill_pending`), once.
    """
    conn.execute('ALTER TABLE "calls" ADD COLUMN "miss_reason" TEXT')
    conn.execute('ALTER TABLE "cases" ADD COLUMN "miss_reason" TEXT')
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('miss_reasons_pending', '1')")


# Covers the why-and-when figures (reasons, speed of answer, waits of those who hung up,
# the weekday x hour grid), which the figure indexes of step 9 do not.
_V12_WHY_INDEX = (
    'CREATE INDEX IF NOT EXISTS "idx_calls_why" ON "calls" ("started_at", "direction",'
    ' "duration", "ring_seconds", "miss_reason", "remote", "fingerprint")'
)


def _v12_why_index(conn: sqlite3.Connection) -> None:
    """A year of reasons and ring times without reading the rows."""
    conn.execute(_V12_WHY_INDEX)


# Each number's first call and first incoming call, kept as calls are stored: "new
# callers of the period" is then a range on an index, where from the calls alone it is
# a pass over every number's history (0.8 s for a year of a million calls).
_V13_CALLERS = (
    'CREATE TABLE IF NOT EXISTS "callers" ("remote" TEXT PRIMARY KEY, "first_at" TEXT,'
    ' "first_in_at" TEXT)',
    'CREATE INDEX IF NOT EXISTS "idx_callers_first_in_at" ON "callers" ("first_in_at")',
)
# Folds calls into ``callers``: the earliest time wins, whichever order calls arrive in
# (the first start stores the tail before the history).
_CALLERS_MERGE = (
    ' ON CONFLICT ("remote") DO UPDATE SET'
    ' "first_at" = min("first_at", excluded."first_at"),'
    ' "first_in_at" = coalesce(min("first_in_at", excluded."first_in_at"),'
    ' "first_in_at", excluded."first_in_at")'
)
CALLERS_UPSERT = (
    'INSERT INTO "callers" ("remote", "first_at", "first_in_at") VALUES (?, ?, ?)' + _CALLERS_MERGE
)
CALLERS_FROM_CALLS = (
    'INSERT INTO "callers" ("remote", "first_at", "first_in_at")'
    " SELECT remote, min(started_at), min(CASE WHEN direction = 'in' THEN started_at END)"
    " FROM calls WHERE coalesce(remote, '') <> '' GROUP BY remote" + _CALLERS_MERGE
)


def _v13_callers(conn: sqlite3.Connection) -> None:
    """The callers of every call stored so far, in one pass."""
    for statement in _V13_CALLERS:
        conn.execute(statement)
    conn.execute(CALLERS_FROM_CALLS)


# Incoming calls by time, and only they (a partial index): a year's incoming figures walk
# the incoming calls (four in ten), not every call of the year as idx_calls_why did, and
# the (extension, line) pair is in it, so a department's figures read no rows either.
# Missed legs are left out by rowid, which every index holds, so no fingerprint is needed.
# It replaces idx_calls_why: the import keeps one index entry less for every outgoing and
# internal call, and a narrower one for every incoming call. Every query that should use
# it says ``direction = 'in'`` in those words, as a partial index needs; the direction is
# a column of it all the same, for SQLite to see it covers them and to seek by it.
_V15_INCOMING_INDEX = (
    'CREATE INDEX IF NOT EXISTS "idx_calls_in" ON "calls" ("direction", "started_at",'
    ' "duration", "ring_seconds", "miss_reason", "remote", "extension", "co_line")'
    " WHERE direction = 'in'"
)


def _v15_incoming_index(conn: sqlite3.Connection) -> None:
    """A year's /stats and /load in well under a second (issues 8 and 12)."""
    conn.execute('DROP INDEX IF EXISTS "idx_calls_why"')
    conn.execute(_V15_INCOMING_INDEX)


# The calls indexes only the figures read (watcher/queries.py), never the ingest's rules:
# a bulk import drops them and builds each once at the end (a sort of the whole table),
# which costs a fraction of keeping more random-order b-trees up row by row. A ledger
# left without them (an import cut short) gets them back before the watcher's next pass
# (Ledger.restore_deferred_indexes); the figures read meanwhile do without them.
# idx_calls_line stays: the (extension, line) pairs are walked on it (all_lines), and
# without it every /stats meanwhile would scan the table once per extension.
FIGURE_INDEXES = (_V9_FIGURE_INDEXES[0], _V15_INCOMING_INDEX)
# The case rules' look-ups (a number's calls around a time). An import into an empty
# ledger keeps them in memory (watcher/import_book.py), so it builds this one at the end
# as well: kept up, its inserts went to some 20k places at once and cost 12 s of a 1M
# import. Every other pass needs it.
RULES_INDEX = _index_sql("calls", ("remote", "started_at"))
# What an import into an empty ledger builds at the end. It keeps idx_calls_time (in time
# order, 2 s of the import): without it and the rules' index, the figures read meanwhile
# seek a number's first call by a scan each (`perezvon stats` for a year did not end).
BOOK_DEFERRED_INDEXES = (_V15_INCOMING_INDEX, RULES_INDEX)
# Every index an import may leave out, in the order they are built.
DEFERRED_INDEXES = (*FIGURE_INDEXES, RULES_INDEX)


def index_name(statement: str) -> str:
    return statement.split('"')[1]


def deferred_index_names() -> tuple[str, ...]:
    return tuple(index_name(statement) for statement in DEFERRED_INDEXES)


def drop_indexes(conn: sqlite3.Connection, statements: tuple[str, ...]) -> None:
    for statement in statements:
        conn.execute(f'DROP INDEX IF EXISTS "{index_name(statement)}"')


def index_names(conn: sqlite3.Connection) -> set[str]:
    """The indexes the ledger has now: an import leaves some out until it is done."""
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def missing_deferred_indexes(conn: sqlite3.Connection) -> list[str]:
    """The CREATE statements of the indexes an import cut short left out."""
    have = index_names(conn)
    return [s for s in DEFERRED_INDEXES if index_name(s) not in have]


# A post whose answer came after the bot stopped waiting: the id Telegram gave it, so a
# copy it turned out to be can be deleted, and when that was done.
_V14_LATE_ANSWER_COLUMNS = (("message_id", "INTEGER"), ("removed_at", "TEXT"))
_V14_LATE_ANSWERS = tuple(
    f'ALTER TABLE "unconfirmed_posts" ADD COLUMN "{name}" {kind}'
    for name, kind in _V14_LATE_ANSWER_COLUMNS
)


def _v14_late_answers(conn: sqlite3.Connection) -> None:
    """Late answers to unconfirmed posts: the duplicate a slow spell left is known. Only
    the missing columns: a ledger set back to an older step for a test keeps them."""
    have = set(_columns(conn, "unconfirmed_posts"))
    for (name, _), statement in zip(_V14_LATE_ANSWER_COLUMNS, _V14_LATE_ANSWERS, strict=True):
        if name not in have:
            conn.execute(statement)


Migration = Callable[[sqlite3.Connection], None]

# Step n brings a ledger from user_version n - 1 to n.
MIGRATIONS: tuple[Migration, ...] = (
    _v1_base,
    _v2_case_ids_never_reused,
    _v3_unconfirmed_posts,
    _v4_callback_assurance,
    _v5_operators,
    _v6_case_copies,
    _v7_digests,
    _v8_legs,
    _v9_figure_indexes,
    _v10_backfill,
    _v11_miss_reasons,
    _v12_why_index,
    _v13_callers,
    _v14_late_answers,
    _v15_incoming_index,
)
LATEST = len(MIGRATIONS)
CASE_IDS_AUTOINCREMENT = True  # since step 2


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def is_empty(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return not row or int(row[0]) == 0


class SchemaError(Exception):
    """The ledger file is from a newer Perezvon, or the code lacks a migration."""


def pending_steps(conn: sqlite3.Connection) -> list[tuple[int, Migration]]:
    """The migrations still to run on this ledger, by number."""
    version = user_version(conn)
    if version > LATEST:
        raise SchemaError(
            f"the ledger is at schema version {version}, this Perezvon knows {LATEST}:"
            " it was written by a newer version; install that version again"
        )
    return [(n, MIGRATIONS[n - 1]) for n in range(version + 1, LATEST + 1)]


def check_columns(conn: sqlite3.Connection) -> None:
    """Every dataclass field has its column, or the missing migration is named."""
    for table, columns in (("calls", CALLS), ("cases", CASES)):
        missing = columns.missing_from(_columns(conn, table))
        if missing:
            raise SchemaError(
                f"table {table} lacks columns {', '.join(missing)}: a migration is missing"
                f" in watcher/schema.py (schema version {user_version(conn)})"
            )


def set_version(conn: sqlite3.Connection, version: int) -> None:
    conn.execute(f"PRAGMA user_version = {int(version)}")
