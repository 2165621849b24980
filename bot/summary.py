"""The daily summary to the managers' chat: yesterday's figures, calls still waiting, chart.

Scheduled with PTB's JobQueue at ``telegram.daily_summary`` in the config's time zone.
If Telegram is unreachable at that minute the job tries again later, carrying on from the
first part that was not sent, so a short outage neither loses nor repeats the summary.
"""

from __future__ import annotations

import logging
from datetime import time

from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes, Job, JobQueue

from bot.figures import stats_parts
from bot.outbox import retry_after_seconds
from bot.render import MESSAGE_LIMIT, Rendered, summary_text, utf16_len
from bot.replies import Part, send_part
from bot.runtime import Runtime, runtime_of
from watcher.stats import parse_period

log = logging.getLogger(__name__)

JOB_NAME = "daily-summary"
RETRY_DELAYS = (60.0, 300.0, 900.0)


def summary_time(runtime: Runtime) -> time | None:
    """The configured wall time, made aware of the config's zone (JobQueue needs that)."""
    at = runtime.config.telegram.daily_summary
    return at.replace(tzinfo=runtime.config.tz) if at is not None else None


def schedule_summary(job_queue: JobQueue, runtime: Runtime) -> Job | None:
    """Add the daily job; None when there is no time or no managers' chat to send to."""
    at = summary_time(runtime)
    if at is None:
        log.info("daily summary is off (telegram.daily_summary is empty)")
        return None
    if runtime.config.telegram.managers_chat is None:
        log.warning("daily summary is off: telegram.managers_chat is not set")
        return None
    for old in job_queue.get_jobs_by_name(JOB_NAME):
        old.schedule_removal()
    return job_queue.run_daily(summary_job, at, name=JOB_NAME)


async def build_summary(runtime: Runtime) -> list[Part]:
    """Yesterday (in the office's time zone): who still waits, the report, the chart."""
    language = runtime.language
    period = parse_period("yesterday", runtime.clock().date())
    waiting = runtime.ledger.open_cases(None, include_silent=False)
    head = summary_text(waiting, language, label=period.label)
    parts = await stats_parts(runtime.ledger, period, language)
    first = parts[0]
    if isinstance(first, Rendered) and utf16_len(head) + 2 + utf16_len(first.text) <= MESSAGE_LIMIT:
        return [Rendered(f"{head}\n\n{first.text}", None), *parts[1:]]
    return [Rendered(head, None), *parts]


async def summary_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback; ``job.data`` carries the parts still to send on a retry."""
    runtime = runtime_of(context)
    chat_id = runtime.config.telegram.managers_chat
    if chat_id is None:
        return
    job = context.job
    state = job.data if job is not None and isinstance(job.data, dict) else {}
    attempt = int(state.get("attempt", 0))
    parts: list[Part] | None = state.get("parts")
    if parts is None:
        parts = await build_summary(runtime)
    left = await send_summary(context.bot, chat_id, parts)
    if not left:
        log.info("daily summary sent to chat %s", chat_id)
        return
    if attempt >= len(RETRY_DELAYS) or context.job_queue is None:
        log.error("daily summary: giving up, %s part(s) not sent to chat %s", len(left), chat_id)
        return
    delay = RETRY_DELAYS[attempt]
    log.warning("daily summary: Telegram unavailable, trying again in %.0f s", delay)
    context.job_queue.run_once(
        summary_job, delay, data={"attempt": attempt + 1, "parts": left}, name=JOB_NAME
    )


async def send_summary(bot: Bot, chat_id: int, parts: list[Part]) -> list[Part]:
    """Send the parts in order; returns those left when Telegram is unavailable."""
    for index, part in enumerate(parts):
        try:
            await send_part(bot, chat_id, part)
        except RetryAfter as error:
            log.warning("daily summary: flood control (%.0f s)", retry_after_seconds(error))
            return parts[index:]
        except BadRequest as error:  # a subclass of NetworkError, but not transient
            log.error("daily summary to chat %s failed: %s", chat_id, error)
            return []
        except NetworkError:
            return parts[index:]
        except TelegramError as error:  # Forbidden, chat not found: a config problem
            log.error("daily summary to chat %s failed: %s", chat_id, error)
            return []
    return []
