"""A person deletes the bot's card of a case from the chat (tidying up, or by mistake),
and the case changes afterwards: through the real HTTP stack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import runtime
from bot.reminders import check_reminders
from tests.conftest import SALES_CHAT
from tests.test_bot_harness import CALLER, Office, office, office_config, open_office
from watcher.config import Config

__all__ = ["office"]  # the fixture, imported for pytest


async def _posted(office: Office) -> int:
    office.missed(minutes_ago=10)
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    return int(office.posts(SALES_CHAT)[-1]["message_id"])


def _sends(office: Office) -> int:
    """Posts made to the sales chat (failed ones left out)."""
    calls = office.api.calls_of("sendMessage")
    return sum(1 for c in calls if not c.failed and c.params.get("chat_id") == SALES_CHAT)


async def test_a_deleted_card_of_a_case_called_back_is_not_posted_again(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    """An operator deleted the card, then called the number back: the bot posted the card
    again, closed, with a new notification on every phone of the department, for a case
    nobody waits on. It stays gone; the case is closed in the ledger all the same."""
    message_id = await _posted(office)
    del office.api.messages[(SALES_CHAT, message_id)]  # deleted in the chat by a person
    with caplog.at_level(logging.INFO, logger="bot"):
        office.callback(minutes_ago=1, number=CALLER)
        await office.scan()
        await office.settle()
    assert not office.only_case().is_open
    failed_edits = [c for c in office.api.calls_of("editMessageText") if c.failed]
    assert len(failed_edits) == 1  # it was tried: the card was gone
    assert _sends(office) == 1  # the first post only
    assert office.posts(SALES_CHAT) == []
    told = [r.getMessage() for r in caplog.records if r.name == "bot.messenger"]
    assert any("was deleted from chat" in line for line in told), told


async def test_a_deleted_card_of_an_open_case_is_posted_again_with_its_reminder(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The case still waits: the card comes back (it carries the buttons), and the
    reminder answers the new card, not a message that is gone."""
    config = office_config(tmp_path, phone_config, rules={"remind_after_minutes": 5})
    async with open_office(config) as reminding:
        message_id = await _posted(reminding)
        reminding.cards_posted_at_their_calls()
        del reminding.api.messages[(SALES_CHAT, message_id)]
        assert check_reminders(runtime(reminding.bot.application)) == 1
        await reminding.wait_posted(SALES_CHAT, count=3)
        await reminding.settle()
        card, reminder = reminding.posts(SALES_CHAT)
        assert card["reply_markup"]["inline_keyboard"]
        assert reminder["reply_to_message"]["message_id"] == card["message_id"]
        case = reminding.only_case()
        assert reminding.ledger.case_message(case.id) == (SALES_CHAT, card["message_id"])
