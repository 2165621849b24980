"""One INFO log line per case change, written once the change is on disk.

Every change of a case is one row of ``case_events`` (:meth:`Ledger._event`), so that is
where a change is noted; the ledger writes the lines after its COMMIT, so a rolled-back
change is never logged and a change is logged exactly once, whoever made it (the call
log, a press, the reminder job). The lines say the case id, the department and the
caller's number by its last four digits only: the log is read by people who need not
know whom the office calls, and the ledger has the rest. Presses are "in the chat", with
no name: the ledger's history says who. Cases from history (silent: never posted, e.g.
an import of a year) are logged at DEBUG, so an import does not write a line per call.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from watcher.vocab import ActorKind, EventKind

log = logging.getLogger(__name__)

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Noted:
    """One case change as :meth:`Ledger._event` recorded it; slots: an import's
    transaction holds one per event (tens of thousands) until its commit."""

    case_id: int
    kind: str
    actor_kind: str
    extension: str | None = None


def masked(remote: str | None) -> str:
    """A caller's number as the log shows it: ``…4567``."""
    digits = "".join(ch for ch in remote or "" if ch.isdigit())
    return f"…{digits[-4:]}" if digits else "no number"


def describe(change: Noted) -> str:
    """What happened, in the log's words (without the case's id and department)."""
    ext = change.extension or "?"
    by_user = change.actor_kind == ActorKind.USER
    kind = change.kind
    if kind == EventKind.OPENED:
        return f"opened: missed call to {ext}"
    if kind == EventKind.ATTEMPT:
        return f"grew: another missed call to {ext}"
    if kind == EventKind.CALLBACK_FAILED:
        if by_user:
            return "attempt: a callback did not get through (marked in the chat)"
        return f"attempt: a callback from ext {ext} did not get through"
    if kind == EventKind.CLAIMED:
        return "claimed in the chat"
    if kind == EventKind.REMINDED:
        return "reminded"
    if kind == EventKind.ESCALATED:
        return "escalated to the managers' chat"
    if kind == EventKind.CALLBACK:
        return f"closed: called back from ext {ext}"
    if kind == EventKind.ANSWERED_LATER:
        return f"closed: the caller got through to ext {ext}"
    if kind == EventKind.ANSWERED_LEG:
        return f"closed: ext {ext} answered another leg of the same call"
    if kind == EventKind.CLOSED:
        return "closed: marked called back in the chat"
    if kind == EventKind.NOT_NEEDED:
        return "closed: marked not needed in the chat"
    if kind == EventKind.EXPIRED:
        return "closed: expired (history, never posted)"
    if kind == EventKind.REOPENED:
        return "reopened in the chat"
    return kind


def write(conn: sqlite3.Connection, changes: list[Noted]) -> None:
    """Log ``changes`` (committed just now), reading each case's department and number."""
    if not changes or not log.isEnabledFor(logging.INFO):
        return
    ids = sorted({c.case_id for c in changes})
    cases: dict[int, tuple[str, str | None, bool]] = {}
    try:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            cursor = conn.execute(
                f"SELECT id, department, remote, silent FROM cases WHERE id IN ({marks})", chunk
            )
            for row in cursor:
                cases[int(row[0])] = (str(row[1]), row[2], bool(row[3]))
    except Exception:  # the change is on disk; a log line is not worth an error
        log.debug("could not read the cases of %d changes for the log", len(changes))
        return
    for change in changes:
        department, remote, silent = cases.get(change.case_id, ("?", None, False))
        level = logging.DEBUG if silent else logging.INFO
        if log.isEnabledFor(level):
            log.log(
                level,
                "case %d %s (%s, %s)",
                change.case_id,
                describe(change),
                department,
                masked(remote),
            )
