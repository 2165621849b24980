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

from watcher.texts import LogText
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
    return f"…{digits[-4:]}" if digits else LogText("no number")


def describe(change: Noted) -> LogText:
    """What happened, in the log's words (without the case's id and department); the
    log's formatter tells them in the office's language."""
    ext = change.extension or "?"
    by_user = change.actor_kind == ActorKind.USER
    kind = change.kind
    if kind == EventKind.OPENED:
        return LogText("opened: missed call to %s", ext)
    if kind == EventKind.ATTEMPT:
        return LogText("grew: another missed call to %s", ext)
    if kind == EventKind.CALLBACK_FAILED:
        if by_user:
            return LogText("attempt: a callback did not get through (marked in the chat)")
        return LogText("attempt: a callback from ext %s did not get through", ext)
    if kind == EventKind.CLAIMED:
        return LogText("claimed in the chat")
    if kind == EventKind.REMINDED:
        return LogText("reminded")
    if kind == EventKind.ESCALATED:
        return LogText("escalated to the managers' chat")
    if kind == EventKind.CALLBACK:
        return LogText("closed: called back from ext %s", ext)
    if kind == EventKind.ANSWERED_LATER:
        return LogText("closed: the caller got through to ext %s", ext)
    if kind == EventKind.ANSWERED_LEG:
        return LogText("closed: ext %s answered another leg of the same call", ext)
    if kind == EventKind.CLOSED:
        return LogText("closed: marked called back in the chat")
    if kind == EventKind.NOT_NEEDED:
        return LogText("closed: marked not needed in the chat")
    if kind == EventKind.EXPIRED:
        return LogText("closed: expired (history, never posted)")
    if kind == EventKind.REOPENED:
        return LogText("reopened in the chat")
    return LogText("%s", kind)


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
