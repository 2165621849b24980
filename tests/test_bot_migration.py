"""A group upgraded to a supergroup: Telegram then refuses the old id, naming the new one.

The bot must go on posting there, take presses on its cards there, answer commands
there, and remember it across a restart, with one error telling the admin what to put
into the config (tests/fake_bot_api.py's ``migrated``).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.messenger import CaseMessenger
from bot.summary import build_summary, send_summary
from tests.conftest import PHONE_CONFIG
from tests.test_bot_harness import IVAN, MANAGERS_CHAT, Office, office, office_config, open_office
from watcher.config import Config, with_chats_moved

__all__ = ["office"]

OLD = -400001
NEW = -1002000000001


async def drained(office: Office) -> None:
    for _ in range(100):
        await office.settle()
        if office.ledger.outbox_pending_count() == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain")


async def test_a_group_that_became_a_supergroup_keeps_working(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    departments = copy.deepcopy(PHONE_CONFIG["department"])
    departments[0]["chat"] = OLD
    config = office_config(tmp_path, phone_config, department=departments)
    async with open_office(config) as office:
        office.missed(minutes_ago=6, caller="89161111111")
        await office.scan()
        await office.wait_posted(OLD)
        await drained(office)
        [first] = office.ledger.open_cases()
        office.api.migrated[OLD] = NEW

        # A new case goes to the supergroup, and a press there is taken.
        office.missed(minutes_ago=3, caller="89162222222")
        await office.scan()
        await office.wait_posted(NEW)
        await drained(office)
        second = next(c for c in office.ledger.open_cases() if c.id != first.id)
        card = office.posts(NEW)[-1]
        assert f"c:{second.id}" in str(card["reply_markup"])
        toast = await office.press(NEW, card["message_id"], IVAN, f"c:{second.id}")
        assert toast == "Отмечено: перезвонили"
        assert not office.case(second.id).is_open

        # The first case's card is out of reach in the old group: closed from the call
        # log, it is posted again, closed, in the supergroup, and nothing is left over.
        office.callback(minutes_ago=0.5, number="89161111111")
        await office.scan()
        await drained(office)
        assert not office.case(first.id).is_open
        chat, _ = office.ledger.case_message(first.id) or (None, None)
        assert chat == NEW

        # Commands there see the department.
        before = len(office.posts(NEW))
        await office.command(NEW, IVAN, "/missed")
        await office.wait_posted(NEW, count=before + 1)
        assert office.posts(NEW)[-1]["text"] == "Открытых пропущенных нет 🎉"

        # One error for the move, naming the id to put into the config.
        moved = [r for r in caplog.records if "became supergroup" in r.getMessage()]
        assert len(moved) == 1 and moved[0].levelname == "ERROR"
        assert str(NEW) in moved[0].getMessage()
        assert office.ledger.chat_moves() == {OLD: NEW}

        # A restart with the config unchanged uses the supergroup from the start.
        bot = office.bot.application.bot
        again = CaseMessenger(bot, office.ledger, config, datetime.now)
        assert again.config.departments[0].chat == NEW
        assert again.chat_for(OLD) == NEW


async def test_the_summary_follows_a_managers_chat_that_moved(office: Office) -> None:
    parts = await build_summary(office.bot.runtime)
    office.api.migrated[MANAGERS_CHAT] = NEW
    bot = office.bot.application.bot
    messenger = office.bot.runtime.messenger
    sent = await send_summary(bot, MANAGERS_CHAT, parts, on_moved=messenger.chat_moved)
    left = sent.left
    assert left == [] and len(office.posts(NEW)) == len(parts)
    assert office.bot.runtime.config.telegram.managers_chat == NEW
    assert office.ledger.chat_moves() == {MANAGERS_CHAT: NEW}


def test_moves_replace_the_configs_chats_and_follow_a_chain(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config)
    sales = config.departments[0].chat
    assert sales is not None
    moved = with_chats_moved(config, {sales: -2, -2: NEW, MANAGERS_CHAT: -3})
    assert moved.departments[0].chat == NEW
    assert moved.departments[1:] == config.departments[1:]
    assert moved.telegram.managers_chat == -3
    assert with_chats_moved(config, {}) == config


async def test_two_departments_sharing_a_group_both_keep_their_buttons(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Sales and Service post into one group; it becomes a supergroup. A press on a
    Service card there is Service's, not refused as another chat's call."""
    departments = copy.deepcopy(PHONE_CONFIG["department"])
    for department in departments:
        department["chat"] = OLD
    config = office_config(tmp_path, phone_config, department=departments)
    async with open_office(config) as office:
        office.api.migrated[OLD] = NEW
        office.missed(minutes_ago=3, ext="630")
        await office.scan()
        await office.wait_posted(NEW)
        await drained(office)
        case = office.only_case()
        assert case.department == "Сервис"
        card = office.posts(NEW)[-1]
        toast = await office.press(NEW, card["message_id"], IVAN, f"c:{case.id}")
        assert toast == "Отмечено: перезвонили"


async def test_a_move_is_used_even_when_the_ledger_cannot_keep_it(
    office: Office, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A ledger locked at that moment costs only the memory of the move for a restart:
    posts and presses go to the supergroup all the same."""
    messenger = office.bot.runtime.messenger

    def locked(old: int, new: int) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(messenger.ledger, "record_chat_move", locked)
    messenger.chat_moved(MANAGERS_CHAT, NEW)
    assert office.bot.runtime.config.telegram.managers_chat == NEW
    assert messenger.chat_for(MANAGERS_CHAT) == NEW
    [warning] = [r for r in caplog.records if "not remembered" in r.getMessage()]
    assert warning.levelname == "WARNING"


@pytest.mark.parametrize("seen_in", ["old", "new"])
async def test_telegrams_note_of_the_upgrade_moves_the_bot_before_any_post_fails(
    tmp_path: Path, phone_config: Callable[..., Config], seen_in: str
) -> None:
    """Telegram tells the group itself (migrate_to_chat_id) and the new supergroup
    (migrate_from_chat_id); either is enough."""
    departments = copy.deepcopy(PHONE_CONFIG["department"])
    departments[0]["chat"] = OLD
    config = office_config(tmp_path, phone_config, department=departments)
    async with open_office(config) as office:
        chat, field, value = (
            (OLD, "migrate_to_chat_id", NEW)
            if seen_in == "old"
            else (NEW, "migrate_from_chat_id", OLD)
        )
        office.api.inject_update(
            {
                "message": {
                    "message_id": 1,
                    "date": int(datetime.now().timestamp()),
                    "chat": {"id": chat, "type": "supergroup" if chat == NEW else "group"},
                    field: value,
                }
            }
        )
        for _ in range(100):
            if office.bot.runtime.config.departments[0].chat == NEW:
                break
            await asyncio.sleep(0.02)
        assert office.bot.runtime.config.departments[0].chat == NEW
        assert office.ledger.chat_moves() == {OLD: NEW}
        office.missed(minutes_ago=1)
        await office.scan()
        await office.wait_posted(NEW)
        sends = [c for c in office.api.calls_of("sendMessage") if c.params["chat_id"] == OLD]
        assert sends == []  # straight to the supergroup: no refused try first


async def test_the_upgrade_of_a_group_no_department_uses_changes_nothing(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    config_before = office.bot.runtime.config
    office.api.inject_update(
        {
            "message": {
                "message_id": 1,
                "date": int(datetime.now().timestamp()),
                "chat": {"id": -777, "type": "group"},
                "migrate_to_chat_id": NEW,
            }
        }
    )
    for _ in range(100):
        if any("the config names neither" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    assert any("the config names neither" in r.getMessage() for r in caplog.records)
    assert office.ledger.chat_moves() == {}
    assert office.bot.runtime.config == config_before
    assert not any(
        "became supergroup" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records
    )
