"""The admin edits the config in the middle of a month: departments renamed or removed,
the daily summary's time moved. What happens to the open cases, their cards and the next
summaries, and what the log tells the admin (end to end, with an injected clock)."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from bot import summary
from tests.conftest import PHONE_CONFIG, SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import IVAN, MANAGERS_CHAT, Office, start_bot
from tests.test_bot_reminders import HOURS, Clock, clocked_office
from watcher.config import Config, parse_config
from watcher.service import WatcherService
from watcher.sim.wintariff import make_row

# 2026-12-07 is a Monday.
MONDAY = dt.datetime(2026, 12, 7)
CALLER = "89161110001"


def month_config(tmp_path: Path, **overrides: Any) -> Config:
    data: dict[str, Any] = copy.deepcopy(PHONE_CONFIG)
    data["timezone"] = "Europe/Moscow"
    data["hours"] = HOURS
    data["telegram"] = {"managers_chat": MANAGERS_CHAT, "admins": [1], "daily_summary": "09:00"}
    data.update(overrides)
    return parse_config(data, base_dir=tmp_path)


def departments(**names: str) -> list[dict[str, Any]]:
    """The base departments, renamed ``old=new`` (by their Latin keys sales, service)."""
    listed = copy.deepcopy(PHONE_CONFIG["department"])
    for key, index in (("sales", 0), ("service", 1)):
        if key in names:
            listed[index]["name"] = names[key]
    return listed


async def restart_with(office: Office, config: Config, clock: Clock) -> None:
    """The admin edits the config and restarts the service (bot and watcher)."""
    await office.bot.stop()
    await asyncio.to_thread(office.watcher.stop)
    office.config = config
    office.bot = await start_bot(config, office.api, clock=clock)
    office.watcher = WatcherService(config, on_change=office.bot.wake_from_thread, clock=clock)


async def service_miss(office: Office, clock: Clock, caller: str = CALLER) -> None:
    office.dbf.append(
        make_row(
            when=clock.now, duration=0, extension="630", callerid=caller, calltype="I", ring=20
        )
    )
    clock.advance(minutes=1)
    await office.scan()
    await office.settle()


async def test_a_renamed_department_keeps_its_open_cases(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """«Сервис» becomes «Сервисный центр» (same chat) with a case open: the card says the
    new name, /missed in that chat still lists the case, and the caller's next missed call
    joins it instead of a second open card for the same number in the same chat."""
    clock = Clock(MONDAY + dt.timedelta(hours=10))
    async with clocked_office(month_config(tmp_path), clock) as office:
        await service_miss(office, clock)
        [card] = office.posts(SERVICE_CHAT)
        assert card["text"].startswith("📞 Пропущенный звонок · Сервис\n")
        renamed = month_config(tmp_path, department=departments(service="Сервисный центр"))
        with caplog.at_level(logging.INFO):
            await restart_with(office, renamed, clock)
            await office.settle()
        assert "department 'Сервис' is not in the config any more" in caplog.text
        assert "'Сервисный центр'" in caplog.text
        await office.api.wait_for(
            "editMessageText", lambda c: "Сервисный центр" in str(c.params.get("text"))
        )
        [card] = office.posts(SERVICE_CHAT)
        assert card["text"].startswith("📞 Пропущенный звонок · Сервисный центр\n")
        clock.advance(minutes=10)
        await service_miss(office, clock)
        [case] = office.ledger.open_cases()
        assert case.department == "Сервисный центр" and case.attempts == 2
        await office.command(SERVICE_CHAT, IVAN, "/missed")
        await office.wait_posted(SERVICE_CHAT, count=2)
        listing = office.posts(SERVICE_CHAT)[-1]["text"]
        assert listing.startswith("📋 Открытые пропущенные · Сервисный центр: 1")
        assert len(office.posts(SERVICE_CHAT)) == 2  # the card and the list, no second card


async def test_a_removed_department_s_open_cases_are_told_to_the_admin(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """«Сервис» and its chat are gone from the config: its open case stays open, in the
    managers' /missed, and the log says so instead of nothing."""
    clock = Clock(MONDAY + dt.timedelta(hours=10))
    async with clocked_office(month_config(tmp_path), clock) as office:
        await service_miss(office, clock)
        sales_only = month_config(tmp_path, department=departments()[:1])
        with caplog.at_level(logging.WARNING):
            await restart_with(office, sales_only, clock)
        assert (
            "department 'Сервис' is not in the config any more and no department has its chat;"
            " its 1 open missed calls stay open" in caplog.text
        )
        [case] = office.ledger.open_cases()
        assert case.department == "Сервис"
        await office.command(MANAGERS_CHAT, IVAN, "/missed")
        await office.wait_posted(MANAGERS_CHAT)
        assert "+7 916 111-00-01" in office.posts(MANAGERS_CHAT)[-1]["text"]
        assert office.posts(SALES_CHAT) == []


async def scheduled(office: Office, name: str) -> None:
    """The job JobQueue runs at the configured time, run now (the clock is the test's)."""
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(name)
    await job.run(office.bot.application)


async def test_a_summary_moved_to_later_in_the_day_is_not_sent_twice(tmp_path: Path) -> None:
    """Monday's summary went out at 09:00; at 09:30 the admin moves daily_summary to
    10:00 and restarts. At 10:00 the managers get no second copy of the same summary;
    Tuesday's comes at 10:00 as usual."""
    clock = Clock(MONDAY + dt.timedelta(hours=8, minutes=50))
    async with clocked_office(month_config(tmp_path), clock) as office:
        clock.now = MONDAY + dt.timedelta(hours=9)
        await scheduled(office, summary.JOB_NAME)
        sent = len(office.posts(MANAGERS_CHAT))
        assert sent >= 1 and office.posts(MANAGERS_CHAT)[0]["text"].startswith("📊")
        clock.now = MONDAY + dt.timedelta(hours=9, minutes=30)
        telegram = {"managers_chat": MANAGERS_CHAT, "admins": [1], "daily_summary": "10:00"}
        await restart_with(office, month_config(tmp_path, telegram=telegram), clock)
        clock.now = MONDAY + dt.timedelta(hours=10)
        await scheduled(office, summary.JOB_NAME)
        assert len(office.posts(MANAGERS_CHAT)) == sent
        clock.now = MONDAY + dt.timedelta(days=1, hours=10)
        await scheduled(office, summary.JOB_NAME)
        assert len(office.posts(MANAGERS_CHAT)) == 2 * sent
