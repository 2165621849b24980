"""Long blocking work (the workbook) in a process of its own, off the bot's GIL.

A worker thread would do, but for the GIL: the workbook reads tens of thousands of rows
from SQLite, and the sqlite3 module lets go of the GIL around every row's step and takes
it back at once. Each such hand-back counts as a switch, so the event loop, waiting for
the GIL, sees "someone else had it" interval after interval and goes on waiting
(CPython's convoy effect): a month's workbook on a 1M-call ledger stalled the bot for
105-284 ms in a thread, while a process leaves it its GIL and runs on another core.

The process is started the way Windows starts them (spawn) everywhere, so what is tested
here is what runs next to WinTariff. Should it not start or die (no memory, a policy that
forbids it), the work runs in a thread after one warning: slower for the bot, not lost.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_SPAWN = multiprocessing.get_context("spawn")


async def run_apart(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a fresh process (picklable function, arguments and result);
    in a worker thread when no process can be had. Its exceptions come back as raised."""
    name = getattr(function, "__name__", "work")
    loop = asyncio.get_running_loop()
    executor = ProcessPoolExecutor(max_workers=1, mp_context=_SPAWN)
    try:
        try:
            await loop.run_in_executor(executor, _ready)  # the process is up
        except (OSError, BrokenProcessPool) as error:
            log.warning("no process for %s (%s); running it in a thread instead", name, error)
            return await asyncio.to_thread(function, *args)
        try:
            return await loop.run_in_executor(executor, function, *args)
        except BrokenProcessPool as error:  # it died under the work (killed, out of memory)
            log.warning("the process for %s died (%s); running it in a thread", name, error)
            return await asyncio.to_thread(function, *args)
    finally:
        # The process exits once its work is done; a cancelled await (the bot stopping)
        # does not wait for it.
        executor.shutdown(wait=False, cancel_futures=True)


def _ready() -> bool:
    return True
