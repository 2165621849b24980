"""The console notifier the demo uses: one readable line per case change, in ru and en."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from watcher.hours import OfficeHours
from watcher.ledger import Ledger
from watcher.models import Call, Case
from watcher.sim.console import ConsoleNotifier, describe
from watcher.texts import times_word
from watcher.vocab import CaseStatus, ClosedHow, Direction, OutboxKind

AT = datetime(2026, 11, 23, 10, 40)


def case(**changes: object) -> Case:
    base = Case(
        id=3,
        department="Отдел продаж",
        chat=-1001,
        remote="+79161234567",
        status="open",
        first_at=AT,
        last_at=datetime(2026, 11, 23, 10, 42),
        attempts=1,
        extension="620",
        ring_seconds=25,
        new_caller=True,
        contact_name="Иван",
        contact_company="ООО «Ромашка»",
        silent=False,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("n", "word"),
    [(1, "раз"), (2, "раза"), (4, "раза"), (5, "раз"), (12, "раз"), (22, "раза"), (111, "раз")],
)
def test_times_word(n: int, word: str) -> None:
    assert times_word("ru", n) == word


def test_describe_in_both_languages() -> None:
    ru = describe(case(attempts=3), "ru")
    assert ru == (
        "#3 Отдел продаж — +7 916 123-45-67 (Иван, ООО «Ромашка») [новый номер] — "
        "звонил 3 раза, последний в 10:42 — гудки 25 с"
    )
    en = describe(case(attempts=2, new_caller=False, contact_name=None), "en")
    assert en == "#3 Отдел продаж — +7 916 123-45-67 — called 2 times, last at 10:42 — rang 25 s"
    assert "звонил в 10:42" in describe(case(), "ru")


def test_describe_says_how_a_case_closed() -> None:
    closed = datetime(2026, 11, 23, 10, 50)
    by_call = case(
        status=CaseStatus.CLOSED,
        closed_how=ClosedHow.CALL,
        closed_by_extension="202",
        closed_at=closed,
        callback_duration=133,
    )
    assert describe(by_call, "ru").endswith("перезвонил доб. 202 в 10:50, разговор 2:13")
    answered = replace(by_call, closed_how=ClosedHow.ANSWER, closed_by_extension="205")
    assert describe(answered, "en").endswith("got through, answered by ext. 205 at 10:50")
    by_user = case(
        status=CaseStatus.CLOSED, closed_how=ClosedHow.USER, closed_by_name="Анна", closed_at=closed
    )
    assert describe(by_user, "ru").endswith("отмечено: Анна, 10:50")


def test_notifier_prints_open_grow_close_once_each(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    out = io.StringIO()
    notifier = ConsoleNotifier(ledger, language="ru", out=out, clock=lambda: AT)

    def call(fp: str, minute: int, direction: str = "in", duration: int = 0) -> Call:
        return Call(
            fp,
            0,
            datetime(2026, 11, 23, 10, minute),
            duration,
            "620" if direction == "in" else "202",
            direction,
            "+79161234567",
        )

    made = ledger.create_case(
        call=call("a", 40),
        department="Отдел продаж",
        chat=-1001,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
        now=AT,
    )
    assert notifier.drain() == 1
    ledger.add_attempt(made, call("b", 42), AT)
    assert notifier.drain() == 1
    ledger.close_by_call(made, call("c", 45, "out", 70), AT)
    assert notifier.drain() == 1
    assert notifier.drain() == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split()[1] == "ПРОПУЩЕН"
    assert "СНОВА ЗВОНИЛ" in lines[1] and "звонил 2 раза" in lines[1]
    assert "ПЕРЕЗВОНИЛИ" in lines[2] and "перезвонил доб. 202 в 10:45, разговор 1:10" in lines[2]
    ledger.close()


# -- the v0.2 story: a claim, a failed callback, a reminder, an escalation, the digest ----

SALES, SUPPORT = "Отдел продаж", "Техподдержка"
OLGA = 700000001


def missed(fp: str, at: datetime, remote: str = "+79161234567", group: str = "620") -> Call:
    return Call(fp, 0, at, 0, group, Direction.IN, remote, ring_seconds=20)


def dialled(fp: str, at: datetime, duration: int = 0, remote: str = "+79161234567") -> Call:
    return Call(fp, 0, at, duration, "207", Direction.OUT, remote)


def open_case(
    ledger: Ledger,
    call: Call,
    *,
    department: str = SALES,
    held_until: datetime | None = None,
    now: datetime = AT,
) -> int:
    return ledger.create_case(
        call=call,
        department=department,
        chat=-1001,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
        now=now,
        held_until=held_until,
    )


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def notifier_at(
    tmp_path: Path, now: datetime, language: str = "ru", hours: OfficeHours | None = None
) -> tuple[Ledger, ConsoleNotifier, io.StringIO, Clock]:
    """A real ledger and a notifier on it, at a clock the test moves."""
    ledger = Ledger(tmp_path / "l.db")
    out, clock = io.StringIO(), Clock(now)
    notifier = ConsoleNotifier(ledger, language=language, out=out, clock=clock, hours=hours)
    return ledger, notifier, out, clock


def printed(out: io.StringIO, start: int = 0) -> list[str]:
    """The lines printed so far (from line ``start``), without their time stamps."""
    return [line.split("  ", 1)[1] for line in out.getvalue().splitlines()[start:]]


def test_a_claim_names_the_operator_and_their_extension(tmp_path: Path) -> None:
    ledger, notifier, out, clock = notifier_at(tmp_path, AT)
    made = open_case(ledger, missed("a", AT))
    notifier.drain()
    assert notifier.shown_at(made) == AT
    ledger.saw_user(OLGA, "Ольга", AT)
    ledger.link_operator("207", OLGA, by=OLGA, now=AT)
    clock.now = datetime(2026, 11, 23, 10, 41)
    assert ledger.claim(made, user_id=OLGA, user_name="Ольга", now=clock.now, take_over=False)
    assert notifier.drain() == 1
    [line] = printed(out, 1)
    assert line.startswith("ВЗЯЛ(А)") and f"#{made} {SALES} — +7 916 123-45-67" in line
    assert line.endswith("взял(а) Ольга (доб. 207) в 10:41")
    # The same press again changes nothing; a claim is shown once.
    ledger.claim(made, user_id=OLGA, user_name="Ольга", now=clock.now, take_over=False)
    assert notifier.drain() == 0
    ledger.close()


def test_a_failed_callback_is_printed_and_the_case_stays_open(tmp_path: Path) -> None:
    ledger, notifier, out, _ = notifier_at(tmp_path, AT, "en")
    made = open_case(ledger, missed("a", AT))
    notifier.drain()
    ledger.saw_user(OLGA, "Olga", AT)
    ledger.link_operator("207", OLGA, by=OLGA, now=AT)
    ledger.add_failed_callback(made, now=AT, call=dialled("b", datetime(2026, 11, 23, 10, 44)))
    ledger.add_failed_callback(made, now=AT, call=dialled("c", datetime(2026, 11, 23, 10, 46), 3))
    ledger.add_failed_callback(made, now=AT, user_id=5, user_name="Anna")
    assert notifier.drain() == 3
    lines = printed(out, 1)
    assert all(line.startswith("NO ANSWER") for line in lines)
    assert lines[0].endswith("ext. 207 (Olga) dialled at 10:44: no answer, still waiting")
    assert lines[1].endswith(
        "ext. 207 (Olga) dialled at 10:46: talked 0:03, too short to count as a callback,"
        " still waiting"
    )
    assert lines[2].endswith("Anna at 10:40: no answer, still waiting")
    assert not any("CALLED BACK" in line for line in out.getvalue().splitlines())
    # A real callback later closes it.
    ledger.close_by_call(made, dialled("d", datetime(2026, 11, 23, 10, 50), 70), AT)
    notifier.drain()
    assert printed(out, 4)[0].startswith("CALLED BACK")
    ledger.close()


def test_reminder_and_escalation_say_the_office_time_waited(tmp_path: Path) -> None:
    hours = OfficeHours(open_minute=9 * 60, close_minute=18 * 60)
    night = datetime(2026, 11, 23, 8, 30)
    ledger, notifier, out, clock = notifier_at(tmp_path, night, hours=hours)
    made = open_case(ledger, missed("a", night), now=night)
    notifier.drain()
    ledger.claim(made, user_id=OLGA, user_name="Ольга", now=night, take_over=False)
    notifier.drain()
    clock.now = datetime(2026, 11, 23, 9, 20)
    assert ledger.mark_due(made, OutboxKind.REMIND, clock.now)
    assert notifier.drain() == 1
    [reminder] = printed(out, 2)
    assert reminder.startswith("НАПОМИНАНИЕ") and f"#{made} {SALES}" in reminder
    # 08:30 to 09:20 is 20 minutes of office time, not 50; the claimer is named.
    assert "ждёт перезвона 20 мин рабочего времени — взял(а) Ольга в 08:30" in reminder
    clock.now = datetime(2026, 11, 23, 11, 5)
    assert ledger.mark_due(made, OutboxKind.ESCALATE, clock.now)
    assert notifier.drain() == 1
    [escalation] = printed(out, 3)
    assert escalation.startswith("ЭСКАЛАЦИЯ")
    assert escalation.endswith(
        "не перезвонили за 2 ч 5 мин рабочего времени — копия в чат руководителей"
    )
    ledger.close()


def test_a_case_closed_before_its_reminder_is_shown_gets_none(tmp_path: Path) -> None:
    ledger, notifier, out, _ = notifier_at(tmp_path, AT)
    made = open_case(ledger, missed("a", AT))
    notifier.drain()
    ledger.mark_due(made, OutboxKind.REMIND, AT)
    ledger.mark_due(made, OutboxKind.ESCALATE, AT)
    ledger.close_by_call(made, dialled("b", datetime(2026, 11, 23, 10, 45), 70), AT)
    assert notifier.drain() == 1
    [line] = printed(out, 1)
    assert line.startswith("ПЕРЕЗВОНИЛИ")
    ledger.close()


def test_after_hours_cases_come_at_opening_under_one_header_per_department(
    tmp_path: Path,
) -> None:
    opening = datetime(2026, 11, 23, 9, 0)
    before = datetime(2026, 11, 23, 8, 50)
    ledger, notifier, out, clock = notifier_at(tmp_path, before, "en")
    # Read in this order: sales, support, sales, as a night's file has them.
    first = open_case(ledger, missed("a", datetime(2026, 11, 22, 22, 17)), held_until=opening)
    other = open_case(
        ledger,
        missed("b", datetime(2026, 11, 23, 7, 55), "+74957894512", "630"),
        department=SUPPORT,
        held_until=opening,
    )
    second = open_case(
        ledger, missed("c", datetime(2026, 11, 23, 8, 41), "+79131703979"), held_until=opening
    )
    assert notifier.drain() == 0  # the office is closed: nothing is shown yet
    clock.now = opening
    assert notifier.drain() == 5
    lines = printed(out)
    assert lines[0] == f"🌙 Missed after hours: 2 · {SALES}"
    assert lines[1].startswith(f"MISSED        #{first} {SALES}")
    assert "called at 22 Nov 22:17" in lines[1]  # yesterday's call says its date
    assert lines[2].startswith(f"MISSED        #{second} {SALES}")
    assert lines[3] == f"🌙 Missed after hours: 1 · {SUPPORT}"
    assert lines[4].startswith(f"MISSED        #{other} {SUPPORT}")
    # Later changes and cases of the day come without a header.
    ledger.add_attempt(first, missed("d", datetime(2026, 11, 23, 9, 3)), opening)
    open_case(ledger, missed("e", datetime(2026, 11, 23, 9, 4), "+79035550142"), now=opening)
    assert notifier.drain() == 2
    assert not any("🌙" in line for line in printed(out, 5))
    ledger.close()
