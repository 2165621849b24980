"""``perezvon demo``: a generated WinTariff file, the real watcher, cases on the console.

The demo does what an install does: the morning's history is imported first without
notifications, then the watcher thread picks up each new row as WinTariff writes it and
the console notifier prints what the department chats would get.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from watcher.clock import local_now
from watcher.config import Config, parse_config
from watcher.ingest import Ingestor
from watcher.ledger import Ledger
from watcher.service import WatcherService
from watcher.sim.console import ConsoleNotifier
from watcher.sim.demo_traffic import CUSTOMER_NUMBERS, EMPLOYEE_MOBILES, WinTariffImitator
from watcher.sim.wintariff import CallsDbfWriter
from watcher.stats import load_stats, parse_period, render_stats
from watcher.texts import tr

DEMO_CONTACTS = (
    (CUSTOMER_NUMBERS[1], "Ирина Соколова", "ООО «Вектор»"),
    (CUSTOMER_NUMBERS[3], "Павел Орлов", ""),
    (CUSTOMER_NUMBERS[4], "Бухгалтерия «Альфа-Строй»", "АО «Альфа-Строй»"),
)


def demo_config(folder: Path, language: str) -> Config:
    """The embedded config the demo runs on: two departments, contacts, employees."""
    sales, support = department_names(language)
    contacts = folder / "contacts.csv"
    contacts.write_text(
        "phone,name,company\n" + "".join(f"{p},{n},{c}\n" for p, n, c in DEMO_CONTACTS),
        encoding="utf-8",
    )
    return parse_config(
        {
            "language": language,
            "source": {"path": str(folder / "Calls.dbf"), "settle_seconds": 30},
            "database": {"path": str(folder / "perezvon.db")},
            "rules": {
                "callback_min_seconds": 5,
                "employee_numbers": list(EMPLOYEE_MOBILES),
                "contacts_csv": str(contacts),
            },
            "department": [
                {
                    "name": sales,
                    "chat": -1001000000001,
                    "extensions": ["620", "201-205"],
                    "default": True,
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
    """Run the demo for ``seconds`` of real time; ``speed`` > 1 fast-forwards the office."""
    config = demo_config(folder, language)
    sales, support = department_names(language)
    started, origin = time.monotonic(), local_now(config)

    def clock() -> datetime:
        return origin + timedelta(seconds=(time.monotonic() - started) * speed)

    writer = CallsDbfWriter.create(config.source.path)
    imitator = WinTariffImitator(
        writer,
        rng=random.Random(seed),
        departments={sales: ["620"], support: ["630"]},
    )
    rows = imitator.seed_history(clock(), hours=8)
    with Ledger(config.database_path) as ledger:
        Ingestor(config, ledger, clock=clock).scan(history=True)
    out.write(tr(language, "demo_intro", dbf=config.source.path, rows=rows))
    out.flush()

    changed = threading.Event()
    service = WatcherService(config, on_change=changed.set, clock=clock, recheck_seconds=2)
    service.start()
    deadline = time.monotonic() + seconds if seconds > 0 else None
    try:
        with Ledger(config.database_path) as ledger:
            notifier = ConsoleNotifier(ledger, language=language, out=out, clock=clock)
            while deadline is None or time.monotonic() < deadline:
                for line in imitator.tick(clock()):
                    if show_rows:
                        out.write(tr(language, "demo_row", line=line) + "\n")
                service.wake()
                changed.wait(1.0 / max(speed, 1.0))
                changed.clear()
                notifier.drain()
            service.scan_now()
            notifier.drain()
            today = parse_period("today", clock().date())
            out.write(tr(language, "demo_end"))
            out.write(render_stats(load_stats(ledger, today), today, language) + "\n")
    except KeyboardInterrupt:
        out.write("\n")
    finally:
        service.stop()
    return 0
