"""A reason for every missed call: decided once, stored with the call, said on the card."""

from __future__ import annotations

import copy
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.render import reason_lines, render_case
from tests.conftest import PHONE_CONFIG, SALES_CHAT
from tests.test_bot_harness import Office, office_config, open_office
from watcher import schema
from watcher.config import Config, parse_config
from watcher.ledger import Ledger
from watcher.ledger_open import open_ledger
from watcher.models import Call, CallReason, Case
from watcher.reasons import PENDING_KEY, reason_for, with_reason
from watcher.vocab import CaseStatus, Direction, MissReason

MONDAY_NOON = dt.datetime(2026, 11, 30, 12, 0)
MONDAY_NIGHT = dt.datetime(2026, 11, 30, 22, 0)


def config_with(tmp_path: Path, *, timeout: int = 30, min_ring: int = 3) -> Config:
    data: dict[str, Any] = copy.deepcopy(PHONE_CONFIG)
    data["rules"]["min_ring_seconds"] = min_ring
    data["department"][0]["ring_timeout_seconds"] = timeout
    data["hours"] = {"open": "09:00", "close": "18:00"}
    return parse_config(data, base_dir=tmp_path)


def reason(config: Config, ring: int | None, when: dt.datetime = MONDAY_NOON) -> MissReason:
    return reason_for(config, started_at=when, ring_seconds=ring, extension="620", co_line="")


def test_first_match_wins_in_the_contract_order(tmp_path: Path) -> None:
    config = config_with(tmp_path)
    assert reason(config, 2) is MissReason.SHORT_ABANDON
    assert reason(config, 2, MONDAY_NIGHT) is MissReason.SHORT_ABANDON  # before after_hours
    assert reason(config, 40, MONDAY_NIGHT) is MissReason.AFTER_HOURS
    assert reason(config, None, MONDAY_NIGHT) is MissReason.AFTER_HOURS
    assert reason(config, 30) is MissReason.TIMED_OUT
    assert reason(config, 45) is MissReason.TIMED_OUT
    assert reason(config, 18) is MissReason.HUNG_UP
    assert reason(config, None) is MissReason.UNKNOWN
    no_timeout = config_with(tmp_path, timeout=0)
    assert reason(no_timeout, 18) is MissReason.UNANSWERED
    # The Service department has no timeout of its own: its calls are only "unanswered".
    assert (
        reason_for(config, started_at=MONDAY_NOON, ring_seconds=40, extension="630", co_line="")
        is MissReason.UNANSWERED
    )


def call(ring: int | None, duration: int = 0, direction: Direction = Direction.IN) -> Call:
    return Call("f1", 1, MONDAY_NOON, duration, "620", direction, "79161234567", ring_seconds=ring)


def test_only_missed_external_incoming_calls_get_one(tmp_path: Path) -> None:
    config = config_with(tmp_path)
    assert with_reason(call(18), config).miss_reason is MissReason.HUNG_UP
    assert with_reason(call(18, duration=40), config).miss_reason is None
    assert with_reason(call(18, direction=Direction.OUT), config).miss_reason is None
    stored = with_reason(call(18), config)
    # Decided once: a call that has its reason keeps it, whatever the config says now.
    assert with_reason(stored, config_with(tmp_path, timeout=10)) is stored


def case(**changes: Any) -> Case:
    base: dict[str, Any] = dict(
        id=1,
        department="Отдел продаж",
        chat=SALES_CHAT,
        remote="79161234567",
        status=CaseStatus.OPEN,
        first_at=MONDAY_NOON,
        last_at=MONDAY_NOON,
        attempts=1,
        extension="620",
        ring_seconds=18,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
        miss_reason=MissReason.HUNG_UP,
    )
    return Case(**{**base, **changes})


@pytest.mark.parametrize(
    ("reason_", "ring", "ru", "en"),
    [
        (MissReason.HUNG_UP, 18, "⏳ ждал 18 с и положил трубку", "waited 18 s and hung up"),
        (
            MissReason.TIMED_OUT,
            30,
            "⏳ группа не ответила за 30 с",
            "the group did not answer in 30 s",
        ),
        (MissReason.UNANSWERED, 18, "⏳ ждал ответа 18 с", "waited 18 s for an answer"),
        (MissReason.AFTER_HOURS, 18, "🌙 в нерабочее время", "after hours"),
    ],
)
def test_the_card_says_the_reason_in_the_contract_words(
    reason_: MissReason, ring: int, ru: str, en: str
) -> None:
    item = case(miss_reason=reason_, ring_seconds=ring)
    assert ru in render_case(item, "ru").text
    assert en in render_case(item, "en").text


def test_a_case_that_grew_lists_each_calls_own_reason() -> None:
    item = case(attempts=2, last_at=MONDAY_NOON + dt.timedelta(minutes=10), ring_seconds=30)
    calls = [
        CallReason(MONDAY_NOON, MissReason.HUNG_UP, 8),
        CallReason(MONDAY_NOON + dt.timedelta(minutes=10), MissReason.TIMED_OUT, 30),
    ]
    lines = reason_lines(item, "ru", calls)
    assert lines == [
        "Звонки:",
        "  12:00 — ⏳ ждал 8 с и положил трубку",
        "  12:10 — ⏳ группа не ответила за 30 с",
    ]


@pytest.fixture
async def timed_office(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> AsyncIterator[Office]:
    sales = {**PHONE_CONFIG["department"][0], "ring_timeout_seconds": 30}
    config = office_config(
        tmp_path, phone_config, department=[sales, PHONE_CONFIG["department"][1]]
    )
    async with open_office(config) as running:
        yield running


async def test_reasons_reach_the_card_and_stay_with_each_call(timed_office: Office) -> None:
    office = timed_office
    office.missed(minutes_ago=10, ring=8)
    await office.scan()
    await office.wait_posted(SALES_CHAT)
    await office.settle()
    assert "⏳ ждал 8 с и положил трубку" in office.posts(SALES_CHAT)[-1]["text"]
    office.missed(minutes_ago=2, ring=30)
    await office.scan()
    await office.api.wait_for("editMessageText", lambda c: not c.failed)
    await office.settle()
    text = office.posts(SALES_CHAT)[-1]["text"]
    assert "ждал 8 с и положил трубку" in text
    assert "группа не ответила за 30 с" in text
    item = office.only_case()
    assert item.miss_reason is MissReason.TIMED_OUT
    assert [c.reason for c in office.ledger.call_reasons(item.id)] == [
        MissReason.HUNG_UP,
        MissReason.TIMED_OUT,
    ]
    stored = office.ledger.conn.execute(
        "SELECT miss_reason FROM calls ORDER BY started_at"
    ).fetchall()
    assert [r[0] for r in stored] == ["hung_up", "timed_out"]


def test_the_migration_marks_old_ledgers_and_the_first_open_fills_them(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.db"
    config = config_with(tmp_path)
    with Ledger(path) as ledger, ledger.transaction():  # as the previous version left it
        ledger.conn.execute("DROP INDEX idx_calls_in")  # step 13, after the reasons
        ledger.conn.execute("ALTER TABLE calls DROP COLUMN miss_reason")
        ledger.conn.execute("ALTER TABLE cases DROP COLUMN miss_reason")
        ledger.conn.execute("PRAGMA user_version = 10")  # before step 11, the reasons
        rows = [
            ("a", MONDAY_NOON, 0, 18),
            ("b", MONDAY_NIGHT, 0, 40),
            ("c", MONDAY_NOON, 0, None),
            ("d", MONDAY_NOON, 60, 5),  # answered: no reason
        ]
        for fingerprint, when, duration, ring in rows:
            ledger.conn.execute(
                "INSERT INTO calls (fingerprint, record_index, started_at, duration, extension,"
                " direction, remote, co_line, ring_seconds) VALUES (?, 0, ?, ?, '620', 'in',"
                " '79161234567', '', ?)",
                [fingerprint, when.isoformat(" "), duration, ring],
            )
    with Ledger(path) as ledger:  # no config yet: marked, nothing guessed
        assert schema.user_version(ledger.conn) == schema.LATEST
        assert ledger.get_meta(PENDING_KEY) == "1"
    with open_ledger(path, config) as ledger:
        found = dict(ledger.conn.execute("SELECT fingerprint, miss_reason FROM calls").fetchall())
        assert found == {"a": "hung_up", "b": "after_hours", "c": "unknown", "d": None}
        assert ledger.get_meta(PENDING_KEY) is None
    # A later change of the config rewrites nothing stored.
    with open_ledger(path, config_with(tmp_path, timeout=10)) as ledger:
        conn: sqlite3.Connection = ledger.conn
        assert conn.execute("SELECT miss_reason FROM calls WHERE fingerprint = 'a'").fetchone() == (
            "hung_up",
        )


def test_the_demo_console_says_the_reason_too() -> None:
    from watcher.sim.console import describe

    assert describe(case(), "ru").endswith("— ⏳ ждал 18 с и положил трубку")
    assert describe(case(miss_reason=MissReason.AFTER_HOURS), "en").endswith("— 🌙 after hours")
    assert describe(case(miss_reason=None), "ru").endswith("— гудки 18 с")
