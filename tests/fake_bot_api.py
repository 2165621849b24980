"""A fake Telegram Bot API server for tests.

python-telegram-bot talks to it through its real HTTP stack (httpx)::

    async with FakeBotApi() as api:
        async with telegram.Bot(api.token, base_url=api.base_url) as bot:
            await bot.send_message(-100500, "hi")
        assert api.sent_to(-100500)[0]["text"] == "hi"

Everything runs in the test's event loop on 127.0.0.1 (free port).  The server keeps
Telegram-shaped state (messages per chat, pending updates, commands), records every call
in :attr:`FakeBotApi.calls` and can inject updates and faults.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any, ClassVar, Literal

import pytest_asyncio
from aiohttp import BodyPartReader, web

__all__ = [
    "BAD_GATEWAY_HTML",
    "BOT_USERNAME",
    "CONFLICT",
    "DEFAULT_TOKEN",
    "NOT_MODIFIED",
    "FakeBotApi",
    "RecordedCall",
    "fake_bot_api",
    "make_user",
]

DEFAULT_TOKEN = "123456:TEST"
BOT_USERNAME = "perezvon_test_bot"

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

# Parameters that Telegram always treats as strings: PTB sends str values verbatim (not
# JSON-encoded) in form fields, so "123" in `text` must not become an int.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "action",
        "business_connection_id",
        "message_effect_id",
        "language_code",
        "title",
        "description",
        "short_description",
        "name",
        "file_id",
        "photo",
        "document",
        "emoji",
        "secret_token",
    }
)


def make_user(
    id: int, first_name: str, username: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Build a Telegram ``User`` dict for a human (``is_bot`` false)."""
    user: dict[str, Any] = {"id": id, "is_bot": False, "first_name": first_name}
    if username is not None:
        user["username"] = username
    user.update(extra)
    return user


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG header, or a plausible default for other data."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 800, 600


# answerCallbackQuery: "Text of the notification, 0-200 characters" (Bot API).
CALLBACK_ANSWER_LIMIT = 200


@dataclass
class RecordedCall:
    """One Bot API request as the fake server received it."""

    method: str
    """Canonical method name (``sendMessage``) or the name as sent if unknown."""
    params: dict[str, Any]
    """Decoded parameters (JSON strings in form fields are decoded)."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Uploaded multipart files: field name -> content."""
    filenames: dict[str, str] = field(default_factory=dict)
    """Uploaded multipart files: field name -> the file name the client gave."""
    token: str = ""
    time: float = 0.0
    """``time.monotonic()`` when the request arrived."""
    failed: bool = False
    """True when the fake answered with an error (or dropped the connection)."""
    status: int = 200
    """HTTP status sent back (0 when the connection was reset)."""
    response: Any = None
    """The JSON (or text) body sent back."""
    aborted: bool = False
    """True when the client disconnected before the answer (e.g. PTB cancelled a long poll)."""
    garbled: bool = False
    """True when the request was applied but answered with a body that is not JSON."""
    delayed: bool = False
    """True when the request was applied but its answer held back (see ``delay_answers``)."""


class _Uploads(dict[str, bytes]):
    """Uploaded files by field name, with the file names the client gave them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}


class _ApiError(Exception):
    """Raised inside method handlers to produce a Telegram error response."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class _SlowAnswers:
    """Answers of one method held ``delay`` seconds: ``times`` calls, or until ``until``."""

    delay: float
    times: int | None
    until: float | None

    def take(self, now: float) -> bool:
        if self.until is not None:
            return now < self.until
        if self.times is not None and self.times > 0:
            self.times -= 1
            return True
        return False


@dataclass
class _Fault:
    status: int
    description: str
    parameters: dict[str, Any] | None
    times: int


class _HtmlToEntities(HTMLParser):
    """Converts Telegram-flavoured HTML into plain text + entities like the Bot API does."""

    _SIMPLE: ClassVar[dict[str, str]] = {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "tg-spoiler": "spoiler",
        "code": "code",
        "pre": "pre",
    }

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.utf16_pos = 0
        self.entities: list[dict[str, Any]] = []
        self.stack: list[tuple[str, dict[str, Any] | None]] = []

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        lines = self.source.split("\n")
        prefix = "\n".join(lines[: line - 1]) + ("\n" if line > 1 else "") + lines[line - 1][:col]
        return len(prefix.encode())

    def _fail(self, what: str) -> None:
        raise _ApiError(400, f"Bad Request: can't parse entities: {what}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        entity: dict[str, Any] | None
        if tag in self._SIMPLE:
            entity = {"type": self._SIMPLE[tag]}
            if tag == "code" and self.stack and self.stack[-1][0] == "pre":
                pre = self.stack[-1][1]
                lang = (attr.get("class") or "").removeprefix("language-")
                if pre is not None and lang:
                    pre["language"] = lang
                entity = None
        elif tag == "span" and attr.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag == "a":
            href = attr.get("href") or ""
            if href.startswith("tg://user?id="):
                user_id = int(href.removeprefix("tg://user?id="))
                entity = {
                    "type": "text_mention",
                    "user": {"id": user_id, "is_bot": False, "first_name": str(user_id)},
                }
            else:
                entity = {"type": "text_link", "url": href}
        elif tag == "blockquote":
            expandable = "expandable" in attr
            entity = {"type": "expandable_blockquote" if expandable else "blockquote"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": attr.get("emoji-id", "")}
        else:
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
            return
        if entity is not None:
            entity["offset"] = self.utf16_pos
            entity["length"] = 0
            self.entities.append(entity)
        self.stack.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, entity = self.stack.pop()
        if open_tag != tag:
            self._fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is not None:
            entity["length"] = self.utf16_pos - entity["offset"]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.utf16_pos += _utf16_len(data)

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.feed(self.source)
        self.close()
        if self.stack:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        entities = [e for e in self.entities if e["length"] > 0]
        return "".join(self.parts), entities


def _parse_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]] | None]:
    """Apply ``parse_mode`` (HTML only; Markdown is stored verbatim) -> (text, entities)."""
    if parse_mode and parse_mode.upper() == "HTML":
        plain, parsed = _HtmlToEntities(text).result()
        return plain, parsed or None
    return text, entities or None


# A ChatMemberAdministrator's rights and a ChatMemberRestricted's permissions.
_ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
_MEMBER_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)
# The methods that put a new message into a chat.
_SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


class FakeBotApi:
    """In-process fake of ``https://api.telegram.org`` for python-telegram-bot tests.

    Use ``Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)`` or
    ``ApplicationBuilder().token(api.token).base_url(api.base_url)
    .base_file_url(api.base_file_url)``.
    """

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_username = bot_username
        self.calls: list[RecordedCall] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        """The bot's messages (current state) by (chat_id, message_id)."""
        self.incoming: dict[tuple[int, int], dict[str, Any]] = {}
        """Messages injected as written by users, by (chat_id, message_id)."""
        self.chats: dict[int, dict[str, Any]] = {}
        """Chat objects by id; pre-fill to customise titles/types (created on demand)."""
        self.files: dict[str, bytes] = {}
        """Uploaded file content by file_id."""
        self.callback_answers: dict[str, dict[str, Any] | None] = {}
        """answerCallbackQuery params by callback query id (None value = not answered yet)."""
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """setMyCommands state by (json-encoded scope, language_code)."""
        self.updates: list[dict[str, Any]] = []
        """Pending (not yet confirmed) updates."""
        self.webhook_url = ""
        self.deleted_topics: set[tuple[int, int]] = set()
        self.closed_topics: set[tuple[int, int]] = set()
        """Forum topics (chat_id, message_thread_id) closed: a send into one answers
        "Bad Request: TOPIC_CLOSED", as Telegram does for a bot that may not manage topics."""
        self.kicked_from: set[int] = set()
        """Chats the bot was removed from: every request naming one answers 403."""
        self.muted: dict[int, str] = {}
        """Chats where an admin took the bot's right to post (it is still a member): a send
        into one answers 400 with this description, as Telegram does ("Bad Request: not
        enough rights to send text messages to the chat", "Bad Request:
        CHAT_WRITE_FORBIDDEN"); edits of its messages there still work."""
        self.migrated: dict[int, int] = {}
        """Groups upgraded to supergroups (old id -> new): a request naming the old id is
        refused with ``migrate_to_chat_id``, as Telegram does."""
        """Forum topics (chat_id, message_thread_id) deleted: a send into one is refused."""
        self.down: bool = False
        self.down_mode: Literal["bad_gateway", "reset"] = "bad_gateway"
        self.port: int = 0

        self._faults: dict[str, list[_Fault]] = {}
        self._garbled: dict[str, int] = {}
        self._slow: dict[str, _SlowAnswers] = {}
        self.delayed_answers = 0
        """How many answers :meth:`delay_answers` has held back (the work was done)."""
        self._limit: tuple[int, float] | None = None  # (messages, seconds) per chat
        self._sent_at: dict[int, list[float]] = {}
        self.flood_answers = 0
        """How many 429s the per-chat limit (:meth:`enforce_limits`) has answered."""
        self._next_update_id = itertools.count(1)
        self._next_callback_id = itertools.count(1)
        self._next_file_id = itertools.count(1)
        self._next_message_id: dict[int, int] = {}
        self._allowed_updates: list[str] = []
        self._bot_member: dict[int, dict[str, Any]] = {}  # the bot's ChatMember per chat
        self._updates_changed = asyncio.Event()
        self._calls_changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, tuple[str, Callable[..., Any]]] = {
            name.removeprefix("_api_").lower(): (name.removeprefix("_api_"), getattr(self, name))
            for name in dir(self)
            if name.startswith("_api_")
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def bot_id(self) -> int:
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else 123456

    @property
    def bot_user(self) -> dict[str, Any]:
        """The ``User`` object of the bot (what getMe returns, minus capability flags)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Perezvon",
            "username": self.bot_username,
        }

    @property
    def base_url(self) -> str:
        """Value for ``Bot(base_url=...)``; PTB appends the token and ``/method``."""
        return f"{self._origin}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``Bot(base_file_url=...)``."""
        return f"{self._origin}/file/bot"

    @property
    def _origin(self) -> str:
        if not self.port:
            raise RuntimeError("FakeBotApi is not started (use `async with FakeBotApi()`)")
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi already started")
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll ends as soon as PTB drops its connection, so no
        # stale getUpdates lingers to be terminated with 409 by the next one.
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        if self._runner is None:
            return
        self._closing = True
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ inspection

    def calls_of(self, method: str) -> list[RecordedCall]:
        """All recorded calls of ``method`` (case-insensitive), failed ones included."""
        wanted = method.lower()
        return [c for c in self.calls if c.method.lower() == wanted]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> list[RecordedCall]:
        """Wait until ``count`` calls of ``method`` matching ``predicate`` were recorded.

        Returns all matching calls (failed ones included; filter on ``c.failed`` in the
        predicate if needed).  Raises ``TimeoutError`` listing what was recorded.
        """

        def matching() -> list[RecordedCall]:
            return [c for c in self.calls_of(method) if predicate is None or predicate(c)]

        try:
            async with asyncio.timeout(timeout):
                while len(found := matching()) < count:
                    await self._calls_changed.wait()
        except TimeoutError:
            seen = ", ".join(f"{c.method}{'(failed)' if c.failed else ''}" for c in self.calls)
            raise TimeoutError(
                f"waited {timeout}s for {count} matching {method} call(s), got "
                f"{len(matching())}; recorded calls: [{seen}]"
            ) from None
        return found

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Current state of the bot's messages in ``chat_id``, ordered by message_id."""
        return [
            msg
            for (chat, _), msg in sorted(self.messages.items(), key=lambda kv: kv[0][1])
            if chat == chat_id
        ]

    def photo_bytes(self, chat_id: int, message_id: int) -> bytes | None:
        """Raw bytes of the largest photo of a stored message, if any."""
        photo = self.messages[(chat_id, message_id)].get("photo")
        return self.files.get(photo[-1]["file_id"]) if photo else None

    def document_bytes(self, chat_id: int, message_id: int) -> bytes | None:
        """The uploaded content of a document the bot sent, by message."""
        message = self.messages.get((chat_id, message_id)) or {}
        document = message.get("document")
        return self.files.get(document["file_id"]) if document else None

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``"*"`` = any) fail Telegram-style.

        429 answers ``Too Many Requests: retry after N`` with ``parameters.retry_after``
        (N defaults to 1); other statuses answer ``{"ok": false, "error_code": status, ...}``.
        """
        parameters: dict[str, Any] | None = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
        if description is None:
            description = {
                400: "Bad Request",
                401: "Unauthorized",
                403: "Forbidden: bot was kicked from the group chat",
                409: CONFLICT,
            }.get(status) or _status_phrase(status)
        self._faults.setdefault(method.lower(), []).append(
            _Fault(status, description, parameters, times)
        )

    def enforce_limits(self, messages: int, seconds: float) -> None:
        """Answer 429 (with retry_after) to a chat's sendMessage or editMessageText beyond
        ``messages`` in any ``seconds``: Telegram's per-group limit, scaled down."""
        self._limit = (messages, seconds)

    def _check_limit(self, method: str, params: dict[str, Any]) -> None:
        if self._limit is None or method not in ("sendMessage", "editMessageText"):
            return
        messages, seconds = self._limit
        now = time.monotonic()
        chat = self._chat_id(params)
        recent = [t for t in self._sent_at.get(chat, []) if now - t < seconds]
        if len(recent) >= messages:
            self.flood_answers += 1
            wait = max(1, math.ceil(seconds - (now - recent[0])))
            raise _ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        recent.append(now)
        self._sent_at[chat] = recent

    def garble_next(self, method: str, *, times: int = 1) -> None:
        """Apply the next ``times`` calls of ``method`` but answer with a body that is not
        JSON: Telegram did the work, the client cannot know it."""
        key = method.lower()
        self._garbled[key] = self._garbled.get(key, 0) + times

    def delay_answers(
        self, method: str, delay: float, *, times: int | None = None, seconds: float | None = None
    ) -> None:
        """Apply calls of ``method`` (record them, store the message, assign its id) but
        hold each answer ``delay`` seconds: a slow Telegram, whose answer may come after
        the client's read timeout. For the next ``times`` calls, or every call for the next
        ``seconds``; the client that gives up first never sees the answer."""
        if (times is None) == (seconds is None):
            raise ValueError("give times or seconds")
        until = None if seconds is None else time.monotonic() + seconds
        self._slow[method.lower()] = _SlowAnswers(delay, times, until)

    def set_down(
        self, down: bool = True, *, mode: Literal["bad_gateway", "reset"] = "bad_gateway"
    ) -> None:
        """While down, answer every request with an nginx-style HTML 502, or reset it."""
        self.down = down
        self.down_mode = mode
        if down:
            self._wake_pollers()

    # ------------------------------------------------------------------ update injection

    def inject_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; assigns and returns it with ``update_id``."""
        update = {"update_id": next(self._next_update_id), **update}
        self.updates.append(update)
        self._wake_pollers()
        return update

    def set_bot_status(
        self, chat_id: int, status: str, by: dict[str, Any], *, can_send: bool = True
    ) -> dict[str, Any]:
        """A group admin (``by``) changes the bot's membership of ``chat_id`` to ``status``
        ("left", "kicked", "member", "administrator", "restricted"): requests follow it
        (removed: 403; restricted without ``can_send``: sends refused), and Telegram's
        ``my_chat_member`` update is queued, as it is for a bot removed, added, or whose
        rights changed."""
        old = self._bot_member.get(chat_id) or {"user": self.bot_user, "status": "member"}
        new = self._member(status, can_send)
        self._bot_member[chat_id] = new
        self.kicked_from.discard(chat_id)
        self.muted.pop(chat_id, None)
        if status in ("left", "kicked"):
            self.kicked_from.add(chat_id)
        elif status == "restricted" and not can_send:
            self.muted[chat_id] = "Bad Request: not enough rights to send text messages to the chat"
        return self.inject_update(
            {
                "my_chat_member": {
                    "chat": self._chat(chat_id),
                    "from": by,
                    "date": int(time.time()),
                    "old_chat_member": copy.deepcopy(old),
                    "new_chat_member": copy.deepcopy(new),
                }
            }
        )

    def _member(self, status: str, can_send: bool) -> dict[str, Any]:
        """The bot as a ChatMember of ``status``, with the fields Telegram sends for it."""
        member: dict[str, Any] = {"user": self.bot_user, "status": status}
        if status == "kicked":
            member["until_date"] = 0
        elif status == "administrator":
            member.update({flag: True for flag in _ADMIN_RIGHTS})
            member["can_be_edited"] = False
        elif status == "restricted":
            member.update({flag: can_send for flag in _MEMBER_RIGHTS})
            member.update({"is_member": True, "until_date": 0})
        return member

    def inject_message(
        self,
        chat_id: int,
        user: dict[str, Any],
        text: str,
        entities: list[dict[str, Any]] | None = None,
        thread: int | None = None,
    ) -> dict[str, Any]:
        """Queue a ``message`` update as if ``user`` wrote ``text`` in ``chat_id`` (in forum
        topic ``thread``)."""
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id, user),
            "date": int(time.time()),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        self.incoming[(chat_id, message["message_id"])] = message
        return self.inject_update({"message": message})

    def inject_command(
        self, chat_id: int, user: dict[str, Any], text: str, thread: int | None = None
    ) -> dict[str, Any]:
        """Queue a command message, e.g. ``"/missed@perezvon_test_bot week"``."""
        if not text.startswith("/"):
            raise ValueError(f"not a command: {text!r}")
        command = text.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
        return self.inject_message(chat_id, user, text, [entity], thread)

    def inject_callback_query(
        self, chat_id: int, message_id: int, user: dict[str, Any], data: str
    ) -> str:
        """Queue a button press on a stored bot message; returns the callback query id."""
        try:
            message = self.messages[(chat_id, message_id)]
        except KeyError:
            raise KeyError(f"no stored message {message_id} in chat {chat_id}") from None
        query_id = str(4_000_000_000_000_000 + next(self._next_callback_id))
        self.callback_answers[query_id] = None
        self.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": copy.deepcopy(message),
                    "chat_instance": str(abs(hash(("instance", chat_id)))),
                    "data": data,
                }
            }
        )
        return query_id

    # ------------------------------------------------------------------ internals

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _record(self, call: RecordedCall) -> None:
        self.calls.append(call)
        self._calls_changed.set()
        self._calls_changed = asyncio.Event()

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _chat(self, chat_id: int, user: dict[str, Any] | None = None) -> dict[str, Any]:
        if chat_id not in self.chats:
            if chat_id < 0:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                chat = {"id": chat_id, "type": kind, "title": f"Test group {chat_id}"}
            else:
                chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
                if user is not None and user.get("id") == chat_id:
                    chat["first_name"] = user.get("first_name", chat["first_name"])
                    if user.get("username"):
                        chat["username"] = user["username"]
            self.chats[chat_id] = chat
        return dict(self.chats[chat_id])

    @staticmethod
    def _decode_value(name: str, value: str) -> Any:
        if name in _STRING_PARAMS:
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {k: self._decode_value(k, v) for k, v in request.query.items()}
        files = _Uploads()
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.read()
            if body:
                params.update(json.loads(body))
        elif ctype == "application/x-www-form-urlencoded":
            form = await request.post()
            params.update({k: self._decode_value(k, str(v)) for k, v in form.items()})
        elif ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    files[part.name] = bytes(await part.read())
                    files.names[part.name] = part.filename
                else:
                    params[part.name] = self._decode_value(part.name, await part.text())
        else:
            await request.read()
        return params, files

    @staticmethod
    def _error_body(status: int, description: str, parameters: dict[str, Any] | None) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return body

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        canonical, handler = self._handlers.get(raw_method.lower(), (raw_method, None))
        params, files = await self._read_params(request)
        names = files.names if isinstance(files, _Uploads) else {}
        call = RecordedCall(canonical, params, files, dict(names), token, time.monotonic())
        self._record(call)

        if self.down:
            call.failed = True
            if self.down_mode == "reset":
                call.status = 0
                return self._reset(request)
            call.status, call.response = 502, BAD_GATEWAY_HTML
            return web.Response(status=502, text=BAD_GATEWAY_HTML, content_type="text/html")

        try:
            if token != self.token:
                raise _ApiError(401, "Unauthorized")
            if handler is None:
                raise _ApiError(404, "Not Found")
            self._maybe_fault(canonical)
            named = params.get("chat_id") not in (None, "")
            if named and self._chat_id(params) in self.kicked_from:
                raise _ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
            if named and canonical in _SENDS and self._chat_id(params) in self.muted:
                raise _ApiError(400, self.muted[self._chat_id(params)])
            if named and self._chat_id(params) in self.migrated:
                raise _ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self.migrated[self._chat_id(params)]},
                )
            self._check_limit(canonical, params)
            result = await handler(params, files)
        except asyncio.CancelledError:  # the client went away (e.g. a cancelled long poll)
            call.aborted = True
            raise
        except _ApiError as err:
            call.failed = True
            call.status = err.status
            call.response = self._error_body(err.status, err.description, err.parameters)
            return web.json_response(call.response, status=err.status)
        except Exception as exc:  # a bug in the fake or nonsense params: say so loudly
            call.failed = True
            call.status = 500
            call.response = self._error_body(500, f"Internal Server Error: fake: {exc!r}", None)
            return web.json_response(call.response, status=500)
        # A snapshot: stored messages keep changing with later edits.
        call.response = {"ok": True, "result": copy.deepcopy(result)}
        slow = self._slow.get(canonical.lower())
        if slow is not None and slow.take(time.monotonic()):
            call.delayed = True
            self.delayed_answers += 1
            try:
                await asyncio.sleep(slow.delay)
            except asyncio.CancelledError:  # the client gave up: the work is done all the same
                call.aborted = True
                raise
        if self._garbled.get(canonical.lower(), 0) > 0:
            self._garbled[canonical.lower()] -= 1
            call.garbled = True
            cut = '{"ok": true, "result": {"message_'
            return web.Response(status=200, text=cut, content_type="application/json")
        return web.json_response(call.response)

    def _maybe_fault(self, method: str) -> None:
        for key in (method.lower(), "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
                raise _ApiError(fault.status, fault.description, fault.parameters)

    @staticmethod
    def _reset(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:  # SO_LINGER 0 -> the kernel sends RST on close
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        raise asyncio.CancelledError

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(self._error_body(401, "Unauthorized", None), status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".", 1)[0]
        if file_id not in self.files:
            return web.json_response(self._error_body(404, "Not Found", None), status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    # ------------------------------------------------------------------ message helpers

    def _chat_id(self, params: dict[str, Any]) -> int:
        """Resolve ``chat_id`` (int, numeric string or ``@channelusername``) to an int."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, int):
            return chat_id
        chat_id = str(chat_id)
        if chat_id.lstrip("-").isdigit():
            return int(chat_id)
        if not chat_id.startswith("@"):
            raise _ApiError(400, "Bad Request: chat not found")
        for known in self.chats.values():
            if known.get("username") == chat_id[1:]:
                return int(known["id"])
        new_id = -1001000000000 - len(self.chats) - 1
        self.chats[new_id] = {
            "id": new_id,
            "type": "channel",
            "title": chat_id[1:],
            "username": chat_id[1:],
        }
        return new_id

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            return markup
        return None  # reply keyboards / removals are not echoed in messages

    def _new_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        thread = params.get("message_thread_id")
        if thread is not None and (chat_id, int(thread)) in self.deleted_topics:
            raise _ApiError(400, "Bad Request: message thread not found")
        if thread is not None and (chat_id, int(thread)) in self.closed_topics:
            raise _ApiError(400, "Bad Request: TOPIC_CLOSED")
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_to:
            key = (int(reply.get("chat_id") or chat_id), int(reply_to))
            target = self.messages.get(key) or self.incoming.get(key)
            if target is not None:
                message["reply_to_message"] = copy.deepcopy(target)
            elif not (
                reply.get("allow_sending_without_reply")
                or params.get("allow_sending_without_reply")
            ):
                raise _ApiError(400, "Bad Request: message to be replied not found")
        return message

    def _store(self, message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        markup = self._inline_markup(params)
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _stored(self, params: dict[str, Any]) -> tuple[tuple[int, int], dict[str, Any]]:
        if "inline_message_id" in params:
            raise _ApiError(400, "Bad Request: message to edit not found")
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        if key not in self.messages:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return key, self.messages[key]

    def _store_upload(
        self, params: dict[str, Any], files: dict[str, bytes], field_name: str
    ) -> tuple[str, bytes]:
        value = params.get(field_name)
        if field_name in files:
            data = files[field_name]
        elif isinstance(value, str) and value.startswith("attach://"):
            data = files.get(value.removeprefix("attach://"), b"")
        elif isinstance(value, str) and value in self.files:
            return value, self.files[value]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            data = value.encode()
        else:
            raise _ApiError(400, f"Bad Request: there is no {field_name} in the request")
        if not data:
            raise _ApiError(400, f"Bad Request: {field_name.upper()}_EMPTY")
        file_id = f"fake-{field_name}-{next(self._next_file_id)}"
        self.files[file_id] = data
        return file_id, data

    def _apply_caption(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        caption = params.get("caption")
        if caption:
            text, entities = _parse_text(
                str(caption), params.get("parse_mode"), params.get("caption_entities")
            )
            if _utf16_len(text) > 1024:
                raise _ApiError(400, "Bad Request: message caption is too long")
            message["caption"] = text
            if entities:
                message["caption_entities"] = entities

    # ------------------------------------------------------------------ Bot API methods

    async def _api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # terminates an older long poll with 409, like Telegram

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if offset > 0:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            elif offset < 0:
                self.updates = self.updates[offset:]
            allowed = self._allowed_updates
            ready = [u for u in self.updates if not allowed or any(k in u for k in allowed)][:limit]
            if ready or self._closing or self.down:
                return ready if not self.down else []
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            event = self._updates_changed
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return []
            if generation != self._poll_generation:
                raise _ApiError(409, CONFLICT)

    async def _api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: commands not specified")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _api_getMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def _api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat_id(params)
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise _ApiError(400, "Bad Request: message text is empty")
        text, entities = _parse_text(str(raw), params.get("parse_mode"), params.get("entities"))
        if _utf16_len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        message = self._new_message(chat_id, params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        return self._store(message, params)

    async def _api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        _, message = self._stored(params)
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise _ApiError(400, "Bad Request: message text is empty")
        if "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = _parse_text(str(raw), params.get("parse_mode"), params.get("entities"))
        if _utf16_len(text) > 4096:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = self._inline_markup(params)
        if (text, entities, markup) == (
            message["text"],
            message.get("entities"),
            message.get("reply_markup"),
        ):
            raise _ApiError(400, NOT_MODIFIED)
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return message

    async def _api_editMessageCaption(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        _, message = self._stored(params)
        before = (
            message.get("caption"),
            message.get("caption_entities"),
            message.get("reply_markup"),
        )
        updated = {k: v for k, v in message.items() if k not in ("caption", "caption_entities")}
        self._apply_caption(updated, params)
        markup = self._inline_markup(params)
        if (updated.get("caption"), updated.get("caption_entities"), markup) == before:
            raise _ApiError(400, NOT_MODIFIED)
        message.pop("caption", None)
        message.pop("caption_entities", None)
        message.update({k: updated[k] for k in ("caption", "caption_entities") if k in updated})
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return message

    async def _api_editMessageReplyMarkup(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        _, message = self._stored(params)
        markup = self._inline_markup(params)
        if markup == message.get("reply_markup"):
            raise _ApiError(400, NOT_MODIFIED)
        self._set_markup(message, markup)
        message["edit_date"] = int(time.time())
        return message

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    async def _api_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        if self.messages.pop(key, None) is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _api_answerCallbackQuery(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.callback_answers:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if len(str(params.get("text") or "")) > CALLBACK_ANSWER_LIMIT:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = dict(params)
        return True

    async def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat_id(params)
        file_id, data = self._store_upload(params, files, "photo")
        width, height = _png_size(data)
        message = self._new_message(chat_id, params)
        message["photo"] = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": width,
                "height": height,
                "file_size": len(data),
            }
        ]
        self._apply_caption(message, params)
        return self._store(message, params)

    async def _api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = self._chat_id(params)
        file_id, data = self._store_upload(params, files, "document")
        message = self._new_message(chat_id, params)
        names = files.names if isinstance(files, _Uploads) else {}
        field_name = str(params.get("document") or "document").removeprefix("attach://")
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": names.get("document") or names.get(field_name) or "document",
            "file_size": len(data),
        }
        self._apply_caption(message, params)
        return self._store(message, params)

    async def _api_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"files/{file_id}.bin",
        }

    async def _api_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self._chat_id(params)
        if not params.get("action"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _api_getChat(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            **self._chat(self._chat_id(params)),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _api_close(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def _api_logOut(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True


@pytest_asyncio.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A started :class:`FakeBotApi`, stopped after the test."""
    async with FakeBotApi() as api:
        yield api


@contextmanager
def serving_in_a_thread(*args: Any) -> Iterator[FakeBotApi]:
    """A started :class:`FakeBotApi` (``args`` as its own) on its own event loop in a
    thread, for a synchronous test of code that runs its own loop (the CLI's commands)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-bot-api", daemon=True)
    thread.start()
    api = FakeBotApi(*args)
    try:
        asyncio.run_coroutine_threadsafe(api.start(), loop).result(10)
        yield api
    finally:
        asyncio.run_coroutine_threadsafe(api.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
