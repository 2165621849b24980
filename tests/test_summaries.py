"""Summaries that compare: the daily one against the same weekday a week before, the
weekly one with the workbook, the per-day chart of multi-day /stats, and their config."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot import summary
from bot.summary import (
    WEEKLY_JOB_NAME,
    comparison_lines,
    daily_periods,
    quiet_workday,
    summary_job,
    weekly_job,
    weekly_periods,
)
from tests.conftest import SALES_CHAT
from tests.test_bot_harness import (
    IVAN,
    MANAGERS_CHAT,
    Office,
    midday_zone,
    office,
    office_config,
    open_office,
)
from watcher.config import Config, ConfigError, Weekly, parse_config
from watcher.hours import OfficeHours
from watcher.sim.wintariff import make_row
from watcher.stats import Stats, days_period

__all__ = ["office"]  # the fixture, imported for pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEEKDAYS_RU = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]


def put(office: Office, when: dt.datetime, *, caller: str, seconds: int, ext: str = "620") -> None:
    office.dbf.append(
        make_row(
            when=when.replace(microsecond=0),
            duration=seconds,
            extension=ext if seconds == 0 else "201",
            callerid=caller,
            calltype="I",
            ring=15,
        )
    )


# -- pure ---------------------------------------------------------------------------------


def test_a_change_too_small_to_show_reads_as_none() -> None:
    """26.0 % against 25.6 % rounds to 0 п. п.: "(=)", not "(▲ 0 п. п.)"."""
    calls, _, _ = comparison_lines(
        Stats(incoming=100, missed=26), Stats(incoming=1000, missed=256), "ru", ""
    )
    assert calls.endswith("доля <b>26%</b> (=)")


def test_comparison_lines_show_direction_and_difference() -> None:
    now = Stats(incoming=12, answered=9, missed=3, cases_closed=3, median_callback_seconds=1500)
    before = Stats(incoming=10, answered=5, missed=5, cases_closed=3, median_callback_seconds=2100)
    calls, cases, against = comparison_lines(now, before, "ru", "<i>к пн 29.04</i>")
    assert calls == (
        "Входящих <b>12</b> (▲ 2) · пропущено <b>3</b> (▼ 2) · доля <b>25%</b> (▼ 25 п. п.)"
    )
    assert cases == "Перезвонили <b>3</b> (=) · медиана до перезвона <b>25 мин</b> (▼ 10 мин)"
    assert against == "<i>к пн 29.04</i>"
    got_through = Stats(cases_closed=3, closed_by_call=3, closed_by_answer=2)
    _, cases, _ = comparison_lines(got_through, Stats(cases_closed=1), "ru", "")
    assert cases.startswith("Перезвонили <b>1</b> (=)")  # two got through on their own
    calls, cases, _ = comparison_lines(now, Stats(), "en", "")
    assert calls.startswith("Incoming <b>12</b> (▲ 12) · missed <b>3</b> (▲ 3) · rate <b>25%</b>")
    assert calls.endswith("<b>25%</b>")  # nothing to compare a rate with: no arrow
    assert cases.endswith("<b>25 min</b>")


# -- the daily summary ----------------------------------------------------------------------


async def test_daily_summary_compares_with_the_same_weekday_a_week_before(
    office: Office,
) -> None:
    now = office.now()
    yesterday = (now - dt.timedelta(days=1)).replace(hour=11, minute=0)
    week_before = yesterday - dt.timedelta(days=7)
    put(office, week_before, caller="89165550001", seconds=40)
    put(office, yesterday, caller="89165550002", seconds=60)
    put(office, yesterday + dt.timedelta(minutes=5), caller="89165550003", seconds=0)
    office.missed(minutes_ago=3)
    await office.scan()
    await office.settle()
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    job_queue.run_once(summary_job, 0.01)
    await office.api.wait_for("sendPhoto", lambda c: not c.failed)
    [head, chart] = office.posts(MANAGERS_CHAT)
    text = head["text"]
    assert "Входящих 2 (▲ 1) · пропущено 1 (▲ 1) · доля 50% (▲ 50 п. п.)" in text
    weekday = WEEKDAYS_RU[week_before.weekday()]
    assert f"▲▼ — в сравнении с {weekday} {week_before:%d.%m}" in text
    assert "· ждёт 3 мин" in text  # the open case, with its age
    assert head["entities"][0]["type"] == "bold"
    assert chart["caption"] == f"Звонки по часам · {yesterday:%d.%m.%Y}"


# -- the weekly summary ---------------------------------------------------------------------


async def test_weekly_summary_is_scheduled_on_monday_morning(office: Office) -> None:
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(WEEKLY_JOB_NAME)
    assert job.next_t is not None
    local = job.next_t.astimezone(office.config.tz)
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)


async def test_weekly_summary_compares_weeks_and_attaches_the_workbook(office: Office) -> None:
    today = office.now().date()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    sunday = monday + dt.timedelta(days=6)
    at_ten = dt.datetime(monday.year, monday.month, monday.day, 10)
    put(office, at_ten, caller="89165550011", seconds=0)
    put(office, at_ten + dt.timedelta(days=2), caller="89165550012", seconds=30)
    put(office, at_ten - dt.timedelta(days=7), caller="89165550013", seconds=30)
    await office.scan()
    await office.settle()
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    job_queue.run_once(weekly_job, 0.01)
    [upload] = await office.api.wait_for("sendDocument", lambda c: not c.failed)
    head, chart, document = office.posts(MANAGERS_CHAT)
    label = days_period(monday, sunday).shown("ru")
    assert head["text"].startswith(f"📊 Итоги недели, {label}")
    assert "Входящих 2 (▲ 1) · пропущено 1 (▲ 1)" in head["text"]
    before = monday - dt.timedelta(days=7)
    assert (
        f"в сравнении с неделей {before:%d.%m}–{before + dt.timedelta(days=6):%d.%m}"
        in head["text"]
    )
    assert chart["caption"] == f"Звонки по дням · {label}"
    assert document["document"]["file_name"] == f"perezvon-{monday}..{sunday}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(upload.files["document"]))
    assert book["Сводка"]["B1"].value == label
    assert book["Сводка"]["B2"].value == 2 and book["Сводка"]["C2"].value == 1


async def test_a_weekly_workbook_that_fails_leaves_the_summary_and_says_so(
    office: Office, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(summary, "report_document", broken)
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    with caplog.at_level(logging.ERROR, logger="bot.summary"):
        job_queue.run_once(weekly_job, 0.01)
        await office.api.wait_for(
            "sendMessage", lambda c: "Не удалось составить отчёт" in str(c.params.get("text"))
        )
    head, chart, failed = office.posts(MANAGERS_CHAT)
    assert head["text"].startswith("📊 Итоги недели") and "photo" in chart
    assert failed["text"] == "Не удалось составить отчёт, подробности в журнале сервиса."
    assert "weekly summary: the workbook could not be built" in caplog.text
    assert "disk I/O error" in caplog.text


async def test_weekly_summary_can_be_off(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    config = office_config(tmp_path, phone_config, telegram={"weekly_summary": ""})
    async with open_office(config) as quiet:
        job_queue = quiet.bot.application.job_queue
        assert job_queue is not None
        assert job_queue.get_jobs_by_name(WEEKLY_JOB_NAME) == ()


# -- /stats over several days -----------------------------------------------------------------


async def test_multi_day_stats_gets_a_chart_by_day(office: Office) -> None:
    office.missed(minutes_ago=5)
    await office.scan()
    await office.settle()
    await office.command(SALES_CHAT, IVAN, "/stats неделя")
    [photo] = await office.api.wait_for("sendPhoto", lambda c: not c.failed)
    assert photo.files["photo"].startswith(PNG_SIGNATURE)
    today = office.now().date()
    label = days_period(today - dt.timedelta(days=6), today).shown("ru")
    assert office.posts(SALES_CHAT)[-1]["caption"] == f"Звонки по дням · {label}"


# -- config -----------------------------------------------------------------------------------

BASE = {"department": {"name": "S", "chat": -1, "default": True}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon 09:00", Weekly(0, dt.time(9, 0))),
        ("Friday 17:30", Weekly(4, dt.time(17, 30))),
        ("пн 8:15", Weekly(0, dt.time(8, 15))),
        ("вс 23:59", Weekly(6, dt.time(23, 59))),
        ("", None),
    ],
)
def test_weekly_summary_setting(text: str, expected: Weekly | None, tmp_path: Path) -> None:
    config = parse_config({**BASE, "telegram": {"weekly_summary": text}}, base_dir=tmp_path)
    assert config.telegram.weekly_summary == expected


def test_weekly_summary_default_and_mistakes(tmp_path: Path) -> None:
    default = parse_config(BASE, base_dir=tmp_path).telegram.weekly_summary
    assert default == Weekly(0, dt.time(9, 0))
    for wrong in ("monday", "sun 24:00", "someday 09:00", 9):
        data = {**BASE, "language": "en", "telegram": {"weekly_summary": wrong}}
        with pytest.raises(ConfigError, match='like "mon 09:00"'):
            parse_config(data, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("today", "weekday", "week", "before"),
    [
        # "mon 09:00", the default: the week just ended, against the one before it.
        (dt.date(2026, 11, 30), 0, "2026-11-23..2026-11-29", "2026-11-16..2026-11-22"),
        (dt.date(2026, 12, 1), 0, "2026-11-23..2026-11-29", "2026-11-16..2026-11-22"),
        # "fri 17:00": the week ending that Friday, against the same days of the last one.
        (dt.date(2026, 12, 4), 4, "2026-11-30..2026-12-04", "2026-11-23..2026-11-27"),
        (dt.date(2026, 12, 5), 4, "2026-11-30..2026-12-04", "2026-11-23..2026-11-27"),
        (dt.date(2026, 12, 6), 6, "2026-11-30..2026-12-06", "2026-11-23..2026-11-29"),
    ],
)
def test_the_weekly_summary_is_of_the_week_ending_on_its_day(
    today: dt.date, weekday: int, week: str, before: str
) -> None:
    period, earlier = weekly_periods(today, weekday)
    assert (period.label, earlier.label) == (week, before)


def test_a_working_day_without_a_single_call_is_flagged() -> None:
    """Zero calls on a working day reads "all closed 👍" otherwise, where WinTariff or the
    watcher had most likely stopped."""
    monday, sunday = dt.date(2026, 11, 30), dt.date(2026, 11, 29)
    nothing = Stats()
    on_monday, on_sunday = days_period(monday, monday), days_period(sunday, sunday)
    assert quiet_workday(OfficeHours(), on_monday, nothing)
    assert not quiet_workday(OfficeHours(), on_sunday, nothing)  # no [hours]: Mon-Fri work
    holiday = OfficeHours(holidays=frozenset({monday}))
    assert not quiet_workday(holiday, on_monday, nothing)
    assert not quiet_workday(OfficeHours(), on_monday, Stats(incoming=3))
    assert quiet_workday(OfficeHours(), days_period(sunday - dt.timedelta(days=2), sunday), nothing)


WORKWEEK = OfficeHours(
    days=frozenset(range(5)),
    open_minute=540,
    close_minute=1080,
    holidays=frozenset(dt.date(2027, 1, day) for day in range(1, 9)),
)


@pytest.mark.parametrize(
    ("hours", "today", "days", "before"),
    [
        # Without [hours]: yesterday, every day, against the same weekday a week before.
        (OfficeHours(), dt.date(2026, 12, 7), "2026-12-06", "2026-11-29"),
        # Tuesday: Monday.
        (WORKWEEK, dt.date(2026, 12, 8), "2026-12-07", "2026-11-30"),
        # Monday: Friday to Sunday, so Friday is summed up on a working day.
        (WORKWEEK, dt.date(2026, 12, 7), "2026-12-04..2026-12-06", "2026-11-27..2026-11-29"),
        # After the New Year holidays: all of them, against as many weeks before.
        (WORKWEEK, dt.date(2027, 1, 11), "2026-12-31..2027-01-10", "2026-12-17..2026-12-27"),
        # Saturday and Sunday: none.
        (WORKWEEK, dt.date(2026, 12, 5), None, None),
    ],
)
def test_the_morning_summary_covers_the_days_since_the_last_working_day(
    hours: OfficeHours, today: dt.date, days: str | None, before: str | None
) -> None:
    """Monday's summary used to be of Sunday alone (0 against 0), and Friday's went out
    on Saturday: with [hours] the summary goes out on working days, about every day
    since the last one."""
    found = daily_periods(hours, today)
    if days is None:
        assert found is None
        return
    assert found is not None
    assert (found[0].label, found[1].label) == (days, before)


# -- a summary missed while the service was down ------------------------------------------------


async def test_a_summary_missed_while_down_is_sent_at_start_once(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down at 09:00 (a reboot for updates): the start at noon sends the day's summary,
    and the week's when its day has come since the last one; a second restart sends
    neither again. The harness's clock is at noon, after both 09:00s."""
    monkeypatch.setattr(summary, "CATCH_UP_SECONDS", 0.01)
    ledger = office.ledger
    today = office.now().date()
    # The first start of a ledger counts from then: nothing was missed.
    assert ledger.get_meta("sent:daily-summary") == today.isoformat()
    assert office.posts(MANAGERS_CHAT) == []
    ledger.set_meta("sent:daily-summary", (today - dt.timedelta(days=1)).isoformat())
    ledger.set_meta("sent:weekly-summary", (today - dt.timedelta(days=8)).isoformat())
    await office.restart_bot()
    await office.api.wait_for("sendDocument", lambda c: not c.failed)  # the week's workbook
    texts = [m.get("text") or "" for m in office.posts(MANAGERS_CHAT)]
    assert sum(t.startswith("📊 Сводка за вчера") for t in texts) == 1, texts
    assert sum(t.startswith("📊 Итоги недели") for t in texts) == 1, texts
    for _ in range(100):  # recorded once Telegram's answer to the last part is in
        if ledger.get_meta("sent:weekly-summary") == today.isoformat():
            break
        await asyncio.sleep(0.02)
    assert ledger.get_meta("sent:daily-summary") == today.isoformat()
    assert ledger.get_meta("sent:weekly-summary") == today.isoformat()
    sent = len(office.posts(MANAGERS_CHAT))
    await office.restart_bot()
    await asyncio.sleep(0.3)
    assert len(office.posts(MANAGERS_CHAT)) == sent


async def test_a_summary_whose_time_has_not_come_is_not_sent_at_start(
    tmp_path: Path, phone_config: Callable[..., Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Yesterday's 23:00 was missed, and today's is still to come at noon: it comes then
    (covering yesterday as well), nothing at start."""
    monkeypatch.setattr(summary, "CATCH_UP_SECONDS", 0.01)
    telegram = {"daily_summary": "23:00", "weekly_summary": ""}
    config = office_config(tmp_path, phone_config, telegram=telegram)
    async with open_office(config) as later:
        yesterday = later.now().date() - dt.timedelta(days=2)
        later.ledger.set_meta("sent:daily-summary", yesterday.isoformat())
        await later.restart_bot()
        await asyncio.sleep(0.3)
        assert later.posts(MANAGERS_CHAT) == []
        assert later.ledger.get_meta("sent:daily-summary") == yesterday.isoformat()


async def test_the_weekly_summary_of_today_is_not_sent_early_for_a_missed_week(
    tmp_path: Path, phone_config: Callable[..., Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its day is today and its time still to come: last week's, never sent, would be of
    the very week today's covers; only today's goes, at its time."""
    monkeypatch.setattr(summary, "CATCH_UP_SECONDS", 0.01)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    zone = midday_zone()
    today = dt.datetime.now(ZoneInfo(zone)).date()
    telegram = {"daily_summary": "", "weekly_summary": f"{day[today.weekday()]} 23:00"}
    config = office_config(tmp_path, phone_config, telegram=telegram, timezone=zone)
    async with open_office(config) as office:
        office.ledger.set_meta("sent:weekly-summary", (today - dt.timedelta(days=8)).isoformat())
        await office.restart_bot()
        await asyncio.sleep(1.5)  # a late one would be out by now, workbook and all
        assert office.posts(MANAGERS_CHAT) == []
        [job] = office.bot.application.job_queue.get_jobs_by_name(WEEKLY_JOB_NAME)
        assert job.next_t is not None and job.next_t.astimezone(config.tz).hour == 23


async def test_a_late_summary_whose_day_is_over_is_not_sent(
    office: Office, caplog: pytest.LogCaptureFixture
) -> None:
    """Queued at 23:59:58, run after midnight: built from the new day's clock it would be
    the next day's summary, sent early and again at its time."""
    job_queue = office.bot.application.job_queue
    assert job_queue is not None
    with caplog.at_level(logging.INFO):
        job_queue.run_once(summary_job, 0.01, data={"day": "2000-01-01"})
        await asyncio.sleep(0.3)
    assert office.posts(MANAGERS_CHAT) == []
    assert "the day it was late for is over" in caplog.text


# -- the weekly summary and holidays ------------------------------------------------------

NEW_YEAR = OfficeHours(
    days=frozenset(range(5)),
    open_minute=540,
    close_minute=1080,
    holidays=frozenset(
        [dt.date(2026, 12, 31), dt.date(2027, 5, 10)]
        + [dt.date(2027, 1, day) for day in range(1, 9)]
    ),
    extra_workdays=frozenset({dt.date(2026, 12, 27)}),
)
MONDAY_0900 = Weekly(0, dt.time(9, 0))


@pytest.mark.parametrize(
    ("today", "goes"),
    [
        # An ordinary Monday: that day.
        (dt.date(2026, 12, 21), dt.date(2026, 12, 21)),
        (dt.date(2026, 12, 23), dt.date(2026, 12, 21)),  # a late one later in the week
        # Monday 10 May 2027 is a holiday: the first working day after it, Tuesday.
        (dt.date(2027, 5, 10), dt.date(2027, 5, 11)),
        (dt.date(2027, 5, 11), dt.date(2027, 5, 11)),
        # Monday 4 January: no working day before the next Monday, which covers it.
        (dt.date(2027, 1, 4), None),
        (dt.date(2027, 1, 7), None),
        (dt.date(2027, 1, 11), dt.date(2027, 1, 11)),
    ],
)
def test_a_weekly_summary_due_on_a_holiday_goes_on_the_next_working_day(
    today: dt.date, goes: dt.date | None
) -> None:
    """Managers are not pinged with the week's figures on a public holiday: the weekly
    summary waits for the first working day, as the daily one does."""
    assert summary.weekly_goes_on(NEW_YEAR, today, MONDAY_0900) == goes


def test_a_weekly_summary_set_for_a_day_off_still_goes_then() -> None:
    """Set for Sunday 18:00 on purpose, in a Monday-to-Friday office: the usual day off
    is the admin's choice, not a holiday to wait out."""
    sunday = dt.date(2026, 12, 20)
    assert summary.weekly_goes_on(NEW_YEAR, sunday, Weekly(6, dt.time(18, 0))) == sunday


@pytest.mark.parametrize(
    ("today", "week", "before"),
    [
        (dt.date(2026, 12, 21), "2026-12-14..2026-12-20", "2026-12-07..2026-12-13"),
        # Sent on Tuesday 11 May for the holiday Monday: still the week before.
        (dt.date(2027, 5, 11), "2027-05-03..2027-05-09", "2027-04-26..2027-05-02"),
        # 11 January: the week of 4 January never went out, so both weeks, against the
        # two before them.
        (dt.date(2027, 1, 11), "2026-12-28..2027-01-10", "2026-12-14..2026-12-27"),
    ],
)
def test_the_weekly_summary_after_a_closed_week_covers_both(
    today: dt.date, week: str, before: str
) -> None:
    period, earlier = weekly_periods(today, 0, hours=NEW_YEAR)
    assert (period.label, earlier.label) == (week, before)


async def test_the_weekly_job_on_a_holiday_monday_waits_for_tuesday(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    hours = {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "open": "09:00",
        "close": "18:00",
        "holidays": ["2027-05-10"],
    }
    telegram = {"daily_summary": "", "weekly_summary": "mon 09:00"}
    config = office_config(tmp_path, phone_config, telegram=telegram, hours=hours)
    monday = dt.datetime(2027, 5, 10, 9, 0)
    async with open_office(config, clock=lambda: monday) as office:
        office.ledger.set_meta("sent:weekly-summary", "2027-05-03")
        job_queue = office.bot.application.job_queue
        assert job_queue is not None
        job_queue.run_once(weekly_job, 0.01)
        for _ in range(100):
            later = [j for j in job_queue.get_jobs_by_name(WEEKLY_JOB_NAME) if j.data]
            if later:
                break
            await asyncio.sleep(0.02)
        assert office.posts(MANAGERS_CHAT) == []
        [job] = later
        assert job.next_t is not None
        assert job.next_t.astimezone(config.tz).replace(tzinfo=None) == dt.datetime(
            2027, 5, 11, 9, 0
        )
        assert office.ledger.get_meta("sent:weekly-summary") == "2027-05-03"  # not yet


async def test_the_weekly_summary_on_11_january_is_of_both_weeks(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The week of 4 January had no working day, so no summary: the one of 11 January
    covers 28 December to 10 January and says so, not 'Итоги недели'."""
    hours = {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "holidays": ["2026-12-31", "2027-01-01..2027-01-08"],
    }
    telegram = {"daily_summary": "", "weekly_summary": "mon 09:00"}
    config = office_config(tmp_path, phone_config, telegram=telegram, hours=hours)
    opening = dt.datetime(2027, 1, 11, 9, 0)
    async with open_office(config, clock=lambda: opening) as office:
        job_queue = office.bot.application.job_queue
        assert job_queue is not None
        job_queue.run_once(weekly_job, 0.01)
        [upload] = await office.api.wait_for("sendDocument", lambda c: not c.failed)
        head = office.posts(MANAGERS_CHAT)[0]["text"]
        assert head.startswith("📊 Итоги за 28.12.2026–10.01.2027"), head
        assert "в сравнении с 14.12–27.12" in head, head
        document = office.posts(MANAGERS_CHAT)[-1]["document"]
        assert document["file_name"] == "perezvon-2026-12-28..2027-01-10.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(upload.files["document"]))
        assert book["Сводка"]["B1"].value == "28.12.2026–10.01.2027"
