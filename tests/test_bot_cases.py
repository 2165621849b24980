"""End to end: Calls.dbf rows -> watcher -> ledger -> outbox -> fake Bot API -> button
presses -> ledger -> edited messages. Real PTB HTTP stack, real SQLite, real DBF bytes."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import pytest

from tests.conftest import SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import (
    ADMIN,
    CALLER,
    FOREIGN_CHAT,
    IVAN,
    MANAGERS_CHAT,
    OLGA,
    Office,
    office,
)
from watcher.sim.wintariff import make_row
from watcher.vocab import ClosedHow

__all__ = ["office"]  # the fixture, imported for pytest


def button(message: dict[str, Any]) -> tuple[str, str] | None:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or []
    if not rows:
        return None
    first = rows[0][0]
    return first["text"], first["callback_data"]


async def posted_case(office: Office, chat_id: int = SALES_CHAT) -> dict[str, Any]:
    await office.scan()
    await office.wait_posted(chat_id)
    await office.settle()
    return office.posts(chat_id)[-1]


async def test_missed_call_is_posted_to_its_department_with_a_button(office: Office) -> None:
    office.missed(ring=25)
    message = await posted_case(office)
    case = office.only_case()
    text = message["text"]
    assert "Пропущенный звонок · Отдел продаж" in text
    assert "+7 916 123-45-67" in text
    assert "+79161234567" in text  # the tap-to-call form, linked by Telegram
    assert "🆕 новый номер" in text
    assert "ждал ответа 25 с" in text
    assert button(message) == ("✅ Перезвонил", f"c:{case.id}")
    assert office.posts(SERVICE_CHAT) == []
    assert office.posts(MANAGERS_CHAT) == []
    assert office.ledger.case_message(case.id) == (SALES_CHAT, message["message_id"])


async def test_press_closes_case_edits_message_and_offers_undo(office: Office) -> None:
    office.missed()
    message = await posted_case(office)
    case = office.only_case()

    toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case.id}")
    assert toast == "Отмечено: перезвонили"
    await office.wait_edited(lambda c: c.params["message_id"] == message["message_id"])
    await office.settle()

    closed = office.case(case.id)
    assert closed.closed_how == ClosedHow.USER
    assert closed.closed_by_user_id == IVAN["id"]
    assert closed.closed_by_name == "Иван Петров"
    shown = office.posts(SALES_CHAT)[-1]
    assert "✅ Перезвонил(а) Иван Петров в " in shown["text"]
    assert button(shown) == ("↩️ Отменить", f"u:{case.id}")
    # One writer per message: the outbox shows the close with one edit, the handler none.
    assert len([c for c in office.api.calls_of("editMessageText") if not c.failed]) == 1


async def test_callback_from_the_pbx_closes_and_edits_without_buttons(office: Office) -> None:
    office.missed(minutes_ago=10)
    message = await posted_case(office)
    office.callback(minutes_ago=1, ext="201", seconds=133)
    await office.scan()
    await office.wait_edited(lambda c: c.params["message_id"] == message["message_id"])
    shown = office.posts(SALES_CHAT)[-1]
    assert "✅ Перезвонил доб. 201 в " in shown["text"]
    assert ", разговор 2:13" in shown["text"]
    assert button(shown) is None
    assert office.only_case().closed_how == ClosedHow.CALL


async def test_repeat_call_edits_the_same_message(office: Office) -> None:
    office.missed(minutes_ago=10)
    first = await posted_case(office)
    office.missed(minutes_ago=2)
    await office.scan()
    await office.wait_edited(lambda c: c.params["message_id"] == first["message_id"])
    await office.settle()
    assert len(office.posts(SALES_CHAT)) == 1
    assert "звонил 2 раза, последний в " in office.posts(SALES_CHAT)[0]["text"]
    assert office.only_case().attempts == 2


async def test_undo_by_the_same_user_and_refused_for_another(office: Office) -> None:
    office.missed()
    message = await posted_case(office)
    case_id = office.only_case().id
    mid = message["message_id"]
    await office.press(SALES_CHAT, mid, IVAN, f"c:{case_id}")

    toast = await office.press(SALES_CHAT, mid, OLGA, f"u:{case_id}")
    assert toast == "Отменить может только Иван Петров или администратор"
    assert not office.case(case_id).is_open

    toast = await office.press(SALES_CHAT, mid, IVAN, f"u:{case_id}")
    assert toast == "Отметка снята, звонок снова ждёт"
    assert office.case(case_id).is_open
    await office.wait_edited(lambda c: "Перезвонил(а) Иван" not in c.params["text"])
    await office.settle()
    assert button(office.posts(SALES_CHAT)[-1]) == ("✅ Перезвонил", f"c:{case_id}")


async def test_admin_may_undo_anyones_close(office: Office) -> None:
    office.missed()
    message = await posted_case(office)
    case_id = office.only_case().id
    await office.press(SALES_CHAT, message["message_id"], OLGA, f"c:{case_id}")
    toast = await office.press(SALES_CHAT, message["message_id"], ADMIN, f"u:{case_id}")
    assert toast == "Отметка снята, звонок снова ждёт"
    assert office.case(case_id).is_open


async def test_press_from_a_foreign_chat_is_refused(office: Office) -> None:
    office.missed()
    await posted_case(office)
    case_id = office.only_case().id
    # Bot messages in other chats to press on: /help answers there.
    for chat in (FOREIGN_CHAT, SERVICE_CHAT):
        await office.command(chat, OLGA, "/help")
        await office.wait_posted(chat)
        foreign_message = office.posts(chat)[-1]["message_id"]
        toast = await office.press(chat, foreign_message, OLGA, f"c:{case_id}")
        assert toast == "Этот звонок не относится к этому чату"
    assert office.case(case_id).is_open


async def test_a_press_on_another_message_than_the_case_s_changes_nothing(
    office: Office,
) -> None:
    """A button is honoured only on the message recorded for its case (same chat and id)."""
    office.missed()
    await posted_case(office)
    case_id = office.only_case().id
    await office.command(SALES_CHAT, OLGA, "/help")
    await office.wait_posted(SALES_CHAT, count=2)
    other = office.posts(SALES_CHAT)[-1]["message_id"]
    events = len(office.ledger.case_events(case_id))
    for data in (f"c:{case_id}", f"u:{case_id}"):
        toast = await office.press(SALES_CHAT, other, IVAN, data)
        assert toast == "Это сообщение устарело, звонок показан в другом. Откройте /missed"
    case = office.case(case_id)
    assert case.is_open and case.version == 0
    assert len(office.ledger.case_events(case_id)) == events


async def test_forged_callback_data_is_refused(office: Office) -> None:
    office.missed()
    message = await posted_case(office)
    case_id = office.only_case().id
    mid = message["message_id"]
    for data in ("c:999999", "x:1", f"c:{case_id};1", "c:-1", "c:0", "", "c:" + "9" * 60):
        toast = await office.press(SALES_CHAT, mid, IVAN, data)
        assert toast == "Кнопка устарела или не относится к звонку", data
    assert office.case(case_id).is_open
    assert office.case(case_id).version == 0


async def test_press_on_a_case_closed_by_the_pbx_says_who_closed_it(office: Office) -> None:
    office.missed(minutes_ago=10)
    message = await posted_case(office)
    case_id = office.only_case().id
    office.callback(ext="202")
    await office.scan()
    await office.settle()
    # A stale client still shows the old button.
    toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}")
    assert re.fullmatch(r"Уже закрыто: перезвонил доб\. 202 в \d\d:\d\d", toast), toast  # today
    assert office.case(case_id).closed_how == ClosedHow.CALL
    toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"u:{case_id}")
    assert toast == "Закрыто по журналу звонков, отменить нельзя"


async def test_press_on_a_case_closed_by_someone_else_names_them(office: Office) -> None:
    office.missed()
    message = await posted_case(office)
    case_id = office.only_case().id
    await office.press(SALES_CHAT, message["message_id"], OLGA, f"c:{case_id}")
    toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}")
    assert re.fullmatch(r"Уже закрыто: Ольга, \d\d:\d\d", toast), toast
    assert office.case(case_id).closed_by_user_id == OLGA["id"]


async def test_manual_close_racing_auto_close_ends_consistent(office: Office) -> None:
    office.missed(minutes_ago=10)
    message = await posted_case(office)
    case_id = office.only_case().id
    office.callback(ext="203")
    toast, _ = await asyncio.gather(
        office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}"), office.scan()
    )
    await office.settle()
    await asyncio.sleep(0.3)  # any late edit would land now
    case = office.case(case_id)
    shown = office.posts(SALES_CHAT)[-1]
    events = [e["kind"] for e in office.ledger.case_events(case_id)]
    # Whichever comes first, the case ends as the log says: a press first is confirmed by
    # the call's row (kept in the history), a row first answers the press "already".
    assert events.count("callback") == 1 and events.count("closed") <= 1
    assert (case.closed_how, case.closed_by_extension) == (ClosedHow.CALL, "203")
    if events.count("closed"):
        assert toast == "Отмечено: перезвонили"
    else:
        assert toast.startswith("Уже закрыто: перезвонил доб. 203")
    assert "Перезвонил доб. 203" in shown["text"]
    assert button(shown) is None


async def test_restart_posts_no_duplicates(office: Office) -> None:
    office.missed(caller="89161111111")
    await posted_case(office)
    await office.restart_bot()
    office.missed(caller="89162222222")
    await office.scan()
    await office.wait_posted(SALES_CHAT, count=2)
    await office.settle()
    await asyncio.sleep(0.3)
    sends = [c for c in office.api.calls_of("sendMessage") if not c.failed]
    assert len(sends) == 2
    assert "+7 916 111-11-11" in sends[0].params["text"]
    assert "+7 916 222-22-22" in sends[1].params["text"]


async def test_changes_made_while_the_bot_is_down_are_delivered_after_restart(
    office: Office,
) -> None:
    office.missed(minutes_ago=10, caller="89161111111")
    first = await posted_case(office)
    await office.bot.stop()
    office.missed(minutes_ago=5, caller="89162222222")  # a new case
    office.callback(minutes_ago=1, number="89161111111")  # closes the first one
    await office.scan()
    assert office.ledger.outbox_pending_count() == 2
    await office.restart_bot()
    await office.wait_posted(SALES_CHAT, count=2)
    await office.wait_edited(lambda c: c.params["message_id"] == first["message_id"])
    await office.settle()
    assert len([c for c in office.api.calls_of("sendMessage") if not c.failed]) == 2


async def test_delivery_lost_between_post_and_ledger_mark_does_not_repost(office: Office) -> None:
    """A crash after the post was recorded but before the outbox row was marked done."""
    office.missed()
    await posted_case(office)
    case_id = office.only_case().id
    await office.bot.stop()
    with office.ledger.transaction():
        office.ledger.conn.execute("UPDATE outbox SET done_at = NULL WHERE case_id = ?", [case_id])
    await office.restart_bot()
    await office.settle()
    assert len([c for c in office.api.calls_of("sendMessage") if not c.failed]) == 1
    # The redelivery became an edit that Telegram answered "not modified": ignored.
    edits = office.api.calls_of("editMessageText")
    assert len(edits) == 1 and edits[0].failed
    assert "not modified" in edits[0].response["description"]


async def test_flood_control_is_honoured(office: Office) -> None:
    office.api.fail_next("sendMessage", status=429, retry_after=1)
    office.missed()
    await office.scan()
    calls = await office.api.wait_for("sendMessage", lambda c: not c.failed, timeout=5)
    failed = [c for c in office.api.calls_of("sendMessage") if c.failed]
    assert len(failed) == 1 and failed[0].status == 429
    assert calls[0].time - failed[0].time >= 0.95
    await office.settle()
    assert len(office.posts(SALES_CHAT)) == 1


async def test_outage_recovery_loses_nothing(office: Office) -> None:
    office.api.set_down(True)
    office.missed(minutes_ago=6, caller="89161111111")
    office.missed(minutes_ago=5, caller="89162222222", ext="630")
    await office.scan()
    await office.api.wait_for("sendMessage", lambda c: c.failed, count=2)
    assert office.ledger.outbox_pending_count() == 2
    office.api.set_down(False)
    await office.wait_posted(SALES_CHAT)
    await office.wait_posted(SERVICE_CHAT)
    await office.settle()
    assert len(office.posts(SALES_CHAT)) == 1
    assert len(office.posts(SERVICE_CHAT)) == 1


async def test_a_chat_that_refuses_keeps_its_case_and_does_not_block_others(
    office: Office,
) -> None:
    """Six refusals (the bot kicked from the chat, then added back): the case is posted
    then, where it used to be given up after five and never posted."""
    office.api.fail_next("sendMessage", status=403, times=6)
    office.missed(caller=CALLER)
    await office.scan()
    office.missed(caller="89163333333", ext="630")
    await office.scan()
    await office.wait_posted(SERVICE_CHAT)
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    assert len([c for c in office.api.calls_of("sendMessage") if c.failed]) == 6
    assert len(office.posts(SALES_CHAT)) == 1


async def test_deleted_case_message_is_posted_again(office: Office) -> None:
    office.missed(minutes_ago=10)
    first = await posted_case(office)
    case_id = office.only_case().id
    del office.api.messages[(SALES_CHAT, first["message_id"])]  # someone deleted the post
    office.missed(minutes_ago=2)
    await office.scan()
    await office.wait_posted(SALES_CHAT, count=2)
    await office.settle()
    [again] = office.posts(SALES_CHAT)
    assert "звонил 2 раза" in again["text"]
    assert office.ledger.case_message(case_id) == (SALES_CHAT, again["message_id"])


async def test_caller_getting_through_later_closes_the_case(office: Office) -> None:
    office.missed(minutes_ago=10)
    message = await posted_case(office)
    when = (office.now() - dt.timedelta(minutes=1)).replace(microsecond=0)
    office.dbf.append(
        make_row(when=when, duration=75, extension="204", callerid=CALLER, calltype="I")
    )
    await office.scan()
    await office.wait_edited(lambda c: c.params["message_id"] == message["message_id"])
    shown = office.posts(SALES_CHAT)[-1]
    assert "✅ Дозвонился сам, ответил доб. 204 в " in shown["text"]
    assert ", разговор 1:15" in shown["text"]
    assert button(shown) is None


async def test_a_post_with_an_unreadable_answer_is_sent_once_more_and_recorded(
    office: Office,
) -> None:
    """Telegram applied the post but its answer was not JSON: one re-send, never five."""
    office.api.garble_next("sendMessage")
    office.missed()
    await office.scan()
    await office.wait_posted(SALES_CHAT, count=2)
    await office.settle()
    sends = office.api.calls_of("sendMessage")
    assert [c.garbled for c in sends] == [True, False]
    case_id = office.only_case().id
    assert office.ledger.unconfirmed_post_count(case_id) == 1
    # The message the ledger knows is the confirmed one: a later change edits it.
    second = office.posts(SALES_CHAT)[-1]
    assert office.ledger.case_message(case_id) == (SALES_CHAT, second["message_id"])
    office.callback(ext="203")
    await office.scan()
    await office.wait_edited(lambda c: c.params["message_id"] == second["message_id"])


async def test_posts_without_readable_answers_stop_after_one_re_send(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    office.api.garble_next("sendMessage", times=5)
    office.missed()
    await office.scan()
    await office.wait_posted(SALES_CHAT, count=2)
    await office.settle()
    await asyncio.sleep(0.5)  # several outbox ticks and backoffs: no third copy
    assert len(office.api.calls_of("sendMessage")) == 2
    case_id = office.only_case().id
    assert office.ledger.case_message(case_id) is None
    assert office.ledger.unconfirmed_post_count(case_id) == 2
    assert any("not posting it again" in r.getMessage() for r in caplog.records)


async def test_calls_missed_before_a_department_had_a_chat_are_posted_once_it_has_one(
    tmp_path: Any, phone_config: Any
) -> None:
    """The README's order: `run` first, /start in each chat, the ids into the config, a
    restart. Service's missed call came before its chat id was written: it stayed in
    /missed alone, its outbox row done, and no card ever reached the chat."""
    import dataclasses

    from tests.test_bot_harness import office_config, open_office

    config = office_config(tmp_path, phone_config)
    sales, service = config.departments
    unset = dataclasses.replace(
        config, departments=(sales, dataclasses.replace(service, chat=None))
    )
    async with open_office(unset) as office:
        office.missed(caller="89035550001", ext="630")
        office.missed(caller="89035550002", ext="620")
        await office.scan()
        await office.wait_posted(SALES_CHAT)
        await office.settle()
        assert office.posts(SERVICE_CHAT) == []
        office.config = config  # Service's chat written in, and a restart
        await office.restart_bot()
        await office.wait_posted(SERVICE_CHAT)
        await office.settle()
        [card] = office.posts(SERVICE_CHAT)
        assert "+7 903 555-00-01" in card["text"] and card["reply_markup"]["inline_keyboard"]
        await office.restart_bot()  # once: a later start posts it no more
        await office.settle()
        await asyncio.sleep(0.05)
        assert len(office.posts(SERVICE_CHAT)) == 1 and len(office.posts(SALES_CHAT)) == 1
