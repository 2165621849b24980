"""`.env`: next to the config first, then the current folder; the environment wins; files
saved by Notepad as UTF-16 or ANSI get a clear message."""

from __future__ import annotations

import io
import logging
import os
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from bot import cli
from bot.dotenv import DotenvError, dotenv_files, parse_dotenv, read_dotenv

KEYS = ("TELEGRAM_BOT_TOKEN", "PEREZVON_CONFIG", "PZ_TEST_A", "PZ_TEST_B", "PZ_TEST_C")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys these tests load are gone again afterwards."""
    for key in KEYS:
        monkeypatch.setenv(key, "-")
        monkeypatch.delenv(key)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_a_value_with_a_comment_after_its_quotes_has_no_quotes() -> None:
    text = (
        'TELEGRAM_BOT_TOKEN="123:abc"  # from BotFather\n'
        "PZ_TEST_A='single'  # note\n"
        "export PZ_TEST_B=plain # note\n"
        "PZ_TEST_C=\n"
        "no equals sign\n"
    )
    assert parse_dotenv(text) == {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "PZ_TEST_A": "single",
        "PZ_TEST_B": "plain",
        "PZ_TEST_C": "",
    }


def test_the_config_folder_comes_first_then_the_current_one_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "service" / "perezvon.toml"
    write(config.parent / ".env", "PZ_TEST_A=service\nPZ_TEST_B=service\n")
    work = tmp_path / "work"
    write(work / ".env", "PZ_TEST_A=work\nPZ_TEST_B=work\nPZ_TEST_C=work\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("PZ_TEST_B", "environment")
    assert cli._load_environment(None, str(config)) == config
    assert os.environ["PZ_TEST_A"] == "service"  # the config's folder first
    assert os.environ["PZ_TEST_B"] == "environment"  # what is set wins
    assert os.environ["PZ_TEST_C"] == "work"  # the current folder fills the rest


def test_the_current_folders_env_may_name_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "etc" / ".env", "PZ_TEST_A=next-to-config\n")
    write(tmp_path / ".env", "PEREZVON_CONFIG=etc/perezvon.toml\n")
    monkeypatch.chdir(tmp_path)
    assert cli._load_environment(None, None) == Path("etc/perezvon.toml")
    assert os.environ["PZ_TEST_A"] == "next-to-config"


def test_one_folder_is_read_once(tmp_path: Path) -> None:
    write(tmp_path / ".env", "PZ_TEST_A=1\n")
    assert dotenv_files(tmp_path / "perezvon.toml", cwd=tmp_path) == [tmp_path / ".env"]
    assert dotenv_files(tmp_path / "x" / "perezvon.toml", cwd=tmp_path / "x") == []


def test_an_explicit_env_file_is_the_only_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / ".env", "PZ_TEST_A=default\n")
    chosen = write(tmp_path / "other.env", "PZ_TEST_B=chosen\n")
    monkeypatch.chdir(tmp_path)
    cli._load_environment(str(chosen), None)
    assert "PZ_TEST_A" not in os.environ and os.environ["PZ_TEST_B"] == "chosen"
    cli._load_environment("", None)  # --env-file "": none at all
    assert "PZ_TEST_A" not in os.environ


def test_a_utf8_file_with_a_bom_and_russian_comments_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / ".env", "\ufeff# токен бота\nTELEGRAM_BOT_TOKEN=1:x\n")
    assert read_dotenv(path) == {"TELEGRAM_BOT_TOKEN": "1:x"}


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("utf-16", "файл сохранён в UTF-16 («Юникод»)"),  # Notepad's "Unicode", with a BOM
        ("utf-16-le", "файл сохранён в UTF-16"),
        ("cp1251", "файл не в UTF-8 (похоже, сохранён как ANSI / cp1251)"),
    ],
)
def test_a_file_notepad_saved_in_another_encoding_gets_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str, message: str
) -> None:
    env = write(tmp_path / ".env", "# токен бота\nTELEGRAM_BOT_TOKEN=1:x\n", encoding)
    with pytest.raises(DotenvError):
        read_dotenv(env)
    monkeypatch.chdir(tmp_path)
    code, out, err = main("-c", str(tmp_path / "perezvon.toml"), "check")
    assert code == 2
    assert message in err
    assert "Файл → Сохранить как → Кодировка: UTF-8" in err  # before any config: Russian
    assert "Traceback" not in err + out


def test_an_english_office_is_told_of_its_utf16_env_file_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config beside it says `language = "en"`: the admin reads English from then on,
    the .env's message included, though the config is only read after the .env."""
    write(tmp_path / ".env", "TELEGRAM_BOT_TOKEN=1:x\n", "utf-16")
    (tmp_path / "perezvon.toml").write_text('language = "en"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = main("check")
    assert code == 2
    assert "saved as UTF-16" in err, err
    assert not re.search("[А-Яа-яЁё]", err)
    assert "Traceback" not in err + out


def test_an_env_file_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    code, _, err = main("--env-file", str(tmp_path / ".env.prod"), "run")
    assert code == 2
    assert f"{tmp_path / '.env.prod'}: такого файла нет (--env-file)" in err


@pytest.mark.parametrize(
    ("files", "hint"),
    [
        ({".env.txt": "TELEGRAM_BOT_TOKEN=1:x\n"}, "есть {folder}/.env.txt — Блокнот"),
        ({".env": "TELEGRAM_TOKEN=1:x\n"}, "в {folder}/.env есть TELEGRAM_TOKEN, а ключ"),
        ({".env": "TELEGRAM_BOT_TOKEN 1:x\n"}, "строка с TELEGRAM_BOT_TOKEN без «=»"),
        ({".env": "TELEGRAM_BOT_TOKEN=\n"}, "в {folder}/.env TELEGRAM_BOT_TOKEN есть, но после"),
        ({".env": 'TELEGRAM_BOT_TOKEN=""  # paste\n'}, "но после «=» пусто: впишите туда"),
    ],
)
def test_no_token_says_where_the_admin_went_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], hint: str
) -> None:
    """The token is missing because of a file next to the config, not because none was
    ever written: run says which file, and so does check."""
    for name, text in files.items():
        write(tmp_path / name, text)
    config = (
        '[source]\npath = "Calls.dbf"\n[[department]]\nname = "Отдел"\nchat = -100777\n'
        'extensions = ["620"]\n'
    )
    write(tmp_path / "perezvon.toml", config)
    monkeypatch.chdir(tmp_path)
    code, _, err = main("-c", str(tmp_path / "perezvon.toml"), "run")
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN не задан" in err  # the config's language: Russian
    assert hint.format(folder=tmp_path) in err
    assert cli.token_hints(tmp_path / "perezvon.toml") != []


def test_dotenvs_own_warning_is_silent_where_our_hint_tells_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """python-dotenv's English "could not parse statement starting at line 1" came next to
    our Russian hint, once in check and three times in run."""
    write(tmp_path / ".env", "TELEGRAM_BOT_TOKEN 1:x\nPZ_TEST_A=1\n")
    config = (
        '[source]\npath = "Calls.dbf"\n[[department]]\nname = "Отдел"\nchat = -100777\n'
        'extensions = ["620"]\n'
    )
    write(tmp_path / "perezvon.toml", config)
    monkeypatch.chdir(tmp_path)
    hint = (
        f"  подсказка: в {tmp_path}/.env строка с TELEGRAM_BOT_TOKEN без «=»;"
        " пишите TELEGRAM_BOT_TOKEN=123456789:AA…\n"
    )
    caplog.set_level(logging.WARNING)
    code, _, err = main("-c", "perezvon.toml", "run")
    assert code == 2
    assert err.endswith(hint), err
    code, out, err = main("-c", "perezvon.toml", "check")
    assert code == 1
    assert hint in out
    assert "python-dotenv" not in err
    assert [r.getMessage() for r in caplog.records if r.name.startswith("dotenv")] == []


def test_dotenvs_warning_stays_for_a_line_we_do_not_explain(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    assert parse_dotenv("TELEGRAM_BOT_TOKEN 1:x\nnot a statement\nPZ_TEST_A=1\n") == {
        "PZ_TEST_A": "1"
    }
    assert [r.getMessage() for r in caplog.records if r.name.startswith("dotenv")] == [
        "python-dotenv could not parse statement starting at line 2"
    ]
