"""The TOML config (``perezvon.toml``): parsed once, validated with messages a person can act on.

Every problem is collected, not just the first, so an admin fixes the file in one go.
Relative paths are taken from the config file's folder, because the service on Windows
is usually started from somewhere else.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from watcher.hours import MINUTES_PER_DAY, OfficeHours, parse_clock
from watcher.vocab import AfterHours

LANGUAGES = ("ru", "en")
DEFAULT_DBF_PATH = "C:/Program Files/WinTariff32/Calls/Calls.dbf"
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


class ConfigError(Exception):
    """One or more problems in the config; ``problems`` holds a line for each."""

    def __init__(self, problems: list[str], source: str = "config") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(problems))

    def __str__(self) -> str:
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"Problems in {self.source}:\n{lines}"


@dataclass(frozen=True)
class SourceConfig:
    path: Path
    encoding: str = "auto"
    poll_interval: float = 0.0
    settle_seconds: float = 30.0


@dataclass(frozen=True)
class RulesConfig:
    callback_min_seconds: int = 5
    employee_numbers: tuple[str, ...] = ()
    contacts_csv: Path | None = None
    callback_sla_minutes: int = 30
    min_ring_seconds: int = 0
    remind_after_minutes: int = 20
    escalate_after_minutes: int = 60


@dataclass(frozen=True)
class TelegramConfig:
    managers_chat: int | None = None
    admins: tuple[int, ...] = ()
    daily_summary: time | None = time(9, 0)


@dataclass(frozen=True)
class Department:
    name: str
    chat: int | None
    extensions: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    default: bool = False
    topic: int = 0  # forum topic (message_thread_id) in ``chat``; 0 = none

    def matches_extension(self, extension: str) -> bool:
        return any(_matches(pattern, extension) for pattern in self.extensions)

    def matches_line(self, line: str) -> bool:
        return any(_same_line(pattern, line) for pattern in self.lines)


@dataclass(frozen=True)
class Config:
    source: SourceConfig
    database_path: Path
    language: str = "ru"
    timezone: str = "Europe/Moscow"
    rules: RulesConfig = field(default_factory=RulesConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    departments: tuple[Department, ...] = ()
    hours: OfficeHours = field(default_factory=OfficeHours)
    # Extension -> Telegram user id, from [operators]; /me adds links in the ledger.
    operators: tuple[tuple[str, int], ...] = ()
    config_path: Path | None = None

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
    if found:
        if not extension.isdigit():
            return False
        low, high = int(found.group(1)), int(found.group(2))
        return low <= int(extension) <= high
    return pattern.strip() == extension


def _same_line(pattern: str, line: str) -> bool:
    a, b = pattern.strip(), line.strip()
    if a.isdigit() and b.isdigit():
        return int(a) == int(b)
    return a == b


def route(departments: tuple[Department, ...], extension: str, line: str) -> Department | None:
    """The department a missed call belongs to: extension first, then CO line, then default."""
    for department in departments:
        if department.matches_extension(extension):
            return department
    for department in departments:
        if line and department.matches_line(line):
            return department
    return next((d for d in departments if d.default), None)


def load_config(path: str | Path) -> Config:
    path = Path(path)
    if not path.exists():
        raise ConfigError(
            [f"file not found: {path} (copy perezvon.example.toml to {path.name} and edit it)"],
            str(path),
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(["the file is not UTF-8 text; save it as UTF-8"], str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"not valid TOML: {error}"], str(path)) from None
    return parse_config(data, base_dir=path.resolve().parent, source=str(path), config_path=path)


def parse_config(
    data: dict[str, Any],
    *,
    base_dir: Path,
    source: str = "config",
    config_path: Path | None = None,
) -> Config:
    problems: list[str] = []
    check = _Checker(problems)

    language = check.choice(data, "language", LANGUAGES, "ru")
    timezone = check.string(data, "timezone", "Europe/Moscow")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone: unknown time zone {timezone!r} (e.g. 'Europe/Moscow')")

    src = check.table(data, "source")
    source_cfg = SourceConfig(
        path=_resolve(base_dir, check.string(src, "path", DEFAULT_DBF_PATH, where="source")),
        encoding=check.encoding(src.get("encoding", "auto")),
        poll_interval=check.number(src, "poll_interval", 0.0, where="source", minimum=0),
        settle_seconds=check.number(src, "settle_seconds", 30.0, where="source", minimum=0),
    )

    db = check.table(data, "database")
    database_path = _resolve(base_dir, check.string(db, "path", "perezvon.db", where="database"))

    rules = check.table(data, "rules")
    contacts = rules.get("contacts_csv")
    if contacts is not None and not isinstance(contacts, str):
        problems.append("rules.contacts_csv: must be a path in quotes")
        contacts = None
    rules_cfg = RulesConfig(
        callback_min_seconds=int(
            check.number(rules, "callback_min_seconds", 5, where="rules", minimum=0)
        ),
        employee_numbers=tuple(check.strings(rules, "employee_numbers", where="rules")),
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
    )

    tg = check.table(data, "telegram")
    telegram_cfg = TelegramConfig(
        managers_chat=check.chat_id(tg, "managers_chat", where="telegram"),
        admins=tuple(check.ints(tg, "admins", where="telegram")),
        daily_summary=check.clock(tg, "daily_summary", "09:00", where="telegram"),
    )

    departments = _departments(data.get("department", []), problems)
    hours = _hours(data.get("hours"), problems)
    operators = _operators(data.get("operators", {}), problems)

    if problems:
        raise ConfigError(problems, source)
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
    )


DAY_NAMES = {
    **{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: n for n, name in enumerate(("пн", "вт", "ср", "чт", "пт", "сб", "вс"))},
}


def _hours(raw: Any, problems: list[str]) -> OfficeHours:
    """``[hours]``; without the table the office is always open."""
    if raw is None:
        return OfficeHours()
    if not isinstance(raw, dict):
        problems.append("[hours] must be a table")
        return OfficeHours()
    days: set[int] = set()
    names = raw.get("days", ["mon", "tue", "wed", "thu", "fri"])
    if not isinstance(names, list) or not names:
        problems.append('hours.days: must be a list like ["mon", "tue", "wed", "thu", "fri"]')
        names = []
    for name in names:
        number = DAY_NAMES.get(str(name).strip().lower())
        if number is None:
            problems.append(
                f"hours.days: {name!r} is not a day (mon, tue, wed, thu, fri, sat, sun)"
            )
        else:
            days.add(number)
    opening = _minute(raw, "open", "09:00", problems)
    closing = _minute(raw, "close", "18:00", problems)
    if closing <= opening:
        problems.append(f"hours: close ({raw.get('close')}) must be after open ({raw.get('open')})")
    holidays = _dates(raw.get("holidays", []), "hours.holidays", problems)
    extra = _dates(raw.get("extra_workdays", []), "hours.extra_workdays", problems)
    for day in sorted(holidays & extra):
        problems.append(f"hours: {day} is both a holiday and an extra working day")
    after = raw.get("after_hours", AfterHours.DIGEST)
    if after not in tuple(AfterHours):
        problems.append(f'hours.after_hours: must be "digest" or "post", not {after!r}')
        after = AfterHours.DIGEST
    return OfficeHours(
        days=frozenset(days),
        open_minute=opening,
        close_minute=closing,
        holidays=frozenset(holidays),
        extra_workdays=frozenset(extra),
        after_hours=AfterHours(after),
    )


def _minute(raw: dict[str, Any], key: str, default: str, problems: list[str]) -> int:
    value = raw.get(key, default)
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    minute = parse_clock(value) if isinstance(value, str) else None
    if minute is None:
        problems.append(f'hours.{key}: must be a time like "{default}", not {value!r}')
        minute = parse_clock(default)
        assert minute is not None
    return min(minute, MINUTES_PER_DAY)


def _dates(raw: Any, where: str, problems: list[str]) -> set[date]:
    """Dates and ``"YYYY-MM-DD..YYYY-MM-DD"`` ranges (both days included)."""
    if not isinstance(raw, list):
        raw = [raw]
    days: set[date] = set()
    for item in raw:
        if isinstance(item, date):
            days.add(item)
            continue
        text = str(item).strip()
        first, sep, last = text.partition("..")
        try:
            low = date.fromisoformat(first.strip())
            high = date.fromisoformat(last.strip()) if sep else low
        except ValueError:
            problems.append(
                f'{where}: {item!r} is not a date like "2026-12-31" or a range'
                ' like "2027-01-01..2027-01-08"'
            )
            continue
        if high < low:
            problems.append(f"{where}: range {text!r} goes backwards")
            continue
        if (high - low).days > 366:
            problems.append(f"{where}: range {text!r} is longer than a year")
            continue
        days.update(low + timedelta(days=n) for n in range((high - low).days + 1))
    return days


def _operators(raw: Any, problems: list[str]) -> tuple[tuple[str, int], ...]:
    """``[operators]``: ``"201" = 111111111`` (extension = Telegram user id)."""
    if not isinstance(raw, dict):
        problems.append('[operators] must be a table of "extension" = user id')
        return ()
    links: list[tuple[str, int]] = []
    for extension, user in raw.items():
        try:
            links.append((str(extension).strip(), _as_int(user)))
        except ValueError:
            problems.append(
                f"operators.{extension}: {user!r} is not a Telegram user id (a number;"
                " /me in a chat shows it)"
            )
    return tuple(links)


def _departments(raw: Any, problems: list[str]) -> tuple[Department, ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append("department: write each one as a [[department]] table")
        return ()
    if not raw:
        problems.append("department: at least one [[department]] is needed")
        return ()
    check = _Checker(problems)
    result: list[Department] = []
    for number, item in enumerate(raw, start=1):
        where = f"department #{number}"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be a table")
            continue
        name = check.string(item, "name", "", where=where)
        if not name:
            problems.append(f"{where}: 'name' is required")
        where = f"department {name!r}" if name else where
        extensions = check.strings(item, "extensions", where=where)
        for pattern in extensions:
            found = _RANGE.match(pattern)
            if found and int(found.group(1)) > int(found.group(2)):
                problems.append(f"{where}.extensions: range {pattern!r} goes backwards")
        result.append(
            Department(
                name=name,
                chat=check.chat_id(item, "chat", where=where),
                extensions=tuple(extensions),
                lines=tuple(check.strings(item, "lines", where=where)),
                default=check.boolean(item, "default", False, where=where),
                topic=int(check.number(item, "topic", 0, where=where, minimum=0)),
            )
        )
    names = [d.name for d in result]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"department {name!r}: the name is used twice")
    if sum(d.default for d in result) > 1:
        problems.append("department: only one department may have default = true")
    return tuple(result)


def _resolve(base_dir: Path, value: str) -> Path:
    path = Path(value).expanduser()
    # A Windows drive path stays as written even when the service runs elsewhere.
    if path.is_absolute() or re.match(r"^[A-Za-z]:[\\/]", value):
        return path
    return base_dir / path


class _Checker:
    """Typed getters that record a readable problem instead of raising."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def _key(self, where: str | None, key: str) -> str:
        return f"{where}.{key}" if where else key

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problems.append(f"[{key}] must be a table")
            return {}
        return value

    def string(self, data: dict[str, Any], key: str, default: str, where: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            self.problems.append(f"{self._key(where, key)}: must be text in quotes")
            return default
        return value.strip()

    def choice(self, data: dict[str, Any], key: str, options: tuple[str, ...], default: str) -> str:
        value = self.string(data, key, default)
        if value not in options:
            self.problems.append(f"{key}: must be one of {', '.join(options)}, not {value!r}")
            return default
        return value

    def encoding(self, value: Any) -> str:
        import codecs

        if not isinstance(value, str):
            self.problems.append("source.encoding: must be text such as 'auto' or 'cp866'")
            return "auto"
        if value == "auto":
            return value
        try:
            codecs.lookup(value)
        except LookupError:
            self.problems.append(
                f"source.encoding: unknown code page {value!r} (use auto, cp866 or cp1251)"
            )
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
            self.problems.append(f"{self._key(where, key)}: must be a number, not {value!r}")
            return default
        if minimum is not None and value < minimum:
            self.problems.append(f"{self._key(where, key)}: must be at least {minimum}")
            return default
        return value

    def boolean(self, data: dict[str, Any], key: str, default: bool, where: str) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"{where}.{key}: must be true or false")
            return default
        return value

    def strings(self, data: dict[str, Any], key: str, where: str) -> list[str]:
        value = data.get(key, [])
        if isinstance(value, str | int):
            value = [value]
        if not isinstance(value, list):
            self.problems.append(f'{where}.{key}: must be a list like ["620", "201-209"]')
            return []
        result = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.problems.append(f"{where}.{key}: {item!r} is not text")
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
                self.problems.append(f"{where}.{key}: {item!r} is not a Telegram user id")
        return result

    def chat_id(self, data: dict[str, Any], key: str, where: str) -> int | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        try:
            return _as_int(value)
        except ValueError:
            self.problems.append(
                f"{where}.{key}: {value!r} is not a chat id (a number like -1001234567890;"
                " /start in that chat prints it)"
            )
            return None

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
        self.problems.append(f'{where}.{key}: must be a time like "09:00", not {value!r}')
        return None


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r"^\s*-?\d+\s*$", value):
        return int(value)
    raise ValueError(value)
