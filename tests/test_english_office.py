"""An English office end to end: with ``language = "en"`` nothing a user reads is Russian.

The scenarios walk the surfaces an English-speaking office sees (cards and their
buttons, toasts, commands, reminders, escalations, the night's digest, the summaries, the
workbook and its CSV files, the words on the charts, the console's commands, the admin's
log) and collect every text; none may hold a Cyrillic letter except data that is Russian
by nature: the PBX's own STATUS words. Each scenario also checks that it saw what it
walked through, so an empty collection cannot pass.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot import chart, figures, logs
from bot.app import runtime
from bot.render import attempt_line
from bot.summary import build_summary, build_weekly, send_summary
from tests.fake_bot_api import FakeBotApi, RecordedCall, make_user
from tests.test_bot_harness import MANAGERS_CHAT, Office, office_config
from tests.test_bot_reminders import FRIDAY, HOURS, Clock, clocked_office, remind
from tests.test_cli import run_cli
from tests.test_console import AT, dialled, notifier_at, open_case, printed
from tests.test_console import missed as missed_call
from tests.test_report_wording import closed_case
from watcher.config import Config
from watcher.models import CallbackAttempt
from watcher.sim.wintariff import CallsDbfWriter, make_row
from watcher.vocab import ClosedHow

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
SALES, SERVICE = -1001000000001, -1001000000002
UNKNOWN_CHAT = -1009999999999
ANN = make_user(201, "Ann", "ann")
BOB = make_user(202, "Bob", "bob", last_name="Smith")
ADMIN = make_user(1, "Admin", "admin")
# What the PBX itself writes into STATUS: data, shown as read (`check`'s rows).
PBX_WORDS = ("Входящий", "Мобильный")
MONDAY = FRIDAY + dt.timedelta(days=3)
ROOT = Path(__file__).resolve().parent.parent


def russian(texts: list[str]) -> list[str]:
    """The texts with a Cyrillic letter in them, the PBX's own words aside."""
    found = []
    for text in texts:
        plain = text
        for word in PBX_WORDS:
            plain = plain.replace(word, "")
        if CYRILLIC.search(plain):
            found.append(text)
    return found


# -- what a user sees ----------------------------------------------------------------------


def call_texts(calls: list[RecordedCall]) -> list[str]:
    """Every text the bot sent through the Bot API: messages, captions, buttons, toasts,
    the command menu, the names of files and the cells of the workbooks it attached."""
    texts: list[str] = []
    for call in calls:
        params = call.params
        for key in ("text", "caption"):
            if isinstance(params.get(key), str):
                texts.append(f"{call.method}.{key}: {params[key]}")
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard") or []:
            texts += [f"{call.method}.button: {button['text']}" for button in row]
        for command in params.get("commands") or []:
            texts.append(f"command: {command['description']}")
        for name, data in call.files.items():
            filename = call.filenames.get(name, "")
            texts.append(f"file: {filename}")
            if filename.endswith(".xlsx"):
                texts += [f"{filename}: {text}" for text in workbook_texts(data)]
    return texts


def workbook_texts(data: bytes) -> list[str]:
    """Sheet names, cell texts and number formats (a format may carry a unit: "мин")."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    texts: list[str] = []
    for sheet in book.worksheets:
        texts.append(f"sheet: {sheet.title}")
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts.append(f"{sheet.title}!{cell.coordinate}: {cell.value}")
                if cell.number_format != "General":
                    texts.append(f"{sheet.title}!{cell.coordinate} format: {cell.number_format}")
    return texts


@pytest.fixture
def chart_words(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every text drawn on a chart (title, axes, ticks, legend), read off the figure."""
    words: list[str] = []
    drawn = chart.figure_png

    def reading(figure: Figure) -> bytes:
        png = drawn(figure)  # ticks get their labels as the figure is drawn
        words.extend(f"chart: {t.get_text()}" for t in figure.findobj(Text) if t.get_text())
        return png

    monkeypatch.setattr(chart, "figure_png", reading)
    monkeypatch.setattr(figures, "figure_png", reading)
    yield words


def log_texts(records: list[logging.LogRecord]) -> list[str]:
    """The log as the admin reads it: through the formatter, in the office's language."""
    speaking = logs.SpeakingFormatter("en")
    return [f"log: {speaking.format(record)}" for record in records]


# -- the office ------------------------------------------------------------------------------


def english_config(tmp_path: Path, phone_config: Callable[..., Config], **hours: Any) -> Config:
    (tmp_path / "contacts.csv").write_text(
        "phone,name,company\n+79165550101,John Doe,Acme Ltd\n", encoding="utf-8"
    )
    departments = [
        {"name": "Sales", "chat": SALES, "extensions": ["620", "201-209"], "default": True},
        {"name": "Service", "chat": SERVICE, "extensions": ["630", "301-309"]},
    ]
    return office_config(
        tmp_path,
        phone_config,
        language="en",
        department=departments,
        hours={**HOURS, **hours},
        rules={
            "remind_after_minutes": 20,
            "escalate_after_minutes": 60,
            "contacts_csv": "contacts.csv",
        },
        telegram={"weekly_summary": "mon 09:00"},
    )


def missed(office: Office, when: dt.datetime, caller: str, ext: str = "620") -> None:
    office.dbf.append(
        make_row(when=when, duration=0, extension=ext, callerid=caller, calltype="I", ring=20)
    )


def called(office: Office, when: dt.datetime, number: str, seconds: int) -> None:
    office.dbf.append(
        make_row(when=when, duration=seconds, extension="201", number=number, calltype="C")
    )


def sent(office: Office, chat: int) -> list[RecordedCall]:
    return [
        c
        for c in office.api.calls
        if c.method in ("sendMessage", "sendPhoto", "sendDocument")
        and c.params.get("chat_id") == chat
        and not c.failed
    ]


async def command(office: Office, chat: int, user: dict[str, Any], text: str) -> None:
    """Send a command and wait for the bot's answer (all its parts: /stats sends two)."""
    before = len(sent(office, chat))
    await office.command(chat, user, text)
    for _ in range(750):
        if len(sent(office, chat)) > before:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError(f"no answer to {text}")
    await asyncio.sleep(0.3)


async def buttons_pressed(office: Office) -> None:
    """Three calls at 10:00 on Friday; every button of a card pressed, some twice."""
    at = FRIDAY + dt.timedelta(hours=10)
    missed(office, at, "89165550101")  # John Doe of Acme Ltd
    missed(office, at + dt.timedelta(seconds=30), "89162222222")
    missed(office, at + dt.timedelta(seconds=40), "89163333333", ext="630")
    await office.scan()
    await office.settle()
    sales = sorted(office.ledger.open_cases("Sales", include_silent=False), key=lambda c: c.id)
    one, two = sales
    first, second = (office.ledger.case_message(case.id) for case in sales)
    assert first is not None and second is not None
    await office.press(SALES, first[1], ANN, f"k:{one.id}")
    await office.press(SALES, first[1], BOB, f"k:{one.id}")  # taken by Ann already
    await office.press(SALES, first[1], BOB, f"f:{one.id}")
    await office.press(SALES, second[1], BOB, f"n:{two.id}")
    await office.press(SALES, second[1], ANN, f"u:{two.id}")  # not hers to undo
    await office.press(SALES, second[1], BOB, f"u:{two.id}")
    await office.press(SALES, second[1], BOB, f"c:{two.id}")
    await office.settle()


async def the_day(office: Office, clock: Clock) -> None:
    """Friday: the buttons, a call again, a callback too short, the reminders and the
    escalations an hour later, a callback from the log; every command; the summaries."""
    await command(office, SALES, ANN, "/start")
    await buttons_pressed(office)
    at = FRIDAY + dt.timedelta(hours=10)
    missed(office, at + dt.timedelta(minutes=3), "89165550101")
    called(office, at + dt.timedelta(minutes=4), "89165550101", 2)  # too short
    clock.advance(minutes=5)
    await office.scan()
    await office.settle()
    clock.advance(minutes=70)
    await remind(office)
    await office.wait_posted(MANAGERS_CHAT)
    called(office, clock.now - dt.timedelta(minutes=1), "89165550101", 95)
    await office.scan()
    await office.settle()
    for chat, user, text in (
        (SALES, ANN, "/help"),
        (SALES, ANN, "/missed"),
        (MANAGERS_CHAT, ADMIN, "/missed"),
        (SALES, ANN, "/me"),
        (SALES, ANN, "/me 201"),
        (SALES, ANN, "/me 20x"),
        (SALES, BOB, "/me 201"),
        (SALES, ANN, "/stats"),
        (SALES, ANN, "/stats week"),
        (SALES, ANN, "/stats nonsense"),
        (MANAGERS_CHAT, ADMIN, "/stats"),
        (SALES, ANN, "/report today"),
        (MANAGERS_CHAT, ADMIN, "/report week"),
        (SALES, ANN, "/report nonsense"),
        (SALES, ANN, "/load"),
        (SALES, ANN, "/load nonsense"),
        (UNKNOWN_CHAT, ANN, "/help"),
        (UNKNOWN_CHAT, ANN, "/stats"),
        (UNKNOWN_CHAT, ANN, "/me 201"),
    ):
        await command(office, chat, user, text)
    here = runtime(office.bot.application)
    for parts in (await build_summary(here), await build_weekly(here)):
        sending = await send_summary(office.bot.application.bot, MANAGERS_CHAT, parts)
        assert sending.left == []


async def test_an_english_office_reads_no_russian_all_day(
    tmp_path: Path,
    phone_config: Callable[..., Config],
    chart_words: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock(FRIDAY + dt.timedelta(hours=10, minutes=1))
    async with clocked_office(english_config(tmp_path, phone_config), clock) as office:
        await the_day(office, clock)
        texts = call_texts(office.api.calls)
    texts += chart_words + log_texts(caplog.records)
    assert russian(texts) == []
    said = "\n".join(texts)
    for seen in (
        "command: Open missed calls",
        "📞 <b>Missed call</b> · Sales",
        "John Doe",
        "sendMessage.button: 👋 I'm calling",
        "answerCallbackQuery.text: Taken: the call is yours",
        "🚫 No callback needed: Bob Smith",
        "editMessageText.button: ↩️ Undo",
        "too short to count as a callback",
        "⏰ Still waiting for a callback",
        "🚨 <b>Not called back within 1 h</b>",
        "✅ Called back from ext. 201",
        "📋 <b>Open missed calls</b> · all departments",
        "Done: ext. 201 is Ann.",
        "<pre>Calls for 2026-12-04 — Sales",
        "Period not understood",
        "sendDocument.caption: 📊 Report for 2026-12-04 · Sales",
        "sheet: Missed",
        "Missed!K1: How closed",
        "🔥 <b>Load</b> · Sales",
        "This chat is not in the config yet",
        "📊 <b>Yesterday's summary</b>",
        "📊 <b>The week</b>",
        "file: perezvon-2026-11-23..2026-11-29.xlsx",
        "chart: Missed calls by weekday and hour",
        "chart: Incoming and missed calls by hour",
        "chart: Fri",
        "log: ",
        "case 1 escalated to the managers' chat",
    ):
        assert seen in said, seen


async def test_the_night_s_calls_come_in_english_at_opening(
    tmp_path: Path, phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    """Calls of Friday night, posted on Monday at 09:00 under the digest's header; one
    was called back before opening."""
    caplog.set_level(logging.INFO)
    clock = Clock(FRIDAY + dt.timedelta(hours=19))
    config = english_config(tmp_path, phone_config, after_hours="digest")
    async with clocked_office(config, clock) as office:
        missed(office, FRIDAY + dt.timedelta(hours=18, minutes=30), "89160000001")
        missed(office, FRIDAY + dt.timedelta(hours=18, minutes=45), "89160000002")
        missed(office, FRIDAY + dt.timedelta(hours=18, minutes=50), "89160000003", ext="630")
        await office.scan()
        await command(office, SALES, ANN, "/missed")
        called(office, MONDAY + dt.timedelta(hours=8, minutes=28), "89160000002", 60)
        await office.scan()
        clock.now = MONDAY + dt.timedelta(hours=9)
        await office.wait_posted(SALES, count=4)
        await office.wait_posted(SERVICE, count=2)
        await office.settle()
        clock.now = MONDAY + dt.timedelta(hours=9, minutes=25)
        await remind(office)
        texts = call_texts(office.api.calls)
    texts += log_texts(caplog.records)
    assert russian(texts) == []
    said = "\n".join(texts)
    assert "🌙 " in said and "after hours" in said.lower()
    assert "⏰ " in said


def test_a_short_callback_attempt_of_over_an_hour_is_told_in_english(tmp_path: Path) -> None:
    """A 📵 line of a call that got through but was too short to count (with
    callback_min_seconds set high): its length in the office's language, on the card and
    in the demo's console."""
    case = closed_case(1, ClosedHow.CALL)
    attempt = CallbackAttempt(at=case.first_at, extension="201", user_name=None, duration=3725)
    line = attempt_line(attempt, case, "en")
    assert "talked 1 h 2 min" in line and russian([line]) == []
    ledger, notifier, out, _ = notifier_at(tmp_path, AT, "en")
    made = open_case(ledger, missed_call("a", AT), department="Sales")
    notifier.drain()
    ledger.add_failed_callback(made, now=AT, call=dialled("b", AT, 3725))
    assert notifier.drain() == 1
    [line] = printed(out, 1)
    assert "talked 1 h 2 min" in line and russian([line]) == []
    ledger.close()


# -- the console ---------------------------------------------------------------------------

DAY = dt.datetime(2026, 11, 20, 9, 0)


def console_office(folder: Path) -> Path:
    """An English office's folder: a config with every table, contacts, a day of calls."""
    dbf = folder / "Calls.dbf"
    writer = CallsDbfWriter.create(dbf)
    rows = [
        make_row(
            when=DAY,
            duration=0,
            extension="620",
            callerid="89165550101",
            calltype="I",
            ring=22,
            status="Входящий",
        ),
        make_row(
            when=DAY + dt.timedelta(minutes=3),
            duration=95,
            extension="202",
            number="+79165550101",
            calltype="C",
            status="Мобильный",
        ),
    ]
    for n in range(12):
        when = DAY + dt.timedelta(minutes=30 + 7 * n)
        ext = "630" if n % 3 == 0 else "620"
        caller = f"8916{n:07d}"
        rows.append(
            make_row(
                when=when, duration=0, extension=ext, callerid=caller, calltype="I", ring=2 + n
            )
        )
        seconds = 40 if n % 4 else 3
        rows.append(
            make_row(
                when=when + dt.timedelta(minutes=3),
                duration=seconds,
                extension="201",
                number=f"+7916{n:07d}",
                calltype="C",
            )
        )
    rows.append(
        make_row(
            when=DAY + dt.timedelta(hours=11),
            duration=0,
            extension="620",
            callerid="",
            calltype="I",
            ring=9,
        )
    )
    writer.append_many(rows)
    (folder / "contacts.csv").write_text(
        "phone,name,company\n+79165550101,John Doe,Acme Ltd\nbad,row\n", encoding="utf-8"
    )
    config = folder / "perezvon.toml"
    config.write_text(
        f"""language = "en"
timezone = "Europe/London"
[source]
path = "{dbf.as_posix()}"
[database]
path = "ledger.db"
[rules]
employee_numbers = ["+79990001122"]
contacts_csv = "contacts.csv"
callback_sla_minutes = 15
min_ring_seconds = 4
[hours]
days = ["mon", "tue", "wed", "thu", "fri"]
open = "09:30"
close = "18:00"
holidays = ["2026-12-31"]
extra_workdays = ["2026-11-18"]
short_days = ["2026-11-22"]
[operators]
201 = 555
[telegram]
managers_chat = -1000
admins = [777]
daily_summary = "09:00"
weekly_summary = "mon 09:00"
[[department]]
name = "Sales"
chat = -1001
extensions = ["620", "201-205"]
default = true
[[department]]
name = "Service"
chat = -1002
extensions = ["630", "204-209"]
lines = ["05"]
""",
        encoding="utf-8",
    )
    return config


def test_the_console_commands_of_an_english_office_print_no_russian(
    tmp_path: Path, telegram_token: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """check (with --send-test), chats, import, stats and report (a workbook and CSV
    files), as the admin runs them; and what --send-test and chats post in the chats."""
    config = console_office(tmp_path)
    dbf = tmp_path / "Calls.dbf"
    telegram_token.inject_command(-1003, ANN, "/start")
    runs = [
        ("check", "--send-test"),
        ("chats", "--seconds", "1"),
        ("import", str(dbf)),
        ("import", str(dbf)),
        ("check", "--rows", "40"),
        ("stats", "2026-11-20"),
        ("stats", "november"),
        ("stats", "2026-11-16..2026-11-22", "--department", "Service"),
        ("stats", "2026-11-20", "--department", "Nowhere"),
        ("stats", "last", "tuesday"),
        ("report", "2026-11-20", "-o", str(tmp_path / "day.xlsx")),
        ("report", "2026-11-20", "-o", str(tmp_path / "csv") + os.sep),
        ("report", "2026-11-20", "-o", str(tmp_path / "nowhere" / "day.xlsx")),
    ]
    texts: list[str] = []
    for args in runs:
        code, out, err = run_cli("-c", str(config), *args)
        assert code in (0, 1, 2), (args, code)
        texts += [f"{args[0]}: {line}" for line in (out + err).splitlines()]
    texts += call_texts(telegram_token.calls) + log_texts(caplog.records)
    texts += workbook_texts((tmp_path / "day.xlsx").read_bytes())
    sheets = sorted((tmp_path / "csv").glob("*.csv"))
    for path in sheets:
        texts += [f"{path.name}: {line}" for line in path.read_text("utf-8-sig").splitlines()]
    assert russian(texts) == []
    said = "\n".join(texts)
    for seen in (
        "check: Config ",
        "STATUS=Входящий",  # the PBX's words, as read
        "check:   contacts loaded: 1",
        "check: Result: no errors",
        "sendMessage.text: 🔔 Connection test: Perezvon can write here",  # --send-test
        "sendMessage.text: This chat's id: <code>-1003</code>",  # chats' answer to /start
        "import:   records read: ",
        "stats: Calls for 2026-11-20",
        "stats: Missed calls by reason:",
        "stats: error: no department 'Nowhere'",
        "report: Written: ",
        "sheet: Summary",
        "John Doe",
        "Missed.csv: Phone,",
        "log: ",
    ):
        assert seen in said, seen
    assert len(sheets) == 8


def test_a_config_not_saved_as_utf8_is_told_in_its_language(tmp_path: Path) -> None:
    """Notepad's "ANSI" (cp1252: "Café") is no UTF-8, but its `language = "en"` line is
    plain ASCII: the office said which language it reads."""
    config = tmp_path / "perezvon.toml"
    text = 'language = "en"\n[[department]]\nname = "Café"\nchat = -1001\n'
    config.write_bytes(text.encode("cp1252"))
    code, _, err = run_cli("-c", str(config), "check")
    assert code == 2
    assert "the file is not UTF-8 text; save it as UTF-8" in err and russian([err]) == []


def test_a_folder_given_as_the_config_is_told_in_its_config_s_language(tmp_path: Path) -> None:
    (tmp_path / "perezvon.toml").write_text('language = "en"\n', encoding="utf-8")
    code, _, err = run_cli("-c", str(tmp_path), "check")
    assert code == 2
    assert f"{tmp_path} is a folder: give the config file itself" in err
    assert russian([err]) == []


def test_help_follows_a_config_that_the_local_env_names(tmp_path: Path) -> None:
    """`.env` in the current folder with PEREZVON_CONFIG (as the README offers): the help
    and argparse's complaints speak that config's language, before anything is parsed."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "office.toml").write_text('language = "en"\n', encoding="utf-8")
    (tmp_path / ".env").write_text("PEREZVON_CONFIG=conf/office.toml\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "PEREZVON_CONFIG"}
    environment["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--rows", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
    )
    assert done.returncode == 2
    assert "a number above zero is needed, not '0'" in done.stderr
    assert russian([done.stderr]) == []


def test_the_demo_speaks_the_language_of_the_office_s_config(tmp_path: Path) -> None:
    """`perezvon demo` where the config says language = "en" shows the demo in English
    without --lang, as --help is."""
    config = tmp_path / "perezvon.toml"
    config.write_text('language = "en"\n', encoding="utf-8")
    code, out, err = run_cli("-c", str(config), "demo", "--seconds", "16", "--speed", "5")
    assert code == 0, err
    assert "The demo day so far:" in out and "Incoming:" in out
    assert russian((out + err).splitlines()) == []


def test_a_language_in_capitals_is_refused_in_the_language_it_names(tmp_path: Path) -> None:
    """`language = "EN"`: the value is "en", so it is an error, but one the office that
    wrote it reads, as its --help is."""
    config = tmp_path / "perezvon.toml"
    config.write_text('language = "EN"\n', encoding="utf-8")
    code, _, err = run_cli("-c", str(config), "stats")
    assert code == 2
    assert "language: must be one of ru, en, not 'EN'" in err and russian([err]) == []


def test_chats_speaks_english_before_the_config_is_finished(
    tmp_path: Path, telegram_token: FakeBotApi
) -> None:
    """`perezvon chats` is for the first steps: the config still has mistakes (here no
    [[department]] yet) but says language = "en"; what it prints and its answer to /start
    in the chat are English."""
    config = tmp_path / "perezvon.toml"
    config.write_text('language = "en"\n[source]\npath = "Calls.dbf"\n', encoding="utf-8")
    telegram_token.inject_command(-1003, ANN, "/start")
    code, out, err = run_cli("-c", str(config), "chats", "--seconds", "1")
    assert code == 0, err
    texts = [*(out + err).splitlines(), *call_texts(telegram_token.calls)]
    assert russian(texts) == []
    assert "sendMessage.text: This chat's id: <code>-1003</code>" in "\n".join(texts)
