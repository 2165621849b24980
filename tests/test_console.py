"""The console notifier the demo uses: one readable line per case change, in ru and en."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from watcher.ledger import Ledger
from watcher.models import Call, Case
from watcher.sim.console import ConsoleNotifier, describe
from watcher.texts import times_word
from watcher.vocab import CaseStatus, ClosedHow

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
    assert describe(by_call, "ru").endswith("перезвонил доб. 202 в 10:50, 2:13")
    answered = replace(by_call, closed_how=ClosedHow.ANSWER, closed_by_extension="205")
    assert describe(answered, "en").endswith("got through, answered by ext. 205 at 10:50")
    by_user = case(
        status=CaseStatus.CLOSED, closed_how=ClosedHow.USER, closed_by_name="Анна", closed_at=closed
    )
    assert describe(by_user, "ru").endswith("отметил Анна в 10:50")


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
    assert "ПЕРЕЗВОНИЛИ" in lines[2] and "перезвонил доб. 202 в 10:45, 1:10" in lines[2]
    ledger.close()
