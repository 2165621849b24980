"""Office phone traffic for ``perezvon demo``, written into Calls.dbf the way WinTariff does.

A demo has to show the whole story within a minute of starting: a customer's call to a
ring group goes unanswered, the customer tries again, an operator calls back. So the first
seconds follow a fixed script (:meth:`WinTariffImitator.opening`), and its second act
(:meth:`WinTariffImitator.follow_up`) has another customer's callback fail before one gets
through; after that, random but plausible traffic (answered and missed calls, callbacks,
callbacks nobody answers, internal calls, the occasional deleted duplicate) keeps the chats
alive. An office that opens during the demo also has the missed calls of its closed hours
(:meth:`WinTariffImitator.seed_night`), and the script starts at the opening.

Everything is driven by the caller's clock and ``random.Random``: the same seed and the
same sequence of ``now`` values give the same file, which is what the tests rely on.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from watcher.sim.wintariff import CallsDbfWriter, make_row
from watcher.texts import tr

__all__ = [
    "CUSTOMER_NUMBERS",
    "DEFAULT_DEPARTMENTS",
    "DEFAULT_OPERATORS",
    "EMPLOYEE_MOBILES",
    "NIGHT_WAIT",
    "OPENING_SECONDS",
    "PlannedCall",
    "WinTariffImitator",
    "dialled_form",
]

DEFAULT_DEPARTMENTS: dict[str, list[str]] = {"sales": ["620"], "support": ["630"]}
DEFAULT_OPERATORS: list[str] = [str(n) for n in range(201, 210)]

# Callers in the formats the PBX reports them: 8..., +7..., 7... and short city numbers.
# The first three play customers A, B and C of the opening script.
CUSTOMER_NUMBERS: tuple[str, ...] = (
    "+79161234567",
    "89035550142",
    "+79257771203",
    "79859990011",
    "84957894512",
    "+74991234500",
    "2345678",
    "89267003040",
    "+79031112233",
    "79154445566",
    "89852223344",
    "+79647778899",
    "74956667788",
    "89168889900",
    "3217654",
)
# Staff mobiles: their calls are not customers' (list them in rules.employee_numbers).
EMPLOYEE_MOBILES: tuple[str, ...] = ("+79990001122", "89990003344")

# By this many seconds after the first tick the scripted case has opened (missed call),
# grown (repeat call) and closed (callback), CALLTYPE fills included.
OPENING_SECONDS = 45
# Nobody calls the night's callers back for this long after the opening, so that a demo
# with short reminder and escalation times shows both on them.
NIGHT_WAIT = timedelta(minutes=3)
# When the night's missed calls ended, before the opening, and where they went (an index
# into the ring groups): within the watcher's window (ingest.RECENT_WINDOW), so it still posts them.
_NIGHT: tuple[tuple[timedelta, int], ...] = (
    (timedelta(hours=10, minutes=43), 0),
    (timedelta(minutes=64), 1),
    (timedelta(minutes=18), 0),
)

_INCOMING = "Входящий"
_INTERNAL = "Внутренний"
_MISSED_RING = (10, 60)
_CALLBACK_TALK = (30, 200)
_FILL_DELAY = (2, 6)
_RANDOM_GAP = (3, 8)
_HISTORY_GAP = (60, 300)
_LINES = ("01", "02", "03", "04")

# Random traffic mix: kind -> weight. Kinds that find no eligible number fall back to
# an answered incoming call. About one missed call a minute keeps a demo busy.
_MIX: dict[str, int] = {
    "missed": 10,
    "repeat": 5,
    "callback": 10,
    "no_answer": 4,
    "answered": 30,
    "outgoing": 15,
    "internal": 20,
    "employee_missed": 2,
    "duplicate": 2,
}
# Operators call back before the backlog grows past this many numbers.
_MAX_OPEN = 5
# Share of answered/outgoing/missed calls with a one-off caller outside the pool.
_STRANGER_SHARE = 0.5


def dialled_form(callerid: str) -> str:
    """How an operator dials a number the PBX reported as ``callerid``.

    Deliberately a different spelling (``+7...`` and ``7...`` become ``8...``, ``8...``
    becomes ``+7...``), because matching callbacks across formats is what the watcher must
    get right. Short city numbers are dialled as they are.
    """
    digits = "".join(ch for ch in callerid if ch.isdigit())
    if len(digits) == 11 and digits[0] == "7":
        return "8" + digits[1:]
    if len(digits) == 11 and digits[0] == "8":
        return "+7" + digits[1:]
    return callerid


def _destination(number: str) -> str:
    """STATUS text WinTariff's tariff tables give an outgoing call to ``number``."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) <= 7:
        return "Москва"
    code = digits[-10:-7]
    if code in ("495", "499"):
        return "Москва"
    if code[:2] in ("91", "98"):
        return "Мобильный МТС"
    if code[:2] in ("90", "96"):
        return "Мобильный Билайн"
    if code[:2] in ("92", "99"):
        return "Мобильный МегаФон"
    return "Междугородный"


def _price(number: str, talk: int) -> float:
    """Per started minute, dearer for mobiles: enough to make PRICE look real."""
    per_minute = 0.9 if _destination(number) == "Москва" else 2.5
    return round(math.ceil(talk / 60) * per_minute, 2)


@dataclass(frozen=True)
class PlannedCall:
    """One finished call to be written as a row at ``at`` (the moment it ended).

    ``kind`` is missed, repeat (a further missed attempt from an open number), answered,
    outgoing, callback, no_answer (a callback nobody picked up), internal or duplicate;
    ``remote`` is the other party's number as the PBX reported it on the missed call, for
    bookkeeping and tests.

    ``row`` is written with CALLTYPE blank; ``calltype`` is filled in ``fill_delay``
    seconds later, as WinTariff does once it has tariffed the call. ``delete_after`` marks
    the row deleted that many seconds after it was written (a duplicate WinTariff drops).
    """

    at: datetime
    kind: str
    description: str
    row: dict[str, object]
    calltype: str
    fill_delay: int
    remote: str = ""
    delete_after: int | None = None


@dataclass(order=True)
class _Event:
    """A queued change to the file; events due at the same second keep their queue order."""

    at: datetime
    seq: int
    action: str = field(compare=False)  # write | fill | delete | random
    call: PlannedCall | None = field(compare=False, default=None)
    index: int = field(compare=False, default=-1)
    calltype: str = field(compare=False, default="")


class WinTariffImitator:
    """Drives a :class:`CallsDbfWriter` like a small office's PBX and WinTariff.

    Call :meth:`seed_history` once (optional), :meth:`seed_night` (optional, with
    ``opens_at``), then :meth:`tick` with the current time, typically every second. The
    first tick anchors the opening script, or ``opens_at`` when the office opens later;
    random traffic follows it.
    """

    def __init__(
        self,
        writer: CallsDbfWriter,
        *,
        rng: random.Random,
        departments: dict[str, list[str]] | None = None,
        operators: list[str] | None = None,
        opens_at: datetime | None = None,
        language: str = "ru",
    ) -> None:
        """Set up the office; nothing is written until seed_history() or tick().

        ``opens_at``: the office is closed until then, so the script waits for it.
        ``language``: of the lines that describe each row written (``demo --rows``).
        """
        self.writer = writer
        self.rng = rng
        self.language = language
        self.departments = {k: list(v) for k, v in (departments or DEFAULT_DEPARTMENTS).items()}
        self.groups: list[tuple[str, str]] = [
            (name, ext) for name, exts in self.departments.items() for ext in exts
        ]
        if not self.groups:
            raise ValueError("at least one department with a ring group is needed")
        self.operators = list(operators or DEFAULT_OPERATORS)
        if len(self.operators) < 2:
            raise ValueError("at least two operator stations are needed")
        self.customers = list(CUSTOMER_NUMBERS)
        self.employees = list(EMPLOYEE_MOBILES)
        # The opening's customers A, B and C stay out of the history, so that A's and C's
        # cases really open during the demo instead of joining older ones.
        self._reserved = frozenset(self.customers[:3])
        self.opens_at = opens_at
        self._queue: list[_Event] = []
        self._seq = 0
        self._started: datetime | None = None
        self._now: datetime | None = None
        # Missed numbers nobody has called back yet: number -> (ring group, last attempt end).
        self._open: dict[str, tuple[str, datetime]] = {}
        # When each external number was last on a call, so its calls never overlap.
        self._busy_until: dict[str, datetime] = {}
        # The last answered/internal/outgoing row, the model for a deleted duplicate.
        self._last_plain: tuple[int, PlannedCall] | None = None
        # Numbers the script has plans for: random traffic leaves them alone until then.
        self._hands_off: dict[str, datetime] = {}

    @property
    def follow_up_parties(self) -> tuple[str, str]:
        """(customer, station) of the script's second act: customer C, called back from
        this station, which fails once; the demo has the station's operator take the case."""
        return self.customers[2], self.operators[6 % len(self.operators)]

    # -- public -------------------------------------------------------------------------

    def seed_history(self, now: datetime, hours: int = 8) -> int:
        """Write the earlier part of today's traffic in one go and return the row count.

        Rows are final (CALLTYPE filled), span from ``hours`` before ``now`` (not before
        midnight) to a minute before it, and leave some missed calls open, as a real table
        does in the middle of a working day.
        """
        if self._started is not None:
            raise RuntimeError("seed_history() must come before the first tick()")
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        moment = max(now - timedelta(hours=hours), midnight)
        stop = now - timedelta(seconds=60)
        rows: list[dict[str, object]] = []
        while True:
            moment += timedelta(seconds=self.rng.randint(*_HISTORY_GAP))
            if moment > stop:
                break
            call = self._random_call(moment, history=True)
            if call is None or call.row["DATE"] != now.date():
                continue
            self._commit(call)
            rows.append({**call.row, "CALLTYPE": call.calltype})
        self.writer.append_many(rows)
        return len(rows)

    def seed_night(self, now: datetime) -> int:
        """Write the missed calls of the closed hours before ``opens_at``; the row count.

        The rows are final and end before ``now``: WinTariff wrote them while the office
        was closed. Their callers wait :data:`NIGHT_WAIT` after the opening for a callback.
        """
        if self._started is not None:
            raise RuntimeError("seed_night() must come before the first tick()")
        if self.opens_at is None:
            raise RuntimeError("seed_night() needs opens_at: when does the office open?")
        callers = self.customers[3:5]  # customers D and E, then a stranger
        rows: list[dict[str, object]] = []
        for before, group_index in _NIGHT:
            at = self.opens_at - before
            if at >= now:
                continue
            caller = callers.pop(0) if callers else self._stranger()
            dept, group = self.groups[group_index % len(self.groups)]
            ring = self.rng.randint(*_MISSED_RING)
            number = self.rng.choice(("", caller))
            call = self._missed(at, caller, group, dept, ring=ring, fill=0, number=number)
            call = replace(call, description=self._say("after_hours", text=call.description))
            self._commit(call)
            self._hands_off[caller] = self.opens_at + NIGHT_WAIT
            rows.append({**call.row, "CALLTYPE": call.calltype})
        self.writer.append_many(rows)
        return len(rows)

    def tick(self, now: datetime) -> list[str]:
        """Advance the simulation to ``now``, write what happened, describe it for the log.

        Every event due up to ``now`` is applied in time order, so a caller that ticks late
        or rarely gets the same rows as one ticking every second.
        """
        if self._started is None:
            self._started = now
            anchor = max(now, self.opens_at or now)
            second_act = self.follow_up(anchor)
            for call in [*self.opening(anchor), *second_act]:
                self._push(call.at, "write", call=call)
            self._hands_off[second_act[-1].remote] = second_act[-1].at
            self._push(anchor + timedelta(seconds=OPENING_SECONDS + 2), "random")
        if self._now is not None and now < self._now:
            return []
        self._now = now
        log: list[str] = []
        while self._queue and self._queue[0].at <= now:
            log.extend(self._apply(heapq.heappop(self._queue)))
        return log

    def opening(self, t0: datetime) -> list[PlannedCall]:
        """The scripted first minute, anchored at the first tick (or the opening) ``t0``.

        Customer A's call to the first ring group is missed (it ended just before the demo
        started, so its row lands right after the first tick), A rings again a second after
        hanging up and is missed again, then an operator calls A back, dialling the number
        in another format. Around it: an internal call, an answered incoming call, customer
        C's missed call to another group (left open), and a duplicated row that is deleted.
        """
        cust_a, cust_b, cust_c = self.customers[0], self.customers[1], self.customers[2]
        dept_a, group_a = self.groups[0]
        dept_c, group_c = self.groups[1 % len(self.groups)]
        ops = self.operators

        def at(sec: int) -> datetime:
            return t0 + timedelta(seconds=sec)

        # A rings from -24 s to -4 s; WinTariff writes the row at +1.
        missed_1 = self._missed(at(1), cust_a, group_a, dept_a, ring=20, lag=5, fill=2)
        internal = self._internal(at(4), ops[3 % len(ops)], ops[6 % len(ops)], talk=24, fill=2)
        # A tries again 1 s after hanging up: rings from -3 s to +7 s.
        repeat = self._missed(at(7), cust_a, group_a, dept_a, ring=10, fill=3, number=cust_a)
        repeat = replace(
            repeat, kind="repeat", description=self._say("again", text=repeat.description)
        )
        answered = self._answered(at(12), cust_b, ops[2 % len(ops)], ring=6, talk=71, fill=3)
        missed_c = self._missed(at(20), cust_c, group_c, dept_c, ring=18, fill=4)
        duplicate = self._duplicate(internal, at(26), self._say("the_internal"), delete_after=2)
        # An operator dials A at +8, 1 s after A's second attempt: 3 s ringing, 30 s talk.
        callback = self._callback(at(41), ops[1], cust_a, ring=3, talk=30, fill=2)
        return [missed_1, internal, repeat, answered, missed_c, duplicate, callback]

    def follow_up(self, t0: datetime) -> list[PlannedCall]:
        """The script's second act: customer C (missed at +20 s) is called back and nobody
        answers, then called back again and it gets through.

        One station dials at +32 s and rings 20 s in vain; at +60 s it dials again and
        talks 30 s. Until then random traffic leaves C alone, so C's case waits
        long enough for a reminder at short demo settings and closes before an escalation.
        """
        cust_c, station = self.follow_up_parties
        at = t0 + timedelta(seconds=52)
        failed = self._no_answer(at, station, cust_c, ring=20, fill=3)
        callback = self._callback(
            at + timedelta(seconds=43), station, cust_c, ring=5, talk=30, fill=2
        )
        return [failed, callback]

    # -- events -------------------------------------------------------------------------

    def _push(
        self,
        at: datetime,
        action: str,
        *,
        call: PlannedCall | None = None,
        index: int = -1,
        calltype: str = "",
    ) -> None:
        self._seq += 1
        heapq.heappush(self._queue, _Event(at, self._seq, action, call, index, calltype))

    def _say(self, line: str, /, **values: object) -> str:
        """A line of ``demo --rows`` in the demo's language (the catalog's ``demo_row_*``)."""
        return tr(self.language, f"demo_row_{line}", **values)

    def _apply(self, event: _Event) -> list[str]:
        if event.action == "write" and event.call is not None:
            return [self._write(event.call)]
        if event.action == "fill":
            self.writer.update(event.index, {"CALLTYPE": event.calltype})
            return [self._say("filled", index=event.index, calltype=event.calltype)]
        if event.action == "delete":
            self.writer.delete(event.index)
            return [self._say("deleted", index=event.index)]
        if event.action == "random":
            call = self._random_call(event.at, history=False)
            self._push(event.at + timedelta(seconds=self.rng.randint(*_RANDOM_GAP)), "random")
            return [self._write(call)] if call is not None else []
        raise ValueError(f"bad event {event!r}")

    def _write(self, call: PlannedCall) -> str:
        index = self.writer.append(call.row)
        self._commit(call)
        if call.kind in ("answered", "internal", "outgoing"):
            self._last_plain = (index, call)
        if call.calltype:
            fill_at = call.at + timedelta(seconds=call.fill_delay)
            self._push(fill_at, "fill", index=index, calltype=call.calltype)
        if call.delete_after is not None:
            self._push(call.at + timedelta(seconds=call.delete_after), "delete", index=index)
        return f"#{index} {call.description}"

    def _commit(self, call: PlannedCall) -> None:
        """Note who is on the phone and which missed numbers still wait for a callback."""
        if not call.remote or call.kind == "duplicate":
            return
        self._busy_until[call.remote] = call.at
        if call.kind in ("missed", "repeat") and call.remote not in self.employees:
            self._open[call.remote] = (str(call.row["EXTENSION"]), call.at)
        elif call.kind in ("callback", "answered"):
            self._open.pop(call.remote, None)

    # -- random traffic -----------------------------------------------------------------

    def _random_call(self, at: datetime, *, history: bool) -> PlannedCall | None:
        """One random call ending at ``at``; None if nobody is free to make it."""
        rng = self.rng
        kinds = [k for k in _MIX if not (history and k == "duplicate")]
        kind = rng.choices(kinds, weights=[_MIX[k] for k in kinds])[0]
        fill = rng.randint(*_FILL_DELAY)
        ops = self.operators
        if kind == "missed" and len(self._open) >= _MAX_OPEN:
            kind = "callback"
        if kind == "duplicate":
            if self._last_plain is not None:
                index, original = self._last_plain
                return self._duplicate(original, at, f"#{index}", delete_after=rng.randint(1, 3))
            kind = "answered"
        if kind in ("missed", "employee_missed"):
            ring = rng.randint(*_MISSED_RING)
            pool = self.employees if kind == "employee_missed" else self._pool()
            caller = self._free_caller(pool, at - timedelta(seconds=ring), history=history)
            if caller is not None:
                dept, group = rng.choice(self.groups)
                number = rng.choice(("", caller))
                return self._missed(at, caller, group, dept, ring=ring, fill=fill, number=number)
            kind = "answered"
        if kind == "repeat":
            ring = rng.randint(*_MISSED_RING)
            start = at - timedelta(seconds=ring)
            waiting = self._waiting(start, at)
            if waiting:
                caller = rng.choice(waiting)
                group = self._open[caller][0]
                dept = next((d for d, g in self.groups if g == group), group)
                call = self._missed(at, caller, group, dept, ring=ring, fill=fill, number=caller)
                return replace(
                    call, kind="repeat", description=self._say("again", text=call.description)
                )
            kind = "answered"
        if kind == "callback":
            ring, talk = rng.randint(2, 12), rng.randint(*_CALLBACK_TALK)
            start = at - timedelta(seconds=ring + talk)
            waiting = self._waiting(start, at)
            if waiting:
                callee = rng.choice(waiting)
                return self._callback(at, rng.choice(ops), callee, ring=ring, talk=talk, fill=fill)
            kind = "answered"
        if kind == "no_answer":
            ring = rng.randint(15, 40)
            waiting = self._waiting(at - timedelta(seconds=ring), at)
            if waiting:
                callee = rng.choice(waiting)
                return self._no_answer(at, rng.choice(ops), callee, ring=ring, fill=fill)
            kind = "answered"
        if kind == "outgoing":
            ring, talk = rng.randint(2, 15), rng.randint(5, 300)
            start = at - timedelta(seconds=ring + talk)
            dialled = self._free_caller(self._pool(self.employees), start, history=history)
            if dialled is not None:
                number, station = dialled_form(dialled), rng.choice(ops)
                return self._outgoing(
                    at, station, number, ring=ring, talk=talk, fill=fill, remote=dialled
                )
            kind = "answered"
        if kind == "internal":
            caller, callee = rng.sample(ops, 2)
            return self._internal(at, caller, callee, talk=rng.randint(5, 120), fill=fill)
        ring, talk = rng.randint(3, 20), rng.randint(20, 400)
        start = at - timedelta(seconds=ring + talk)
        caller = self._free_caller(self._pool(self.employees), start, history=history)
        if caller is None:
            return None
        return self._answered(at, caller, rng.choice(ops), ring=ring, talk=talk, fill=fill)

    def _pool(self, extra: list[str] | None = None) -> list[str]:
        """Who may call or be called: the regular customers, or a one-off stranger."""
        if self.rng.random() < _STRANGER_SHARE:
            return [self._stranger()]
        return self.customers + (extra or [])

    def _stranger(self) -> str:
        """A random Moscow mobile in one of the formats the PBX reports."""
        national = f"9{self.rng.choice('0125689')}{self.rng.randint(0, 99_999_999):08d}"
        return self.rng.choice(("+7", "8", "7")) + national

    def _waiting(self, start: datetime, at: datetime) -> list[str]:
        """Numbers still waiting for a callback that are off the phone at ``start`` and
        not kept for the script at ``at``."""
        return [
            n
            for n in self._open
            if self._free(n, start) and not (n in self._hands_off and at <= self._hands_off[n])
        ]

    def _free(self, number: str, start: datetime) -> bool:
        """True if ``number`` was off the phone at ``start``."""
        last = self._busy_until.get(number)
        return last is None or last < start

    def _free_caller(self, pool: list[str], start: datetime, *, history: bool) -> str | None:
        """A number from ``pool`` that is off the phone and has no open missed call.

        Numbers with an open case only ring again or get called back; the opening's
        customers are kept out of the history.
        """
        candidates = [
            n
            for n in pool
            if n not in self._open
            and not (history and n in self._reserved)
            and self._free(n, start)
        ]
        return self.rng.choice(candidates) if candidates else None

    # -- call builders ------------------------------------------------------------------

    def _line(self) -> str:
        return self.rng.choice(_LINES)

    def _missed(
        self,
        at: datetime,
        caller: str,
        group: str,
        dept: str,
        *,
        ring: int,
        fill: int,
        lag: int = 0,
        number: str = "",
    ) -> PlannedCall:
        """An unanswered call to a ring group: IDURATION 0, CALLMODE NA, row at ``at``."""
        ended = at - timedelta(seconds=lag)
        row = make_row(
            when=ended - timedelta(seconds=ring),
            duration=0,
            extension=group,
            number=number,
            callerid=caller,
            co=self._line(),
            callmode="NA",
            ring=ring,
            status=_INCOMING,
        )
        text = self._say("missed", caller=caller, group=group, department=dept, ring=ring)
        return PlannedCall(at, "missed", text, row, "I", fill, remote=caller)

    def _answered(
        self, at: datetime, caller: str, station: str, *, ring: int, talk: int, fill: int
    ) -> PlannedCall:
        """An incoming call picked up at an operator station."""
        row = make_row(
            when=at - timedelta(seconds=ring + talk),
            duration=talk,
            extension=station,
            number=self.rng.choice(("", caller)),
            callerid=caller,
            co=self._line(),
            callmode="AN",
            ring=ring,
            status=_INCOMING,
        )
        text = self._say("answered", caller=caller, station=station, talk=talk)
        return PlannedCall(at, "answered", text, row, "I", fill, remote=caller)

    def _outgoing(
        self,
        at: datetime,
        station: str,
        number: str,
        *,
        ring: int,
        talk: int,
        fill: int,
        remote: str = "",
    ) -> PlannedCall:
        """A city or mobile call dialled from a station (CALLTYPE C)."""
        row = make_row(
            when=at - timedelta(seconds=ring + talk),
            duration=talk,
            extension=station,
            number=number,
            co=self._line(),
            ring=ring,
            status=_destination(number),
            price=_price(number, talk),
        )
        text = self._say("outgoing", station=station, number=number, talk=talk)
        return PlannedCall(at, "outgoing", text, row, "C", fill, remote=remote)

    def _callback(
        self, at: datetime, station: str, callee: str, *, ring: int, talk: int, fill: int
    ) -> PlannedCall:
        """An operator returning a missed call, dialling the number in another format."""
        number = dialled_form(callee)
        call = self._outgoing(at, station, number, ring=ring, talk=talk, fill=fill, remote=callee)
        text = self._say("callback", station=station, number=number, callee=callee, talk=talk)
        return replace(call, kind="callback", description=text)

    def _no_answer(
        self, at: datetime, station: str, callee: str, *, ring: int, fill: int
    ) -> PlannedCall:
        """An operator returning a missed call that rings out: IDURATION 0, an attempt."""
        number = dialled_form(callee)
        call = self._outgoing(at, station, number, ring=ring, talk=0, fill=fill, remote=callee)
        text = self._say("no_answer", station=station, number=number, callee=callee, ring=ring)
        return replace(call, kind="no_answer", description=text)

    def _duplicate(
        self, original: PlannedCall, at: datetime, what: str, *, delete_after: int
    ) -> PlannedCall:
        """A second copy of an earlier row, written complete and deleted soon after."""
        return replace(
            original,
            at=at,
            kind="duplicate",
            description=self._say("duplicate", what=what, seconds=delete_after),
            row={**original.row, "CALLTYPE": original.calltype},
            calltype="",
            delete_after=delete_after,
        )

    def _internal(
        self, at: datetime, caller: str, callee: str, *, talk: int, fill: int
    ) -> PlannedCall:
        """A station-to-station call: NUMBER internal-NNN, CALLTYPE N, no trunk line."""
        ring = self.rng.randint(2, 8)
        row = make_row(
            when=at - timedelta(seconds=ring + talk),
            duration=talk,
            extension=caller,
            number=f"internal-{callee}",
            co="",
            ring=ring,
            status=_INTERNAL,
        )
        text = self._say("internal", caller=caller, callee=callee, talk=talk)
        return PlannedCall(at, "internal", text, row, "N", fill)
