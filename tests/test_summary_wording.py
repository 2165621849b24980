"""The summaries' words: which figure is of the period and which of every day, and
dates in the language's own form (through the office harness)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from bot.summary import summary_job, weekly_job
from tests.test_bot_harness import MANAGERS_CHAT, Office, office, office_config, open_office
from watcher.config import Config
from watcher.sim.wintariff import make_row

__all__ = ["office"]  # the fixture, imported for pytest


@pytest_asyncio.fixture
async def english(tmp_path: Path, phone_config: Callable[..., Config]) -> AsyncIterator[Office]:
    async with open_office(office_config(tmp_path, phone_config, language="en")) as running:
        yield running


def missed_at(office: Office, when: dt.datetime, caller: str) -> None:
    office.dbf.append(
        make_row(
            when=when.replace(microsecond=0),
            duration=0,
            extension="620",
            callerid=caller,
            calltype="I",
            callmode="NA",
            ring=20,
        )
    )


async def daily_head(office: Office) -> str:
    """Two calls still waiting: one missed yesterday (the summary's day), one today."""
    yesterday = (office.now() - dt.timedelta(days=1)).replace(hour=11, minute=0)
    missed_at(office, yesterday, "89165550001")
    office.missed(minutes_ago=3, caller="89165550002")
    await office.scan()
    await office.settle()
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    job_queue.run_once(summary_job, 0.01)
    await office.api.wait_for("sendPhoto", lambda c: not c.failed)
    head, _chart = office.posts(MANAGERS_CHAT)
    return str(head["text"])


async def test_the_daily_summary_tells_waiting_now_from_the_days_cases(office: Office) -> None:
    """The head's count is every case open now, whatever its day; "Ждут перезвона: 2"
    above "Случаев пропуска: 1 — …, ещё ждут 1" read as two answers to one question."""
    text = await daily_head(office)
    assert "Ждут перезвона сейчас (за все дни): 2" in text
    assert "Случаев пропуска: 1 — перезвонили 0, ещё ждут 1" in text
    assert "Ждут перезвона: 2" not in text


async def test_the_english_summary_tells_them_apart_too(english: Office) -> None:
    text = await daily_head(english)
    assert "Waiting for a callback now (from any day): 2" in text
    assert "Missed-call cases: 1 — called back 0, still open 1" in text


MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def english_day(day: dt.date) -> str:
    return f"{day.day} {MONTHS_EN[day.month - 1]}"


async def test_the_english_daily_summary_dates_its_comparison_as_english_does(
    english: Office,
) -> None:
    """ "against Thu 26.11" read as the 11th of the 26th month to an English reader; the
    rest of English mode says "26 Nov"."""
    text = await daily_head(english)
    week_before = (english.now() - dt.timedelta(days=8)).date()
    weekday = WEEKDAYS_EN[week_before.weekday()]
    assert f"▲▼ — against {weekday} {english_day(week_before)}" in text
    assert f"{week_before:%d.%m}" not in text


async def test_the_english_weekly_summary_dates_the_week_before_as_english_does(
    english: Office,
) -> None:
    job_queue = english.bot.application.job_queue
    assert job_queue is not None
    job_queue.run_once(weekly_job, 0.01)
    await english.api.wait_for("sendDocument", lambda c: not c.failed)
    head = english.posts(MANAGERS_CHAT)[0]["text"]
    today = english.now().date()
    before = today - dt.timedelta(days=today.weekday() + 14)  # the Monday a week earlier
    last = before + dt.timedelta(days=6)
    assert f"▲▼ — against the week {english_day(before)}–{english_day(last)}" in head


async def test_the_russian_summary_keeps_its_dates(office: Office) -> None:
    text = await daily_head(office)
    week_before = (office.now() - dt.timedelta(days=8)).date()
    weekday = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"][week_before.weekday()]
    assert f"▲▼ — в сравнении с {weekday} {week_before:%d.%m}" in text
