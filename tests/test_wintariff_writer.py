"""CallsDbfWriter checked against two independent readers: dbfread and the dbf package."""

from __future__ import annotations

import datetime as dt
import os
import struct
from pathlib import Path

import dbf
import dbfread
import pytest

from watcher.sim.wintariff import WINTARIFF_FIELDS, CallsDbfWriter, FieldSpec, make_row

WHEN = dt.datetime(2024, 5, 6, 9, 30, 15)


def missed_row(**overrides: object) -> dict[str, object]:
    row = make_row(
        when=WHEN,
        duration=0,
        extension="620",
        callerid="+79161234567",
        callmode="NA",
        ring=25,
        status="Входящий",
    )
    row.update(overrides)
    return row


def header_count(path: Path) -> int:
    return struct.unpack("<I", path.read_bytes()[4:8])[0]


def complete_records(path: Path, writer: CallsDbfWriter) -> int:
    return (path.stat().st_size - writer.header_len) // writer.record_len


def read_dbfread(path: Path, **kwargs: object) -> list[dict[str, object]]:
    kwargs.setdefault("encoding", "cp866")
    return [dict(r) for r in dbfread.DBF(str(path), **kwargs)]


def read_dbf(path: Path, **kwargs: object) -> list[tuple[bool, dict[str, object]]]:
    """(deleted, values) per record as the dbf package sees them, C fields stripped."""
    table = dbf.Table(str(path), **kwargs)
    table.open(dbf.READ_ONLY)
    try:
        names = table.field_names
        out = []
        for rec in table:
            values = {}
            for name in names:
                value = rec[name]
                values[name.upper()] = value.rstrip() if isinstance(value, str) else value
            out.append((dbf.is_deleted(rec), values))
        return out
    finally:
        table.close()


def test_empty_table_header_layout(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    data = path.read_bytes()
    n = len(WINTARIFF_FIELDS)
    assert w.header_len == 32 + 32 * n + 1 == 769
    assert w.record_len == 1 + sum(f.length for f in WINTARIFF_FIELDS) == 171
    assert len(data) == w.header_len + 1
    assert data[0] == 0x03
    today = dt.date.today()
    assert tuple(data[1:4]) == (today.year - 1900, today.month, today.day)
    assert struct.unpack("<IHH", data[4:12]) == (0, w.header_len, w.record_len)
    assert data[29] == 0x65
    assert data[w.header_len - 1 : w.header_len] == b"\x0d"
    assert data[-1:] == b"\x1a"

    table = dbfread.DBF(str(path))
    assert table.encoding == "cp866"  # guessed from language driver 0x65
    assert table.date == today
    got = [(f.name, f.type, f.length, f.decimal_count) for f in table.fields]
    assert got == [(f.name, f.type, f.length, f.decimals) for f in WINTARIFF_FIELDS]
    assert len(table) == 0

    other = dbf.Table(str(path))
    other.open(dbf.READ_ONLY)
    assert [name.upper() for name in other.field_names] == [f.name for f in WINTARIFF_FIELDS]
    assert len(other) == 0
    assert other.codepage.name == "cp866"
    other.close()


def test_append_cp866_cyrillic_read_back_by_both_readers(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    first = w.append(missed_row())
    second = w.append(
        make_row(
            when=WHEN + dt.timedelta(minutes=2),
            duration=45,
            extension="202",
            number="89161234567",
            calltype="C",
            ring=4,
            status="Мобильный МТС",
            price=3.5,
        )
    )
    assert (first, second) == (0, 1)
    assert w.record_count == 2 == header_count(path) == complete_records(path, w)
    assert path.read_bytes()[-1:] == b"\x1a"

    a, b = read_dbfread(path)
    assert a["DATE"] == dt.date(2024, 5, 6)
    assert a["ITIME"] == 9 * 3600 + 30 * 60 + 15
    assert a["IDURATION"] == 0
    assert a["EXTENSION"] == "620"
    assert a["CALLERID"] == "+79161234567"
    assert a["STATUS"] == "Входящий"
    assert a["CALLTYPE"] == ""
    assert a["RINGBEFORE"] == 25
    assert b["STATUS"] == "Мобильный МТС"
    assert b["PRICE"] == 3.5
    assert b["NUMBER"] == "89161234567"

    (del_a, va), (del_b, vb) = read_dbf(path)
    assert not del_a and not del_b
    assert va["STATUS"] == "Входящий" and vb["STATUS"] == "Мобильный МТС"
    assert va["ITIME"] == a["ITIME"] and vb["PRICE"] == 3.5
    assert va["DATE"] == dt.date(2024, 5, 6)

    # The raw bytes really are cp866, not cp1251 or UTF-8.
    raw = path.read_bytes()[w.header_len : w.header_len + w.record_len]
    assert "Входящий".encode("cp866") in raw
    assert b"  25" in raw  # RINGBEFORE N4, right-justified
    assert b"      3.50" in path.read_bytes()  # PRICE N10.2 of the second row


def test_cp1251_with_language_driver_c9(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path, encoding="cp1251", language_driver=0xC9)
    w.append(missed_row(STATUS="Москва"))
    data = path.read_bytes()
    assert data[29] == 0xC9
    assert "Москва".encode("cp1251") in data
    assert "Москва".encode("cp866") not in data

    table = dbfread.DBF(str(path))  # no encoding given: guessed from the header
    assert table.encoding == "cp1251"
    assert [r["STATUS"] for r in table] == ["Москва"]
    assert [v["STATUS"] for _, v in read_dbf(path)] == ["Москва"]
    # Reading with the wrong code page gives mojibake, not an error: the reader must choose.
    assert read_dbfread(path, encoding="cp866")[0]["STATUS"] != "Москва"


def test_raw_bytes_planted_in_c_field(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path, encoding="cp1251", language_driver=0xC9)
    w.append(missed_row(STATUS=b"\x98 bad"))  # 0x98 is undefined in cp1251
    assert b"\x98 bad" + b" " * 35 in path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        read_dbfread(path, encoding="cp1251")
    rows = read_dbfread(path, encoding="cp1251", char_decode_errors="replace")
    assert rows[0]["STATUS"] == "\ufffd bad"
    assert rows[0]["CALLERID"] == "+79161234567"


def test_unencodable_text_is_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    w.append(missed_row(STATUS="Call ☎ back"))  # no ☎ in cp866
    assert read_dbfread(path)[0]["STATUS"] == "Call ? back"


def test_lagging_header_count(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    for second in range(3):
        w.append(missed_row(ITIME=second))
    w.append(missed_row(ITIME=3), update_header=False)
    w.append(missed_row(ITIME=4), update_header=False)

    assert header_count(path) == 3
    assert w.read_header_count() == 3
    assert w.record_count == 5 == complete_records(path, w)
    # dbfread ignores the header count and reads up to the 0x1A marker ...
    table = dbfread.DBF(str(path), encoding="cp866")
    assert table.header.numrecords == 3
    assert [r["ITIME"] for r in table] == [0, 1, 2, 3, 4]
    # ... while the dbf package trusts the header and misses the last two rows.
    assert [v["ITIME"] for _, v in read_dbf(path)] == [0, 1, 2]

    w.append(missed_row(ITIME=5))
    assert header_count(path) == 6
    assert [v["ITIME"] for _, v in read_dbf(path)] == [0, 1, 2, 3, 4, 5]


def test_deleted_record(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    for ext in ("620", "630", "201"):
        w.append(missed_row(EXTENSION=ext))
    w.delete(1)
    assert path.read_bytes()[w.header_len + w.record_len] == ord("*")

    table = dbfread.DBF(str(path), encoding="cp866")
    assert [r["EXTENSION"] for r in table] == ["620", "201"]
    deleted = list(table.deleted)
    assert [r["EXTENSION"] for r in deleted] == ["630"]
    assert deleted[0]["STATUS"] == "Входящий"  # contents survive the flag
    assert [(d, v["EXTENSION"]) for d, v in read_dbf(path)] == [
        (False, "620"),
        (True, "630"),
        (False, "201"),
    ]
    assert w.record_count == 3 == header_count(path)
    with pytest.raises(IndexError):
        w.delete(3)


def test_partial_trailing_record_and_completion(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    w.append(missed_row(EXTENSION="620"))
    w.append(missed_row(EXTENSION="630"))
    w.append_partial(missed_row(EXTENSION="201", STATUS="Москва"), 40)

    size = path.stat().st_size
    assert size == w.header_len + 2 * w.record_len + 40
    assert (size - w.header_len) // w.record_len == 2
    assert header_count(path) == 2 and w.record_count == 2
    assert path.read_bytes()[-1:] != b"\x1a"
    # dbfread does not check the file size: it hands the fragment back as a third
    # record with the unwritten fields blank. Readers must bound reads by the size.
    rows = read_dbfread(path)
    assert len(rows) == 3
    assert rows[2]["EXTENSION"] == "201" and rows[2]["STATUS"] == ""
    assert len(read_dbf(path)) == 2  # the dbf package stops at the header's count
    with pytest.raises(RuntimeError):
        w.append(missed_row())

    assert w.complete_partial() == 2
    assert header_count(path) == 3 == w.record_count == complete_records(path, w)
    assert path.read_bytes()[-1:] == b"\x1a"
    rows = read_dbfread(path)
    assert [r["EXTENSION"] for r in rows] == ["620", "630", "201"]
    assert rows[2]["STATUS"] == "Москва"
    start = w.header_len + 2 * w.record_len
    record = path.read_bytes()[start : start + w.record_len]
    assert record == w.encode_record(missed_row(EXTENSION="201", STATUS="Москва"))
    with pytest.raises(RuntimeError):
        w.complete_partial()


def test_update_in_place_changes_only_that_field(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    w.append(missed_row())
    w.append(missed_row(EXTENSION="630"))
    before = path.read_bytes()
    w.update(0, {"CALLTYPE": "I"})
    after = path.read_bytes()
    assert len(after) == len(before)
    changed = [i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
    calltype_offset = 1 + sum(f.length for f in WINTARIFF_FIELDS[:9])
    assert changed == [w.header_len + calltype_offset]
    assert [r["CALLTYPE"] for r in read_dbfread(path)] == ["I", ""]

    w.update(1, {"CALLTYPE": "I", "STATUS": "Москва", "IDURATION": 12})
    row = read_dbfread(path)[1]
    assert (row["CALLTYPE"], row["STATUS"], row["IDURATION"]) == ("I", "Москва", 12)
    assert read_dbf(path)[1][1]["STATUS"] == "Москва"
    assert header_count(path) == 2
    with pytest.raises(KeyError):
        w.update(0, {"NOSUCH": 1})
    with pytest.raises(IndexError):
        w.update(2, {"CALLTYPE": "I"})


def test_rewrite_replaces_the_table(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path, encoding="cp1251", language_driver=0xC9)
    for ext in ("201", "202", "203", "204", "205"):
        w.append(missed_row(EXTENSION=ext))
    w.delete(0)
    w.append_partial(missed_row(), 10)

    result = w.rewrite([missed_row(EXTENSION="620"), missed_row(EXTENSION="630")])
    assert result == range(0, 2)
    assert w.record_count == 2 == header_count(path) == complete_records(path, w)
    assert path.stat().st_size == w.header_len + 2 * w.record_len + 1
    assert path.read_bytes()[29] == 0xC9
    table = dbfread.DBF(str(path))
    assert [r["EXTENSION"] for r in table] == ["620", "630"]
    assert list(table.deleted) == []
    assert [f.name for f in table.fields] == [f.name for f in WINTARIFF_FIELDS]
    assert w.append(missed_row(EXTENSION="640")) == 2  # the partial was discarded


def test_custom_schema_with_text_time_fields(tmp_path: Path) -> None:
    fields = (
        FieldSpec("DATE", "D", 8),
        FieldSpec("ITIME", "C", 8),
        FieldSpec("IDURATION", "C", 6),
        FieldSpec("EXTENSION", "C", 6),
        FieldSpec("CALLERID", "C", 20),
        FieldSpec("RINGBEFORE", "N", 4),
        FieldSpec("ANSWERED", "L", 1),
    )
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path, fields=fields)
    assert w.record_len == 1 + 8 + 8 + 6 + 6 + 20 + 4 + 1
    # A full make_row dict: keys this install lacks (NUMBER, STATUS, ...) are ignored.
    w.append(make_row(when=WHEN, duration=75, extension="620", ring=12) | {"ANSWERED": True})
    w.append({"ITIME": 3600.5, "IDURATION": "0", "RINGBEFORE": "42", "ANSWERED": False})

    raw = path.read_bytes()[w.header_len :]
    assert raw[9:17] == b"34215   "  # left-justified text, not a right-justified number
    assert raw[17:23] == b"75    "
    rows = read_dbfread(path)
    assert rows[0]["ITIME"] == "34215" and rows[0]["IDURATION"] == "75"
    assert rows[0]["RINGBEFORE"] == 12 and rows[0]["ANSWERED"] is True
    assert rows[1]["ITIME"] == "3600.5" and rows[1]["IDURATION"] == "0"
    assert rows[1]["RINGBEFORE"] == 42 and rows[1]["ANSWERED"] is False
    assert rows[1]["DATE"] is None and rows[1]["EXTENSION"] == ""
    other = read_dbf(path)
    assert other[0][1]["ITIME"] == "34215" and other[0][1]["ANSWERED"] is True
    assert other[1][1]["DATE"] is None


def test_numeric_formatting_rules(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    rec = w.encode_record({"PRICE": 7, "ITIME": 12.6, "RINGBEFORE": None, "ZONEID": -5})
    price_at = 1 + sum(f.length for f in WINTARIFF_FIELDS[:7])
    itime_at = 1 + 8
    ring_at = 1 + sum(f.length for f in WINTARIFF_FIELDS[:12])
    zone_at = 1 + sum(f.length for f in WINTARIFF_FIELDS[:18])
    assert rec[price_at : price_at + 10] == b"      7.00"
    assert rec[itime_at : itime_at + 6] == b"    13"
    assert rec[ring_at : ring_at + 4] == b"    "
    assert rec[zone_at : zone_at + 4] == b"  -5"
    assert rec[:1] == b" " and len(rec) == w.record_len
    with pytest.raises(ValueError):
        w.encode_record({"RINGBEFORE": 123456})  # N4 overflow is an error, not "****"
    with pytest.raises(TypeError):
        w.encode_record({"ITIME": object()})
    long_number = "8" * 30
    w.append({"NUMBER": long_number})
    assert read_dbfread(path)[0]["NUMBER"] == "8" * 24  # truncated to C24


def test_open_existing_learns_schema_and_true_count(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path, encoding="cp1251", language_driver=0xC9)
    w.append(missed_row())
    w.append(missed_row(), update_header=False)

    again = CallsDbfWriter.open(path, encoding="cp1251")
    assert again.fields == WINTARIFF_FIELDS
    assert (again.header_len, again.record_len) == (w.header_len, w.record_len)
    assert again.record_count == 2  # from the size; the header still says 1
    assert again.language_driver == 0xC9
    assert again.append(missed_row(STATUS="Москва")) == 2
    assert header_count(path) == 3
    assert read_dbfread(path, encoding="cp1251")[2]["STATUS"] == "Москва"


def test_open_table_made_by_the_dbf_package(tmp_path: Path) -> None:
    path = tmp_path / "other.dbf"
    table = dbf.Table(
        str(path), "EXTENSION C(6); ITIME N(6,0); PRICE N(10,2); DATE D", codepage="cp866"
    )
    table.open(dbf.READ_WRITE)
    table.append({"EXTENSION": "620", "ITIME": 100, "PRICE": 1.25, "DATE": dt.date(2024, 1, 2)})
    table.close()

    w = CallsDbfWriter.open(path)
    assert [(f.name, f.type, f.length, f.decimals) for f in w.fields] == [
        ("EXTENSION", "C", 6, 0),
        ("ITIME", "N", 6, 0),
        ("PRICE", "N", 10, 2),
        ("DATE", "D", 8, 0),
    ]
    assert w.record_count == 1
    assert w.append({"EXTENSION": "630", "ITIME": 200, "PRICE": 2.5, "DATE": WHEN}) == 1
    values = [v for _, v in read_dbf(path)]
    assert [(v["EXTENSION"], v["ITIME"], v["PRICE"]) for v in values] == [
        ("620", 100, 1.25),
        ("630", 200, 2.5),
    ]
    assert values[1]["DATE"] == dt.date(2024, 5, 6)


def test_append_many_10k_rows_matches_single_appends(tmp_path: Path) -> None:
    def rows(n: int) -> list[dict[str, object]]:
        return [
            make_row(
                when=WHEN + dt.timedelta(seconds=7 * i),
                duration=i % 300,
                extension=str(201 + i % 9),
                number=f"8916{i:07d}",
                calltype="CIN"[i % 3],
                status=("Москва", "Мобильный МТС", "Входящий")[i % 3],
                price=(i % 100) / 10,
                ring=None if i % 5 else i % 60,
            )
            for i in range(n)
        ]

    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    w.append(missed_row())
    many = rows(10_000)
    assert w.append_many(many) == range(1, 10_001)
    assert w.record_count == 10_001 == header_count(path) == complete_records(path, w)
    assert path.read_bytes()[-1:] == b"\x1a"

    single_path = tmp_path / "single.dbf"
    single = CallsDbfWriter.create(single_path)
    single.append(missed_row())
    for row in many[:300]:
        single.append(row)
    end = single.header_len + 301 * single.record_len
    # Same bytes after the header's count field (which differs: 10001 vs 301).
    assert path.read_bytes()[8:end] == single_path.read_bytes()[8:end]

    table = dbfread.DBF(str(path), encoding="cp866")
    got = list(table)
    assert len(got) == 10_001
    last = many[-1]
    assert got[-1]["NUMBER"] == last["NUMBER"] and got[-1]["ITIME"] == last["ITIME"]
    assert got[-1]["STATUS"] == last["STATUS"] and got[-1]["PRICE"] == last["PRICE"]
    assert sum(1 for r in got if r["RINGBEFORE"] is None) == 8_000
    assert len(read_dbf(path)) == 10_001


def test_no_file_handle_is_kept_between_operations(tmp_path: Path) -> None:
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        pytest.skip("needs /proc to list open files")
    path = tmp_path / "Calls.dbf"

    def open_on_table() -> list[str]:
        found = []
        for fd in os.listdir(fd_dir):
            try:
                if os.readlink(fd_dir / fd) == str(path):
                    found.append(fd)
            except OSError:
                continue
        return found

    w = CallsDbfWriter.create(path)
    w.append(missed_row())
    w.append_many([missed_row()] * 3)
    w.update(0, {"CALLTYPE": "I"})
    w.delete(1)
    w.append_partial(missed_row(), 5)
    assert open_on_table() == []
    w.complete_partial()
    w.rewrite([missed_row()])
    assert open_on_table() == []
    # Another process may replace the file between writes: the writer does not care.
    path.write_bytes(path.read_bytes())
    w.append(missed_row())
    assert complete_records(path, w) == 2


def test_schema_validation() -> None:
    with pytest.raises(ValueError):
        CallsDbfWriter.create("/nonexistent/x.dbf", fields=(FieldSpec("TOOLONGNAME1", "C", 5),))
    with pytest.raises(ValueError):
        CallsDbfWriter.create("/nonexistent/x.dbf", fields=(FieldSpec("MEMO", "M", 10),))
    with pytest.raises(ValueError):
        CallsDbfWriter.create("/nonexistent/x.dbf", fields=(FieldSpec("D", "D", 6),))


def test_append_many_failing_midway_leaves_the_table_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("watcher.sim.wintariff._CHUNK_ROWS", 2)  # force a chunk to hit the disk
    path = tmp_path / "Calls.dbf"
    w = CallsDbfWriter.create(path)
    w.append(missed_row())
    before = path.read_bytes()
    with pytest.raises(ValueError):
        w.append_many([missed_row(), missed_row(), missed_row(), missed_row(RINGBEFORE=99999)])
    assert path.read_bytes() == before
    assert w.record_count == 1
    assert w.append_many([missed_row(EXTENSION="630")] * 3) == range(1, 4)
    assert [r["EXTENSION"] for r in read_dbfread(path)] == ["620", "630", "630", "630"]
