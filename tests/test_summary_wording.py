"""The summaries' words: which figure is of the period and which of every day, and
dates in the language's own form (through the office harness)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from bot.summary import summary_job
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
