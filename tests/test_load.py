"""Load by weekday and hour: the Нагрузка sheet with its colour scales, and /load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from tests.conftest import SALES_CHAT
from tests.test_bot_harness import FOREIGN_CHAT, IVAN, MANAGERS_CHAT, OLGA, Office, office
from tests.test_why_figures import DAY, known  # known: the ledger with known answers
from watcher.config import Config
from watcher.queries import load_grid, reading
from watcher.stats import days_period, parse_period
from watcher.workbook import make_report

__all__ = ["known", "office"]  # fixtures, imported for pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_grid_counts_by_weekday_and_hour(known: Config) -> None:
    period = parse_period(DAY.isoformat(), DAY)
    with reading(known.database_path) as conn:
        grid = load_grid(conn, period.start, period.end)
    monday = 0
    assert DAY.weekday() == monday
    assert grid.incoming[monday][10] == 3 and grid.missed[monday][10] == 3
    assert grid.incoming[monday][13] == 2 and grid.missed[monday][13] == 0
    assert grid.rate(monday, 9) is None
    assert sum(map(sum, grid.incoming)) == 10 and sum(map(sum, grid.missed)) == 7
    assert grid.worst(3) == [(0, 10, 3), (0, 11, 2), (0, 12, 1)]


def test_the_load_sheet_has_three_blocks_with_colour_scales(known: Config, tmp_path: Path) -> None:
    period = parse_period(DAY.isoformat(), DAY)
    path = tmp_path / "report.xlsx"
    make_report(known.database_path, known, period, path)
    sheet = openpyxl.load_workbook(path)["Нагрузка"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Час", "Входящих · Пн", "Входящих · Вт"]
    assert header[8] == "Пропущено · Пн" and header[15] == "Доля пропущенных · Пн"
    assert header[21] == "Доля пропущенных · Вс" and len(header) == 22
    assert sheet.max_row == 25  # the header and hours 0–23
    ten = [c.value for c in sheet[12]]  # hour 10
    assert ten[0] == 10 and ten[1] == 3 and ten[8] == 3 and ten[15] == 1
    eleven = [c.value for c in sheet[13]]
    assert eleven[1] == 2 and eleven[8] == 2 and eleven[15] == 1
    assert [c.value for c in sheet[14]][15] == 1  # 12:00: one call, missed
    assert [c.value for c in sheet[15]][15] == 0  # 13:00: two calls, answered
    ranges = sorted(str(r.sqref) for r in sheet.conditional_formatting)
    assert ranges == ["B2:H25", "I2:O25", "P2:V25"]
    for block in sheet.conditional_formatting:
        assert [rule.type for rule in block.rules] == ["colorScale"]


def test_csv_gets_the_new_sheets_too(known: Config, tmp_path: Path) -> None:
    period = parse_period(DAY.isoformat(), DAY)
    written = make_report(known.database_path, known, period, tmp_path / "out")
    names = {p.name for p in written}
    assert {"Нагрузка.csv", "Частые абоненты.csv"} <= names


async def load_in(office: Office, chat_id: int, text: str) -> dict[str, object]:
    def here(call: object) -> bool:
        return not call.failed and call.params.get("chat_id") == chat_id  # type: ignore[attr-defined]

    before = len([c for c in office.api.calls_of("sendPhoto") if here(c)])
    await office.command(chat_id, OLGA, text)
    calls = await office.api.wait_for("sendPhoto", here, count=before + 1)
    assert calls[-1].files["photo"].startswith(PNG_SIGNATURE)
    return office.posts(chat_id)[-1]


async def test_load_answers_with_a_heatmap_in_both_kinds_of_chat(office: Office) -> None:
    office.missed(minutes_ago=9, caller="89161111111")
    office.missed(minutes_ago=7, caller="89162222222", ext="630")
    await office.scan()
    await office.settle()
    now = office.now()
    days = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
    first = (now - dt.timedelta(minutes=9)).replace(minute=0)
    hour = f"{days[first.weekday()].capitalize()} {first:%H}:00"
    label = days_period(now.date() - dt.timedelta(days=27), now.date()).shown("ru")
    sales = await load_in(office, SALES_CHAT, "/load")
    assert sales["caption"].startswith(f"🔥 Нагрузка · Отдел продаж · {label}")
    assert f"Больше всего теряем: {hour} — 1" in sales["caption"]
    managers = await load_in(office, MANAGERS_CHAT, "/load неделя")
    assert managers["caption"].startswith("🔥 Нагрузка · все отделы ·")
    assert "— 2" in managers["caption"] or managers["caption"].count("— 1") == 2
    empty = await load_in(office, SALES_CHAT, "/load 2020-01-01..2020-01-31")
    assert empty["caption"].endswith("Пропущенных нет 🎉")


async def test_load_refusals(office: Office) -> None:
    await office.command(SALES_CHAT, IVAN, "/load someday")
    await office.wait_posted(SALES_CHAT)
    assert office.posts(SALES_CHAT)[-1]["text"].startswith("Не понял период «someday».")
    await office.command(FOREIGN_CHAT, IVAN, "/load")
    await office.wait_posted(FOREIGN_CHAT)
    assert office.posts(FOREIGN_CHAT)[-1]["text"] == (
        "Статистика доступна в чатах отделов и руководителей."
    )
