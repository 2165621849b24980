"""One missed call per call: a missed leg of a call another leg answered is no missed call,
whichever row WinTariff writes first; short abandons are counted, never posted."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest_asyncio

from tests.conftest import SALES_CHAT
from tests.test_bot_harness import CALLER, IVAN, Office, office_config, open_office
from tests.test_bot_reminders import Clock, clocked_office
from watcher.config import Config
from watcher.service import WatcherService
from watcher.sim.wintariff import make_row
from watcher.stats import load_stats, parse_period
from watcher.vocab import ClosedHow


@pytest_asyncio.fixture
async def office(tmp_path: Path, phone_config: Callable[..., Config]) -> AsyncIterator[Office]:
    config = office_config(tmp_path, phone_config, rules={"min_ring_seconds": 5})
    async with open_office(config) as running:
        yield running


def leg(office: Office, when: dt.datetime, *, talk: int, ext: str, ring: int) -> None:
    office.dbf.append(
        make_row(when=when, duration=talk, extension=ext, callerid=CALLER, calltype="I", ring=ring)
    )


def today(office: Office) -> object:
    return load_stats(office.ledger, parse_period("today", office.now().date()))


async def test_an_answered_leg_after_the_posted_missed_one_edits_the_card(
    office: Office,
) -> None:
    start = (office.now() - dt.timedelta(minutes=3)).replace(microsecond=0)
    leg(office, start, talk=0, ext="620", ring=15)  # the group rang 15 s, nobody there...
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    case_id = office.only_case().id
    leg(office, start + dt.timedelta(seconds=16), talk=95, ext="205", ring=4)  # ...overflow
    await office.scan()
    await office.settle()
    await asyncio.sleep(0.05)
    card = office.posts(SALES_CHAT)[-1]
    assert "☎️ Не пропущен: на этот же звонок ответил доб. 205 в " in card["text"]
    # No longer titled a missed call, nor with the ring time as the reason it was missed.
    assert card["text"].startswith("☎️ Звонок принят · Отдел продаж\n"), card["text"]
    assert "Пропущенный" not in card["text"] and "⏳" not in card["text"]
    assert not (card.get("reply_markup") or {}).get("inline_keyboard")
    assert office.case(case_id).closed_how == ClosedHow.LEG
    stats = today(office)
    assert (stats.incoming, stats.answered, stats.missed, stats.cases_total) == (1, 1, 0, 0)
    toast = await office.press(SALES_CHAT, card["message_id"], IVAN, f"c:{case_id}")
    assert toast.startswith("Звонок не пропущен: ответил доб. 205 в ")


async def test_a_missed_leg_after_its_answered_leg_is_never_posted(office: Office) -> None:
    start = (office.now() - dt.timedelta(minutes=3)).replace(microsecond=0)
    leg(office, start + dt.timedelta(seconds=2), talk=60, ext="201", ring=3)
    leg(office, start, talk=0, ext="620", ring=20)
    await office.scan()
    await asyncio.sleep(0.3)
    assert office.posts(SALES_CHAT) == []
    assert office.ledger.open_cases() == []
    stats = today(office)
    assert (stats.incoming, stats.answered, stats.missed) == (1, 1, 0)


async def test_a_later_call_that_was_answered_is_not_a_leg(office: Office) -> None:
    start = (office.now() - dt.timedelta(minutes=10)).replace(microsecond=0)
    leg(office, start, talk=0, ext="620", ring=15)
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    leg(office, start + dt.timedelta(minutes=5), talk=30, ext="203", ring=4)
    await office.scan()
    await office.settle()
    assert office.only_case().closed_how == ClosedHow.ANSWER  # it got through later


async def test_short_abandons_are_counted_and_never_posted(office: Office) -> None:
    start = (office.now() - dt.timedelta(minutes=3)).replace(microsecond=0)
    leg(office, start, talk=0, ext="620", ring=3)  # under min_ring_seconds = 5
    await office.scan()
    await asyncio.sleep(0.3)
    assert office.posts(SALES_CHAT) == []
    assert office.ledger.open_cases() == []
    stats = today(office)
    assert (stats.incoming, stats.missed) == (1, 1)  # a missed call all the same


async def test_a_short_abandon_that_was_a_leg_of_an_answered_call_is_no_missed_call(
    office: Office,
) -> None:
    """The group rang 3 s (under min_ring_seconds = 5) and a station answered: one
    answered call in every figure, whichever row comes first, in one pass or two."""
    start = (office.now() - dt.timedelta(minutes=12)).replace(microsecond=0)
    leg(office, start, talk=0, ext="620", ring=3)
    await office.scan()  # the answered leg's row comes when the talk ends: a later pass
    leg(office, start + dt.timedelta(seconds=3), talk=60, ext="201", ring=2)
    await office.scan()
    later = start + dt.timedelta(minutes=4)  # the other order, in one pass
    leg(office, later + dt.timedelta(seconds=2), talk=40, ext="202", ring=2)
    leg(office, later, talk=0, ext="620", ring=2)
    await office.scan()
    await asyncio.sleep(0.3)
    assert office.posts(SALES_CHAT) == [] and office.ledger.open_cases() == []
    stats = today(office)
    assert (stats.incoming, stats.answered, stats.missed) == (2, 2, 0)
    assert stats.missed_by_reason.get("short_abandon", 0) == 0
    # A short abandon nobody answered stays one.
    leg(office, later + dt.timedelta(minutes=4), talk=0, ext="620", ring=2)
    await office.scan()
    await office.settle()
    stats = today(office)
    assert (stats.incoming, stats.missed) == (3, 1)
    assert stats.missed_by_reason.get("short_abandon") == 1


async def test_a_short_abandon_is_still_linked_to_its_answered_leg_after_a_restart(
    office: Office,
) -> None:
    """The answered leg's row comes when its talk ends, minutes after the short abandon's:
    a service restarted in between must still count one answered call, not a missed one."""
    start = (office.now() - dt.timedelta(minutes=12)).replace(microsecond=0)
    leg(office, start, talk=0, ext="620", ring=3)
    await office.scan()
    assert today(office).missed_by_reason.get("short_abandon") == 1
    await asyncio.to_thread(office.watcher.stop)
    office.watcher = WatcherService(office.config, on_change=office.bot.wake_from_thread)
    leg(office, start + dt.timedelta(seconds=3), talk=60, ext="201", ring=2)
    await office.scan()
    await office.settle()
    stats = today(office)
    assert (stats.incoming, stats.answered, stats.missed) == (1, 1, 0)
    assert stats.missed_by_reason.get("short_abandon", 0) == 0
    assert office.posts(SALES_CHAT) == []


async def test_an_overflow_to_the_next_group_that_missed_too_is_one_missed_call(
    office: Office,
) -> None:
    """620 rang 30 s, gave up, and the PBX rang 630, which missed it too: one missed
    call, one case (the first group's), not two cases and two missed calls."""
    start = (office.now() - dt.timedelta(minutes=5)).replace(microsecond=0)
    leg(office, start, talk=0, ext="620", ring=30)
    leg(office, start + dt.timedelta(seconds=30), talk=0, ext="630", ring=20)
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    [case] = office.ledger.open_cases()
    assert (case.department, case.attempts) == ("Отдел продаж", 1)
    stats = today(office)
    assert (stats.incoming, stats.missed, stats.cases_total) == (1, 1, 1)
    # A call a minute later is a call of its own: the case grows.
    leg(office, start + dt.timedelta(minutes=2), talk=0, ext="620", ring=10)
    await office.scan()
    await office.settle()
    assert office.only_case().attempts == 2
    assert today(office).missed == 2


async def test_a_night_missed_leg_answered_before_opening_is_neither_posted_nor_counted(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """Friday 18:30, after hours: the group's row is read, then its answered leg (ext. 202,
    1:40). At Monday's opening the digest holds only the other caller's missed call."""
    friday = dt.datetime(2026, 12, 4)
    clock = Clock(friday + dt.timedelta(hours=19))
    hours = {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00"}
    config = office_config(tmp_path, phone_config, hours=hours)
    async with clocked_office(config, clock) as office:
        start = friday + dt.timedelta(hours=18, minutes=30)
        leg(office, start, talk=0, ext="620", ring=15)
        await office.scan()
        leg(office, start + dt.timedelta(seconds=3), talk=100, ext="202", ring=12)
        office.dbf.append(
            make_row(
                when=start + dt.timedelta(minutes=10),
                duration=0,
                extension="620",
                callerid="89164444444",
                calltype="I",
                ring=20,
            )
        )
        await office.scan()
        assert office.case(1).closed_how == ClosedHow.LEG  # held, then answered
        await asyncio.sleep(0.1)
        assert office.posts(SALES_CHAT) == []
        clock.now = friday + dt.timedelta(days=3, hours=9)  # Monday's opening
        await office.wait_posted(SALES_CHAT, count=2)
        await office.settle()
        await asyncio.sleep(0.05)
        texts = [m["text"] for m in office.posts(SALES_CHAT)]
    assert texts[0] == "🌙 За нерабочее время: 1 пропущенный · Отдел продаж"
    assert len(texts) == 2 and "+7 916 444-44-44" in texts[1]
    assert all("+7 916 123-45-67" not in text for text in texts)
