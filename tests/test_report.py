"""The managers' workbook: report periods, every sheet read back with openpyxl, CSV, and
`perezvon report`, on two weeks of generated traffic."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from bot import cli
from tests.conftest import PHONE_CONFIG
from tests.generated_office import GeneratedOffice, build_generated_office
from tests.stats_reference import reference_stats
from watcher.config import Config, parse_config
from watcher.contacts import employee_keys
from watcher.ledger import Ledger
from watcher.models import to_text
from watcher.report import Change, Share, Span, previous_period
from watcher.schema import CALLERS_FROM_CALLS
from watcher.stats import Period, days_period, parse_period
from watcher.vocab import CaseStatus
from watcher.workbook import csv_value, excel_serial, make_report, report_stem

TODAY = dt.date(2024, 5, 8)  # a Wednesday
SHEETS_RU = [
    "Сводка",
    "Пропущенные",
    "Входящие",
    "Исходящие",
    "Операторы",
    "Новые клиенты",
    "Частые абоненты",
    "Нагрузка",
]
SHEETS_EN = [
    "Summary",
    "Missed",
    "Incoming",
    "Outgoing",
    "Operators",
    "New callers",
    "Frequent callers",
    "Load",
]


# -- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("год", dt.date(2024, 1, 1), TODAY),
        ("year", dt.date(2024, 1, 1), TODAY),
        ("квартал", dt.date(2024, 4, 1), TODAY),
        ("Quarter", dt.date(2024, 4, 1), TODAY),
        ("прошлая неделя", dt.date(2024, 4, 29), dt.date(2024, 5, 5)),
        ("Last  Week", dt.date(2024, 4, 29), dt.date(2024, 5, 5)),
        ("прошлый месяц", dt.date(2024, 4, 1), dt.date(2024, 4, 30)),
        ("last month", dt.date(2024, 4, 1), dt.date(2024, 4, 30)),
        ("06.05.2024", dt.date(2024, 5, 6), dt.date(2024, 5, 6)),
        ("01.04.2024..15.04.2024", dt.date(2024, 4, 1), dt.date(2024, 4, 15)),
        ("2024-04-01..30.04.2024", dt.date(2024, 4, 1), dt.date(2024, 4, 30)),
        ("неделя", dt.date(2024, 5, 2), TODAY),
        ("вчера", dt.date(2024, 5, 7), dt.date(2024, 5, 7)),
    ],
)
def test_report_periods(text: str, first: dt.date, last: dt.date) -> None:
    assert parse_period(text, TODAY) == days_period(first, last)


def test_calendar_periods_at_year_ends() -> None:
    assert parse_period("last month", dt.date(2024, 1, 15)) == days_period(
        dt.date(2023, 12, 1), dt.date(2023, 12, 31)
    )
    assert parse_period("quarter", dt.date(2024, 12, 31)).start == dt.datetime(2024, 10, 1)
    monday = parse_period("last week", dt.date(2024, 5, 6))  # on a Monday
    assert monday.label == "2024-04-29..2024-05-05" and monday.days == 7


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("год", dt.date(2024, 1, 1), TODAY),
        ("last week", dt.date(2024, 4, 29), dt.date(2024, 5, 5)),
        ("06.05.2024", dt.date(2024, 5, 6), dt.date(2024, 5, 6)),
    ],
)
def test_stats_load_and_report_take_the_same_periods(
    text: str, first: dt.date, last: dt.date
) -> None:
    """`/stats 07.12.2026` and `/stats прошлая неделя` used to be refused where /report
    took them: one parser, one set of words, for every command."""
    assert parse_period(text, TODAY) == days_period(first, last)


def test_bad_periods_name_every_form() -> None:
    with pytest.raises(ValueError, match=r"last week, last month, YYYY-MM-DD, DD\.MM\.YYYY"):
        parse_period("31.02.2024", TODAY)
    with pytest.raises(ValueError, match="goes backwards"):
        parse_period("10.05.2024..01.05.2024", TODAY)


def test_previous_period_has_the_same_length() -> None:
    period = days_period(dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    before = previous_period(period)
    assert before == days_period(dt.date(2024, 3, 2), dt.date(2024, 3, 31))
    assert previous_period(days_period(TODAY, TODAY)).label == "2024-05-07"
    assert report_stem(period) == "perezvon-2024-04-01..2024-04-30"


# -- the workbook -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedOffice:
    folder = tmp_path_factory.mktemp("report-office")
    contacts = folder / "contacts.csv"
    contacts.write_text("89267003040,Иван Клиентов,ООО «Ромашка»\n", encoding="utf-8")
    data = {**PHONE_CONFIG, "rules": {**PHONE_CONFIG["rules"], "contacts_csv": str(contacts)}}
    return build_generated_office(parse_config(data, base_dir=folder))


def whole(office: GeneratedOffice) -> Period:
    return parse_period(f"{office.first_day}..{office.last_day}", office.last_day)


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


@pytest.fixture(scope="module")
def workbook(
    generated: GeneratedOffice, tmp_path_factory: pytest.TempPathFactory
) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    assert make_report(generated.database, generated.config, whole(generated), path) == [path]
    return openpyxl.load_workbook(path)


def test_sheets_headers_filters_and_widths(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == SHEETS_RU
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref, sheet.title
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1] if c.value]
        assert all(w and w > 4 for w in widths), (sheet.title, widths)
    missed = workbook["Пропущенные"]
    assert [c.value for c in missed[1]][:6] == [
        "Телефон",
        "Контакт",
        "Компания",
        "Новый клиент",
        "Отдел",
        "Первый звонок",
    ]
    assert missed.auto_filter.ref == f"A1:P{missed.max_row}"
    assert [c.value for c in workbook["Входящие"][1]] == [
        "Дата",
        "Час",
        "Отдел",
        "Входящих",
        "Отвечено",
        "Пропущено",
        "Короткие сбросы",
        "Доля пропущенных",
        "Пропущено: в нерабочее время",
        "Пропущено: группа не ответила",
        "Пропущено: положили трубку",
        "Пропущено: без ответа",
        "Пропущено: причина неизвестна",
        "Скорость ответа, медиана",
        "Скорость ответа, 90%",
        "Отвечено за 20 с",
        "Положившие трубку ждали, медиана",
        "Положившие трубку ждали, 90%",
    ]


def test_summary_beside_the_previous_period_with_a_native_chart(
    workbook: openpyxl.Workbook, generated: GeneratedOffice
) -> None:
    period = whole(generated)
    sheet = workbook["Сводка"]
    with Ledger(generated.database) as ledger:
        now = reference_stats(ledger, period)
        before = reference_stats(ledger, previous_period(period))
    header = [c.value for c in sheet[1]][:4]
    assert header == [
        "Показатель · все отделы",
        period.shown("ru"),
        previous_period(period).shown("ru"),
        "Изменение",
    ]
    figures = {row[0]: row[1:4] for row in rows(sheet) if row[0]}
    assert figures["Входящих"] == (now.incoming, before.incoming, now.incoming - before.incoming)
    assert figures["Пропущено"][0] == now.missed
    assert figures["Случаев пропуска"][0] == now.cases_total
    assert figures["  отмечено в чате"][0] == now.closed_by_user
    assert figures["Без ответа (история)"][0] == now.cases_expired
    median = figures["Медиана до перезвона"][0]
    assert isinstance(median, dt.timedelta)  # a real duration, not text
    assert median.total_seconds() == pytest.approx(now.median_callback_seconds, abs=0.5)
    assert 0 < figures["Доля пропущенных"][0] < 1
    assert sheet.cell(row=5, column=2).number_format == "0.0%"
    days = [row for row in rows(sheet) if isinstance(row[0], dt.datetime)]
    assert len(days) == period.days
    assert sum(r[1] for r in days) == now.incoming and sum(r[2] for r in days) == now.missed
    [chart] = sheet._charts
    assert chart.tagname == "barChart" and len(chart.series) == 2


def test_missed_sheet_has_one_row_per_case(
    workbook: openpyxl.Workbook, generated: GeneratedOffice
) -> None:
    period = whole(generated)
    with Ledger(generated.database) as ledger:
        cases = ledger.cases_between(period.start, period.end)
    table = rows(workbook["Пропущенные"])
    assert len(table) == len(cases)
    assert [r[5] for r in table] == [c.first_at for c in cases]  # real datetimes, in order
    statuses = Counter(r[10] for r in table)
    assert set(statuses) == {
        "перезвонили (по журналу)",
        "клиент дозвонился сам",
        "отмечено в чате",
        "не перезвонили (история)",
        None,
    }
    by_user = [r for r in table if r[10] == "отмечено в чате"]
    assert all(r[11].startswith("Оператор") and r[13] is not None for r in by_user)
    waiting = [r for r in table if r[9] == "ждёт перезвона"]
    assert waiting and all(r[12] is None and r[14] is None for r in waiting)
    called = [r for r in table if r[10] == "перезвонили (по журналу)"]
    assert all(r[11].startswith("доб. ") and r[14] in ("да", "нет") for r in called)
    assert all(isinstance(r[13], int | float) for r in called)
    # A caller who got through on their own was not called back: no one to name as the
    # caller back, no callback time, no minutes to callback, no SLA verdict.
    through = [r for r in table if r[10] == "клиент дозвонился сам"]
    assert through and all(r[11:15] == (None, None, None, None) for r in through)


def test_incoming_per_hour_and_department_adds_up(
    workbook: openpyxl.Workbook, generated: GeneratedOffice
) -> None:
    with Ledger(generated.database) as ledger:
        now = reference_stats(ledger, whole(generated))
    table = rows(workbook["Входящие"])
    assert sum(r[3] for r in table) == now.incoming
    assert sum(r[5] for r in table) == now.missed
    assert {r[2] for r in table} == {"Отдел продаж", "Сервис"}
    assert all(isinstance(r[0], dt.datetime) and 0 <= r[1] <= 23 for r in table)
    assert all(r[7] == pytest.approx(r[5] / r[3]) for r in table)
    # Every missed call has one reason: short abandons and the five other reason columns.
    assert all(r[6] + sum(r[8:13]) == r[5] for r in table)
    assert sum(r[6] for r in table) + sum(sum(r[8:13]) for r in table) == now.missed
    slots = [(r[0], r[1], r[2]) for r in table]
    assert slots == sorted(set(slots), key=slots.index) and len(set(slots)) == len(slots)


def test_outgoing_and_operators(workbook: openpyxl.Workbook, generated: GeneratedOffice) -> None:
    period = whole(generated)
    with Ledger(generated.database) as ledger:
        calls = ledger.calls_between(period.start, period.end)
        now = reference_stats(ledger, period)
    outgoing = [c for c in calls if c["direction"] == "out"]
    table = rows(workbook["Исходящие"])
    assert len(table) == len(outgoing)
    # Дата, Время, Доб., Оператор, Телефон, Контакт, Компания, Разговор
    assert [r[7].total_seconds() for r in table] == [c["duration"] for c in outgoing]
    assert isinstance(table[0][1], dt.time)
    assert any(r[5] == "Иван Клиентов" and r[6] == "ООО «Ромашка»" for r in table)
    assert all(r[3] is None for r in table)  # no operator linked in this office
    operators = rows(workbook["Операторы"])
    # Доб., Оператор, Отвечено, Пропущено, Исходящих, Разговор, Нагрузка, Перезвонов, …
    assert [(r[0], r[2], r[3], r[4], r[7]) for r in operators] == [
        (o.extension, o.answered, o.missed, o.outgoing, o.callbacks) for o in now.operators
    ]
    assert [r[5].total_seconds() for r in operators] == [o.talk_seconds for o in now.operators]
    office = period.end - period.start
    assert [r[6] for r in operators] == [
        pytest.approx(o.talk_seconds / office.total_seconds()) for o in now.operators
    ]
    callers = [r for r in operators if r[7]]
    assert callers and all(r[8] > 0 and 0 <= r[9] <= 1 for r in callers)


def test_new_callers_are_first_time_numbers(
    workbook: openpyxl.Workbook, generated: GeneratedOffice
) -> None:
    period = whole(generated)
    with Ledger(generated.database) as ledger:
        everything = ledger.calls_between(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))
    first: dict[str, dict[str, Any]] = {}
    for call in everything:  # ordered by time
        if call["remote"] and call["remote"] not in first:
            first[call["remote"]] = call
    staff = employee_keys(generated.config.rules.employee_numbers)
    expected = {
        remote
        for remote, call in first.items()
        if call["direction"] == "in"
        and period.start <= dt.datetime.fromisoformat(call["started_at"]) < period.end
        and remote not in staff
    }
    table = rows(workbook["Новые клиенты"])
    assert len(table) == len(expected) > 10
    assert all(r[5] in ("да", "нет") for r in table)
    assert all((r[6] is None) == (r[5] == "да") for r in table)  # called back: missed only
    assert all(isinstance(r[8], int) for r in table)


def test_frequent_callers_most_calls_first(
    workbook: openpyxl.Workbook, generated: GeneratedOffice
) -> None:
    period = whole(generated)
    with Ledger(generated.database) as ledger:
        calls = ledger.calls_between(period.start, period.end)
        missed = (c["fingerprint"] for c in calls if c["direction"] == "in" and not c["duration"])
        legs = ledger.leg_fingerprints(missed)
    counts: Counter[str] = Counter(
        c["remote"]
        for c in calls
        if c["direction"] == "in" and c["remote"] and c["fingerprint"] not in legs
    )
    staff = employee_keys(generated.config.rules.employee_numbers)
    expected = {r: n for r, n in counts.items() if n >= 2 and r not in staff}
    sheet = workbook["Частые абоненты"]
    assert [c.value for c in sheet[1]] == [
        "Телефон",
        "Контакт",
        "Компания",
        "Звонков",
        "Отвечено",
        "Пропущено",
        "Случаев пропуска",
        "Перезвонили",
        "Первый звонок",
        "Последний звонок",
    ]
    table = rows(sheet)
    assert len(table) == len(expected) > 5
    assert sorted((r[3] for r in table), reverse=True) == [r[3] for r in table]
    assert sum(r[3] for r in table) == sum(expected.values())
    assert all(r[3] == r[4] + r[5] and r[7] <= r[6] for r in table)
    assert all(isinstance(r[8], dt.datetime) and r[8] <= r[9] for r in table)


def test_english_and_one_department(generated: GeneratedOffice, tmp_path: Path) -> None:
    path = tmp_path / "service.xlsx"
    period = whole(generated)
    make_report(
        generated.database, generated.config, period, path, department="Сервис", language="en"
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS_EN
    assert book["Summary"]["A1"].value == "Figure · Сервис"
    assert book["Summary"]["A2"].value == "Incoming calls"
    assert {r[4] for r in rows(book["Missed"])} == {"Сервис"}
    assert {r[2] for r in rows(book["Incoming"])} == {"Сервис"}
    assert book["Missed"]["A1"].value == "Phone"
    with Ledger(generated.database) as ledger:
        service = [
            c for c in ledger.cases_between(period.start, period.end) if c.department == "Сервис"
        ]
    assert len(rows(book["Missed"])) == len(service)


# -- csv ------------------------------------------------------------------------------------


def test_csv_values_read_as_numbers_in_russian_excel() -> None:
    assert csv_value(Share(0.125), "ru") == "12,5%"
    assert csv_value(Share(0.125), "en") == "12.5%"
    assert csv_value(Span(3725), "ru") == "1:02:05"
    assert csv_value(dt.datetime(2024, 5, 6, 10, 42), "ru") == "06.05.2024 10:42:00"
    assert csv_value(dt.date(2024, 5, 6), "en") == "2024-05-06"
    assert csv_value(Change(-3, "count"), "ru") == "-3"
    # A change says its unit, as the workbook's number format does.
    assert csv_value(Change(2.5, "minutes"), "ru") == "+2,5 мин"
    assert csv_value(Change(1.84, "points"), "ru") == "+1,8 п. п."
    assert csv_value(Change(-1.0, "seconds"), "en") == "-1 s"
    assert csv_value(True, "ru") == "да" and csv_value(None, "ru") == ""


def test_csv_file_and_folder(generated: GeneratedOffice, tmp_path: Path) -> None:
    period = whole(generated)
    written = make_report(generated.database, generated.config, period, tmp_path / "x.csv")
    assert [p.name for p in written] == [f"x-{name}.csv" for name in SHEETS_RU]
    raw = written[1].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["Телефон", "Контакт", "Компания"]
    with Ledger(generated.database) as ledger:
        assert len(table) - 1 == len(ledger.cases_between(period.start, period.end))
    folder = tmp_path / "csv"
    written = make_report(generated.database, generated.config, period, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.csv" for n in SHEETS_RU)
    summary = (folder / "Сводка.csv").read_text(encoding="utf-8-sig")
    assert "Доля пропущенных;" in summary and "%" in summary
    # An English Excel opens a CSV by a double click with commas between the fields.
    english = tmp_path / "en"
    make_report(generated.database, generated.config, period, english, language="en")
    rows = list(csv.reader(io.StringIO((english / "Missed.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Phone", "Contact", "Company"]


# -- perezvon report ------------------------------------------------------------------------


def test_the_command_line_writes_the_workbook(
    generated: GeneratedOffice,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "perezvon.toml"
    config.write_text(
        "\n".join(
            [
                "[source]",
                f'path = "{generated.config.source.path.as_posix()}"',
                "[database]",
                f'path = "{generated.database.as_posix()}"',
                "[[department]]",
                'name = "Отдел продаж"',
                'extensions = ["620", "201-209"]',
                "default = true",
                "[[department]]",
                'name = "Сервис"',
                'extensions = ["630"]',
            ]
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    first, last = generated.first_day, generated.last_day
    period = f"{first:%d.%m.%Y}..{last:%d.%m.%Y}"
    assert cli.main(["-c", str(config), "report", period]) == 0
    name = f"perezvon-{first}..{last}.xlsx"
    assert capsys.readouterr().out.strip() == f"Записано: {name}"
    assert openpyxl.load_workbook(tmp_path / name).sheetnames == SHEETS_RU
    out = tmp_path / "out.xlsx"
    args = ["-c", str(config), "report", period, "-o", str(out), "--department", "Сервис"]
    assert cli.main([*args, "--lang", "en"]) == 0
    assert openpyxl.load_workbook(out)["Summary"]["A1"].value == "Figure · Сервис"
    assert cli.main(["-c", str(config), "report", "someday"]) == 2
    assert "не понял период «someday»" in capsys.readouterr().err
    assert cli.main(["-c", str(config), "report", "week", "-o", "x.txt"]) == 2
    assert cli.main(["-c", str(config), "report", "week", "--department", "Склад"]) == 2
    # A target that cannot be written (no such folder here; Excel holding it open on
    # Windows): the reason and the fix, not XlsxWriter's traceback.
    capsys.readouterr()
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    for target, folder in ((tmp_path / "no such folder" / "r.xlsx", "no such folder"),
                           (blocked / "r.csv", "a file")):  # fmt: skip
        assert cli.main(["-c", str(config), "report", period, "-o", str(target)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"ошибка: не удалось записать {tmp_path / folder}"), err
        assert "Traceback" not in err
        # Excel is the hint for a file that cannot be written, not for a missing folder.
        if folder == "no such folder":
            assert err.endswith(
                f": папки {target.parent} нет. Создайте её или укажите в -o путь в"
                " существующей папке\n"
            ), err
            assert "закройте" not in err
        else:
            assert "закройте" in err


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 5, 6, 10, 42, 7, 250_000),
        dt.datetime(1900, 2, 28, 23, 59),
        dt.datetime(1900, 3, 1, 0, 0, 1),
        dt.date(2024, 2, 29),
        dt.date(1900, 1, 5),
        dt.time(0, 0),
        dt.time(23, 59, 59, 500_000),
    ],
)
def test_excel_serial_is_xlsxwriters_number(value: dt.datetime | dt.date | dt.time) -> None:
    """The workbook writes dates as numbers itself; Excel must read the same moment."""
    from xlsxwriter.utility import _datetime_to_excel_datetime

    assert excel_serial(value) == _datetime_to_excel_datetime(value, False, False)


def test_changes_are_in_the_unit_of_their_figure() -> None:
    """20 s against 19 s read "+0.0 мин", and a share's change "+1.8%" where it is
    percentage points: seconds for figures of seconds, п. п. for shares."""
    from watcher.report import _change

    assert _change("span", 20, 19) == Change(1, "seconds")
    assert _change("span", 1500, 1020) == Change(8, "minutes")
    assert _change("share", 0.268, 0.25) == Change(pytest.approx(1.8), "points")
    assert _change("count", 5, 7) == Change(-2, "count")
    assert _change("count", None, 7) is None


def test_an_empty_period_has_no_miss_rate(generated: GeneratedOffice, tmp_path: Path) -> None:
    """0 of 0 is no rate: the Сводка leaves it blank, as Входящие and Нагрузка do."""
    period = days_period(dt.date(2000, 1, 3), dt.date(2000, 1, 9))
    path = tmp_path / "empty.xlsx"
    make_report(generated.database, generated.config, period, path)
    sheet = openpyxl.load_workbook(path)["Сводка"]
    figures = {row[0]: row[1] for row in rows(sheet) if row[0]}
    assert figures["Входящих"] == 0 and figures["Доля пропущенных"] is None


def test_csv_text_never_opens_as_a_formula(generated: GeneratedOffice, tmp_path: Path) -> None:
    """A contact named "=HYPERLINK(…)" (or a company "+Ромашка", a Telegram name "@x")
    went into the CSV as it was, and Excel opened the cell as a live formula: such text
    gets Excel's text mark, the workbook keeps it as a string, phone numbers stay as
    they are."""
    contacts = tmp_path / "contacts.csv"
    link = '=HYPERLINK("http://example.com";"click")'
    contacts.write_text(f"89267003040,{link},+Ромашка\n", encoding="utf-8")
    rules = dataclasses.replace(generated.config.rules, contacts_csv=contacts)
    config = dataclasses.replace(generated.config, rules=rules)
    period = whole(generated)
    folder = tmp_path / "csv"
    make_report(generated.database, config, period, folder)
    raw = (folder / "Исходящие.csv").read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(raw), delimiter=";"))
    marked = [r for r in table[1:] if r[4] == "+7 926 700-30-40"]
    assert marked and all(r[5:7] == [f"'{link}", "'+Ромашка"] for r in marked)
    cells = [cell for name in SHEETS_RU for row in csv.reader(
        io.StringIO((folder / f"{name}.csv").read_text(encoding="utf-8-sig")), delimiter=";"
    ) for cell in row]  # fmt: skip
    assert not [c for c in cells if c[:1] in ("=", "@")]
    assert any(c.startswith("+7 ") for c in cells)  # phone numbers as they were
    assert csv_value("-Петров", "ru") == "'-Петров" and csv_value("@x", "en") == "'@x"
    assert csv_value("+7 916 123-45-67", "ru") == "+7 916 123-45-67"
    assert csv_value("+1-2", "ru") == "'+1-2"  # Excel computed -1 of a contact so named
    book = make_report(generated.database, config, period, tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(book[0])["Исходящие"]
    names = {(c.value, c.data_type) for c in sheet["F"] if c.value and c.value != "Контакт"}
    assert names == {(link, "s")}


def test_a_new_callers_later_calls_leave_the_missed_legs_out(
    phone_config: Callable[..., Config], tmp_path: Path
) -> None:
    """Новые клиенты said a caller "called again" 3 times where Частые абоненты counted
    3 calls in all: the missed leg of a ring-group call that a colleague answered was
    counted as a call of its own, as no other sheet counts it."""
    config = phone_config()
    monday = dt.datetime(2024, 5, 6, 10, 0)

    def call(n: int, at: dt.datetime, extension: str, duration: int) -> dict[str, object]:
        return {
            "fingerprint": f"c{n}",
            "record_index": n,
            "started_at": to_text(at),
            "duration": duration,
            "ring_seconds": 8,
            "extension": extension,
            "co_line": "",
            "direction": "in",
            "remote": "+79161234567",
            "miss_reason": None if duration else "unanswered",
        }

    tuesday, wednesday = monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)
    calls = [
        call(1, monday, "201", 60),  # the first call ever, answered
        call(2, tuesday, "620", 0),  # the group rang out here…
        call(3, tuesday, "202", 90),  # …and a colleague answered the same call
        call(4, wednesday, "203", 30),
    ]
    with Ledger(config.database_path) as ledger, ledger.transaction():
        for row in calls:
            names, marks = ", ".join(row), ", ".join("?" * len(row))
            ledger.conn.execute(f"INSERT INTO calls ({names}) VALUES ({marks})", [*row.values()])
        ledger.conn.execute(
            "INSERT INTO legs (missed_fingerprint, answered_fingerprint, extension)"
            " VALUES ('c2', 'c3', '202')"
        )
        ledger.conn.execute(CALLERS_FROM_CALLS)
    path = tmp_path / "week.xlsx"
    period = days_period(monday.date(), monday.date() + dt.timedelta(days=6))
    make_report(config.database_path, config, period, path)
    book = openpyxl.load_workbook(path)
    [frequent] = rows(book["Частые абоненты"])
    [new] = rows(book["Новые клиенты"])
    assert frequent[3] == 3  # Звонков
    assert new[0] == "+7 916 123-45-67" and new[8] == frequent[3] - 1 == 2  # Звонил ещё


def test_extensions_as_text_raise_no_excel_warning(
    generated: GeneratedOffice, tmp_path: Path
) -> None:
    """Доб. "201" is a label, kept as text, and Excel marked every such cell (Операторы,
    Исходящие, short phone numbers) with a green "number stored as text" triangle."""
    path = tmp_path / "r.xlsx"
    make_report(generated.database, generated.config, whole(generated), path)
    book = openpyxl.load_workbook(path)
    extensions = [r[0] for r in rows(book["Операторы"])]
    assert extensions and all(isinstance(e, str) and e.isdigit() for e in extensions)
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == len(SHEETS_RU)
        for name in sheets:
            xml = archive.read(name).decode()
            assert '<ignoredError sqref="A1:XFD1048576" numberStoredAsText="1"/>' in xml, name


def test_new_callers_say_how_each_missed_first_call_ended(
    phone_config: Callable[..., Config], tmp_path: Path
) -> None:
    """Сводка counted the new numbers called back, got through, not needing a callback and
    not reached yet; Новые клиенты said "Перезвонили: нет" for all but the first, so a
    manager filtering "нет" for the callers still waiting found those who had got through
    on their own too. The column now names the same outcomes, the counts agree."""
    from tests.test_report_wording import closed_case
    from watcher.schema import CASES
    from watcher.vocab import ClosedHow

    config = phone_config()
    monday = dt.datetime(2024, 5, 6, 10, 0)
    cases = [
        closed_case(1, ClosedHow.CALL, monday),
        closed_case(2, ClosedHow.ANSWER, monday + dt.timedelta(minutes=5)),
        closed_case(3, ClosedHow.NOT_NEEDED, monday + dt.timedelta(minutes=10)),
        dataclasses.replace(
            closed_case(4, ClosedHow.CALL, monday + dt.timedelta(minutes=15)),
            status=CaseStatus.OPEN,
            closed_how=None,
            closed_at=None,
        ),
    ]
    with Ledger(config.database_path) as ledger, ledger.transaction():
        for n, case in enumerate(cases, start=1):
            ledger.conn.execute(
                "INSERT INTO calls (fingerprint, record_index, started_at, duration,"
                " ring_seconds, extension, co_line, direction, remote, miss_reason)"
                " VALUES (?, ?, ?, 0, 20, '620', '', 'in', ?, 'unanswered')",
                [f"c{n}", n, to_text(case.first_at), case.remote],
            )
            ledger.conn.execute(CASES.insert_sql("cases"), CASES.values(case))
        ledger.conn.execute(  # a short abandon: no case, never posted
            "INSERT INTO calls (fingerprint, record_index, started_at, duration,"
            " ring_seconds, extension, co_line, direction, remote, miss_reason)"
            " VALUES ('c5', 5, ?, 0, 2, '620', '', 'in', '+79160009999', 'short_abandon')",
            [to_text(monday + dt.timedelta(minutes=20))],
        )
        ledger.conn.execute(CALLERS_FROM_CALLS)
    period = days_period(monday.date(), monday.date())
    for language, expected in (
        ("ru", ["да", "клиент дозвонился сам", "не нужно перезванивать", "нет",
                "сбросили сразу (не публикуются)"]),
        ("en", ["yes", "the caller got through", "no callback needed", "no",
                "hung up at once (not posted)"]),
    ):  # fmt: skip
        path = tmp_path / f"{language}.xlsx"
        make_report(config.database_path, config, period, path, language=language)
        book = openpyxl.load_workbook(path)
        summary, new_callers = book.worksheets[0], book.worksheets[5]
        assert [r[6] for r in rows(new_callers)] == expected
        figures = [r[1] for r in rows(summary) if isinstance(r[0], str) and r[0][:2] == "  "]
        # перезвонили, дозвонились сами, не нужно перезванивать, ещё не дозвонились, сбросили
        assert figures[-5:] == [1, 1, 1, 1, 1]


def test_a_change_of_many_hours_reads_in_hours() -> None:
    """A month's talk time against an empty month before read "+12126,5 мин" in Сводка's
    Изменение: spans of ten hours or more change by hours, "+202,1 ч"."""
    from watcher.report import _change

    assert _change("span", 727_590, 0) == Change(pytest.approx(202.1, abs=0.01), "hours")
    assert _change("span", 36_000, 35_000) == Change(pytest.approx(1000 / 3600), "hours")
    assert _change("span", 35_999, 1020) == Change(pytest.approx(582.98, abs=0.01), "minutes")
    assert csv_value(Change(202.075, "hours"), "ru") == "+202,1 ч"
    assert csv_value(Change(-3.5, "hours"), "en") == "-3.5 h"
    book = xlsxwriter.Workbook(io.BytesIO())
    from watcher.workbook import _Formats

    formats = _Formats(book, "ru")
    assert formats.change["hours"].num_format == '+0.0" ч";-0.0" ч";0'
    book.close()
