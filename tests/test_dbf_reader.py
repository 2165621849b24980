"""Reading Calls.dbf: header via dbfread, records by seek, code pages, damaged files."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from watcher.dbf_reader import (
    READ_CHUNK,
    DbfError,
    RecordDecoder,
    decode_all_fields,
    read_layout,
    read_one,
    read_records,
)
from watcher.sim.wintariff import WINTARIFF_FIELDS, CallsDbfWriter, FieldSpec, make_row

WHEN = dt.datetime(2024, 5, 6, 10, 30, 15)
CYRILLIC = "Москва, МТС моб."


def row(n: int = 0, **extra: object) -> dict[str, object]:
    values = make_row(
        when=WHEN + dt.timedelta(minutes=n),
        duration=n,
        extension="620",
        callerid=f"8916123{n:04d}",
        calltype="I",
        status=CYRILLIC,
        ring=15,
    )
    values.update(extra)
    return values


def records(path: Path, start: int = 0, stop: int = 10**9, encoding: str = "auto") -> list:
    layout = read_layout(path, encoding)
    return list(read_records(layout, start, stop, RecordDecoder(layout)))


def test_layout_of_a_wintariff_table(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append_many(row(i) for i in range(3))
    layout = read_layout(calls_dbf.path)
    assert layout.field_names() == [f.name for f in WINTARIFF_FIELDS]
    assert layout.header_len == calls_dbf.header_len
    assert layout.record_len == calls_dbf.record_len
    assert layout.header_count == 3
    assert layout.complete_count == 3
    assert layout.file_size == calls_dbf.path.stat().st_size
    date_field = layout.fields[0]
    assert (date_field.name, date_field.type, date_field.length, date_field.offset) == (
        "DATE",
        "D",
        8,
        1,
    )
    assert layout.fields[1].offset == 9  # offsets count the deletion flag
    assert layout.last_update == dt.date.today()


def test_values_are_decoded_by_field_name(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append(row(5))
    [record] = records(calls_dbf.path)
    assert record.index == 0
    assert not record.deleted and record.valid
    assert record.problems == ()
    values = record.values
    assert values["DATE"] == WHEN.date()
    assert values["ITIME"] == 37815 + 300
    assert values["IDURATION"] == 5
    assert values["EXTENSION"] == "620"
    assert values["CALLERID"] == "89161230005"
    assert values["CALLTYPE"] == "I"
    assert values["STATUS"] == CYRILLIC
    assert values["RINGBEFORE"] == 15
    assert values["NUMBER"] == ""
    assert "PRICE" not in values  # fields the rules do not read are not decoded
    assert set(values) <= {
        "DATE",
        "ITIME",
        "TIME",
        "IDURATION",
        "DURATION",
        "EXTENSION",
        "NUMBER",
        "CO",
        "STATUS",
        "CALLTYPE",
        "CALLERID",
        "CALLMODE",
        "RINGBEFORE",
    }


def test_decode_all_fields_for_check(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append(row(1, PRICE=12.5, TENANT="07"))
    layout = read_layout(calls_dbf.path)
    values = decode_all_fields(layout, read_one(layout, 0) or b"")
    assert list(values) == [f.name for f in WINTARIFF_FIELDS]
    assert values["PRICE"] == 12.5
    assert values["TENANT"] == "07"


@pytest.mark.parametrize(
    ("codepage", "driver"),
    [("cp866", 0x65), ("cp1251", 0xC9)],
)
def test_code_page_from_the_language_driver(tmp_path: Path, codepage: str, driver: int) -> None:
    writer = CallsDbfWriter.create(
        tmp_path / "Calls.dbf", encoding=codepage, language_driver=driver
    )
    writer.append(row())
    layout = read_layout(writer.path)
    assert (layout.encoding, layout.encoding_source, layout.language_driver) == (
        codepage,
        "header",
        driver,
    )
    assert records(writer.path)[0].values["STATUS"] == CYRILLIC


def test_no_language_driver_means_cp866(tmp_path: Path) -> None:
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp866", language_driver=0)
    writer.append(row())
    layout = read_layout(writer.path)
    assert (layout.encoding, layout.encoding_source) == ("cp866", "default")
    assert records(writer.path)[0].values["STATUS"] == CYRILLIC


def test_no_language_driver_and_windows_text_is_read_as_cp1251(tmp_path: Path) -> None:
    # WinTariff on Windows, a header that names no code page, text in cp1251: read as
    # cp866 it came out as box drawing in every post and report, and nothing said so.
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp1251", language_driver=0)
    for n in range(3):  # a few words decide (GUESS_MIN_BYTES telling letters)
        writer.append(row(n))
    layout = read_layout(writer.path)
    assert (layout.encoding, layout.encoding_source) == ("cp1251", "content")
    assert records(writer.path)[0].values["STATUS"] == CYRILLIC


def test_no_language_driver_and_no_russian_text_stays_cp866(tmp_path: Path) -> None:
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp1251", language_driver=0)
    writer.append(row(STATUS="Moscow"))
    assert (read_layout(writer.path).encoding_source) == "default"
    for n in range(1, 4):  # the first Russian text decides, from then on
        writer.append(row(n))
    assert read_layout(writer.path).encoding == "cp1251"
    writer.append(row(9, STATUS="Moscow"))
    assert read_layout(writer.path).encoding == "cp1251"


def test_config_encoding_overrides_a_wrong_header(tmp_path: Path) -> None:
    # Written in cp1251 but the header claims cp866.
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp1251", language_driver=0x65)
    writer.append(row())
    assert records(writer.path)[0].values["STATUS"] != CYRILLIC  # auto trusts the header
    layout = read_layout(writer.path, "cp1251")
    assert (layout.encoding, layout.encoding_source) == ("cp1251", "config")
    assert records(writer.path, encoding="cp1251")[0].values["STATUS"] == CYRILLIC


def test_undecodable_bytes_never_crash(tmp_path: Path) -> None:
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", encoding="cp1251", language_driver=0xC9)
    # 0x98 is undefined in cp1251; 0xFF 0xFE are not UTF-8.
    writer.append(row(STATUS=b"\x98\xff\xfe\xcc\xee\xf1\xea\xe2\xe0"))
    [record] = records(writer.path)
    assert record.values["STATUS"].endswith("Москва")
    assert "\ufffd" in record.values["STATUS"]
    [record] = records(writer.path, encoding="utf-8")
    assert "\ufffd" in record.values["STATUS"]
    assert record.values["CALLERID"] == "89161230000"


def test_lagging_header_count_does_not_hide_rows(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append(row(0))
    calls_dbf.append(row(1), update_header=False)
    calls_dbf.append(row(2), update_header=False)
    layout = read_layout(calls_dbf.path)
    assert layout.header_count == 1
    assert layout.complete_count == 3
    assert [r.values["IDURATION"] for r in records(calls_dbf.path)] == [0, 1, 2]


def test_partial_trailing_record_is_not_read(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append(row(0))
    calls_dbf.append_partial(row(1), calls_dbf.record_len // 2)
    layout = read_layout(calls_dbf.path)
    assert layout.complete_count == 1
    assert len(records(calls_dbf.path)) == 1
    assert read_one(layout, 1) is None
    calls_dbf.complete_partial()
    assert [r.values["IDURATION"] for r in records(calls_dbf.path)] == [0, 1]


def test_empty_table(calls_dbf: CallsDbfWriter) -> None:
    layout = read_layout(calls_dbf.path)
    assert layout.complete_count == 0
    assert records(calls_dbf.path) == []
    assert read_one(layout, 0) is None


def test_deleted_flag_is_reported(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append_many(row(i) for i in range(3))
    calls_dbf.delete(1)
    flags = [(r.index, r.deleted, r.valid) for r in records(calls_dbf.path)]
    assert flags == [(0, False, True), (1, True, True), (2, False, True)]


def test_a_bad_record_marker_is_flagged_not_decoded(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append_many(row(i) for i in range(2))
    with open(calls_dbf.path, "r+b") as f:
        f.seek(calls_dbf.header_len)
        f.write(b"X")
    first, second = records(calls_dbf.path)
    assert not first.valid
    assert first.values == {}
    assert "bad record marker" in first.problems[0]
    assert second.valid and second.values["IDURATION"] == 1


def test_read_records_by_position_across_chunks(calls_dbf: CallsDbfWriter) -> None:
    total = READ_CHUNK + 500
    calls_dbf.append_many(row(i % 1000, IDURATION=i) for i in range(total))
    got = records(calls_dbf.path, start=READ_CHUNK - 3, stop=READ_CHUNK + 4)
    assert [r.index for r in got] == list(range(READ_CHUNK - 3, READ_CHUNK + 4))
    assert [r.values["IDURATION"] for r in got] == list(range(READ_CHUNK - 3, READ_CHUNK + 4))
    everything = records(calls_dbf.path)
    assert len(everything) == total
    assert everything[-1].values["IDURATION"] == total - 1
    assert records(calls_dbf.path, start=total) == []
    assert records(calls_dbf.path, start=5, stop=5) == []


def test_c_typed_numbers_and_missing_optional_fields(tmp_path: Path) -> None:
    fields = (
        FieldSpec("DATE", "D", 8),
        FieldSpec("ITIME", "C", 6),
        FieldSpec("IDURATION", "C", 6),
        FieldSpec("EXTENSION", "N", 4),
        FieldSpec("CALLERID", "C", 20),
        FieldSpec("FLAG", "L", 1),
    )
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields)
    writer.append(row(0, EXTENSION=620, FLAG=True))
    [record] = records(writer.path)
    assert record.values == {
        "DATE": WHEN.date(),
        "ITIME": "37815",
        "IDURATION": "0",
        "EXTENSION": 620,
        "CALLERID": "89161230000",
    }
    layout = read_layout(writer.path)
    assert decode_all_fields(layout, read_one(layout, 0) or b"")["FLAG"] is True


def test_garbage_in_a_field_is_a_problem_not_a_crash(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append(row(0, DATE=b"20241340", ITIME=b"  12ab"))
    [record] = records(calls_dbf.path)
    assert record.values["DATE"] is None
    assert record.values["ITIME"] is None
    assert len(record.problems) == 2
    assert record.problems[0].startswith("DATE:")
    assert record.problems[1].startswith("ITIME:")


def test_structure_signature_changes_with_the_fields(tmp_path: Path) -> None:
    a = CallsDbfWriter.create(tmp_path / "a.dbf")
    b = CallsDbfWriter.create(tmp_path / "b.dbf")
    wider = tuple(
        FieldSpec(f.name, f.type, 30) if f.name == "NUMBER" else f for f in WINTARIFF_FIELDS
    )
    c = CallsDbfWriter.create(tmp_path / "c.dbf", wider)
    b.append(row())
    assert read_layout(a.path).signature == read_layout(b.path).signature  # rows don't count
    assert read_layout(a.path).signature != read_layout(c.path).signature


# -- files that are not (yet) a DBF -------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DbfError, match="file not found"):
        read_layout(tmp_path / "Calls.dbf")


@pytest.mark.parametrize(
    "content",
    [
        b"this is a text file, not a table\r\n" * 30,
        b"\0" * 4096,
        bytes(range(256)) * 20,
    ],
    ids=["text", "zeros", "noise"],  # empty and short files: see the test below
)
def test_garbage_gives_a_clear_dbf_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "Calls.dbf"
    path.write_bytes(content)
    with pytest.raises(DbfError) as caught:
        read_layout(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "not a readable DBF table" in message or "damaged" in message


def test_random_bytes_give_a_dbf_error(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    for _ in range(20):
        path.write_bytes(os.urandom(2048))
        with pytest.raises(DbfError):
            read_layout(path)


def test_truncated_header_gives_a_dbf_error(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append(row())
    data = calls_dbf.path.read_bytes()
    # A header caught half-written must not pass for a table with fewer fields.
    calls_dbf.path.write_bytes(data[: calls_dbf.header_len // 2])
    with pytest.raises(DbfError, match="header is incomplete"):
        read_layout(calls_dbf.path)
    calls_dbf.path.write_bytes(data[: calls_dbf.header_len - 1])
    with pytest.raises(DbfError, match="header is incomplete"):
        read_layout(calls_dbf.path)


@pytest.mark.parametrize(
    ("size", "english", "russian"),
    [
        (
            0,
            "the file is empty (0 bytes): WinTariff may be creating it just now (Perezvon"
            " reads it once records appear), or it is the wrong file: check source.path",
            "файл пуст (0 байт) — WinTariff, видимо, только создаёт его (Перезвон прочитает"
            " его, когда появятся записи), или это не тот файл: проверьте source.path",
        ),
        (
            5,
            "the DBF header is incomplete (5 of 33 bytes; being written?)",
            "заголовок DBF неполный (5 из 33 байт; файл ещё пишется?)",
        ),
        (
            20,
            "the DBF header is incomplete (20 of 769 bytes; being written?)",
            "заголовок DBF неполный (20 из 769 байт; файл ещё пишется?)",
        ),
        (
            500,
            "the DBF header is incomplete (500 of 769 bytes; being written?)",
            "заголовок DBF неполный (500 из 769 байт; файл ещё пишется?)",
        ),
    ],
)
def test_an_empty_or_cut_header_says_so_not_struct_error(
    calls_dbf: CallsDbfWriter, size: int, english: str, russian: str
) -> None:
    """`: > Calls.dbf` or `head -c 500 Calls.dbf`: dbfread's struct.error ("unpack
    requires a buffer of 32 bytes") told the admin the file was no table."""
    calls_dbf.append(row())
    assert calls_dbf.header_len == 769
    path = calls_dbf.path
    path.write_bytes(path.read_bytes()[:size])
    with pytest.raises(DbfError) as caught:
        read_layout(path)
    assert str(caught.value) == f"{path}: {english}"
    assert caught.value.told("ru") == f"{path}: {russian}"


def test_the_first_bytes_of_a_header_say_it_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    path.write_bytes(b"\x03\x7c")
    with pytest.raises(DbfError) as caught:
        read_layout(path)
    assert str(caught.value) == (
        f"{path}: the DBF header is incomplete (2 of 33 bytes; being written?)"
    )


def test_text_cut_short_is_still_no_table(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    path.write_text("DATE;TIME;NUMBER\n", encoding="ascii")
    with pytest.raises(DbfError, match="not a readable DBF table"):
        read_layout(path)


def test_a_header_without_fields_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    header = bytearray(32)
    header[0] = 3
    header[8:10] = (33).to_bytes(2, "little")
    header[10:12] = (1).to_bytes(2, "little")
    path.write_bytes(bytes(header) + b"\r\x1a")
    with pytest.raises(DbfError, match="damaged"):
        read_layout(path)


def test_file_vanishing_between_layout_and_read(calls_dbf: CallsDbfWriter) -> None:
    calls_dbf.append(row())
    layout = read_layout(calls_dbf.path)
    calls_dbf.path.unlink()
    with pytest.raises(DbfError, match="disappeared"):
        list(read_records(layout, 0, 1, RecordDecoder(layout)))


def test_fields_of_unknown_types_that_nothing_reads_leave_the_table_readable(
    tmp_path: Path,
) -> None:
    """A 'Q' field, or an 'I' of 2 bytes, made dbfread refuse the whole table ("not a
    readable DBF table … Unknown field type: 'Q'"), re-checked every 10 s forever."""
    odd = (*WINTARIFF_FIELDS, FieldSpec("EXTRA", "C", 4), FieldSpec("SMALL", "N", 2))
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=odd)
    when = dt.datetime(2024, 5, 6, 10, 0)
    writer.append(make_row(when=when, duration=0, extension="620", callerid="89161234567"))
    with open(tmp_path / "Calls.dbf", "r+b") as f:  # the types the writer would refuse
        for index, kind in ((len(WINTARIFF_FIELDS), b"Q"), (len(WINTARIFF_FIELDS) + 1, b"I")):
            f.seek(32 + 32 * index + 11)
            f.write(kind)
    layout = read_layout(tmp_path / "Calls.dbf")
    [record] = list(read_records(layout, 0, 1, RecordDecoder(layout)))
    assert record.values["IDURATION"] == 0 and record.problems == ()
    everything = decode_all_fields(layout, record.raw)  # what check shows: no crash
    assert everything["IDURATION"] == 0


def test_a_folder_for_a_table_is_told_as_such(tmp_path: Path) -> None:
    """source.path naming WinTariff's Calls folder said "не читается: Is a directory"."""
    with pytest.raises(DbfError) as caught:
        read_layout(tmp_path)
    assert caught.value.told("ru") == (
        f"{tmp_path}: это папка, а нужен сам файл таблицы, например {tmp_path / 'Calls.dbf'}"
    )


def test_an_extra_column_with_a_russian_or_odd_name_is_fine(tmp_path: Path) -> None:
    """Only random bytes are no table: a real one may name an extra column ПРИМ or NOTE-1."""
    odd = (*WINTARIFF_FIELDS, FieldSpec("EXTRA", "C", 4), FieldSpec("OTHER", "C", 4))
    writer = CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=odd)
    when = dt.datetime(2024, 5, 6, 10, 0)
    writer.append(make_row(when=when, duration=0, extension="620", callerid="89161234567"))
    with open(tmp_path / "Calls.dbf", "r+b") as f:
        for index, name in ((len(WINTARIFF_FIELDS), "ПРИМ"), (len(WINTARIFF_FIELDS) + 1, "NOTE-1")):
            f.seek(32 + 32 * index)
            f.write(name.encode("cp866").ljust(11, b"\0"))
    assert read_layout(tmp_path / "Calls.dbf").field_names()[-2:] == ["ПРИМ", "NOTE-1"]


def _workbook(path: Path) -> None:
    """An .xlsx as Excel saves one: a ZIP archive of XML parts."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types>" + "<Default/>" * 400 + "</Types>")
        book.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")


@pytest.mark.parametrize(
    ("kind", "english", "russian"),
    [
        ("xlsx", "an Excel workbook (.xlsx)", "книга Excel (.xlsx)"),
        ("xls", "an Excel workbook (.xls)", "книга Excel (.xls)"),
    ],
)
def test_an_excel_workbook_renamed_to_dbf_says_so(
    tmp_path: Path, kind: str, english: str, russian: str
) -> None:
    """A call log exported to Excel and renamed Calls_2026_10.dbf: the admin was told
    the header was incomplete ("being written?"), or dbfread's "unpack requires a buffer
    of 32 bytes", and waited for a file that will never be a table."""
    path = tmp_path / "Calls_2026_10.dbf"
    if kind == "xlsx":
        _workbook(path)
    else:  # the OLE2 compound file of Excel 97-2003
        path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + os.urandom(4088))
    with pytest.raises(DbfError) as caught:
        read_layout(path)
    said = str(caught.value)
    assert said.startswith(f"{path}: this is {english}, not a DBF table")
    assert "Calls.dbf" in said and "incomplete" not in said and "unpack" not in said
    assert caught.value.told("ru").startswith(f"{path}: это {russian}, а не таблица DBF")


def test_random_bytes_after_a_zip_signature_are_no_half_written_header(tmp_path: Path) -> None:
    path = tmp_path / "Calls.dbf"
    path.write_bytes(b"PK\x03\x04" + os.urandom(3000))
    with pytest.raises(DbfError) as caught:
        read_layout(path)
    assert "incomplete" not in str(caught.value)
