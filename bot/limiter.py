"""python-telegram-bot's rate limiter, with Telegram's flood control scoped to its chat.

PTB's :class:`~telegram.ext.AIORateLimiter` paces requests per group and overall, which
is what keeps a burst of missed calls from drawing 429s at all. When one comes anyway, it
holds every request, in every chat, for ``retry_after``: a 45 s flood wait on one chat's
post left presses in the other chats unanswered past the 15 s Telegram gives an answer.
Here a 429 on a request for a chat holds that chat only (Telegram's limit it answers for);
a short wait is slept and retried, as PTB does, and a longer one is raised at once, so the
outbox moves that chat's work to later instead of a post waiting out its answer timeout.
Requests for no chat (answers to presses, getUpdates) keep PTB's own handling.
"""

from __future__ import annotations

import asyncio
import logging
import math
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

# A chat's flood wait up to this long is slept inside the request; a longer one is
# raised to the caller (the outbox reschedules; a command's answer is lost, and said).
SLEEP_AT_MOST = 3.0

JSON = bool | dict[str, Any] | list[dict[str, Any]]


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` as seconds, whatever PTB's int/timedelta transition setting is."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 0.0)


class FloodWait(RetryAfter):
    """A 429 for one chat, naming it: the outbox holds that chat, which may be another
    than the case's own (the managers' chat of an escalated copy)."""

    def __init__(self, retry_after: int, chat_id: object) -> None:
        super().__init__(retry_after)
        self.chat_id = chat_id


class ChatScopedLimiter(AIORateLimiter):
    """:class:`AIORateLimiter` whose 429s hold the chat they came from, not every chat."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._held_until: dict[str, float] = {}  # chat -> loop time its flood wait ends

    def held_for(self, chat_id: object) -> float:
        """Seconds the chat is still held by a flood wait (0: not held)."""
        until = self._held_until.get(str(chat_id), 0.0)
        return max(0.0, until - asyncio.get_running_loop().time())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            held = self.held_for(chat_id)
            if held > SLEEP_AT_MOST:
                raise FloodWait(math.ceil(held), chat_id)
            if held:
                await asyncio.sleep(held)
            try:
                return await self._run_request(
                    chat=True,
                    group=_group_of(chat_id),
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as error:
                seconds = retry_after_seconds(error) + 0.1
                loop = asyncio.get_running_loop()
                self._held_until[str(chat_id)] = loop.time() + seconds
                log.debug("chat %s: Telegram's flood control for %.1f s", chat_id, seconds)
                if attempt == retries or seconds > SLEEP_AT_MOST:
                    raise FloodWait(math.ceil(seconds), chat_id) from error
        raise AssertionError("the loop returns or raises")


def _group_of(chat_id: object) -> int | str | bool:
    """The key of PTB's per-group bucket: groups and channels (a negative id, or an
    @username), as PTB tells them; False for a private chat."""
    try:
        number = int(chat_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(chat_id)
    return number if number < 0 else False
