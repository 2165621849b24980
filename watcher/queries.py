"""The figures' SQL: aggregates over the ledger's indexes, never every call in Python.

A busy office makes a million calls a year. Loading them into Python froze the bot for
seconds and grew it by a gigabyte; these queries walk index ranges inside SQLite and hand
back a few hundred or thousand rows. SQLite's sorter (any GROUP BY over a million rows)
costs more than the scan itself, so the big ones are shaped to need none:

* **hour slots**: the period's hours are generated in SQL and each counts its own range
  of ``idx_calls_time``; rows come out in time order, one per hour;
* **loose index scans**: the (extension, trunk line) pairs are walked with one seek each
  over ``idx_calls_line``, and each pair counts its own time range.

Everything takes a plain :class:`sqlite3.Connection`, so the bot runs it in a worker
thread on a connection of its own (:func:`reading`) while its event loop keeps serving.
The department of a call is not stored (it depends on the config): a scope is the set of
(extension, line) pairs that :func:`watcher.config.route` sends to it (:func:`scope_lines`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from watcher.config import Department, route
from watcher.models import to_text
from watcher.vocab import CaseStatus, ClosedHow

BUSY_TIMEOUT_MS = 15_000
# Page cache of a reader, in KiB: a year's index ranges are ~60 MB, read once each.
READER_CACHE_KIB = 8_192

Line = tuple[str, str]  # (extension, co_line) as stored
Lines = frozenset[Line]


def open_reader(path: str | Path) -> sqlite3.Connection:
    """A read-only connection of its own (WAL readers never block the writers).

    Opened in the thread that uses it: sqlite3 connections belong to one thread, and the
    bot's own connection is busy on the event loop.
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute(f"PRAGMA cache_size = {-READER_CACHE_KIB}")
    conn.execute("PRAGMA query_only = 1")
    return conn


@contextmanager
def reading(path: str | Path) -> Iterator[sqlite3.Connection]:
    conn = open_reader(path)
    try:
        yield conn
    finally:
        conn.close()


# -- which calls belong to a department ---------------------------------------------------

_LINES_SQL = """
WITH RECURSIVE
  ext(x) AS (
    SELECT min(extension) FROM calls
    UNION ALL
    SELECT (SELECT min(extension) FROM calls WHERE extension > ext.x) FROM ext
    WHERE ext.x IS NOT NULL
  ),
  line(x, l) AS (
    SELECT x, (SELECT min(co_line) FROM calls WHERE extension = ext.x) FROM ext
    WHERE ext.x IS NOT NULL
    UNION ALL
    SELECT x, (SELECT min(co_line) FROM calls WHERE extension = line.x AND co_line > line.l)
    FROM line WHERE line.l IS NOT NULL
  )
SELECT x, l FROM line WHERE l IS NOT NULL
"""


def all_lines(conn: sqlite3.Connection) -> list[Line]:
    """Every (extension, co_line) pair ever stored, in index order: one seek per pair.

    The ingest stores both as text ('' when blank, never NULL), which the scan relies on.
    """
    return [(str(x), str(line)) for x, line in conn.execute(_LINES_SQL)]


def line_departments(
    conn: sqlite3.Connection, departments: tuple[Department, ...]
) -> dict[Line, str | None]:
    """The department each stored (extension, line) pair is routed to (None: to none)."""
    result: dict[Line, str | None] = {}
    for extension, co_line in all_lines(conn):
        department = route(departments, extension, co_line)
        result[(extension, co_line)] = department.name if department else None
    return result


def scope_lines(
    conn: sqlite3.Connection, departments: tuple[Department, ...], department: str
) -> Lines:
    """The pairs whose calls count for ``department``."""
    mapping = line_departments(conn, departments)
    return frozenset(pair for pair, name in mapping.items() if name == department)


def _lines_json(lines: Lines) -> str:
    return json.dumps(sorted(lines))


_IN_LINES = (
    " AND (extension, co_line) IN (SELECT json_extract(value, '$[0]'),"
    " json_extract(value, '$[1]') FROM json_each(:lines))"
)


# -- incoming calls hour by hour ----------------------------------------------------------


@dataclass(frozen=True)
class HourSlot:
    """External incoming calls that started in one hour (or the part of it in the period)."""

    start: str  # ledger time text of the slot's start
    incoming: int
    answered: int

    @property
    def missed(self) -> int:
        return self.incoming - self.answered

    @property
    def hour(self) -> int:
        return int(self.start[11:13])

    @property
    def day(self) -> date:
        return date.fromisoformat(self.start[:10])


_SLOTS_SQL = """
WITH RECURSIVE slot(s, e) AS (
  SELECT :start, min(strftime('%Y-%m-%d %H:00:00', :start, '+1 hour'), :end)
  WHERE :start < :end
  UNION ALL
  SELECT e, min(strftime('%Y-%m-%d %H:00:00', e, '+1 hour'), :end) FROM slot WHERE e < :end
)
SELECT s, (
  SELECT json_array(count(*), count(*) FILTER (WHERE coalesce(duration, 0) > 0))
  FROM calls WHERE started_at >= slot.s AND started_at < slot.e
  AND direction = 'in' AND coalesce(remote, '') <> ''{filter}
) FROM slot
"""


def hour_slots(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> list[HourSlot]:
    """One slot per hour of [start, end): an incoming call is an ``in`` call with a number;
    answered when it has talk time, else missed (as the figures have always counted)."""
    params = {"start": to_text(start), "end": to_text(end)}
    sql = _SLOTS_SQL.format(filter="")
    if lines is not None:
        params["lines"] = _lines_json(lines)
        sql = _SLOTS_SQL.format(filter=_IN_LINES)
    slots = []
    for text, counts in conn.execute(sql, params):
        incoming, answered = json.loads(counts)
        slots.append(HourSlot(str(text), int(incoming), int(answered)))
    return slots


# -- per extension and trunk line -----------------------------------------------------------


@dataclass(frozen=True)
class LineFigures:
    """What one (extension, line) pair did in a period."""

    extension: str
    co_line: str
    answered: int = 0  # external incoming calls with talk time
    answered_talk: int = 0
    missed: int = 0  # external incoming calls without
    outgoing: int = 0  # outgoing calls with talk time
    outgoing_talk: int = 0

    @property
    def any(self) -> bool:
        return bool(self.answered or self.missed or self.outgoing)


_PAIR_SQL = """
SELECT
  (SELECT json_array(
     count(*) FILTER (WHERE coalesce(duration, 0) > 0),
     coalesce(sum(duration) FILTER (WHERE coalesce(duration, 0) > 0), 0),
     count(*) FILTER (WHERE coalesce(duration, 0) <= 0))
   FROM calls WHERE extension = :x AND co_line = :l AND direction = 'in'
   AND started_at >= :start AND started_at < :end AND coalesce(remote, '') <> ''),
  (SELECT json_array(count(*), coalesce(sum(duration), 0))
   FROM calls WHERE extension = :x AND co_line = :l AND direction = 'out'
   AND started_at >= :start AND started_at < :end AND coalesce(duration, 0) > 0)
"""


def line_figures(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> list[LineFigures]:
    """Figures of every pair (in ``lines`` when given) that did anything in the period."""
    result = []
    window = {"start": to_text(start), "end": to_text(end)}
    for extension, co_line in all_lines(conn):
        if lines is not None and (extension, co_line) not in lines:
            continue
        row = conn.execute(_PAIR_SQL, {**window, "x": extension, "l": co_line}).fetchone()
        answered, answered_talk, missed = json.loads(row[0])
        outgoing, outgoing_talk = json.loads(row[1])
        figures = LineFigures(
            extension, co_line, answered, answered_talk, missed, outgoing, outgoing_talk
        )
        if figures.any:
            result.append(figures)
    return result


# -- missed legs of answered calls --------------------------------------------------------


@dataclass(frozen=True)
class LegCall:
    """A missed leg (a colleague answered the same call on another leg): counted once, as
    the answered call it was, so the figures take it out of incoming and missed."""

    started_at: str
    extension: str
    co_line: str


def leg_calls(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> list[LegCall]:
    """The period's missed legs; few, so they are read rather than joined into every count."""
    sql = (
        "SELECT c.started_at, c.extension, c.co_line FROM legs l"
        " JOIN calls c ON c.fingerprint = l.missed_fingerprint"
        " WHERE c.started_at >= :start AND c.started_at < :end AND c.direction = 'in'"
        " AND coalesce(c.remote, '') <> '' AND coalesce(c.duration, 0) <= 0"
    )
    found = [
        LegCall(str(t), str(x or ""), str(line or ""))
        for t, x, line in conn.execute(sql, {"start": to_text(start), "end": to_text(end)})
    ]
    if lines is not None:
        found = [leg for leg in found if (leg.extension, leg.co_line) in lines]
    return found


# -- cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseGroup:
    """How many cases that first rang in the period share these four values."""

    department: str
    status: str
    closed_how: str | None
    closed_by_extension: str | None
    count: int


def case_groups(
    conn: sqlite3.Connection, start: datetime, end: datetime, department: str | None = None
) -> list[CaseGroup]:
    """Cases by first call in [start, end), counted per department, state and closer."""
    sql = (
        "SELECT department, status, closed_how, closed_by_extension, count(*) FROM cases"
        " WHERE first_at >= :start AND first_at < :end"
        # A case a missed leg opened before its call's answered leg came is no case.
        " AND coalesce(closed_how, '') <> 'leg'"
    )
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end)}
    if department is not None:
        sql += " AND department = :department"
        params["department"] = department
    sql += " GROUP BY 1, 2, 3, 4"
    return [
        CaseGroup(str(d), str(s), how, by, int(n)) for d, s, how, by, n in conn.execute(sql, params)
    ]


@dataclass(frozen=True)
class Waits:
    """Time from a case's first missed call to its close, over a group of closed cases."""

    count: int
    median_seconds: float | None
    within: int  # closed within the target (``within_seconds``)


# A case closed by a callback (from the log or marked in the chat), with its wait in
# seconds: not stale history, not a leg of an answered call, not one that needed none.
# strftime('%s') rather than unixepoch(): the latter needs SQLite 3.38, older than some
# Linux distributions' system library. Both times are local wall time, as in Python.
_WAIT = """
wait(g, s) AS (
  SELECT {group}, max(0, strftime('%s', closed_at) - strftime('%s', first_at)) FROM cases
  WHERE first_at >= :start AND first_at < :end AND status <> 'open'
  AND coalesce(closed_how, '') NOT IN ('expired', 'leg', 'not_needed')
  AND coalesce(closed_at, '') <> ''{filter}
)"""
# All of them: the middle one or two by ORDER BY + OFFSET (a plain sort, cheaper than a
# window over one partition).
_WAITS = (
    "WITH"
    + _WAIT
    + """, n(n) AS (SELECT count(*) FROM wait)
SELECT NULL, (SELECT n FROM n), (
  SELECT avg(s) FROM (
    SELECT s FROM wait ORDER BY s
    LIMIT 2 - (SELECT n FROM n) % 2 OFFSET ((SELECT n FROM n) - 1) / 2
  )
), (SELECT count(*) FROM wait WHERE s <= :within)
WHERE (SELECT n FROM n) > 0
"""
)
# Per group: the middle one or two of each partition.
_WAITS_BY = (
    "WITH"
    + _WAIT
    + """, ranked(g, s, n, k) AS (
  SELECT g, s, count(*) OVER (PARTITION BY g), row_number() OVER (PARTITION BY g ORDER BY s)
  FROM wait
)
SELECT g, max(n), avg(s) FILTER (WHERE k IN ((n + 1) / 2, (n + 2) / 2)),
  count(*) FILTER (WHERE s <= :within)
FROM ranked GROUP BY g
"""
)

_WAIT_GROUPS = {"department": "department", "extension": "closed_by_extension"}


def waits(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    by: str | None = None,
    department: str | None = None,
    closed_how: tuple[str, ...] = (),
    within_seconds: float = 0,
) -> dict[str | None, Waits]:
    """Count, median and how many within ``within_seconds``, per ``by`` ("department",
    "extension": the closer's) or for all (key None). The median is taken in SQL over the
    ordered waits (the middle one, or the mean of the middle two, as
    :func:`statistics.median` does); only one or two rows per group leave SQLite."""
    filters = ""
    params: dict[str, object] = {
        "start": to_text(start),
        "end": to_text(end),
        "within": within_seconds,
    }
    if department is not None:
        filters += " AND department = :department"
        params["department"] = department
    if closed_how:
        marks = ", ".join(f":how{i}" for i in range(len(closed_how)))
        filters += f" AND closed_how IN ({marks})"
        params.update({f"how{i}": how for i, how in enumerate(closed_how)})
    if by is None:
        sql = _WAITS.format(group="NULL", filter=filters)
    else:
        sql = _WAITS_BY.format(group=_WAIT_GROUPS[by], filter=filters)
    result: dict[str | None, Waits] = {}
    for group, count, median, within in conn.execute(sql, params):
        key = None if group is None else str(group)
        result[key] = Waits(int(count), None if median is None else float(median), int(within))
    return result


_CALLBACK_WAITS = (
    "WITH"
    + _WAIT.format(group="NULL", filter="{filter} AND closed_how IN ('call', 'answered', 'user')")
    + """, n(n) AS (SELECT count(*) FROM wait)
SELECT (SELECT n FROM n), (SELECT count(*) FROM wait WHERE s <= :within), (
  SELECT avg(s) FROM (
    SELECT s FROM wait ORDER BY s
    LIMIT 2 - (SELECT n FROM n) % 2 OFFSET ((SELECT n FROM n) - 1) / 2
  )
), (
  SELECT s FROM wait ORDER BY s LIMIT 1 OFFSET max(0, ((SELECT n FROM n) * 9 + 9) / 10 - 1)
)
WHERE (SELECT n FROM n) > 0
"""
)


def callback_waits(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    within_seconds: float,
    department: str | None = None,
) -> tuple[int, int, float | None, float | None]:
    """Cases closed by a callback: how many, how many within ``within_seconds``, and the
    median and 90th percentile (nearest rank) of their waits in seconds, all in SQL."""
    params: dict[str, object] = {
        "start": to_text(start),
        "end": to_text(end),
        "within": within_seconds,
    }
    filters = ""
    if department is not None:
        filters = " AND department = :department"
        params["department"] = department
    row = conn.execute(_CALLBACK_WAITS.format(filter=filters), params).fetchone()
    if row is None:
        return 0, 0, None, None
    count, within, med, p90 = row
    return (
        int(count),
        int(within),
        None if med is None else float(med),
        (None if p90 is None else float(p90)),
    )


def operator_names(
    conn: sqlite3.Connection, configured: Iterable[tuple[str, int]] = ()
) -> dict[str, str]:
    """Extension -> the operator's name (the one the bot last saw), for every extension
    linked to a user, by ``[operators]`` (``configured``, which wins) or by /me."""
    links = {str(r[0]): int(r[1]) for r in conn.execute("SELECT extension, user_id FROM operators")}
    links.update(dict(configured))
    names = {
        int(r[0]): str(r[1])
        for r in conn.execute("SELECT user_id, name FROM users WHERE name IS NOT NULL")
    }
    return {ext: names[user] for ext, user in links.items() if user in names}


# -- why and when: reasons, speed of answer, waits of those who hung up ---------------------

# Missed legs of answered calls are no missed calls: left out of every reason figure.
_NOT_LEG = " AND fingerprint NOT IN (SELECT missed_fingerprint FROM legs)"


def reason_counts(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> dict[str, int]:
    """Missed incoming calls of the period by stored reason (calls from before reasons
    were stored and not yet filled count as ``unknown``)."""
    sql = (
        "SELECT coalesce(miss_reason, 'unknown'), count(*) FROM calls"
        " WHERE started_at >= :start AND started_at < :end AND direction = 'in'"
        " AND coalesce(remote, '') <> '' AND coalesce(duration, 0) <= 0" + _NOT_LEG
    )
    params = {"start": to_text(start), "end": to_text(end)}
    if lines is not None:
        sql += _IN_LINES
        params["lines"] = _lines_json(lines)
    return {str(r): int(n) for r, n in conn.execute(sql + " GROUP BY 1", params)}


@dataclass(frozen=True)
class Spread:
    """A set of ring times in seconds: how many, median, 90th percentile (nearest rank),
    and how many were at most the target."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    within: int = 0

    @property
    def share_within(self) -> float | None:
        return self.within / self.count if self.count else None


# The ring times of the chosen calls, ordered in SQL; the middle one or two and the 90th
# percentile by ORDER BY + OFFSET, as the callback waits are. MATERIALIZED: read once,
# not once per use (SQLite 3.35+).
_SPREAD = """
WITH ring(s) AS MATERIALIZED (
  SELECT ring_seconds FROM calls
  WHERE started_at >= :start AND started_at < :end AND direction = 'in'
  AND coalesce(remote, '') <> '' AND ring_seconds IS NOT NULL{filter}
), n(n) AS (SELECT count(*) FROM ring)
SELECT (SELECT n FROM n), (
  SELECT avg(s) FROM (
    SELECT s FROM ring ORDER BY s
    LIMIT 2 - (SELECT n FROM n) % 2 OFFSET ((SELECT n FROM n) - 1) / 2
  )
), (
  SELECT s FROM ring ORDER BY s LIMIT 1 OFFSET max(0, ((SELECT n FROM n) * 9 + 9) / 10 - 1)
), (SELECT count(*) FROM ring WHERE s <= :target)
WHERE (SELECT n FROM n) > 0
"""


def _spread(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    lines: Lines | None,
    which: str,
    target: float = 0,
) -> Spread:
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end), "target": target}
    where = which
    if lines is not None:
        where += _IN_LINES
        params["lines"] = _lines_json(lines)
    row = conn.execute(_SPREAD.format(filter=where), params).fetchone()
    if row is None:
        return Spread()
    count, median, p90, within = row
    return Spread(
        int(count),
        None if median is None else float(median),
        None if p90 is None else float(p90),
        int(within),
    )


def answer_speed(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    target_seconds: float,
    lines: Lines | None = None,
) -> Spread:
    """How long answered incoming calls rang before the answer (those with a ring time),
    and how many within ``target_seconds``: the service level."""
    return _spread(conn, start, end, lines, " AND coalesce(duration, 0) > 0", target_seconds)


def hung_up_waits(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> Spread:
    """How long the callers who hung up had waited: beside the speed of answer, whether a
    quicker answer would have saved their calls."""
    which = " AND coalesce(duration, 0) <= 0 AND miss_reason = 'hung_up'" + _NOT_LEG
    return _spread(conn, start, end, lines, which)


# -- frequent callers --------------------------------------------------------------------------


@dataclass(frozen=True)
class FrequentCaller:
    """A number that called in at least twice in the period (legs counted as answered)."""

    remote: str
    calls: int
    answered: int
    missed: int
    first_at: str
    last_at: str


def frequent_callers(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    lines: Lines | None = None,
    *,
    minimum: int = 2,
    by_missed: bool = False,
    limit: int | None = None,
) -> list[FrequentCaller]:
    """Numbers with at least ``minimum`` incoming calls (``by_missed``: missed calls),
    most first, ties by number: one GROUP BY over the period's calls in SQL."""
    missed = "count(*) FILTER (WHERE coalesce(duration, 0) <= 0)"
    ranked = missed if by_missed else "count(*)"
    sql = (
        "SELECT remote, count(*), count(*) FILTER (WHERE coalesce(duration, 0) > 0),"
        f" {missed}, min(started_at), max(started_at) FROM calls"
        " WHERE started_at >= :start AND started_at < :end AND direction = 'in'"
        " AND coalesce(remote, '') <> ''" + _NOT_LEG
    )
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end), "min": minimum}
    if lines is not None:
        sql += _IN_LINES
        params["lines"] = _lines_json(lines)
    sql += f" GROUP BY remote HAVING {ranked} >= :min ORDER BY {ranked} DESC, remote"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    return [
        FrequentCaller(str(r), int(n), int(a), int(m), str(f), str(la))
        for r, n, a, m, f, la in conn.execute(sql, params)
    ]


def case_counts(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    department: str | None = None,
) -> dict[str, tuple[int, int]]:
    """Per number: the cases that first rang in the period, and how many were called back;
    one GROUP BY over the period's cases (a query per number scanned the table each time)."""
    sql = (
        "SELECT remote, count(*), count(*) FILTER (WHERE status = 'closed'"
        " AND closed_how IN ('call', 'answered', 'user')) FROM cases"
        " WHERE first_at >= :start AND first_at < :end AND coalesce(closed_how, '') <> 'leg'"
    )
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end)}
    if department is not None:
        sql += " AND department = :department"
        params["department"] = department
    return {
        str(remote): (int(n), int(back))
        for remote, n, back in conn.execute(sql + " GROUP BY remote", params)
    }


# -- load by weekday and hour ----------------------------------------------------------------

WEEKDAYS = 7
HOURS = 24


@dataclass(frozen=True)
class LoadGrid:
    """Incoming and missed calls by weekday (Monday = 0) and hour of the day."""

    incoming: tuple[tuple[int, ...], ...]  # [weekday][hour]
    missed: tuple[tuple[int, ...], ...]

    def rate(self, weekday: int, hour: int) -> float | None:
        """The miss rate of one cell; None for a cell without calls."""
        incoming = self.incoming[weekday][hour]
        return self.missed[weekday][hour] / incoming if incoming else None

    def worst(self, count: int = 3) -> list[tuple[int, int, int]]:
        """The cells that lose the most calls as (weekday, hour, missed), most first."""
        cells = [
            (self.missed[d][h], d, h)
            for d in range(WEEKDAYS)
            for h in range(HOURS)
            if self.missed[d][h] > 0
        ]
        cells.sort(key=lambda c: (-c[0], c[1], c[2]))
        return [(d, h, n) for n, d, h in cells[:count]]


def load_grid(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> LoadGrid:
    """One GROUP BY weekday and hour in SQL (168 rows at most leave SQLite); a missed leg
    of an answered call is no call of its own."""
    sql = (
        "SELECT (CAST(strftime('%w', started_at) AS INTEGER) + 6) % 7,"
        " CAST(substr(started_at, 12, 2) AS INTEGER), count(*),"
        " count(*) FILTER (WHERE coalesce(duration, 0) <= 0) FROM calls"
        " WHERE started_at >= :start AND started_at < :end AND direction = 'in'"
        " AND coalesce(remote, '') <> ''" + _NOT_LEG
    )
    params = {"start": to_text(start), "end": to_text(end)}
    if lines is not None:
        sql += _IN_LINES
        params["lines"] = _lines_json(lines)
    incoming = [[0] * HOURS for _ in range(WEEKDAYS)]
    missed = [[0] * HOURS for _ in range(WEEKDAYS)]
    for day, hour, total, lost in conn.execute(sql + " GROUP BY 1, 2", params):
        incoming[int(day)][int(hour)] = int(total)
        missed[int(day)][int(hour)] = int(lost)
    return LoadGrid(tuple(map(tuple, incoming)), tuple(map(tuple, missed)))


# -- new callers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCaller:
    """A number whose first call ever is an incoming call of the period, and what became
    of it: answered at once, or the case its missed call opened."""

    remote: str
    first_at: str
    extension: str
    co_line: str
    answered: bool
    case_status: str | None = None
    case_closed_how: str | None = None
    case_closed_at: str | None = None
    case_callback_at: str | None = None

    @property
    def called_back(self) -> bool:
        """Missed, then reached: called back, marked in chat or got through on their own
        (not written off as history, not marked as needing no callback)."""
        return (
            self.case_status == CaseStatus.CLOSED
            and self.case_closed_at is not None
            and self.case_closed_how not in _NOT_REACHED
        )


_NOT_REACHED = (ClosedHow.EXPIRY, ClosedHow.NOT_NEEDED, ClosedHow.LEG)
_NEW_CALLERS_SQL = """
SELECT f.remote, f.first_in_at, c.extension, c.co_line, coalesce(c.duration, 0),
  (SELECT json_array(status, closed_how, closed_at, callback_at) FROM cases
   WHERE status IN ('open', 'closed') AND remote = f.remote AND first_at <= f.first_in_at
   ORDER BY first_at DESC LIMIT 1)
FROM callers f
JOIN calls c ON c.rowid = (SELECT rowid FROM calls WHERE remote = f.remote
  AND started_at = f.first_in_at AND direction = 'in' ORDER BY duration DESC LIMIT 1)
WHERE f.first_in_at >= :start AND f.first_in_at < :end AND f.first_at = f.first_in_at
ORDER BY f.first_in_at, f.remote
"""


def new_callers(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    lines: Lines | None = None,
    staff: Iterable[str] = (),
) -> list[NewCaller]:
    """First-time callers of the period, first first (a range of ``idx_callers_first_in_at``;
    a number's own history is not walked). Employees' numbers are no callers."""
    employees = set(staff)
    result = []
    window = {"start": to_text(start), "end": to_text(end)}
    for remote, at, extension, co_line, duration, case in conn.execute(_NEW_CALLERS_SQL, window):
        line = (str(extension), str(co_line))
        if remote in employees or (lines is not None and line not in lines):
            continue
        outcome = json.loads(case) if case else (None, None, None, None)
        result.append(NewCaller(str(remote), str(at), *line, int(duration) > 0, *outcome))
    return result
