"""The workbook says what its cells mean: who closed a case and how, in words a manager
reads without asking (read back from the written .xlsx)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from watcher.config import Config
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.schema import CASES
from watcher.stats import Period
from watcher.vocab import CaseStatus, ClosedHow
from watcher.workbook import make_report

MONDAY = dt.datetime(2026, 11, 30)


def closed_case(n: int, how: ClosedHow, **closer: Any) -> Case:
    first = MONDAY + dt.timedelta(hours=10, minutes=n)
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
        closed_at=first + dt.timedelta(minutes=15),
        closed_how=how,
        **closer,
    )


def missed_sheet(
    folder: Path, config: Config, cases: list[Case], language: str
) -> list[dict[str, Any]]:
    """The rows of Пропущенные/Missed of a ledger holding ``cases``, by header."""
    folder.mkdir(exist_ok=True)
    database = folder / "perezvon.db"
    with Ledger(database) as ledger, ledger.transaction():
        for item in cases:
            ledger.conn.execute(CASES.insert_sql("cases"), CASES.values(item))
    period = Period(MONDAY, MONDAY + dt.timedelta(days=1), "2026-11-30")
    [path] = make_report(database, config, period, folder / "report.xlsx", language=language)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[1]
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
