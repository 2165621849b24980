"""The records the phone side passes around: a finished call, a missed-call case."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from watcher.vocab import CaseStatus, ClosedHow, Direction, MissReason

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


# The exact shape to_text writes; such text is read with fromisoformat, which gives the
# same datetime as strptime(TIME_FORMAT) some 40 times faster. Anything else, strptime.
_CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def to_text(moment: datetime) -> str:
    """Ledger time text: local wall time of the PBX, sortable as a string."""
    if type(moment) is datetime and moment.tzinfo is None and moment.year >= 1000:
        return moment.isoformat(" ", "seconds")  # what strftime(TIME_FORMAT) gives, faster
    return moment.strftime(TIME_FORMAT)


def from_text(text: str) -> datetime:
    if isinstance(text, str) and _CANONICAL.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # a field out of range: strptime raises its own error
    return datetime.strptime(text, TIME_FORMAT)


@dataclass(frozen=True)
class Call:
    """One finished call from Calls.dbf, reduced to what the rules need."""

    fingerprint: str
    record_index: int
    started_at: datetime
    duration: int
    extension: str
    direction: Direction
    remote: str | None
    number: str = ""
    callerid: str = ""
    co_line: str = ""
    calltype: str = ""
    callmode: str = ""
    status: str = ""
    ring_seconds: int | None = None
    # Set when the call is stored (watcher/reasons.py); None for calls that are not missed.
    miss_reason: MissReason | None = None

    @property
    def answered(self) -> bool:
        return self.duration > 0

    @property
    def is_missed_incoming(self) -> bool:
        return self.direction == Direction.IN and self.duration == 0


_new = object.__new__


def built_call(
    fingerprint: str,
    record_index: int,
    started_at: datetime,
    duration: int,
    extension: str,
    direction: Direction,
    remote: str | None,
    number: str,
    callerid: str,
    co_line: str,
    calltype: str,
    callmode: str,
    status: str,
    ring_seconds: int | None,
    miss_reason: MissReason | None,
) -> Call:
    """``Call(...)`` with every field given, built without the frozen dataclass's
    ``__init__``, which sets each field through ``object.__setattr__``: a history import
    builds a million. The same object (tests/test_models.py checks the fields against the
    dataclass); set one by one in field order, as ``__init__`` does, its ``__dict__``
    shares its keys with every other Call (``dict.update`` made each one 464 bytes, not
    272)."""
    call = _new(Call)
    values = call.__dict__
    values["fingerprint"] = fingerprint
    values["record_index"] = record_index
    values["started_at"] = started_at
    values["duration"] = duration
    values["extension"] = extension
    values["direction"] = direction
    values["remote"] = remote
    values["number"] = number
    values["callerid"] = callerid
    values["co_line"] = co_line
    values["calltype"] = calltype
    values["callmode"] = callmode
    values["status"] = status
    values["ring_seconds"] = ring_seconds
    values["miss_reason"] = miss_reason
    return call


@dataclass(frozen=True)
class Case:
    """A missed-call case as stored; the bot renders it, the rules change it."""

    id: int
    department: str
    chat: int | None
    remote: str
    status: CaseStatus
    first_at: datetime
    last_at: datetime
    attempts: int
    extension: str
    ring_seconds: int | None
    new_caller: bool
    contact_name: str | None
    contact_company: str | None
    silent: bool
    closed_at: datetime | None = None
    closed_how: ClosedHow | None = None
    closed_by_extension: str | None = None
    closed_by_user_id: int | None = None
    closed_by_name: str | None = None
    callback_at: datetime | None = None
    callback_duration: int | None = None
    version: int = 0
    claimed_by_user_id: int | None = None
    claimed_by_name: str | None = None
    claimed_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    # After hours with the digest on: the case is posted at this opening, not at once.
    held_until: datetime | None = None
    # The reason of its latest missed call; each call keeps its own (case_events).
    miss_reason: MissReason | None = None

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


@dataclass(frozen=True)
class CallbackAttempt:
    """A callback that did not get through: pressed 📵, or an outgoing call in the log."""

    at: datetime
    extension: str | None
    user_name: str | None
    duration: int | None


@dataclass(frozen=True)
class CallReason:
    """One missed call of a case as its card lists it: when, why, how long it rang."""

    at: datetime
    reason: MissReason | None
    ring_seconds: int | None
