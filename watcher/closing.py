"""How a case was closed, in words: one function for the chat card, the toast and the console.

The three surfaces say the same thing with different keys and a different sense of time:
the card gives the time of day (the date too on another day) and the callback's length,
the toast on a stale press gives date and time, the console line gives the time of day.
Keeping the choice in one place means a new way of closing is worded everywhere at once.
Escaping is the caller's business: only the HTML card passes an ``escape``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum

from watcher.models import Case
from watcher.stats import duration_text
from watcher.texts import clock_text, operator_label, tr
from watcher.vocab import ClosedHow


class Surface(StrEnum):
    """Where the words about a closed case are shown."""

    CARD = "card"  # the case message in the department chat (Telegram HTML)
    TOAST = "toast"  # the popup when someone presses a button on an already closed case
    CONSOLE = "console"  # the console notifier's line (demo, no bot yet)


_KEYS: dict[Surface, dict[ClosedHow, str]] = {
    Surface.CARD: {
        ClosedHow.CALL: "closed_by_call",
        ClosedHow.ANSWER: "closed_answered_later",
        ClosedHow.USER: "closed_by_user",
        ClosedHow.NOT_NEEDED: "closed_not_needed",
        ClosedHow.LEG: "closed_leg",
        ClosedHow.EXPIRY: "closed_expired",
    },
    Surface.TOAST: {
        ClosedHow.CALL: "toast_already_closed_call",
        ClosedHow.ANSWER: "toast_already_answered",
        ClosedHow.USER: "toast_already_closed_user",
        ClosedHow.NOT_NEEDED: "toast_already_not_needed",
        ClosedHow.LEG: "toast_already_leg",
        ClosedHow.EXPIRY: "toast_already_closed",
    },
    Surface.CONSOLE: {
        ClosedHow.CALL: "console_closed_by_call",
        ClosedHow.ANSWER: "console_closed_answered",
        ClosedHow.USER: "console_closed_by_user",
        ClosedHow.NOT_NEEDED: "console_closed_not_needed",
        ClosedHow.LEG: "console_closed_leg",
        ClosedHow.EXPIRY: "console_closed_expired",
    },
}
# Any other (or no) ``closed_how``: the card still says when, the others stay generic.
_OTHER_CARD_KEY = "closed_other"


def _plain(value: str) -> str:
    return value


def closing_words(
    case: Case,
    language: str,
    surface: Surface,
    *,
    closer: str,
    escape: Callable[[str], str] = _plain,
    names: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> str:
    """Who or what closed ``case`` and when, worded for ``surface``.

    ``closer`` is how the surface names the person who pressed the button (the card clips
    long names); ``escape`` is applied to every value from the PBX or Telegram. Callers
    decide whether the case is closed at all: the card shows nothing while it is open.
    ``now``: a toast's moment, so that a close of the same day says its time alone.
    """
    how = case.closed_how
    keys = _KEYS[surface]
    # The console credits the call log only when it knows the extension.
    credited = surface is not Surface.CONSOLE or bool(case.closed_by_extension)
    if how in (ClosedHow.CALL, ClosedHow.ANSWER, ClosedHow.LEG) and credited:
        return tr(
            language,
            keys[ClosedHow(how)],
            extension=escape(operator_label(case.closed_by_extension or "?", names)),
            when=_when(case, surface, case.callback_at, language, now),
            duration=duration_text(case.callback_duration, language),
        )
    if how in (ClosedHow.USER, ClosedHow.NOT_NEEDED):
        return tr(
            language,
            keys[ClosedHow(how)],
            name=escape(closer),
            when=_when(case, surface, None, language, now),
        )
    if how == ClosedHow.EXPIRY or surface is not Surface.CARD:
        return tr(language, keys[ClosedHow.EXPIRY])
    return tr(language, _OTHER_CARD_KEY, when=_when(case, surface, None, language))


def _when(
    case: Case,
    surface: Surface,
    callback_at: datetime | None,
    language: str,
    now: datetime | None = None,
) -> str:
    """The moment of closing as the surface writes it (the callback's, when there is one)."""
    if surface is Surface.CONSOLE:
        return case.closed_at.strftime("%H:%M") if case.closed_at else "?"
    moment = callback_at or case.closed_at
    if surface is Surface.TOAST:
        return clock_text(moment, now, language) if moment else ""
    return clock_text(moment or case.last_at, case.last_at, language)
