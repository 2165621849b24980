"""Wiring: the PTB application, its start and stop, and the `perezvon run` entry point.

``run`` starts the watcher thread first and keeps it running while Telegram is
unreachable: calls keep landing in the ledger, and the outbox delivers them once the bot
is up. Only a rejected token ends the process, because retrying cannot fix that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.handlers import register
from bot.limiter import ChatScopedLimiter
from bot.logs import network_error_text, protect, quiet_libraries, redact
from bot.messenger import SEND_TIMEOUTS, CaseMessenger, SendTimeouts
from bot.outbox import (
    BASE_BACKOFF,
    MAX_BACKOFF,
    PROBE_SECONDS,
    RESEND_PAUSE,
    TICK_SECONDS,
    OutboxSender,
    backoff_seconds,
)
from bot.reminders import schedule_reminders
from bot.runtime import RUNTIME_KEY, Runtime
from bot.summary import schedule_summary, schedule_weekly
from watcher.clock import local_now
from watcher.config import Config, example_chats
from watcher.departments import follow_departments
from watcher.ledger_open import open_ledger
from watcher.texts import ToldError, tr

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# bot_data: TELEGRAM_BASE_URL as used (None: Telegram's own server), for the messages.
BASE_URL_KEY = "base_url"
POLL_TIMEOUT = 30.0
EXIT_OK, EXIT_BAD_TOKEN = 0, 2


class TelegramCheckError(ToldError):
    """The token or the Bot API server is not usable; the message says what to do."""

    @classmethod
    def rejected(cls, error: Exception, base_url: str | None = None) -> TelegramCheckError:
        """PTB's InvalidToken: the server said 401 or 404. Telegram's own server means the
        token; an own server (``base_url``, from TELEGRAM_BASE_URL) answers 404 just as well
        to a wrong path, so the message names both."""
        # PTB's InvalidToken text quotes the rejected token in full.
        if base_url is not None:
            return cls("telegram_token_rejected_own_url", error=redact(error), url=base_url)
        return cls("telegram_token_rejected", error=redact(error))

    @classmethod
    def unreachable(cls, url: str, error: Exception) -> TelegramCheckError:
        return cls("telegram_unreachable", url=url, error=redact(error))


def normalise_base_url(value: str | None) -> str | None:
    """``TELEGRAM_BASE_URL`` as PTB wants it: the prefix the token is appended to;
    :class:`TelegramCheckError` when it is no http(s) address.

    ``http://127.0.0.1:8081/bot`` is used as given (``…/bot/`` too: PTB appends the
    token right after it); ``http://127.0.0.1:8081`` or ``http://127.0.0.1:8081/`` (the
    server's root, a common slip) get ``/bot`` added.
    """
    if value is None or not value.strip():
        return None
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        # httpx takes "127.0.0.1:8081" for an unknown scheme and every request fails as
        # if the network were down: `run` would wait for it for ever.
        example = normalise_base_url("http://" + url.split("://")[-1].lstrip("/"))
        raise TelegramCheckError("telegram_base_url_no_scheme", value=value.strip(), url=example)
    if parts.path in ("", "/"):
        url = url.rstrip("/") + "/bot"
    return url


def file_url_for(base_url: str) -> str:
    """The file download prefix of the same server (``…/bot`` -> ``…/file/bot``)."""
    head, sep, _ = base_url.rpartition("/bot")
    return f"{head}/file/bot" if sep else base_url


@dataclass(frozen=True)
class RateLimits:
    """How fast the bot may talk to Telegram (its documented limits by default)."""

    overall_per_second: float = 30.0
    group_per_minute: float = 20.0
    group_period: float = 60.0
    # A 429 still answered: its chat waits retry_after (bot.limiter), tried again this often.
    retries: int = 2

    def group_bucket(self) -> tuple[float, float]:
        """(capacity, period) of the per-group leaky bucket that keeps *any* window of
        ``group_period`` within ``group_per_minute``, as Telegram counts. A bucket lets its
        capacity through at once and then drips, so a window holds capacity + drip: with
        PTB's plain 20 per 60 s that was up to 40, and a burst drew 429s (benchmarks/
        delivery.py). A quarter of the limit goes at once, the rest drips (15 a minute)."""
        capacity = max(1.0, self.group_per_minute / 4)
        return capacity, self.group_period * capacity / max(self.group_per_minute - capacity, 1.0)

    def limiter(self) -> ChatScopedLimiter:
        capacity, period = self.group_bucket()
        return ChatScopedLimiter(
            overall_max_rate=self.overall_per_second,
            overall_time_period=1,
            group_max_rate=capacity,
            group_time_period=period,
            max_retries=self.retries,
        )


TELEGRAM_LIMITS = RateLimits()


def build_application(
    config: Config,
    token: str,
    base_url: str | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    poll_timeout: float = POLL_TIMEOUT,
    outbox_tick: float = TICK_SECONDS,
    base_backoff: float = BASE_BACKOFF,
    max_backoff: float = MAX_BACKOFF,
    limits: RateLimits | None = TELEGRAM_LIMITS,
    probe_seconds: float = PROBE_SECONDS,
    send_timeouts: SendTimeouts = SEND_TIMEOUTS,
    resend_pause: float = RESEND_PAUSE,
) -> Application:
    """The application with handlers and a :class:`Runtime` (own ledger connection).

    ``limits`` paces every request (posts, edits, answers, the summary) the way Telegram
    wants it, so a burst of missed calls draws no flood control; None switches pacing off
    (tests against the local fake server)."""
    protect(token)  # PTB logs its URLs, the token in them, at debug level
    builder = ApplicationBuilder().token(token).concurrent_updates(8)
    if limits is not None:
        # PTB types the builder for a limiter without per-call arguments; AIORateLimiter takes
        # an optional retry count, which the builder passes through untouched.
        builder = builder.rate_limiter(limits.limiter())  # type: ignore[arg-type]
    url = normalise_base_url(base_url)
    if url is not None:
        builder = builder.base_url(url).base_file_url(file_url_for(url))
    # The long poll must outlast Telegram's hold of getUpdates, with room for the network.
    builder = builder.get_updates_read_timeout(poll_timeout + 10)
    # Stopping cancels the long poll; PTB then calls getUpdates once more to confirm the
    # offset, which needs a second connection while the cancelled one is being released.
    builder = builder.get_updates_connection_pool_size(2)
    application = builder.build()
    now = clock or (lambda: local_now(config))
    ledger = open_ledger(config.database_path, config, writable=True)
    # Before the watcher's first pass (serve starts it after this): a repeat call of a
    # renamed department's caller must find its open case under the new name.
    follow_departments(ledger, config, now())
    messenger = CaseMessenger(application.bot, ledger, config, now, timeouts=send_timeouts)
    outbox = OutboxSender(
        ledger,
        messenger,
        now,
        tick=outbox_tick,
        base_backoff=base_backoff,
        max_backoff=max_backoff,
        probe=application.bot.get_me,
        probe_seconds=probe_seconds,
        resend_pause=resend_pause,
    )
    messenger.on_late_answer = outbox.wake
    application.bot_data[RUNTIME_KEY] = Runtime(ledger, messenger, outbox, now)
    application.bot_data["poll_timeout"] = poll_timeout
    application.bot_data[BASE_URL_KEY] = url
    register(application)
    return application


class PollingErrors:
    """getUpdates failing during an outage: one warning per episode, no tracebacks."""

    QUIET_AFTER = 60.0  # seconds without an error end an episode

    def __init__(self) -> None:
        self._last = float("-inf")
        self._count = 0

    def report(self, error: TelegramError) -> None:
        now = time.monotonic()
        if now - self._last > self.QUIET_AFTER:
            self._count = 0
            text = network_error_text(error)
            log.warning("polling Telegram for updates failed (%s); retrying", text)
        else:
            log.debug("polling still failing (%s)", network_error_text(error))
        self._count += 1
        self._last = now


def runtime(application: Application) -> Runtime:
    value = application.bot_data[RUNTIME_KEY]
    assert isinstance(value, Runtime)
    return value


def bot_commands(language: str) -> list[BotCommand]:
    names = ("missed", "stats", "report", "load", "me", "help")
    return [BotCommand(name, tr(language, f"cmd_{name}")) for name in names]


class PerezvonBot:
    """Starts and stops the application, the outbox sender and the summary jobs together."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.runtime = runtime(application)
        self._outbox_task: asyncio.Task[None] | None = None
        # Known from the start, so watcher wake-ups before the bot is up are not lost.
        self._loop: asyncio.AbstractEventLoop | None = _running_loop()
        self.started = False

    def wake_from_thread(self) -> None:
        """For WatcherService(on_change=...): new outbox rows, deliver them now."""
        if self._loop is not None:
            self.runtime.outbox.wake_from_thread(self._loop)

    async def start(self) -> None:
        """Connect (getMe), announce commands, start polling, the outbox and the summary."""
        self._loop = asyncio.get_running_loop()
        app = self.application
        await app.initialize()
        await self._set_commands()
        assert app.updater is not None
        timeout = float(app.bot_data.get("poll_timeout", POLL_TIMEOUT))
        await app.updater.start_polling(
            timeout=timedelta(seconds=timeout),
            allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER],
            bootstrap_retries=0,
            error_callback=PollingErrors().report,
        )
        await app.start()
        if app.job_queue is not None:
            schedule_summary(app.job_queue, self.runtime)
            schedule_reminders(app.job_queue, self.runtime)
            schedule_weekly(app.job_queue, self.runtime)
        self._post_waiting_cases()
        self._outbox_task = asyncio.create_task(self.runtime.outbox.run(), name="outbox")
        self.started = True
        log.info("bot @%s is up", app.bot.username)

    def _post_waiting_cases(self) -> None:
        """Cases that opened while their department had no chat, posted now it has one."""
        runtime = self.runtime
        chats = {d.name: d.chat for d in runtime.config.departments if d.chat is not None}
        for department, count in runtime.ledger.give_chats(chats, runtime.clock()).items():
            log.info(
                "department %r has a chat now: its %d waiting missed calls are posted there",
                department,
                count,
            )

    async def start_with_retry(self, stop: asyncio.Event, *, retry_base: float = 5.0) -> bool:
        """:meth:`start`, retried with backoff while Telegram is unreachable.

        False when ``stop`` was set first; raises :class:`TelegramCheckError` on a bad token.
        """
        attempt = 0
        while not stop.is_set():
            try:
                await self.start()
                if attempt:
                    log.info("Telegram answered after %d tries", attempt + 1)
                return True
            except InvalidToken as error:
                own_url = self.application.bot_data.get(BASE_URL_KEY)
                raise TelegramCheckError.rejected(error, own_url) from None
            except TelegramError as error:
                delay = backoff_seconds(attempt, retry_base, MAX_BACKOFF)
                # Once per outage, however long: the next tries at debug, and the "up"
                # line says when it worked.
                say = log.warning if attempt == 0 else log.debug
                say(
                    "cannot reach Telegram (%s); trying again in %.0f s (missed calls are"
                    " kept and posted once it answers)",
                    network_error_text(error),
                    delay,
                )
                attempt += 1
                try:
                    async with asyncio.timeout(delay):
                        await stop.wait()
                except TimeoutError:
                    pass
        return False

    async def _set_commands(self) -> None:
        try:
            await self.application.bot.set_my_commands(bot_commands(self.runtime.language))
        except TelegramError as error:  # cosmetic: the commands work without the menu
            log.warning("setMyCommands failed: %s", error)

    async def stop(self) -> None:
        """Stop everything that :meth:`start` started; safe to call more than once."""
        if self._outbox_task is not None:
            self._outbox_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._outbox_task
            self._outbox_task = None
        await self.runtime.messenger.close()
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        self.runtime.ledger.close()
        self.started = False


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def fetch_username(token: str, base_url: str | None = None) -> str:
    """getMe: the bot's @username, or :class:`TelegramCheckError` saying what is wrong."""
    protect(token)
    url = normalise_base_url(base_url) or DEFAULT_BASE_URL
    bot = Bot(token, base_url=url, base_file_url=file_url_for(url))
    try:
        async with bot:
            return str(bot.username)
    except InvalidToken as error:
        raise TelegramCheckError.rejected(error, normalise_base_url(base_url)) from None
    except TelegramError as error:
        raise TelegramCheckError.unreachable(url, error) from None


def check_token(token: str, base_url: str | None = None) -> str:
    """Blocking :func:`fetch_username` for `perezvon check`."""
    return asyncio.run(fetch_username(token, base_url))


def run(config: Config, token: str, base_url: str | None = None) -> int:
    """`perezvon run`: watcher thread + bot until SIGINT/SIGTERM; returns the exit code."""
    return asyncio.run(serve(config, token, base_url))


async def serve(
    config: Config,
    token: str,
    base_url: str | None = None,
    *,
    stop: asyncio.Event | None = None,
    startup_retry_base: float = 5.0,
    **bot_options: Any,
) -> int:
    """The body of :func:`run`; without ``stop`` it installs SIGINT/SIGTERM handlers.

    The watcher starts first and keeps filling the ledger while Telegram is unreachable;
    the bot connects with retries. Exit code 0 after a stop, 2 when the token is rejected.
    """
    from watcher.service import WatcherService

    if stop is None:
        stop = asyncio.Event()
        _install_stop_signals(stop)
    quiet_libraries()
    warn_about_chats(config)
    perezvon = PerezvonBot(build_application(config, token, base_url, **bot_options))
    watcher = WatcherService(config, on_change=perezvon.wake_from_thread)
    watcher.start()
    code = EXIT_OK
    try:
        if await perezvon.start_with_retry(stop, retry_base=startup_retry_base):
            await stop.wait()
    except TelegramCheckError as error:
        log.error("%s", error)
        code = EXIT_BAD_TOKEN
    finally:
        log.info("stopping")
        await asyncio.to_thread(watcher.stop)
        await perezvon.stop()
    return code


def warn_about_chats(config: Config) -> None:
    """Chats still to set up are no reason not to start: the bot answers /start in any
    chat with its id, which is how an admin learns what to put there."""
    for key, value in example_chats(config):
        log.warning(
            "%s = %s is the example config's placeholder, not a chat: posts there will fail;"
            " send /start in the real chat and put the id the bot answers into the config",
            key,
            value,
        )
    for department in config.departments:
        if department.chat is None:
            log.warning(
                "department %r has no chat: its missed calls are not posted; send /start in"
                " its chat and put the id the bot answers into the config",
                department.name,
            )


def _install_stop_signals(stop: asyncio.Event) -> None:
    """SIGINT/SIGTERM set ``stop``; on Windows the loop has no signal support, so fall back."""
    loop = asyncio.get_running_loop()
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            try:
                signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
            except ValueError:  # not the main thread: the caller stops us another way
                return
