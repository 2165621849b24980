"""``perezvon check --send-test``: one short message to every chat the config names.

A chat id that parses is not a chat the bot can write to: it may be the example's
placeholder, a chat the bot was never added to or was removed from, a topic that does not
exist, or a group that became a supergroup (and so changed its id). Each is found here,
before the first missed call is lost to it, with what to do about it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.app import (
    DEFAULT_BASE_URL,
    TelegramCheckError,
    file_url_for,
    normalise_base_url,
)
from bot.limiter import retry_after_seconds
from bot.logs import protect, redact
from bot.messenger import is_chat_not_found, lacks_rights
from bot.render import esc
from watcher.config import Config
from watcher.texts import tr


@dataclass(frozen=True)
class ChatTarget:
    """A chat (and forum topic) the config sends to; ``department`` None = the managers."""

    chat: int
    topic: int | None = None
    department: str | None = None

    def label(self, language: str) -> str:
        """How the CLI names it: the chat id and what it is for."""
        if self.department is None:
            return tr(language, "cli_send_test_managers", chat=self.chat)
        topic = tr(language, "cli_send_test_topic", topic=self.topic) if self.topic else ""
        return tr(
            language, "cli_send_test_department", chat=self.chat, name=self.department, topic=topic
        )

    def message(self, language: str) -> str:
        """The test message itself (Telegram HTML)."""
        if self.department is None:
            target = tr(language, "test_target_managers")
        else:
            target = tr(language, "test_target_department", name=esc(self.department))
        return tr(language, "test_message", target=target)


@dataclass(frozen=True)
class SendResult:
    target: ChatTarget
    error: str | None = None  # None: delivered
    hint: str | None = None  # what to do about the error, in the config's language

    @property
    def ok(self) -> bool:
        return self.error is None


def chat_targets(config: Config) -> list[ChatTarget]:
    """Every (chat, topic) the service posts to, in the config's order, each once."""
    targets: list[ChatTarget] = []
    seen: set[tuple[int, int | None]] = set()
    for department in config.departments:
        if department.chat is None:
            continue
        target = ChatTarget(department.chat, department.topic or None, department.name)
        if (target.chat, target.topic) not in seen:
            seen.add((target.chat, target.topic))
            targets.append(target)
    managers = config.telegram.managers_chat
    if managers is not None and (managers, None) not in seen:
        targets.append(ChatTarget(managers))
    return targets


def hint_for(error: TelegramError, language: str) -> str | None:
    """What an admin does about a failed test post; None when nothing specific is known."""
    text = error.message.lower()
    if isinstance(error, ChatMigrated):
        return tr(language, "cli_send_test_hint_migrated", chat=error.new_chat_id)
    if isinstance(error, Forbidden):
        return tr(language, "cli_send_test_hint_forbidden")
    if isinstance(error, BadRequest):
        if "thread not found" in text or "topic" in text:
            return tr(language, "cli_send_test_hint_topic")
        if is_chat_not_found(error):
            return tr(language, "cli_send_test_hint_not_found")
        if lacks_rights(error):
            return tr(language, "cli_send_test_hint_rights")
        return None
    if isinstance(error, NetworkError):
        return tr(language, "cli_send_test_hint_network")
    return None


_RECORDED_KINDS: dict[str, type[TelegramError]] = {"Forbidden": Forbidden, "BadRequest": BadRequest}


def recorded_words(error: str) -> str:
    """Telegram's own words in an error as the outbox recorded it, without the class
    name before them ("Forbidden: Forbidden: bot was kicked…" reads "Forbidden: bot…")."""
    kind, _, message = error.partition(": ")
    return message if kind in _RECORDED_KINDS and message else error


def hint_for_recorded(error: str, language: str) -> str | None:
    """The hint for an error as the outbox recorded it ("Forbidden: …", "BadRequest: …",
    "network: …"), for the changes ``perezvon check`` finds waiting."""
    kind, _, message = error.partition(": ")
    if kind == "network":
        return tr(language, "cli_send_test_hint_network")
    if kind not in _RECORDED_KINDS or not message:
        return None
    return hint_for(_RECORDED_KINDS[kind](message), language)


async def send_test(config: Config, token: str, base_url: str | None = None) -> list[SendResult]:
    """Post the test message to every target; raises :class:`TelegramCheckError` when the
    token is rejected or the Bot API cannot be reached at all."""
    protect(token)
    url = normalise_base_url(base_url) or DEFAULT_BASE_URL
    bot = Bot(token, base_url=url, base_file_url=file_url_for(url))
    language = config.language
    results: list[SendResult] = []
    try:
        async with bot:
            for target in chat_targets(config):
                results.append(await _send_one(bot, target, language))
    except InvalidToken as error:
        raise TelegramCheckError.rejected(error, normalise_base_url(base_url)) from None
    except TelegramError as error:  # getMe itself failed: nothing was tried
        raise TelegramCheckError.unreachable(url, error) from None
    return results


async def _send_one(bot: Bot, target: ChatTarget, language: str) -> SendResult:
    text = target.message(language)
    for attempt in range(2):
        try:
            await bot.send_message(
                target.chat, text, parse_mode=ParseMode.HTML, message_thread_id=target.topic
            )
        except RetryAfter as error:  # flood control: wait once, as asked, then report it
            if attempt == 0:
                await asyncio.sleep(min(retry_after_seconds(error), 10.0))
                continue
            return SendResult(target, redact(error.message))
        except InvalidToken:
            raise
        except TelegramError as error:
            return SendResult(target, redact(error.message), hint_for(error, language))
        return SendResult(target)
    return SendResult(target, "flood control")
