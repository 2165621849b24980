"""DBF row values to a Call: every field type variant, direction, identity."""

from __future__ import annotations

import datetime as dt

import pytest

from watcher.normalise import RowError, classify, to_call
from watcher.sim.wintariff import make_row
from watcher.vocab import Direction

DAY = dt.date(2024, 5, 6)
WHEN = dt.datetime(2024, 5, 6, 10, 30, 15)


def row(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "DATE": DAY,
        "ITIME": 10 * 3600 + 30 * 60 + 15,
        "IDURATION": 0,
        "EXTENSION": "620",
        "NUMBER": "",
        "CO": "01",
        "CALLTYPE": "I",
        "CALLERID": "89161234567",
        "CALLMODE": "NA",
        "RINGBEFORE": 20,
        "STATUS": "Москва",
    }
    base.update(values)
    return base


def test_missed_incoming_call() -> None:
    call = to_call(7, row())
    assert call.record_index == 7
    assert call.started_at == WHEN
    assert call.duration == 0
    assert call.direction == Direction.IN
    assert call.is_missed_incoming and not call.answered
    assert call.remote == "+79161234567"
    assert call.extension == "620"
    assert call.co_line == "01"
    assert call.ring_seconds == 20
    assert call.callmode == "NA"
    assert call.status == "Москва"


def test_make_row_output_is_understood() -> None:
    values = make_row(when=WHEN, duration=42, extension="201", number="89161234567", calltype="C")
    call = to_call(0, values)
    assert call.started_at == WHEN
    assert call.duration == 42
    assert call.direction == Direction.OUT
    assert call.remote == "+79161234567"
    assert call.answered


def test_outgoing_remote_is_the_dialled_number() -> None:
    call = to_call(0, row(CALLTYPE="C", NUMBER="84951234567", CALLERID="", IDURATION=65))
    assert call.direction == Direction.OUT
    assert call.remote == "+74951234567"
    assert call.duration == 65


def test_incoming_without_callerid_falls_back_to_number() -> None:
    call = to_call(0, row(CALLERID="", NUMBER="89161234567"))
    assert call.direction == Direction.IN
    assert call.remote == "+79161234567"


def test_internal_calls_have_no_remote() -> None:
    call = to_call(0, row(CALLTYPE="N", NUMBER="internal-202", CALLERID=""))
    assert call.direction == Direction.INTERNAL
    assert call.remote is None
    # Marked internal by the number even before CALLTYPE is filled.
    call = to_call(0, row(CALLTYPE="", NUMBER="internal-202", CALLERID=""))
    assert call.direction == Direction.INTERNAL and call.remote is None


@pytest.mark.parametrize(
    ("calltype", "number", "callerid", "direction"),
    [
        ("I", "", "89161234567", Direction.IN),
        ("N", "", "", Direction.INTERNAL),
        ("C", "89161234567", "", Direction.OUT),
        ("", "internal-201", "", Direction.INTERNAL),
        ("I", "internal-201", "", Direction.INTERNAL),
        ("", "", "89161234567", Direction.IN),  # CALLTYPE not filled yet: guessed from the numbers
        ("", "89161234567", "", Direction.OUT),
        ("", "", "", Direction.UNKNOWN),
        ("M", "89161234567", "", Direction.OUT),  # another letter: outgoing to a mobile, say
        ("X", "", "89161234567", Direction.IN),  # unknown letter but only a caller id
    ],
)
def test_classify(calltype: str, number: str, callerid: str, direction: str) -> None:
    assert classify(calltype, number, callerid) == direction


def test_calltype_is_read_case_insensitively() -> None:
    assert to_call(0, row(CALLTYPE="i")).direction == Direction.IN
    assert to_call(0, row(CALLTYPE="i")).calltype == "I"


def test_numeric_fields_given_as_text_c_type() -> None:
    call = to_call(0, row(ITIME="37815", IDURATION=" 65 ", RINGBEFORE="12"))
    assert call.started_at == WHEN
    assert call.duration == 65
    assert call.ring_seconds == 12


def test_numeric_fields_given_as_floats() -> None:
    call = to_call(0, row(ITIME=37815.0, IDURATION=65.0, RINGBEFORE=12.0, EXTENSION=620.0))
    assert call.started_at == WHEN
    assert call.duration == 65
    assert call.ring_seconds == 12
    assert call.extension == "620"  # an N-typed EXTENSION still reads as "620"


def test_decimal_comma_in_text_numbers() -> None:
    assert to_call(0, row(IDURATION="65,0")).duration == 65


def test_time_and_duration_text_fields_with_seconds() -> None:
    values = row(TIME="10:30:15", DURATION="0:01:05")
    del values["ITIME"], values["IDURATION"]
    call = to_call(0, values)
    assert call.started_at == WHEN
    assert call.duration == 65


def test_time_text_without_seconds_is_hours_and_minutes() -> None:
    values = row(TIME="10:30", DURATION="01:05")
    del values["ITIME"], values["IDURATION"]
    call = to_call(0, values)
    assert call.started_at == dt.datetime(2024, 5, 6, 10, 30)
    assert call.duration == 65  # a two-part duration is minutes and seconds


def test_blank_itime_falls_back_to_time_text() -> None:
    call = to_call(0, row(ITIME=None, TIME="10:30:15"))
    assert call.started_at == WHEN


def test_missing_optional_fields() -> None:
    values = {"DATE": DAY, "ITIME": 37815, "EXTENSION": "620", "CALLERID": "89161234567"}
    call = to_call(0, values)
    assert call.duration == 0  # no IDURATION: not answered
    assert call.ring_seconds is None
    assert call.calltype == "" and call.callmode == "" and call.status == ""
    assert call.direction == Direction.IN
    assert call.is_missed_incoming


@pytest.mark.parametrize(
    "day", ["20240506", "06.05.2024", "2024-05-06", "06.05.24", "2024/05/06", DAY, WHEN]
)
def test_date_forms(day: object) -> None:
    assert to_call(0, row(DATE=day)).started_at == WHEN


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"DATE": None}, "no DATE"),
        ({"DATE": ""}, "no DATE"),
        ({"DATE": "2024-13-45"}, "DATE not understood"),
        ({"ITIME": None}, "no time"),
        ({"ITIME": "half past ten"}, "time not understood"),
        ({"ITIME": 200000}, "time of day out of range"),
        ({"IDURATION": "long"}, "duration not understood"),
    ],
)
def test_bad_rows_raise_row_error(values: dict[str, object], message: str) -> None:
    with pytest.raises(RowError, match=message):
        to_call(0, row(**values))


@pytest.mark.parametrize("itime", [200000, "99:99:99", "half past ten", -1, None, ""])
def test_a_bad_itime_gives_way_to_a_valid_time_text(itime: object) -> None:
    """A missed call is never lost to one bad field when another field holds the value."""
    call = to_call(0, row(ITIME=itime, TIME="10:30:16"))
    assert call.started_at == WHEN.replace(hour=10, minute=30, second=16)


def test_a_bad_iduration_gives_way_to_a_valid_duration_text() -> None:
    assert to_call(0, row(IDURATION="long", DURATION="00:01:05")).duration == 65


def test_both_time_fields_bad_names_the_first_problem() -> None:
    with pytest.raises(RowError, match="time of day out of range: 200000 s"):
        to_call(0, row(ITIME=200000, TIME="later"))


def test_garbage_ringbefore_is_just_unknown() -> None:
    assert to_call(0, row(RINGBEFORE="n/a")).ring_seconds is None
    assert to_call(0, row(RINGBEFORE="")).ring_seconds is None


def test_fingerprint_ignores_the_late_calltype_and_record_index() -> None:
    blank = to_call(3, row(CALLTYPE=""))
    final = to_call(9, row(CALLTYPE="I"))
    assert blank.fingerprint == final.fingerprint


@pytest.mark.parametrize(
    "change",
    [
        {"ITIME": 37816},
        {"DATE": dt.date(2024, 5, 7)},
        {"EXTENSION": "621"},
        {"CALLERID": "89161234568"},
        {"IDURATION": 1},
        {"CO": "02"},
        {"RINGBEFORE": 21},
    ],
)
def test_fingerprint_tells_calls_apart(change: dict[str, object]) -> None:
    assert to_call(0, row()).fingerprint != to_call(0, row(**change)).fingerprint
