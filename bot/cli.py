"""``perezvon``: run, check, import, demo, stats, report.

Only ``run`` (and ``check`` with a token) touch Telegram; the other commands use the
phone side alone, so an admin can try everything before creating a bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import math
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import TextIO

from bot import check_setup, logs
from bot.dotenv import (
    ENV_FILE,
    DotenvError,
    dotenv_files,
    load_dotenv,
    read_dotenv,
    token_hints,
)
from watcher import fields, health
from watcher.clock import local_now
from watcher.config import (
    Config,
    ConfigError,
    Department,
    file_language,
    load_config,
    pattern_range,
)
from watcher.dbf_reader import (
    DbfError,
    DbfLayout,
    character_values,
    decode_all_fields,
    guess_cyrillic,
    read_layout,
    read_one,
)
from watcher.ingest import (
    RECENT_WINDOW,
    Ingestor,
    ScanResult,
    find_cursor,
    same_source,
)
from watcher.instance import RUN_WAIT_SECONDS, LedgerInUse, LedgerLock, in_use, lock_path
from watcher.ledger import Ledger
from watcher.ledger_open import (
    LedgerError,
    LedgerProblem,
    earlier_use,
    explain,
    open_ledger,
    warn_if_gone,
)
from watcher.sample import SAMPLE_ROWS, Sample, sample
from watcher.stats import Period, load_stats, parse_period, render_stats
from watcher.texts import counted, moment_text, tr
from watcher.workbook import ReportNotWritten, is_csv_target, report_stem, save_report

log = logging.getLogger("perezvon")

# The Calls.dbf fields Perezvon reads, and the catalog key of what each one is for.
# The language of what the CLI says before a config has told it the office's language
# (the arguments, Ctrl+C). Russian, the default of every surface: the config's own
# language is not known yet (watcher.config.problems_language says the same for a config
# that cannot be read). A .env that cannot be read is told in the language its config's
# `language` line names (watcher.config.file_language).
PRE_CONFIG_LANGUAGE = "ru"
QUIET_COMMANDS = frozenset({"demo", "stats", "report"})
# The fewest rows an import must read before most of them unreadable fails it.
IMPORT_JUDGED_ROWS = 20


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    said = _language_before_parsing(sys.argv[1:] if argv is None else argv)
    parser = _parser(said)
    with _argparse_speaking(said):
        args = parser.parse_args(argv)
    # The demo and the figures print what the user asked for; the service's info lines
    # (contacts loaded, …) would only be noise among them. Warnings still show, in the
    # language the config names (said), then in the one it was read with.
    logs.setup_console(verbose=args.verbose, quiet=args.command in QUIET_COMMANDS, language=said)
    try:
        # Absolute, so every message names the file whatever folder the service started in.
        config_path = _load_environment(args.env_file, args.config).absolute()
    except DotenvError as error:
        # The config that .env was to go with says the office's language, read or not.
        language = file_language(_config_path(args.config, {}).absolute())
        print(tr(language, error.key, path=error.path), file=sys.stderr)
        return 2
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        logs.protect(token)  # before anything can log or print it
    try:
        return int(args.handler(args, config_path))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except CommandError as error:
        print(error, file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        print(tr(said, "cli_stopped"), file=sys.stderr)
        return 130
    finally:
        logs.close_files()


class CommandError(Exception):
    """A command cannot go on; the message is for the person at the terminal, in the
    config's language, and says what to do."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _read_config(path: Path) -> Config:
    """The config, and from now on the log in its language (``language``)."""
    config = load_config(path)
    logs.use_language(config.language)
    return config


def _ledger(config: Config, path: Path | None = None, *, writable: bool = False) -> Ledger:
    """The ledger, or a :class:`CommandError` naming the file and the fix; ``writable``:
    one SQLite can only read (a file marked read-only) is such an error too."""
    try:
        return open_ledger(path or config.database_path, config, writable=writable)
    except LedgerError as error:
        raise _ledger_problem(config, error) from None


def _ledger_problem(config: Config, error: LedgerError) -> CommandError:
    return CommandError(
        tr(config.language, error.problem.value, path=error.path, error=error.detail)
    )


def _hold_lock(config: Config, wait: float = 0.0) -> LedgerLock:
    """The ledger's lock, taken; :class:`LedgerInUse` when another process has it."""
    try:
        return LedgerLock(config.database_path).acquire(wait)
    except OSError as error:  # the folder cannot be written: neither can the ledger
        problem = LedgerError(config.database_path, LedgerProblem.UNWRITABLE, str(error))
        raise _ledger_problem(config, problem) from None


def _load_environment(env_file: str | None, config: str | None) -> Path:
    """Read the ``.env`` files and return the config's path.

    ``--env-file FILE`` reads that file alone ("" none). By default the current folder's
    ``.env`` may name the config (PEREZVON_CONFIG); then the ``.env`` next to the config
    is read first and the current folder's second. Values already set win throughout.
    """
    if env_file is not None:
        if env_file:
            if not Path(env_file).is_file():
                raise DotenvError("cli_env_missing", Path(env_file))
            load_dotenv(env_file)
        return _config_path(config, {})
    here = Path(ENV_FILE)
    local = read_dotenv(here) if here.is_file() else {}
    config_path = _config_path(config, local)
    for path in dotenv_files(config_path):
        load_dotenv(path)
    return config_path


def _config_path(option: str | None, local_env: dict[str, str]) -> Path:
    named = option or os.environ.get("PEREZVON_CONFIG") or local_env.get("PEREZVON_CONFIG")
    return Path(named or "perezvon.toml")


def _version() -> str:
    try:
        return metadata.version("perezvon")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


# argparse's own messages (its gettext templates) and the catalog key of each: argparse
# writes its errors in English whatever the office's language, unless told otherwise.
ARGPARSE_TEXTS = {
    "%(prog)s: error: %(message)s\n": "cli_arg_error",
    "argument %(argument_name)s: %(message)s": "cli_arg_argument",
    "the following arguments are required: %s": "cli_arg_required",
    "unrecognized arguments: %s": "cli_arg_unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli_arg_choice",
    "invalid %(type)s value: %(value)r": "cli_arg_value",
    "expected one argument": "cli_arg_one",
    "expected at most one argument": "cli_arg_at_most_one",
    "expected at least one argument": "cli_arg_at_least_one",
    "ambiguous option: %(option)s could match %(matches)s": "cli_arg_ambiguous",
    "ignored explicit argument %r": "cli_arg_ignored",
}


def _language_before_parsing(argv: Sequence[str]) -> str:
    """The language of --help and of argparse's complaints: the one the config names (the
    -c/--config one, PEREZVON_CONFIG, else perezvon.toml here), read before the arguments
    are, so an English office's admin gets English help; Russian without a config. As
    :func:`_load_environment` finds it: PEREZVON_CONFIG may come from a ``.env`` file
    too (``--env-file``'s, else the current folder's)."""
    named: str | None = None
    env_file: str | None = None
    for at, word in enumerate(argv):
        if word in ("-c", "--config") and at + 1 < len(argv):
            named = argv[at + 1]
        elif word.startswith("--config="):
            named = word.split("=", 1)[1]
        elif word == "--env-file" and at + 1 < len(argv):
            env_file = argv[at + 1]
        elif word.startswith("--env-file="):
            env_file = word.split("=", 1)[1]
    named = named or os.environ.get("PEREZVON_CONFIG")
    dotenv = Path(ENV_FILE if env_file is None else env_file)
    if named is None and env_file != "" and dotenv.is_file():
        try:
            named = read_dotenv(dotenv).get("PEREZVON_CONFIG")
        except (OSError, DotenvError):  # said once the arguments are read
            named = None
    path = Path(named or "perezvon.toml")
    return _office_language(path)


def _office_language(path: Path) -> str:
    """The language the config at ``path`` says, read before (or without) parsing it;
    Russian with no config there."""
    return file_language(path) if path.is_file() else PRE_CONFIG_LANGUAGE


@contextlib.contextmanager
def _argparse_speaking(language: str) -> Iterator[None]:
    """argparse's messages in ``language`` while it parses: it looks its templates up
    through the module's ``_`` (gettext) at the moment it reports, so that is the hook."""

    def translated(message: str) -> str:
        key = ARGPARSE_TEXTS.get(message)
        return tr(language, key) if key else message

    english = argparse._  # type: ignore[attr-defined]
    argparse._ = translated  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = english  # type: ignore[attr-defined]


def _positive(
    language: str, kind: type[int] | type[float], *, zero: bool = False
) -> Callable[[str], float]:
    """An argparse type: a number above zero (``zero``: or zero), or the catalog's message
    saying so."""
    key = "cli_arg_not_negative" if zero else "cli_arg_positive"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < 0 or (value == 0 and not zero):
            raise argparse.ArgumentTypeError(tr(language, key, value=text))
        return value

    parse.__name__ = kind.__name__
    return parse


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help with its one fixed word, "usage:", in the help's language."""

    def __init__(self, prog: str, language: str) -> None:
        super().__init__(prog)
        self.language = language

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        if prefix is None:
            prefix = tr(self.language, "cli_help_usage") + " "
        super().add_usage(usage, actions, groups, prefix)


def _parser(language: str = PRE_CONFIG_LANGUAGE) -> argparse.ArgumentParser:
    """The command line, its help in ``language`` (see _language_before_parsing)."""

    def h(key: str) -> str:
        return tr(language, f"cli_help_{key}")

    def formatter(*, prog: str) -> argparse.HelpFormatter:
        return _HelpFormatter(prog, language)

    whole = _positive(language, int)
    number = _positive(language, float)
    span = _positive(language, float, zero=True)  # demo --seconds 0: until Ctrl+C

    def titled(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser._positionals.title = h("positionals")
        parser._optionals.title = h("options")
        parser.add_argument("-h", "--help", action="help", help=h("help"))
        return parser

    parser = titled(
        argparse.ArgumentParser(
            prog="perezvon",
            description=h("description"),
            formatter_class=formatter,
            add_help=False,
        )
    )
    parser.add_argument("-c", "--config", help=h("config"))
    parser.add_argument("--env-file", default=None, help=h("env_file"))
    parser.add_argument("-v", "--verbose", action="store_true", help=h("verbose"))
    parser.add_argument(
        "--version", action="version", version=f"perezvon {_version()}", help=h("version")
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar=h("command_metavar"), title=h("commands")
    )

    def command(name: str) -> argparse.ArgumentParser:
        return titled(
            commands.add_parser(name, help=h(name), formatter_class=formatter, add_help=False)
        )

    run = command("run")
    run.set_defaults(handler=cmd_run)

    check = command("check")
    check.add_argument("--rows", type=whole, default=5, help=h("check_rows"))
    check.add_argument("--send-test", action="store_true", help=h("check_send_test"))
    check.set_defaults(handler=cmd_check)

    chats = command("chats")
    chats.add_argument("--seconds", type=number, default=120.0, help=h("chats_seconds"))
    chats.set_defaults(handler=cmd_chats)

    imp = command("import")
    imp.add_argument("path", type=Path, help=h("import_path"))
    imp.set_defaults(handler=cmd_import)

    demo = command("demo")
    demo.add_argument("--seconds", type=span, default=90, help=h("demo_seconds"))
    demo.add_argument("--lang", choices=("ru", "en"), default=None, help=h("lang"))
    demo.add_argument("--seed", type=int, default=7, help=h("demo_seed"))
    demo.add_argument("--keep", action="store_true", help=h("demo_keep"))
    demo.add_argument("--rows", action="store_true", help=h("demo_rows"))
    demo.add_argument("--speed", type=number, default=1.0, help=h("demo_speed"))
    demo.set_defaults(handler=cmd_demo)

    stats = command("stats")
    # nargs="*": "прошлая неделя" / "last week" typed without quotes is one period.
    stats.add_argument("period", nargs="*", default=["today"], help=h("stats_period"))
    stats.add_argument("--department", default=None, help=h("department"))
    stats.add_argument("--lang", choices=("ru", "en"), default=None, help=h("lang"))
    stats.set_defaults(handler=cmd_stats)

    report = command("report")
    report.add_argument("period", nargs="*", default=["yesterday"], help=h("report_period"))
    report.add_argument("-o", "--output", type=Path, default=None, help=h("report_output"))
    report.add_argument("--department", default=None, help=h("department"))
    report.add_argument("--lang", choices=("ru", "en"), default=None, help=h("lang"))
    report.set_defaults(handler=cmd_report)
    return parser


# -- run --------------------------------------------------------------------------------


def _print_token_hints(config_path: Path, language: str, out: TextIO) -> None:
    for key, values in token_hints(config_path):
        out.write(tr(language, key, **values) + "\n")


def token_shape_problem(token: str) -> str | None:
    """The catalog key of what is wrong with a token's shape, before any network: a link
    pasted whole, "bot" kept from the URL, or something else than digits:letters."""
    if "/" in token or "telegram.org" in token.lower():
        return "token_shape_url"
    if token[:3].lower() == "bot" and token[3:4].isdigit():
        return "token_shape_bot"
    if not re.fullmatch(r"\d+:[\w-]+", token):
        return "token_shape"
    return None


def cmd_run(args: argparse.Namespace, config_path: Path) -> int:
    # The config first: with a wrong -c path in the service's command line, "no token"
    # would send the admin to fix a token that is fine.
    config = _read_config(config_path)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print(tr(config.language, "cli_no_token"), file=sys.stderr)
        _print_token_hints(config_path, config.language, sys.stderr)
        return 2
    shape = token_shape_problem(token)
    if shape is not None:
        print(tr(config.language, shape), file=sys.stderr)
        return 2
    from bot.app import TelegramCheckError, normalise_base_url
    from bot.app import run as run_bot

    base_url = os.environ.get("TELEGRAM_BASE_URL") or None
    try:
        normalise_base_url(base_url)
    except TelegramCheckError as error:  # a setup error: no outage to wait out
        print(error.told(config.language), file=sys.stderr)
        return 2
    # Before the log file and the lock are made: they are what says Perezvon ran here.
    gone_trace = earlier_use(config)
    logs.use_config(config.logging, verbose=args.verbose, language=config.language)

    try:
        lock = _hold_lock(config, RUN_WAIT_SECONDS)
    except LedgerInUse as busy:
        lock_text = tr(
            config.language, "cli_run_busy", database=config.database_path, lock=busy.lock
        )
        raise CommandError(lock_text) from None
    with lock:
        warn_if_gone(config, gone_trace)
        try:
            return run_bot(config, token, base_url)
        except LedgerError as error:
            log.error("%s", error)
            raise _ledger_problem(config, error) from None


# -- check ------------------------------------------------------------------------------


class _ErrorTally(io.StringIO):
    """``check``'s output, passed on as it is written, counting its ERROR lines for the
    verdict at the end (each stage says its own failures; none returns how many)."""

    def __init__(self, out: TextIO, language: str) -> None:
        super().__init__()
        self.out = out
        self.marker = tr(language, "cli_check_error", error="").strip().rstrip(":")
        self.failures = 0

    def write(self, text: str) -> int:
        lines = text.splitlines()
        self.failures += sum(1 for line in lines if line.lstrip().startswith(self.marker))
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def cmd_check(args: argparse.Namespace, config_path: Path) -> int:
    config = _read_config(config_path)
    t = config.language
    tally = _ErrorTally(sys.stdout, t)
    ok = _check_all(args, config, config_path, tally)
    # The first line says the config parsed, and the exit code is unseen on a Windows
    # console: the last line says whether `run` will work.
    if ok:
        tally.write(tr(t, "cli_check_verdict_ok") + "\n")
    else:
        tally.write(counted(t, "cli_check_verdict_failed", max(tally.failures, 1)) + "\n")
    return 0 if ok else 1


def _check_all(args: argparse.Namespace, config: Config, config_path: Path, out: TextIO) -> bool:
    t = config.language
    out.write(tr(t, "cli_check_config", path=config_path) + "\n")
    out.write(
        tr(t, "cli_check_language", language=config.language, timezone=config.timezone) + "\n"
    )
    for d in config.departments:
        where = _department_where(d, t)
        default = tr(t, "cli_check_default") if d.default else ""
        chat = d.chat if d.chat is not None else tr(t, "cli_check_no_chat")
        line = tr(t, "cli_check_department", name=d.name, default=default, where=where, chat=chat)
        out.write(line + "\n")
    # A department without a chat, or with the example's, posts nowhere: not a setup that
    # passes (`run` starts without them, to answer /start with the ids to write in).
    ok = True
    for d in config.departments:
        if d.chat is None:
            out.write(tr(t, "cli_check_department_no_chat", name=d.name) + "\n")
            ok = False
    check_setup.show_shared_ranges(config, out)
    ok = check_setup.show_placeholders(config, out) and ok
    check_setup.show_telegram(config, out)
    check_setup.show_hours(config, out)
    linked = _operator_links(config)
    check_setup.show_operators(config, out, linked)
    check_setup.show_contacts(config, out)
    ok = _check_dbf(config, out, args.rows) and ok
    ok = _check_ledger(config, out) and ok
    ok = _check_logging(config, out) and ok
    token_ok = _check_token(out, t, config_path)
    ok = token_ok and ok
    if args.send_test:
        token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        base_url = os.environ.get("TELEGRAM_BASE_URL") or None
        if token_ok:
            ok = check_setup.show_send_test(config, out, token, base_url) and ok
        else:  # the token check above said why
            out.write(tr(t, "cli_send_test_title") + "\n")
            out.write(tr(t, "cli_send_test_skipped") + "\n")
    return ok


def _operator_links(config: Config) -> int | None:
    """How many extensions /me linked, from the ledger if there is one."""
    if not config.database_path.exists():
        return None
    try:
        ledger = _ledger(config)
    except CommandError:  # the ledger's own section says what is wrong with it
        return None
    with ledger:
        return len(set(ledger.operator_links()) - {ext for ext, _ in config.operators})


def _department_where(department: Department, language: str) -> str:
    """The department's extensions as Perezvon reads them: ranges spelled out with their
    size, so ``201-2090`` (a typo) shows as 1890 extensions, not as a plausible range."""
    parts = []
    for pattern in department.extensions:
        span = pattern_range(pattern)
        if span is None:
            parts.append(pattern)
        else:
            low, high = pattern.split("-")
            count = span[1] - span[0] + 1
            parts.append(tr(language, "cli_check_range", low=low, high=high, count=count))
    parts.extend(f"CO {line}" for line in department.lines)
    return ", ".join(parts) or "—"


def _check_dbf(config: Config, out: TextIO, rows: int) -> bool:
    t = config.language
    path = config.source.path
    out.write(tr(t, "cli_check_dbf", path=path.absolute()) + "\n")
    try:
        layout = read_layout(path, config.source.encoding)
    except DbfError as error:
        out.write(tr(t, "cli_check_error", error=error.told(t)) + "\n")
        if error.key in ("dbf_not_found", "dbf_is_folder"):  # the message names no key
            out.write(tr(t, "cli_check_dbf_path_hint", config=config.config_path) + "\n")
        return False
    layout_line = tr(
        t,
        "cli_check_layout",
        version=layout.version,
        encoding=layout.encoding,
        source=tr(t, f"cli_check_encoding_{layout.encoding_source}"),
        driver=layout.language_driver,
    )
    out.write(layout_line + "\n")
    if layout.encoding_source == "default":
        guess = guess_cyrillic(character_values(layout))
        if guess is not None and guess != layout.encoding:
            out.write(tr(t, "cli_check_encoding_guess", encoding=guess) + "\n")
    records = tr(
        t,
        "cli_check_records",
        complete=layout.complete_count,
        header=layout.header_count,
        record_len=layout.record_len,
        header_len=layout.header_len,
    )
    out.write(records + "\n")
    if layout.header_count != layout.complete_count:
        out.write(tr(t, "cli_check_count_differs") + "\n")
    plan = fields.plan(layout.field_names(), config.source.fields)
    _show_fields(layout, plan, out, t)
    problem = fields.plan_problem(plan, layout.field_names(), t)
    if problem is not None:
        out.write(tr(t, "cli_check_error", error=problem) + "\n")
        return False
    readable = _show_reading(plan, config, out)
    if layout.complete_count == 0:  # no row to prove the reading on: unknown, not fine
        out.write(tr(t, "cli_check_error", error=tr(t, "cli_check_no_records")) + "\n")
        return False
    try:
        found = sample(layout, plan, max(rows, SAMPLE_ROWS))
    except DbfError as error:
        out.write(tr(t, "cli_check_error", error=error.told(t)) + "\n")
        return False
    _show_rows(layout, found, out, config, rows)
    judged = _judge_sample(found, out, t)
    modified = datetime.fromtimestamp(os.path.getmtime(layout.path), config.tz)
    _tell_clock(found, modified.replace(tzinfo=None), local_now(config), out, t)
    return judged and readable


def _show_fields(layout: DbfLayout, plan: fields.FieldPlan, out: TextIO, t: str) -> None:
    """Every field of the table, with what Perezvon reads from it."""
    out.write(tr(t, "cli_check_fields") + "\n")
    uses = {use.name: use for use in fields.USES}
    for f in layout.fields:
        gives = [name for name, source in plan.sources.items() if source == f.name]
        role = "; ".join(
            tr(t, uses[name].text_key) + ("" if name == f.name else f" (= {name})")
            for name in gives
            if name in uses
        )
        size = f"{f.length}.{f.decimals}" if f.decimals else str(f.length)
        out.write(f"    {f.name:<11} {f.type} {size:<5} {role}".rstrip() + "\n")


def _show_reading(plan: fields.FieldPlan, config: Config, out: TextIO) -> bool:
    """How rows become final and where the caller's number comes from; False when no
    field gives it, so no missed call could ever be posted."""
    t = config.language
    if plan.final_at_once:
        out.write(tr(t, "cli_check_no_calltype") + "\n")
    else:
        settle = config.source.settle_seconds
        field = plan.source_of(fields.CALLTYPE)
        out.write(tr(t, "cli_check_calltype", field=field, seconds=f"{settle:g}") + "\n")
    ringing = fields.rules_needing_ring(plan, config)
    if ringing:
        out.write(tr(t, "cli_check_no_ring", keys=", ".join(ringing)) + "\n")
    elif not plan.has(fields.RINGBEFORE):  # no rule needs it, but the figures do
        out.write(tr(t, "cli_check_ring_none") + "\n")
    caller = plan.caller_number
    if caller is None:
        out.write(tr(t, "cli_check_no_caller") + "\n")
        return False
    if ringing:
        return False
    if not plan.has(fields.CALLERID):
        out.write(tr(t, "cli_check_caller_from_number", field=caller) + "\n")
    else:
        out.write(tr(t, "cli_check_caller", field=caller) + "\n")
    return True


def _show_rows(layout: DbfLayout, found: Sample, out: TextIO, config: Config, rows: int) -> None:
    """The last ``rows`` rows: how each reads, where a call would go, and every field."""
    t = config.language
    start = max(0, layout.complete_count - rows)
    if layout.complete_count:
        out.write(tr(t, "cli_check_last_rows", count=layout.complete_count - start) + "\n")
    for index in range(start, layout.complete_count):
        raw = read_one(layout, index)
        if raw is None:
            continue
        flag = tr(t, "cli_check_deleted") if raw[:1] == b"*" else ""
        call = found.calls.get(index)
        if call is not None:
            summary = tr(
                t,
                "cli_check_row",
                started=call.started_at,
                direction=tr(t, f"cli_check_direction_{call.direction}"),
                extension=call.extension,
                remote=call.remote or "-",
                duration=call.duration,
                calltype=call.calltype or "?",
            ) + check_setup.row_department(config, call)
        elif index in found.errors:
            summary = tr(t, "cli_check_not_a_call", error=found.errors[index])
        else:
            summary = ""
        out.write(f"    #{index + 1} {flag}{summary}\n")
        values = decode_all_fields(layout, raw)
        out.write(f"       {_field_values(values)}\n")


def _field_values(values: Mapping[str, object]) -> str:
    """A row's fields as an admin reads them beside the table in a DBF viewer:
    ``DATE=2026-12-02 ITIME=1101 CALLERID=89161234567``; empty ones left out."""
    shown = []
    for name, value in values.items():
        if value in (None, "", 0):
            continue
        text = value.isoformat() if isinstance(value, date) else str(value)
        shown.append(f"{name}={text}")
    return " ".join(shown)


def _judge_sample(found: Sample, out: TextIO, t: str) -> bool:
    """False, with a hint, when recent rows cannot be read as calls or read wrong."""
    if found.hhmmss:
        out.write(tr(t, "cli_check_hint_hhmmss", example=_hhmmss(found.hhmmss[0])) + "\n")
    if found.slashed_dates:
        out.write(tr(t, "cli_check_hint_slashed", example=found.slashed_dates[0]) + "\n")
    incoming = found.incoming
    numberless = bool(incoming) and not any(call.remote for call in incoming)
    if numberless:
        out.write(tr(t, "cli_check_incoming_no_number", count=len(incoming)) + "\n")
    if found.mostly_not_calls:
        bad = tr(t, "cli_check_mostly_not_calls", bad=len(found.errors), checked=found.checked)
        out.write(bad + "\n")
        if not found.misread:
            out.write(tr(t, "cli_check_hint_not_calls") + "\n")
    return not (found.mostly_not_calls or found.misread or numberless)


# The PBX's clock this far ahead of the server's is told (a call "in the future").
CLOCK_AHEAD = timedelta(hours=1)


def _tell_clock(found: Sample, modified: datetime, now: datetime, out: TextIO, t: str) -> None:
    """A warning when the newest rows are older than the watcher's window though the file
    changed recently: the PBX's clock is behind, and its missed calls would be taken for
    history and never posted. (A warning, not a failure: a copy of the table made today
    looks the same.) A clock ahead is told too."""
    newest = max((call.started_at for call in found.calls.values()), default=None)
    if newest is None:
        return
    if newest - now > CLOCK_AHEAD:
        hours = round((newest - now).total_seconds() / 3600)
        ahead = tr(t, "cli_check_clock_ahead", newest=moment_text(newest, t), hours=hours)
        out.write(ahead + "\n")
        return
    if now - newest > RECENT_WINDOW and now - modified < RECENT_WINDOW:
        behind = tr(
            t,
            "cli_check_clock_behind",
            newest=moment_text(newest, t),
            modified=moment_text(modified, t),
            days=RECENT_WINDOW.days,
        )
        out.write(behind + "\n")


def _hhmmss(value: int) -> str:
    return f"{value} = {value // 10000:02d}:{value // 100 % 100:02d}:{value % 100:02d}"


def _cannot_write_in(folder: Path) -> tuple[Path, str] | None:
    """Why no file can be made in ``folder`` (or the nearest folder of it that exists:
    the service creates the rest), with that folder; None when one can."""
    existing = next((f for f in (folder, *folder.parents) if f.exists()), folder)
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        return existing, error.strerror or str(error)
    return None


def _folder_writable(folder: Path, out: TextIO, t: str) -> bool:
    """Whether the first run can create the ledger in ``folder``; False, with the fix."""
    problem = _cannot_write_in(folder)
    if problem is not None:
        existing, reason = problem
        out.write(tr(t, "cli_check_ledger_folder", folder=existing, reason=reason) + "\n")
        return False
    return True


def _check_logging(config: Config, out: TextIO) -> bool:
    """Whether the service can write its log file; False, with the fix, if not: `run`
    would log to a console nobody reads, a service's."""
    t = config.language
    path = config.logging.file
    if path is None:
        out.write(tr(t, "cli_check_log_console") + "\n")
        return True
    out.write(tr(t, "cli_check_log", path=path) + "\n")
    reason: str | None = None
    if path.is_dir():
        reason = tr(t, "cli_check_log_folder")
    elif path.exists():
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as error:
            reason = error.strerror or str(error)
    else:
        problem = _cannot_write_in(path.parent)
        reason = problem[1] if problem is not None else None
    if reason is not None:
        out.write(tr(t, "cli_check_log_unwritable", path=path, reason=reason) + "\n")
        return False
    return True


def _check_ledger(config: Config, out: TextIO) -> bool:
    """The ledger's counts and cursor; False (with the fix) when it cannot be opened."""
    t = config.language
    path = config.database_path
    out.write(tr(t, "cli_check_ledger", path=path) + "\n")
    if not path.exists():
        trace = earlier_use(config)
        if trace is None:
            out.write(tr(t, "cli_check_ledger_missing") + "\n")
        else:
            out.write(tr(t, "cli_check_ledger_gone", path=path, trace=trace) + "\n")
        return _folder_writable(path.parent, out, t)
    if in_use(path):
        out.write(tr(t, "cli_check_running", lock=lock_path(path)) + "\n")
    try:
        ledger = _ledger(config, writable=True)  # `run` writes every pass
    except CommandError as error:
        out.write(f"  {error}\n")
        return False
    with ledger:
        state = find_cursor(ledger, config.source.path)
        counts = tr(
            t,
            "cli_check_ledger_counts",
            calls=ledger.call_count(),
            open=len(ledger.open_cases(include_silent=False)),
            pending=ledger.outbox_pending_count(),
        )
        out.write(counts + "\n")
        check_setup.show_waits(config, ledger, out)
        if state is not None:
            cursor = tr(
                t, "cli_check_cursor", record=state.next_index + 1, pending=len(state.pending)
            )
            out.write(cursor + "\n")
        _check_health(config, ledger, out)
    return True


def _check_health(config: Config, ledger: Ledger, out: TextIO) -> None:
    """The last missed call, and the service's warning when none came for office days."""
    t = config.language
    dates = health.CallDates(*ledger.call_dates())
    if dates.first_call is None:
        return
    last = dates.last_missed
    when = last.strftime("%Y-%m-%d %H:%M") if last else tr(t, "cli_check_never")
    out.write(tr(t, "cli_check_last_missed", when=when) + "\n")
    verdict = health.judge(dates, local_now(config), config.hours)
    if verdict.quiet and verdict.since is not None:
        key = "cli_check_quiet_no_calls" if verdict.no_calls else "cli_check_quiet"
        since = verdict.since.strftime("%Y-%m-%d")
        out.write(tr(t, key, days=verdict.days, since=since) + "\n")


def _check_token(out: TextIO, language: str, config_path: Path) -> bool:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    out.write(tr(language, "cli_check_telegram") + "\n")
    if not token:
        # A failure, not a note: `run` refuses to start without it (a .env saved as
        # .env.txt, or in another folder, is the usual cause; the hints name it).
        out.write(tr(language, "cli_check_no_token") + "\n")
        _print_token_hints(config_path, language, out)
        return False
    shape = token_shape_problem(token)
    if shape is not None:
        out.write(tr(language, "cli_check_error", error=tr(language, shape)) + "\n")
        return False
    from bot.app import TelegramCheckError, check_token

    base_url = os.environ.get("TELEGRAM_BASE_URL") or None
    try:
        username = check_token(token, base_url)
    except TelegramCheckError as error:
        out.write(tr(language, "cli_check_error", error=error.told(language)) + "\n")
        return False
    except Exception as error:  # a bug of ours or PTB's: said as it is, never the token
        out.write(tr(language, "cli_check_error", error=logs.redact(error)) + "\n")
        return False
    out.write(tr(language, "cli_check_token_ok", username=username) + "\n")
    return True


# -- chats ------------------------------------------------------------------------------


def cmd_chats(args: argparse.Namespace, config_path: Path) -> int:
    """Listen for the chats that write to the bot; works before the config is finished."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print(tr(file_language(config_path), "cli_no_token"), file=sys.stderr)
        return 2
    try:
        config: Config | None = _read_config(config_path)
    except ConfigError:  # the ids this finds are what the config still lacks
        config = None
    # An unfinished config has still said which language the office reads.
    language = config.language if config is not None else file_language(config_path)
    if config is not None and in_use(config.database_path):
        lock = lock_path(config.database_path)
        raise CommandError(tr(language, "cli_chats_busy", lock=lock))
    from bot.app import TelegramCheckError
    from bot.chats import ChatsConflict, listen

    base_url = os.environ.get("TELEGRAM_BASE_URL") or None
    try:
        seen = asyncio.run(
            listen(token, base_url, sys.stdout, language, seconds=max(args.seconds, 1.0))
        )
    except TelegramCheckError as error:
        print(tr(language, "cli_error", error=error.told(language)), file=sys.stderr)
        return 2
    except ChatsConflict:
        print(tr(language, "cli_chats_conflict"), file=sys.stderr)
        return 2
    return 0 if seen else 1


# -- import -----------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, config_path: Path) -> int:
    config = _read_config(config_path)
    logs.use_config(config.logging, verbose=args.verbose, language=config.language)
    path = Path(os.path.abspath(args.path))  # as every message names it: absolute, no ".."
    live = same_source(path, config.source.path)
    alone = True  # no `run` beside it: nobody else's writes wait on the import's
    try:
        lock = _hold_lock(config)
    except LedgerInUse as busy:
        if live:  # `run` reads this very file: both would move one cursor over its rows
            text = tr(config.language, "cli_import_busy", path=path, lock=busy.lock)
            raise CommandError(text, code=1) from None
        lock = LedgerLock(config.database_path)  # an archived copy, next to a running `run`
        alone = False
    config = replace(config, source=replace(config.source, path=path))
    bar = ProgressBar(sys.stderr, language=config.language)
    with lock, _ledger(config, writable=True) as ledger:
        try:
            # Where an earlier import (or `run`) stopped in this file: its records are
            # not read again, and the summary says so rather than a bare "read: 0".
            before = find_cursor(ledger, path)
            if before is not None and before.backfill_end is not None:
                before = None  # `run` stopped with history behind its tail: read now
            ingestor = Ingestor(config, ledger, alone=alone)
            result = ingestor.scan(history=True, progress=bar.update)
        except DbfError as error:
            bar.finish()
            print(
                tr(config.language, "cli_error", error=error.told(config.language)), file=sys.stderr
            )
            return 1
        except sqlite3.Error as error:  # a full disk, a folder that turned read-only
            bar.finish()
            raise _ledger_problem(config, explain(config.database_path, error)) from None
        bar.finish()
    loaded_before = before.next_index if before is not None and not result.rebaselined else 0
    print(_import_summary(result, config, loaded_before))
    if result.bad_rows * 2 > result.records_read >= IMPORT_JUDGED_ROWS:
        # As check judges a sample: more than half not calls is a table read wrong. A pass
        # over a few new rows (an import resumed) says nothing of the table.
        text = counted(config.language, "cli_import_mostly_bad", result.bad_rows)
        print(text, file=sys.stderr)
        return 1
    return 0


def _import_summary(result: ScanResult, config: Config, loaded_before: int = 0) -> str:
    """``loaded_before``: the records of the file read by an earlier pass, not again."""
    t = config.language
    lines = [
        tr(t, "cli_import_done", source=config.source.path, database=config.database_path),
        tr(
            t,
            "cli_import_records",
            read=result.records_read,
            new=result.new_calls,
            bad=result.bad_rows,
            pending=result.pending,
        ),
        tr(
            t,
            "cli_import_cases",
            opened=result.cases.opened,
            merged=result.cases.merged,
            closed=result.cases.closed,
        ),
    ]
    if loaded_before:
        key = (
            "cli_import_loaded_before_all"
            if not result.records_read
            else "cli_import_loaded_before"
        )
        lines.insert(1, tr(t, key, count=loaded_before))
    if result.no_caller_number:
        lines.append(tr(t, "cli_import_no_caller"))
    if result.cut_bytes:  # an archive copied short: its last record will never be whole
        lines.append(tr(t, "cli_import_cut", got=result.cut_bytes, length=result.record_length))
    return "\n".join(lines)


class ProgressBar:
    """A one-line progress bar on a terminal; occasional lines when redirected."""

    def __init__(self, out: TextIO, *, language: str, width: int = 30) -> None:
        self.out = out
        self.language = language
        self.width = width
        self.tty = out.isatty()
        self.started = time.monotonic()
        self._last_shown = -1.0

    def update(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        now = time.monotonic()
        if self.tty:
            if now - self._last_shown < 0.1 and done < total:
                return
            filled = int(self.width * fraction)
            rate = done / max(now - self.started, 1e-6)
            counts = tr(self.language, "cli_progress", done=done, total=total, rate=rate)
            self.out.write(
                f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction:6.1%} {counts}"
            )
        elif int(fraction * 10) > int(self._last_shown * 10) or done == total:
            line = tr(self.language, "cli_progress_line", fraction=fraction, done=done, total=total)
            self.out.write(line + "\n")
        else:
            return
        self._last_shown = now if self.tty else fraction
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("\n")
            self.out.flush()


# -- stats ------------------------------------------------------------------------------


def _figures_scope(args: argparse.Namespace, config_path: Path) -> tuple[Config, str, Period] | int:
    """What `stats` and `report` start from: the config, the language asked for and the
    period; or, once said why not, the exit code."""
    config = _read_config(config_path)
    language = args.lang or config.language
    words = " ".join(args.period)
    try:
        period = parse_period(words, local_now(config).date())
    except ValueError:
        print(tr(language, "cli_bad_period", period=words), file=sys.stderr)
        return 2
    if not _department_known(config, args.department, language):
        return 2
    if not config.database_path.exists():
        print(tr(language, "cli_no_ledger", path=config.database_path), file=sys.stderr)
        return 1
    return config, language, period


def cmd_stats(args: argparse.Namespace, config_path: Path) -> int:
    scope = _figures_scope(args, config_path)
    if isinstance(scope, int):
        return scope
    config, language, period = scope
    with _ledger(config) as ledger:
        stats = load_stats(ledger, period, config, department=args.department)
        print(render_stats(stats, period, language))
    return 0


def _department_known(config: Config, name: str | None, language: str) -> bool:
    """No department asked for, or one the config has; else says which there are."""
    if name is None or config.department_named(name) is not None:
        return True
    names = ", ".join(d.name for d in config.departments)
    print(tr(language, "cli_no_department", name=name, names=names), file=sys.stderr)
    return False


# -- report -----------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace, config_path: Path) -> int:
    scope = _figures_scope(args, config_path)
    if isinstance(scope, int):
        return scope
    config, language, period = scope
    target: Path = args.output or Path(f"{report_stem(period)}.xlsx")
    if target.suffix.lower() not in (".xlsx", ".csv") and not is_csv_target(target):
        print(tr(language, "cli_report_bad_target", path=target), file=sys.stderr)
        return 2
    # A workbook goes into a folder that must be there (CSV files make theirs): said
    # before the report is built, and not as "close it in Excel".
    if not is_csv_target(target) and not target.parent.is_dir():
        print(_report_no_folder(target, language), file=sys.stderr)
        return 1
    with _ledger(config) as ledger:  # brings an older ledger's schema up to date
        try:
            written = save_report(
                ledger.conn, config, period, target, department=args.department, language=language
            )
        except ReportNotWritten as error:
            if not error.path.parent.is_dir():
                print(_report_no_folder(error.path, language), file=sys.stderr)
            else:
                print(
                    tr(language, "cli_report_not_written", path=error.path, reason=error.reason),
                    file=sys.stderr,
                )
            return 1
    for path in written:
        print(tr(language, "cli_report_written", path=path))
    return 0


def _report_no_folder(path: Path, language: str) -> str:
    return tr(language, "cli_report_no_folder", path=path, folder=path.parent.absolute())


# -- demo -------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace, config_path: Path) -> int:
    from bot.demo import run_demo

    # Without --lang, the language of the office's config if there is one (as --help).
    language = args.lang or _office_language(config_path)
    logs.use_language(language)  # the demo's config is made in the language it shows
    folder = Path(tempfile.mkdtemp(prefix="perezvon-demo-"))
    try:
        return run_demo(
            folder,
            seconds=args.seconds,
            language=language,
            seed=args.seed,
            show_rows=args.rows,
            out=sys.stdout,
            speed=max(args.speed, 0.1),
        )
    finally:
        if args.keep:
            print(tr(language, "cli_demo_kept", folder=folder))
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
