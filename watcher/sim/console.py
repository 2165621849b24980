"""A notifier that prints cases to the terminal, draining the same outbox the bot drains.

It lets the demo (and an admin without a bot token yet) see exactly what would reach
the department chats: a case opening, growing with repeat calls, and closing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from watcher.closing import Surface, closing_words
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.phones import display_number
from watcher.texts import times_word, tr

# Width of the event word ("ПРОПУЩЕН", "CALLED BACK" ...) so the case lines align.
_EVENT_WIDTH = 13


def describe(case: Case, language: str = "ru") -> str:
    """One line with everything a person needs to call the customer back."""
    who = display_number(case.remote)
    if case.contact_name:
        company = f", {case.contact_company}" if case.contact_company else ""
        who += f" ({case.contact_name}{company})"
    if case.new_caller:
        who += f" [{tr(language, 'console_new_caller')}]"
    last = case.last_at.strftime("%H:%M")
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
    parts = [f"#{case.id} {case.department}", who, calls]
    if case.ring_seconds:
        parts.append(tr(language, "console_ring", seconds=case.ring_seconds))
    if not case.is_open:
        parts.append(closing(case, language))
    return " — ".join(parts)


def closing(case: Case, language: str = "ru") -> str:
    """How the case was closed, as the console says it (plain text, time of day)."""
    return closing_words(case, language, Surface.CONSOLE, closer=case.closed_by_name or "?")


class ConsoleNotifier:
    """Drains the outbox and prints a line per change; remembers what it printed."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        language: str = "ru",
        out: TextIO,
        clock: Callable[[], datetime],
    ) -> None:
        self.ledger = ledger
        self.language = language
        self.out = out
        self.clock = clock
        self._seen: dict[int, tuple[int, str]] = {}

    def drain(self) -> int:
        printed = 0
        now = self.clock()
        for batch in self.ledger.outbox_due(now, limit=500):
            case = self.ledger.get_case(batch.case_id)
            if case is not None:
                for line in self._lines(case, "new" in batch.kinds):
                    self.out.write(f"{now:%H:%M:%S}  {line}\n")
                    printed += 1
            self.ledger.outbox_done(batch, now)
        self.out.flush()
        return printed

    def _lines(self, case: Case, is_new: bool) -> list[str]:
        language = self.language
        before = self._seen.get(case.id)
        self._seen[case.id] = (case.attempts, case.status)
        lines = []

        def event(key: str, rest: str) -> str:
            return f"{tr(language, key):<{_EVENT_WIDTH}} {rest}"

        if is_new or before is None:
            lines.append(event("console_new", describe(case, language)))
            if not case.is_open:
                lines.append(event("console_closed", f"#{case.id} {closing(case, language)}"))
            return lines
        attempts, status = before
        if case.attempts > attempts:
            lines.append(event("console_grew", describe(case, language)))
        if status != case.status:
            if case.is_open:
                lines.append(event("console_reopened", describe(case, language)))
            else:
                lines.append(event("console_closed", describe(case, language)))
        return lines
