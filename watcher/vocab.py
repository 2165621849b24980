"""The fixed vocabularies of the ledger, as ``StrEnum``s.

Each member's value is the text stored in SQLite since v0.1, so a member compares equal
to what a query returns and old ledgers need no migration for these.
"""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    """Which way a call went, from the PBX's point of view."""

    IN = "in"
    OUT = "out"
    INTERNAL = "internal"
    UNKNOWN = "unknown"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ClosedHow(StrEnum):
    """How a case was closed: an operator called back (log), the customer got through
    (log), a person pressed the button, a person said no callback is needed (spam, a
    wrong number, solved otherwise), or it was stale history nobody was told of."""

    CALL = "call"
    ANSWER = "answered"
    USER = "user"
    NOT_NEEDED = "not_needed"
    LEG = "leg"  # another leg of the same call was answered: it was never a missed call
    EXPIRY = "expired"

    @property
    def from_log(self) -> bool:
        return self in (ClosedHow.CALL, ClosedHow.ANSWER, ClosedHow.LEG)

    @property
    def by_person(self) -> bool:
        """Closed by a press in the chat: the same person or an admin may undo it."""
        return self in (ClosedHow.USER, ClosedHow.NOT_NEEDED)


class Action(StrEnum):
    """What the case rules make of one call."""

    MISSED = "missed"
    CALLBACK = "callback"
    ATTEMPT = "attempt"  # an outgoing call to the number that did not get through
    IGNORE = "ignore"


class Reason(StrEnum):
    """Why a call is ignored or what made it a callback; logged, never shown to users."""

    INTERNAL = "internal"
    NO_EXTERNAL_NUMBER = "no external number"
    EMPLOYEE = "employee number"
    NO_DEPARTMENT = "no department"
    SHORT_ABANDON = "short abandon"  # rang less than min_ring_seconds: counted, not posted
    ANSWERED_INCOMING = "answered incoming"
    ANSWERED_OUTGOING = "answered outgoing"
    OUTGOING_TOO_SHORT = "outgoing, too short"
    OUTGOING_UNANSWERED = "outgoing, not answered"
    OTHER = "other"
    NONE = ""


class MissReason(StrEnum):
    """Why a missed call was missed: stored with the call, first match wins (the contract's
    order), so every figure groups by it and a later config change rewrites nothing."""

    SHORT_ABANDON = "short_abandon"  # rang less than min_ring_seconds
    AFTER_HOURS = "after_hours"  # the office was closed
    TIMED_OUT = "timed_out"  # rang the department's ring_timeout_seconds or longer
    HUNG_UP = "hung_up"  # rang less than a known timeout: the caller gave up
    UNANSWERED = "unanswered"  # a ring time, but no timeout configured
    UNKNOWN = "unknown"  # no ring time in the table


class EventKind(StrEnum):
    """A row of ``case_events``: what happened to a case."""

    OPENED = "opened"
    ATTEMPT = "attempt"
    CALLBACK = "callback"
    ANSWERED_LATER = "answered_later"
    ANSWERED_LEG = "answered_leg"  # closed: another leg of the same call was answered
    CLOSED = "closed"
    REOPENED = "reopened"
    EXPIRED = "expired"
    CLAIMED = "claimed"  # 👋 "I'm calling"
    CALLBACK_FAILED = "callback_failed"  # 📵 a callback that did not get through
    NOT_NEEDED = "not_needed"  # 🚫 closed: no callback needed
    REMINDED = "reminded"
    ESCALATED = "escalated"


class ActorKind(StrEnum):
    """Who made a case change: the PBX's call log, a chat member, or the service itself."""

    PBX = "pbx"
    USER = "user"
    SYSTEM = "system"


class OutboxKind(StrEnum):
    """An outbox row: a case to post for the first time, or a change to show."""

    NEW = "new"
    UPDATE = "update"
    REMIND = "remind"  # a reply to the case's message: it has waited too long
    ESCALATE = "escalate"  # a copy of the case, with its buttons, in the managers' chat


class AfterHours(StrEnum):
    """What happens to a case opened while the office is closed (``hours.after_hours``)."""

    DIGEST = "digest"  # posted at opening, under one header message per department
    POST = "post"  # posted at once, as in v0.1


# How a case ends when it was called back, as every figure counts it ("перезвонили", the
# SLA, minutes to callback): found in the call log, or marked in the chat. A caller who got
# through on their own (ANSWER) was not called back: counted apart, "дозвонились сами".
CALLED_BACK = (ClosedHow.CALL, ClosedHow.USER)
