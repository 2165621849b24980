"""First steps in the order that works: the token, then `perezvon chats` (or `run` with no
chat set up yet, answering /start anywhere) for the chat ids, then the config.

Against the fake Bot API through python-telegram-bot's real HTTP stack; the CLI runs in a
worker thread with its own event loop, as it does from a terminal."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import EXIT_OK, serve
from tests.fake_bot_api import BOT_USERNAME, FakeBotApi, make_user
from tests.test_bot_harness import FAST
from tests.test_cli import run_cli, write_config
from watcher.config import Config
from watcher.sim.wintariff import CallsDbfWriter

ADMIN = make_user(555, "Анна", "anna")
GROUP = -1004242424242
FORUM = -1005151515151


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BASE_URL", raising=False)


def unconfigured(phone_config: Callable[..., Config]) -> Config:
    """A config before any chat id is known: departments without chats, no managers."""
    return phone_config(
        telegram={"managers_chat": ""},
        department=[{"name": "Sales", "extensions": ["620"], "default": True}],
    )


async def test_run_with_no_chat_set_up_answers_start_anywhere(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    config = unconfigured(phone_config)
    CallsDbfWriter.create(config.source.path)
    caplog.set_level(logging.WARNING, logger="bot.app")
    stop = asyncio.Event()
    async with FakeBotApi() as api:
        service = asyncio.create_task(serve(config, api.token, api.base_url, stop=stop, **FAST))
        await api.wait_for("getUpdates")
        api.inject_command(GROUP, ADMIN, f"/start@{BOT_USERNAME}")
        api.inject_command(FORUM, ADMIN, "/help", thread=17)
        await api.wait_for("sendMessage", lambda c: not c.failed, count=2, timeout=10)
        stop.set()
        assert await asyncio.wait_for(service, 15) == EXIT_OK
        group = api.sent_to(GROUP)[0]["text"]
        forum = api.sent_to(FORUM)[0]
        answer = next(c for c in api.calls_of("sendMessage") if c.params["chat_id"] == FORUM)
    assert f"ID этого чата: {GROUP}" in group
    assert f"chat = {GROUP} в [[department]] отдела" in group
    assert f"managers_chat = {GROUP} в [telegram]" in group
    assert f"Ваш ID пользователя (для telegram.admins): {ADMIN['id']}" in group
    assert "Тема этого сообщения: 17 (для department.topic)" in forum["text"]
    assert answer.params["message_thread_id"] == 17  # answered in its topic
    assert any("department 'Sales' has no chat" in r.getMessage() for r in caplog.records)


async def test_run_with_the_example_ids_says_which_are_placeholders(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    config = phone_config()  # the test office uses the example's ids
    CallsDbfWriter.create(config.source.path)
    caplog.set_level(logging.WARNING, logger="bot.app")
    stop = asyncio.Event()
    async with FakeBotApi() as api:
        service = asyncio.create_task(serve(config, api.token, api.base_url, stop=stop, **FAST))
        await api.wait_for("getUpdates")
        api.inject_command(GROUP, ADMIN, "/start")
        await api.wait_for("sendMessage", lambda c: not c.failed, timeout=10)
        stop.set()
        assert await asyncio.wait_for(service, 15) == EXIT_OK
    warnings = [r.getMessage() for r in caplog.records]
    assert any(
        w.startswith("telegram.managers_chat = -1001000000000 is the example config's placeholder")
        for w in warnings
    )
    assert any("department 'Отдел продаж'.chat = -1001000000001" in w for w in warnings)


# -- perezvon chats ---------------------------------------------------------------------------


def chat_member_update(api: FakeBotApi, chat_id: int, title: str) -> dict[str, Any]:
    """The update Telegram sends when someone adds the bot to a group."""
    api.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title}
    member = {"user": api.bot_user}
    return api.inject_update(
        {
            "my_chat_member": {
                "chat": api.chats[chat_id],
                "from": ADMIN,
                "date": int(time.time()),
                "old_chat_member": {**member, "status": "left"},
                "new_chat_member": {**member, "status": "member"},
            }
        }
    )


async def test_chats_prints_every_chat_that_writes_and_answers_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, tmp_path / "Calls.dbf")  # language = "en"
    async with FakeBotApi() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        api.chats[GROUP] = {"id": GROUP, "type": "supergroup", "title": "Отдел продаж"}
        task = asyncio.create_task(
            asyncio.to_thread(run_cli, "-c", str(config), "chats", "--seconds", "3")
        )
        await api.wait_for("getUpdates", timeout=10)
        api.inject_command(GROUP, ADMIN, f"/start@{BOT_USERNAME}")
        api.inject_command(GROUP, ADMIN, "/start")  # the same chat again: printed once
        api.inject_command(FORUM, ADMIN, "/start", thread=17)
        api.inject_command(ADMIN["id"], ADMIN, "/start")
        api.inject_message(GROUP, ADMIN, "hello everyone")  # no command: no answer
        chat_member_update(api, -1007070707070, "Руководители")
        code, out, err = await asyncio.wait_for(task, 20)
        replies = {c.params["chat_id"]: c for c in api.calls_of("sendMessage")}
        pending = list(api.updates)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith(f"Bot @{BOT_USERNAME} listens for 3 s.")
    assert f"  {GROUP:<16} supergroup  Отдел продаж" in lines
    assert sum(str(GROUP) in line for line in lines) == 1
    assert f"  {FORUM:<16} supergroup  Test group {FORUM} · topic 17 (department.topic)" in lines
    private = next(line for line in lines if line.startswith(f"  {ADMIN['id']:<16}"))
    assert "private" in private and "Анна (@anna)" in private
    assert private.endswith("— your user id (for telegram.admins)")
    assert any("-1007070707070" in line and "Руководители" in line for line in lines)
    assert "Put the ids into perezvon.toml" in out
    # /start is answered where it was sent (in its topic); plain chatter is not.
    assert set(replies) == {GROUP, FORUM, ADMIN["id"]}
    assert "This chat's id: <code>-1004242424242</code>" in replies[GROUP].params["text"]
    assert replies[FORUM].params["message_thread_id"] == 17
    assert "topic <code>17</code>" in replies[FORUM].params["text"]
    assert pending == []  # confirmed: `run` will not answer these again


async def test_chats_says_when_the_bot_cannot_write_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeBotApi() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        task = asyncio.create_task(
            asyncio.to_thread(run_cli, "-c", str(tmp_path / "none.toml"), "chats", "--seconds", "2")
        )
        await api.wait_for("getUpdates", timeout=10)
        api.fail_next("sendMessage", status=403)
        api.inject_command(GROUP, ADMIN, "/start")
        code, out, _ = await asyncio.wait_for(task, 20)
    assert code == 0
    assert str(GROUP) in out  # no config yet: Russian, the default, and it still works
    assert "! бот не может писать в этот чат: Forbidden: bot was kicked" in out


async def test_chats_with_nobody_writing_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeBotApi() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        code, out, _ = await asyncio.to_thread(
            run_cli, "-c", str(tmp_path / "none.toml"), "chats", "--seconds", "1"
        )
    assert code == 1
    assert "Ни один чат не написал боту за 1 с." in out
    assert f"напишите /start@{BOT_USERNAME}" in out


async def test_chats_while_another_program_polls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeBotApi() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        api.fail_next("getUpdates", status=409)
        code, _, err = await asyncio.to_thread(
            run_cli, "-c", str(tmp_path / "none.toml"), "chats", "--seconds", "5"
        )
    assert code == 2
    assert "Сообщения боту уже читает другая программа" in err


def test_chats_needs_the_token(tmp_path: Path) -> None:
    code, _, err = run_cli("-c", str(tmp_path / "none.toml"), "chats")
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN не задан" in err
