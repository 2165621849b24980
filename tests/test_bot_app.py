"""`perezvon run` and `perezvon check` entry points against the fake Bot API: the watcher
thread and the bot in one process, start-up while Telegram is down, a rejected token."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import EXIT_BAD_TOKEN, EXIT_OK, TelegramCheckError, check_token, fetch_username, serve
from tests.conftest import SALES_CHAT
from tests.fake_bot_api import BOT_USERNAME, FakeBotApi
from tests.test_bot_harness import FAST, office_config
from watcher.clock import local_now
from watcher.config import Config
from watcher.sim.wintariff import CallsDbfWriter, make_row


def missed_row(config: Config) -> dict[str, object]:
    when = (local_now(config) - dt.timedelta(minutes=2)).replace(microsecond=0)
    return make_row(
        when=when, duration=0, extension="620", callerid="89161234567", calltype="I", ring=15
    )


async def test_run_watches_the_file_and_posts_until_stopped(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config)
    dbf = CallsDbfWriter.create(config.source.path)
    stop = asyncio.Event()
    async with FakeBotApi() as api:
        service = asyncio.create_task(serve(config, api.token, api.base_url, stop=stop, **FAST))
        await api.wait_for("getUpdates")
        dbf.append(missed_row(config))  # the file watcher notices, the outbox is woken
        posted = await api.wait_for("sendMessage", lambda c: not c.failed, timeout=15)
        assert posted[0].params["chat_id"] == SALES_CHAT
        stop.set()
        assert await asyncio.wait_for(service, 15) == EXIT_OK
    assert [c.params["commands"][0]["command"] for c in api.calls_of("setMyCommands")] == ["missed"]


async def test_run_keeps_watching_while_telegram_is_down_and_delivers_later(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config)
    dbf = CallsDbfWriter.create(config.source.path)
    stop = asyncio.Event()
    async with FakeBotApi() as api:
        api.set_down(True)
        service = asyncio.create_task(
            serve(config, api.token, api.base_url, stop=stop, startup_retry_base=0.1, **FAST)
        )
        dbf.append(missed_row(config))
        await api.wait_for("getMe", count=2)  # failing, being retried
        api.set_down(False)
        await api.wait_for("sendMessage", lambda c: not c.failed, timeout=15)
        stop.set()
        assert await asyncio.wait_for(service, 15) == EXIT_OK


async def test_a_bad_gateway_outage_is_a_few_lines_not_a_traceback_per_request(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    """An nginx "502 Bad Gateway" page in front of Telegram, at start and then while
    running: python-telegram-bot logged an ERROR with a traceback for every request and
    the start-up a warning for every retry (78 tracebacks in 3 minutes)."""
    caplog.set_level(logging.INFO)
    config = office_config(tmp_path, phone_config)
    dbf = CallsDbfWriter.create(config.source.path)
    stop = asyncio.Event()
    async with FakeBotApi() as api:
        api.set_down(True)  # the HTML 502
        service = asyncio.create_task(
            serve(config, api.token, api.base_url, stop=stop, startup_retry_base=0.1, **FAST)
        )
        await api.wait_for("getMe", count=4)  # start-up retried, and retried
        api.set_down(False)
        await api.wait_for("getUpdates", lambda c: not c.failed)
        api.set_down(True)  # down again while running, with a missed call to post
        dbf.append(missed_row(config))
        await api.wait_for("sendMessage", lambda c: c.failed, count=2)
        api.set_down(False)
        await api.wait_for("sendMessage", lambda c: not c.failed, timeout=30)
        stop.set()
        assert await asyncio.wait_for(service, 15) == EXIT_OK
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.levelno < logging.ERROR and r.exc_info is None for r in loud), [
        (r.name, r.getMessage()[:80]) for r in loud
    ]
    telegram = [r.getMessage() for r in loud if "placeholder" not in r.getMessage()]
    assert sum("cannot reach Telegram" in m for m in telegram) == 1, telegram  # the start-up
    # Then, for the outage while running, the outbox's line and the polling's.
    assert len(telegram) <= 3, telegram
    assert all("<html>" not in m and "an HTML page" in m for m in telegram), telegram
    assert any("Telegram answered after" in r.getMessage() for r in caplog.records)


async def test_run_with_a_rejected_token_exits_with_code_2(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config)
    CallsDbfWriter.create(config.source.path)
    async with FakeBotApi() as api:
        code = await asyncio.wait_for(
            serve(config, "999:WRONG", api.base_url, stop=asyncio.Event(), **FAST), 15
        )
    assert code == EXIT_BAD_TOKEN


async def test_fetch_username_and_a_rejected_token() -> None:
    async with FakeBotApi() as api:
        assert await fetch_username(api.token, api.base_url) == BOT_USERNAME
        with pytest.raises(TelegramCheckError, match="BotFather"):
            await fetch_username("999:WRONG", api.base_url)


def test_check_token_reports_an_unreachable_server() -> None:
    with pytest.raises(
        TelegramCheckError, match=re.escape("cannot reach the Bot API at http://127.0.0.1:9/bot")
    ):
        check_token("1:X", "http://127.0.0.1:9/bot")
