"""Known answers for the figures /stats and the summary gained with the reports issue:
"called back" apart from "got through", short abandons, new callers and what became of
them, each department's calls, operators' load; and the ``callers`` table behind "new"."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from bot import cli
from watcher import schema
from watcher.cases import CaseRules
from watcher.config import Config, load_config
from watcher.ledger import Ledger
from watcher.models import Call
from watcher.queries import new_callers, scope_lines
from watcher.reasons import with_reasons
from watcher.stats import Stats, parse_period, render_stats, stats_from
from watcher.vocab import Direction
from watcher.workbook import make_report

DAY = dt.date(2026, 11, 30)  # a Monday
CONFIG = """
[source]
path = "Calls.dbf"
[database]
path = "perezvon.db"
[rules]
min_ring_seconds = 5
employee_numbers = ["+79169999999"]
[hours]
days = ["mon", "tue", "wed", "thu", "fri"]
open = "09:00"
close = "18:00"
[[department]]
name = "Отдел продаж"
extensions = ["620", "201-209"]
default = true
[[department]]
name = "Сервис"
extensions = ["630", "301-309"]
"""
STAFF = "+79169999999"


def at(hour: int, minute: int, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def number(n: int) -> str:
    return f"+7916000000{n}"


def traffic() -> list[Call]:
    """…1 missed and called back; …2 missed, then got through; …3 answered at once;
    …7 rang a missed leg of a call another leg answered;
    …4 called yesterday, missed today (not new); …5 missed, waiting; …6 a short abandon;
    the employee's own three missed calls."""
    rows = [
        (at(9, 0, DAY - dt.timedelta(days=1)), "201", Direction.OUT, 4, 30, None),
        (at(10, 0), "620", Direction.IN, 1, 0, 20),
        (at(10, 20), "201", Direction.OUT, 1, 60, None),
        (at(10, 30), "620", Direction.IN, 2, 0, 25),
        (at(10, 40), "202", Direction.IN, 2, 45, 5),
        (at(11, 0), "301", Direction.IN, 3, 3240, 8),
        (at(11, 30), "630", Direction.IN, 4, 0, 20),
        (at(12, 0), "630", Direction.IN, 5, 0, 15),
        (at(12, 30), "620", Direction.IN, 6, 0, 2),
        (at(14, 0), "620", Direction.IN, 7, 0, 10),  # a missed leg …
        (at(14, 0) + dt.timedelta(seconds=4), "203", Direction.IN, 7, 90, 4),  # … answered
        (at(13, 0), "620", Direction.IN, 9, 0, 20),
        (at(13, 10), "620", Direction.IN, 9, 0, 20),
        (at(13, 20), "620", Direction.IN, 9, 0, 20),
    ]
    calls = []
    for n, (when, extension, direction, who, talk, ring) in enumerate(rows):
        remote = STAFF if who == 9 else number(who)
        calls.append(Call(f"k{n}", n, when, talk, extension, direction, remote, ring_seconds=ring))
    return calls


def feed(config: Config, ledger: Ledger, calls: list[Call]) -> None:
    """As the ingestor does: the batch stored, then the case rules over it."""
    rules = CaseRules(config, ledger)
    with ledger.transaction():
        ledger.insert_calls(calls)
        rules.begin(calls)
        for call in calls:
            rules.apply(call, now=at(18, 0), silent=False)


@pytest.fixture
def known(tmp_path: Path) -> Config:
    path = tmp_path / "perezvon.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    with Ledger(config.database_path) as ledger:
        feed(config, ledger, with_reasons(traffic(), config))
    return config


def day_stats(config: Config, department: str | None = None) -> Stats:
    period = parse_period(DAY.isoformat(), DAY)
    with Ledger(config.database_path) as ledger:
        lines = scope_lines(ledger.conn, config.departments, department) if department else None
        return stats_from(ledger.conn, period, config=config, lines=lines, department=department)


def test_called_back_apart_from_got_through(known: Config) -> None:
    stats = day_stats(known)
    assert (stats.closed_by_call, stats.closed_by_answer, stats.closed_by_user) == (2, 1, 0)
    text = render_stats(stats, parse_period(DAY.isoformat(), DAY), "ru")
    assert "перезвонили 1 (по журналу 1, отмечено в чате 0), дозвонились сами 1" in text


def test_short_abandons_are_a_figure_of_their_own(known: Config) -> None:
    stats = day_stats(known)
    assert stats.missed_by_reason.get("short_abandon") == 1
    text = render_stats(stats, parse_period(DAY.isoformat(), DAY), "ru")
    assert "Короткие сбросы (не показаны в чате): 1" in text.splitlines()


def test_an_employee_is_never_among_the_numbers_missed_most(known: Config) -> None:
    stats = day_stats(known)
    assert STAFF not in [m.remote for m in stats.top_missed]
    assert stats.missed >= 3 and stats.cases_total < stats.missed


def test_new_callers_and_what_became_of_them(known: Config) -> None:
    new = day_stats(known).new_callers
    # …1 was called back and …2 got through on their own, …3 answered at once and …7 by
    # the other leg, …5 not reached; …6 hung up within min_ring_seconds (never posted, so
    # nobody was to call it: apart, not "not reached"); …4 is known from yesterday, the
    # employee is no caller.
    assert (new.total, new.answered, new.called_back, new.got_through) == (6, 2, 1, 1)
    assert (new.waiting, new.short_abandons) == (1, 1)
    text = render_stats(day_stats(known), parse_period(DAY.isoformat(), DAY), "en")
    assert (
        "New numbers: 6 — answered at once 2, called back 1, got through on their own 1,"
        " not reached yet 1, hung up at once (not posted) 1" in text
    )


def test_a_department_chat_sees_its_own_new_callers(known: Config) -> None:
    service = day_stats(known, "Сервис")
    assert (service.new_callers.total, service.new_callers.answered) == (2, 1)
    assert (service.incoming, service.missed) == (3, 2)


def test_each_department_s_calls_add_up_to_the_whole(known: Config) -> None:
    stats = day_stats(known)
    by_name = {d.name: d for d in stats.departments}
    assert (by_name["Сервис"].incoming, by_name["Сервис"].missed) == (3, 2)
    assert sum(d.incoming for d in stats.departments) == stats.incoming
    assert sum(d.missed for d in stats.departments) == stats.missed
    text = render_stats(stats, parse_period(DAY.isoformat(), DAY), "ru")
    assert "По отделам (входящих / пропущено / доля / случаи / закрыто / ждут):" in text
    assert "  Сервис: 3 / 2 / 67% / 2 / 0 / 2" in text.splitlines()


def test_operators_load_against_the_office_day(known: Config) -> None:
    stats = day_stats(known)
    assert stats.office_seconds == 9 * 3600
    text = render_stats(stats, parse_period(DAY.isoformat(), DAY), "ru")
    assert (
        "По номерам (отвечено / пропущено / исходящих / перезвонов / разговор / нагрузка):" in text
    )
    assert "     301: 1 / 0 / 0 / 0 / 54:00 / 10%" in text.splitlines()


def test_a_group_written_g620_is_one_row_with_620(tmp_path: Path) -> None:
    """Routing reads G620 as group 620; the figures by number did not, and a manager
    reading the 620 row saw 1 missed call of 2."""
    path = tmp_path / "perezvon.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path)
    calls = [
        Call("g1", 0, at(10, 0), 0, "G620", Direction.IN, number(1), ring_seconds=20),
        Call("g2", 1, at(11, 0), 0, "620", Direction.IN, number(2), ring_seconds=20),
    ]
    with Ledger(config.database_path) as ledger:
        feed(config, ledger, with_reasons(calls, config))
    stats = day_stats(config)
    assert [(op.extension, op.missed) for op in stats.operators] == [("620", 2)]
    text = render_stats(stats, parse_period(DAY.isoformat(), DAY), "ru")
    assert "G620" not in text


# -- the callers table -------------------------------------------------------------------


def test_history_stored_after_the_tail_moves_a_number_s_first_call(tmp_path: Path) -> None:
    """The first start stores the last hour first, the history later."""
    calls = traffic()
    with Ledger(tmp_path / "l.db") as ledger:
        ledger.insert_calls(calls[1:])
        assert ledger.conn.execute(
            "SELECT first_at, first_in_at FROM callers WHERE remote = ?", [number(4)]
        ).fetchone() == ("2026-11-30 11:30:00", "2026-11-30 11:30:00")
        ledger.insert_calls(calls[:1])
        assert ledger.conn.execute(
            "SELECT first_at, first_in_at FROM callers WHERE remote = ?", [number(4)]
        ).fetchone() == ("2026-11-29 09:00:00", "2026-11-30 11:30:00")
        period = parse_period(DAY.isoformat(), DAY)
        found = {c.remote for c in new_callers(ledger.conn, period.start, period.end)}
        assert number(4) not in found and number(1) in found


def test_the_migration_fills_callers_from_the_calls_stored_before(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    with Ledger(path) as ledger:
        ledger.insert_calls(traffic())
        expected = ledger.conn.execute("SELECT * FROM callers ORDER BY remote").fetchall()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE callers")
    conn.execute("PRAGMA user_version = 12")
    conn.commit()
    conn.close()
    with Ledger(path) as ledger:
        assert schema.user_version(ledger.conn) == schema.LATEST
        assert ledger.conn.execute("SELECT * FROM callers ORDER BY remote").fetchall() == expected
    assert len(expected) == 8


def test_the_workbook_summary_has_them(known: Config, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    make_report(known.database_path, known, parse_period(DAY.isoformat(), DAY), path)
    book = openpyxl.load_workbook(path)
    figures = {r[0]: r[1] for r in book["Сводка"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert figures["Перезвонили"] == 1
    assert figures["  по журналу звонков"] == 1
    assert figures["Дозвонились сами"] == 1
    assert figures["Новые номера"] == 6
    assert (figures["  ответили сразу"], figures["  перезвонили"]) == (2, 1)
    assert figures["  дозвонились сами"] == 1
    assert (figures["  ещё не дозвонились"], figures["  сбросили сразу (не публикуются)"]) == (1, 1)
    assert book["Новые клиенты"].max_row - 1 == figures["Новые номера"]


def test_the_managers_workbook_summary_has_a_column_per_department(
    known: Config, tmp_path: Path
) -> None:
    path = tmp_path / "report.xlsx"
    make_report(known.database_path, known, parse_period(DAY.isoformat(), DAY), path)
    rows = list(openpyxl.load_workbook(path)["Сводка"].iter_rows(values_only=True))
    assert rows[0][4:6] == ("Отдел продаж", "Сервис")
    figures = {r[0]: r for r in rows[1:] if r[0]}
    assert figures["Входящих"][1] == figures["Входящих"][4] + figures["Входящих"][5]
    assert (figures["Входящих"][5], figures["Пропущено"][5]) == (3, 2)
    assert figures["Новые номера"][4:6] == (4, 2)
    sales = tmp_path / "sales.xlsx"
    period = parse_period(DAY.isoformat(), DAY)
    make_report(known.database_path, known, period, sales, department="Отдел продаж")
    header = next(openpyxl.load_workbook(sales)["Сводка"].iter_rows(values_only=True))
    assert len(header) == 4  # a department's workbook is of that department only


def test_perezvon_stats_for_one_department(
    known: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert known.config_path is not None
    config = str(known.config_path)
    assert cli.main(["-c", config, "stats", DAY.isoformat(), "--department", "Сервис"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Звонки за {DAY:%d.%m.%Y} — Сервис\n")
    assert "Входящих: 3 — отвечено 1, пропущено 2 (доля пропущенных 67%)" in out
    assert cli.main(["-c", config, "stats", "today", "--department", "Склад"]) == 2
    err = capsys.readouterr().err
    assert "отдела «Склад» нет в настройках; есть: Отдел продаж, Сервис" in err
    assert cli.main(["-c", config, "report", "today", "--department", "Склад"]) == 2
    assert "отдела «Склад» нет в настройках" in capsys.readouterr().err


def test_load_of_a_day_not_over_counts_the_office_time_so_far(known: Config) -> None:
    period = parse_period(DAY.isoformat(), DAY)
    with Ledger(known.database_path) as ledger:
        stats = stats_from(ledger.conn, period, config=known, now=at(11, 0))
    assert stats.office_seconds == 2 * 3600  # 09:00-11:00, not the whole office day
    text = render_stats(stats, period, "ru")
    assert "/ нагрузка):" in text  # two office hours: a load to show
    with Ledger(known.database_path) as ledger:
        early = stats_from(ledger.conn, period, config=known, now=at(9, 10))
    assert "нагрузка" not in render_stats(early, period, "ru")  # ten minutes say nothing
