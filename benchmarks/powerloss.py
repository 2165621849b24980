"""Power-cut test: the real service on LazyFS, SIGKILL plus dropped unsynced writes, restart.

Run ``python benchmarks/powerloss.py [--cuts 30] [--seed 1]`` as root (or ``make powerloss``,
which builds LazyFS first). LazyFS (``../shared/tools/lazyfs``) keeps every write in its own
cache until ``fsync``; ``lazyfs::clear-cache`` on its control FIFO drops what was not synced,
which is what a power cut does to the page cache. Everything lives in a temporary folder:

* ``pbx/Calls.dbf`` on the normal disk (the PBX's file survives the cut), written with
  :class:`watcher.sim.wintariff.CallsDbfWriter` in this process;
* ``ledger/`` is the LazyFS mount (backing folder ``ledger.backing/``) holding the SQLite
  ledger, and only that;
* ``tests.fake_bot_api.FakeBotApi`` on 127.0.0.1 in this process plays Telegram (it survives
  the cut, as Telegram's servers do);
* ``perezvon run`` is a separate process, so the SIGKILL is real; it runs the code of the
  checkout this file is in (``PYTHONPATH``), so a copy of an older commit measures that one.

Traffic is mixed: missed calls (some ringing twice), callers coming back after their case was
closed (a new case), answered and internal calls, callbacks that close cases from the call
log, and button presses (close, undo) injected as ``callback_query`` updates on the messages
the service posted. It is spread over several department chats and asks no chat for more
messages (posts and edits) than Telegram carries in one group, 20 a minute, with room to
spare (see ``TRAFFIC_BURST``); the summary shows the most any chat received in 60 s.
Each cut kills the service and clears the LazyFS cache at once, in turn: at a random
moment, right after a press was confirmed with the toast "Отмечено: перезвонили"
(answerCallbackQuery answered), and right after a post was accepted (sendMessage answered).
Then ``PRAGMA integrity_check`` runs on a copy of the files as the cut left them, a call and
a press may arrive while the service is down, ``perezvon run`` starts again on the same files
and, once it has read the whole Calls.dbf and emptied its outbox, the ledger is compared with
what the PBX wrote and the chats were told. A case is known by its caller and its first call:

* lost cases: a missed call in Calls.dbf that no case of its caller spans;
* lost confirmed presses: the last toast of a press on a case said it was closed, and the
  caller's case spanning its first call is not closed;
* duplicate posts: a second post of the same case (caller and first call as the post shows
  them), counted per cut (the posts between one cut and the next);
* misdirected buttons: a message whose button (``c:57``) names a case of another caller than
  the number the message shows;
* integrity after each cut, and whether the service came up (polling, Calls.dbf read, outbox
  empty) every time without help.

LazyFS never writes back on its own, so an unsynced write is lost however old it is: the
worst case of a page cache, which is what ``fsync`` promises to cover.

It prints one line per cut, PASS/FAIL per target and one ``JSON {...}`` line. The exit status
is 0 whatever the figures (this is a report, not a test) unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import random
import re
import resource
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from benchmarks.verdict import verdict  # noqa: E402
from tests.fake_bot_api import FakeBotApi, RecordedCall, make_user  # noqa: E402
from watcher.clock import local_now  # noqa: E402
from watcher.config import Config, load_config  # noqa: E402
from watcher.ledger import Ledger  # noqa: E402
from watcher.sim.wintariff import CallsDbfWriter, make_row  # noqa: E402

DEFAULT_LAZYFS = (
    Path(os.environ.get("LAZYFS_BUILD", "/tmp/lazyfs-build")) / "src/lazyfs/build/lazyfs"
)
MANAGERS_CHAT = -1001000000000
SALES_CHAT = -1001000000001
SERVICE_CHAT = -1001000000002


@dataclass(frozen=True)
class Dept:
    """A department of the harness's office: its chat, the extension its missed calls ring
    and its staff's extensions (a callback goes out from the first)."""

    name: str
    chat: int
    extension: str
    staff: str


# Twenty departments, each with its own group: Telegram carries about 20 messages a minute
# to one group, so the traffic is spread over many (see TRAFFIC_BURST), enough of them for
# presses and posts to be in flight at every cut (about 100 confirmed presses in 30 cuts).
DEPARTMENTS = (
    Dept("Отдел продаж", SALES_CHAT, "620", "201-209"),
    Dept("Сервис", SERVICE_CHAT, "630", "301-309"),
    Dept("Бухгалтерия", -1001000000003, "640", "401-409"),
    Dept("Склад", -1001000000004, "650", "501-509"),
    Dept("Доставка", -1001000000005, "660", "701-709"),
    Dept("Монтаж", -1001000000006, "670", "801-809"),
    Dept("Гарантия", -1001000000007, "680", "901-909"),
    Dept("Опт", -1001000000008, "690", "101-109"),
    Dept("Закупки", -1001000000009, "610", "211-219"),
    Dept("Кадры", -1001000000010, "600", "311-319"),
    Dept("Филиал Север", -1001000000011, "720", "221-229"),
    Dept("Филиал Юг", -1001000000012, "730", "231-239"),
    Dept("Филиал Запад", -1001000000013, "740", "241-249"),
    Dept("Филиал Восток", -1001000000014, "750", "251-259"),
    Dept("Сервисный центр", -1001000000015, "760", "261-269"),
    Dept("Интернет-магазин", -1001000000016, "770", "271-279"),
    Dept("Колл-центр", -1001000000017, "780", "281-289"),
    Dept("Ремонт", -1001000000018, "790", "291-299"),
    Dept("Аренда", -1001000000019, "820", "321-329"),
    Dept("Маркетинг", -1001000000020, "830", "331-339"),
)
DEPARTMENT_EXTENSION = {d.chat: d.extension for d in DEPARTMENTS}
CALLBACK_EXTENSION = {d.chat: d.staff.split("-")[0] for d in DEPARTMENTS}
# New callers per department: sales rings most, as in a real office.
CHAT_WEIGHT = {d.chat: 4.0 if d.chat == SALES_CHAT else 1.0 for d in DEPARTMENTS}
ADMIN_ID = 1
USER = make_user(101, "Иван", "ivan", last_name="Петров")


def _text(key: str, fallback: str) -> str:
    """A Russian chat text from the catalog (it moved from bot/ to watcher/), else as known."""
    for module in ("watcher.texts", "bot.texts"):
        try:
            return str(importlib.import_module(module).tr("ru", key))
        except (ImportError, AttributeError, KeyError):
            continue
    return fallback


TOAST_CLOSED = _text("toast_closed", "Отмечено: перезвонили")
TOAST_REOPENED = _text("toast_reopened", "Отметка снята, звонок снова ждёт")
CASE_TITLE = "Пропущенный звонок"
E164 = re.compile(r"\+7\d{10}")
MOMENT = re.compile(r"\d{2}\.\d{2} \d{2}:\d{2}")  # a post's first call: 01.12 07:10
BUTTON = re.compile(r"^([cu]):(\d+)$")
KINDS = ("random", "toast", "post")

# Every wait is bounded; these are the bounds.
MOUNT_TIMEOUT = 15.0
CLEAR_TIMEOUT = 10.0
START_TIMEOUT = 30.0  # spawn -> polling getUpdates
CATCH_UP_TIMEOUT = 40.0  # polling -> Calls.dbf read, outbox empty, presses answered
STOP_TIMEOUT = 20.0
TRIGGER_TIMEOUT = 8.0  # a toast/post cut not triggered by then becomes a random one
RANDOM_CUT_AFTER = (0.8, 4.0)  # seconds of traffic before a random cut
ARM_AFTER = (0.5, 2.5)  # seconds of traffic before a triggered cut is armed
EVENT_GAP = (0.06, 0.3)  # seconds between two traffic events
# Telegram lets a bot send about 20 messages a minute to one group, edits included, and the
# bot keeps that limit (bot/app.py RateLimits: 5 at once, then one per 4 s, 15 a minute
# sustained), so traffic that asks one group for more builds a backlog no restart can drain
# in CATCH_UP_TIMEOUT. Each chat therefore has its own leaky bucket here: an event that
# makes the bot post or edit in a chat (a new case, a caller back, a press, a callback) goes
# only while that chat's bucket has room, TRAFFIC_BURST at once, then one per TRAFFIC_DRIP
# seconds, so the traffic asks at most 2 + 60/5 = 14 messages of a chat in any 60 s, across
# phases and restarts alike; the rest of the events are calls that post nothing (noise). The
# margin below 20 is for what the bot sends again after a cut (a post or edit whose record
# the cut took) and for a restarted process, whose own bucket starts full. The summary
# reports the most messages any chat received in 60 s against TELEGRAM_GROUP_PER_MINUTE.
TRAFFIC_BURST = 2
TRAFFIC_DRIP = 5.0
TELEGRAM_GROUP_PER_MINUTE = 20
TELEGRAM_WINDOW = 60.0
MAX_EVENTS_PER_PHASE = 300
PRESS_AFTER_ROW = 1.5  # a message is pressed once its last call is this old (seconds)
QUIET = 0.3  # the caught-up state must hold this long
PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


# -- LazyFS ----------------------------------------------------------------------------


class LazyFs:
    """One LazyFS mount over ``work/ledger`` with its FIFOs; :meth:`close` always unmounts."""

    def __init__(self, binary: Path, work: Path) -> None:
        self.binary = binary
        self.mount = work / "ledger"
        self.backing = work / "ledger.backing"
        self.config = work / "lazyfs.toml"
        self.fifo = work / "lazyfs.fifo"
        self.done_fifo = work / "lazyfs-done.fifo"
        self.log = work / "lazyfs.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._cmd_fd: int | None = None
        self._done_fd: int | None = None

    def start(self) -> None:
        self.mount.mkdir()
        self.backing.mkdir()
        self.config.write_text(
            "[faults]\n"
            f'fifo_path="{self.fifo}"\n'
            f'fifo_path_completed="{self.done_fifo}"\n'
            "[cache]\napply_eviction=false\n"
            '[cache.simple]\ncustom_size="512mb"\nblocks_per_page=1\n'
            f'[filesystem]\nlog_all_operations=false\nlogfile="{self.log}"\n',
            encoding="utf-8",
        )
        os.mkfifo(self.fifo)
        os.mkfifo(self.done_fifo)
        # LazyFS opens the "completed" FIFO for writing and blocks until a reader exists.
        self._done_fd = os.open(self.done_fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.proc = subprocess.Popen(
            [
                str(self.binary),
                str(self.mount),
                "--config-path",
                str(self.config),
                "-o",
                "allow_other",
                "-o",
                "modules=subdir",
                "-o",
                f"subdir={self.backing}",
                "-f",
            ],
            cwd=self.mount.parent,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_no_core_dumps,
        )
        deadline = time.monotonic() + MOUNT_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lazyfs exited with {self.proc.returncode}: {self._log_tail()}")
            if os.path.ismount(self.mount) and self._open_fifo():
                return
            time.sleep(0.05)
        raise RuntimeError(f"LazyFS did not mount {self.mount} in {MOUNT_TIMEOUT:g} s")

    def _open_fifo(self) -> bool:
        try:  # succeeds once LazyFS's fault thread holds the FIFO open
            self._cmd_fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return False
        return True

    def clear_cache(self) -> None:
        """Drop every unsynced write; returns once LazyFS reports it done."""
        assert self._cmd_fd is not None and self._done_fd is not None
        with contextlib.suppress(BlockingIOError):
            os.read(self._done_fd, 4096)  # nothing stale
        os.write(self._cmd_fd, b"lazyfs::clear-cache\n")
        received = b""
        deadline = time.monotonic() + CLEAR_TIMEOUT
        while b"finished::clear-cache" not in received:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"LazyFS did not confirm clear-cache in {CLEAR_TIMEOUT:g} s")
            ready, _, _ = select.select([self._done_fd], [], [], min(left, 0.5))
            if ready:
                with contextlib.suppress(BlockingIOError):
                    received += os.read(self._done_fd, 4096)

    def close(self) -> None:
        """Unmount (lazily if busy) and end the LazyFS process; safe to call twice."""
        if self.proc is not None and os.path.ismount(self.mount):
            for command in (["fusermount3", "-u"], ["fusermount3", "-uz"], ["umount", "-l"]):
                with contextlib.suppress(OSError, subprocess.SubprocessError):
                    subprocess.run(
                        [*command, str(self.mount)], capture_output=True, timeout=10, check=False
                    )
                if not os.path.ismount(self.mount):
                    break
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        for name in ("_cmd_fd", "_done_fd"):
            fd = getattr(self, name)
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, name, None)

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-5:])
        except OSError:
            return "(no log)"


def _no_core_dumps() -> None:
    # LazyFS aborts on unmount ("terminate called without an active exception").
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# -- the service process -----------------------------------------------------------------


class Service:
    """``perezvon run`` as a child process; one log file per start."""

    def __init__(self, work: Path, config_path: Path, api: FakeBotApi) -> None:
        self.work = work
        self.config_path = config_path
        self.api = api
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.logs: list[Path] = []
        exe = Path(sys.executable).with_name("perezvon")
        self.command = (
            [str(exe), "run"] if exe.exists() else [sys.executable, "-m", "bot.cli", "run"]
        )

    def spawn(self) -> float:
        self.starts += 1
        log_path = self.work / f"service-{self.starts:02d}.log"
        self.logs.append(log_path)
        env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS}
        env.update(
            TELEGRAM_BOT_TOKEN=self.api.token,
            TELEGRAM_BASE_URL=self.api.base_url,
            PEREZVON_CONFIG=str(self.config_path),
            NO_PROXY="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
            # The service runs the code of the checkout this file is in, whatever the
            # venv's editable install points at.
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        )
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                self.command,
                cwd=self.work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return time.monotonic()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL by pid and reap; no-op when not running."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    async def stop(self) -> int | None:
        """SIGTERM and wait (a clean stop); SIGKILL when it takes too long.

        The wait must not block the event loop: the fake Bot API answers the service's
        last getUpdates (the offset confirmation) from it.
        """
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            deadline = time.monotonic() + STOP_TIMEOUT
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if self.proc.poll() is None:
                self.kill()
        return self.proc.returncode

    def log_tail(self, lines: int = 8) -> str:
        if not self.logs:
            return ""
        text = self.logs[-1].read_text(encoding="utf-8", errors="replace")
        return "\n".join("    " + line for line in text.splitlines()[-lines:])


# -- the fake Telegram, with a hook after each answer ---------------------------------------


class PowerApi(FakeBotApi):
    """:class:`FakeBotApi` that calls ``after_answer`` once a successful answer went out.

    ``after_answer`` returns a coroutine to run after the response is on the wire (the
    power cut), or None.
    """

    def __init__(self) -> None:
        super().__init__()
        self.after_answer: Callable[[RecordedCall], Any] | None = None
        self._current: dict[int, RecordedCall] = {}

    def _record(self, call: RecordedCall) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._current[id(task)] = call
        super()._record(call)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        try:
            response = await super()._handle(request)
            call = self._current.get(id(task)) if task is not None else None
        finally:
            if task is not None:
                self._current.pop(id(task), None)
        hook = self.after_answer
        if hook is None or call is None or call.failed:
            return response
        action = hook(call)
        if action is not None:
            try:  # the answer reaches the service first
                await response.prepare(request)
                await response.write_eof()
            except (ConnectionError, RuntimeError):
                pass  # the service went away meanwhile: cut all the same
            await action
        return response


# -- the office model ---------------------------------------------------------------------


def moment_label(moment: datetime) -> str:
    """A case's first call as its post shows it (``01.12 07:10``)."""
    return moment.strftime("%d.%m %H:%M")


@dataclass
class Episode:
    """One case as the office lives it: a caller's missed call(s) until someone calls back.

    A caller may come back after a close: that is a new episode, a new case, a new post.
    """

    key: int
    caller: str  # E.164, as the post shows it
    chat: int
    first_at: datetime
    rows: list[datetime] = field(default_factory=list)
    last_row_at: float = 0.0  # monotonic time the last of its rows was written
    closed_by_call: bool = False
    presses: int = 0
    expect: str | None = None  # "closed" / "open": what the last confirming toast said
    undone: bool = False
    pending: str | None = None  # callback query id not answered yet

    @property
    def label(self) -> str:
        return moment_label(self.first_at)

    @property
    def done(self) -> bool:
        return self.closed_by_call or self.expect == "closed"


@dataclass
class Press:
    query_id: str
    episode: int
    action: str
    data: str
    at: float
    foreign: bool | None  # the button named another caller's case when pressed
    toasts: list[str] = field(default_factory=list)


@dataclass
class CutReport:
    index: int
    kind: str
    label: str
    phase_seconds: float
    episodes_before: int
    confirmed_before: int
    integrity: str = "?"
    snapshot_cases: int | None = None
    snapshot_confirmed: int | None = None
    started: bool = False
    start_seconds: float | None = None
    caught_up: bool = False
    catch_up_seconds: float | None = None
    note: str = ""
    lost_cases: int = 0
    lost_presses: int = 0
    new_lost_presses: int = 0
    lost_undos: int = 0
    misdirected: int = 0
    dangling: int = 0
    duplicates: int = 0


@dataclass
class LedgerView:
    """The parts of the ledger the checks need."""

    remote_of: dict[int, str] = field(default_factory=dict)
    cases: dict[str, list[tuple[datetime, datetime, str]]] = field(default_factory=dict)

    def covering(self, remote: str, moment: datetime) -> list[str]:
        """Statuses of the cases of ``remote`` whose calls span ``moment``."""
        return [s for first, last, s in self.cases.get(remote, []) if first <= moment <= last]


def read_view(rows: list[tuple[Any, ...]]) -> LedgerView:
    view = LedgerView()
    for case_id, remote, status, first_at, last_at in rows:
        view.remote_of[int(case_id)] = str(remote)
        span = (datetime.fromisoformat(first_at), datetime.fromisoformat(last_at), str(status))
        view.cases.setdefault(str(remote), []).append(span)
    return view


CASES_SQL = "SELECT id, remote, status, first_at, last_at FROM cases"


def integrity_of(db: Path, scratch: Path) -> tuple[str, LedgerView | None]:
    """``PRAGMA integrity_check`` on a copy of the database and its WAL, as they are now."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    if not db.exists():
        return "ok (no database file)", None
    copy = scratch / db.name
    shutil.copyfile(db, copy)
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        shutil.copyfile(wal, scratch / wal.name)
    try:
        conn = sqlite3.connect(copy, timeout=5)
        try:
            rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
            result = "ok" if rows == ["ok"] else "; ".join(rows[:3])
            try:
                view = read_view(conn.execute(CASES_SQL).fetchall())
            except sqlite3.Error:  # no tables: the cut took the schema too
                view = LedgerView()
                result += " (empty: no tables)"
        finally:
            conn.close()
    except sqlite3.Error as error:
        return f"error: {error}", None
    return result, view


def _case_button(chat: int, message: dict[str, Any]) -> tuple[str, str, str] | None:
    """(caller, first call, callback data) of a case post with a close/undo button."""
    if chat not in DEPARTMENT_EXTENSION:
        return None
    text = str(message.get("text", ""))
    if CASE_TITLE not in text:
        return None
    number = E164.search(text)
    moment = MOMENT.search(text)
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    data = str(rows[0][0].get("callback_data", "")) if rows and rows[0] else ""
    if number is None or not BUTTON.match(data):
        return None
    return number.group(0), moment.group(0) if moment else "", data


class ChatBudget:
    """The traffic's leaky bucket per chat (``TRAFFIC_BURST``, ``TRAFFIC_DRIP``) and the
    moments it asked each chat for a message."""

    def __init__(self, burst: int = TRAFFIC_BURST, drip: float = TRAFFIC_DRIP) -> None:
        self.burst = burst
        self.drip = drip
        self._level: dict[int, float] = {}
        self._at: dict[int, float] = {}
        self.asked: dict[int, list[float]] = {}

    def _now_level(self, chat: int, now: float) -> float:
        level = self._level.get(chat, 0.0) - (now - self._at.get(chat, now)) / self.drip
        return max(level, 0.0)

    def free(self, chat: int) -> bool:
        return self._now_level(chat, time.monotonic()) + 1 <= self.burst + 1e-9

    def take(self, chat: int) -> None:
        now = time.monotonic()
        self._level[chat] = self._now_level(chat, now) + 1
        self._at[chat] = now
        self.asked.setdefault(chat, []).append(now)

    @property
    def per_window(self) -> int:
        """The most a chat is asked for in any ``TELEGRAM_WINDOW``."""
        return self.burst + int(TELEGRAM_WINDOW / self.drip)


# Requests that put a message in a chat or change one: what Telegram's per-group limit counts.
MESSAGE_METHOD_PREFIXES = ("send", "edit", "copy", "forward")


def max_in_window(times: list[float], window: float = TELEGRAM_WINDOW) -> int:
    """The most of ``times`` in any half-open span of ``window`` seconds."""
    times = sorted(times)
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def messages_per_chat(calls: list[RecordedCall]) -> dict[int, list[float]]:
    """chat -> arrival times of every message request to it (posts, edits, other sends;
    failed ones too: Telegram counts what it was asked)."""
    found: dict[int, list[float]] = {}
    for call in calls:
        if not call.method.startswith(MESSAGE_METHOD_PREFIXES):
            continue
        chat = call.params.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            found.setdefault(int(chat), []).append(call.time)
    return found


class Harness:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.rng = random.Random(args.seed)
        self.budget = ChatBudget()
        self.lazyfs = LazyFs(Path(args.lazyfs), work)
        self.api = PowerApi()
        self.api.after_answer = self._after_answer
        self.config_path = work / "perezvon.toml"
        self.dbf_path = work / "pbx" / "Calls.dbf"
        self.db_path = self.lazyfs.mount / "perezvon.db"
        self.config: Config | None = None
        self.dbf: CallsDbfWriter | None = None
        self.service: Service | None = None
        self.episodes: list[Episode] = []
        self.by_caller: dict[str, list[Episode]] = {}
        self.raw_of: dict[str, str] = {}  # E.164 -> the number as CALLERID/NUMBER has it
        self.last_call: dict[str, datetime] = {}  # E.164 -> its latest row of any kind
        self.presses: dict[str, Press] = {}
        self.posts: Counter[tuple[str, str]] = Counter()  # (caller, first call) -> posts
        self.duplicates: Counter[int] = Counter()  # interval (cuts so far) -> duplicate posts
        self.toasts: Counter[str] = Counter()
        self.cut_times: list[float] = []
        self.reports: list[CutReport] = []
        self.lost_cases: set[int] = set()
        self.lost_presses: set[int] = set()
        self.lost_undos: set[int] = set()
        self.misdirected: set[tuple[int, int, str, str]] = set()
        self.dangling: set[tuple[int, int, str]] = set()
        self.max_misdirected = 0
        self.foreign_confirmed = 0
        self.unanswered = 0
        self.rows_written = 0
        self.returns = 0
        self._numbers = iter(range(self.rng.randrange(1_000_000, 5_000_000), 10_000_000))
        self._noise = iter(range(self.rng.randrange(1_000_000, 5_000_000), 10_000_000))
        self._armed: str | None = None
        self._cut_label = ""
        self._cut_done = asyncio.Event()
        self._cutting = False
        self.sqlite_setting = ""

    # -- set-up ---------------------------------------------------------------------------

    def write_config(self) -> None:
        (self.work / "pbx").mkdir()
        departments = "".join(
            f'[[department]]\nname = "{d.name}"\nchat = {d.chat}\n'
            f'extensions = ["{d.extension}", "{d.staff}"]\n'
            + ("default = true\n" if d.chat == SALES_CHAT else "")
            for d in DEPARTMENTS
        )
        self.config_path.write_text(
            f"""language = "ru"
timezone = "Europe/Moscow"
[source]
path = "{self.dbf_path}"
encoding = "auto"
poll_interval = 0
settle_seconds = 30
[database]
path = "{self.db_path}"
[rules]
callback_min_seconds = 5
employee_numbers = ["+79990000000"]
[telegram]
managers_chat = {MANAGERS_CHAT}
admins = [{ADMIN_ID}]
daily_summary = ""
{departments}""",
            encoding="utf-8",
        )
        self.config = load_config(self.config_path)
        self.dbf = CallsDbfWriter.create(self.dbf_path)
        # Some history: the first pass treats it as the past (silent cases).
        old = self.now() - timedelta(days=3)
        for i in range(20):
            self._other_call(old + timedelta(minutes=7 * i), missed=i % 3 == 0)
        probe = Ledger(self.work / "probe.db")
        try:
            mode = probe.conn.execute("PRAGMA journal_mode").fetchone()[0]
            level = int(probe.conn.execute("PRAGMA synchronous").fetchone()[0])
        finally:
            probe.close()
        names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        self.sqlite_setting = f"journal_mode={mode}, synchronous={names.get(level, level)}"

    def now(self) -> datetime:
        assert self.config is not None
        return local_now(self.config).replace(microsecond=0)

    # -- Calls.dbf traffic ------------------------------------------------------------------

    def _append(self, rows: list[dict[str, object]]) -> None:
        assert self.dbf is not None
        self.dbf.append_many(rows)
        self.rows_written += len(rows)

    def _missed_row(self, caller: str, chat: int, when: datetime) -> dict[str, object]:
        return make_row(
            when=when,
            duration=0,
            extension=DEPARTMENT_EXTENSION[chat],
            callerid=self.raw_of[caller],
            calltype="I",
            callmode="NA",
            ring=self.rng.randint(8, 45),
        )

    def _episode(self, caller: str, chat: int, times: list[datetime]) -> None:
        self._append([self._missed_row(caller, chat, when) for when in times])
        episode = Episode(len(self.episodes), caller, chat, times[0], list(times))
        episode.last_row_at = time.monotonic()
        self.episodes.append(episode)
        self.by_caller.setdefault(caller, []).append(episode)
        self.last_call[caller] = max(times)

    def new_missed(self, repeat: bool = False) -> bool:
        """A missed call from a new caller; ``repeat``: it rang twice (two rows at once).

        False (and nothing written) when no chat has room for its post."""
        chats = [chat for chat in CHAT_WEIGHT if self.budget.free(chat)]
        if not chats:
            return False
        chat = self.rng.choices(chats, weights=[CHAT_WEIGHT[c] for c in chats])[0]
        self.budget.take(chat)
        n = next(self._numbers)
        caller = f"+7916{n:07d}"
        self.raw_of[caller] = f"8916{n:07d}"
        now = self.now()
        times = [now - timedelta(seconds=self.rng.randint(15, 50))]
        if repeat:
            times.insert(0, now - timedelta(seconds=self.rng.randint(70, 110)))
        self._episode(caller, chat, times)
        return True

    def returning(self) -> bool:
        """A caller whose last case was closed calls again: a new case, a new post."""
        now = self.now()
        when = now - timedelta(seconds=2)
        candidates = [
            episodes[-1]
            for caller, episodes in self.by_caller.items()
            if episodes[-1].done
            and episodes[-1].pending is None
            and self.budget.free(episodes[-1].chat)
            and self.last_call[caller] < when
            and all(e.label != moment_label(when) for e in episodes)
        ]
        if not candidates:
            return False
        last = self.rng.choice(candidates)
        self.budget.take(last.chat)
        self._episode(last.caller, last.chat, [when])
        self.returns += 1
        return True

    def _other_call(self, when: datetime, *, missed: bool = False) -> None:
        """A call from a number never seen again (history, or an answered call now)."""
        self._append(
            [
                make_row(
                    when=when,
                    duration=0 if missed else self.rng.randint(20, 240),
                    extension="201",
                    callerid=f"8495{next(self._noise):07d}",
                    calltype="I",
                    callmode="NA" if missed else "",
                    ring=self.rng.randint(2, 40),
                )
            ]
        )

    def noise(self) -> None:
        """A call that makes no case: answered incoming, short outgoing or internal."""
        kind = self.rng.choice(("answered", "short", "internal"))
        when = self.now() - timedelta(seconds=self.rng.randint(5, 30))
        if kind == "answered":
            self._other_call(when)
        elif kind == "short":
            number = f"8495{next(self._noise):07d}"
            self._append(
                [make_row(when=when, duration=2, extension="202", number=number, calltype="C")]
            )
        else:
            self._append(
                [
                    make_row(
                        when=when,
                        duration=0,
                        extension="203",
                        number="internal-204",
                        calltype="N",
                        co="",
                    )
                ]
            )

    def callback(self) -> bool:
        """An answered outgoing call to a caller nobody pressed: the call log closes it."""
        shown = self.buttons()
        now_mono = time.monotonic()
        when = self.now()
        candidates = [
            episodes[-1]
            for caller, episodes in self.by_caller.items()
            if episodes[-1].presses == 0
            and not episodes[-1].closed_by_call
            and self.budget.free(episodes[-1].chat)
            and shown.get((caller, episodes[-1].label), (0, 0, ""))[2].startswith("c:")
            and now_mono - episodes[-1].last_row_at > PRESS_AFTER_ROW
            and self.last_call[caller] < when
        ]
        if not candidates:
            return False
        episode = self.rng.choice(candidates)
        self.budget.take(episode.chat)
        ext = CALLBACK_EXTENSION[episode.chat]
        number = self.raw_of[episode.caller]
        duration = self.rng.randint(20, 120)
        row = make_row(when=when, duration=duration, extension=ext, number=number, calltype="C")
        self._append([row])
        self.last_call[episode.caller] = when
        episode.closed_by_call = True
        return True

    # -- button presses ------------------------------------------------------------------

    def buttons(self) -> dict[tuple[str, str], tuple[int, int, str]]:
        """(caller, first call) -> (chat, message_id, callback data) of its newest post."""
        newest: dict[tuple[str, str], tuple[int, int, str]] = {}
        for (chat, message_id), message in self.api.messages.items():
            found = _case_button(chat, message)
            if found is None:
                continue
            caller, moment, data = found
            key = (caller, moment)
            if key not in newest or newest[key][1] < message_id:
                newest[key] = (chat, message_id, data)
        return newest

    def press(self, action: str, *, service_up: bool) -> bool:
        """Press "called back" (``c``) or "undo" (``u``) on an episode's newest post."""
        shown = self.buttons()
        now_mono = time.monotonic()
        candidates: list[tuple[Episode, tuple[int, int, str]]] = []
        for episode in self.episodes:
            target = shown.get((episode.caller, episode.label))
            if (
                target is None
                or episode.pending is not None
                or episode.closed_by_call
                or not self.budget.free(episode.chat)
                or now_mono - episode.last_row_at < PRESS_AFTER_ROW
                or not target[2].startswith(f"{action}:")
                or (action == "c") == (episode.expect == "closed")
            ):
                continue  # close what the chat was told is open, undo what it was told closed
            candidates.append((episode, target))
        if not candidates:
            return False
        episode, (chat, message_id, data) = self.rng.choice(candidates)
        self.budget.take(episode.chat)
        foreign: bool | None = None
        if service_up:  # never open the ledger while the service is down
            rows = self.query("SELECT remote FROM cases WHERE id = ?", (int(data[2:]),))
            foreign = rows is not None and bool(rows) and str(rows[0][0]) != episode.caller
        query_id = self.api.inject_callback_query(chat, message_id, USER, data)
        self.presses[query_id] = Press(query_id, episode.key, action, data, now_mono, foreign)
        episode.pending = query_id
        episode.presses += 1
        return True

    # -- answers from the fake Bot API -------------------------------------------------------

    def _after_answer(self, call: RecordedCall) -> Any:
        """Keep the model in step with what the service told the chats; maybe cut now."""
        if call.method == "answerCallbackQuery":
            text = str(call.params.get("text", ""))
            press = self.presses.get(str(call.params.get("callback_query_id", "")))
            self.toasts[text] += 1
            if press is not None:
                press.toasts.append(text)
                episode = self.episodes[press.episode]
                if episode.pending == press.query_id:
                    episode.pending = None
                if text == TOAST_CLOSED:
                    episode.expect = "closed"
                    if press.foreign:
                        self.foreign_confirmed += 1
                elif text == TOAST_REOPENED:
                    episode.expect = "open"
                    episode.undone = True
            if self._armed == "toast" and text == TOAST_CLOSED:
                return self.cut("after a confirmed press")
        elif call.method == "sendMessage":
            message = (call.response or {}).get("result") or {}
            found = _case_button(int(message.get("chat", {}).get("id", 0)), message)
            if found is not None:
                key = (found[0], found[1])
                if self.posts[key]:
                    self.duplicates[len(self.cut_times)] += 1
                self.posts[key] += 1
                if self._armed == "post":
                    return self.cut("after an accepted post")
        return None

    # -- the cut ---------------------------------------------------------------------------

    async def cut(self, label: str) -> None:
        """SIGKILL the service and drop LazyFS's unsynced data, back to back."""
        if self._cutting:
            return
        self._cutting = True
        self._armed = None
        assert self.service is not None
        self.cut_times.append(time.monotonic())
        self.service.kill()  # reaped: every write() it made has reached LazyFS
        self.lazyfs.clear_cache()
        self._cut_label = label
        self._cut_done.set()

    async def traffic(self) -> None:
        """Mixed traffic until the cut (bounded in events)."""
        for _ in range(MAX_EVENTS_PER_PHASE):
            if self._cutting:
                return
            self.one_event()
            await asyncio.sleep(self.rng.uniform(*EVENT_GAP))

    def one_event(self) -> None:
        """One event of the mix; one that would ask a full chat for a message (see
        ``TRAFFIC_BURST``) becomes another, in the end a call that posts nothing."""
        roll = self.rng.random()
        if roll < 0.26:
            done = self.new_missed()
        elif roll < 0.33:
            done = self.new_missed(repeat=True)
        elif roll < 0.41:
            done = self.returning() or self.new_missed()
        elif roll < 0.69:
            done = self.press("c", service_up=True) or self.new_missed()
        elif roll < 0.75:
            done = self.press("u", service_up=True)
        elif roll < 0.83:
            done = self.callback()
        else:
            done = False
        if not done:
            self.noise()

    # -- the ledger, read from this process ----------------------------------------------------

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]] | None:
        """A read on the live ledger, only while the service runs (so this connection is
        never the first after a cut nor the last to close: it recovers and checkpoints
        nothing)."""
        if self.service is None or not self.service.alive or not self.db_path.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=rw", uri=True, timeout=2)
            try:
                conn.execute("PRAGMA query_only = 1")
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        except sqlite3.Error:
            return None

    def caught_up(self) -> bool:
        assert self.dbf is not None
        cursor = self.query("SELECT max(next_index) FROM source_state")
        pending = self.query("SELECT count(*) FROM outbox WHERE done_at IS NULL")
        if not cursor or not pending or cursor[0][0] is None:
            return False
        # A press made after the cut must be answered; one from before it may be gone for
        # good: the killed service had fetched it (Telegram forgets confirmed updates).
        since = self.cut_times[-1] if self.cut_times else 0.0
        unanswered = any(
            self.presses[e.pending].at > since for e in self.episodes if e.pending is not None
        )
        return (
            int(cursor[0][0]) >= self.dbf.record_count
            and int(pending[0][0]) == 0
            and not self.api.updates
            and not unanswered
        )

    def _forget_unanswered(self) -> None:
        """Presses the killed service took along unanswered: the user saw no toast."""
        for episode in self.episodes:
            if episode.pending is not None:
                self.unanswered += 1
                episode.pending = None

    # -- phases ----------------------------------------------------------------------------

    async def start_service(self) -> tuple[bool, float | None, bool, float | None, str]:
        """Spawn ``perezvon run``; (up, seconds to poll, caught up, seconds more, note)."""
        assert self.service is not None
        self._cutting = False
        self._cut_done = asyncio.Event()
        spawned = self.service.spawn()
        first = len(self.api.calls)
        deadline = spawned + START_TIMEOUT
        up_at: float | None = None
        while time.monotonic() < deadline:
            if not self.service.alive:
                code = self.service.proc.returncode if self.service.proc else None
                return False, None, False, None, f"exited with {code}"
            if any(c.method == "getUpdates" for c in self.api.calls[first:]):
                up_at = time.monotonic()
                break
            await asyncio.sleep(0.05)
        if up_at is None:
            return False, None, False, None, f"not polling after {START_TIMEOUT:g} s"
        deadline = up_at + CATCH_UP_TIMEOUT
        steady_since: float | None = None
        while time.monotonic() < deadline:
            if not self.service.alive:
                return True, up_at - spawned, False, None, "exited while catching up"
            if self.caught_up():
                steady_since = steady_since or time.monotonic()
                if time.monotonic() - steady_since >= QUIET:
                    self._forget_unanswered()
                    return True, up_at - spawned, True, steady_since - up_at, ""
            else:
                steady_since = None
            await asyncio.sleep(0.1)
        return True, up_at - spawned, False, None, f"not caught up in {CATCH_UP_TIMEOUT:g} s"

    async def phase(self, index: int, kind: str) -> CutReport:
        """Traffic, then a cut of ``kind``; the state right after it; downtime; restart."""
        began = time.monotonic()
        task = asyncio.create_task(self.traffic())
        try:
            if kind == "random":
                await asyncio.sleep(self.rng.uniform(*RANDOM_CUT_AFTER))
                await self.cut("at a random moment")
            else:
                await asyncio.sleep(self.rng.uniform(*ARM_AFTER))
                self._armed = kind
                try:
                    async with asyncio.timeout(TRIGGER_TIMEOUT):
                        await self._cut_done.wait()
                except TimeoutError:
                    await self.cut(f"at a random moment (no {kind} in {TRIGGER_TIMEOUT:g} s)")
        finally:
            self._cutting = True
            await task
        report = CutReport(
            index=index,
            kind=kind,
            label=self._cut_label,
            phase_seconds=self.cut_times[-1] - began,
            episodes_before=len(self.episodes),
            confirmed_before=sum(1 for e in self.episodes if e.expect == "closed"),
        )
        report.integrity, view = integrity_of(self.db_path, self.work / "snapshot")
        if view is not None:
            report.snapshot_cases = len(view.remote_of)
            report.snapshot_confirmed = sum(
                1
                for e in self.episodes
                if e.expect == "closed" and "closed" in view.covering(e.caller, e.first_at)
            )
        # The PBX and the chats carry on while the server is dark.
        if self.rng.random() < 0.6:
            self.new_missed()
        if self.rng.random() < 0.4:
            self.press("c", service_up=False)
        await asyncio.sleep(self.rng.uniform(0.05, 0.3))
        up, start_s, caught, catch_s, note = await self.start_service()
        report.started, report.start_seconds = up, start_s
        report.caught_up, report.catch_up_seconds, report.note = caught, catch_s, note
        if up:
            self.evaluate(report)
        return report

    def evaluate(self, report: CutReport) -> None:
        """Compare the recovered ledger with Calls.dbf, the toasts and the chats' buttons."""
        rows = self.query(CASES_SQL)
        if rows is None:
            report.note = (report.note + "; ledger unreadable").lstrip("; ")
            return
        view = read_view(rows)
        lost = {e.key for e in self.episodes if any(not view.covering(e.caller, t) for t in e.rows)}
        lost_presses = {
            e.key
            for e in self.episodes
            if e.expect == "closed" and "closed" not in view.covering(e.caller, e.first_at)
        }
        lost_undos = {
            e.key
            for e in self.episodes
            if e.undone and e.expect == "open" and "open" not in view.covering(e.caller, e.first_at)
        }
        report.lost_cases = len(lost)
        report.lost_presses = len(lost_presses)
        report.new_lost_presses = len(lost_presses - self.lost_presses)
        report.lost_undos = len(lost_undos)
        self.lost_cases |= lost
        self.lost_presses |= lost_presses
        self.lost_undos |= lost_undos
        for (chat, message_id), message in self.api.messages.items():
            found = _case_button(chat, message)
            if found is None:
                continue
            caller, _, data = found
            remote = view.remote_of.get(int(data[2:]))
            if remote is None:
                report.dangling += 1
                self.dangling.add((chat, message_id, data))
            elif remote != caller:
                report.misdirected += 1
                self.misdirected.add((chat, message_id, data, remote))
        self.max_misdirected = max(self.max_misdirected, report.misdirected)

    async def run(self) -> tuple[bool, str, int | None]:
        """All phases; (started every time, final integrity, exit code of the clean stop)."""
        self.lazyfs.start()
        await self.api.start()
        try:
            return await self._run()
        finally:
            if self.service is not None:
                self.service.kill()
            await self.api.stop()

    async def _run(self) -> tuple[bool, str, int | None]:
        self.service = Service(self.work, self.config_path, self.api)
        up, start_s, caught, catch_s, note = await self.start_service()
        timing = f"polling after {start_s:.1f} s" if start_s is not None else ""
        ready = f", caught up after {catch_s:.1f} s more" if catch_s is not None else ""
        print(f"first start: {'up' if up else 'DID NOT START'} {timing}{ready} {note}".rstrip())
        if not (up and caught):
            print(self.service.log_tail())
            return False, "not run", None
        started_every_time = True
        deadline = time.monotonic() + self.args.max_seconds
        for index in range(1, self.args.cuts + 1):
            if time.monotonic() > deadline:
                print(f"time limit of {self.args.max_seconds:g} s reached after {index - 1} cuts")
                break
            report = await self.phase(index, KINDS[(index - 1) % len(KINDS)])
            self.reports.append(report)
            print(_progress_line(report, self.duplicates[index]), flush=True)
            if not report.started or not report.caught_up:
                started_every_time = False
                print(self.service.log_tail())
                if not report.started:
                    break  # without a running service the next cut measures nothing
        for report in self.reports:
            report.duplicates = self.duplicates[report.index]
        code = await self.service.stop()
        final, _ = integrity_of(self.db_path, self.work / "snapshot")
        return started_every_time, final, code

    def close(self) -> None:
        """Kill the service and unmount; safe after any failure, and twice."""
        if self.service is not None:
            self.service.kill()
        self.lazyfs.close()

    def log_problems(self) -> Counter[str]:
        """ERROR lines and SQLite errors in the service logs, by their first words."""
        found: Counter[str] = Counter()
        logs = self.service.logs if self.service is not None else []
        for path in logs:
            with contextlib.suppress(OSError):
                for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                    if " ERROR " in line:
                        found[" ".join(line.split(" ERROR ", 1)[1].split()[:8])] += 1
                    elif line.startswith("sqlite3.") or "DatabaseError" in line:
                        found[line.strip()[:90]] += 1
        return found


def _progress_line(r: CutReport, duplicates: int) -> str:
    snapshot = (
        f"ledger kept {r.snapshot_cases} cases, {r.snapshot_confirmed}/{r.confirmed_before}"
        " confirmed closes"
        if r.snapshot_cases is not None
        else "ledger unreadable"
    )
    if r.started:
        start = f"up {r.start_seconds:.1f}s"
        start += f" +{r.catch_up_seconds:.1f}s" if r.catch_up_seconds is not None else ""
    else:
        start = "NOT STARTED"
    note = f" [{r.note}]" if r.note else ""
    return (
        f"cut {r.index:2d} {r.kind:<6} +{r.phase_seconds:4.1f}s {r.label:<24.24} | "
        f"integrity {r.integrity} | {snapshot} | {start} | lost cases {r.lost_cases}, "
        f"lost presses {r.lost_presses} (+{r.new_lost_presses}), dup posts {duplicates}, "
        f"misdirected {r.misdirected}, dangling {r.dangling}{note}"
    )


def print_report(h: Harness, started: bool, final: str, code: int | None, seconds: float) -> bool:
    cuts = h.reports
    confirmed = {e.key for e in h.episodes if e.expect == "closed"} | h.lost_presses
    per_cut = [r.duplicates for r in cuts]
    before_cuts = h.duplicates[0]
    integrity_ok = sum(1 for r in cuts if r.integrity.startswith("ok"))
    started_n = sum(1 for r in cuts if r.started and r.caught_up)
    by_kind = ", ".join(f"{sum(1 for r in cuts if r.kind == k)} {k}" for k in KINDS)
    triggered = sum(1 for r in cuts if r.kind != "random" and "random" not in r.label)
    undo = sum(1 for p in h.presses.values() if p.action == "u")
    print()
    print(
        f"{len(cuts)} cuts ({by_kind}; {triggered} toast/post cuts hit their moment) in"
        f" {seconds:.0f} s; ledger connections: {h.sqlite_setting}; SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"traffic: {h.rows_written} Calls.dbf rows, {len(h.episodes)} cases to be"
        f" ({len(h.by_caller)} callers, {h.returns} came back after a close),"
        f" {len(h.presses)} presses ({undo} undo), "
        f"{sum(1 for e in h.episodes if e.closed_by_call)} callbacks; {h.posts.total()} case posts"
    )
    toasts = ", ".join(f"{n}x «{t}»" for t, n in h.toasts.most_common(6))
    print(f"toasts: {toasts}")
    sent = messages_per_chat(h.api.calls)
    peak = {chat: max_in_window(times) for chat, times in sent.items()}
    busiest = max(peak, key=lambda chat: peak[chat], default=None)
    max_sent = peak.get(busiest, 0) if busiest is not None else 0
    asked = max((max_in_window(t) for t in h.budget.asked.values()), default=0)
    print(
        f"per chat: at most {max_sent} messages (posts, edits, other sends) to one chat in any"
        f" {TELEGRAM_WINDOW:g} s (chat {busiest}); the traffic asked at most {asked} of one chat"
        f" (its budget {h.budget.per_window}: {h.budget.burst} at once, then one per"
        f" {h.budget.drip:g} s) over {len(DEPARTMENTS)} department chats;"
        f" {sum(len(t) for t in sent.values())} message requests in all, to {len(sent)} chats"
    )
    print(
        f"also: lost confirmed undos {len(h.lost_undos)}; confirmed presses that closed another"
        f" caller's case (misdirected button) {h.foreign_confirmed}; buttons naming no case"
        f" {len(h.dangling)}; presses the killed service took along unanswered {h.unanswered};"
        f" duplicate posts with no cut before them {before_cuts};"
        f" final integrity after a clean stop: {final} (exit code {code})"
    )
    problems = h.log_problems()
    if problems:
        print("service log errors: " + "; ".join(f"{n}x {t}" for t, n in problems.most_common(5)))
    max_dup = max(per_cut, default=0)
    checks = [
        ("lost cases", not h.lost_cases, f"{len(h.lost_cases)} (target 0)"),
        (
            "lost confirmed presses",
            not h.lost_presses,
            f"{len(h.lost_presses)} of {len(confirmed)} confirmed closes (target 0)",
        ),
        (
            "duplicate posts per cut",
            max_dup <= 1 and before_cuts == 0,
            f"max {max_dup}, total {sum(per_cut) + before_cuts} (target at most 1 per cut)",
        ),
        (
            "integrity_check after every cut",
            integrity_ok == len(cuts) and final.startswith("ok"),
            f"ok {integrity_ok}/{len(cuts)}, final {final}",
        ),
        (
            "misdirected buttons",
            not h.misdirected,
            f"{len(h.misdirected)} distinct, at most {h.max_misdirected} at once (target 0)",
        ),
        (
            f"at most {TELEGRAM_GROUP_PER_MINUTE} messages a minute to one group (Telegram)",
            max_sent <= TELEGRAM_GROUP_PER_MINUTE,
            f"max {max_sent} in {TELEGRAM_WINDOW:g} s to one chat, traffic asked at most"
            f" {asked} (target at most {TELEGRAM_GROUP_PER_MINUTE})",
        ),
        (
            "service started every time without help",
            started and started_n == len(cuts),
            f"{started_n}/{len(cuts)} restarts up and caught up",
        ),
    ]
    figures = {
        "cuts": len(cuts),
        "seconds": round(seconds, 1),
        "ledger": h.sqlite_setting,
        "lost_cases": len(h.lost_cases),
        "lost_confirmed_presses": len(h.lost_presses),
        "confirmed_presses": len(confirmed),
        "duplicate_posts_max_per_cut": max_dup,
        "duplicate_posts_total": sum(per_cut) + before_cuts,
        "integrity_ok": integrity_ok,
        "final_integrity": final,
        "misdirected_buttons": len(h.misdirected),
        "started_every_time": started and started_n == len(cuts),
        "max_messages_per_chat_minute": max_sent,
        "max_asked_per_chat_minute": asked,
        "department_chats": len(DEPARTMENTS),
        "per_cut": [
            {
                "kind": r.kind,
                "label": r.label,
                "integrity": r.integrity,
                "lost_presses": r.lost_presses,
                "duplicates": r.duplicates,
                "misdirected": r.misdirected,
                "started": r.started and r.caught_up,
            }
            for r in cuts
        ],
    }
    return verdict(checks, figures)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl+C, so the clean-up below runs for both."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cuts", type=int, default=30, help="power cuts (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--lazyfs", default=str(DEFAULT_LAZYFS), help=f"LazyFS binary (default {DEFAULT_LAZYFS})"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=900, help="stop cutting after this long (900)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if not Path(args.lazyfs).is_file():
        print(
            f"no LazyFS binary at {args.lazyfs}: run `make powerloss` or"
            " `bash ../shared/tools/lazyfs/build.sh` (root)",
            file=sys.stderr,
        )
        return 2
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        print("/dev/fuse is not usable: the test needs FUSE (run as root)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="perezvon-powerloss-"))
    harness = Harness(args, work)
    began = time.monotonic()
    passed = False
    try:
        with _terminate_as_interrupt():
            harness.write_config()
            print(
                f"power-cut test: {args.cuts} cuts, seed {args.seed}, in {work}; ledger on LazyFS"
                f" ({args.lazyfs})",
                flush=True,
            )
            started, final, code = asyncio.run(harness.run())
            passed = print_report(harness, started, final, code, time.monotonic() - began)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        harness.close()
        if args.keep:
            print(f"files kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
