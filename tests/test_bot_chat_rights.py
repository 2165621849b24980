"""A department chat that stops taking the bot's messages and later takes them again,
through the real HTTP stack: removed from the group, or still in it without the right
to post. Nothing is lost, the log says it once per episode, and the cases are posted."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.outbox import GIVE_UP_AFTER
from bot.summary import JOB_NAME, summary_job
from tests.conftest import SALES_CHAT
from tests.test_bot_harness import (
    ADMIN,
    MANAGERS_CHAT,
    OLGA,
    Office,
    midday_zone,
    office,
    office_config,
    open_office,
)
from tests.test_cli import run_cli, write_config
from watcher.config import Config, load_config

__all__ = ["office"]  # the fixture, imported for pytest


def _failed_posts(office: Office, chat: int) -> int:
    calls = office.api.calls_of("sendMessage")
    return sum(1 for c in calls if c.failed and c.params.get("chat_id") == chat)


@pytest.mark.parametrize(
    "description",
    [
        "Bad Request: CHAT_WRITE_FORBIDDEN",
        "Bad Request: CHAT_RESTRICTED",
        "Bad Request: not enough rights to send text messages to the chat",
        "Bad Request: need administrator rights in the channel chat",
    ],
)
async def test_a_chat_without_the_right_to_post_keeps_its_cases_until_allowed_again(
    office: Office, caplog: pytest.LogCaptureFixture, description: str
) -> None:
    """An admin of the sales group took the bot's right to post: Telegram answers 400 (not
    403). The case was given up after five tries ("check the chat id"), never posted even
    once the right was given back. It waits now, and is posted when allowed again."""
    office.api.muted[SALES_CHAT] = description
    with caplog.at_level(logging.WARNING):
        office.missed()
        await office.scan()
        await office.api.wait_for(
            "sendMessage",
            lambda c: c.failed and c.params.get("chat_id") == SALES_CHAT,
            count=GIVE_UP_AFTER + 1,
        )
        assert office.ledger.outbox_pending_count() == 1
        del office.api.muted[SALES_CHAT]
        await office.wait_posted(SALES_CHAT)
        await office.settle()
    assert office.ledger.case_message(office.only_case().id) is not None
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "bot.outbox"]
    assert len(loud) == 1, [r.getMessage() for r in loud]
    assert "refuses the bot's messages" in loud[0].getMessage()
    assert _failed_posts(office, SALES_CHAT) > GIVE_UP_AFTER


@pytest.mark.parametrize(
    ("refuse", "fix"),
    [
        ("kicked", "Add the bot to that chat"),
        ("muted", "Let the bot post in that chat"),
    ],
)
async def test_the_refusal_is_told_once_naming_the_department_and_its_fix(
    office: Office, caplog: pytest.LogCaptureFixture, refuse: str, fix: str
) -> None:
    """The admin reads "chat -1001000000001 refuses the bot's messages" and has to find
    which department that id is; and for a bot that lost its right to post, the advice
    was to add it to the chat it is in. The warning names the department and the fix that
    fits; three cases of the episode make one warning, all posted once the bot is back."""
    if refuse == "kicked":
        office.api.kicked_from.add(SALES_CHAT)
    else:
        office.api.muted[SALES_CHAT] = "Bad Request: not enough rights to send text messages"
    with caplog.at_level(logging.INFO):
        for minutes, caller in enumerate(("89161111111", "89162222222", "89163333333")):
            office.missed(minutes_ago=5 + minutes, caller=caller)
        await office.scan()
        await office.api.wait_for(
            "sendMessage",
            lambda c: c.failed and c.params.get("chat_id") == SALES_CHAT,
            count=6,
        )
        office.api.kicked_from.discard(SALES_CHAT)
        office.api.muted.pop(SALES_CHAT, None)
        await office.wait_posted(SALES_CHAT, count=3)
        await office.settle()
    outbox = [r for r in caplog.records if r.name == "bot.outbox"]
    loud = [r.getMessage() for r in outbox if r.levelno >= logging.WARNING]
    assert len(loud) == 1, loud
    assert "«Отдел продаж»" in loud[0] and fix in loud[0]
    back = [r.getMessage() for r in outbox if "takes the bot's messages again" in r.getMessage()]
    assert len(back) == 1 and "«Отдел продаж»" in back[0]


async def test_check_says_which_department_waits_for_a_refusing_chat_and_why(
    tmp_path: Path,
) -> None:
    """The bot was removed from the sales group; the admin runs `perezvon check`, which
    said only "2 changes waiting for Telegram". It names the chat, the department, since
    when, Telegram's answer, and what to do."""
    dbf = tmp_path / "Calls.dbf"
    toml = write_config(tmp_path, dbf)
    toml.write_text(f'timezone = "{midday_zone()}"\n' + toml.read_text(encoding="utf-8"))
    config = load_config(toml)
    async with open_office(config) as office:
        office.api.kicked_from.add(-1001)
        office.missed(minutes_ago=5, caller="89161111111")
        office.missed(minutes_ago=4, caller="89162222222")
        await office.scan()
        await office.api.wait_for(
            "sendMessage", lambda c: c.failed and c.params.get("chat_id") == -1001, count=2
        )
        # The fake API counts a refusal when it answers; the outbox records it a moment
        # later. On a busy machine `check` ran in between and saw one case waiting.
        for _ in range(250):
            waits = [w for w in office.ledger.outbox_waits() if w.chat == -1001]
            if waits and waits[0].cases == 2:
                break
            await asyncio.sleep(0.02)
        path = str(config.config_path)
        _, out, _ = await asyncio.to_thread(run_cli, "-c", path, "check", "--rows", "1")
    assert "2 changes waiting for Telegram" in out, out
    assert "chat -1001 (department «Sales»): 2 cases wait since " in out, out
    assert "Telegram's last answer: Forbidden: bot was kicked from the supergroup chat\n" in out
    assert "add it there" in out  # the hint of --send-test for a refusal


SLOW_RETRIES = {"base_backoff": 60.0, "max_backoff": 300.0}


@pytest.mark.parametrize(
    ("gone", "back"),
    [("kicked", "member"), ("left", "administrator"), ("restricted", "member")],
)
async def test_the_bot_added_back_posts_the_waiting_cases_at_once(
    tmp_path: Path,
    phone_config: Callable[..., Config],
    caplog: pytest.LogCaptureFixture,
    gone: str,
    back: str,
) -> None:
    """The admin added the bot back to the sales group (or gave it its rights back) and
    saw nothing: the waiting cases came only at the next retry, up to five minutes later,
    so "did it work?". Telegram says the bot is back (my_chat_member): they go now."""
    config = office_config(tmp_path, phone_config)
    async with open_office(config, **SLOW_RETRIES) as office:
        office.api.set_bot_status(SALES_CHAT, gone, ADMIN, can_send=False)
        with caplog.at_level(logging.INFO):
            office.missed()
            await office.scan()
            await office.api.wait_for(
                "sendMessage", lambda c: c.failed and c.params.get("chat_id") == SALES_CHAT
            )
            office.api.set_bot_status(SALES_CHAT, back, ADMIN)
            await office.wait_posted(SALES_CHAT)  # well before the 60 s retry
            await office.settle()
        ours = [r for r in caplog.records if r.name.startswith("bot")]
        said = [r.getMessage() for r in ours]
        assert any("may post in chat -1001000000001 again" in line for line in said), said
        loud = [r.getMessage() for r in ours if r.levelno >= logging.WARNING]
        assert len(loud) == 1 and "«Отдел продаж»" in loud[0], loud


async def test_a_summary_the_managers_chat_refused_is_not_called_sent(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot was removed from the managers' chat at 09:00: the log said the summary
    failed and, on the next line, "daily summary sent to chat ...", and the day counted
    as served, so neither a retry nor a restart sent it once the bot was back. It is
    tried again like a summary Telegram was down for, and not marked sent."""
    yesterday = (office.now().date() - dt.timedelta(days=1)).isoformat()
    office.ledger.set_meta(f"sent:{JOB_NAME}", yesterday)  # the last one that went out
    office.api.kicked_from.add(MANAGERS_CHAT)
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    with caplog.at_level(logging.INFO, logger="bot.summary"):
        job_queue.run_once(summary_job, 0.01, name=JOB_NAME)
        await office.api.wait_for(
            "sendMessage", lambda c: c.failed and c.params.get("chat_id") == MANAGERS_CHAT
        )
        for _ in range(100):  # the job's own end: its retry is queued
            if len(job_queue.get_jobs_by_name(JOB_NAME)) == 2:
                break
            await asyncio.sleep(0.02)
    said = [r.getMessage() for r in caplog.records]
    assert not any("sent to chat" in line for line in said), said
    refused = [line for line in said if "refuses the bot" in line]
    assert len(refused) == 1 and "telegram.managers_chat" in refused[0], said
    assert office.ledger.get_meta(f"sent:{JOB_NAME}") == yesterday
    retry = [j for j in job_queue.get_jobs_by_name(JOB_NAME) if isinstance(j.data, dict)]
    assert len(retry) == 1 and retry[0].data["parts"]


async def test_a_command_the_bot_may_not_answer_is_one_warning_without_a_traceback(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot lost its right to post in the sales group; operators kept typing /missed.
    Each one left an ERROR with a full traceback in the log, which reads like a crash of
    the bot. One warning per chat now says the bot may not post there, naming the
    department; the later ones are quiet."""
    office.api.muted[SALES_CHAT] = "Bad Request: CHAT_WRITE_FORBIDDEN"
    with caplog.at_level(logging.DEBUG, logger="bot.handlers"):
        for _ in range(3):
            await office.command(SALES_CHAT, OLGA, "/missed")
        await office.api.wait_for(
            "sendMessage", lambda c: c.failed and c.params.get("chat_id") == SALES_CHAT, count=3
        )
        await office.command(SALES_CHAT, OLGA, "/help")  # handled after the three
        for _ in range(200):  # each failed answer ends in the error handler's one record
            if len([r for r in caplog.records if r.name == "bot.handlers"]) >= 4:
                break
            await asyncio.sleep(0.02)
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("bot")]
    assert [r.exc_info for r in loud] == [None], [r.getMessage() for r in loud]
    assert "«Отдел продаж»" in loud[0].getMessage()


async def test_a_refusing_chat_shared_by_two_departments_is_told_with_both(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    """Sales and service share one group; the bot is removed from it. The warning named
    only the department of the case that failed first, so the admin who read «Сервис»
    did not know the sales calls waited too."""
    departments = [
        {"name": "Отдел продаж", "chat": SALES_CHAT, "extensions": ["620"], "default": True},
        {"name": "Сервис", "chat": SALES_CHAT, "extensions": ["630"]},
    ]
    config = office_config(tmp_path, phone_config, department=departments)
    async with open_office(config) as office:
        office.api.kicked_from.add(SALES_CHAT)
        with caplog.at_level(logging.INFO):
            office.missed(minutes_ago=5, caller="89161111111", ext="630")
            await office.scan()
            await office.api.wait_for(
                "sendMessage", lambda c: c.failed and c.params.get("chat_id") == SALES_CHAT
            )
            await asyncio.sleep(0.1)
        loud = [
            r.getMessage()
            for r in caplog.records
            if r.name == "bot.outbox" and r.levelno >= logging.WARNING
        ]
        assert len(loud) == 1, loud
        assert "«Отдел продаж, Сервис»" in loud[0], loud[0]
