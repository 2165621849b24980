"""What the last rows of a table say about how it will be read, for ``perezvon check``.

A table in a format Perezvon misreads (ITIME as HHMMSS, dates as MM/DD/YYYY) does not
fail on open: it fails row by row, or worse, reads some rows wrong. Looking at a sample
of recent rows tells the admin before the service skips a day of calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watcher import fields
from watcher.dbf_reader import DbfLayout, RecordDecoder, read_records
from watcher.models import Call
from watcher.normalise import RowError, is_slashed_date, to_call
from watcher.vocab import Direction

SAMPLE_ROWS = 100


@dataclass
class Sample:
    """The last rows of a table read as the watcher reads them."""

    calls: dict[int, Call] = field(default_factory=dict)  # by record index
    errors: dict[int, str] = field(default_factory=dict)  # rows that are not calls
    hhmmss: list[int] = field(default_factory=list)  # ITIME values that read as HHMMSS
    slashed_dates: list[str] = field(default_factory=list)

    @property
    def incoming(self) -> list[Call]:
        return [c for c in self.calls.values() if c.direction == Direction.IN]

    @property
    def checked(self) -> int:
        return len(self.calls) + len(self.errors)

    @property
    def mostly_not_calls(self) -> bool:
        """More than half of the rows looked at cannot be read as calls."""
        return len(self.errors) * 2 > self.checked > 0

    @property
    def misread(self) -> bool:
        """A format that reads wrong even the rows it reads: fail, whatever the share."""
        return bool(self.hhmmss or self.slashed_dates)


def sample(layout: DbfLayout, plan: fields.FieldPlan, count: int = SAMPLE_ROWS) -> Sample:
    """Read the last ``count`` complete rows with ``plan`` (deleted rows are left out)."""
    result = Sample()
    decoder = RecordDecoder(layout, sources=plan.sources)
    start = max(0, layout.complete_count - count)
    for record in read_records(layout, start, layout.complete_count, decoder):
        if record.deleted:
            continue
        if not record.valid:
            result.errors[record.index] = record.problems[0]
            continue
        try:
            result.calls[record.index] = to_call(record.index, record.values)
        except RowError as error:
            result.errors[record.index] = "; ".join(record.problems) or str(error)
            _explain(record.values, result)
    return result


def _explain(values: dict[str, object], result: Sample) -> None:
    """Note the known misreadings behind a row that is not a call."""
    day = values.get(fields.DATE)
    if isinstance(day, str) and is_slashed_date(day):
        result.slashed_dates.append(day)
    clock = values.get(fields.ITIME)
    if isinstance(clock, float) and clock.is_integer():
        clock = int(clock)
    if isinstance(clock, str) and clock.strip().isdigit():
        clock = int(clock)
    if isinstance(clock, int) and looks_like_hhmmss(clock):
        result.hhmmss.append(clock)


def looks_like_hhmmss(value: int) -> bool:
    """``93015`` is no count of seconds in a day (it is past 25 hours), but is 09:30:15."""
    hours, minutes, seconds = value // 10000, value // 100 % 100, value % 100
    return value >= 86400 and hours < 24 and minutes < 60 and seconds < 60
