"""A notifier that prints cases to the terminal, draining the same outbox the bot drains.

It lets the demo (and an admin without a bot token yet) see exactly what would reach
the department chats: a case opening, growing with repeat calls, and closing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from watcher.ledger import Ledger
from watcher.models import Case
from watcher.phones import display_number
from watcher.stats import duration_text, russian_plural
from watcher.vocab import ClosedHow

_TEXTS = {
    "ru": {
        "new": "ПРОПУЩЕН",
        "grew": "СНОВА ЗВОНИЛ",
        "closed": "ПЕРЕЗВОНИЛИ",
        "reopened": "ОТКРЫТ СНОВА",
        "newcaller": "новый номер",
        "times": "звонил {n} {times}, последний в {last}",
        "once": "звонил в {last}",
        "ring": "гудки {s} с",
        "by_ext": "перезвонил доб. {ext} в {at}, {dur}",
        "answered": "дозвонился сам, ответил доб. {ext} в {at}",
        "by_user": "отметил {name} в {at}",
        "expired": "закрыт как история",
    },
    "en": {
        "new": "MISSED",
        "grew": "CALLED AGAIN",
        "closed": "CALLED BACK",
        "reopened": "REOPENED",
        "newcaller": "new caller",
        "times": "called {n} times, last at {last}",
        "once": "called at {last}",
        "ring": "rang {s} s",
        "by_ext": "called back from ext. {ext} at {at}, {dur}",
        "answered": "got through, answered by ext. {ext} at {at}",
        "by_user": "marked by {name} at {at}",
        "expired": "closed as history",
    },
}


def describe(case: Case, language: str = "ru") -> str:
    """One line with everything a person needs to call the customer back."""
    t = _TEXTS.get(language, _TEXTS["ru"])
    who = display_number(case.remote)
    if case.contact_name:
        company = f", {case.contact_company}" if case.contact_company else ""
        who += f" ({case.contact_name}{company})"
    if case.new_caller:
        who += f" [{t['newcaller']}]"
    last = case.last_at.strftime("%H:%M")
    calls = (
        t["times"].format(n=case.attempts, times=times_word(case.attempts), last=last)
        if case.attempts > 1
        else t["once"].format(last=last)
    )
    parts = [f"#{case.id} {case.department}", who, calls]
    if case.ring_seconds:
        parts.append(t["ring"].format(s=case.ring_seconds))
    if not case.is_open:
        parts.append(closing(case, language))
    return " — ".join(parts)


def times_word(n: int) -> str:
    """Russian "раз" after a number: 2 раза, 5 раз, 21 раз."""
    return "раза" if russian_plural(n) == "few" else "раз"


def closing(case: Case, language: str = "ru") -> str:
    t = _TEXTS.get(language, _TEXTS["ru"])
    at = case.closed_at.strftime("%H:%M") if case.closed_at else "?"
    if case.closed_how in (ClosedHow.CALL, ClosedHow.ANSWER) and case.closed_by_extension:
        key = "by_ext" if case.closed_how == ClosedHow.CALL else "answered"
        return t[key].format(
            ext=case.closed_by_extension, at=at, dur=duration_text(case.callback_duration)
        )
    if case.closed_how == ClosedHow.USER:
        return t["by_user"].format(name=case.closed_by_name or "?", at=at)
    return t["expired"]


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
        t = _TEXTS.get(self.language, _TEXTS["ru"])
        before = self._seen.get(case.id)
        self._seen[case.id] = (case.attempts, case.status)
        lines = []
        if is_new or before is None:
            lines.append(f"{t['new']:<13} {describe(case, self.language)}")
            if not case.is_open:
                lines.append(f"{t['closed']:<13} #{case.id} {closing(case, self.language)}")
            return lines
        attempts, status = before
        if case.attempts > attempts:
            lines.append(f"{t['grew']:<13} {describe(case, self.language)}")
        if status != case.status:
            if case.is_open:
                lines.append(f"{t['reopened']:<13} {describe(case, self.language)}")
            else:
                lines.append(f"{t['closed']:<13} {describe(case, self.language)}")
        return lines
