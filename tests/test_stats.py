"""Stats: period words (English and Russian), figures on a known data set, the report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.stats_reference import checked_stats, reference_stats
from watcher.ledger import Ledger
from watcher.models import Case
from watcher.normalise import to_call
from watcher.sim.wintariff import make_row
from watcher.stats import (
    Period,
    Stats,
    days_period,
    duration_text,
    load_stats,
    parse_period,
    render_stats,
    span_text,
)
from watcher.vocab import CaseStatus, ClosedHow

TODAY = dt.date(2024, 5, 6)  # a Monday
MIDNIGHT = dt.datetime(2024, 5, 6)
SALES, SERVICE = "Отдел продаж", "Сервис"


# -- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize("word", [None, "", "today", "Today", " сегодня ", "СЕГОДНЯ"])
def test_today(word: str | None) -> None:
    assert parse_period(word, TODAY) == Period(MIDNIGHT, dt.datetime(2024, 5, 7), "2024-05-06")


@pytest.mark.parametrize("word", ["yesterday", "вчера", "Вчера"])
def test_yesterday(word: str) -> None:
    assert parse_period(word, TODAY) == Period(dt.datetime(2024, 5, 5), MIDNIGHT, "2024-05-05")


@pytest.mark.parametrize("word", ["week", "неделя", "неделю", "WEEK"])
def test_week_is_seven_days_to_today(word: str) -> None:
    period = parse_period(word, TODAY)
    assert period == Period(
        dt.datetime(2024, 4, 30), dt.datetime(2024, 5, 7), "2024-04-30..2024-05-06"
    )
    assert period.days == 7


@pytest.mark.parametrize("word", ["month", "месяц", "Месяц"])
def test_month_is_this_month_so_far(word: str) -> None:
    period = parse_period(word, TODAY)
    assert period == Period(
        dt.datetime(2024, 5, 1), dt.datetime(2024, 5, 7), "2024-05-01..2024-05-06"
    )
    assert period.days == 6
    first = parse_period(word, dt.date(2024, 6, 1))
    assert (first.start, first.end, first.days) == (
        dt.datetime(2024, 6, 1),
        dt.datetime(2024, 6, 2),
        1,
    )


def test_one_day_and_a_range() -> None:
    assert parse_period("2024-03-08", TODAY) == Period(
        dt.datetime(2024, 3, 8), dt.datetime(2024, 3, 9), "2024-03-08"
    )
    period = parse_period("2024-02-28..2024-03-01", TODAY)
    assert period == Period(
        dt.datetime(2024, 2, 28), dt.datetime(2024, 3, 2), "2024-02-28..2024-03-01"
    )
    assert period.days == 3  # leap year, both ends included
    assert parse_period(" 2024-03-08 .. 2024-03-08 ", TODAY).label == "2024-03-08"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fortnight", "period not understood: 'fortnight'"),
        ("завтра", "period not understood"),
        ("2024-02-30", "period not understood"),
        ("2024-05-01..", "period not understood"),
        ("06/05/2024", "period not understood"),
        ("2024-05-10..2024-05-01", "period goes backwards: '2024-05-10..2024-05-01'"),
        # Python's last day has no day after it; year 1 has no period before it.
        ("9999-12-31", "period outside the years 1970..2199: '9999-12-31'"),
        ("0001-01-01..2024-01-01", "period outside the years"),
    ],
)
def test_bad_periods_say_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_period(text, TODAY)
    if "understood" in message:
        assert "YYYY-MM-DD..YYYY-MM-DD" in str(caught.value)


# -- figures ------------------------------------------------------------------------------


def call(
    hour: int,
    minute: int,
    direction: str,
    remote: str | None,
    ext: str,
    seconds: int,
    day: dt.date = TODAY,
) -> dict[str, Any]:
    started = dt.datetime(day.year, day.month, day.day, hour, minute)
    return {
        "started_at": started.strftime("%Y-%m-%d %H:%M:%S"),
        "direction": direction,
        "remote": remote,
        "extension": ext,
        "duration": seconds,
    }


def case(
    case_id: int,
    department: str,
    first: dt.datetime,
    *,
    status: str = CaseStatus.OPEN,
    how: str | None = None,
    closed: dt.datetime | None = None,
    ext: str | None = None,
) -> Case:
    return Case(
        id=case_id,
        department=department,
        chat=-1,
        remote=f"+7916000000{case_id}",
        status=status,
        first_at=first,
        last_at=first,
        attempts=1,
        extension="620",
        ring_seconds=None,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=how == ClosedHow.EXPIRY,
        closed_at=closed,
        closed_how=how,
        closed_by_extension=ext,
    )


def at(hour: int, minute: int = 0) -> dt.datetime:
    return MIDNIGHT.replace(hour=hour, minute=minute)


CALLS = [
    call(10, 5, "in", "+79160000001", "620", 0),  # missed
    call(10, 20, "in", "+79160000001", "620", 0),  # missed again
    call(10, 30, "out", "+79160000001", "201", 45),  # the callback
    call(11, 0, "in", "+79160000002", "201", 60),
    call(11, 30, "in", "+79160000003", "202", 30),
    call(12, 0, "out", "+79160000004", "203", 0),  # nobody answered: not counted
    call(12, 5, "internal", None, "201", 20),
    call(12, 10, "in", None, "201", 15),  # hidden number: not an external incoming
    call(14, 0, "in", "+79160000005", "630", 0),  # missed
    call(9, 0, "in", "+79160000006", "620", 0, day=TODAY - dt.timedelta(days=1)),  # other day
]
CASES = [
    case(
        1,
        SALES,
        at(10, 5),
        status=CaseStatus.CLOSED,
        how=ClosedHow.CALL,
        closed=at(10, 30),
        ext="201",
    ),
    case(2, SERVICE, at(14)),
    case(3, SALES, at(9), status=CaseStatus.CLOSED, how=ClosedHow.USER, closed=at(9, 10)),
    case(
        4, SALES, at(8), status=CaseStatus.CLOSED, how=ClosedHow.ANSWER, closed=at(8, 20), ext="202"
    ),
    case(5, SALES, at(1), status=CaseStatus.CLOSED, how=ClosedHow.EXPIRY, closed=at(12)),
    case(6, SALES, at(9) - dt.timedelta(days=1)),  # other day
]


def test_compute_stats_on_a_known_day() -> None:
    stats = checked_stats(CALLS, CASES, parse_period("today", TODAY))
    assert (stats.incoming, stats.answered, stats.missed) == (5, 2, 3)
    assert stats.miss_rate == pytest.approx(0.6)
    assert (stats.cases_total, stats.cases_closed, stats.cases_open, stats.cases_expired) == (
        5,
        3,
        1,
        1,
    )
    assert (stats.closed_by_call, stats.closed_by_user) == (2, 1)
    # The hidden number's answered call is in no figure above, but told apart.
    assert (stats.hidden, stats.hidden_missed) == (1, 0)
    # Waits: 25 min (callback), 10 min (button); the customer who got through on their
    # own after 20 min was not called back.
    assert stats.median_callback_seconds == 17.5 * 60
    # Every close counts in a department's line, the stale one written off too: it adds up.
    assert [(d.name, d.cases, d.closed, d.open) for d in stats.departments] == [
        (SALES, 4, 4, 0),
        (SERVICE, 1, 0, 1),
    ]
    assert [
        (o.extension, o.answered, o.missed, o.outgoing, o.callbacks, o.talk_seconds)
        for o in stats.operators
    ] == [
        ("201", 1, 0, 1, 1, 105),
        ("202", 1, 0, 0, 0, 30),
        ("620", 0, 2, 0, 0, 0),
        ("630", 0, 1, 0, 0, 0),
    ]
    assert stats.hourly_incoming[10] == 2 and stats.hourly_incoming[11] == 2
    assert stats.hourly_incoming[14] == 1 and sum(stats.hourly_incoming) == 5
    assert stats.hourly_missed[10] == 2 and stats.hourly_missed[14] == 1
    assert sum(stats.hourly_missed) == 3


def test_compute_stats_on_an_empty_period() -> None:
    stats = checked_stats(CALLS, CASES, parse_period("2024-01-01", TODAY))
    assert stats == Stats()
    assert stats.miss_rate == 0.0
    assert stats.median_callback_seconds is None


def test_week_includes_the_day_before() -> None:
    stats = checked_stats(CALLS, CASES, parse_period("week", TODAY))
    assert (stats.incoming, stats.missed, stats.cases_total, stats.cases_open) == (6, 4, 6, 2)


def test_load_stats_from_the_ledger(tmp_path: Path) -> None:
    with Ledger(tmp_path / "perezvon.db") as ledger:
        customer, other = "89161234567", "84951112233"
        rows = [
            make_row(when=at(10), duration=0, extension="620", callerid=customer, calltype="I"),
            make_row(when=at(10, 9), duration=50, extension="201", number=customer, calltype="C"),
            make_row(when=at(11), duration=20, extension="202", callerid=other, calltype="I"),
        ]
        calls = [to_call(i, row) for i, row in enumerate(rows)]
        ledger.insert_calls(calls)
        opened = ledger.create_case(
            call=calls[0],
            department=SALES,
            chat=-1,
            new_caller=True,
            contact_name=None,
            contact_company=None,
            silent=False,
            now=at(10, 1),
        )
        ledger.close_by_call(opened, calls[1], at(10, 10))
        stats = load_stats(ledger, parse_period("today", TODAY))
        assert stats == reference_stats(ledger, parse_period("today", TODAY))
    assert (stats.incoming, stats.answered, stats.missed) == (2, 1, 1)
    assert (stats.cases_total, stats.cases_closed, stats.closed_by_call) == (1, 1, 1)
    assert stats.median_callback_seconds == 9 * 60
    assert [(o.extension, o.callbacks) for o in stats.operators] == [
        ("201", 1),
        ("202", 0),
        ("620", 0),
    ]


# -- the report ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        (dt.date(2024, 5, 6), dt.date(2024, 5, 6), "06.05.2024"),
        (dt.date(2024, 4, 30), dt.date(2024, 5, 6), "30.04–06.05.2024"),
        (dt.date(2024, 12, 30), dt.date(2025, 1, 5), "30.12.2024–05.01.2025"),
    ],
)
def test_periods_are_shown_as_people_write_days(first: dt.date, last: dt.date, shown: str) -> None:
    """Titles, captions and the workbook say 30.04–06.05.2024, as the cards say 07.12;
    the ISO label stays for logs and file names."""
    period = days_period(first, last)
    assert period.shown("ru") == shown
    assert period.shown("en") == period.label  # 01.12 reads as January 12 to many
    assert period.label == (first.isoformat() if first == last else f"{first}..{last}")
    # What a title prints, typed back, is the same period.
    assert parse_period(shown, dt.date(2025, 6, 1)) == period


@pytest.mark.parametrize(
    "text",
    [
        "01.12–07.12.2026",
        "01.12.2026-07.12.2026",
        "01.12.2026 - 07.12.2026",
        "01.12.2026 — 07.12.2026",
        "01.12..07.12",
        "01.12-07.12",
    ],
)
def test_a_range_of_russian_dates_takes_the_dashes_people_type(text: str) -> None:
    """Without a year a day is the last such day up to today (or the range's end)."""
    period = parse_period(text, dt.date(2026, 12, 9))
    assert (period.start.date(), period.last_day) == (dt.date(2026, 12, 1), dt.date(2026, 12, 7))


def test_a_day_without_a_year_is_the_last_one_up_to_today() -> None:
    assert parse_period("28.12", dt.date(2027, 1, 5)).start == dt.datetime(2026, 12, 28)
    assert parse_period("30.12–05.01", dt.date(2027, 1, 9)).start == dt.datetime(2026, 12, 30)
    # A range's last day without a year follows its first: this May so far, not last
    # May; over the new year from a first day with its year.
    this_may = parse_period("01.05-31.05", dt.date(2026, 5, 15))
    assert (this_may.start.date(), this_may.last_day) == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    winter = parse_period("30.12.2025..05.01", dt.date(2026, 1, 3))
    assert (winter.start.date(), winter.last_day) == (dt.date(2025, 12, 30), dt.date(2026, 1, 5))
    # A range is not stretched over years: a reversed one goes backwards, a 29.02 after
    # 28.02 of a common year is no day.
    with pytest.raises(ValueError, match="goes backwards"):
        parse_period("15.11-10.11", dt.date(2026, 12, 2))
    with pytest.raises(ValueError, match="not understood"):
        parse_period("28.02-29.02", dt.date(2026, 12, 2))
    # 29.02 is the last one there was, in a common year too.
    assert parse_period("29.02", dt.date(2029, 3, 1)).start == dt.datetime(2028, 2, 29)
    assert parse_period("29.02", dt.date(2028, 2, 10)).start == dt.datetime(2024, 2, 29)
    assert parse_period("2024-03-08", TODAY).label == "2024-03-08"  # ISO dashes stay dates


def test_render_stats_in_russian() -> None:
    period = parse_period("today", TODAY)
    text = render_stats(checked_stats(CALLS, CASES, period), period, "ru")
    lines = text.splitlines()
    assert lines[0] == "Звонки за 06.05.2024"
    assert "Входящих: 5 — отвечено 2, пропущено 3 (доля пропущенных 60%)" in lines
    assert (
        "Случаев пропуска: 5 — перезвонили 2 (по журналу 1, отмечено в чате 1), "
        "дозвонились сами 1, ещё ждут 1, без ответа (история) 1"
    ) in lines
    # +7…01 missed then called back, …02 and …03 answered, …05 missed and still waiting.
    assert "Новые номера: 4 — ответили сразу 2, перезвонили 1, ещё не дозвонились 1" in lines
    assert "Медиана до перезвона: 18 мин" in lines  # 25 and 10 min; not the 20 of …04
    assert (
        "Без номера звонящего: 1 входящий, без ответа 0 — в цифрах выше его нет: перезвонить некуда"
    ) in lines
    assert "По отделам (случаи / закрыто / ждут):" in lines
    assert "  Отдел продаж: 4 / 4 / 0" in lines
    assert "  Сервис: 1 / 0 / 1" in lines
    assert "     201: 1 / 0 / 1 / 1 / 1:45" in lines
    assert "     620: 0 / 2 / 0 / 0 / 0:00" in lines


def test_render_stats_in_english() -> None:
    period = parse_period("2024-04-30..2024-05-06", TODAY)
    text = render_stats(checked_stats(CALLS, CASES, period), period, "en")
    lines = text.splitlines()
    assert lines[0] == "Calls for 2024-04-30..2024-05-06"
    assert "Incoming: 6 — answered 2, missed 4 (miss rate 67%)" in lines
    assert (
        "Missed-call cases: 6 — called back 2 (from the call log 1, marked in chat 1), "
        "got through on their own 1, still open 2, never called back (history) 1"
    ) in lines
    assert "Median time to callback: 18 min" in lines
    assert "By extension (answered / missed / outgoing / callbacks / talk time):" in lines
    text_without_names = text.replace(SALES, "").replace(SERVICE, "")
    assert not any(ch in text_without_names for ch in "абвгдежзийклмнопрстуфхцчшщыэюя")


def test_render_without_calls() -> None:
    period = parse_period("today", TODAY)
    assert render_stats(Stats(), period, "en") == "Calls for 2024-05-06\n\nNo calls."
    assert render_stats(Stats(), period, "ru") == "Звонки за 06.05.2024\n\nЗвонков нет."
    assert render_stats(Stats(), period, "de").endswith("Звонков нет.")  # unknown: Russian


def test_nothing_closed_shows_no_breakdown_and_no_median() -> None:
    period = parse_period("today", TODAY)
    stats = checked_stats(CALLS[:2], [case(1, SALES, at(10, 5))], period)
    text = render_stats(stats, period, "en")
    assert "Missed-call cases: 1 — called back 0, still open 1" in text
    assert "history" not in text
    assert "Median time to callback: —" in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0:00"),
        (59.6, "1:00"),
        (125, "2:05"),
        (3599, "59:59"),
        (3600, "1 ч"),
        (3725, "1 ч 2 мин"),
        (79 * 3600 + 7 * 60 + 50, "79 ч 8 мин"),  # never 79:07:50
    ],
)
def test_duration_text_is_a_clock_only_under_an_hour(seconds: float | None, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "ru", "en"),
    [
        (None, "—", "—"),
        (0, "0 с", "0 s"),
        (40, "40 с", "40 s"),
        (59.6, "1 мин", "1 min"),
        (20 * 60, "20 мин", "20 min"),
        (45 * 60 + 29, "45 мин", "45 min"),
        (3600, "1 ч", "1 h"),
        (3 * 3600 + 12 * 60, "3 ч 12 мин", "3 h 12 min"),
        (79 * 3600 + 7 * 60 + 50, "79 ч 8 мин", "79 h 8 min"),
    ],
)
def test_span_text_reads_as_a_length_of_time(seconds: float | None, ru: str, en: str) -> None:
    assert span_text(seconds) == span_text(seconds, "ru") == ru
    assert span_text(seconds, "en") == en


def test_a_case_marked_not_needed_adds_up_in_its_department_and_among_new_numbers(
    tmp_path: Path, phone_config: Any, calls_dbf: Any, phone_rows: Any
) -> None:
    """Three new numbers missed: one called back (✅), one spam (🚫), one still open. The
    department's line read "3 / 1 / 1" (a case gone) and the new numbers counted the spam
    as a client not reached yet."""
    from watcher.ingest import Ingestor

    config = phone_config()
    for minute, caller in enumerate(("89167770000", "89167770001", "89167770002")):
        calls_dbf.append(
            phone_rows.missed(MIDNIGHT + dt.timedelta(hours=10, minutes=minute), caller)
        )
    noon = MIDNIGHT + dt.timedelta(hours=10, minutes=30)  # a first pass posts its last hour
    with Ledger(config.database_path) as ledger:
        Ingestor(config, ledger, clock=lambda: noon, wall=lambda: 0.0).scan()
        called, spam, _ = sorted(ledger.open_cases(), key=lambda c: c.id)
        who: dict[str, Any] = {"user_id": 5, "user_name": "Ольга", "now": noon}
        ledger.close_by_user(called.id, **who)
        ledger.close_not_needed(spam.id, **who)
        period = parse_period(TODAY.isoformat(), TODAY)
        stats = load_stats(ledger, period, config)
    [sales] = stats.departments
    assert (sales.cases, sales.closed, sales.open) == (3, 2, 1)
    new = stats.new_callers
    assert (new.total, new.called_back, new.not_needed, new.waiting) == (3, 1, 1, 1)
    lines = render_stats(stats, period, "ru").splitlines()
    assert f"  {SALES}: 3 / 3 / 100% / 3 / 2 / 1" in lines
    assert (
        "Новые номера: 3 — ответили сразу 0, перезвонили 1, ещё не дозвонились 1,"
        " не нужно перезванивать 1"
    ) in lines
    english = render_stats(stats, period, "en")
    assert "not reached yet 1, no callback needed 1" in english


@pytest.mark.parametrize(
    ("text", "today", "first", "last"),
    [
        # In January a manager asks for December by its name: last year's.
        ("декабрь", dt.date(2027, 1, 11), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("Декабрь 2026", dt.date(2027, 1, 11), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("december", dt.date(2027, 1, 11), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("12.2026", dt.date(2027, 1, 11), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        # This month by name: so far, as "месяц".
        ("январь", dt.date(2027, 1, 11), dt.date(2027, 1, 1), dt.date(2027, 1, 11)),
        ("февраль", dt.date(2027, 1, 11), dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        # A year by its number: the whole of it, or so far when it is this one.
        ("2026", dt.date(2027, 1, 11), dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ("2027", dt.date(2027, 1, 11), dt.date(2027, 1, 1), dt.date(2027, 1, 11)),
        ("прошлый год", dt.date(2027, 1, 11), dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ("last year", dt.date(2027, 1, 11), dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        # Last quarter is the one before this: in January the fourth of last year.
        ("прошлый квартал", dt.date(2027, 1, 11), dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("last quarter", dt.date(2027, 1, 11), dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("прошлый квартал", dt.date(2026, 5, 15), dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ],
)
def test_a_month_a_quarter_or_a_year_by_name_as_people_type_it(
    text: str, today: dt.date, first: dt.date, last: dt.date
) -> None:
    period = parse_period(text, today)
    assert (period.start.date(), period.last_day) == (first, last)
