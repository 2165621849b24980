"""Delivers the ledger's outbox to Telegram: the only way case changes reach the chats.

All state is in the ledger (pending rows, retry times, message ids), so a restart picks
up where the last run stopped. One batch is all pending changes of one case, delivered as
one post or edit. Failures are sorted into three kinds:

* flood control (429): wait ``retry_after`` before touching Telegram again;
* Telegram unreachable (network errors, timeouts, 5xx): back off exponentially, up to
  :data:`MAX_BACKOFF` seconds, and pause the pass, since other batches would fail too;
* this batch is undeliverable (no such chat, bot removed, bad request): retry a few
  times, then give it up with an error in the log, so one bad chat id blocks nobody.

A post whose answer could not be read may be in the chat already: it is recorded, sent
once more after a pause, and never a third time (see :class:`PostUnconfirmed`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.messenger import MAX_UNCONFIRMED_POSTS, CaseMessenger, PostUnconfirmed, SyncOutcome
from watcher.ledger import Ledger, OutboxBatch

log = logging.getLogger(__name__)

TICK_SECONDS = 5.0
BASE_BACKOFF = 2.0
MAX_BACKOFF = 300.0
GIVE_UP_AFTER = 5


class Step(Enum):
    DONE = "done"
    RETRY = "retry"  # this batch later, go on with the others
    PAUSE = "pause"  # Telegram is unavailable or flooded: stop this pass


@dataclass
class DrainReport:
    delivered: int = 0
    retried: int = 0
    given_up: int = 0
    paused: bool = False
    outcomes: list[SyncOutcome] = field(default_factory=list)


def backoff_seconds(attempts: int, base: float = BASE_BACKOFF, cap: float = MAX_BACKOFF) -> float:
    """``base``, 2×, 4×… per earlier failed attempt, never above ``cap``."""
    return min(cap, base * 2 ** min(max(attempts, 0), 30))


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` as seconds whatever PTB's int/timedelta transition setting is."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 0.0)


class OutboxSender:
    def __init__(
        self,
        ledger: Ledger,
        messenger: CaseMessenger,
        clock: Callable[[], datetime],
        *,
        tick: float = TICK_SECONDS,
        base_backoff: float = BASE_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        give_up_after: int = GIVE_UP_AFTER,
    ) -> None:
        self.ledger = ledger
        self.messenger = messenger
        self.clock = clock
        self.tick = tick
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.give_up_after = give_up_after
        self._event = asyncio.Event()
        self._resume_at = 0.0  # monotonic time before which Telegram is not tried again
        self._next_retry = float("inf")  # monotonic time of the soonest scheduled retry

    def wake(self) -> None:
        """Ask for a pass now; call from the event loop (see :meth:`wake_from_thread`)."""
        self._event.set()

    def wake_from_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        """For the watcher thread: schedule :meth:`wake` on ``loop``."""
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._event.set)

    async def run(self) -> None:
        """Drain, then sleep until woken, a retry is due, or the tick; until cancelled."""
        while True:
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A locked or broken database, a bug: log it and try again on the next tick.
                log.exception("outbox pass failed")
            await self._sleep()

    async def _sleep(self) -> None:
        now = time.monotonic()
        wait = self.tick
        if self._next_retry > now:
            wait = min(wait, self._next_retry - now)
        if self._resume_at > now:
            wait = max(wait, self._resume_at - now)
        try:
            async with asyncio.timeout(max(wait, 0.01)):
                await self._event.wait()
        except TimeoutError:
            pass
        self._event.clear()
        if self._resume_at > time.monotonic():
            # Woken during a flood wait or outage pause: the pause still holds.
            await asyncio.sleep(self._resume_at - time.monotonic())

    async def drain(self) -> DrainReport:
        """Deliver every due batch once; stops early when Telegram says to wait."""
        report = DrainReport()
        self._next_retry = float("inf")
        seen: set[int] = set()
        while True:
            batches = [b for b in self.ledger.outbox_due(self.clock()) if b.last_id not in seen]
            if not batches:
                return report
            for batch in batches:
                seen.add(batch.last_id)
                step = await self._deliver(batch, report)
                if step is Step.PAUSE:
                    report.paused = True
                    return report

    async def _deliver(self, batch: OutboxBatch, report: DrainReport) -> Step:
        try:
            outcome = await self.messenger.sync(batch.case_id, batch.kinds)
        except PostUnconfirmed as error:
            delay = self._backoff(batch)
            log.warning(
                "case %s: Telegram's answer to its post was unreadable; the post may be in the"
                " chat already, so it is sent once more in %.0f s and not again",
                batch.case_id,
                delay,
            )
            self._retry(batch, str(error), delay, report)
            return Step.RETRY
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            log.warning("Telegram flood control: waiting %.0f s", seconds)
            self._retry(batch, f"429 retry after {seconds:g} s", seconds, report)
            self._resume_at = time.monotonic() + seconds
            return Step.PAUSE
        except (BadRequest, Forbidden, InvalidToken) as error:
            # BadRequest is a NetworkError subclass in PTB: it must be caught first.
            return self._undeliverable(batch, error, report)
        except NetworkError as error:  # timeouts, resets, 5xx
            delay = self._backoff(batch)
            log.warning(
                "Telegram unreachable (%s); case %s again in %.0f s", error, batch.case_id, delay
            )
            self._retry(batch, f"network: {error}", delay, report)
            self._resume_at = time.monotonic() + delay
            return Step.PAUSE
        except TelegramError as error:
            return self._undeliverable(batch, error, report)
        except Exception as error:
            log.exception("delivering case %s failed", batch.case_id)
            return self._undeliverable(batch, error, report)
        report.outcomes.append(outcome)
        if outcome is SyncOutcome.NO_CHAT:
            log.warning(
                "case %s: its department has no chat in the config; not posted", batch.case_id
            )
        elif outcome is SyncOutcome.UNCONFIRMED:
            log.error(
                "case %s: %s posts got no readable answer from Telegram; not posting it again"
                " so the chat gets no further copy (it is listed in /missed)",
                batch.case_id,
                MAX_UNCONFIRMED_POSTS,
            )
        elif outcome is SyncOutcome.GONE:
            log.warning("case %s is not in the ledger; dropping its outbox rows", batch.case_id)
        self.ledger.outbox_done(batch, self.clock())
        report.delivered += 1
        return Step.DONE

    def _undeliverable(self, batch: OutboxBatch, error: Exception, report: DrainReport) -> Step:
        if batch.attempts + 1 >= self.give_up_after:
            log.error(
                "case %s: giving up after %s attempts: %s (check the chat id in the config and"
                " that the bot is a member of the chat)",
                batch.case_id,
                batch.attempts + 1,
                error,
            )
            self.ledger.outbox_done(batch, self.clock())
            report.given_up += 1
            return Step.DONE
        delay = self._backoff(batch)
        log.warning("case %s not delivered (%s); retry in %.0f s", batch.case_id, error, delay)
        self._retry(batch, f"{type(error).__name__}: {error}", delay, report)
        return Step.RETRY

    def _backoff(self, batch: OutboxBatch) -> float:
        return backoff_seconds(batch.attempts, self.base_backoff, self.max_backoff)

    def _retry(self, batch: OutboxBatch, error: str, seconds: float, report: DrainReport) -> None:
        self.ledger.outbox_retry(
            batch, error=error, next_try_at=self.clock() + timedelta(seconds=seconds)
        )
        self._next_retry = min(self._next_retry, time.monotonic() + seconds)
        report.retried += 1
