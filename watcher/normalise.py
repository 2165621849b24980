"""One decoded DBF row to one :class:`Call`, whatever the install's field types.

Field widths and types of Calls.dbf are not documented, so every value is accepted as a
number or as text, and TIME/DURATION text stand in where ITIME/IDURATION are missing.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from watcher import fields
from watcher.models import Call, built_call
from watcher.phones import external_key, phone_key
from watcher.vocab import Direction, MissReason

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
# Text dates in the orders that cannot be misread. 05/06/2024 is 5 June in Moscow and
# May 6 in a US-made export: a table of such dates would read the first twelve days of
# every month with day and month swapped, so slashed day-first or month-first dates are
# refused (RowError), never guessed.
_DATE_FORMATS = ("%Y%m%d", "%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%Y/%m/%d")
_SLASHED = re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}$")
# A time of day past this is no time of day (an hour of slack for a DST fall-back day).
_DAY_LIMIT = 86400 + 3600


class RowError(ValueError):
    """The row cannot be a call (no date, garbage time); it is skipped with this message."""


def to_call(index: int, values: Mapping[str, Any]) -> Call:
    get = values.get
    day = get(fields.DATE)
    if type(day) is not date:  # the usual D field, first
        day = _day(day)
    seconds = _seconds(get(fields.ITIME), get(fields.TIME), "time", limit=_DAY_LIMIT)
    duration = _seconds(get(fields.IDURATION), get(fields.DURATION), "duration", blank=0)
    ring = get(fields.RINGBEFORE)
    if type(ring) is not int:  # the usual N field is its own answer
        ring = _optional_int(ring)
    return _call(
        index,
        day,
        seconds,
        duration,
        ring,
        _text(get(fields.EXTENSION)),
        _text(get(fields.NUMBER)),
        _text(get(fields.CALLERID)),
        _text(get(fields.CO)),
        _text(get(fields.CALLTYPE)).upper(),
        _text(get(fields.CALLMODE)).upper(),
        _text(get(fields.STATUS)),
    )


_TEXT_FIELDS = (
    fields.EXTENSION,
    fields.NUMBER,
    fields.CALLERID,
    fields.CO,
    fields.CALLTYPE,
    fields.CALLMODE,
    fields.STATUS,
)
# Why a missed call was missed, from (started, ring seconds, extension, line).
ReasonOf = Callable[[datetime, int | None, str, str], MissReason]


def quick_calls(
    first: int,
    columns: Mapping[str, list[Any]],
    plain: list[bool],
    reason_of: ReasonOf | None = None,
) -> list[Call | None]:
    """:func:`to_call` of each record of a chunk from its values field by field
    (:meth:`~watcher.dbf_reader.RecordDecoder.columns`), for the records whose values
    have the usual types (a D date, N time and duration, text); None for any other,
    which :func:`to_call` reads itself. ``reason_of`` sets missed calls' reasons as the
    calls are built, not by a copy of each afterwards (:mod:`watcher.reasons`)."""
    count = len(plain)
    blank: list[Any] = [None] * count
    empty = [""] * count  # a text field the table lacks reads as ""
    usual = plain
    for name in _TEXT_FIELDS:  # text read from N fields: to_call's own conversions
        column = columns.get(name)
        if column is not None and set(map(type, column)) != {str}:
            usual = [good and type(v) is str for good, v in zip(usual, column, strict=True)]

    def text(name: str) -> list[Any]:
        return columns.get(name) or empty

    calls: list[Call | None] = []
    append = calls.append
    rows = zip(
        usual,
        columns.get(fields.DATE, blank),
        columns.get(fields.ITIME, blank),
        columns.get(fields.IDURATION, blank),
        columns.get(fields.RINGBEFORE, blank),
        text(fields.EXTENSION),
        text(fields.NUMBER),
        text(fields.CALLERID),
        text(fields.CO),
        text(fields.CALLTYPE),
        text(fields.CALLMODE),
        text(fields.STATUS),
        strict=True,
    )
    for index, (ok, day, seconds, duration, ring, *texts) in enumerate(rows, first):
        if (
            not ok
            or type(day) is not date
            or type(seconds) is not int
            or not 0 <= seconds < _DAY_LIMIT
            or type(duration) is not int
            or (ring is not None and type(ring) is not int)
        ):
            append(None)
            continue
        extension, number, callerid, co_line, calltype, callmode, status = texts
        append(
            _call(
                index,
                day,
                seconds,
                duration if duration > 0 else 0,
                ring,
                extension.strip(),
                number.strip(),
                callerid.strip(),
                co_line.strip(),
                calltype.strip().upper(),
                callmode.strip().upper(),
                status.strip(),
                reason_of,
            )
        )
    return calls


def _call(
    index: int,
    day: date,
    seconds: int,
    duration: int,
    ring: int | None,
    extension: str,
    number: str,
    callerid: str,
    co_line: str,
    calltype: str,
    callmode: str,
    status: str,
    reason_of: ReasonOf | None = None,
) -> Call:
    """The call of one row's read values: its time, direction, number and fingerprint."""
    if ring is not None and ring < 0:  # garbage ("-999"): a ring time not known
        ring = None
    if seconds < 86400:  # the same moment as midnight + timedelta, built directly
        hour, rest = divmod(seconds, 3600)
        started = datetime(day.year, day.month, day.day, hour, *divmod(rest, 60))
    else:
        started = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
    direction = classify(calltype, number, callerid)
    if direction == Direction.IN:
        # No CALLERID (a table without one, a PBX that leaves it blank): some installs
        # put the caller in NUMBER, but only an outside number there can be the caller.
        remote = phone_key(callerid) or external_key(number)
    elif direction == Direction.OUT:
        remote = phone_key(number)
    else:
        remote = None
    reason = None
    if reason_of is not None and direction == Direction.IN and duration <= 0 and remote:
        reason = reason_of(started, ring, extension, co_line)
    ring_text = "" if ring is None else ring
    identity = (
        f"{day.isoformat()}|{seconds}|{extension}|{number}|{co_line}|{callerid}|{duration}"
        f"|{ring_text}"
    )
    return built_call(
        fingerprint=hashlib.blake2b(identity.encode("utf-8"), digest_size=12).hexdigest(),
        record_index=index,
        started_at=started,
        duration=duration,
        extension=extension,
        direction=direction,
        remote=remote,
        number=number,
        callerid=callerid,
        co_line=co_line,
        calltype=calltype,
        callmode=callmode,
        status=status,
        ring_seconds=ring,
        miss_reason=reason,
    )


def classify(calltype: str, number: str, callerid: str) -> Direction:
    """Direction from CALLTYPE, or from the numbers while CALLTYPE is blank or unknown."""
    if calltype == "N" or number.lower().startswith("internal"):
        return Direction.INTERNAL
    if calltype == "I":
        return Direction.IN
    if calltype and calltype != "I":
        if not number and callerid:
            return Direction.IN
        return Direction.OUT
    if callerid:
        return Direction.IN
    if number:
        return Direction.OUT
    return Direction.UNKNOWN


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        raise RowError("no DATE")
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    if _SLASHED.match(text):
        raise RowError(f"DATE {text!r}: day and month cannot be told apart (MM/DD or DD/MM?)")
    raise RowError(f"DATE not understood: {text!r}")


def is_slashed_date(text: str) -> bool:
    """A text date like 05/06/2024, whose day and month cannot be told apart."""
    return bool(_SLASHED.match(text.strip()))


def _seconds(
    number: Any, clock: Any, what: str, blank: int | None = None, limit: int | None = None
) -> int:
    """Seconds from a numeric field (N or C) or, failing that, from 'HH:MM:SS' text.

    Two-part text is 'HH:MM' for the time of day and 'MM:SS' for a duration. A value
    that cannot be read, or is ``limit`` or more, gives way to the other field: a missed
    call is never lost to one bad field when another holds the value.
    """
    if type(number) is int and (limit is None or 0 <= number < limit):
        return number if number > 0 else 0  # the usual N field, first
    problem: RowError | None = None
    for value in (number, clock):
        try:
            seconds = _one_seconds(value, what)
        except RowError as error:
            problem = problem or error
            continue
        if seconds is None:
            continue
        if limit is not None and not 0 <= seconds < limit:
            problem = problem or RowError(f"{what} of day out of range: {seconds} s")
            continue
        return max(0, seconds)
    if problem is not None:
        raise problem
    if blank is not None:
        return blank
    raise RowError(f"no {what}")


def _one_seconds(value: Any, what: str) -> int | None:
    """Seconds from one field; None when it is empty (or not a number at all)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):  # "nan", "1e999": a number field's garbage
            raise RowError(f"{what} not understood: {value!r}")
        return int(value)
    text = _text(value)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    found = _CLOCK.match(text)
    if found:
        a, b, c = int(found.group(1)), int(found.group(2)), found.group(3)
        if c is not None:
            return a * 3600 + b * 60 + int(c)
        return a * 3600 + b * 60 if what == "time" else a * 60 + b
    try:
        return int(float(text.replace(",", ".")))
    except (ValueError, OverflowError):  # OverflowError: "inf", "1e999"
        raise RowError(f"{what} not understood: {text!r}") from None


def _optional_int(value: Any) -> int | None:
    """A count of seconds that may be missing or garbage (RINGBEFORE): None then."""
    try:
        return _one_seconds(value, "duration")
    except RowError:
        return None


def _text(value: Any) -> str:
    if type(value) is str:  # the usual case, first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
