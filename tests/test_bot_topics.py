"""Forum topics: every post, reminder and answer of a department goes to its topic."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import runtime
from bot.reminders import check_reminders
from tests.conftest import PHONE_CONFIG, SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import OLGA, Office, office_config, open_office
from watcher.config import Config

TOPIC = 42


@pytest_asyncio.fixture
async def office(tmp_path: Path, phone_config: Callable[..., Config]) -> AsyncIterator[Office]:
    departments = copy.deepcopy(PHONE_CONFIG["department"])
    departments[0]["topic"] = TOPIC
    config = office_config(
        tmp_path, phone_config, department=departments, rules={"remind_after_minutes": 1}
    )
    async with open_office(config) as running:
        yield running


def threads(office: Office, chat: int) -> list[object]:
    return [
        c.params.get("message_thread_id")
        for c in office.api.calls
        if c.method in ("sendMessage", "sendPhoto") and c.params.get("chat_id") == chat
    ]


async def test_posts_reminders_and_answers_go_to_the_department_topic(office: Office) -> None:
    office.missed(minutes_ago=3)
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    office.cards_posted_at_their_calls()
    assert check_reminders(runtime(office.bot.application)) == 1
    await office.wait_posted(SALES_CHAT, count=2)
    await office.command(SALES_CHAT, OLGA, "/missed")
    await office.wait_posted(SALES_CHAT, count=3)
    assert threads(office, SALES_CHAT) == [TOPIC, TOPIC, TOPIC]


async def test_an_answer_goes_to_the_topic_it_was_asked_in(office: Office) -> None:
    office.api.inject_command(SALES_CHAT, OLGA, "/help", thread=7)
    await office.wait_posted(SALES_CHAT)
    assert threads(office, SALES_CHAT) == [7]


async def test_a_department_without_a_topic_posts_to_the_chat(office: Office) -> None:
    office.missed(minutes_ago=3, ext="630")
    await office.scan()
    await office.wait_posted(SERVICE_CHAT)
    assert threads(office, SERVICE_CHAT) == [None]


async def test_a_deleted_topic_sends_to_the_chat_itself_with_one_warning(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    """Someone deleted the department's topic: its cases and reminders must still reach
    the chat (not be dropped after the outbox's retries), and the admin is told once."""
    office.api.deleted_topics.add((SALES_CHAT, TOPIC))
    office.missed(minutes_ago=3)
    office.missed(minutes_ago=2, caller="89162222222")
    await office.scan()
    await office.wait_posted(SALES_CHAT, count=2)
    await office.settle()
    office.cards_posted_at_their_calls()
    assert check_reminders(runtime(office.bot.application)) == 2
    await office.wait_posted(SALES_CHAT, count=4)
    posted = [c for c in office.api.calls_of("sendMessage") if c.params["chat_id"] == SALES_CHAT]
    # One refused try into the topic, then everything into the chat.
    assert [c.params.get("message_thread_id") for c in posted] == [TOPIC, None, None, None, None]
    assert [c.failed for c in posted] == [True, False, False, False, False]
    for case in office.ledger.open_cases():
        chat, _ = office.ledger.case_message(case.id) or (None, None)
        assert chat == SALES_CHAT
    gone = [r for r in caplog.records if "forum topic 42" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelname == "WARNING"
    assert "[[department]] topic" in gone[0].getMessage()


@pytest.mark.parametrize("gone", ["deleted", "closed"])
async def test_a_command_answer_meant_for_a_gone_topic_comes_into_the_chat(
    office: Office, gone: str
) -> None:
    """The department's topic was deleted (or closed); an operator asks /missed in the
    chat's general part. The answer went to the department's topic, Telegram refused it,
    and the operator got no answer at all, to /missed or any other command."""
    topics = office.api.deleted_topics if gone == "deleted" else office.api.closed_topics
    topics.add((SALES_CHAT, TOPIC))
    office.missed(minutes_ago=3)
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    await office.command(SALES_CHAT, OLGA, "/missed")
    [answer] = await office.api.wait_for(
        "sendMessage",
        lambda c: not c.failed and "Открытые пропущенные" in str(c.params.get("text", "")),
    )
    assert answer.params.get("message_thread_id") is None
    assert "+7 916 123-45-67" in str(answer.params["text"])
    await office.command(SALES_CHAT, OLGA, "/help")
    answers = await office.api.wait_for(
        "sendMessage",
        lambda c: not c.failed and str(c.params.get("text", "")).startswith("Я бот"),
    )
    assert answers[0].params.get("message_thread_id") is None
