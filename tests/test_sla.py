"""The callback SLA in office minutes: share within callback_sla_minutes, median and p90."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from watcher.config import Config
from watcher.hours import OfficeHours
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.queries import waits
from watcher.report import Share, Span, SummarySheet, build_report
from watcher.schema import CASES
from watcher.sla import callback_sla, median, office_waits, percentile
from watcher.stats import Period, load_stats, render_stats
from watcher.vocab import CaseStatus, ClosedHow

FRIDAY = dt.datetime(2026, 12, 4)
OFFICE = OfficeHours(days=frozenset(range(5)), open_minute=540, close_minute=1080)
# Always open, but not recognised as such: forces the office-minute path in Python.
ALWAYS = OfficeHours(holidays=frozenset({dt.date(1999, 1, 1)}))


def at(clock: str, days: int = 0) -> dt.datetime:
    hours, minutes = map(int, clock.split(":"))
    return FRIDAY + dt.timedelta(days=days, hours=hours, minutes=minutes)


def case(n: int, first: dt.datetime, closed: dt.datetime | None, how: ClosedHow | None) -> Case:
    return Case(
        id=n,
        department="Продажи",
        chat=-1,
        remote=f"+7916000{n:04d}",
        status=CaseStatus.OPEN if how is None else CaseStatus.CLOSED,
        first_at=first,
        last_at=first,
        attempts=1,
        extension="620",
        ring_seconds=10,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
        closed_at=closed,
        closed_how=how,
        closed_by_extension="201" if how in (ClosedHow.CALL, ClosedHow.ANSWER) else None,
    )


CASES_OF_THE_WEEK = [
    case(1, at("10:00"), at("10:12"), ClosedHow.CALL),  # 12 office minutes
    case(2, at("17:50"), at("09:20", days=3), ClosedHow.USER),  # Fri 10 + Mon 20 = 30
    case(3, at("11:00"), at("12:00"), ClosedHow.ANSWER),  # got through: not called back
    case(4, at("19:00"), at("09:05", days=3), ClosedHow.CALL),  # after hours: 5
    case(8, at("14:00"), at("15:00"), ClosedHow.CALL),  # 60
    case(5, at("12:00"), at("12:01"), ClosedHow.NOT_NEEDED),  # no callback: not counted
    case(6, at("12:00"), at("12:02"), ClosedHow.EXPIRY),  # history: not counted
    case(7, at("13:00"), None, None),  # open
]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    opened = Ledger(tmp_path / "perezvon.db")
    with opened.transaction():
        for item in CASES_OF_THE_WEEK:
            opened.conn.execute(CASES.insert_sql("cases"), CASES.values(item))
    return opened


WEEK = (FRIDAY - dt.timedelta(days=1), FRIDAY + dt.timedelta(days=7))


def test_office_minutes_decide_the_sla(ledger: Ledger) -> None:
    sla = callback_sla(ledger.conn, *WEEK, hours=OFFICE, target_minutes=30)
    # Waits 12, 30, 5, 60 office minutes: 3 within 30. The caller who got through on
    # their own after 60 minutes was not called back: no wait to callback at all.
    assert (sla.called_back, sla.within, sla.share) == (4, 3, 0.75)
    assert sla.median_minutes == pytest.approx(21)
    assert sla.p90_minutes == pytest.approx(60)


def test_every_wait_to_callback_is_in_office_minutes(ledger: Ledger) -> None:
    """The workbook's Сводка and Операторы, the summary's median and the SLA line measure
    one thing, the same way: a manager must not read 61 % in the chat and 46 % in Excel."""
    sla = callback_sla(ledger.conn, *WEEK, hours=OFFICE, target_minutes=30)
    [overall] = office_waits(ledger.conn, *WEEK, hours=OFFICE, within_seconds=30 * 60).values()
    assert (overall.count, overall.within) == (sla.called_back, sla.within) == (4, 3)
    assert overall.median_seconds == pytest.approx(21 * 60)
    by_closer = office_waits(
        ledger.conn, *WEEK, hours=OFFICE, by="extension", closed_how=(ClosedHow.CALL,)
    )
    assert by_closer["201"].count == 3  # cases 1, 4 and 8: 12, 5 and 60 office minutes
    assert by_closer["201"].median_seconds == pytest.approx(12 * 60)
    # Without office hours, the same as the SQL of the wall clock.
    assert office_waits(ledger.conn, *WEEK, hours=OfficeHours()) == waits(ledger.conn, *WEEK)


def test_without_office_hours_sql_gives_the_wall_clock_figures(ledger: Ledger) -> None:
    in_sql = callback_sla(ledger.conn, *WEEK, hours=OfficeHours(), target_minutes=30)
    in_python = callback_sla(ledger.conn, *WEEK, hours=ALWAYS, target_minutes=30)
    assert in_sql == in_python
    assert (in_sql.called_back, in_sql.within) == (4, 1)  # the weekend waits count in full


def test_percentiles() -> None:
    assert percentile([], 0.9) is None and median([]) is None
    assert percentile([5.0], 0.9) == 5.0
    values = [float(n) for n in range(1, 11)]
    assert percentile(values, 0.9) == 9.0 and median(values) == 5.5
    assert percentile([3.0, 1.0, 2.0], 0.9) == 3.0 and median([3.0, 1.0, 2.0]) == 2.0


def test_stats_show_the_sla(ledger: Ledger, phone_config: Callable[..., Config]) -> None:
    config = phone_config(
        hours={"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00"}
    )
    period = Period(*WEEK, "неделя")
    stats = load_stats(ledger, period, config)
    assert stats.sla is not None and stats.sla.within == 3
    text = render_stats(stats, period, "ru")
    assert "Вовремя (за 30 мин рабочего времени): 3 из 4 (75%); 90% — за 1 ч" in text
    english = render_stats(stats, period, "en")
    assert "On time (within 30 office minutes): 3 of 4 (75%)" in english


def test_the_workbook_and_the_chat_give_one_share_and_one_median(
    ledger: Ledger, phone_config: Callable[..., Config]
) -> None:
    config = phone_config(
        hours={"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00"}
    )
    period = Period(*WEEK, "неделя")
    stats = load_stats(ledger, period, config)
    assert stats.median_callback_seconds == pytest.approx(21 * 60)  # as the SLA line's
    report = build_report(ledger.conn, config, period, language="ru")
    builder = report.sheets[0]
    assert isinstance(builder, SummarySheet)
    rows = {row[0]: row[1] for row in builder.rows}
    assert rows["Медиана до перезвона (рабочее время)"] == Span(21 * 60)
    assert rows["Перезвонили за 30 рабочих минут"] == Share(0.75)


# -- the night the clocks go forward (Europe/Riga, 29 March 2026: 03:00 -> 04:00) ------------

SPRING = dt.datetime(2026, 3, 29)


def spring(clock: str, days: int = 0) -> dt.datetime:
    hours, minutes = map(int, clock.split(":"))
    return SPRING + dt.timedelta(days=days, hours=hours, minutes=minutes)


def test_a_wait_over_the_switch_is_its_real_length_in_the_chat_and_the_workbook(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """An office without [hours] in Riga: missed at 02:50, called back at 04:05, 15
    minutes later (03:00-04:00 never came). It was counted as 1 h 15 min, late against a
    30-minute target, in /stats, the summary and the workbook alike."""
    book = Ledger(tmp_path / "spring.db")
    with book.transaction():
        for item in [
            case(1, spring("02:50"), spring("04:05"), ClosedHow.CALL),  # 15 real minutes
            case(2, spring("12:00"), spring("12:20"), ClosedHow.CALL),  # 20, a plain one
            case(3, spring("23:50", -1), spring("04:10"), ClosedHow.CALL),  # 3 h 20 min
        ]:
            book.conn.execute(CASES.insert_sql("cases"), CASES.values(item))
    config = phone_config(timezone="Europe/Riga")
    period = Period(spring("00:00", -1), spring("00:00", 1), "два дня")
    sla = callback_sla(book.conn, period.start, period.end, hours=config.hours, target_minutes=30)
    assert (sla.called_back, sla.within) == (3, 2)
    assert sla.median_minutes == pytest.approx(20)
    assert not sla.office_time  # worded as wall-clock minutes still
    stats = load_stats(book, period, config)
    assert stats.median_callback_seconds == pytest.approx(20 * 60)
    [overall] = office_waits(
        book.conn, period.start, period.end, hours=config.hours, within_seconds=30 * 60
    ).values()
    assert (overall.count, overall.within) == (3, 2)
    report = build_report(book.conn, config, period, language="ru")
    rows = {row[0]: row[1] for row in report.sheets[0].rows}  # type: ignore[attr-defined]
    assert rows["Перезвонили за 30 мин"] == Share(2 / 3)
    assert rows["Медиана до перезвона"] == Span(20 * 60)
    book.close()
