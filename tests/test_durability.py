"""Durability: every ledger connection the service opens syncs each commit to disk.

A power cut may cost the one request in flight, never a change the chats were shown
(DESIGN "Operations -> Durability"). The power-cut test itself needs root and FUSE:
``make powerloss`` (benchmarks/powerloss.py), not part of ``make test``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.app import build_application, runtime
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter

FULL = 2  # PRAGMA synchronous


def synchronous(ledger: Ledger) -> int:
    return int(ledger.conn.execute("PRAGMA synchronous").fetchone()[0])


def test_a_ledger_syncs_every_commit(tmp_path: Path) -> None:
    with Ledger(tmp_path / "perezvon.db") as ledger:
        assert synchronous(ledger) == FULL
        with ledger.bulk_pass():  # a long pass trades cache and checkpoints, not syncs
            assert synchronous(ledger) == FULL


def test_the_watcher_thread_connection_is_durable(
    phone_config: Callable[..., Config], calls_dbf: CallsDbfWriter
) -> None:
    service = WatcherService(phone_config())
    try:
        assert service.scan_now() is not None
        assert service._ledger is not None
        assert synchronous(service._ledger) == FULL
    finally:
        service.stop()


def test_the_bot_connection_is_durable(phone_config: Callable[..., Config]) -> None:
    application = build_application(phone_config(), "123:abc", "http://127.0.0.1:9/bot")
    ledger = runtime(application).ledger
    try:
        assert synchronous(ledger) == FULL
    finally:
        ledger.close()
