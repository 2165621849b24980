"""The Calls.dbf fields Perezvon reads: one table of names, what each is for, which are needed.

The reader decodes only these, the normaliser reads them into a Call, and ``perezvon
check`` explains them to the admin, all from this table. Names are WinTariff's (see
DESIGN "What we know of WinTariff's Calls.dbf"); a field may be missing where another
stands in for it (TIME for ITIME, DURATION for IDURATION), and an install that names a
field differently maps its role to its own name in ``[source.fields]``: :func:`plan`
turns a table's field names and that mapping into which field gives what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watcher.texts import LogText, tr

if TYPE_CHECKING:  # watcher.config reads the field plan: no import at run time
    from watcher.config import Config

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
    """One field the rules read: the catalog key that explains it, its role (the key in
    ``[source.fields]``), and whether a table without it (and without ``stand_in``)
    cannot give calls at all."""

    name: str
    text_key: str
    role: str | None = None
    required: bool = False
    stand_in: str | None = None


USES: tuple[FieldUse, ...] = (
    FieldUse(DATE, "cli_field_required", "date", required=True),
    FieldUse(ITIME, "cli_field_time", "time", required=True, stand_in=TIME),
    # Without a talk time every answered call would read as missed (and be posted).
    FieldUse(IDURATION, "cli_field_duration", "duration", required=True, stand_in=DURATION),
    FieldUse(EXTENSION, "cli_field_required", "extension", required=True),
    FieldUse(NUMBER, "cli_field_number", "number"),
    FieldUse(CALLERID, "cli_field_callerid", "callerid"),
    FieldUse(CALLTYPE, "cli_field_calltype", "calltype"),
    FieldUse(CO, "cli_field_co", "co"),
    FieldUse(RINGBEFORE, "cli_field_ring", "ring"),
    FieldUse(CALLMODE, "cli_field_callmode"),
    FieldUse(STATUS, "cli_field_status"),
)

# The keys of [source.fields], in the order of USES.
ROLES: tuple[str, ...] = tuple(use.role for use in USES if use.role is not None)

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


@dataclass(frozen=True)
class FieldPlan:
    """Which field of one table gives each value the rules read.

    ``sources`` maps the standard name (what :func:`watcher.normalise.to_call` reads) to
    the table's own field; ``unmatched`` lists ``[source.fields]`` entries naming a field
    the table does not have.
    """

    sources: Mapping[str, str]
    unmatched: tuple[tuple[str, str], ...] = ()

    def has(self, name: str) -> bool:
        return name in self.sources

    @property
    def missing(self) -> list[str]:
        """Required values no field gives."""
        return [
            use.name
            for use in USES
            if use.required
            and use.name not in self.sources
            and (use.stand_in is None or use.stand_in not in self.sources)
        ]

    @property
    def final_at_once(self) -> bool:
        """No CALLTYPE to wait for: a row is final as soon as it is complete."""
        return CALLTYPE not in self.sources

    @property
    def caller_number(self) -> str | None:
        """The field that gives an incoming call's number, or None when none can.

        CALLERID; else NUMBER, which the normaliser reads for incoming calls when it
        holds an external number, but only where CALLTYPE can say a call is incoming:
        without it a row with only NUMBER looks outgoing.
        """
        if CALLERID in self.sources:
            return self.sources[CALLERID]
        if NUMBER in self.sources and CALLTYPE in self.sources:
            return self.sources[NUMBER]
        return None

    def source_of(self, name: str) -> str | None:
        return self.sources.get(name)


def plan(names: Iterable[str], mapping: Mapping[str, str] | None = None) -> FieldPlan:
    """The :class:`FieldPlan` for a table with fields ``names`` and a ``[source.fields]``.

    A mapped role is read from the named field only: when the table lacks it, the role
    is missing and the entry is ``unmatched``, because falling back to the standard name
    would read what the admin said is something else.
    """
    present = {n.upper() for n in names}
    mapping = {role: field.strip().upper() for role, field in (mapping or {}).items()}
    sources: dict[str, str] = {}
    unmatched: list[tuple[str, str]] = []
    for use in USES:
        wanted = mapping.get(use.role) if use.role is not None else None
        if wanted is not None:
            if wanted in present:
                sources[use.name] = wanted
            else:
                unmatched.append((use.role or use.name, wanted))
        elif use.name in present:
            sources[use.name] = use.name
    used = set(sources.values())
    for use in USES:
        stand_in = use.stand_in
        if stand_in is not None and stand_in in present and stand_in not in used:
            sources[stand_in] = stand_in
    return FieldPlan(sources, tuple(unmatched))


# Logged once per table when it has no CALLERID (NUMBER stands in): the usual cause is a
# table naming it otherwise, and then every missed call comes without a number.
NO_CALLERID = LogText(
    "no CALLERID field: an incoming call's number is read from NUMBER, which PBXs usually"
    " leave blank on incoming calls, so missed calls may come without a number and not be"
    " posted. If the caller's number is in another field, map it in [source.fields]"
    " (callerid = ...)"
)
# Logged (in the log's language, like every log line) when a table cannot say who called.
NO_CALLER_NUMBER = LogText(
    "no field gives the caller's number (no CALLERID, and no CALLTYPE to tell incoming "
    "calls by); missed calls cannot be posted with a number to call back. Map the field "
    "in [source.fields] (callerid = ...)"
)


def rules_needing_ring(plan: FieldPlan, config: Config) -> list[str]:
    """The config keys whose rule reads the ring time, when no field of the table gives
    it: ``rules.min_ring_seconds`` and each department's ``ring_timeout_seconds`` above 0.
    Empty when the table has it."""
    if plan.has(RINGBEFORE):
        return []
    keys = ["rules.min_ring_seconds"] if config.rules.min_ring_seconds > 0 else []
    keys += [
        f"department {d.name!r}.ring_timeout_seconds"
        for d in config.departments
        if d.ring_timeout_seconds > 0
    ]
    return keys


# Logged once per table when a rule the config sets reads a ring time the table lacks.
def no_ring(keys: Iterable[str]) -> LogText:
    return LogText(
        "no field gives the ring time (no RINGBEFORE), but %s reads it: that rule applies"
        " to no call. Map the field in [source.fields] (ring = ...), or set the key to 0",
        ", ".join(keys),
    )


def plan_problem(plan: FieldPlan, names: Iterable[str], language: str = "en") -> str | None:
    """Why a table cannot give calls with this plan, or None: in English for the log
    (a DbfError text), in the office's language for ``perezvon check``."""
    have = ", ".join(names)
    problems = [
        tr(language, "fields_unmatched", role=role, name=repr(name), have=have)
        for role, name in plan.unmatched
    ]
    if plan.missing:
        missing = ", ".join(plan.missing)
        problems.append(tr(language, "fields_missing", missing=missing, have=have))
    return "; ".join(problems) or None
