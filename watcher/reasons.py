"""Why each missed call was missed, decided once when the call is stored.

The contract's order, first match wins: a short abandon, after hours, timed out (rang the
department's ``ring_timeout_seconds`` or longer), hung up (rang less than a known
timeout), unanswered (a ring time, no timeout known), unknown (no ring time). The reason
is stored with the call, so every figure groups by it in SQL and a later change of the
config (hours, timeouts) never rewrites what a manager already saw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from watcher.config import Config, route
from watcher.ledger import Ledger
from watcher.models import Call, from_text
from watcher.texts import tr
from watcher.vocab import Direction, MissReason

# Ledgers from before reasons were stored: step 10 sets this, the first open with the
# config fills their missed calls and removes it.
PENDING_KEY = "miss_reasons_pending"
_CHUNK = 5_000


def reason_for(
    config: Config,
    *,
    started_at: datetime | str,
    ring_seconds: int | None,
    extension: str,
    co_line: str,
) -> MissReason:
    """The reason of one missed incoming call (its call row's values)."""
    if ring_seconds is not None and ring_seconds < config.rules.min_ring_seconds:
        return MissReason.SHORT_ABANDON
    moment = from_text(started_at) if isinstance(started_at, str) else started_at
    if not config.hours.always_open and not config.hours.is_open(moment):
        return MissReason.AFTER_HOURS
    if ring_seconds is None:
        return MissReason.UNKNOWN
    department = route(config.departments, extension, co_line)
    timeout = department.ring_timeout_seconds if department is not None else 0
    if timeout > 0:
        return MissReason.TIMED_OUT if ring_seconds >= timeout else MissReason.HUNG_UP
    return MissReason.UNANSWERED


def reason_words(reason: MissReason | None, ring_seconds: int | None, language: str) -> str:
    """Why a call was missed, in the contract's words (the card, /missed, the demo's
    console); "" when there is nothing to say. No markup: safe in HTML and plain text."""
    if reason is None or reason is MissReason.UNKNOWN:
        return tr(language, "case_ring", seconds=ring_seconds) if ring_seconds else ""
    if reason is MissReason.AFTER_HOURS:
        return tr(language, "reason_after_hours")
    return tr(language, f"reason_{reason}", seconds=ring_seconds or 0)


def is_missed(call: Call) -> bool:
    """An external incoming call nobody talked on: the calls that get a reason."""
    return call.direction == Direction.IN and call.duration <= 0 and bool(call.remote)


def with_reason(call: Call, config: Config) -> Call:
    """``call`` with its reason set (missed calls without one), otherwise as it is."""
    if call.miss_reason is not None or not is_missed(call):
        return call
    reason = reason_for(
        config,
        started_at=call.started_at,
        ring_seconds=call.ring_seconds,
        extension=call.extension,
        co_line=call.co_line,
    )
    return dataclasses.replace(call, miss_reason=reason)


def with_reasons(calls: Iterable[Call], config: Config) -> list[Call]:
    return [with_reason(call, config) for call in calls]


def fill_pending(ledger: Ledger, config: Config) -> int:
    """Give the missed calls stored before reasons existed their reason, with this config,
    once; the cases take the reason of their latest call. How many calls were filled."""
    if ledger.get_meta(PENDING_KEY) is None:
        return 0
    filled = 0
    conn = ledger.conn
    with ledger.transaction():
        rows = conn.execute(
            "SELECT fingerprint, started_at, ring_seconds, extension, co_line FROM calls"
            " WHERE miss_reason IS NULL AND direction = 'in' AND coalesce(duration, 0) <= 0"
            " AND coalesce(remote, '') <> ''"
        )
        while batch := rows.fetchmany(_CHUNK):
            updates = [
                (
                    str(
                        reason_for(
                            config,
                            started_at=started,
                            ring_seconds=ring,
                            extension=str(extension or ""),
                            co_line=str(line or ""),
                        )
                    ),
                    fingerprint,
                )
                for fingerprint, started, ring, extension, line in batch
            ]
            conn.executemany("UPDATE calls SET miss_reason = ? WHERE fingerprint = ?", updates)
            filled += len(updates)
        conn.execute(
            "UPDATE cases SET miss_reason = (SELECT c.miss_reason FROM case_events e"
            " JOIN calls c ON c.fingerprint = e.call_fingerprint"
            " WHERE e.case_id = cases.id AND e.kind IN ('opened', 'attempt')"
            " ORDER BY c.started_at DESC LIMIT 1) WHERE miss_reason IS NULL"
        )
        conn.execute("DELETE FROM meta WHERE key = ?", [PENDING_KEY])
    return filled
