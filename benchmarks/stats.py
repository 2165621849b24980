"""Figures benchmark: /stats, the workbook and the bot's responsiveness on a 1M-call ledger.

Run ``python benchmarks/stats.py [--rows 1000000] [--out benchmarks/out]``. The ledger is
built once: the ingest benchmark's traffic (denser, so that a million calls fill about a
year) is written to a Calls.dbf and imported with the real ``Ingestor`` (cases and all),
then cached under ``--out`` (git-ignored) and reused by later runs.

Each measurement runs in a child process of its own, after a warm-up on one day (the bot
has answered a /stats before: matplotlib's fonts and XlsxWriter are loaded), so the RSS
growth it reports is the work's own (VmHWM reset through /proc/self/clear_refs):

(a) a year's /stats as the bot computes it (SQL figures + the chart, in a worker thread);
(a') a year's /load as the bot computes it (the weekday x hour grid + the heatmap);
(b) a month's workbook (.xlsx), as /report builds it;
(c) the bot itself (real outbox, real PTB, the fake Bot API of the tests) on a copy of the
    ledger: while (a) and then (b) run, a missed call is stored from another thread, the
    way the watcher does, and the time until its card reaches the fake Bot API is taken;
    a coroutine measures how late ``asyncio.sleep(0.01)`` wakes meanwhile;
(d) v0.1's way for comparison (every call of the year into Python), unless --skip-old.

It prints a table, PASS/FAIL per target and one ``JSON {...}`` line; the exit status is 0
whatever the figures (a report, not a test) unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
for folder in (ROOT, HERE):  # run as a plain script from a checkout
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from ingest import WRITE_BATCH, Traffic, make_config  # noqa: E402

from benchmarks.verdict import verdict  # noqa: E402
from watcher import schema  # noqa: E402
from watcher.config import Config, parse_config  # noqa: E402
from watcher.ingest import Ingestor  # noqa: E402
from watcher.ledger import Ledger  # noqa: E402
from watcher.sim.wintariff import CallsDbfWriter  # noqa: E402
from watcher.stats import Period, parse_period  # noqa: E402

MEAN_GAP = 12.0  # seconds between calls in office hours: 1M calls in about 11 months
TARGET_STATS_S = 1.0
TARGET_LOAD_S = 1.0
TARGET_REPORT_S = 5.0
TARGET_RSS_MB = 50.0
TARGET_POST_S = 1.0
TARGET_LAG_S = 0.1
STATS_RUNS = 3


# -- the ledger ---------------------------------------------------------------------------


def build_ledger(rows: int, seed: int, out: Path) -> Path:
    """The cached ledger of ``rows`` imported calls, built on first use."""
    # The schema version in the name: a ledger migrated by an older ladder is not reused.
    db = out / f"stats-ledger-{rows}-seed{seed}-v{schema.LATEST}.db"
    done = out / f"{db.name}.done"
    if db.exists() and done.exists():
        return db
    out.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    dbf = out / f"stats-calls-{rows}-seed{seed}.dbf"
    print(f"building the ledger: writing {rows:,} rows to {dbf.name} ...", file=sys.stderr)
    started = time.perf_counter()
    traffic = Traffic(seed, mean_gap=MEAN_GAP)
    writer = CallsDbfWriter.create(dbf)
    left = rows
    while left > 0:
        batch = min(WRITE_BATCH, left)
        writer.append_many(itertools.islice(traffic.rows(batch), batch))
        left -= batch
    print(f"  written in {time.perf_counter() - started:.0f} s; importing ...", file=sys.stderr)
    config = make_config(dbf, db)
    now = traffic.now + timedelta(minutes=1)
    with Ledger(db) as ledger:
        Ingestor(config, ledger, clock=lambda: now, alone=True).scan(history=True)
    dbf.unlink()
    done.write_text(f"{traffic.now.isoformat()}\n", encoding="utf-8")
    print(f"  ledger ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db


def ledger_end(db: Path) -> date:
    text = (db.parent / f"{db.name}.done").read_text(encoding="utf-8").strip()
    return datetime.fromisoformat(text).date()


def bench_config(db: Path) -> Config:
    """The ingest benchmark's departments, with a managers' chat for the bot."""
    config = make_config(db.with_suffix(".dbf"), db)
    data = {
        "timezone": config.timezone,
        "source": {"path": str(config.source.path)},
        "database": {"path": str(db)},
        "rules": {"employee_numbers": list(config.rules.employee_numbers)},
        "telegram": {"managers_chat": -1009, "daily_summary": ""},
        "department": [
            {"name": d.name, "chat": d.chat, "extensions": list(d.extensions), "default": d.default}
            for d in config.departments
        ],
    }
    return parse_config(data, base_dir=db.parent)


def periods(db: Path) -> tuple[Period, Period, Period]:
    """The year of the data, its last full month, and a warm-up day."""
    end = ledger_end(db)
    year = parse_period(f"{end.year}-01-01..{end.year}-12-31", end)
    month = parse_period("last month", end)
    day = parse_period("yesterday", end)
    return year, month, day


# -- measuring in a child -------------------------------------------------------------------


def rss_mb() -> float:
    return _status("VmRSS:")


def _status(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakRss:
    """Peak RSS growth over a block: VmHWM reset first; a sampler thread where it can't be."""

    def __enter__(self) -> PeakRss:
        self.base = rss_mb()
        self.peak = self.base
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
                refs.write("5")
            self.hwm = True
        except OSError:
            self.hwm = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.hwm:
            self.peak = max(self.peak, _status("VmHWM:"))

    @property
    def growth(self) -> float:
        return self.peak - self.base


def timed_runs(job: Callable[[], Any]) -> tuple[dict[str, Any], Any]:
    """``job`` run STATS_RUNS times under PeakRss: the times and memory, and its last result."""
    runs = []
    with PeakRss() as rss:
        for _ in range(STATS_RUNS):
            start = time.perf_counter()
            result = job()
            runs.append(time.perf_counter() - start)
    figures = {
        "runs_s": runs,
        "median_s": statistics.median(runs),
        "first_s": runs[0],
        "rss_growth_mb": rss.growth,
        "rss_mb": rss.peak,
    }
    return figures, result


def child_stats(db: Path) -> dict[str, Any]:
    from bot.figures import figures

    year, _, day = periods(db)
    figures(db, day, "ru")  # warm-up: the bot answered a /stats before
    timed, (stats, png) = timed_runs(lambda: figures(db, year, "ru"))
    return {
        **timed,
        "incoming": stats.incoming,
        "cases": stats.cases_total,
        "png_bytes": len(png),
        "label": year.label,
    }


def child_load(db: Path) -> dict[str, Any]:
    """A year's /load for the managers' chat (every department): grid and picture."""
    from bot.figures import load_picture

    year, _, day = periods(db)
    config = bench_config(db)
    load_picture(config, db, day, None, "ru")  # warm-up: the bot drew a heatmap before
    timed, photo = timed_runs(lambda: load_picture(config, db, year, None, "ru"))
    return {**timed, "png_bytes": len(photo.png), "label": year.label}


def child_report(db: Path) -> dict[str, Any]:
    from watcher.workbook import make_report

    _, month, day = periods(db)
    config = bench_config(db)
    with tempfile.TemporaryDirectory(prefix="perezvon-bench-report-") as folder:
        make_report(db, config, day, Path(folder) / "warm.xlsx")
        target = Path(folder) / "month.xlsx"
        with PeakRss() as rss:
            start = time.perf_counter()
            make_report(db, config, month, target, tmpdir=Path(folder))
            seconds = time.perf_counter() - start
        size = target.stat().st_size
    return {
        "seconds": seconds,
        "rss_growth_mb": rss.growth,
        "rss_mb": rss.peak,
        "xlsx_mb": size / 1e6,
        "label": month.label,
    }


def child_old(db: Path) -> dict[str, Any]:
    """v0.1's /stats: every call and case of the year into Python (tests' reference)."""
    from tests.stats_reference import reference_stats

    year, _, _ = periods(db)
    with Ledger(db) as ledger, PeakRss() as rss:
        start = time.perf_counter()
        stats = reference_stats(ledger, year, history=False)  # as v0.1: the year only
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_growth_mb": rss.growth, "incoming": stats.incoming}


def child_bot(db: Path) -> dict[str, Any]:
    return asyncio.run(_bot_responsiveness(db))


async def _bot_responsiveness(db: Path) -> dict[str, Any]:
    """The real bot on a copy of the ledger; a missed call arrives during each job."""
    from bot.app import PerezvonBot, build_application
    from bot.figures import report_document, stats_parts
    from tests.fake_bot_api import FakeBotApi
    from watcher.models import Call
    from watcher.vocab import Direction

    year, month, day = periods(db)
    with tempfile.TemporaryDirectory(prefix="perezvon-bench-bot-") as folder:
        copy = Path(folder) / "perezvon.db"
        shutil.copyfile(db, copy)
        config = bench_config(copy)
        sales = config.departments[0]
        async with FakeBotApi() as api:
            app = build_application(
                config, api.token, api.base_url, poll_timeout=1.0, clock=lambda: datetime.now()
            )
            bot = PerezvonBot(app)
            await bot.start()
            runtime = bot.runtime
            await stats_parts(runtime.ledger, day, "ru")  # warm-up
            await report_document(config, runtime.ledger, day, None, "ru")
            results: dict[str, Any] = {}
            jobs: list[tuple[str, Callable[[], Any]]] = [
                ("stats", lambda: stats_parts(runtime.ledger, year, "ru")),
                ("report", lambda: report_document(config, runtime.ledger, month, None, "ru")),
            ]
            for number, (name, job) in enumerate(jobs):
                lag = _LagMeter()
                meter = asyncio.create_task(lag.run())
                start = time.perf_counter()
                task = asyncio.create_task(job())
                await asyncio.sleep(0.15)  # well into the job
                caller = f"+7916{5550000 + number:07d}"
                posted_at = await _missed_call_posted(
                    api, bot, copy, sales, caller, Call, Direction
                )
                await task
                seconds = time.perf_counter() - start
                lag.stop()
                await meter
                results[name] = {
                    "job_s": seconds,
                    "post_s": posted_at,
                    "post_during_job": posted_at + 0.15 < seconds,
                    "max_lag_s": lag.max,
                    "median_lag_s": statistics.median(lag.lags) if lag.lags else 0.0,
                    "lag_samples": len(lag.lags),
                }
            await bot.stop()
    return results


async def _missed_call_posted(
    api: Any, bot: Any, db: Path, department: Any, caller: str, call_type: Any, direction: Any
) -> float:
    """Store a missed call and its case from another thread, as the watcher does, wake
    the bot, and return the seconds until its card reaches the (fake) Bot API."""

    def here(call: Any) -> bool:
        return not call.failed and call.params.get("chat_id") == department.chat

    before = len([c for c in api.calls_of("sendMessage") if here(c)])

    def store() -> None:
        now = datetime.now().replace(microsecond=0)
        call = call_type(
            fingerprint=f"bench-{caller}",
            record_index=10**9,
            started_at=now,
            duration=0,
            extension=department.extensions[0],
            direction=direction.IN,
            remote=caller,
            ring_seconds=25,
        )
        with Ledger(db) as ledger, ledger.transaction():
            ledger.insert_calls([call])
            ledger.create_case(
                call=call,
                department=department.name,
                chat=department.chat,
                new_caller=True,
                contact_name=None,
                contact_company=None,
                silent=False,
                now=now,
            )
        bot.wake_from_thread()

    start = time.perf_counter()
    await asyncio.to_thread(store)
    await api.wait_for("sendMessage", here, count=before + 1, timeout=30)
    return time.perf_counter() - start


class _LagMeter:
    """How late ``asyncio.sleep(0.01)`` wakes: the event loop's responsiveness."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.max = 0.0
        self._running = True

    def stop(self) -> None:
        self._running = False

    async def run(self) -> None:
        while self._running:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = time.perf_counter() - start - 0.01
            self.lags.append(lag)
            self.max = max(self.max, lag)


CHILDREN = {
    "stats": child_stats,
    "load": child_load,
    "report": child_report,
    "bot": child_bot,
    "old": child_old,
}


def run_child(kind: str, db: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(db)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    print(f"[{kind}] ...", file=sys.stderr, flush=True)
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {kind} failed ({done.returncode}):\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- report -----------------------------------------------------------------------------------


def report(db: Path, results: dict[str, Any], args: argparse.Namespace) -> bool:
    stats, load, book = results["stats"], results["load"], results["report"]
    bot = results["bot"]
    old = results.get("old")
    calls = sqlite3.connect(db).execute("SELECT count(*) FROM calls").fetchone()[0]
    print(
        f"Perezvon figures benchmark: python {platform.python_version()},"
        f" sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, ledger of {calls:,} calls"
        f" ({db.stat().st_size / 1e6:.0f} MB)"
    )
    lines = [
        (
            f"year /stats with chart ({stats['label']}), median of {STATS_RUNS}",
            f"{stats['median_s']:.3f} s (first {stats['first_s']:.3f} s)",
        ),
        ("  incoming calls / cases in it", f"{stats['incoming']:,} / {stats['cases']:,}"),
        ("  RSS growth", f"{stats['rss_growth_mb']:.1f} MB (peak {stats['rss_mb']:.0f} MB)"),
        (
            f"year /load with heatmap ({load['label']}), median of {STATS_RUNS}",
            f"{load['median_s']:.3f} s (first {load['first_s']:.3f} s)",
        ),
        ("  RSS growth", f"{load['rss_growth_mb']:.1f} MB (peak {load['rss_mb']:.0f} MB)"),
        (f"month workbook ({book['label']})", f"{book['seconds']:.2f} s, {book['xlsx_mb']:.1f} MB"),
        ("  RSS growth", f"{book['rss_growth_mb']:.1f} MB (peak {book['rss_mb']:.0f} MB)"),
    ]
    for name in ("stats", "report"):
        b = bot[name]
        lines.append(
            (
                f"bot: missed call posted during {name}",
                f"{b['post_s']:.3f} s (job {b['job_s']:.2f} s)",
            )
        )
        lines.append(
            (
                "  event-loop lag of sleep(0.01), max / median",
                f"{b['max_lag_s'] * 1e3:.1f} / {b['median_lag_s'] * 1e3:.1f} ms",
            )
        )
    if old:
        lines.append(
            (
                "v0.1 year /stats (every call into Python)",
                f"{old['seconds']:.2f} s, RSS +{old['rss_growth_mb']:.0f} MB",
            )
        )
        lines.append(
            (
                "  v0.1 / now",
                f"{old['seconds'] / stats['median_s']:.1f}x time, "
                f"{old['rss_growth_mb'] / max(stats['rss_growth_mb'], 0.1):.0f}x RSS",
            )
        )
    width = max(len(name) for name, _ in lines) + 2
    for name, value in lines:
        print(f"{name:{width}}{value}")
    checks = [
        (
            f"year /stats with chart <= {TARGET_STATS_S:.0f} s",
            stats["median_s"] <= TARGET_STATS_S,
            f"{stats['median_s']:.3f} s",
        ),
        (
            f"year /load with heatmap <= {TARGET_LOAD_S:.0f} s",
            load["median_s"] <= TARGET_LOAD_S,
            f"{load['median_s']:.3f} s",
        ),
        (
            f"month workbook <= {TARGET_REPORT_S:.0f} s",
            book["seconds"] <= TARGET_REPORT_S,
            f"{book['seconds']:.2f} s",
        ),
        (
            f"RSS growth during /stats <= {TARGET_RSS_MB:.0f} MB",
            stats["rss_growth_mb"] <= TARGET_RSS_MB,
            f"{stats['rss_growth_mb']:.1f} MB",
        ),
        (
            f"RSS growth during /load <= {TARGET_RSS_MB:.0f} MB",
            load["rss_growth_mb"] <= TARGET_RSS_MB,
            f"{load['rss_growth_mb']:.1f} MB",
        ),
        (
            f"RSS growth during the workbook <= {TARGET_RSS_MB:.0f} MB",
            book["rss_growth_mb"] <= TARGET_RSS_MB,
            f"{book['rss_growth_mb']:.1f} MB",
        ),
    ]
    for name in ("stats", "report"):
        b = bot[name]
        checks.append(
            (
                f"missed call posted within {TARGET_POST_S:.0f} s during {name}",
                b["post_s"] <= TARGET_POST_S and b["post_during_job"],
                f"{b['post_s']:.3f} s",
            )
        )
        checks.append(
            (
                f"event-loop lag during {name} <= {TARGET_LAG_S * 1e3:.0f} ms",
                b["max_lag_s"] <= TARGET_LAG_S,
                f"{b['max_lag_s'] * 1e3:.1f} ms",
            )
        )
    return verdict(checks, {"calls": calls, **results})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _, kind, db = argv
        print(json.dumps(CHILDREN[kind](Path(db)), default=float))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--out", default=str(HERE / "out"), help="cache folder (git-ignored)")
    parser.add_argument("--build-only", action="store_true", help="build the ledger and stop")
    parser.add_argument("--skip-old", action="store_true", help="skip v0.1's way (~1.3 GB)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    db = build_ledger(args.rows, args.seed, Path(args.out))
    with Ledger(db):
        pass  # brings the cached ledger to the current schema (its indexes) once
    if args.build_only:
        print(db)
        return 0
    kinds = ["stats", "load", "report", "bot"] + ([] if args.skip_old else ["old"])
    results = {kind: run_child(kind, db) for kind in kinds}
    passed = report(db, results, args)
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
