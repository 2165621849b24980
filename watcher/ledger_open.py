"""Opening the ledger with a message a person can act on, not an sqlite3 traceback.

A ledger that is damaged (a disk that filled, a copy cut short, some other file under the
name), in a folder the service's account may not write to, or locked by another program
fails in :class:`~watcher.ledger.Ledger`'s constructor with SQLite's own words. Those are
turned into :class:`LedgerError`, which names the file and what to do.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from enum import StrEnum
from pathlib import Path

from watcher.config import Config
from watcher.instance import lock_path
from watcher.ledger import BUSY_TIMEOUT_MS, Ledger
from watcher.reasons import fill_pending
from watcher.texts import LogText

log = logging.getLogger(__name__)


class LedgerProblem(StrEnum):
    """What is wrong; the value is the catalog key of the message (watcher/texts.py)."""

    DAMAGED = "cli_ledger_damaged"
    UNWRITABLE = "cli_ledger_unwritable"
    LOCKED = "cli_ledger_locked"
    FULL = "cli_ledger_full"
    FOLDER = "cli_ledger_is_folder"


class LedgerError(Exception):
    """The ledger cannot be used; ``problem`` says why, ``detail`` is SQLite's text.

    ``str()`` is the log's line in English and :meth:`told` in the log's language (the
    log's formatter asks); the CLI says the catalog's ``problem`` text instead."""

    def __init__(self, path: Path, problem: LedgerProblem, detail: str) -> None:
        self.path = path.absolute()
        self.problem = problem
        self.detail = detail
        self.text = LogText(_LOGGED[problem], self.path, detail)
        super().__init__(self.text)

    def told(self, language: str) -> str:
        return self.text.told(language)


# The log's line of each problem (%-templates of watcher.texts.LOG_RU: path, detail).
_LOGGED = {
    LedgerProblem.DAMAGED: "%s: not a readable SQLite ledger; restore it from a backup or move"
    " it away and import the Calls.dbf history again (%s)",
    LedgerProblem.UNWRITABLE: "%s: the ledger cannot be opened for writing; the account"
    " Perezvon runs as must be allowed to write to its folder, and the file must not be"
    " marked Read-only (%s)",
    LedgerProblem.LOCKED: "%s: the ledger is locked by another program; close it and try"
    " again (%s)",
    LedgerProblem.FULL: "%s: the disk of the ledger is full; free space on it, the ledger"
    " itself is fine (%s)",
    LedgerProblem.FOLDER: "%s: this is a folder; database.path must name the ledger's file"
    " itself, e.g. %s",
}


def classify(error: BaseException) -> LedgerProblem:
    """Which of the problems an sqlite3 or OS error is."""
    text = str(error).lower()
    if isinstance(error, sqlite3.OperationalError) and "locked" in text:
        return LedgerProblem.LOCKED
    # SQLITE_FULL, or the OS's "No space left on device" (ENOSPC): the ledger is fine.
    if "disk is full" in text or getattr(error, "errno", None) == errno.ENOSPC:
        return LedgerProblem.FULL
    if isinstance(error, OSError) or "readonly" in text or "unable to open" in text:
        return LedgerProblem.UNWRITABLE
    if "disk i/o" in text or "permission" in text or "access" in text:
        return LedgerProblem.UNWRITABLE
    return LedgerProblem.DAMAGED


def explain(path: Path, error: BaseException) -> LedgerError:
    return LedgerError(path, classify(error), str(error) or type(error).__name__)


def open_ledger(path: Path, config: Config | None = None, *, writable: bool = False) -> Ledger:
    """:class:`Ledger` at ``path``, or :class:`LedgerError` saying what is wrong.

    With ``config``, calls stored before miss reasons existed get theirs (once).
    ``writable``: one that SQLite could only open read-only (a file marked read-only) is
    refused now, not at the first call it cannot store."""
    if path.is_dir():  # SQLite says "unable to open", which reads as a rights problem
        raise LedgerError(path, LedgerProblem.FOLDER, str(path.absolute() / "perezvon.db"))
    try:
        ledger = Ledger(path)
    except (sqlite3.Error, OSError) as error:
        raise explain(path, error) from None
    if writable:
        try:
            _probe_writing(ledger)
        except (sqlite3.Error, OSError) as error:
            ledger.close()
            raise explain(path, error) from None
    if config is not None:
        try:
            fill_pending(ledger, config)
        except (sqlite3.Error, OSError) as error:
            ledger.close()
            raise explain(path, error) from None
    return ledger


def _probe_writing(ledger: Ledger) -> None:
    """A write that changes nothing, rolled back: SQLite refuses it at once on a ledger it
    opened read-only (a file marked read-only, whose folder may be written). It waits for
    nobody: a writer holding the ledger (an import, `run`) means it can be written."""
    conn = ledger.conn
    if conn.in_transaction:
        return
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN")
        conn.execute("DELETE FROM meta WHERE 0")
    except sqlite3.OperationalError as error:
        if classify(error) is not LedgerProblem.LOCKED and "busy" not in str(error).lower():
            raise
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


# The log's line of `run` starting a new ledger where one was (path, the trace).
GONE_LOGGED = (
    "%s: the ledger is not there, but Perezvon has worked here before (%s): if it was"
    " moved or deleted, a new, empty one is started and the calls, cases and callbacks"
    " of the old one are not in it. Stop the service and put the old file back, or"
    " import the archived Calls.dbf copies again with `perezvon import` (the current"
    " Calls.dbf is read again by itself)"
)


def earlier_use(config: Config) -> Path | None:
    """A file Perezvon leaves where it has worked (the ledger's lock file, its log with
    lines in it), when the ledger itself is not there: it was moved or deleted, and a
    new one would start empty. None when the ledger is there, or on a first install."""
    path = config.database_path
    if path.exists():
        return None
    traces = [lock_path(path)]
    if config.logging.file is not None:
        traces.append(config.logging.file)
    for trace in traces:
        try:
            if trace.is_file() and (trace.stat().st_size > 0 or trace == traces[0]):
                return trace.absolute()
        except OSError:
            continue
    return None


def warn_if_gone(config: Config, trace: Path | None) -> None:
    """Log that a new ledger starts where one was (``trace``: :func:`earlier_use`'s,
    taken before the log and the lock were made), unless the ledger is there by now."""
    if trace is not None and not config.database_path.exists():
        log.warning(GONE_LOGGED, config.database_path.absolute(), trace)
