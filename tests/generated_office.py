"""A ledger of generated traffic: two weeks of the demo's office, imported for real.

The first days go in as history (silent cases, the stale ones written off), the last
days as live traffic (posted cases, some left open), and a few cases are closed by a
person, so every way a case ends is in the figures the tests compare.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from watcher.config import Config
from watcher.ingest import Ingestor
from watcher.ledger import Ledger
from watcher.sim.demo_traffic import WinTariffImitator
from watcher.sim.wintariff import CallsDbfWriter
from watcher.vocab import CaseStatus

FIRST_DAY = date(2024, 4, 22)  # a Monday
HISTORY_DAYS = 11
LIVE_DAYS = 3


@dataclass(frozen=True)
class GeneratedOffice:
    config: Config
    database: Path
    first_day: date
    last_day: date


def _evening(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 19, 0)


def build_generated_office(config: Config, *, seed: int = 11) -> GeneratedOffice:
    """Write the traffic to ``config.source.path`` and import it into the config's ledger."""
    writer = CallsDbfWriter.create(config.source.path)
    imitator = WinTariffImitator(writer, rng=random.Random(seed))
    days = [FIRST_DAY + timedelta(days=n) for n in range(HISTORY_DAYS + LIVE_DAYS)]
    with Ledger(config.database_path) as ledger:
        for day in days[:HISTORY_DAYS]:
            imitator.seed_history(_evening(day), hours=11)
        last_history = _evening(days[HISTORY_DAYS - 1])
        Ingestor(config, ledger, clock=lambda: last_history).scan(history=True)
        for day in days[HISTORY_DAYS:]:
            imitator.seed_history(_evening(day), hours=11)
        last = _evening(days[-1])
        Ingestor(config, ledger, clock=lambda: last, wall=lambda: 0.0).scan()
        open_cases = sorted(ledger.open_cases(), key=lambda c: c.id)
        for index, case in enumerate(open_cases[::2]):
            # Every third as 🚫 not needed (spam, a wrong number), the others as ✅.
            close = ledger.close_not_needed if index % 3 == 2 else ledger.close_by_user
            close(
                case.id,
                user_id=100 + index,
                user_name=f"Оператор {index}",
                now=case.last_at + timedelta(minutes=7 * index + 3),
            )
        assert any(c.status == CaseStatus.OPEN for c in ledger.open_cases())
    return GeneratedOffice(config, config.database_path, days[0], days[-1])
