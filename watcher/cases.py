"""The missed-call rules: which calls open, grow and close cases.

Pure decisions live in :func:`decide`, :func:`joinable_case` and :func:`plan_callback`;
:class:`CaseRules` gathers what they need, turns a call into a plan of changes
(:mod:`watcher.changes`) and hands it to the ledger, which applies it in one go. Open
cases are few, so their numbers are kept in a set to spare a query per call when a year
of history is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from watcher.changes import (
    AnsweredLeg,
    ApplyResult,
    CaseStore,
    Change,
    CloseCase,
    ConfirmPress,
    FailedCallback,
    JoinCase,
    NewCase,
    OpenCase,
    OverflowLeg,
)
from watcher.clock import after_clocks_went_back
from watcher.config import Config, Department, route, station_name
from watcher.contacts import ContactBook, employee_keys
from watcher.hours import OfficeHours
from watcher.ledger import Ledger
from watcher.models import Call
from watcher.reasons import with_reason
from watcher.vocab import Action, AfterHours, Direction, Reason

log = logging.getLogger(__name__)

# How far apart two legs of one call may start beyond the first leg's ring time.
LEG_SLACK = timedelta(seconds=5)
# How long a short abandon waits for its answered leg's row (written when the talk ends).
ABANDON_MEMORY = timedelta(hours=2)
ABANDONS_KEPT = 1000  # numbers with a short abandon waiting, before the old are forgotten
# A callback in the log confirms a ✅ pressed on the case up to this long before the call
# started: an operator may press first and dial a minute later, and the PBX's clock (the
# call's time) and the server's (the press's) can be some minutes apart.
PRESS_SLACK = timedelta(minutes=15)


@dataclass(frozen=True)
class Decision:
    action: Action
    department: Department | None = None
    reason: Reason = Reason.NONE


def decide(
    call: Call,
    *,
    departments: tuple[Department, ...],
    employees: frozenset[str],
    callback_min_seconds: int,
    min_ring_seconds: int = 0,
) -> Decision:
    """What a call means for cases, from the call alone."""
    if call.remote is None:
        external = call.direction in (Direction.IN, Direction.OUT)
        return Decision(
            Action.IGNORE, reason=Reason.NO_EXTERNAL_NUMBER if external else Reason.INTERNAL
        )
    if call.remote in employees:
        return Decision(Action.IGNORE, reason=Reason.EMPLOYEE)
    if call.direction == Direction.IN and call.duration == 0:
        if call.ring_seconds is not None and call.ring_seconds < min_ring_seconds:
            return Decision(Action.IGNORE, reason=Reason.SHORT_ABANDON)
        department = route(departments, call.extension, call.co_line)
        if department is None:
            return Decision(Action.IGNORE, reason=Reason.NO_DEPARTMENT)
        return Decision(Action.MISSED, department)
    if call.direction == Direction.IN:
        return Decision(Action.CALLBACK, reason=Reason.ANSWERED_INCOMING)
    if call.direction == Direction.OUT and call.answered and call.duration >= callback_min_seconds:
        return Decision(Action.CALLBACK, reason=Reason.ANSWERED_OUTGOING)
    if call.direction == Direction.OUT:
        # Not a callback, but someone tried: the card lists it, the case stays open.
        why = Reason.OUTGOING_TOO_SHORT if call.answered else Reason.OUTGOING_UNANSWERED
        return Decision(Action.ATTEMPT, reason=why)
    return Decision(Action.IGNORE, reason=Reason.OTHER)


class CaseRules:
    """Decides what each call does to the cases and has the ledger apply it.

    Reads (open cases, earlier calls, the contact book) happen here; every write is one
    :meth:`Ledger.apply` of the plan, inside the caller's write transaction. ``ledger``
    is the ledger, or an import's case book that stands in for it.
    """

    def __init__(
        self, config: Config, ledger: CaseStore, contacts: ContactBook | None = None
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.contacts = contacts or ContactBook(config.rules.contacts_csv)
        self.employees = employee_keys(config.rules.employee_numbers)
        self._open_remotes: set[str] | None = None
        self._unapplied: set[str] = set()
        self._unrouted_logged: set[str] = set()
        self._left_open = False  # the last callback planned leaves a case of its number open
        # While history is backfilled behind a live tail: where the tail begins. The
        # history's calls then see only what a pass in file order would have seen by
        # then: no case that began after them, no answer from the tail (answer_history).
        self.history_before: datetime | None = None
        # Short abandons whose answered leg may still come (min_ring_seconds > 0): per
        # number, (leg window start, end, fingerprint). No case holds them, so the rules
        # do, and read those an earlier run left waiting from the ledger (begin).
        self._abandons: dict[str, list[tuple[datetime, datetime, str]]] = {}
        self._abandons_loaded = False  # those stored before this run: read at begin()

    def begin(self, batch: Sequence[Call] = ()) -> None:
        """Load the numbers with open cases; call inside the batch's write transaction,
        with the batch's calls (stored already, about to be applied in order)."""
        self._open_remotes = self.ledger.open_remotes()
        self._unapplied = {call.fingerprint for call in batch}
        if not self._abandons_loaded and batch:
            self._load_abandons(batch)
            self._abandons_loaded = True

    def _load_abandons(self, batch: Sequence[Call]) -> None:
        """The short abandons an earlier run stored and was still waiting to see answered
        (the answered leg's row comes when its talk ends): a restart between the two rows
        must not leave a call that was answered counted as missed. Those that can be
        answered by the first batch read after the restart: from :data:`ABANDON_MEMORY`
        before its oldest call on."""
        times = [call.started_at for call in batch]
        try:
            since = min(times) - ABANDON_MEMORY
        except OverflowError:  # a garbled date in year 1
            since = datetime.min
        stored = self.ledger.waiting_abandons(since, max(times))
        for call in stored:
            if call.fingerprint in self._unapplied or call.remote in self.employees:
                continue  # this batch's own, applied in turn; an employee's is no abandon
            assert call.remote is not None
            start, end = leg_window(call.started_at, call.ring_seconds)
            self._abandons.setdefault(call.remote, []).append((start, end, call.fingerprint))

    def apply(self, call: Call, *, now: datetime, silent: bool) -> ApplyResult:
        """Plan what ``call`` does to the cases, apply it, and say what changed."""
        if self.skip(call):
            return ApplyResult()
        return self.apply_planned(call, now=now, silent=silent)

    def skip(self, call: Call) -> bool:
        """The first half of :meth:`apply`: ``call`` counts as applied from now on, and
        True says it changes no case, so the second half (:meth:`apply_planned`) can be
        left out; an import skips most calls without building an empty result each."""
        self._unapplied.discard(call.fingerprint)
        return self._inert(call)

    def apply_planned(self, call: Call, *, now: datetime, silent: bool) -> ApplyResult:
        """The rest of :meth:`apply`, for a call :meth:`skip` did not pass over."""
        changes = self.plan(call, silent=silent, now=now)
        if not changes:
            return ApplyResult()
        result = self.ledger.apply(changes, now)
        self._track(call, changes, result)
        return result

    def _inert(self, call: Call) -> bool:
        """Whether ``call`` can change no case: no outside number, or a number without an
        open case on a call that cannot open one (only a missed incoming call can). Most
        calls of an import are so; :meth:`plan` would come to the same empty plan."""
        remote = call.remote
        if remote is None:
            return True
        if self._abandons and remote in self._abandons and call.direction is Direction.IN:
            return False
        remotes = self._open_remotes
        if remotes is None or remote in remotes:
            return False
        if call.direction is Direction.IN:
            return call.duration != 0
        if call.direction is not Direction.OUT or not self._presses:  # an import: inert
            return True
        # A callback may still confirm a case a person closed before its row came.
        return not (call.duration > 0 and call.duration >= self.config.rules.callback_min_seconds)

    @property
    def _presses(self) -> bool:
        """Whether a case closed by a press can be waiting for its callback's row: not in
        an import's book, nor for history read behind the live tail (older than any case
        the chat was shown)."""
        return self.ledger.holds_presses and self.history_before is None

    def _decide(self, call: Call) -> Decision:
        """:func:`decide` with this office's departments, employees and rules."""
        return decide(
            call,
            departments=self.config.departments,
            employees=self.employees,
            callback_min_seconds=self.config.rules.callback_min_seconds,
            min_ring_seconds=self.config.rules.min_ring_seconds,
        )

    def plan(self, call: Call, *, silent: bool, now: datetime) -> list[Change]:
        """The changes ``call`` makes; reads the ledger, writes nothing."""
        call = with_reason(call, self.config)  # stored with it already when it came in
        decision = self._decide(call)
        if decision.action is Action.MISSED:
            assert decision.department is not None and call.remote is not None
            return [self._missed(call, decision.department, silent=silent, now=now)]
        if decision.reason is Reason.SHORT_ABANDON:
            return self._short_abandon(call)
        if decision.action is Action.CALLBACK:
            assert call.remote is not None
            legs = self._answered_abandons(call)
            open_cases = self._open_for(call.remote)
            closes = plan_callback(call, open_cases, self.config.tz)
            self._left_open = len(closes) < len(open_cases)
            if closes or decision.reason is not Reason.ANSWERED_OUTGOING or not self._presses:
                return [*legs, *closes]
            pressed = self.ledger.pressed_cases(call.remote, call.started_at, PRESS_SLACK)
            return [*legs, *(ConfirmPress(case_id, call) for case_id in pressed)]
        if decision.action is Action.ATTEMPT:
            assert call.remote is not None
            return plan_attempt(call, self._open_for(call.remote), self.config.tz)
        if decision.reason is Reason.NO_DEPARTMENT and call.extension not in self._unrouted_logged:
            self._unrouted_logged.add(call.extension)
            log.warning(
                "missed call to extension %s matches no department and none is default",
                call.extension,
            )
        return []

    def _short_abandon(self, call: Call) -> list[Change]:
        """A short abandon is never posted, but it can be a leg of an answered call all
        the same (the group rang 2 s, a station answered): then it is no missed call in
        any figure. The answer stored already links it now; a later one, when it comes."""
        remote = call.remote
        assert remote is not None
        start, end = leg_window(call.started_at, call.ring_seconds)
        answered = self.ledger.answered_leg(remote, start, end)
        if answered is not None:
            return [AnsweredLeg(call.fingerprint, answered)]
        if len(self._abandons) >= ABANDONS_KEPT:  # callers never answered: forget the old
            since = start - ABANDON_MEMORY
            kept = {r: [a for a in found if a[1] >= since] for r, found in self._abandons.items()}
            self._abandons = {r: found for r, found in kept.items() if found}
        waiting = [a for a in self._abandons.get(remote, []) if a[1] >= start - ABANDON_MEMORY]
        self._abandons[remote] = [*waiting, (start, end, call.fingerprint)]
        return []

    def _answered_abandons(self, call: Call) -> list[Change]:
        """The short abandons an answered incoming call was the answered leg of."""
        remote = call.remote
        if call.direction is not Direction.IN or remote not in self._abandons:
            return []
        assert remote is not None
        waiting = self._abandons.pop(remote)
        at = call.started_at
        legs: list[Change] = [AnsweredLeg(fp, call) for s, e, fp in waiting if s <= at <= e]
        kept = [a for a in waiting if not a[0] <= at <= a[1] and a[1] >= at - ABANDON_MEMORY]
        if kept:
            self._abandons[remote] = kept
        return legs

    def _open_for(self, remote: str) -> list[OpenCase]:
        if self._open_remotes is None:
            self.begin()
        assert self._open_remotes is not None
        if remote not in self._open_remotes:
            return []
        return self.ledger.open_cases_of(remote)

    def _missed(self, call: Call, department: Department, *, silent: bool, now: datetime) -> Change:
        remote = call.remote
        assert remote is not None
        start, end = leg_window(call.started_at, call.ring_seconds)
        answered = self.ledger.answered_leg(remote, start, end)
        if answered is not None:  # a colleague took this very call on another leg
            return AnsweredLeg(call.fingerprint, answered)
        open_cases = self._open_for(remote)
        if self.history_before is not None:
            open_cases = [c for c in open_cases if c.first_at <= call.started_at]
        first_leg = overflowed_case(call, open_cases)
        if first_leg is not None:  # the next group rang the same call: still one call
            return OverflowLeg(call.fingerprint, call.extension, first_leg.id)
        target = joinable_case(call, department.name, open_cases, silent=silent)
        if target is not None:
            return JoinCase(target.id, call, self._remind_again_before(call, silent=silent))
        contact = self.contacts.lookup(remote)
        new_caller = contact is None and not self.ledger.has_call_before(remote, call.started_at)
        # The answer may have been applied already: a callback whose row was final first.
        answer = self.ledger.first_answer_since(
            remote,
            call.started_at,
            self.config.rules.callback_min_seconds,
            exclude=self._unapplied,
            before=self.history_before,
        )
        return NewCase(
            call=call,
            department=department.name,
            chat=department.chat,
            silent=silent,
            new_caller=new_caller,
            contact_name=contact.name if contact else None,
            contact_company=contact.company if contact else None,
            answered_by=answer,
            held_until=None if silent else self._held_until(department.name, call, now),
        )

    def _held_until(self, department: str, call: Call, now: datetime) -> datetime | None:
        """:func:`held_until`, but not under a 🌙 header already posted: its count is what
        it said, so a call of its closed hours read by a later scan comes on its own."""
        opening = held_until(self.config.hours, now, call.started_at)
        if opening is None or opening > now:  # none, or the next opening: held for it
            return opening
        return None if self.ledger.digest_posted(department, opening) else opening

    def _remind_again_before(self, call: Call, *, silent: bool) -> datetime | None:
        """A live repeat call brings the case back to the chat's mind: its reminder is
        sent again, unless it went out less than ``remind_after_minutes`` before."""
        minutes = self.config.rules.remind_after_minutes
        if silent or minutes <= 0:
            return None
        return call.started_at - timedelta(minutes=minutes)

    def answer_history(self, ledger: Ledger, before: datetime, now: datetime) -> ApplyResult:
        """After a backfill: the calls from ``before`` on (the tail, read first) act on
        the silent cases still open from before it, as a pass in file order would have
        let them: failed callbacks are listed, the first callback closes the case."""
        result = ApplyResult()
        # Only numbers with calls in the tail can be answered there: a handful.
        remotes = ledger.open_remotes() & ledger.remotes_since(before)
        for remote in sorted(remotes):
            for case in ledger.open_cases_of(remote):
                if case.silent and case.first_at < before:
                    self._replay(ledger, case, remote, max(before, case.first_at), now, result)
        self._open_remotes = None  # loaded again by the next batch
        return result

    def _replay(
        self,
        ledger: Ledger,
        case: OpenCase,
        remote: str,
        since: datetime,
        now: datetime,
        result: ApplyResult,
    ) -> None:
        for call in ledger.calls_of(remote, since):
            decision = self._decide(call)
            if decision.action is Action.ATTEMPT:
                changes = plan_attempt(call, [case], self.config.tz)
            elif decision.action is Action.CALLBACK:
                changes = plan_callback(call, [case], self.config.tz)
            else:
                continue
            if changes:
                result.add(ledger.apply(changes, now))
            if decision.action is Action.CALLBACK and changes:
                return

    def _track(self, call: Call, changes: list[Change], result: ApplyResult) -> None:
        """Keep the set of numbers with open cases in step with what was applied."""
        remotes = self._open_remotes
        remote = call.remote
        if remotes is None or remote is None:
            return
        for change in changes:
            if isinstance(change, NewCase) and (change.answered_by is None or not result.closed):
                remotes.add(remote)
        if any(isinstance(c, AnsweredLeg) and c.case_id is not None for c in changes):
            if not self.ledger.has_open_case(remote):
                remotes.discard(remote)
            return
        closes = sum(isinstance(c, CloseCase) for c in changes)
        if not closes:
            return
        # Every case closed: none is left, as the pass holds the write lock. Otherwise a
        # case this call does not answer (or one closed meanwhile) decides.
        if (not self._left_open and result.closed == closes) or not self.ledger.has_open_case(
            remote
        ):
            remotes.discard(remote)


def joinable_case(
    call: Call, department: str, open_cases: Iterable[OpenCase], *, silent: bool
) -> OpenCase | None:
    """The open case a repeat missed call joins: the same department's, and never a silent
    one from a live call (nobody was told of that one)."""
    for case in open_cases:
        if case.department == department and (silent or not case.silent):
            return case
    return None


def overflowed_case(call: Call, open_cases: Iterable[OpenCase]) -> OpenCase | None:
    """The case whose one missed call ``call`` (missed too) is the next leg of: it rang
    another group, and started while that call's group rang, give or take
    :data:`LEG_SLACK` (the PBX gave up on the first group and rang the next). The same
    group again is the caller trying again: a call of its own."""
    group = station_name(call.extension)
    for case in open_cases:
        if case.attempts != 1 or not case.first_fingerprint or case.extension is None:
            continue
        if station_name(case.extension) == group:
            continue
        if rang_meanwhile(case, call) and case.first_fingerprint != call.fingerprint:
            return case
    return None


def held_until(hours: OfficeHours, now: datetime, started: datetime) -> datetime | None:
    """With the after-hours digest on, a call missed while the office was closed comes
    under the 🌙 header of the opening that ended that closed time: held until the next
    opening while the office is still closed, and when it is read after that opening (a
    weekend with the PC off, the share out of reach overnight) posted at once under it,
    the opening being past. None: post it now, on its own. A call that rang while the
    office was open is posted at once even when its row is read after closing (it is
    written when the call ends, and waits for CALLTYPE): staff still at their desks see a
    call from 17:59."""
    if hours.after_hours is not AfterHours.DIGEST or hours.is_open(started):
        return None
    if not hours.is_open(now):
        return hours.next_opening(now)
    # Open now: only the calls of the closed time that ended at this very opening. Older
    # ones (a backlog read days later) come plainly, and so does a call the PBX's clock,
    # running ahead, dates after closing while the office is open.
    opening = hours.next_opening(started)
    if opening is None or opening > now or opening.date() != now.date():
        return None
    return opening


def answers(case: OpenCase, call: Call, zone: tzinfo | None = None) -> bool:
    """Whether ``call`` came after the case's first missed call: at the same time or
    later, or, in the hour the clocks of ``zone`` go back, reading earlier (03:05 after
    03:50) yet read after it: the PBX writes naive local times, and a callback a quarter
    of an hour after a call missed at 03:50 summer time is at 03:05 winter time."""
    if case.first_at <= call.started_at:
        return True
    return zone is not None and after_clocks_went_back(case.first_at, call.started_at, zone)


def plan_attempt(
    call: Call, open_cases: Iterable[OpenCase], zone: tzinfo | None = None
) -> list[Change]:
    """A callback that did not get through is listed on every open case it was meant for."""
    return [FailedCallback(case.id, call) for case in open_cases if answers(case, call, zone)]


def leg_window(started: datetime, ring_seconds: int | None) -> tuple[datetime, datetime]:
    """When another leg of the same call starts: with the missed leg, or when its ringing
    gave up (an overflow to the next group), give or take :data:`LEG_SLACK`."""
    return started - LEG_SLACK, started + timedelta(seconds=ring_seconds or 0) + LEG_SLACK


def rang_meanwhile(case: OpenCase, call: Call) -> bool:
    """``call`` started while the case's first call rang (:func:`leg_window`)."""
    start, end = leg_window(case.first_at, case.ring_seconds)
    return start <= call.started_at <= end


def is_leg_of(case: OpenCase, call: Call) -> bool:
    """``call`` (answered, incoming) is another leg of the case's only missed call."""
    if case.attempts != 1 or call.direction != Direction.IN or not call.answered:
        return False
    return rang_meanwhile(case, call)


def plan_callback(
    call: Call, open_cases: Iterable[OpenCase], zone: tzinfo | None = None
) -> list[Change]:
    """A callback closes every open case of the number that it answers: a call before the
    first missed attempt is not an answer to it (but see :func:`answers` for the hour
    the clocks go back). An answered leg of the case's own call closes it as never
    missed."""
    changes: list[Change] = []
    for case in open_cases:
        if is_leg_of(case, call) and case.first_fingerprint:
            changes.append(AnsweredLeg(case.first_fingerprint, call, case.id))
        elif answers(case, call, zone):
            changes.append(CloseCase(case.id, call))
    return changes
