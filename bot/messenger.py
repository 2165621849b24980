"""Brings a case's Telegram message in line with the ledger: post it once, then edit it.

Both the outbox sender and the button handler go through :meth:`CaseMessenger.sync`, which
renders the case as the ledger has it *now*, under a per-case lock. Whatever order the
requests come in, the last edit shows a state at least as new as every earlier one, so a
manual close racing an auto-close cannot leave a stale message behind.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from enum import Enum

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated

from bot.render import Rendered, render_case
from watcher.ledger import Ledger
from watcher.models import Case

log = logging.getLogger(__name__)

SENT_CACHE_SIZE = 2000


class SyncOutcome(Enum):
    POSTED = "posted"
    EDITED = "edited"
    UNCHANGED = "unchanged"  # the message already shows this state
    NO_CHAT = "no_chat"  # the case's department has no chat configured
    NOT_POSTED = "not_posted"  # no message yet and posting was not asked for
    GONE = "gone"  # no such case in the ledger


def is_not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


def is_message_gone(error: BadRequest) -> bool:
    """The message was deleted or can no longer be edited: post a fresh one instead."""
    text = error.message.lower()
    return "message to edit not found" in text or "message can't be edited" in text


class CaseMessenger:
    def __init__(
        self, bot: Bot, ledger: Ledger, language: str, clock: Callable[[], datetime]
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        self.language = language
        self.clock = clock
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        # What each case's message shows, as far as this process knows: spares an API call
        # when the outbox delivers a change the button handler has already shown.
        self._shown: OrderedDict[int, str] = OrderedDict()

    def _lock(self, case_id: int) -> asyncio.Lock:
        lock = self._locks.get(case_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[case_id] = lock
        return lock

    def render(self, case: Case) -> Rendered:
        return render_case(case, self.language)

    def _remember(self, case_id: int, rendered: Rendered) -> None:
        self._shown[case_id] = rendered.key
        self._shown.move_to_end(case_id)
        while len(self._shown) > SENT_CACHE_SIZE:
            self._shown.popitem(last=False)

    def forget(self, case_id: int) -> None:
        self._shown.pop(case_id, None)

    async def sync(self, case_id: int, *, post_if_missing: bool = True) -> SyncOutcome:
        """Post or edit the case's message; Telegram errors other than the benign ones raise."""
        async with self._lock(case_id):
            case = self.ledger.get_case(case_id)
            if case is None:
                return SyncOutcome.GONE
            rendered = self.render(case)
            stored = self.ledger.case_message(case_id)
            if stored is None:
                if not post_if_missing:
                    return SyncOutcome.NOT_POSTED
                if case.chat is None:
                    return SyncOutcome.NO_CHAT
                await self._post(case, case.chat, rendered)
                return SyncOutcome.POSTED
            if self._shown.get(case_id) == rendered.key:
                return SyncOutcome.UNCHANGED
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
                    self._remember(case_id, rendered)
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
            self._remember(case_id, rendered)
            return SyncOutcome.EDITED

    async def _post(self, case: Case, chat_id: int, rendered: Rendered) -> Message:
        try:
            message = await self._send(chat_id, rendered)
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
            message = await self._send(new_id, rendered)
        self.ledger.set_case_message(case.id, message.chat_id, message.message_id, self.clock())
        self._remember(case.id, rendered)
        return message

    async def _send(self, chat_id: int, rendered: Rendered) -> Message:
        return await self.bot.send_message(
            chat_id, rendered.text, parse_mode=ParseMode.HTML, reply_markup=rendered.markup
        )
