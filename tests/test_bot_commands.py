"""End to end: /missed, /stats, the daily summary and the English texts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.render import utf16_len
from bot.summary import JOB_NAME, build_summary, send_summary, summary_job
from tests.conftest import SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import (
    FOREIGN_CHAT,
    IVAN,
    MANAGERS_CHAT,
    OLGA,
    Office,
    office,
    office_config,
    open_office,
)
from watcher.config import Config
from watcher.sim.wintariff import make_row
from watcher.vocab import ClosedHow

__all__ = ["office"]  # the fixture, imported for pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row]


async def new_posts(office: Office, chat_id: int, before: int, count: int = 1) -> list[dict]:
    await office.wait_posted(chat_id, count=before + count)
    return office.posts(chat_id)[before:]


async def three_sales_and_one_service(office: Office) -> list[int]:
    """Cases 10, 7 and 4 minutes ago in sales, one in service; returns sales ids, newest first."""
    for minutes, caller in ((10, "89161111111"), (7, "89162222222"), (4, "89163333333")):
        office.missed(minutes_ago=minutes, caller=caller)
    office.missed(minutes_ago=3, caller="89164444444", ext="630")
    await office.scan()
    await office.settle()
    sales = office.ledger.open_cases("Отдел продаж", include_silent=False)
    return [c.id for c in sales]


async def test_missed_lists_this_departments_cases_newest_first(office: Office) -> None:
    sales_ids = await three_sales_and_one_service(office)
    before = len(office.posts(SALES_CHAT))
    await office.command(SALES_CHAT, IVAN, "/missed")
    [answer] = await new_posts(office, SALES_CHAT, before)
    text = answer["text"]
    assert text.startswith("📋 Открытые пропущенные · Отдел продаж: 3")
    assert text.index("+7 916 333-33-33") < text.index("+7 916 222-22-22")
    assert "+7 916 444-44-44" not in text
    assert buttons(answer) == [f"l:{i}" for i in sales_ids]


async def test_missed_shows_who_took_a_call_and_the_callbacks_that_failed(
    office: Office,
) -> None:
    """/missed is the work list: a call someone took and one dialled in vain say so,
    so two operators do not pick the same caller."""
    sales_ids = await three_sales_and_one_service(office)
    taken, tried = sales_ids[0], sales_ids[1]
    for case_id, button, user in ((taken, "k", OLGA), (tried, "f", IVAN), (tried, "f", OLGA)):
        stored = office.ledger.case_message(case_id)
        assert stored is not None
        await office.press(SALES_CHAT, stored[1], user, f"{button}:{case_id}")
    before = len(office.posts(SALES_CHAT))
    await office.command(SALES_CHAT, IVAN, "/missed")
    [answer] = await new_posts(office, SALES_CHAT, before)
    lines = answer["text"].splitlines()
    [taken_line] = [line for line in lines if "+7 916 333-33-33" in line]
    [tried_line] = [line for line in lines if "+7 916 222-22-22" in line]
    [plain_line] = [line for line in lines if "+7 916 111-11-11" in line]
    assert taken_line.endswith(" · 👋 Ольга")
    assert tried_line.endswith(" · 📵 2")
    assert "👋" not in plain_line and "📵" not in plain_line


async def test_missed_in_a_stranger_s_private_chat_says_whom_to_ask(office: Office) -> None:
    """Someone who writes to the bot is not the admin: no perezvon.toml instructions, but
    the id the admin needs to let them see every department here."""
    await office.command(IVAN["id"], IVAN, "/missed")
    [answer] = await new_posts(office, IVAN["id"], 0)
    assert answer["text"] == (
        "Пропущенные звонки я показываю в чатах отделов. Чтобы видеть все здесь, попросите "
        f"администратора добавить ваш ID {IVAN['id']} в telegram.admins."
    )


async def test_missed_in_managers_chat_shows_all_departments(office: Office) -> None:
    await three_sales_and_one_service(office)
    await office.command(MANAGERS_CHAT, OLGA, "/missed@perezvon_test_bot")
    [answer] = await new_posts(office, MANAGERS_CHAT, 0)
    assert "все отделы: 4" in answer["text"]
    assert "· Сервис" in answer["text"] and "· Отдел продаж" in answer["text"]
    assert len(buttons(answer)) == 4


async def test_closing_from_the_list_updates_list_and_case_message(office: Office) -> None:
    sales_ids = await three_sales_and_one_service(office)
    await office.command(MANAGERS_CHAT, OLGA, "/missed")
    [answer] = await new_posts(office, MANAGERS_CHAT, 0)
    target = sales_ids[0]
    toast = await office.press(MANAGERS_CHAT, answer["message_id"], OLGA, f"l:{target}")
    assert toast == "Отмечено: перезвонили"
    listed = answer["message_id"]
    await office.api.wait_for(
        "editMessageText", lambda c: not c.failed and c.params["message_id"] == listed
    )
    case_message = office.ledger.case_message(target)
    assert case_message is not None
    await office.wait_edited(lambda c: c.params["message_id"] == case_message[1])
    after = office.posts(MANAGERS_CHAT)[-1]
    assert f"l:{target}" not in buttons(after)
    assert len(buttons(after)) == 3
    assert office.case(target).closed_how == ClosedHow.USER
    # Its line stays, struck through and ticked, so the list does not read as open.
    lines = after["text"].split("\n")
    done = [line for line in lines if line.endswith(" ✅")]
    [line] = done
    assert len(lines) == len(answer["text"].split("\n"))

    def utf16(text: str) -> int:  # entities count UTF-16 code units
        return len(text.encode("utf-16-le")) // 2

    offset = utf16(after["text"][: after["text"].index(line)])
    struck = [e for e in after.get("entities", []) if e["type"] == "strikethrough"]
    assert [(e["offset"], e["length"]) for e in struck] == [(offset, utf16(line) - 2)]
    assert sum(line.startswith(f"{i}. ") for i in range(1, 5) for line in lines) == 4


async def test_two_list_presses_in_one_second_both_stay_struck(office: Office) -> None:
    """Olga and Ivan close two lines of one /missed list at the same moment: each press
    carried the list as it was before either edit, and the later edit put the other's
    line back as open, with its button."""
    sales_ids = await three_sales_and_one_service(office)
    await office.command(SALES_CHAT, OLGA, "/missed")
    [answer] = await new_posts(office, SALES_CHAT, len(office.posts(SALES_CHAT)))
    listed = answer["message_id"]
    first, second, left = sales_ids
    toasts = await asyncio.gather(
        office.press(SALES_CHAT, listed, OLGA, f"l:{first}"),
        office.press(SALES_CHAT, listed, IVAN, f"l:{second}"),
    )
    assert toasts == ["Отмечено: перезвонили"] * 2
    # The second edit may find the list as the first left it ("not modified").
    await office.api.wait_for(
        "editMessageText", lambda c: c.params["message_id"] == listed, count=2
    )
    await asyncio.sleep(0.1)
    after = next(m for m in office.posts(SALES_CHAT) if m["message_id"] == listed)
    assert buttons(after) == [f"l:{left}"]
    done = [line for line in after["text"].split("\n") if line.endswith(" ✅")]
    assert [line.split(".")[0] for line in done] == ["1", "2"]


async def test_missed_in_an_unknown_chat_and_with_nothing_open(office: Office) -> None:
    await office.command(FOREIGN_CHAT, IVAN, "/missed")
    await office.command(SERVICE_CHAT, IVAN, "/missed")
    [foreign] = await new_posts(office, FOREIGN_CHAT, 0)
    [empty] = await new_posts(office, SERVICE_CHAT, 0)
    assert "не привязан к отделу" in foreign["text"] and str(FOREIGN_CHAT) in foreign["text"]
    assert empty["text"] == "Открытых пропущенных нет 🎉"


async def test_long_missed_list_is_split_under_telegrams_limits(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    count = 45
    callers = [f"8916{5000000 + i:07d}" for i in range(count)]
    long_name = "Очень длинное имя клиента <из> CRM & компания " * 3
    lines = [
        f"{c},{long_name}{i},ООО «Компания с длинным названием» №{i}" for i, c in enumerate(callers)
    ]
    (tmp_path / "contacts.csv").write_text("\n".join(lines), encoding="utf-8")
    config = office_config(tmp_path, phone_config, rules={"contacts_csv": "contacts.csv"})
    async with open_office(config) as office:
        for i, caller in enumerate(callers):
            office.missed(minutes_ago=60 - i, caller=caller)
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=count)
        await office.settle()
        await office.command(SALES_CHAT, IVAN, "/missed")
        answers = await new_posts(office, SALES_CHAT, count, count=3)
        assert len(answers) == 3
        assert answers[0]["text"].startswith(f"📋 Открытые пропущенные · Отдел продаж: {count}")
        assert all(utf16_len(a["text"]) <= 4096 for a in answers)
        assert all(len(buttons(a)) <= 20 for a in answers)
        listed = [b for a in answers for b in buttons(a)]
        open_ids = [c.id for c in office.ledger.open_cases("Отдел продаж")]
        assert listed == [f"l:{i}" for i in open_ids]  # all of them, newest first
        assert "<из> CRM & компания" in answers[0]["text"]  # escaped, shown as written


async def test_stats_sends_report_and_chart(office: Office) -> None:
    office.missed(minutes_ago=5)
    now = office.now().replace(microsecond=0)
    office.dbf.append(
        make_row(
            when=now - dt.timedelta(minutes=3),
            duration=70,
            extension="201",
            callerid="89167777777",
            calltype="I",
        )
    )
    await office.scan()
    await office.settle()
    before = len(office.posts(SALES_CHAT))
    await office.command(SALES_CHAT, IVAN, "/stats")
    photo = await office.api.wait_for("sendPhoto", lambda c: not c.failed)
    report = office.posts(SALES_CHAT)[before]
    today = now.strftime("%d.%m.%Y")
    assert report["text"].startswith(f"Звонки за {today}")
    assert "Входящих: 2 — отвечено 1, пропущено 1" in report["text"]
    assert report["entities"][0]["type"] == "pre"
    assert photo[0].files["photo"].startswith(PNG_SIGNATURE)  # multipart upload
    shown = office.posts(SALES_CHAT)[-1]
    assert shown["caption"] == f"Звонки по часам · {today}"
    image = office.api.photo_bytes(SALES_CHAT, shown["message_id"])
    assert image is not None and image.startswith(PNG_SIGNATURE)


async def test_stats_in_a_department_chat_is_of_that_department(office: Office) -> None:
    """Sales sees its own calls; managers see all, with each department's line."""
    office.missed(minutes_ago=6, caller="89161111111")
    office.missed(minutes_ago=5, caller="89164444444", ext="630")
    office.missed(minutes_ago=4, caller="89165555555", ext="630")
    await office.scan()
    await office.settle()
    today = office.now().strftime("%d.%m.%Y")
    before = len(office.posts(SALES_CHAT))
    await office.command(SALES_CHAT, IVAN, "/stats")
    await office.api.wait_for("sendPhoto", lambda c: not c.failed)
    sales = office.posts(SALES_CHAT)[before]["text"]
    assert sales.startswith(f"Звонки за {today} — Отдел продаж")
    assert "Входящих: 1 — отвечено 0, пропущено 1" in sales
    assert "Сервис" not in sales
    before = len(office.posts(MANAGERS_CHAT))
    await office.command(MANAGERS_CHAT, OLGA, "/stats")
    await office.api.wait_for("sendPhoto", lambda c: not c.failed, count=2)
    managers = office.posts(MANAGERS_CHAT)[before]["text"]
    assert managers.startswith(f"Звонки за {today}\n")
    assert "Входящих: 3 — отвечено 0, пропущено 3" in managers
    assert "По отделам (входящих / пропущено / доля / случаи / закрыто / ждут):" in managers
    assert "  Отдел продаж: 1 / 1 / 100% / 1 / 0 / 1" in managers
    assert "  Сервис: 2 / 2 / 100% / 2 / 0 / 2" in managers


async def test_stats_with_period_and_with_nonsense(office: Office) -> None:
    await office.command(SALES_CHAT, IVAN, "/stats 2020-01-01..2020-01-31")
    await office.api.wait_for("sendPhoto", lambda c: not c.failed)
    texts = [m.get("text", "") for m in office.posts(SALES_CHAT)]
    assert any(t.startswith("Звонки за 01.01–31.01.2020") and "Звонков нет." in t for t in texts)
    await office.command(SALES_CHAT, IVAN, "/stats someday")
    await office.wait_posted(SALES_CHAT, count=2)
    assert office.posts(SALES_CHAT)[-1]["text"].startswith("Не понял период «someday».")
    # At the ends of the calendar the answer is the same, not an error in the log only.
    await office.command(SALES_CHAT, IVAN, "/stats 9999-12-31")
    await office.wait_posted(SALES_CHAT, count=3)
    assert office.posts(SALES_CHAT)[-1]["text"].startswith("Не понял период «9999-12-31».")
    await office.command(SALES_CHAT, IVAN, "/report 0001-01-01")
    await office.wait_posted(SALES_CHAT, count=4)
    assert office.posts(SALES_CHAT)[-1]["text"].startswith("Не понял период «0001-01-01».")
    await office.command(FOREIGN_CHAT, IVAN, "/stats")
    [refused] = await new_posts(office, FOREIGN_CHAT, 0)
    assert refused["text"] == "Статистика доступна в чатах отделов и руководителей."


async def test_daily_summary_is_scheduled_in_the_office_time_zone(office: Office) -> None:
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(JOB_NAME)
    assert job.next_t is not None
    local = job.next_t.astimezone(office.config.tz)
    assert (local.hour, local.minute) == (9, 0)


async def test_daily_summary_job_posts_yesterday_and_open_cases(office: Office) -> None:
    yesterday = (office.now() - dt.timedelta(days=1)).replace(hour=11, minute=0, microsecond=0)
    office.dbf.append(
        make_row(when=yesterday, duration=90, extension="201", callerid="89168888888", calltype="I")
    )
    office.missed(minutes_ago=5)
    await office.scan()
    await office.settle()
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    job_queue.run_once(summary_job, 0.01)
    await office.api.wait_for("sendPhoto", lambda c: not c.failed)
    [head, chart] = office.posts(MANAGERS_CHAT)
    label = yesterday.strftime("%d.%m.%Y")
    assert head["text"].startswith(f"📊 Сводка за вчера, {label}")
    assert "Ждут перезвона сейчас (за все дни): 1" in head["text"]
    assert "+7 916 123-45-67" in head["text"]
    assert f"Звонки за {label}" in head["text"]
    assert "Входящих: 1 — отвечено 1, пропущено 0" in head["text"]
    assert chart["caption"] == f"Звонки по часам · {label}"


async def test_summary_parts_survive_an_outage(office: Office) -> None:
    parts = await build_summary(office.bot.runtime)
    office.api.set_down(True)
    left = (await send_summary(office.bot.application.bot, MANAGERS_CHAT, parts)).left
    assert left == parts
    office.api.set_down(False)
    assert (await send_summary(office.bot.application.bot, MANAGERS_CHAT, left)).left == []
    assert len(office.posts(MANAGERS_CHAT)) == len(parts)


async def test_english_texts(tmp_path: Path, phone_config: Callable[..., Config]) -> None:
    config = office_config(tmp_path, phone_config, language="en")
    async with open_office(config) as office:
        commands = office.api.calls_of("setMyCommands")[0].params["commands"]
        assert {"command": "missed", "description": "Open missed calls"} in commands
        office.missed()
        await office.scan()
        await office.wait_posted(SALES_CHAT)
        message = office.posts(SALES_CHAT)[0]
        assert "Missed call · Отдел продаж" in message["text"]
        assert "🆕 new number" in message["text"]
        case_id = office.only_case().id
        toast = await office.press(SALES_CHAT, message["message_id"], IVAN, f"c:{case_id}")
        assert toast == "Marked as called back"
        await office.wait_edited(lambda c: "Called back by Иван Петров at" in c.params["text"])
