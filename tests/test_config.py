"""The TOML config: defaults, every validation message, path resolution, routing."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from tests.conftest import PHONE_CONFIG, SALES_CHAT, SERVICE_CHAT
from watcher.config import (
    ConfigError,
    Department,
    load_config,
    parse_config,
    problems_language,
    route,
)
from watcher.texts import tr

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


EVERYTHING_WRONG = {
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
EVERYTHING_WRONG_EN = (
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
)
EVERYTHING_WRONG_RU = (
    "timezone: неизвестный часовой пояс 'Mars/Olympus'",
    "source.encoding: неизвестная кодировка 'klingon'",
    "source.poll_interval: должно быть не меньше 0",
    "source.settle_seconds: нужно число",
    "rules.callback_min_seconds: нужно число",
    "rules.employee_numbers: 1.5 — не текст",
    "rules.contacts_csv: нужен путь к файлу в кавычках",
    "telegram.managers_chat: 'general' — не ID чата",
    "telegram.admins: 'boss' — не ID пользователя Telegram",
    'telegram.daily_summary: нужно время вида "09:00"',
    "в диапазоне '209-201' начало больше конца",
    "department 'A'.default: нужно true или false",
    "department #3: не задано имя отдела (name)",
    "department 'A': это имя встречается дважды",
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ({"language": "en"}, EVERYTHING_WRONG_EN),
        ({"language": "ru"}, EVERYTHING_WRONG_RU),
        ({}, EVERYTHING_WRONG_RU),  # Russian, the default of `language`
        (
            # A language Perezvon does not speak is a problem, told in Russian, the default.
            {"language": "de"},
            ("language: допустимые значения — ru, en; указано 'de'", *EVERYTHING_WRONG_RU),
        ),
    ],
)
def test_every_problem_is_reported_at_once(
    tmp_path: Path, language: dict[str, str], expected: tuple[str, ...]
) -> None:
    problems = problems_of({**language, **EVERYTHING_WRONG}, tmp_path)
    text = "\n".join(problems)
    for each in expected:
        assert each in text, each
    assert len(problems) >= len(expected)


def test_two_default_departments_are_refused(tmp_path: Path) -> None:
    data = {
        "language": "en",
        "department": [
            {"name": "A", "chat": -1, "default": True},
            {"name": "B", "chat": -2, "default": True},
        ],
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
    assert message in problems_of({"language": "en", "department": departments}, tmp_path)


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
    error = ConfigError(["a is wrong", "b is missing"], "perezvon.toml", "en")
    assert str(error) == "Problems in perezvon.toml:\n  - a is wrong\n  - b is missing"
    error = ConfigError(["a неверно", "b нет"], "perezvon.toml")  # Russian by default
    assert str(error) == "Ошибки в perezvon.toml:\n  - a неверно\n  - b нет"


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
    """A file that cannot be read has not said its language: Russian, the default."""
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "perezvon.toml")
    assert "файл не найден" in caught.value.problems[0]
    assert "скопируйте perezvon.example.toml в perezvon.toml" in caught.value.problems[0]
    assert str(caught.value).startswith(f"Ошибки в {tmp_path / 'perezvon.toml'}:\n  - ")


def test_load_config_rejects_non_utf8_and_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.toml"
    # Not UTF-8, but its language line is ASCII: the office said which language it reads.
    path.write_bytes('language = "en"\n# комментарий\n'.encode("cp1251"))
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_config(path)
    path.write_bytes("# комментарий\n".encode("cp1251"))  # no language line: Russian
    with pytest.raises(ConfigError, match="не в UTF-8"):
        load_config(path)
    # A file TOML refuses is told in its language line's language all the same.
    path.write_text('language = "en"\ntimezone = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith("not valid TOML: ")
    assert "(at line 2, column 12)" in caught.value.problems[0]  # TOML's own words
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"Problems in {path}:")
    path.write_text("timezone = \n", encoding="utf-8")  # no language line: Russian
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith("ошибка в синтаксисе TOML: ")


def test_the_english_texts_of_a_file_that_cannot_be_read_are_kept() -> None:
    """Such a file is told in Russian; the English texts stay as they were, for the
    catalog's English and for whoever greps for them."""
    path = Path("/srv/perezvon.toml")
    assert tr("en", "config_file_not_found", path=path, name=path.name) == (
        "file not found: /srv/perezvon.toml (copy perezvon.example.toml to perezvon.toml"
        " and edit it)"
    )
    assert tr("en", "config_is_folder", path=path.parent, file=path) == (
        "/srv is a folder: give the config file itself, e.g. /srv/perezvon.toml"
    )
    assert tr("en", "config_not_utf8") == "the file is not UTF-8 text; save it as UTF-8"
    assert tr("en", "config_unreadable", error="Permission denied") == (
        "cannot read the file: Permission denied"
    )
    assert tr("en", "config_toml_bad", error="x") == "not valid TOML: x"
    assert tr("en", "config_problems_in", source=path) == "Problems in /srv/perezvon.toml:"


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
    assert "пишите путь через /" in problem and "в одинарных кавычках" in problem


def test_the_windows_path_fix_is_told_in_the_config_language(tmp_path: Path) -> None:
    """\\n parses (as a new line), so the file's language is known; a refused \\P is
    told in the language its `language` line asks for, as the Russian below shows."""
    path = tmp_path / "perezvon.toml"
    text = f'language = "en"\n[source]\npath = "D:\\new"\n{DEPARTMENT_TOML}'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "source.path: 'D:\\new' has a control character; a Windows path in double quotes"
        ' needs its backslashes doubled: write it with / (path = "C:/WinTariff32/Calls/Calls.dbf")'
        " or in single quotes (path = 'C:\\WinTariff32\\Calls\\Calls.dbf')"
    ]
    text = f'language = "ru"\n[source]\npath = "C:\\Program Files\\Calls.dbf"\n{DEPARTMENT_TOML}'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert problem.startswith("ошибка в синтаксисе TOML: "), problem
    assert problem.endswith(
        "; в двойных кавычках обратную косую черту в пути Windows нужно удваивать: пишите"
        ' путь через / (path = "C:/WinTariff32/Calls/Calls.dbf") или в одинарных кавычках'
        " (path = 'C:\\WinTariff32\\Calls\\Calls.dbf')"
    )


def test_a_windows_path_in_single_quotes_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "perezvon.toml"
    written = "'D:\\new\\tariff.dbf'"
    path.write_text(f"[source]\npath = {written}\n{DEPARTMENT_TOML}", encoding="utf-8")
    assert str(load_config(path).source.path) == "D:\\new\\tariff.dbf"


def test_a_folder_given_as_the_config_names_the_file_to_give(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.problems == [
        f"{tmp_path} — это папка: укажите сам файл настроек, например {tmp_path / 'perezvon.toml'}"
    ]


# -- the language of the problems -------------------------------------------------------

WRONG_TOML = """
[telegram]
manager_chat = -1
daily_summary = "25:00"
[source]
poll_interval = "fast"
[[department]]
name = "Sales"
chat = -1
extensions = ["620", "abc"]
default = true
"""
WRONG_RU = [
    "telegram.manager_chat: неизвестный ключ — может быть, managers_chat?",
    "source.poll_interval: нужно число, а не 'fast'",
    "telegram.daily_summary: нужно время вида \"09:00\", а не '25:00'",
    "department 'Sales'.extensions: 'abc' — не номер, не группа и не диапазон вида 201-209"
    ' (через запятую: "630, 210-219")',
]
WRONG_EN = [
    "telegram.manager_chat: unknown key, did you mean managers_chat?",
    "source.poll_interval: must be a number, not 'fast'",
    "telegram.daily_summary: must be a time like \"09:00\", not '25:00'",
    "department 'Sales'.extensions: 'abc' is not an extension, a ring group or a range"
    ' like 201-209 (several: "630, 210-219")',
]


@pytest.mark.parametrize(
    ("first_line", "header", "expected"),
    [
        ("", "Ошибки в", WRONG_RU),  # no language key: Russian, its default
        ('language = "ru"', "Ошибки в", WRONG_RU),
        ('language = "en"', "Problems in", WRONG_EN),
    ],
)
def test_problems_are_told_in_the_language_of_the_config(
    tmp_path: Path, first_line: str, header: str, expected: list[str]
) -> None:
    path = tmp_path / "perezvon.toml"
    path.write_text(first_line + WRONG_TOML, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == expected
    assert caught.value.language == ("en" if "en" in first_line else "ru")
    assert str(caught.value) == f"{header} {path}:\n" + "\n".join(f"  - {p}" for p in expected)


def test_an_unknown_table_is_told_in_russian_by_default(tmp_path: Path) -> None:
    data = {**MINIMAL, "sourse": {"path": "x.dbf"}}
    assert problems_of(data, tmp_path) == ["[sourse]: неизвестная таблица — может быть, [source]?"]


@pytest.mark.parametrize(
    ("data", "language"),
    [
        ({"language": "en"}, "en"),
        ({"language": " en "}, "en"),  # read as `language` itself reads it
        ({"language": "ru"}, "ru"),
        ({}, "ru"),
        ({"language": "de"}, "ru"),  # refused, and the refusal told in the default
        ({"language": 1}, "ru"),
        ({"Language": "en"}, "ru"),  # an unknown key says nothing
    ],
)
def test_the_language_of_the_problems_is_the_configs_own_or_russian(
    data: dict[str, object], language: str
) -> None:
    assert problems_language(data) == language


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
    ("sales", "service", "problem"),
    [
        (["620"], ["G620"], "department 'Service'.extensions ('G620') never gets a call:"
         " department 'Sales' ('620'), listed before it, takes 620 first"),
        (["201-209"], ["207"], "department 'Service'.extensions ('207') never gets a call:"
         " department 'Sales' ('201-209'), listed before it, takes 207 first"),
        (["201-205", "206-209"], ["203-208"], "department 'Service'.extensions ('203-208')"
         " never gets a call: department 'Sales' ('201-205'), listed before it, takes 203-205"),
    ],
)  # fmt: skip
def test_an_extension_no_call_can_reach_is_refused(
    tmp_path: Path, sales: list[str], service: list[str], problem: str
) -> None:
    """Routing takes the first department that matches: a pattern whose every number an
    earlier department lists is dead, and its department would never hear of them."""
    data = {
        "language": "en",
        "department": [
            {"name": "Sales", "chat": -1, "extensions": sales, "default": True},
            {"name": "Service", "chat": -2, "extensions": service},
        ],
    }
    [found] = problems_of(data, tmp_path)
    assert found.startswith(problem) and found.endswith("or list the exception first")


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (["250"], ["200-299"]),  # an exception listed first: 250 is the boss's
        (["201-209"], ["205-219"]),  # overlapping ranges: 210-219 still reach the second
    ],
)
def test_a_carve_out_listed_first_is_fine(
    tmp_path: Path, first: list[str], then: list[str]
) -> None:
    data = {
        "department": [
            {"name": "Boss", "chat": -1, "extensions": first},
            {"name": "Sales", "chat": -2, "extensions": then, "default": True},
        ]
    }
    config = parse_config(data, base_dir=tmp_path)
    assert route(config.departments, "250" if first == ["250"] else "207", "").name == "Boss"


@pytest.mark.parametrize("written", ["A210", "T5", "CO1", "EXT201"])
def test_a_station_written_with_other_letters_loads_and_matches_as_written(
    tmp_path: Path, written: str
) -> None:
    data = {
        "department": [
            {"name": "Sales", "chat": -1, "extensions": ["201-209", written], "default": True}
        ]
    }
    config = parse_config(data, base_dir=tmp_path)
    assert config.departments[0].extensions == ("201-209", written)
    assert route(config.departments, written, "") is config.departments[0]


def test_the_same_lettered_station_in_two_departments_is_refused(tmp_path: Path) -> None:
    data = {
        "language": "en",
        "department": [
            {"name": "Sales", "chat": -1, "extensions": ["T5"], "default": True},
            {"name": "Service", "chat": -2, "extensions": ["t5"]},
        ],
    }
    [found] = problems_of(data, tmp_path)
    assert found.startswith("department 'Service'.extensions ('t5') never gets a call:")


def test_only_a_g_names_a_group_by_its_number() -> None:
    """A trunk or a line written with other letters (T5, CO1) is not station 5 or 1."""
    departments = (Department("Small", SALES_CHAT, ("1-9",)),)
    assert route(departments, "G5", "") is departments[0]
    assert route(departments, "T5", "") is None
    assert route(departments, "CO1", "") is None


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
    data = {**MINIMAL, "language": "en", "fields": {"callerid": "CLI"}}
    assert problems_of(data, tmp_path) == ["[fields]: unknown table, did you mean [source.fields]?"]


def test_operators_are_keyed_by_extension(tmp_path: Path) -> None:
    """A name as the key ("Ольга" = 111) would link no extension, silently."""
    data = {**MINIMAL, "language": "en", "operators": {"Ольга": 111, "201": 222}}
    assert problems_of(data, tmp_path) == [
        "operators.Ольга: the key is the extension, the value the user id:"
        ' write "201" = 111, one line per extension'
    ]


_EXAMPLE = Path(__file__).resolve().parent.parent / "perezvon.example.toml"


@pytest.mark.parametrize(
    ("was", "written", "says"),
    [
        ('open = "09:00"', "open = 09:00", "open = 09:00; текст и время пишутся в кавычках"),
        (
            'name = "Отдел продаж"',
            "name = Отдел продаж",
            "name = Отдел продаж; текст и время пишутся в кавычках",
        ),
        (
            'name = "Отдел продаж"',
            'name = "Отдел продаж',
            'name = "Отдел продаж; не закрыта кавычка',
        ),
        ("admins = [123456789]", "admins = [555", "admins = [555 "),
    ],
)
def test_a_toml_slip_is_told_with_its_line_and_the_fix(
    tmp_path: Path, was: str, written: str, says: str
) -> None:
    """TOML's own "Invalid value (at line 67, column 8)" names neither the line nor the
    fix; an admin editing in Notepad needs both."""
    text = _EXAMPLE.read_text(encoding="utf-8")
    assert was in text
    path = tmp_path / "perezvon.toml"
    path.write_text(text.replace(was, written, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert problem.startswith("ошибка в синтаксисе TOML: ") and ". Строка " in problem
    assert says in problem, problem
    if "[555" in written:
        assert "не закрыт список: он кончается на ]" in problem


def test_a_second_department_written_as_a_table_is_told_to_use_double_brackets(
    tmp_path: Path,
) -> None:
    text = _EXAMPLE.read_text(encoding="utf-8").replace("[[department]]", "[department]")
    path = tmp_path / "perezvon.toml"
    path.write_text(text.replace('language = "ru"', 'language = "en"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert "Line " in problem and "starts with [[department]], in double brackets" in problem


def test_a_table_written_twice_and_a_list_open_to_the_end_get_their_own_hints(
    tmp_path: Path,
) -> None:
    path = tmp_path / "perezvon.toml"
    path.write_text("[rules]\ncallback_min_seconds = 5\n[rules]\nmin_ring_seconds = 2\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (
        "Строка 3: [rules]; раздел [rules] уже был выше: соберите его ключи"
        in (caught.value.problems[0])
    )
    assert "[[department]]" not in caught.value.problems[0]  # that advice is for departments
    path.write_text('[[department]]\nname = "A"\nextensions = ["620",\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert 'Строка 3: extensions = ["620",; не закрыт список' in caught.value.problems[0]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Europe/Rigaa", "Europe/Riga"),  # a typo
        ("europe/riga", "Europe/Riga"),  # the case of a name from a Windows habit
        ("Europe/Talinn", "Europe/Tallinn"),
    ],
)
def test_a_mistyped_timezone_names_the_zone_meant(tmp_path: Path, written: str, meant: str) -> None:
    """An office in Riga that mistypes its zone is told which one it likely meant, not
    only given 'Europe/Moscow' as an example (an hour off in Riga)."""
    problems = problems_of({**MINIMAL, "language": "en", "timezone": written}, tmp_path)
    told = [p for p in problems if p.startswith("timezone:")]
    assert len(told) == 1, problems
    assert f"did you mean '{meant}'?" in told[0]
    ru = problems_of({**MINIMAL, "language": "ru", "timezone": written}, tmp_path)
    assert any(f"может быть, '{meant}'?" in p for p in ru), ru


def test_an_unknown_timezone_with_nothing_near_still_names_the_key(tmp_path: Path) -> None:
    problems = problems_of({**MINIMAL, "language": "en", "timezone": "Mars/Olympus"}, tmp_path)
    assert problems == ["timezone: unknown time zone 'Mars/Olympus' (e.g. 'Europe/Moscow')"]


def test_an_offset_for_a_timezone_is_told_how_it_is_written_and_what_it_lacks(
    tmp_path: Path,
) -> None:
    """An offset ("UTC+2") is no zone name; its fixed-offset zone has the sign reversed
    and no summer time, so an office in Riga is pointed at its city instead."""
    (told,) = problems_of({**MINIMAL, "language": "en", "timezone": "UTC+2"}, tmp_path)
    assert told.startswith("timezone: unknown time zone 'UTC+2'; a fixed offset is written")
    assert "'Etc/GMT-2'" in told and "'Europe/Riga'" in told
    (ru,) = problems_of({**MINIMAL, "language": "ru", "timezone": "gmt -3"}, tmp_path)
    assert "'Etc/GMT+3'" in ru and "без перехода на летнее время" in ru
