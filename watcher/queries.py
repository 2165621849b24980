"""The figures' SQL: aggregates over the ledger's indexes, never every call in Python.

A busy office makes a million calls a year. Loading them into Python froze the bot for
seconds and grew it by a gigabyte; these queries walk index ranges inside SQLite and hand
back a few hundred or thousand rows. SQLite's sorter (any GROUP BY over a million rows)
costs more than the scan itself, so the big ones are shaped to need none:

* **hour slots**: the period's hours are generated in SQL and each counts its own range
  of ``idx_calls_in`` (incoming calls by time); rows come out in time order, one per
  hour, and the weekday x hour grid of /load is added up from them;
* **loose index scans**: the (extension, trunk line) pairs are walked with one seek each
  over ``idx_calls_line``, and each pair counts its own time range;
* **one pass, counted in Python**: where a figure needs values grouped (ring times for
  percentiles, reasons, the numbers missed most often, waits for a median), one scan
  hands them over as JSON arrays and Python counts or sorts them: a year's few hundred
  thousand values take it milliseconds, SQLite's sorter a tenth of a second each;
* **legs taken out afterwards**: the few missed legs of answered calls are counted with
  the rest and subtracted in Python, rather than every call looked up in ``legs``.

Everything takes a plain :class:`sqlite3.Connection`, so the bot runs it in a worker
thread on a connection of its own (:func:`reading`) while its event loop keeps serving.
The department of a call is not stored (it depends on the config): a scope is the set of
(extension, line) pairs that :func:`watcher.config.route` sends to it (:func:`scope_lines`).
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from watcher import schema
from watcher.config import Department, route
from watcher.models import from_text, to_text
from watcher.vocab import CALLED_BACK, CaseStatus, ClosedHow, MissReason

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


# An hour's two counts in one integer (incoming * PACK + answered): a JSON array per
# hour of the year cost more to build and parse than the counting.
_PACK = 1 << 32
_SLOTS_SQL = """
WITH RECURSIVE slot(s, e) AS (
  SELECT :start, min(strftime('%Y-%m-%d %H:00:00', :start, '+1 hour'), :end)
  WHERE :start < :end
  UNION ALL
  SELECT e, min(strftime('%Y-%m-%d %H:00:00', e, '+1 hour'), :end) FROM slot WHERE e < :end
)
SELECT s, (
  SELECT count(*) * {pack} + count(*) FILTER (WHERE coalesce(duration, 0) > 0)
  FROM calls WHERE started_at >= slot.s AND started_at < slot.e
  AND direction = 'in' AND coalesce(remote, '') <> ''{filter}
) FROM slot
""".replace("{pack}", str(_PACK))


# Without idx_calls_time (an import next to `run` builds it at the end, with the other
# schema.FIGURE_INDEXES; an import cut short may leave it out until the next pass) a
# seek per hour is a scan per hour: a year took minutes. Then one pass counts the period's
# calls by hour (the text's first 13 characters, which every slot's start shares with the
# calls in it: a slot never spans two hours) and the slots take their counts from it.
_HOURS_SQL = """
SELECT substr(started_at, 1, 13), count(*), count(*) FILTER (WHERE coalesce(duration, 0) > 0)
FROM calls WHERE started_at >= :start AND started_at < :end
AND direction = 'in' AND coalesce(remote, '') <> ''{filter} GROUP BY 1
"""
_SLOT_STARTS_SQL = _SLOTS_SQL[: _SLOTS_SQL.index("SELECT s, (")] + "SELECT s FROM slot"
_TIME_INDEX = schema.index_name(schema.FIGURE_INDEXES[0])


def hour_slots(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> list[HourSlot]:
    """One slot per hour of [start, end): an incoming call is an ``in`` call with a number;
    answered when it has talk time, else missed (as the figures have always counted)."""
    params = {"start": to_text(start), "end": to_text(end)}
    where = ""
    if lines is not None:
        params["lines"] = _lines_json(lines)
        where = _IN_LINES
    if _TIME_INDEX not in schema.index_names(conn):
        counts = {
            str(hour): (int(n), int(answered))
            for hour, n, answered in conn.execute(_HOURS_SQL.format(filter=where), params)
        }
        return [
            HourSlot(str(s), *counts.get(str(s)[:13], (0, 0)))
            for (s,) in conn.execute(_SLOT_STARTS_SQL, params)
        ]
    slots = []
    for text, packed in conn.execute(_SLOTS_SQL.format(filter=where), params):
        incoming, answered = divmod(int(packed), _PACK)
        slots.append(HourSlot(str(text), incoming, answered))
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


@dataclass(frozen=True)
class _Leg:
    """An incoming call of the period that ``legs`` names, with what the figures that
    leave legs out need to take it out again."""

    call: LegCall
    remote: str
    answered: bool  # talk time after all: no missed call, but still no call of its own
    ring_seconds: int | None
    miss_reason: str | None


# CROSS JOIN keeps legs outside: a lookup by fingerprint per leg, where the planner
# otherwise walked the period's calls and looked each one up in legs.
_LEGS_SQL = (
    "SELECT c.started_at, c.extension, c.co_line, c.remote, coalesce(c.duration, 0) > 0,"
    " c.ring_seconds, c.miss_reason FROM legs l"
    " CROSS JOIN calls c ON c.fingerprint = l.missed_fingerprint"
    " WHERE c.started_at >= :start AND c.started_at < :end AND c.direction = 'in'"
    " AND coalesce(c.remote, '') <> ''"
)


def _legs(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None
) -> list[_Leg]:
    """The period's incoming calls named in ``legs`` (in ``lines`` when given): a few per
    thousand calls, so the figures count every call and take these out in Python rather
    than look every call up in ``legs``."""
    found = [
        _Leg(LegCall(str(t), str(x or ""), str(line or "")), str(r), bool(a), ring, reason)
        for t, x, line, r, a, ring, reason in conn.execute(
            _LEGS_SQL, {"start": to_text(start), "end": to_text(end)}
        )
    ]
    if lines is not None:
        found = [leg for leg in found if (leg.call.extension, leg.call.co_line) in lines]
    return found


def leg_calls(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> list[LegCall]:
    """The period's missed legs; few, so they are read rather than joined into every count."""
    return [leg.call for leg in _legs(conn, start, end, lines) if not leg.answered]


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
    """Cases by first call in [start, end), counted per department, state and closer.

    Counted in Python as the rows stream by (a hash per row): a GROUP BY over a year's
    hundred thousand cases spent more in SQLite's sorter than the scan and the fetch
    together. The groups come out in the order the GROUP BY gave (NULL first)."""
    sql = (
        "SELECT department, status, closed_how, closed_by_extension FROM cases"
        " WHERE first_at >= :start AND first_at < :end"
        # A case a missed leg opened before its call's answered leg came is no case.
        " AND coalesce(closed_how, '') <> 'leg'"
    )
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end)}
    if department is not None:
        sql += " AND department = :department"
        params["department"] = department
    counts = Counter[tuple[Any, ...]](conn.execute(sql, params))
    return [
        CaseGroup(str(d), str(s), how, by, n)
        for (d, s, how, by), n in sorted(counts.items(), key=_sql_order)
    ]


def _sql_order(item: tuple[tuple[Any, ...], int]) -> tuple[tuple[bool, Any], ...]:
    """SQLite's order of a group's key: NULL first, then text by its code points."""
    return tuple((value is not None, "" if value is None else value) for value in item[0])


@dataclass(frozen=True)
class Waits:
    """Time from a case's first missed call to its close, over a group of closed cases."""

    count: int
    median_seconds: float | None
    within: int  # closed within the target (``within_seconds``)


# The cases whose wait counts: closed by a callback (from the log or marked in the chat),
# not stale history, not a leg of an answered call, not one that needed none.
# Cases called back (vocab.CALLED_BACK), as SQL.
_CALLED_BACK_SQL = "closed_how IN ({})".format(", ".join(f"'{how}'" for how in CALLED_BACK))
# The cases that waited for a callback: closed by one, not written off, not a leg, not the
# caller getting through on their own.
_WAITED = (
    """FROM cases
  WHERE first_at >= :start AND first_at < :end AND status <> 'open'
  AND """
    + _CALLED_BACK_SQL
    + """
  AND coalesce(closed_at, '') <> ''{filter}"""
)
# Each with its wait in seconds. strftime('%s') rather than unixepoch(): the latter needs
# SQLite 3.38, older than some Linux distributions' system library. Both times are local
# wall time, as in Python.
_WAIT = (
    """
wait(g, s) AS (
  SELECT {group}, max(0, strftime('%s', closed_at) - strftime('%s', first_at)) """
    + _WAITED
    + "\n)"
)
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


def wait_pairs(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    by: str | None = None,
    department: str | None = None,
    closed_how: tuple[str, ...] = (),
) -> Iterator[tuple[str | None, datetime, datetime]]:
    """(group, first call, close) of the cases :func:`waits` counts, streamed: for waits
    in office time, which SQL cannot measure (watcher/sla.py)."""
    filters, params = _wait_filters(start, end, department, closed_how)
    group = "NULL" if by is None else _WAIT_GROUPS[by]
    sql = f"SELECT {group}, first_at, closed_at " + _WAITED.format(filter=filters)
    for key, first, closed in conn.execute(sql, params):
        yield (None if key is None else str(key)), from_text(first), from_text(closed)


def _wait_filters(
    start: datetime, end: datetime, department: str | None, closed_how: tuple[str, ...]
) -> tuple[str, dict[str, object]]:
    filters = ""
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end)}
    if department is not None:
        filters += " AND department = :department"
        params["department"] = department
    if closed_how:
        marks = ", ".join(f":how{i}" for i in range(len(closed_how)))
        filters += f" AND closed_how IN ({marks})"
        params.update({f"how{i}": how for i, how in enumerate(closed_how)})
    return filters, params


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
    filters, params = _wait_filters(start, end, department, closed_how)
    params["within"] = within_seconds
    if by is None:
        return _overall_waits(conn, filters, params, within_seconds)
    return _waits_of(conn.execute(_WAITS_BY.format(group=_WAIT_GROUPS[by], filter=filters), params))


def _waits_of(rows: Iterable[tuple[Any, Any, Any, Any]]) -> dict[str | None, Waits]:
    """Rows of (group, count, median, within) from the SQL of :func:`waits`."""
    result: dict[str | None, Waits] = {}
    for group, count, median, within in rows:
        key = None if group is None else str(group)
        result[key] = Waits(int(count), None if median is None else float(median), int(within))
    return result


# The waits of all the chosen cases in one JSON array: one row leaves SQLite.
_ALL_WAITS = "WITH" + _WAIT + " SELECT json_group_array(s) FROM wait"


def _overall_waits(
    conn: sqlite3.Connection, filters: str, params: dict[str, object], within_seconds: float
) -> dict[str | None, Waits]:
    """:func:`waits` of all the chosen cases: their waits handed over as one JSON array
    and sorted by Python, which does a year's hundred thousand in milliseconds, where
    SQLite's sorter took a tenth of a second; the median as :func:`statistics.median`."""
    found = _sorted_waits(conn, _ALL_WAITS.format(group="NULL", filter=filters), params)
    if found is None:  # a close time SQLite cannot read: its order of NULLs decides
        return _waits_of(conn.execute(_WAITS.format(group="NULL", filter=filters), params))
    if not found:
        return {}
    within = sum(1 for s in found if s <= within_seconds)
    return {None: Waits(len(found), median(found), within)}


def _sorted_waits(
    conn: sqlite3.Connection, sql: str, params: dict[str, object]
) -> list[float] | None:
    """The waits of a JSON array query, sorted; None when one of them is NULL."""
    row = conn.execute(sql, params).fetchone()
    found: list[float] = json.loads(row[0]) if row and row[0] else []
    if None in found:
        return None
    found.sort()
    return found


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least ``share`` of them at or below it."""
    if not values:
        return None
    rank = max(1, -(-int(share * 100) * len(values) // 100))  # ceil without floats
    return float(sorted(values)[min(rank, len(values)) - 1])


def median(values: list[float]) -> float | None:
    """As :func:`statistics.median` (and SQL's avg of the middle two) gives it."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


_CALLBACK_WAITS = (
    "WITH"
    + _WAIT.format(group="NULL", filter="{filter}")
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


_ALL_CALLBACK_WAITS = _ALL_WAITS.format(group="NULL", filter="{filter}")


def callback_waits(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    within_seconds: float,
    department: str | None = None,
) -> tuple[int, int, float | None, float | None]:
    """Cases closed by a callback: how many, how many within ``within_seconds``, and the
    median and 90th percentile (nearest rank) of their waits in seconds; the waits sorted
    by Python (:func:`_overall_waits`), in SQL only when one cannot be read."""
    params: dict[str, object] = {
        "start": to_text(start),
        "end": to_text(end),
        "within": within_seconds,
    }
    filters = ""
    if department is not None:
        filters = " AND department = :department"
        params["department"] = department
    found = _sorted_waits(conn, _ALL_CALLBACK_WAITS.format(filter=filters), params)
    if found is not None:
        if not found:
            return 0, 0, None, None
        within = sum(1 for s in found if s <= within_seconds)
        return len(found), within, median(found), percentile(found, 0.9)
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

# Missed legs of answered calls are no missed calls: left out of every reason figure. By
# rowid, which every index holds: idx_calls_in covers the figures without the fingerprint.
_NOT_LEG = (
    " AND rowid NOT IN (SELECT c.rowid FROM legs l"
    " CROSS JOIN calls c ON c.fingerprint = l.missed_fingerprint)"
)


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


def spread_of(histogram: Iterable[tuple[float, int]], target: float = 0) -> Spread:
    """The :class:`Spread` of values given as (value, how many) in ascending order.

    Ring times are whole seconds, a few dozen distinct values in a year: their histogram
    gives the exact median (the middle one, or the mean of the middle two, as
    :func:`statistics.median`) and nearest-rank 90th percentile (the ceil(0.9 n)-th value,
    in integer arithmetic) without sorting every call.
    """
    pairs = [(value, int(n)) for value, n in histogram if n > 0]
    count = sum(n for _, n in pairs)
    if not count:
        return Spread()

    def nth(k: int) -> float:
        """The k-th value (from 0) of the ordered set."""
        seen = 0
        for value, n in pairs:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)

    low, high = (count - 1) // 2, count // 2
    median = float(nth(low)) if low == high else (nth(low) + nth(high)) / 2
    p90 = float(nth(max(0, (count * 9 + 9) // 10 - 1)))
    within = sum(n for value, n in pairs if value <= target)
    return Spread(count, median, p90, within)


@dataclass(frozen=True)
class WhyFigures:
    """Why the period's calls were missed and how soon the others were answered."""

    missed_by_reason: dict[str, int]
    answer_speed: Spread
    hung_up_waits: Spread
    top_missed: list[FrequentCaller]
    # Incoming calls without a caller's number (hidden, or the PBX sent none): in no
    # other figure, as no one can call them back; told apart so they do not vanish.
    hidden: int = 0
    hidden_missed: int = 0


# One pass over the period's incoming calls for every why-and-when figure: ring times of
# the answered and of those who hung up, the reason of every missed call and (for the
# numbers missed most often) its number, each as one JSON array that Python counts. A
# GROUP BY per figure walked the same calls four times and sorted them in SQLite's sorter,
# which took longer than the walk; a count in Python of an array takes milliseconds.
# The calls with a number, in every figure; the others are only counted (why_figures).
_KNOWN = "coalesce(remote, '') <> ''"
_INCOMING = " WHERE started_at >= :start AND started_at < :end AND direction = 'in' AND " + _KNOWN
_MISSED_REMOTES = "json_group_array(remote) FILTER (WHERE coalesce(duration, 0) <= 0 AND {known})"
_WHY_SQL = """
SELECT
  json_group_array(ring_seconds) FILTER (
    WHERE coalesce(duration, 0) > 0 AND ring_seconds IS NOT NULL AND {known}),
  json_group_array(ring_seconds) FILTER (
    WHERE coalesce(duration, 0) <= 0 AND miss_reason = 'hung_up' AND ring_seconds IS NOT NULL
    AND {known}),
  json_group_array(miss_reason) FILTER (WHERE coalesce(duration, 0) <= 0 AND {known}),
  {remotes},
  count(*) FILTER (WHERE NOT {known}),
  count(*) FILTER (WHERE NOT {known} AND coalesce(duration, 0) <= 0)
FROM calls WHERE started_at >= :start AND started_at < :end AND direction = 'in'{filter}"""


def _seconds(array: str | None) -> Counter[float]:
    """Ring time -> how many, from a JSON array of them (a value that is not a number is
    no ring time: the ingest stores whole seconds)."""
    counts = Counter[float](json.loads(array) if array else [])
    for value in [v for v in counts if not isinstance(v, (int, float))]:
        del counts[value]
    return counts


def why_figures(
    conn: sqlite3.Connection,
    start: datetime,
    end: datetime,
    *,
    target_seconds: float,
    lines: Lines | None = None,
    top: int = 0,
    top_at_least: int = 2,
) -> WhyFigures:
    """The period's missed calls by stored reason (calls from before reasons were stored
    and not yet filled count as ``unknown``); how long answered calls rang before the
    answer and how many within ``target_seconds`` (the service level); how long those
    who hung up had waited; and the ``top`` numbers with the most missed calls (at least
    ``top_at_least``), most first, ties by number, as :func:`frequent_callers` gives them.

    One pass over the calls (:data:`_WHY_SQL`); the few missed legs, counted in it, are
    taken out again in Python (:func:`_legs`).
    """
    if top and top_at_least < 1:
        raise ValueError("the numbers missed most often need at least one missed call")
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end)}
    where = ""
    if lines is not None:
        where = _IN_LINES
        params["lines"] = _lines_json(lines)
    remotes = _MISSED_REMOTES if top else "NULL"
    sql = _WHY_SQL.replace("{remotes}", remotes).replace("{known}", _KNOWN)
    answered, hung_up, reasons, numbers, hidden, hidden_missed = conn.execute(
        sql.replace("{filter}", where), params
    ).fetchone()
    rings, hung = _seconds(answered), _seconds(hung_up)
    why = Counter[str]()
    for reason, n in Counter[Any](json.loads(reasons)).items():
        why[str(MissReason.UNKNOWN if reason is None else reason)] += n
    missed_of = Counter[str](json.loads(numbers) if numbers else [])
    for leg in _legs(conn, start, end, lines):
        if leg.answered:
            continue  # not among the missed calls counted above
        why[str(MissReason.UNKNOWN if leg.miss_reason is None else leg.miss_reason)] -= 1
        ring = leg.ring_seconds
        if leg.miss_reason == MissReason.HUNG_UP and isinstance(ring, (int, float)):
            hung[ring] -= 1
        missed_of[leg.remote] -= 1
    chosen = []
    if top:
        chosen = _most_missed(conn, _INCOMING + where, params, missed_of, top_at_least, top)
    return WhyFigures(
        {reason: n for reason, n in sorted(why.items()) if n},
        spread_of(sorted(rings.items()), target_seconds),
        spread_of(sorted(hung.items())),
        chosen,
        int(hidden or 0),
        int(hidden_missed or 0),
    )


# -- each hour and line: the Входящие sheet --------------------------------------------------


@dataclass
class HourLineFigures:
    """One (extension, line) pair's incoming calls in one hour (``hour``: the text
    ``YYYY-MM-DD HH``), missed legs left out: counts, missed calls by reason, and the ring
    times of the answered and of those who hung up as counts per second."""

    hour: str
    extension: str
    co_line: str
    incoming: int = 0
    answered: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    rings: Counter[float] = field(default_factory=Counter)
    hung_up: Counter[float] = field(default_factory=Counter)


_HOUR_LINES_SQL = (
    "SELECT substr(started_at, 1, 13), extension, co_line, coalesce(duration, 0) > 0,"
    " miss_reason, ring_seconds, count(*) FROM calls"
    + _INCOMING
    + _NOT_LEG
    + "{filter} GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1"
)


def hour_line_figures(
    conn: sqlite3.Connection, start: datetime, end: datetime, lines: Lines | None = None
) -> list[HourLineFigures]:
    """Per hour and pair, in time order: one GROUP BY over the period's incoming calls
    (a month's tens of thousands leave SQLite as a few thousand groups)."""
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end)}
    where = ""
    if lines is not None:
        where = _IN_LINES
        params["lines"] = _lines_json(lines)
    found: dict[tuple[str, str, str], HourLineFigures] = {}
    rows = conn.execute(_HOUR_LINES_SQL.format(filter=where), params)
    for hour, extension, co_line, answered, reason, ring, count in rows:
        key = (str(hour), str(extension), str(co_line))
        figures = found.get(key)
        if figures is None:
            figures = found[key] = HourLineFigures(*key)
        figures.incoming += count
        has_ring = isinstance(ring, int | float)
        if answered:
            figures.answered += count
            if has_ring:
                figures.rings[ring] += count
            continue
        figures.reasons[str(reason or MissReason.UNKNOWN)] += count
        if reason == MissReason.HUNG_UP and has_ring:
            figures.hung_up[ring] += count
    return list(found.values())


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
) -> list[FrequentCaller]:
    """Numbers with at least ``minimum`` incoming calls (``by_missed``: missed calls),
    most first, ties by number: one GROUP BY over the period's calls in SQL. (The few
    missed most often, for /stats, come from :func:`why_figures`, without the sorter.)"""
    missed = "count(*) FILTER (WHERE coalesce(duration, 0) <= 0)"
    ranked = missed if by_missed else "count(*)"
    where = _INCOMING
    params: dict[str, object] = {"start": to_text(start), "end": to_text(end), "min": minimum}
    if lines is not None:
        where += _IN_LINES
        params["lines"] = _lines_json(lines)
    sql = _CALLER_FIGURES + " FROM calls" + where + _NOT_LEG
    sql += f" GROUP BY remote HAVING {ranked} >= :min ORDER BY {ranked} DESC, remote"
    return [
        FrequentCaller(str(r), int(n), int(a), int(m), str(f), str(la))
        for r, n, a, m, f, la in conn.execute(sql, params)
    ]


_CALLER_FIGURES = (
    "SELECT remote, count(*), count(*) FILTER (WHERE coalesce(duration, 0) > 0),"
    " count(*) FILTER (WHERE coalesce(duration, 0) <= 0), min(started_at), max(started_at)"
)


def _most_missed(
    conn: sqlite3.Connection,
    where: str,
    params: dict[str, object],
    missed_of: Counter[str],
    minimum: int,
    limit: int,
) -> list[FrequentCaller]:
    """The ``limit`` numbers with the most missed calls (``missed_of``: legs taken out),
    at least ``minimum``, most first, ties by number (text compares as its UTF-8 bytes in
    SQLite, as code points in Python: the same order); their full figures from a second
    pass that seeks each chosen number (``where``: the period's incoming calls)."""
    ranked = heapq.nsmallest(limit, ((-n, r) for r, n in missed_of.items() if n >= minimum))
    chosen = [remote for _, remote in ranked]
    if not chosen:
        return []
    full = (
        _CALLER_FIGURES
        + " FROM calls"
        + _by_number(conn)
        + where
        + _NOT_LEG
        + " AND remote IN (SELECT value FROM json_each(:remotes)) GROUP BY remote"
    )
    found = {
        str(r): FrequentCaller(str(r), int(n), int(a), int(m), str(f), str(la))
        for r, n, a, m, f, la in conn.execute(full, {**params, "remotes": json.dumps(chosen)})
    }
    return [found[remote] for remote in chosen if remote in found]


def _by_number(conn: sqlite3.Connection) -> str:
    """Seek each chosen number on the (remote, started_at) index; none while a first
    import builds it (schema.DEFERRED_INDEXES): INDEXED BY a missing index is an error."""
    name = schema.index_name(schema.RULES_INDEX)
    return f' INDEXED BY "{name}"' if name in schema.index_names(conn) else ""


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
        f" AND {_CALLED_BACK_SQL}) FROM cases"
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
    """The period's hour slots (:func:`hour_slots`, in time order, no sorter) added up by
    weekday and hour; a missed leg of an answered call is no call of its own, so the few
    legs are taken out again (a GROUP BY weekday and hour sorted every call of the year)."""
    incoming = [[0] * HOURS for _ in range(WEEKDAYS)]
    missed = [[0] * HOURS for _ in range(WEEKDAYS)]
    for slot in hour_slots(conn, start, end, lines):
        if slot.incoming:
            day = slot.day.weekday()
            incoming[day][slot.hour] += slot.incoming
            missed[day][slot.hour] += slot.missed
    for leg in _legs(conn, start, end, lines):
        when = leg.call.started_at
        day, hour = date.fromisoformat(when[:10]).weekday(), int(when[11:13])
        incoming[day][hour] -= 1
        if not leg.answered:
            missed[day][hour] -= 1
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
    # Its first call rang less than min_ring_seconds: never posted, so no case to wait on.
    short_abandon: bool = False

    @property
    def called_back(self) -> bool:
        """Missed, then called back: found in the log or marked in the chat."""
        return (
            self.case_status == CaseStatus.CLOSED
            and self.case_closed_at is not None
            and self.case_closed_how in CALLED_BACK
        )

    @property
    def got_through(self) -> bool:
        """Missed, then got through on their own before anyone called back."""
        return self.case_status == CaseStatus.CLOSED and self.case_closed_how == ClosedHow.ANSWER

    @property
    def not_needed(self) -> bool:
        """Missed, and marked as needing no callback: not a client still to reach."""
        return (
            self.case_status == CaseStatus.CLOSED and self.case_closed_how == ClosedHow.NOT_NEEDED
        )


# The first incoming call from the covering time index (never the table row), and the
# case only for a first call that was missed: 0.07 s for a year's 13k new numbers, where
# a join to the call's row and a case lookup for each took 0.2 s.
_NEW_CALLERS_SQL = """
WITH n(remote, at, call) AS MATERIALIZED (
  SELECT f.remote, f.first_in_at, (SELECT json_array(extension, co_line, coalesce(duration, 0),
      coalesce(miss_reason, ''))
    FROM calls WHERE direction = 'in' AND started_at = f.first_in_at AND remote = f.remote
    ORDER BY duration DESC, coalesce(miss_reason, '') = 'short_abandon' LIMIT 1)
  FROM callers f
  WHERE f.first_in_at >= :start AND f.first_in_at < :end AND f.first_at = f.first_in_at
)
SELECT remote, at, call, CASE WHEN json_extract(call, '$[2]') > 0 THEN NULL ELSE
  (SELECT json_array(status, closed_how, closed_at, callback_at) FROM cases
   WHERE status IN ('open', 'closed') AND remote = n.remote AND first_at <= n.at
   ORDER BY first_at DESC LIMIT 1) END
FROM n WHERE call IS NOT NULL ORDER BY at, remote
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
    # A first call that is the missed leg of an answered call was answered (by the other
    # leg, a moment later): no case of its own to wait on.
    legs = {(leg.remote, leg.call.started_at) for leg in _legs(conn, start, end, None)}
    result = []
    window = {"start": to_text(start), "end": to_text(end)}
    for remote, at, call, case in conn.execute(_NEW_CALLERS_SQL, window):
        extension, co_line, duration, reason = json.loads(call)
        line = (str(extension), str(co_line))
        if remote in employees or (lines is not None and line not in lines):
            continue
        if int(duration) > 0 or (remote, at) in legs:
            result.append(NewCaller(str(remote), str(at), *line, True))
            continue
        status, how, closed_at, callback_at = json.loads(case) if case else (None,) * 4
        short = reason == MissReason.SHORT_ABANDON
        result.append(
            NewCaller(
                str(remote), str(at), *line, False, status, how, closed_at, callback_at, short
            )
        )
    return result


# A call of its own: not the missed leg of a call a colleague answered (as everywhere).
_LATER_CALLS_SQL = (
    "SELECT count(*) FROM calls WHERE remote = ? AND started_at > ? AND direction = 'in'"
    " AND NOT EXISTS (SELECT 1 FROM legs WHERE legs.missed_fingerprint = calls.fingerprint)"
)


def later_calls(conn: sqlite3.Connection, remote: str, after: str) -> int:
    """How many incoming calls ``remote`` made after ``after`` (a stored time), missed
    legs of answered calls left out as every other figure leaves them."""
    return int(conn.execute(_LATER_CALLS_SQL, [remote, after]).fetchone()[0])
