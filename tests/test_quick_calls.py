"""Calls built from a chunk's values field by field are the calls to_call builds.

A history import into an empty ledger reads each chunk with RecordDecoder.columns and
normalise.quick_calls; a record they cannot take (damaged, deleted, values of unusual
types) comes back as None and goes the row-by-row way. Every call they do build must be
the one ``to_call(decode(raw))`` builds, for every layout an install may have.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from tests.test_bulk_import import _write
from watcher import fields
from watcher.dbf_reader import DECODE_MEMO, RecordDecoder, read_chunks, read_layout
from watcher.models import Call
from watcher.normalise import RowError, quick_calls, to_call
from watcher.sim.wintariff import WINTARIFF_FIELDS, CallsDbfWriter, FieldSpec, make_row
from watcher.vocab import MissReason

WHEN = dt.datetime(2024, 3, 4, 9, 0)


def _both_ways(path: Path) -> list[tuple[Call | None, Call | None]]:
    """(quick call, to_call's call) of every record; to_call's is None when the record is
    deleted, damaged or not a call."""
    layout = read_layout(path)
    plan = fields.plan(layout.field_names(), {})
    quick_decoder = RecordDecoder(layout, sources=plan.sources)
    plain_decoder = RecordDecoder(layout, sources=plan.sources)
    pairs: list[tuple[Call | None, Call | None]] = []
    for index, raws in read_chunks(layout, 0, layout.complete_count):
        columns, plain = quick_decoder.columns(raws)
        quick_ones = quick_calls(index, columns, plain)
        for at, (raw, quick) in enumerate(zip(raws, quick_ones, strict=True), index):
            expected = None
            if raw[:1] == b" ":
                values, problems = plain_decoder.decode(raw)
                try:
                    expected = None if problems else to_call(at, values)
                except RowError:
                    expected = None
            pairs.append((quick, expected))
    return pairs


def test_quick_calls_are_to_calls_calls_on_a_generated_office(
    tmp_path: Path, phone_config: object
) -> None:
    path = tmp_path / "Calls.dbf"
    _write(path, seed=5, shuffled=True)  # deleted, damaged and unreadable rows among them
    pairs = _both_ways(path)
    for quick, expected in pairs:
        if quick is not None:
            assert quick == expected
    built = sum(quick is not None for quick, _ in pairs)
    readable = sum(expected is not None for _, expected in pairs)
    assert built == readable > 5000  # every readable call of the usual layout, quickly
    assert any(quick is None and expected is None for quick, expected in pairs)


def _table(path: Path, specs: tuple[FieldSpec, ...], rows: list[dict[str, object]]) -> Path:
    writer = CallsDbfWriter.create(path, specs)
    names = {spec.name for spec in specs}
    writer.append_many([{k: v for k, v in row.items() if k in names} for row in rows])
    return path


def _rows(count: int) -> list[dict[str, object]]:
    rng = random.Random(3)
    rows = []
    for i in range(count):
        rows.append(
            make_row(
                when=WHEN + dt.timedelta(minutes=7 * i),
                duration=rng.choice((0, 0, 5, 120)),
                extension=rng.choice(("620", "201", "G630")),
                number=rng.choice(("", "89161234567", "internal-202")),
                callerid=rng.choice(("", "+79161234567", "84951112233")),
                calltype=rng.choice(("", "I", "C", "N")),
                ring=rng.choice((None, 0, 12)),
            )
        )
    return rows


def _swap(specs: tuple[FieldSpec, ...], **kinds: FieldSpec | None) -> tuple[FieldSpec, ...]:
    swapped = []
    for spec in specs:
        if spec.name in kinds:
            replacement = kinds[spec.name]
            if replacement is not None:
                swapped.append(replacement)
        else:
            swapped.append(spec)
    return tuple(swapped)


LAYOUTS = {
    "WinTariff's own": WINTARIFF_FIELDS,
    "no CALLERID, CALLMODE or RINGBEFORE": _swap(
        WINTARIFF_FIELDS, CALLERID=None, CALLMODE=None, RINGBEFORE=None
    ),
    "text date": _swap(WINTARIFF_FIELDS, DATE=FieldSpec("DATE", "C", 10)),
    "text time and duration": _swap(
        WINTARIFF_FIELDS, ITIME=FieldSpec("ITIME", "C", 8), IDURATION=FieldSpec("IDURATION", "C", 6)
    ),
    "numeric extension": _swap(WINTARIFF_FIELDS, EXTENSION=FieldSpec("EXTENSION", "N", 4)),
    "decimal ring time": _swap(WINTARIFF_FIELDS, RINGBEFORE=FieldSpec("RINGBEFORE", "N", 6, 1)),
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_quick_calls_agree_with_to_call_for_any_layout(tmp_path: Path, layout: str) -> None:
    """More rows than the decoder remembers per field, so values past its memo count."""
    rows = _rows(DECODE_MEMO + 500)
    specs = LAYOUTS[layout]
    if layout == "numeric extension":
        for row in rows:
            row["EXTENSION"] = 620
    pairs = _both_ways(_table(tmp_path / "Calls.dbf", specs, rows))
    for quick, expected in pairs:
        assert quick is None or quick == expected
    built = sum(quick is not None for quick, _ in pairs)
    if layout in ("WinTariff's own", "no CALLERID, CALLMODE or RINGBEFORE"):
        assert built == len(rows)  # the usual types: every call quickly
    elif layout != "decimal ring time":
        assert built == 0  # text or numbers where to_call converts: it reads them itself


def test_odd_values_in_the_usual_layout_go_to_to_call(tmp_path: Path) -> None:
    """A time past the day's end, a negative duration, blanks: to_call's own rules."""
    rows = _rows(6)
    rows[0]["ITIME"] = 90000  # past the DST slack: TIME, here absent, would stand in
    rows[1]["IDURATION"] = -5
    rows[2]["ITIME"] = None
    rows[3]["RINGBEFORE"] = None
    rows[4]["DATE"] = b"20241340"
    pairs = _both_ways(_table(tmp_path / "Calls.dbf", WINTARIFF_FIELDS, rows))
    for quick, expected in pairs:
        assert quick is None or quick == expected
    assert pairs[0] == (None, None) and pairs[2] == (None, None) and pairs[4] == (None, None)
    assert pairs[1][0] is not None and pairs[1][0].duration == 0
    assert pairs[3][0] is not None and pairs[3][0].ring_seconds is None


def test_quick_calls_set_the_reason_of_missed_calls_only(tmp_path: Path) -> None:
    path = _table(tmp_path / "Calls.dbf", WINTARIFF_FIELDS, _rows(200))
    layout = read_layout(path)
    decoder = RecordDecoder(layout, sources=fields.plan(layout.field_names(), {}).sources)
    [(index, raws)] = list(read_chunks(layout, 0, layout.complete_count))
    columns, plain = decoder.columns(raws)
    calls = quick_calls(index, columns, plain, lambda *_: MissReason.TIMED_OUT)
    missed = [c for c in calls if c is not None and c.is_missed_incoming and c.remote]
    others = [c for c in calls if c is not None and c not in missed]
    assert missed and others
    assert {c.miss_reason for c in missed} == {MissReason.TIMED_OUT}
    assert {c.miss_reason for c in others} == {None}
