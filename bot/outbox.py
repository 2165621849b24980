"""Delivers the ledger's outbox to Telegram: the only way case changes reach the chats.

All state is in the ledger (pending rows, retry times, message ids), so a restart picks
up where the last run stopped. One batch is all pending changes of one case, delivered as
one post or edit. Failures are sorted into three kinds:

* flood control (429): wait ``retry_after`` before touching Telegram again;
* Telegram unreachable (network errors, timeouts, 5xx): back off exponentially, up to
  :data:`MAX_BACKOFF` seconds, and pause the pass, since other batches would fail too;
  while paused, a cheap probe (getMe) every :data:`PROBE_SECONDS` ends the pause as soon
  as Telegram answers again. An outage is one warning and one "back" line in the log,
  however long it lasts;
* the chat refuses the bot (removed from it, no rights, no such chat): its cases wait,
  tried again with a growing backoff, one warning per chat, and are posted once the bot
  is back in the chat (each chat is a lane of its own: it holds up no other);
* this batch is undeliverable (a bad request): retry a few times, then give it up with
  an error in the log.

A post whose answer could not be read, or did not come in time, may be in the chat
already: it is recorded, sent once more after a pause, and never a third time (see
:class:`PostUnconfirmed`). An answer that did not come means Telegram is slow: the whole
pass pauses :data:`RESEND_PAUSE` seconds (other posts would lose theirs too), so a slow
spell costs a case at most one copy, which a late answer lets the messenger delete, and
the log gets one warning per spell.

Each chat is a lane of its own: one chat's backlog (Telegram allows a group about 20
messages a minute, paced by PTB's rate limiter) never holds up another chat's first post.
"""

from __future__ import annotations

import asyncio
import logging
import time
from asyncio import FIRST_COMPLETED
from collections.abc import Awaitable, Callable, Iterable
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

from bot.limiter import retry_after_seconds
from bot.logs import network_error_text
from bot.messenger import (
    MAX_UNCONFIRMED_POSTS,
    CaseMessenger,
    PostUnconfirmed,
    SyncOutcome,
    is_chat_refusal,
    lacks_rights,
)
from watcher.ledger import Ledger, OutboxBatch

log = logging.getLogger(__name__)

TICK_SECONDS = 5.0
PROBE_SECONDS = 3.0
BASE_BACKOFF = 2.0
MAX_BACKOFF = 300.0
GIVE_UP_AFTER = 5
# After a post whose answer did not come: room for the late answer (which makes a re-send
# needless) before the one re-send.
RESEND_PAUSE = 30.0


# The warning for a chat that refuses the bot, with the fix that fits: a bot still in the
# chat needs its right to post back, where one removed from it needs adding again.
_REFUSED = {
    "not_in_chat": (
        "chat %s refuses the bot's messages (%s); the missed calls of department «%s» wait"
        " and are tried again every few minutes (listed in /missed meanwhile). Add the bot to"
        " that chat, or fix its id in the config (perezvon check --send-test tries it)"
    ),
    "no_rights": (
        "chat %s refuses the bot's messages (%s); the missed calls of department «%s» wait"
        " and are tried again every few minutes (listed in /missed meanwhile). Let the bot"
        " post in that chat: a group admin gives it the right to send messages (perezvon"
        " check --send-test tries it)"
    ),
}


class Step(Enum):
    DONE = "done"
    RETRY = "retry"  # this batch later, go on with the others
    PAUSE = "pause"  # Telegram is unavailable or flooded: stop this pass
    HOLD = "hold"  # this chat's flood wait: stop its lane, the others go on


@dataclass
class DrainReport:
    delivered: int = 0
    retried: int = 0
    given_up: int = 0
    paused: bool = False
    outcomes: list[SyncOutcome] = field(default_factory=list)


def _by_chat(batches: list[OutboxBatch]) -> dict[int | None, list[OutboxBatch]]:
    lanes: dict[int | None, list[OutboxBatch]] = {}
    for batch in batches:
        lanes.setdefault(batch.chat, []).append(batch)
    return lanes


@dataclass
class _Outage:
    since: float  # monotonic
    failures: int = 0


def backoff_seconds(attempts: int, base: float = BASE_BACKOFF, cap: float = MAX_BACKOFF) -> float:
    """``base``, 2×, 4×… per earlier failed attempt, never above ``cap``."""
    return min(cap, base * 2 ** min(max(attempts, 0), 30))


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
        probe: Callable[[], Awaitable[object]] | None = None,
        probe_seconds: float = PROBE_SECONDS,
        resend_pause: float = RESEND_PAUSE,
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
        self.probe = probe
        self.probe_seconds = probe_seconds
        self._outage: _Outage | None = None  # Telegram unreachable since, and how often
        self.resend_pause = resend_pause
        self._slow: _Outage | None = None  # answers to posts lost since, and how many
        # Chats refusing the bot, told once each: the department named when it was told.
        self._refusing: dict[int | None, str] = {}
        self._held: dict[int | None, datetime] = {}  # chats in a flood wait, until when

    def wake(self) -> None:
        """Ask for a pass now; call from the event loop (see :meth:`wake_from_thread`)."""
        self._event.set()

    def wake_from_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        """For the watcher thread: schedule :meth:`wake` on ``loop``."""
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._event.set)

    async def run(self) -> None:
        """Drain, then sleep until woken, a retry is due, or the tick; until cancelled."""
        failing = False
        while True:
            try:
                await self.drain()
                await self._sleep()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A locked or full database, a bug: told once, tried again every tick. The
                # sleep is inside: its ledger write (the resume after an outage) failing
                # outside ended the loop, and nothing was posted again until a restart.
                if failing:
                    log.debug("outbox pass failed again", exc_info=True)
                else:
                    log.exception("outbox pass failed; trying again every %.0f s", self.tick)
                failing = True
                await asyncio.sleep(self.tick)
                continue
            if failing:
                log.info("outbox passes work again")
                failing = False

    async def _sleep(self) -> None:
        """Until woken, a retry is due, or the tick; a flood wait or outage pause holds
        even when woken. During an outage a cheap probe may end the pause early: the first
        post after Telegram comes back must not wait out a five-minute backoff."""
        now = time.monotonic()
        wait = self.tick
        if self._next_retry > now:
            wait = min(wait, self._next_retry - now)
        probing = self._outage is not None and self.probe is not None
        if self._resume_at > now:
            wait = max(wait, self._resume_at - now)
            if probing:
                wait = min(wait, self.probe_seconds)
        try:
            async with asyncio.timeout(max(wait, 0.01)):
                await self._event.wait()
        except TimeoutError:
            pass
        self._event.clear()
        while self._resume_at > time.monotonic():
            if not probing:
                await asyncio.sleep(self._resume_at - time.monotonic())
                return
            if await self._probe_ok():
                self.ledger.outbox_resume(self.clock())  # may fail: the pause then holds
                self._resume_at = 0.0
                return
            await asyncio.sleep(min(self.probe_seconds, self._resume_at - time.monotonic()))

    async def _probe_ok(self) -> bool:
        assert self.probe is not None
        try:
            await self.probe()
        except (NetworkError, RetryAfter) as error:
            log.debug("probe: Telegram still unreachable (%s)", error)
            return False
        except Exception:  # a bad token, a bug: the retries will say what it is
            return True
        return True

    async def drain(self) -> DrainReport:
        """Deliver every due batch once, each chat in a lane of its own; stops when
        Telegram says to wait. A chat whose lane is busy (a backlog paced by the rate
        limiter) never holds up another chat: new work for an idle chat starts at once."""
        report = DrainReport()
        self._next_retry = float("inf")
        seen: set[int] = set()
        lanes: dict[int | None, asyncio.Task[None]] = {}
        try:
            while True:
                if not report.paused:
                    now = self.clock()
                    due = self.ledger.outbox_due(now)
                    fresh = [
                        b
                        for b in due
                        if b.last_id not in seen
                        and b.chat not in lanes
                        and self._held.get(b.chat, now) <= now
                    ]
                    for chat, batches in _by_chat(fresh).items():
                        lanes[chat] = asyncio.create_task(self._lane(batches, report, seen))
                if not lanes:
                    return report
                woken = asyncio.create_task(self._event.wait())
                try:
                    await asyncio.wait([*lanes.values(), woken], return_when=FIRST_COMPLETED)
                finally:
                    woken.cancel()
                self._event.clear()
                for chat, task in list(lanes.items()):
                    if task.done():
                        del lanes[chat]
                        task.result()
        finally:
            for task in lanes.values():
                task.cancel()

    async def _lane(self, batches: list[OutboxBatch], report: DrainReport, seen: set[int]) -> None:
        """One chat's batches in order, until Telegram says to pause (in any lane)."""
        for batch in batches:
            if report.paused:
                return
            seen.add(batch.last_id)
            step = await self._deliver(batch, report)
            if step is Step.PAUSE:
                report.paused = True
                return
            if step is Step.HOLD:
                return

    async def _deliver(self, batch: OutboxBatch, report: DrainReport) -> Step:
        try:
            outcome = await self.messenger.sync(batch.case_id, batch.kinds)
        except PostUnconfirmed as error:
            if error.lost:
                return self._answer_lost(batch, error, report)
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
            self._reachable()  # it answered, if only to say wait
            seconds = retry_after_seconds(error)
            self._retry(batch, f"429 retry after {seconds:g} s", seconds, report)
            flooded = getattr(error, "chat_id", None)
            if batch.chat is None and flooded is None:
                log.warning("Telegram flood control: waiting %.0f s", seconds)
                self._resume_at = time.monotonic() + seconds
                return Step.PAUSE
            if flooded is not None and flooded != self.messenger.chat_for(batch.chat or 0):
                # Another chat's wait (the managers' copy): this case later, its lane on.
                log.info("case %s waits for chat %s's flood control", batch.case_id, flooded)
                return Step.RETRY
            # Telegram's limit for this chat: its lane waits, the other chats go on.
            log.warning(
                "Telegram flood control for chat %s: its posts wait %.0f s", batch.chat, seconds
            )
            self._held[batch.chat] = self.clock() + timedelta(seconds=seconds)
            return Step.HOLD
        except (BadRequest, Forbidden, InvalidToken) as error:
            # BadRequest is a NetworkError subclass in PTB: it must be caught first.
            self._reachable()
            return self._undeliverable(batch, error, report)
        except NetworkError as error:  # timeouts, resets, 5xx
            delay = self._backoff(batch)
            self._unreachable(error, delay)
            self._retry(batch, f"network: {error}", delay, report)
            self._resume_at = time.monotonic() + delay
            return Step.PAUSE
        except TelegramError as error:
            return self._undeliverable(batch, error, report)
        except Exception as error:
            log.exception("delivering case %s failed", batch.case_id)
            return self._undeliverable(batch, error, report)
        self._reachable()
        if outcome in (SyncOutcome.POSTED, SyncOutcome.EDITED, SyncOutcome.UNCHANGED):
            self._answering()
            if batch.chat in self._refusing:
                department = self._refusing.pop(batch.chat)
                log.info(
                    "chat %s takes the bot's messages again (department «%s»); its waiting"
                    " missed calls are posted now",
                    batch.chat,
                    department,
                )
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
        elif outcome is SyncOutcome.NOT_MISSED:
            log.info(
                "case %s: another leg of the call was answered before it was posted; not posted",
                batch.case_id,
            )
        elif outcome is SyncOutcome.GONE:
            log.warning("case %s is not in the ledger; dropping its outbox rows", batch.case_id)
        self.ledger.outbox_done(batch, self.clock())
        report.delivered += 1
        return Step.DONE

    def _unreachable(self, error: Exception, delay: float) -> None:
        """One warning per outage, however many retries it takes; details at debug."""
        if self._outage is None:
            self._outage = _Outage(time.monotonic())
            pending = self.ledger.outbox_pending_count()
            log.warning(
                "Telegram unreachable (%s); %s changes wait in the outbox, retrying",
                network_error_text(error),
                pending,
            )
        else:
            text = network_error_text(error)
            log.debug("Telegram still unreachable (%s); next try in %.0f s", text, delay)
        self._outage.failures += 1

    def _answer_lost(self, batch: OutboxBatch, error: PostUnconfirmed, report: DrainReport) -> Step:
        """A post got no answer in time: pause the pass, then send it once more at most.
        One warning per slow spell, however many posts it catches; details at debug."""
        delay = max(self._backoff(batch), self.resend_pause)
        if self._slow is None:
            self._slow = _Outage(time.monotonic())
            log.warning(
                "Telegram is slow: no answer to the post of case %s; it may be in the chat"
                " already, so posts pause %g s and each such post is sent once more at most",
                batch.case_id,
                delay,
            )
        else:
            log.debug("Telegram still slow (%s); next try in %g s", error, delay)
        self._slow.failures += 1
        self._retry(batch, str(error), delay, report)
        self._resume_at = max(self._resume_at, time.monotonic() + delay)
        return Step.PAUSE

    def _answering(self) -> None:
        if self._slow is None:
            return
        slow, self._slow = self._slow, None
        log.debug(
            "Telegram answers posts again after %.0f s (%s answers lost)",
            time.monotonic() - slow.since,
            slow.failures,
        )

    def _reachable(self) -> None:
        if self._outage is None:
            return
        outage, self._outage = self._outage, None
        log.info(
            "Telegram reachable again after %.0f s (%s failed attempts)",
            time.monotonic() - outage.since,
            outage.failures,
        )

    def _undeliverable(self, batch: OutboxBatch, error: Exception, report: DrainReport) -> Step:
        if isinstance(error, TelegramError) and is_chat_refusal(error):
            return self._refused(batch, error, report)
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

    def _refused(self, batch: OutboxBatch, error: TelegramError, report: DrainReport) -> Step:
        """The chat takes nothing from the bot (removed from it, no rights, no such chat):
        its cases wait, tried again with a growing backoff, never given up; the bot
        re-added, they are posted. One warning per chat until it takes a message again."""
        delay = self._backoff(batch)
        if batch.chat in self._refusing:
            log.debug("case %s: chat %s still refuses (%s)", batch.case_id, batch.chat, error)
        else:
            if batch.chat is not None:
                department = self.messenger.chat_label(batch.chat)
            else:
                case = self.ledger.get_case(batch.case_id)
                department = case.department if case is not None else "?"
            self._refusing[batch.chat] = department
            kind = "no_rights" if lacks_rights(error) else "not_in_chat"
            log.warning(_REFUSED[kind], batch.chat, error, department)
        self._retry(batch, f"{type(error).__name__}: {error}", delay, report)
        return Step.RETRY

    def chat_refuses(
        self, chat: int, chats: Iterable[int], department: str, reason: str, *, no_rights: bool
    ) -> None:
        """Telegram said the bot was removed from ``chat`` (or may not post there): the
        episode's one warning, now, before any post of its fails (``chats``: the ids its
        cases name, the old one of a group that became a supergroup too)."""
        ids = set(chats)
        if ids & set(self._refusing):
            return
        for each in ids:
            self._refusing[each] = department
        log.warning(_REFUSED["no_rights" if no_rights else "not_in_chat"], chat, reason, department)

    def chat_takes_again(self, chats: Iterable[int]) -> None:
        """The bot may post in these chats again: the refusal's episode is over."""
        for each in chats:
            self._refusing.pop(each, None)

    def _backoff(self, batch: OutboxBatch) -> float:
        return backoff_seconds(batch.attempts, self.base_backoff, self.max_backoff)

    def _retry(self, batch: OutboxBatch, error: str, seconds: float, report: DrainReport) -> None:
        self.ledger.outbox_retry(
            batch, error=error, next_try_at=self.clock() + timedelta(seconds=seconds)
        )
        self._next_retry = min(self._next_retry, time.monotonic() + seconds)
        report.retried += 1
