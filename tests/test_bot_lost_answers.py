"""Lost answers (issue 10, point 2): Telegram applies a post but its answer comes late or
never. The fake Bot API holds answers back (``delay_answers``); the bot's timeouts are
scaled down, and the tests assert on the fake's counters and the ledger, not the clock.

What a user in the chat sees: the case once. A post whose answer is lost is sent once
more at most; if both reached the chat, the late answer names the first, and the bot
deletes that duplicate and keeps editing the message the ledger knows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, Message
from telegram.error import RetryAfter, TimedOut

from bot.messenger import CaseMessenger, PostUnconfirmed, SendTimeouts
from tests.conftest import SALES_CHAT
from tests.fake_bot_api import RecordedCall
from tests.test_bot_harness import Office, office, office_config, open_office
from tests.test_bot_pacing import burst
from watcher.config import Config

__all__ = ["office"]  # the fixture, imported for pytest

# The post waits 0.3 s for its answer, then listens for it in the background for 10 s.
LISTENING = {"send_timeouts": SendTimeouts(answer=0.3, late=10.0, write=5.0)}


def sent(office: Office) -> list[RecordedCall]:
    return [c for c in office.api.calls_of("sendMessage") if c.params["chat_id"] == SALES_CHAT]


def message_id(call: RecordedCall) -> int:
    return int(call.response["result"]["message_id"])


def unconfirmed_rows(office: Office, case_id: int) -> list[tuple[Any, ...]]:
    return office.ledger.conn.execute(
        "SELECT message_id, removed_at IS NOT NULL FROM unconfirmed_posts WHERE case_id = ?"
        " ORDER BY id",
        [case_id],
    ).fetchall()


@pytest_asyncio.fixture
async def listening(tmp_path: Path, phone_config: Callable[..., Config]) -> AsyncIterator[Office]:
    """An office whose re-send comes before a 3 s late answer: the duplicate case."""
    config = office_config(tmp_path, phone_config)
    async with open_office(config, resend_pause=0.2, **LISTENING) as office:
        yield office


async def test_a_late_answer_after_the_re_send_deletes_the_duplicate_and_edits_the_kept_one(
    listening: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office = listening
    office.api.delay_answers("sendMessage", 3.0, times=1)
    office.missed()
    await office.scan()
    [delete] = await office.api.wait_for("deleteMessage", timeout=15)
    await office.settle()
    first, second = sent(office)
    assert first.delayed and not second.delayed
    case_id = office.only_case().id
    # The ledger knows both: the kept message, and the duplicate's id from the late answer.
    assert office.ledger.case_message(case_id) == (SALES_CHAT, message_id(second))
    assert unconfirmed_rows(office, case_id) == [(message_id(first), 1)]
    assert delete.params["message_id"] == message_id(first)
    assert [m["message_id"] for m in office.posts(SALES_CHAT)] == [message_id(second)]
    office.callback(ext="203")  # the case is closed: the one message left shows it
    await office.scan()
    await office.wait_edited(lambda c: c.params["message_id"] == message_id(second))
    edited = {c.params["message_id"] for c in office.api.calls_of("editMessageText")}
    assert message_id(first) not in edited
    assert len(sent(office)) == 2
    slow = [r for r in caplog.records if "Telegram is slow" in r.getMessage()]
    assert len(slow) == 1 and not any(r.exc_info for r in caplog.records)


async def test_a_late_answer_within_the_pause_makes_the_re_send_needless(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config)
    async with open_office(config, resend_pause=2.0, **LISTENING) as office:
        office.api.delay_answers("sendMessage", 0.8, times=1)
        office.missed()
        await office.scan()
        await office.api.wait_for("sendMessage", count=1)
        await office.settle()
        [only] = sent(office)
        case_id = office.only_case().id
        assert office.ledger.case_message(case_id) == (SALES_CHAT, message_id(only))
        assert unconfirmed_rows(office, case_id) == [(message_id(only), 0)]
        office.callback(ext="203")
        await office.scan()
        await office.wait_edited(lambda c: c.params["message_id"] == message_id(only))
        assert len(sent(office)) == 1 and not office.api.calls_of("deleteMessage")


async def test_a_slow_spell_costs_each_case_one_copy_at_most_and_one_warning(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    """Answers never come (PTB's read timeout fires first) for the next four posts, while
    three cases wait: each is posted twice at most, and the log has one warning."""
    config = office_config(tmp_path, phone_config)
    timeouts = SendTimeouts(answer=5.0, late=0.3, write=5.0)
    async with open_office(config, resend_pause=0.2, send_timeouts=timeouts) as office:
        office.api.delay_answers("sendMessage", 1.0, times=4)
        burst(office, 3)
        await office.scan()
        await office.api.wait_for("sendMessage", lambda c: not c.delayed, timeout=20)
        await office.settle()
        per_case: dict[str, int] = {}
        for call in sent(office):
            per_case[call.params["text"]] = per_case.get(call.params["text"], 0) + 1
        assert office.api.delayed_answers == 4  # two cases, each posted and re-sent
        assert len(per_case) == 3 and max(per_case.values()) <= 2
        unconfirmed = [
            office.ledger.unconfirmed_post_count(c.id) for c in office.ledger.open_cases()
        ]
        assert sorted(unconfirmed) == [0, 2, 2]
        slow = [r for r in caplog.records if "Telegram is slow" in r.getMessage()]
        assert len(slow) == 1 and not any(r.exc_info for r in caplog.records)


class ConnectTimeoutOnce:
    """The bot, but its first sendMessage times out connecting, as PTB reports it."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.failed = False

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        if not self.failed:
            self.failed = True
            raise TimedOut() from httpx.ConnectTimeout("connect timed out")
        message: Message = await self.bot.send_message(*args, **kwargs)
        return message

    def __getattr__(self, name: str) -> Any:
        return getattr(self.bot, name)


async def test_a_connect_timeout_is_no_possibly_applied_post(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.outbox")
    messenger = office.bot.runtime.messenger
    flaky = ConnectTimeoutOnce(messenger.bot)
    messenger.bot = flaky  # type: ignore[assignment]
    office.missed()
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    assert flaky.failed and len(sent(office)) == 1
    case_id = office.only_case().id
    assert office.ledger.unconfirmed_post_count(case_id) == 0  # never reached Telegram
    messages = [r.getMessage() for r in caplog.records]
    assert any("Telegram unreachable" in m for m in messages)
    assert not any("Telegram is slow" in m for m in messages)


class _SlowRefusal:
    """A Bot whose sendMessage outlasts the wait for its answer and then is refused for
    sure (a flood wait that outlasted the limiter's retries)."""

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        await asyncio.sleep(0.4)
        raise RetryAfter(30)


async def test_a_post_refused_after_the_wait_is_no_unconfirmed_post(office: Office) -> None:
    """It never reached the chat: it must not use up the one re-send, or a case would
    stay unposted for good after two such refusals."""
    office.missed()
    await office.scan()
    await office.settle()
    case = office.only_case()
    woken: list[bool] = []
    messenger = CaseMessenger(
        cast(Bot, _SlowRefusal()),
        office.ledger,
        office.config,
        office.now,
        timeouts=SendTimeouts(answer=0.1, late=5.0, write=5.0),
        on_late_answer=lambda: woken.append(True),
    )
    with pytest.raises(PostUnconfirmed):
        await messenger._send(case, SALES_CHAT, messenger.render(case))
    assert office.ledger.unconfirmed_post_count(case.id) == 1  # may have reached it
    await asyncio.sleep(0.6)
    assert office.ledger.unconfirmed_post_count(case.id) == 0  # refused: it did not
    assert woken == [True]


async def test_a_late_answer_after_the_message_was_gone_is_the_case_s_message(
    office: Office,
) -> None:
    """The gone message is forgotten before the re-post: the re-post's late answer is the
    case's message (and gets an edit for what happened meanwhile), not a duplicate."""
    office.missed()
    await office.scan()
    await office.settle()
    ledger = office.ledger
    now = office.now()
    case_id = office.only_case().id
    ledger.set_case_message(case_id, SALES_CHAT, 5, now)
    ledger.forget_case_message(case_id)
    ledger.record_unconfirmed_post(case_id, SALES_CHAT, now, "read timeout")
    post_id = ledger.newest_unconfirmed_post(case_id)
    assert post_id is not None
    pending = ledger.conn.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()
    assert ledger.record_late_answer(post_id, SALES_CHAT, 9, now) is False
    assert ledger.case_message(case_id) == (SALES_CHAT, 9)
    assert ledger.duplicates(case_id) == []
    after = ledger.conn.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()
    assert after[0] == pending[0] + 1  # brought up to date
