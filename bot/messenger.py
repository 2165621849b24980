"""Brings a case's Telegram message in line with the ledger: post it once, then edit it.

Only the outbox sender calls :meth:`CaseMessenger.sync`, one case at a time, so each case
message has one writer: a button press changes the ledger and wakes the outbox, which
renders the case as the ledger has it *now*. A manual close racing an auto-close therefore
cannot leave a stale message behind, and no request bypasses the outbox's flood waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import Enum

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, TelegramError

from bot.render import CardExtras, Rendered, render_case
from watcher.ledger import Ledger
from watcher.models import Case

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
        self,
        bot: Bot,
        ledger: Ledger,
        language: str,
        clock: Callable[[], datetime],
        operators: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        self.language = language
        self.clock = clock
        self.operators = operators  # the config's [operators]; /me links are in the ledger

    def render(self, case: Case) -> Rendered:
        extras = CardExtras(
            attempts=self.ledger.callback_attempts(case.id),
            names=self.ledger.operator_names(self.operators),
        )
        return render_case(case, self.language, extras)

    async def sync(self, case_id: int) -> SyncOutcome:
        """Post or edit the case's message; Telegram errors other than the benign ones raise."""
        case = self.ledger.get_case(case_id)
        if case is None:
            return SyncOutcome.GONE
        rendered = self.render(case)
        stored = self.ledger.case_message(case_id)
        if stored is None:
            if case.chat is None:
                return SyncOutcome.NO_CHAT
            if self.ledger.unconfirmed_post_count(case_id) >= MAX_UNCONFIRMED_POSTS:
                return SyncOutcome.UNCONFIRMED
            await self._post(case, case.chat, rendered)
            return SyncOutcome.POSTED
        chat_id, message_id = stored
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
                return SyncOutcome.UNCHANGED
            if not is_message_gone(error):
                raise
            log.warning(
                "message %s of case %s in chat %s is gone (%s); posting it again",
                message_id,
                case_id,
                chat_id,
                error.message,
            )
            await self._post(case, case.chat if case.chat is not None else chat_id, rendered)
            return SyncOutcome.POSTED
        return SyncOutcome.EDITED

    async def _post(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
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
                chat_id, rendered.text, parse_mode=ParseMode.HTML, reply_markup=rendered.markup
            )
        except TelegramError as error:
            if not is_unreadable_answer(error):
                raise
            count = self.ledger.record_unconfirmed_post(case.id, chat_id, self.clock(), str(error))
            raise PostUnconfirmed(case.id, count, error) from error
