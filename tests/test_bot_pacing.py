"""Telegram's limits and outages, against the fake Bot API (its counters, not the clock).

The fake server can enforce a per-chat limit (Telegram's ~20 messages a minute per group,
scaled down to a second here) and answer 429 beyond it. The bot's limiter allows 5 a
second, shaped so that no one second holds more than 5 (a plain leaky bucket of 5 a
second let 10 through); the server allows 10, or just the 5, and a burst must draw no
429 at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import RateLimits
from tests.conftest import SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import office_config, open_office
from watcher.config import Config
from watcher.sim.wintariff import make_row

SCALED = RateLimits(overall_per_second=30, group_per_minute=5, group_period=1.0)


def burst(office: object, count: int, ext: str = "620", first: int = 0) -> None:
    now = office.now()  # type: ignore[attr-defined]
    for n in range(count):
        office.dbf.append(  # type: ignore[attr-defined]
            make_row(
                when=(now - dt.timedelta(minutes=5, seconds=n)).replace(microsecond=0),
                duration=0,
                extension=ext,
                callerid=f"8916{first + n:07d}",
                calltype="I",
                ring=12,
            )
        )


async def test_a_burst_to_one_chat_draws_no_flood_control_and_others_are_not_held_up(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config)
    async with open_office(config, limits=SCALED) as office:
        office.api.enforce_limits(10, 1.0)
        burst(office, 12)
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=2)
        burst(office, 1, ext="630", first=100)  # another department, after the burst
        await office.scan()
        await office.wait_posted(SERVICE_CHAT)
        await office.api.wait_for("sendMessage", lambda c: not c.failed, count=13, timeout=10)
        await office.settle()
        assert office.api.flood_answers == 0
        sends = [c for c in office.api.calls_of("sendMessage") if not c.failed]
        order = [c.params["chat_id"] for c in sends]
        # The other chat's first post went out while the burst was still being paced.
        assert order.index(SERVICE_CHAT) < len(order) - 1
        assert len(office.posts(SALES_CHAT)) == 12


async def test_a_burst_stays_within_the_limit_the_bot_is_given_in_any_window(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The server allows exactly what the bot's limits say (Telegram's 20 a minute, here 5
    a second), counted over any window: still no 429."""
    config = office_config(tmp_path, phone_config)
    async with open_office(config, limits=SCALED) as office:
        office.api.enforce_limits(5, 1.0)
        burst(office, 12)
        await office.scan()
        await office.api.wait_for("sendMessage", lambda c: not c.failed, count=12, timeout=20)
        await office.settle()
        assert office.api.flood_answers == 0
        assert len(office.posts(SALES_CHAT)) == 12


def test_the_group_bucket_keeps_every_minute_within_telegrams_20() -> None:
    capacity, period = RateLimits().group_bucket()
    assert (capacity, period) == (5.0, 20.0)
    assert capacity + capacity / period * 60 <= 20  # at once, plus what drips in a minute


async def test_an_outage_is_one_warning_and_one_back_line_and_the_probe_resumes_fast(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    config = office_config(tmp_path, phone_config)
    # A long backoff: only the probe can bring the post out soon after the API is back.
    async with open_office(config, base_backoff=30.0, max_backoff=60.0) as office:
        caplog.set_level(logging.DEBUG, logger="bot.outbox")
        office.api.set_down(True, mode="reset")
        office.missed(minutes_ago=3)
        await office.scan()
        await office.api.wait_for("sendMessage", lambda c: c.failed, count=1)
        await asyncio.sleep(1.0)  # probes fail meanwhile
        office.api.set_down(False)
        back = asyncio.get_running_loop().time()
        await office.wait_posted(SALES_CHAT)
        assert asyncio.get_running_loop().time() - back < 5  # not the 30 s backoff
        await office.settle()
        records = [r for r in caplog.records if r.name == "bot.outbox"]
        warnings = [r for r in records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
        assert [r.getMessage() for r in records if "reachable again" in r.getMessage()]
        assert all(r.exc_info is None for r in records)


async def test_a_ledger_failure_as_telegram_comes_back_does_not_end_the_outbox(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    """The disk filled during an outage: the resume after the probe raised outside the
    outbox's own handling, its loop ended without a word, and no case was posted again
    until a restart."""
    import sqlite3

    from bot.app import runtime

    config = office_config(tmp_path, phone_config)
    async with open_office(config, base_backoff=30.0, max_backoff=60.0) as office:
        ledger = runtime(office.bot.application).ledger
        real = ledger.outbox_resume
        failures = []

        def full_once(now: dt.datetime) -> int:
            if not failures:
                failures.append(now)
                raise sqlite3.OperationalError("database or disk is full")
            return real(now)

        ledger.outbox_resume = full_once  # type: ignore[method-assign]
        caplog.set_level(logging.INFO, logger="bot.outbox")
        office.api.set_down(True, mode="reset")
        office.missed(minutes_ago=3)
        await office.scan()
        await office.api.wait_for("sendMessage", lambda c: c.failed, count=1)
        office.api.set_down(False)
        await office.wait_posted(SALES_CHAT)
        office.missed(minutes_ago=1, caller="89160000002", ext="630")
        await office.scan()
        await office.wait_posted(SERVICE_CHAT)
        assert failures
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert [r.getMessage().split(";")[0] for r in errors] == ["outbox pass failed"]
        assert any(r.getMessage() == "outbox passes work again" for r in caplog.records)


async def test_a_post_the_ledger_could_not_record_is_not_posted_again(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The disk was full (or another program held the ledger) right after a post: its
    message id was not written, and each retry posted the card again (8 in 40 s)."""
    import sqlite3

    from bot.app import runtime

    config = office_config(tmp_path, phone_config)
    async with open_office(config, base_backoff=0.05, max_backoff=0.2) as office:
        ledger = runtime(office.bot.application).ledger
        real = ledger.set_case_message
        refused: list[int] = []

        def full_twice(case_id: int, *args: object) -> None:
            if len(refused) < 2:
                refused.append(case_id)
                raise sqlite3.OperationalError("database or disk is full")
            real(case_id, *args)  # type: ignore[arg-type]

        ledger.set_case_message = full_twice  # type: ignore[method-assign]
        office.missed(minutes_ago=3)
        await office.scan()
        await office.wait_posted(SALES_CHAT)
        await office.settle()
        await asyncio.sleep(0.3)
        assert len(refused) == 2
        posted = [c for c in office.api.calls_of("sendMessage") if not c.failed]
        assert len(posted) == 1
        case = office.only_case()
        assert office.ledger.case_message(case.id) == (
            SALES_CHAT,
            office.posts(SALES_CHAT)[0]["message_id"],
        )


async def test_a_flood_wait_in_one_chat_holds_neither_presses_nor_posts_elsewhere(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """A 429 with retry_after 45 on a Service post held every request for 45 s: a press
    in the Sales chat was answered after 43.5 s, past the 15 s Telegram gives an answer,
    and the wait was misread as a slow Telegram. Now only Service's chat waits."""
    from tests.test_bot_harness import OLGA

    config = office_config(tmp_path, phone_config)
    async with open_office(config, limits=SCALED) as office:
        office.missed(minutes_ago=4, caller="89160000001")
        await office.scan()
        await office.wait_posted(SALES_CHAT)
        await office.settle()
        case_id = office.only_case().id
        card = office.posts(SALES_CHAT)[0]
        office.api.fail_next("sendMessage", status=429, retry_after=6)
        office.missed(minutes_ago=3, caller="89160000002", ext="630")
        await office.scan()
        await office.api.wait_for("sendMessage", lambda c: c.failed)
        loop = asyncio.get_running_loop()
        asked = loop.time()
        toast = await office.press(SALES_CHAT, card["message_id"], OLGA, f"k:{case_id}")
        assert toast == "Взято: звонок за вами"
        assert loop.time() - asked < 3  # not behind Service's flood wait
        office.missed(minutes_ago=2, caller="89160000003")
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=2)
        assert loop.time() - asked < 4
        flooded = next(c for c in office.api.calls_of("sendMessage") if c.failed).time
        [late] = await office.api.wait_for(
            "sendMessage",
            lambda c: not c.failed and c.params["chat_id"] == SERVICE_CHAT,
            timeout=15,
        )
        assert late.time - flooded >= 5.9  # its own wait kept: nothing to it before
        await office.settle()
        assert len(office.posts(SERVICE_CHAT)) == 1
