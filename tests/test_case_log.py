"""One INFO line per case change (DESIGN, Operations): opened, grew, attempt, claimed,
reminded, escalated, closed (how), reopened — in English, with the case id, department
and only the last four digits of the number; written once the change is committed."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pytest

from tests.conftest import PhoneRows
from tests.test_bot_harness import IVAN, Office, office
from watcher.case_log import Noted, describe, masked
from watcher.config import Config
from watcher.ingest import Ingestor
from watcher.ledger import Ledger
from watcher.sim.wintariff import CallsDbfWriter
from watcher.vocab import ActorKind, EventKind, OutboxKind

__all__ = ["office"]  # the fixture, imported for pytest

NOW = dt.datetime(2026, 11, 20, 12, 0)
CALLER = "89161234567"
LOGGER = "watcher.case_log"


def lines(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


def minutes_ago(minutes: float) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


def test_every_change_from_the_call_log_is_one_line(
    phone_config: Callable[..., Config],
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = phone_config()
    caplog.set_level(logging.INFO, logger=LOGGER)
    with Ledger(config.database_path) as ledger:
        ingest = Ingestor(config, ledger, clock=lambda: NOW)
        calls_dbf.append(phone_rows.missed(minutes_ago(10), CALLER))
        ingest.scan()
        assert lines(caplog) == ["case 1 opened: missed call to 620 (Отдел продаж, …4567)"]
        caplog.clear()
        calls_dbf.append_many(
            [
                phone_rows.missed(minutes_ago(8), CALLER),
                phone_rows.outgoing(minutes_ago(6), CALLER, seconds=0, ext="201"),
                phone_rows.outgoing(minutes_ago(4), CALLER, seconds=75, ext="202"),
                phone_rows.missed(minutes_ago(3), "84957894512", ext="630"),
            ]
        )
        ingest.scan()
        assert lines(caplog) == [
            "case 1 grew: another missed call to 620 (Отдел продаж, …4567)",
            "case 1 attempt: a callback from ext 201 did not get through (Отдел продаж, …4567)",
            "case 1 closed: called back from ext 202 (Отдел продаж, …4567)",
            "case 2 opened: missed call to 630 (Сервис, …4512)",
        ]
        caplog.clear()
        calls_dbf.append(phone_rows.answered_in(minutes_ago(1), "84957894512", ext="305"))
        ingest.scan()
        assert lines(caplog) == ["case 2 closed: the caller got through to ext 305 (Сервис, …4512)"]
    said = "\n".join(caplog.messages)
    assert "916" not in said and "+7" not in said


def test_changes_by_people_and_by_the_service_are_one_line_each(
    phone_config: Callable[..., Config],
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = phone_config()
    with Ledger(config.database_path) as ledger:
        calls_dbf.append(phone_rows.missed(minutes_ago(10), CALLER))
        Ingestor(config, ledger, clock=lambda: NOW).scan()
        caplog.set_level(logging.INFO, logger=LOGGER)
        who = {"user_id": 101, "user_name": "Иван Петров", "now": NOW}
        assert ledger.claim(1, take_over=False, **who).changed
        assert ledger.add_failed_callback(1, now=NOW, user_id=101, user_name="Иван Петров")
        assert ledger.mark_due(1, OutboxKind.REMIND, NOW)
        assert ledger.mark_due(1, OutboxKind.ESCALATE, NOW)
        assert not ledger.mark_due(1, OutboxKind.REMIND, NOW)  # once: no second line
        assert ledger.close_by_user(1, **who).changed
        assert not ledger.close_by_user(1, **who).changed  # nothing changed, nothing logged
        assert ledger.reopen_by_user(1, **who).changed
        assert ledger.close_not_needed(1, **who).changed
    where = "(Отдел продаж, …4567)"
    assert lines(caplog) == [
        f"case 1 claimed in the chat {where}",
        f"case 1 attempt: a callback did not get through (marked in the chat) {where}",
        f"case 1 reminded {where}",
        f"case 1 escalated to the managers' chat {where}",
        f"case 1 closed: marked called back in the chat {where}",
        f"case 1 reopened in the chat {where}",
        f"case 1 closed: marked not needed in the chat {where}",
    ]
    said = "\n".join(caplog.messages)  # the lines' own words, not the record's source line
    assert "Иван" not in said and "101" not in said


def test_a_rolled_back_change_is_not_logged(
    phone_config: Callable[..., Config],
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = phone_config()
    with Ledger(config.database_path) as ledger:
        calls_dbf.append(phone_rows.missed(minutes_ago(10), CALLER))
        Ingestor(config, ledger, clock=lambda: NOW).scan()
        caplog.set_level(logging.INFO, logger=LOGGER)
        with pytest.raises(RuntimeError), ledger.transaction():
            ledger.mark_due(1, OutboxKind.REMIND, NOW)
            raise RuntimeError("power cut")
        with ledger.transaction():  # a nested part rolled back, the rest committed
            ledger.mark_due(1, OutboxKind.ESCALATE, NOW)
            with pytest.raises(RuntimeError), ledger.transaction():
                ledger.mark_due(1, OutboxKind.REMIND, NOW)
                raise RuntimeError("undo this part")
            assert lines(caplog) == []  # not committed yet
        assert ledger.get_case(1).reminded_at is None  # type: ignore[union-attr]
    assert lines(caplog) == ["case 1 escalated to the managers' chat (Отдел продаж, …4567)"]


def test_history_is_logged_at_debug_only(
    phone_config: Callable[..., Config],
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = phone_config()
    calls_dbf.append_many(
        [
            phone_rows.missed(NOW - dt.timedelta(days=3, minutes=m), f"8916000{m:04d}")
            for m in range(5)
        ]
    )
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with Ledger(config.database_path) as ledger:
        result = Ingestor(config, ledger, clock=lambda: NOW).scan(history=True)
    assert result.cases.opened == 5
    assert lines(caplog) == []
    debug = lines(caplog, logging.DEBUG)
    assert sum("opened" in line for line in debug) == 5
    assert sum("expired" in line for line in debug) == 5


def test_the_words_of_each_change() -> None:
    assert masked("+79161234567") == "…4567"
    assert masked(None) == "no number"
    leg = Noted(3, EventKind.ANSWERED_LEG, ActorKind.PBX, "205")
    assert describe(leg) == "closed: ext 205 answered another leg of the same call"
    assert describe(Noted(3, EventKind.EXPIRED, ActorKind.SYSTEM)) == (
        "closed: expired (history, never posted)"
    )
    # Every kind of event is one of the changes DESIGN names.
    words = ("opened", "grew", "attempt", "claimed", "reminded", "escalated", "closed", "reopened")
    for kind in EventKind:
        for actor in ActorKind:
            assert describe(Noted(1, kind, actor, "201")).startswith(words), kind


async def test_a_press_is_logged_once(office: Office, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    office.missed()
    await office.scan()
    await office.settle()
    case = office.only_case()
    message = office.posts(case.chat or 0)[-1]
    toast = await office.press(case.chat or 0, message["message_id"], IVAN, f"c:{case.id}")
    assert toast
    closed = [
        r
        for r in caplog.records
        if "closed" in r.getMessage() and f"case {case.id}" in r.getMessage()
    ]
    assert [r.getMessage() for r in closed] == [
        f"case {case.id} closed: marked called back in the chat (Отдел продаж, …4567)"
    ]
    assert all("Иван" not in r.getMessage() for r in caplog.records if r.name != "httpx")
