"""Figures for a period from SQL aggregates, plus the plain-text report.

The same report is printed by ``perezvon stats`` and sent by the bot's /stats and the
daily summary, so a manager sees one set of numbers wherever they look.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from watcher.clock import local_now
from watcher.config import Config, station_name
from watcher.contacts import ContactBook, employee_keys
from watcher.ledger import Ledger
from watcher.phones import display_number
from watcher.queries import (
    Lines,
    Spread,
    case_groups,
    hour_slots,
    leg_calls,
    line_departments,
    line_figures,
    median,
    new_callers,
    operator_names,
    reading,
    scope_lines,
    waits,
    why_figures,
)
from watcher.sla import Sla, callback_sla, office_seconds_waited, sla_of
from watcher.texts import operator_label, plural_key, timed_key, tr
from watcher.vocab import CaseStatus, ClosedHow, MissReason

# The contract's default ``answer_target_seconds``, for figures read without a config.
DEFAULT_ANSWER_TARGET_SECONDS = 20

# The words of a period, in both languages: /stats, /load, /report and the CLI.
PERIOD_WORDS = {
    "today": "today",
    "сегодня": "today",
    "yesterday": "yesterday",
    "вчера": "yesterday",
    "week": "week",
    "неделя": "week",
    "неделю": "week",
    "month": "month",
    "месяц": "month",
    "year": "year",
    "год": "year",
    "quarter": "quarter",
    "квартал": "quarter",
    "last week": "last_week",
    "прошлая неделя": "last_week",
    "прошлую неделю": "last_week",
    "last month": "last_month",
    "прошлый месяц": "last_month",
    "last year": "last_year",
    "прошлый год": "last_year",
    "last quarter": "last_quarter",
    "прошлый квартал": "last_quarter",
}

# A month by its name (Russian or English, full or short), alone or with a year.
MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("январь", "янв", "january", "jan"),
            ("февраль", "фев", "february", "feb"),
            ("март", "мар", "march", "mar"),
            ("апрель", "апр", "april", "apr"),
            ("май", "мая", "may"),
            ("июнь", "июн", "june", "jun"),
            ("июль", "июл", "july", "jul"),
            ("август", "авг", "august", "aug"),
            ("сентябрь", "сен", "сент", "september", "sep", "sept"),
            ("октябрь", "окт", "october", "oct"),
            ("ноябрь", "ноя", "нояб", "november", "nov"),
            ("декабрь", "дек", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_YEAR = re.compile(r"([0-9]{1,2})\.([0-9]{4})")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    label: str  # ISO days, for logs and files: 2024-04-30..2024-05-06

    def shown(self, language: str) -> str:
        """The days as people read them in a title (every surface): in Russian
        ``06.05.2024``, ``30.04–06.05.2024``, ``30.12.2024–05.01.2025``; in English the
        ISO label, which no reader takes for a month-first date."""
        if language != "ru":
            return self.label
        first, last = self.start.date(), self.last_day
        if first == last:
            return first.strftime("%d.%m.%Y")
        head = "%d.%m" if first.year == last.year else "%d.%m.%Y"
        return f"{first.strftime(head)}–{last.strftime('%d.%m.%Y')}"

    @property
    def days(self) -> int:
        return max(1, (self.end - self.start).days)

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(seconds=1)).date()


# The years a period may name: a call log has nothing outside them, and a period at
# Python's ends (9999-12-31, year 1) overflows the day after it or the period before it,
# which the workbook compares with.
PERIOD_YEARS = (1970, 2199)


def days_period(first: date, last: date) -> Period:
    """From the start of ``first`` to the end of ``last``, labelled in ISO dates."""
    start = datetime(first.year, first.month, first.day)
    end = datetime(last.year, last.month, last.day) + timedelta(days=1)
    label = first.isoformat() if first == last else f"{first}..{last}"
    return Period(start, end, label)


def parse_period(text: str | None, today: date) -> Period:
    """``today``, ``yesterday``, ``week`` (7 days to today), ``month`` (this month so far),
    ``year`` and ``quarter`` (so far), ``last week`` (Monday to Sunday), ``last month``,
    ``last quarter``, ``last year``, a month by name or ``MM.YYYY``, a year ``YYYY``
    (see :func:`_named`),
    a day ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (as Russian users write it), or a range of two
    (both days included). /stats, /load and /report take the same words.
    """
    word = " ".join((text or "today").split()).lower()
    midnight = datetime(today.year, today.month, today.day)
    kind = PERIOD_WORDS.get(word)
    if kind == "today":
        return Period(midnight, midnight + timedelta(days=1), today.isoformat())
    if kind == "yesterday":
        day = today - timedelta(days=1)
        return Period(midnight - timedelta(days=1), midnight, day.isoformat())
    if kind == "week":
        start = midnight - timedelta(days=6)
        return Period(start, midnight + timedelta(days=1), f"{start.date()}..{today}")
    if kind == "month":
        start = midnight.replace(day=1)
        return Period(start, midnight + timedelta(days=1), f"{start.date()}..{today}")
    if kind == "year":
        return days_period(today.replace(month=1, day=1), today)
    if kind == "quarter":
        return days_period(today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today)
    if kind == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return days_period(monday, monday + timedelta(days=6))
    if kind == "last_month":
        month_end = today.replace(day=1) - timedelta(days=1)
        return days_period(month_end.replace(day=1), month_end)
    if kind == "last_quarter":
        quarter_end = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1) - timedelta(days=1)
        first_month = (quarter_end.month - 1) // 3 * 3 + 1
        return days_period(quarter_end.replace(month=first_month, day=1), quarter_end)
    if kind == "last_year":
        return days_period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    named = _named(word, today)
    if named is not None:
        return named
    first, sep, last = _split_range(word)
    try:
        start_day, end_day = _days(first, last if sep else first, today)
    except ValueError:
        raise ValueError(
            f"period not understood: {text!r}; use today, yesterday, week, month, year,"
            " last year, quarter, a month (december, 12.2026), a year (2026), last week,"
            " last month, YYYY-MM-DD, DD.MM.YYYY or a range of two"
            " (YYYY-MM-DD..YYYY-MM-DD)"
        ) from None
    if end_day < start_day:
        raise ValueError(f"period goes backwards: {text!r}")
    if start_day.year < PERIOD_YEARS[0] or end_day.year > PERIOD_YEARS[1]:
        raise ValueError(f"period outside the years {PERIOD_YEARS[0]}..{PERIOD_YEARS[1]}: {text!r}")
    return days_period(start_day, end_day)


def _named(word: str, today: date) -> Period | None:
    """A year (``2026``), a month by name (``декабрь``, ``декабрь 2026``, ``dec``) or as
    ``12.2026``; None for anything else. A month without a year is the last one that has
    begun (``декабрь`` in January: last year's). A month or year still going on ends
    today, as ``месяц`` and ``год`` do."""
    year: int | None
    if word.isdigit() and len(word) == 4:
        year = int(word)
        if not PERIOD_YEARS[0] <= year <= PERIOD_YEARS[1]:
            return None
        first, last = date(year, 1, 1), date(year, 12, 31)
        return days_period(first, min(last, today) if first <= today else last)
    dotted = _MONTH_YEAR.fullmatch(word)
    name, _, rest = word.partition(" ")
    if dotted is not None:
        month, year = int(dotted.group(1)), int(dotted.group(2))
    elif name in MONTH_NAMES and (not rest or (rest.isdigit() and len(rest) == 4)):
        month, year = MONTH_NAMES[name], int(rest) if rest else None
    else:
        return None
    if not 1 <= month <= 12:
        return None
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    if not PERIOD_YEARS[0] <= year <= PERIOD_YEARS[1]:
        return None
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return days_period(first, min(last, today) if first <= today else last)


# How a range's two days may be joined: as the code writes it (..), as the titles print it
# (30.04–06.05.2024, an en dash), and as people type a dash between two Russian dates
# (an ISO date has dashes of its own, so only there).
_DOTTED = r"[0-9]{1,2}\.[0-9]{1,2}(?:\.[0-9]{4})?"
_DASHED = re.compile(rf"({_DOTTED})\s*-\s*({_DOTTED})")


def _split_range(word: str) -> tuple[str, str, str]:
    """(first, separator, last) of a range; (word, "", "") for a single day."""
    for separator in ("..", "–", "—"):
        first, sep, last = word.partition(separator)
        if sep:
            return first, sep, last
    dashed = _DASHED.fullmatch(word)
    if dashed is not None:
        return dashed.group(1), "-", dashed.group(2)
    return word, "", ""


def _days(first: str, last: str, today: date) -> tuple[date, date]:
    """A range's two days, each ``YYYY-MM-DD``, ``DD.MM.YYYY`` or ``DD.MM``. A first day
    without a year is the last such day up to the range's last day, or up to today when
    that has no year either (01.05–31.05 in May: this May, so far); a last day without
    one is the first such day from the first (30.12–05.01: over the new year)."""
    start, end = _day_month(first), _day_month(last)
    if start is None and end is None:
        return _day(first), _day(last)
    if start is None:
        assert end is not None
        begun = _day(first)
        return begun, _such_day(*end, begun, forward=True)
    if end is None:
        ended = _day(last)
        return _such_day(*start, ended, forward=False), ended
    begun = _such_day(*start, today, forward=False)
    return begun, _such_day(*end, begun, forward=True)


def _day_month(text: str) -> tuple[int, int] | None:
    """(day, month) of ``DD.MM``; None for a day with its year."""
    text = text.strip()
    if text.count(".") != 1:
        return None
    day, month = text.split(".")
    return int(day), int(month)


def _such_day(day: int, month: int, edge: date, *, forward: bool) -> date:
    """The day ``day.month`` nearest ``edge``: the last one up to it (a 29.02 goes back to
    the last year that had one), or from it (``forward``) in the same year, or the next
    when its month comes before the edge's (30.12–05.01). A day of the edge's month or a
    later one before the edge stays in its year: such a range goes backwards, and is told
    so, not stretched over a year."""
    if forward:
        for year in (edge.year, edge.year + 1):
            try:
                found = date(year, month, day)
            except ValueError:
                continue  # 29.02 of a common year, or no such day at all (31.04)
            if found >= edge or month >= edge.month:
                return found
        raise ValueError(f"no day {day:02}.{month:02} after {edge}")
    for year in range(edge.year, edge.year - 9, -1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found <= edge:
            return found
    raise ValueError(f"no day {day:02}.{month:02}")


def _day(text: str) -> date:
    text = text.strip()
    if "." in text:
        return datetime.strptime(text, "%d.%m.%Y").date()
    return date.fromisoformat(text)


@dataclass
class OperatorStats:
    extension: str
    answered: int = 0
    missed: int = 0
    outgoing: int = 0
    talk_seconds: int = 0
    callbacks: int = 0


@dataclass
class DepartmentStats:
    name: str
    cases: int = 0
    closed: int = 0
    open: int = 0
    # Its calls: only with a config, which routes the (extension, line) pairs.
    incoming: int = 0
    missed: int = 0


@dataclass
class NewCallerStats:
    """Numbers that called for the first time ever in the period, and what became of
    them: answered at once, missed and then reached, or missed and not reached yet."""

    total: int = 0
    answered: int = 0
    called_back: int = 0
    got_through: int = 0  # missed, then got through on their own
    not_needed: int = 0  # missed, and marked 🚫: spam, a wrong number, solved otherwise
    # Their first call was a short abandon (rang less than min_ring_seconds): never posted,
    # so nobody was asked to call them, and /missed does not list them.
    short_abandons: int = 0

    @property
    def waiting(self) -> int:
        done = self.answered + self.called_back + self.got_through + self.not_needed
        return self.total - done - self.short_abandons


@dataclass(frozen=True)
class MissedNumber:
    """One of the numbers missed most often; ``name`` from the contacts, when known."""

    remote: str
    missed: int
    name: str | None = None


# Operators' load is shown once the period has had this much office time.
LOAD_MIN_OFFICE_SECONDS = 3600

# How many numbers /stats names as missed most often, and how often at least.
TOP_MISSED = 3
TOP_MISSED_AT_LEAST = 2


@dataclass
class Stats:
    incoming: int = 0
    answered: int = 0
    missed: int = 0
    cases_total: int = 0
    cases_closed: int = 0
    cases_open: int = 0
    cases_expired: int = 0
    closed_by_call: int = 0  # by the call log: a callback, or the caller got through
    closed_by_answer: int = 0  # of those, the caller got through on their own
    closed_by_user: int = 0
    closed_not_needed: int = 0  # 🚫 closed as needing no callback: counted apart
    median_callback_seconds: float | None = None
    sla: Sla | None = None  # callbacks within callback_sla_minutes of office time
    operator_names: dict[str, str] = field(default_factory=dict)  # extension -> name
    operators: list[OperatorStats] = field(default_factory=list)
    departments: list[DepartmentStats] = field(default_factory=list)
    hourly_incoming: list[int] = field(default_factory=lambda: [0] * 24)
    hourly_missed: list[int] = field(default_factory=lambda: [0] * 24)
    # Days with incoming calls only; a chart fills in the quiet days of the period.
    daily_incoming: dict[date, int] = field(default_factory=dict)
    daily_missed: dict[date, int] = field(default_factory=dict)
    # Why and when: missed calls by stored reason, the speed of answer against the
    # target, and how long those who hung up had waited.
    missed_by_reason: dict[str, int] = field(default_factory=dict)
    hidden: int = 0  # incoming calls without the caller's number: in no figure above
    hidden_missed: int = 0
    answer_target_seconds: int = DEFAULT_ANSWER_TARGET_SECONDS
    answer_speed: Spread = field(default_factory=Spread)
    hung_up_waits: Spread = field(default_factory=Spread)
    top_missed: list[MissedNumber] = field(default_factory=list)
    new_callers: NewCallerStats = field(default_factory=NewCallerStats)
    # Office time of the period (with a config): operators' load is talk time against it.
    office_seconds: float | None = None
    routed: bool = False  # departments' calls counted (the config routes the lines)
    scope: str | None = None  # the one department these figures are of, if one

    @property
    def miss_rate(self) -> float:
        return self.missed / self.incoming if self.incoming else 0.0

    @property
    def called_back(self) -> int:
        """Cases closed by a callback, found in the log or marked in the chat; not those
        whose caller got through on their own."""
        return self.cases_closed - self.closed_by_answer

    @property
    def called_back_by_call(self) -> int:
        """Of :attr:`called_back`, those the call log shows."""
        return self.closed_by_call - self.closed_by_answer


def stats_from(
    conn: sqlite3.Connection,
    period: Period,
    *,
    lines: Lines | None = None,
    department: str | None = None,
    config: Config | None = None,
    now: datetime | None = None,
    contacts: ContactBook | None = None,
) -> Stats:
    """The period's figures from SQL aggregates (:mod:`watcher.queries`).

    ``lines`` and ``department`` narrow them to one department: its calls are those of
    the (extension, line) pairs routed to it, its cases those it holds. The numbers are
    what the old pass over every call in Python gave (tests/stats_reference.py keeps it
    and the tests compare the two on generated traffic).
    """
    stats = Stats(scope=department)
    operators: dict[str, OperatorStats] = {}

    def operator(extension: str) -> OperatorStats:
        extension = station_name(extension)  # G620's calls are group 620's
        if extension not in operators:
            operators[extension] = OperatorStats(extension)
        return operators[extension]

    for slot in hour_slots(conn, period.start, period.end, lines):
        if not slot.incoming:
            continue
        stats.incoming += slot.incoming
        stats.answered += slot.answered
        stats.missed += slot.missed
        stats.hourly_incoming[slot.hour] += slot.incoming
        stats.hourly_missed[slot.hour] += slot.missed
        day = slot.day
        stats.daily_incoming[day] = stats.daily_incoming.get(day, 0) + slot.incoming
        stats.daily_missed[day] = stats.daily_missed.get(day, 0) + slot.missed
    departments: dict[str, DepartmentStats] = {}
    routes = line_departments(conn, config.departments) if config is not None else {}
    stats.routed = config is not None

    def department_of(extension: str, co_line: str) -> DepartmentStats | None:
        name = routes.get((extension, co_line))
        if name is None:
            return None
        return departments.setdefault(name, DepartmentStats(name))

    for figures in line_figures(conn, period.start, period.end, lines):
        dept = department_of(figures.extension, figures.co_line)
        if dept is not None:
            dept.incoming += figures.answered + figures.missed
            dept.missed += figures.missed
        op = operator(figures.extension or "?")
        op.answered += figures.answered
        op.missed += figures.missed
        op.outgoing += figures.outgoing
        op.talk_seconds += figures.answered_talk + figures.outgoing_talk
    for leg in leg_calls(conn, period.start, period.end, lines):
        # One call, counted once: by the leg that answered it.
        hour, day = int(leg.started_at[11:13]), date.fromisoformat(leg.started_at[:10])
        stats.incoming -= 1
        stats.missed -= 1
        stats.hourly_incoming[hour] -= 1
        stats.hourly_missed[hour] -= 1
        stats.daily_incoming[day] = stats.daily_incoming.get(day, 0) - 1
        stats.daily_missed[day] = stats.daily_missed.get(day, 0) - 1
        operator(leg.extension or "?").missed -= 1
        dept = department_of(leg.extension, leg.co_line)
        if dept is not None:
            dept.incoming -= 1
            dept.missed -= 1
    for op in [o for o in operators.values() if not (o.answered or o.missed or o.outgoing)]:
        if not (op.talk_seconds or op.callbacks):
            del operators[op.extension]

    for group in case_groups(conn, period.start, period.end, department):
        count = group.count
        stats.cases_total += count
        dept = departments.setdefault(group.department, DepartmentStats(group.department))
        dept.cases += count
        if group.status == CaseStatus.OPEN:
            stats.cases_open += count
            dept.open += count
            continue
        # The department's line adds up (cases = closed + open): every close counts there,
        # a "not needed" and history too, which the overview names apart.
        dept.closed += count
        if group.closed_how == ClosedHow.EXPIRY:
            stats.cases_expired += count
            continue
        if group.closed_how == ClosedHow.NOT_NEEDED:
            stats.closed_not_needed += count  # no callback, and none was needed
            continue
        stats.cases_closed += count
        if group.closed_how in (ClosedHow.CALL, ClosedHow.ANSWER):
            stats.closed_by_call += count
            if group.closed_how == ClosedHow.ANSWER:
                stats.closed_by_answer += count
            if group.closed_how == ClosedHow.CALL and group.closed_by_extension:
                operator(group.closed_by_extension).callbacks += count
        elif group.closed_how == ClosedHow.USER:
            stats.closed_by_user += count

    target = config.rules.answer_target_seconds if config else DEFAULT_ANSWER_TARGET_SECONDS
    stats.answer_target_seconds = target
    # Employees' own numbers are no customers: left out of the most missed and the new.
    staff = employee_keys(config.rules.employee_numbers) if config is not None else frozenset()
    # One pass over the period's incoming calls for all of them (a year: a tenth of a second).
    why = why_figures(
        conn,
        period.start,
        period.end,
        target_seconds=target,
        lines=lines,
        top=TOP_MISSED + len(staff),
        top_at_least=TOP_MISSED_AT_LEAST,
    )
    stats.missed_by_reason = why.missed_by_reason
    stats.hidden, stats.hidden_missed = why.hidden, why.hidden_missed
    stats.answer_speed = why.answer_speed
    stats.hung_up_waits = why.hung_up_waits
    top = [caller for caller in why.top_missed if caller.remote not in staff][:TOP_MISSED]
    book = contacts
    if book is None and config is not None and top:
        book = ContactBook(config.rules.contacts_csv)
    for caller in top:
        contact = book.lookup(caller.remote) if book is not None else None
        stats.top_missed.append(
            MissedNumber(caller.remote, caller.missed, contact.name if contact else None)
        )

    for newcomer in new_callers(conn, period.start, period.end, lines, staff):
        stats.new_callers.total += 1
        stats.new_callers.answered += newcomer.answered
        stats.new_callers.called_back += not newcomer.answered and newcomer.called_back
        stats.new_callers.got_through += not newcomer.answered and newcomer.got_through
        stats.new_callers.not_needed += not newcomer.answered and newcomer.not_needed
        stats.new_callers.short_abandons += (
            not newcomer.answered and newcomer.short_abandon and newcomer.case_status is None
        )

    stats.operators = sorted(operators.values(), key=_extension_order)
    stats.departments = sorted(departments.values(), key=lambda d: d.name)
    if config is None or (
        config.hours.always_open and config.hours.wall_time_is_real(period.start, period.end)
    ):
        # Wall time is office time: SQL gives the median, and the SLA, by itself.
        overall = waits(conn, period.start, period.end, department=department).get(None)
        stats.median_callback_seconds = overall.median_seconds if overall else None
        if config is not None:
            stats.sla = callback_sla(
                conn,
                period.start,
                period.end,
                hours=config.hours,
                target_minutes=config.rules.callback_sla_minutes,
                department=department,
            )
    else:
        # One stream of the waits in office time for both, the median and the SLA.
        seconds = office_seconds_waited(conn, period.start, period.end, config.hours, department)
        stats.median_callback_seconds = median(seconds)
        stats.sla = replace(
            sla_of(seconds, config.rules.callback_sla_minutes),
            office_time=not config.hours.always_open,
        )
    if config is not None:
        # Up to now for a period not over yet: at 11:00 "today" has two office hours.
        until = min(period.end, now or local_now(config))
        stats.office_seconds = config.hours.office_seconds(period.start, until)
        stats.operator_names = operator_names(conn, config.operators)
    return stats


def _seconds(minutes: float | None) -> float | None:
    return None if minutes is None else minutes * 60


def _extension_order(op: OperatorStats) -> tuple[int, int | str]:
    return (0, int(op.extension)) if op.extension.isdigit() else (1, op.extension)


def load_stats(
    ledger: Ledger,
    period: Period,
    config: Config | None = None,
    department: str | None = None,
    now: datetime | None = None,
) -> Stats:
    """On the ledger's own connection, in its thread (the command line, the demo); with
    ``config``, the callback SLA in its office hours too, and ``department`` (its name)
    narrows the figures to it; ``now`` is the office clock (the demo's runs fast)."""
    return _scoped(ledger.conn, period, config, department, now)


def read_stats(
    path: str | Path,
    period: Period,
    config: Config | None = None,
    department: str | None = None,
) -> Stats:
    """On a connection of its own: for a worker thread, off the bot's event loop. With
    ``department`` (a department's chat), its calls and cases only."""
    with reading(path) as conn:
        return _scoped(conn, period, config, department, None)


def _scoped(
    conn: sqlite3.Connection,
    period: Period,
    config: Config | None,
    department: str | None,
    now: datetime | None,
) -> Stats:
    lines = None
    if department is not None and config is not None:
        lines = scope_lines(conn, config.departments, department)
    return stats_from(conn, period, config=config, lines=lines, department=department, now=now)


def span_text(seconds: float | None, language: str = "ru") -> str:
    """A length of time as people say it: ``40 с``, ``45 мин``, ``3 ч 12 мин``; a dash for
    no value. For waits and ages, where a clock's ``79:07:50`` would read as a time of day.
    """
    if seconds is None:
        return "—"
    total = int(max(0.0, seconds) + 0.5)
    if total < 60:
        return tr(language, "span_seconds", seconds=total)
    minutes = int(total / 60 + 0.5)
    if minutes < 60:
        return tr(language, "span_minutes", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if not minutes:
        return tr(language, "span_hours", hours=hours)
    return tr(language, "span_hours_minutes", hours=hours, minutes=minutes)


def duration_text(seconds: float | None, language: str = "ru", *, clock: bool = False) -> str:
    """Talk time: ``2:13`` under an hour (as a phone shows a call), then as a span
    (``1 ч 2 мин``); a dash for no value. ``clock``: always hours, minutes and seconds
    (``0:40:53``, ``1:06:12``), for a column of them that must read in one form."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if clock:
        hours, rest = divmod(total, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
    if total >= 3600:
        return span_text(total, language)
    minutes, secs = divmod(total, 60)
    return f"{minutes}:{secs:02d}"


def render_stats(stats: Stats, period: Period, language: str = "ru") -> str:
    """The plain-text report; monospace-friendly, no markup (words from :mod:`watcher.texts`)."""
    t = language
    title = tr(t, "stats_title", label=period.shown(t))
    if stats.scope is not None:
        title = tr(t, "stats_title_scoped", title=title, scope=stats.scope)
    lines = [title, ""]
    if not stats.incoming and not stats.cases_total and not stats.operators:
        return "\n".join([*lines, tr(t, "stats_none")])
    lines.append(
        tr(
            t,
            "stats_incoming",
            incoming=stats.incoming,
            answered=stats.answered,
            missed=stats.missed,
            rate=stats.miss_rate,
        )
    )
    closed = tr(t, "stats_closed", count=stats.called_back)
    if stats.called_back:
        closed += tr(
            t,
            "stats_closed_how",
            by_call=stats.called_back_by_call,
            by_user=stats.closed_by_user,
        )
    parts = [closed]
    if stats.closed_by_answer:
        parts.append(tr(t, "stats_got_through", count=stats.closed_by_answer))
    parts.append(tr(t, "stats_open", count=stats.cases_open))
    if stats.closed_not_needed:
        parts.append(tr(t, "stats_not_needed", count=stats.closed_not_needed))
    if stats.cases_expired:
        parts.append(tr(t, "stats_expired", count=stats.cases_expired))
    lines.append(tr(t, "stats_cases", total=stats.cases_total, parts=", ".join(parts)))
    short = stats.missed_by_reason.get(MissReason.SHORT_ABANDON, 0)
    if short:
        lines.append(tr(t, "stats_short_abandons", count=short))
    if stats.hidden:
        key = plural_key(t, "stats_hidden", stats.hidden)
        lines.append(tr(t, key, count=stats.hidden, missed=stats.hidden_missed))
    new = stats.new_callers
    if new.total:
        lines.append(
            tr(
                t,
                "stats_new_callers_got_through" if new.got_through else "stats_new_callers",
                total=new.total,
                answered=new.answered,
                called_back=new.called_back,
                got_through=new.got_through,
                waiting=new.waiting,
            )
            + (
                tr(t, "stats_new_callers_not_needed", count=new.not_needed)
                if new.not_needed
                else ""
            )
            + (
                tr(t, "stats_new_callers_short", count=new.short_abandons)
                if new.short_abandons
                else ""
            )
        )
    lines += why_lines(stats, t)
    lines.append(tr(t, "stats_median", median=span_text(stats.median_callback_seconds, t)))
    sla = stats.sla
    if sla is not None and sla.called_back:
        lines.append(
            tr(
                t,
                timed_key("stats_sla", sla.office_time),
                within=sla.within,
                total=sla.called_back,
                share=sla.share or 0.0,
                target=sla.target_minutes,
                # The median is the line above's: once is enough.
                p90=span_text(None if sla.p90_minutes is None else sla.p90_minutes * 60, t),
            )
        )
    if stats.departments:
        lines += ["", *department_lines(stats, t)]
    if stats.operators:
        lines += ["", *operator_lines(stats, t)]
    return "\n".join(lines)


def department_lines(stats: Stats, language: str) -> list[str]:
    """Each department's cases; its calls too where the config routed them."""
    if not stats.routed:
        lines = [tr(language, "stats_departments")]
        lines += [f"  {d.name}: {d.cases} / {d.closed} / {d.open}" for d in stats.departments]
        return lines
    lines = [tr(language, "stats_departments_calls")]
    for d in stats.departments:
        rate = f"{d.missed / d.incoming:.0%}" if d.incoming else "—"
        lines.append(
            f"  {d.name}: {d.incoming} / {d.missed} / {rate} / {d.cases} / {d.closed} / {d.open}"
        )
    return lines


def operator_lines(stats: Stats, language: str) -> list[str]:
    """Each extension (with its operator's name): calls, callbacks, talk time and, with
    office hours known, load = talk time against the period's office time."""
    office = stats.office_seconds
    if office is not None and office < LOAD_MIN_OFFICE_SECONDS:
        office = None  # ten minutes after opening, a share of them says nothing yet
    lines = [tr(language, "stats_operators" if office is None else "stats_operators_load")]
    # One form for the talk-time column: "1 ч 6 мин" beside "40:53" read as two units.
    clock = any(round(op.talk_seconds) >= 3600 for op in stats.operators)
    for op in stats.operators:
        talk = duration_text(op.talk_seconds, language, clock=clock)
        line = (
            f"  {operator_label(op.extension, stats.operator_names):>6}: "
            f"{op.answered} / {op.missed} / {op.outgoing} / {op.callbacks} / {talk}"
        )
        if office is not None:
            line += f" / {op.talk_seconds / office:.0%}"
        lines.append(line)
    return lines


def reason_parts(counts: dict[str, int], language: str) -> str:
    """``положили трубку 4, группа не ответила 2``: in the contract's order, zeros left out."""
    return ", ".join(
        tr(language, "stats_reason_part", name=tr(language, f"reason_name_{r}"), count=counts[r])
        for r in MissReason
        if counts.get(r)
    )


def why_lines(stats: Stats, language: str) -> list[str]:
    """Missed calls by reason, the speed of answer and the waits of those who hung up."""
    t = language
    lines = []
    parts = reason_parts(stats.missed_by_reason, t)
    if parts:
        lines.append(tr(t, "stats_reasons", parts=parts))
    speed = stats.answer_speed
    if speed.count:
        lines.append(
            tr(
                t,
                "stats_answer_speed",
                median=span_text(speed.median, t),
                p90=span_text(speed.p90, t),
                target=stats.answer_target_seconds,
                within=speed.within,
                total=speed.count,
                share=speed.share_within or 0.0,
            )
        )
    hung = stats.hung_up_waits
    if hung.count:
        lines.append(
            tr(
                t,
                "stats_hung_up_waits",
                count=hung.count,
                median=span_text(hung.median, t),
                p90=span_text(hung.p90, t),
            )
        )
    if stats.top_missed:
        named = []
        for item in stats.top_missed:
            number = display_number(item.remote)
            key = "stats_top_missed_named" if item.name else "stats_top_missed_part"
            named.append(tr(t, key, number=number, name=item.name, count=item.missed))
        lines.append(tr(t, "stats_top_missed", parts=", ".join(named)))
    return lines
