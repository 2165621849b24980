"""The fake Bot API server, exercised through python-telegram-bot's real HTTP stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest
import pytest_asyncio
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests import fake_bot_api as fake_bot_api_module
from tests.fake_bot_api import NOT_MODIFIED, FakeBotApi, make_user

# The fixture.  A plain `from ... import fake_bot_api` would make ruff report F811 on every
# test parameter of that name (a conftest.py import has no such problem).
fake_bot_api = fake_bot_api_module.fake_bot_api

GROUP = -1001234567890
ANNA = make_user(111, "Анна", "anna")


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def keyboard(data: str = "cb:1") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Перезвонил", callback_data=data)]])


@pytest_asyncio.fixture
async def bot(fake_bot_api: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        fake_bot_api.token,
        base_url=fake_bot_api.base_url,
        base_file_url=fake_bot_api.base_file_url,
    ) as bot:
        yield bot


async def test_get_me(bot: telegram.Bot, fake_bot_api: FakeBotApi) -> None:
    me = await bot.get_me()
    assert me.username == "perezvon_test_bot"
    assert me.is_bot and me.can_join_groups
    assert me.id == 123456
    assert bot.username == "perezvon_test_bot"  # Bot.initialize() already called getMe
    assert [c.method for c in fake_bot_api.calls] == ["getMe", "getMe"]
    assert fake_bot_api.calls[0].token == fake_bot_api.token


async def test_send_message_with_keyboard_is_stored(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    sent = await bot.send_message(
        GROUP, "Пропущен звонок +7 900 000-00-00", reply_markup=keyboard()
    )
    second = await bot.send_message(GROUP, "ещё один")
    private = await bot.send_message(111, "hi")

    assert (sent.message_id, second.message_id, private.message_id) == (1, 2, 1)
    assert sent.chat.type == "supergroup" and private.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.username == "perezvon_test_bot"
    assert sent.reply_markup == keyboard()

    stored = fake_bot_api.messages[(GROUP, 1)]
    assert stored["text"] == "Пропущен звонок +7 900 000-00-00"
    assert stored["reply_markup"] == {
        "inline_keyboard": [[{"text": "Перезвонил", "callback_data": "cb:1"}]]
    }
    assert [m["text"] for m in fake_bot_api.sent_to(GROUP)] == [stored["text"], "ещё один"]
    (call,) = fake_bot_api.calls_of("sendmessage")[:1]  # case-insensitive lookup
    assert call.params["chat_id"] == GROUP  # form value decoded from its JSON string
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "cb:1"


async def test_numeric_text_stays_a_string(bot: telegram.Bot, fake_bot_api: FakeBotApi) -> None:
    msg = await bot.send_message(GROUP, "42")
    assert msg.text == "42"
    assert fake_bot_api.calls_of("sendMessage")[0].params["text"] == "42"


async def test_html_parse_mode_becomes_entities(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    msg = await bot.send_message(GROUP, "<b>Отдел</b> продаж &lt;3", parse_mode="HTML")
    assert msg.text == "Отдел продаж <3"
    assert msg.entities[0].type == "bold" and msg.entities[0].length == 5
    assert msg.text_html == "<b>Отдел</b> продаж &lt;3"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(GROUP, "<blink>x</blink>", parse_mode="HTML")


async def test_edit_message_text_and_not_modified(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    sent = await bot.send_message(GROUP, "Пропущен", reply_markup=keyboard())
    edited = await bot.edit_message_text(
        "Перезвонила Анна", chat_id=GROUP, message_id=sent.message_id, reply_markup=keyboard("x")
    )
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    stored = fake_bot_api.messages[(GROUP, sent.message_id)]
    assert stored["text"] == "Перезвонила Анна"
    assert stored["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "x"

    with pytest.raises(BadRequest, match=r"(?i)message is not modified") as exc_info:
        await bot.edit_message_text(
            "Перезвонила Анна",
            chat_id=GROUP,
            message_id=sent.message_id,
            reply_markup=keyboard("x"),
        )
    # PTB strips the "Bad Request: " prefix and capitalises the rest.
    assert exc_info.value.message == NOT_MODIFIED.removeprefix("Bad Request: ").capitalize()
    assert fake_bot_api.calls_of("editMessageText")[-1].failed

    # Editing the text without reply_markup drops the keyboard, as Telegram does.
    await bot.edit_message_text("Готово", chat_id=GROUP, message_id=sent.message_id)
    assert "reply_markup" not in fake_bot_api.messages[(GROUP, sent.message_id)]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(chat_id=GROUP, message_id=sent.message_id)
    await bot.edit_message_reply_markup(GROUP, sent.message_id, reply_markup=keyboard())
    assert fake_bot_api.messages[(GROUP, sent.message_id)]["reply_markup"]

    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=GROUP, message_id=999)


async def test_send_photo_multipart(bot: telegram.Bot, fake_bot_api: FakeBotApi) -> None:
    png = tiny_png(3, 2)
    msg = await bot.send_photo(
        GROUP, png, caption="График за неделю", reply_markup=keyboard(), filename="week.png"
    )
    assert msg.photo[-1].width == 3 and msg.photo[-1].height == 2
    assert msg.caption == "График за неделю"

    (call,) = fake_bot_api.calls_of("sendPhoto")
    assert call.files == {"photo": png}
    assert call.params["caption"] == "График за неделю"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Перезвонил"
    assert fake_bot_api.photo_bytes(GROUP, msg.message_id) == png

    file = await bot.get_file(msg.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == png


# RetryAfter.__init__ itself warns about int vs timedelta unless PTB_TIMEDELTA is set.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_raises_retry_after(bot: telegram.Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as exc_info:
        await bot.send_message(GROUP, "x")
    retry_after = exc_info.value.retry_after
    if isinstance(retry_after, dtm.timedelta):
        retry_after = int(retry_after.total_seconds())
    assert retry_after == 7
    failed = fake_bot_api.calls_of("sendMessage")[0]
    assert failed.failed and failed.status == 429
    assert failed.response["description"] == "Too Many Requests: retry after 7"
    assert fake_bot_api.messages == {}

    await bot.send_message(GROUP, "x")  # only the next call failed
    assert len(fake_bot_api.sent_to(GROUP)) == 1


async def test_fail_next_5xx_and_times(bot: telegram.Bot, fake_bot_api: FakeBotApi) -> None:
    fake_bot_api.fail_next("sendChatAction", status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_chat_action(GROUP, "typing")
    assert await bot.send_chat_action(GROUP, "typing") is True
    assert [c.failed for c in fake_bot_api.calls_of("sendChatAction")] == [True, True, False]


async def test_server_down_raises_network_error(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    fake_bot_api.set_down(True)
    with pytest.raises(NetworkError, match="502"):
        await bot.send_message(GROUP, "x")
    fake_bot_api.set_down(True, mode="reset")
    with pytest.raises(NetworkError):
        await bot.send_message(GROUP, "x")
    fake_bot_api.set_down(False)
    await bot.send_message(GROUP, "x")
    calls = fake_bot_api.calls_of("sendMessage")
    assert [(c.failed, c.status) for c in calls] == [(True, 502), (True, 0), (False, 200)]


async def test_delayed_answers_apply_the_call_but_outlast_the_read_timeout(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    fake_bot_api.delay_answers("sendMessage", 5.0, times=1)
    with pytest.raises(TimedOut) as raised:
        await bot.send_message(GROUP, "slow", read_timeout=0.2)
    assert isinstance(raised.value.__cause__, httpx.ReadTimeout)
    assert [m["text"] for m in fake_bot_api.sent_to(GROUP)] == ["slow"]  # applied all the same
    second = await bot.send_message(GROUP, "fast", read_timeout=0.2)  # times=1: one only
    assert second.message_id == 2
    assert [c.delayed for c in fake_bot_api.calls_of("sendMessage")] == [True, False]
    assert fake_bot_api.delayed_answers == 1


async def test_delayed_answers_for_a_while_and_a_client_that_waits_gets_them(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    fake_bot_api.delay_answers("sendMessage", 0.2, seconds=60)
    sent = await bot.send_message(GROUP, "waited", read_timeout=10)
    assert sent.message_id == 1 and fake_bot_api.calls_of("sendMessage")[0].delayed
    await bot.send_chat_action(GROUP, "typing")  # other methods are not held
    assert fake_bot_api.delayed_answers == 1
    with pytest.raises(ValueError):
        fake_bot_api.delay_answers("sendMessage", 1.0)


async def test_wrong_token_and_unknown_method(bot: telegram.Bot, fake_bot_api: FakeBotApi) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")
    other = telegram.Bot("999:WRONG", base_url=fake_bot_api.base_url)
    with pytest.raises(InvalidToken):  # initialize() calls getMe
        async with other:
            pass
    assert fake_bot_api.calls[-1].status == 401


async def test_raw_json_and_form_requests(fake_bot_api: FakeBotApi) -> None:
    url = f"{fake_bot_api.base_url}{fake_bot_api.token}"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/SENDMESSAGE", json={"chat_id": -5, "text": "json"}) as r:
            body = await r.json()
        assert body["ok"] and body["result"]["chat"]["type"] == "group"
        async with session.post(f"{url}/sendMessage", data={"chat_id": "-5", "text": "1"}) as r:
            assert (await r.json())["result"]["message_id"] == 2
        async with session.get(f"{url}/nope") as r:
            assert r.status == 404
            assert await r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [c.method for c in fake_bot_api.calls] == ["sendMessage", "sendMessage", "nope"]


async def test_get_updates_long_poll_and_offset(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    assert await bot.get_updates(timeout=0) == ()

    async def inject_later() -> None:
        await asyncio.sleep(0.2)
        fake_bot_api.inject_command(GROUP, ANNA, "/missed@perezvon_test_bot week")

    task = asyncio.create_task(inject_later())
    loop = asyncio.get_running_loop()
    started = loop.time()
    updates = await bot.get_updates(timeout=5)
    await task
    assert loop.time() - started < 2
    (update,) = updates
    assert update.message is not None and update.message.from_user is not None
    assert update.message.from_user.first_name == "Анна"
    assert update.message.parse_entities(["bot_command"])  # entity offsets are right
    assert update.message.text == "/missed@perezvon_test_bot week"

    again = await bot.get_updates(timeout=0)  # not confirmed yet -> delivered again
    assert [u.update_id for u in again] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert fake_bot_api.updates == []


async def test_cancelled_long_poll_is_aborted_and_concurrent_poll_conflicts(
    bot: telegram.Bot, fake_bot_api: FakeBotApi
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    (call,) = await fake_bot_api.wait_for("getUpdates")
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    async with asyncio.timeout(2):
        while not call.aborted:
            await asyncio.sleep(0.01)

    # Two pollers at once: the older one is terminated with 409, as Telegram does.
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await fake_bot_api.wait_for("getUpdates", count=2)
    async with telegram.Bot(fake_bot_api.token, base_url=fake_bot_api.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await older


async def test_application_handles_command_and_callback(fake_bot_api: FakeBotApi) -> None:
    api = fake_bot_api
    seen_args: list[list[str]] = []

    async def missed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen_args.append(list(context.args or []))
        await update.effective_message.reply_text("3 пропущенных", reply_markup=keyboard("done:7"))

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and isinstance(query.message, telegram.Message)
        await query.answer("Отмечено")
        await query.edit_message_text(f"{query.message.text} — {query.from_user.first_name}")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("missed", missed))
    app.add_handler(CallbackQueryHandler(button, pattern=r"^done:"))
    await app.initialize()
    try:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)

        api.inject_command(GROUP, ANNA, "/missed@perezvon_test_bot week")
        (reply,) = await api.wait_for("sendMessage", timeout=5)
        assert seen_args == [["week"]]
        message_id = reply.response["result"]["message_id"]
        assert api.messages[(GROUP, message_id)]["text"] == "3 пропущенных"
        quoted = api.messages[(GROUP, message_id)]["reply_to_message"]  # reply_text quotes
        assert quoted["text"] == "/missed@perezvon_test_bot week"

        query_id = api.inject_callback_query(GROUP, message_id, ANNA, "done:7")
        await api.wait_for("editMessageText", timeout=5)
        assert api.callback_answers[query_id] is not None
        assert api.callback_answers[query_id]["text"] == "Отмечено"
        stored = api.messages[(GROUP, message_id)]
        assert stored["text"] == "3 пропущенных — Анна"
        assert "reply_markup" not in stored
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
    assert not [c for c in api.calls if c.failed]


async def test_wait_for_times_out_with_a_useful_message(fake_bot_api: FakeBotApi) -> None:
    with pytest.raises(TimeoutError, match="sendMessage"):
        await fake_bot_api.wait_for("sendMessage", timeout=0.05)
