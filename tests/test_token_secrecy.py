"""The bot token is never written anywhere: not in logs at any level, not in `check`'s
output, not in error messages or tracebacks (DESIGN, Contract v0.2, Operations).

The bot runs against the fake Bot API through python-telegram-bot's real HTTP stack, whose
debug lines carry the token in every URL; logs are captured at DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import logs
from bot.app import EXIT_BAD_TOKEN, EXIT_OK, TelegramCheckError, fetch_username, serve
from tests.fake_bot_api import FakeBotApi, serving_in_a_thread
from tests.test_bot_app import missed_row
from tests.test_bot_harness import FAST, office_config
from tests.test_cli import office_day, run_cli, write_config
from watcher.config import Config
from watcher.sim.wintariff import CallsDbfWriter
from watcher.tokens import mask_token_shaped

# Each test its own token: a token protected by an earlier test stays protected.
SECRET = "AAHsecretPartOfTheToken"


def token(tag: str) -> str:
    return f"7654321:{SECRET}{tag}"


def assert_hidden(text: str, secret: str) -> None:
    assert secret not in text
    assert secret.partition(":")[2] not in text


# -- the running bot ----------------------------------------------------------------------


async def test_a_running_bot_logs_at_debug_without_the_token(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    secret = token("run")
    config = office_config(tmp_path, phone_config)
    dbf = CallsDbfWriter.create(config.source.path)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # the CLI quietens it; -v does not matter
    stop = asyncio.Event()
    async with FakeBotApi(secret) as api:
        service = asyncio.create_task(serve(config, api.token, api.base_url, stop=stop, **FAST))
        await api.wait_for("getUpdates")
        dbf.append(missed_row(config))
        await api.wait_for("sendMessage", lambda c: not c.failed, timeout=15)
        stop.set()
        assert await asyncio.wait_for(service, 15) == EXIT_OK
    text = caplog.text
    assert "Set Bot API URL" in text  # PTB's own debug line, which names the URL
    assert "/bot7654321:…run/getUpdates" in text  # httpx's request line, masked
    assert_hidden(text, secret)


async def test_a_rejected_token_is_masked_in_the_log(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    wrong = token("rejected")
    config = office_config(tmp_path, phone_config)
    CallsDbfWriter.create(config.source.path)
    caplog.set_level(logging.DEBUG)
    async with FakeBotApi(token("right")) as api:
        code = await asyncio.wait_for(
            serve(config, wrong, api.base_url, stop=asyncio.Event(), **FAST), 15
        )
    assert code == EXIT_BAD_TOKEN
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("Telegram rejected TELEGRAM_BOT_TOKEN" in r.getMessage() for r in errors)
    assert "7654321:…ted" in caplog.text
    assert_hidden(caplog.text, wrong)


@pytest.mark.parametrize("status", [401, 404])
async def test_getme_refusing_the_token_gives_a_message_without_it(status: int) -> None:
    secret = token(f"getme{status}")
    async with FakeBotApi(secret) as api:
        api.fail_next("getMe", status=status)
        with pytest.raises(TelegramCheckError) as caught:
            await fetch_username(secret, api.base_url)
    message = str(caught.value)
    assert "BotFather" in message
    assert_hidden(message, secret)
    assert caught.value.__cause__ is None  # PTB's own error quotes the token in full


# -- the command line ---------------------------------------------------------------------


def test_check_with_a_rejected_token_does_not_print_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = token("check")
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    caplog.set_level(logging.DEBUG)
    with serving_in_a_thread(token("other")) as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", wrong)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        code, out, err = run_cli("-v", "-c", str(config), "check")
    assert code == 1
    assert "ERROR: Telegram rejected TELEGRAM_BOT_TOKEN" in out
    assert "7654321:…eck" in out
    for text in (out, err, caplog.text):
        assert_hidden(text, wrong)


def test_run_verbose_with_a_rejected_token_logs_nothing_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = token("runv")
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf, logging='[logging]\nfile = "logs/perezvon.log"')
    caplog.set_level(logging.DEBUG)
    with serving_in_a_thread(token("other")) as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", wrong)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        code, out, err = run_cli("-v", "-c", str(config), "run")
    assert code == EXIT_BAD_TOKEN
    log_file = (tmp_path / "logs" / "perezvon.log").read_text(encoding="utf-8")
    assert "Set Bot API URL" in log_file and "DEBUG" in log_file
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in log_file
    for text in (out, err, caplog.text, log_file):
        assert_hidden(text, wrong)


# -- a token pasted into the config -------------------------------------------------------


def test_a_dotenv_given_as_the_config_is_quoted_with_the_token_masked(tmp_path: Path) -> None:
    secret = token("dotenv")
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={secret}\n", encoding="utf-8")
    code, out, err = run_cli("-c", str(env), "check")
    assert code == 2
    assert "Строка 1: TELEGRAM_BOT_TOKEN=7654321:…env; текст и время пишутся в кавычках" in err
    for text in (out, err):
        assert_hidden(text, secret)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('managers_chat = "{secret}"', "telegram.managers_chat: '7654321:…hat' — не ID чата"),
        ('admins = ["{secret}"]', "telegram.admins: '7654321:…hat' — не ID пользователя Telegram"),
    ],
)
def test_a_token_written_as_an_id_is_quoted_masked(tmp_path: Path, line: str, problem: str) -> None:
    secret = token("chat")
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    text = config.read_text(encoding="utf-8").replace('language = "en"', 'language = "ru"')
    config.write_text(text + "\n[telegram]\n" + line.format(secret=secret) + "\n", encoding="utf-8")
    code, out, err = run_cli("-c", str(config), "check")
    assert code == 2
    assert f"  - {problem}" in err
    for text in (out, err):
        assert_hidden(text, secret)


def test_token_shaped_text_is_masked_and_clocks_are_not() -> None:
    assert mask_token_shaped("x 123456:ABCDEFGHIJxyz y") == "x 123456:…xyz y"
    assert mask_token_shaped('open = "09:00", 2026-12-31 10:30:15') == (
        'open = "09:00", 2026-12-31 10:30:15'
    )


# -- the mask itself ----------------------------------------------------------------------


def test_mask_keeps_the_bot_id_and_three_characters() -> None:
    assert logs.mask("123456:ABCDEFGHIJKLxyz") == "123456:…xyz"
    redactor = logs.Redactor()
    redactor.add("123456:ABCDEFGHIJKLxyz")
    assert redactor.redact("url /bot123456:ABCDEFGHIJKLxyz/getMe") == "url /bot123456:…xyz/getMe"
    # The secret half alone (a URL-encoded colon, a split string) is masked too.
    assert redactor.redact("123456%3AABCDEFGHIJKLxyz") == "123456%3A123456:…xyz"
    assert redactor.redact("nothing here") == "nothing here"


def test_the_filter_masks_arguments_exceptions_and_stacks() -> None:
    secret = token("filter")
    redactor = logs.Redactor()
    redactor.add(secret)
    record_filter = logs.RedactingFilter(redactor)
    try:
        raise ValueError(f"bad url https://api.telegram.org/bot{secret}/getMe")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "calling %s", (secret,), sys.exc_info()
        )
    record.stack_info = f"stack with {secret}"
    assert record_filter.filter(record)
    text = logging.Formatter().format(record)
    assert "calling 7654321:…ter" in text and "ValueError: bad url" in text
    assert_hidden(text, secret)


def test_uncaught_exceptions_are_printed_masked(capsys: pytest.CaptureFixture[str]) -> None:
    secret = token("hook")
    logs.protect(secret)
    hook = logs._masked_excepthook(sys.__excepthook__)
    try:
        raise RuntimeError(f"token {secret}")
    except RuntimeError as error:
        hook(RuntimeError, error, error.__traceback__)
    err = capsys.readouterr().err
    assert "RuntimeError: token 7654321:…ook" in err
    assert_hidden(err, secret)
