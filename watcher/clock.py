"""The office clock: wall time in the office's time zone, naive like the PBX's timestamps.

The ledger stores the PBX's local wall time, so every "now" compared with it must be the
same kind of value; both sides take it from here so a test can inject its own clock.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from watcher.config import Config
from watcher.hours import repeated


def local_now(config: Config) -> datetime:
    """Wall time in the office's time zone, naive like the PBX's own timestamps."""
    return datetime.now(config.tz).replace(tzinfo=None)


def after_clocks_went_back(first: datetime, then: datetime, zone: tzinfo) -> bool:
    """Whether ``then``, read after ``first`` yet reading earlier, is the later of the
    two: both in the repeated hour, ``first`` in summer time and ``then`` in winter time
    (a callback at 03:05 to a call missed at 03:50, a quarter of an hour later)."""
    return then < first and repeated(first, zone) and repeated(then, zone)
