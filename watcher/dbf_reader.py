"""Reading Calls.dbf without trusting it: header through dbfread, records by seek.

WinTariff's table only grows, so after the first pass we read just the records past the
cursor (``header_len + i * record_len``). The record count is taken from the file size as
well as the header, because real files have headers that lag the data; a trailing
fragment is a record still being written and is left for the next pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dbfread import DBF
from dbfread.codepages import guess_encoding
from dbfread.field_parser import FieldParser

from watcher import fields
from watcher.texts import ToldError

DEFAULT_ENCODING = "cp866"
GUESS_MIN_BYTES = 10  # telling high bytes a code page guess needs (a few Russian words)
# The fields the rules read; everything else in the row is decoded only on demand.
WANTED_FIELDS = fields.WANTED
READ_CHUNK = 2000
# Distinct texts per field that RecordDecoder.decode_many remembers; bounds its memory
# when a field (NUMBER, CALLERID) hardly repeats.
DECODE_MEMO = 2048


class DbfError(ToldError):
    """The file cannot be read as a DBF table right now; the message says why."""


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    length: int
    decimals: int
    offset: int  # from the start of the record, deletion flag included
    source: Any = field(default=None, compare=False, repr=False)  # dbfread's field


@dataclass(frozen=True)
class DbfLayout:
    path: Path
    header_len: int
    record_len: int
    header_count: int
    file_size: int
    fields: tuple[FieldInfo, ...]
    encoding: str
    encoding_source: str  # "config", "header", "content" (the text's letters) or "default"
    language_driver: int
    version: str
    signature: str  # changes when the table's structure changes
    last_update: date | None
    table: Any = field(default=None, compare=False, repr=False)  # dbfread's DBF, unloaded

    @property
    def complete_count(self) -> int:
        """Records fully on disk, whatever the header claims."""
        if self.file_size <= self.header_len:
            return 0
        return (self.file_size - self.header_len) // self.record_len

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def cut_bytes(self) -> int:
        """Bytes of a record begun past the last complete one: one still being written,
        or in a copied archive one cut off for good. The one byte of dBase's end-of-file
        mark (0x1A) after the last record is not counted."""
        if self.file_size <= self.header_len:
            return 0
        left = (self.file_size - self.header_len) % self.record_len
        if left == 1:
            try:
                with open(self.path, "rb") as file:
                    file.seek(self.file_size - 1)
                    last = file.read(1)
            except OSError:  # renamed or locked since the header was read: nothing cut
                return 0
            if last == b"\x1a":
                return 0
        return left


@dataclass(frozen=True)
class RawRecord:
    index: int
    flag: bytes
    raw: bytes
    values: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def deleted(self) -> bool:
        return self.flag == b"*"

    @property
    def valid(self) -> bool:
        return self.flag in (b" ", b"*")

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.raw, digest_size=10).hexdigest()


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FIELD_TYPE = re.compile(r"[A-Z0@+]")


class _TableHeader(DBF):
    """dbfread's table, checking only the fields Perezvon reads: a field of a type it
    does not know ('Q'), or an odd width ('I' of 2 bytes), in a column nobody reads made
    the whole table unreadable. Such a field, if read, is a problem of its rows."""

    def _check_headers(self) -> None:
        wanted = set(WANTED_FIELDS)
        saved: list[Any] = self.fields  # type: ignore[has-type]
        self.fields = [f for f in saved if f.name.upper() in wanted]
        try:
            super()._check_headers()
        finally:
            self.fields = saved


def read_layout(path: str | Path, encoding: str = "auto") -> DbfLayout:
    path = Path(path)
    try:
        size = os.path.getsize(path)
        short = _short_header(path, size)
        if short is not None:
            raise short
        table = _TableHeader(
            str(path),
            encoding=None if encoding == "auto" else encoding,
            load=False,
            char_decode_errors="replace",
            ignore_missing_memofile=True,
        )
    except FileNotFoundError:
        raise DbfError("dbf_not_found", path=path) from None
    except IsADirectoryError:
        raise DbfError("dbf_is_folder", path=path, file=path / "Calls.dbf") from None
    except PermissionError:
        raise DbfError("dbf_no_permission", path=path) from None
    except OSError as error:
        raise DbfError("dbf_cannot_read", path=path, error=error.strerror or error) from None
    except DbfError:
        raise
    except Exception as error:  # dbfread raises struct/Value errors on garbage
        raise DbfError("dbf_not_dbf", path=path, error=f"{type(error).__name__}: {error}") from None

    header = table.header
    if header.recordlen <= 1 or header.headerlen < 32 or not table.fields:
        raise DbfError("dbf_damaged", path=path)
    # A dBase type is a capital letter (or 0 @ +), and a name has no control characters
    # (other than the NUL padding dbfread strips): random bytes fail that, while a real
    # table may well name an extra column ПРИМ or NOTE-1. dbfread's own check of the
    # types covers only the fields Perezvon reads (_TableHeader).
    for f in table.fields:
        if _CONTROL.search(f.name) or not _FIELD_TYPE.fullmatch(f.type):
            odd = f"field {f.name!r} of type {f.type!r} is no dBase field"
            raise DbfError("dbf_not_dbf", path=path, error=odd)
    if size < header.headerlen:
        raise DbfError("dbf_incomplete", path=path, size=size, need=header.headerlen)
    chosen, source = _choose_encoding(encoding, header.language_driver)
    table.encoding = chosen  # dbfread's own guess falls back to ascii; ours to cp866
    offset = 1
    fields = []
    descriptors = []
    for f in table.fields:
        fields.append(FieldInfo(f.name.upper(), f.type, f.length, f.decimal_count, offset, f))
        descriptors.append(f"{f.name}:{f.type}:{f.length}:{f.decimal_count}")
        offset += f.length
    signature = hashlib.blake2b(
        "|".join([str(header.headerlen), str(header.recordlen), *descriptors]).encode(),
        digest_size=10,
    ).hexdigest()
    last_update = getattr(table, "date", None)
    layout = DbfLayout(
        path=path,
        header_len=header.headerlen,
        record_len=header.recordlen,
        header_count=header.numrecords,
        file_size=size,
        fields=tuple(fields),
        encoding=chosen,
        encoding_source=source,
        language_driver=header.language_driver,
        version=table.dbversion,
        signature=signature,
        last_update=last_update,
        table=table,
    )
    if source == "default" and _by_content(layout) == "cp1251":
        table.encoding = "cp1251"
        layout = dataclasses.replace(layout, encoding="cp1251", encoding_source="content")
    return layout


# What the text of each table without a code page in its header turned out to be, by
# path and structure: decided once, so a pass never reads one row one way and the next
# another; a table with no Russian text yet is looked at again on the next read.
_CONTENT_ENCODINGS: dict[tuple[str, str], str] = {}


def _by_content(layout: DbfLayout) -> str | None:
    """cp1251 or cp866 from the last records' text (:func:`guess_cyrillic`), or None."""
    key = (str(layout.path), layout.signature)
    known = _CONTENT_ENCODINGS.get(key)
    if known is None:
        try:
            known = guess_cyrillic(character_values(layout))
        except DbfError:
            return None  # read again, and told, by the pass itself
        if known is not None:
            _CONTENT_ENCODINGS[key] = known
    return known


# The fixed part of a DBF header: version, date of the last update (YY MM DD), record
# count, header length, record length, …; the field descriptors follow it.
_FIXED_HEADER = 32


def _short_header(path: Path, size: int) -> DbfError | None:
    """A file too short for its own header, told before dbfread trips on it (a
    struct.error, "unpack requires a buffer of 32 bytes"): empty, or cut short inside
    the header (being created, or copied in part). None when the size is no problem, or
    the bytes there are no DBF header at all (dbfread then says it is no table)."""
    if size == 0:
        return DbfError("dbf_empty", path=path)
    with open(path, "rb") as file:
        head = file.read(_FIXED_HEADER)
    for signature, key in _FOREIGN_FILES:
        if head.startswith(signature):
            return DbfError(key, path=path)
    if not _looks_like_dbf(head):
        return None
    need = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 0
    if len(head) < _FIXED_HEADER:
        # The part that is there may not say how long the header is: its fixed part at least.
        return DbfError("dbf_incomplete", path=path, size=size, need=max(need, _FIXED_HEADER + 1))
    if need <= _FIXED_HEADER or size >= need:
        return None
    return DbfError("dbf_incomplete", path=path, size=size, need=need)


# Files an admin may save under a .dbf name (a call log exported to Excel, then renamed),
# by their first bytes, and the catalog key of what each is: no DBF header begins so.
_FOREIGN_FILES = (
    (b"PK\x03\x04", "dbf_is_xlsx"),  # a ZIP archive: .xlsx, .ods, .zip
    (bytes.fromhex("d0cf11e0a1b11ae1"), "dbf_is_xls"),  # OLE2: the .xls of Excel 97-2003
)


def _looks_like_dbf(head: bytes) -> bool:
    """The first bytes could begin a DBF header: the date's month and day (the bytes of
    text are too large for them) are in range, as far as they are there."""
    month = head[2] if len(head) > 2 else 1
    day = head[3] if len(head) > 3 else 1
    return month <= 12 and day <= 31


def _choose_encoding(setting: str, language_driver: int) -> tuple[str, str]:
    if setting and setting != "auto":
        return setting, "config"
    if language_driver:
        try:
            return guess_encoding(language_driver), "header"
        except LookupError:
            pass
    return DEFAULT_ENCODING, "default"


class RecordDecoder:
    """Turns raw record bytes into values, fast for C/N/D and via dbfread for the rest.

    ``sources`` (a :class:`~watcher.fields.FieldPlan`'s) names the field each value is
    read from, so an install's own names come out under the standard ones.
    """

    def __init__(
        self,
        layout: DbfLayout,
        names: tuple[str, ...] | None = WANTED_FIELDS,
        *,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        self.encoding = layout.encoding
        if sources is not None:
            by_name = {f.name: f for f in layout.fields}
            wanted = [(value, by_name[name]) for value, name in sources.items()]
        else:
            wanted = [(f.name, f) for f in layout.fields if names is None or f.name in names]
        self._fields = [(key, f.offset, f.offset + f.length, f.type, f) for key, f in wanted]
        self._fallback = FieldParser(layout.table)
        self._ascii_ok = _ascii_compatible(self.encoding)
        # Per field: field bytes -> (value, problem) for decode_many.
        self._seen: dict[str, dict[bytes, tuple[Any, str | None]]] = {}

    def decode(self, raw: bytes) -> tuple[dict[str, Any], tuple[str, ...]]:
        values: dict[str, Any] = {}
        problems: list[str] = []
        for name, start, end, kind, info in self._fields:
            data = raw[start:end]
            if kind in _OWN_KINDS:
                value, problem = self._convert(name, kind, data)
            else:
                value, problem = self._parse_other(name, info, data)
            values[name] = value
            if problem is not None:
                problems.append(problem)
        return values, tuple(problems)

    def decode_many(self, raws: list[bytes]) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
        """What :meth:`decode` gives for each record, read field by field: each distinct
        C/N/F/D field text is converted once (extensions, lines, dates, times and call
        types repeat from row to row in a call log), so a chunk costs a dict look-up per
        field instead of a slice, strip and decode."""
        rows: list[dict[str, Any]] = [{} for _ in raws]
        problems: list[list[str]] = [[] for _ in raws]
        for name, column in self._columns(raws):
            for row, trouble, (value, problem) in zip(rows, problems, column, strict=True):
                row[name] = value
                if problem is not None:
                    trouble.append(problem)
        return [(row, tuple(trouble)) for row, trouble in zip(rows, problems, strict=True)]

    def columns(self, raws: list[bytes]) -> tuple[dict[str, list[Any]], list[bool]]:
        """The values of records ``raws`` (valid or not) field by field, and per record
        whether it is a plain one: marked ' ' and every field read without a problem.
        A table's own names come out under the standard ones, as in :meth:`decode`."""
        plain = [raw[:1] == b" " for raw in raws]
        columns: dict[str, list[Any]] = {}
        for name, column in self._columns(raws):
            columns[name] = [known[0] for known in column]
            troubles = [known[1] for known in column]
            if any(troubles):
                for at, trouble in enumerate(troubles):
                    if trouble is not None:
                        plain[at] = False
        return columns, plain

    def _columns(self, raws: list[bytes]) -> Iterator[tuple[str, list[tuple[Any, str | None]]]]:
        """(field, (value, problem) per record) for each field read."""
        for name, start, end, kind, info in self._fields:
            if kind not in _OWN_KINDS:  # dbfread's parser, on records it would be given
                yield (
                    name,
                    [
                        self._parse_other(name, info, raw[start:end])
                        if raw[:1] in (b" ", b"*")
                        else (None, None)
                        for raw in raws
                    ],
                )
                continue
            seen = self._seen.setdefault(name, {})
            column = [seen.get(raw[start:end]) for raw in raws]
            if None not in column:
                yield name, column  # type: ignore[misc]
                continue
            ascii_ok = self._ascii_ok
            for at, known in enumerate(column):
                if known is not None:
                    continue
                # Times and numbers hardly repeat: past the memo, the usual shapes are
                # read directly, as _convert would read them, and the rest by it.
                data = raws[at][start:end]
                known = seen.get(data)  # met earlier in this chunk
                if known is not None:
                    column[at] = known
                    continue
                if kind == "N":
                    try:
                        known = (int(data), None)  # as _number: int() takes what it strips
                    except ValueError:
                        known = self._convert(name, kind, data)
                elif kind == "C" and ascii_ok and data.isascii():
                    known = (data.rstrip(b"\0 ").decode("ascii").strip(), None)
                else:
                    known = self._convert(name, kind, data)
                column[at] = known
                if len(seen) < DECODE_MEMO:
                    seen[data] = known
            yield name, column  # type: ignore[misc]

    def _convert(self, name: str, kind: str, data: bytes) -> tuple[Any, str | None]:
        """One C/N/F/D field's value and problem (Perezvon's own fast reading)."""
        try:
            if kind == "C":
                data = data.rstrip(b"\0 ")
                if self._ascii_ok and data.isascii():  # codes, numbers: the codec's own result
                    return data.decode("ascii").strip(), None
                return data.decode(self.encoding, "replace").strip(), None
            if kind == "D":
                return _date(data), None
            return _number(data), None
        except (ValueError, LookupError) as error:
            return None, f"{name}: {error}"

    def _parse_other(self, name: str, info: FieldInfo, data: bytes) -> tuple[Any, str | None]:
        """A field of another type, as dbfread reads it."""
        try:
            return self._fallback.parse(info.source, data), None
        except (ValueError, LookupError, struct.error) as error:
            return None, f"{name}: {error}"


# Field types read by RecordDecoder itself; the others go through dbfread's parser.
_OWN_KINDS = ("C", "N", "F", "D")
_ASCII = bytes(range(128))
_SHIFTS = b"\x1b$B+AGE-~{"  # would switch iso2022 / utf-7 / hz out of ASCII
_ASCII_COMPATIBLE: dict[str, bool] = {}


def _ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` reads any pure-ASCII bytes as ASCII (cp866, cp1251, utf-8 do;
    utf-16, EBCDIC and the stateful iso2022/utf-7/hz do not), so that such field text can
    take the much faster built-in ASCII decoder with the same result."""
    known = _ASCII_COMPATIBLE.get(encoding)
    if known is None:
        try:
            known = (
                all(bytes([b]).decode(encoding) == chr(b) for b in _ASCII)
                and _ASCII.decode(encoding) == _ASCII.decode("ascii")
                and _SHIFTS.decode(encoding) == _SHIFTS.decode("ascii")
            )
        except (LookupError, ValueError):
            known = False
        _ASCII_COMPATIBLE[encoding] = known
    return known


def _number(data: bytes) -> int | float | None:
    text = data.strip(b" \0*")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return float(text.replace(b",", b"."))


def _date(data: bytes) -> date | None:
    text = data.strip(b" \0")
    if not text or text == b"00000000":
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def read_records(
    layout: DbfLayout, start: int, stop: int, decoder: RecordDecoder
) -> Iterator[RawRecord]:
    """Records ``start`` to ``stop`` (exclusive), read in large chunks by position
    (:func:`read_chunks`), each decoded."""
    for index, raws in read_chunks(layout, start, stop):
        decoded = iter(decoder.decode_many([raw for raw in raws if raw[:1] in (b" ", b"*")]))
        for i, raw in enumerate(raws):
            if raw[:1] in (b" ", b"*"):
                yield RawRecord(index + i, raw[:1], raw, *next(decoded))
            else:
                yield _bad_marker(index + i, raw)


def read_record(decoder: RecordDecoder, index: int, raw: bytes) -> RawRecord:
    """One record of a chunk (:func:`read_chunks`) as :func:`read_records` gives it."""
    if raw[:1] in (b" ", b"*"):
        return RawRecord(index, raw[:1], raw, *decoder.decode(raw))
    return _bad_marker(index, raw)


def _bad_marker(index: int, raw: bytes) -> RawRecord:
    flag = raw[:1]
    return RawRecord(index, flag, raw, {}, (f"bad record marker {flag!r}",))


def read_chunks(layout: DbfLayout, start: int, stop: int) -> Iterator[tuple[int, list[bytes]]]:
    """The raw bytes of records ``start`` to ``stop`` (exclusive), in chunks of
    :data:`READ_CHUNK`: (index of the first, records).

    Each chunk opens the file, reads and closes it before its records are yielded: a long
    pass (an import stores each chunk before the next is read) must not hold Calls.dbf
    open for minutes, or WinTariff cannot rename or archive it (Windows refuses to rename
    an open file). Between chunks the file must still be the one the pass began with (the
    same file on disk, the same first record, long enough); one that was replaced or cut
    short is a :class:`DbfError`, and the next pass reads what is there then.
    """
    record_len = layout.record_len
    stop = min(stop, layout.complete_count)
    index = start
    identity: _Identity | None = None
    while index < stop:
        count = min(READ_CHUNK, stop - index)
        block, seen = _read_chunk(layout, index, count)
        if identity is None:
            identity = seen
        elif not seen.same_file(identity):
            raise DbfError("dbf_replaced", path=layout.path)
        got = len(block) // record_len
        if got < count:
            raise DbfError("dbf_shrank", path=layout.path, got=index + got, stop=stop)
        yield index, [block[i * record_len : (i + 1) * record_len] for i in range(got)]
        index += got


@dataclass(frozen=True)
class _Identity:
    """What tells one Calls.dbf from the next under the same name."""

    device: int
    inode: int  # the file index on Windows; 0 where a share does not give one
    first_record: bytes  # without its deletion flag

    def same_file(self, other: _Identity) -> bool:
        if self.inode and other.inode and (self.device, self.inode) != (other.device, other.inode):
            return False
        return self.first_record == other.first_record


def _read_chunk(layout: DbfLayout, index: int, count: int) -> tuple[bytes, _Identity]:
    """``count`` records from ``index``, and the identity of the file they came from; the
    file is closed again before this returns."""
    try:
        with open(layout.path, "rb") as handle:
            info = os.fstat(handle.fileno())
            handle.seek(layout.header_len)
            first = handle.read(layout.record_len)[1:]
            handle.seek(layout.header_len + index * layout.record_len)
            block = handle.read(count * layout.record_len)
    except FileNotFoundError:
        raise DbfError("dbf_disappeared", path=layout.path) from None
    except OSError as error:
        raise DbfError("dbf_read_failed", path=layout.path, error=error.strerror or error) from None
    return block, _Identity(info.st_dev, info.st_ino, first)


def read_one(layout: DbfLayout, index: int) -> bytes | None:
    """The raw bytes of one record (used to notice a rewritten file by its first row)."""
    if index >= layout.complete_count:
        return None
    try:
        with open(layout.path, "rb") as handle:
            handle.seek(layout.header_len + index * layout.record_len)
            data = handle.read(layout.record_len)
    except OSError as error:
        raise DbfError("dbf_read_failed", path=layout.path, error=error.strerror or error) from None
    return data if len(data) == layout.record_len else None


def decode_all_fields(layout: DbfLayout, raw: bytes) -> dict[str, Any]:
    """Every field of a record, for `perezvon check`."""
    values, _ = RecordDecoder(layout, names=None).decode(raw)
    return values


def guess_cyrillic(texts: Iterable[bytes]) -> str | None:
    """cp1251 or cp866, from how Russian text in character fields uses the high bytes;
    None when there is too little to tell. For a table whose header names no code page:
    0xC0-0xDF are capitals in cp1251 but box drawing in cp866, and 0x80-0xAF letters in
    cp866 but rare signs in cp1251."""
    windows = dos = 0
    for text in texts:
        for byte in text:
            if 0xC0 <= byte <= 0xDF or byte >= 0xF2:
                windows += 1
            elif 0x80 <= byte <= 0xAF:
                dos += 1
    if windows + dos < GUESS_MIN_BYTES:
        return None
    if windows > 2 * dos:
        return "cp1251"
    if dos > 2 * windows:
        return "cp866"
    return None


def character_values(layout: DbfLayout, rows: int = 50) -> list[bytes]:
    """The raw bytes of the character fields of the last ``rows`` complete records, in
    one read (the share may be across a network)."""
    first = max(0, layout.complete_count - rows)
    count = layout.complete_count - first
    if count <= 0:
        return []
    try:
        with open(layout.path, "rb") as handle:
            handle.seek(layout.header_len + first * layout.record_len)
            data = handle.read(count * layout.record_len)
    except OSError as error:
        raise DbfError("dbf_read_failed", path=layout.path, error=error.strerror or error) from None
    text_fields = [f for f in layout.fields if f.type == "C"]
    size = layout.record_len
    return [
        data[start + f.offset : start + f.offset + f.length]
        for start in range(0, len(data) - size + 1, size)
        for f in text_fields
    ]
