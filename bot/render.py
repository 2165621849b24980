"""Pure rendering: a case, the /missed list and the summary as Telegram HTML plus buttons.

Nothing here talks to Telegram or the ledger, so what a chat sees is decided by the case
alone and tested without a network. Every value from the PBX, the contacts file or a
Telegram user name is escaped: a name like ``<ООО "Рога">`` must not break the HTML.

Tap-to-call: Telegram does not accept ``tel:`` links in messages, but it links a phone
number written in international form by itself, so the E.164 form goes in as plain text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from watcher.closing import Surface, closing_words
from watcher.models import CallbackAttempt, CallReason, Case
from watcher.phones import dial_form, display_number
from watcher.reasons import reason_words
from watcher.stats import duration_text, span_text
from watcher.texts import clock_text, moment_text, operator_label, times_word, tr
from watcher.vocab import ClosedHow

MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
NAME_LIMIT = 80
# Buttons per /missed message: Telegram rejects very large keyboards, and a wall of
# buttons is unusable on a phone anyway.
LIST_BUTTONS_PER_MESSAGE = 20
LIST_MAX_CASES = 100


class Button(StrEnum):
    """What a button does; its value is the prefix of its callback data (``c:42``)."""

    CLOSE = "c"  # ✅ called back
    CLAIM = "k"  # 👋 I'm calling
    FAILED = "f"  # 📵 no answer
    NOT_NEEDED = "n"  # 🚫 no callback needed
    UNDO = "u"  # ↩️ undo a close made in the chat
    LIST_CLOSE = "l"  # ✅ from a /missed list


_CALLBACK = re.compile(r"^([" + "".join(Button) + r"]):([1-9][0-9]{0,17})$")
# Buttons that act on a case message; only the case's own recorded message may carry them.
CARD_BUTTONS = frozenset(
    {Button.CLOSE, Button.CLAIM, Button.FAILED, Button.NOT_NEEDED, Button.UNDO}
)


@dataclass(frozen=True)
class Press:
    """A decoded button press: what to do with which case."""

    action: Button
    case_id: int


@dataclass(frozen=True)
class Rendered:
    """Text (HTML) and keyboard of one message; ``key`` compares two renderings."""

    text: str
    markup: InlineKeyboardMarkup | None

    @property
    def key(self) -> str:
        markup = self.markup.to_dict() if self.markup is not None else None
        return json.dumps([self.text, markup], ensure_ascii=False, sort_keys=True)


# -- callback data ---------------------------------------------------------------------


def callback_data(action: Button, case_id: int) -> str:
    """``c:42`` (close), ``k:42`` (claim), ``u:42`` (undo), ``l:42`` (close from a list)…"""
    data = f"{action}:{case_id}"
    if action not in tuple(Button) or not _CALLBACK.match(data):
        raise ValueError(f"no callback data for {action!r} {case_id!r}")
    return data


def parse_callback(data: object) -> Press | None:
    """The press behind ``data``, or None for anything the bot did not produce."""
    if not isinstance(data, str) or len(data.encode()) > CALLBACK_DATA_LIMIT:
        return None
    found = _CALLBACK.match(data)
    if not found:
        return None
    return Press(Button(found.group(1)), int(found.group(2)))


# -- small formatters ------------------------------------------------------------------


def esc(value: object) -> str:
    """Escape for Telegram HTML (only &, < and > are special in text)."""
    return html.escape(str(value), quote=False)


def clip(text: str, limit: int = NAME_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def contact_text(case: Case) -> str:
    parts = [clip(p) for p in (case.contact_name, case.contact_company) if p and p.strip()]
    return ", ".join(parts)


def closer_name(case: Case) -> str:
    if case.closed_by_name and case.closed_by_name.strip():
        return clip(case.closed_by_name)
    return str(case.closed_by_user_id or "?")


# -- the case message ------------------------------------------------------------------


@dataclass(frozen=True)
class CardExtras:
    """What a card shows beyond the case row: failed callbacks and operators' names."""

    attempts: Sequence[CallbackAttempt] = ()
    names: Mapping[str, str] = field(default_factory=dict)  # extension -> operator
    calls: Sequence[CallReason] = ()  # the case's missed calls with their reasons


NO_EXTRAS = CardExtras()


def case_text(case: Case, language: str, extras: CardExtras = NO_EXTRAS) -> str:
    """The post of one case, open or closed, with who took it and the failed callbacks."""
    t = language
    lines = [tr(t, "case_title", department=esc(case.department))]
    number = f"<b>{esc(display_number(case.remote))}</b>"
    dial = dial_form(case.remote)
    lines.append(number if dial is None else f"{number}\n{tr(t, 'case_dial', dial=esc(dial))}")
    contact = contact_text(case)
    if contact:
        lines.append(tr(t, "case_contact", contact=esc(contact)))
    if case.new_caller:
        lines.append(tr(t, "case_new_caller"))
    if case.attempts > 1:
        lines.append(
            tr(
                t,
                "case_repeated",
                when=moment_text(case.first_at),
                count=case.attempts,
                times=times_word(t, case.attempts),
                last=clock_text(case.last_at, case.first_at),
            )
        )
    else:
        lines.append(tr(t, "case_first", when=moment_text(case.first_at)))
    lines += reason_lines(case, language, extras.calls)
    for attempt in extras.attempts:
        lines.append(attempt_line(attempt, case, language, extras.names))
    if case.is_open and case.claimed_by_user_id is not None:
        when = clock_text(case.claimed_at, case.last_at) if case.claimed_at else ""
        lines.append(tr(t, "case_claimed", name=esc(claimer_name(case)), when=when))
    closed = closed_line(case, language, extras.names)
    if closed:
        lines += ["", closed]
        if case.closed_how is not None and ClosedHow(case.closed_how).from_log:
            lines.append(f"<i>{tr(t, 'auto_note')}</i>")
    return "\n".join(lines)


def reason_lines(case: Case, language: str, calls: Sequence[CallReason] = ()) -> list[str]:
    """One line for a case of one call (or one reason); a case that grew lists each of its
    calls with its own reason, as each was stored."""
    if len(calls) > 1 and len({(c.reason, c.ring_seconds) for c in calls}) > 1:
        lines = [tr(language, "case_reasons")]
        for call in calls:
            words = reason_words(call.reason, call.ring_seconds, language) or "—"
            when = clock_text(call.at, case.first_at)
            lines.append(tr(language, "case_reason_call", when=when, reason=words))
        return lines
    words = reason_words(case.miss_reason, case.ring_seconds, language)
    return [words] if words else []


def closed_line(case: Case, language: str, names: Mapping[str, str] | None = None) -> str | None:
    """Who closed the case and when (escaped for the HTML card), or None while it is open."""
    if case.is_open:
        return None
    return closing_words(
        case, language, Surface.CARD, closer=closer_name(case), escape=esc, names=names
    )


def attempt_line(
    attempt: CallbackAttempt,
    case: Case,
    language: str,
    names: Mapping[str, str] | None = None,
) -> str:
    """📵 who tried and when: a person's press, or an extension from the call log."""
    when = clock_text(attempt.at, case.last_at)
    if attempt.extension:
        talk = (
            tr(language, "case_failed_talk", duration=duration_text(attempt.duration))
            if attempt.duration
            else ""
        )
        return tr(
            language,
            "case_failed_pbx",
            extension=esc(operator_label(attempt.extension, names)),
            when=when,
            talk=talk,
        )
    return tr(language, "case_failed_user", name=esc(clip(attempt.user_name or "?")), when=when)


def claimer_name(case: Case) -> str:
    if case.claimed_by_name and case.claimed_by_name.strip():
        return clip(case.claimed_by_name)
    return str(case.claimed_by_user_id or "?")


def _button(language: str, key: str, action: Button, case: Case) -> InlineKeyboardButton:
    return InlineKeyboardButton(tr(language, key), callback_data=callback_data(action, case.id))


def case_keyboard(case: Case, language: str) -> InlineKeyboardMarkup | None:
    """Open: the four actions in two rows (they fit a phone); closed by a person: undo;
    closed from the call log or as history: no buttons."""
    t = language
    if case.is_open:
        return InlineKeyboardMarkup(
            [
                [
                    _button(t, "button_close", Button.CLOSE, case),
                    _button(t, "button_claim", Button.CLAIM, case),
                ],
                [
                    _button(t, "button_failed", Button.FAILED, case),
                    _button(t, "button_not_needed", Button.NOT_NEEDED, case),
                ],
            ]
        )
    if case.closed_how is not None and ClosedHow(case.closed_how).by_person:
        return InlineKeyboardMarkup([[_button(t, "button_undo", Button.UNDO, case)]])
    return None


def render_case(case: Case, language: str, extras: CardExtras = NO_EXTRAS) -> Rendered:
    return Rendered(case_text(case, language, extras), case_keyboard(case, language))


def closed_toast(case: Case, language: str) -> str:
    """The toast for a press on a case someone already closed: who and when (plain text)."""
    return closing_words(case, language, Surface.TOAST, closer=closer_name(case))


# -- /missed ---------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def pack_lines(
    lines: Sequence[str], limit: int = MESSAGE_LIMIT, *, max_lines: int | None = None
) -> list[list[int]]:
    """Group line indexes into messages of at most ``limit`` units (joined by newlines).

    A line longer than the limit on its own is still given a message of its own; callers
    keep lines short (names are clipped), so that only guards against a loop.
    """
    groups: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index, line in enumerate(lines):
        length = utf16_len(line) + (1 if current else 0)
        full = max_lines is not None and len(current) >= max_lines
        if current and (size + length > limit or full):
            groups.append(current)
            current, size = [], 0
            length = utf16_len(line)
        current.append(index)
        size += length
    if current:
        groups.append(current)
    return groups


def missed_line(case: Case, index: int, language: str, *, show_department: bool) -> str:
    contact = contact_text(case)
    return tr(
        language,
        "missed_line",
        index=index,
        number=esc(display_number(case.remote)),
        contact=f" · {esc(contact)}" if contact else "",
        when=moment_text(case.last_at),
        attempts=tr(language, "missed_attempts", count=case.attempts) if case.attempts > 1 else "",
        department=f" · {esc(case.department)}" if show_department else "",
        reason=_reason_suffix(case, language),
    )


def _reason_suffix(case: Case, language: str) -> str:
    words = reason_words(case.miss_reason, case.ring_seconds, language)
    return f" · {words}" if words else ""


def missed_messages(
    cases: Sequence[Case],
    language: str,
    *,
    scope: str,
    show_department: bool,
    limit: int = MESSAGE_LIMIT,
    per_message: int = LIST_BUTTONS_PER_MESSAGE,
    max_cases: int = LIST_MAX_CASES,
) -> list[Rendered]:
    """The /missed answer: a header, then cases newest first, each with a close button."""
    if not cases:
        return [Rendered(tr(language, "missed_none"), None)]
    shown = list(cases[:max_cases])
    title = tr(language, "missed_title", scope=esc(scope), count=len(cases))
    lines = [
        missed_line(c, i, language, show_department=show_department)
        for i, c in enumerate(shown, start=1)
    ]
    hidden = len(cases) - len(shown)
    more = tr(language, "missed_more", count=hidden) if hidden else ""
    # Room for the title on the first message and the "more" note on the last.
    room = limit - utf16_len(title) - utf16_len(more) - 2
    messages: list[Rendered] = []
    groups = pack_lines(lines, room, max_lines=per_message)
    for number, group in enumerate(groups):
        body = [lines[i] for i in group]
        if number == 0:
            body.insert(0, title)
        if number == len(groups) - 1 and more:
            body.append(more)
        buttons = [
            [
                InlineKeyboardButton(
                    tr(
                        language,
                        "button_list_close",
                        index=i + 1,
                        number=display_number(shown[i].remote),
                    ),
                    callback_data=callback_data(Button.LIST_CLOSE, shown[i].id),
                )
            ]
            for i in group
        ]
        messages.append(Rendered("\n".join(body), InlineKeyboardMarkup(buttons)))
    return messages


def without_button(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The keyboard minus the button carrying ``data`` (a case closed from a list)."""
    if markup is None:
        return None
    rows = [[b for b in row if b.callback_data != data] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


# -- /stats and the summary ------------------------------------------------------------


def pre_blocks(plain: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Plain text as ``<pre>`` messages under the limit, split between lines."""
    lines = [esc(line) for line in plain.splitlines()] or [""]
    overhead = len("<pre></pre>")
    return [
        "<pre>" + "\n".join(lines[i] for i in group) + "</pre>"
        for group in pack_lines(lines, limit - overhead)
    ]


def summary_text(
    open_cases: Sequence[Case],
    language: str,
    *,
    label: str,
    max_lines: int = 10,
    now: datetime | None = None,
    figures: Sequence[str] = (),
    title_key: str = "summary_title",
) -> str:
    """The head of a summary: the period, ``figures`` (lines of HTML: how it compares)
    and the calls still waiting (short list; with their age when ``now`` is given)."""
    lines = [tr(language, title_key, label=esc(label)), *figures]
    if not open_cases:
        lines.append(tr(language, "summary_open_none"))
        return "\n".join(lines)
    lines.append(tr(language, "summary_open", count=len(open_cases)))
    for case in open_cases[:max_lines]:
        contact = contact_text(case)
        age = ""
        if now is not None:
            waited = (now - case.first_at).total_seconds()
            age = tr(language, "summary_age", age=span_text(waited, language))
        lines.append(
            tr(
                language,
                "summary_open_line",
                number=esc(display_number(case.remote)),
                contact=f" · {esc(contact)}" if contact else "",
                department=esc(case.department),
                when=moment_text(case.last_at),
                age=age,
            )
        )
    if len(open_cases) > max_lines:
        lines.append(tr(language, "summary_more", count=len(open_cases) - max_lines))
    return "\n".join(lines)
