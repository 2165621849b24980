"""A notifier that prints cases to the terminal, draining the same outbox the bot drains.

It lets the demo (and an admin without a bot token yet) see exactly what would reach
the chats: a case opening, growing with repeat calls, taken by someone, a callback that
did not get through, a reminder, an escalation to the managers, the after-hours digest
at opening, and the close.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from watcher.closing import Surface, closing_words, operator_label
from watcher.hours import OfficeHours
from watcher.ledger import Ledger, OutboxBatch
from watcher.models import CallbackAttempt, Case
from watcher.phones import display_number
from watcher.reasons import reason_words
from watcher.stats import duration_text, span_text
from watcher.texts import clock_text, timed_key, times_word, tr
from watcher.vocab import CaseStatus, MissReason, OutboxKind

# Width of the event word ("ПРОПУЩЕН", "CALLED BACK" ...) so the case lines align.
_EVENT_WIDTH = 13


def who(case: Case, language: str = "ru") -> str:
    """The customer: number, contact and company, and whether the number is new."""
    text = display_number(case.remote)
    if case.contact_name:
        company = f", {case.contact_company}" if case.contact_company else ""
        text += f" ({case.contact_name}{company})"
    if case.new_caller:
        text += f" [{tr(language, 'console_new_caller')}]"
    return text


def describe(case: Case, language: str = "ru", now: datetime | None = None) -> str:
    """One line with everything a person needs to call the customer back.

    With ``now`` a last call on another day (a night before the opening) shows its date.
    """
    last = (
        clock_text(case.last_at, now, language)
        if now is not None
        else case.last_at.strftime("%H:%M")
    )
    calls = (
        tr(
            language,
            "console_repeated",
            count=case.attempts,
            times=times_word(language, case.attempts),
            last=last,
        )
        if case.attempts > 1
        else tr(language, "console_once", last=last)
    )
    parts = [f"#{case.id} {case.department}", who(case, language), calls]
    if case.miss_reason is not None and case.miss_reason is not MissReason.UNKNOWN:
        parts.append(reason_words(case.miss_reason, case.ring_seconds, language))
    elif case.ring_seconds:
        parts.append(tr(language, "console_ring", seconds=case.ring_seconds))
    if not case.is_open:
        parts.append(closing(case, language))
    return " — ".join(parts)


def closing(case: Case, language: str = "ru") -> str:
    """How the case was closed, as the console says it (plain text, time of day)."""
    return closing_words(case, language, Surface.CONSOLE, closer=case.closed_by_name or "?")


@dataclass(frozen=True)
class _Shown:
    """What the console last printed of a case, to print only what changed since."""

    attempts: int
    status: str
    failed: int  # callbacks that did not get through
    claimed_by: int | None
    first_shown: datetime


class ConsoleNotifier:
    """Drains the outbox and prints a line per change; remembers what it printed.

    ``hours`` gives the office time a reminder or an escalation says the case waited;
    ``operators`` (extension, user id), as ``[operators]``, names who dialled and who took
    a case. What was printed lives in memory only: this is the demo's chat, not the bot's.
    """

    def __init__(
        self,
        ledger: Ledger,
        *,
        language: str = "ru",
        out: TextIO,
        clock: Callable[[], datetime],
        hours: OfficeHours | None = None,
        operators: Iterable[tuple[str, int]] = (),
    ) -> None:
        self.ledger = ledger
        self.language = language
        self.out = out
        self.clock = clock
        self.hours = hours or OfficeHours()
        self.operators = tuple(operators)
        self._seen: dict[int, _Shown] = {}
        self._digests: set[tuple[str, datetime]] = set()  # (department, opening) headed

    def shown_at(self, case_id: int) -> datetime | None:
        """When the case was first printed: a person can only act on a posted case."""
        shown = self._seen.get(case_id)
        return shown.first_shown if shown else None

    def drain(self) -> int:
        """Print every due change; the number of lines printed."""
        printed = 0
        now = self.clock()
        batches = self.ledger.outbox_due(now, limit=500)
        cases = {b.case_id: self.ledger.get_case(b.case_id) for b in batches}
        for batch in self._digest_order(batches, cases):
            case = cases[batch.case_id]
            if case is not None:
                for line in self._lines(case, batch.kinds, now):
                    self.out.write(f"{now:%H:%M:%S}  {line}\n")
                    printed += 1
            self.ledger.outbox_done(batch, now)
        self.out.flush()
        return printed

    def _digest_key(self, case: Case | None, batch: OutboxBatch) -> tuple[str, datetime] | None:
        """(department, opening) of a case held for the after-hours digest, first shown now."""
        if case is None or case.held_until is None or case.id in self._seen:
            return None
        if OutboxKind.NEW not in batch.kinds:
            return None
        return case.department, case.held_until

    def _digest_order(
        self, batches: list[OutboxBatch], cases: dict[int, Case | None]
    ) -> list[OutboxBatch]:
        """The outbox's order, except that the held cases of one department's digest follow
        each other: one terminal shows every department's chat, each has its own header."""
        ordered: list[OutboxBatch] = []
        done: set[int] = set()
        for batch in batches:
            if batch.case_id in done:
                continue
            key = self._digest_key(cases[batch.case_id], batch)
            group = [batch]
            if key is not None:
                group = [b for b in batches if self._digest_key(cases[b.case_id], b) == key]
            ordered += group
            done |= {b.case_id for b in group}
        return ordered

    def _lines(self, case: Case, kinds: frozenset[str], now: datetime) -> list[str]:
        language = self.language
        before = self._seen.get(case.id)
        # As recorded: those past the count already printed are the new ones.
        failed = self.ledger.callback_attempts(case.id, as_recorded=True)
        lines: list[str] = []

        def event(key: str, rest: str) -> str:
            return f"{tr(language, key):<{_EVENT_WIDTH}} {rest}"

        brief = f"#{case.id} {case.department} — {who(case, language)}"
        fresh = OutboxKind.NEW in kinds or before is None
        if fresh:
            digest = (case.department, case.held_until) if case.held_until else None
            if digest is not None and digest not in self._digests:
                self._digests.add(digest)
                count, _ = self.ledger.held_count(*digest)
                lines.append(tr(language, "console_digest", count=count, department=digest[0]))
            lines.append(event("console_new", describe(case, language, now)))
            before = _Shown(case.attempts, CaseStatus.OPEN, 0, None, now)
        assert before is not None
        self._seen[case.id] = _Shown(
            case.attempts, case.status, len(failed), case.claimed_by_user_id, before.first_shown
        )
        if case.attempts > before.attempts:
            lines.append(event("console_grew", describe(case, language, now)))
        claimed = case.claimed_by_user_id
        if case.is_open and claimed is not None and claimed != before.claimed_by:
            lines.append(event("console_claimed", f"{brief} — {self._claimed(case, now)}"))
        for attempt in failed[before.failed :]:
            lines.append(event("console_attempt", f"{brief} — {self._attempt(attempt, now)}"))
        if case.is_open and OutboxKind.REMIND in kinds:
            waiting = tr(language, self._timed("console_waiting"), wait=self._waited(case, now))
            rest = f"{brief} — {waiting}"
            if claimed is not None:
                rest += f" — {self._claimed(case, now)}"
            lines.append(event("console_reminder", rest))
        if case.is_open and OutboxKind.ESCALATE in kinds:
            wait = self._waited(case, now)
            rest = f"{brief} — {tr(language, self._timed('console_escalated_to'), wait=wait)}"
            lines.append(event("console_escalated", rest))
        if case.status != before.status:
            if case.is_open:
                lines.append(event("console_reopened", describe(case, language, now)))
            elif fresh:
                lines.append(event("console_closed", f"#{case.id} {closing(case, language)}"))
            else:
                lines.append(event("console_closed", describe(case, language, now)))
        return lines

    def _timed(self, key: str) -> str:
        return timed_key(key, not self.hours.always_open)

    def _waited(self, case: Case, now: datetime) -> str:
        """How long the case has waited in office time, as a person says it."""
        return span_text(self.hours.office_seconds(case.first_at, now), self.language)

    def _claimed(self, case: Case, now: datetime) -> str:
        """Who took the case and when; with their extension when it is linked to them."""
        name = case.claimed_by_name or str(case.claimed_by_user_id or "?")
        links = {user: ext for ext, user in self.ledger.operator_links().items()}
        links.update({user: ext for ext, user in self.operators})  # the config wins over /me
        extension = links.get(case.claimed_by_user_id or 0)
        if extension is not None:
            name = tr(self.language, "console_operator", name=name, extension=extension)
        when = clock_text(case.claimed_at, now, self.language) if case.claimed_at else "?"
        return tr(self.language, "console_claimed_by", name=name, when=when)

    def _attempt(self, attempt: CallbackAttempt, now: datetime) -> str:
        """📵 who tried and when: an extension from the call log, or a person's press."""
        when = clock_text(attempt.at, now, self.language)
        if attempt.extension:
            names = self.ledger.operator_names(self.operators)
            extension = operator_label(attempt.extension, names)
            if attempt.duration:  # it got through, too briefly to be a callback
                duration = duration_text(attempt.duration, self.language)
                key = "console_attempt_pbx_short"
                return tr(self.language, key, extension=extension, when=when, duration=duration)
            return tr(self.language, "console_attempt_pbx", extension=extension, when=when)
        name = attempt.user_name or "?"
        return tr(self.language, "console_attempt_user", name=name, when=when)
