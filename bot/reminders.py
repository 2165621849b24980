"""The periodic check that turns waiting cases into reminders and escalations.

The decision is :func:`watcher.reminders.due_now` (office time, once per case); this job
only runs it every :data:`CHECK_SECONDS` on the bot's ledger connection, records what is
due (with its outbox row, in one transaction each) and wakes the outbox, which sends.
"""

from __future__ import annotations

import logging

from telegram.ext import ContextTypes, Job, JobQueue

from bot.runtime import Runtime, runtime_of
from watcher.reminders import due_now

log = logging.getLogger(__name__)

JOB_NAME = "reminders"
CHECK_SECONDS = 30.0


def check_reminders(runtime: Runtime) -> int:
    """Record every reminder and escalation due now; how many were recorded."""
    rules = runtime.config.rules
    escalate_after = rules.escalate_after_minutes
    if runtime.config.telegram.managers_chat is None:
        escalate_after = 0  # nowhere to escalate to; logged once at start
    now = runtime.clock()
    waiting = runtime.ledger.waiting_cases()
    due = due_now(
        waiting,
        runtime.config.hours,
        now,
        remind_after=rules.remind_after_minutes,
        escalate_after=escalate_after,
        posted=runtime.ledger.posted_times(
            c.id for c in waiting if c.reminded_at is None or c.escalated_at is None
        ),
    )
    recorded = sum(runtime.ledger.mark_due(d.case_id, d.kind, now) for d in due)
    if recorded:
        runtime.outbox.wake()
    return recorded


async def reminders_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        check_reminders(runtime_of(context))
    except Exception:  # a locked ledger, a bug: the next run tries again
        log.exception("checking reminders failed")


def schedule_reminders(job_queue: JobQueue, runtime: Runtime) -> Job | None:
    """The repeating check; None when reminders and escalations are both off."""
    rules = runtime.config.rules
    if not rules.remind_after_minutes and not rules.escalate_after_minutes:
        log.info("reminders and escalations are off (rules.remind/escalate_after_minutes = 0)")
        return None
    if rules.escalate_after_minutes and runtime.config.telegram.managers_chat is None:
        log.warning("escalations are off: telegram.managers_chat is not set")
    for old in job_queue.get_jobs_by_name(JOB_NAME):
        old.schedule_removal()
    return job_queue.run_repeating(reminders_job, CHECK_SECONDS, first=5.0, name=JOB_NAME)
