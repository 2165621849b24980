"""`perezvon check` fails on a table whose recent rows are not calls or read wrong, and the
watcher logs a row-by-row problem for the first rows only, then a count."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PhoneRows
from tests.test_cli import run_cli, write_config
from watcher.dbf_reader import guess_cyrillic
from watcher.ingest import ROW_WARNINGS_LOGGED, Ingestor
from watcher.ledger import Ledger
from watcher.normalise import RowError, to_call
from watcher.sample import looks_like_hhmmss
from watcher.sim.wintariff import WINTARIFF_FIELDS, CallsDbfWriter, FieldSpec, make_row

DAY = dt.datetime(2026, 11, 20, 9, 0, 0)
TEXT_DATE = tuple(FieldSpec("DATE", "C", 10) if f.name == "DATE" else f for f in WINTARIFF_FIELDS)


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


def office_rows(count: int = 12) -> list[dict[str, object]]:
    """A working day's rows, one every 40 minutes from 09:00."""
    return [
        make_row(
            when=DAY + dt.timedelta(minutes=40 * i),
            duration=0 if i % 3 == 0 else 60,
            extension="620",
            callerid=f"8916123{i:04d}",
            calltype="I",
            ring=15,
        )
        for i in range(count)
    ]


def check(tmp_path: Path, dbf: CallsDbfWriter) -> tuple[int, str]:
    code, out, err = run_cli("-c", str(write_config(tmp_path, dbf.path)), "check")
    return code, out + err


def test_itime_as_hhmmss_fails_check_with_a_hint(tmp_path: Path) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    rows = office_rows()
    for row in rows:
        seconds = int(row["ITIME"])  # type: ignore[call-overload]
        row["ITIME"] = seconds // 3600 * 10000 + seconds % 3600 // 60 * 100 + seconds % 60
    dbf.append_many(rows)
    code, out = check(tmp_path, dbf)
    assert code == 1
    assert "ERROR: 12 of the last 12 rows are not calls" in out
    assert "ITIME looks like HHMMSS (90000 = 09:00:00)" in out
    assert "not a call: time of day out of range" in out
    # An import of that table (a day more of it) says so as well, and fails, instead of
    # counting bad rows.
    dbf.append_many(rows)
    config = str(tmp_path / "perezvon.toml")
    code, out, err = run_cli("-c", config, "import", str(dbf.path))
    assert code == 1
    assert "ERROR: 24 rows of the table could not be read as calls" in err
    assert "Run perezvon check" in err


def test_an_import_resumed_over_a_few_new_rows_is_not_judged_by_them(tmp_path: Path) -> None:
    """200 good rows imported, then WinTariff adds one the import cannot read: that pass
    read one row, one bad, which says nothing of the table."""
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    dbf.append_many(office_rows(12) * 17)
    config = str(write_config(tmp_path, dbf.path))
    assert run_cli("-c", config, "import", str(dbf.path))[0] == 0
    dbf.append({**office_rows(1)[0], "DATE": b"20241340"})
    code, _, err = run_cli("-c", config, "import", str(dbf.path))
    assert code == 0, err
    assert "could not be read as calls" not in err


def test_even_a_few_hhmmss_times_fail_check(tmp_path: Path) -> None:
    """08:59:59 as HHMMSS is 85959, a valid count of seconds: such rows read wrong, not
    bad, so one row that gives the format away is enough."""
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    rows = office_rows(3)
    rows[-1]["ITIME"] = 93015
    dbf.append_many(rows)
    code, out = check(tmp_path, dbf)
    assert code == 1
    assert "ITIME looks like HHMMSS (93015 = 09:30:15)" in out
    assert "rows are not calls" not in out  # 1 of 3: not most, but misread


def test_month_first_dates_fail_check_and_are_never_guessed(tmp_path: Path) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=TEXT_DATE)
    rows = office_rows(4)
    # The 5th and the 13th of November, month first: 11/05 would read as 11 May.
    dates = ["11/05/2026", "11/05/2026", "11/13/2026", "11/13/2026"]
    for row, text in zip(rows, dates, strict=True):
        row["DATE"] = text
    dbf.append_many(rows)
    code, out = check(tmp_path, dbf)
    assert code == 1
    assert "not a call: DATE '11/05/2026': day and month cannot be told apart" in out
    assert "ERROR: dates like 11/05/2026: day and month cannot be told apart" in out
    with pytest.raises(RowError, match="cannot be told apart"):
        to_call(0, {**rows[0], "DATE": "05/11/2026"})


@pytest.mark.usefixtures("telegram_token")
def test_day_first_dates_with_dots_are_read(tmp_path: Path) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=TEXT_DATE)
    rows = office_rows(3)
    for row in rows:
        row["DATE"] = "05.11.2026"
    dbf.append_many(rows)
    code, out = check(tmp_path, dbf)
    assert code == 0, out
    assert "2026-11-05 09:00:00 in" in out


def test_mostly_bad_rows_fail_check_with_the_general_hint(tmp_path: Path) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=TEXT_DATE)
    rows = office_rows(5)
    for row in rows[:3]:
        row["DATE"] = "n/a"
    dbf.append_many(rows)
    code, out = check(tmp_path, dbf)
    assert code == 1
    assert "ERROR: 3 of the last 5 rows are not calls" in out
    assert "hint: compare the fields above with what Perezvon expects" in out


@pytest.mark.usefixtures("telegram_token")
def test_a_few_bad_rows_among_good_ones_pass_check(tmp_path: Path) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=TEXT_DATE)
    rows = office_rows(5)
    rows[0]["DATE"] = "n/a"
    dbf.append_many(rows)
    code, out = check(tmp_path, dbf)
    assert code == 0, out
    assert "not calls" not in out


def test_the_sample_reaches_past_the_rows_shown(tmp_path: Path) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=TEXT_DATE)
    rows = office_rows(12)
    for row in rows[:9]:
        row["DATE"] = "n/a"
    dbf.append_many(rows)
    code, out, _ = run_cli("-c", str(write_config(tmp_path, dbf.path)), "check", "--rows", "2")
    assert code == 1
    assert "ERROR: 9 of the last 12 rows are not calls" in out


def test_hhmmss_detection() -> None:
    assert looks_like_hhmmss(93015) and looks_like_hhmmss(235959)
    assert not looks_like_hhmmss(86399)  # a valid count of seconds
    assert not looks_like_hhmmss(96015)  # 60 minutes: no time of day either way
    assert not looks_like_hhmmss(250000)


def test_a_problem_repeated_row_after_row_is_logged_ten_times_then_counted(
    phone_config, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    config = phone_config()
    when = dt.datetime(2024, 5, 6, 11, 0)
    calls_dbf.append_many(
        {**phone_rows.missed(when, f"8916000{i:04d}"), "DATE": b"20241340"} for i in range(25)
    )
    calls_dbf.append(phone_rows.missed(when, "89161234567"))
    with Ledger(config.database_path) as ledger, caplog.at_level(logging.WARNING):
        result = Ingestor(config, ledger, clock=lambda: dt.datetime(2024, 5, 6, 12)).scan()
    assert (result.bad_rows, result.new_calls) == (25, 1)
    messages = [r.getMessage() for r in caplog.records if r.name == "watcher.ingest"]
    assert len(messages) == ROW_WARNINGS_LOGGED + 1 == 11
    assert all(m.startswith(f"record {i + 1}: ") for i, m in enumerate(messages[:10]))
    assert messages[-1] == (
        "15 more rows were skipped in this pass (25 in all); the first 10 are above"
    )


@pytest.mark.usefixtures("telegram_token")
def test_a_cp1251_table_whose_header_names_no_code_page_is_read_as_cp1251(
    tmp_path: Path,
) -> None:
    """WinTariff writes language driver 0 on some installs: read as cp866 by default,
    Russian text in cp1251 came out as box drawing in posts and reports. The letters
    tell the code page; check says where it came from and which setting fixes it."""
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp1251", language_driver=0)
    dbf.append_many([{**row, "STATUS": "Входящий"} for row in office_rows()])
    code, out = check(tmp_path, dbf)
    assert code == 0, out
    assert "code page cp1251 (from the Russian letters in the records" in out
    assert "[source] encoding" in out and "Входящий" in out


def test_the_guess_needs_enough_russian_text() -> None:
    assert guess_cyrillic(["Входящий звонок".encode("cp1251")] * 3) == "cp1251"
    assert guess_cyrillic(["Входящий звонок".encode("cp866")] * 3) == "cp866"
    assert guess_cyrillic([b"Incoming", "Да".encode("cp1251")]) is None


@pytest.mark.usefixtures("telegram_token")
def test_a_pbx_clock_days_behind_is_told(tmp_path: Path) -> None:
    """Rows days older than the file's last change: the PBX's clock is behind, and the
    watcher would take every missed call for history. A copy made today looks the
    same, so it is a warning, not a failure."""
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    dbf.append_many(office_rows(3))  # DAY's rows, written now
    code, out = check(tmp_path, dbf)
    assert code == 0, out
    assert "WARNING: the last record is of " in out and "more than 4 days" in out
    for folder in ("fresh", "ahead"):
        (tmp_path / folder).mkdir()
    fresh = CallsDbfWriter.create(tmp_path / "fresh" / "Calls.dbf")
    # The config's time zone is the default one, Moscow's.
    now = dt.datetime.now(ZoneInfo("Europe/Moscow")).replace(microsecond=0, tzinfo=None)
    fresh.append(
        make_row(when=now, duration=60, extension="620", callerid="89161234567", calltype="I")
    )
    _, out = check(tmp_path / "fresh", fresh)
    assert "the last record is of" not in out
    ahead = CallsDbfWriter.create(tmp_path / "ahead" / "Calls.dbf")
    later = now + dt.timedelta(hours=5)
    ahead.append(
        make_row(when=later, duration=60, extension="620", callerid="89161234567", calltype="I")
    )
    _, out = check(tmp_path / "ahead", ahead)
    assert "5 h after the server's clock" in out
