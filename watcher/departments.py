"""Departments the ledger knows that the config no longer names: the admin renamed one,
or removed it, between two starts.

Cases carry their department's name. A department renamed in the config (same chat, new
name) would otherwise leave its open cases under the old name: /missed in its chat no
longer lists them, and the caller's next missed call opens a second card beside the old
one. So at start each such name is followed to the department that has its chat now, when
exactly one has; otherwise its open cases stay as they are and the admin is told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from watcher.config import Config
from watcher.ledger import Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DepartmentGone:
    """A department name of the ledger the config lacks; ``moved_to`` the department that
    took its cases (None: none could), ``open_cases`` how many were open."""

    name: str
    moved_to: str | None
    open_cases: int


def follow_departments(ledger: Ledger, config: Config, now: datetime) -> list[DepartmentGone]:
    """Move the cases of each department the config no longer names to the one department
    that has its chat now, and say in the log what became of them."""
    known = {d.name for d in config.departments}
    found: list[DepartmentGone] = []
    for name, chat, open_cases in ledger.stored_departments():
        if name in known:
            continue
        heirs = [d.name for d in config.departments if chat is not None and d.chat == chat]
        if len(heirs) == 1:
            moved = ledger.move_department(name, heirs[0], now)
            log.warning(
                "department %r is not in the config any more; its chat %s is department %r's"
                " now, so its cases (%d open) and figures are that department's from now on",
                name,
                chat,
                heirs[0],
                moved,
            )
            found.append(DepartmentGone(name, heirs[0], moved))
            continue
        if open_cases:
            log.warning(
                "department %r is not in the config any more and no department has its chat;"
                " its %d open missed calls stay open: they are listed in /missed of the"
                " managers' chat and are closed there or by a callback as usual",
                name,
                open_cases,
            )
        found.append(DepartmentGone(name, None, open_cases))
    return found
