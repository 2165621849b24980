"""The `perezvon` command line, run in-process on real DBF files in temporary folders."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.demo import run_demo
from bot.dotenv import load_dotenv, parse_dotenv
from watcher.sim.wintariff import WINTARIFF_FIELDS, CallsDbfWriter, make_row
from watcher.texts import tr

DAY = datetime(2026, 11, 20, 9, 0, 0)


def write_config(folder: Path, dbf: Path, **extra: str) -> Path:
    config = folder / "perezvon.toml"
    config.write_text(
        "\n".join(
            [
                'language = "en"',
                "[source]",
                f'path = "{dbf.as_posix()}"',
                "[database]",
                'path = "ledger.db"',
                "[rules]",
                'employee_numbers = ["+79990001122"]',
                "[[department]]",
                'name = "Sales"',
                "chat = -1001",
                'extensions = ["620", "201-205"]',
                "default = true",
                *extra.values(),
            ]
        ),
        encoding="utf-8",
    )
    return config


def office_day(path: Path) -> CallsDbfWriter:
    """A small day: a missed call called back, a missed call left open, an answered call."""
    writer = CallsDbfWriter.create(path)
    rows = [
        make_row(
            when=DAY,
            duration=0,
            extension="620",
            callerid="89161234567",
            calltype="I",
            ring=22,
            status="Входящий",
        ),
        make_row(
            when=DAY + timedelta(minutes=3),
            duration=95,
            extension="202",
            number="+79161234567",
            calltype="C",
            status="Мобильный",
        ),
        make_row(
            when=DAY + timedelta(minutes=10),
            duration=0,
            extension="620",
            callerid="+79257771203",
            calltype="I",
            ring=40,
        ),
        make_row(
            when=DAY + timedelta(minutes=20),
            duration=61,
            extension="203",
            callerid="84957894512",
            calltype="I",
            ring=5,
        ),
    ]
    writer.append_many(rows)
    return writer


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--env-file", "", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("telegram_token")
def test_check_describes_the_table(tmp_path: Path) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    code, out, _ = run_cli("-c", str(config), "check", "--rows", "2")
    assert code == 0, out
    assert "code page cp866 (from the DBF header, language driver 0x65)" in out
    assert "records: 4 complete on disk, 4 in the header" in out
    assert "CALLTYPE" in out and "IDURATION" in out
    assert "#3 " in out and "#4 " in out and "#2 " not in out
    assert "+79257771203" in out
    assert "token OK: @" in out


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "ERROR: TELEGRAM_BOT_TOKEN is not set, and `run` will not start without it"),
        ("ru", "ОШИБКА: TELEGRAM_BOT_TOKEN не задан, и `run` без него не запустится"),
    ],
)
def test_check_fails_without_a_token_after_checking_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, says: str
) -> None:
    """`run` refuses to start without a token, so `check` must not pass: an admin whose
    .env was saved as .env.txt learns it from `check`, not from a service that won't
    start. The table is still described, so the rest of the setup can be put right."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    text = config.read_text(encoding="utf-8").replace('language = "en"', f'language = "{language}"')
    config.write_text(text, encoding="utf-8")
    (tmp_path / ".env.txt").write_text("TELEGRAM_BOT_TOKEN=123:abc\n", encoding="utf-8")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    assert says in out
    assert ".env.txt" in out  # the hint names the likely cause
    assert "IDURATION" in out and "+79257771203" in out


def test_check_fails_when_the_ledger_could_not_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run would fail to create the ledger there: check says so now."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    (tmp_path / "data").write_text("a file where the ledger's folder should be")
    text = config.read_text(encoding="utf-8").replace('"ledger.db"', '"data/db/ledger.db"')
    config.write_text(text, encoding="utf-8")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1, out
    assert f"ERROR: the folder {tmp_path / 'data'} cannot be written" in out
    assert "database.path" in out


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("https://api.telegram.org/bot123456:ABC-def/getMe", "looks like a link"),
        ("bot123456:ABC-def", 'starts with "bot"'),
        ("AAHfakefake", "does not look like a bot token"),
        ("123456 ABC", "does not look like a bot token"),
    ],
)
def test_a_token_of_the_wrong_shape_is_named_before_any_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str, says: str
) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1 and says in out, out
    assert token not in out
    code, _, err = run_cli("-c", str(config), "run")
    assert code == 2 and says in err, err


def test_a_table_that_cannot_be_read_is_told_in_the_office_s_language(tmp_path: Path) -> None:
    """`check` and `import` in a Russian office said 'ОШИБКА: …: file not found'."""
    config = write_config(tmp_path, tmp_path / "nowhere" / "Calls.dbf")
    config.write_text(
        config.read_text(encoding="utf-8").replace('language = "en"', 'language = "ru"'),
        encoding="utf-8",
    )
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1 and "Calls.dbf: файл не найден" in out and "file not found" not in out
    garbage = tmp_path / "garbage.dbf"
    garbage.write_bytes(b"\x03" + b"\xff" * 40)
    code, _, err = run_cli("-c", str(config), "import", str(garbage))
    assert code == 1 and "garbage.dbf: " in err
    assert "not a readable" not in err and "damaged" not in err and "incomplete" not in err
    dateless = CallsDbfWriter.create(
        tmp_path / "dateless.dbf", fields=[f for f in WINTARIFF_FIELDS if f.name != "DATE"]
    )
    code, _, err = run_cli("-c", str(config), "import", str(dateless.path))
    assert code == 1 and "нет поля DATE" in err and "no DATE field" not in err


def test_check_reports_missing_file_and_bad_config(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "nowhere" / "Calls.dbf")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1
    assert "file not found" in out

    bad = tmp_path / "bad.toml"
    bad.write_text('language = "en"\n[source]\npoll_interval = "fast"\n', encoding="utf-8")
    code, _, err = run_cli("-c", str(bad), "check")
    assert code == 2
    assert err.startswith(f"Problems in {bad}:\n")
    assert "source.poll_interval: must be a number" in err
    assert "at least one [[department]]" in err

    # A language Perezvon does not speak: the problems in Russian, the default.
    bad.write_text('language = "de"\n[source]\npoll_interval = "fast"\n', encoding="utf-8")
    code, _, err = run_cli("-c", str(bad), "check")
    assert code == 2
    assert err.startswith(f"Ошибки в {bad}:\n")
    assert "language: допустимые значения — ru, en; указано 'de'" in err
    assert "source.poll_interval: нужно число, а не 'fast'" in err
    assert "department: нужен хотя бы один отдел [[department]]" in err


def test_a_config_that_cannot_be_read_is_told_in_russian(tmp_path: Path) -> None:
    """A file TOML refuses is told in its `language` line's language, if it has one, else
    in Russian, the default; a missing file has said nothing: Russian."""
    bad = tmp_path / "perezvon.toml"
    bad.write_text('[source\nlanguage = "ru"\n', encoding="utf-8")
    code, out, err = run_cli("-c", str(bad), "check")
    assert code == 2, out
    assert err.startswith(f"Ошибки в {bad}:\n  - ошибка в синтаксисе TOML: ")
    bad.write_text("[source\n", encoding="utf-8")
    code, out, err = run_cli("-c", str(bad), "check")
    assert err.startswith(f"Ошибки в {bad}:\n  - ошибка в синтаксисе TOML: ")
    bad.write_text('language = "en"\n[source\n', encoding="utf-8")
    code, out, err = run_cli("-c", str(bad), "check")
    assert err.startswith(f"Problems in {bad}:\n  - not valid TOML: ")
    code, _, err = run_cli("-c", str(tmp_path / "none.toml"), "import", "Calls.dbf")
    assert code == 2
    assert "файл не найден" in err and "скопируйте perezvon.example.toml в none.toml" in err


def test_import_then_stats(tmp_path: Path) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    code, out, err = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0, err
    assert "new calls: 4" in out
    assert "2 opened" in out and "1 closed by the call log" in out
    assert "100%" in err  # the progress bar reached the end

    with sqlite3.connect(tmp_path / "ledger.db") as db:
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        statuses = dict(db.execute("SELECT remote, closed_how FROM cases").fetchall())
    assert statuses == {"+79161234567": "call", "+79257771203": "expired"}

    code, out, _ = run_cli("-c", str(config), "stats", "2026-11-20")
    assert code == 0
    assert "Incoming: 3 — answered 1, missed 2 (miss rate 67%)" in out
    assert "Median time to callback: 3 min" in out  # a span, not a clock (issue 8, item 5)

    code, _, err = run_cli("-c", str(config), "stats", "last tuesday")
    assert code == 2 and "period not understood" in err


def test_import_of_a_broken_file_says_why(tmp_path: Path) -> None:
    dbf = tmp_path / "Calls.dbf"
    dbf.write_bytes(b"this is not a dbf file at all")
    config = write_config(tmp_path, dbf)
    code, _, err = run_cli("-c", str(config), "import", str(dbf))
    assert code == 1
    assert "not a readable DBF table" in err or "damaged" in err


def test_run_refuses_without_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    config = write_config(tmp_path, tmp_path / "Calls.dbf")
    config.write_text(config.read_text().replace('language = "en"', 'language = "ru"'))
    code, _, err = run_cli("-c", str(config), "run")
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN не задан" in err and "perezvon demo" in err


def test_run_with_a_config_path_that_points_nowhere_says_so_before_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typo in the service's `-c` path: "no token" would send the admin to fix a token
    that is fine (the .env beside the config is not read either)."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    code, _, err = run_cli("-c", str(tmp_path / "nope" / "perezvon.toml"), "run")
    assert code == 2
    assert f"файл не найден: {tmp_path / 'nope' / 'perezvon.toml'}" in err
    assert "TELEGRAM_BOT_TOKEN" not in err


def test_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = '# comment\nexport A=1\nB="two words"\nC=x # note\n\nbroken line\nD=\n'
    assert parse_dotenv(text) == {"A": "1", "B": "two words", "C": "x", "D": ""}
    env = tmp_path / ".env"
    env.write_text("PEREZVON_TEST_X=from-file\nPEREZVON_TEST_Y=file\n", encoding="utf-8")
    monkeypatch.setenv("PEREZVON_TEST_Y", "from-env")
    monkeypatch.delenv("PEREZVON_TEST_X", raising=False)
    assert load_dotenv(env) == ["PEREZVON_TEST_X"]
    import os

    assert os.environ["PEREZVON_TEST_X"] == "from-file"
    assert os.environ["PEREZVON_TEST_Y"] == "from-env"


def test_demo_shows_a_case_open_grow_and_close(tmp_path: Path) -> None:
    """The demo's promise, in its default Russian: a case opens, grows and closes within
    a minute of office time, after the night's digest at the opening."""
    out = io.StringIO()
    code = run_demo(tmp_path, seconds=16, language="ru", seed=7, show_rows=False, out=out, speed=5)
    text = out.getvalue()
    assert code == 0
    assert "история загружена без уведомлений" in text
    lines = text.splitlines()
    assert any("ПРОПУЩЕН" in line and "+7 916 123-45-67" in line for line in lines)
    assert "звонил 2 раза" in text
    assert any(
        "ПЕРЕЗВОНИЛИ" in line and "+7 916 123-45-67" in line and "перезвонил доб." in line
        for line in lines
    )
    assert "🌙 За нерабочее время: 2 · Отдел продаж" in text
    assert any("ВЗЯЛ(А)" in line and "взял(а) Ольга (доб. 207)" in line for line in lines)
    assert "Итоги дня в демо" in text and "Входящих:" in text


def test_demo_shows_claim_attempt_reminder_escalation_and_digest(tmp_path: Path) -> None:
    """The v0.2 story in English, fast-forwarded: the night's digest at the opening, an
    operator takes a case, her first callback gets no answer, reminders and escalations
    in office minutes, and the case she called back is never escalated."""
    out = io.StringIO()
    code = run_demo(tmp_path, seconds=13, language="en", seed=7, show_rows=False, out=out, speed=12)
    assert code == 0
    lines = [line.split("  ", 1)[-1] for line in out.getvalue().splitlines()]
    assert "The office opens at 09:00" in out.getvalue()

    def index(*parts: str) -> int:
        return next(i for i, line in enumerate(lines) if all(p in line for p in parts))

    sales_header = index("🌙 Missed after hours: 2 · Sales")
    support_header = index("🌙 Missed after hours: 1 · Support")
    # Two digest headers; the cards under them say "🌙 after hours" as their reason.
    assert sum(line.startswith("🌙 Missed after hours") for line in lines) == 2
    assert "— 🌙 after hours" in lines[sales_header + 1]
    assert lines[sales_header + 1].startswith("MISSED") and "Sales" in lines[sales_header + 1]
    assert lines[sales_header + 2].startswith("MISSED") and "Sales" in lines[sales_header + 2]
    assert lines[support_header + 1].startswith("MISSED") and "Support" in lines[support_header + 1]

    c = "+7 925 777-12-03"  # the script's customer C, in Support
    taken = index("TAKEN", c, "taken by Olga (ext. 207) at 09:00")
    failed = index("NO ANSWER", c, "ext. 207 (Olga) dialled at 09:00: no answer, still waiting")
    reminded = index("REMINDER", c, "for 1 min of office time", "taken by Olga (ext. 207)")
    closed = index("CALLED BACK", c, "called back from ext. 207")
    assert support_header < taken < failed < closed and reminded < closed
    escalated = [line for line in lines if line.startswith("ESCALATED")]
    assert escalated and all("within 2 min of office time" in line for line in escalated)
    # The customers from the contacts file are named in English too: no Russian at all.
    assert "(Pavel Orlov)" in out.getvalue()
    assert not re.search("[А-Яа-яЁё]", out.getvalue())
    # The night's three cases waited: reminded, then escalated; closed cases never are.
    assert sum(line.startswith("REMINDER") for line in lines[: index("ESCALATED")]) >= 4
    assert not any(c in line or "+7 916 123-45-67" in line for line in escalated)


def test_help_is_in_russian_and_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    """Russian by default, as every surface, where no config says otherwise."""
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("использование: perezvon")
    assert "команды:" in out and "показать эту справку и выйти" in out
    for name in ("run", "check", "chats", "import", "demo", "stats", "report"):
        assert f"    {name} " in out
    english = cli._parser("en").format_help()
    assert english.startswith("usage: perezvon") and "watch Calls.dbf and run the" in english


def test_help_and_argument_errors_speak_the_configs_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An English office's admin asks for --help in the install folder, or names the
    config with -c: English, before the config is loaded."""
    (tmp_path / "perezvon.toml").write_text('language = "en"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PEREZVON_CONFIG", raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert capsys.readouterr().out.startswith("usage: perezvon")
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(SystemExit):
        cli.main(["--help"])  # no config here: Russian
    assert capsys.readouterr().out.startswith("использование: perezvon")
    with pytest.raises(SystemExit):
        cli.main(["-c", str(tmp_path / "perezvon.toml"), "check", "--rows", "x"])
    err = capsys.readouterr().err
    assert "--rows" in err and not re.search("[А-Яа-яЁё]", err), err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        ([], "perezvon: ошибка: не хватает: КОМАНДА"),
        (["foo"], "КОМАНДА: нет варианта 'foo' (можно: 'run', 'check'"),
        (["--bogus", "check"], "perezvon: ошибка: непонятные аргументы: --bogus"),
        (["report", "-o"], "perezvon report: ошибка: -o/--output: нужно значение"),
        (["stats", "--lang", "de"], "--lang: нет варианта 'de' (можно: 'ru', 'en')"),
        (["check", "--rows", "x"], "--rows: нужно число больше нуля, а не 'x'"),
        (["check", "--rows", "-1"], "--rows: нужно число больше нуля, а не '-1'"),
        (["demo", "--speed", "0"], "--speed: нужно число больше нуля, а не '0'"),
        (["demo", "--seconds", "nan"], "--seconds: нужно число не меньше нуля, а не 'nan'"),
        (["demo", "--seconds", "-5"], "--seconds: нужно число не меньше нуля, а не '-5'"),
    ],
)
def test_command_line_mistakes_are_told_in_russian(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse's own errors speak the CLI's language too, and a number the command
    cannot use (a zero or negative speed, NaN seconds) is refused before anything runs."""
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("использование: perezvon")
    assert said in err and "(справка: perezvon --help)" in err
    assert "error" not in err and "invalid" not in err and "argument" not in err


def test_demo_seconds_0_still_means_until_ctrl_c() -> None:
    """The README's `make demo ARGS="--seconds 0"`: zero is a value of its own there."""
    args = cli._parser().parse_args(["demo", "--seconds", "0"])
    assert args.seconds == 0


def test_argparse_messages_in_english_are_argparse_own() -> None:
    """The English catalog gives back argparse's own wording, and the hook is undone
    once parsing is over."""
    import argparse

    for template, key in cli.ARGPARSE_TEXTS.items():
        if key not in ("cli_arg_error", "cli_arg_value"):
            assert tr("en", key) == template
    with pytest.raises(SystemExit):
        cli.main(["foo"])
    assert argparse._("unrecognized arguments: %s") == "unrecognized arguments: %s"  # type: ignore[attr-defined]


def test_figures_on_the_console_carry_no_info_lines(tmp_path: Path) -> None:
    """`perezvon stats` prints the figures asked for; the service's English info lines
    (contacts loaded, …) stay out of them, its warnings do not. Run as the CLI runs, in
    a process of its own (the console's logging is set up once per process)."""
    import subprocess
    import sys

    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    assert run_cli("-c", str(config), "import", str(dbf))[0] == 0
    script = (
        "import logging, sys\n"
        "from bot import cli\n"
        "code = cli.main(sys.argv[1:])\n"
        "logging.getLogger('watcher.probe').info('probe: an info line')\n"
        "logging.getLogger('watcher.probe').warning('probe: a warning')\n"
        "sys.exit(code)\n"
    )
    args = ["--env-file", "", "-c", str(config), "stats", "2026-11-20"]
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Calls for 2026-11-20")
    assert "probe: a warning" in done.stderr
    assert "probe: an info line" not in done.stderr


def test_an_english_office_is_answered_in_english_before_its_config_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TOML mistake elsewhere in the file (a Windows path in double quotes) and a
    missing token were told in Russian though the file says `language = "en"`."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    broken = tmp_path / "broken.toml"
    broken.write_text(
        'language = "en"\n[source]\npath = "C:\\Program Files\\x\\Calls.dbf\n',
        encoding="utf-8",
    )
    code, _, err = run_cli("--env-file", "", "-c", str(broken), "check")
    assert code == 2 and "TOML" in err and "Ошибк" not in err
    config = write_config(tmp_path, tmp_path / "Calls.dbf")
    code, _, err = run_cli("--env-file", "", "-c", str(config), "run")
    assert code == 2 and "TELEGRAM_BOT_TOKEN" in err and "не задан" not in err


def test_a_period_of_several_words_needs_no_quotes(tmp_path: Path) -> None:
    """`perezvon stats прошлая неделя` gave argparse's "unrecognized arguments: неделя"."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    assert run_cli("-c", str(config), "import", str(dbf))[0] == 0
    quoted = run_cli("-c", str(config), "stats", "last week")
    assert quoted[0] == 0, quoted
    assert run_cli("-c", str(config), "stats", "last", "week") == quoted
    assert run_cli("-c", str(config), "stats", "прошлая", "неделя") == quoted
    code, _, err = run_cli("-c", str(config), "stats", "last", "tuesday")
    assert (code, err) == (2, tr("en", "cli_bad_period", period="last tuesday") + "\n")

    target = tmp_path / "month.xlsx"
    code, out, err = run_cli("-c", str(config), "report", "прошлый", "месяц", "-o", str(target))
    assert code == 0, err
    assert out == tr("en", "cli_report_written", path=target) + "\n"
    assert target.is_file()


@pytest.mark.parametrize(
    ("language", "says"),
    [
        (
            "ru",
            "ошибка: не удалось записать {path}: папки {folder} нет. Создайте её или укажите"
            " в -o путь в существующей папке\n",
        ),
        (
            "en",
            "error: cannot write {path}: there is no folder {folder}. Create it or give -o"
            " a path in a folder that exists\n",
        ),
    ],
)
def test_a_report_into_a_missing_folder_names_the_folder(
    tmp_path: Path, language: str, says: str
) -> None:
    """It said "cannot write … (No such file or directory). If Excel has the file open,
    close it": no Excel had it, the folder was not there."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    assert run_cli("-c", str(config), "import", str(dbf))[0] == 0
    target = tmp_path / "missing" / "dir" / "r.xlsx"
    code, out, err = run_cli("-c", str(config), "report", "--lang", language, "-o", str(target))
    assert (code, out) == (1, "")
    assert err == says.format(path=target, folder=target.parent)
    assert not target.parent.exists()


def test_a_second_import_says_the_file_was_loaded_before(tmp_path: Path) -> None:
    """A second import printed "records read: 0, new calls: 0" and nothing else: it read
    like a file Perezvon could not read."""
    dbf = tmp_path / "Calls.dbf"
    writer = office_day(dbf)
    config = write_config(tmp_path, dbf)
    code, out, _ = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0
    assert "loaded before" not in out
    code, out, _ = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "  this file was loaded before, up to record 4; it has no new records"
    assert lines[2].startswith("  records read: 0, new calls: 0,")

    writer.append(make_row(when=DAY + timedelta(hours=2), duration=30, extension="202"))
    code, out, _ = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == (
        "  records 1–4 were loaded before and not read again; read the new ones after them"
    )
    assert lines[2].startswith("  records read: 1, new calls: 1,")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_import_of_a_file_cut_short_says_its_last_record_was_not_read(
    tmp_path: Path, language: str
) -> None:
    """An archive copied short lost part of its last record: the import said "records
    read: 3" and nothing of the fourth. dBase's end-of-file byte alone is no cut record."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    whole = dbf.read_bytes()
    assert whole[-1:] == b"\x1a"  # the writer ends the file as dBase does
    config = write_config(tmp_path, dbf)
    config.write_text(config.read_text().replace('language = "en"', f'language = "{language}"'))
    code, out, _ = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0 and "cut short" not in out and "обрезана" not in out
    dbf.write_bytes(whole[:-41])  # the end mark and 40 bytes of the last record
    (tmp_path / "ledger.db").unlink()
    code, out, _ = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0, out
    length = int.from_bytes(whole[10:12], "little")
    expected = {
        "en": f"  The file's last record is cut short ({length - 40} of {length} bytes)",
        "ru": f"  Последняя запись файла обрезана ({length - 40} из {length} байт)",
    }[language]
    assert expected in out, out


def test_an_import_after_run_stopped_mid_history_reads_the_history(tmp_path: Path) -> None:
    """`run` reads a big file's tail first and its history after; stopped before that
    ended, its cursor is at the end of the file. An import then reads the history: it
    must not say the file was loaded before."""
    from watcher.config import load_config
    from watcher.ingest import Ingestor
    from watcher.ledger import Ledger

    dbf = tmp_path / "Calls.dbf"
    writer = CallsDbfWriter.create(dbf)
    rows = [
        make_row(
            when=DAY + timedelta(minutes=10 * i),
            duration=30,
            extension="201",
            number="89161234567",
            calltype="C",
        )
        for i in range(60)
    ]
    writer.append_many(rows)
    config_path = write_config(tmp_path, dbf)
    config = load_config(config_path)
    last = DAY + timedelta(minutes=590)
    with Ledger(config.database_path) as ledger:
        tail = Ingestor(config, ledger, clock=lambda: last, backfill_over=5).scan()
        assert tail.backfill_left > 0  # the history behind the tail is still to read
    code, out, _ = run_cli("-c", str(config_path), "import", str(dbf))
    assert code == 0, out
    assert "loaded before" not in out
    assert f"records read: {tail.backfill_left}," in out, out


@pytest.mark.parametrize("command", ["stats", "report"])
def test_figures_without_a_ledger_yet_say_so_on_stderr(tmp_path: Path, command: str) -> None:
    """Before the first `run` or `import` there is no ledger: `stats` and `report` say
    so as errors (standard error, exit 1), not as figures on standard output, where a
    script that saves the figures to a file would have kept the complaint instead."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    code, out, err = run_cli("-c", str(config), command)
    assert code == 1, out + err
    assert out == ""
    assert f"error: no ledger at {tmp_path / 'ledger.db'} yet (run or import first)" in err, err
    assert not (tmp_path / "ledger.db").exists()
