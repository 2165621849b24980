"""The service's log in the office's language: every log line of watcher/ and bot/ has a
Russian template (found by reading the code, so a new line without one fails here), the
formatter says it on the console and in the file, and the record stays English."""

from __future__ import annotations

import ast
import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import logs
from bot.app import warn_about_chats
from tests.conftest import PhoneRows
from tests.test_cli import run_cli, write_config
from watcher.config import Config
from watcher.ledger_open import LedgerError, LedgerProblem
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter
from watcher.texts import LOG_RU, LogText, ToldError, log_said

ROOT = Path(__file__).resolve().parent.parent
LEVELS = frozenset({"info", "warning", "error", "exception", "critical"})
# One %-placeholder as logging's %-formatting reads it.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


@dataclass(frozen=True)
class Found:
    where: str  # file:line
    template: str | None  # None: not a literal, so it cannot be looked up


def _is_log_method(node: ast.AST) -> bool:
    """``log.warning`` and the like (every logger of the code is named ``log``)."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "log"
        and node.attr in LEVELS
    )


def _templates(node: ast.expr, constants: dict[str, list[str]]) -> list[str] | None:
    """The template a call's argument is: a literal, a module constant, or any value of
    a module table of them (``_LOGGED[problem]``); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def _literals(node: ast.expr) -> list[str] | None:
    """A module constant's text, or a table's texts (a dict of literals)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Dict) and node.values:
        texts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        if len(texts) == len(node.values) and all(isinstance(t, str) for t in texts):
            return [str(t) for t in texts]
    return None


def _is_debug(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "DEBUG"


def log_templates(path: Path) -> Iterator[Found]:
    """The templates of the non-debug log calls in ``path``, and of its LogText texts:
    ``log.warning("…", …)``, ``log.log(level, "…")`` (unless the level is DEBUG), a name
    bound to a log method (``say = log.warning if … else log.debug``), a template kept
    in a module constant (``log.error(_MOVED, …)``) or table (``_LOGGED[problem]``), and
    ``LogText("…", …)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT).as_posix()
    constants = {
        target.id: texts
        for node in tree.body
        if isinstance(node, ast.Assign) and (texts := _literals(node.value)) is not None
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    sayers = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(_is_log_method(n) for n in ast.walk(node.value))
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func, first = node.func, node.args[0]
        at = f"{where}:{node.lineno}"
        if _is_log_method(func) or (isinstance(func, ast.Name) and func.id in sayers):
            yield from _found(at, _templates(first, constants))
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "log"
            and func.attr == "log"
            and len(node.args) > 1
            and not _is_debug(first)
        ):
            yield from _found(at, _templates(node.args[1], constants))
        elif isinstance(func, ast.Name) and func.id == "LogText":
            yield from _found(at, _templates(first, constants))


def _found(at: str, templates: list[str] | None) -> Iterator[Found]:
    if templates is None:
        yield Found(at, None)
    else:
        yield from (Found(at, template) for template in templates)


def all_templates() -> list[Found]:
    files = sorted([*ROOT.joinpath("watcher").rglob("*.py"), *ROOT.joinpath("bot").rglob("*.py")])
    return [found for path in files for found in log_templates(path)]


def test_the_scan_finds_the_log_lines() -> None:
    """The scan itself: it sees the lines this feature was made for."""
    templates = {found.template for found in all_templates()}
    assert {
        "department %r has no chat: its missed calls are not posted; send /start in its chat"
        " and put the id the bot answers into the config",
        "record %d: %s; skipped",  # a LogText
        "cannot reach Telegram (%s); trying again in %.0f s (missed calls are kept and posted"
        " once it answers)",  # say = log.warning if … else log.debug
        "case %d %s (%s, %s)",  # log.log(level, …)
        "%s: the ledger is locked by another program; close it and try again (%s)",  # a table
    } <= templates


def test_every_log_line_has_a_russian_template_with_the_same_placeholders() -> None:
    problems = []
    for found in all_templates():
        if found.template is None:
            problems.append(
                f"{found.where}: the template is not a literal, so it cannot be"
                " translated; log a literal template with arguments"
            )
        elif found.template not in LOG_RU:
            problems.append(
                f"{found.where}: no Russian template in watcher/texts.py LOG_RU for"
                f" {found.template!r}"
            )
        elif placeholders(LOG_RU[found.template]) != placeholders(found.template):
            problems.append(
                f"{found.where}: the Russian template of {found.template!r} has the"
                f" placeholders {placeholders(LOG_RU[found.template])}, not"
                f" {placeholders(found.template)}"
            )
    assert not problems, "\n".join(problems)


DUMMIES = {"d": 7, "i": 7, "o": 7, "u": 7, "x": 7, "X": 7, "c": 65}


def dummy_args(template: str) -> tuple[object, ...]:
    args: list[object] = []
    for found in placeholders(template):
        kind = found[-1]
        if kind == "%":
            continue
        args.append(DUMMIES.get(kind, 1.5 if kind in "eEfFgG" else "x"))
    return tuple(args)


@pytest.mark.parametrize("template", sorted(LOG_RU))
def test_every_russian_template_formats(template: str) -> None:
    """A translation that breaks %-formatting would print logging's own error instead."""
    russian = LOG_RU[template]
    assert placeholders(russian) == placeholders(template)
    args = dummy_args(template)
    assert (template % args) if args else template
    said = (russian % args) if args else russian
    assert said.strip() and "%" not in said.replace("%%", "")


def test_no_catalog_entry_is_left_over() -> None:
    """An entry whose line is gone from the code is dead weight, and hides a typo."""
    used = {found.template for found in all_templates()}
    assert sorted(set(LOG_RU) - used) == []


# -- the formatter --------------------------------------------------------------------------

NO_CHAT = (
    "department %r has no chat: its missed calls are not posted; send /start in its chat"
    " and put the id the bot answers into the config"
)


def record(msg: str, *args: object, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("bot.app", level, __file__, 1, msg, args, None)


def test_a_record_is_said_in_the_formatter_s_language_and_stays_english() -> None:
    line = record(NO_CHAT, "Отдел продаж")
    ru = logs.SpeakingFormatter("ru").format(line)
    en = logs.SpeakingFormatter("en").format(line)
    assert ru.endswith(
        "WARNING bot.app: у отдела 'Отдел продаж' нет чата: его пропущенные"
        " звонки не публикуются. Отправьте /start в чате отдела и впишите в"
        " конфигурацию ID, который ответит бот"
    )
    assert en.endswith(
        "WARNING bot.app: department 'Отдел продаж' has no chat: its missed"
        " calls are not posted; send /start in its chat and put the id the bot"
        " answers into the config"
    )
    # The record itself is what every other handler (caplog) sees: English, untouched.
    assert (line.msg, line.args) == (NO_CHAT, ("Отдел продаж",))
    assert line.getMessage().startswith("department 'Отдел продаж' has no chat")


def test_told_arguments_are_told_and_unknown_lines_pass_as_they_are() -> None:
    inner = LogText("record %d: %s; skipped", 2, "DATE: invalid date b'20241340'")
    line = record("%s", LogText("%s: %s", "Calls.dbf", inner))
    assert (
        logs.SpeakingFormatter("ru")
        .format(line)
        .endswith("Calls.dbf: запись 2: DATE: invalid date b'20241340'; пропущена")
    )
    assert line.getMessage() == "Calls.dbf: record 2: DATE: invalid date b'20241340'; skipped"
    error = ToldError("dbf_not_found", path=Path("pbx/Calls.dbf"))
    assert logs.SpeakingFormatter("ru").format(record("%s", error)).endswith(error.told("ru"))
    assert logs.SpeakingFormatter("en").format(record("%s", error)).endswith(str(error))
    # A library's line has no Russian: as it is, in either language.
    other = record("Application started")
    assert logs.SpeakingFormatter("ru").format(other).endswith("bot.app: Application started")
    assert log_said("ru", "Application started", ()) is None


def test_debug_lines_stay_english() -> None:
    line = record(
        "%s (still; %d failed checks)", LogText("scan of %s failed", "x"), 3, level=logging.DEBUG
    )
    assert (
        logs.SpeakingFormatter("ru")
        .format(line)
        .endswith("DEBUG bot.app: scan of x failed (still; 3 failed checks)")
    )


def test_a_bad_record_is_left_to_logging() -> None:
    """Wrong arguments for a template: the formatter does not hide logging's own report."""
    line = record(NO_CHAT, "a", "b")
    with pytest.raises(TypeError):
        logs.SpeakingFormatter("ru").format(line)


def test_a_ledger_error_is_told_in_the_log_s_language() -> None:
    error = LedgerError(Path("ledger.db"), LedgerProblem.LOCKED, "database is locked")
    assert str(error).endswith(
        "ledger.db: the ledger is locked by another program; close it and try again"
        " (database is locked)"
    )
    assert (
        logs.SpeakingFormatter("ru")
        .format(record("%s", error))
        .endswith(
            "ledger.db: база занята другой программой; закройте её и повторите (database is locked)"
        )
    )


# -- end to end: what `perezvon run` prints and writes --------------------------------------


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The console handler as `perezvon` sets it up, on a buffer: the test's own handlers
    (caplog's) are taken off the root logger meanwhile, so basicConfig makes one."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for handler in handlers:
        root.removeHandler(handler)
    buffer = io.StringIO()
    try:
        logs.setup_console(verbose=False, quiet=False, stream=buffer)
        yield buffer
    finally:
        logs.close_files()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_run_s_warnings_come_out_in_the_config_s_language(
    language: str,
    tmp_path: Path,
    console: io.StringIO,
    phone_config: Callable[..., Config],
) -> None:
    config = phone_config(
        language=language,
        source={"path": "pbx/Calls.dbf"},
        department=[{"name": "Отдел продаж", "extensions": ["620"], "default": True}],
    )
    # As cmd_run does once the config is read.
    logs.use_config(config.logging, verbose=False, language=config.language)
    warn_about_chats(config)
    service = WatcherService(config)
    try:
        assert service.scan_now() is None  # no folder, no file
    finally:
        service.stop()
    logs.close_files()
    said = console.getvalue()
    written = (tmp_path / "perezvon.log").read_text(encoding="utf-8")
    folder = tmp_path / "pbx"
    if language == "ru":
        expected = [
            "WARNING bot.app: у отдела 'Отдел продаж' нет чата: его пропущенные звонки не"
            " публикуются",
            f"({folder}: папка недоступна); проверяю снова каждые 2 с",
        ]
        assert "has no chat" not in said and "re-checking" not in said
    else:
        expected = [
            "WARNING bot.app: department 'Отдел продаж' has no chat: its missed calls are not"
            " posted",
            f"({folder}: folder not reachable); re-checking every 2 s",
        ]
        assert "нет чата" not in said and "папка" not in said
    for text in expected:
        assert text in said, said
        assert text in written, written
    # The file's own message is the reader's, in the same language.
    missing = ToldError("dbf_not_found", path=config.source.path).told(language)
    assert f"WARNING watcher.service: {missing} ({folder}" in said


def test_an_import_s_bad_rows_are_logged_in_russian(
    tmp_path: Path, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    """The CLI passes the config's language to the log file (English: test_logging)."""
    now = dt.datetime(2024, 5, 6, 12, 0)
    calls_dbf.append(phone_rows.missed(now, "89160000002"))
    calls_dbf.append({**phone_rows.missed(now, "89160000001"), "DATE": b"20241340"})
    config = write_config(tmp_path, calls_dbf.path, logging='[logging]\nlevel = "warning"')
    text = config.read_text(encoding="utf-8").replace('language = "en"', 'language = "ru"')
    config.write_text(text, encoding="utf-8")
    try:
        code, _, _ = run_cli("-c", str(config), "import", str(calls_dbf.path))
    finally:
        logs.close_files()
    assert code == 0
    log_text = (tmp_path / "perezvon.log").read_text(encoding="utf-8")
    assert "WARNING watcher.ingest: запись 2: " in log_text
    assert log_text.rstrip().endswith("; пропущена")


def test_the_summaries_are_named_in_the_log_s_language() -> None:
    from bot.summary import DAILY, WEEKLY

    ru = logs.SpeakingFormatter("ru")
    assert ru.format(record("%s sent to chat %s", DAILY, -100)).endswith(
        "ежедневная сводка отправлена в чат -100"
    )
    assert ru.format(record("%s: flood control (%.0f s)", WEEKLY, 3.0)).endswith(
        "еженедельная сводка: Telegram ограничил частоту сообщений (3 с)"
    )
    assert (
        logs.SpeakingFormatter("en")
        .format(record("%s sent to chat %s", DAILY, 1))
        .endswith("daily summary sent to chat 1")
    )
