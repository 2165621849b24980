"""The bot's end-to-end harness (an office: Calls.dbf, watcher, bot, fake Bot API), plus the
tests of start-up itself. Other ``test_bot_*`` modules import the ``office`` fixture.

Everything goes through python-telegram-bot's real HTTP stack to ``tests.fake_bot_api``;
the watcher scans a real WinTariff-style DBF into a real SQLite ledger.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest_asyncio

from bot.app import PerezvonBot, build_application
from tests.conftest import SALES_CHAT, SERVICE_CHAT
from tests.fake_bot_api import FakeBotApi, RecordedCall, make_user
from watcher.clock import local_now
from watcher.config import Config
from watcher.ingest import ScanResult
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter, make_row

MANAGERS_CHAT = -1001000000000
FOREIGN_CHAT = -1009999999999
ADMIN = make_user(1, "Админ", "admin")
IVAN = make_user(101, "Иван", "ivan", last_name="Петров")
OLGA = make_user(102, "Ольга", "olga")
CALLER = "89161234567"
CALLER_E164 = "+79161234567"


@dataclass
class Office:
    """One office under test; ``bot`` is replaced by :meth:`restart_bot`."""

    api: FakeBotApi
    config: Config
    dbf: CallsDbfWriter
    watcher: WatcherService
    bot: PerezvonBot
    ledger: Ledger
    bot_options: dict[str, Any] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return local_now(self.config)

    def missed(
        self, minutes_ago: float = 5, caller: str = CALLER, ext: str = "620", ring: int = 20
    ) -> None:
        """A missed group call appended to Calls.dbf (CALLTYPE filled, so final at once)."""
        when = self.now() - dt.timedelta(minutes=minutes_ago)
        self.dbf.append(
            make_row(
                when=when.replace(microsecond=0),
                duration=0,
                extension=ext,
                callerid=caller,
                calltype="I",
                callmode="NA",
                ring=ring,
            )
        )

    def callback(
        self, minutes_ago: float = 1, number: str = CALLER, ext: str = "201", seconds: int = 133
    ) -> None:
        """An answered outgoing call to ``number``: the PBX's own proof of a callback."""
        when = self.now() - dt.timedelta(minutes=minutes_ago)
        self.dbf.append(
            make_row(
                when=when.replace(microsecond=0),
                duration=seconds,
                extension=ext,
                number=number,
                calltype="C",
            )
        )

    async def scan(self) -> ScanResult | None:
        """One watcher pass in a worker thread (the watcher's own ledger connection)."""
        return await asyncio.to_thread(self.watcher.scan_now)

    def case(self, case_id: int) -> Case:
        found = self.ledger.get_case(case_id)
        assert found is not None
        return found

    def cards_posted_at_their_calls(self) -> None:
        """As if each card had gone to the chat when its first call came (a call of
        ``minutes_ago`` stands in for one read live and overdue since): a card posted
        after its reminder was due is reminded only later (watcher.reminders.due_now)."""
        with self.ledger.transaction():
            self.ledger.conn.execute(
                "UPDATE case_messages SET posted_at ="
                " (SELECT first_at FROM cases WHERE cases.id = case_messages.case_id)"
            )

    def only_case(self) -> Case:
        cases = self.ledger.cases_between(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))
        assert len(cases) == 1, cases
        return cases[0]

    def posts(self, chat_id: int) -> list[dict[str, Any]]:
        """Current state of the bot's messages in a chat."""
        return self.api.sent_to(chat_id)

    async def wait_posted(self, chat_id: int, count: int = 1) -> list[RecordedCall]:
        return await self.api.wait_for(
            "sendMessage",
            lambda c: not c.failed and c.params.get("chat_id") == chat_id,
            count=count,
        )

    async def wait_edited(self, predicate: Callable[[RecordedCall], bool], count: int = 1) -> None:
        await self.api.wait_for(
            "editMessageText", lambda c: not c.failed and predicate(c), count=count
        )

    async def press(self, chat_id: int, message_id: int, user: dict[str, Any], data: str) -> str:
        """Inject a button press and wait for the bot's answer; returns the toast text."""
        query_id = self.api.inject_callback_query(chat_id, message_id, user, data)
        calls = await self.api.wait_for(
            "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id
        )
        return str(calls[0].params.get("text", ""))

    async def command(self, chat_id: int, user: dict[str, Any], text: str) -> None:
        self.api.inject_command(chat_id, user, text)

    async def restart_bot(self) -> None:
        """Stop the bot and start a new application over the same ledger file."""
        await self.bot.stop()
        self.bot = await start_bot(self.config, self.api, **self.bot_options)
        self.watcher.on_change = self.bot.wake_from_thread

    async def settle(self) -> None:
        """Let the outbox finish what is due now (it is woken by the watcher)."""
        for _ in range(200):
            if self.ledger.outbox_pending_count() == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"outbox still has {self.ledger.outbox_pending_count()} rows")


FAST = {
    "poll_timeout": 1.0,
    "outbox_tick": 0.2,
    "base_backoff": 0.1,
    "max_backoff": 0.5,
    "limits": None,  # the local fake server has no limits; tests/test_bot_pacing.py has them
    "probe_seconds": 0.2,
}


async def start_bot(config: Config, api: FakeBotApi, **options: Any) -> PerezvonBot:
    settings = {**FAST, **options}
    bot = PerezvonBot(build_application(config, api.token, api.base_url, **settings))
    await bot.start()
    return bot


def midday_zone(now: dt.datetime | None = None) -> str:
    """A fixed-offset zone where it is about noon now.

    The office runs on the real clock, and its tests put calls "5 minutes ago" and then
    count them in today's figures: around the office's midnight those calls were
    yesterday's. Near noon a test of any length stays inside one day.
    """
    hour = (now or dt.datetime.now(dt.UTC)).hour
    offset = 12 - hour  # -11 .. +12, all of them Etc zones
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # Etc/GMT-3 is UTC+3


def office_config(tmp_path: Path, phone_config: Callable[..., Config], **overrides: Any) -> Config:
    telegram = {"managers_chat": MANAGERS_CHAT, "admins": [ADMIN["id"]], "daily_summary": "09:00"}
    telegram.update(overrides.pop("telegram", {}))
    overrides.setdefault("timezone", midday_zone())
    return phone_config(telegram=telegram, **overrides)


@asynccontextmanager
async def open_office(config: Config, **bot_options: Any) -> AsyncIterator[Office]:
    """A running office for ``config``: fake Bot API, bot, watcher, a ledger to inspect."""
    dbf = CallsDbfWriter.create(config.source.path)
    async with FakeBotApi() as api:
        bot = await start_bot(config, api, **bot_options)
        watcher = WatcherService(config, on_change=bot.wake_from_thread)
        ledger = Ledger(config.database_path)
        office = Office(api, config, dbf, watcher, bot, ledger, bot_options)
        await office.scan()  # the first pass over a file treats older rows as history
        try:
            yield office
        finally:
            await office.bot.stop()
            await asyncio.to_thread(watcher.stop)
            ledger.close()


@pytest_asyncio.fixture
async def office(tmp_path: Path, phone_config: Callable[..., Config]) -> AsyncIterator[Office]:
    async with open_office(office_config(tmp_path, phone_config)) as running:
        yield running


# -- start-up --------------------------------------------------------------------------


async def test_startup_sets_russian_commands_and_polls(office: Office) -> None:
    calls = office.api.calls_of("setMyCommands")
    assert len(calls) == 1
    commands = {c["command"]: c["description"] for c in calls[0].params["commands"]}
    assert set(commands) == {"missed", "stats", "report", "load", "me", "help"}
    assert commands["missed"] == "Открытые пропущенные звонки"
    await office.api.wait_for("getUpdates")


async def test_help_prints_chat_id_and_binding(office: Office) -> None:
    await office.command(SALES_CHAT, IVAN, "/start")
    await office.command(FOREIGN_CHAT, IVAN, "/help@perezvon_test_bot")
    await office.wait_posted(SALES_CHAT)
    await office.wait_posted(FOREIGN_CHAT)
    sales = office.posts(SALES_CHAT)[-1]["text"]
    assert str(SALES_CHAT) in sales
    assert "отдел «Отдел продаж»" in sales
    foreign = office.posts(FOREIGN_CHAT)[-1]["text"]
    assert str(FOREIGN_CHAT) in foreign
    assert "не указан в конфигурации" in foreign
    assert f"Ваш ID пользователя (для telegram.admins): {IVAN['id']}" in foreign


async def test_service_chat_is_known(office: Office) -> None:
    await office.command(SERVICE_CHAT, OLGA, "/help")
    await office.wait_posted(SERVICE_CHAT)
    assert "отдел «Сервис»" in office.posts(SERVICE_CHAT)[-1]["text"]


def test_the_office_clock_is_near_noon_whatever_the_hour() -> None:
    """The harness's zone keeps "minutes ago" and "today" on one day at any UTC hour."""
    for hour in range(24):
        utc = dt.datetime(2026, 12, 1, hour, 7, tzinfo=dt.UTC)
        local = utc.astimezone(ZoneInfo(midday_zone(utc)))
        assert local.hour == 12, (hour, local)
