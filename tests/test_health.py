"""No missed call for three office days: a PBX that does not report them (PGM 177 off).

The decision (watcher/health.py) is pure and tested on dates; the service warns once per
episode with an injected clock; `check` says it too."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PhoneRows
from tests.test_cli import run_cli, write_config
from watcher.config import Config
from watcher.health import QUIET_OFFICE_DAYS, CallDates, describe, judge, window_start
from watcher.hours import OfficeHours
from watcher.ledger import Ledger
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter

WEEKDAYS = OfficeHours(
    days=frozenset(range(5)),
    open_minute=9 * 60,
    close_minute=18 * 60,
    holidays=frozenset({dt.date(2026, 11, 4)}),  # a Wednesday
)
ALWAYS = OfficeHours()
MONDAY = dt.datetime(2026, 11, 9, 12, 0)  # Monday 2026-11-09


def at(day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute)


def test_three_office_days_means_complete_working_days() -> None:
    assert QUIET_OFFICE_DAYS == 3
    # Monday noon: today is not over; Fri 6, Thu 5 count; Wed 4 is a holiday; Tue 3 counts.
    assert window_start(MONDAY, WEEKDAYS) == dt.datetime(2026, 11, 3)
    # After closing on Monday, Monday counts too.
    assert window_start(at(9, 18), WEEKDAYS) == dt.datetime(2026, 11, 5)
    # Always open: a day is over at midnight.
    assert window_start(MONDAY, ALWAYS) == dt.datetime(2026, 11, 6)


def test_quiet_only_when_the_ledger_covers_the_days_and_has_no_missed_call() -> None:
    old = at(1, 9)
    # A missed call on Tuesday (the first of the three days): not quiet.
    assert not judge(CallDates(old, at(9, 11), at(3, 10)), MONDAY, WEEKDAYS).quiet
    # The last one on Monday the 2nd: quiet, and it says since when.
    verdict = judge(CallDates(old, at(9, 11), at(2, 17)), MONDAY, WEEKDAYS)
    assert verdict.quiet and not verdict.no_calls
    assert verdict.since == dt.datetime(2026, 11, 3)
    assert verdict.last_missed == at(2, 17)
    # Never a missed call at all.
    assert judge(CallDates(old, at(9, 11), None), MONDAY, WEEKDAYS).quiet
    # A missed call on the weekend still shows the PBX reports them.
    assert not judge(CallDates(old, at(9, 11), at(8, 11)), MONDAY, WEEKDAYS).quiet


def test_a_new_install_is_not_quiet_yet() -> None:
    assert not judge(CallDates(None, None, None), MONDAY, WEEKDAYS).quiet
    assert not judge(CallDates(at(5, 9), at(9, 11), None), MONDAY, WEEKDAYS).quiet
    assert judge(CallDates(at(3, 9), at(9, 11), None), MONDAY, WEEKDAYS).quiet


def test_no_call_at_all_is_told_apart() -> None:
    verdict = judge(CallDates(at(1, 9), at(2, 16), at(2, 10)), MONDAY, WEEKDAYS)
    assert verdict.quiet and verdict.no_calls
    assert "no call at all in the last 3 office days" in describe(verdict)


def test_the_warning_names_the_pbx_checklist() -> None:
    text = describe(judge(CallDates(at(1, 9), at(9, 11), at(2, 17)), MONDAY, WEEKDAYS))
    assert "no missed call in the last 3 office days (since 2026-11-03" in text
    assert "last missed call: 2026-11-02 17:00" in text
    assert "Lost Call Print-out / SMDR for incoming calls" in text
    assert "PGM 177" in text and "PBX checklist" in text


# -- the service --------------------------------------------------------------------------


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def quiet_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "watcher.service" and "office days" in r.getMessage()
    ]


def test_the_service_warns_once_per_episode(
    phone_config: Callable[..., Config],
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = phone_config()
    clock = Clock(at(2, 10))
    calls_dbf.append_many(
        [phone_rows.answered_in(at(2, 9), "89161112233"), phone_rows.missed(at(2, 9, 30))]
    )
    service = WatcherService(config, clock=clock, health_seconds=0)
    caplog.set_level(logging.INFO, logger="watcher.service")
    try:
        service.scan_now()
        assert quiet_warnings(caplog) == []
        clock.now = at(6, 12)  # Tue 3, Wed 4, Thu 5 over, only answered calls since
        calls_dbf.append(phone_rows.answered_in(at(5, 11), "89161112233"))
        service.scan_now()
        service.scan_now()
        assert len(quiet_warnings(caplog)) == 1
        assert "PGM 177" in quiet_warnings(caplog)[0]
        calls_dbf.append(phone_rows.missed(at(6, 11, 30), caller="89035556677"))
        service.scan_now()
        assert any("missed calls are reported again" in r.getMessage() for r in caplog.records)
        clock.now = at(12, 12)  # another three quiet days: a new episode, a new warning
        service.scan_now()
        assert len(quiet_warnings(caplog)) == 2
    finally:
        service.stop()


def test_the_service_checks_at_most_every_interval(
    phone_config: Callable[..., Config],
    calls_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = phone_config()
    calls_dbf.append(phone_rows.answered_in(at(2, 9), "89161112233"))
    clock = Clock(at(2, 10))
    service = WatcherService(config, clock=clock)  # the default: every ten minutes
    caplog.set_level(logging.INFO, logger="watcher.service")
    try:
        service.scan_now()
        clock.now = at(9, 12)
        service.scan_now()  # quiet now, but the next check is minutes away
        assert quiet_warnings(caplog) == []
    finally:
        service.stop()


# -- check ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("telegram_token")
def test_check_shows_the_last_missed_call_and_the_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phone_rows: PhoneRows
) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    old = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=20)
    dbf.append_many(
        [
            phone_rows.missed(old),
            *(
                phone_rows.answered_in(old + dt.timedelta(days=d), "89161112233")
                for d in range(1, 20)
            ),
        ]
    )
    config = write_config(tmp_path, dbf.path)
    code, out, _ = run_cli("-c", str(config), "import", str(dbf.path))
    assert code == 0, out
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 0, out
    assert f"last missed call: {old:%Y-%m-%d %H:%M}" in out
    assert "WARNING: not a single missed call in the last 3 office days" in out
    assert "PGM 177" in out


@pytest.mark.usefixtures("telegram_token")
def test_check_is_quiet_when_missed_calls_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phone_rows: PhoneRows
) -> None:
    dbf = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    now = dt.datetime.now().replace(microsecond=0)
    dbf.append_many(
        [phone_rows.missed(now - dt.timedelta(days=d, hours=1)) for d in range(10, -1, -1)]
    )
    config = write_config(tmp_path, dbf.path)
    assert run_cli("-c", str(config), "import", str(dbf.path))[0] == 0
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 0, out
    assert "last missed call:" in out
    assert "office days" not in out
    with Ledger(tmp_path / "ledger.db") as ledger:
        assert ledger.call_dates()[2] is not None
