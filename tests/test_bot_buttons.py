"""The v0.2 buttons end to end: 👋 claim, 📵 no answer, 🚫 not needed, ↩️ undo, and failed
callbacks from the call log listed on the card. Through PTB's real HTTP stack."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest

from bot import handlers
from tests.conftest import SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import ADMIN, CALLER, IVAN, OLGA, Office, office
from watcher.ledger import BUSY_TIMEOUT_MS
from watcher.vocab import ClosedHow

__all__ = ["office"]  # the fixture, imported for pytest


async def posted(office: Office) -> tuple[int, dict[str, Any]]:
    office.missed()
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    return office.only_case().id, office.posts(SALES_CHAT)[-1]


async def shown(office: Office) -> dict[str, Any]:
    await office.settle()
    await asyncio.sleep(0.05)
    return office.posts(SALES_CHAT)[-1]


def events(office: Office, case_id: int) -> list[str]:
    return [e["kind"] for e in office.ledger.case_events(case_id)]


def buttons(message: dict[str, Any]) -> list[list[str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [[b["callback_data"] for b in row] for row in rows]


async def test_an_open_case_has_four_buttons_in_two_rows(office: Office) -> None:
    case_id, message = await posted(office)
    assert buttons(message) == [[f"c:{case_id}", f"k:{case_id}"], [f"f:{case_id}", f"n:{case_id}"]]


async def test_claim_shows_who_and_a_second_claim_names_the_claimer(office: Office) -> None:
    case_id, message = await posted(office)
    mid = message["message_id"]
    assert await office.press(SALES_CHAT, mid, OLGA, f"k:{case_id}") == "Взято: звонок за вами"
    card = await shown(office)
    assert "👋 Взято: Ольга, " in card["text"]
    toast = await office.press(SALES_CHAT, mid, IVAN, f"k:{case_id}")
    claimed = office.case(case_id).claimed_at
    assert claimed is not None
    assert toast == f"Уже взял(а) Ольга в {claimed:%H:%M}"  # today's: the time alone
    assert await office.press(SALES_CHAT, mid, OLGA, f"k:{case_id}") == "Звонок уже за вами"
    assert office.case(case_id).claimed_by_user_id == OLGA["id"]
    # An admin may take it over.
    toast = await office.press(SALES_CHAT, mid, ADMIN, f"k:{case_id}")
    assert toast == "Звонок передан вам (брал(а): Ольга)"
    assert "👋 Взято: Админ, " in (await shown(office))["text"]
    assert events(office, case_id) == ["opened", "claimed", "claimed"]
    assert office.case(case_id).is_open


async def test_a_claim_race_has_one_winner(office: Office) -> None:
    case_id, message = await posted(office)
    mid = message["message_id"]
    toasts = await asyncio.gather(
        office.press(SALES_CHAT, mid, OLGA, f"k:{case_id}"),
        office.press(SALES_CHAT, mid, IVAN, f"k:{case_id}"),
    )
    assert sorted(t == "Взято: звонок за вами" for t in toasts) == [False, True]
    loser = next(t for t in toasts if t != "Взято: звонок за вами")
    winner = office.case(case_id).claimed_by_name
    assert winner in ("Ольга", "Иван Петров")
    assert loser.startswith(f"Уже взял(а) {winner} в ")
    assert events(office, case_id).count("claimed") == 1


async def test_no_answer_is_listed_and_the_case_stays_open(office: Office) -> None:
    case_id, message = await posted(office)
    toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"f:{case_id}")
    assert toast == "Отмечено: не дозвонились, звонок ждёт"
    card = await shown(office)
    assert "📵 Иван Петров в " in card["text"] and "— не удалось дозвониться" in card["text"]
    assert office.case(case_id).is_open
    assert buttons(card)[0][0] == f"c:{case_id}"
    assert events(office, case_id) == ["opened", "callback_failed"]


async def test_a_double_tap_on_no_answer_is_one_attempt(office: Office) -> None:
    """Two taps by one person in the same moment list one 📵, not two; another person's
    press is an attempt of its own."""
    case_id, message = await posted(office)
    mid = message["message_id"]
    toasts = await asyncio.gather(
        office.press(SALES_CHAT, mid, IVAN, f"f:{case_id}"),
        office.press(SALES_CHAT, mid, IVAN, f"f:{case_id}"),
    )
    assert toasts == ["Отмечено: не дозвонились, звонок ждёт"] * 2
    await office.press(SALES_CHAT, mid, OLGA, f"f:{case_id}")
    card = await shown(office)
    attempts = [line for line in card["text"].splitlines() if line.startswith("📵")]
    assert len(attempts) == 2
    assert attempts[0].startswith("📵 Иван Петров в ") and attempts[1].startswith("📵 Ольга в ")
    assert events(office, case_id) == ["opened", "callback_failed", "callback_failed"]


async def test_failed_callbacks_from_the_call_log_are_listed(office: Office) -> None:
    case_id, _ = await posted(office)
    office.callback(ext="203", seconds=0)  # nobody picked up
    office.callback(ext="204", seconds=3)  # shorter than callback_min_seconds (5)
    await office.scan()
    card = await shown(office)
    assert "📵 доб. 203 в " in card["text"]
    assert "📵 доб. 204 в " in card["text"] and "разговор 0:03, слишком короткий" in card["text"]
    assert office.case(case_id).is_open
    assert events(office, case_id) == ["opened", "callback_failed", "callback_failed"]
    # A real callback afterwards still closes it.
    office.callback(ext="205", seconds=40, minutes_ago=0.5)
    await office.scan()
    await office.settle()
    assert office.case(case_id).closed_how == ClosedHow.CALL


async def test_not_needed_closes_apart_and_can_be_undone_by_the_same_person(
    office: Office,
) -> None:
    case_id, message = await posted(office)
    mid = message["message_id"]
    toast = await office.press(SALES_CHAT, mid, IVAN, f"n:{case_id}")
    assert toast == "Отмечено: перезванивать не нужно"
    case = office.case(case_id)
    assert (case.closed_how, case.closed_by_user_id) == (ClosedHow.NOT_NEEDED, IVAN["id"])
    card = await shown(office)
    assert "🚫 Не нужно перезванивать: Иван Петров, " in card["text"]
    assert buttons(card) == [[f"u:{case_id}"]]
    # A press on the closed case names who closed it and how.
    toast = await office.press(SALES_CHAT, mid, OLGA, f"c:{case_id}")
    assert toast.startswith("Уже закрыто: не нужно (Иван Петров, ")
    assert await office.press(SALES_CHAT, mid, OLGA, f"u:{case_id}") == (
        "Отменить может только Иван Петров или администратор"
    )
    assert await office.press(SALES_CHAT, mid, IVAN, f"u:{case_id}") == (
        "Отметка снята, звонок снова ждёт"
    )
    assert office.case(case_id).is_open
    assert events(office, case_id) == ["opened", "not_needed", "reopened"]


async def test_no_undo_while_the_number_has_a_newer_open_case(office: Office) -> None:
    """Closed by a press, then the number called again (a new case, a new card): undo on
    the old card would leave the number with two open cases, in /missed and reminders."""
    case_id, message = await posted(office)
    mid = message["message_id"]
    assert await office.press(SALES_CHAT, mid, OLGA, f"c:{case_id}") == "Отмечено: перезвонили"
    await office.settle()
    office.missed(minutes_ago=1)
    await office.scan()
    await office.wait_posted(SALES_CHAT, count=2)
    toast = await office.press(SALES_CHAT, mid, OLGA, f"u:{case_id}")
    assert toast == "Этот номер звонил снова: его новый звонок открыт, отмечайте его"
    assert not office.case(case_id).is_open
    assert len(office.ledger.open_cases()) == 1


async def test_undo_is_allowed_when_the_number_waits_in_another_department(
    office: Office,
) -> None:
    """One open case per number per department: a call to Service does not block an
    undo in Sales, whose chat has no other card for the number."""
    case_id, message = await posted(office)
    mid = message["message_id"]
    await office.press(SALES_CHAT, mid, OLGA, f"c:{case_id}")
    await office.settle()
    office.missed(minutes_ago=1, ext="630")
    await office.scan()
    await office.wait_posted(SERVICE_CHAT)
    assert await office.press(SALES_CHAT, mid, OLGA, f"u:{case_id}") == (
        "Отметка снята, звонок снова ждёт"
    )
    assert office.case(case_id).is_open


async def test_a_claimed_case_called_back_from_the_log_closes(office: Office) -> None:
    case_id, message = await posted(office)
    await office.press(SALES_CHAT, message["message_id"], OLGA, f"k:{case_id}")
    office.callback(number=CALLER, ext="202")
    await office.scan()
    await office.settle()
    card = await shown(office)
    assert office.case(case_id).closed_how == ClosedHow.CALL
    assert "👋" not in card["text"]  # the claim line is for open cases
    assert buttons(card) == []


async def test_a_press_before_the_callbacks_row_ends_as_closed_by_the_call(
    office: Office,
) -> None:
    """Ivan presses ✅ as he hangs up; WinTariff writes his call a moment later. The card
    then says what the log says, and the figures count his extension's callback."""
    from watcher.stats import load_stats, parse_period

    case_id, message = await posted(office)
    await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}")
    assert office.case(case_id).closed_how == ClosedHow.USER
    office.callback(minutes_ago=1, number=CALLER, ext="201", seconds=133)
    await office.scan()
    card = await shown(office)
    case = office.case(case_id)
    assert (case.closed_how, case.closed_by_extension, case.callback_duration) == (
        ClosedHow.CALL,
        "201",
        133,
    )
    assert "✅ Перезвонил доб. 201" in card["text"] and "разговор 2:13" in card["text"]
    assert buttons(card) == []  # closed by the log: nothing to undo
    stats = load_stats(office.ledger, parse_period("today", office.now().date()))
    assert (stats.cases_closed, stats.closed_by_call, stats.closed_by_user) == (1, 1, 0)
    assert [(o.extension, o.callbacks) for o in stats.operators if o.callbacks] == [("201", 1)]


async def test_not_needed_is_counted_apart_in_the_figures(office: Office) -> None:
    from watcher.stats import load_stats, parse_period, render_stats

    case_id, message = await posted(office)
    await office.press(SALES_CHAT, message["message_id"], IVAN, f"n:{case_id}")
    period = parse_period("today", office.now().date())
    stats = load_stats(office.ledger, period)
    assert (stats.cases_total, stats.cases_closed, stats.closed_not_needed) == (1, 0, 1)
    assert stats.median_callback_seconds is None  # no callback: no wait to count
    assert "не нужно перезванивать 1" in render_stats(stats, period, "ru")


async def test_a_press_while_the_ledger_stays_locked_asks_to_press_again(
    office: Office, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer holds the ledger past the press's wait (shortened here): the press
    gets a toast saying nothing was marked, one warning, no traceback; the user's name is
    recorded without waiting for the lock."""
    case_id, message = await posted(office)
    monkeypatch.setattr(handlers, "PRESS_WAIT_MS", 100)
    holder = sqlite3.connect(office.config.database_path, timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}")
    finally:
        holder.rollback()
        holder.close()
    assert toast == "База занята, ничего не отмечено: нажмите ещё раз через минуту"
    assert office.case(case_id).is_open
    busy = [r for r in caplog.records if "the ledger is busy" in r.getMessage()]
    assert len(busy) == 1 and busy[0].levelname == "WARNING" and not busy[0].exc_info
    toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}")
    assert toast == "Отмечено: перезвонили"
    # The wait is the ledger's usual one again after the press.
    busy_ms = office.bot.runtime.ledger.conn.execute("PRAGMA busy_timeout").fetchone()[0]
    assert busy_ms == BUSY_TIMEOUT_MS


async def test_a_press_on_a_full_disk_is_answered_that_nothing_was_saved(
    office: Office, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger's disk was full: the press raised past the handler, no answer came,
    and the button spun on the operator's phone."""
    case_id, message = await posted(office)
    ledger = office.bot.runtime.ledger

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ledger, "close_by_user", full)
    toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}")
    assert toast.startswith("Не сохранено: на сервере не записать базу.")
    assert office.case(case_id).is_open
    [error] = [r for r in caplog.records if "cannot be written" in r.getMessage()]
    assert error.levelname == "ERROR" and not error.exc_info


async def test_a_list_press_that_saved_nothing_keeps_its_button_and_line(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The toast asks to press again: the /missed list must still offer the button."""
    case_id, _ = await posted(office)
    await office.command(SALES_CHAT, IVAN, "/missed")
    await office.wait_posted(SALES_CHAT, count=2)
    listed = office.posts(SALES_CHAT)[-1]
    assert buttons(listed) == [[f"l:{case_id}"]]
    monkeypatch.setattr(handlers, "PRESS_WAIT_MS", 100)
    holder = sqlite3.connect(office.config.database_path, timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        toast = await office.press(SALES_CHAT, listed["message_id"], IVAN, f"l:{case_id}")
    finally:
        holder.rollback()
        holder.close()
    assert toast.startswith("База занята")
    await asyncio.sleep(0.1)
    assert not [c for c in office.api.calls if c.method.startswith("editMessage")]
    assert office.posts(SALES_CHAT)[-1]["text"] == listed["text"]
