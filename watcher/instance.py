"""Who is using a ledger: one ``perezvon run`` at a time, and no import of its live file.

``run`` holds an OS-level lock on ``perezvon.db.lock`` next to the ledger for as long as
it runs. The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on
Windows), via the ``filelock`` package, so it belongs to the process: when a
killed or crashed ``run`` is gone, so is its lock, and a lock file left on disk blocks
nobody. Two ``run``\\ s would both poll Telegram (409 Conflict) and both post; an import of
the file ``run`` reads would race it for the same cursor and rows.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

# How long ``run`` waits for the lock: a `check` that looks at it that very moment, or a
# service manager restarting ``run`` before the old process has quite exited.
RUN_WAIT_SECONDS = 5.0


class LedgerInUse(Exception):
    """Another process holds the ledger's lock (a ``perezvon run``, or an import)."""

    def __init__(self, lock: Path) -> None:
        super().__init__(f"{lock} is held by another Perezvon process")
        self.lock = lock


def lock_path(database: Path) -> Path:
    """``perezvon.db`` -> ``perezvon.db.lock``, beside it."""
    database = database.absolute()
    return database.with_name(database.name + ".lock")


class LedgerLock:
    """The lock of one ledger; ``acquire`` raises :class:`LedgerInUse` when it is taken."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._lock = FileLock(str(self.path))

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self, wait: float = 0.0) -> LedgerLock:
        """Take the lock within ``wait`` seconds; OSError when its folder is not writable."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=wait)
        except Timeout:
            raise LedgerInUse(self.path) from None
        return self

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> LedgerLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def in_use(database: Path) -> bool:
    """Whether another process holds the ledger's lock right now (a running ``run``)."""
    if not database.absolute().parent.is_dir():
        return False
    lock = LedgerLock(database)
    try:
        lock.acquire()
    except LedgerInUse:
        return True
    except OSError:  # a folder we may not write to: nobody can hold a lock there either
        return False
    lock.release()
    return False
