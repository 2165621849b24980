"""Which open cases are due a reminder or an escalation, in office time (pure).

A case open for ``remind_after_minutes`` of office time gets one reminder (a reply to its
own message); at ``escalate_after_minutes`` it goes to the managers' chat. Each happens at
most once per case: the ledger records when (``reminded_at``, ``escalated_at``), so a
restart neither forgets nor repeats one. Only a repeat call from the customer, well after
the reminder, brings the reminder once more (JoinCase), at the next office moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from watcher.hours import OfficeHours
from watcher.models import Case
from watcher.vocab import OutboxKind


@dataclass(frozen=True)
class Due:
    case_id: int
    kind: OutboxKind  # REMIND or ESCALATE


def due_now(
    cases: Iterable[Case],
    hours: OfficeHours,
    now: datetime,
    *,
    remind_after: int,
    escalate_after: int,
    posted: Mapping[int, datetime] | None = None,
) -> list[Due]:
    """The reminders and escalations due at ``now``; 0 minutes switches one off. None
    while the office is closed: one that came due while Perezvon was not running (the PC
    off over the holidays) waits for the next opening, not a ping on a holiday.

    ``posted``: when each case's card went to the chat (the bot's ledger knows). A
    reminder is a reply to the card, so it waits for the card; a card posted after its
    reminder was due (calls read days late, after a long stop) is reminded
    ``remind_after`` office minutes after it was posted, not at once beneath it. So is
    an escalation: the department has its time with the card before the managers get a
    copy (after a long stop, hundreds of them at once). A case with no card at all (its
    chat refuses) is escalated as before: the managers' chat is then where it is seen."""
    due: list[Due] = []
    if not hours.is_open(now):
        return due
    for case in cases:
        if not case.is_open or case.silent:
            continue
        # Real minutes (the night the clocks change too); of the hour that comes twice,
        # which one the case's times are from as seen from now.
        first = hours.as_seen_at(case.first_at, now)
        card = posted.get(case.id) if posted is not None else None
        seen = hours.as_seen_at(card, now) if card is not None else None
        if remind_after > 0 and case.reminded_at is None:
            at = hours.after(first, remind_after)
            # Not before the office opens after the last call: a repeat call forgets the
            # reminder (JoinCase), and one at 07:44 is reminded at opening, not at once.
            again = hours.after(hours.as_seen_at(case.last_at, now), 0)
            if at is not None and again is not None and not hours.reached(again, at):
                at = again
            if posted is not None and seen is None:
                at = None  # no card to reply to yet
            at = _after_card(hours, at, seen, remind_after)
            if at is not None and hours.reached(at, now):
                due.append(Due(case.id, OutboxKind.REMIND))
        if escalate_after > 0 and case.escalated_at is None:
            at = hours.after(first, escalate_after)
            at = _after_card(hours, at, seen, escalate_after)
            if at is not None and hours.reached(at, now):
                due.append(Due(case.id, OutboxKind.ESCALATE))
    return due


def _after_card(
    hours: OfficeHours, at: datetime | None, seen: datetime | None, minutes: int
) -> datetime | None:
    """``at``, or ``minutes`` of office time after the card was posted (``seen``) when
    the card came only at or after ``at``."""
    if at is not None and seen is not None and hours.reached(at, seen):
        return hours.after(seen, minutes)
    return at
