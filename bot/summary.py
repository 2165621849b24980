"""The summaries to the managers' chat: daily (yesterday) and weekly (last week).

The daily one compares yesterday with the same weekday a week before (a Monday with a
Monday: weekdays differ more than weeks do), lists the calls still waiting with how long
they have waited, then the report and the hourly chart. The weekly one compares last
week (Monday to Sunday) with the week before, charts it by day and attaches the workbook.

Both are scheduled with PTB's JobQueue in the config's time zone. If Telegram is
unreachable at that minute the job tries again later, carrying on from the first part
that was not sent, so a short outage neither loses nor repeats a summary. The ledger keeps
the day each was last sent: a service that was not running at that minute (a reboot for
Windows updates at 09:00 on a Monday, Telegram out of reach while it started) sends the
one it missed when it starts, the same day (a weekly one, within its week).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ContextTypes, Job, JobQueue

from bot.figures import chart_png, report_document, stats_messages
from bot.limiter import retry_after_seconds
from bot.messenger import is_chat_refusal
from bot.render import MESSAGE_LIMIT, Rendered, summary_text, utf16_len
from bot.replies import Part, send_part
from bot.runtime import Runtime, runtime_of
from watcher.config import Weekly
from watcher.hours import OfficeHours
from watcher.stats import Period, Stats, days_period, parse_period, read_stats, span_text
from watcher.texts import LogText, day_text, tr

log = logging.getLogger(__name__)

JOB_NAME = "daily-summary"
WEEKLY_JOB_NAME = "weekly-summary"
# Their names in the log lines, told in the office's language there.
DAILY = LogText("daily summary")
WEEKLY = LogText("weekly summary")
RETRY_DELAYS = (60.0, 300.0, 900.0)
# A summary missed while the service was not running goes out this long after the start:
# after the bot's own start-up requests, before nothing else.
CATCH_UP_SECONDS = 5.0


def summary_time(runtime: Runtime) -> time | None:
    """The configured wall time, made aware of the config's zone (JobQueue needs that)."""
    at = runtime.config.telegram.daily_summary
    return at.replace(tzinfo=runtime.config.tz) if at is not None else None


def _replace_jobs(job_queue: JobQueue, name: str) -> None:
    for old in job_queue.get_jobs_by_name(name):
        old.schedule_removal()


def schedule_summary(job_queue: JobQueue, runtime: Runtime) -> Job | None:
    """Add the daily job; None when there is no time or no managers' chat to send to."""
    at = summary_time(runtime)
    if at is None:
        log.info("daily summary is off (telegram.daily_summary is empty)")
        return None
    if runtime.config.telegram.managers_chat is None:
        log.warning("daily summary is off: telegram.managers_chat is not set")
        return None
    _replace_jobs(job_queue, JOB_NAME)
    job = job_queue.run_daily(summary_job, at, name=JOB_NAME)
    now = runtime.clock()
    come = datetime.combine(now.date(), at.replace(tzinfo=None)) <= now
    _catch_up(job_queue, runtime, DAILY, JOB_NAME, summary_job, now.date() if come else None)
    return job


def schedule_weekly(job_queue: JobQueue, runtime: Runtime) -> Job | None:
    """Add the weekly job; None when it is off or there is no managers' chat."""
    weekly = runtime.config.telegram.weekly_summary
    if weekly is None:
        log.info("weekly summary is off (telegram.weekly_summary is empty)")
        return None
    if runtime.config.telegram.managers_chat is None:
        log.warning("weekly summary is off: telegram.managers_chat is not set")
        return None
    _replace_jobs(job_queue, WEEKLY_JOB_NAME)
    at = weekly.at.replace(tzinfo=runtime.config.tz)
    # PTB counts days from Sunday = 0; the config (like date.weekday) from Monday = 0.
    day = (weekly.day + 1) % 7
    job = job_queue.run_daily(weekly_job, at, days=(day,), name=WEEKLY_JOB_NAME)
    now = runtime.clock()
    due: date | None = now.date() - timedelta(days=(now.date().weekday() - weekly.day) % 7)
    if due == now.date() and now.time() < weekly.at:
        due = None  # today's comes at its time, of the same week as a late one would be
    _catch_up(job_queue, runtime, WEEKLY, WEEKLY_JOB_NAME, weekly_job, due)
    return job


def _sent_key(name: str) -> str:
    return f"sent:{name}"


def _catch_up(
    job_queue: JobQueue,
    runtime: Runtime,
    what: str,
    name: str,
    callback: Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]],
    due: date | None,
) -> None:
    """Send now the summary that was last due on ``due`` (None: none is due now that
    counts) if it was not sent on that day or later. A ledger that never sent one (a new
    install, an upgrade) starts counting from now: no summary on its first start."""
    sent = runtime.ledger.get_meta(_sent_key(name))
    if sent is None:
        baseline = due or runtime.clock().date() - timedelta(days=1)
        runtime.ledger.set_meta(_sent_key(name), baseline.isoformat())
        return
    if due is None or sent >= due.isoformat():
        return
    log.info("%s was due on %s while Perezvon was not running; sending it now", what, due)
    today = runtime.clock().date().isoformat()
    job_queue.run_once(callback, CATCH_UP_SECONDS, name=name, data={"day": today})


# -- what they say ---------------------------------------------------------------------------


def _delta(now: float | None, before: float | None, shown: Callable[[float], str]) -> str:
    """``(▲ 12)``, ``(▼ 3)``, ``(=)``; nothing when either side has no value."""
    if now is None or before is None:
        return ""
    change = now - before
    text = shown(abs(change))
    if abs(change) < 1e-9 or text == shown(0):  # +0.4 п. п. would read "▲ 0 п. п."
        return "(=)"
    return f"({'▲' if change > 0 else '▼'} {text})"


def comparison_lines(stats: Stats, before: Stats, language: str, against: str) -> list[str]:
    """Two lines of figures with their change against ``before``, then what that was."""

    def count(value: float) -> str:
        return f"{value:g}"

    def points(value: float) -> str:
        return tr(language, "summary_delta_pp", value=f"{value * 100:.0f}")

    def span(value: float) -> str:
        return span_text(value, language)

    rate_now = stats.miss_rate if stats.incoming else None
    rate_before = before.miss_rate if before.incoming else None
    median, median_before = stats.median_callback_seconds, before.median_callback_seconds
    calls = tr(
        language,
        "summary_compare_calls",
        incoming=stats.incoming,
        d_incoming=_delta(stats.incoming, before.incoming, count),
        missed=stats.missed,
        d_missed=_delta(stats.missed, before.missed, count),
        rate=f"{stats.miss_rate:.0%}",
        d_rate=_delta(rate_now, rate_before, points),
    )
    cases = tr(
        language,
        "summary_compare_cases",
        closed=stats.called_back,  # as the label says, and the workbook's Перезвонили
        d_closed=_delta(stats.called_back, before.called_back, count),
        median=span_text(median, language),
        d_median=_delta(median, median_before, span),
    )
    return [calls.rstrip(), cases.rstrip(), against]


def weekday_text(day: date, language: str) -> str:
    return tr(language, "weekdays_short").split(",")[day.weekday()]


@dataclass(frozen=True)
class _Figures:
    stats: Stats
    before: Stats
    png: bytes


def _figures(runtime: Runtime, period: Period, before: Period) -> _Figures:
    """Blocking, for a worker thread: both periods' figures and the chart."""
    database = runtime.ledger.path
    config = runtime.config
    stats = read_stats(database, period, config)
    return _Figures(
        stats, read_stats(database, before, config), chart_png(stats, period, runtime.language)
    )


def _joined(head: str, parts: list[Part]) -> list[Part]:
    """The head and the first block of the report in one message when they fit."""
    first = parts[0]
    if isinstance(first, Rendered) and utf16_len(head) + 2 + utf16_len(first.text) <= MESSAGE_LIMIT:
        return [Rendered(f"{head}\n\n{first.text}", None), *parts[1:]]
    return [Rendered(head, None), *parts]


# How far back a morning summary looks for the last working day (the longest holidays).
SUMMARY_LOOKBACK_DAYS = 31


def daily_periods(hours: OfficeHours, today: date) -> tuple[Period, Period] | None:
    """The days a morning summary sent ``today`` covers, and the same days a week before
    (or as many weeks as they span). Without [hours]: yesterday, every day. With
    [hours]: sent on working days only, from the last working day before today through
    yesterday: Monday's is of Friday to Sunday, the first day after the New Year
    holidays of all of them. So no working day goes without a summary, and none is of a
    closed day alone. None: today is closed, no summary."""
    yesterday = today - timedelta(days=1)
    first = yesterday
    if not hours.always_open:
        if not hours.is_workday(today):
            return None
        for back in range(1, SUMMARY_LOOKBACK_DAYS + 1):
            if hours.is_workday(today - timedelta(days=back)):
                first = today - timedelta(days=back)
                break
    weeks = timedelta(days=7 * -(-((yesterday - first).days + 1) // 7))
    return days_period(first, yesterday), days_period(first - weeks, yesterday - weeks)


async def build_summary(runtime: Runtime) -> list[Part]:
    """The days of :func:`daily_periods` (in the office's time zone) against the same
    days a week before: the comparison, who still waits and for how long, the report,
    the chart. Nothing on a day the office is closed."""
    language = runtime.language
    now = runtime.clock()
    periods = daily_periods(runtime.config.hours, now.date())
    if periods is None:
        return []
    period, before = periods
    figures = await asyncio.to_thread(_figures, runtime, period, before)
    day = before.start.date()
    if period.days == 1:
        title = "summary_title"
        against = tr(
            language,
            "summary_against_day",
            weekday=weekday_text(day, language),
            date=day_text(day, language),
        )
    else:
        title = "summary_title_days"
        against = tr(
            language,
            "summary_against_days",
            first=day_text(day, language),
            last=day_text(before.last_day, language),
        )
    waiting = runtime.ledger.open_cases(None, include_silent=False)
    lines = comparison_lines(figures.stats, figures.before, language, against)
    if quiet_workday(runtime.config.hours, period, figures.stats):
        lines.append(tr(language, "summary_no_calls"))
    head = summary_text(
        waiting,
        language,
        label=period.shown(language),
        now=now,
        figures=lines,
        title_key=title,
        hours=runtime.config.hours,
    )
    return _joined(head, stats_messages(figures.stats, figures.png, period, language))


def quiet_workday(hours: OfficeHours, period: Period, stats: Stats) -> bool:
    """Working days with no call at all in the log: more likely WinTariff or Perezvon
    stopped than an office nobody called, and "all closed 👍" alone would hide it.
    Without [hours], Monday to Friday are the working days."""
    days = (period.start.date() + timedelta(days=n) for n in range(period.days))
    workday = any(day.weekday() < 5 if hours.always_open else hours.is_workday(day) for day in days)
    calls = stats.incoming + sum(op.outgoing for op in stats.operators)
    return workday and calls == 0


def _holiday(hours: OfficeHours, day: date) -> bool:
    """One of the office's usual working weekdays, closed all the same (a holiday)."""
    return not hours.always_open and day.weekday() in hours.days and not hours.is_workday(day)


def weekly_goes_on(hours: OfficeHours, today: date, weekly: Weekly) -> date | None:
    """The day the weekly summary last due by ``today`` goes out: its own day; when that
    is a holiday (Monday 10 May), the first working day after it (Tuesday); None when
    no working day comes before it is due again (the week of 4 January): the next one
    covers both weeks (:func:`weekly_periods`). A usual day off it is set for (Sunday
    in a Monday-to-Friday office) is the admin's choice and keeps it."""
    due = today - timedelta(days=(today.weekday() - weekly.day) % 7)
    if not _holiday(hours, due):
        return due
    for offset in range(1, 7):
        if hours.is_workday(due + timedelta(days=offset)):
            return due + timedelta(days=offset)
    return None


def weekly_periods(
    today: date, weekday: int = 0, *, hours: OfficeHours | None = None
) -> tuple[Period, Period]:
    """The week of a weekly summary set for ``weekday`` (0 = Monday) and sent ``today``,
    and the same days a week before. Set for Monday: the week just ended, Monday to
    Sunday. Set for a later day: the week ending on that day, Monday to it (a summary
    set for Friday 17:00 is of that week, not the one before). With ``hours``, a week
    whose summary never went out (its day a holiday, and no working day after it that
    week) is taken in too: on 11 January, 28 December to 10 January, against the two
    weeks before."""
    if weekday == 0:
        period = parse_period("last week", today)
    else:
        last = today - timedelta(days=(today.weekday() - weekday) % 7)
        period = days_period(last - timedelta(days=weekday), last)
    first, last_day = period.start.date(), period.last_day
    if hours is not None:
        due = today - timedelta(days=(today.weekday() - weekday) % 7)
        for weeks in range(1, 5):
            earlier = due - timedelta(days=7 * weeks)
            if weekly_goes_on(hours, earlier, Weekly(weekday, time())) is not None:
                break
            first -= timedelta(days=7)
    span = timedelta(days=7 * -(-((last_day - first).days + 1) // 7))
    return days_period(first, last_day), days_period(first - span, last_day - span)


async def build_weekly(runtime: Runtime) -> list[Part]:
    """The week (see :func:`weekly_periods`) against the same days a week before, by day,
    with the workbook."""
    language = runtime.language
    now = runtime.clock()
    weekly = runtime.config.telegram.weekly_summary
    period, before = weekly_periods(
        now.date(), weekly.day if weekly is not None else 0, hours=runtime.config.hours
    )
    figures = await asyncio.to_thread(_figures, runtime, period, before)
    against = tr(
        language,
        "summary_against_week" if period.days <= 7 else "summary_against_days",
        first=day_text(before.start.date(), language),
        last=day_text(before.last_day, language),
    )
    waiting = runtime.ledger.open_cases(None, include_silent=False)
    head = summary_text(
        waiting,
        language,
        label=period.shown(language),
        now=now,
        figures=comparison_lines(figures.stats, figures.before, language, against),
        title_key="summary_weekly_title" if period.days <= 7 else "summary_weeks_title",
        hours=runtime.config.hours,
    )
    parts = _joined(head, stats_messages(figures.stats, figures.png, period, language))
    try:
        workbook: Part = await report_document(
            runtime.config, runtime.ledger, period, None, language
        )
    except Exception:  # the week's figures still go out; the chat is told, the log says why
        log.exception("weekly summary: the workbook could not be built; sent without it")
        workbook = Rendered(tr(language, "report_failed"), None)
    return [*parts, workbook]


# -- sending ---------------------------------------------------------------------------------


async def summary_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily JobQueue callback; ``job.data`` carries the parts still to send on a retry."""
    await _run(context, DAILY, JOB_NAME, build_summary, summary_job)


async def weekly_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The weekly JobQueue callback, retried the same way; on a holiday it waits for
    the next working day (:func:`weekly_goes_on`)."""
    runtime = runtime_of(context)
    weekly = runtime.config.telegram.weekly_summary
    job = context.job
    retry = job is not None and isinstance(job.data, dict) and "parts" in job.data
    if weekly is not None and not retry:
        now = runtime.clock()
        goes = weekly_goes_on(runtime.config.hours, now.date(), weekly)
        if goes is None:
            log.info("weekly summary: closed until it is due again; the next one covers both weeks")
            return
        if goes > now.date():
            at = datetime.combine(goes, weekly.at).replace(tzinfo=runtime.config.tz)
            log.info("weekly summary: today is a holiday; it goes on %s", goes)
            if context.job_queue is not None:
                context.job_queue.run_once(
                    weekly_job, at, name=WEEKLY_JOB_NAME, data={"postponed": goes.isoformat()}
                )
            return
    await _run(context, WEEKLY, WEEKLY_JOB_NAME, build_weekly, weekly_job)


async def _run(
    context: ContextTypes.DEFAULT_TYPE,
    what: str,
    name: str,
    build: Callable[[Runtime], Awaitable[list[Part]]],
    again: Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]],
) -> None:
    runtime = runtime_of(context)
    chat_id = runtime.config.telegram.managers_chat
    if chat_id is None:
        return
    job = context.job
    state = job.data if job is not None and isinstance(job.data, dict) else {}
    attempt = int(state.get("attempt", 0))
    parts: list[Part] | None = state.get("parts")
    day = state.get("day")  # a late one's: built from the clock, so of that day only
    today = runtime.clock().date().isoformat()
    if parts is None and day is not None and day != today:
        log.info("%s: the day it was late for is over; the next one is due as usual", what)
        return
    scheduled = job is not None and job.name == name and not state
    if scheduled and (runtime.ledger.get_meta(_sent_key(name)) or "") >= today:
        # Sent today already, at the time the config said before a restart moved it later
        # (or by a catch-up): the managers would get the same summary twice.
        log.info("%s: already sent today; the next one is due as usual", what)
        return
    if parts is None:
        parts = await build(runtime)
        if not parts:
            log.info("%s: the office is closed today, none sent", what)
            _served(runtime, name)
            return
    sent = await send_summary(
        context.bot, chat_id, parts, what=what, on_moved=runtime.messenger.chat_moved
    )
    if sent.failed:  # a bad request, said in the log: trying it again would fail again
        return
    left = sent.left
    if not left:
        log.info("%s sent to chat %s", what, chat_id)
        _served(runtime, name)
        return
    if attempt >= len(RETRY_DELAYS) or context.job_queue is None:
        log.error("%s: giving up, %s part(s) not sent to chat %s", what, len(left), chat_id)
        return
    delay = RETRY_DELAYS[attempt]
    if sent.refused is None:
        log.warning("%s: Telegram unavailable, trying again in %.0f s", what, delay)
    elif attempt == 0:  # once an episode: the retries say nothing new
        log.error(
            "%s: the managers' chat %s refuses the bot (%s); trying again in %.0f s. Add the"
            " bot to that chat, or fix telegram.managers_chat (perezvon check --send-test"
            " tries it)",
            what,
            chat_id,
            sent.refused,
            delay,
        )
    else:
        log.debug("%s: chat %s still refuses the bot (%s)", what, chat_id, sent.refused)
    context.job_queue.run_once(
        again, delay, data={"attempt": attempt + 1, "parts": left}, name=name
    )


def _served(runtime: Runtime, name: str) -> None:
    """Today's summary is done with: a restart today does not send it again."""
    runtime.ledger.set_meta(_sent_key(name), runtime.clock().date().isoformat())


@dataclass(frozen=True)
class SummaryDelivery:
    """What sending a summary came to: the parts ``left`` to send later (Telegram
    unavailable, or the chat ``refused`` the bot, which a group admin may undo any
    minute), or ``failed`` for good (a bad request, logged)."""

    left: list[Part]
    refused: str | None = None
    failed: bool = False


async def send_summary(
    bot: Bot,
    chat_id: int,
    parts: list[Part],
    *,
    what: str = DAILY,
    on_moved: Callable[[int, int], None] | None = None,
) -> SummaryDelivery:
    """Send the parts in order; the parts left when Telegram is unavailable or the chat
    refuses the bot, and why. A chat that became a supergroup gets them there
    (``on_moved`` is told)."""
    for index, part in enumerate(parts):
        try:
            try:
                await send_part(bot, chat_id, part)
            except ChatMigrated as migrated:
                new_id = int(migrated.new_chat_id)
                if on_moved is not None:
                    on_moved(chat_id, new_id)
                chat_id = new_id
                await send_part(bot, chat_id, part)
        except RetryAfter as error:
            log.warning("%s: flood control (%.0f s)", what, retry_after_seconds(error))
            return SummaryDelivery(parts[index:])
        except (BadRequest, Forbidden) as error:  # BadRequest: a NetworkError, not transient
            if is_chat_refusal(error):  # removed from the chat, no right to post
                return SummaryDelivery(parts[index:], refused=error.message)
            log.error("%s to chat %s failed: %s", what, chat_id, error)
            return SummaryDelivery([], failed=True)
        except NetworkError:
            return SummaryDelivery(parts[index:])
        except TelegramError as error:
            log.error("%s to chat %s failed: %s", what, chat_id, error)
            return SummaryDelivery([], failed=True)
    return SummaryDelivery([])
