"""The office clock: wall time in the office's time zone, naive like the PBX's timestamps.

The ledger stores the PBX's local wall time, so every "now" compared with it must be the
same kind of value; both sides take it from here so a test can inject its own clock.
"""

from __future__ import annotations

from datetime import datetime

from watcher.config import Config


def local_now(config: Config) -> datetime:
    """Wall time in the office's time zone, naive like the PBX's own timestamps."""
    return datetime.now(config.tz).replace(tzinfo=None)
