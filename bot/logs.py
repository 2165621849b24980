"""Where the service's log goes, and the one thing that never goes anywhere: the bot token.

The token is in every Bot API URL, so python-telegram-bot's debug lines, httpx's request
lines, an :class:`~telegram.error.InvalidToken` message and any traceback through the HTTP
stack carry it. Rather than hunt each one, every log record is passed through
:class:`RedactingFilter` when it is made (a record factory, so handlers added later, a
test's or a service manager's, see the masked text too), and uncaught exceptions are
printed through the same mask. A token is shown at most as ``123456:…xyz``: the bot's id
is public, the rest is the secret.

The log is in the office's language (``language`` in the config): :class:`SpeakingFormatter`
says each record from the catalog of the log's texts (watcher.texts.LOG_RU) on the
console and in the file, while the record itself stays English for every other handler (a
test's caplog, a service manager's). Debug lines stay English: they are for support.
"""

from __future__ import annotations

import copy
import logging
import logging.handlers
import re
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from watcher.config import LoggingConfig
from watcher.texts import DEFAULT_LANGUAGE, log_said
from watcher.tokens import mask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}
# The part of a token that is secret is long; a shorter "secret" would mask ordinary words.
_MIN_SECRET = 8

log = logging.getLogger(__name__)


class Redactor:
    """Replaces every known token (and its secret half alone) with :func:`mask`."""

    def __init__(self) -> None:
        self._masks: dict[str, str] = {}

    def add(self, token: str) -> None:
        token = token.strip()
        if len(token) < _MIN_SECRET or token in self._masks:
            return
        shown = mask(token)
        self._masks[token] = shown
        secret = token.partition(":")[2]
        if len(secret) >= _MIN_SECRET:
            self._masks.setdefault(secret, shown)

    def __bool__(self) -> bool:
        return bool(self._masks)

    def redact(self, text: str) -> str:
        # Whole tokens first, so a token is masked once, not as id + masked half.
        for secret in sorted(self._masks, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, self._masks[secret])
        return text


REDACTOR = Redactor()


def redact(text: object) -> str:
    """``str(text)`` with every protected token masked: for messages shown to people."""
    return REDACTOR.redact(str(text))


class RedactingFilter(logging.Filter):
    """Masks tokens in a record's message, exception text and stack, in place."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.redactor:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it as usual
            message = None
        if message is not None:
            masked = self.redactor.redact(message)
            if masked != message:
                record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            text = self._formatter.formatException(record.exc_info)
            masked = self.redactor.redact(text)
            if masked != text:
                record.exc_text = masked  # formatters print exc_text when it is set
        elif record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


FILTER = RedactingFilter()
_installed = False


def protect(token: str) -> None:
    """From now on ``token`` is masked in every log record and printed traceback."""
    global _installed
    REDACTOR.add(token)
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        FILTER.filter(record)
        return record

    logging.setLogRecordFactory(masked_record)
    # Only Python's own printers are replaced: a hook someone installed (a test runner,
    # a crash reporter) stays theirs.
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _masked_excepthook(sys.excepthook)
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = _masked_thread_excepthook


def _masked_excepthook(
    previous: Callable[[type[BaseException], BaseException, TracebackType | None], Any],
) -> Callable[[type[BaseException], BaseException, TracebackType | None], None]:
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if not REDACTOR:
            previous(kind, error, tb)
            return
        text = "".join(traceback.format_exception(kind, error, tb))
        sys.stderr.write(redact(text))

    return hook


def _masked_thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n{redact(text)}")


class _WatchdogStopRace(logging.Filter):
    """watchdog logs an ERROR when its inotify emitter reads once more after being
    stopped ("queue_events() called when the thread is inactive"): its own shutdown
    race, harmless, and an ERROR line at every stop would send an admin looking for a
    problem that is not there. Every other line of watchdog's passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in str(record.msg)


WATCHDOG_STOP_RACE = _WatchdogStopRace()


class _UnreadableAnswers(logging.Filter):
    """python-telegram-bot logs an ERROR with a traceback for every answer that is not
    JSON, before it raises: an nginx "502 Bad Gateway" page in front of Telegram gave 78
    tracebacks in a 3-minute outage. What it raises is handled and told once per outage
    (bot.outbox), so its own line is kept for ``-v`` only: demoted to DEBUG, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Can not load invalid JSON data"):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.exc_info, record.exc_text = None, None
        return logging.getLogger().isEnabledFor(logging.DEBUG)


UNREADABLE_ANSWERS = _UnreadableAnswers()
_PARSING = re.compile(r"\. Parsing the server response b?(['\"]).*?\1 failed", re.DOTALL)


def network_error_text(error: BaseException) -> str:
    """A Telegram error as one short log line: PTB quotes a proxy's whole HTML error page
    ("Bad Gateway (502). Parsing the server response b'<html>…' failed")."""
    return _PARSING.sub(" (not Telegram's answer: an HTML page)", redact(error))


class SpeakingFormatter(logging.Formatter):
    """:data:`FORMAT` with the message in ``language``: a record whose template (or a
    :class:`~watcher.texts.Told` argument) has a translation is formatted as a copy
    saying it, so the record other handlers see is untouched. Debug lines stay English."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        super().__init__(FORMAT, DATE_FORMAT)
        self.language = language

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno > logging.DEBUG:
            try:
                said = log_said(self.language, record.msg, record.args)
            except (TypeError, ValueError):  # a bad record: said as logging says it
                said = None
            if said is not None:
                record = copy.copy(record)
                record.msg, record.args = REDACTOR.redact(said), None
        return super().format(record)


def use_language(language: str) -> None:
    """From now on the console and the log file speak ``language`` (the config's)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler.formatter, SpeakingFormatter):
            handler.formatter.language = language


# PTB's request logger (telegram/_utils/logging.get_logger of telegram.request's base).
PTB_REQUEST_LOGGER = "telegram.request.BaseRequest"


def setup_console(
    *, verbose: bool, quiet: bool, language: str = DEFAULT_LANGUAGE, stream: TextIO | None = None
) -> None:
    """Console logging before the config is read: debug with ``-v``, warnings in the demo;
    in ``language`` until :func:`use_config` or :func:`use_language` says the config's.
    ``stream``: where the console is (stderr by default)."""
    level = logging.DEBUG if verbose else (logging.WARNING if quiet else logging.INFO)
    root = logging.getLogger()
    before = list(root.handlers)
    logging.basicConfig(level=level, format=FORMAT, datefmt=DATE_FORMAT, stream=stream)
    for handler in root.handlers:
        handler.addFilter(FILTER)
        if handler not in before:  # the console's; a test's or a manager's keep theirs
            handler.setFormatter(SpeakingFormatter(language))
    # httpx logs every Telegram request at INFO; keep the service log readable.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    quiet_libraries()


def quiet_libraries() -> None:
    """The libraries' lines that are noise, not news (see the filters); idempotent."""
    for name, noise in (
        ("watchdog.observers.inotify", WATCHDOG_STOP_RACE),
        (PTB_REQUEST_LOGGER, UNREADABLE_ANSWERS),
    ):
        logger = logging.getLogger(name)
        if noise not in logger.filters:
            logger.addFilter(noise)


_FILE_HANDLERS: list[logging.Handler] = []


class LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file; a line it cannot write is told once, not as a traceback.

    Python's logging prints "--- Logging error ---" and a traceback on the console for
    each record a handler fails to write: a full disk (or, on Windows, a rotation another
    process's open handle refuses) made that a dozen lines per line of the service, for
    as long as it lasted, without naming the file. Here the first failure is one warning
    (the console has it), and the first line written after it says how many were lost.
    """

    def __init__(self, filename: Path, *, max_bytes: int, backups: int) -> None:
        super().__init__(filename, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self.lost = 0  # records not written since the last one that was
        self._error: BaseException | None = None
        self._telling = False

    def handleError(self, record: logging.LogRecord) -> None:
        self._error = sys.exc_info()[1]

    def emit(self, record: logging.LogRecord) -> None:
        self._error = None
        super().emit(record)
        error, self._error = self._error, None
        if error is not None:
            self.lost += 1
        if self._telling:  # the note itself, through the root logger: this file too
            return
        self._telling = True
        try:  # through the root logger, so the console says it (and this file, if it can)
            if error is not None and self.lost == 1:
                log.warning(
                    "cannot write the log file %s (%s): free space on its disk (or let the"
                    " account Perezvon runs as write there); until then the log is on the"
                    " console only",
                    self.baseFilename,
                    error,
                )
            elif error is None and self.lost:
                lost, self.lost = self.lost, 0
                log.info(
                    "the log file %s is written again (%d lines could not be written to it)",
                    self.baseFilename,
                    lost,
                )
        finally:
            self._telling = False


def use_config(
    config: LoggingConfig, *, verbose: bool, language: str = DEFAULT_LANGUAGE
) -> Path | None:
    """[logging]: the level, and a rotating file next to the config; the file's path.
    The console and the file speak ``language`` (the config's) from now on.

    A file that cannot be opened is a warning, not a service that does not start.
    """
    use_language(language)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else LEVELS[config.level])
    if config.file is None:
        return None
    path = config.file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = LogFile(path, max_bytes=int(config.max_mb * 1024 * 1024), backups=config.backups)
    except OSError as error:
        log.warning("cannot write the log file %s (%s); logging to the console only", path, error)
        return None
    handler.setFormatter(SpeakingFormatter(language))
    handler.addFilter(FILTER)
    root.addHandler(handler)
    _FILE_HANDLERS.append(handler)
    return path


def close_files() -> None:
    """Detach and close the log files :func:`use_config` opened (the command is over)."""
    root = logging.getLogger()
    while _FILE_HANDLERS:
        handler = _FILE_HANDLERS.pop()
        root.removeHandler(handler)
        handler.close()
