"""Brings a case's Telegram message in line with the ledger: post it once, then edit it.

Only the outbox sender calls :meth:`CaseMessenger.sync`, one case at a time, so each case
message has one writer: a button press changes the ledger and wakes the outbox, which
renders the case as the ledger has it *now*. A manual close racing an auto-close therefore
cannot leave a stale message behind, and no request bypasses the outbox's flood waits.

A post whose answer is lost (unreadable, or not there in :attr:`SendTimeouts.answer`) may
be in the chat already: it is recorded as unconfirmed and the outbox sends it once more
after a pause, never a third time. A post that timed out keeps listening for its answer
in the background (:attr:`SendTimeouts.late`): a late answer names the message, which then
becomes the case's message (no re-send) or, if the re-send got there first, a duplicate
that the next sync deletes, so the chat shows the case once.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import httpx
from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.limiter import FloodWait, retry_after_seconds
from bot.permissions import claim_is_stale
from bot.render import (
    ESCALATION_ROOM,
    CardExtras,
    Rendered,
    claimer_name,
    closed_line,
    esc,
    fit_line,
    render_case,
)
from watcher.config import Config, moved_chat, with_chats_moved
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.phones import display_number
from watcher.stats import span_text
from watcher.texts import clock_text, moment_text, plural_key, timed_key, times_word, tr
from watcher.vocab import ClosedHow, OutboxKind

log = logging.getLogger(__name__)


# Posts of one case sent without a readable answer before no more are sent: the first
# and the one re-send. Each may have reached the chat, so a third could be a third copy.
MAX_UNCONFIRMED_POSTS = 2


@dataclass(frozen=True)
class SendTimeouts:
    """How long a case post waits for Telegram's answer. PTB's default read timeout (5 s)
    turned every slow spell into a copy per retry; a post waits longer, and then keeps
    listening in the background, so a slow answer still names the message it made."""

    answer: float = 20.0  # then the outbox treats the post as unconfirmed and pauses
    late: float = 60.0  # the request's read timeout: a late answer is still recorded
    write: float = 20.0  # sending the request itself (PTB's default is 5 s)


SEND_TIMEOUTS = SendTimeouts()
# A digest whose closed time ran longer than a weekend (Friday 18:00 to Monday 09:00 is
# 2 days 15 hours) says since when: after the New Year holidays its calls span days.
LONG_CLOSURE = timedelta(days=3)
LONG_CLOSURE_DAYS = 31  # how far back the closing is looked for


class PostUnconfirmed(Exception):
    """Telegram may have applied a post, but its answer was lost; it is recorded.

    ``lost`` is True when no answer came in time (a slow spell), False when it came
    unreadable."""

    def __init__(self, case_id: int, count: int, error: Exception, *, lost: bool = False) -> None:
        what = "lost" if lost else "unreadable"
        super().__init__(f"case {case_id}: answer to post {count} {what} ({error!r})")
        self.case_id = case_id
        self.count = count
        self.lost = lost


class SyncOutcome(Enum):
    POSTED = "posted"
    EDITED = "edited"
    UNCHANGED = "unchanged"  # the message already shows this state
    NO_CHAT = "no_chat"  # the case's department has no chat configured
    GONE = "gone"  # no such case in the ledger
    UNCONFIRMED = "unconfirmed"  # posts went out with no readable answer: no more are sent
    NOT_MISSED = "not_missed"  # a leg of an answered call, known before it was posted


def is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


def is_unreadable_answer(error: TelegramError) -> bool:
    """The request reached Telegram and was answered, but the answer was not JSON: the
    post may well be in the chat (PTB raises a bare TelegramError for that)."""
    return type(error) is TelegramError and "invalid server response" in error.message.lower()


def is_lost_answer(error: BaseException) -> bool:
    """A timeout after the request went out (reading the answer, or writing the request):
    Telegram may have applied it. A connect or pool timeout means it never left."""
    if not isinstance(error, TimedOut):
        return False
    cause = error.__cause__
    return isinstance(cause, httpx.ReadTimeout | httpx.WriteTimeout)


def may_have_posted(error: BaseException) -> bool:
    """Whether a post that failed so may be in the chat all the same: its answer was lost
    or came unreadable, where a refusal means it is not."""
    if isinstance(error, TelegramError) and is_unreadable_answer(error):
        return True
    return is_lost_answer(error)


def is_chat_not_found(error: TelegramError) -> bool:
    """No such chat for the bot: a wrong id, or a chat it was never added to."""
    text = error.message.lower()
    return "chat not found" in text or "peer_id_invalid" in text


# How Telegram says, with a 400, that the bot may not post in a chat it is in: an admin
# took its right to send messages, or the group is restricted.
_NO_RIGHTS = (
    "not enough rights",
    "have no rights",
    "need administrator rights",
    "chat_write_forbidden",
    "chat_restricted",
)


def lacks_rights(error: TelegramError) -> bool:
    """The bot is in the chat but may not write there (an admin restricted it)."""
    text = error.message.lower()
    return any(sign in text for sign in _NO_RIGHTS)


def is_chat_refusal(error: TelegramError) -> bool:
    """The chat will take nothing from the bot (removed, no rights, no such chat), where a
    bad request about the message itself says nothing of the chat."""
    return isinstance(error, Forbidden) or is_chat_not_found(error) or lacks_rights(error)


def is_topic_gone(error: BadRequest) -> bool:
    """The forum topic was deleted or closed: nothing can be sent into it any more."""
    text = error.message.lower()
    return any(sign in text for sign in ("thread not found", "topic_deleted", "topic_closed"))


def is_message_deleted(error: BadRequest) -> bool:
    """Someone deleted the message from the chat."""
    return "message to edit not found" in error.message.lower()


def is_message_gone(error: BadRequest) -> bool:
    """The message was deleted or can no longer be edited: post a fresh one instead."""
    text = error.message.lower()
    return "message to edit not found" in text or "message can't be edited" in text


_MOVED = (
    "chat %s became supergroup %s (Telegram upgraded the group): posting there from now"
    " on; put %s into the config in its place"
)
_MOVED_STILL = "chat %s in the config became supergroup %s: the bot uses %s; put it into the config"


def _configured_chats(config: Config) -> set[int]:
    chats = {d.chat for d in config.departments if d.chat is not None}
    if config.telegram.managers_chat is not None:
        chats.add(config.telegram.managers_chat)
    return chats


class CaseMessenger:
    def __init__(
        self,
        bot: Bot,
        ledger: Ledger,
        config: Config,
        clock: Callable[[], datetime],
        *,
        timeouts: SendTimeouts = SEND_TIMEOUTS,
        on_late_answer: Callable[[], None] | None = None,
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        # Chats Telegram said became supergroups (old id -> new), from earlier runs too:
        # the config as the bot uses it names the new ids until the admin writes them in.
        self.moves = ledger.chat_moves()
        self.config = with_chats_moved(config, self.moves)
        for old, new in self.moves.items():
            if old in _configured_chats(config):
                log.warning(_MOVED_STILL, old, new, new)
        self.language = config.language
        self.clock = clock
        self.timeouts = timeouts
        # Called when a late answer was recorded (an edit, or a duplicate to delete, is
        # queued) or a post counted as unconfirmed turned out refused: wake the outbox.
        self.on_late_answer = on_late_answer
        self._listening: set[asyncio.Task[Message]] = set()  # posts awaiting a late answer
        # One new message in flight at a time, whichever chat it is for: a power cut may
        # then cost at most that one (DESIGN "Durability"), though each chat has a lane of
        # its own. Edits need no such care: repeating one changes nothing. A post still
        # listening for its late answer holds no lock: it is on disk as unconfirmed.
        self._sending = asyncio.Lock()
        # Forum topics Telegram refused as gone, (chat, topic): their department's messages
        # go to the chat itself until a restart, so no case waits for a topic to return.
        self._gone_topics: set[tuple[int, int]] = set()
        self._managers_refusing = False  # told once, until a copy goes through again
        # Messages an edit found deleted from their chat, (chat, message): a closed case's
        # card a person deleted stays deleted, told once a run.
        self._deleted: set[tuple[int, int]] = set()
        self._told_deleted: set[tuple[int, int]] = set()
        # Posts made whose message could not be written to the ledger yet: case -> message.
        self._unrecorded: dict[int, tuple[int, int]] = {}
        # Reminders this run sent or edited: whether each reads closed now. Of the others,
        # the ledger tells which an earlier run struck (reminders_closed_since_sent).
        self._reminders_shown: dict[tuple[int, int], bool] = {}

    def chat_for(self, chat_id: int) -> int:
        """Where a message for ``chat_id`` goes now: its supergroup, if it became one."""
        return moved_chat(self.moves, chat_id)

    def chat_label(self, chat_id: int) -> str:
        """The departments a chat serves, and the managers', as the log names them: all of
        them, for a group several departments share."""
        chat = self.chat_for(chat_id)
        names = [d.name for d in self.config.departments if d.chat == chat]
        if self.config.telegram.managers_chat == chat:
            names.append(tr(self.language, "chat_label_managers"))
        return ", ".join(names) or str(chat_id)

    def uses_chat(self, chat_id: int) -> bool:
        """A department's chat or the managers', as the config names it or it moved."""
        return chat_id in _configured_chats(self.config) or chat_id in self.moves

    def chat_moved(self, old: int, new: int) -> None:
        """Telegram answered that ``old`` is now supergroup ``new``: remember it (in the
        ledger, for restarts) and use it everywhere, with one error saying what to fix."""
        if self.moves.get(old) == new:
            return
        # In use first: a ledger busy right now must not leave posts going to the new id
        # while presses there are refused (the config still naming the old one).
        self.moves[old] = new
        self.config = with_chats_moved(self.config, {old: new})
        log.error(_MOVED, old, new, new)
        try:
            self.ledger.record_chat_move(old, new)
        except sqlite3.Error as error:
            log.warning("chat %s -> %s not remembered for a restart (%s)", old, new, error)

    def render(self, case: Case) -> Rendered:
        extras = CardExtras(
            attempts=self.ledger.callback_attempts(case.id),
            names=self.ledger.operator_names(self.config.operators),
            calls=self.ledger.call_reasons(case.id),
        )
        return render_case(case, self.language, extras)

    async def sync(self, case_id: int, kinds: frozenset[str] = frozenset()) -> SyncOutcome:
        """Bring every message of the case in line with the ledger, then send what ``kinds``
        asks for (a reminder, the escalated copy); Telegram errors other than the benign
        ones raise."""
        case = self.ledger.get_case(case_id)
        if case is None:
            return SyncOutcome.GONE
        rendered = self.render(case)
        outcome = await self._sync_own(case, rendered)
        await self._drop_duplicates(case.id)
        if outcome in (SyncOutcome.NO_CHAT, SyncOutcome.UNCONFIRMED, SyncOutcome.NOT_MISSED):
            return outcome
        try:
            await self._sync_escalated(case, rendered, post=OutboxKind.ESCALATE in kinds)
        except FloodWait:
            raise
        except RetryAfter as error:  # the managers' chat's wait, not the department's
            managers = self.chat_for(self.config.telegram.managers_chat or 0)
            raise FloodWait(math.ceil(retry_after_seconds(error)), managers) from error
        except (BadRequest, Forbidden) as error:
            # The managers' chat refused (the bot removed from it, a wrong id): that costs
            # the copy, never the department's own reminder in the same batch.
            if not is_chat_refusal(error):
                raise
            self._managers_refused(case, error)
        await self._sync_reminder(case)
        if OutboxKind.REMIND in kinds:
            await self._remind(case)
        return outcome

    async def _sync_reminder(self, case: Case) -> None:
        """The case's reminders say it is closed once it is (an operator scrolling the
        chat must not call back a number already called), and remind again if it is
        reopened: every one of them, as a repeat call days later brings another."""
        reminders = self.ledger.reminders_of(case.id)
        shown = self._reminders_shown
        struck_before: set[tuple[int, int]] = set()
        if case.is_open and any(r not in shown for r in reminders):
            struck_before = self.ledger.reminders_closed_since_sent(case.id)
        wrong = [r for r in reminders if case.is_open == shown.get(r, r in struck_before)]
        if not wrong:
            return  # none, or they read right already
        if case.is_open:
            text = Rendered(self._reminder_text(case), None)
        else:
            closed = closed_line(
                case, self.language, self.ledger.operator_names(self.config.operators)
            )
            number = esc(display_number(case.remote))
            text = Rendered(
                tr(self.language, "reminder_closed", number=number, closed=closed), None
            )
        for stored in wrong:
            if not await self._edit(*stored, text):
                log.debug("a reminder of case %s is gone; left as it is", case.id)
            shown[stored] = not case.is_open

    async def _sync_own(self, case: Case, rendered: Rendered) -> SyncOutcome:
        """The case's own message in its department's chat: post it once, then edit it."""
        if case.id in self._unrecorded:
            self._record_post(case.id)
        stored = self.ledger.case_message(case.id)
        if stored is None:
            if case.closed_how == ClosedHow.LEG:
                # Held for the opening (or Telegram was down) until its answered leg came:
                # never a missed call, so never posted, nor counted in the digest header.
                return SyncOutcome.NOT_MISSED
            if case.chat is None:
                return SyncOutcome.NO_CHAT
            if self.ledger.unconfirmed_post_count(case.id) >= MAX_UNCONFIRMED_POSTS:
                return SyncOutcome.UNCONFIRMED
            chat = self.chat_for(case.chat)
            if case.held_until is not None:
                await self._digest_header(case, chat, case.held_until)
            await self._post(case, chat, rendered)
            return SyncOutcome.POSTED
        chat_id, message_id = stored
        if await self._edit(chat_id, message_id, rendered):
            return SyncOutcome.EDITED
        if not case.is_open and (chat_id, message_id) in self._deleted:
            # A person deleted the card; the case is closed now, so nobody waits on it: a
            # fresh post would only ring every phone of the department for nothing.
            if (chat_id, message_id) not in self._told_deleted:
                self._told_deleted.add((chat_id, message_id))
                log.info(
                    "the card of case %s was deleted from chat %s; the case is closed, so it"
                    " is not posted again",
                    case.id,
                    chat_id,
                )
            return SyncOutcome.UNCHANGED
        log.warning(
            "message %s of case %s in chat %s is gone; posting it again",
            message_id,
            case.id,
            chat_id,
        )
        self.ledger.forget_case_message(case.id)
        chat = self.chat_for(case.chat if case.chat is not None else chat_id)
        await self._post(case, chat, rendered)
        return SyncOutcome.POSTED

    async def _edit(self, chat_id: int, message_id: int, rendered: Rendered) -> bool:
        """Edit one message; False when it is gone (deleted, too old to edit, or left in a
        group that became a supergroup: the bot cannot reach the old group any more)."""
        try:
            await self.bot.edit_message_text(
                rendered.text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=rendered.markup,
            )
        except ChatMigrated as migrated:
            self.chat_moved(chat_id, int(migrated.new_chat_id))
            return False
        except BadRequest as error:
            if is_not_modified(error):
                return True
            if not is_message_gone(error):
                raise
            if is_message_deleted(error):
                self._deleted.add((chat_id, message_id))
            return False
        return True

    async def _sync_escalated(self, case: Case, rendered: Rendered, *, post: bool) -> None:
        """The copy in the managers' chat: posted once on escalation, edited like the case."""
        managers = self.config.telegram.managers_chat
        copy = self.ledger.case_copy(case.id, OutboxKind.ESCALATE)
        if copy is None and not (post and case.is_open and managers is not None):
            return
        # Red while it waits; once closed, a manager scrolling the chat sees it is done.
        key = "escalation_header" if case.is_open else "escalation_header_closed"
        header = tr(
            self.language,
            self._timed(key),
            wait=span_text(self.config.rules.escalate_after_minutes * 60, self.language),
            department=esc(case.department),
        )
        # The card leaves ESCALATION_ROOM for this header and the blank line after it.
        header = fit_line(header, ESCALATION_ROOM - 2)
        shown = Rendered(f"{header}\n\n{rendered.text}", rendered.markup)
        if copy is not None:
            if not await self._edit(*copy, shown):
                log.info("the escalated copy of case %s is gone; not posting it again", case.id)
            return
        assert managers is not None
        async with self._sending:
            message = await self._following_moves(
                managers,
                lambda chat: self.bot.send_message(
                    chat, shown.text, parse_mode=ParseMode.HTML, reply_markup=shown.markup
                ),
            )
            self.ledger.set_case_copy(
                case.id, OutboxKind.ESCALATE, message.chat_id, message.message_id, self.clock()
            )
        self._managers_refusing = False
        log.debug("case %s escalated to the managers' chat", case.id)

    async def _following_moves(
        self, chat_id: int, send: Callable[[int], Awaitable[Message]]
    ) -> Message:
        """``send`` to the chat, and once more to its supergroup if it just became one."""
        chat_id = self.chat_for(chat_id)
        try:
            return await send(chat_id)
        except ChatMigrated as migrated:
            new_id = int(migrated.new_chat_id)
            self.chat_moved(chat_id, new_id)
            return await send(new_id)

    def _managers_refused(self, case: Case, error: TelegramError) -> None:
        """One error per refusal of the managers' chat until it takes a copy again."""
        chat = self.config.telegram.managers_chat
        if self._managers_refusing:
            log.debug("the managers' chat refused case %s's copy too (%s)", case.id, error)
            return
        self._managers_refusing = True
        log.error(
            "the managers' chat %s refused the escalated copy of case %s (%s); cases are"
            " still posted and reminded in their departments' chats. Add the bot to that chat"
            " or fix telegram.managers_chat (perezvon check --send-test tries it)",
            chat,
            case.id,
            error.message,
        )

    async def _remind(self, case: Case) -> None:
        """A reply to the case's own message, naming whoever took it; never for a closed one.
        It is kept as the case's reminder copy, so that closing the case edits it."""
        stored = self.ledger.case_message(case.id)
        if not case.is_open or stored is None:
            return
        text = self._reminder_text(case)
        stored_chat, message_id = stored
        # A card left in a group that became a supergroup: the reminder goes to the
        # supergroup, as a plain message (the card it would answer is out of reach).
        reply = ReplyParameters(message_id, allow_sending_without_reply=True)

        async def send(chat_id: int) -> Message:
            return await self._outside_gone_topic(
                case,
                chat_id,
                lambda: self.bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply if chat_id == stored_chat else None,
                    message_thread_id=self._topic(case, chat_id),
                ),
            )

        async with self._sending:
            message = await self._following_moves(stored_chat, send)
            self.ledger.add_reminder(case.id, message.chat_id, message.message_id, self.clock())
            self._reminders_shown[(message.chat_id, message.message_id)] = False
        log.debug("case %s reminded in chat %s", case.id, message.chat_id)

    def _timed(self, key: str) -> str:
        return timed_key(key, not self.config.hours.always_open)

    def _reminder_text(self, case: Case) -> str:
        # How long it has really waited: a repeat call brings a reminder again, days on.
        waited = self.config.hours.office_seconds(case.first_at, self.clock())
        waited = max(waited, self.config.rules.remind_after_minutes * 60)
        text = tr(
            self.language,
            self._timed("reminder"),
            wait=span_text(waited, self.language),
            number=esc(display_number(case.remote)),
        )
        if case.attempts > 1:
            text += "\n" + tr(
                self.language,
                "reminder_repeated",
                count=case.attempts,
                times=times_word(self.language, case.attempts),
                last=clock_text(case.last_at, self.clock(), self.language),
            )
        if case.claimed_by_user_id is not None:
            name = esc(claimer_name(case))
            if claim_is_stale(case, self.clock()):  # Friday's claimer may be off on Monday
                assert case.claimed_at is not None
                when = moment_text(case.claimed_at, self.language)
                # Her name, not a mention: Telegram would notify her on her day off.
                key, values = "reminder_claimed_stale", {"mention": name, "when": when}
            else:
                mention = f'<a href="tg://user?id={case.claimed_by_user_id}">{name}</a>'
                key, values = "reminder_claimed", {"mention": mention}
            text += "\n" + tr(self.language, key, **values)
        return text

    async def _digest_header(self, case: Case, chat_id: int, held_until: datetime) -> None:
        """🌙 One header per department at opening, above the cases of the closed hours."""
        if self.ledger.digest_posted(case.department, held_until):
            return
        count, closed = self.ledger.held_count(case.department, held_until)
        key = plural_key(self.language, "digest_header", count)
        text = tr(self.language, key, count=count, department=esc(case.department))
        if closed:
            text += tr(self.language, "digest_header_closed", closed=closed)
        since = self.config.hours.previous_closing(held_until.date(), LONG_CLOSURE_DAYS)
        if since is not None and held_until - since > LONG_CLOSURE:
            text += tr(
                self.language, "digest_header_since", since=moment_text(since, self.language)
            )

        async def send(chat: int) -> Message:
            return await self._outside_gone_topic(
                case,
                chat,
                lambda: self.bot.send_message(
                    chat, text, parse_mode=ParseMode.HTML, message_thread_id=self._topic(case, chat)
                ),
            )

        async with self._sending:
            message = await self._following_moves(chat_id, send)
            self.ledger.set_digest(
                case.department, held_until, message.chat_id, message.message_id, self.clock()
            )
        log.info("after-hours digest for %s: %s cases", case.department, count)

    def _topic(self, case: Case, chat_id: int) -> int | None:
        """The forum topic of the case's department, for messages in its chat."""
        department = self.config.department_named(case.department)
        if department is None or not department.topic or department.chat != chat_id:
            return None
        if (chat_id, department.topic) in self._gone_topics:
            return None
        return department.topic

    async def _outside_gone_topic(
        self, case: Case, chat_id: int, send: Callable[[], Awaitable[Message]]
    ) -> Message:
        """``send`` (which asks :meth:`_topic` for its thread), and once more into the chat
        itself when Telegram says the department's topic is gone: a deleted topic must not
        swallow every new case. One warning, naming the key to fix."""
        try:
            return await send()
        except BadRequest as error:
            topic = self._topic(case, chat_id)
            if topic is None or not is_topic_gone(error):
                raise
            self._gone_topics.add((chat_id, topic))
            log.warning(
                "forum topic %s of department %r in chat %s is gone (%s): posting in the chat"
                " itself until a restart; set [[department]] topic to an existing topic or"
                " remove it (perezvon check --send-test shows where posts land)",
                topic,
                case.department,
                chat_id,
                error.message,
            )
            return await send()

    async def _post(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
        """Send the case's message and record it, one post at a time (see ``_sending``):
        until the id is on disk, a power cut would post it again."""
        async with self._sending:
            return await self._post_and_record(case, chat_id, rendered)

    async def _post_and_record(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
        async def send(chat: int) -> Message:
            return await self._outside_gone_topic(
                case, chat, lambda: self._send(case, chat, rendered)
            )

        message = await self._following_moves(chat_id, send)
        # Posted: until the id is written, this run remembers it, so that a ledger that
        # cannot be written now (a full disk, a lock held) costs a retry, not a copy
        # of the card on every one (8 in 40 s).
        self._unrecorded[case.id] = (message.chat_id, message.message_id)
        self._record_post(case.id)
        return message

    def _record_post(self, case_id: int) -> None:
        """Write a post this run made but could not record yet; raises while it cannot."""
        chat_id, message_id = self._unrecorded[case_id]
        self.ledger.set_case_message(case_id, chat_id, message_id, self.clock())
        del self._unrecorded[case_id]

    async def _send(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
        """Post and wait up to ``timeouts.answer``; a post still unanswered then goes on
        listening for its answer while the outbox pauses (see :meth:`_late_answer`)."""
        request = asyncio.ensure_future(
            self.bot.send_message(
                chat_id,
                rendered.text,
                parse_mode=ParseMode.HTML,
                reply_markup=rendered.markup,
                message_thread_id=self._topic(case, chat_id),
                read_timeout=self.timeouts.late,
                write_timeout=self.timeouts.write,
            )
        )
        try:
            done, _ = await asyncio.wait({request}, timeout=self.timeouts.answer)
        except asyncio.CancelledError:
            request.cancel()
            raise
        if not done:
            error = TimeoutError(f"no answer in {self.timeouts.answer:g} s")
            count = self.ledger.record_unconfirmed_post(case.id, chat_id, self.clock(), str(error))
            post_id = self.ledger.newest_unconfirmed_post(case.id)
            assert post_id is not None
            self._listening.add(request)
            request.add_done_callback(lambda task: self._late_answer(case.id, post_id, task))
            raise PostUnconfirmed(case.id, count, error, lost=True)
        try:
            return request.result()
        except TelegramError as error:
            if not may_have_posted(error):
                raise
            count = self.ledger.record_unconfirmed_post(case.id, chat_id, self.clock(), str(error))
            raise PostUnconfirmed(case.id, count, error, lost=is_lost_answer(error)) from error

    def _late_answer(self, case_id: int, post_id: int, request: asyncio.Task[Message]) -> None:
        """The answer to a post the outbox stopped waiting for: record its message."""
        self._listening.discard(request)
        if request.cancelled():
            return
        error = request.exception()
        if error is not None:
            if may_have_posted(error):
                log.debug("case %s: the answer to its post never came (%r)", case_id, error)
                return
            # Refused (a flood wait that outlasted the retries, a refused connection, a bad
            # request): it never reached the chat, so it is no copy and no re-send was used.
            log.info(
                "case %s: its unconfirmed post was refused (%r); posting again", case_id, error
            )
            self.ledger.forget_unconfirmed_post(post_id)
            self._wake()
            return
        message = request.result()
        duplicate = self.ledger.record_late_answer(
            post_id, message.chat_id, message.message_id, self.clock()
        )
        log.debug(
            "case %s: a late answer names message %s%s",
            case_id,
            message.message_id,
            " (a duplicate, to delete)" if duplicate else "",
        )
        self._wake()

    def _wake(self) -> None:
        if self.on_late_answer is not None:
            self.on_late_answer()

    async def _drop_duplicates(self, case_id: int) -> None:
        """Delete the copies of the case's message that a lost answer left in the chat: a
        user expects a case once, and its buttons on one message."""
        for post_id, chat_id, message_id in self.ledger.duplicates(case_id):
            try:
                await self.bot.delete_message(chat_id, message_id)
            except ChatMigrated as migrated:  # left in a group the bot can no longer reach
                self.chat_moved(chat_id, int(migrated.new_chat_id))
            except BadRequest as error:  # deleted by someone already, or too old to delete
                log.debug("duplicate %s of case %s not deleted: %s", message_id, case_id, error)
            else:
                log.info("case %s: deleted its duplicate message %s", case_id, message_id)
            self.ledger.duplicate_removed(post_id, self.clock())

    async def close(self) -> None:
        """Stop listening for late answers (the bot is stopping)."""
        for request in list(self._listening):
            request.cancel()
        if self._listening:
            await asyncio.gather(*self._listening, return_exceptions=True)
        self._listening.clear()
