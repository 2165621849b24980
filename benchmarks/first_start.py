"""First-start benchmark: how soon a new missed call is posted on a big Calls.dbf.

Run ``python benchmarks/first_start.py [--rows 1000000] [--out DIR]`` (or ``make
bench-first-start``). It writes a realistic Calls.dbf (the traffic of
``benchmarks/ingest.py``) and then:

(a) starts :class:`watcher.service.WatcherService` on it with an empty ledger (``perezvon
    run`` with no import before), appends a missed call 1 s after the start, and times
    when its case is in the outbox (what the bot posts from), after the start and after
    the append; also when the tail's cases were in and when the history was all read;
(b) times a plain pass in file order (what a first start did before: the history first)
    over the same file into a fresh ledger, and compares what the two ledgers hold.

The post latency is shown against the plain pass, a ratio where the machine's speed
cancels out. It prints PASS/FAIL per target and one ``JSON {...}`` line; the exit status
is 0 whatever the figures unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from benchmarks.ingest import fmt_time, generate, make_config  # noqa: E402
from benchmarks.verdict import verdict  # noqa: E402
from watcher.ingest import Ingestor  # noqa: E402
from watcher.ledger import Ledger  # noqa: E402
from watcher.service import WatcherService  # noqa: E402
from watcher.sim.wintariff import CallsDbfWriter, make_row  # noqa: E402

# Target from issue 10, item 4.
TARGET_POST_SECONDS = 2.0  # a call appended after the start is in the outbox within this
APPEND_AFTER = 1.0  # seconds after the start the new missed call is written
NEW_CALLER = "89990001122"
POLL = 0.01


def case_in_outbox(db: Path, remote: str) -> bool:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute(
            "SELECT 1 FROM cases JOIN outbox ON outbox.case_id = cases.id"
            " WHERE cases.remote = ? LIMIT 1",
            [remote],
        ).fetchone()
    return row is not None


def outbox_rows(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("SELECT count(*) FROM outbox").fetchone()
    return int(row[0]) if row else 0


def backfill_left(db: Path) -> bool:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute(
            "SELECT count(*) FROM source_state WHERE backfill_end IS NOT NULL"
        ).fetchone()
    return bool(row and row[0])


def watch(checks: dict[str, Any], timeout: float) -> dict[str, float | None]:
    """When each check first held (monotonic seconds), polled together in one loop so
    that one does not wait behind another; slower once only the history is awaited, so
    the poller does not take the watcher's interpreter time."""
    seen: dict[str, float | None] = dict.fromkeys(checks)
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(v is None for v in seen.values()):
        for name, check in checks.items():
            if seen[name] is None:
                try:
                    if check():
                        seen[name] = time.monotonic()
                except sqlite3.OperationalError:  # the ledger not made yet, or busy
                    pass
        left = [name for name, v in seen.items() if v is None]
        time.sleep(POLL if left != ["history"] else 0.2)
    return seen


def first_start(dbf: Path, db: Path, end_of_traffic: datetime, timeout: float) -> dict[str, Any]:
    """The service on an empty ledger, a missed call appended 1 s after it starts."""
    config = make_config(dbf, db)
    began = time.monotonic()
    start_at = end_of_traffic + timedelta(minutes=1)

    def clock() -> datetime:
        return start_at + timedelta(seconds=time.monotonic() - began)

    changes = threading.Event()
    service = _TimedService(config, clock=clock, on_change=changes.set)
    service.start()
    remote = "+7" + NEW_CALLER[1:]
    try:
        tail = watch({"tail": lambda: outbox_rows(db) > 0}, APPEND_AFTER)["tail"]
        time.sleep(max(0.0, began + APPEND_AFTER - time.monotonic()))
        writer = CallsDbfWriter.open(dbf)
        row = make_row(
            when=clock().replace(microsecond=0), duration=0, extension="600",
            callerid=NEW_CALLER, co="01", calltype="I", callmode="NA", ring=20,
        )  # fmt: skip
        writer.append(row)
        appended = time.monotonic()
        checks = {
            "tail": lambda: outbox_rows(db) > 0,
            "posted": lambda: case_in_outbox(db, remote),
            "history": lambda: not backfill_left(db),
        }
        if tail is not None:
            del checks["tail"]
        seen = watch(checks, timeout)
        tail = tail if tail is not None else seen["tail"]
        posted, done = seen["posted"], seen["history"]
    finally:
        service.stop()
    return {
        "posted_after_start": None if posted is None else posted - began,
        "posted_after_append": None if posted is None else posted - appended,
        "tail_posted_after_start": None if tail is None else tail - began,
        "history_read_after_start": None if done is None else done - began,
        "longest_step": max(service.steps, default=0.0),
        "steps": len(service.steps),
    }


class _TimedService(WatcherService):
    """The service, timing each history step: one transaction, the write lock held."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps: list[float] = []

    def backfill_now(self) -> Any:
        began = time.perf_counter()
        result = super().backfill_now()
        if result is not None:
            self.steps.append(time.perf_counter() - began)
        return result


def plain_pass(dbf: Path, db: Path, end_of_traffic: datetime) -> dict[str, Any]:
    """A pass over the whole file in file order, the history first (before issue 10)."""
    config = make_config(dbf, db)
    clock = end_of_traffic + timedelta(minutes=1)
    with Ledger(db) as ledger:
        ingestor = Ingestor(config, ledger, clock=lambda: clock, backfill_over=10**12)
        began = time.perf_counter()
        ingestor.scan()
        took = time.perf_counter() - began
    return {"seconds": took}


def ledger_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("calls", "cases", "case_events")
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument(
        "--out", help="folder for the working files (a temp folder inside it) and the JSON"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="perezvon-first-start-", dir=args.out))
    try:
        dbf = work / "Calls.dbf"
        began = time.perf_counter()
        traffic = generate(dbf, args.rows, args.seed)
        print(f"wrote {args.rows} rows in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        end = traffic.now
        # The plain pass first, on a copy: the first start appends to the file it reads.
        plain_dbf = work / "plain" / "Calls.dbf"
        plain_dbf.parent.mkdir()
        shutil.copyfile(dbf, plain_dbf)
        plain = plain_pass(plain_dbf, work / "plain" / "perezvon.db", end)
        start = first_start(
            dbf, work / "perezvon.db", end, timeout=max(120.0, plain["seconds"] * 5)
        )
        plain_counts = ledger_counts(work / "plain" / "perezvon.db")
        start_counts = ledger_counts(work / "perezvon.db")
    finally:
        if args.keep:
            print(f"files kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    passed = report(args.rows, plain, start, plain_counts, start_counts, args.out)
    return 1 if args.strict and not passed else 0


def report(
    rows: int,
    plain: dict[str, Any],
    start: dict[str, Any],
    plain_counts: dict[str, int],
    start_counts: dict[str, int],
    out: str | None,
) -> bool:
    def shown(value: float | None) -> str:
        return "never" if value is None else fmt_time(value)

    posted = start["posted_after_start"]
    after_append = start["posted_after_append"]
    history = start["history_read_after_start"]
    print(
        f"first start on {rows:,} rows"
        f" ({platform.python_implementation()} {platform.python_version()})"
    )
    print(f"  plain pass, history first            {fmt_time(plain['seconds'])}")
    print(f"  tail cases in the outbox after start {shown(start['tail_posted_after_start'])}")
    print(f"  new call in the outbox after start   {shown(posted)}")
    print(f"  new call in the outbox after append  {shown(after_append)}")
    print(f"  history all read after start         {shown(history)}")
    ratio = None if posted is None else posted / plain["seconds"]
    overhead = None if history is None else history / plain["seconds"]
    if ratio is not None:
        print(f"  post latency / plain pass            {ratio:.3f}")
    if overhead is not None:
        print(f"  backfill to the end / plain pass     {overhead:.2f}")
    longest = fmt_time(start["longest_step"])
    print(f"  history steps, longest (lock held)   {start['steps']}, {longest}")
    same = {
        k: plain_counts[k] == start_counts[k] - (1 if k == "calls" else 0) for k in plain_counts
    }
    checks = [
        (
            f"new call posted within {TARGET_POST_SECONDS:g} s of start",
            posted is not None and posted <= TARGET_POST_SECONDS,
            shown(posted),
        ),
        (
            "history read in the background, all calls stored",
            history is not None and same["calls"],
            f"{start_counts['calls'] - 1:,} history calls vs {plain_counts['calls']:,}",
        ),
    ]
    figures = {
        "rows": rows,
        "plain_pass_s": plain["seconds"],
        **{f"{k}_s": v for k, v in start.items() if k != "steps"},
        "history_steps": start["steps"],
        "post_latency_vs_plain_pass": ratio,
        "backfill_vs_plain_pass": overhead,
        "counts_plain": plain_counts,
        "counts_first_start": start_counts,
    }
    return verdict(checks, figures, Path(out) / "first-start-bench.json" if out else None)


if __name__ == "__main__":
    sys.exit(main())
