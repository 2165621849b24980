"""The Calls.dbf fields Perezvon reads: one table of names, what each is for, which are needed.

The reader decodes only these, the normaliser reads them into a Call, and ``perezvon
check`` explains them to the admin, all from this table. Names are WinTariff's (see
DESIGN "What we know of WinTariff's Calls.dbf"); a field may be missing where another
stands in for it (TIME for ITIME, DURATION for IDURATION).
"""

from __future__ import annotations

from dataclasses import dataclass

DATE = "DATE"
ITIME = "ITIME"
TIME = "TIME"
IDURATION = "IDURATION"
DURATION = "DURATION"
EXTENSION = "EXTENSION"
NUMBER = "NUMBER"
CALLERID = "CALLERID"
CALLTYPE = "CALLTYPE"
CO = "CO"
RINGBEFORE = "RINGBEFORE"
CALLMODE = "CALLMODE"
STATUS = "STATUS"


@dataclass(frozen=True)
class FieldUse:
    """One field the rules read: the catalog key that explains it, and whether a table
    without it (and without ``stand_in``) cannot give calls at all."""

    name: str
    text_key: str
    required: bool = False
    stand_in: str | None = None


USES: tuple[FieldUse, ...] = (
    FieldUse(DATE, "cli_field_required", required=True),
    FieldUse(ITIME, "cli_field_time", required=True, stand_in=TIME),
    FieldUse(IDURATION, "cli_field_duration", stand_in=DURATION),
    FieldUse(EXTENSION, "cli_field_required", required=True),
    FieldUse(NUMBER, "cli_field_number"),
    FieldUse(CALLERID, "cli_field_callerid"),
    FieldUse(CALLTYPE, "cli_field_calltype"),
    FieldUse(CO, "cli_field_co"),
    FieldUse(RINGBEFORE, "cli_field_ring"),
    FieldUse(CALLMODE, "cli_field_callmode"),
    FieldUse(STATUS, "cli_field_status"),
)

# Every field the reader decodes: the uses and their stand-ins.
WANTED: tuple[str, ...] = tuple(
    dict.fromkeys(n for use in USES for n in (use.name, use.stand_in) if n is not None)
)


def missing_required(names: set[str]) -> list[str]:
    """Required fields a table lacks, when their stand-in is missing too."""
    return [
        use.name
        for use in USES
        if use.required
        and use.name not in names
        and (use.stand_in is None or use.stand_in not in names)
    ]
