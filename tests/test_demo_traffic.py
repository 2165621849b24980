"""The demo's traffic generator: its scripted opening, its random traffic, determinism."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from pathlib import Path

import dbfread
import pytest

from watcher.sim.demo_traffic import (
    CUSTOMER_NUMBERS,
    NIGHT_WAIT,
    OPENING_SECONDS,
    WinTariffImitator,
    dialled_form,
)
from watcher.sim.wintariff import CallsDbfWriter

GROUPS = {"620", "630"}
OPERATORS = {str(n) for n in range(201, 210)}
T0 = datetime(2024, 5, 6, 14, 0, 0)


def key(number: str) -> str:
    """Digits, national part only: 89161234567, +79161234567 and 79161234567 agree."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits[-10:] if len(digits) >= 10 else digits


def read_rows(path: Path) -> list[dict[str, object]]:
    """Every record in file order via dbfread, with its index and deletion flag."""
    table = dbfread.DBF(str(path), encoding="cp866")
    data = path.read_bytes()
    start, size = table.header.headerlen, table.header.recordlen
    live, dead = iter(table.records), iter(table.deleted)
    rows = []
    for index in range((len(data) - start) // size):
        deleted = data[start + index * size] == ord("*")
        row = dict(next(dead) if deleted else next(live))
        row["_index"], row["_deleted"] = index, deleted
        rows.append(row)
    return rows


def started(row: dict[str, object]) -> datetime:
    return datetime.combine(row["DATE"], time()) + timedelta(seconds=row["ITIME"])


def ended(row: dict[str, object]) -> datetime:
    return started(row) + timedelta(seconds=(row["RINGBEFORE"] or 0) + row["IDURATION"])


def is_missed_group(row: dict[str, object]) -> bool:
    return (
        not row["_deleted"]
        and row["IDURATION"] == 0
        and row["EXTENSION"] in GROUPS
        and row["CALLMODE"] == "NA"
        and row["CALLTYPE"] == "I"
    )


def run(
    path: Path, *, seed: int, t0: datetime, seconds: int, history: bool = False
) -> tuple[CallsDbfWriter, WinTariffImitator, list[str], int]:
    writer = CallsDbfWriter.create(path)
    imitator = WinTariffImitator(writer, rng=random.Random(seed))
    seeded = imitator.seed_history(t0) if history else 0
    log: list[str] = []
    for second in range(seconds):
        log.extend(imitator.tick(t0 + timedelta(seconds=second)))
    return writer, imitator, log, seeded


@pytest.mark.parametrize(
    ("t0", "seed", "history"),
    [
        (T0, 1, False),
        (datetime(2024, 5, 6, 9, 13, 27), 2, True),
        (datetime(2024, 5, 6, 23, 59, 40), 3, True),  # the callback crosses midnight
        (datetime(2025, 1, 1, 0, 1, 0), 4, True),  # history only since midnight
    ],
)
def test_opening_opens_grows_and_closes_a_case_within_45_seconds(
    tmp_path: Path, t0: datetime, seed: int, history: bool
) -> None:
    assert OPENING_SECONDS <= 45
    path = tmp_path / "Calls.dbf"
    _, _, log, seeded = run(path, seed=seed, t0=t0, seconds=OPENING_SECONDS, history=history)
    rows = read_rows(path)[seeded:]
    assert log and all(isinstance(line, str) and line for line in log)

    missed = [r for r in rows if is_missed_group(r)]
    assert missed, "no missed group call"
    for row in missed:
        assert 10 <= row["RINGBEFORE"] <= 60
        assert key(row["CALLERID"])
        assert row["NUMBER"] in ("", row["CALLERID"])
    by_caller: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in missed:
        by_caller[key(row["CALLERID"])].append(row)
    repeated = {k: v for k, v in by_caller.items() if len(v) >= 2}
    assert repeated, "no repeat missed call from the same number"

    callbacks = [
        (r, attempts)
        for r in rows
        if not r["_deleted"] and r["CALLTYPE"] == "C" and 30 <= r["IDURATION"] <= 200
        for k, attempts in repeated.items()
        if key(r["NUMBER"]) == k
    ]
    assert callbacks, "no callback to the repeated missed number"
    callback, attempts = callbacks[0]
    assert callback["EXTENSION"] in OPERATORS
    assert callback["NUMBER"] != attempts[0]["CALLERID"]  # another spelling of the number
    assert callback["_index"] > max(a["_index"] for a in attempts)
    first, last = attempts[0], attempts[-1]
    assert started(last) > ended(first)  # the repeat came after the first hang-up
    assert started(callback) > ended(last)  # and the callback after the repeat
    # Everything written in the opening is final by now: the case can close.
    assert all(r["CALLTYPE"] in ("I", "N", "C") for r in rows)


def test_calltype_is_blank_first_and_filled_2_to_6_seconds_later(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    writer = CallsDbfWriter.create(path)
    imitator = WinTariffImitator(writer, rng=random.Random(11))
    names = [f.name for f in writer.fields]
    offset = 1 + sum(f.length for f in writer.fields[: names.index("CALLTYPE")])
    first_seen: dict[int, tuple[int, bytes]] = {}
    filled_at: dict[int, int] = {}
    deleted_at: dict[int, int] = {}
    for second in range(300):
        imitator.tick(T0 + timedelta(seconds=second))
        data = path.read_bytes()
        for index in range(writer.record_count):
            at = writer.header_len + index * writer.record_len
            flag, calltype = data[at : at + 1], data[at + offset : at + offset + 1]
            first_seen.setdefault(index, (second, calltype))
            if calltype != b" ":
                filled_at.setdefault(index, second)
            if flag == b"*":
                deleted_at.setdefault(index, second)

    # Rows written in the last 6 s may legitimately still wait for their CALLTYPE.
    blank_first = [i for i, (sec, ct) in first_seen.items() if ct == b" " and sec < 294]
    assert len(blank_first) >= 30
    for index in blank_first:
        assert index in filled_at, f"row {index} never got CALLTYPE"
        assert 2 <= filled_at[index] - first_seen[index][0] <= 6
    # Rows that arrive already typed are the duplicates, and they are deleted within 3 s.
    for index, (second, _) in first_seen.items():
        if index not in blank_first and second < 294:
            assert index in deleted_at and deleted_at[index] - second <= 3
    assert deleted_at, "no deleted row in five minutes"


def test_same_seed_and_clock_give_the_same_file(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.dbf", tmp_path / "b.dbf", tmp_path / "c.dbf"
    _, _, log_a, _ = run(a, seed=5, t0=T0, seconds=300, history=True)
    _, _, log_b, _ = run(b, seed=5, t0=T0, seconds=300, history=True)
    _, _, log_c, _ = run(c, seed=6, t0=T0, seconds=300, history=True)
    assert log_a == log_b
    assert a.read_bytes()[4:] == b.read_bytes()[4:]  # all but the header's write date
    assert a.read_bytes()[4:] != c.read_bytes()[4:]
    assert log_a != log_c


def test_sparse_ticks_write_what_dense_ticks_write(tmp_path: Path) -> None:
    dense, sparse = tmp_path / "dense.dbf", tmp_path / "sparse.dbf"
    run(dense, seed=8, t0=T0, seconds=201)
    writer = CallsDbfWriter.create(sparse)
    imitator = WinTariffImitator(writer, rng=random.Random(8))
    log = []
    for second in (0, 37, 38, 200):
        log.extend(imitator.tick(T0 + timedelta(seconds=second)))
    assert imitator.tick(T0 + timedelta(seconds=150)) == []  # the clock never runs back
    assert sparse.read_bytes()[4:] == dense.read_bytes()[4:]
    assert len(log) > 20


def test_random_traffic_mix_over_ten_minutes(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    _, _, _, seeded = run(path, seed=21, t0=T0, seconds=600, history=True)
    rows = read_rows(path)
    live = [r for r in rows[seeded:] if not r["_deleted"]]
    deleted = [r for r in rows[seeded:] if r["_deleted"]]

    missed = [r for r in live if is_missed_group(r)]
    answered = [r for r in live if r["CALLTYPE"] == "I" and r["IDURATION"] > 0]
    internal = [r for r in live if r["CALLTYPE"] == "N"]
    outgoing = [r for r in live if r["CALLTYPE"] == "C"]
    assert len(missed) >= 5 and len(answered) >= 10 and len(internal) >= 5
    assert len(outgoing) >= 5 and deleted
    assert all(10 <= r["RINGBEFORE"] <= 60 for r in missed)
    assert all(r["CALLMODE"] == "AN" and r["EXTENSION"] in OPERATORS for r in answered)
    assert all(r["NUMBER"].startswith("internal-") and r["CO"] == "" for r in internal)
    assert all(r["EXTENSION"] in OPERATORS and r["NUMBER"] for r in outgoing)
    assert all(r["STATUS"] for r in live)

    # Every deleted row duplicates a live row written shortly before it.
    def content(r: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in r.items() if not k.startswith("_")}

    earlier = [content(r) for r in rows if not r["_deleted"]]
    assert all(content(r) in earlier for r in deleted)

    # Callbacks: outgoing calls of 30 s or more to a number missed earlier, after it hung up.
    last_missed: dict[str, dict[str, object]] = {}
    callbacks = 0
    for row in rows:
        if row["_deleted"]:
            continue
        if is_missed_group(row):
            last_missed[key(row["CALLERID"])] = row
        elif row["CALLTYPE"] == "C" and key(row["NUMBER"]) in last_missed:
            assert started(row) > ended(last_missed.pop(key(row["NUMBER"])))
            callbacks += row["IDURATION"] >= 30
    assert callbacks >= 3

    # Nobody is on two calls at once.
    calls: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for row in rows:
        if not row["_deleted"] and row["CALLTYPE"] in ("I", "C"):
            other = row["CALLERID"] if row["CALLTYPE"] == "I" else row["NUMBER"]
            calls[key(other)].append((started(row), ended(row)))
    for spans in calls.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end


def test_seed_history_is_final_and_before_now(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    writer = CallsDbfWriter.create(path)
    imitator = WinTariffImitator(writer, rng=random.Random(3))
    count = imitator.seed_history(T0, hours=8)
    rows = read_rows(path)
    assert count == len(rows) == writer.record_count == writer.read_header_count()
    assert 80 <= count <= 400
    assert all(r["CALLTYPE"] in ("I", "N", "C") and not r["_deleted"] for r in rows)
    assert all(r["DATE"] == T0.date() for r in rows)
    assert all(started(r) >= T0 - timedelta(hours=8, minutes=10) for r in rows)
    assert all(ended(r) <= T0 - timedelta(seconds=60) for r in rows)
    assert [ended(r) for r in rows] == sorted(ended(r) for r in rows)
    assert any(is_missed_group(r) for r in rows)
    # The opening's customers have no history, so their cases open during the demo.
    scripted = {key(n) for n in CUSTOMER_NUMBERS[:3]}
    assert not any(key(r["CALLERID"]) in scripted or key(r["NUMBER"]) in scripted for r in rows)
    imitator.tick(T0)
    with pytest.raises(RuntimeError):
        imitator.seed_history(T0)


def test_history_starts_at_midnight(tmp_path: Path) -> None:
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    imitator = WinTariffImitator(writer, rng=random.Random(3))
    now = datetime(2024, 5, 6, 0, 40, 0)
    count = imitator.seed_history(now, hours=8)
    rows = read_rows(tmp_path / "Calls.dbf")
    assert 0 < count < 40
    assert all(r["DATE"] == now.date() for r in rows)


def test_custom_departments_and_operators(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    writer = CallsDbfWriter.create(path)
    departments = {"Отдел продаж": ["700"], "Сервис": ["710", "711"]}
    imitator = WinTariffImitator(
        writer, rng=random.Random(1), departments=departments, operators=["301", "302"]
    )
    for second in range(400):
        imitator.tick(T0 + timedelta(seconds=second))
    rows = [r for r in read_rows(path) if not r["_deleted"]]
    missed_ext = {r["EXTENSION"] for r in rows if r["IDURATION"] == 0 and r["CALLMODE"] == "NA"}
    assert {"700", "710"} <= missed_ext <= {"700", "710", "711"}
    answered_or_dialled = {r["EXTENSION"] for r in rows if r["IDURATION"] > 0}
    assert answered_or_dialled == {"301", "302"}
    assert {r["NUMBER"] for r in rows if r["CALLTYPE"] == "N"} <= {"internal-301", "internal-302"}
    with pytest.raises(ValueError):
        WinTariffImitator(writer, rng=random.Random(1), departments={"empty": []})
    with pytest.raises(ValueError):
        WinTariffImitator(writer, rng=random.Random(1), operators=["301"])


def test_opening_plan_is_inspectable(tmp_path: Path) -> None:
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    plan = WinTariffImitator(writer, rng=random.Random(0)).opening(T0)
    assert writer.record_count == 0  # planning writes nothing
    kinds = [c.kind for c in plan]
    assert kinds.count("missed") == 2 and "repeat" in kinds and "callback" in kinds
    assert all(T0 < c.at <= T0 + timedelta(seconds=OPENING_SECONDS) for c in plan)
    callback = next(c for c in plan if c.kind == "callback")
    assert callback.at + timedelta(seconds=callback.fill_delay) <= T0 + timedelta(
        seconds=OPENING_SECONDS
    )


def test_dialled_form_spells_the_number_differently() -> None:
    assert dialled_form("+79161234567") == "89161234567"
    assert dialled_form("79161234567") == "89161234567"
    assert dialled_form("89035550142") == "+79035550142"
    assert dialled_form("2345678") == "2345678"


def is_outgoing_to(row: dict[str, object], number: str) -> bool:
    return not row["_deleted"] and row["CALLTYPE"] == "C" and key(row["NUMBER"]) == key(number)


def test_follow_up_fails_once_then_gets_through(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    _, imitator, _, _ = run(path, seed=9, t0=T0, seconds=120)
    customer, station = imitator.follow_up_parties
    assert customer == CUSTOMER_NUMBERS[2] and station in OPERATORS
    rows = read_rows(path)
    [missed] = [r for r in rows if is_missed_group(r) and key(r["CALLERID"]) == key(customer)]
    dials = [r for r in rows if is_outgoing_to(r, customer)]
    # Random traffic leaves C to the script: exactly the failed try and the callback.
    assert [(r["EXTENSION"], r["IDURATION"]) for r in dials] == [(station, 0), (station, 30)]
    failed, callback = dials
    assert started(failed) > ended(missed) and failed["RINGBEFORE"] == 20
    assert started(callback) > ended(failed)
    assert ended(callback) <= T0 + timedelta(seconds=95)


def test_random_traffic_sometimes_calls_back_in_vain(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    _, _, log, _ = run(path, seed=21, t0=T0, seconds=900)
    rows = [r for r in read_rows(path) if not r["_deleted"]]
    failed = [r for r in rows if r["CALLTYPE"] == "C" and r["IDURATION"] == 0]
    assert len(failed) >= 3  # the scripted one and random ones
    assert all(r["EXTENSION"] in OPERATORS and int(str(r["RINGBEFORE"])) >= 15 for r in failed)
    # The demo's own language (Russian unless told): `demo --rows` prints these lines.
    assert sum(line.startswith("#") and "не дозвонился:" in line for line in log) == len(failed)
    # Each was meant for a number whose missed call nobody had returned yet.
    waiting: set[str] = set()
    for row in rows:
        number, caller = key(str(row["NUMBER"])), key(str(row["CALLERID"]))
        if is_missed_group(row):
            waiting.add(caller)
        elif row["CALLTYPE"] == "C" and row["IDURATION"] == 0:
            assert number in waiting
        elif row["CALLTYPE"] == "C":
            waiting.discard(number)
        elif row["CALLTYPE"] == "I":
            waiting.discard(caller)


def test_an_office_opening_later_gets_the_night_first(tmp_path: Path) -> None:
    opens_at = datetime(2024, 5, 6, 9, 0)
    t0 = opens_at - timedelta(seconds=10)
    path = tmp_path / "Calls.dbf"
    writer = CallsDbfWriter.create(path)
    imitator = WinTariffImitator(writer, rng=random.Random(4), opens_at=opens_at)
    night = imitator.seed_night(t0)
    rows = read_rows(path)
    assert night == len(rows) == 3
    assert all(is_missed_group(r) for r in rows)  # final at once: written hours ago
    assert all(opens_at - timedelta(hours=12) < started(r) and ended(r) < t0 for r in rows)
    assert {r["EXTENSION"] for r in rows} == GROUPS
    assert [key(str(r["CALLERID"])) for r in rows[:2]] == [key(n) for n in CUSTOMER_NUMBERS[3:5]]
    with pytest.raises(RuntimeError):
        WinTariffImitator(writer, rng=random.Random(4)).seed_night(t0)  # no opening

    # The script starts at the opening, not at the first tick.
    for second in range(10):
        assert imitator.tick(t0 + timedelta(seconds=second)) == []
    for second in range(10, 600):
        imitator.tick(t0 + timedelta(seconds=second))
    live = read_rows(path)[night:]
    first = next(r for r in live if is_missed_group(r))
    assert key(str(first["CALLERID"])) == key(CUSTOMER_NUMBERS[0])
    assert ended(first) == opens_at - timedelta(seconds=4)  # as the opening script has it
    # Nobody calls the night back before NIGHT_WAIT has passed, but later somebody does.
    dials = [r for row in rows for r in live if is_outgoing_to(r, str(row["CALLERID"]))]
    assert dials and all(ended(r) > opens_at + NIGHT_WAIT for r in dials)
    with pytest.raises(RuntimeError):
        imitator.seed_night(t0)  # after the first tick


@pytest.mark.parametrize(
    ("language", "missed", "filled"),
    [
        ("ru", "пропущенный от ", ": CALLTYPE I заполнен"),
        ("en", "missed call from ", " CALLTYPE I filled in"),
    ],
)
def test_the_rows_are_described_in_the_demos_language(
    tmp_path: Path, language: str, missed: str, filled: str
) -> None:
    """`demo --rows` printed English lines in a Russian demo."""
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf")
    imitator = WinTariffImitator(writer, rng=random.Random(1), language=language)
    log: list[str] = []
    for second in range(40):
        log.extend(imitator.tick(T0 + timedelta(seconds=second)))
    assert any(missed in line for line in log), log
    assert any(line.endswith(filled) for line in log), log
