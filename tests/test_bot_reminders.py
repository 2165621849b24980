"""Reminders and escalations in office time, end to end with an injected clock.

The watcher and the bot share one clock the test moves; the reminder check
(:func:`bot.reminders.check_reminders`) is run by hand instead of waiting for its job.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import runtime
from bot.reminders import check_reminders
from tests.conftest import PHONE_CONFIG, SALES_CHAT
from tests.fake_bot_api import FakeBotApi
from tests.test_bot_harness import IVAN, MANAGERS_CHAT, OLGA, Office, office_config, start_bot
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.reminders import due_now
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter, make_row

# 2026-12-04 is a Friday.
FRIDAY = dt.datetime(2026, 12, 4)
HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00"}


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@asynccontextmanager
async def clocked_office(config: Config, clock: Clock) -> AsyncIterator[Office]:
    dbf = CallsDbfWriter.create(config.source.path)
    async with FakeBotApi() as api:
        bot = await start_bot(config, api, clock=clock)
        watcher = WatcherService(config, on_change=bot.wake_from_thread, clock=clock)
        ledger = Ledger(config.database_path)
        office = Office(api, config, dbf, watcher, bot, ledger, {"clock": clock})
        await office.scan()
        try:
            yield office
        finally:
            await office.bot.stop()
            await asyncio.to_thread(watcher.stop)
            ledger.close()


def missed_at(office: Office, when: dt.datetime, caller: str = "89161234567") -> None:
    office.dbf.append(
        make_row(when=when, duration=0, extension="620", callerid=caller, calltype="I", ring=20)
    )


async def posted_case(office: Office, when: dt.datetime) -> tuple[int, dict[str, Any]]:
    missed_at(office, when)
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    return office.only_case().id, office.posts(SALES_CHAT)[-1]


async def posted_late(office: Office) -> dict[str, Any]:
    """A Thursday call first read on Friday at noon (Perezvon was stopped): its card."""
    missed_at(office, FRIDAY + dt.timedelta(days=-1, hours=10))
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    [card] = office.posts(SALES_CHAT)
    return card


async def remind(office: Office) -> int:
    recorded = check_reminders(runtime(office.bot.application))
    await office.settle()
    await asyncio.sleep(0.05)
    return recorded


def replies_to(office: Office, message_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in office.posts(SALES_CHAT)
        if (m.get("reply_to_message") or {}).get("message_id") == message_id
    ]


async def reminded_case(office: Office, clock: Clock) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """A case posted at 10:00 on Friday and reminded 25 minutes later: its id, its card
    and the reminder."""
    case_id, message = await posted_case(office, FRIDAY + dt.timedelta(hours=10))
    clock.advance(minutes=25)
    assert await remind(office) == 1
    [reply] = replies_to(office, message["message_id"])
    return case_id, message, reply


def make_config(tmp_path: Path, phone_config: Callable[..., Config], **rules: Any) -> Config:
    values = {"remind_after_minutes": 20, "escalate_after_minutes": 60, **rules}
    return office_config(tmp_path, phone_config, rules=values, hours=HOURS)


async def test_a_case_is_reminded_once_after_20_office_minutes_as_a_reply(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    async with clocked_office(make_config(tmp_path, phone_config), clock) as office:
        case_id, message = await posted_case(office, FRIDAY + dt.timedelta(hours=10))
        clock.advance(minutes=18)  # 19 minutes open
        assert await remind(office) == 0
        clock.advance(minutes=1)
        assert await remind(office) == 1
        [reply] = replies_to(office, message["message_id"])
        assert reply["text"] == (
            "⏰ Звонок ждёт перезвона уже 20 мин рабочего времени: +7 916 123-45-67"
        )
        assert await remind(office) == 0  # never twice
        await office.restart_bot()
        clock.advance(minutes=5)
        assert await remind(office) == 0  # ... not after a restart either
        assert len(replies_to(office, message["message_id"])) == 1
        kinds = [e["kind"] for e in office.ledger.case_events(case_id)]
        assert kinds == ["opened", "reminded"]


async def test_a_friday_evening_case_is_reminded_on_monday_at_09_15(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    clock = Clock(FRIDAY + dt.timedelta(hours=17, minutes=56))
    async with clocked_office(make_config(tmp_path, phone_config), clock) as office:
        _, message = await posted_case(office, FRIDAY + dt.timedelta(hours=17, minutes=55))
        for moment in (dt.timedelta(hours=23), dt.timedelta(days=2, hours=12)):
            clock.now = FRIDAY + moment  # Friday night, Sunday noon
            assert await remind(office) == 0
        await office.restart_bot()  # the weekend passes with a restart
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9, minutes=14)
        assert await remind(office) == 0
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9, minutes=15)
        assert await remind(office) == 1
        assert len(replies_to(office, message["message_id"])) == 1


async def test_a_repeat_call_after_the_reminder_brings_it_again_at_opening(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Friday's card was reminded; the caller rings again on Monday at 07:44. Telegram
    does not notify of the card's edit, so the chat gets the reminder again when the
    office opens, saying how often and when he rang and how long he has really waited."""
    clock = Clock(FRIDAY + dt.timedelta(hours=17, minutes=30))
    async with clocked_office(make_config(tmp_path, phone_config), clock) as office:
        _, message = await posted_case(office, FRIDAY + dt.timedelta(hours=17, minutes=29))
        clock.now = FRIDAY + dt.timedelta(hours=17, minutes=49)
        assert await remind(office) == 1
        clock.now = FRIDAY + dt.timedelta(hours=17, minutes=59)
        missed_at(office, clock.now)  # a repeat soon after the reminder: no new one
        await office.scan()
        await office.settle()
        assert await remind(office) == 0
        clock.now = FRIDAY + dt.timedelta(days=3, hours=7, minutes=44)
        missed_at(office, clock.now)
        await office.scan()
        await office.settle()
        assert await remind(office) == 0  # the office is closed
        clock.now = FRIDAY + dt.timedelta(days=3, hours=8, minutes=59)
        assert await remind(office) == 0
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9)
        assert await remind(office) == 1
        _, again = replies_to(office, message["message_id"])
        assert again["text"] == (
            "⏰ Звонок ждёт перезвона уже 31 мин рабочего времени: +7 916 123-45-67\n"
            "🔁 звонил 3 раза, последний раз в 07:44"
        )
        assert await remind(office) == 0  # and once only


async def test_every_reminder_of_a_case_says_so_once_it_is_closed(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Friday's reminder and Monday's (a repeat call brought it) both stay in the chat:
    closing the case strikes both, not only the latest, and undo brings both back."""
    clock = Clock(FRIDAY + dt.timedelta(hours=17, minutes=30))
    async with clocked_office(make_config(tmp_path, phone_config), clock) as office:
        case_id, message = await posted_case(office, FRIDAY + dt.timedelta(hours=17, minutes=29))
        clock.now = FRIDAY + dt.timedelta(hours=17, minutes=49)
        assert await remind(office) == 1
        clock.now = FRIDAY + dt.timedelta(days=3, hours=8, minutes=10)
        missed_at(office, clock.now)
        await office.scan()
        await office.settle()
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9)
        assert await remind(office) == 1
        friday, monday = replies_to(office, message["message_id"])
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9, minutes=5)
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"c:{case_id}")
        await office.settle()
        for reply in (friday, monday):
            await office.wait_edited(
                lambda c, r=reply: c.params.get("message_id") == r["message_id"]
            )
        closed = "⏰ Звонок ждал перезвона: +7 916 123-45-67\n✅ Перезвонил(а) Ольга в 09:05"
        assert [r["text"] for r in replies_to(office, message["message_id"])] == [closed] * 2
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"u:{case_id}")
        await office.settle()
        for reply in (friday, monday):
            await office.wait_edited(
                lambda c, r=reply: c.params.get("message_id") == r["message_id"], count=2
            )
        texts = [r["text"] for r in replies_to(office, message["message_id"])]
        assert all(t.startswith("⏰ Звонок ждёт перезвона уже") for t in texts), texts
        assert len(texts) == 2


async def test_the_reminder_names_the_claimer_and_closed_cases_are_never_reminded(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    config = make_config(tmp_path, phone_config, escalate_after_minutes=0)
    async with clocked_office(config, clock) as office:
        case_id, message = await posted_case(office, FRIDAY + dt.timedelta(hours=10))
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"k:{case_id}")
        await office.settle()
        clock.advance(minutes=25)
        assert await remind(office) == 1
        [reply] = replies_to(office, message["message_id"])
        assert "👋 Ольга, звонок за вами" in reply["text"]
        mention = [e for e in reply.get("entities", []) if e["type"] == "text_mention"]
        assert mention and mention[0]["user"]["id"] == OLGA["id"]
        # A second case, closed before its time: no reminder.
        missed_at(office, clock.now, caller="89160000002")
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=3)
        await office.settle()
        second = max(c.id for c in office.ledger.open_cases())
        other = office.ledger.case_message(second)
        assert other is not None
        await office.press(SALES_CHAT, other[1], OLGA, f"c:{second}")
        clock.advance(minutes=40)
        assert await remind(office) == 0
        assert replies_to(office, other[1]) == []


async def test_a_reminder_says_so_once_its_case_is_closed_and_reminds_again_on_undo(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """An operator scrolling the chat reads the reminders too: one still saying "ждёт"
    after the case was called back sends a second person to call the same customer."""
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    config = make_config(tmp_path, phone_config, escalate_after_minutes=0)
    async with clocked_office(config, clock) as office:
        case_id, message, reply = await reminded_case(office, clock)
        assert reply["text"].startswith("⏰ Звонок ждёт перезвона уже 26 мин")
        clock.advance(minutes=2)
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"c:{case_id}")
        await office.settle()
        await office.wait_edited(lambda c: c.params.get("message_id") == reply["message_id"])
        [reply] = replies_to(office, message["message_id"])
        assert reply["text"] == (
            "⏰ Звонок ждал перезвона: +7 916 123-45-67\n✅ Перезвонил(а) Ольга в 10:28"
        )
        struck = [e for e in reply.get("entities", []) if e["type"] == "strikethrough"]
        assert struck and struck[0]["offset"] == 0
        assert "reply_markup" not in reply  # a plain reply, never buttons
        # Undone by the same person: the reminder reminds again, with the wait so far.
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"u:{case_id}")
        await office.settle()
        await office.wait_edited(
            lambda c: c.params.get("message_id") == reply["message_id"], count=2
        )
        [reply] = replies_to(office, message["message_id"])
        assert reply["text"] == (
            "⏰ Звонок ждёт перезвона уже 28 мин рабочего времени: +7 916 123-45-67"
        )
        assert office.case(case_id).is_open


async def test_an_undo_after_a_restart_brings_back_a_reminder_struck_before_it(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The earlier run struck the reminder when the case was closed; after a restart only
    the ledger remembers that, and ↩️ must still make it a reminder again."""
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    config = make_config(tmp_path, phone_config, escalate_after_minutes=0)
    async with clocked_office(config, clock) as office:
        case_id, message, reply = await reminded_case(office, clock)
        clock.advance(minutes=2)
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"n:{case_id}")
        await office.settle()
        await office.wait_edited(lambda c: c.params.get("message_id") == reply["message_id"])
        [reply] = replies_to(office, message["message_id"])
        assert "Не нужно перезванивать" in reply["text"]
        await office.restart_bot()
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"u:{case_id}")
        await office.settle()
        await office.wait_edited(
            lambda c: c.params.get("message_id") == reply["message_id"], count=2
        )
        [reply] = replies_to(office, message["message_id"])
        assert reply["text"].startswith("⏰ Звонок ждёт перезвона уже 28 мин"), reply["text"]
        # A reminder never struck is left alone by a new run when its case changes.
        missed_at(office, clock.now, caller="89160000002")
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=3)
        await office.settle()
        other = office.ledger.case_message(max(c.id for c in office.ledger.open_cases()))
        assert other is not None
        clock.advance(minutes=25)
        assert await remind(office) == 1
        [other_reply] = replies_to(office, other[1])
        await office.restart_bot()
        edits = len(office.api.calls_of("editMessageText"))
        missed_at(office, clock.now, caller="89160000002")  # a repeat: the card is edited
        await office.scan()
        await office.wait_edited(lambda c: c.params.get("message_id") == other[1])
        await office.settle()
        await asyncio.sleep(0.05)
        later = office.api.calls_of("editMessageText")[edits:]
        touched = {c.params.get("message_id") for c in later}
        assert other_reply["message_id"] not in touched


async def test_a_reminder_of_a_case_called_back_from_the_log_says_who_in_english(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    config = make_config(tmp_path, phone_config, escalate_after_minutes=0)
    config = dataclasses.replace(config, language="en")
    async with clocked_office(config, clock) as office:
        _, message = await posted_case(office, FRIDAY + dt.timedelta(hours=10))
        clock.advance(minutes=25)
        assert await remind(office) == 1
        [reply] = replies_to(office, message["message_id"])
        office.dbf.append(
            make_row(
                when=FRIDAY + dt.timedelta(hours=10, minutes=28),
                duration=95,
                extension="201",
                number="89161234567",
                calltype="C",
            )
        )
        clock.advance(minutes=5)
        await office.scan()
        await office.settle()
        await office.wait_edited(lambda c: c.params.get("message_id") == reply["message_id"])
        [reply] = replies_to(office, message["message_id"])
        lines = reply["text"].splitlines()
        assert lines[0] == "⏰ Waited for a callback: +7 916 123-45-67"
        assert lines[1] == "✅ Called back from ext. 201 at 10:28, talked 1:35"


async def test_escalation_posts_a_copy_with_buttons_that_work_and_edit_both(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    async with clocked_office(make_config(tmp_path, phone_config), clock) as office:
        case_id, _ = await posted_case(office, FRIDAY + dt.timedelta(hours=10))
        clock.advance(minutes=60)
        assert await remind(office) == 2  # the reminder and the escalation, both due
        await office.wait_posted(MANAGERS_CHAT)
        [copy] = office.posts(MANAGERS_CHAT)
        assert copy["text"].startswith(
            "🚨 Не перезвонили за 1 ч рабочего времени · Отдел продаж\n\n📞 Пропущенный звонок"
        )
        rows = copy["reply_markup"]["inline_keyboard"]
        assert rows[0][0]["callback_data"] == f"c:{case_id}"
        assert await remind(office) == 0
        toast = await office.press(MANAGERS_CHAT, copy["message_id"], OLGA, f"c:{case_id}")
        assert toast == "Отмечено: перезвонили"
        await office.settle()
        await asyncio.sleep(0.05)
        assert "✅ Перезвонил(а) Ольга в " in office.posts(SALES_CHAT)[0]["text"]
        assert "✅ Перезвонил(а) Ольга в " in office.posts(MANAGERS_CHAT)[-1]["text"]
        # No longer a red alarm once it is done.
        assert office.posts(MANAGERS_CHAT)[-1]["text"].startswith(
            "☑️ Ждал перезвона дольше 1 ч рабочего времени · Отдел продаж\n\n"
        )
        kinds = [e["kind"] for e in office.ledger.case_events(case_id)]
        assert kinds == ["opened", "reminded", "escalated", "closed"]


async def test_a_managers_chat_that_refuses_costs_the_copy_not_the_reminder(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    """The bot was removed from the managers' chat, and the reminder and the escalation
    fell due together (the bot was down a while): the department still gets its reply."""
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    async with clocked_office(make_config(tmp_path, phone_config), clock) as office:
        case_id, card = await posted_case(office, FRIDAY + dt.timedelta(hours=10))
        office.api.kicked_from.add(MANAGERS_CHAT)
        clock.advance(minutes=70)
        assert await remind(office) == 2
        await office.wait_posted(SALES_CHAT, count=2)
        assert len(replies_to(office, card["message_id"])) == 1
        assert office.ledger.outbox_pending_count() == 0
        # A second case refused there too: told once, not once a case.
        missed_at(office, clock() - dt.timedelta(minutes=1), caller="89162222222")
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=3)
        await office.settle()
        clock.advance(minutes=70)
        assert await remind(office) == 2
        await office.wait_posted(SALES_CHAT, count=4)
        assert office.case(case_id).is_open and office.ledger.outbox_pending_count() == 0
    refused = [r for r in caplog.records if "refused the escalated copy" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelname == "ERROR"
    assert "telegram.managers_chat" in refused[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)


async def test_a_department_with_a_very_long_name_is_still_escalated(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The copy is its header and the card: a name of hundreds of characters is in both,
    and the copy must still fit Telegram's 4096 (the fake refuses more), edits too."""
    departments = copy.deepcopy(PHONE_CONFIG["department"])
    departments[0]["name"] = "Отдел продаж и сопровождения ключевых клиентов " * 45
    config = office_config(
        tmp_path,
        phone_config,
        department=departments,
        rules={"remind_after_minutes": 20, "escalate_after_minutes": 60},
        hours=HOURS,
    )
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    async with clocked_office(config, clock) as office:
        case_id, _ = await posted_case(office, FRIDAY + dt.timedelta(hours=10))
        clock.advance(minutes=60)
        assert await remind(office) == 2
        await office.wait_posted(MANAGERS_CHAT)
        [copy_message] = office.posts(MANAGERS_CHAT)
        assert copy_message["text"].startswith("🚨 Не перезвонили за 1 ч рабочего времени")
        toast = await office.press(MANAGERS_CHAT, copy_message["message_id"], OLGA, f"c:{case_id}")
        assert toast == "Отмечено: перезвонили"
        await office.settle()
        await asyncio.sleep(0.05)
        assert office.ledger.outbox_pending_count() == 0
        assert "✅ Перезвонил(а) Ольга в " in office.posts(MANAGERS_CHAT)[-1]["text"]


def test_due_now_is_off_at_zero_and_skips_closed_and_silent_cases(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    from dataclasses import replace

    from tests.test_bot_render import make_case

    hours = make_config(tmp_path, phone_config).hours
    case = replace(make_case(), first_at=FRIDAY + dt.timedelta(hours=10))
    late = FRIDAY + dt.timedelta(hours=12)

    def kinds(item: Any, remind: int = 20, escalate: int = 60) -> set[str]:
        found = due_now([item], hours, late, remind_after=remind, escalate_after=escalate)
        return {d.kind for d in found}

    assert kinds(case) == {"remind", "escalate"}
    assert kinds(case, remind=0, escalate=0) == set()
    assert kinds(replace(case, silent=True)) == set()
    assert kinds(replace(case, status="closed")) == set()
    assert kinds(replace(case, reminded_at=late)) == {"escalate"}
    assert kinds(replace(case, first_at=late - dt.timedelta(minutes=19))) == set()


def test_due_now_gives_a_card_posted_late_its_time_before_reminder_and_escalation(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """A case read days late (Perezvon was stopped) is due both at once by its call's
    time; counted from its card's posting instead, the department sees the card a while
    before the reply and before the managers' copy. No card at all (the department's
    chat refuses): the managers' copy is where the case is seen, so it is not held."""
    from dataclasses import replace

    from tests.test_bot_render import make_case

    hours = make_config(tmp_path, phone_config).hours
    now = FRIDAY + dt.timedelta(hours=12)
    case = replace(make_case(), first_at=now - dt.timedelta(days=1))

    def kinds(posted: dict[int, dt.datetime]) -> set[str]:
        found = due_now([case], hours, now, remind_after=20, escalate_after=60, posted=posted)
        return {d.kind for d in found}

    assert kinds({case.id: now}) == set()
    assert kinds({case.id: now - dt.timedelta(minutes=20)}) == {"remind"}
    assert kinds({case.id: now - dt.timedelta(minutes=59)}) == {"remind"}
    assert kinds({case.id: now - dt.timedelta(minutes=60)}) == {"remind", "escalate"}
    assert kinds({}) == {"escalate"}  # no card: no reply to make, the managers' copy


async def test_a_claim_is_for_its_day_and_anyone_may_take_it_the_next(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Olga took the call on Friday at 17:40 and went home. On Monday her claim kept Ivan
    off the case ("Уже взял(а) Ольга…"), and only an admin could move it."""
    clock = Clock(FRIDAY + dt.timedelta(hours=17, minutes=36))
    config = make_config(tmp_path, phone_config, remind_after_minutes=0, escalate_after_minutes=0)
    async with clocked_office(config, clock) as office:
        case_id, message = await posted_case(office, FRIDAY + dt.timedelta(hours=17, minutes=35))
        clock.now = FRIDAY + dt.timedelta(hours=17, minutes=40)
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"k:{case_id}")
        clock.now = FRIDAY + dt.timedelta(hours=17, minutes=50)
        toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"k:{case_id}")
        assert toast == "Уже взял(а) Ольга в 17:40"  # the same day: hers
        clock.now = FRIDAY + dt.timedelta(days=3, hours=10)  # Monday
        toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"k:{case_id}")
        assert toast == "Звонок передан вам (брал(а): Ольга)"
        await office.settle()
        await asyncio.sleep(0.05)
        case = office.case(case_id)
        assert (case.claimed_by_user_id, case.claimed_at) == (IVAN["id"], clock.now)
        assert "👋 Взято: Иван Петров, 07.12 10:00" in office.posts(SALES_CHAT)[0]["text"]
        # Monday's claim is Monday's: Olga, back at her desk, is told it is Ivan's now.
        toast = await office.press(SALES_CHAT, message["message_id"], OLGA, f"k:{case_id}")
        assert toast == "Уже взял(а) Иван Петров в 10:00"


async def test_a_flood_wait_on_the_managers_copy_does_not_hold_the_departments_posts(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The 429 came for the managers' chat (the escalated copy), and the case's own
    chat was held for it: a new missed call in Sales waited out the managers' wait."""
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    config = make_config(tmp_path, phone_config, remind_after_minutes=0)
    async with clocked_office(config, clock) as office:
        await posted_case(office, FRIDAY + dt.timedelta(hours=10))
        clock.advance(minutes=61)
        office.api.fail_next("sendMessage", status=429, retry_after=30)
        assert check_reminders(runtime(office.bot.application)) == 1  # the escalation...
        await office.api.wait_for("sendMessage", lambda c: c.failed)  # ...told to wait 30 s
        assert office.posts(MANAGERS_CHAT) == []
        missed_at(office, clock.now - dt.timedelta(minutes=1), caller="89160000002")
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=2)  # at once, not after 30 s
        assert len(office.posts(SALES_CHAT)) == 2


async def test_a_claim_of_an_earlier_day_is_not_pinged_as_current(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Olga took the call on Friday at 17:52; Monday's reminder must not tell her "it is
    yours" as if she were at her desk: anyone may take it today, and it says so."""
    clock = Clock(FRIDAY + dt.timedelta(hours=17, minutes=51))
    config = make_config(tmp_path, phone_config, escalate_after_minutes=0)
    async with clocked_office(config, clock) as office:
        case_id, message = await posted_case(office, FRIDAY + dt.timedelta(hours=17, minutes=50))
        clock.advance(minutes=1)
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"k:{case_id}")
        await office.settle()
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9, minutes=15)
        assert await remind(office) == 1
        [reply] = replies_to(office, message["message_id"])
        assert "👋 Брал(а) Ольга 04.12 17:52; сегодня звонок может взять любой" in reply["text"]
        assert "звонок за вами" not in reply["text"]
        # Her name, not a mention: Telegram would notify her on her day off.
        assert not [e for e in reply.get("entities", []) if e["type"] == "text_mention"]


# -- summer time: an office that is always open, in Riga ----------------------------------

SPRING = dt.datetime(2026, 3, 29)  # 03:00 -> 04:00
AUTUMN = dt.datetime(2026, 10, 25)  # 04:00 -> 03:00: 03:00-04:00 comes twice


def test_reminders_count_real_minutes_over_the_night_the_clocks_change(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Reminder after 20 minutes, escalation after 60, in an office without [hours] in
    Riga. Spring: a call at 02:40 was escalated at 04:00, 20 minutes after it (03:40
    never came). Autumn: a call at 03:45 summer time was reminded at 04:05 winter
    time, 80 minutes later; a call of the second 03:10 must not be reminded at once."""
    from dataclasses import replace

    from tests.test_bot_render import make_case

    config = office_config(
        tmp_path,
        phone_config,
        timezone="Europe/Riga",
        rules={"remind_after_minutes": 20, "escalate_after_minutes": 60},
    )
    hours = config.hours

    def kinds(first_at: dt.datetime, now: dt.datetime) -> set[str]:
        case = replace(make_case(), first_at=first_at, last_at=first_at)
        found = due_now([case], hours, now, remind_after=20, escalate_after=60)
        return {d.kind for d in found}

    spring = SPRING + dt.timedelta(hours=2, minutes=40)
    assert kinds(spring, SPRING + dt.timedelta(hours=2, minutes=59)) == set()
    assert kinds(spring, SPRING + dt.timedelta(hours=4)) == {"remind"}
    assert kinds(spring, SPRING + dt.timedelta(hours=4, minutes=39)) == {"remind"}
    assert kinds(spring, SPRING + dt.timedelta(hours=4, minutes=40)) == {"remind", "escalate"}

    def autumn(minute: int, fold: int = 0) -> dt.datetime:
        return (AUTUMN + dt.timedelta(hours=3, minutes=minute)).replace(fold=fold)

    # The local clock says which 03:xx it is (local_now keeps the fold); the ledger's
    # time does not, so it is read as the one that fits.
    summer = autumn(45)
    assert kinds(summer, autumn(50)) == set()
    assert kinds(summer, autumn(4, fold=1)) == set()
    assert kinds(summer, autumn(5, fold=1)) == {"remind"}
    winter = autumn(10)  # the second 03:10, read at 03:11 winter time
    assert kinds(winter, autumn(11, fold=1)) == set()
    assert kinds(winter, autumn(29, fold=1)) == set()
    assert kinds(winter, autumn(30, fold=1)) == {"remind"}
    assert kinds(winter, AUTUMN + dt.timedelta(hours=4, minutes=9)) == {"remind"}
    assert kinds(winter, AUTUMN + dt.timedelta(hours=4, minutes=10)) == {"remind", "escalate"}
    # Summer time all along: the first 03:10, reminded at the first 03:30.
    assert kinds(autumn(10), autumn(29)) == set()
    assert kinds(autumn(10), autumn(30)) == {"remind"}


def test_overdue_cases_wait_for_the_opening_after_the_new_year_holidays() -> None:
    """Perezvon stopped on 30 December at 16:55 (the PC was switched off for the
    holidays) with a case of 16:50 open: its reminder (17:10) and escalation (17:50) were
    due while it was down. Started again on 3 January, or on 11 January at 08:45 before
    the opening, it must not ping the chat or the managers while the office is closed:
    both wait for 09:00 on 11 January, the first working day."""
    from tests.test_bot_render import make_case
    from watcher.hours import OfficeHours

    hours = OfficeHours(
        days=frozenset(range(5)),
        open_minute=9 * 60,
        close_minute=18 * 60,
        holidays=frozenset(
            [dt.date(2026, 12, 31)] + [dt.date(2027, 1, day) for day in range(1, 9)]
        ),
    )
    first = dt.datetime(2026, 12, 30, 16, 50)
    case = dataclasses.replace(make_case(), first_at=first, last_at=first)

    def kinds(now: dt.datetime) -> set[str]:
        found = due_now([case], hours, now, remind_after=20, escalate_after=60)
        return {d.kind for d in found}

    assert kinds(dt.datetime(2026, 12, 30, 17, 55)) == {"remind", "escalate"}  # running
    assert kinds(dt.datetime(2027, 1, 3, 10, 0)) == set()  # a holiday
    assert kinds(dt.datetime(2027, 1, 9, 12, 0)) == set()  # a Saturday
    assert kinds(dt.datetime(2027, 1, 11, 8, 45)) == set()  # before the opening
    assert kinds(dt.datetime(2027, 1, 11, 9, 0)) == {"remind", "escalate"}


async def test_a_case_posted_late_is_reminded_after_its_card_has_been_seen_a_while(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Perezvon was stopped for days; at the restart the last four days' missed calls
    were posted, and each card got a reminder reply at once (after a three-week stop:
    976 cards, 976 reminders queued with them), doubling the backlog in the chat and
    reminding of cards nobody had seen yet. A card posted after its reminder was due is
    reminded ``remind_after_minutes`` of office time after it is posted."""
    clock = Clock(FRIDAY + dt.timedelta(hours=12))
    config = make_config(tmp_path, phone_config, escalate_after_minutes=0)
    async with clocked_office(config, clock) as office:
        card = await posted_late(office)
        assert await remind(office) == 0  # the card is seen now: not a reply at once
        clock.advance(minutes=19)
        assert await remind(office) == 0
        clock.advance(minutes=1)
        assert await remind(office) == 1
        assert len(replies_to(office, card["message_id"])) == 1


async def test_a_case_posted_late_is_escalated_an_hour_after_its_card_not_at_once(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The same restart after days: every card posted then was past its escalation too,
    and each went to the managers' chat as it was posted (975 copies after a three-week
    stop). The department gets its hour with the card first."""
    clock = Clock(FRIDAY + dt.timedelta(hours=12))
    config = make_config(tmp_path, phone_config, remind_after_minutes=0)
    async with clocked_office(config, clock) as office:
        await posted_late(office)
        assert await remind(office) == 0
        clock.advance(minutes=59)
        assert await remind(office) == 0
        assert office.posts(MANAGERS_CHAT) == []
        clock.advance(minutes=1)
        assert await remind(office) == 1
        await office.wait_posted(MANAGERS_CHAT)
        [copy] = office.posts(MANAGERS_CHAT)
        assert copy["text"].startswith("🚨 Не перезвонили за 1 ч рабочего времени")
