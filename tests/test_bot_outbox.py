"""The outbox sender's error handling against a real ledger, with a scripted messenger;
and the pure helpers: backoff, permissions, base URL handling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.app import file_url_for, normalise_base_url
from bot.messenger import PostUnconfirmed, SyncOutcome, is_lost_answer
from bot.outbox import OutboxSender, backoff_seconds
from bot.permissions import (
    ScopeKind,
    UndoVerdict,
    chat_may_act_on,
    chat_scope,
    may_undo,
)
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.models import Call, Case
from watcher.vocab import Direction

NOW = datetime(2024, 3, 12, 10, 0)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class ScriptedMessenger:
    """Answers ``sync`` from a script per case: an exception to raise or an outcome."""

    def __init__(self) -> None:
        self.script: dict[int, list[Exception | SyncOutcome]] = {}
        self.calls: list[int] = []

    async def sync(self, case_id: int, kinds: frozenset[str] = frozenset()) -> SyncOutcome:
        self.calls.append(case_id)
        steps = self.script.get(case_id) or [SyncOutcome.POSTED]
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, Exception):
            raise step
        return step

    def chat_label(self, chat_id: int) -> str:
        return f"department of {chat_id}"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "perezvon.db") as opened:
        yield opened


def new_case(ledger: Ledger, remote: str, chat: int | None = -1001) -> Case:
    call = Call(
        fingerprint=remote,
        record_index=0,
        started_at=NOW - timedelta(minutes=5),
        duration=0,
        extension="620",
        direction=Direction.IN,
        remote=remote,
    )
    case_id = ledger.create_case(
        call=call,
        department="Отдел продаж",
        chat=chat,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
        now=NOW,
    )
    case = ledger.get_case(case_id)
    assert case is not None
    return case


def sender(ledger: Ledger, messenger: ScriptedMessenger, clock: Clock, **kw: Any) -> OutboxSender:
    options = {"tick": 0.05, "base_backoff": 10.0, "give_up_after": 3, **kw}
    return OutboxSender(ledger, messenger, clock, **options)  # type: ignore[arg-type]


async def test_a_refused_chat_keeps_its_cases_until_it_takes_messages_again(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot was out of a chat for a minute (kicked, then added back): its cases were
    given up after a few tries and never posted. They wait now, told once, and another
    chat's cases go on meanwhile."""
    bad, good = new_case(ledger, "+79160000001"), new_case(ledger, "+79160000002", chat=-1002)
    messenger, clock = ScriptedMessenger(), Clock()
    kicked = Forbidden("Forbidden: bot was kicked from the group chat")
    messenger.script[bad.id] = [kicked, kicked, kicked, kicked, SyncOutcome.POSTED]
    outbox = sender(ledger, messenger, clock)
    with caplog.at_level(logging.DEBUG, logger="bot.outbox"):
        report = await outbox.drain()
        assert (report.delivered, report.retried) == (1, 1)
        assert sorted(messenger.calls) == sorted([bad.id, good.id])
        for _ in range(4):
            clock.now += timedelta(minutes=10)
            await outbox.drain()
    assert ledger.outbox_pending_count() == 0  # posted at the 5th try, past give_up_after
    assert messenger.calls.count(bad.id) == 5
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(loud) == 1 and loud[0].startswith("chat -1001 refuses the bot's messages")
    assert any(
        "chat -1001 takes the bot's messages again" in r.getMessage() for r in caplog.records
    )


async def test_backoff_delays_the_next_try(ledger: Ledger) -> None:
    case = new_case(ledger, "+79160000001")
    messenger, clock = ScriptedMessenger(), Clock()
    messenger.script[case.id] = [BadRequest("Bad Request: chat not found"), SyncOutcome.POSTED]
    outbox = sender(ledger, messenger, clock)
    await outbox.drain()
    clock.now += timedelta(seconds=5)  # base backoff is 10 s
    assert (await outbox.drain()).delivered == 0
    clock.now += timedelta(seconds=6)
    assert (await outbox.drain()).delivered == 1


async def test_flood_control_holds_its_chat_and_the_other_chats_go_on(ledger: Ledger) -> None:
    """A 429 answers for Telegram's limit of the chat it came from: that chat's work
    waits retry_after, another chat's first post does not."""
    first, second = new_case(ledger, "+79160000001"), new_case(ledger, "+79160000002")
    other = new_case(ledger, "+79160000003", chat=-1002)
    messenger, clock = ScriptedMessenger(), Clock()
    messenger.script[first.id] = [RetryAfter(7), SyncOutcome.POSTED]
    outbox = sender(ledger, messenger, clock)
    report = await outbox.drain()
    assert not report.paused
    assert sorted(messenger.calls) == sorted([first.id, other.id])  # not the held chat's 2nd
    assert [b.case_id for b in ledger.outbox_due(clock.now)] == [second.id]
    clock.now += timedelta(seconds=3)
    await outbox.drain()
    assert messenger.calls.count(second.id) == 0  # still held
    clock.now += timedelta(seconds=5)
    await outbox.drain()
    assert ledger.outbox_pending_count() == 0


async def test_flood_control_for_no_chat_pauses_the_whole_pass(ledger: Ledger) -> None:
    first, _ = new_case(ledger, "+79160000001", chat=None), new_case(ledger, "+7916002")
    messenger, clock = ScriptedMessenger(), Clock()
    messenger.script[first.id] = [RetryAfter(7), SyncOutcome.POSTED]
    outbox = sender(ledger, messenger, clock)
    report = await outbox.drain()
    assert report.paused and messenger.calls == [first.id]


@pytest.mark.parametrize("error", [NetworkError("Bad Gateway"), TimedOut()])
async def test_network_trouble_is_retried_not_given_up(ledger: Ledger, error: Exception) -> None:
    case = new_case(ledger, "+79160000001")
    messenger, clock = ScriptedMessenger(), Clock()
    messenger.script[case.id] = [error] * 10 + [SyncOutcome.POSTED]
    outbox = sender(ledger, messenger, clock, max_backoff=60.0)
    for _ in range(10):
        assert (await outbox.drain()).paused
        clock.now += timedelta(minutes=2)
    assert ledger.outbox_pending_count() == 1  # never given up
    assert (await outbox.drain()).delivered == 1


async def test_a_lost_answer_pauses_the_whole_pass_for_the_resend_pause(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram is slow: the next post would lose its answer too, so nothing is sent."""
    first, second = new_case(ledger, "+79160000001"), new_case(ledger, "+79160000002")
    messenger, clock = ScriptedMessenger(), Clock()

    def lost(case_id: int, count: int) -> PostUnconfirmed:
        return PostUnconfirmed(case_id, count, TimeoutError("slow"), lost=True)

    messenger.script[first.id] = [lost(first.id, 1), lost(first.id, 2), SyncOutcome.UNCONFIRMED]
    messenger.script[second.id] = [lost(second.id, 1), SyncOutcome.POSTED]
    outbox = sender(ledger, messenger, clock, base_backoff=1.0, resend_pause=40.0)
    report = await outbox.drain()
    assert report.paused and messenger.calls == [first.id]
    assert [b.case_id for b in ledger.outbox_due(clock.now)] == [second.id]
    clock.now += timedelta(seconds=39)
    assert (await outbox.drain()).paused  # the second case, not the first one's re-send
    assert messenger.calls == [first.id, second.id]
    for _ in range(3):  # the spell goes on: the re-sends are lost too, then it is over
        clock.now += timedelta(seconds=41)
        await outbox.drain()
    assert ledger.outbox_pending_count() == 0
    assert messenger.calls.count(first.id) == 3 and messenger.calls.count(second.id) == 2
    slow = [r for r in caplog.records if "Telegram is slow" in r.getMessage()]
    assert len(slow) == 1 and slow[0].exc_info is None


def timed_out(cause: Exception) -> TimedOut:
    """A TimedOut as PTB raises it: ``raise TimedOut from <the httpx timeout>``."""
    error = TimedOut()
    error.__cause__ = cause
    return error


def test_only_timeouts_after_the_request_left_may_have_posted() -> None:
    assert is_lost_answer(timed_out(httpx.ReadTimeout("read")))
    assert is_lost_answer(timed_out(httpx.WriteTimeout("write")))
    # Never reached Telegram: no connection, or none free in the pool.
    assert not is_lost_answer(timed_out(httpx.ConnectTimeout("connect")))
    assert not is_lost_answer(timed_out(httpx.PoolTimeout("pool")))
    assert not is_lost_answer(TimedOut())
    assert not is_lost_answer(NetworkError("httpx.ReadError: reset"))


async def test_case_without_chat_is_marked_done(ledger: Ledger) -> None:
    new_case(ledger, "+79160000001", chat=None)
    messenger, clock = ScriptedMessenger(), Clock()
    messenger.script[1] = [SyncOutcome.NO_CHAT]
    report = await sender(ledger, messenger, clock).drain()
    assert report.outcomes == [SyncOutcome.NO_CHAT]
    assert ledger.outbox_pending_count() == 0


async def test_a_bug_in_delivery_does_not_stop_the_loop(ledger: Ledger) -> None:
    case = new_case(ledger, "+79160000001")
    messenger, clock = ScriptedMessenger(), Clock()
    messenger.script[case.id] = [ZeroDivisionError("bug"), SyncOutcome.POSTED]
    outbox = sender(ledger, messenger, clock, base_backoff=0.0)
    task = asyncio.create_task(outbox.run())
    try:
        for _ in range(100):
            if ledger.outbox_pending_count() == 0:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
    assert ledger.outbox_pending_count() == 0
    assert messenger.calls == [case.id, case.id]


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 2.0, 300.0) for n in range(10)] == [
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        300,
        300,
    ]
    assert backoff_seconds(10_000, 2.0, 300.0) == 300


# -- permissions -----------------------------------------------------------------------


@pytest.fixture
def config(phone_config: Callable[..., Config]) -> Config:
    return phone_config(telegram={"managers_chat": -100, "admins": [1]})


def test_chat_scopes(config: Config) -> None:
    assert chat_scope(config, -100).kind is ScopeKind.ALL
    sales = chat_scope(config, -1001000000001)
    assert (sales.kind, sales.department) == (ScopeKind.DEPARTMENT, "Отдел продаж")
    assert chat_scope(config, -5).kind is ScopeKind.NONE
    assert chat_scope(config, 1, user_id=1).kind is ScopeKind.ALL  # admin, private chat
    assert chat_scope(config, 2, user_id=2).kind is ScopeKind.NONE


def test_who_may_press(config: Config, ledger: Ledger) -> None:
    case = new_case(ledger, "+79160000001", chat=-1001000000001)
    assert chat_may_act_on(config, case, -1001000000001, 55)
    assert chat_may_act_on(config, case, -100, 55)
    assert not chat_may_act_on(config, case, -1001000000002, 55)  # the other department
    assert not chat_may_act_on(config, case, 55, 55)  # a private chat
    assert chat_may_act_on(config, case, 55, 1)  # admins are allowed everywhere


def test_who_may_undo(config: Config, ledger: Ledger) -> None:
    case = new_case(ledger, "+79160000001")
    assert may_undo(config, case, 5) is UndoVerdict.ALREADY_OPEN
    closed = ledger.close_by_user(case.id, user_id=5, user_name="A", now=NOW).case
    assert closed is not None
    assert may_undo(config, closed, 5) is UndoVerdict.ALLOWED
    assert may_undo(config, closed, 6) is UndoVerdict.NOT_YOURS
    assert may_undo(config, closed, 1) is UndoVerdict.ALLOWED
    assert may_undo(config, closed, 5, newer_open=True) is UndoVerdict.NEWER_OPEN
    assert may_undo(config, closed, 6, newer_open=True) is UndoVerdict.NOT_YOURS


# -- base URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("  ", None),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"),
        (" https://tg.example/api/bot ", "https://tg.example/api/bot"),
        # A slash after /bot put one between it and the token: every request 404'd, and
        # that read as "Telegram rejected TELEGRAM_BOT_TOKEN".
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081/bot"),
    ],
)
def test_base_url_normalising(given: str | None, expected: str | None) -> None:
    assert normalise_base_url(given) == expected


def test_file_url_follows_the_base_url() -> None:
    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
