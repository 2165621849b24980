"""The workbook says what its cells mean: who closed a case and how, in words a manager
reads without asking (read back from the written .xlsx)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from tests.test_console import dialled
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.schema import CASES
from watcher.stats import Period
from watcher.vocab import CaseStatus, ClosedHow
from watcher.workbook import make_report

MONDAY = dt.datetime(2026, 11, 30)


OFFICE_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "18:00"}


def closed_case(n: int, how: ClosedHow, first: dt.datetime | None = None, **closer: Any) -> Case:
    first = first or MONDAY + dt.timedelta(hours=10, minutes=n)
    return Case(
        id=n,
        department="Отдел продаж",
        chat=-1001000000001,
        remote=f"+7916000{n:04d}",
        status=CaseStatus.CLOSED,
        first_at=first,
        last_at=first,
        attempts=1,
        extension="620",
        ring_seconds=10,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
        closed_how=how,
        **{"closed_at": first + dt.timedelta(minutes=15), **closer},
    )


def workbook(folder: Path, config: Config, cases: list[Case], language: str) -> openpyxl.Workbook:
    """The workbook of the day of a ledger holding ``cases``."""
    folder.mkdir(exist_ok=True)
    database = folder / "perezvon.db"
    with Ledger(database) as ledger, ledger.transaction():
        for item in cases:
            ledger.conn.execute(CASES.insert_sql("cases"), CASES.values(item))
    period = Period(MONDAY, MONDAY + dt.timedelta(days=1), "2026-11-30")
    [path] = make_report(database, config, period, folder / "report.xlsx", language=language)
    return openpyxl.load_workbook(path)


def missed_sheet(
    folder: Path, config: Config, cases: list[Case], language: str
) -> list[dict[str, Any]]:
    """The rows of Пропущенные/Missed of a ledger holding ``cases``, by header."""
    sheet = workbook(folder, config, cases, language).worksheets[1]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)]


def test_a_case_closed_as_not_needed_names_who_dismissed_it_not_a_caller_back(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """🚫 Не нужно: nobody called back, so "Кто перезвонил" stays empty and the person
    who dismissed the case is named in "Как закрыт"."""
    cases = [
        closed_case(1, ClosedHow.NOT_NEEDED, closed_by_user_id=7, closed_by_name="Ольга"),
        closed_case(2, ClosedHow.USER, closed_by_user_id=8, closed_by_name="Иван"),
    ]
    config = phone_config()
    rows = missed_sheet(tmp_path / "ru", config, cases, "ru")
    dismissed, marked = rows
    assert dismissed["Как закрыт"] == "не нужно перезванивать (Ольга)"
    assert dismissed["Кто перезвонил"] is None
    assert (marked["Как закрыт"], marked["Кто перезвонил"]) == ("отмечено в чате", "Иван")
    english = missed_sheet(tmp_path / "en", config, cases, "en")
    assert english[0]["How closed"] == "no callback needed (Ольга)"
    assert english[0]["Called back by"] is None


# 07:55 missed, called back at 09:03: 3 minutes of office time (09:00-18:00), 68 on the clock.
EARLY = closed_case(
    1,
    ClosedHow.CALL,
    first=MONDAY + dt.timedelta(hours=7, minutes=55),
    closed_at=MONDAY + dt.timedelta(hours=9, minutes=3),
    closed_by_extension="201",
)


def wait_headers(book: openpyxl.Workbook) -> tuple[list[Any], list[Any], list[Any]]:
    """The headers of Пропущенные and Операторы, and Сводка's first column."""
    summary, missed, operators = book.worksheets[0], book.worksheets[1], book.worksheets[4]
    return (
        [c.value for c in missed[1]],
        [c.value for c in operators[1]],
        [row[0] for row in summary.iter_rows(2, values_only=True)],
    )


def test_with_office_hours_the_workbook_says_its_minutes_are_office_minutes(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """ "Минут до перезвона 3" for 07:55 -> 09:03 is true only of office time: the headers
    of every wait to callback say so when [hours] is set."""
    config = phone_config(hours=OFFICE_HOURS)
    book = workbook(tmp_path / "ru", config, [EARLY], "ru")
    missed, operators, summary = wait_headers(book)
    assert missed[13:15] == ["Рабочих минут до перезвона", "Перезвонили за 30 рабочих минут"]
    assert book.worksheets[1]["N2"].value == 3
    assert operators[8:10] == [
        "Медиана до перезвона, рабочих минут",
        "Доля перезвонов за 30 рабочих минут",
    ]
    assert "Медиана до перезвона (рабочее время)" in summary
    assert "Перезвонили за 30 рабочих минут" in summary
    book = workbook(tmp_path / "en", config, [EARLY], "en")
    missed, operators, summary = wait_headers(book)
    assert missed[13:15] == [
        "Minutes of office time to callback",
        "Called back within 30 min of office time",
    ]
    assert operators[8:10] == [
        "Median minutes of office time to callback",
        "Share of callbacks within 30 min of office time",
    ]
    assert "Median time to callback (office time)" in summary
    assert "Called back within 30 min of office time" in summary


def test_without_office_hours_the_minutes_are_plain_minutes(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """No [hours]: the office is always open, a wait is wall-clock time (68 minutes from
    07:55 to 09:03), and no header claims office time."""
    book = workbook(tmp_path / "ru", phone_config(), [EARLY], "ru")
    missed, operators, summary = wait_headers(book)
    assert missed[13:15] == ["Минут до перезвона", "Перезвонили за 30 мин"]
    assert book.worksheets[1]["N2"].value == 68
    assert operators[8:10] == ["Медиана до перезвона, мин", "Доля перезвонов за 30 мин"]
    assert "Медиана до перезвона" in summary and "Перезвонили за 30 мин" in summary
    assert not [text for text in [*missed, *operators, *summary] if "рабочих" in str(text)]


def test_the_missed_sheet_counts_the_failed_callbacks_of_each_case(
    tmp_path: Path, phone_config: Callable[..., Config]
) -> None:
    """What the card lists as 📵 (presses and calls from the log that did not get
    through) is counted per case in "Попыток перезвона" / "Callback attempts"."""
    tried = closed_case(1, ClosedHow.CALL, closed_by_extension="201")
    tried = dataclasses.replace(tried, status=CaseStatus.OPEN, closed_at=None, closed_how=None)
    untried = closed_case(2, ClosedHow.USER, closed_by_user_id=8, closed_by_name="Иван")
    folder = tmp_path / "ru"
    folder.mkdir()
    with Ledger(folder / "perezvon.db") as ledger:
        with ledger.transaction():
            for item in (tried, untried):
                ledger.conn.execute(CASES.insert_sql("cases"), CASES.values(item))
        at = tried.first_at + dt.timedelta(minutes=5)
        assert ledger.add_failed_callback(1, now=at, user_id=7, user_name="Ольга")
        assert ledger.add_failed_callback(1, now=at, call=dialled("out-1", at, 0, tried.remote))
        later = at + dt.timedelta(minutes=3)
        assert ledger.add_failed_callback(
            1, now=later, call=dialled("out-2", later, 3, tried.remote)
        )
    rows = missed_sheet(folder, phone_config(), [], "ru")
    assert [row["Попыток перезвона"] for row in rows] == [3, 0]
    english = missed_sheet(folder, phone_config(), [], "en")
    assert [row["Callback attempts"] for row in english] == [3, 0]
