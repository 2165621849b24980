"""Sending multi-part answers (/missed, /stats, /report, the summaries): text, photo and
document parts.

A command answer is not in the outbox; when Telegram asks to slow down in the middle of a
long /missed list, waiting a few seconds once is better than dropping the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter

from bot.limiter import retry_after_seconds
from bot.messenger import is_topic_gone
from bot.render import Rendered

log = logging.getLogger(__name__)

MAX_FLOOD_WAIT = 30.0


@dataclass(frozen=True)
class Photo:
    png: bytes
    caption: str = ""
    filename: str = "chart.png"


@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str
    caption: str = ""


Part = Rendered | Photo | Document


async def send_part(bot: Bot, chat_id: int, part: Part, thread: int | None = None) -> Message:
    """Send one part (into forum topic ``thread``); on flood control wait once (up to
    :data:`MAX_FLOOD_WAIT` s) and retry."""
    try:
        return await _send(bot, chat_id, part, thread)
    except RetryAfter as error:
        seconds = retry_after_seconds(error)
        if seconds > MAX_FLOOD_WAIT:
            raise
        log.info("flood control while answering in chat %s: waiting %.0f s", chat_id, seconds)
        await asyncio.sleep(seconds)
        return await _send(bot, chat_id, part, thread)


async def send_parts(
    bot: Bot, chat_id: int, parts: Sequence[Part], thread: int | None = None
) -> list[Message]:
    return [await send_part(bot, chat_id, part, thread) for part in parts]


async def in_topic_or_chat(
    chat_id: int, thread: int | None, send: Callable[[int | None], Awaitable[Message]]
) -> Message:
    """``send`` into forum topic ``thread``, and into the chat itself when Telegram says
    the topic is deleted or closed: an answer must not be lost to a topic that is gone."""
    try:
        return await send(thread)
    except BadRequest as error:
        if thread is None or not is_topic_gone(error):
            raise
        log.info(
            "topic %s of chat %s is gone (%s): the answer goes to the chat itself",
            thread,
            chat_id,
            error.message,
        )
        return await send(None)


async def _send(bot: Bot, chat_id: int, part: Part, thread: int | None) -> Message:
    return await in_topic_or_chat(
        chat_id, thread, lambda topic: _send_into(bot, chat_id, part, topic)
    )


async def _send_into(bot: Bot, chat_id: int, part: Part, thread: int | None) -> Message:
    if isinstance(part, Document):
        return await bot.send_document(
            chat_id,
            InputFile(part.data, filename=part.filename),
            caption=part.caption or None,
            parse_mode=ParseMode.HTML,
            message_thread_id=thread,
        )
    if isinstance(part, Photo):
        return await bot.send_photo(
            chat_id,
            InputFile(part.png, filename=part.filename),
            caption=part.caption or None,
            parse_mode=ParseMode.HTML,
            message_thread_id=thread,
        )
    return await bot.send_message(
        chat_id,
        part.text,
        parse_mode=ParseMode.HTML,
        reply_markup=part.markup,
        message_thread_id=thread,
    )
