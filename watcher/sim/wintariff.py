"""A raw-bytes dBase III writer that imitates WinTariff writing ``Calls.dbf``.

The demo and the tests need a Calls.dbf that behaves like the real one while another
process reads it: rows appear one by one, CALLTYPE is filled in a few seconds later, the
header's record count may lag, a record can be caught half-written, rows get the deletion
flag, and now and then the whole table is rewritten. Generic DBF libraries hide exactly
those states, so this module writes the bytes itself.

Every operation opens the file, writes, flushes and closes it again: a reader runs
concurrently, and on Windows a handle held between writes would block WinTariff itself.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "WINTARIFF_FIELDS",
    "CallsDbfWriter",
    "FieldSpec",
    "make_row",
]

_VERSION_DBASE3 = 0x03
_HEADER_PREFIX = 32
_DESCRIPTOR_LEN = 32
_TERMINATOR = b"\x0d"
_EOF = b"\x1a"
_LIVE = b" "
_DELETED = b"*"
# Rows per write in append_many: bounds memory for million-row benchmark files.
_CHUNK_ROWS = 65536
# Memoised formatted values per field in append_many, and which value types may be
# memoised. Equal keys must give equal bytes: 1 == 1.0 == True, and str() of those differs
# in a C field, so C fields memoise only str/bytes; in the other types they format alike.
_CACHE_LIMIT = 16384
_C_CACHEABLE = frozenset({str, bytes})
_CACHEABLE = frozenset({str, bytes, int, float, bool, dt.date, dt.datetime})


@dataclass(frozen=True)
class FieldSpec:
    """One field descriptor of the table: name, dBase type letter, width, decimals."""

    name: str
    type: str  # 'C', 'N', 'D' or 'L'
    length: int
    decimals: int = 0


# Field order and widths are a plausible guess: WinTariff does not document them.
WINTARIFF_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("DATE", "D", 8),
    FieldSpec("ITIME", "N", 6),
    FieldSpec("IDURATION", "N", 6),
    FieldSpec("EXTENSION", "C", 6),
    FieldSpec("NUMBER", "C", 24),
    FieldSpec("CO", "C", 2),
    FieldSpec("ACCOUNT", "C", 12),
    FieldSpec("PRICE", "N", 10, 2),
    FieldSpec("STATUS", "C", 40),
    FieldSpec("CALLTYPE", "C", 1),
    FieldSpec("CALLERID", "C", 20),
    FieldSpec("CALLMODE", "C", 2),
    FieldSpec("RINGBEFORE", "N", 4),
    FieldSpec("TRUNKGROUP", "C", 2),
    FieldSpec("TENANT", "C", 2),
    FieldSpec("TRANSFER", "C", 6),
    FieldSpec("HAND", "C", 1),
    FieldSpec("TRFGROUP", "C", 2),
    FieldSpec("ZONEID", "N", 4),
    FieldSpec("CURRENCYID", "N", 3),
    FieldSpec("PREFLEN1", "N", 2),
    FieldSpec("PREFLEN2", "N", 2),
    FieldSpec("METERPULSE", "N", 5),
)

_Formatter = Callable[[object], bytes]


def _fit(data: bytes, length: int, *, right: bool = False) -> bytes:
    """Pad with blanks (or truncate) to exactly ``length`` bytes, as dBase stores values."""
    if len(data) >= length:
        return data[:length]
    return data.rjust(length) if right else data.ljust(length)


def _formatter(field: FieldSpec, encoding: str) -> _Formatter:
    """Build the value -> bytes function for one field, chosen by the declared type.

    The declared type decides, not the Python type: installs that declare ITIME as C
    must get ``"36000 "`` for the int 36000, not a right-justified number.
    """
    length, decimals, name = field.length, field.decimals, field.name
    blank = b" " * length

    if field.type == "C":

        def fmt_c(value: object) -> bytes:
            if value is None:
                return blank
            if isinstance(value, bytes | bytearray):
                return _fit(bytes(value), length)
            if isinstance(value, dt.date):
                value = value.strftime("%Y%m%d")
            elif isinstance(value, bool):
                value = "T" if value else "F"
            return _fit(str(value).encode(encoding, errors="replace"), length)

        return fmt_c

    if field.type == "N":

        def fmt_n(value: object) -> bytes:
            if value is None:
                return blank
            if isinstance(value, bytes | bytearray):
                return _fit(bytes(value), length, right=True)
            if isinstance(value, str):
                text = value.strip()
                if not text:
                    return blank
                value = float(text) if decimals or "." in text else int(text)
            if isinstance(value, bool):
                value = int(value)
            elif not isinstance(value, int | float):
                raise TypeError(f"{name}: numeric field got {type(value).__name__}")
            text = f"{value:.{decimals}f}" if decimals or isinstance(value, float) else str(value)
            if len(text) > length:
                raise ValueError(f"{name}: {value!r} does not fit N{length}.{decimals}")
            return text.encode("ascii").rjust(length)

        return fmt_n

    if field.type == "D":

        def fmt_d(value: object) -> bytes:
            if value is None:
                return blank
            if isinstance(value, bytes | bytearray):
                return _fit(bytes(value), length)
            if isinstance(value, dt.date):  # datetime is a date too
                return value.strftime("%Y%m%d").encode("ascii")
            if isinstance(value, str):
                return _fit(value.encode("ascii"), length)
            raise TypeError(f"{name}: date field got {type(value).__name__}")

        return fmt_d

    if field.type == "L":

        def fmt_l(value: object) -> bytes:
            if value is None:
                return b" "
            if isinstance(value, bytes | bytearray):
                return _fit(bytes(value), 1)
            if isinstance(value, str):
                return _fit(value.encode("ascii"), 1)
            return b"T" if value else b"F"

        return fmt_l

    raise ValueError(f"{name}: unsupported field type {field.type!r}")


def _validate_fields(fields: Iterable[FieldSpec]) -> tuple[FieldSpec, ...]:
    """Reject schemas a dBase III reader would choke on, before any byte is written."""
    result = tuple(fields)
    if not result:
        raise ValueError("a table needs at least one field")
    seen: set[str] = set()
    for field in result:
        if not field.name or len(field.name) > 10 or not field.name.isascii():
            raise ValueError(f"bad field name {field.name!r} (1-10 ASCII characters)")
        if field.name in seen:
            raise ValueError(f"duplicate field name {field.name!r}")
        seen.add(field.name)
        if field.type not in ("C", "N", "D", "L"):
            raise ValueError(f"{field.name}: unsupported field type {field.type!r}")
        if not 1 <= field.length <= 254:
            raise ValueError(f"{field.name}: length {field.length} out of range 1-254")
        if field.type == "D" and field.length != 8:
            raise ValueError(f"{field.name}: D fields are 8 bytes")
        if field.type == "L" and field.length != 1:
            raise ValueError(f"{field.name}: L fields are 1 byte")
        if field.decimals and (field.type != "N" or field.decimals >= field.length - 1):
            raise ValueError(f"{field.name}: bad decimals {field.decimals}")
    return result


def _date_bytes(day: dt.date) -> bytes:
    """The YY MM DD bytes of the header's last-update date (YY = years since 1900)."""
    return bytes((day.year - 1900, day.month, day.day))


class CallsDbfWriter:
    """Writes a dBase III table the way WinTariff grows Calls.dbf, one operation at a time.

    The writer keeps only the schema and its own idea of the record count in memory; it
    holds no file handle between calls.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fields: Iterable[FieldSpec],
        *,
        encoding: str,
        language_driver: int,
        record_count: int,
    ) -> None:
        """Use :meth:`create` or :meth:`open`; this only sets up the in-memory state."""
        self._path = Path(path)
        self._fields = _validate_fields(fields)
        self._encoding = encoding
        self._language_driver = language_driver
        self._record_len = 1 + sum(f.length for f in self._fields)
        self._header_len = _HEADER_PREFIX + _DESCRIPTOR_LEN * len(self._fields) + 1
        self._record_count = record_count
        self._formatters = tuple(_formatter(f, encoding) for f in self._fields)
        self._blanks = tuple(self._formatters[i](None) for i in range(len(self._fields)))
        self._offsets: dict[str, int] = {}
        offset = 1
        for f in self._fields:
            self._offsets[f.name] = offset
            offset += f.length
        self._index_of = {f.name: i for i, f in enumerate(self._fields)}
        self._partial: bytes | None = None
        self._partial_written = 0

    # -- construction -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        fields: Iterable[FieldSpec] = WINTARIFF_FIELDS,
        encoding: str = "cp866",
        language_driver: int = 0x65,
    ) -> CallsDbfWriter:
        """Create (or truncate) an empty table: header, descriptors, 0x0D, then 0x1A."""
        writer = cls(
            path, fields, encoding=encoding, language_driver=language_driver, record_count=0
        )
        writer._write_empty_table()
        return writer

    @classmethod
    def open(cls, path: str | os.PathLike[str], encoding: str = "cp866") -> CallsDbfWriter:
        """Attach to an existing table, learning the schema from its header.

        The record count is taken from the file size (complete records only), not from the
        header, because the header may lag: appending after the header's count would
        overwrite rows a reader has already seen.
        """
        file_path = Path(path)
        with open(file_path, "rb") as f:
            prefix = f.read(_HEADER_PREFIX)
            if len(prefix) < _HEADER_PREFIX or prefix[0] != _VERSION_DBASE3:
                raise ValueError(f"{file_path}: not a dBase III table without memo")
            header_len, record_len = struct.unpack_from("<HH", prefix, 8)
            language_driver = prefix[29]
            block = f.read(header_len - _HEADER_PREFIX)
            size = f.seek(0, os.SEEK_END)
        fields: list[FieldSpec] = []
        for pos in range(0, len(block), _DESCRIPTOR_LEN):
            if block[pos : pos + 1] == _TERMINATOR:
                break
            desc = block[pos : pos + _DESCRIPTOR_LEN]
            if len(desc) < _DESCRIPTOR_LEN:
                raise ValueError(f"{file_path}: truncated field descriptors")
            name = desc[:11].split(b"\0", 1)[0].decode("ascii").strip()
            fields.append(FieldSpec(name, chr(desc[11]), desc[16], desc[17]))
        complete = max(0, (size - header_len) // record_len)
        writer = cls(
            file_path,
            fields,
            encoding=encoding,
            language_driver=language_driver,
            record_count=complete,
        )
        if writer.header_len != header_len or writer.record_len != record_len:
            raise ValueError(
                f"{file_path}: header says {header_len}/{record_len} bytes, "
                f"descriptors add up to {writer.header_len}/{writer.record_len}"
            )
        return writer

    # -- properties ---------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The table's file."""
        return self._path

    @property
    def header_len(self) -> int:
        """Bytes before the first record (prefix, descriptors, 0x0D)."""
        return self._header_len

    @property
    def record_len(self) -> int:
        """Bytes per record, including the one-byte deletion flag."""
        return self._record_len

    @property
    def record_count(self) -> int:
        """Complete records written so far (the header on disk may say less)."""
        return self._record_count

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """The schema, in file order."""
        return self._fields

    @property
    def encoding(self) -> str:
        """Encoding used for C fields given as ``str``."""
        return self._encoding

    @property
    def language_driver(self) -> int:
        """Language driver byte (header offset 29): 0x65 = cp866, 0xC9 = cp1251."""
        return self._language_driver

    # -- record operations --------------------------------------------------------------

    def encode_record(self, row: Mapping[str, object], *, deleted: bool = False) -> bytes:
        """The exact bytes of one record.

        Missing keys become blanks; keys the schema lacks are ignored, so one row dict
        (e.g. from :func:`make_row`) fits every install's variant of the table.
        """
        parts = [_DELETED if deleted else _LIVE]
        for name, fmt, blank in zip(self._index_of, self._formatters, self._blanks, strict=True):
            parts.append(fmt(row[name]) if name in row else blank)
        return b"".join(parts)

    def append(self, row: Mapping[str, object], *, update_header: bool = True) -> int:
        """Append one record and return its 0-based index.

        With ``update_header=False`` the header's count is left behind, as real files
        sometimes are; the record and the EOF marker are written all the same.
        """
        self._no_partial_pending()
        record = self.encode_record(row)
        index = self._record_count
        with open(self._path, "r+b") as f:
            f.seek(self._record_offset(index))
            f.write(record + _EOF)
            self._record_count = index + 1
            if update_header:
                self._write_header_count(f)
            f.flush()
        return index

    def append_many(
        self, rows: Iterable[Mapping[str, object]], *, update_header: bool = True
    ) -> range:
        """Append many records at once and return their indexes.

        The fast path for seeding history and benchmark files: records are built in a
        bytearray, formatted values are memoised per field (dates, codes, statuses repeat
        a lot), and the bytes go out in large chunks through a single open of the file.
        """
        self._no_partial_pending()
        plan: list[tuple[str, _Formatter, bytes, dict[object, bytes], frozenset[type]]] = [
            (name, fmt, blank, {}, _C_CACHEABLE if spec.type == "C" else _CACHEABLE)
            for name, fmt, blank, spec in zip(
                self._index_of, self._formatters, self._blanks, self._fields, strict=True
            )
        ]
        start = self._record_count
        count = 0
        buf = bytearray()
        with open(self._path, "r+b") as f:
            f.seek(self._record_offset(start))
            try:
                for row in rows:
                    buf += _LIVE
                    get = row.get
                    for name, fmt, blank, cache, cacheable in plan:
                        value = get(name)
                        if value is None:
                            buf += blank
                            continue
                        try:
                            buf += cache[value]
                        except (KeyError, TypeError):
                            data = fmt(value)
                            buf += data
                            if value.__class__ in cacheable and len(cache) < _CACHE_LIMIT:
                                cache[value] = data
                    count += 1
                    if count % _CHUNK_ROWS == 0:
                        f.write(buf)
                        buf.clear()
            except BaseException:
                # A bad row mid-way: drop the chunks already written, so that no reader
                # counts half a batch of records from the file size.
                f.seek(self._record_offset(start))
                f.truncate()
                f.write(_EOF)
                raise
            buf += _EOF
            f.write(buf)
            self._record_count = start + count
            if update_header:
                self._write_header_count(f)
            f.flush()
        return range(start, start + count)

    def update(self, index: int, changes: Mapping[str, object]) -> None:
        """Rewrite some fields of an existing record in place (WinTariff fills CALLTYPE later)."""
        self._check_index(index)
        patches = []
        for name, value in changes.items():
            if name not in self._index_of:
                raise KeyError(f"unknown field: {name}")
            i = self._index_of[name]
            patches.append((self._offsets[name], self._formatters[i](value)))
        offset = self._record_offset(index)
        with open(self._path, "r+b") as f:
            f.seek(offset)
            record = bytearray(f.read(self._record_len))
            if len(record) != self._record_len:
                raise ValueError(f"record {index} is not fully on disk")
            for start, data in patches:
                record[start : start + len(data)] = data
            f.seek(offset)
            f.write(record)
            f.flush()

    def delete(self, index: int) -> None:
        """Set the deletion flag '*' on a record; its bytes otherwise stay as they were."""
        self._check_index(index)
        with open(self._path, "r+b") as f:
            f.seek(self._record_offset(index))
            f.write(_DELETED)
            f.flush()

    def append_partial(self, row: Mapping[str, object], nbytes: int) -> None:
        """Write only the first ``nbytes`` of the next record: a write caught in progress.

        No EOF marker and no header update, so the file ends in a fragment shorter than a
        record; :meth:`complete_partial` finishes it.
        """
        self._no_partial_pending()
        record = self.encode_record(row)
        if not 1 <= nbytes < self._record_len:
            raise ValueError(f"nbytes must be 1..{self._record_len - 1}, got {nbytes}")
        with open(self._path, "r+b") as f:
            offset = self._record_offset(self._record_count)
            f.seek(offset)
            f.write(record[:nbytes])
            f.truncate(offset + nbytes)
            f.flush()
        self._partial = record
        self._partial_written = nbytes

    def complete_partial(self) -> int:
        """Write the rest of the pending partial record, the EOF marker and the header."""
        if self._partial is None:
            raise RuntimeError("no partial record pending")
        index = self._record_count
        offset = self._record_offset(index)
        with open(self._path, "r+b") as f:
            f.seek(offset + self._partial_written)
            f.write(self._partial[self._partial_written :] + _EOF)
            self._record_count = index + 1
            self._write_header_count(f)
            f.flush()
        self._partial = None
        return index

    def rewrite(self, rows: Iterable[Mapping[str, object]]) -> range:
        """Truncate and re-create the table with the same schema and these rows.

        Imitates WinTariff compacting or re-exporting the table: record numbers restart,
        which a reader must notice. A pending partial record is discarded.
        """
        self._partial = None
        self._record_count = 0
        self._write_empty_table()
        return self.append_many(rows)

    def read_header_count(self) -> int:
        """The record count the header on disk currently claims (may lag the data)."""
        with open(self._path, "rb") as f:
            f.seek(4)
            return int(struct.unpack("<I", f.read(4))[0])

    # -- internals ----------------------------------------------------------------------

    def _record_offset(self, index: int) -> int:
        return self._header_len + index * self._record_len

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self._record_count:
            raise IndexError(f"record {index} out of range 0..{self._record_count - 1}")

    def _no_partial_pending(self) -> None:
        if self._partial is not None:
            raise RuntimeError("a partial record is pending: call complete_partial() first")

    def _header_bytes(self) -> bytes:
        prefix = bytearray(_HEADER_PREFIX)
        prefix[0] = _VERSION_DBASE3
        prefix[1:4] = _date_bytes(dt.date.today())
        struct.pack_into("<IHH", prefix, 4, self._record_count, self._header_len, self._record_len)
        prefix[29] = self._language_driver
        descriptors = bytearray()
        for field in self._fields:
            desc = bytearray(_DESCRIPTOR_LEN)
            desc[:11] = field.name.encode("ascii").ljust(11, b"\0")
            desc[11] = ord(field.type)
            desc[16] = field.length
            desc[17] = field.decimals
            descriptors += desc
        return bytes(prefix + descriptors + _TERMINATOR)

    def _write_empty_table(self) -> None:
        with open(self._path, "wb") as f:
            f.write(self._header_bytes() + _EOF)
            f.flush()

    def _write_header_count(self, f: BinaryIO) -> None:
        """Rewrite the last-update date and record count (header bytes 1-7)."""
        f.seek(1)
        f.write(_date_bytes(dt.date.today()) + struct.pack("<I", self._record_count))


def make_row(
    *,
    when: dt.datetime,
    duration: int,
    extension: str,
    number: str = "",
    callerid: str = "",
    co: str = "01",
    calltype: str = "",
    callmode: str = "",
    ring: int | None = None,
    status: str = "",
    price: float = 0.0,
    transfer: str = "",
) -> dict[str, object]:
    """One Calls.dbf row for a call that started at ``when`` (local PBX time).

    ITIME is seconds since midnight of DATE, IDURATION the talk time (0 = not answered),
    RINGBEFORE the ring time before answer or hang-up. The remaining numeric columns get
    the zeros WinTariff writes for an untariffed install.
    """
    return {
        "DATE": when.date(),
        "ITIME": when.hour * 3600 + when.minute * 60 + when.second,
        "IDURATION": duration,
        "EXTENSION": extension,
        "NUMBER": number,
        "CO": co,
        "PRICE": price,
        "STATUS": status,
        "CALLTYPE": calltype,
        "CALLERID": callerid,
        "CALLMODE": callmode,
        "RINGBEFORE": ring,
        "TRUNKGROUP": co,
        "TENANT": "00",
        "TRANSFER": transfer,
        "ZONEID": 0,
        "CURRENCYID": 0,
        "PREFLEN1": 0,
        "PREFLEN2": 0,
        "METERPULSE": 0,
    }
