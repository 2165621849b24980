"""``perezvon demo``: a generated WinTariff file, the real watcher, cases on the console.

The demo does what an install does: yesterday's history is imported first without
notifications, the night's missed calls wait for the office to open (a few seconds after
the start) and come as one after-hours digest per department, then the watcher thread
picks up each new row as WinTariff writes it and the console notifier prints what the
chats would get. The loop also plays what the bot's jobs and people do: it runs the
reminder check, and an operator takes a case with 👋, as a press in the chat would.
"""

from __future__ import annotations

import csv
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from watcher.clock import local_now
from watcher.config import Config, parse_config
from watcher.hours import minute_text
from watcher.ingest import Ingestor
from watcher.ledger import Ledger
from watcher.phones import phone_key
from watcher.reminders import due_now
from watcher.service import WatcherService
from watcher.sim.console import ConsoleNotifier
from watcher.sim.demo_traffic import CUSTOMER_NUMBERS, EMPLOYEE_MOBILES, WinTariffImitator
from watcher.sim.wintariff import CallsDbfWriter
from watcher.stats import load_stats, parse_period, render_stats
from watcher.texts import tr

# The customers in the demo's contacts.csv, by their index in CUSTOMER_NUMBERS; their
# names and companies are in the text catalog (demo_contact_N, demo_company_N).
DEMO_CONTACTS = (1, 3, 4)
# The demo starts this long before the office opens: enough for the night's calls to be
# read while it is closed, short enough to get to the story at once.
LEAD_SECONDS = 10
# Short office-minute rules, so a reminder and an escalation come within a minute or two
# of the opening: at --speed 5 both show within 40 seconds.
REMIND_AFTER_MINUTES = 1
ESCALATE_AFTER_MINUTES = 2
# Made-up Telegram ids: the demo's managers' chat, and the operator who presses 👋.
MANAGERS_CHAT = -1001000000009
COLLEAGUE_ID = 700000001
# The operator takes a case this long (demo time) after it was posted.
CLAIM_AFTER = timedelta(seconds=5)


def demo_config(folder: Path, language: str) -> Config:
    """The embedded config the demo runs on: two departments, contacts, employees, office
    hours with the after-hours digest, and reminders after minutes rather than hours."""
    sales, support = department_names(language)
    contacts = folder / "contacts.csv"
    rows = [
        (CUSTOMER_NUMBERS[n], tr(language, f"demo_contact_{n}"), tr(language, f"demo_company_{n}"))
        for n in DEMO_CONTACTS
    ]
    with contacts.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([("phone", "name", "company"), *rows])
    return parse_config(
        {
            "language": language,
            "source": {"path": str(folder / "Calls.dbf"), "settle_seconds": 30},
            "database": {"path": str(folder / "perezvon.db")},
            "rules": {
                "callback_min_seconds": 5,
                "employee_numbers": list(EMPLOYEE_MOBILES),
                "contacts_csv": str(contacts),
                "remind_after_minutes": REMIND_AFTER_MINUTES,
                "escalate_after_minutes": ESCALATE_AFTER_MINUTES,
            },
            # Every day a working day, so the demo tells the same story on a Sunday.
            "hours": {
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "open": "09:00",
                "close": "18:00",
                "after_hours": "digest",
            },
            "telegram": {"managers_chat": MANAGERS_CHAT},
            "department": [
                {
                    "name": sales,
                    "chat": -1001000000001,
                    "extensions": ["620", "201-205"],
                    "default": True,
                    # The group rings 30 s: the cards tell who hung up and who waited it out.
                    "ring_timeout_seconds": 30,
                },
                {
                    "name": support,
                    "chat": -1001000000002,
                    "extensions": ["630", "206-209"],
                },
            ],
        },
        base_dir=folder,
    )


def department_names(language: str) -> tuple[str, str]:
    """The demo's two departments, named in the audience's language."""
    return tr(language, "demo_sales"), tr(language, "demo_support")


def check_due(config: Config, ledger: Ledger, now: datetime) -> int:
    """Record the reminders and escalations due now, as the bot's job does every 30 s
    (:func:`bot.reminders.check_reminders`); how many were recorded."""
    rules = config.rules
    escalate_after = rules.escalate_after_minutes
    if config.telegram.managers_chat is None:
        escalate_after = 0  # nowhere to escalate to
    due = due_now(
        ledger.waiting_cases(),
        config.hours,
        now,
        remind_after=rules.remind_after_minutes,
        escalate_after=escalate_after,
    )
    return sum(ledger.mark_due(d.case_id, d.kind, now) for d in due)


@dataclass
class Colleague:
    """An operator in a department chat: presses 👋 on one customer's case once it has been
    posted for a few seconds, as the bot's button would record it."""

    user_id: int
    name: str
    remote: str  # the customer's number, as the ledger keys it
    department: str
    took: int | None = None  # the case taken

    def act(self, ledger: Ledger, notifier: ConsoleNotifier, now: datetime) -> bool:
        """Take the customer's posted case if it is time; True when it was taken now."""
        if self.took is not None:
            return False
        for case in ledger.open_cases_of(self.remote):
            shown = notifier.shown_at(case.id)
            if case.department != self.department or shown is None or now - shown < CLAIM_AFTER:
                continue
            ledger.claim(
                case.id, user_id=self.user_id, user_name=self.name, now=now, take_over=False
            )
            self.took = case.id
            return True
        return False


def run_demo(
    folder: Path,
    *,
    seconds: float,
    language: str,
    seed: int,
    show_rows: bool,
    out: TextIO,
    speed: float = 1.0,
) -> int:
    """Run the demo for ``seconds`` of real time; ``speed`` > 1 fast-forwards the office.

    The office's clock starts :data:`LEAD_SECONDS` before today's opening.
    """
    sales, support = department_names(language)
    config = demo_config(folder, language)
    hours = config.hours
    midnight = datetime.combine(local_now(config).date(), datetime.min.time())
    opens_at = midnight + timedelta(minutes=hours.open_minute)
    origin = opens_at - timedelta(seconds=LEAD_SECONDS)
    writer = CallsDbfWriter.create(config.source.path)
    imitator = WinTariffImitator(
        writer,
        rng=random.Random(seed),
        departments={sales: ["620"], support: ["630"]},
        opens_at=opens_at,
        language=language,
    )
    customer, station = imitator.follow_up_parties
    # Yesterday's working day is the history; the night's calls are read live, while the
    # office is still closed, so they wait for the opening's digest.
    yesterday_close = midnight - timedelta(days=1) + timedelta(minutes=hours.close_minute)
    rows = imitator.seed_history(yesterday_close, hours=8)
    with Ledger(config.database_path) as ledger:
        Ingestor(config, ledger, clock=lambda: origin).scan(history=True)
        # The office's clock runs from here, so the import does not eat into the lead.
        started = time.monotonic()

        def clock() -> datetime:
            return origin + timedelta(seconds=(time.monotonic() - started) * speed)

        imitator.seed_night(clock())
        Ingestor(config, ledger, clock=clock).scan()
        # The operator who will take a case has written /me with her extension in the chat.
        colleague_name = tr(language, "demo_colleague")
        ledger.saw_user(COLLEAGUE_ID, colleague_name, clock())
        ledger.link_operator(station, COLLEAGUE_ID, by=COLLEAGUE_ID, now=clock())
    opens = minute_text(hours.open_minute)
    out.write(tr(language, "demo_start", dbf=config.source.path, rows=rows, opens=opens))
    out.flush()

    changed = threading.Event()
    service = WatcherService(config, on_change=changed.set, clock=clock, recheck_seconds=2)
    service.start()
    deadline = time.monotonic() + seconds if seconds > 0 else None
    try:
        with Ledger(config.database_path) as ledger:
            notifier = ConsoleNotifier(
                ledger,
                language=language,
                out=out,
                clock=clock,
                hours=config.hours,
                operators=config.operators,
            )
            colleague = Colleague(
                COLLEAGUE_ID, colleague_name, phone_key(customer) or customer, support
            )
            while deadline is None or time.monotonic() < deadline:
                written = imitator.tick(clock())
                for line in written:
                    if show_rows:
                        out.write(tr(language, "demo_row", line=line) + "\n")
                if written:
                    # Only then: a wake on every pass would keep the watcher's debounce
                    # from ever ending, and it would read the file every 2 s at most.
                    service.wake()
                changed.wait(1.0 / max(speed, 1.0))
                changed.clear()
                check_due(config, ledger, clock())
                colleague.act(ledger, notifier, clock())
                notifier.drain()
            service.scan_now()
            notifier.drain()
            today = parse_period("today", clock().date())
            out.write(tr(language, "demo_end"))
            stats = load_stats(ledger, today, config, now=clock())
            out.write(render_stats(stats, today, language) + "\n")
    except KeyboardInterrupt:
        out.write("\n")
    finally:
        service.stop()
    return 0
