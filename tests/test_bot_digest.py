"""After hours with the digest on: cases wait for the opening, then come under one header
per department; the state is in the ledger, so a restart in between changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from tests.conftest import SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import OLGA, Office, office_config
from tests.test_bot_reminders import FRIDAY, HOURS, Clock, clocked_office, missed_at, remind
from watcher.config import Config
from watcher.sim.wintariff import make_row


def digest_config(tmp_path: Path, phone_config: Callable[..., Config], after: str) -> Config:
    return office_config(
        tmp_path,
        phone_config,
        hours={**HOURS, "after_hours": after},
        rules={"remind_after_minutes": 20, "escalate_after_minutes": 0},
    )


def texts(office: Office, chat: int) -> list[str]:
    return [m["text"] for m in office.posts(chat)]


async def test_cases_from_closed_hours_are_posted_at_opening_under_one_header(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    clock = Clock(FRIDAY + dt.timedelta(hours=19))
    config = digest_config(tmp_path, phone_config, "digest")
    async with clocked_office(config, clock) as office:
        missed_at(office, FRIDAY + dt.timedelta(hours=18, minutes=30), "89160000001")
        missed_at(office, FRIDAY + dt.timedelta(hours=18, minutes=45), "89160000002")
        late = FRIDAY + dt.timedelta(hours=18, minutes=50)
        office.dbf.append(
            make_row(when=late, duration=0, extension="630", callerid="89160000003", calltype="I")
        )
        await office.scan()
        await asyncio.sleep(0.5)  # several outbox ticks: nothing goes out at night
        assert office.posts(SALES_CHAT) == [] and office.posts(SERVICE_CHAT) == []
        assert len(office.ledger.open_cases()) == 3
        await office.command(SALES_CHAT, OLGA, "/missed")  # /missed lists them all the time
        await office.wait_posted(SALES_CHAT)
        assert "Открытые пропущенные" in texts(office, SALES_CHAT)[0]
        await office.restart_bot()  # the night passes with a restart
        # Before opening someone calls …02 back from the office: its card says so.
        office.dbf.append(
            make_row(
                when=FRIDAY + dt.timedelta(days=3, hours=8, minutes=28),
                duration=60,
                extension="201",
                number="89160000002",
                calltype="O",
            )
        )
        await office.scan()
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9)  # Monday opening
        await office.wait_posted(SALES_CHAT, count=4)
        await office.wait_posted(SERVICE_CHAT, count=2)
        await office.settle()
        sales = texts(office, SALES_CHAT)[1:]
        assert sales[0] == "🌙 За нерабочее время: 2 пропущенных · Отдел продаж · уже закрыто: 1"
        assert "+7 916 000-00-01" in sales[1] and "+7 916 000-00-02" in sales[2]
        service = texts(office, SERVICE_CHAT)
        assert service[0] == "🌙 За нерабочее время: 1 пропущенный · Сервис"
        # From then on they are like any other: reminded after 20 office minutes.
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9, minutes=19)
        assert await remind(office) == 0
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9, minutes=20)
        assert await remind(office) == 2  # …02 was called back before opening


async def test_with_post_after_hours_cases_go_out_at_once(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    clock = Clock(FRIDAY + dt.timedelta(hours=19))
    async with clocked_office(digest_config(tmp_path, phone_config, "post"), clock) as office:
        missed_at(office, FRIDAY + dt.timedelta(hours=18, minutes=30))
        await office.scan()
        await office.wait_posted(SALES_CHAT)
        assert texts(office, SALES_CHAT)[0].startswith("📞 Пропущенный звонок")


async def test_a_call_that_rang_before_closing_is_posted_when_read_after_it(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The row of a call that rang at 17:59:40 is written when it ends and read at
    18:00:20: staff still at their desks get it now, not in Monday's digest."""
    clock = Clock(FRIDAY + dt.timedelta(hours=18, seconds=20))
    async with clocked_office(digest_config(tmp_path, phone_config, "digest"), clock) as office:
        missed_at(office, FRIDAY + dt.timedelta(hours=17, minutes=59, seconds=40), "89160000001")
        missed_at(office, FRIDAY + dt.timedelta(hours=18, seconds=5), "89160000002")
        await office.scan()
        await office.wait_posted(SALES_CHAT)
        await asyncio.sleep(0.3)  # the one from after closing must not follow
        [posted] = texts(office, SALES_CHAT)
        assert posted.startswith("📞 Пропущенный звонок") and "+7 916 000-00-01" in posted
        assert len(office.ledger.open_cases()) == 2


async def test_a_weekend_read_after_opening_comes_under_its_header(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """The PC was off from Friday evening: at Monday 09:05 the weekend's calls are read at
    once. They come under the 🌙 header, as they would have at 09:00; a call of today's
    office hours read with them comes on its own."""
    clock = Clock(FRIDAY + dt.timedelta(days=3, hours=9, minutes=5))
    async with clocked_office(digest_config(tmp_path, phone_config, "digest"), clock) as office:
        missed_at(office, FRIDAY + dt.timedelta(days=1, hours=11), "89160000001")
        missed_at(office, FRIDAY + dt.timedelta(days=2, hours=15), "89160000002")
        missed_at(office, FRIDAY + dt.timedelta(days=3, hours=8, minutes=30), "89160000003")
        missed_at(office, FRIDAY + dt.timedelta(days=3, hours=9, minutes=2), "89160000004")
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=5)
        await office.settle()
        sales = texts(office, SALES_CHAT)
        assert sales[0] == "🌙 За нерабочее время: 3 пропущенных · Отдел продаж"
        cards = {n: i for i, t in enumerate(sales) for n in "1234" if f"+7 916 000-00-0{n}" in t}
        assert sorted(cards) == ["1", "2", "3", "4"]
        assert all(sales[i].startswith("📞 Пропущенный звонок") for i in cards.values())
        assert cards["1"] < cards["2"] < cards["3"]  # the header's cards follow it in order
        held = {c.remote[-1]: c.held_until for c in office.ledger.open_cases()}
        opening = FRIDAY + dt.timedelta(days=3, hours=9)
        assert held == {"1": opening, "2": opening, "3": opening, "4": None}
        # A call of those hours read by a later scan comes on its own: the header's count
        # is what it said.
        clock.now = FRIDAY + dt.timedelta(days=3, hours=9, minutes=30)
        missed_at(office, FRIDAY + dt.timedelta(days=3, hours=8, minutes=50), "89160000005")
        await office.scan()
        await office.wait_posted(SALES_CHAT, count=6)
        await office.settle()
        assert texts(office, SALES_CHAT)[0] == sales[0]
        assert "+7 916 000-00-05" in texts(office, SALES_CHAT)[5]
        late = next(c for c in office.ledger.open_cases() if c.remote.endswith("5"))
        assert late.held_until is None


async def test_a_header_after_holidays_says_since_when_the_office_was_closed(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """After a long closure (here Monday and Tuesday holidays after a weekend) the 🌙
    header at Wednesday's opening says since when its calls gathered: an operator reading
    "12 пропущенных" should know they span days, not one night. A plain night or weekend
    keeps the short header (the test above)."""
    monday, tuesday = FRIDAY + dt.timedelta(days=3), FRIDAY + dt.timedelta(days=4)
    hours = {**HOURS, "holidays": [f"{monday:%Y-%m-%d}", f"{tuesday:%Y-%m-%d}"]}
    config = office_config(
        tmp_path,
        phone_config,
        hours={**hours, "after_hours": "digest"},
        rules={"remind_after_minutes": 20, "escalate_after_minutes": 0},
    )
    clock = Clock(FRIDAY + dt.timedelta(hours=19))
    async with clocked_office(config, clock) as office:
        missed_at(office, FRIDAY + dt.timedelta(hours=18, minutes=30), "89160000001")
        missed_at(office, monday + dt.timedelta(hours=11), "89160000002")
        await office.scan()
        clock.now = FRIDAY + dt.timedelta(days=5, hours=9)  # Wednesday opening
        await office.wait_posted(SALES_CHAT, count=3)
        await office.settle()
        header = texts(office, SALES_CHAT)[0]
        assert header == (
            "🌙 За нерабочее время: 2 пропущенных · Отдел продаж · офис закрыт с 04.12 18:00"
        )
