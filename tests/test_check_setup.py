"""`perezvon check` proves the setup: chats (and the example's placeholder ids), [telegram],
[hours], operators, the contacts file, where each sample row would go, and with
``--send-test`` whether the bot can write to every chat (against the fake Bot API)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import tomllib
from pathlib import Path

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError

from bot.app import EXIT_BAD_TOKEN
from bot.send_test import ChatTarget, chat_targets, hint_for
from tests.fake_bot_api import FakeBotApi, serving_in_a_thread
from tests.test_cli import office_day, run_cli
from watcher.config import (
    EXAMPLE_CHAT_IDS,
    EXAMPLE_USER_IDS,
    example_admins,
    example_chats,
    load_config,
)
from watcher.sim.wintariff import CallsDbfWriter, make_row

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "perezvon.example.toml"
SALES, SUPPORT, MANAGERS = -1001000000001, -1001000000002, -1001000000000


def example_config(
    folder: Path, *, language: str = "en", extra: str = "", chats_set: bool = False
) -> Path:
    """perezvon.example.toml as an admin copies it, reading a Calls.dbf in ``folder``;
    ``chats_set``: with the chat ids the admin wrote in (-1002… for -1001…)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    if chats_set:
        for chat in (SALES, SUPPORT, MANAGERS):
            text = text.replace(f"= {chat}", f"= {chat - 1000000000}")
    text = text.replace(
        'path = "C:/Program Files/WinTariff32/Calls/Calls.dbf"', 'path = "Calls.dbf"'
    )
    text = text.replace('language = "ru"', f'language = "{language}"')
    config = folder / "perezvon.toml"
    config.write_text(text + extra, encoding="utf-8")
    office_day(folder / "Calls.dbf")
    return config


def edit(config: Path, old: str, new: str, count: int = -1) -> None:
    """The admin's edit of the config file: ``old`` written as ``new``. ``old`` must be
    there, or the test would check the example unchanged."""
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BASE_URL", raising=False)


def test_the_placeholders_are_the_ids_the_example_ships_with() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    chats = {data["telegram"]["managers_chat"], *(d["chat"] for d in data["department"])}
    assert chats == EXAMPLE_CHAT_IDS
    assert set(data["telegram"]["admins"]) == EXAMPLE_USER_IDS


@pytest.mark.usefixtures("telegram_token")
def test_check_of_the_copied_example_names_every_placeholder(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    (tmp_path / "contacts.csv").write_text(
        "phone;name;company\n+79161234567;Anna Client;Romashka\n84957894512;Boris\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out  # posts to the example's chats would fail: not a setup that passes
    for key, value in [
        ("telegram.managers_chat", MANAGERS),
        ("department 'Отдел продаж'.chat", SALES),
        ("department 'Техподдержка'.chat", SUPPORT),
    ]:
        assert f"ERROR: {key} = {value} is the id perezvon.example.toml ships with" in out
    assert "telegram.admins holds 123456789" in out
    assert "send /start there (or run `perezvon chats`)" in out
    # [telegram], [hours], [operators], contacts
    assert "managers' chat (managers_chat): -1001000000000" in out
    assert "admins: 123456789" in out
    assert "summary of yesterday (daily_summary): at 09:00" in out
    assert "mon tue wed thu fri, 09:00–18:00; holidays: 9, extra working days: 0" in out
    assert "calls after hours (after_hours): posted as a digest at opening (digest)" in out
    assert "[operators]\n  none; /me 201" in out
    assert f"contacts loaded: 2, from {tmp_path / 'contacts.csv'}" in out
    # the sample rows: incoming calls say where they would go
    lines = out.splitlines()
    missed = next(line for line in lines if "+79257771203" in line and " in " in line)
    assert missed.endswith("→ Отдел продаж")
    outgoing = next(line for line in lines if " out " in line)
    assert "→" not in outgoing


@pytest.mark.usefixtures("telegram_token")
def test_check_in_russian_says_the_same(tmp_path: Path) -> None:
    config = example_config(tmp_path, language="ru")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    assert (
        "ОШИБКА: telegram.managers_chat = -1001000000000 — это ID из perezvon.example.toml" in out
    )
    assert "пн вт ср чт пт, 09:00–18:00; праздников: 9" in out
    assert "сводка за вчера (daily_summary): в 09:00" in out
    # The last rows in words, not the ledger's own "in"/"out".
    missed = next(line for line in out.splitlines() if "+79257771203" in line)
    assert " входящий " in missed and missed.endswith("→ Отдел продаж"), missed
    assert any(" исходящий " in line for line in out.splitlines())


@pytest.mark.parametrize(
    ("language", "verdict"),
    [
        ("ru", "Итог: ошибок нет, всё готово к perezvon run"),
        ("en", "Result: no errors, all is ready for perezvon run"),
    ],
)
@pytest.mark.usefixtures("telegram_token")
def test_check_ends_with_a_verdict_when_all_is_ready(
    tmp_path: Path, language: str, verdict: str
) -> None:
    config = example_config(tmp_path, language=language, chats_set=True)
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 0, out
    assert out.splitlines()[-1] == verdict


@pytest.mark.parametrize(
    ("language", "verdict"),
    [
        (
            "ru",
            "Итог: 4 ошибки (ОШИБКА выше) — perezvon run не будет работать как надо."
            " Исправьте их и запустите perezvon check снова",
        ),
        (
            "en",
            "Result: 4 errors (ERROR above): perezvon run will not work as it should."
            " Fix them and run perezvon check again",
        ),
    ],
)
def test_check_ends_with_how_many_errors_it_found(
    tmp_path: Path, language: str, verdict: str
) -> None:
    """The first line says "OK" for the config's syntax and the exit code is not seen on
    a Windows console: the last line says whether `run` will work."""
    config = example_config(tmp_path, language=language)  # three example ids, no token
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    assert out.splitlines()[-1] == verdict
    config = example_config(tmp_path, language=language, chats_set=True)  # no token alone
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    one = {
        "ru": "Итог: 1 ошибка (ОШИБКА выше) — perezvon run не будет работать как надо."
        " Исправьте её и запустите perezvon check снова",
        "en": "Result: 1 error (ERROR above): perezvon run will not work as it should."
        " Fix it and run perezvon check again",
    }
    assert out.splitlines()[-1] == one[language]


@pytest.mark.usefixtures("telegram_token")
def test_a_missing_contacts_file_is_named_with_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = example_config(tmp_path, chats_set=True)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("-c", "perezvon.toml", "check")
    assert code == 0  # cards without names are a warning, not a broken setup
    assert f"warning: {tmp_path / 'contacts.csv'} does not exist (rules.contacts_csv)" in out
    assert f"Config {config}: OK" in out  # the config, too, by its absolute path


@pytest.mark.usefixtures("telegram_token")
def test_an_unreadable_contacts_file_says_so(tmp_path: Path) -> None:
    config = example_config(tmp_path, chats_set=True)
    (tmp_path / "contacts.csv").mkdir()  # readable by nobody as a file, root included
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 0
    assert f"warning: {tmp_path / 'contacts.csv'} cannot be read (" in out


@pytest.mark.usefixtures("telegram_token")
def test_no_contacts_hours_or_managers(tmp_path: Path) -> None:
    config = tmp_path / "perezvon.toml"
    config.write_text(
        'language = "en"\n[source]\npath = "Calls.dbf"\n[telegram]\ndaily_summary = ""\n'
        '[operators]\n"201" = 111\n'
        '[[department]]\nname = "Sales"\nchat = -100777\nextensions = ["620"]\n',
        encoding="utf-8",
    )
    writer = office_day(tmp_path / "Calls.dbf")
    writer.append(
        make_row(
            when=dt.datetime(2026, 11, 20, 11, 0),
            duration=0,
            extension="630",
            callerid="89031112233",
            calltype="I",
        )
    )
    # Last changed when its last call was written, as WinTariff's own file is (a file
    # changed today with rows weeks old means a PBX clock behind: a warning of its own).
    stamp = dt.datetime(2026, 11, 20, 11, 5).timestamp()
    os.utime(tmp_path / "Calls.dbf", (stamp, stamp))
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 0, out
    assert "WARNING" not in out
    assert "managers' chat (managers_chat) not set: no daily summary, no escalations" in out
    assert "admins: none" in out
    assert "daily_summary): off" in out
    assert "no [hours] table: the office is always open" in out
    assert "ext. 201 → user 111" in out
    assert "rules.contacts_csv not set" in out
    assert "→ nowhere: no department matches and none has default = true" in out


@pytest.mark.usefixtures("telegram_token")
def test_a_staff_number_makes_no_case(tmp_path: Path) -> None:
    config = example_config(tmp_path, chats_set=True)
    office_day(tmp_path / "Calls.dbf").append(
        make_row(
            when=dt.datetime(2026, 11, 20, 11, 0),
            duration=0,
            extension="630",
            callerid="+79990000000",  # employee_numbers in the example
            calltype="I",
        )
    )
    code, out, _ = run_cli("-c", str(config), "check", "--rows", "1")
    assert code == 0, out
    assert "→ no case: a staff number" in out


def test_the_example_helpers(tmp_path: Path) -> None:
    config = load_config(example_config(tmp_path))
    assert [key for key, _ in example_chats(config)] == [
        "telegram.managers_chat",
        "department 'Отдел продаж'.chat",
        "department 'Техподдержка'.chat",
    ]
    assert example_admins(config) == [123456789]


# -- --send-test ----------------------------------------------------------------------------


def send_test_config(folder: Path) -> Path:
    config = folder / "perezvon.toml"
    config.write_text(
        "\n".join(
            [
                'language = "en"',
                '[source]\npath = "Calls.dbf"',
                "[telegram]\nmanagers_chat = -100900",
                '[[department]]\nname = "Sales"\nchat = -100100\nextensions = ["620"]',
                "default = true",
                '[[department]]\nname = "Support"\nchat = -100200\nextensions = ["630"]',
                "topic = 7",
                '[[department]]\nname = "Billing"\nchat = -100300\nextensions = ["640"]',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    office_day(folder / "Calls.dbf")
    return config


def test_the_targets_are_every_chat_and_topic_once(tmp_path: Path) -> None:
    config = load_config(send_test_config(tmp_path))
    assert chat_targets(config) == [
        ChatTarget(-100100, None, "Sales"),
        ChatTarget(-100200, 7, "Support"),
        ChatTarget(-100300, None, "Billing"),
        ChatTarget(-100900),
    ]


async def test_send_test_reports_each_chat_and_fails_when_one_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = send_test_config(tmp_path)
    async with FakeBotApi() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        # The posts go out in the config's order: Sales is refused, Support's topic is not
        # found, Billing and the managers' chat get theirs.
        api.fail_next("sendMessage", status=403)
        api.fail_next(
            "sendMessage", status=400, description="Bad Request: message thread not found"
        )
        code, out, _ = await asyncio.to_thread(run_cli, "-c", str(config), "check", "--send-test")
    assert code == 1, out
    assert (
        "FAILED  chat -100100 (department “Sales”): Forbidden: bot was kicked from the group chat"
        in out
    )
    assert "→ the bot cannot write to this chat: add it there" in out
    assert "FAILED  chat -100200 (department “Support”, topic 7): Message thread not found" in out
    assert "→ the chat has no topic with this number: check department.topic" in out
    assert "OK      chat -100300 (department “Billing”)" in out
    assert "OK      chat -100900 (managers)" in out
    assert "not delivered: 2 of 4" in out
    calls = api.calls_of("sendMessage")
    assert [c.params["chat_id"] for c in calls] == [-100100, -100200, -100300, -100900]
    assert calls[1].params["message_thread_id"] == 7
    posted = api.sent_to(-100300)[0]["text"]
    assert posted == "🔔 Connection test: Perezvon can write here (department “Billing”)."


async def test_send_test_passes_when_every_chat_takes_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = send_test_config(tmp_path)
    async with FakeBotApi() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        code, out, _ = await asyncio.to_thread(run_cli, "-c", str(config), "check", "--send-test")
    assert code == 0, out
    assert out.count("  OK      chat") == 4
    assert "not delivered" not in out


def test_send_test_needs_a_token(tmp_path: Path) -> None:
    code, out, _ = run_cli("-c", str(send_test_config(tmp_path)), "check", "--send-test")
    assert code == 1
    assert "ERROR: TELEGRAM_BOT_TOKEN is not set" in out
    assert "Test message to every chat\n  not sent: the token failed its check" in out


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Forbidden("Forbidden: bot is not a member of the supergroup chat"), "cannot write"),
        (BadRequest("Chat not found"), "knows no chat with this id"),
        (BadRequest("Message thread not found"), "no topic with this number"),
        (BadRequest("Not enough rights to send text messages to the chat"), "may not write"),
        (BadRequest("Bad Request: CHAT_WRITE_FORBIDDEN"), "may not write"),
        (BadRequest("Bad Request: CHAT_RESTRICTED"), "may not write"),
        (ChatMigrated(-100123), "its new id is -100123"),
        (NetworkError("Connection reset"), "unreachable"),
        (BadRequest("Something new"), None),
    ],
)
def test_each_failure_has_its_hint(error: Exception, expected: str | None) -> None:
    hint = hint_for(error, "en")  # type: ignore[arg-type]
    if expected is None:
        assert hint is None
    else:
        assert hint is not None and expected in hint


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("ru", "ОШИБКА: Bot API по адресу http://127.0.0.1:9/bot недоступен: "),
        ("en", "ERROR: cannot reach the Bot API at http://127.0.0.1:9/bot: "),
    ],
)
def test_an_unreachable_bot_api_is_told_in_the_offices_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, says: str
) -> None:
    """A server without internet (or behind a proxy) is the usual first `check` on a
    Russian office's Windows box: the line must be one its admin reads."""
    config = example_config(tmp_path, language=language)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:X")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    [line] = [line for line in out.splitlines() if "127.0.0.1:9" in line]
    assert line.strip().startswith(says), line
    assert ("TELEGRAM_BASE_URL" in line) and (("прокси" in line) == (language == "ru"))
    code, _, err = run_cli("-c", str(config), "chats", "--seconds", "1")
    assert code == 2
    assert says.removeprefix("ERROR: ").removeprefix("ОШИБКА: ") in err


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "ru",
            "TELEGRAM_BASE_URL = 127.0.0.1:8081 — это не адрес: нет http:// или https:// в"
            " начале. Впишите в .env адрес сервера Bot API полностью, например"
            " TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot (или удалите строку, чтобы бот"
            " работал через api.telegram.org)",
        ),
        (
            "en",
            "TELEGRAM_BASE_URL = 127.0.0.1:8081 is no address: it does not start with http://"
            " or https://. Write the Bot API server's full address into .env, e.g."
            " TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot (or remove the line for the bot to"
            " use api.telegram.org)",
        ),
    ],
)
def test_a_base_url_without_a_scheme_is_a_setup_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, says: str
) -> None:
    """httpx fails every request to "127.0.0.1:8081" as if the network were down: `run`
    waited for Telegram for ever. It is a mistake in .env, and said so at once."""
    config = example_config(tmp_path, language=language)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPxyz")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "127.0.0.1:8081")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    error = "ОШИБКА: " if language == "ru" else "ERROR: "
    assert f"  {error}{says}\n" in out
    code, _, err = run_cli("-c", str(config), "run")
    assert (code, err) == (2, says + "\n")
    code, _, err = run_cli("-c", str(config), "chats", "--seconds", "1")
    assert code == 2 and says in err


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "ru",
            ". Задан TELEGRAM_BASE_URL ({url}): проверьте и его — сервер Bot API отвечает так"
            " же на неверный путь; нужен адрес сервера с /bot, например"
            " http://127.0.0.1:8081/bot",
        ),
        (
            "en",
            ". TELEGRAM_BASE_URL is set ({url}): check it too, the Bot API server answers a"
            " wrong path the same way; it must be the server's address with /bot, e.g."
            " http://127.0.0.1:8081/bot",
        ),
    ],
)
def test_a_wrong_base_url_path_is_not_blamed_on_the_token_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    language: str,
    says: str,
) -> None:
    """An own Bot API server answers 404 to a wrong path as Telegram does to a wrong
    token: with TELEGRAM_BASE_URL set, `check` and `run` name it too."""
    config = example_config(tmp_path, language=language)
    with serving_in_a_thread() as api:
        url = api.base_url.removesuffix("/bot") + "/api/bot"
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", url)
        code, out, _ = run_cli("-c", str(config), "check")
        assert code == 1, out
        [line] = [line for line in out.splitlines() if "TELEGRAM_BOT_TOKEN" in line]
        assert line.endswith(says.format(url=url)), line
        caplog.set_level(logging.ERROR)
        code, _, _ = run_cli("-c", str(config), "run")
    assert code == EXIT_BAD_TOKEN
    # The log is in English, whatever the office reads.
    english = (
        ". TELEGRAM_BASE_URL is set ({url}): check it too, the Bot API server answers a"
        " wrong path the same way; it must be the server's address with /bot, e.g."
        " http://127.0.0.1:8081/bot"
    )
    [logged] = [r.getMessage() for r in caplog.records if "TELEGRAM_BOT_TOKEN" in r.getMessage()]
    assert logged.startswith("Telegram rejected TELEGRAM_BOT_TOKEN"), logged
    assert logged.endswith(english.format(url=url)), logged


@pytest.mark.usefixtures("telegram_token")
@pytest.mark.parametrize(
    ("language", "line", "error"),
    [
        ("en", "-> chat not set", "ERROR: department “Техподдержка” has no chat: its missed"),
        ("ru", "-> чат не задан", "ОШИБКА: у отдела «Техподдержка» не задан chat: его пропущенные"),
    ],
)
def test_a_department_without_a_chat_fails_check(
    tmp_path: Path, language: str, line: str, error: str
) -> None:
    """Its missed calls reach no chat (only /missed lists them): `check` passed with a
    bare "-> чат чат не задан" on the department's line."""
    config = example_config(tmp_path, language=language, chats_set=True)
    text = config.read_text(encoding="utf-8").replace(f"chat = {SUPPORT - 1000000000}\n", "")
    config.write_text(text, encoding="utf-8")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    [department] = [x for x in out.splitlines() if "Техподдержка" in x and "->" in x]
    assert department.endswith(line), department
    assert error in out


@pytest.mark.usefixtures("telegram_token")
@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_log_file_that_cannot_be_written_fails_check(tmp_path: Path, language: str) -> None:
    """`run` falls back to the console, which a service has none of: the log is lost."""
    config = example_config(tmp_path, language=language, chats_set=True)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "perezvon.log").mkdir()  # a folder where the file should be
    edit(config, 'file = "perezvon.log"', 'file = "logs/perezvon.log"')
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    [error] = [line for line in out.splitlines() if "logs/perezvon.log" in line and "(" in line]
    assert "logging.file" in error
    assert ("это папка" in error) == (language == "ru")
    code, out, _ = run_cli("-c", str(example_config(tmp_path, chats_set=True)), "check")
    assert code == 0, out
    assert f"Log {tmp_path / 'perezvon.log'}" in out


@pytest.mark.usefixtures("telegram_token")
def test_ranges_two_departments_share_in_part_are_warned(tmp_path: Path) -> None:
    """205-209 went to Sales silently while Support listed 205-219 (admin reviewer)."""
    config = example_config(tmp_path, chats_set=True)
    edit(config, '["630", "210-219"]', '["630", "205-219"]')
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 0, out  # legal: the first in the file wins
    assert (
        "warning: ext. 205…209 are listed by both “Отдел продаж” and “Техподдержка”: their"
        " calls go to “Отдел продаж”"
    ) in out


@pytest.mark.usefixtures("telegram_token")
def test_answered_and_short_calls_say_they_are_not_posted(tmp_path: Path) -> None:
    """Only a missed call goes to a chat: the sample's answered call and short abandon
    must not read "→ Sales" as the missed one beside them does."""
    config = tmp_path / "perezvon.toml"
    config.write_text(
        'language = "en"\n[source]\npath = "Calls.dbf"\n[rules]\nmin_ring_seconds = 4\n'
        '[[department]]\nname = "Sales"\nchat = -100777\nextensions = ["620"]\n',
        encoding="utf-8",
    )
    writer = office_day(tmp_path / "Calls.dbf")
    at = dt.datetime(2026, 11, 20, 11, 0)
    for minute, duration, ring, caller in (
        (0, 60, 5, "89031112201"),  # answered
        (1, 0, 2, "89031112202"),  # hung up after 2 s
        (2, 0, 20, "89031112203"),  # missed
    ):
        writer.append(
            make_row(
                when=at + dt.timedelta(minutes=minute),
                duration=duration,
                extension="620",
                callerid=caller,
                calltype="I",
                ring=ring,
            )
        )
    stamp = (at + dt.timedelta(minutes=5)).timestamp()
    os.utime(tmp_path / "Calls.dbf", (stamp, stamp))
    code, out, _ = run_cli("-c", str(config), "check", "--rows", "3")
    assert code == 0, out
    lines = out.splitlines()

    def line_of(number: str) -> str:
        return next(line for line in lines if f"+7903111{number}" in line)

    assert line_of("2201").endswith("→ answered: not a missed call, not posted"), out
    assert line_of("2202").endswith("→ hung up within 4 s (min_ring_seconds): not posted")
    assert line_of("2203").endswith("→ Sales")
    # Every field of the row below its line, as a DBF viewer shows it, not Python's repr.
    fields = lines[lines.index(line_of("2203")) + 1].split()
    assert "DATE=2026-11-20" in fields and "CALLERID=89031112203" in fields, fields
    assert "datetime.date(" not in out and "{'" not in out


HOLIDAY_SLIPS = """
[hours]
holidays = ["2026-12-31", "2027-01-01..2027-01-08", "2027-01-05..2027-01-10", "2027-01-04"]
extra_workdays = ["2026-12-28"]
"""


@pytest.mark.parametrize(
    ("language", "overlap", "workday"),
    [
        (
            "en",
            "warning: hours.holidays: '2027-01-05..2027-01-10' repeats days already"
            " listed (2027-01-05..2027-01-08)",
            "warning: hours.extra_workdays: 2026-12-28 is a Mon, a working day by hours.days"
            " anyway",
        ),
        (
            "ru",
            "внимание: hours.holidays: '2027-01-05..2027-01-10' повторяет уже указанные дни"
            " (2027-01-05..2027-01-08)",
            "внимание: hours.extra_workdays: 2026-12-28 — пн, он и так рабочий по hours.days",
        ),
    ],
)
@pytest.mark.usefixtures("telegram_token")
def test_harmless_slips_in_the_holidays_are_warnings_that_pass(
    tmp_path: Path, language: str, overlap: str, workday: str
) -> None:
    """Overlapping holiday ranges and an extra working day that already is one (the
    admin meant Sunday 27 December, typed Monday 28) do no harm as they stand, but
    may hide a typo: `check` says so, names the key, and still passes."""
    config = example_config(tmp_path, language=language, extra="", chats_set=True)
    text = config.read_text(encoding="utf-8")
    start = text.index("[hours]")
    end = text.index("after_hours", start)
    config.write_text(text[:start] + HOLIDAY_SLIPS.strip() + "\n" + text[end:], encoding="utf-8")
    code, out, err = run_cli("-c", str(config), "check")
    assert code == 0, out + err
    assert overlap in out, out
    assert workday in out, out
    assert "hours.holidays: '2027-01-04'" in out  # a single day inside a range: the same
    assert out.count("hours.holidays:") == 2, out


@pytest.mark.parametrize("typed", ["2027-02-30", "31.12.2026", "2027-01-08..2027-01-01"])
def test_a_holiday_that_is_no_day_fails_check(tmp_path: Path, typed: str) -> None:
    config = example_config(tmp_path, extra="", chats_set=True)
    edit(config, '"2026-12-31", ', f'"{typed}", ', 1)
    code, _, err = run_cli("-c", str(config), "check")
    assert code == 2
    assert "hours.holidays: " in err and f"'{typed}'" in err, err
    assert "write" in err or "there is no such day" in err, err  # the fix, or why


@pytest.mark.parametrize(
    ("language", "fix"),
    [
        ("ru", "Уберите лишние кавычки: path = 'Calls.dbf'"),
        ("en", "Drop the inner quotes: path = 'Calls.dbf'"),
    ],
)
@pytest.mark.parametrize("written", ["'\"Calls.dbf\"'", "\"'Calls.dbf'\"", "'«Calls.dbf»'"])
def test_a_path_in_quotes_inside_its_string_fails_check_with_the_fix(
    tmp_path: Path, language: str, fix: str, written: str
) -> None:
    """Explorer's "Copy as path" gives "C:\\...\\Calls.dbf" with its quotes: pasted inside
    single quotes they are part of the path, and check said only "file not found"."""
    config = example_config(tmp_path, language=language, chats_set=True)
    edit(config, 'path = "Calls.dbf"', f"path = {written}")
    code, out, err = run_cli("-c", str(config), "check")
    assert code == 2, out + err
    assert "source.path: " in err and fix in err, err


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("ru", "ОШИБКА: в таблице ещё нет ни одной записи"),
        ("en", "ERROR: the table has no record yet"),
    ],
)
@pytest.mark.usefixtures("telegram_token")
def test_a_table_without_a_record_fails_check(tmp_path: Path, language: str, says: str) -> None:
    """A header and no row proves nothing of how rows read (a wrong file, a template):
    check said "all is ready"; now it fails, naming source.path and how to test it."""
    config = example_config(tmp_path, language=language, chats_set=True)
    (tmp_path / "Calls.dbf").unlink()
    CallsDbfWriter.create(tmp_path / "Calls.dbf")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    assert says in out and "source.path" in out and "perezvon check" in out, out


@pytest.mark.parametrize(
    ("language", "fix"),
    [
        ("ru", "у ID группы потерян минус впереди. Впишите -1002000000002"),
        ("en", "the group id lost its leading minus. Write -1002000000002"),
    ],
)
@pytest.mark.parametrize("written", ["1002000000002", '"1002000000002"'])
def test_a_group_id_without_its_minus_fails_check_with_the_fix(
    tmp_path: Path, language: str, fix: str, written: str
) -> None:
    """-1002000000002 copied without the minus was taken as a private chat's id: check
    passed, and every post of the department went nowhere."""
    config = example_config(tmp_path, language=language, chats_set=True)
    edit(config, "chat = -1002000000002", f"chat = {written}")
    code, out, err = run_cli("-c", str(config), "check")
    assert code == 2, out + err
    assert f"department 'Техподдержка'.chat = 1002000000002: {fix}" in err, err


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("ru", "внимание: telegram.managers_chat = 2000000000 — это ID личного чата"),
        ("en", "warning: telegram.managers_chat = 2000000000 is the id of a private chat"),
    ],
)
@pytest.mark.usefixtures("telegram_token")
def test_a_private_chat_id_is_a_warning_naming_the_key(
    tmp_path: Path, language: str, says: str
) -> None:
    """-1002000000000 with its "-100" left off is a person's id: maybe meant (a manager's
    own chat with the bot), so a warning that says how a group's id looks."""
    config = example_config(tmp_path, language=language, chats_set=True)
    edit(config, "= -1002000000000", "= 2000000000")
    code, out, err = run_cli("-c", str(config), "check")
    assert says in out and "-100" in out, out + err
    assert code == 0, out


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("ru", "подсказка: этот путь — source.path в {config}. Впишите путь к Calls.dbf"),
        ("en", "hint: this path is source.path in {config}. Write the path of the Calls.dbf"),
    ],
)
@pytest.mark.parametrize("where", ["Calls2.dbf", "."])
def test_a_source_path_naming_no_table_names_the_key(
    tmp_path: Path, language: str, says: str, where: str
) -> None:
    """No such file, or a folder: the error named the path alone, not the key to edit."""
    config = example_config(tmp_path, language=language, chats_set=True)
    edit(config, 'path = "Calls.dbf"', f'path = "{where}"')
    code, out, err = run_cli("-c", str(config), "check")
    assert code == 1, out + err
    assert says.format(config=config) in out, out


@pytest.mark.parametrize(
    ("language", "fix"),
    [
        ("ru", 'Пишите каждый номер в своих кавычках: employee_numbers = ["+79990000000", "8916'),
        ("en", 'Quote each number apart: employee_numbers = ["+79990000000", "8916'),
    ],
)
@pytest.mark.parametrize("joined", ['"+79990000000, 89161112233"', '["+79990000000; 89161112233"]'])
def test_staff_numbers_in_one_string_fail_check_with_the_fix(
    tmp_path: Path, language: str, fix: str, joined: str
) -> None:
    """Two staff mobiles in one string made one 22-digit "number" that matched no call:
    their missed calls opened cases, and check passed."""
    config = example_config(tmp_path, language=language, chats_set=True)
    edit(config, 'employee_numbers = ["+79990000000"]', f"employee_numbers = {joined}")
    code, out, err = run_cli("-c", str(config), "check")
    assert code == 2, out + err
    assert "rules.employee_numbers: '+79990000000" in err and fix in err, err
