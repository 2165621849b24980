"""Office hours and office-minute arithmetic (pure), and the ``[hours]`` table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from watcher.config import Config, ConfigError
from watcher.hours import OfficeHours, parse_clock
from watcher.vocab import AfterHours

WEEK = frozenset(range(5))  # Monday to Friday
OFFICE = OfficeHours(days=WEEK, open_minute=9 * 60, close_minute=18 * 60)
# 2026-12-04 is a Friday.
FRI = dt.datetime(2026, 12, 4)


def at(day: dt.datetime, clock: str, days: int = 0) -> dt.datetime:
    hours, minutes = map(int, clock.split(":"))
    return day + dt.timedelta(days=days, hours=hours, minutes=minutes)


def test_always_open_without_an_hours_table() -> None:
    always = OfficeHours()
    assert always.always_open
    assert always.is_open(at(FRI, "03:00", days=1))
    assert always.after(at(FRI, "23:50"), 20) == at(FRI, "00:10", days=1)
    assert always.office_minutes(at(FRI, "23:00"), at(FRI, "01:00", days=1)) == 120


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(FRI, "08:59"), False),
        (at(FRI, "09:00"), True),
        (at(FRI, "17:59"), True),
        (at(FRI, "18:00"), False),
        (at(FRI, "12:00", days=1), False),  # Saturday
        (at(FRI, "12:00", days=3), True),  # Monday
    ],
)
def test_is_open(moment: dt.datetime, open_: bool) -> None:
    assert OFFICE.is_open(moment) is open_


def test_a_reminder_at_20_office_minutes_from_17_55_falls_at_09_15_next_working_day() -> None:
    thursday = at(FRI, "17:55", days=-1)
    assert OFFICE.after(thursday, 20) == at(FRI, "09:15")


def test_a_friday_evening_case_is_due_on_monday() -> None:
    assert OFFICE.after(at(FRI, "17:55"), 20) == at(FRI, "09:15", days=3)
    assert OFFICE.after(at(FRI, "19:00"), 20) == at(FRI, "09:20", days=3)
    assert OFFICE.after(at(FRI, "03:00", days=1), 60) == at(FRI, "10:00", days=3)


def test_holidays_and_ranges_are_skipped_and_extra_workdays_count() -> None:
    hours = OfficeHours(
        days=WEEK,
        open_minute=540,
        close_minute=1080,
        holidays=frozenset({dt.date(2026, 12, 7), dt.date(2026, 12, 8)}),
        extra_workdays=frozenset({dt.date(2026, 12, 5)}),  # a working Saturday
    )
    assert hours.is_open(at(FRI, "10:00", days=1))
    assert not hours.is_open(at(FRI, "10:00", days=3))  # Monday, a holiday
    # Friday 17:55 + 20: 5 minutes Friday, then the working Saturday.
    assert hours.after(at(FRI, "17:55"), 20) == at(FRI, "09:15", days=1)
    # Saturday evening: Monday and Tuesday are holidays, so Wednesday.
    assert hours.after(at(FRI, "18:30", days=1), 30) == at(FRI, "09:30", days=5)
    assert hours.next_opening(at(FRI, "18:30", days=1)) == at(FRI, "09:00", days=5)


def test_office_minutes_count_only_open_time() -> None:
    assert OFFICE.office_minutes(at(FRI, "17:00"), at(FRI, "10:00", days=3)) == 120
    assert OFFICE.office_minutes(at(FRI, "07:00"), at(FRI, "08:00")) == 0
    assert OFFICE.office_minutes(at(FRI, "10:00"), at(FRI, "09:00")) == 0
    # A whole week: five days of nine hours.
    assert OFFICE.office_minutes(at(FRI, "00:00", days=3), at(FRI, "00:00", days=10)) == 5 * 540


def test_midnight_and_the_end_of_the_day() -> None:
    late = OfficeHours(days=frozenset(range(7)), open_minute=20 * 60, close_minute=24 * 60)
    assert late.is_open(at(FRI, "23:59"))
    assert not late.is_open(at(FRI, "00:00", days=1))
    assert late.after(at(FRI, "23:50"), 20) == at(FRI, "20:10", days=1)
    assert late.next_opening(at(FRI, "23:59")) == at(FRI, "23:59")


def test_an_office_that_never_opens_gives_no_moment() -> None:
    never = OfficeHours(days=frozenset(), open_minute=540, close_minute=1080)
    assert never.after(FRI, 10) is None
    assert never.next_opening(FRI) is None


@pytest.mark.parametrize(
    ("text", "minute"),
    [("09:00", 540), ("9:05", 545), ("24:00", 1440), ("00:00", 0), ("25:00", None),
     ("9", None), ("09:5", None), ("09:60", None), ("", None)],
)  # fmt: skip
def test_parse_clock(text: str, minute: int | None) -> None:
    assert parse_clock(text) == minute


# -- the [hours] table --------------------------------------------------------------------


def test_the_hours_table_is_read(phone_config: Callable[..., Config]) -> None:
    config = phone_config(
        hours={
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "open": "09:00",
            "close": "18:00",
            "holidays": ["2026-12-31", "2027-01-01..2027-01-08", dt.date(2027, 2, 23)],
            "extra_workdays": ["2026-12-27"],
            "after_hours": "digest",
        }
    )
    hours = config.hours
    assert (hours.days, hours.open_minute, hours.close_minute) == (WEEK, 540, 1080)
    assert len(hours.holidays) == 1 + 8 + 1
    assert dt.date(2027, 1, 5) in hours.holidays
    assert hours.extra_workdays == {dt.date(2026, 12, 27)}
    assert hours.after_hours is AfterHours.DIGEST
    assert not hours.always_open


def test_no_hours_table_is_always_open(phone_config: Callable[..., Config]) -> None:
    assert phone_config().hours.always_open


@pytest.mark.parametrize(
    ("hours", "message", "russian"),
    [
        ({"days": ["mon", "fry"]}, "hours.days: 'fry' is not a day", "'fry' — не день недели"),
        (
            {"open": "9am"},
            'hours.open: must be a time like "09:00"',
            "hours.open: нужно время вида \"09:00\", а не '9am'",
        ),
        (
            {"open": "18:00", "close": "09:00"},
            "close (09:00) must be after open (18:00)",
            "время закрытия close (09:00) должно быть позже открытия open (18:00)",
        ),
        (
            {"holidays": ["31.12.2026"]},
            "hours.holidays: '31.12.2026' is not a date",
            "hours.holidays: '31.12.2026' — не дата",
        ),
        ({"holidays": ["2027-01-08..2027-01-01"]}, "goes backwards", "начало больше конца"),
        (
            {"after_hours": "later"},
            'hours.after_hours: must be "digest" or "post"',
            'hours.after_hours: допустимо "digest" или "post"',
        ),
        (
            {"holidays": ["2026-12-27"], "extra_workdays": ["2026-12-27"]},
            "2026-12-27 is both a holiday and an extra working day",
            "2026-12-27 указан и как праздник (holidays), и как рабочий день (extra_workdays)",
        ),
    ],
)
def test_mistakes_in_the_hours_table_are_named(
    phone_config: Callable[..., Config], hours: dict[str, object], message: str, russian: str
) -> None:
    with pytest.raises(ConfigError) as error:
        phone_config(hours=hours, language="en")
    assert any(message in problem for problem in error.value.problems), error.value.problems
    with pytest.raises(ConfigError) as error:
        phone_config(hours=hours)  # the test office's language = "ru"
    assert any(russian in problem for problem in error.value.problems), error.value.problems


def test_operators_and_topics_are_read(phone_config: Callable[..., Config]) -> None:
    departments = [
        {"name": "Продажи", "chat": -1001, "extensions": ["620"], "default": True, "topic": 7}
    ]
    config = phone_config(operators={"201": 111111111, "202": "222"}, department=departments)
    assert config.operators == (("201", 111111111), ("202", 222))
    assert config.departments[0].topic == 7
    with pytest.raises(ConfigError, match=r"operators\.203"):
        phone_config(operators={"203": "Ольга"})


# -- summer time (Europe/Riga: 29 March 2026 03:00 -> 04:00, 25 October 04:00 -> 03:00) -------

SPRING = dt.datetime(2026, 3, 29)
AUTUMN = dt.datetime(2026, 10, 25)


def riga_hours(phone_config: Callable[..., Config], **hours: object) -> OfficeHours:
    config: Config = phone_config(timezone="Europe/Riga", **({"hours": hours} if hours else {}))
    return config.hours


def test_office_time_of_an_always_open_office_is_real_time_over_the_switch(
    phone_config: Callable[..., Config],
) -> None:
    """The night the clocks go forward has 23 hours, the night they go back 25: a call
    missed at 02:50 and called back at 04:05 waited 15 minutes, not an hour and a quarter."""
    always = riga_hours(phone_config)
    assert always.office_minutes(SPRING, SPRING + dt.timedelta(days=1)) == 23 * 60
    assert always.office_minutes(AUTUMN, AUTUMN + dt.timedelta(days=1)) == 25 * 60
    assert always.office_minutes(at(SPRING, "02:50"), at(SPRING, "04:05")) == 15
    # 20 minutes after 02:50 is 04:10 on the wall: 03:00 to 04:00 never came.
    assert always.after(at(SPRING, "02:50"), 20) == at(SPRING, "04:10")
    assert always.after(at(SPRING, "02:30"), 120) == at(SPRING, "05:30")
    # A day of office hours (09:00-18:00) is nine hours either way.
    office = riga_hours(phone_config, days=["sun"], open="09:00", close="18:00")
    assert office.office_minutes(SPRING, SPRING + dt.timedelta(days=1)) == 9 * 60
    assert office.after(at(SPRING, "02:50"), 20) == at(SPRING, "09:20")
    assert office.office_minutes(AUTUMN, AUTUMN + dt.timedelta(days=1)) == 9 * 60


@pytest.mark.parametrize(
    ("written", "english", "russian"),
    [
        # Dates as Russians write them: the message gives the line to write instead.
        ("31.12.2026", 'write "2026-12-31"', 'напишите "2026-12-31"'),
        (
            "31.12.2026..08.01.2027",
            'write "2026-12-31..2027-01-08"',
            'напишите "2026-12-31..2027-01-08"',
        ),
        ("01.01.2027-08.01.2027", 'write "2027-01-01..2027-01-08"', "2027-01-01..2027-01-08"),
        ("2027-01-01–2027-01-08", 'write "2027-01-01..2027-01-08"', "2027-01-01..2027-01-08"),
        ("2027-01-01 - 2027-01-08", 'write "2027-01-01..2027-01-08"', "2027-01-01..2027-01-08"),
        # The right form, but a day the calendar does not have.
        ("2027-02-30", "'2027-02-30': there is no such day", "'2027-02-30': такого дня нет"),
        ("2027-01-01..2027-01-32", "'2027-01-32': there is no such day", "такого дня нет"),
        # A range typed backwards: the same days the right way round.
        (
            "2027-01-08..2027-01-01",
            'write "2027-01-01..2027-01-08"',
            'напишите "2027-01-01..2027-01-08"',
        ),
    ],
)
def test_a_mistyped_holiday_is_told_with_its_fix(
    phone_config: Callable[..., Config], written: str, english: str, russian: str
) -> None:
    for language, expected in (("en", english), ("ru", russian)):
        with pytest.raises(ConfigError) as error:
            phone_config(hours={"holidays": [written]}, language=language)
        [problem] = error.value.problems
        assert problem.startswith("hours.holidays: ") and expected in problem, problem
    with pytest.raises(ConfigError) as error:
        phone_config(hours={"extra_workdays": [written]}, language="en")
    assert error.value.problems[0].startswith("hours.extra_workdays: ")


# -- a short pre-holiday day ----------------------------------------------------------------


def test_a_short_pre_holiday_day_closes_an_hour_early(
    phone_config: Callable[..., Config],
) -> None:
    """Russian labour law (art. 95) shortens the working day before a public holiday by
    one hour: on Wednesday 30 December the office closes at 17:00. A call at 17:30 is
    after hours (the 11 January digest, not a card nobody reads), a case of 16:50 is
    reminded at 09:10 on 11 January, and the hour 17:00-18:00 is no office time."""
    config = phone_config(
        hours={
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "open": "09:00",
            "close": "18:00",
            "holidays": ["2026-12-31", "2027-01-01..2027-01-08"],
            "short_days": ["2026-12-30"],
            "after_hours": "digest",
        }
    )
    hours = config.hours
    assert hours.short_days == {dt.date(2026, 12, 30)}
    eve = dt.datetime(2026, 12, 30)
    assert hours.is_open(at(eve, "16:59")) and not hours.is_open(at(eve, "17:00"))
    assert hours.is_open(at(eve, "17:30", days=-1))  # 29 December is a full day
    assert hours.after(at(eve, "16:50"), 20) == dt.datetime(2027, 1, 11, 9, 10)
    assert hours.office_minutes(at(eve, "16:00"), dt.datetime(2027, 1, 11, 10, 0)) == 120
    assert hours.next_opening(at(eve, "17:10")) == dt.datetime(2027, 1, 11, 9, 0)
    from watcher.cases import held_until

    assert held_until(hours, at(eve, "17:31"), at(eve, "17:30")) == dt.datetime(2027, 1, 11, 9)


def test_short_days_are_checked_like_holidays(phone_config: Callable[..., Config]) -> None:
    with pytest.raises(ConfigError) as error:
        phone_config(hours={"short_days": ["30.12.2026"]}, language="en")
    assert error.value.problems == [
        "hours.short_days: '30.12.2026' is not a date like \"2026-12-31\" or a range like"
        ' "2027-01-01..2027-01-08": write "2026-12-30"'
    ]
    # A short day the office does not work anyway: harmless, told by `check`.
    config = phone_config(
        hours={"holidays": ["2026-12-31"], "short_days": ["2026-12-31", "2026-12-26"]},
        language="en",
    )
    assert config.notes == (
        "hours.short_days: 2026-12-26 (a Sat) is not a working day: being short changes"
        " nothing; check the date",
        "hours.short_days: 2026-12-31 (a Thu) is not a working day: being short changes"
        " nothing; check the date",
    )


def test_several_holidays_in_one_string_are_told_as_a_list(
    phone_config: Callable[..., Config],
) -> None:
    """holidays = "2026-12-31, 01.01.2027-08.01.2027": one string with two items in it,
    as an admin pastes them from a decree."""
    typed = "2026-12-31, 01.01.2027-08.01.2027"
    fix = '["2026-12-31", "2027-01-01..2027-01-08"]'
    for language, words in (("en", "write them as a list: "), ("ru", "напишите списком: ")):
        with pytest.raises(ConfigError) as error:
            phone_config(hours={"holidays": typed}, language=language)
        [problem] = error.value.problems
        assert problem.startswith(f"hours.holidays: '{typed}'"), problem
        assert problem.endswith(words + fix), problem
