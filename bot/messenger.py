"""Brings a case's Telegram message in line with the ledger: post it once, then edit it.

Only the outbox sender calls :meth:`CaseMessenger.sync`, one case at a time, so each case
message has one writer: a button press changes the ledger and wakes the outbox, which
renders the case as the ledger has it *now*. A manual close racing an auto-close therefore
cannot leave a stale message behind, and no request bypasses the outbox's flood waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from enum import Enum

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, TelegramError

from bot.render import CardExtras, Rendered, claimer_name, esc, render_case
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.phones import display_number
from watcher.stats import span_text
from watcher.texts import tr
from watcher.vocab import OutboxKind

log = logging.getLogger(__name__)


# Posts of one case sent without a readable answer before no more are sent: the first
# and the one re-send. Each may have reached the chat, so a third could be a third copy.
MAX_UNCONFIRMED_POSTS = 2


class PostUnconfirmed(Exception):
    """Telegram may have applied a post, but its answer was lost; it is recorded."""

    def __init__(self, case_id: int, count: int, error: Exception) -> None:
        super().__init__(f"case {case_id}: answer to post {count} unreadable ({error})")
        self.case_id = case_id
        self.count = count


class SyncOutcome(Enum):
    POSTED = "posted"
    EDITED = "edited"
    UNCHANGED = "unchanged"  # the message already shows this state
    NO_CHAT = "no_chat"  # the case's department has no chat configured
    GONE = "gone"  # no such case in the ledger
    UNCONFIRMED = "unconfirmed"  # posts went out with no readable answer: no more are sent


def is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


def is_unreadable_answer(error: TelegramError) -> bool:
    """The request reached Telegram and was answered, but the answer was not JSON: the
    post may well be in the chat (PTB raises a bare TelegramError for that)."""
    return type(error) is TelegramError and "invalid server response" in error.message.lower()


def is_message_gone(error: BadRequest) -> bool:
    """The message was deleted or can no longer be edited: post a fresh one instead."""
    text = error.message.lower()
    return "message to edit not found" in text or "message can't be edited" in text


class CaseMessenger:
    def __init__(
        self, bot: Bot, ledger: Ledger, config: Config, clock: Callable[[], datetime]
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        self.config = config
        self.language = config.language
        self.clock = clock
        # One new message in flight at a time, whichever chat it is for: a power cut may
        # then cost at most that one (DESIGN "Durability"), though each chat has a lane of
        # its own. Edits need no such care: repeating one changes nothing.
        self._sending = asyncio.Lock()

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
        if outcome in (SyncOutcome.NO_CHAT, SyncOutcome.UNCONFIRMED):
            return outcome
        await self._sync_escalated(case, rendered, post=OutboxKind.ESCALATE in kinds)
        if OutboxKind.REMIND in kinds:
            await self._remind(case)
        return outcome

    async def _sync_own(self, case: Case, rendered: Rendered) -> SyncOutcome:
        """The case's own message in its department's chat: post it once, then edit it."""
        stored = self.ledger.case_message(case.id)
        if stored is None:
            if case.chat is None:
                return SyncOutcome.NO_CHAT
            if self.ledger.unconfirmed_post_count(case.id) >= MAX_UNCONFIRMED_POSTS:
                return SyncOutcome.UNCONFIRMED
            if case.held_until is not None:
                await self._digest_header(case, case.chat, case.held_until)
            await self._post(case, case.chat, rendered)
            return SyncOutcome.POSTED
        chat_id, message_id = stored
        if await self._edit(chat_id, message_id, rendered):
            return SyncOutcome.EDITED
        log.warning(
            "message %s of case %s in chat %s is gone; posting it again",
            message_id,
            case.id,
            chat_id,
        )
        await self._post(case, case.chat if case.chat is not None else chat_id, rendered)
        return SyncOutcome.POSTED

    async def _edit(self, chat_id: int, message_id: int, rendered: Rendered) -> bool:
        """Edit one message; False when it is gone (deleted, too old to edit)."""
        try:
            await self.bot.edit_message_text(
                rendered.text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=rendered.markup,
            )
        except BadRequest as error:
            if is_not_modified(error):
                return True
            if not is_message_gone(error):
                raise
            return False
        return True

    async def _sync_escalated(self, case: Case, rendered: Rendered, *, post: bool) -> None:
        """The copy in the managers' chat: posted once on escalation, edited like the case."""
        managers = self.config.telegram.managers_chat
        copy = self.ledger.case_copy(case.id, OutboxKind.ESCALATE)
        if copy is None and not (post and case.is_open and managers is not None):
            return
        header = tr(
            self.language,
            "escalation_header",
            wait=span_text(self.config.rules.escalate_after_minutes * 60, self.language),
            department=esc(case.department),
        )
        shown = Rendered(f"{header}\n\n{rendered.text}", rendered.markup)
        if copy is not None:
            if not await self._edit(*copy, shown):
                log.info("the escalated copy of case %s is gone; not posting it again", case.id)
            return
        assert managers is not None
        async with self._sending:
            message = await self.bot.send_message(
                managers, shown.text, parse_mode=ParseMode.HTML, reply_markup=shown.markup
            )
            self.ledger.set_case_copy(
                case.id, OutboxKind.ESCALATE, message.chat_id, message.message_id, self.clock()
            )
        log.debug("case %s escalated to the managers' chat", case.id)

    async def _remind(self, case: Case) -> None:
        """A reply to the case's own message, naming whoever took it; never for a closed one."""
        stored = self.ledger.case_message(case.id)
        if not case.is_open or stored is None:
            return
        text = tr(
            self.language,
            "reminder",
            wait=span_text(self.config.rules.remind_after_minutes * 60, self.language),
            number=esc(display_number(case.remote)),
        )
        if case.claimed_by_user_id is not None:
            mention = (
                f'<a href="tg://user?id={case.claimed_by_user_id}">{esc(claimer_name(case))}</a>'
            )
            text += "\n" + tr(self.language, "reminder_claimed", mention=mention)
        chat_id, message_id = stored
        async with self._sending:
            await self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_parameters=ReplyParameters(message_id, allow_sending_without_reply=True),
                message_thread_id=self._topic(case, chat_id),
            )
        log.debug("case %s reminded in chat %s", case.id, chat_id)

    async def _digest_header(self, case: Case, chat_id: int, held_until: datetime) -> None:
        """🌙 One header per department at opening, above the cases of the closed hours."""
        if self.ledger.digest_posted(case.department, held_until):
            return
        count = self.ledger.held_count(case.department, held_until)
        async with self._sending:
            message = await self.bot.send_message(
                chat_id,
                tr(self.language, "digest_header", count=count, department=esc(case.department)),
                parse_mode=ParseMode.HTML,
                message_thread_id=self._topic(case, chat_id),
            )
            self.ledger.set_digest(
                case.department, held_until, message.chat_id, message.message_id, self.clock()
            )
        log.info("after-hours digest for %s: %s cases", case.department, count)

    def _topic(self, case: Case, chat_id: int) -> int | None:
        """The forum topic of the case's department, for messages in its chat."""
        department = self.config.department_named(case.department)
        if department is None or not department.topic or department.chat != chat_id:
            return None
        return department.topic

    async def _post(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
        """Send the case's message and record it, one post at a time (see ``_sending``):
        until the id is on disk, a power cut would post it again."""
        async with self._sending:
            return await self._post_and_record(case, chat_id, rendered)

    async def _post_and_record(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
        try:
            message = await self._send(case, chat_id, rendered)
        except ChatMigrated as migrated:
            new_id = int(migrated.new_chat_id)
            log.error(
                "chat %s of department %r became supergroup %s: posting there; put %s into"
                " the config",
                chat_id,
                case.department,
                new_id,
                new_id,
            )
            message = await self._send(case, new_id, rendered)
        self.ledger.set_case_message(case.id, message.chat_id, message.message_id, self.clock())
        return message

    async def _send(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
        try:
            return await self.bot.send_message(
                chat_id,
                rendered.text,
                parse_mode=ParseMode.HTML,
                reply_markup=rendered.markup,
                message_thread_id=self._topic(case, chat_id),
            )
        except TelegramError as error:
            if not is_unreadable_answer(error):
                raise
            count = self.ledger.record_unconfirmed_post(case.id, chat_id, self.clock(), str(error))
            raise PostUnconfirmed(case.id, count, error) from error
