"""A :class:`~watcher.report.Report` as an Excel workbook (XlsxWriter) or CSV files.

XlsxWriter's ``constant_memory`` mode writes each row to a temporary file as soon as it
is complete, so a year's outgoing calls stream from SQLite to disk without piling up in
memory; it needs rows in order, which is how the report yields them. Every sheet gets a
frozen header row, an autofilter and column widths fitted to what was written; dates,
times and durations are real Excel values with a number format, never text.

CSV is for whoever wants plain files: one per sheet, UTF-8 with a BOM and ``;`` between
fields, which Russian Excel opens as it is (it expects ``;`` and decimal commas there).
"""

from __future__ import annotations

import csv
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter

from watcher.config import Config
from watcher.queries import reading
from watcher.report import (
    Change,
    LoadSheet,
    Report,
    Share,
    Sheet,
    Span,
    SummarySheet,
    Value,
    build_report,
)
from watcher.stats import Period
from watcher.texts import tr

MAX_WIDTH = 60
INCOMING_COLOUR = "#4C72B0"  # as in the chat's chart (bot/chart.py)
MISSED_COLOUR = "#DD5555"
# Нагрузка: quiet cells white, busy ones red, on each block's own range of values.
LOAD_SCALE = {
    "type": "2_color_scale",
    "min_color": "#FFFFFF",
    "max_color": "#F8696B",
}
SECONDS_PER_DAY = 86_400
_EXCEL_EPOCH = datetime(1899, 12, 31)
# Extensions ("201") and short numbers ("2345678") are labels, written as text on purpose:
# without this Excel flags each such cell with a green "number stored as text" triangle.
_TEXT_NUMBERS_OK = {"number_stored_as_text": "A1:XFD1048576"}
_SHEET_NAME_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})
# A CSV cell Excel opens as a formula: "=HYPERLINK(…)" in a contact's name, "+Ромашка",
# "@x", "-y" (#NAME? at best). Our own phone numbers ("+7 916 123-45-67") are no formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_SHAPED = re.compile(r"\+\d{1,3}( [\d-]+)+")  # display_number's form


@dataclass(frozen=True)
class _Style:
    """Number formats by language: what a Russian or an English Excel user reads."""

    date: str
    datetime: str
    decimal: str  # the decimal separator in CSV
    delimiter: str  # between a CSV's fields: what that Excel opens by a double click


_STYLES = {
    "ru": _Style("dd.mm.yyyy", "dd.mm.yyyy hh:mm", ",", ";"),
    "en": _Style("yyyy-mm-dd", "yyyy-mm-dd hh:mm", ".", ","),
}


def _style(language: str) -> _Style:
    return _STYLES.get(language, _STYLES["ru"])


def excel_serial(value: datetime | date | time) -> float:
    """Excel's number for a naive date, time or both, as XlsxWriter's write_datetime
    computes it (days since 1899-12-31, plus Excel's 29 February 1900)."""
    if isinstance(value, datetime):
        delta = value - _EXCEL_EPOCH
    elif isinstance(value, date):
        delta = datetime.fromordinal(value.toordinal()) - _EXCEL_EPOCH
    else:
        return (
            value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        ) / SECONDS_PER_DAY
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / SECONDS_PER_DAY
    return serial + 1 if serial > 59 else serial


def sheet_name(name: str) -> str:
    """Excel's rules for a sheet name: at most 31 characters, none of []:*?/\\."""
    return name.translate(_SHEET_NAME_BAD)[:31]


# -- xlsx -------------------------------------------------------------------------------------


class _Formats:
    def __init__(self, workbook: Any, language: str) -> None:
        style = _style(language)
        minutes = tr(language, "report_minutes")
        hours = tr(language, "report_hours")
        seconds = tr(language, "report_seconds")
        points = tr(language, "report_points")

        def add(**props: object) -> Any:
            return workbook.add_format(props)

        self.header = add(bold=True, bottom=1, text_wrap=False, valign="top")
        self.date = add(num_format=style.date)
        self.datetime = add(num_format=style.datetime)
        self.time = add(num_format="hh:mm:ss")
        self.span = add(num_format="[h]:mm:ss")
        self.share = add(num_format="0.0%")
        self.decimal = add(num_format="0.0")
        self.change = {
            "count": add(num_format="+0;-0;0"),
            "points": add(num_format=f'+0.0" {points}";-0.0" {points}";0'),
            "seconds": add(num_format=f'+0" {seconds}";-0" {seconds}";0'),
            "minutes": add(num_format=f'+0.0" {minutes}";-0.0" {minutes}";0'),
            "hours": add(num_format=f'+0.0" {hours}";-0.0" {hours}";0'),
        }


class _SheetWriter:
    """Writes rows in order and remembers how wide each column's text is."""

    def __init__(self, worksheet: Any, formats: _Formats, language: str) -> None:
        self.ws = worksheet
        self.formats = formats
        self.language = language
        self.widths: dict[int, int] = {}
        self._by_type: dict[type, Any] = {
            str: self._string,
            int: self._number,
            float: self._number,
            datetime: self._datetime,
        }

    def _width(self, col: int, chars: int) -> None:
        if chars > self.widths.get(col, 0):
            self.widths[col] = chars

    def header(self, row: int, first_col: int, names: list[str]) -> None:
        for offset, name in enumerate(names):
            self.ws.write_string(row, first_col + offset, name, self.formats.header)
            self._width(first_col + offset, len(name) + 2)  # room for the filter button

    def row(self, row: int, first_col: int, values: Iterable[Value]) -> None:
        cell = self.cell
        for offset, value in enumerate(values):
            if value is not None:
                cell(row, first_col + offset, value)

    def cell(self, row: int, col: int, value: Value) -> None:
        # By exact type first: a month's sheets are some 350k cells, and XlsxWriter's own
        # date conversion (write_datetime) costs twice the number it ends in.
        write = self._by_type.get(type(value))
        if write is not None:
            write(row, col, value)
        elif value is not None:
            self._other(row, col, value)

    def _number(self, row: int, col: int, value: Any) -> None:
        if isinstance(value, float) and not value.is_integer():
            self.ws.write_number(row, col, value, self.formats.decimal)
        else:
            self.ws.write_number(row, col, value)
        self._width(col, len(f"{value:g}"))

    def _string(self, row: int, col: int, value: Any) -> None:
        self.ws.write_string(row, col, value)
        self._width(col, len(value))

    def _datetime(self, row: int, col: int, value: Any) -> None:
        self.ws.write_number(row, col, excel_serial(value), self.formats.datetime)
        self._width(col, 16)

    def _other(self, row: int, col: int, value: Value) -> None:
        ws, f = self.ws, self.formats
        if isinstance(value, bool):  # before int: bool is an int
            text = tr(self.language, "report_yes" if value else "report_no")
            ws.write_string(row, col, text)
            self._width(col, len(text))
        elif isinstance(value, int | float):
            self._number(row, col, value)
        elif isinstance(value, str):
            self._string(row, col, value)
        elif isinstance(value, datetime):
            self._datetime(row, col, value)
        elif isinstance(value, date):
            ws.write_number(row, col, excel_serial(value), f.date)
            self._width(col, 10)
        elif isinstance(value, time):
            ws.write_number(row, col, excel_serial(value), f.time)
            self._width(col, 8)
        elif isinstance(value, Span):
            ws.write_number(row, col, value.seconds / SECONDS_PER_DAY, f.span)
            self._width(col, len(clock_duration(value.seconds)))
        elif isinstance(value, Share):
            ws.write_number(row, col, value.value, f.share)
            self._width(col, 6)
        elif isinstance(value, Change):
            ws.write_number(row, col, value.value, f.change[value.unit])
            self._width(col, 10)

    def fit(self) -> None:
        for col, chars in self.widths.items():
            self.ws.set_column(col, col, min(MAX_WIDTH, chars + 1))


class ReportNotWritten(Exception):
    """The target cannot be written: open in Excel (locked), no such folder, no rights."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason


def write_xlsx(report: Report, path: Path, *, tmpdir: Path | None = None) -> None:
    """The workbook at ``path``; rows stream through XlsxWriter's temporary files."""
    options: dict[str, object] = {"constant_memory": True}
    if tmpdir is not None:
        options["tmpdir"] = str(tmpdir)
    workbook = xlsxwriter.Workbook(str(path), options)
    formats = _Formats(workbook, report.language)
    for sheet in report.sheets:
        worksheet = workbook.add_worksheet(sheet_name(sheet.name))
        if isinstance(sheet, SummarySheet):
            _write_summary(workbook, worksheet, sheet, formats, report.language)
        else:
            _write_table(worksheet, sheet, formats, report.language)
        worksheet.ignore_errors(_TEXT_NUMBERS_OK)
    try:
        workbook.close()
    except xlsxwriter.exceptions.FileCreateError as error:
        # XlsxWriter wraps the OSError it met (as its argument, not as the cause).
        cause = next((a for a in error.args if isinstance(a, OSError)), None)
        reason = cause.strerror if cause is not None and cause.strerror else str(error)
        raise ReportNotWritten(path, reason) from error


def _write_table(worksheet: Any, sheet: Sheet, formats: _Formats, language: str) -> None:
    writer = _SheetWriter(worksheet, formats, language)
    writer.header(0, 0, sheet.header)
    last = 0
    for last, values in enumerate(sheet.rows, start=1):
        writer.row(last, 0, values)
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, last, len(sheet.header) - 1)
    if isinstance(sheet, LoadSheet) and last:
        # One rule per block, so Excel colours the cells by their values (and again when
        # someone edits them), not colours painted cell by cell.
        for first_col, last_col in sheet.blocks:
            worksheet.conditional_format(1, first_col, last, last_col, LOAD_SCALE)
    writer.fit()


def _write_summary(
    workbook: Any, worksheet: Any, sheet: SummarySheet, formats: _Formats, language: str
) -> None:
    """The figures from the top; the days below them (with the filter); the chart right."""
    writer = _SheetWriter(worksheet, formats, language)
    writer.header(0, 0, sheet.header)
    rows = list(sheet.rows)
    for index, values in enumerate(rows, start=1):
        writer.row(index, 0, values)
    days_top = len(rows) + 2
    writer.header(days_top, 0, sheet.days_header)
    for index, values in enumerate(sheet.days, start=days_top + 1):
        writer.row(index, 0, values)
    last = days_top + len(sheet.days)
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(days_top, 0, last, len(sheet.days_header) - 1)
    writer.fit()
    chart = workbook.add_chart({"type": "line" if sheet.line_chart else "column"})
    name = sheet_name(sheet.name)
    paint = "line" if sheet.line_chart else "fill"
    for col, colour in ((1, INCOMING_COLOUR), (2, MISSED_COLOUR)):
        chart.add_series(
            {
                "name": [name, days_top, col],
                "categories": [name, days_top + 1, 0, max(last, days_top + 1), 0],
                "values": [name, days_top + 1, col, max(last, days_top + 1), col],
                paint: {"color": colour},
            }
        )
    chart.set_title({"name": sheet.chart_title, "name_font": {"size": 12}})
    chart.set_x_axis({"date_axis": True, "num_format": _style(language).date})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 360})
    worksheet.insert_chart(0, len(sheet.header) + 1, chart)


# -- csv --------------------------------------------------------------------------------------


def clock_duration(seconds: float) -> str:
    """``1:02:05``: what Excel reads back as a duration from a CSV cell."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def csv_text(text: str) -> str:
    """Text as a CSV cell that Excel shows as text: a leading ``'`` before what it would
    take for a formula (Excel hides that mark; OWASP's advice on CSV injection)."""
    if text.startswith(_FORMULA_START) and not _PHONE_SHAPED.fullmatch(text):
        return "'" + text
    return text


def csv_value(value: Value, language: str) -> str:
    """One cell as text, the way a spreadsheet in ``language`` parses it back."""
    style = _style(language)

    def number(x: float, digits: int = 1) -> str:
        text = f"{x:.{digits}f}" if not float(x).is_integer() else f"{int(x)}"
        return text.replace(".", style.decimal)

    if value is None:
        return ""
    if isinstance(value, bool):
        return tr(language, "report_yes" if value else "report_no")
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M:%S" if language == "ru" else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y" if language == "ru" else "%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, Span):
        return clock_duration(value.seconds)
    if isinstance(value, Share):
        return number(value.value * 100) + "%"
    sign = "+" if value.value > 0 else ""
    if value.unit == "count":
        return sign + number(value.value)
    unit = tr(language, f"report_{value.unit}")  # as the workbook shows it: "+7,8 мин"
    digits = 0 if value.unit == "seconds" else 1
    return f"{sign}{number(round(value.value, digits), digits)} {unit}"


def write_csv(report: Report, folder: Path, *, prefix: str = "") -> list[Path]:
    """One ``<prefix><sheet>.csv`` per sheet in ``folder``; the paths written."""
    try:
        return _write_csv(report, folder, prefix)
    except OSError as error:
        path = Path(error.filename) if error.filename else folder
        raise ReportNotWritten(path, error.strerror or str(error)) from error


def _write_csv(report: Report, folder: Path, prefix: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in report.sheets:
        path = folder / f"{prefix}{sheet_name(sheet.name)}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle, delimiter=_style(report.language).delimiter)
            out.writerow([csv_text(name) for name in sheet.header])
            for values in sheet.rows:
                out.writerow([csv_value(v, report.language) for v in values])
            if isinstance(sheet, SummarySheet):
                out.writerow([])
                out.writerow([csv_text(name) for name in sheet.days_header])
                for values in sheet.days:
                    out.writerow([csv_value(v, report.language) for v in values])
        written.append(path)
    return written


# -- one call for the CLI and the bot ----------------------------------------------------------


def report_stem(period: Period) -> str:
    """``perezvon-YYYY-MM-DD..YYYY-MM-DD``: the period's first and last day."""
    return f"perezvon-{period.start.date()}..{period.last_day}"


def is_csv_target(target: Path) -> bool:
    """``x.csv`` or a folder (existing, or named without a suffix) means CSV files."""
    return target.suffix.lower() == ".csv" or target.is_dir() or not target.suffix


def save_report(
    conn: sqlite3.Connection,
    config: Config,
    period: Period,
    target: Path,
    *,
    department: str | None = None,
    language: str | None = None,
    tmpdir: Path | None = None,
) -> list[Path]:
    """Build the report and write it: ``.xlsx`` as a workbook, else CSV (see
    :func:`is_csv_target`); returns the files written."""
    report = build_report(conn, config, period, department=department, language=language)
    if not is_csv_target(target):
        write_xlsx(report, target, tmpdir=tmpdir)
        return [target]
    if target.suffix.lower() == ".csv":
        return write_csv(report, target.parent, prefix=f"{target.stem}-")
    return write_csv(report, target)


def make_report(
    database: Path,
    config: Config,
    period: Period,
    target: Path,
    *,
    department: str | None = None,
    language: str | None = None,
    tmpdir: Path | None = None,
) -> list[Path]:
    """:func:`save_report` on a reader connection of its own (any thread)."""
    with reading(database) as conn:
        return save_report(
            conn,
            config,
            period,
            target,
            department=department,
            language=language,
            tmpdir=tmpdir,
        )


def workbook_bytes(
    database: Path,
    config: Config,
    period: Period,
    department: str | None = None,
    language: str | None = None,
) -> bytes:
    """The period's workbook as the bytes of an .xlsx file, built in a temporary folder
    (XlsxWriter streams its rows through files there) on a reader connection of its own:
    for any thread or process."""
    with tempfile.TemporaryDirectory(prefix="perezvon-report-") as folder:
        path = Path(folder) / "report.xlsx"
        make_report(
            database,
            config,
            period,
            path,
            department=department,
            language=language,
            tmpdir=Path(folder),
        )
        return path.read_bytes()
