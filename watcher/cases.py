"""The missed-call rules: which calls open, grow and close cases.

Pure decisions live in :func:`decide`; :class:`CaseRules` applies them to the ledger.
Open cases are few, so their numbers are kept in a set to spare a query per call when
a year of history is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from watcher.config import Config, Department, route
from watcher.contacts import ContactBook, employee_keys
from watcher.ledger import Ledger
from watcher.models import Call
from watcher.vocab import Action, Direction, Reason

log = logging.getLogger(__name__)


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
        department = route(departments, call.extension, call.co_line)
        if department is None:
            return Decision(Action.IGNORE, reason=Reason.NO_DEPARTMENT)
        return Decision(Action.MISSED, department)
    if call.direction == Direction.IN:
        return Decision(Action.CALLBACK, reason=Reason.ANSWERED_INCOMING)
    if call.direction == Direction.OUT and call.answered and call.duration >= callback_min_seconds:
        return Decision(Action.CALLBACK, reason=Reason.ANSWERED_OUTGOING)
    if call.direction == Direction.OUT:
        return Decision(Action.IGNORE, reason=Reason.OUTGOING_TOO_SHORT)
    return Decision(Action.IGNORE, reason=Reason.OTHER)


@dataclass
class ApplyResult:
    opened: int = 0
    merged: int = 0
    closed: int = 0

    @property
    def changed(self) -> int:
        return self.opened + self.merged + self.closed


class CaseRules:
    def __init__(self, config: Config, ledger: Ledger, contacts: ContactBook | None = None) -> None:
        self.config = config
        self.ledger = ledger
        self.contacts = contacts or ContactBook(config.rules.contacts_csv)
        self.employees = employee_keys(config.rules.employee_numbers)
        self._open_remotes: set[str] | None = None
        self._unapplied: set[str] = set()
        self._unrouted_logged: set[str] = set()

    def begin(self, batch: Iterable[Call] = ()) -> None:
        """Load the numbers with open cases; call inside the batch's write transaction,
        with the batch's calls (stored already, about to be applied in order)."""
        self._open_remotes = self.ledger.open_remotes()
        self._unapplied = {call.fingerprint for call in batch}

    def apply(self, call: Call, *, now: datetime, silent: bool, result: ApplyResult) -> None:
        self._unapplied.discard(call.fingerprint)
        decision = decide(
            call,
            departments=self.config.departments,
            employees=self.employees,
            callback_min_seconds=self.config.rules.callback_min_seconds,
        )
        if decision.action is Action.MISSED:
            assert decision.department is not None and call.remote is not None
            self._missed(call, decision.department, now=now, silent=silent, result=result)
        elif decision.action is Action.CALLBACK:
            self._callback(call, now=now, result=result)
        elif decision.reason is Reason.NO_DEPARTMENT and call.extension not in (
            self._unrouted_logged
        ):
            self._unrouted_logged.add(call.extension)
            log.warning(
                "missed call to extension %s matches no department and none is default",
                call.extension,
            )

    def _open_for(self, remote: str) -> list[tuple[int, str, bool, datetime]]:
        """(id, department, silent, first_at) of the open cases of ``remote``."""
        if self._open_remotes is None:
            self.begin()
        assert self._open_remotes is not None
        if remote not in self._open_remotes:
            return []
        return self.ledger.open_case_briefs(remote)

    def _missed(
        self,
        call: Call,
        department: Department,
        *,
        now: datetime,
        silent: bool,
        result: ApplyResult,
    ) -> None:
        remote = call.remote
        assert remote is not None
        for case_id, case_department, case_silent, _ in self._open_for(remote):
            # A live call never joins a silent case: nobody was told of that one.
            joined = (
                case_department == department.name
                and (silent or not case_silent)
                and self.ledger.add_attempt(case_id, call, now)
            )
            if joined:
                result.merged += 1
                return
        contact = self.contacts.lookup(remote)
        new_caller = contact is None and not self.ledger.has_call_before(remote, call.started_at)
        case_id = self.ledger.create_case(
            call=call,
            department=department.name,
            chat=department.chat,
            new_caller=new_caller,
            contact_name=contact.name if contact else None,
            contact_company=contact.company if contact else None,
            silent=silent,
            now=now,
        )
        result.opened += 1
        # The answer may have been applied already: a callback whose row was final first.
        answer = self.ledger.first_answer_since(
            remote,
            call.started_at,
            self.config.rules.callback_min_seconds,
            exclude=self._unapplied,
        )
        if answer is not None and self.ledger.close_by_call(case_id, answer, now):
            result.closed += 1
        elif self._open_remotes is not None:
            self._open_remotes.add(remote)

    def _callback(self, call: Call, *, now: datetime, result: ApplyResult) -> None:
        remote = call.remote
        assert remote is not None
        cases = self._open_for(remote)
        left_open = False
        for case_id, _, _, first_at in cases:
            # A call before the first missed attempt is not an answer to it.
            if first_at > call.started_at:
                left_open = True
                continue
            if self.ledger.close_by_call(case_id, call, now):
                result.closed += 1
            else:
                left_open = True
        # Every case just closed: none is open, as the pass holds the write lock.
        if (
            self._open_remotes is not None
            and cases
            and (not left_open or not self.ledger.has_open_case(remote))
        ):
            self._open_remotes.discard(remote)
