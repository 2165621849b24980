"""The ledger as the case rules see it during a history import into an empty ledger.

A year of history opens a hundred thousand cases, and through SQLite each costs about
eight statements (the rules' look-ups and their plan's writes): a third of a 1M-row
import. Here the same :class:`~watcher.cases.CaseRules` decide against what this book
keeps in memory (the open cases, and per number the times of the calls that can answer
one) and their plans are applied to it; :meth:`ImportBook.take` hands what changed to
:meth:`Ledger.write_case_rows <watcher.ledger.Ledger.write_case_rows>` after each batch,
in the pass's transaction, so the calls, the cursor and their cases commit together.

It stands on one fact: in a ledger that holds no calls, written by nobody else (an
import holding the ledger's lock: no `run` beside it), every call the import stores gets
the next rowid, in the order the rules apply them (checked at every hand-over). Any
other import goes through the ledger itself; both end in the same ledger
(tests/test_bulk_import.py compares every table).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from watcher.case_log import Noted
from watcher.changes import (
    AnsweredLeg,
    ApplyResult,
    Change,
    NewCase,
    OpenCase,
    OverflowLeg,
    apply_plan,
)
from watcher.ledger import Ledger
from watcher.models import Call, Case, from_text, to_text
from watcher.schema import CASES
from watcher.vocab import ActorKind, CaseStatus, ClosedHow, Direction, EventKind

# Changed cases the book holds before it hands them over (a few MB).
CASES_HELD = 5_000
_AT = {name: index for index, name in enumerate(CASES.names)}
_ID, _STATUS, _FIRST_AT, _LAST_AT = _AT["id"], _AT["status"], _AT["first_at"], _AT["last_at"]
_ATTEMPTS, _RING, _REASON, _VERSION = (
    _AT["attempts"],
    _AT["ring_seconds"],
    _AT["miss_reason"],
    _AT["version"],
)
_CLOSE_COLUMNS = tuple(
    _AT[name]
    for name in (
        "closed_at",
        "closed_how",
        "closed_by_extension",
        "callback_at",
        "callback_duration",
    )
)
_BY_USER = (_AT["closed_by_user_id"], _AT["closed_by_name"])


def _stamp(moment: datetime) -> int:
    """Seconds on one scale, ordered as the ledger's time texts are."""
    return moment.toordinal() * 86400 + moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(slots=True)
class _Number:
    """What the rules ask the calls of one number: its first calls, and when the calls
    that can answer a missed one started (sorted, with their rowids)."""

    first_at: str
    first_in_at: str | None
    in_times: array[int] = field(default_factory=lambda: array("q"))  # answered incoming
    in_rows: array[int] = field(default_factory=lambda: array("q"))
    out_times: array[int] = field(default_factory=lambda: array("q"))  # long enough outgoing
    out_rows: array[int] = field(default_factory=lambda: array("q"))


@dataclass(slots=True)
class _OpenCase:
    values: list[Any]  # the case row, in CASES' column order
    first_fingerprint: str | None


@dataclass
class CaseRows:
    """What the book applied since the last hand-over, as rows for the ledger."""

    cases: list[tuple[Any, ...]]  # whole rows, id first: new cases and changed ones
    events: list[tuple[Any, ...]]  # case_events rows without their id, in order
    legs: list[tuple[str, str | None, str]]
    noted: list[Noted]


class ImportBook:
    """The open cases and the calls' look-ups of one history import, in memory."""

    def __init__(self, ledger: Ledger, *, min_outgoing: int) -> None:
        self.ledger = ledger
        self.min_outgoing = min_outgoing
        # The rowid of the call the rules are applying: the calls after it in the batch
        # are not applied yet, and an answer is never taken from one of them.
        self.cursor = 0
        self._next_rowid = ledger.last_rowid() + 1
        self._numbers: dict[str, _Number] = {}
        self._cases: dict[int, _OpenCase] = {}  # open, or changed since the hand-over
        self._open: dict[str, list[int]] = {}  # number -> its open cases, by id
        self._next_case = ledger.last_case_id() + 1
        self._changed: dict[int, None] = {}  # case ids to write, in order
        self._events: list[tuple[Any, ...]] = []
        self._noted: list[Noted] = []
        self._legs: list[tuple[str, str | None, str]] = []
        self._leg_keys: set[str] = set()
        self._new_callers: dict[str, None] = {}
        self._now: datetime | None = None  # the plan being applied, and its moment as text
        self._now_text = ""

    # -- the calls ----------------------------------------------------------------------

    def add_calls(self, calls: Sequence[Call], times: Sequence[str]) -> int:
        """Index the calls just stored (in insert order); the rowid of the first.
        ``times``: their start times as stored (Ledger.store_new_calls gives them), so
        that they are not formatted again."""
        first = self._next_rowid
        rowid = first - 1
        numbers = self._numbers
        incoming, outgoing = Direction.IN, Direction.OUT
        for call, at in zip(calls, times, strict=True):
            rowid += 1
            remote = call.remote
            if remote is None:
                continue
            is_in = call.direction == incoming
            number = numbers.get(remote)
            if number is None:
                number = numbers[remote] = _Number(at, at if is_in else None)
            else:
                if at < number.first_at:
                    number.first_at = at
                if is_in and (number.first_in_at is None or at < number.first_in_at):
                    number.first_in_at = at
            self._new_callers[remote] = None
            if call.duration <= 0:
                continue
            if is_in:
                _insert(number.in_times, number.in_rows, _stamp(call.started_at), rowid)
            elif call.direction == outgoing and call.duration >= self.min_outgoing:
                _insert(number.out_times, number.out_rows, _stamp(call.started_at), rowid)
        self._next_rowid = rowid + 1
        return first

    def waiting_abandons(self, since: datetime, until: datetime) -> list[Call]:
        """None: the book imports into an empty ledger, so no short abandon was stored
        before it, and the rules keep those of the import themselves."""
        return []

    def has_call_before(self, remote: str, before: datetime) -> bool:
        number = self._numbers.get(remote)
        return number is not None and number.first_at < to_text(before)

    def answered_leg(self, remote: str, start: datetime, end: datetime) -> Call | None:
        number = self._numbers.get(remote)
        if number is None:
            return None
        times = number.in_times
        at = bisect_left(times, _stamp(start))
        if at < len(times) and times[at] <= _stamp(end):
            return self.ledger.call_at(number.in_rows[at])
        return None

    def first_answer_since(
        self,
        remote: str,
        since: datetime,
        min_outgoing: int,
        exclude: Collection[str] = (),
        before: datetime | None = None,
    ) -> Call | None:
        """:meth:`Ledger.first_answer_since`, where the calls not applied yet (``exclude``
        there) are the rowids past :attr:`cursor`."""
        assert min_outgoing == self.min_outgoing
        number = self._numbers.get(remote)
        if number is None:
            return None
        low = _stamp(since)
        high = None if before is None else _stamp(before)
        found = min(
            _first_from(number.in_times, number.in_rows, low, high, self.cursor),
            _first_from(number.out_times, number.out_rows, low, high, self.cursor),
        )
        return None if found[1] < 0 else self.ledger.call_at(found[1])

    # -- the cases ----------------------------------------------------------------------

    # Nobody pressed a button on an import's cases: they are all history, never posted.
    holds_presses = False

    def pressed_cases(self, remote: str, at: datetime, slack: timedelta) -> list[int]:
        return []

    def digest_posted(self, department: str, held_until: datetime) -> bool:
        """The ledger's answer; an import's cases are silent, never held for a digest, so
        the rules do not ask it during one."""
        return self.ledger.digest_posted(department, held_until)

    def open_remotes(self) -> set[str]:
        return set(self._open)

    def has_open_case(self, remote: str) -> bool:
        return remote in self._open

    def open_cases_of(self, remote: str) -> list[OpenCase]:
        briefs = []
        for case_id in self._open.get(remote, ()):
            case = self._cases[case_id]
            v = case.values
            briefs.append(
                OpenCase(
                    case_id,
                    v[_AT["department"]],
                    bool(v[_AT["silent"]]),
                    from_text(v[_FIRST_AT]),
                    v[_ATTEMPTS] or 1,
                    v[_RING],
                    case.first_fingerprint,
                    v[_AT["extension"]],
                )
            )
        return briefs

    def apply(self, changes: Iterable[Change], now: datetime) -> ApplyResult:
        """What :meth:`Ledger.apply` does with a plan, done to the book."""
        return apply_plan(self, changes, now)

    def take(self, *, all_cases: bool = False) -> CaseRows:
        """The rows of what changed since the last hand-over: a batch's events and legs
        (held for a whole commit, a 10 s one's rows took 60 MB), and the changed cases
        once :data:`CASES_HELD` have gathered or ``all_cases`` (before a commit): most
        cases close within a batch or two, so most are written once, closed; one still
        open then is written again when it changes. Closed cases written are forgotten."""
        stored = self.ledger.last_rowid()
        if stored != self._next_rowid - 1:
            raise RuntimeError(
                f"the import's calls end at rowid {stored}, the case book counted"
                f" {self._next_rowid - 1}: calls were stored beside it"
            )
        cases: list[tuple[Any, ...]] = []
        if all_cases or len(self._changed) >= CASES_HELD:
            cases = [tuple(self._cases[case_id].values) for case_id in self._changed]
            for case_id in self._changed:
                if self._cases[case_id].values[_STATUS] != CaseStatus.OPEN:
                    del self._cases[case_id]
            self._changed = {}
        rows = CaseRows(cases=cases, events=self._events, legs=self._legs, noted=self._noted)
        self._events, self._noted, self._legs = [], [], []
        return rows

    def take_callers(self) -> list[tuple[str, str, str | None]]:
        """(number, first call, first incoming call) of the numbers with calls since the
        last time: the table ``callers``, folded in once per commit, not per batch."""
        numbers = self._numbers
        rows = [
            (remote, numbers[remote].first_at, numbers[remote].first_in_at)
            for remote in self._new_callers
            if remote
        ]
        self._new_callers = {}
        return rows

    def _when(self, now: datetime) -> str:
        """``now`` as text, once per plan: every change of a plan shares its moment."""
        if now is not self._now:
            self._now, self._now_text = now, to_text(now)
        return self._now_text

    def open_case(self, change: NewCase, now: datetime) -> int:
        if not change.silent:
            raise ValueError("a history import's cases are silent; this one would be posted")
        call = change.call
        assert call.remote is not None
        case_id, self._next_case = self._next_case, self._next_case + 1
        case = Case(
            id=case_id,
            department=change.department,
            chat=change.chat,
            remote=call.remote,
            status=CaseStatus.OPEN,
            first_at=call.started_at,
            last_at=call.started_at,
            attempts=1,
            extension=call.extension,
            ring_seconds=call.ring_seconds,
            new_caller=change.new_caller,
            contact_name=change.contact_name,
            contact_company=change.contact_company,
            silent=True,
            miss_reason=call.miss_reason,
        )
        self._cases[case_id] = _OpenCase(CASES.values(case), call.fingerprint)
        self._open.setdefault(call.remote, []).append(case_id)
        self._changed[case_id] = None
        self._event(case_id, self._when(now), EventKind.OPENED, call.extension, call)
        return case_id

    def _still_open(self, case_id: int) -> list[Any] | None:
        """The row of an open case, to change (marked to be written), or None."""
        case = self._cases.get(case_id)
        if case is None or case.values[_STATUS] != CaseStatus.OPEN:
            return None
        self._changed[case_id] = None
        case.values[_VERSION] += 1
        return case.values

    def add_attempt(
        self,
        case_id: int,
        call: Call,
        now: datetime,
        remind_again_before: datetime | None = None,  # an import's cases are never reminded
    ) -> bool:
        v = self._still_open(case_id)
        if v is None:
            return False
        at = to_text(call.started_at)
        v[_ATTEMPTS] += 1
        v[_LAST_AT] = max(v[_LAST_AT], at)
        v[_FIRST_AT] = min(v[_FIRST_AT], at)
        if call.ring_seconds is not None:
            v[_RING] = call.ring_seconds
        if call.miss_reason is not None:
            v[_REASON] = call.miss_reason
        self._event(case_id, self._when(now), EventKind.ATTEMPT, call.extension, call)
        return True

    def close_by_call(self, case_id: int, call: Call, now: datetime) -> bool:
        outgoing = call.direction == Direction.OUT
        how = ClosedHow.CALL if outgoing else ClosedHow.ANSWER
        if not self._close(case_id, how, call, by_user_cleared=True):
            return False
        kind = EventKind.CALLBACK if outgoing else EventKind.ANSWERED_LATER
        self._event(case_id, self._when(now), kind, call.extension, call)
        return True

    def record_overflow(self, leg: OverflowLeg) -> bool:
        if leg.missed_fingerprint not in self._leg_keys:
            self._leg_keys.add(leg.missed_fingerprint)
            self._legs.append((leg.missed_fingerprint, None, leg.extension))
        return True

    def record_leg(self, leg: AnsweredLeg, now: datetime) -> bool:
        answered = leg.answered
        if leg.missed_fingerprint not in self._leg_keys:
            self._leg_keys.add(leg.missed_fingerprint)
            self._legs.append((leg.missed_fingerprint, answered.fingerprint, answered.extension))
        if leg.case_id is None:
            return True
        if not self._close(leg.case_id, ClosedHow.LEG, answered, by_user_cleared=False):
            return False
        self._event(
            leg.case_id, self._when(now), EventKind.ANSWERED_LEG, answered.extension, answered
        )
        return True

    def _close(self, case_id: int, how: ClosedHow, call: Call, *, by_user_cleared: bool) -> bool:
        v = self._still_open(case_id)
        if v is None:
            return False
        started = to_text(call.started_at)
        v[_STATUS] = CaseStatus.CLOSED
        for column, value in zip(
            _CLOSE_COLUMNS, (started, how, call.extension, started, call.duration), strict=True
        ):
            v[column] = value
        if by_user_cleared:
            for column in _BY_USER:
                v[column] = None
        remote = v[_AT["remote"]]
        left = self._open[remote]
        left.remove(case_id)
        if not left:
            del self._open[remote]
        return True

    def confirm_press(self, case_id: int, call: Call, now: datetime) -> bool:
        """Never planned here (:attr:`holds_presses`): no case of the book was pressed."""
        return False

    def add_failed_callback(self, case_id: int, *, now: datetime, call: Call) -> bool:
        if self._still_open(case_id) is None:
            return False
        self._event(
            case_id, to_text(call.started_at), EventKind.CALLBACK_FAILED, call.extension, call
        )
        return True

    def _event(self, case_id: int, at: str, kind: EventKind, extension: str, call: Call) -> None:
        """A case_events row as :meth:`Ledger._event` writes one from the call log."""
        self._noted.append(Noted(case_id, kind, ActorKind.PBX, extension))
        self._events.append(
            (case_id, at, kind, ActorKind.PBX, None, None, extension, call.fingerprint,
             call.duration, None)
        )  # fmt: skip


def _insert(times: array[int], rows: array[int], stamp: int, rowid: int) -> None:
    """Keep (time, rowid) order: rowids only grow, so an equal time goes after."""
    at = bisect_right(times, stamp)
    if at == len(times):
        times.append(stamp)
        rows.append(rowid)
    else:
        times.insert(at, stamp)
        rows.insert(at, rowid)


def _first_from(
    times: array[int], rows: array[int], low: int, high: int | None, cursor: int
) -> tuple[int, int]:
    """(time, rowid) of the first call from ``low`` on (before ``high``) that is applied
    already (rowid up to ``cursor``); (past every time, -1) when there is none."""
    for at in range(bisect_left(times, low), len(times)):
        if high is not None and times[at] >= high:
            break
        if rows[at] <= cursor:
            return times[at], rows[at]
    return _NONE


_NONE = (2**63, -1)
