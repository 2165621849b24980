"""Known answers for the "why and when" figures: reasons, speed of answer, hung-up waits,
in `perezvon stats` and in the workbook's Сводка."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from bot import cli
from watcher.config import Config, load_config
from watcher.ledger import Ledger
from watcher.models import Call
from watcher.reasons import with_reasons
from watcher.stats import parse_period, render_stats, stats_from
from watcher.vocab import Direction
from watcher.workbook import make_report

DAY = dt.date(2026, 11, 30)  # a Monday
CONFIG = """
[source]
path = "Calls.dbf"
[database]
path = "perezvon.db"
[rules]
answer_target_seconds = 20
contacts_csv = "contacts.csv"
[hours]
days = ["mon", "tue", "wed", "thu", "fri"]
open = "09:00"
close = "18:00"
[[department]]
name = "Отдел продаж"
extensions = ["620", "201-209"]
default = true
ring_timeout_seconds = 30
"""


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(DAY.year, DAY.month, DAY.day, hour, minute)


def traffic() -> list[Call]:
    """4 hung up after 8–15 s, 2 timed out at 30 s, 1 after hours; answered calls rung
    5/10/25 s."""
    calls: list[tuple[dt.datetime, int, int | None]] = [
        (at(10, 0), 0, 8),
        (at(10, 5), 0, 10),
        (at(10, 10), 0, 12),
        (at(11, 0), 0, 15),
        (at(11, 30), 0, 30),
        (at(12, 0), 0, 30),
        (at(20, 0), 0, 12),
        (at(13, 0), 60, 5),
        (at(13, 5), 90, 10),
        (at(14, 0), 120, 25),
    ]
    numbers = [f"+791612345{n:02d}" for n in range(len(calls))]
    # The first caller tried three times, the second twice: the numbers missed most often.
    numbers[1] = numbers[2] = numbers[0]
    numbers[4] = numbers[3]
    return [
        Call(f"k{n}", n, when, talk, "620", Direction.IN, numbers[n], ring_seconds=ring)
        for n, (when, talk, ring) in enumerate(calls)
    ]


@pytest.fixture
def known(tmp_path: Path) -> Config:
    path = tmp_path / "perezvon.toml"
    path.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "contacts.csv").write_text("phone;name\n79161234500;Анна\n", encoding="utf-8")
    config = load_config(path)
    with Ledger(config.database_path) as ledger:
        ledger.insert_calls(with_reasons(traffic(), config))
    return config


def test_the_known_answers_from_sql(known: Config) -> None:
    period = parse_period(DAY.isoformat(), DAY)
    with Ledger(known.database_path) as ledger:
        stats = stats_from(ledger.conn, period, config=known)
    assert stats.missed_by_reason == {"hung_up": 4, "timed_out": 2, "after_hours": 1}
    speed = stats.answer_speed
    assert (speed.count, speed.within, speed.median, speed.p90) == (3, 2, 10.0, 25.0)
    hung = stats.hung_up_waits
    assert (hung.count, hung.median, hung.p90) == (4, 11.0, 15.0)


def test_perezvon_stats_says_them(known: Config, capsys: pytest.CaptureFixture[str]) -> None:
    assert known.config_path is not None
    assert cli.main(["-c", str(known.config_path), "stats", DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert (
        "Пропущенные по причинам: в нерабочее время 1, группа не ответила 2,"
        " положили трубку 4" in out
    )
    assert "Скорость ответа: медиана 10 с, 90% — за 25 с; за 20 с ответили 2 из 3 (67%)" in out
    assert "Положившие трубку (4) ждали: медиана 11 с, 90% — 15 с" in out
    assert "Чаще всего пропускали: +7 916 123-45-00 (Анна) — 3, +7 916 123-45-03 — 2" in out


def test_english_words(known: Config) -> None:
    period = parse_period(DAY.isoformat(), DAY)
    with Ledger(known.database_path) as ledger:
        text = render_stats(stats_from(ledger.conn, period, config=known), period, "en")
    assert "Missed calls by reason: after hours 1, group did not answer 2, hung up 4" in text
    assert "answered within 20 s: 2 of 3 (67%)" in text


def test_the_workbook_summary_has_them(known: Config, tmp_path: Path) -> None:
    period = parse_period(DAY.isoformat(), DAY)
    path = tmp_path / "report.xlsx"
    make_report(known.database_path, known, period, path)
    sheet = openpyxl.load_workbook(path)["Сводка"]
    figures = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert figures["Пропущено: положили трубку"] == 4
    assert figures["Пропущено: группа не ответила"] == 2
    assert figures["Пропущено: в нерабочее время"] == 1
    assert figures["Пропущено: короткий сброс"] == 0
    assert figures["Отвечено за 20 с"] == pytest.approx(2 / 3)
    assert figures["Скорость ответа, медиана"] == dt.timedelta(seconds=10)
    assert figures["Положившие трубку ждали, 90%"] == dt.timedelta(seconds=15)
    frequent = list(openpyxl.load_workbook(path)["Частые абоненты"].iter_rows(values_only=True))
    assert frequent[1] == (
        "+7 916 123-45-00",
        "Анна",
        None,
        3,
        0,
        3,
        0,
        0,
        dt.datetime(2026, 11, 30, 10, 0),
        dt.datetime(2026, 11, 30, 10, 10),
    )
    assert [r[3] for r in frequent[1:]] == [3, 2]


def test_the_incoming_sheet_has_them_per_hour(known: Config, tmp_path: Path) -> None:
    """Входящие per hour gets Сводка's why-columns: 10:00 lost three callers who hung up
    after 8, 10 and 12 s; at 13:00 two calls were answered after 5 and 10 s."""
    path = tmp_path / "report.xlsx"
    make_report(known.database_path, known, parse_period(DAY.isoformat(), DAY), path)
    sheet = openpyxl.load_workbook(path)["Входящие"]
    header = [c.value for c in sheet[1]]
    by_hour = {
        r[1]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    ten = by_hour[10]
    assert (ten["Входящих"], ten["Пропущено"], ten["Пропущено: положили трубку"]) == (3, 3, 3)
    assert ten["Короткие сбросы"] == 0 and ten["Доля пропущенных"] == 1
    assert ten["Положившие трубку ждали, медиана"] == dt.timedelta(seconds=10)
    assert ten["Положившие трубку ждали, 90%"] == dt.timedelta(seconds=12)
    assert ten["Скорость ответа, медиана"] is None
    one = by_hour[13]
    assert (one["Входящих"], one["Отвечено"], one["Пропущено"]) == (2, 2, 0)
    assert one["Скорость ответа, медиана"] == dt.timedelta(seconds=7.5)
    assert one["Скорость ответа, 90%"] == dt.timedelta(seconds=10)
    assert one["Отвечено за 20 с"] == 1
    assert by_hour[12]["Пропущено: группа не ответила"] == 1
    assert by_hour[20]["Пропущено: в нерабочее время"] == 1
