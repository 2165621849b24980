"""The floor under a history import's speed, measured: can any import reach the target?

Run ``python benchmarks/import_floor.py [--rows 1000000]`` (or ``make bench-floor``). On
one Calls.dbf of benchmarks/ingest.py's traffic it measures, in one run so that the
machine's speed cancels out:

(a) raw dbfread iteration over the file: the yardstick of issue 10, point 5 (an import
    at least 1.2 times as fast as it, so in at most 1/1.2 of its time);
(b) SQLite alone: the file's calls, their stored values ready in memory, inserted into
    an empty ledger of today's schema with every calls index built after the load (the
    least SQLite work the schema allows; an import keeps two of them up instead, so
    `perezvon stats` works while it runs), in the import's 250-row statements
    (watcher/row_batches.py), committed every 100k;
(c) Python alone: the least work per row the calls table needs. The fields decoded
    column by column by the import's own decoder, then per row only what no column
    operation gives: the time as text, the fingerprint hash, a phone key from a cache.
    It is a lower bound: no case rules, no call objects, no normalising of odd numbers;
(d) today's calls, without the case rules: the rows as an import builds them (held in
    memory for (b): about a gigabyte at 1M rows);
(e) the memory of one Python process with the watcher imported;
(f) a writer process of its own, as a two-process import would have one: it imports only
    sqlite3 and gets (b)'s rows over a pipe (pickled 250-row statements), with an 8 MB
    page cache, the indexes an import into an empty ledger keeps up, and the others built
    at the end. Its seconds (the pipe included) and peak RSS;
(g) today's import of the file (`Ingestor.scan(history=True)` in a child process, as
    benchmarks/ingest.py runs it): seconds and peak RSS. Less its 32 MB page cache (full
    at 1M rows), which a writer would hold instead, it is the rules' side of a
    two-process import;
(h) the ledger (g) wrote, all its tables, written again into an empty ledger of today's
    schema kept as every ledger is (WAL, synchronous FULL), in one transaction with
    every index built after: once bound row by row through the sqlite3 module in the
    import's 250-row statements (the least any Python import's writer does, in one
    process or two), once copied by SQLite itself (``INSERT ... SELECT`` from the
    attached ledger: SQLite's own share, without the binding).

The calls table alone in one process costs at least (b) + (c): an import with case rules
costs more. A two-process import's writer costs at least (h) plus what (f) paid for the
pipe over (b) (the calls' statements alone: the cases' and events' cost more). The
PASS/FAIL lines say whether that floor leaves the target within reach.
The exit status is 0 whatever the figures unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import pickle
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from benchmarks.ingest import dbfread_full, generate, make_config, run_import  # noqa: E402
from benchmarks.verdict import verdict  # noqa: E402
from watcher import fields, schema  # noqa: E402
from watcher.dbf_reader import RecordDecoder, read_chunks, read_layout  # noqa: E402
from watcher.ledger import Ledger  # noqa: E402
from watcher.normalise import quick_calls  # noqa: E402
from watcher.phones import phone_key  # noqa: E402
from watcher.reasons import reason_for  # noqa: E402
from watcher.row_batches import GROUP_ROWS, grouped_sql, insert_rows  # noqa: E402

TARGET_IMPORT_RATIO = 1.2  # issue 10, point 5: import rows/s over dbfread rows/s
TARGET_RSS_MB = 150.0  # the same point: the import's peak RSS
BOOK_CACHE_MB = 32  # an import's page cache (watcher/ledger.py's BOOK_CACHE_KIB)
WRITER_CACHE_KIB = 8_192
BATCH = 2_000
COMMIT_ROWS = 100_000
_TIMES_OF_DAY = [
    f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
]


def todays_rows(dbf: Path, db: Path) -> tuple[list[tuple[Any, ...]], float]:
    """(d): every call's stored values as an import builds them, and the seconds taken."""
    config = make_config(dbf, db)
    layout = read_layout(dbf, config.source.encoding)
    plan = fields.plan(layout.field_names(), config.source.fields)
    decoder = RecordDecoder(layout, sources=plan.sources)
    source = str(dbf)

    def reason_of(started: Any, ring: Any, extension: str, co: str) -> Any:
        return reason_for(
            config, started_at=started, ring_seconds=ring, extension=extension, co_line=co
        )

    values = schema.CALLS.values
    rows: list[tuple[Any, ...]] = []
    start = time.perf_counter()
    for index, raws in read_chunks(layout, 0, layout.complete_count):
        columns, plain = decoder.columns(raws)
        for call in quick_calls(index, columns, plain, reason_of):
            if call is not None:
                rows.append((*values(call), source))
    return rows, time.perf_counter() - start


def python_floor(dbf: Path, db: Path) -> float:
    """(c): seconds for the least per-row work of the calls table's values."""
    config = make_config(dbf, db)
    layout = read_layout(dbf, config.source.encoding)
    plan = fields.plan(layout.field_names(), config.source.fields)
    decoder = RecordDecoder(layout, sources=plan.sources)
    days: dict[Any, tuple[str, str]] = {}
    keys: dict[str, str | None] = {}
    blake = hashlib.blake2b
    made = 0
    start = time.perf_counter()
    for index, raws in read_chunks(layout, 0, layout.complete_count):
        columns, _ = decoder.columns(raws)

        def text(name: str, columns: dict[str, list[Any]] = columns) -> list[str]:
            return [value.strip() for value in columns[name]]

        extension, number, callerid, line = (
            text(fields.EXTENSION),
            text(fields.NUMBER),
            text(fields.CALLERID),
            text(fields.CO),
        )
        calltype, mode, status = text(fields.CALLTYPE), text(fields.CALLMODE), text(fields.STATUS)
        dates = []
        for day in columns[fields.DATE]:
            known = days.get(day)
            if known is None:
                known = days[day] = (day.isoformat(), day.isoformat() + " ")
            dates.append(known)
        seconds, durations = columns[fields.ITIME], columns[fields.IDURATION]
        rings = columns[fields.RINGBEFORE]
        started = [d[1] + _TIMES_OF_DAY[s] for d, s in zip(dates, seconds, strict=True)]
        prints = [
            blake(f"{d[0]}|{s}|{e}|{n}|{c}|{i}|{t}|{r}".encode(), digest_size=12).hexdigest()
            for d, s, e, n, c, i, t, r in zip(
                dates, seconds, extension, number, line, callerid, durations, rings, strict=True
            )
        ]
        remotes = []
        for caller in callerid:
            key = keys.get(caller, "")
            if key == "":
                key = keys[caller] = phone_key(caller)
            remotes.append(key)
        rows = list(
            zip(
                prints, range(index, index + len(raws)), started, durations, extension,
                calltype, remotes, number, callerid, line, calltype, mode, status, rings,
                strict=True,
            )
        )  # fmt: skip
        made += len(rows)
    assert made == layout.complete_count
    return time.perf_counter() - start


def sqlite_alone(rows: list[tuple[Any, ...]], db: Path) -> tuple[float, float]:
    """(b): seconds to insert ``rows`` into a new ledger with every calls index built after
    the load, and of that the index builds."""
    with Ledger(db) as ledger:
        statements = [
            sql
            for (sql,) in ledger.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls'"
                " AND sql IS NOT NULL"
            )
        ]
        insert = schema.CALLS.insert_sql("calls", or_ignore=True)
        conn = ledger.conn
        for statement in statements:
            conn.execute(f'DROP INDEX "{schema.index_name(statement)}"')
        conn.execute("PRAGMA cache_size = -32768")  # an import's (BOOK_CACHE_KIB)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for at in range(0, len(rows), BATCH):
            insert_rows(conn, insert, rows[at : at + BATCH])
            if (at + BATCH) % COMMIT_ROWS == 0:
                conn.execute("COMMIT")
                conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
        loaded = time.perf_counter()
        for statement in statements:
            conn.execute(statement)
        done = time.perf_counter()
    return done - start, done - loaded


# The writer of (f): nothing but sqlite3, length-prefixed pickled (sql, params) jobs on
# stdin, its peak RSS on stdout at the end.
_WRITER = r"""
import pickle, sqlite3, struct, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = FULL")
conn.execute("PRAGMA cache_size = -" + sys.argv[2])
read = sys.stdin.buffer.read
while True:
    (size,) = struct.unpack("<I", read(4))
    if not size:
        break
    sql, params = pickle.loads(read(size))
    conn.execute(sql, params)
conn.close()
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]) / 1024)
"""


def writer_process(rows: list[tuple[Any, ...]], db: Path) -> tuple[float, float]:
    """(f): seconds for a writer process to store ``rows`` sent over a pipe, and its peak
    RSS in MB."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with Ledger(db) as ledger:
        deferred = [schema.index_name(s) for s in schema.BOOK_DEFERRED_INDEXES]
        for name in deferred:
            ledger.conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    one = schema.CALLS.insert_sql("calls", or_ignore=True)
    grouped = grouped_sql(one, GROUP_ROWS)
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db), str(WRITER_CACHE_KIB)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    pipe = child.stdin

    def send(sql: str, params: Any = ()) -> None:
        data = pickle.dumps((sql, params), protocol=pickle.HIGHEST_PROTOCOL)
        pipe.write(struct.pack("<I", len(data)) + data)

    start = time.perf_counter()
    send("BEGIN IMMEDIATE")
    flat = itertools.chain.from_iterable
    for at in range(0, len(rows), GROUP_ROWS):
        batch = rows[at : at + GROUP_ROWS]
        if len(batch) == GROUP_ROWS:
            send(grouped, list(flat(batch)))
        else:
            for row in batch:
                send(one, row)
        if (at + GROUP_ROWS) % COMMIT_ROWS == 0:
            send("COMMIT")
            send("BEGIN IMMEDIATE")
    send("COMMIT")
    for statement in schema.BOOK_DEFERRED_INDEXES:
        send(statement)
    pipe.write(struct.pack("<I", 0))
    pipe.close()
    out = child.stdout.read().decode()
    child.wait()
    seconds = time.perf_counter() - start
    lines = out.split()
    return seconds, float(lines[-1]) if lines else float("nan")


def _empty_ledger(db: Path) -> tuple[Ledger, list[str], list[str]]:
    """A new ledger of today's schema, rows and indexes taken out; its tables and the
    index statements to build after."""
    ledger = Ledger(db)
    conn = ledger.conn
    master = "SELECT {} FROM sqlite_master WHERE type = '{}' AND {}"
    indexes = [sql for (sql,) in conn.execute(master.format("sql", "index", "sql NOT NULL"))]
    for statement in indexes:
        conn.execute(f'DROP INDEX "{schema.index_name(statement)}"')
    own = "name NOT LIKE 'sqlite_%'"
    tables = [name for (name,) in conn.execute(master.format("name", "table", own))]
    for name in tables:
        conn.execute(f'DELETE FROM "{name}"')
    conn.commit()
    conn.execute(f"PRAGMA cache_size = -{BOOK_CACHE_MB * 1024}")
    return ledger, tables, indexes


def ledger_content(source: Path, work: Path) -> tuple[float, float]:
    """(h): seconds to write ``source``'s tables into an empty ledger, bound through the
    sqlite3 module, and copied by SQLite itself; each with its index builds."""
    ledger, tables, indexes = _empty_ledger(work / "bound.db")
    conn = ledger.conn
    read = sqlite3.connect(source)
    bound = 0.0
    conn.execute("BEGIN IMMEDIATE")
    for name in tables:
        columns = [row[1] for row in read.execute(f'PRAGMA table_info("{name}")')]
        listed = ", ".join(f'"{c}"' for c in columns)
        insert = f'INSERT INTO "{name}" ({listed}) VALUES ({", ".join("?" * len(columns))})'
        cursor = read.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
        while chunk := cursor.fetchmany(BATCH):  # read untimed: only the writing counts
            start = time.perf_counter()
            insert_rows(conn, insert, chunk)
            bound += time.perf_counter() - start
    start = time.perf_counter()
    conn.execute("COMMIT")
    for statement in indexes:
        conn.execute(statement)
    bound += time.perf_counter() - start
    ledger.close()
    read.close()
    ledger, tables, indexes = _empty_ledger(work / "copied.db")
    conn = ledger.conn
    conn.execute("ATTACH ? AS source", (str(source),))
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for name in tables:
        conn.execute(f'INSERT INTO main."{name}" SELECT * FROM source."{name}" ORDER BY rowid')
    conn.execute("COMMIT")
    for statement in indexes:
        conn.execute(statement)
    copied = time.perf_counter() - start
    conn.execute("DETACH source")
    ledger.close()
    return bound, copied


def process_base_mb() -> float:
    """(e): the peak RSS of a fresh Python process that has imported the watcher."""
    probe = (
        "import watcher.ingest, watcher.import_book\n"
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM:'): print(int(line.split()[1]) / 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=ROOT
    )
    lines = done.stdout.split()
    return float(lines[-1]) if lines else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="perezvon-floor-"))
    try:
        dbf, db = work / "Calls.dbf", work / "floor.db"
        print(f"generating {args.rows:,} rows ...", file=sys.stderr, flush=True)
        traffic = generate(dbf, args.rows, args.seed)
        read_before = dbfread_full(dbf)
        rows, today = todays_rows(dbf, db)
        floor = python_floor(dbf, db)
        insert, indexes = sqlite_alone(rows, db)
        writer_s, writer_mb = writer_process(rows, work / "writer.db")
        del rows
        read_after = dbfread_full(dbf)
        base = process_base_mb()
        # As benchmarks/ingest.py imports: a minute after the file's last call.
        imported = run_import(dbf, work / "import.db", traffic.now + timedelta(minutes=1))
        (work / "Calls.dbf").unlink()
        bound, copied = ledger_content(work / "import.db", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    read = (read_before + read_after) / 2
    allowed = read / TARGET_IMPORT_RATIO
    one_process = insert + floor
    two_mb = writer_mb + imported["maxrss_mb"] - BOOK_CACHE_MB
    whole_writer = bound + max(writer_s - insert, 0.0)
    print(f"\nImport floor on {args.rows:,} rows (Python {sys.version.split()[0]},"
          f" SQLite {sqlite3.sqlite_version})")  # fmt: skip
    table = [
        ("(a) dbfread iteration (before / after)", f"{read_before:.2f} s / {read_after:.2f} s"),
        ("    an import within the target takes at most", f"{allowed:.2f} s"),
        ("(b) SQLite alone, calls table, indexes after", f"{insert:.2f} s = {insert / read:.2f}"
         f" of dbfread (index builds {indexes:.2f} s)"),
        ("(c) Python floor of the rows", f"{floor:.2f} s = {floor / read:.2f} of dbfread"),
        ("(d) today's rows, no case rules", f"{today:.2f} s = {today / read:.2f} of dbfread"),
        ("(b)+(c) calls table alone, one process", f"{one_process:.2f} s ="
         f" {read / one_process:.2f}x dbfread"),
        ("(e) one Python process with the watcher", f"{base:.1f} MB"),
        ("(f) a writer process with only sqlite3", f"{writer_s:.2f} s = {writer_s / read:.2f}"
         f" of dbfread, peak {writer_mb:.1f} MB"),
        ("(g) today's import", f"{imported['seconds']:.2f} s ="
         f" {read / imported['seconds']:.2f}x dbfread, peak {imported['maxrss_mb']:.1f} MB"),
        ("(h) (g)'s ledger written again, bound", f"{bound:.2f} s = {bound / read:.2f}"
         f" of dbfread = {bound / allowed:.2f} of the target's time"),
        ("    copied by SQLite itself", f"{copied:.2f} s = {copied / read:.2f} of dbfread"),
        ("(h)+(f)-(b) a writer of the whole ledger, at least", f"{whole_writer:.2f} s ="
         f" {whole_writer / allowed:.2f} of the target's time"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in table)
    for label, figure in table:
        print(f"  {label:<{width}}  {figure}")
    checks = [
        (
            f"one process: the calls table alone (no case rules) within {TARGET_IMPORT_RATIO}x"
            " dbfread",
            read / one_process >= TARGET_IMPORT_RATIO,
            f"{read / one_process:.2f}x",
        ),
        (
            "two processes: SQLite's share alone within the target's time",
            insert <= allowed,
            f"{insert:.2f} s of {allowed:.2f} s",
        ),
        (
            "two processes: the writer (f) within the target's time",
            writer_s <= allowed,
            f"{writer_s:.2f} s of {allowed:.2f} s",
        ),
        (
            f"two processes: the writer's peak (f) and today's import's (g) less its"
            f" {BOOK_CACHE_MB} MB page cache, under {TARGET_RSS_MB:g} MB",
            two_mb < TARGET_RSS_MB,
            f"{writer_mb:.1f} + {imported['maxrss_mb'] - BOOK_CACHE_MB:.1f} = {two_mb:.1f} MB",
        ),
        (
            "any import: the writing of its ledger through sqlite3 (h) within the target's time",
            bound <= allowed,
            f"{bound:.2f} s of {allowed:.2f} s",
        ),
        (
            "two processes: a writer of the whole ledger, (h) and (f)'s pipe, within the"
            " target's time",
            whole_writer <= allowed,
            f"{whole_writer:.2f} s of {allowed:.2f} s",
        ),
        (
            f"today's import within {TARGET_IMPORT_RATIO}x dbfread",
            read / imported["seconds"] >= TARGET_IMPORT_RATIO,
            f"{read / imported['seconds']:.2f}x",
        ),
    ]
    figures = {
        "rows": args.rows,
        "dbfread_s": [read_before, read_after],
        "sqlite_alone_s": insert,
        "index_builds_s": indexes,
        "python_floor_s": floor,
        "todays_rows_s": today,
        "process_base_mb": base,
        "writer_s": writer_s,
        "writer_peak_mb": writer_mb,
        "import_s": imported["seconds"],
        "import_peak_mb": imported["maxrss_mb"],
        "ledger_bound_s": bound,
        "ledger_copied_s": copied,
        "whole_writer_s": whole_writer,
    }
    passed = verdict(checks, figures)
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
