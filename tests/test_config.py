"""The TOML config: defaults, every validation message, path resolution, routing."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from tests.conftest import PHONE_CONFIG, SALES_CHAT, SERVICE_CHAT
from watcher.config import ConfigError, Department, load_config, parse_config, route

MINIMAL = {"department": [{"name": "Sales", "chat": -100, "default": True}]}


def problems_of(data: dict, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=tmp_path)
    return caught.value.problems


def test_minimal_config_gets_documented_defaults(tmp_path: Path) -> None:
    config = parse_config(MINIMAL, base_dir=tmp_path)
    assert config.language == "ru"
    assert config.timezone == "Europe/Moscow"
    assert str(config.tz) == "Europe/Moscow"
    assert config.source.path == Path("C:/Program Files/WinTariff32/Calls/Calls.dbf")
    assert config.source.encoding == "auto"
    assert config.source.poll_interval == 0
    assert config.source.settle_seconds == 30
    assert config.database_path == tmp_path / "perezvon.db"
    assert config.rules.callback_min_seconds == 5
    assert config.rules.employee_numbers == ()
    assert config.rules.contacts_csv is None
    assert config.telegram.daily_summary == time(9, 0)
    assert config.departments == (Department("Sales", -100, (), (), True),)


def test_full_config_is_read_as_written(phone_config) -> None:
    config = phone_config(source={"poll_interval": 2.5, "encoding": "cp1251"})
    assert config.source.poll_interval == 2.5
    assert config.source.encoding == "cp1251"
    assert config.rules.employee_numbers == ("+79990000000",)
    assert [d.name for d in config.departments] == ["Отдел продаж", "Сервис"]
    assert config.departments[0].extensions == ("620", "201-209")
    assert config.departments[1].lines == ("05",)
    assert config.department_named("Сервис") is config.departments[1]
    assert config.department_named("nope") is None
    assert config.department_for_chat(SALES_CHAT) is config.departments[0]
    assert config.department_for_chat(12345) is None


def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path) -> None:
    data = {
        **MINIMAL,
        "source": {"path": "data/Calls.dbf"},
        "database": {"path": "db/perezvon.db"},
        "rules": {"contacts_csv": "contacts.csv"},
    }
    config = parse_config(data, base_dir=tmp_path)
    assert config.source.path == tmp_path / "data" / "Calls.dbf"
    assert config.database_path == tmp_path / "db" / "perezvon.db"
    assert config.rules.contacts_csv == tmp_path / "contacts.csv"


def test_a_windows_drive_path_is_kept_as_written(tmp_path: Path) -> None:
    data = {**MINIMAL, "source": {"path": "C:\\WinTariff32\\Calls\\Calls.dbf"}}
    config = parse_config(data, base_dir=tmp_path)
    assert str(config.source.path).startswith("C:")
    assert not str(config.source.path).startswith(str(tmp_path))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = {
        "language": "de",
        "timezone": "Mars/Olympus",
        "source": {"encoding": "klingon", "poll_interval": -1, "settle_seconds": "soon"},
        "rules": {"callback_min_seconds": True, "employee_numbers": [1.5], "contacts_csv": 7},
        "telegram": {"managers_chat": "general", "admins": ["boss"], "daily_summary": "25:00"},
        "department": [
            {"name": "A", "chat": -1, "extensions": ["209-201"], "default": True},
            {"name": "A", "chat": -2, "default": "yes"},
            {"chat": -3, "default": True},
        ],
    }
    problems = problems_of(data, tmp_path)
    text = "\n".join(problems)
    for expected in (
        "language: must be one of ru, en, not 'de'",
        "timezone: unknown time zone 'Mars/Olympus'",
        "source.encoding: unknown code page 'klingon'",
        "source.poll_interval: must be at least 0",
        "source.settle_seconds: must be a number",
        "rules.callback_min_seconds: must be a number",
        "rules.employee_numbers: 1.5 is not text",
        "rules.contacts_csv: must be a path in quotes",
        "telegram.managers_chat: 'general' is not a chat id",
        "telegram.admins: 'boss' is not a Telegram user id",
        'telegram.daily_summary: must be a time like "09:00"',
        "range '209-201' goes backwards",
        "department 'A'.default: must be true or false",
        "department #3: 'name' is required",
        "department 'A': the name is used twice",
    ):
        assert expected in text, expected
    assert len(problems) >= 15


def test_two_default_departments_are_refused(tmp_path: Path) -> None:
    data = {
        "department": [
            {"name": "A", "chat": -1, "default": True},
            {"name": "B", "chat": -2, "default": True},
        ]
    }
    assert problems_of(data, tmp_path) == [
        "department: only one department may have default = true"
    ]


@pytest.mark.parametrize(
    ("departments", "message"),
    [
        ([], "department: at least one [[department]] is needed"),
        ("sales", "department: write each one as a [[department]] table"),
        (["sales"], "department #1: must be a table"),
    ],
)
def test_department_shape_problems(tmp_path: Path, departments, message: str) -> None:
    assert message in problems_of({"department": departments}, tmp_path)


def test_a_single_department_table_and_scalar_lists_are_accepted(tmp_path: Path) -> None:
    data = {"department": {"name": "Solo", "chat": "-100", "extensions": 620, "lines": "01"}}
    config = parse_config(data, base_dir=tmp_path)
    assert config.departments == (Department("Solo", -100, ("620",), ("01",), False),)


def test_daily_summary_can_be_switched_off(tmp_path: Path) -> None:
    config = parse_config({**MINIMAL, "telegram": {"daily_summary": ""}}, base_dir=tmp_path)
    assert config.telegram.daily_summary is None
    config = parse_config({**MINIMAL, "telegram": {"daily_summary": "8:30"}}, base_dir=tmp_path)
    assert config.telegram.daily_summary == time(8, 30)


def test_config_error_reads_as_a_list(tmp_path: Path) -> None:
    error = ConfigError(["a is wrong", "b is missing"], "perezvon.toml")
    assert str(error) == "Problems in perezvon.toml:\n  - a is wrong\n  - b is missing"


def test_load_config_reads_toml_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.toml"
    path.write_text(
        '\ufefflanguage = "en"\n[source]\npath = "Calls.dbf"\n'
        '[[department]]\nname = "Отдел продаж"\nchat = -1001\ndefault = true\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.language == "en"
    assert config.source.path == tmp_path / "Calls.dbf"
    assert config.departments[0].name == "Отдел продаж"
    assert config.config_path == path


def test_load_config_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "perezvon.toml")
    assert "file not found" in caught.value.problems[0]
    assert "perezvon.example.toml" in caught.value.problems[0]


def test_load_config_rejects_non_utf8_and_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.toml"
    path.write_bytes('language = "ру"\n'.encode("cp1251"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)
    path.write_text("language = \n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith("not valid TOML")
    assert caught.value.source == str(path)


DEPARTMENT_TOML = '[[department]]\nname = "A"\nchat = -1\ndefault = true\n'


@pytest.mark.parametrize(
    "written",
    [
        # As Explorer shows it: TOML refuses \P, \W, \C ...
        '"C:\\Program Files\\WinTariff32\\Calls\\Calls.dbf"',
        # ... or takes \n and \t for a new line and a tab, silently.
        '"D:\\new\\tariff.dbf"',
    ],
)
def test_a_windows_path_in_double_quotes_gets_the_fix(tmp_path: Path, written: str) -> None:
    path = tmp_path / "perezvon.toml"
    path.write_text(f"[source]\npath = {written}\n{DEPARTMENT_TOML}", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert "write it with /" in problem and "in single quotes" in problem


def test_a_windows_path_in_single_quotes_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.toml"
    written = "'D:\\new\\tariff.dbf'"
    path.write_text(f"[source]\npath = {written}\n{DEPARTMENT_TOML}", encoding="utf-8")
    assert str(load_config(path).source.path) == "D:\\new\\tariff.dbf"


def test_a_folder_given_as_the_config_names_the_file_to_give(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.problems == [
        f"{tmp_path} is a folder: give the config file itself, e.g. {tmp_path / 'perezvon.toml'}"
    ]


# -- routing ------------------------------------------------------------------------------

DEPARTMENTS = (
    Department("Sales", SALES_CHAT, ("620", "201-209"), (), True),
    Department("Service", SERVICE_CHAT, ("630", "301-309"), ("05",)),
)


@pytest.mark.parametrize(
    ("extension", "line", "expected"),
    [
        ("620", "01", "Sales"),  # ring group
        ("630", "01", "Service"),
        ("201", "01", "Sales"),  # range, low end
        ("209", "01", "Sales"),  # range, high end
        ("305", "01", "Service"),  # range, middle
        (" 305 ", "01", "Service"),
        ("310", "05", "Service"),  # no extension match: CO line
        ("310", "5", "Service"),  # CO line compared as a number
        ("630", "05", "Service"),
        ("201", "05", "Sales"),  # extension wins over the line
        ("999", "01", "Sales"),  # default
        ("999", "", "Sales"),
        ("ab1", "01", "Sales"),  # not a number: no range matches, default
        # Records may name a ring group with a letter before it (README): the same group.
        ("G630", "01", "Service"),
        ("g630", "01", "Service"),
        ("G305", "01", "Service"),
        ("G620", "05", "Sales"),
    ],
)
def test_route(extension: str, line: str, expected: str) -> None:
    department = route(DEPARTMENTS, extension, line)
    assert department is not None
    assert department.name == expected


def test_a_group_written_with_its_letter_matches_the_bare_number() -> None:
    departments = (Department("Service", SERVICE_CHAT, ("G630",)),)
    assert route(departments, "630", "") is departments[0]
    assert route(departments, "G631", "") is None


@pytest.mark.parametrize(
    ("sales", "service", "shared"),
    [
        (["620", "201-209"], ["630", "205-219"], "'201-209') and department 'Service'"
         ".extensions ('205-219') both have 205-209"),
        (["620"], ["G620"], "both have 620"),
        (["201-209"], ["207"], "both have 207"),
    ],
)  # fmt: skip
def test_an_extension_in_two_departments_is_refused(
    tmp_path: Path, sales: list[str], service: list[str], shared: str
) -> None:
    """Its missed calls would all go to the first department; the other never hears."""
    data = {
        "department": [
            {"name": "Sales", "chat": -1, "extensions": sales, "default": True},
            {"name": "Service", "chat": -2, "extensions": service},
        ]
    }
    [problem] = problems_of(data, tmp_path)
    assert problem.startswith("department 'Sales'.extensions (")
    assert shared in problem and "keep it in one of them" in problem


def test_route_without_default_gives_none() -> None:
    departments = (Department("Service", SERVICE_CHAT, ("630",), ("05",)),)
    assert route(departments, "999", "01") is None
    assert route(departments, "999", "") is None
    assert route(departments, "999", "05") is departments[0]


def test_shared_base_config_is_valid(tmp_path: Path) -> None:
    config = parse_config(PHONE_CONFIG, base_dir=tmp_path)
    assert config.source.path == tmp_path / "Calls.dbf"


def test_route_answers_each_set_of_departments_for_itself() -> None:
    """route() remembers its answers (an import asks once per missed call), per tuple of
    departments: another config's departments, even at a reused address, get their own."""
    first = (Department("Sales", -1, extensions=("620",)), Department("Rest", -2, default=True))
    assert route(first, "620", "01") is first[0]
    assert route(first, "620", "01") is first[0]
    for _ in range(3):
        other = (Department("Service", -3, extensions=("620",)),)
        assert route(other, "620", "01") is other[0]
        assert route(other, "630", "01") is None
        del other
    assert route(first, "630", "01") is first[1]


def test_a_table_put_at_the_top_is_pointed_to_its_place(tmp_path: Path) -> None:
    data = {**MINIMAL, "fields": {"callerid": "CLI"}}
    assert problems_of(data, tmp_path) == ["[fields]: unknown table, did you mean [source.fields]?"]


def test_operators_are_keyed_by_extension(tmp_path: Path) -> None:
    """A name as the key ("Ольга" = 111) would link no extension, silently."""
    data = {**MINIMAL, "operators": {"Ольга": 111, "201": 222}}
    assert problems_of(data, tmp_path) == [
        "operators.Ольга: the key is the extension, the value the user id:"
        ' write "201" = 111, one line per extension'
    ]
