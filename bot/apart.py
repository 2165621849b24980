"""Long blocking work (the workbook) in a process of its own, off the bot's GIL.

A worker thread would do, but for the GIL: the workbook reads tens of thousands of rows
from SQLite, and the sqlite3 module lets go of the GIL around every row's step and takes
it back at once. Each such hand-back counts as a switch, so the event loop, waiting for
the GIL, sees "someone else had it" interval after interval and goes on waiting
(CPython's convoy effect): a month's workbook on a 1M-call ledger stalled the bot for
105-284 ms in a thread, while a process leaves it its GIL and runs on another core.

The process is started the way Windows starts them (spawn) everywhere, so what is tested
here is what runs next to WinTariff. Should it not start (a policy that forbids it, no
memory), the work runs in a thread after one warning: slower for the bot, not lost. Once
the work has begun it is never run twice: a process that dies under it is an error.
A cancelled wait (the bot stopping) ends the process too.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_SPAWN = multiprocessing.get_context("spawn")
# How long a new process may take to be ready for the work (Python started, the work's
# modules imported): beyond it, something holds it up (a scanner, a full disk), and the
# work is done in a thread instead.
READY_TIMEOUT = 60.0
_READY, _DONE, _FAILED = "ready", "done", "failed"


class ApartError(RuntimeError):
    """The work's process ended without an answer (killed, out of memory)."""


async def run_apart(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a fresh process (picklable function, arguments and result);
    in a worker thread when no process can be had. Its exceptions come back as raised
    (as a RuntimeError with their text when they cannot be sent back)."""
    name = getattr(function, "__name__", "work")
    ours, theirs = _SPAWN.Pipe(duplex=False)
    process = _SPAWN.Process(target=_work, args=(theirs, function, args), daemon=True)
    try:
        process.start()
    except OSError as error:  # no process to be had: a policy, no memory
        ours.close()
        theirs.close()
        return await _in_a_thread(name, error, function, args)
    theirs.close()  # the child's end: an EOF on ours once the child is gone
    try:
        try:
            first = await asyncio.wait_for(asyncio.to_thread(_receive, ours), READY_TIMEOUT)
        except TimeoutError:
            first = ("late",)
        if first[0] != _READY:  # it could not even take the work
            _end(process)
            late = first[0] == "late"
            why = f"not ready in {READY_TIMEOUT:g} s" if late else _why(first, process)
            return await _in_a_thread(name, why, function, args)
        answer = await asyncio.to_thread(_receive, ours)
        await asyncio.to_thread(process.join, 5)  # it exits at once; not on the loop
    except BaseException:  # cancelled (the bot stopping), or this side failed
        _end(process)
        raise
    finally:
        ours.close()
    if answer[0] == _DONE:
        result: T = answer[1]
        return result
    if answer[0] == _FAILED:
        raise answer[1]
    raise ApartError(f"the process for {name} ended without an answer ({_why(answer, process)})")


async def _in_a_thread(name: str, why: object, function: Callable[..., T], args: Any) -> T:
    log.warning("no process for %s (%s); running it in a thread instead", name, why)
    return await asyncio.to_thread(function, *args)


def _receive(connection: Connection) -> tuple[Any, ...]:
    """The next message from the child: ("gone",) once it has closed its end, and
    ("unreadable", error) for one that cannot be unpickled here."""
    try:
        message: tuple[Any, ...] = connection.recv()
    except (EOFError, OSError):
        return ("gone",)
    except Exception as error:
        return ("unreadable", error)
    return message


def _why(message: tuple[Any, ...], process: Any) -> str:
    if message[0] == "gone":
        return f"exit code {process.exitcode}"
    if message[0] == "unreadable":
        return f"its answer could not be read: {message[1]}"
    return repr(message[0])


def _end(process: Any) -> None:
    """Stop the child now, if it still runs (a terminated process exits at once)."""
    if process.is_alive():
        process.terminate()
    process.join(5)


def _work(connection: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """In the child: say it is ready, do the work, send its result or its exception."""
    connection.send((_READY,))
    try:
        answer: tuple[Any, ...] = (_DONE, function(*args))
    except Exception as error:  # the work's own failure, for the parent to raise
        answer = (_FAILED, error)
    try:
        connection.send(answer)
    except Exception:  # a result or an exception that cannot be pickled
        if answer[0] == _DONE:
            raise
        failure = answer[1]
        connection.send((_FAILED, RuntimeError(f"{type(failure).__name__}: {failure}")))
    connection.close()
