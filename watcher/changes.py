"""What the case rules decide for one call, as data the ledger applies.

The rules (:mod:`watcher.cases`) read and decide; :meth:`watcher.ledger.Ledger.apply`
writes a whole plan in one transaction: the case rows, their history and the outbox rows
that tell the chats. Nothing here touches SQLite.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from watcher.models import Call


@dataclass(frozen=True)
class OpenCase:
    """What the rules need of a case that is still open."""

    id: int
    department: str
    silent: bool
    first_at: datetime
    attempts: int = 1
    ring_seconds: int | None = None
    first_fingerprint: str | None = None  # the missed call that opened it
    extension: str | None = None  # the group (or station) its first call rang


@dataclass(frozen=True)
class JoinCase:
    """A repeat missed call becomes one more attempt of an open case.

    ``remind_again_before``: a reminder sent before then is forgotten, so the case is
    reminded again at the next office moment. A repeat call only edits the card, which
    Telegram does not notify of: without this, a caller who rang again on Monday about
    Friday's reminded card would reach nobody until the escalation.
    """

    case_id: int
    call: Call
    remind_again_before: datetime | None = None


@dataclass(frozen=True)
class NewCase:
    """A missed call opens a case; ``answered_by`` closes it at once (the answer came first)."""

    call: Call
    department: str
    chat: int | None
    silent: bool
    new_caller: bool
    contact_name: str | None
    contact_company: str | None
    answered_by: Call | None = None
    held_until: datetime | None = None  # after hours: posted at this opening


@dataclass(frozen=True)
class CloseCase:
    """A callback or a later answered call closes an open case from the call log."""

    case_id: int
    call: Call


@dataclass(frozen=True)
class ConfirmPress:
    """The call log's callback for a case a person closed with ✅ before its row came
    (WinTariff writes a call when it ends, an operator presses as he hangs up): the case
    ends as closed by that call, as if the row had come first, so the figures credit the
    extension that called and count it as a callback from the log."""

    case_id: int
    call: Call


@dataclass(frozen=True)
class FailedCallback:
    """An outgoing call to the number that did not get through: listed, the case stays open."""

    case_id: int
    call: Call


@dataclass(frozen=True)
class AnsweredLeg:
    """A missed leg of a call another leg answered (a ring group where a colleague picked
    up): not a missed call. ``case_id``, when the leg had been posted, is closed as such."""

    missed_fingerprint: str
    answered: Call
    case_id: int | None = None


@dataclass(frozen=True)
class OverflowLeg:
    """A missed leg of a call whose first leg is a case already: the group gave up and
    the PBX rang the next one, which did not answer either. One missed call, the case's,
    so no case of its own and no second missed call in the figures."""

    missed_fingerprint: str
    extension: str
    case_id: int


Change = JoinCase | NewCase | CloseCase | ConfirmPress | FailedCallback | AnsweredLeg | OverflowLeg


@dataclass
class ApplyResult:
    """How many cases a call (or a pass) opened, grew and closed."""

    opened: int = 0
    merged: int = 0
    closed: int = 0
    attempts: int = 0  # failed callbacks from the log listed on open cases
    legs: int = 0  # legs of a call counted once: answered ones', and overflows of a case
    confirmed: int = 0  # cases closed by a press that the call log's callback confirmed

    @property
    def changed(self) -> int:
        return self.opened + self.merged + self.closed + self.attempts + self.legs + self.confirmed

    def add(self, other: ApplyResult) -> None:
        self.opened += other.opened
        self.merged += other.merged
        self.closed += other.closed
        self.attempts += other.attempts
        self.legs += other.legs
        self.confirmed += other.confirmed


class PlanWriter(Protocol):
    """How a store writes each kind of change: the ledger in SQL, an import's case book in
    memory. :func:`apply_plan` is the one place that reads a plan."""

    def open_case(self, change: NewCase, now: datetime) -> int: ...

    def add_attempt(
        self,
        case_id: int,
        call: Call,
        now: datetime,
        remind_again_before: datetime | None = None,
    ) -> bool: ...

    def close_by_call(self, case_id: int, call: Call, now: datetime) -> bool: ...

    def confirm_press(self, case_id: int, call: Call, now: datetime) -> bool: ...

    def record_leg(self, leg: AnsweredLeg, now: datetime) -> bool: ...

    def record_overflow(self, leg: OverflowLeg) -> bool: ...

    def add_failed_callback(self, case_id: int, *, now: datetime, call: Call) -> bool: ...


def apply_plan(writer: PlanWriter, changes: Iterable[Change], now: datetime) -> ApplyResult:
    """Each change to ``writer``; what it did, counted (a case found closed already counts
    as nothing done)."""
    result = ApplyResult()
    for change in changes:
        if isinstance(change, JoinCase):
            result.merged += writer.add_attempt(
                change.case_id, change.call, now, change.remind_again_before
            )
        elif isinstance(change, CloseCase):
            result.closed += writer.close_by_call(change.case_id, change.call, now)
        elif isinstance(change, ConfirmPress):
            result.confirmed += writer.confirm_press(change.case_id, change.call, now)
        elif isinstance(change, AnsweredLeg):
            result.legs += writer.record_leg(change, now)
        elif isinstance(change, OverflowLeg):
            result.legs += writer.record_overflow(change)
        elif isinstance(change, FailedCallback):
            result.attempts += writer.add_failed_callback(change.case_id, now=now, call=change.call)
        else:
            case_id = writer.open_case(change, now)
            result.opened += 1
            if change.answered_by is not None:
                result.closed += writer.close_by_call(case_id, change.answered_by, now)
    return result


class CaseStore(Protocol):
    """What the rules read and where their plans go: the ledger, or during an import
    into an empty ledger the import's case book (watcher/import_book.py)."""

    def open_remotes(self) -> set[str]: ...

    def has_open_case(self, remote: str) -> bool: ...

    def open_cases_of(self, remote: str) -> list[OpenCase]: ...

    # Whether a person may have closed a case here (pressed_cases can find one): the
    # ledger; not an import's book, whose cases all come from history.
    holds_presses: bool

    def pressed_cases(self, remote: str, at: datetime, slack: timedelta) -> list[int]: ...

    def answered_leg(self, remote: str, start: datetime, end: datetime) -> Call | None: ...

    def waiting_abandons(self, since: datetime, until: datetime) -> list[Call]: ...

    def has_call_before(self, remote: str, before: datetime) -> bool: ...

    def digest_posted(self, department: str, held_until: datetime) -> bool: ...

    def first_answer_since(
        self,
        remote: str,
        since: datetime,
        min_outgoing: int,
        exclude: Collection[str] = (),
        before: datetime | None = None,
    ) -> Call | None: ...

    def apply(self, changes: Iterable[Change], now: datetime) -> ApplyResult: ...
