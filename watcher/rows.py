"""A dataclass as an SQLite row: the one source of a table's columns.

The fields of :class:`~watcher.models.Call` and :class:`~watcher.models.Case` name the
columns of ``calls`` and ``cases``, their types say how a value is stored (times as the
ledger's sortable text, flags as 0/1, vocabularies as their stored text), and the same
field list builds the inserts and reads rows back. Adding a field is then one line in
the dataclass plus one numbered migration; :meth:`Columns.missing_from` tells which
columns a migration still owes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from watcher.models import from_text, to_text

T = TypeVar("T")

_Convert = Callable[[Any], Any]


def _unwrap(hint: Any) -> tuple[type, bool]:
    """The stored type behind ``X | None``, and whether None is allowed."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def sql_type(kind: type) -> str:
    return "INTEGER" if kind in (int, bool) else "TEXT"


def _encoder(kind: type) -> _Convert | None:
    """Python value -> SQLite value; None when sqlite3 stores it as it is."""
    if kind is datetime:
        return lambda v: None if v is None else to_text(v)
    if kind is bool:
        return lambda v: None if v is None else int(v)
    return None  # int, str and StrEnum members go in unchanged


def _decoder(kind: type, optional: bool, default: Any) -> _Convert | None:
    """SQLite value -> Python value; NULL becomes the field's default when it has one."""
    fallback = None if default is dataclasses.MISSING else default
    if kind is datetime:
        return lambda v: from_text(v) if v else None
    if kind is bool:
        return lambda v: fallback if v is None else bool(v)
    if isinstance(kind, type) and issubclass(kind, Enum):
        enum = kind
        return lambda v: enum(v) if v else fallback
    if not optional and fallback is None and kind is str:
        fallback = ""  # a required text field stored as NULL reads as empty text
    if not optional and fallback is not None:
        return lambda v: fallback if v is None else v
    return None


def _row_function(
    names: Sequence[str], encoders: dict[int, _Convert]
) -> Callable[[Any], list[Any]]:
    """``item -> [stored values]`` as one generated expression, the way :mod:`dataclasses`
    builds ``__init__``: a history import stores a million calls, and a loop over the
    fields per call cost as much as the insert itself."""
    parts = []
    scope: dict[str, Any] = {}
    for index, name in enumerate(names):
        if index in encoders:
            scope[f"_e{index}"] = encoders[index]
            parts.append(f"_e{index}(item.{name})")
        else:
            parts.append(f"item.{name}")
    source = f"lambda item: [{', '.join(parts)}]"
    return eval(source, scope)  # the names are dataclass field names, nothing from outside


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    kind: type
    optional: bool


class Columns(Generic[T]):
    """The columns of a table that stores dataclass ``cls``, plus ``extra`` ones of its own."""

    def __init__(self, cls: type[T], *, extra: Sequence[tuple[str, type]] = ()) -> None:
        self.cls = cls
        hints = typing.get_type_hints(cls)
        own: list[Column] = []
        decoders: list[tuple[str, _Convert]] = []
        encoders: list[tuple[int, _Convert]] = []
        for index, spec in enumerate(dataclasses.fields(cls)):  # type: ignore[arg-type]
            kind, optional = _unwrap(hints[spec.name])
            own.append(Column(spec.name, kind, optional))
            decode = _decoder(kind, optional, spec.default)
            if decode is not None:
                decoders.append((spec.name, decode))
            encode = _encoder(kind)
            if encode is not None:
                encoders.append((index, encode))
        self.fields: tuple[Column, ...] = tuple(own)
        self.extra: tuple[Column, ...] = tuple(Column(n, k, True) for n, k in extra)
        self.names: tuple[str, ...] = tuple(c.name for c in own)
        self._row = _row_function(self.names, dict(encoders))
        self._decoders = tuple(decoders)

    @property
    def all(self) -> tuple[Column, ...]:
        return self.fields + self.extra

    def ddl(self, table: str, *, pk: str, autoincrement: bool = False) -> str:
        """``CREATE TABLE`` for a new ledger; old ones get there through the migrations."""
        parts = []
        for column in self.all:
            if column.name == pk:
                key = " PRIMARY KEY AUTOINCREMENT" if autoincrement else " PRIMARY KEY"
                parts.append(f'"{column.name}" {sql_type(column.kind)}{key}')
            else:
                parts.append(f'"{column.name}" {sql_type(column.kind)}')
        return f'CREATE TABLE IF NOT EXISTS "{table}" ({", ".join(parts)})'

    def insert_sql(
        self,
        table: str,
        *,
        skip: Sequence[str] = (),
        or_ignore: bool = False,
        or_replace: bool = False,
    ) -> str:
        """An INSERT of the dataclass fields (less ``skip``) and then the extra columns."""
        names = [n for n in self.names if n not in skip] + [c.name for c in self.extra]
        verb = "INSERT OR IGNORE" if or_ignore else "INSERT OR REPLACE" if or_replace else "INSERT"
        marks = ", ".join("?" * len(names))
        return f"{verb} INTO {table} ({', '.join(names)}) VALUES ({marks})"

    def values(self, item: T, *, skip: Sequence[str] = ()) -> list[Any]:
        """The stored values of ``item``'s fields in column order (less ``skip``)."""
        row = self._row(item)
        if skip:
            row = [v for n, v in zip(self.names, row, strict=True) if n not in skip]
        return row

    def build(self, row: Mapping[str, Any]) -> T:
        """The dataclass from a row read by column name (extra columns are ignored)."""
        values = {name: row[name] for name in self.names}
        for name, decode in self._decoders:
            values[name] = decode(values[name])
        return self.cls(**values)

    def missing_from(self, present: Sequence[str]) -> list[str]:
        """Columns a table lacks: a field added without the migration that stores it."""
        have = set(present)
        return [c.name for c in self.all if c.name not in have]
