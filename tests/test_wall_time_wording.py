"""Without an [hours] table the office is always open and a wait is wall time, nights
included: no text may call it office time ("рабочего времени"). With [hours] they do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from tests.conftest import SALES_CHAT
from tests.test_bot_harness import MANAGERS_CHAT, OLGA, office_config
from tests.test_bot_reminders import FRIDAY, Clock, clocked_office, posted_case, remind, replies_to
from tests.test_console import missed, notifier_at, open_case, printed
from tests.test_sla import WEEK
from tests.test_sla import ledger as ledger  # the fixture, imported for pytest
from watcher.config import Config
from watcher.hours import OfficeHours
from watcher.ledger import Ledger
from watcher.stats import Period, load_stats, render_stats
from watcher.vocab import OutboxKind

RULES = {"remind_after_minutes": 20, "escalate_after_minutes": 60}


async def test_without_office_hours_a_reminder_and_an_escalation_say_plain_time(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Friday 17:55 to Saturday 12:00 is 18 h 5 min on the clock: said as such, not as
    "18 ч 5 мин рабочего времени"."""
    config = office_config(tmp_path, phone_config, rules=RULES)
    assert config.hours.always_open
    clock = Clock(FRIDAY + dt.timedelta(hours=17, minutes=56))
    async with clocked_office(config, clock) as office:
        case_id, message = await posted_case(office, FRIDAY + dt.timedelta(hours=17, minutes=55))
        clock.now = FRIDAY + dt.timedelta(days=1, hours=12)
        assert await remind(office) == 2  # the reminder and the escalation, both due
        [reply] = replies_to(office, message["message_id"])
        assert reply["text"] == "⏰ Звонок ждёт перезвона уже 18 ч 5 мин: +7 916 123-45-67"
        await office.wait_posted(MANAGERS_CHAT)
        [copy] = office.posts(MANAGERS_CHAT)
        assert copy["text"].startswith(
            "🚨 Не перезвонили за 1 ч · Отдел продаж\n\n📞 Пропущенный звонок"
        )
        await office.press(SALES_CHAT, message["message_id"], OLGA, f"c:{case_id}")
        await office.settle()
        await office.wait_edited(lambda c: c.params.get("chat_id") == MANAGERS_CHAT)
        assert office.posts(MANAGERS_CHAT)[-1]["text"].startswith(
            "☑️ Ждал перезвона дольше 1 ч · Отдел продаж\n\n"
        )


async def test_english_reminder_without_office_hours(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config, rules=RULES, language="en")
    clock = Clock(FRIDAY + dt.timedelta(hours=17, minutes=56))
    async with clocked_office(config, clock) as office:
        _, message = await posted_case(office, FRIDAY + dt.timedelta(hours=17, minutes=55))
        clock.now = FRIDAY + dt.timedelta(days=1, hours=12)
        assert await remind(office) == 2
        [reply] = replies_to(office, message["message_id"])
        assert reply["text"] == "⏰ Still waiting for a callback after 18 h 5 min: +7 916 123-45-67"
        await office.wait_posted(MANAGERS_CHAT)
        [copy] = office.posts(MANAGERS_CHAT)
        assert copy["text"].startswith("🚨 Not called back within 1 h · Отдел продаж\n\n")


def test_stats_sla_says_office_time_only_with_office_hours(
    ledger: Ledger, phone_config: Callable[..., Config]
) -> None:
    period = Period(*WEEK, "неделя")
    stats = load_stats(ledger, period, phone_config())
    text = render_stats(stats, period, "ru")
    assert "Вовремя (за 30 мин): 1 из 4 (25%)" in text
    assert "рабочего времени" not in text
    assert "On time (within 30 min): 1 of 4 (25%)" in render_stats(stats, period, "en")
    office = phone_config(hours={"days": ["mon", "tue", "wed", "thu", "fri"]})
    stats = load_stats(ledger, period, office)
    assert "Вовремя (за 30 мин рабочего времени): " in render_stats(stats, period, "ru")
    assert "On time (within 30 office minutes): " in render_stats(stats, period, "en")


def test_the_console_says_plain_time_without_office_hours(tmp_path: Path) -> None:
    night = dt.datetime(2026, 11, 23, 8, 30)
    ledger, notifier, out, clock = notifier_at(tmp_path, night, hours=OfficeHours())
    made = open_case(ledger, missed("a", night), now=night)
    notifier.drain()
    clock.now = dt.datetime(2026, 11, 23, 9, 20)
    assert ledger.mark_due(made, OutboxKind.REMIND, clock.now)
    assert ledger.mark_due(made, OutboxKind.ESCALATE, clock.now)
    assert notifier.drain() == 2
    reminder, escalation = printed(out, 1)
    assert reminder.endswith("— ждёт перезвона 50 мин")
    assert escalation.endswith("— не перезвонили за 50 мин — копия в чат руководителей")
    ledger.close()
