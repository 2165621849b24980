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
from telegram.constants import MessageLimit

from watcher.closing import Surface, closing_words
from watcher.hours import OfficeHours
from watcher.models import CallbackAttempt, CallReason, Case
from watcher.phones import dial_form, display_number
from watcher.reasons import reason_words
from watcher.stats import duration_text, span_text
from watcher.texts import clock_text, counted, moment_text, operator_label, times_word, tr
from watcher.vocab import ClosedHow

MESSAGE_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096, counted after the HTML is parsed
CALLBACK_DATA_LIMIT = 64
NAME_LIMIT = 80
# Buttons per /missed message: Telegram rejects very large keyboards, and a wall of
# buttons is unusable on a phone anyway.
LIST_BUTTONS_PER_MESSAGE = 20
LIST_MAX_CASES = 100
# A busy case's card shows the newest calls and failed callbacks, each list saying in one
# line how many earlier ones it leaves out: a phone screen, and Telegram's limit, hold only
# so much, and past the limit every edit is refused and the card freezes.
CARD_CALLS_SHOWN = 10
CARD_ATTEMPTS_SHOWN = 10
# Room a card leaves for the header of its copy in the managers' chat (the header, a blank
# line, then the card): a card fits in MESSAGE_LIMIT - ESCALATION_ROOM.
ESCALATION_ROOM = 256
CARD_LIMIT = MESSAGE_LIMIT - ESCALATION_ROOM
# The last resort for a card still too long with both lists folded away (a department or
# operator name of thousands of characters): longer lines lose their markup and are cut.
CARD_LINE_LIMIT = 256
_TAG = re.compile(r"<[^>]*>")


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


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(markup: str) -> str:
    """What Telegram makes of our HTML: the text without its tags, entities decoded."""
    return html.unescape(_TAG.sub("", markup))


def telegram_len(markup: str) -> int:
    """The length Telegram checks against its limit: of the parsed text, in UTF-16 units."""
    return utf16_len(plain_text(markup))


def clip_units(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, ending in "…" when cut."""
    if utf16_len(text) <= limit:
        return text
    kept: list[str] = []
    size = 1  # the "…"
    for char in text:
        size += utf16_len(char)
        if size > limit:
            break
        kept.append(char)
    return "".join(kept) + "…" if limit > 0 else ""


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


def case_text(
    case: Case, language: str, extras: CardExtras = NO_EXTRAS, *, limit: int = CARD_LIMIT
) -> str:
    """The post of one case, open or closed, with who took it and the failed callbacks.

    Always fits ``limit`` as Telegram counts it: the calls and the failed callbacks show
    their newest entries (at most ``CARD_CALLS_SHOWN`` and ``CARD_ATTEMPTS_SHOWN``, fewer
    when the card would still be too long) and say how many earlier ones they leave out.
    """
    card = _card_parts(case, language, extras)
    text = ""
    # Lines of thousands of characters (a department's or an operator's name) are cut only
    # when folding the lists is not enough; the whole text only for a tiny ``limit``.
    for line_limit in (None, min(CARD_LINE_LIMIT, limit)):
        calls = min(len(card.calls), CARD_CALLS_SHOWN)
        attempts = min(len(card.attempts), CARD_ATTEMPTS_SHOWN)
        text = card.text(language, calls, attempts, line_limit=line_limit)
        while telegram_len(text) > limit and (calls or attempts):
            if calls > attempts:
                calls -= 1
            else:
                attempts -= 1
            text = card.text(language, calls, attempts, line_limit=line_limit)
        if telegram_len(text) <= limit:
            return text
    return esc(clip_units(plain_text(text), limit))


@dataclass(frozen=True)
class _CardParts:
    """A card cut where its lists may be folded: ``head``, the calls under their heading,
    the failed callbacks, then ``tail`` (who took it, who closed it)."""

    head: list[str]
    calls_title: list[str]  # "Calls:" over the list, or the one reason line of a case
    calls: list[str]
    attempts: list[str]
    tail: list[str]

    def text(
        self, language: str, calls: int, attempts: int, *, line_limit: int | None = None
    ) -> str:
        """The card with the last ``calls`` calls and the last ``attempts`` attempts."""
        lines = [*self.head, *self.calls_title]
        lines += _newest(self.calls, calls, language, "card_more_calls")
        lines += _newest(self.attempts, attempts, language, "card_more_attempts")
        lines += self.tail
        if line_limit is not None:
            lines = [fit_line(line, line_limit) for line in lines]
        return "\n".join(lines)


def _newest(lines: Sequence[str], shown: int, language: str, more_key: str) -> list[str]:
    """The last ``shown`` of ``lines``, after one line counting the earlier ones left out."""
    hidden = len(lines) - max(shown, 0)
    if hidden <= 0:
        return list(lines)
    return [counted(language, more_key, hidden), *lines[hidden:]]


def fit_line(line: str, limit: int) -> str:
    """A line (well-formed HTML) of at most ``limit`` units: a longer one as plain text."""
    if telegram_len(line) <= limit:
        return line
    return esc(clip_units(plain_text(line), limit))


def _card_parts(case: Case, language: str, extras: CardExtras) -> _CardParts:
    t = language
    # Another leg of the same call was answered: it was never a missed call, and the card
    # must not read as one (nor give the ring time as a reason it was missed).
    leg = case.closed_how == ClosedHow.LEG
    head = [tr(t, "case_title_answered" if leg else "case_title", department=esc(case.department))]
    number = f"<b>{esc(display_number(case.remote))}</b>"
    dial = dial_form(case.remote)
    head.append(number if dial is None else f"{number}\n{tr(t, 'case_dial', dial=esc(dial))}")
    contact = contact_text(case)
    if contact:
        head.append(tr(t, "case_contact", contact=esc(contact)))
    if case.new_caller:
        head.append(tr(t, "case_new_caller"))
    if case.attempts > 1:
        head.append(
            tr(
                t,
                "case_repeated",
                when=moment_text(case.first_at, t),
                count=case.attempts,
                times=times_word(t, case.attempts),
                last=clock_text(case.last_at, case.first_at, t),
            )
        )
    else:
        head.append(tr(t, "case_first", when=moment_text(case.first_at, t)))
    calls_title, calls = ([], []) if leg else _reason_parts(case, language, extras.calls)
    attempts = [attempt_line(a, case, language, extras.names) for a in extras.attempts]
    tail: list[str] = []
    if case.is_open and case.claimed_by_user_id is not None:
        when = clock_text(case.claimed_at, case.last_at, t) if case.claimed_at else ""
        tail.append(tr(t, "case_claimed", name=esc(claimer_name(case)), when=when))
    closed = closed_line(case, language, extras.names)
    if closed:
        tail += ["", closed]
        if case.closed_how is not None and ClosedHow(case.closed_how).from_log:
            tail.append(f"<i>{tr(t, 'auto_note')}</i>")
    return _CardParts(head, calls_title, calls, attempts, tail)


def reason_lines(case: Case, language: str, calls: Sequence[CallReason] = ()) -> list[str]:
    """One line for a case of one call (or one reason); a case that grew lists each of its
    calls with its own reason, as each was stored (all of them: the card folds the list)."""
    title, lines = _reason_parts(case, language, calls)
    return title + lines


def _reason_parts(
    case: Case, language: str, calls: Sequence[CallReason]
) -> tuple[list[str], list[str]]:
    """(the heading or the one reason line, the per-call lines under the heading)."""
    if len(calls) > 1 and len({(c.reason, c.ring_seconds) for c in calls}) > 1:
        lines = []
        for call in calls:
            words = reason_words(call.reason, call.ring_seconds, language) or "—"
            when = clock_text(call.at, case.first_at, language)
            lines.append(tr(language, "case_reason_call", when=when, reason=words))
        return [tr(language, "case_reasons")], lines
    words = reason_words(case.miss_reason, case.ring_seconds, language)
    return ([words] if words else []), []


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
    when = clock_text(attempt.at, case.last_at, language)
    if attempt.extension:
        extension = esc(operator_label(attempt.extension, names))
        if attempt.duration:  # it got through, too briefly to be a callback
            duration = duration_text(attempt.duration, language)
            key = "case_failed_pbx_short"
            return tr(language, key, extension=extension, when=when, duration=duration)
        return tr(language, "case_failed_pbx", extension=extension, when=when)
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
    """The card; its text leaves ``ESCALATION_ROOM`` for the managers' copy's header."""
    return Rendered(case_text(case, language, extras), case_keyboard(case, language))


def closed_toast(
    case: Case,
    language: str,
    *,
    now: datetime | None = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """The toast for a press on a case someone already closed: who and when (plain text),
    the operator's name beside an extension as on the card, and the time alone when it
    was ``now``'s day."""
    return closing_words(
        case, language, Surface.TOAST, closer=closer_name(case), names=names, now=now
    )


# -- /missed ---------------------------------------------------------------------------


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


def missed_line(
    case: Case, index: int, language: str, *, show_department: bool, tried: int = 0
) -> str:
    """One open case of /missed: who took it and how often it was dialled in vain come
    with it, so the list is a work list and two operators do not call the same person."""
    contact = contact_text(case)
    work = ""
    if case.claimed_by_user_id is not None:
        work += tr(language, "missed_claimed", name=esc(claimer_name(case)))
    if tried:
        work += tr(language, "missed_tried", count=tried)
    return (
        tr(
            language,
            "missed_line",
            index=index,
            number=esc(display_number(case.remote)),
            contact=f" · {esc(contact)}" if contact else "",
            when=moment_text(case.last_at, language),
            # A grown case: since when it waits, beside its latest call and reason.
            attempts=tr(
                language,
                "missed_attempts",
                count=case.attempts,
                first=moment_text(case.first_at, language),
            )
            if case.attempts > 1
            else "",
            department=f" · {esc(case.department)}" if show_department else "",
            reason=_reason_suffix(case, language),
        )
        + work
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
    tried: Mapping[int, int] | None = None,
) -> list[Rendered]:
    """The /missed answer: a header, then cases newest first, each with a close button;
    ``tried``: failed callbacks per case id."""
    if not cases:
        return [Rendered(tr(language, "missed_none"), None)]
    shown = list(cases[:max_cases])
    title = tr(language, "missed_title", scope=esc(scope), count=len(cases))
    lines = [
        missed_line(
            c, i, language, show_department=show_department, tried=(tried or {}).get(c.id, 0)
        )
        for i, c in enumerate(shown, start=1)
    ]
    # Newest first: the cases left off are the callers who have waited longest.
    left_off = cases[max_cases:]
    since = min((c.first_at for c in left_off), default=None)
    more = (
        tr(language, "missed_more", count=len(left_off), since=moment_text(since, language))
        if since is not None
        else ""
    )
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


# The index a /missed list's button carries ("✅ 3. +7 916 …", button_list_close): its line
# in the list's text starts "3. ".
_LIST_INDEX = re.compile(r"✅ ([0-9]+)\. ")


def struck_list(html: str, markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The /missed list's text with the line of the case closed by the button carrying
    ``data`` struck through: the line stays (the numbers of the others with it), and an
    operator scrolling the list sees it is done. None: no such button or line."""
    rows = markup.inline_keyboard if markup else ()
    label = next((b.text for row in rows for b in row if b.callback_data == data), None)
    found = _LIST_INDEX.match(label) if label is not None else None
    if found is None:
        return None
    lines = html.split("\n")
    for at, line in enumerate(lines):
        if line.startswith(f"{found.group(1)}. "):
            lines[at] = f"<s>{line}</s> ✅"
            return "\n".join(lines)
    return None


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
    hours: OfficeHours | None = None,
) -> str:
    """The head of a summary: the period, ``figures`` (lines of HTML: how it compares)
    and the calls still waiting, the longest waiting first (short list; with their age
    when ``now`` is given: in office time with ``hours``, as reminders count it)."""
    lines = [tr(language, title_key, label=esc(label)), *figures]
    if not open_cases:
        lines.append(tr(language, "summary_open_none"))
        return "\n".join(lines)
    lines.append(tr(language, "summary_open", count=len(open_cases)))
    office = hours is not None and not hours.always_open
    for case in sorted(open_cases, key=lambda c: c.first_at)[:max_lines]:
        contact = contact_text(case)
        age = ""
        if now is not None:
            if hours is not None and office:
                waited = hours.office_seconds(case.first_at, now)
                # The summary goes out at opening: a night's or a weekend's call has not
                # waited a minute of office time yet, and "ждёт 0 с" says nothing.
                came_closed = waited < 60 and not hours.is_open(case.first_at)
                key = "summary_age_after_hours" if came_closed else "summary_age_office"
                age = tr(language, key, age=span_text(waited, language))
            else:  # wall time, of real minutes where the office's zone is known
                if hours is not None:
                    waited = hours.office_seconds(case.first_at, now)
                else:
                    waited = (now - case.first_at).total_seconds()
                age = tr(language, "summary_age", age=span_text(waited, language))
        lines.append(
            tr(
                language,
                "summary_open_line",
                number=esc(display_number(case.remote)),
                contact=f" · {esc(contact)}" if contact else "",
                department=esc(case.department),
                when=moment_text(case.first_at, language),  # what its wait counts from
                age=age,
            )
        )
    if len(open_cases) > max_lines:
        lines.append(tr(language, "summary_more", count=len(open_cases) - max_lines))
    return "\n".join(lines)
