"""The managers' workbook as data: sheets of typed rows, built from SQL, written elsewhere.

A :class:`Report` is what ``perezvon report`` and ``/report`` produce, whatever the file
format: :mod:`watcher.workbook` turns it into an ``.xlsx`` or CSV files. Rows are typed
(dates, datetimes, :class:`Span` for lengths of time, :class:`Share` for rates), so the
workbook gets real Excel dates and durations, never text that looks like them.

The long sheets (one row per case, per outgoing call, per hour) are generators over a
cursor: rows stream from SQLite to the file, so a year's report holds a few rows in
memory, not the year. They need the connection open while the report is written.

Minutes to callback are office minutes when ``[hours]`` is configured and wall-clock
minutes without it (the office is always open then); the headers say which.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from watcher.config import Config
from watcher.contacts import ContactBook, employee_keys
from watcher.hours import OfficeHours
from watcher.models import Case, from_text, to_text
from watcher.phones import display_number
from watcher.queries import (
    HOURS,
    WEEKDAYS,
    HourLineFigures,
    Lines,
    NewCaller,
    Waits,
    case_counts,
    frequent_callers,
    hour_line_figures,
    later_calls,
    line_departments,
    load_grid,
    new_callers,
    operator_names,
    scope_lines,
    spread_of,
)
from watcher.schema import CASES
from watcher.sla import office_waits
from watcher.stats import Period, Stats, stats_from
from watcher.texts import operator_label, timed_key, tr
from watcher.vocab import CALLED_BACK, CaseStatus, ClosedHow, EventKind, MissReason

# The contract's default ``callback_sla_minutes``, in wall-clock minutes until office
# hours exist (then: office minutes, from the config).
DEFAULT_SLA_MINUTES = 30
# A line chart rather than columns for periods longer than this many days.
COLUMN_CHART_DAYS = 62


@dataclass(frozen=True)
class Share:
    """A fraction, shown as a percentage."""

    value: float


@dataclass(frozen=True)
class Span:
    """A length of time in seconds, shown as hours:minutes:seconds."""

    seconds: float


@dataclass(frozen=True)
class Change:
    """The difference of a figure against the previous period: a count, a share in
    percentage points, seconds or minutes; shown with its sign and its unit."""

    value: float
    unit: str  # "count" | "points" | "seconds" | "minutes" | "hours"


Value = str | int | float | bool | date | datetime | time | Share | Span | Change | None
Row = Sequence[Value]


@dataclass
class Sheet:
    """One table: a header row, then rows (possibly a generator, read once)."""

    name: str
    header: list[str]
    rows: Iterable[Row]


@dataclass
class SummarySheet(Sheet):
    """The figures beside the previous period, then a table per day and its chart."""

    days_header: list[str] = field(default_factory=list)
    days: list[Row] = field(default_factory=list)
    chart_title: str = ""
    line_chart: bool = False


@dataclass
class LoadSheet(Sheet):
    """Нагрузка: rows are hours, three blocks of weekday columns (incoming, missed, miss
    rate); each block gets one colour scale in Excel, ``blocks`` as (first, last) column."""

    blocks: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Report:
    period: Period
    previous: Period
    scope: str  # what the figures cover: a department's name, or "all departments"
    language: str
    sheets: list[Sheet]


# A year's outgoing calls dial the same customers again and again; phonenumbers' parse
# and format cost more than writing the cell.
_number = lru_cache(maxsize=65_536)(display_number)


def previous_period(period: Period) -> Period:
    """The same length of time just before ``period``."""
    length = period.end - period.start
    start = period.start - length
    first, last = start.date(), (period.start - timedelta(seconds=1)).date()
    label = first.isoformat() if first == last else f"{first}..{last}"
    return Period(start, period.start, label)


def build_report(
    conn: sqlite3.Connection,
    config: Config,
    period: Period,
    *,
    department: str | None = None,
    language: str | None = None,
    sla_minutes: float | None = None,
) -> Report:
    """Every sheet of the workbook for ``department`` (None: all departments); the SLA is
    the config's ``callback_sla_minutes`` unless ``sla_minutes`` says otherwise."""
    t = language or config.language
    lines = scope_lines(conn, config.departments, department) if department else None
    target = config.rules.callback_sla_minutes if sla_minutes is None else sla_minutes
    builder = _Builder(conn, config, period, department, lines, t, target * 60)
    scope = department if department is not None else tr(t, "missed_scope_all")
    previous = previous_period(period)
    return Report(
        period=period,
        previous=previous,
        scope=scope,
        language=t,
        sheets=[
            builder.summary(previous, scope),
            builder.missed(),
            builder.incoming(),
            builder.outgoing(),
            builder.operators(),
            builder.new_callers(),
            builder.frequent(),
            builder.load(),
        ],
    )


_HOW_KEYS = {
    ClosedHow.CALL: "report_how_call",
    ClosedHow.ANSWER: "report_how_answered",
    ClosedHow.USER: "report_how_user",
    ClosedHow.NOT_NEEDED: "report_how_not_needed",
    ClosedHow.EXPIRY: "report_how_expired",
}


# Сводка's rows measured in waits to callback: office time when [hours] are set.
_WAIT_METRICS = frozenset({"report_m_median"})


@dataclass(frozen=True)
class _Metric:
    key: str
    unit: str  # count | share | span
    value: Callable[[Stats, Waits | None], float | None]


def _share_within(waits: Waits | None) -> float | None:
    return waits.within / waits.count if waits and waits.count else None


def _reason_metric(reason: MissReason) -> _Metric:
    """Missed calls of one reason, a row of Сводка."""

    def count(stats: Stats, _waits: Waits | None) -> float | None:
        return stats.missed_by_reason.get(reason, 0)

    return _Metric(f"report_m_reason_{reason}", "count", count)


def _outgoing(stats: Stats) -> int:
    return sum(op.outgoing for op in stats.operators)


_METRICS = (
    _Metric("report_m_incoming", "count", lambda s, w: s.incoming),
    _Metric("report_m_answered", "count", lambda s, w: s.answered),
    _Metric("report_m_missed", "count", lambda s, w: s.missed),
    _Metric("report_m_miss_rate", "share", lambda s, w: s.miss_rate if s.incoming else None),
    _Metric("report_m_hidden", "count", lambda s, w: s.hidden),
    _Metric("report_m_hidden_missed", "count", lambda s, w: s.hidden_missed),
    _Metric("report_m_cases", "count", lambda s, w: s.cases_total),
    _Metric("report_m_closed", "count", lambda s, w: s.called_back),
    _Metric("report_m_by_call", "count", lambda s, w: s.called_back_by_call),
    _Metric("report_m_by_user", "count", lambda s, w: s.closed_by_user),
    _Metric("report_m_got_through", "count", lambda s, w: s.closed_by_answer),
    _Metric("report_m_not_needed", "count", lambda s, w: s.closed_not_needed),
    _Metric("report_m_open", "count", lambda s, w: s.cases_open),
    _Metric("report_m_expired", "count", lambda s, w: s.cases_expired),
    _Metric("report_m_median", "span", lambda s, w: s.median_callback_seconds),
    _Metric("report_m_within", "share", lambda s, w: _share_within(w)),
    _Metric("report_m_new_callers", "count", lambda s, w: s.new_callers.total),
    _Metric("report_m_new_answered", "count", lambda s, w: s.new_callers.answered),
    _Metric("report_m_new_called_back", "count", lambda s, w: s.new_callers.called_back),
    _Metric("report_m_new_got_through", "count", lambda s, w: s.new_callers.got_through),
    _Metric("report_m_new_not_needed", "count", lambda s, w: s.new_callers.not_needed),
    _Metric("report_m_new_waiting", "count", lambda s, w: s.new_callers.waiting),
    _Metric("report_m_new_short", "count", lambda s, w: s.new_callers.short_abandons),
    _Metric("report_m_outgoing", "count", lambda s, w: _outgoing(s)),
    _Metric("report_m_talk", "span", lambda s, w: sum(op.talk_seconds for op in s.operators)),
    # Why and when: the speed of answer, the waits of those who hung up, the reasons.
    _Metric("report_m_answer_median", "span", lambda s, w: s.answer_speed.median),
    _Metric("report_m_answer_p90", "span", lambda s, w: s.answer_speed.p90),
    _Metric("report_m_answer_within", "share", lambda s, w: s.answer_speed.share_within),
    _Metric("report_m_hung_up_median", "span", lambda s, w: s.hung_up_waits.median),
    _Metric("report_m_hung_up_p90", "span", lambda s, w: s.hung_up_waits.p90),
    *(_reason_metric(reason) for reason in MissReason),
)


def _cell(unit: str, value: float | None) -> Value:
    if value is None:
        return None
    if unit == "share":
        return Share(value)
    if unit == "span":
        return Span(value)
    return int(value)


# Spans both under this many seconds (speed of answer, waits of those who hung up) change
# by seconds: a minute with one decimal read "+0.0 мин" for 20 s against 19 s.
SECONDS_SCALE = 300
# Spans of this many seconds or more (a month's talk time) change by hours: minutes read
# "+12126.5 мин" for 202 hours.
HOURS_SCALE = 36_000


def _change(unit: str, now: float | None, before: float | None) -> Value:
    if now is None or before is None:
        return None
    if unit == "span":
        if max(now, before) < SECONDS_SCALE:
            return Change(now - before, "seconds")
        if max(now, before) >= HOURS_SCALE:
            return Change((now - before) / 3600, "hours")
        return Change((now - before) / 60, "minutes")
    if unit == "share":
        return Change((now - before) * 100, "points")
    return Change(now - before, unit)


class _Builder:
    """The sheets of one report; each long sheet's rows come from a cursor, lazily."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        config: Config,
        period: Period,
        department: str | None,
        lines: Lines | None,
        language: str,
        sla_seconds: float,
    ) -> None:
        self.conn = conn
        self.config = config
        self.period = period
        self.department = department
        self.lines = lines
        self.t = language
        self.sla_seconds = sla_seconds
        # Waits to callback are office time with [hours], wall time without (see
        # _wait_seconds and office_waits): their headers say which.
        self.office = not config.hours.always_open
        self.window = {"start": to_text(period.start), "end": to_text(period.end)}
        self.contacts = ContactBook(config.rules.contacts_csv)
        self.names = operator_names(conn, config.operators)
        self._stats: Stats | None = None

    def tr(self, key: str, **values: object) -> str:
        return tr(self.t, key, **values)

    def header(self, *keys: str) -> list[str]:
        return [self.tr(key) for key in keys]

    def stats(self, period: Period) -> Stats:
        return stats_from(
            self.conn,
            period,
            lines=self.lines,
            department=self.department,
            config=self.config,
            contacts=self.contacts,
        )

    @property
    def current(self) -> Stats:
        if self._stats is None:
            self._stats = self.stats(self.period)
        return self._stats

    def within(self, period: Period, department: str | None = None) -> Waits | None:
        found = office_waits(
            self.conn,
            period.start,
            period.end,
            hours=self.config.hours,
            department=department or self.department,
            within_seconds=self.sla_seconds,
        )
        return found.get(None)

    def by_department(self) -> list[tuple[str, Stats, Waits | None]]:
        """Each department's own figures of the period, for the all-departments
        workbook's Сводка (a department's workbook is of that department already)."""
        if self.department is not None or len(self.config.departments) < 2:
            return []
        result = []
        for department in self.config.departments:
            name = department.name
            lines = scope_lines(self.conn, self.config.departments, name)
            stats = stats_from(
                self.conn,
                self.period,
                lines=lines,
                department=name,
                config=self.config,
                contacts=self.contacts,
            )
            result.append((name, stats, self.within(self.period, name)))
        return result

    def timed(self, key: str) -> str:
        return timed_key(key, self.office)

    def sla_text(self) -> str:
        return self.tr(self.timed("report_sla"), minutes=f"{self.sla_seconds / 60:g}")

    # -- Сводка ------------------------------------------------------------------------

    def summary(self, previous: Period, scope: str) -> SummarySheet:
        now, before = self.current, self.stats(previous)
        now_w, before_w = self.within(self.period), self.within(previous)
        departments = self.by_department()
        rows: list[Row] = []
        for metric in _METRICS:
            key = self.timed(metric.key) if metric.key in _WAIT_METRICS else metric.key
            label = self.tr(
                key,
                sla=self.sla_text(),
                target=self.config.rules.answer_target_seconds,
            )
            a, b = metric.value(now, now_w), metric.value(before, before_w)
            rows.append(
                [
                    label,
                    _cell(metric.unit, a),
                    _cell(metric.unit, b),
                    _change(metric.unit, a, b),
                    *(_cell(metric.unit, metric.value(d, w)) for _, d, w in departments),
                ]
            )
        days: list[Row] = []
        day = self.period.start.date()
        while datetime(day.year, day.month, day.day) < self.period.end:
            days.append([day, now.daily_incoming.get(day, 0), now.daily_missed.get(day, 0)])
            day += timedelta(days=1)
        return SummarySheet(
            name=self.tr("report_sheet_summary"),
            header=[
                self.tr("report_col_metric", scope=scope),
                self.period.shown(self.t),
                previous.shown(self.t),
                self.tr("report_col_change"),
                *(name for name, _, _ in departments),
            ],
            rows=rows,
            days_header=self.header("report_col_date", "report_col_incoming", "report_col_missed"),
            days=days,
            chart_title=self.tr("report_chart_title", label=self.period.shown(self.t)),
            line_chart=len(days) > COLUMN_CHART_DAYS,
        )

    # -- Пропущенные -------------------------------------------------------------------

    def missed(self) -> Sheet:
        header = self.header(
            "report_col_phone",
            "report_col_contact",
            "report_col_company",
            "report_col_new_caller",
            "report_col_department",
            "report_col_first_call",
            "report_col_last_call",
            "report_col_attempts",
            "report_col_ring",
            "report_col_status",
            "report_col_how_closed",
            "report_col_called_back_by",
            "report_col_callback_at",
            self.timed("report_col_minutes_to_callback"),
        )
        header.append(self.tr("report_col_within", sla=self.sla_text()))
        header.append(self.tr("report_col_callback_attempts"))
        return Sheet(self.tr("report_sheet_missed"), header, self._missed_rows())

    def _cases(self) -> Iterator[tuple[Case, int]]:
        """The period's cases, each with its failed callbacks (📵 presses and outgoing
        calls too short or unanswered: what its card lists)."""
        # A case a missed leg opened before its call's answered leg came is no case.
        sql = (
            "SELECT *, (SELECT count(*) FROM case_events e WHERE e.case_id = cases.id"
            " AND e.kind = :failed) AS failed_callbacks"
            " FROM cases WHERE first_at >= :start AND first_at < :end"
            " AND coalesce(closed_how, '') <> 'leg'"
        )
        params: dict[str, object] = {**self.window, "failed": EventKind.CALLBACK_FAILED}
        if self.department is not None:
            sql += " AND department = :department"
            params["department"] = self.department
        cursor = self.conn.execute(sql + " ORDER BY first_at, id", params)
        names = [d[0] for d in cursor.description]
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            failed = int(row.pop("failed_callbacks"))
            yield CASES.build(row), failed

    def _missed_rows(self) -> Iterator[Row]:
        for case, failed_callbacks in self._cases():
            wait = _wait_seconds(case, self.config.hours)
            how = case.closed_how
            how_text = self.tr(_HOW_KEYS[how]) if how in _HOW_KEYS else None
            closer: str | None = None
            if how == ClosedHow.CALL:
                extension = operator_label(case.closed_by_extension or "?", self.names)
                closer = self.tr("report_extension", extension=extension)
            elif how == ClosedHow.USER:
                closer = case.closed_by_name or str(case.closed_by_user_id or "")
            elif how == ClosedHow.NOT_NEEDED:
                # Nobody called back: who dismissed the case says how it was closed.
                dismissed_by = case.closed_by_name or str(case.closed_by_user_id or "")
                if dismissed_by:
                    how_text = self.tr("report_how_not_needed_by", name=dismissed_by)
            status = "report_status_open" if case.is_open else "report_status_closed"
            yield [
                _number(case.remote),
                case.contact_name,
                case.contact_company,
                self._yes_no(case.new_caller),
                case.department,
                case.first_at,
                case.last_at,
                case.attempts,
                case.ring_seconds,
                self.tr(status),
                how_text,
                closer,
                (case.callback_at or case.closed_at) if wait is not None else None,
                round(wait / 60, 1) if wait is not None else None,
                self._yes_no(wait <= self.sla_seconds) if wait is not None else None,
                failed_callbacks,
            ]

    def _yes_no(self, value: bool) -> str:
        return self.tr("report_yes" if value else "report_no")

    # -- Входящие ----------------------------------------------------------------------

    def incoming(self) -> Sheet:
        header = self.header(
            "report_col_date",
            "report_col_hour",
            "report_col_department",
            "report_col_incoming",
            "report_col_answered",
            "report_col_missed",
            "report_col_short_abandons",
            "report_col_miss_rate",
            *(f"report_m_reason_{r}" for r in _OTHER_REASONS),
        )
        target = self.config.rules.answer_target_seconds
        header += [
            self.tr("report_m_answer_median"),
            self.tr("report_m_answer_p90"),
            self.tr("report_m_answer_within", target=target),
            self.tr("report_m_hung_up_median"),
            self.tr("report_m_hung_up_p90"),
        ]
        return Sheet(self.tr("report_sheet_incoming"), header, self._incoming_rows(target))

    def _incoming_rows(self, target: float) -> Iterator[Row]:
        """Per hour and department (the hour's lines folded into their departments): the
        counts, missed calls by reason, the speed of answer and the waits of those who
        hung up, as in Сводка."""
        departments = line_departments(self.conn, self.config.departments)
        start, end = self.period.start, self.period.end
        slot: str | None = None
        folded: dict[str, HourLineFigures] = {}
        for figures in hour_line_figures(self.conn, start, end, self.lines):
            if figures.hour != slot:
                yield from _hour_rows(slot, folded, target)
                slot, folded = figures.hour, {}
            name = departments.get((figures.extension, figures.co_line)) or "—"
            total = folded.setdefault(name, HourLineFigures(figures.hour, "", ""))
            total.incoming += figures.incoming
            total.answered += figures.answered
            total.reasons.update(figures.reasons)
            total.rings.update(figures.rings)
            total.hung_up.update(figures.hung_up)
        yield from _hour_rows(slot, folded, target)

    # -- Исходящие ---------------------------------------------------------------------

    def outgoing(self) -> Sheet:
        header = self.header(
            "report_col_date",
            "report_col_time",
            "report_col_extension",
            "report_col_operator",
            "report_col_phone",
            "report_col_contact",
            "report_col_company",
            "report_col_talk",
        )
        return Sheet(self.tr("report_sheet_outgoing"), header, self._outgoing_rows())

    def _outgoing_rows(self) -> Iterator[Row]:
        cursor = self.conn.execute(
            "SELECT started_at, extension, co_line, remote, number, duration FROM calls"
            " WHERE started_at >= :start AND started_at < :end AND direction = 'out'"
            " ORDER BY started_at",
            self.window,
        )
        for started, extension, co_line, remote, number, duration in cursor:
            if self.lines is not None and (str(extension), str(co_line)) not in self.lines:
                continue
            moment = from_text(started)
            contact = self.contacts.lookup(remote)
            yield [
                moment.date(),
                moment.time(),
                extension,
                self.names.get(str(extension)),
                _number(remote) if remote else (number or None),
                contact.name if contact else None,
                contact.company if contact else None,
                Span(int(duration or 0)),
            ]

    # -- Операторы ---------------------------------------------------------------------

    def operators(self) -> Sheet:
        header = self.header(
            "report_col_extension",
            "report_col_operator",
            "report_col_answered",
            "report_col_missed",
            "report_col_outgoing",
            "report_col_talk",
            "report_col_load",
            "report_col_callbacks",
            self.timed("report_col_median_minutes"),
        )
        # Load: talk time against the office time of the period so far (wall time without
        # hours), as /stats has it.
        office = self.current.office_seconds
        header.append(self.tr("report_col_within_share", sla=self.sla_text()))
        callbacks = office_waits(
            self.conn,
            self.period.start,
            self.period.end,
            hours=self.config.hours,
            by="extension",
            department=self.department,
            closed_how=(ClosedHow.CALL,),
            within_seconds=self.sla_seconds,
        )
        rows: list[Row] = []
        for op in self.current.operators:
            mine = callbacks.get(op.extension)
            median = mine.median_seconds if mine else None
            rows.append(
                [
                    op.extension,
                    self.names.get(op.extension),
                    op.answered,
                    op.missed,
                    op.outgoing,
                    Span(op.talk_seconds),
                    Share(op.talk_seconds / office) if office else None,
                    op.callbacks,
                    round(median / 60, 1) if median is not None else None,
                    Share(mine.within / mine.count) if mine and mine.count else None,
                ]
            )
        return Sheet(self.tr("report_sheet_operators"), header, rows)

    # -- Новые клиенты -----------------------------------------------------------------

    def new_callers(self) -> Sheet:
        header = self.header(
            "report_col_phone",
            "report_col_contact",
            "report_col_company",
            "report_col_first_call",
            "report_col_department",
            "report_col_first_answered",
            "report_col_called_back",
            "report_col_callback_at",
            "report_col_came_back",
        )
        return Sheet(self.tr("report_sheet_new_callers"), header, self._new_caller_rows())

    def _new_caller_rows(self) -> Iterator[Row]:
        """Numbers whose first call ever is an incoming call in the period."""
        departments = line_departments(self.conn, self.config.departments)
        staff = employee_keys(self.config.rules.employee_numbers)
        found = new_callers(self.conn, self.period.start, self.period.end, self.lines, staff)
        for caller in found:
            called_back: Value = None
            callback_at: Value = None
            if not caller.answered:
                called_back = self._new_outcome(caller)
                if caller.called_back:
                    at = caller.case_callback_at or caller.case_closed_at
                    callback_at = from_text(at) if at else None
            later = later_calls(self.conn, caller.remote, caller.first_at)
            contact = self.contacts.lookup(caller.remote)
            yield [
                _number(caller.remote),
                contact.name if contact else None,
                contact.company if contact else None,
                from_text(caller.first_at),
                departments.get((caller.extension, caller.co_line)) or "—",
                self._yes_no(caller.answered),
                called_back,
                callback_at,
                later,
            ]

    def _new_outcome(self, caller: NewCaller) -> str:
        """Перезвонили for a missed first call, in Сводка's outcomes: yes, got through on
        their own, no callback needed, hung up at once (no case), else no (not yet)."""
        if caller.called_back:
            return self.tr("report_yes")
        if caller.got_through:
            return self.tr("report_how_answered")
        if caller.not_needed:
            return self.tr("report_how_not_needed")
        if caller.short_abandon and caller.case_status is None:
            return self.tr("report_new_short")
        return self.tr("report_no")

    # -- Нагрузка -----------------------------------------------------------------------

    def load(self) -> LoadSheet:
        grid = load_grid(self.conn, self.period.start, self.period.end, self.lines)
        days = self.tr("load_weekdays").split(",")
        header = [self.tr("report_col_hour")]
        blocks = []
        for key in ("load_block_incoming", "load_block_missed", "load_block_rate"):
            first = len(header)
            header += [self.tr(key, day=day) for day in days]
            blocks.append((first, len(header) - 1))
        rows: list[Row] = []
        for hour in range(HOURS):
            row: list[Value] = [hour]
            row += [grid.incoming[d][hour] for d in range(WEEKDAYS)]
            row += [grid.missed[d][hour] for d in range(WEEKDAYS)]
            for d in range(WEEKDAYS):
                rate = grid.rate(d, hour)
                row.append(None if rate is None else Share(rate))
            rows.append(row)
        return LoadSheet(self.tr("report_sheet_load"), header, rows, blocks=blocks)

    # -- Частые абоненты ---------------------------------------------------------------

    def frequent(self) -> Sheet:
        header = self.header(
            "report_col_phone",
            "report_col_contact",
            "report_col_company",
            "report_col_calls",
            "report_col_answered",
            "report_col_missed",
            "report_col_cases",
            "report_col_called_back",
            "report_col_first_call",
            "report_col_last_call",
        )
        return Sheet(self.tr("report_sheet_frequent"), header, self._frequent_rows())

    def _frequent_rows(self) -> Iterator[Row]:
        """Every number with two incoming calls or more, most calls first."""
        staff = employee_keys(self.config.rules.employee_numbers)
        start, end = self.period.start, self.period.end
        counts = case_counts(self.conn, start, end, self.department)
        for caller in frequent_callers(self.conn, start, end, self.lines):
            if caller.remote in staff:
                continue
            cases, called_back = counts.get(caller.remote, (0, 0))
            contact = self.contacts.lookup(caller.remote)
            yield [
                _number(caller.remote),
                contact.name if contact else None,
                contact.company if contact else None,
                caller.calls,
                caller.answered,
                caller.missed,
                cases,
                called_back,
                from_text(caller.first_at),
                from_text(caller.last_at),
            ]


_OTHER_REASONS = [r for r in MissReason if r != MissReason.SHORT_ABANDON]


def _hour_rows(
    slot: str | None, folded: dict[str, HourLineFigures], target: float
) -> Iterator[Row]:
    """One hour's rows of Входящие, a department each ("—" for calls routed nowhere last)."""
    if slot is None:
        return
    day, hour = date.fromisoformat(slot[:10]), int(slot[11:13])
    for name in sorted(folded, key=lambda n: (n == "—", n)):
        f = folded[name]
        missed = f.incoming - f.answered
        speed = spread_of(sorted(f.rings.items()), target)
        hung = spread_of(sorted(f.hung_up.items()))
        yield [
            day,
            hour,
            name,
            f.incoming,
            f.answered,
            missed,
            f.reasons.get(MissReason.SHORT_ABANDON, 0),
            Share(missed / f.incoming) if f.incoming else None,
            *(f.reasons.get(r, 0) for r in _OTHER_REASONS),
            _cell("span", speed.median),
            _cell("span", speed.p90),
            _cell("share", speed.share_within),
            _cell("span", hung.median),
            _cell("span", hung.p90),
        ]


def _wait_seconds(case: Case, hours: OfficeHours) -> float | None:
    """First missed call to close, in office time, for a case that was called back (not
    written off, not the caller getting through); without office hours, office time is
    wall time."""
    if case.status != CaseStatus.CLOSED or case.closed_how not in CALLED_BACK:
        return None
    if case.closed_at is None:
        return None
    return hours.office_seconds(case.first_at, case.closed_at)  # real minutes over a switch too
