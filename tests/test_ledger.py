"""The SQLite ledger: schema, cursor, calls, case history, the outbox, concurrent closes."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from watcher import schema
from watcher.ledger import Ledger, SourceState
from watcher.models import Call, Case, to_text
from watcher.normalise import to_call
from watcher.sim.wintariff import make_row
from watcher.vocab import CaseStatus, ClosedHow, MissReason

NOW = dt.datetime(2024, 5, 6, 12, 0)
T0 = dt.datetime(2024, 5, 6, 10, 0)
KEY = "+79161234567"


def missed(
    minutes: int = 0, caller: str = "89161234567", index: int = 0, ring: int | None = None
) -> Call:
    row = make_row(
        when=T0 + dt.timedelta(minutes=minutes),
        duration=0,
        extension="620",
        callerid=caller,
        calltype="I",
        ring=ring,
    )
    return to_call(index, row)


def callback(minutes: int = 5, seconds: int = 30, number: str = "89161234567") -> Call:
    row = make_row(
        when=T0 + dt.timedelta(minutes=minutes),
        duration=seconds,
        extension="207",
        number=number,
        calltype="C",
    )
    return to_call(99, row)


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "perezvon.db") as opened:
        yield opened


def open_case(ledger: Ledger, call: Call | None = None, *, silent: bool = False) -> Case:
    case_id = ledger.create_case(
        call=call or missed(),
        department="Отдел продаж",
        chat=-1001,
        new_caller=True,
        contact_name=None,
        contact_company=None,
        silent=silent,
        now=NOW,
    )
    case = ledger.get_case(case_id)
    assert case is not None
    return case


def counts(ledger: Ledger) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        ledger.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("cases", "case_events", "outbox")
    )


# -- schema and connection ------------------------------------------------------------------


def test_schema_is_created_once_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "perezvon.db"
    with Ledger(path) as first:
        assert first.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = set(first.db.table_names())
        assert {"calls", "cases", "case_events", "outbox", "source_state", "meta"} <= tables
        assert first.get_meta("schema_version") == str(schema.LATEST)
        open_case(first)
    with Ledger(path) as second:  # migrating again keeps the data
        assert second.get_case(1) is not None
        assert second.get_meta("schema_version") == str(schema.LATEST)


def test_in_memory_ledger_works(tmp_path: Path) -> None:
    with Ledger(":memory:") as memory:
        case = open_case(memory)
        assert memory.get_case(case.id) == case


def test_meta_and_case_messages(ledger: Ledger) -> None:
    assert ledger.get_meta("x") is None
    ledger.set_meta("x", "1")
    ledger.set_meta("x", "2")
    assert ledger.get_meta("x") == "2"
    case = open_case(ledger)
    assert ledger.case_message(case.id) is None
    ledger.set_case_message(case.id, -1001, 55, NOW)
    ledger.set_case_message(case.id, -1001, 56, NOW)
    assert ledger.case_message(case.id) == (-1001, 56)


# -- source cursor ------------------------------------------------------------------------


def test_source_state_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.db"
    state = SourceState(
        path="C:/WinTariff32/Calls/Calls.dbf",
        header_signature="abc",
        header_len=737,
        record_len=187,
        first_record_hash="f00",
        next_index=1234,
        pending={1234: ("d1", 100.5), 1240: ("d2", 101.0)},
    )
    with Ledger(path) as ledger:
        assert ledger.source_state(state.path) is None
        ledger.save_source_state(state)
    with Ledger(path) as ledger:
        assert ledger.source_state(state.path) == state
        state.next_index = 1300
        state.pending = {}
        ledger.save_source_state(state)
        assert ledger.source_state(state.path) == state
        assert ledger.source_state("other.dbf") is None


# -- calls --------------------------------------------------------------------------------


def test_calls_are_stored_once_by_fingerprint(ledger: Ledger) -> None:
    first = missed(0, index=0)
    again = missed(0, index=7)  # the same call at another record number (a rewrite)
    assert first.fingerprint == again.fingerprint
    ledger.insert_calls([first, missed(1, index=1)], source="Calls.dbf")
    ledger.insert_calls([again])
    assert ledger.call_count() == 2
    [row] = ledger._dicts("SELECT * FROM calls WHERE fingerprint = ?", [first.fingerprint])
    assert (row["record_index"], row["source"], row["remote"]) == (0, "Calls.dbf", KEY)
    assert row["started_at"] == "2024-05-06 10:00:00"


def test_store_new_calls_gives_the_new_calls_start_times_as_stored(ledger: Ledger) -> None:
    """What an import's case book indexes the calls by: the text each new call's start
    was stored as, in the order of the calls given back, none for those known already."""
    calls = [missed(i, caller=f"8916{i:07d}", index=i) for i in range(600)]
    ledger.store_new_calls(calls[:300])
    times: list[str] = []
    fresh = ledger.store_new_calls(calls[250:], times=times)
    assert fresh == calls[300:]
    stored = dict(ledger.conn.execute("SELECT fingerprint, started_at FROM calls"))
    assert times == [stored[call.fingerprint] for call in fresh]
    assert times == [to_text(call.started_at) for call in fresh]
    nothing: list[str] = []
    assert ledger.store_new_calls(calls[:10], times=nothing) == [] and nothing == []


def test_store_new_calls_gives_back_only_the_calls_it_stored(ledger: Ledger) -> None:
    calls = [missed(i, caller=f"8916{i:07d}", index=i) for i in range(1200)]
    assert ledger.store_new_calls(calls[:1100]) == calls[:1100]
    again = missed(1150, caller=f"8916{1150:07d}", index=5000)  # a row twice in one batch
    fresh = ledger.store_new_calls([*calls[1050:], again])
    assert fresh == calls[1100:]  # the first of each fingerprint, in file order
    assert ledger.call_count() == 1200
    assert ledger.store_new_calls(calls) == []
    [(first_at,)] = ledger.conn.execute(
        "SELECT first_at FROM callers WHERE remote = ?", [calls[1150].remote]
    ).fetchall()
    assert (
        first_at
        == ledger.conn.execute(
            "SELECT started_at FROM calls WHERE fingerprint = ?", [calls[1150].fingerprint]
        ).fetchone()[0]
    )


def test_call_queries(ledger: Ledger) -> None:
    ledger.insert_calls([missed(0), callback(5)])
    assert ledger.has_call_before(KEY, T0 + dt.timedelta(minutes=1))
    assert not ledger.has_call_before(KEY, T0)
    between = ledger.calls_between(T0, T0 + dt.timedelta(minutes=5))
    assert [c["direction"] for c in between] == ["in"]
    answer = ledger.first_answer_since(KEY, T0, 5)
    assert answer is not None and answer.fingerprint == callback(5).fingerprint
    assert answer.started_at == T0 + dt.timedelta(minutes=5)
    assert ledger.first_answer_since(KEY, T0, 31) is None  # talk too short
    assert ledger.first_answer_since(KEY, T0 + dt.timedelta(minutes=6), 5) is None
    assert ledger.first_answer_since(KEY, T0, 5, exclude={answer.fingerprint}) is None


# -- cases and their history --------------------------------------------------------------


def test_create_case_writes_case_event_and_outbox(ledger: Ledger) -> None:
    case = open_case(ledger)
    assert (case.status, case.attempts, case.remote, case.version) == (CaseStatus.OPEN, 1, KEY, 0)
    assert (case.first_at, case.last_at) == (T0, T0)
    [event] = ledger.case_events(case.id)
    assert (event["kind"], event["actor_kind"], event["at"]) == (
        "opened",
        "pbx",
        "2024-05-06 12:00:00",
    )
    assert event["call_fingerprint"] == missed().fingerprint
    [batch] = ledger.outbox_due(NOW)
    assert (batch.case_id, batch.kinds, batch.attempts) == (case.id, frozenset({"new"}), 0)


def test_a_case_and_its_outbox_row_commit_or_roll_back_together(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError), ledger.transaction():
        open_case(ledger)
        ledger.add_attempt(1, missed(3), NOW)
        assert counts(ledger) == (1, 2, 2)
        raise RuntimeError("crash before the batch's cursor is saved")
    assert counts(ledger) == (0, 0, 0)
    open_case(ledger)
    assert counts(ledger) == (1, 1, 1)


def test_close_by_user_then_reopen_keeps_every_event(ledger: Ledger) -> None:
    case = open_case(ledger)
    later = NOW + dt.timedelta(minutes=10)
    closed = ledger.close_by_user(case.id, user_id=42, user_name="Анна", now=later)
    assert closed.changed
    assert closed.case is not None
    assert (closed.case.status, closed.case.closed_how) == (CaseStatus.CLOSED, ClosedHow.USER)
    assert (closed.case.closed_by_user_id, closed.case.closed_by_name) == (42, "Анна")
    assert closed.case.closed_at == later
    again = ledger.close_by_user(case.id, user_id=43, user_name="Борис", now=later)
    assert not again.changed
    assert again.case is not None and again.case.closed_by_name == "Анна"

    reopened = ledger.reopen_by_user(case.id, user_id=43, user_name="Борис", now=later)
    assert reopened.changed and reopened.case is not None
    assert reopened.case.status == CaseStatus.OPEN
    assert reopened.case.closed_at is None and reopened.case.closed_how is None
    assert reopened.case.closed_by_user_id is None and reopened.case.closed_by_name is None
    assert not ledger.reopen_by_user(case.id, user_id=43, user_name="Борис", now=later).changed

    assert ledger.close_by_call(case.id, callback(20), later)
    called_back = ledger.get_case(case.id)
    assert called_back is not None
    assert (called_back.closed_how, called_back.closed_by_extension) == (ClosedHow.CALL, "207")
    assert called_back.version == 3
    events = ledger.case_events(case.id)
    assert [(e["kind"], e["actor_kind"], e["actor_name"]) for e in events] == [
        ("opened", "pbx", None),
        ("closed", "user", "Анна"),
        ("reopened", "user", "Борис"),
        ("callback", "pbx", None),
    ]
    assert events[1]["actor_id"] == 42
    kinds = [r["kind"] for r in ledger._dicts("SELECT kind FROM outbox ORDER BY id")]
    assert kinds == ["new", "update", "update", "update"]


def test_auto_close_loses_quietly_to_a_manual_close(ledger: Ledger) -> None:
    case = open_case(ledger)
    ledger.close_by_user(case.id, user_id=42, user_name="Анна", now=NOW)
    assert not ledger.close_by_call(case.id, callback(), NOW)
    unchanged = ledger.get_case(case.id)
    assert unchanged is not None and unchanged.closed_how == ClosedHow.USER
    assert [e["kind"] for e in ledger.case_events(case.id)] == ["opened", "closed"]
    assert ledger.add_attempt(case.id, missed(9), NOW) is False  # closed: no join


def test_manual_and_auto_close_race_from_two_connections(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.db"
    with Ledger(path) as setup:
        ids = [open_case(setup, missed(i, caller=f"8916{i:07d}")).id for i in range(30)]
    bot, watcher = Ledger(path), Ledger(path)
    winners: dict[int, list[str]] = {case_id: [] for case_id in ids}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(name: str, close) -> None:
        try:
            for case_id in ids:
                barrier.wait(timeout=10)
                if close(case_id):
                    winners[case_id].append(name)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            barrier.abort()

    threads = [
        threading.Thread(
            target=run,
            args=(
                "user",
                lambda i: bot.close_by_user(i, user_id=42, user_name="Анна", now=NOW).changed,
            ),
        ),
        threading.Thread(
            target=run, args=("call", lambda i: watcher.close_by_call(i, callback(), NOW))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    bot.close()
    watcher.close()
    assert errors == []
    with Ledger(path) as check:
        for case_id in ids:
            assert len(winners[case_id]) == 1, winners[case_id]
            case = check.get_case(case_id)
            assert case is not None and case.status == CaseStatus.CLOSED
            events = [e["kind"] for e in check.case_events(case_id)]
            assert len(events) == 2
            if winners[case_id] == ["user"]:
                assert (case.closed_how, case.closed_by_name, case.closed_by_extension) == (
                    ClosedHow.USER,
                    "Анна",
                    None,
                )
                assert events[1] == "closed"
            else:
                assert (case.closed_how, case.closed_by_name, case.closed_by_extension) == (
                    ClosedHow.CALL,
                    None,
                    "207",
                )
                assert events[1] == "callback"
            assert case.version == 1


def test_open_cases_queries(ledger: Ledger) -> None:
    a = open_case(ledger, missed(0, caller="89160000001"))
    b = open_case(ledger, missed(5, caller="89160000002"), silent=True)
    c_id = ledger.create_case(
        call=missed(3, caller="89160000003"),
        department="Сервис",
        chat=-1002,
        new_caller=False,
        contact_name="Иван",
        contact_company=None,
        silent=False,
        now=NOW,
    )
    c = ledger.get_case(c_id)
    assert c is not None
    assert [x.id for x in ledger.open_cases()] == [b.id, c.id, a.id]  # newest first
    assert [x.id for x in ledger.open_cases("Сервис")] == [c.id]
    assert [x.id for x in ledger.open_cases(include_silent=False)] == [c.id, a.id]
    assert [brief[0] for brief in ledger.open_case_briefs("+79160000002")] == [b.id]
    window = ledger.cases_between(T0 + dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=5))
    assert [x.id for x in window] == [c.id]
    assert c.contact_name == "Иван" and not c.new_caller


def test_expire_silent_cases_closes_only_silent_open_ones(ledger: Ledger) -> None:
    live = open_case(ledger, missed(0, caller="89160000001"))
    silent = open_case(ledger, missed(1, caller="89160000002"), silent=True)
    assert ledger.expire_silent_cases(NOW) == 1
    assert ledger.expire_silent_cases(NOW) == 0
    expired = ledger.get_case(silent.id)
    assert expired is not None
    assert (expired.status, expired.closed_how, expired.closed_at) == (
        CaseStatus.CLOSED,
        ClosedHow.EXPIRY,
        NOW,
    )
    assert [e["kind"] for e in ledger.case_events(silent.id)] == ["opened", "expired"]
    still = ledger.get_case(live.id)
    assert still is not None and still.status == CaseStatus.OPEN
    assert ledger.outbox_pending_count() == 1  # only the live case's "new"


# -- outbox -------------------------------------------------------------------------------


def test_outbox_coalesces_changes_per_case(ledger: Ledger) -> None:
    one = open_case(ledger, missed(0, caller="89160000001"))
    two = open_case(ledger, missed(1, caller="89160000002"))
    ledger.add_attempt(one.id, missed(2, caller="89160000001"), NOW)
    ledger.close_by_call(one.id, callback(3, number="89160000001"), NOW)
    assert ledger.outbox_pending_count() == 4
    first, second = ledger.outbox_due(NOW)
    assert (first.case_id, first.kinds) == (one.id, frozenset({"new", "update"}))
    assert (first.first_id, first.last_id) == (1, 4)
    assert (second.case_id, second.kinds) == (two.id, frozenset({"new"}))
    assert [b.case_id for b in ledger.outbox_due(NOW, limit=1)] == [one.id]
    assert ledger.outbox_due(NOW - dt.timedelta(seconds=1)) == []  # not due yet

    ledger.add_attempt(two.id, missed(4, caller="89160000002"), NOW)  # arrives mid-delivery
    ledger.outbox_done(first, NOW)
    ledger.outbox_done(second, NOW)
    [rest] = ledger.outbox_due(NOW)
    assert (rest.case_id, rest.kinds) == (two.id, frozenset({"update"}))
    assert ledger.outbox_pending_count() == 1


def test_outbox_retry_waits_and_counts(ledger: Ledger) -> None:
    case = open_case(ledger)
    [batch] = ledger.outbox_due(NOW)
    retry_at = NOW + dt.timedelta(seconds=30)
    ledger.outbox_retry(batch, error="429 Too Many Requests" * 50, next_try_at=retry_at)
    assert ledger.outbox_due(NOW) == []
    ledger.add_attempt(case.id, missed(5), NOW)  # a newer change still waits for the retry
    assert ledger.outbox_due(NOW + dt.timedelta(seconds=29)) == []
    [again] = ledger.outbox_due(retry_at)
    assert again.attempts == 1
    assert again.kinds == frozenset({"new", "update"})
    [row] = ledger._dicts("SELECT last_error FROM outbox WHERE id = 1")
    assert len(row["last_error"]) == 500


def test_an_up_to_date_ledger_opens_while_another_process_writes(tmp_path: Path) -> None:
    """`perezvon stats` or `check` during an import: opening reads the schema, it does not
    wait for the write lock the import holds (15 s, then "database is locked")."""
    Ledger(tmp_path / "l.db").close()  # created at the latest schema
    writer = sqlite3.connect(tmp_path / "l.db", timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with Ledger(tmp_path / "l.db") as ledger:
            assert ledger.call_count() == 0
    finally:
        writer.rollback()
        writer.close()


def test_waiting_abandons_are_the_recent_short_ones_no_leg_claimed(ledger: Ledger) -> None:
    """What a restarted run reads back to link a short abandon to its answered leg."""
    old = missed(0, "89160000001", 1, ring=2)  # before the range asked for
    claimed = missed(130, "89160000002", 2, ring=2)
    waiting = missed(135, "89160000003", 3, ring=3)
    rang_long = missed(136, "89160000004", 4, ring=9)  # a missed call, not a short abandon
    calls = [old, claimed, waiting, rang_long, callback(minutes=140)]
    short = MissReason.SHORT_ABANDON
    ledger.store_new_calls(
        [replace(c, miss_reason=short) if c in (old, claimed, waiting) else c for c in calls]
    )
    waiting = replace(waiting, miss_reason=short)
    ledger.conn.execute(
        "INSERT INTO legs (missed_fingerprint, answered_fingerprint, extension)"
        " VALUES (?, NULL, '201')",
        [claimed.fingerprint],
    )
    found = ledger.waiting_abandons(T0 + dt.timedelta(minutes=20), T0 + dt.timedelta(minutes=140))
    assert [c.fingerprint for c in found] == [waiting.fingerprint]
    assert found[0] == waiting
