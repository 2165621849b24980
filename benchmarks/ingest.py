"""Ingest benchmark: incremental scans and bulk import of WinTariff Calls.dbf files.

Run ``python benchmarks/ingest.py [--rows-large 1000000] [--rows-small 1000] [--out DIR]``
(or ``make bench``). It writes two realistic Calls.dbf files with
:class:`watcher.sim.wintariff.CallsDbfWriter` into a temporary folder (removed afterwards
unless ``--keep``) and measures:

(a) the time :meth:`Ingestor.scan` takes to pick up ONE appended, finalized row once the
    file is fully ingested (median of ``--reps`` appends), against a full dbfread re-read
    of the same file, for both sizes;
(b) the bulk import rate of ``Ingestor.scan(history=True)`` into a fresh ledger against
    raw dbfread iteration on the large file (the mean of a read before the import and one
    after it, so the machine's drift over the run cancels), and the import's peak RSS,
    taken in a child process that does nothing but the import (VmHWM; its ru_maxrss is
    shown as well, but on Linux that carries the parent's peak over ``exec``).

It prints a table, PASS/FAIL per target and one ``JSON {...}`` line. The exit status is 0
whatever the figures (this is a report, not a test) unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

import dbfread  # noqa: E402

from benchmarks.verdict import verdict  # noqa: E402
from watcher.config import Config, parse_config  # noqa: E402
from watcher.ingest import Ingestor  # noqa: E402
from watcher.ledger import Ledger  # noqa: E402
from watcher.sim.wintariff import CallsDbfWriter, make_row  # noqa: E402

# Targets from issue 2, item 6.
TARGET_SPEEDUP = 1000.0  # full re-read time / incremental time, on the large file
TARGET_SCALING = 2.0  # large incremental time / small incremental time, at most
TARGET_IMPORT_RATIO = 1.2  # import rows/s / raw dbfread rows/s, at least (issue 10, point 5)
TARGET_RSS_MB = 150.0  # peak RSS of the import child, below

WRITE_BATCH = 100_000  # rows per CallsDbfWriter.append_many call
START = datetime(2022, 1, 10, 8, 30)  # a Monday; traffic runs forward from here
SALES_GROUP, SERVICE_GROUP, OFFICE_GROUP = "600", "610", "620"
SALES_STATIONS = [str(n) for n in range(201, 211)]
SERVICE_STATIONS = [str(n) for n in range(211, 221)]
OFFICE_STATIONS = [str(n) for n in range(221, 231)]
ALL_STATIONS = SALES_STATIONS + SERVICE_STATIONS + OFFICE_STATIONS
EMPLOYEE_MOBILES = ["89160000001", "89160000002", "89160000003"]
INCOMING = "Входящий"
INTERNAL = "Внутренний"
DESTINATIONS = ("Москва", "Мобильный МТС", "Мобильный Билайн", "Мобильный МегаФон", "СПб")


# -- the traffic ------------------------------------------------------------------------


class Traffic:
    """A deterministic office: customers ring groups, some are missed and called back.

    Rows come out in time order, all finalized (CALLTYPE filled). About 30% internal
    calls, 30% answered incoming, 12% missed group calls (a quarter of them repeat
    callers), 10% outgoing calls to recently missed numbers, 18% other outgoing calls.
    """

    def __init__(self, seed: int = 2, *, mean_gap: float = 45.0) -> None:
        self.rng = random.Random(seed)
        self.mean_gap = mean_gap  # mean seconds between calls in office hours
        self.now = START
        self.customers = [self._customer_number() for _ in range(20_000)]
        self.recent_missed: deque[str] = deque(maxlen=200)

    def _customer_number(self) -> str:
        rng = self.rng
        if rng.random() < 0.7:
            body = f"9{rng.randrange(10**9):09d}"  # mobile
        else:
            body = f"495{rng.randrange(10**7):07d}"  # Moscow landline
        style = rng.random()
        if style < 0.5:
            return "8" + body
        if style < 0.8:
            return "+7" + body
        return body

    def _tick(self) -> datetime:
        """Advance the clock: a call every ~mean_gap s in office hours, nights and Sundays
        skipped."""
        self.now += timedelta(seconds=1 + int(self.rng.expovariate(1 / self.mean_gap)))
        if self.now.hour >= 20:
            day = self.now.date() + timedelta(days=1)
            if day.weekday() == 6:
                day += timedelta(days=1)
            self.now = datetime(day.year, day.month, day.day, 8, 0) + timedelta(
                seconds=self.rng.randrange(1800)
            )
        return self.now

    def next_row(self) -> dict[str, object]:
        rng = self.rng
        when = self._tick()
        line = rng.choice(("01", "02", "03"))
        kind = rng.random()
        if kind < 0.30:
            a, b = rng.sample(ALL_STATIONS, 2)
            return make_row(
                when=when, duration=rng.randint(3, 300), extension=a, number=f"internal-{b}",
                co="", calltype="N", ring=rng.randint(1, 8), status=INTERNAL,
            )  # fmt: skip
        if kind < 0.60:
            if self.recent_missed and rng.random() < 0.15:
                caller = rng.choice(self.recent_missed)  # the customer got through later
            elif rng.random() < 0.01:
                caller = rng.choice(EMPLOYEE_MOBILES)
            else:
                caller = rng.choice(self.customers)
            return make_row(
                when=when, duration=rng.randint(10, 600), extension=rng.choice(ALL_STATIONS),
                number=rng.choice(("", caller)), callerid=caller, co=line, calltype="I",
                callmode="AN", ring=rng.randint(2, 25), status=INCOMING,
            )  # fmt: skip
        if kind < 0.72:
            if self.recent_missed and rng.random() < 0.25:
                caller = rng.choice(self.recent_missed)  # a repeat caller
            else:
                caller = rng.choice(self.customers)
                self.recent_missed.append(caller)
            group = rng.choice((SALES_GROUP, SALES_GROUP, SERVICE_GROUP, OFFICE_GROUP))
            return make_row(
                when=when, duration=0, extension=group, callerid=caller, co=line, calltype="I",
                callmode="NA", ring=rng.randint(10, 45), status=INCOMING,
            )  # fmt: skip
        if kind < 0.82 and self.recent_missed:
            remote = rng.choice(self.recent_missed)
            dialled = "8" + remote[-10:]  # operators dial 8XXXXXXXXXX whatever CALLERID said
            talk = 0 if rng.random() < 0.2 else rng.randint(6, 400)
            return make_row(
                when=when, duration=talk, extension=rng.choice(ALL_STATIONS), number=dialled,
                co=line, calltype="C", ring=rng.randint(3, 30), status=rng.choice(DESTINATIONS),
                price=round(talk * 0.05, 2),
            )  # fmt: skip
        number = rng.choice(self.customers)
        talk = 0 if rng.random() < 0.25 else rng.randint(1, 900)
        return make_row(
            when=when, duration=talk, extension=rng.choice(ALL_STATIONS),
            number="8" + number[-10:], co=line, calltype="C", ring=rng.randint(3, 30),
            status=rng.choice(DESTINATIONS), price=round(talk * 0.05, 2),
        )  # fmt: skip

    def rows(self, count: int) -> Iterator[dict[str, object]]:
        for _ in range(count):
            yield self.next_row()


def generate(path: Path, count: int, seed: int) -> Traffic:
    """Write ``count`` rows in large append_many batches; the traffic goes on from there."""
    traffic = Traffic(seed)
    writer = CallsDbfWriter.create(path)
    left = count
    while left > 0:
        batch = min(WRITE_BATCH, left)
        writer.append_many(itertools.islice(traffic.rows(batch), batch))
        left -= batch
    return traffic


def make_config(dbf: Path, db: Path) -> Config:
    data = {
        "timezone": "Europe/Moscow",
        "source": {"path": str(dbf), "encoding": "auto", "settle_seconds": 30},
        "database": {"path": str(db)},
        "rules": {"callback_min_seconds": 5, "employee_numbers": EMPLOYEE_MOBILES},
        "department": [
            {"name": "Sales", "chat": -1001, "extensions": [SALES_GROUP, "201-210"]},
            {"name": "Service", "chat": -1002, "extensions": [SERVICE_GROUP, "211-220"]},
            {"name": "Office", "chat": -1003, "default": True},
        ],
    }
    return parse_config(data, base_dir=dbf.parent)


# -- measurements -----------------------------------------------------------------------


def dbfread_full(path: Path) -> float:
    """Seconds for a full dbfread pass over the file, as a naive watcher would re-read it."""
    start = time.perf_counter()
    for _ in dbfread.DBF(str(path), encoding="cp866"):
        pass
    return time.perf_counter() - start


def peak_rss_mb() -> tuple[float, float]:
    """This process's peak RSS in MB: (VmHWM, ru_maxrss).

    On Linux ``ru_maxrss`` survives ``exec``: a child spawned by a parent that once held
    70 MB reports at least 70 MB before it has done anything. VmHWM belongs to the child's
    own address space, so it is the figure used where /proc exists.
    """
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024, maxrss
    except OSError:
        pass
    return maxrss, maxrss


def child_import(dbf: Path, db: Path, clock: str) -> dict[str, Any]:
    """Run in the child: only the import, then report time and peak RSS."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    baseline, _ = peak_rss_mb()
    now = datetime.fromisoformat(clock)
    config = make_config(dbf, db)
    with Ledger(db) as ledger:
        # As `perezvon import` runs with no `run` beside it: holding the ledger alone.
        ingestor = Ingestor(config, ledger, clock=lambda: now, alone=True)
        start = time.perf_counter()
        result = ingestor.scan(history=True)
        seconds = time.perf_counter() - start
        calls = ledger.call_count()
    peak, maxrss = peak_rss_mb()
    return {
        "seconds": seconds,
        "records": result.records_read,
        "new_calls": result.new_calls,
        "stored_calls": calls,
        "cases_opened": result.cases.opened,
        "cases_merged": result.cases.merged,
        "cases_closed": result.cases.closed,
        "maxrss_mb": peak,
        "ru_maxrss_mb": maxrss,
        "baseline_rss_mb": baseline,
    }


def run_import(dbf: Path, db: Path, clock: datetime) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--child-import", str(dbf), str(db), clock.isoformat(),
    ]  # fmt: skip
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"import child failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def incremental(dbf: Path, db: Path, traffic: Traffic, reps: int) -> dict[str, Any]:
    """Median time of a scan that finds exactly one new, finalized row."""
    config = make_config(dbf, db)
    writer = CallsDbfWriter.open(dbf)
    times: list[float] = []
    with Ledger(db) as ledger:
        ingestor = Ingestor(config, ledger, clock=lambda: traffic.now + timedelta(minutes=1))
        warm = ingestor.scan()  # nothing new: the import left the cursor at the end
        if warm.records_read:
            raise SystemExit(f"{dbf}: the warm-up scan read {warm.records_read} records")
        for _ in range(reps):
            writer.append(traffic.next_row())
            start = time.perf_counter()
            result = ingestor.scan()
            times.append(time.perf_counter() - start)
            if result.records_read != 1 or result.new_calls != 1:
                raise SystemExit(
                    f"{dbf}: an incremental scan read {result.records_read} records and"
                    f" stored {result.new_calls} calls, expected 1 and 1"
                )
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


# -- report -----------------------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def fmt_rows(count: int) -> str:
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000}k"
    return str(count)


def measure(size: int, label: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    dbf = work / f"Calls-{label}.dbf"
    db = work / f"ledger-{label}.db"
    print(f"[{label}] generating {size:,} rows ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    traffic = generate(dbf, size, args.seed)
    generated = time.perf_counter() - start
    runs = 1 if size >= 100_000 else 3
    print(f"[{label}] full dbfread re-read x{runs} ...", file=sys.stderr, flush=True)
    full = min(dbfread_full(dbf) for _ in range(runs))
    print(f"[{label}] bulk import in a child process ...", file=sys.stderr, flush=True)
    imported = run_import(dbf, db, traffic.now + timedelta(minutes=1))
    # dbfread again right after: the import is compared with the mean of the reads on
    # either side of it, so a machine whose speed drifts over the run (a shared host)
    # moves both sides of the ratio alike, and the drift itself is shown.
    print(f"[{label}] full dbfread re-read after the import ...", file=sys.stderr, flush=True)
    after = min(dbfread_full(dbf) for _ in range(runs))
    reference = (full + after) / 2
    print(f"[{label}] {args.reps} incremental scans ...", file=sys.stderr, flush=True)
    inc = incremental(dbf, db, traffic, args.reps)
    return {
        "rows": size,
        "file_mb": dbf.stat().st_size / 1e6,
        "generate_s": generated,
        "full_reread_s": full,
        "full_reread_runs": runs,
        "raw_rows_per_s": size / reference,
        "incremental_median_s": inc["median"],
        "incremental_min_s": inc["min"],
        "incremental_max_s": inc["max"],
        "speedup": full / inc["median"],
        "import_s": imported["seconds"],
        "import_rows_per_s": size / imported["seconds"],
        "full_reread_after_s": after,
        "import_vs_raw": reference / imported["seconds"],
        "import_maxrss_mb": imported["maxrss_mb"],
        "import_baseline_rss_mb": imported["baseline_rss_mb"],
        "import_ru_maxrss_mb": imported["ru_maxrss_mb"],
        "import_calls": imported["stored_calls"],
        "import_cases": [
            imported["cases_opened"],
            imported["cases_merged"],
            imported["cases_closed"],
        ],
    }


def _drift(figures: dict[str, Any]) -> float:
    """The second dbfread read against the first: how much the machine's speed moved."""
    return float(figures["full_reread_after_s"] / figures["full_reread_s"])


def report(small: dict[str, Any], large: dict[str, Any], args: argparse.Namespace) -> bool:
    s, g = fmt_rows(small["rows"]), fmt_rows(large["rows"])
    print(
        f"Perezvon ingest benchmark: python {platform.python_version()},"
        f" dbfread {dbfread.__version__}, sqlite {sqlite3.sqlite_version},"
        f" {os.cpu_count()} CPUs"
    )
    lines = [
        ("rows in Calls.dbf", f"{small['rows']:,}", f"{large['rows']:,}"),
        ("file size", f"{small['file_mb']:.2f} MB", f"{large['file_mb']:.1f} MB"),
        (
            "full dbfread re-read",
            f"{fmt_time(small['full_reread_s'])} (best of {small['full_reread_runs']})",
            f"{fmt_time(large['full_reread_s'])} (best of {large['full_reread_runs']})",
        ),
        (
            "  dbfread after the import (drift)",
            *(f"{fmt_time(d['full_reread_after_s'])} ({_drift(d):.2f}x)" for d in (small, large)),
        ),
        (
            f"incremental scan, 1 row (median of {args.reps})",
            fmt_time(small["incremental_median_s"]),
            fmt_time(large["incremental_median_s"]),
        ),
        (
            "  min / max",
            f"{fmt_time(small['incremental_min_s'])} / {fmt_time(small['incremental_max_s'])}",
            f"{fmt_time(large['incremental_min_s'])} / {fmt_time(large['incremental_max_s'])}",
        ),
        ("re-read / incremental", f"{small['speedup']:,.0f}x", f"{large['speedup']:,.0f}x"),
        (
            "raw dbfread iteration (mean of both reads)",
            *(f"{d['raw_rows_per_s']:,.0f} rows/s" for d in (small, large)),
        ),
        ("import scan(history=True)", *(fmt_time(d["import_s"]) for d in (small, large))),
        ("import rate", *(f"{d['import_rows_per_s']:,.0f} rows/s" for d in (small, large))),
        (
            "import rate / raw dbfread (mean of both reads)",
            *(f"{d['import_vs_raw']:.2f}x" for d in (small, large)),
        ),
        (
            "import child peak RSS",
            *(
                f"{d['import_maxrss_mb']:.1f} MB (before import {d['import_baseline_rss_mb']:.1f})"
                for d in (small, large)
            ),
        ),
        (
            "  child ru_maxrss (incl. parent's at exec)",
            *(f"{d['import_ru_maxrss_mb']:.1f} MB" for d in (small, large)),
        ),
        (
            "calls stored; cases opened/merged/closed",
            *(
                f"{d['import_calls']:,}; {'/'.join(map(str, d['import_cases']))}"
                for d in (small, large)
            ),
        ),
    ]
    width = max(len(line[0]) for line in lines) + 2
    col = max(len(x) for line in lines for x in line[1:]) + 2
    print(f"{'':{width}}{s + ' rows':>{col}}{g + ' rows':>{col}}")
    for name, a, b in lines:
        print(f"{name:{width}}{a:>{col}}{b:>{col}}")

    scaling = large["incremental_median_s"] / small["incremental_median_s"]
    checks = [
        (
            f"{g}: one appended row >= {TARGET_SPEEDUP:,.0f}x faster than a full re-read",
            large["speedup"] >= TARGET_SPEEDUP,
            f"{large['speedup']:,.0f}x",
        ),
        (
            f"{g} incremental within {TARGET_SCALING:.0f}x of {s}",
            scaling <= TARGET_SCALING,
            f"{scaling:.2f}x",
        ),
        (
            f"{g}: bulk import >= {TARGET_IMPORT_RATIO}x raw dbfread rate",
            large["import_vs_raw"] >= TARGET_IMPORT_RATIO,
            f"{large['import_vs_raw']:.2f}x",
        ),
        (
            f"{g}: import peak RSS < {TARGET_RSS_MB:.0f} MB",
            large["import_maxrss_mb"] < TARGET_RSS_MB,
            f"{large['import_maxrss_mb']:.1f} MB",
        ),
    ]
    out = Path(args.out) / "ingest-bench.json" if args.out else None
    return verdict(checks, {"small": small, "large": large, "scaling": scaling}, out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-import"]:
        _, dbf, db, clock = argv
        print(json.dumps(child_import(Path(dbf), Path(db), clock)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows-large", type=int, default=1_000_000)
    parser.add_argument("--rows-small", type=int, default=1_000)
    parser.add_argument(
        "--out", help="folder for the working files (a temp folder inside it) and the JSON"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--reps", type=int, default=20, help="appended rows per file size")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="perezvon-bench-", dir=args.out))
    try:
        small = measure(args.rows_small, "small", work, args)
        large = measure(args.rows_large, "large", work, args)
        passed = report(small, large, args)
    finally:
        if args.keep:
            print(f"files kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
