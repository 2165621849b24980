"""Operators by name: ``[operators]`` and ``/me`` link extensions to Telegram users, and the
cards show the name the bot last saw beside the extension."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio

from tests.conftest import SALES_CHAT
from tests.fake_bot_api import make_user
from tests.test_bot_harness import (
    ADMIN,
    FOREIGN_CHAT,
    IVAN,
    OLGA,
    Office,
    office_config,
    open_office,
)
from watcher.config import Config


@pytest_asyncio.fixture
async def office(tmp_path: Path, phone_config: Callable[..., Config]) -> AsyncIterator[Office]:
    config = office_config(tmp_path, phone_config, operators={"202": IVAN["id"]})
    async with open_office(config) as running:
        yield running


async def answer(office: Office, chat: int, user: dict[str, Any], text: str) -> str:
    before = len(office.posts(chat))
    await office.command(chat, user, text)
    await office.wait_posted(chat, count=before + 1)
    return str(office.posts(chat)[-1]["text"])


async def closed_card(office: Office, ext: str) -> str:
    office.missed()
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    office.callback(ext=ext)
    await office.scan()
    await office.settle()
    await asyncio.sleep(0.05)
    return str(office.posts(SALES_CHAT)[-1]["text"])


async def test_me_links_the_sender_and_shows_the_link(office: Office) -> None:
    assert (await answer(office, SALES_CHAT, OLGA, "/me")).startswith("Вы не привязаны")
    text = await answer(office, SALES_CHAT, OLGA, "/me 201")
    assert text.startswith("Готово: доб. 201 — Ольга.")
    assert await answer(office, SALES_CHAT, OLGA, "/me") == "Вы — доб. 201."
    assert office.ledger.operator_links() == {"201": OLGA["id"]}


async def test_the_card_names_the_operator_who_called_back(office: Office) -> None:
    await answer(office, SALES_CHAT, OLGA, "/me 201")
    card = await closed_card(office, "201")
    assert "✅ Перезвонил доб. 201 (Ольга) в " in card


async def test_a_configured_operator_is_named_once_the_bot_has_seen_them(
    office: Office,
) -> None:
    await answer(office, SALES_CHAT, IVAN, "/help")  # the bot sees Ivan's name
    card = await closed_card(office, "202")
    assert "доб. 202 (Иван Петров)" in card
    assert await answer(office, SALES_CHAT, IVAN, "/me") == "Вы — доб. 202."


async def test_the_name_shown_is_the_one_last_seen(office: Office) -> None:
    await answer(office, SALES_CHAT, OLGA, "/me 201")
    renamed = make_user(OLGA["id"], "Ольга", "olga", last_name="Смирнова")
    await answer(office, SALES_CHAT, renamed, "/help")
    assert "доб. 201 (Ольга Смирнова)" in await closed_card(office, "201")


async def test_only_an_admin_links_someone_else(office: Office) -> None:
    text = await answer(office, SALES_CHAT, OLGA, f"/me 203 {IVAN['id']}")
    assert text == "Привязать другого человека может только администратор."
    assert office.ledger.operator_links() == {}
    await answer(office, SALES_CHAT, IVAN, "/help")
    text = await answer(office, SALES_CHAT, ADMIN, f"/me 203 {IVAN['id']}")
    assert text.startswith("Готово: доб. 203 — Иван Петров.")
    assert office.ledger.operator_links() == {"203": IVAN["id"]}


async def test_a_colleagues_extension_is_not_taken_without_an_admin(office: Office) -> None:
    """Ivan sends "/me 201" after Olga: from then on her callbacks would read as his, and
    nobody would be told. He is refused with what to do; an admin may move it."""
    await answer(office, SALES_CHAT, OLGA, "/me 201")
    text = await answer(office, SALES_CHAT, IVAN, "/me 201")
    assert text == (
        "Доб. 201 уже привязан к другому человеку: Ольга. Если теперь это ваш добавочный,"
        f" попросите администратора написать /me 201 {IVAN['id']}."
    )
    assert office.ledger.operator_links() == {"201": OLGA["id"]}
    assert await answer(office, SALES_CHAT, OLGA, "/me 201") == (
        "Готово: доб. 201 — Ольга. Карточки и статистика покажут это имя."
    )  # her own again: no change, nothing to say about it
    text = await answer(office, SALES_CHAT, ADMIN, f"/me 201 {IVAN['id']}")
    assert text == (
        "Готово: доб. 201 — Иван Петров. Карточки и статистика покажут это имя. До этого: Ольга."
    )
    assert office.ledger.operator_links() == {"201": IVAN["id"]}


async def test_an_extension_the_config_gives_to_someone_else_is_refused(office: Office) -> None:
    text = await answer(office, SALES_CHAT, OLGA, "/me 202")
    assert "Доб. 202 закреплён в perezvon.toml" in text
    assert office.ledger.operator_links() == {}


async def test_me_refuses_nonsense_and_foreign_chats(office: Office) -> None:
    assert await answer(office, SALES_CHAT, OLGA, "/me двести") == (
        "Не понял добавочный «двести». Пример: /me 201"
    )
    text = await answer(office, FOREIGN_CHAT, OLGA, "/me 201")
    assert text == "Эта команда работает в чатах отделов и руководителей."
    assert office.ledger.operator_links() == {}


async def test_figures_and_the_workbook_name_the_operator(office: Office) -> None:
    from watcher.report import build_report
    from watcher.stats import load_stats, parse_period, render_stats

    await answer(office, SALES_CHAT, OLGA, "/me 201")
    await closed_card(office, "201")
    period = parse_period("today", office.now().date())
    stats = load_stats(office.ledger, period, office.config)
    assert "201 (Ольга)" in render_stats(stats, period, "ru")
    report = build_report(office.ledger.conn, office.config, period)
    sheets = {sheet.name: sheet for sheet in report.sheets}
    operators = [list(row) for row in sheets["Операторы"].rows]
    assert operators[[r[0] for r in operators].index("201")][:2] == ["201", "Ольга"]
    missed = [list(row) for row in sheets["Пропущенные"].rows]
    assert missed[0][11] == "доб. 201 (Ольга)"
