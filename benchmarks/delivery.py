"""Delivery benchmark (issue 10, point 7): what reaches the chats, and what idling costs.

Run ``python benchmarks/delivery.py [--quick] [--strict]`` (or ``make bench-delivery``).
In one run, each as a figure where the machine's speed cancels out:

(a) a burst of missed calls to one chat (200; 60 with ``--quick``) through the real bot
    against the fake Bot API enforcing Telegram's per-group limit (20 messages a minute),
    with the bot's own limits; the minute is scaled down to a few seconds on both sides.
    Targets: no 429 drawn; at most 20 messages to the chat in any (scaled) minute;
(b) the watcher idling on a Calls.dbf with native file events and with polling
    (``poll_interval = 5``, as for a network share), side by side in two processes:
    their CPU time over the same window. Target: native <= polling;
(c) a slow spell: Telegram applies posts but their answers come late, or never, for a
    while, with the bot's timeouts scaled down as much as the spell. Target: at most two
    copies of a case posted, and one left in the chat when the late answers come.

How soon a new call is posted on a first start is ``benchmarks/first_start.py``
(``make bench-first-start``). It prints PASS/FAIL per target and one ``JSON {...}``
line; the exit status is 0 whatever the figures unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from benchmarks.ingest import generate, make_config  # noqa: E402
from benchmarks.verdict import verdict  # noqa: E402
from bot.app import TELEGRAM_LIMITS, PerezvonBot, RateLimits, build_application  # noqa: E402
from bot.messenger import SEND_TIMEOUTS, SendTimeouts  # noqa: E402
from bot.outbox import RESEND_PAUSE  # noqa: E402
from tests.fake_bot_api import FakeBotApi, RecordedCall  # noqa: E402
from watcher.config import Config, parse_config  # noqa: E402
from watcher.ingest import Ingestor  # noqa: E402
from watcher.ledger import Ledger  # noqa: E402
from watcher.models import Call  # noqa: E402
from watcher.service import WatcherService  # noqa: E402
from watcher.vocab import Direction  # noqa: E402

# Targets from issue 10, point 7.
GROUP_PER_MINUTE = 20  # Telegram: about 20 messages a minute to one group
TARGET_FLOOD_ANSWERS = 0
TARGET_COPIES = 2  # a case posted at most twice in a slow spell
POLL_INTERVAL = 5.0  # README: a Calls.dbf on a network share
CHAT = -1001
ISSUE_SPELL_SECONDS = 30.0  # the slow spell of the issue: 5 copies of one case
SPELL_SCALE = 0.05  # the spell and the bot's timeouts: 30 s -> 1.5 s

log = logging.getLogger("benchmarks.delivery")


def bench_config(folder: Path) -> Config:
    data = {
        "timezone": "Europe/Moscow",
        "source": {"path": str(folder / "Calls.dbf")},
        "database": {"path": str(folder / "perezvon.db")},
        "department": [{"name": "Sales", "chat": CHAT, "extensions": ["600"], "default": True}],
    }
    return parse_config(data, base_dir=folder)


def store_cases(db: Path, count: int, first: int = 0) -> None:
    """``count`` missed calls from different numbers, each its own case: what the watcher
    writes for a burst (the bot reads only the ledger)."""
    now = datetime.now().replace(microsecond=0)
    with Ledger(db) as ledger, ledger.transaction():
        for n in range(first, first + count):
            call = Call(
                fingerprint=f"bench-{n}",
                record_index=n,
                started_at=now - timedelta(seconds=count - n),
                duration=0,
                extension="600",
                direction=Direction.IN,
                remote=f"+7916{n:07d}",
                ring_seconds=20,
            )
            ledger.insert_calls([call])
            ledger.create_case(
                call=call,
                department="Sales",
                chat=CHAT,
                new_caller=True,
                contact_name=None,
                contact_company=None,
                silent=False,
                now=now,
            )


def posts(api: FakeBotApi) -> list[RecordedCall]:
    return [c for c in api.calls_of("sendMessage") if not c.failed and c.params["chat_id"] == CHAT]


async def wait_delivered(bot: PerezvonBot, timeout: float) -> bool:
    ledger = bot.runtime.ledger
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if ledger.outbox_pending_count() == 0:
            return True
        await asyncio.sleep(0.05)
    return False


# -- (a) a burst to one chat ------------------------------------------------------------------


def max_in_window(times: list[float], window: float) -> int:
    """The most events in any ``window`` seconds (a sliding window, as Telegram counts)."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def scaled(limits: RateLimits, minute: float) -> RateLimits:
    """The bot's limits with Telegram's minute lasting ``minute`` seconds."""
    speed = limits.group_period / minute
    return RateLimits(
        overall_per_second=limits.overall_per_second * speed,
        group_per_minute=limits.group_per_minute,
        group_period=minute,
        retries=limits.retries,
    )


async def burst(count: int, minute: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="perezvon-bench-burst-") as folder:
        config = bench_config(Path(folder))
        Ledger(config.database_path).close()
        async with FakeBotApi() as api:
            api.enforce_limits(GROUP_PER_MINUTE, minute)
            app = build_application(
                config, api.token, api.base_url, poll_timeout=1.0, clock=datetime.now,
                limits=scaled(TELEGRAM_LIMITS, minute), outbox_tick=0.2,
            )  # fmt: skip
            bot = PerezvonBot(app)
            await bot.start()
            try:
                began = time.monotonic()
                await asyncio.to_thread(store_cases, config.database_path, count)
                bot.runtime.outbox.wake()
                # 20 a minute at the least; three times that and a flood wait or two.
                done = await wait_delivered(bot, count / GROUP_PER_MINUTE * minute * 3 + 30)
                took = time.monotonic() - began
            finally:
                await bot.stop()
            times = sorted(c.time for c in posts(api))
            return {
                "cases": count,
                "minute_s": minute,
                "delivered": len(times),
                "all_delivered": done,
                "flood_answers": api.flood_answers,
                "max_per_minute": max_in_window(times, minute),
                "minutes": took / minute,
            }


# -- (b) idle CPU, native events vs polling --------------------------------------------------


def child_idle(mode: str, folder: Path, seconds: float) -> dict[str, Any]:
    """The watcher service idling over a Calls.dbf whose history is already in the ledger:
    this process's CPU time over ``seconds`` (the main thread only sleeps meanwhile)."""
    config = make_config(folder / "Calls.dbf", folder / "perezvon.db")
    poll = POLL_INTERVAL if mode == "polling" else 0.0
    config = dataclasses.replace(
        config, source=dataclasses.replace(config.source, poll_interval=poll)
    )
    service = WatcherService(config)
    service.start()
    try:
        time.sleep(3.0)  # the first pass (nothing new) and the observer's start
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.monotonic()
        time.sleep(seconds)
        after = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.monotonic() - wall
    finally:
        service.stop()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"mode": mode, "cpu_s": cpu, "wall_s": wall}


def idle_cpu(rows: int, seconds: float) -> dict[str, Any]:
    """Both modes at once, each in a process of its own over its own copy of the file."""
    with tempfile.TemporaryDirectory(prefix="perezvon-bench-idle-") as work:
        source = Path(work) / "Calls.dbf"
        traffic = generate(source, rows, seed=2)
        clock = traffic.now + timedelta(minutes=1)
        for mode in ("native", "polling"):  # the ledger knows the file by its path
            folder = Path(work) / mode
            folder.mkdir()
            shutil.copyfile(source, folder / "Calls.dbf")
            config = make_config(folder / "Calls.dbf", folder / "perezvon.db")
            with Ledger(config.database_path) as ledger:
                Ingestor(config, ledger, clock=lambda: clock, backfill_over=10**12).scan()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        children = {}
        for mode in ("native", "polling"):
            folder = Path(work) / mode
            command = [sys.executable, __file__, "--child", mode, str(folder), str(seconds)]
            children[mode] = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )
        results: dict[str, Any] = {"rows": rows, "window_s": seconds}
        for mode, child in children.items():
            out, err = child.communicate(timeout=seconds + 120)
            if child.returncode != 0:
                raise SystemExit(f"idle child {mode} failed ({child.returncode}):\n{err}")
            results[mode] = json.loads(out.strip().splitlines()[-1])
        return results


# -- (c) a slow spell: lost answers ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Spell:
    """One slow spell: how long Telegram holds each answer, in units of the bot's own
    timeouts, and how long the spell lasts, in units of the issue's 30 s."""

    name: str
    hold: Callable[[SendTimeouts, float], float]  # (timeouts, resend pause) -> seconds
    length: float = 1.0


SPELLS = (
    # The late answer comes during the pause: no re-send at all.
    Spell("late answers, within the pause", lambda t, pause: t.answer + pause / 2),
    # It comes after the re-send: two posts, the duplicate deleted.
    Spell("late answers, after the re-send", lambda t, pause: (t.answer + pause + t.late) / 2),
    # They never come (past the late listening): two posts at most, both may stay.
    Spell("answers lost", lambda t, pause: t.late * 1.5),
    Spell("answers lost, a spell 4 times longer", lambda t, pause: t.late * 1.5, length=4.0),
)


async def slow_spell(spell: Spell, cases: int, scale: float) -> dict[str, Any]:
    """Telegram applies every post of a spell but holds its answer; the bot's timeouts
    and the spell are scaled by ``scale``."""
    timeouts = SendTimeouts(
        answer=SEND_TIMEOUTS.answer * scale,
        late=SEND_TIMEOUTS.late * scale,
        write=SEND_TIMEOUTS.write * scale,
    )
    pause = RESEND_PAUSE * scale
    with tempfile.TemporaryDirectory(prefix="perezvon-bench-slow-") as folder:
        config = bench_config(Path(folder))
        Ledger(config.database_path).close()
        async with FakeBotApi() as api:
            app = build_application(
                config, api.token, api.base_url, poll_timeout=1.0, clock=datetime.now,
                limits=None, outbox_tick=0.2, base_backoff=0.1, max_backoff=0.5,
                probe_seconds=0.2, send_timeouts=timeouts, resend_pause=pause,
            )  # fmt: skip
            bot = PerezvonBot(app)
            await bot.start()
            try:
                spell_seconds = ISSUE_SPELL_SECONDS * scale * spell.length
                api.delay_answers("sendMessage", spell.hold(timeouts, pause), seconds=spell_seconds)
                await asyncio.to_thread(store_cases, config.database_path, cases)
                bot.runtime.outbox.wake()
                done = await wait_delivered(bot, 120)
                # The late answers, and the deletion of the duplicates they show.
                await asyncio.sleep(timeouts.late)
                await wait_delivered(bot, 60)
            finally:
                await bot.stop()
            posted: dict[str, int] = {}
            for call in api.calls_of("sendMessage"):
                posted[call.params["text"]] = posted.get(call.params["text"], 0) + 1
            shown: dict[str, int] = {}
            for message in api.sent_to(CHAT):
                shown[message["text"]] = shown.get(message["text"], 0) + 1
            return {
                "spell": spell.name,
                "cases": cases,
                "answers_held": api.delayed_answers,
                "all_delivered": done,
                "max_copies_posted": max(posted.values(), default=0),
                "max_copies_in_chat": max(shown.values(), default=0),
                "cases_in_chat": len(shown),
                "deleted": len(api.calls_of("deleteMessage")),
            }


# -- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = args.quick
    results: dict[str, Any] = {}
    print("[idle] native events and polling, side by side ...", file=sys.stderr, flush=True)
    idle_rows, idle_window = (20_000, 10.0) if quick else (100_000, 30.0)
    results["idle"] = idle_cpu(idle_rows, idle_window)
    print("[burst] ...", file=sys.stderr, flush=True)
    count, minute = (60, 1.5) if quick else (200, 3.0)
    results["burst"] = asyncio.run(burst(count, minute))
    print("[slow] ...", file=sys.stderr, flush=True)
    results["slow"] = [asyncio.run(slow_spell(spell, 5, SPELL_SCALE)) for spell in SPELLS]
    return results


def report(results: dict[str, Any]) -> bool:
    burst_, idle = results["burst"], results["idle"]
    native, polling = idle["native"]["cpu_s"], idle["polling"]["cpu_s"]
    ratio = native / polling if polling > 0 else (0.0 if native == 0 else float("inf"))
    print(f"delivery ({platform.python_implementation()} {platform.python_version()})")
    print(
        f"  burst: {burst_['cases']} cases to one chat, Telegram's minute = "
        f"{burst_['minute_s']:g} s: {burst_['delivered']} posted in "
        f"{burst_['minutes']:.1f} minutes, {burst_['flood_answers']} × 429, at most "
        f"{burst_['max_per_minute']} in a minute"
    )
    print(
        f"  idle {idle['window_s']:g} s on {idle['rows']:,} rows: native {native * 1e3:.1f} ms"
        f" CPU, polling every {POLL_INTERVAL:g} s {polling * 1e3:.1f} ms CPU"
        f" (native / polling {ratio:.2f})"
    )
    for spell in results["slow"]:
        print(
            f"  slow spell, {spell['spell']}: {spell['cases']} cases, {spell['answers_held']}"
            f" answers held, at most {spell['max_copies_posted']} posts of a case,"
            f" {spell['max_copies_in_chat']} left in the chat, {spell['deleted']} deleted"
        )
    checks = [
        (
            f"burst draws {TARGET_FLOOD_ANSWERS} × 429",
            burst_["flood_answers"] <= TARGET_FLOOD_ANSWERS and burst_["all_delivered"],
            f"{burst_['flood_answers']} (all {burst_['delivered']} posted: "
            f"{burst_['all_delivered']})",
        ),
        (
            f"burst: at most {GROUP_PER_MINUTE} messages a minute to the chat",
            burst_["max_per_minute"] <= GROUP_PER_MINUTE,
            f"{burst_['max_per_minute']} ({burst_['max_per_minute'] / GROUP_PER_MINUTE:.2f}"
            " of the limit)",
        ),
        (
            "idle CPU: native events <= polling",
            native <= polling,
            f"native / polling {ratio:.2f}",
        ),
    ]
    for spell in results["slow"]:
        late = spell["spell"].startswith("late")
        checks.append(
            (
                f"slow spell, {spell['spell']}: <= {TARGET_COPIES} posts per case"
                + (", 1 left in the chat" if late else ""),
                spell["max_copies_posted"] <= TARGET_COPIES
                and spell["cases_in_chat"] == spell["cases"]
                and (spell["max_copies_in_chat"] == 1 or not late),
                f"{spell['max_copies_posted']} posted, {spell['max_copies_in_chat']} left",
            )
        )
    return verdict(checks, {**results, "idle_native_vs_polling": ratio})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _, mode, folder, seconds = argv
        print(json.dumps(child_idle(mode, Path(folder), float(seconds))))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller and shorter (~40 s)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    passed = report(run(args))
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
