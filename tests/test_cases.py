"""The missed-call rules: which calls open, join and close cases, and for which department."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SALES_CHAT, SERVICE_CHAT, PhoneRows
from watcher.cases import ApplyResult, CaseRules, decide, is_leg_of, leg_window, overflowed_case
from watcher.changes import OpenCase
from watcher.config import Config
from watcher.contacts import employee_keys
from watcher.ledger import Ledger
from watcher.models import Call, Case
from watcher.normalise import to_call
from watcher.vocab import Action, CaseStatus, ClosedHow, Direction

NOW = dt.datetime(2024, 5, 6, 12, 0)
T0 = dt.datetime(2024, 5, 6, 10, 0)
CUSTOMER = "89161234567"
KEY = "+79161234567"
SALES, SERVICE = "Отдел продаж", "Сервис"


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


class Office:
    """Case rules on a fresh ledger, fed calls the way the ingestor feeds them: each batch
    is stored first, then the rules run over it in one transaction."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.ledger = Ledger(config.database_path)
        self.rules = CaseRules(config, self.ledger)
        self.index = 0

    def feed(self, *rows: dict[str, object], silent: bool = False) -> ApplyResult:
        calls = [to_call(self.index + i, row) for i, row in enumerate(rows)]
        self.index += len(calls)
        result = ApplyResult()
        with self.ledger.transaction():
            self.ledger.insert_calls(calls)
            self.rules.begin(calls)
            for call in calls:
                result.add(self.rules.apply(call, now=NOW, silent=silent))
        return result

    def cases(self) -> list[Case]:
        rows = self.ledger._dicts("SELECT id FROM cases ORDER BY id")
        found = [self.ledger.get_case(row["id"]) for row in rows]
        return [case for case in found if case is not None]

    def kinds(self, case: Case) -> list[str]:
        return [event["kind"] for event in self.ledger.case_events(case.id)]


@pytest.fixture
def office(phone_config):
    o = Office(phone_config())
    yield o
    o.ledger.close()


# -- decide: the pure part ----------------------------------------------------------------


def decision(config: Config, row: dict[str, Any]) -> tuple[str, str | None, str]:
    d = decide(
        to_call(0, row),
        departments=config.departments,
        employees=employee_keys(config.rules.employee_numbers),
        callback_min_seconds=config.rules.callback_min_seconds,
    )
    return d.action, d.department.name if d.department else None, d.reason


def test_decide(phone_config, phone_rows: PhoneRows) -> None:
    config = phone_config()
    r = phone_rows
    assert decision(config, r.missed(at(0), CUSTOMER, "620"))[:2] == (Action.MISSED, SALES)
    assert decision(config, r.missed(at(0), CUSTOMER, "630"))[:2] == (Action.MISSED, SERVICE)
    assert decision(config, r.answered_in(at(0), CUSTOMER))[0] == Action.CALLBACK
    assert decision(config, r.outgoing(at(0), CUSTOMER, seconds=5))[0] == Action.CALLBACK
    assert decision(config, r.outgoing(at(0), CUSTOMER, seconds=4)) == (
        Action.ATTEMPT,
        None,
        "outgoing, too short",
    )
    assert decision(config, r.outgoing(at(0), CUSTOMER, seconds=0))[0] == Action.ATTEMPT
    assert decision(config, r.internal(at(0))) == (Action.IGNORE, None, "internal")
    assert decision(config, r.missed(at(0), "89990000000")) == (
        Action.IGNORE,
        None,
        "employee number",
    )
    assert decision(config, r.missed(at(0), "")) == (Action.IGNORE, None, "no external number")


def test_an_unanswered_outgoing_call_is_no_callback_even_with_zero_minimum(
    phone_config, phone_rows: PhoneRows
) -> None:
    config = phone_config(rules={"callback_min_seconds": 0})
    assert decision(config, phone_rows.outgoing(at(0), CUSTOMER, seconds=0))[0] == Action.ATTEMPT
    assert decision(config, phone_rows.outgoing(at(0), CUSTOMER, seconds=1))[0] == Action.CALLBACK


# -- routing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extension", "co", "department", "chat"),
    [
        ("620", "01", SALES, SALES_CHAT),  # ring group
        ("205", "01", SALES, SALES_CHAT),  # range 201-209
        ("630", "01", SERVICE, SERVICE_CHAT),
        ("301", "01", SERVICE, SERVICE_CHAT),  # range 301-309
        ("999", "05", SERVICE, SERVICE_CHAT),  # CO line
        ("999", "01", SALES, SALES_CHAT),  # default department
    ],
)
def test_missed_calls_are_routed(
    office: Office, phone_rows: PhoneRows, extension: str, co: str, department: str, chat: int
) -> None:
    result = office.feed(phone_rows.missed(at(0), CUSTOMER, extension, co=co))
    assert result.opened == 1
    [case] = office.cases()
    assert (case.department, case.chat, case.extension) == (department, chat, extension)
    assert case.remote == KEY
    assert case.status == CaseStatus.OPEN
    assert (case.first_at, case.last_at, case.attempts) == (at(0), at(0), 1)
    assert case.ring_seconds == 20
    assert office.kinds(case) == ["opened"]


def test_without_a_default_department_unrouted_calls_warn_once(
    phone_config, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    office = Office(
        phone_config(department=[{"name": "Сервис", "chat": SERVICE_CHAT, "extensions": ["630"]}])
    )
    with caplog.at_level(logging.WARNING, logger="watcher.cases"):
        result = office.feed(
            phone_rows.missed(at(0), CUSTOMER, "999"),
            phone_rows.missed(at(1), "89160000001", "999"),
            phone_rows.missed(at(2), "89160000002", "630"),
        )
    assert result.opened == 1
    assert [c.department for c in office.cases()] == [SERVICE]
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == ["missed call to extension 999 matches no department and none is default"]
    office.ledger.close()


def test_internal_calls_and_employees_never_make_cases(
    office: Office, phone_rows: PhoneRows
) -> None:
    result = office.feed(
        phone_rows.internal(at(0)),
        phone_rows.missed(at(1), "+79990000000"),
        phone_rows.missed(at(2), "89990000000", calltype=""),
        phone_rows.missed(at(3), "9990000000"),
        phone_rows.answered_in(at(4), "84951112233"),
        phone_rows.outgoing(at(5), "84951112233"),
    )
    assert result.changed == 0
    assert office.cases() == []


# -- repeat callers -----------------------------------------------------------------------


def test_repeat_missed_calls_join_the_open_case(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER, ring=10))
    result = office.feed(
        phone_rows.missed(at(5), "+79161234567", ring=25),
        phone_rows.missed(at(9), "9161234567", "205", ring=None),
    )
    assert (result.opened, result.merged) == (0, 2)
    [case] = office.cases()
    assert case.attempts == 3
    assert (case.first_at, case.last_at) == (at(0), at(9))
    assert case.ring_seconds == 25  # the latest known ring time
    assert case.version == 2
    assert office.kinds(case) == ["opened", "attempt", "attempt"]


def test_a_late_written_earlier_attempt_moves_first_at_back(
    office: Office, phone_rows: PhoneRows
) -> None:
    office.feed(phone_rows.missed(at(10), CUSTOMER))
    office.feed(phone_rows.missed(at(2), CUSTOMER))
    [case] = office.cases()
    assert (case.first_at, case.last_at, case.attempts) == (at(2), at(10), 2)


def test_each_department_keeps_its_own_case(office: Office, phone_rows: PhoneRows) -> None:
    result = office.feed(
        phone_rows.missed(at(0), CUSTOMER, "620"),
        phone_rows.missed(at(1), CUSTOMER, "630"),
    )
    assert result.opened == 2
    assert [c.department for c in office.cases()] == [SALES, SERVICE]
    # One callback answers the customer for both.
    result = office.feed(phone_rows.outgoing(at(5), CUSTOMER, seconds=30))
    assert result.closed == 2
    assert {c.status for c in office.cases()} == {CaseStatus.CLOSED}


# -- auto-close ---------------------------------------------------------------------------


def test_answered_outgoing_call_closes_the_case(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER), phone_rows.missed(at(3), CUSTOMER))
    result = office.feed(phone_rows.outgoing(at(7), CUSTOMER, seconds=42, ext="207"))
    assert result.closed == 1
    [case] = office.cases()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_how == ClosedHow.CALL
    assert case.closed_by_extension == "207"
    assert (case.closed_at, case.callback_at, case.callback_duration) == (at(7), at(7), 42)
    assert case.closed_by_user_id is None
    assert office.kinds(case) == ["opened", "attempt", "callback"]
    [event] = [e for e in office.ledger.case_events(case.id) if e["kind"] == "callback"]
    assert (event["actor_kind"], event["extension"], event["duration"]) == ("pbx", "207", 42)


def test_short_outgoing_call_does_not_close(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    result = office.feed(
        phone_rows.outgoing(at(5), CUSTOMER, seconds=4),  # below callback_min_seconds = 5
        phone_rows.outgoing(at(6), CUSTOMER, seconds=0),  # nobody picked up
    )
    assert result.closed == 0
    [case] = office.cases()
    assert case.status == CaseStatus.OPEN
    result = office.feed(phone_rows.outgoing(at(8), CUSTOMER, seconds=5))  # exactly the minimum
    assert result.closed == 1


def test_answered_incoming_call_closes_the_case(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    result = office.feed(phone_rows.answered_in(at(20), "+79161234567", seconds=3, ext="203"))
    assert result.closed == 1
    [case] = office.cases()
    assert (case.status, case.closed_how, case.closed_by_extension) == (
        CaseStatus.CLOSED,
        ClosedHow.ANSWER,
        "203",
    )
    assert case.callback_duration == 3
    assert office.kinds(case) == ["opened", "answered_later"]


@pytest.mark.parametrize("missed_form", ["89161234567", "79161234567", "+79161234567"])
@pytest.mark.parametrize(
    "callback_form", ["89161234567", "79161234567", "+79161234567", "9161234567", "989161234567"]
)
def test_number_formats_match(
    office: Office, phone_rows: PhoneRows, missed_form: str, callback_form: str
) -> None:
    office.feed(phone_rows.missed(at(0), missed_form))
    result = office.feed(phone_rows.outgoing(at(5), callback_form, seconds=30))
    assert result.closed == 1


def test_a_different_number_does_not_close(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    assert office.feed(phone_rows.outgoing(at(5), "89161234568", seconds=30)).closed == 0
    assert office.feed(phone_rows.answered_in(at(6), "84951234567")).closed == 0
    assert office.cases()[0].status == CaseStatus.OPEN


def test_short_local_numbers_match_themselves(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), "2345678"))
    assert office.feed(phone_rows.outgoing(at(5), "2345678", seconds=30)).closed == 1


def test_a_call_before_the_first_missed_attempt_does_not_close(
    office: Office, phone_rows: PhoneRows
) -> None:
    # The outgoing call was before the missed one: it cannot be its answer.
    office.feed(phone_rows.outgoing(at(-10), CUSTOMER, seconds=60))
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    # A row written late for an even earlier call does not close it either.
    result = office.feed(phone_rows.answered_in(at(-5), CUSTOMER))
    assert result.closed == 0
    [case] = office.cases()
    assert case.status == CaseStatus.OPEN


def test_a_call_at_the_same_second_as_the_missed_one_answers_it(
    office: Office, phone_rows: PhoneRows
) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    assert office.feed(phone_rows.outgoing(at(0), CUSTOMER, seconds=30)).closed == 1


def test_a_callback_stored_before_the_missed_call_closes_it_at_once(
    office: Office, phone_rows: PhoneRows
) -> None:
    # The callback's row was final first; the missed row settled later.
    office.feed(phone_rows.outgoing(at(5), CUSTOMER, seconds=30, ext="204"))
    result = office.feed(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    assert (result.opened, result.closed) == (1, 1)
    [case] = office.cases()
    assert (case.status, case.closed_how, case.closed_by_extension) == (
        CaseStatus.CLOSED,
        ClosedHow.CALL,
        "204",
    )
    assert case.callback_at == at(5)
    assert office.kinds(case) == ["opened", "callback"]
    # A short call stored earlier is no answer.
    office.feed(phone_rows.outgoing(at(15), "89160000001", seconds=2))
    office.feed(phone_rows.missed(at(10), "89160000001"))
    assert office.cases()[-1].status == CaseStatus.OPEN


def test_after_a_close_the_next_missed_call_opens_a_new_case(
    office: Office, phone_rows: PhoneRows
) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER), phone_rows.outgoing(at(2), CUSTOMER))
    result = office.feed(phone_rows.missed(at(30), CUSTOMER))
    assert result.opened == 1
    first, second = office.cases()
    assert (first.status, second.status) == (CaseStatus.CLOSED, CaseStatus.OPEN)
    assert second.first_at == at(30)


def test_missed_and_callback_in_one_batch(office: Office, phone_rows: PhoneRows) -> None:
    result = office.feed(
        phone_rows.missed(at(0), CUSTOMER),
        phone_rows.missed(at(1), CUSTOMER),
        phone_rows.outgoing(at(2), CUSTOMER, seconds=30),
        phone_rows.missed(at(3), CUSTOMER),
    )
    assert (result.opened, result.merged, result.closed) == (2, 1, 1)
    first, second = office.cases()
    assert (first.status, first.attempts) == (CaseStatus.CLOSED, 2)
    assert (second.status, second.attempts) == (CaseStatus.OPEN, 1)


# -- silent cases -------------------------------------------------------------------------


def test_silent_cases_write_no_outbox_rows(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER), silent=True)
    office.feed(phone_rows.missed(at(1), CUSTOMER), silent=True)
    office.feed(phone_rows.outgoing(at(2), CUSTOMER))
    [case] = office.cases()
    assert case.silent and case.attempts == 2 and case.status == CaseStatus.CLOSED
    assert office.ledger.outbox_pending_count() == 0


def test_a_live_call_opens_its_own_case_beside_a_silent_one(
    office: Office, phone_rows: PhoneRows
) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER), silent=True)
    result = office.feed(phone_rows.missed(at(60), CUSTOMER))
    assert (result.opened, result.merged) == (1, 0)
    silent_case, live_case = office.cases()
    assert silent_case.silent and not live_case.silent
    assert [b.case_id for b in office.ledger.outbox_due(NOW)] == [live_case.id]


def test_an_old_call_may_join_a_live_case(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(60), CUSTOMER))
    result = office.feed(phone_rows.missed(at(0), CUSTOMER), silent=True)
    assert result.merged == 1
    [case] = office.cases()
    assert not case.silent and case.attempts == 2


# -- new callers and contacts -------------------------------------------------------------


def test_new_caller_flag(office: Office, phone_rows: PhoneRows) -> None:
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    office.feed(phone_rows.answered_in(at(1), "84951112233"))
    office.feed(phone_rows.missed(at(5), "84951112233"))
    new, known = office.cases()
    assert new.new_caller is True
    assert known.new_caller is False  # called before (an answered call)
    assert new.contact_name is None


def test_contacts_name_the_caller(phone_config, tmp_path: Path, phone_rows: PhoneRows) -> None:
    (tmp_path / "contacts.csv").write_text(
        "phone,name,company\n+7 916 123-45-67,Иван Петров,ООО Ромашка\n", encoding="utf-8"
    )
    office = Office(phone_config(rules={"contacts_csv": "contacts.csv"}))
    office.feed(phone_rows.missed(at(0), "89161234567"), phone_rows.missed(at(1), "89160000001"))
    known, unknown = office.cases()
    assert (known.contact_name, known.contact_company) == ("Иван Петров", "ООО Ромашка")
    assert known.new_caller is False  # a contact is never a new caller
    assert (unknown.contact_name, unknown.new_caller) == (None, True)
    office.ledger.close()


# -- one missed call per call: the pure "same call" matching ------------------------------


def _leg_call(when: dt.datetime, *, talk: int, direction: Direction = Direction.IN) -> Call:
    return Call(
        fingerprint=f"leg-{when:%H%M%S}-{talk}",
        record_index=0,
        started_at=when,
        duration=talk,
        extension="205",
        direction=direction,
        remote=KEY,
    )


@pytest.mark.parametrize(
    ("offset", "ring", "same"),
    [
        (0, 20, True),  # both legs offered at once
        (-5, 20, True),  # a few seconds before
        (-6, 20, False),
        (25, 20, True),  # the overflow after the group's 20 s, plus the slack
        (26, 20, False),
        (5, None, True),  # no ring time known: only the slack
        (6, None, False),
    ],
)
def test_leg_matching(offset: int, ring: int | None, same: bool) -> None:
    start = at(0)
    case = OpenCase(1, SALES, False, start, attempts=1, ring_seconds=ring, first_fingerprint="m")
    answered = _leg_call(start + dt.timedelta(seconds=offset), talk=60)
    assert is_leg_of(case, answered) is same
    low, high = leg_window(start, ring)
    assert (low <= answered.started_at <= high) is same


def test_only_an_answered_incoming_leg_of_a_single_call_matches() -> None:
    start = at(0)
    case = OpenCase(1, SALES, False, start, attempts=1, ring_seconds=20, first_fingerprint="m")
    assert not is_leg_of(case, _leg_call(start, talk=0))  # unanswered: no leg
    assert not is_leg_of(case, _leg_call(start, talk=60, direction=Direction.OUT))
    grown = OpenCase(1, SALES, False, start, attempts=2, ring_seconds=20, first_fingerprint="m")
    assert not is_leg_of(grown, _leg_call(start, talk=60))  # a case that grew stays a case


def test_an_overflow_is_the_next_group_within_the_first_call_s_ringing() -> None:
    """620 rang 30 s from 10:00; a missed call to 630 at 10:00:30 is its overflow, one to
    620 itself then is the caller trying again, and G620 is group 620 as routing has it."""
    t0 = dt.datetime(2026, 12, 1, 10, 0)
    case = OpenCase(1, "Продажи", False, t0, 1, 30, "first", "620")

    def missed(seconds: int, extension: str) -> Call:
        return Call(
            f"{extension}-{seconds}",
            1,
            t0 + dt.timedelta(seconds=seconds),
            0,
            extension,
            Direction.IN,
            "+79161234567",
            ring_seconds=20,
        )

    assert overflowed_case(missed(30, "630"), [case]) == case
    assert overflowed_case(missed(36, "630"), [case]) is None  # past the ringing and slack
    assert overflowed_case(missed(31, "620"), [case]) is None  # the same group: a redial
    assert overflowed_case(missed(31, "G620"), [case]) is None
    assert (
        overflowed_case(missed(30, "630"), [OpenCase(1, "Продажи", False, t0, 2, 30, "f", "620")])
        is None
    )


# -- a press the call log confirms ----------------------------------------------------------


def _press(office: Office, case: Case, when: dt.datetime, how: str = "✅") -> None:
    close = office.ledger.close_by_user if how == "✅" else office.ledger.close_not_needed
    assert close(case.id, user_id=7, user_name="Иван", now=when).changed


def test_a_callback_logged_after_the_press_closes_the_case_as_from_the_log(
    office: Office, phone_rows: PhoneRows
) -> None:
    """The operator presses ✅ as he hangs up; the row of his call comes a minute later.
    The case ends as if the row had come first: closed by 201's call, with its talk."""
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    [case] = office.cases()
    _press(office, case, at(5))
    result = office.feed(phone_rows.outgoing(at(3), CUSTOMER, seconds=120, ext="201"))
    assert (result.confirmed, result.closed, result.changed) == (1, 0, 1)
    [done] = office.cases()
    assert done.status == CaseStatus.CLOSED and done.closed_how == ClosedHow.CALL
    assert (done.closed_by_extension, done.callback_at, done.callback_duration) == (
        "201",
        at(3),
        120,
    )
    assert done.closed_by_user_id is None and done.closed_at == at(3)
    assert office.kinds(done) == ["opened", "closed", "callback"]  # the press is kept
    assert office.ledger.outbox_pending_count() > 0  # the card is edited to say so


def test_a_press_is_confirmed_only_by_a_callback_that_can_be_its_own(
    office: Office, phone_rows: PhoneRows
) -> None:
    """Not by a call long after the press, nor by one before the missed call, nor by a
    short or an unanswered one; a 🚫 is no callback to confirm."""
    office.feed(phone_rows.missed(at(0), CUSTOMER))
    [case] = office.cases()
    _press(office, case, at(5))
    for row in (
        phone_rows.outgoing(at(-1), CUSTOMER, seconds=120),  # before the missed call
        phone_rows.outgoing(at(21), CUSTOMER, seconds=120),  # 16 min after the press
        phone_rows.outgoing(at(4), CUSTOMER, seconds=2),  # shorter than callback_min
        phone_rows.outgoing(at(4), CUSTOMER, seconds=0),  # not answered
    ):
        assert office.feed(row).changed == 0
    other = "89165550101"
    office.feed(phone_rows.missed(at(30), other))
    dismissed = office.cases()[-1]
    _press(office, dismissed, at(31), how="🚫")
    assert office.feed(phone_rows.outgoing(at(32), other, seconds=120)).changed == 0
    assert [c.closed_how for c in office.cases()] == [ClosedHow.USER, ClosedHow.NOT_NEEDED]
    # Within the slack after the press: confirmed.
    assert office.feed(phone_rows.outgoing(at(19), CUSTOMER, seconds=60)).confirmed == 1


# -- held for the after-hours digest: held_until, the pure part -----------------------------


def test_held_until_files_only_the_calls_of_the_closed_time_that_just_ended() -> None:
    from watcher.cases import held_until
    from watcher.hours import OfficeHours
    from watcher.vocab import AfterHours

    hours = OfficeHours(
        days=frozenset(range(5)), open_minute=540, close_minute=1080, after_hours=AfterHours.DIGEST
    )
    friday, monday = dt.datetime(2026, 12, 4), dt.datetime(2026, 12, 7)
    opening = monday + dt.timedelta(hours=9)
    # Read while closed: held for the next opening; rang while open: posted now.
    assert held_until(hours, friday.replace(hour=19), friday.replace(hour=18, minute=30)) == opening
    assert (
        held_until(hours, friday.replace(hour=18, second=20), friday.replace(hour=17, minute=59))
        is None
    )
    # Read after the opening: the weekend's calls come under its header...
    assert held_until(hours, opening.replace(minute=5), friday.replace(day=5, hour=11)) == opening
    # ...but not a call the PBX, its clock ahead, dates after closing while it is open,
    assert (
        held_until(hours, friday.replace(hour=17, minute=58), friday.replace(hour=18, minute=2))
        is None
    )
    # nor a backlog read days later, under an opening long past.
    wednesday = monday + dt.timedelta(days=2, hours=10)
    assert held_until(hours, wednesday, friday.replace(day=5, hour=11)) is None
    assert held_until(hours, wednesday, monday.replace(hour=20)) is None


# -- the repeated hour: clocks go back (fall-back, Europe/Riga 04:00 EEST -> 03:00 EET) -----

FALL_BACK = dt.datetime(2026, 10, 25)


def fall_back(hour: int, minute: int) -> dt.datetime:
    return FALL_BACK.replace(hour=hour, minute=minute)


@pytest.fixture
def riga(phone_config):
    o = Office(phone_config(timezone="Europe/Riga"))
    yield o
    o.ledger.close()


def test_a_callback_after_the_clocks_went_back_closes_the_case(
    riga: Office, phone_rows: PhoneRows
) -> None:
    """Missed at 03:50 summer time; the operator calls back 15 minutes later, at 03:05
    winter time. WinTariff writes both as naive local times, so the callback reads 45
    minutes earlier than the call it answers; it still closes the case (no reminder,
    no escalation about a customer who was called back)."""
    riga.feed(phone_rows.missed(fall_back(3, 50), CUSTOMER))
    failed = riga.feed(phone_rows.outgoing(fall_back(3, 2), CUSTOMER, seconds=0, ext="204"))
    assert failed.closed == 0
    [case] = riga.cases()
    assert "callback_failed" in riga.kinds(case)  # the attempt is on the card
    result = riga.feed(phone_rows.outgoing(fall_back(3, 5), CUSTOMER, seconds=42, ext="204"))
    assert result.closed == 1
    [case] = riga.cases()
    assert (case.status, case.closed_by_extension) == (CaseStatus.CLOSED, "204")


def test_outside_the_repeated_hour_an_earlier_call_still_answers_nothing(
    riga: Office, phone_rows: PhoneRows
) -> None:
    riga.feed(phone_rows.missed(fall_back(4, 50), CUSTOMER))
    assert riga.feed(phone_rows.outgoing(fall_back(4, 5), CUSTOMER, seconds=42)).closed == 0
    # The same hour a week before is an hour like any other.
    riga.feed(phone_rows.missed(fall_back(3, 50) - dt.timedelta(days=7), "89160000001"))
    week_before = fall_back(3, 5) - dt.timedelta(days=7)
    assert riga.feed(phone_rows.outgoing(week_before, "89160000001", seconds=42)).closed == 0
    assert {c.status for c in riga.cases()} == {CaseStatus.OPEN}
