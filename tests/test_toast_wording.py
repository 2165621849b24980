"""Toasts name people in a form that needs no declension: a name is shown as given."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from tests.conftest import SALES_CHAT
from tests.test_bot_buttons import posted
from tests.test_bot_harness import ADMIN, IVAN, OLGA, Office, office, office_config, open_office
from watcher.config import Config

__all__ = ["office"]  # the fixture, imported for pytest


@pytest_asyncio.fixture
async def english(tmp_path: Path, phone_config: Callable[..., Config]) -> AsyncIterator[Office]:
    async with open_office(office_config(tmp_path, phone_config, language="en")) as running:
        yield running


async def test_a_taken_over_call_names_who_had_it_without_declining_the_name(
    office: Office,
) -> None:
    """ "(был у Ольга)" needs "Ольги", and a name cannot be declined reliably: the toast
    says "брал(а): Ольга", as the card's "взял(а) Ольга" does."""
    case_id, message = await posted(office)
    mid = message["message_id"]
    await office.press(SALES_CHAT, mid, IVAN, f"k:{case_id}")
    toast = await office.press(SALES_CHAT, mid, ADMIN, f"k:{case_id}")
    assert toast == "Звонок передан вам (брал(а): Иван Петров)"


async def test_the_english_toast_names_who_had_it(english: Office) -> None:
    case_id, message = await posted(english)
    mid = message["message_id"]
    await english.press(SALES_CHAT, mid, OLGA, f"k:{case_id}")
    toast = await english.press(SALES_CHAT, mid, ADMIN, f"k:{case_id}")
    assert toast == "The call is yours now (was taken by Ольга)"
