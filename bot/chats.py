"""``perezvon chats``: which chats write to the bot, with the ids to paste into the config.

The first steps need chat ids before the config can name them, and ``perezvon run`` is
not what an admin starts before the config is done. This command only listens
(getUpdates long polls) for a while, prints each chat once (id, type, title, forum topic),
answers a ``/start`` there with the same id, and confirms what it read so a later
``run`` does not answer those commands again. It needs the token and nothing else.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TextIO

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from bot.app import (
    DEFAULT_BASE_URL,
    TelegramCheckError,
    file_url_for,
    normalise_base_url,
)
from bot.logs import protect, redact
from watcher.texts import tr

DEFAULT_SECONDS = 120.0
POLL_SECONDS = 30
# my_chat_member: the bot was added to a group, which shows the chat before anyone writes.
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "my_chat_member"]
ANSWERED_COMMANDS = ("/start", "/help")


class ChatsConflict(Exception):
    """Another getUpdates reader (``perezvon run``, a webhook) has the bot's updates."""


@dataclass(frozen=True)
class SeenChat:
    chat_id: int
    kind: str  # private, group, supergroup, channel
    title: str
    topic: int | None = None

    def line(self, language: str) -> str:
        topic = tr(language, "cli_chats_topic", topic=self.topic) if self.topic else ""
        you = tr(language, "cli_chats_private") if self.kind == "private" else ""
        return tr(
            language,
            "cli_chats_chat",
            chat_id=self.chat_id,
            kind=self.kind,
            title=self.title,
            topic=topic,
            you=you,
        )


def seen_chat(update: Update) -> SeenChat | None:
    """The chat (and forum topic) an update came from; None for one without a chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    title = chat.title or chat.full_name or ""
    if chat.username:
        title = f"{title} (@{chat.username})" if title else f"@{chat.username}"
    message = update.effective_message
    topic = None
    if message is not None and message.is_topic_message and message.message_thread_id:
        topic = message.message_thread_id
    return SeenChat(chat.id, str(chat.type), title, topic)


def _is_start(update: Update, username: str) -> bool:
    """``/start`` or ``/help``, to this bot (``/start@bot``) or to no bot in particular."""
    message = update.message
    if message is None or not message.text:
        return False
    command, _, addressee = message.text.split(maxsplit=1)[0].partition("@")
    return command in ANSWERED_COMMANDS and addressee.lower() in ("", username.lower())


async def listen(
    token: str,
    base_url: str | None,
    out: TextIO,
    language: str,
    *,
    seconds: float = DEFAULT_SECONDS,
    poll_seconds: int = POLL_SECONDS,
) -> list[SeenChat]:
    """Print every chat that writes to the bot within ``seconds``; the chats seen.

    Raises :class:`TelegramCheckError` for a rejected token or an unreachable Bot API,
    :class:`ChatsConflict` when another program polls the same bot.
    """
    protect(token)
    url = normalise_base_url(base_url) or DEFAULT_BASE_URL
    bot = Bot(token, base_url=url, base_file_url=file_url_for(url))
    try:
        async with bot:
            return await _listen(bot, out, language, seconds, poll_seconds)
    except InvalidToken as error:
        raise TelegramCheckError.rejected(error, normalise_base_url(base_url)) from None
    except Conflict:
        raise ChatsConflict() from None
    except TelegramError as error:
        raise TelegramCheckError.unreachable(url, error) from None


async def _listen(
    bot: Bot, out: TextIO, language: str, seconds: float, poll_seconds: int
) -> list[SeenChat]:
    username = str(bot.username)
    out.write(tr(language, "cli_chats_listening", username=username, seconds=f"{seconds:g}"))
    out.flush()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    seen: dict[tuple[int, int | None], SeenChat] = {}
    offset: int | None = None
    while (left := deadline - loop.time()) > 0:
        timeout = max(1, min(poll_seconds, int(left)))
        try:
            updates = await bot.get_updates(
                offset=offset,
                timeout=timeout,
                allowed_updates=ALLOWED_UPDATES,
                read_timeout=timeout + 10,
            )
        except Conflict:
            raise
        except NetworkError:  # a dropped long poll: ask again
            await asyncio.sleep(1)
            continue
        for update in updates:
            offset = update.update_id + 1
            chat = seen_chat(update)
            if chat is None:
                continue
            if (chat.chat_id, chat.topic) not in seen:
                seen[(chat.chat_id, chat.topic)] = chat
                out.write(chat.line(language) + "\n")
                out.flush()
            if _is_start(update, username):
                await _reply(bot, chat, out, language)
    if offset is not None:
        # Confirm what was read: `run` must not answer these commands again later.
        await bot.get_updates(offset=offset, timeout=0, allowed_updates=ALLOWED_UPDATES)
    if seen:
        out.write(tr(language, "cli_chats_paste") + "\n")
    else:
        out.write(tr(language, "cli_chats_none", seconds=f"{seconds:g}", username=username) + "\n")
    return list(seen.values())


async def _reply(bot: Bot, chat: SeenChat, out: TextIO, language: str) -> None:
    """Answer /start with the id: the admin sees it where they are, and a chat the bot
    cannot write to shows up now rather than at the first missed call."""
    topic = tr(language, "chats_reply_topic", topic=chat.topic) if chat.topic else ""
    text = tr(language, "chats_reply", chat_id=chat.chat_id, topic=topic)
    try:
        await bot.send_message(
            chat.chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=chat.topic
        )
    except InvalidToken:
        raise
    except TelegramError as error:
        out.write(tr(language, "cli_chats_cannot_reply", error=redact(error.message)) + "\n")
