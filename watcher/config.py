"""The TOML config (``perezvon.toml``): parsed once, validated with messages a person can act on.

Every problem is collected, not just the first, so an admin fixes the file in one go,
and told in the file's own ``language`` (Russian, its default, when the file has none or
cannot be parsed at all): the texts are in the catalog, :mod:`watcher.texts`.
Relative paths are taken from the config file's folder, because the service on Windows
is usually started from somewhere else.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watcher import fields as dbf_fields
from watcher.hours import MINUTES_PER_DAY, OfficeHours, parse_clock
from watcher.texts import DEFAULT_LANGUAGE, tr
from watcher.tokens import mask_token_shaped
from watcher.vocab import AfterHours

LANGUAGES = ("ru", "en")
LOG_LEVELS = ("debug", "info", "warning")
DEFAULT_DBF_PATH = "C:/Program Files/WinTariff32/Calls/Calls.dbf"
# The canonical form of a range in Department.extensions; _extension_patterns writes it.
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
# What an admin types for a range: "201-209", "201–209" (Word and Excel turn "-" into an
# en dash), "201—209", "201..209".
_RANGE_WRITTEN = re.compile(
    r"^(\d+)\s*(?:[-\u2010\u2011\u2012\u2013\u2014\u2212]|\.\.|\u2026)\s*(\d+)$"
)
# One station or ring group: digits, perhaps after a letter or two (G620 in SMDR records).
_EXTENSION = re.compile(r"^[A-Za-z]{0,3}\d+$")

# Field metadata (see toml()): where a field's value sits in the TOML file.
TOML_KEY = "toml"
TOML_KEYS = "toml_keys"
TOML_FREE = "toml_free"

# Contract v0.2 keys (DESIGN.md) that this version does not read yet, as schema paths
# ("department.topic" for every [[department]]). They are refused with their own message,
# never silently accepted: an admin who sets remind_after_minutes must learn that nothing
# will remind. A key here is allowed by itself once a config dataclass field carries it.
NOT_YET: frozenset[str] = frozenset()
# The keys of [hours] (OfficeHours keeps minutes, not the clock texts the file has).
HOURS_KEYS = ("days", "open", "close", "holidays", "extra_workdays", "short_days", "after_hours")
# The ids perezvon.example.toml ships with. They parse as ids, so a copied example "works"
# until the first post fails; `check` and `run` name every one still in place.
EXAMPLE_CHAT_IDS = frozenset({-1001000000000, -1001000000001, -1001000000002})
EXAMPLE_USER_IDS = frozenset({123456789})


def toml(
    key: str | None, *, keys: tuple[str, ...] | None = None, free: bool = False
) -> dict[str, Any]:
    """Field metadata: the field's key in its table when it differs from the field's name
    (dotted for a table of its own, e.g. ``database.path``; None = not read from the file);
    for a mapping, the only keys its table may have; ``free`` for a table whose keys the
    admin chooses (extensions, say), which is then not checked at all.

    The unknown-key check derives every table's allowed keys from the config dataclasses
    with this, so a new field is an allowed key without a second list to keep in step;
    a field whose type is a config dataclass (or a tuple of them) is a table whose keys
    are that dataclass's fields.
    """
    metadata: dict[str, Any] = {TOML_KEY: key}
    if keys is not None:
        metadata[TOML_KEYS] = keys
    if free:
        metadata[TOML_FREE] = True
    return metadata


class ConfigError(Exception):
    """One or more problems in the config; ``problems`` holds a line for each, already in
    ``language`` (see :func:`problems_language`), which the header is told in too."""

    def __init__(
        self, problems: list[str], source: str = "config", language: str = DEFAULT_LANGUAGE
    ) -> None:
        # A problem quotes what was written, and that may be a bot token pasted in the
        # wrong place (a .env given as the config, a token as a chat id): never whole.
        self.problems = [mask_token_shaped(problem) for problem in problems]
        self.source = source
        self.language = language
        super().__init__(f"{source}: " + "; ".join(problems))

    def __str__(self) -> str:
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return tr(self.language, "config_problems_in", source=self.source) + f"\n{lines}"


def problems_language(data: Mapping[str, Any]) -> str:
    """The language a config's problems are told in: its own ``language`` when that is
    one Perezvon speaks, else Russian (the default of ``language``), as for a file that
    cannot be parsed at all: the office has not said otherwise. ``"EN"`` is still an
    error (the value is "en"), but it says which language the office reads."""
    value = data.get("language")
    if isinstance(value, str) and value.strip().lower() in LANGUAGES:
        return value.strip().lower()
    return DEFAULT_LANGUAGE


# A `language = "en"` line, read from a file TOML cannot parse (a Windows path in double
# quotes on another line): the office has said which language it reads all the same.
_LANGUAGE_LINE = re.compile(r"""^\s*language\s*=\s*["']\s*([a-zA-Z]+)\s*["']""", re.MULTILINE)


def said_language(text: str) -> str:
    """The language a config's text asks for, parsed or not: its ``language`` line, else
    Russian. For what is told before (or instead of) a config that can be loaded."""
    found = _LANGUAGE_LINE.search(text)
    return problems_language({"language": found.group(1)} if found else {})


def file_language(path: Path) -> str:
    """:func:`said_language` of a config file; Russian when it cannot be read. A file
    saved in another encoding (Notepad's "ANSI") still says it in ASCII: that is read."""
    try:
        return said_language(path.read_bytes().decode("utf-8-sig", errors="replace"))
    except OSError:
        return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class SourceConfig:
    path: Path
    encoding: str = "auto"
    poll_interval: float = 0.0
    settle_seconds: float = 30.0
    # [source.fields]: role -> the install's own field name (see watcher/fields.py).
    fields: Mapping[str, str] = field(
        default_factory=dict, metadata=toml("fields", keys=dbf_fields.ROLES)
    )


@dataclass(frozen=True)
class RulesConfig:
    callback_min_seconds: int = 5
    employee_numbers: tuple[str, ...] = ()
    contacts_csv: Path | None = None
    callback_sla_minutes: int = 30
    min_ring_seconds: int = 0
    remind_after_minutes: int = 20
    escalate_after_minutes: int = 60
    # Service level: answered incoming calls that rang at most this long are on time.
    answer_target_seconds: int = 20


@dataclass(frozen=True)
class Weekly:
    """A weekly moment: ``day`` 0 = Monday, as :meth:`datetime.date.weekday`."""

    day: int
    at: time


_DAY_NAMES = (
    ("mon", "monday", "пн"),
    ("tue", "tuesday", "вт"),
    ("wed", "wednesday", "ср"),
    ("thu", "thursday", "чт"),
    ("fri", "friday", "пт"),
    ("sat", "saturday", "сб"),
    ("sun", "sunday", "вс"),
)
WEEKDAYS = {name: number for number, names in enumerate(_DAY_NAMES) for name in names}


@dataclass(frozen=True)
class TelegramConfig:
    managers_chat: int | None = None
    admins: tuple[int, ...] = ()
    daily_summary: time | None = time(9, 0)
    weekly_summary: Weekly | None = Weekly(0, time(9, 0))


@dataclass(frozen=True)
class LoggingConfig:
    """[logging]: the service's log file next to the config, rotated by size."""

    file: Path | None = None  # None = console only
    level: str = "info"
    max_mb: float = 10.0
    backups: int = 5


@dataclass(frozen=True)
class Department:
    name: str
    chat: int | None
    extensions: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    default: bool = False
    topic: int = 0  # forum topic (message_thread_id) in ``chat``; 0 = none
    # How long the PBX rings this group before it gives up; 0 = not known.
    ring_timeout_seconds: int = 0

    def matches_extension(self, extension: str) -> bool:
        return any(_matches(pattern, extension) for pattern in self.extensions)

    def matches_line(self, line: str) -> bool:
        return any(_same_line(pattern, line) for pattern in self.lines)


@dataclass(frozen=True)
class Config:
    source: SourceConfig
    database_path: Path = field(metadata=toml("database.path"))
    language: str = "ru"
    timezone: str = "Europe/Moscow"
    rules: RulesConfig = field(default_factory=RulesConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    departments: tuple[Department, ...] = field(default=(), metadata=toml("department"))
    hours: OfficeHours = field(default_factory=OfficeHours, metadata=toml("hours", keys=HOURS_KEYS))
    # Extension -> Telegram user id, from [operators]; /me adds links in the ledger.
    operators: tuple[tuple[str, int], ...] = field(
        default=(), metadata=toml("operators", free=True)
    )
    config_path: Path | None = field(default=None, metadata=toml(None))
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    # Slips that do no harm as they stand but may hide a typo (overlapping holidays, an
    # extra working day that already is one): `perezvon check` shows them as warnings.
    notes: tuple[str, ...] = field(default=(), metadata=toml(None))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def department_named(self, name: str) -> Department | None:
        return next((d for d in self.departments if d.name == name), None)

    def department_for_chat(self, chat_id: int) -> Department | None:
        return next((d for d in self.departments if d.chat == chat_id), None)


def _matches(pattern: str, extension: str) -> bool:
    extension = extension.strip()
    found = _RANGE.match(pattern)
    number = _number_of(extension)
    if found:
        if number is None:
            return False
        low, high = int(found.group(1)), int(found.group(2))
        return low <= number <= high
    pattern = pattern.strip()
    if pattern.upper() == extension.upper():
        return True
    return number is not None and number == _number_of(pattern)


def station_name(extension: str) -> str:
    """The name a station or ring group goes by in the figures: ``G620`` is group 620,
    as routing reads it, so its calls and those written ``620`` are one row."""
    if extension[:1] in ("G", "g") and extension[1:].isdigit():
        return extension[1:]
    return extension


def _number_of(extension: str) -> int | None:
    """The number of a station or ring group, with the G some records put before a group's
    (``G620`` is group 620, as the PBX dials it): the config may say ``620``. Other
    letters (a trunk ``T5``, ``CO1``) name something else and have no number here."""
    digits = station_name(extension)
    return int(digits) if digits.isdigit() else None


def _same_line(pattern: str, line: str) -> bool:
    a, b = pattern.strip(), line.strip()
    if a.isdigit() and b.isdigit():
        return int(a) == int(b)
    return a == b


def moved_chat(moves: Mapping[int, int], chat: int) -> int:
    """Where ``chat`` is now, following its moves (a group upgraded to a supergroup, old ->
    new), a chain too; a loop in them stops where it would repeat."""
    seen: set[int] = set()
    while chat in moves and chat not in seen:
        seen.add(chat)
        chat = moves[chat]
    return chat


def with_chats_moved(config: Config, moves: Mapping[int, int]) -> Config:
    """The config with each moved chat id replaced, in the departments and as the
    managers' chat (see :func:`moved_chat`)."""

    def moved(chat: int | None) -> int | None:
        return None if chat is None else moved_chat(moves, chat)

    departments = tuple(replace(d, chat=moved(d.chat)) for d in config.departments)
    telegram = replace(config.telegram, managers_chat=moved(config.telegram.managers_chat))
    return replace(config, departments=departments, telegram=telegram)


def example_chats(config: Config) -> list[tuple[str, int]]:
    """``(key, value)`` of every chat id still at the example's placeholder."""
    found: list[tuple[str, int]] = []
    managers = config.telegram.managers_chat
    if managers in EXAMPLE_CHAT_IDS:
        found.append(("telegram.managers_chat", managers))
    for d in config.departments:
        if d.chat in EXAMPLE_CHAT_IDS:
            found.append((f"department {d.name!r}.chat", d.chat))
    return found


def example_admins(config: Config) -> list[int]:
    """The example's placeholder user ids still in ``telegram.admins``."""
    return [user for user in config.telegram.admins if user in EXAMPLE_USER_IDS]


# route()'s answers by (departments, extension, line): an import asks for every missed
# call, and a call log has few extensions and lines. Each entry keeps its departments, so
# an id reused by another tuple is never mistaken for them; cleared when it grows past.
_ROUTES: dict[tuple[int, str, str], tuple[tuple[Department, ...], Department | None]] = {}
_ROUTES_MAX = 4096


def route(departments: tuple[Department, ...], extension: str, line: str) -> Department | None:
    """The department a missed call belongs to: extension first, then CO line, then default."""
    key = (id(departments), extension, line)
    known = _ROUTES.get(key)
    if known is not None and known[0] is departments:
        return known[1]
    found = _route(departments, extension, line)
    if len(_ROUTES) >= _ROUTES_MAX:
        _ROUTES.clear()
    _ROUTES[key] = (departments, found)
    return found


def _route(departments: tuple[Department, ...], extension: str, line: str) -> Department | None:
    for department in departments:
        if department.matches_extension(extension):
            return department
    for department in departments:
        if line and department.matches_line(line):
            return department
    return next((d for d in departments if d.default), None)


def load_config(path: str | Path) -> Config:
    path = Path(path)
    # Until the file is parsed it has not said which language the office reads.
    language = DEFAULT_LANGUAGE

    def error_of(problem: str) -> ConfigError:
        return ConfigError([problem], str(path), language)

    if not path.exists():
        raise error_of(tr(language, "config_file_not_found", path=path, name=path.name))
    if path.is_dir():
        # The file meant is most likely the one the message names: it may say the language.
        file = path / "perezvon.toml"
        language = file_language(file)
        raise error_of(tr(language, "config_is_folder", path=path, file=file))
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        language = file_language(path)  # its `language = "en"` line is ASCII all the same
        raise error_of(tr(language, "config_not_utf8")) from None
    except OSError as error:
        raise error_of(tr(language, "config_unreadable", error=error.strerror or error)) from None
    except tomllib.TOMLDecodeError as error:
        language = said_language(text)
        problem = tr(language, "config_toml_bad", error=error)
        raise error_of(problem + _toml_hint(text, error, language)) from None
    return parse_config(data, base_dir=path.resolve().parent, source=str(path), config_path=path)


_OFFSET_ZONE = re.compile(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::00)?", re.IGNORECASE)


def zone_meant(text: str) -> str | None:
    """The tz database name a mistyped ``timezone`` most likely means: the same name in
    another case ("europe/riga"), the zone of an offset ("UTC+3" is "Etc/GMT-3": the
    database's sign is the other way round), or the closest name ("Europe/Rigaa")."""
    from zoneinfo import available_timezones

    zones = available_timezones()
    by_lower = {zone.lower(): zone for zone in zones}
    if text.lower() in by_lower:
        return by_lower[text.lower()]
    offset = _OFFSET_ZONE.fullmatch(text)
    if offset is not None and int(offset[2]) <= 14:
        hours = int(offset[2])
        name = "Etc/GMT" if hours == 0 else f"Etc/GMT{'-' if offset[1] == '+' else '+'}{hours}"
        return name if name in zones else None
    close = difflib.get_close_matches(text.lower(), list(by_lower), n=1, cutoff=0.8)
    return by_lower[close[0]] if close else None


def parse_config(
    data: dict[str, Any],
    *,
    base_dir: Path,
    source: str = "config",
    config_path: Path | None = None,
) -> Config:
    told_in = problems_language(data)
    problems: list[str] = unknown_keys(data, told_in)
    check = _Checker(problems, told_in)

    language = check.choice(data, "language", LANGUAGES, "ru")
    timezone = check.string(data, "timezone", "Europe/Moscow")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        meant = zone_meant(timezone)
        key = "config_timezone_unknown"
        if meant is not None:
            key = "config_timezone_offset" if meant.startswith("Etc/") else "config_timezone_meant"
        problems.append(tr(told_in, key, value=repr(timezone), meant=repr(meant)))

    src = check.table(data, "source")
    source_path = check.string(src, "path", DEFAULT_DBF_PATH, where="source")
    source_cfg = SourceConfig(
        path=_resolve(base_dir, source_path),
        encoding=check.encoding(src.get("encoding", "auto")),
        poll_interval=check.number(src, "poll_interval", 0.0, where="source", minimum=0),
        settle_seconds=check.number(src, "settle_seconds", 30.0, where="source", minimum=0),
        fields=_field_names(src.get("fields", {}), check),
    )

    db = check.table(data, "database")
    db_path = check.string(db, "path", "perezvon.db", where="database")
    database_path = _resolve(base_dir, db_path)
    for key, value in (("source.path", source_path), ("database.path", db_path)):
        problem = _path_problem(key, value, told_in)
        if problem is not None:
            problems.append(problem)

    rules = check.table(data, "rules")
    contacts = rules.get("contacts_csv")
    if contacts is not None and not isinstance(contacts, str):
        problems.append(tr(told_in, "config_contacts_path"))
        contacts = None
    if contacts:
        problem = _path_problem("rules.contacts_csv", contacts, told_in)
        if problem is not None:
            problems.append(problem)
    rules_cfg = RulesConfig(
        callback_min_seconds=int(
            check.number(rules, "callback_min_seconds", 5, where="rules", minimum=0)
        ),
        employee_numbers=_employee_numbers(rules, check),
        contacts_csv=_resolve(base_dir, contacts) if contacts else None,
        callback_sla_minutes=int(
            check.number(rules, "callback_sla_minutes", 30, where="rules", minimum=1)
        ),
        min_ring_seconds=int(check.number(rules, "min_ring_seconds", 0, where="rules", minimum=0)),
        remind_after_minutes=int(
            check.number(rules, "remind_after_minutes", 20, where="rules", minimum=0)
        ),
        escalate_after_minutes=int(
            check.number(rules, "escalate_after_minutes", 60, where="rules", minimum=0)
        ),
        answer_target_seconds=int(
            check.number(rules, "answer_target_seconds", 20, where="rules", minimum=1)
        ),
    )

    tg = check.table(data, "telegram")
    telegram_cfg = TelegramConfig(
        managers_chat=check.chat_id(tg, "managers_chat", where="telegram"),
        admins=tuple(check.ints(tg, "admins", where="telegram")),
        daily_summary=check.clock(tg, "daily_summary", "09:00", where="telegram"),
        weekly_summary=check.weekly(tg, "weekly_summary", "mon 09:00", where="telegram"),
    )

    departments = _departments(data.get("department", []), check)
    notes: list[str] = []
    hours = _hours(data.get("hours"), check, notes)
    if not any(problem.startswith("timezone:") for problem in problems):
        hours = replace(hours, zone=ZoneInfo(timezone))  # office time is real time
    operators = _operators(data.get("operators", {}), check)
    logging_cfg = _logging(check.table(data, "logging"), base_dir, check)

    if problems:
        raise ConfigError(problems, source, told_in)
    return Config(
        source=source_cfg,
        database_path=database_path,
        language=language,
        timezone=timezone,
        rules=rules_cfg,
        telegram=telegram_cfg,
        departments=departments,
        hours=hours,
        operators=operators,
        config_path=config_path,
        logging=logging_cfg,
        notes=tuple(notes),
    )


DAY_NAMES = {
    **{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: n for n, name in enumerate(("пн", "вт", "ср", "чт", "пт", "сб", "вс"))},
}


def _hours(raw: Any, check: _Checker, notes: list[str]) -> OfficeHours:
    """``[hours]``; without the table the office is always open."""
    problems, language = check.problems, check.language
    if raw is None:
        return OfficeHours()
    if not isinstance(raw, dict):
        problems.append(tr(language, "config_not_table", key="hours"))
        return OfficeHours()
    days: set[int] = set()
    names = raw.get("days", ["mon", "tue", "wed", "thu", "fri"])
    if not isinstance(names, list) or not names:
        problems.append(tr(language, "config_hours_days_list"))
        names = []
    for name in names:
        number = DAY_NAMES.get(str(name).strip().lower())
        if number is None:
            problems.append(tr(language, "config_hours_day_bad", value=repr(name)))
        else:
            days.add(number)
    opening = _minute(raw, "open", "09:00", check)
    closing = _minute(raw, "close", "18:00", check)
    if closing <= opening:
        problems.append(
            tr(
                language,
                "config_hours_close_before_open",
                close=raw.get("close"),
                open=raw.get("open"),
            )
        )
    holidays = _dates(raw.get("holidays", []), "hours.holidays", check, notes)
    extra = _dates(raw.get("extra_workdays", []), "hours.extra_workdays", check, notes)
    for day in sorted(holidays & extra):
        problems.append(tr(language, "config_hours_both", day=day))
    weekday_names = tr(language, "weekdays_short").split(",")
    for day in sorted(extra - holidays):
        if day.weekday() in days:
            weekday = weekday_names[day.weekday()]
            notes.append(tr(language, "config_extra_workday_anyway", day=day, weekday=weekday))
    short = _dates(raw.get("short_days", []), "hours.short_days", check, notes)
    for day in sorted(short):
        working = day in extra or (day.weekday() in days and day not in holidays)
        if not working:
            weekday = weekday_names[day.weekday()]
            notes.append(tr(language, "config_short_day_closed", day=day, weekday=weekday))
    after = raw.get("after_hours", AfterHours.DIGEST)
    if after not in tuple(AfterHours):
        problems.append(tr(language, "config_hours_after_hours", value=repr(after)))
        after = AfterHours.DIGEST
    return OfficeHours(
        days=frozenset(days),
        open_minute=opening,
        close_minute=closing,
        holidays=frozenset(holidays),
        extra_workdays=frozenset(extra),
        after_hours=AfterHours(after),
        short_days=frozenset(short),
    )


def _minute(raw: dict[str, Any], key: str, default: str, check: _Checker) -> int:
    value = raw.get(key, default)
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    minute = parse_clock(value) if isinstance(value, str) else None
    if minute is None:
        check.problems.append(
            tr(
                check.language,
                "config_time_bad",
                key=f"hours.{key}",
                example=default,
                value=repr(value),
            )
        )
        minute = parse_clock(default)
        assert minute is not None
    return min(minute, MINUTES_PER_DAY)


def _dates(raw: Any, where: str, check: _Checker, notes: list[str]) -> set[date]:
    """Dates and ``"YYYY-MM-DD..YYYY-MM-DD"`` ranges (both days included). A mistake is
    told with the line to write instead where one can be read from it: 31.12.2026, a
    range joined by a dash, one typed backwards. An item repeating days of earlier ones
    is a note (harmless, but perhaps a typo)."""
    if not isinstance(raw, list):
        raw = [raw]
    days: set[date] = set()
    language = check.language
    for item in raw:
        if isinstance(item, datetime):  # a TOML date-time: its day
            item = item.date()
        if isinstance(item, date):
            _note_repeats(where, str(item), {item}, days, notes, language)
            days.add(item)
            continue
        text = str(item).strip()
        first, sep, last = text.partition("..")
        parts = [first.strip(), last.strip()] if sep else [first.strip()]
        missing = next((p for p in parts if _ISO_DAY.fullmatch(p) and _iso(p) is None), None)
        if missing is not None:
            problem = tr(language, "config_date_no_such_day", key=where, value=repr(missing))
            check.problems.append(problem)
            continue
        read = [_iso(p) for p in parts]
        if None in read:
            problem = tr(language, "config_date_bad", key=where, value=repr(item))
            fix = _date_fix(text)
            several = [_date_fix(part.strip()) for part in re.split(r"[,;]", text)]
            if fix is not None:
                problem += tr(language, "config_date_fix", fix=fix)
            elif len(several) > 1 and None not in several:
                listed = ", ".join(f'"{part}"' for part in several)
                problem += tr(language, "config_dates_fix_list", fix=f"[{listed}]")
            check.problems.append(problem)
            continue
        low, high = read[0], read[-1]
        assert low is not None and high is not None
        if high < low:
            problem = tr(language, "config_range_backwards", key=where, value=repr(text))
            check.problems.append(problem + tr(language, "config_date_fix", fix=f"{high}..{low}"))
            continue
        if (high - low).days > 366:
            check.problems.append(
                tr(language, "config_range_too_long", key=where, value=repr(text))
            )
            continue
        these = {low + timedelta(days=n) for n in range((high - low).days + 1)}
        _note_repeats(where, text, these, days, notes, language)
        days.update(these)
    return days


def _note_repeats(
    where: str, text: str, these: set[date], before: set[date], notes: list[str], language: str
) -> None:
    """A note when ``these`` days (of the item ``text``) were listed already."""
    repeated = these & before
    if not repeated:
        return
    low, high = min(repeated), max(repeated)
    span = str(low) if low == high else f"{low}..{high}"
    notes.append(tr(language, "config_dates_repeated", key=where, value=repr(text), days=span))


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DOTTED_DAY = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
# The ways a range is mistyped: a dash or an en/em dash between two days, with or
# without spaces (an ISO day has dashes of its own, so a plain dash needs both days).
_DAY = r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4})"
_MISTYPED_RANGE = re.compile(rf"({_DAY})\s*(?:\.\.|\s-\s|-|–|—)\s*({_DAY})")


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if _ISO_DAY.fullmatch(text) else None
    except ValueError:
        return None


def _day_written(text: str) -> date | None:
    """An ISO day or a Russian ``31.12.2026``; None for anything else."""
    dotted = _DOTTED_DAY.fullmatch(text)
    if dotted is None:
        return _iso(text)
    day, month, year = (int(g) for g in dotted.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_fix(text: str) -> str | None:
    """The ISO form of a day or range written otherwise, for the message; None when
    it cannot be read as one."""
    single = _day_written(text)
    if single is not None:
        return single.isoformat()
    found = _MISTYPED_RANGE.fullmatch(text)
    if found is None:
        return None
    low, high = _day_written(found.group(1)), _day_written(found.group(2))
    if low is None or high is None:
        return None
    return f"{min(low, high)}..{max(low, high)}"


def _employee_numbers(rules: dict[str, Any], check: _Checker) -> tuple[str, ...]:
    """rules.employee_numbers: phone numbers, each one a number a call can come from."""
    from watcher.phones import phone_key

    numbers = tuple(check.strings(rules, "employee_numbers", where="rules"))
    for number in numbers:
        if re.search(r"[,;]", number):  # "+7999…, 8916…": one key of the digits of both
            parts = ", ".join(f'"{part.strip()}"' for part in re.split(r"[,;]", number))
            check.say("config_employee_numbers_joined", value=repr(number), parts=parts)
        elif phone_key(number) is None:
            check.problems.append(
                tr(check.language, "config_employee_number_bad", value=repr(number))
            )
    return numbers


def _operators(raw: Any, check: _Checker) -> tuple[tuple[str, int], ...]:
    """``[operators]``: ``"201" = 111111111`` (extension = Telegram user id)."""
    problems, language = check.problems, check.language
    if not isinstance(raw, dict):
        problems.append(tr(language, "config_operators_table"))
        return ()
    links: list[tuple[str, int]] = []
    for extension, user in raw.items():
        if not _EXTENSION.match(str(extension).strip()):
            problems.append(
                tr(language, "config_operator_key", extension=extension, user=repr(user))
            )
            continue
        try:
            user_id = _as_int(user)
        except ValueError:
            problems.append(
                tr(language, "config_operator_user", extension=extension, user=repr(user))
            )
            continue
        if user_id <= 0:  # a chat's id pasted where a person's belongs
            problems.append(
                tr(language, "config_operator_chat_id", extension=extension, user=user_id)
            )
            continue
        links.append((str(extension).strip(), user_id))
    return tuple(links)


def _departments(raw: Any, check: _Checker) -> tuple[Department, ...]:
    problems, language = check.problems, check.language
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(tr(language, "config_departments_shape"))
        return ()
    if not raw:
        problems.append(tr(language, "config_departments_none"))
        return ()
    result: list[Department] = []
    for number, item in enumerate(raw, start=1):
        where = f"department #{number}"
        if not isinstance(item, dict):
            problems.append(tr(language, "config_department_not_table", key=where))
            continue
        name = check.string(item, "name", "", where=where)
        if not name:
            problems.append(tr(language, "config_department_name_required", key=where))
        where = f"department {name!r}" if name else where
        told = len(problems)  # this department's own problems come after
        patterns = []
        for written, pattern in _extension_patterns(check.strings(item, "extensions", where)):
            low_high = pattern_range(pattern) if pattern is not None else None
            if pattern is None:
                problems.append(
                    tr(
                        language,
                        "config_extension_bad",
                        key=f"{where}.extensions",
                        pattern=repr(written),
                    )
                )
            elif low_high is not None and low_high[0] > low_high[1]:
                problems.append(
                    tr(
                        language,
                        "config_range_backwards",
                        key=f"{where}.extensions",
                        value=repr(written),
                    )
                )
            else:
                patterns.append(pattern)
        lines = tuple(_split_commas(check.strings(item, "lines", where=where)))
        for line in lines:
            if "-" in line:  # CO lines are codes, not numbers to span
                problems.append(
                    tr(language, "config_line_range", key=f"{where}.lines", value=repr(line))
                )
        default = check.boolean(item, "default", False, where=where)
        if not patterns and not lines and not default and len(problems) == told:
            problems.append(tr(language, "config_department_catches_nothing", key=where))
        result.append(
            Department(
                name=name,
                chat=check.chat_id(item, "chat", where=where),
                extensions=tuple(patterns),
                lines=lines,
                default=default,
                topic=int(check.number(item, "topic", 0, where=where, minimum=0)),
                ring_timeout_seconds=int(
                    check.number(item, "ring_timeout_seconds", 0, where=where, minimum=0)
                ),
            )
        )
    names = [d.name for d in result]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(tr(language, "config_department_name_twice", name=repr(name)))
    if sum(d.default for d in result) > 1:
        problems.append(tr(language, "config_departments_two_defaults"))
    problems.extend(_shared_extensions(result, language))
    return tuple(result)


def _shared_extensions(departments: list[Department], language: str) -> list[str]:
    """A pattern no call can ever reach: routing takes the first department that matches,
    so numbers an earlier department lists all of are never this one's. An exception
    listed first (250 before 200-299) is how a carve-out is written, and is fine."""
    problems: list[str] = []
    earlier: list[tuple[Department, str, tuple[int, int]]] = []
    named: dict[str, tuple[Department, str]] = {}  # T5, CO1: matched as written only
    for department in departments:
        mine: list[tuple[Department, str, tuple[int, int]]] = []
        for pattern in department.extensions:
            span = _span(pattern)
            if span is None:
                taken = named.setdefault(pattern.upper(), (department, pattern))
                if taken[0] is not department:
                    problems.append(_shadowed(language, taken, department, pattern, pattern))
                continue
            low, high = span
            mine.append((department, pattern, span))
            covering = [item for item in earlier if item[0] is not department]
            if not _covered(low, high, [span for _, _, span in covering]):
                continue
            first, theirs, (their_low, their_high) = next(
                item for item in covering if max(low, item[2][0]) <= min(high, item[2][1])
            )
            shared_low, shared_high = max(low, their_low), min(high, their_high)
            shared = str(shared_low) if shared_low == shared_high else f"{shared_low}-{shared_high}"
            problems.append(_shadowed(language, (first, theirs), department, pattern, shared))
        earlier += mine
    return problems


@dataclass(frozen=True)
class SharedNumbers:
    """Extensions two departments both list, in part only: the first one gets them."""

    first: str
    second: str
    low: int
    high: int


def shared_ranges(departments: tuple[Department, ...]) -> list[SharedNumbers]:
    """Ranges of two departments that overlap without either holding the other (201-209
    and 205-219): legal, since the first in the file wins, but seldom meant. Fully
    shadowed ones are config problems (:func:`_shared_extensions`); a single number inside
    a later range is the carve-out idiom, and is left alone."""
    found: list[SharedNumbers] = []
    spans = [
        (department, span)
        for department in departments
        for pattern in department.extensions
        if (span := pattern_range(pattern)) is not None
    ]
    for index, (first, (a_low, a_high)) in enumerate(spans):
        for second, (b_low, b_high) in spans[index + 1 :]:
            if second is first:
                continue
            low, high = max(a_low, b_low), min(a_high, b_high)
            inside = (a_low <= b_low and b_high <= a_high) or (b_low <= a_low and a_high <= b_high)
            if low <= high and not inside:
                found.append(SharedNumbers(first.name, second.name, low, high))
    return found


def _shadowed(
    language: str, taken: tuple[Department, str], department: Department, pattern: str, shared: str
) -> str:
    first, theirs = taken
    return tr(
        language,
        "config_extensions_shadowed",
        first=repr(first.name),
        pattern=repr(theirs),
        second=repr(department.name),
        other=repr(pattern),
        shared=shared,
    )


def _covered(low: int, high: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``spans`` together cover every number from ``low`` to ``high``."""
    reach = low
    for span_low, span_high in sorted(spans):
        if span_low > reach:
            break
        reach = max(reach, span_high + 1)
        if reach > high:
            return True
    return False


def _span(pattern: str) -> tuple[int, int] | None:
    """The numbers a canonical pattern covers (both ends included); None for one with
    letters other than a group's G (T5, CO1), which matches only as written."""
    low_high = pattern_range(pattern)
    if low_high is not None:
        return low_high
    number = _number_of(pattern)
    return None if number is None else (number, number)


def _split_commas(items: list[str]) -> list[str]:
    """``"630, 210-219"`` is two patterns, in a list or as the whole value."""
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def _extension_patterns(items: list[str]) -> list[tuple[str, str | None]]:
    """Each pattern as written and in its canonical form (``201-209``), None if it is none.

    A pattern that is neither an extension nor a range is refused rather than kept: it
    would match nothing, and that department's missed calls would go to the default one.
    """
    result: list[tuple[str, str | None]] = []
    for written in _split_commas(items):
        found = _RANGE_WRITTEN.match(written)
        if found:
            result.append((written, f"{found.group(1)}-{found.group(2)}"))
        elif _EXTENSION.match(written):
            result.append((written, written))
        else:
            result.append((written, None))
    return result


def pattern_range(pattern: str) -> tuple[int, int] | None:
    """The low and high end of a canonical range pattern; None for a single extension."""
    found = _RANGE.match(pattern)
    return (int(found.group(1)), int(found.group(2))) if found else None


def _logging(table: dict[str, Any], base_dir: Path, check: _Checker) -> LoggingConfig:
    """[logging]; the file sits next to the config unless the path says otherwise."""
    name = check.string(table, "file", "perezvon.log", where="logging")
    problem = _path_problem("logging.file", name, check.language)
    if problem is not None:
        check.problems.append(problem)
    level = check.string(table, "level", "info", where="logging").lower()
    if level not in LOG_LEVELS:
        check.problems.append(
            tr(
                check.language,
                "config_choice_bad",
                key="logging.level",
                options=", ".join(LOG_LEVELS),
                value=repr(level),
            )
        )
        level = "info"
    max_mb = check.number(table, "max_mb", 10.0, where="logging", minimum=0)
    backups = check.number(table, "backups", 5, where="logging", minimum=0)
    if not float(backups).is_integer():
        check.problems.append(tr(check.language, "config_whole_number", key="logging.backups"))
    return LoggingConfig(
        file=_resolve(base_dir, name) if name else None,
        level=level,
        max_mb=float(max_mb),
        backups=int(backups),
    )


def _field_names(raw: Any, check: _Checker) -> dict[str, str]:
    """[source.fields]: role -> field name. Unknown roles are unknown_keys' to report."""
    if not isinstance(raw, dict):
        check.problems.append(
            tr(check.language, "config_fields_table", example=dbf_fields.CALLERID)
        )
        return {}
    result: dict[str, str] = {}
    for role, name in raw.items():
        if role not in dbf_fields.ROLES:
            continue
        if not isinstance(name, str) or not re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]{0,9}\s*", name):
            check.problems.append(
                tr(check.language, "config_field_name_bad", role=role, value=repr(name))
            )
            continue
        result[role] = name.strip().upper()
    return result


# -- unknown keys -----------------------------------------------------------------------

# A node of the key tree: a nested tree (a table), a config dataclass (a table, or an
# array of tables), a tuple (a table with only these keys) or None (a value, not checked).
_Node = Any


def key_tree(cls: type) -> dict[str, _Node]:
    """The keys a TOML table read into dataclass ``cls`` may have, from its fields."""
    hints = typing.get_type_hints(cls)
    tree: dict[str, _Node] = {}
    for spec in dataclasses.fields(cls):
        key = spec.metadata.get(TOML_KEY, spec.name)
        if key is None:
            continue
        node: _Node = None
        if not spec.metadata.get(TOML_FREE):
            node = spec.metadata.get(TOML_KEYS) or _table_class(hints[spec.name])
        *parents, leaf = key.split(".")
        level = tree
        for parent in parents:
            level = level.setdefault(parent, {})
        level[leaf] = node
    return tree


def _table_class(hint: Any) -> type | None:
    """The dataclass behind ``X``, ``X | None`` or ``tuple[X, ...]``, if it is one."""
    wrapped = typing.get_origin(hint) in (types.UnionType, typing.Union, tuple, list)
    for arg in (hint, *(typing.get_args(hint) if wrapped else ())):
        if isinstance(arg, type) and dataclasses.is_dataclass(arg):
            return arg
    return None


def _subtree(node: _Node) -> dict[str, _Node]:
    if isinstance(node, dict):
        return node
    if isinstance(node, tuple):
        return dict.fromkeys(node)
    return key_tree(node)


def unknown_keys(data: Mapping[str, Any], language: str = DEFAULT_LANGUAGE) -> list[str]:
    """A problem for every key and table the config does not know, with a guess.

    A typo must not pass as a default: ``defualt = true`` would leave no default
    department, ``[sourse]`` would read the standard path. Keys of the contract that this
    version does not implement get a message of their own (NOT_YET).
    """
    problems: list[str] = []
    _walk(data, key_tree(Config), "", "", problems, language)
    return problems


def _walk(
    data: Mapping[str, Any],
    tree: dict[str, _Node],
    schema: str,
    where: str,
    problems: list[str],
    language: str,
) -> None:
    for key, value in data.items():
        path = f"{schema}.{key}" if schema else key
        shown = f"{where}.{key}" if where else key
        if key not in tree:
            problems.append(_unknown(key, value, tree, path, shown, where, language))
            continue
        node = tree[key]
        if node is None:
            continue
        if isinstance(value, dict):
            _walk(value, _subtree(node), path, shown, problems, language)
        elif isinstance(value, list) and not isinstance(node, dict | tuple):
            for number, item in enumerate(value, start=1):
                if isinstance(item, dict):
                    label = _item_label(shown, number, item)
                    _walk(item, _subtree(node), path, label, problems, language)


def _item_label(where: str, number: int, item: Mapping[str, Any]) -> str:
    """``department 'Sales'``, or ``department #2`` for one without a name."""
    name = item.get("name")
    if isinstance(name, str) and name.strip():
        return f"{where} {name.strip()!r}"
    return f"{where} #{number}"


def _nested(node: _Node) -> dict[str, _Node]:
    """The keys under a node that is a table; none for a plain key."""
    if isinstance(node, dict | tuple) or (
        isinstance(node, type) and dataclasses.is_dataclass(node)
    ):
        return _subtree(node)
    return {}


def _home_table(key: str) -> str | None:
    """The table a key belongs in, when it is a key of one ([telegram] for admins):
    TOML gives each line to the last header above it, so a line added at the end of
    the file lands in the last [[department]]."""
    homes = [
        name for name, node in key_tree(Config).items() if node is not None and key in _nested(node)
    ]
    return f"[{homes[0]}]" if len(homes) == 1 else None


def _unknown(
    key: str,
    value: Any,
    tree: dict[str, _Node],
    path: str,
    shown: str,
    where: str,
    language: str,
) -> str:
    """The message for one unknown key: a table is shown as written, ``[x]`` or ``[[x]]``."""
    tables = isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    table = isinstance(value, dict) or tables
    left, right = ("[[", "]]") if tables else ("[", "]") if table else ("", "")
    if path in NOT_YET:
        return tr(language, "config_not_yet", key=f"{left}{shown}{right}")
    by_lower = {name.lower(): name for name in tree}
    found = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    known = ", ".join(tree)
    if not found and table and not where:
        # [fields] for [source.fields]: a table of one of the top-level tables, put at the top.
        parent = next(
            (name for name, node in tree.items() if node is not None and key in _nested(node)),
            None,
        )
        if parent is not None:
            return tr(
                language,
                "config_unknown_table_guess",
                key=f"{left}{shown}{right}",
                guess=f"{left}{parent}.{key}{right}",
            )
    if not found:
        if table:
            return tr(language, "config_unknown_table", key=f"{left}{shown}{right}", known=known)
        home = _home_table(key)
        if home is not None:
            return tr(language, "config_key_elsewhere", key=shown, table=home)
        return tr(language, "config_unknown_key", key=shown, known=known)
    guess = by_lower[found[0]]
    if table:
        guess = f"{where}.{guess}" if where else guess
        return tr(
            language,
            "config_unknown_table_guess",
            key=f"{left}{shown}{right}",
            guess=f"{left}{guess}{right}",
        )
    return tr(language, "config_unknown_key_guess", key=shown, guess=guess)


def _windows_paths(language: str) -> str:
    """How to write a Windows path, after a problem that a path in double quotes made."""
    return "; " + tr(language, "config_windows_paths")


# A value TOML cannot read as a number, a date, true/false, a list or a table: text
# (or a time) written without its quotes, as in ``open = 09:00`` or ``name = Отдел``.
_BARE_VALUE = re.compile(r"^\s*[\w.\"'-]+\s*=\s*(?![\"'\[{]|[-+]?\d+\s*(#.*)?$|true\b|false\b)\S")


def _toml_hint(text: str, error: tomllib.TOMLDecodeError, language: str) -> str:
    """The line TOML stopped at, and the usual fix for what is wrong with it: parser
    text ("Invalid value (at line 67, column 8)") says neither."""
    message = str(error)
    lines = text.splitlines()
    found = re.search(r"at line (\d+)", message)
    at_end = found is None and "end of document" in message
    if found is not None:
        number = int(found.group(1))
    elif at_end and lines:
        number = len(lines)
    else:
        return ""
    # A list left open is told where TOML noticed (the next line, the file's end): the
    # list's own line is the last one above that opens a [ it does not close.
    unclosed = "Unclosed array" in message or at_end
    if unclosed:
        opened = [n for n in range(min(number, len(lines)), 0, -1) if _opens_list(lines[n - 1])]
        if opened:
            number, unclosed = opened[0], True
        else:
            unclosed = "Unclosed array" in message
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    shown = tr(language, "config_toml_line", number=number, line=line.strip()[:120])
    if "\\" in line and '"' in line:
        return shown + _windows_paths(language)
    twice = "overwrite" in message or "declare" in message.lower()
    if twice and line.strip() == "[department]":
        return shown + "; " + tr(language, "config_toml_table_twice", table=line.strip())
    if twice and line.strip().startswith("["):
        return shown + "; " + tr(language, "config_toml_table_again", table=line.strip())
    if unclosed:
        return shown + "; " + tr(language, "config_toml_unclosed_list")
    code = _code_of(line)  # a comment's apostrophes are no quotes
    if code.count('"') % 2 or code.count("'") % 2:
        return shown + "; " + tr(language, "config_toml_unclosed_quote")
    if _BARE_VALUE.match(code):
        return shown + "; " + tr(language, "config_toml_quotes")
    return shown


def _code_of(line: str) -> str:
    """A TOML line without its comment (a # inside a string is rare in a config)."""
    return line.split("#")[0]


def _opens_list(line: str) -> bool:
    code = _code_of(line)
    return code.count("[") > code.count("]")


def _path_problem(key: str, value: str, language: str) -> str | None:
    """A control character in a path is a backslash TOML took for an escape (\\n, \\t);
    quotes around it inside the string are Explorer's "Copy as path" pasted in whole (no
    file name starts and ends with a quote: Windows forbids ``"`` in names)."""
    if any(ord(char) < 32 for char in value):
        problem = tr(language, "config_path_control", key=key, value=repr(value))
        return problem + _windows_paths(language)
    if len(value) >= 2 and value[0] in _QUOTES and value[-1] in _QUOTES:
        name = key.rpartition(".")[2]
        return tr(
            language, "config_path_quoted", key=key, key_name=name, value=value, bare=value[1:-1]
        )
    return None


_QUOTES = "\"'«»“”„"


def _resolve(base_dir: Path, value: str) -> Path:
    path = Path(value).expanduser()
    # A Windows drive path stays as written even when the service runs elsewhere.
    if path.is_absolute() or re.match(r"^[A-Za-z]:[\\/]", value):
        return path
    return base_dir / path


class _Checker:
    """Typed getters that record a readable problem, in ``language``, instead of raising;
    the helpers of :func:`parse_config` add theirs to ``problems`` in it too."""

    def __init__(self, problems: list[str], language: str) -> None:
        self.problems = problems
        self.language = language

    def say(self, text: str, /, **values: object) -> None:
        """A problem from the catalog, in the language the file's problems are told in."""
        self.problems.append(tr(self.language, text, **values))

    def _key(self, where: str | None, key: str) -> str:
        return f"{where}.{key}" if where else key

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.say("config_not_table", key=key)
            return {}
        return value

    def string(self, data: dict[str, Any], key: str, default: str, where: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            self.say("config_text_required", key=self._key(where, key))
            return default
        return value.strip()

    def choice(self, data: dict[str, Any], key: str, options: tuple[str, ...], default: str) -> str:
        value = self.string(data, key, default)
        if value not in options:
            self.say("config_choice_bad", key=key, options=", ".join(options), value=repr(value))
            return default
        return value

    def encoding(self, value: Any) -> str:
        import codecs

        if not isinstance(value, str):
            self.say("config_encoding_text")
            return "auto"
        if value == "auto":
            return value
        try:
            codecs.lookup(value)
        except LookupError:
            self.say("config_encoding_unknown", value=repr(value))
            return "auto"
        return value

    def number(
        self,
        data: dict[str, Any],
        key: str,
        default: float,
        where: str | None = None,
        minimum: float | None = None,
    ) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.say("config_number_bad", key=self._key(where, key), value=repr(value))
            return default
        if minimum is not None and value < minimum:
            self.say("config_number_min", key=self._key(where, key), minimum=minimum)
            return default
        return value

    def boolean(self, data: dict[str, Any], key: str, default: bool, where: str) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.say("config_bool_bad", key=f"{where}.{key}")
            return default
        return value

    def strings(self, data: dict[str, Any], key: str, where: str) -> list[str]:
        value = data.get(key, [])
        if isinstance(value, str | int):
            value = [value]
        if not isinstance(value, list):
            self.say("config_list_bad", key=f"{where}.{key}")
            return []
        result = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.say("config_item_not_text", key=f"{where}.{key}", value=repr(item))
                continue
            result.append(str(item).strip())
        return result

    def ints(self, data: dict[str, Any], key: str, where: str) -> list[int]:
        value = data.get(key, [])
        if not isinstance(value, list):
            value = [value]
        result = []
        for item in value:
            try:
                result.append(_as_int(item))
            except ValueError:
                self.say("config_user_id_bad", key=f"{where}.{key}", value=repr(item))
        return result

    def chat_id(self, data: dict[str, Any], key: str, where: str) -> int | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        try:
            chat = _as_int(value)
        except ValueError:
            self.say("config_chat_id_bad", key=f"{where}.{key}", value=repr(value))
            return None
        if chat == 0:  # no chat has it: a placeholder, which would pass for a real chat
            self.say("config_chat_id_zero", key=f"{where}.{key}")
            return None
        if SUPERGROUP_WITHOUT_MINUS.fullmatch(str(chat)):  # -1001234567890 typed without "-"
            self.say("config_chat_id_minus", key=f"{where}.{key}", value=chat)
            return None
        return chat

    def clock(self, data: dict[str, Any], key: str, default: str, where: str) -> time | None:
        value = data.get(key, default)
        if value in ("", False, None):
            return None
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            found = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", value)
            if found and int(found.group(1)) < 24 and int(found.group(2)) < 60:
                return time(int(found.group(1)), int(found.group(2)))
        self.say("config_time_bad", key=f"{where}.{key}", example="09:00", value=repr(value))
        return None

    def weekly(self, data: dict[str, Any], key: str, default: str, where: str) -> Weekly | None:
        value = data.get(key, default)
        if value in ("", False, None):
            return None
        if isinstance(value, str):
            day, _, clock = value.strip().lower().partition(" ")
            found = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", clock)
            if day in WEEKDAYS and found:
                hour, minute = int(found.group(1)), int(found.group(2))
                if hour < 24 and minute < 60:
                    return Weekly(WEEKDAYS[day], time(hour, minute))
        self.say("config_weekly_bad", key=f"{where}.{key}", value=repr(value))
        return None


# A supergroup's id is -100 and ten digits; the same digits without the minus are a
# user id no Telegram account has yet, so they can only be the group's with "-" lost.
SUPERGROUP_WITHOUT_MINUS = re.compile(r"100\d{10}")


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r"^\s*-?\d+\s*$", value):
        return int(value)
    raise ValueError(value)
