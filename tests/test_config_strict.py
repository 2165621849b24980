"""Unknown keys and tables are refused with a guess; extension patterns are validated.

A typo in perezvon.toml must not pass as a default: ``defualt = true`` leaves no default
department, ``[sourse]`` reads the standard path, ``manager_chat`` sends no summary.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest

from watcher import fields
from watcher.config import (
    NOT_YET,
    Config,
    ConfigError,
    Department,
    LoggingConfig,
    RulesConfig,
    key_tree,
    load_config,
    parse_config,
    route,
    toml,
)

ROOT = Path(__file__).resolve().parent.parent
SALES = {"name": "Sales", "chat": -100, "default": True}


def problems_of(data: dict, tmp_path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=tmp_path)
    return caught.value.problems


# -- unknown keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"department": [{**SALES, "extention": ["620"]}]},
            "department 'Sales'.extention: unknown key, did you mean extensions?",
        ),
        ({"sourse": {"path": "x.dbf"}}, "[sourse]: unknown table, did you mean [source]?"),
        (
            {"telegram": {"manager_chat": -1}},
            "telegram.manager_chat: unknown key, did you mean managers_chat?",
        ),
        (
            {"department": [{"name": "Sales", "chat": -1, "defualt": True}]},
            "department 'Sales'.defualt: unknown key, did you mean default?",
        ),
        ({"Language": "en"}, "Language: unknown key, did you mean language?"),
        (
            {"source": {"feilds": {"callerid": "CLI"}}},
            "[source.feilds]: unknown table, did you mean [source.fields]?",
        ),
        (
            {"source": {"fields": {"caller": "CLI"}}},
            "source.fields.caller: unknown key, did you mean callerid?",
        ),
        ({"logging": {"lvl": "debug"}}, "logging.lvl: unknown key, did you mean level?"),
        (
            {"departments": [SALES]},
            "[[departments]]: unknown table, did you mean [[department]]?",
        ),
    ],
)
def test_a_typo_is_refused_with_its_path_and_a_guess(
    tmp_path: Path, data: dict, expected: str
) -> None:
    data = {"language": "en", "department": [SALES], **data}
    assert expected in problems_of(data, tmp_path)


def test_an_unknown_key_without_a_near_name_lists_the_known_ones(tmp_path: Path) -> None:
    data = {"language": "en", "department": [SALES], "database": {"wal": True}}
    [problem] = problems_of(data, tmp_path)
    assert problem == "database.wal: unknown key (known here: path)"


def test_a_department_without_a_name_is_named_by_its_number(tmp_path: Path) -> None:
    data = {"language": "en", "department": [SALES, {"chat": -2, "extentions": "630"}]}
    assert "department #2.extentions: unknown key, did you mean extensions?" in problems_of(
        data, tmp_path
    )


def test_every_unknown_key_is_reported_at_once(tmp_path: Path) -> None:
    data = {
        "sourse": {},
        "telegram": {"manager_chat": -1},
        "department": [{**SALES, "defualt": True, "extention": "620"}],
    }
    assert len(problems_of(data, tmp_path)) == 4


# The contract's keys (DESIGN.md, v0.1 and v0.2): each is read, or refused as "not yet".
CONTRACT = """
language = "ru"
timezone = "Europe/Moscow"
[source]
path = "Calls.dbf"
encoding = "auto"
poll_interval = 0
settle_seconds = 30
[source.fields]
callerid = "CALLERID"
[database]
path = "perezvon.db"
[rules]
callback_min_seconds = 5
employee_numbers = ["+79990000000"]
contacts_csv = "contacts.csv"
callback_sla_minutes = 30
min_ring_seconds = 0
remind_after_minutes = 20
escalate_after_minutes = 60
answer_target_seconds = 20
[telegram]
managers_chat = -1001000000000
admins = [123456789]
daily_summary = "09:00"
weekly_summary = "mon 09:00"
[hours]
days = ["mon", "tue", "wed", "thu", "fri"]
open = "09:00"
close = "18:00"
[operators]
"201" = 111111111
[logging]
file = "perezvon.log"
level = "info"
max_mb = 10
backups = 5
[[department]]
name = "Отдел продаж"
chat = -1001000000001
extensions = ["620", "201-209"]
lines = []
default = true
topic = 0
ring_timeout_seconds = 30
"""


def test_every_contract_key_is_read(tmp_path: Path) -> None:
    config = parse_config(tomllib.loads(CONTRACT), base_dir=tmp_path)
    assert config.rules.answer_target_seconds == 20
    assert config.departments[0].ring_timeout_seconds == 30


def test_why_and_when_keys_are_read_and_checked(tmp_path: Path) -> None:
    data = {
        "rules": {"answer_target_seconds": 15},
        "department": [{**SALES, "ring_timeout_seconds": 25}],
    }
    config = parse_config(data, base_dir=tmp_path)
    assert config.rules.answer_target_seconds == 15
    assert config.departments[0].ring_timeout_seconds == 25
    assert (
        parse_config({"department": [SALES]}, base_dir=tmp_path).departments[0].ring_timeout_seconds
        == 0
    )  # not known
    bad = {
        "rules": {"answer_target_seconds": 0},
        "department": [{**SALES, "ring_timeout_seconds": -1}],
    }
    problems = problems_of(bad, tmp_path)
    assert len(problems) == 2, problems


def test_typos_in_hours_are_named_and_operators_take_any_extension(tmp_path: Path) -> None:
    data = {"language": "en", "hours": {"opne": "09:00"}, "department": [SALES]}
    assert problems_of(data, tmp_path) == ["hours.opne: unknown key, did you mean open?"]
    config = parse_config(
        {"operators": {"201": 1, "G620": 2}, "department": [SALES]}, base_dir=tmp_path
    )
    assert config.operators == (("201", 1), ("G620", 2))


def test_allowed_keys_come_from_the_config_dataclasses() -> None:
    """A new dataclass field is an allowed key by itself: no second list to keep."""
    tree = key_tree(Config)
    assert set(tree) == {
        "language",
        "timezone",
        "source",
        "database",
        "rules",
        "telegram",
        "department",
        "hours",
        "operators",
        "logging",
    }
    assert tree["database"] == {"path": None}
    assert tree["operators"] is None  # the admin's own keys (extensions)
    assert set(tree["hours"]) == {"days", "open", "close", "holidays", "extra_workdays",
                                  "short_days", "after_hours"}  # fmt: skip
    assert tree["department"] is Department
    assert set(key_tree(Department)) == {f.name for f in dataclasses.fields(Department)}
    assert set(key_tree(LoggingConfig)) == {"file", "level", "max_mb", "backups"}
    source = key_tree(tree["source"])
    assert source["fields"] == fields.ROLES
    assert fields.ROLES == (
        "date",
        "time",
        "duration",
        "extension",
        "number",
        "callerid",
        "calltype",
        "co",
        "ring",
    )


def test_a_not_yet_key_is_allowed_once_a_field_carries_it() -> None:
    """Every contract key is implemented now; the mechanism stays for the next one."""
    assert not NOT_YET
    assert "answer_target_seconds" in key_tree(RulesConfig)
    assert "ring_timeout_seconds" in key_tree(Department)


@dataclasses.dataclass(frozen=True)
class Operator:
    user_id: int


@dataclasses.dataclass(frozen=True)
class Settings:
    operators: tuple[Operator, ...] = dataclasses.field(
        default=(), metadata=toml("operators", free=True)
    )
    by_name: Mapping[str, Operator] = dataclasses.field(default_factory=dict)
    one: Operator | None = None


def test_a_free_table_or_a_mapping_of_tables_is_not_checked() -> None:
    """[operators] has extensions for keys: a field says so with toml(free=True)."""
    assert key_tree(Settings) == {"operators": None, "by_name": None, "one": Operator}


def test_the_example_config_has_only_known_keys(tmp_path: Path) -> None:
    config = load_config(ROOT / "perezvon.example.toml")
    assert config.departments[1].extensions == ("630", "210-219")
    assert config.logging.file == ROOT / "perezvon.log"
    # Its commented-out [source.fields] works once uncommented.
    text = (ROOT / "perezvon.example.toml").read_text(encoding="utf-8")
    text = text.replace("# [source.fields]", "[source.fields]").replace(
        '# callerid = "CLI"', 'callerid = "CLI"'
    )
    (tmp_path / "perezvon.toml").write_text(text, encoding="utf-8")
    assert load_config(tmp_path / "perezvon.toml").source.fields == {"callerid": "CLI"}


# -- extension patterns -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("630, 210-219", ("630", "210-219")),
        (["630", "210–219"], ("630", "210-219")),  # en dash, as Word writes it
        (["210—219"], ("210-219",)),  # em dash
        (["210..219"], ("210-219",)),
        (["210 - 219", " 630 "], ("210-219", "630")),
        (["620, 621", 622], ("620", "621", "622")),
        (["G620"], ("G620",)),  # a ring group as an SMDR record names it
        ("630,", ("630",)),
        ([], ()),
    ],
)
def test_extension_patterns_are_read_in_the_usual_spellings(
    tmp_path: Path, written: object, parsed: tuple[str, ...]
) -> None:
    config = parse_config({"department": [{**SALES, "extensions": written}]}, base_dir=tmp_path)
    assert config.departments[0].extensions == parsed


@pytest.mark.parametrize("bad", ["abc", "201-", "201-2x9", "201 209", "201/209", "2..3..4", "#5"])
def test_anything_else_is_refused_with_the_key_path(tmp_path: Path, bad: str) -> None:
    data = {"language": "en", "department": [{**SALES, "extensions": ["620", bad]}]}
    [problem] = problems_of(data, tmp_path)
    assert problem == (
        f"department 'Sales'.extensions: {bad!r} is not an extension, a ring group or a range"
        ' like 201-209 (several: "630, 210-219")'
    )


def test_a_backwards_range_in_any_spelling_is_refused(tmp_path: Path) -> None:
    data = {"language": "en", "department": [{**SALES, "extensions": "219–210"}]}
    problems = problems_of(data, tmp_path)
    assert problems == ["department 'Sales'.extensions: range '219–210' goes backwards"]


def test_an_en_dash_range_routes_like_a_hyphen_one(tmp_path: Path) -> None:
    data = {
        "department": [
            SALES,
            {"name": "Support", "chat": -2, "extensions": "630, 210–219", "lines": "05, 06"},
        ]
    }
    config = parse_config(data, base_dir=tmp_path)
    support = config.departments[1]
    assert support.lines == ("05", "06")
    for extension in ("210", "215", "219", "630"):
        assert route(config.departments, extension, "") is support
    assert route(config.departments, "220", "").name == "Sales"  # type: ignore[union-attr]
    assert route(config.departments, "999", "06") is support


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"operators": {"201": -1002000000001}},
            "operators.201: -1002000000001 is a chat's id, and a Telegram user id is needed",
        ),
        (
            {"rules": {"employee_numbers": ["abc"]}},
            "rules.employee_numbers: 'abc' is not a phone number",
        ),
        (
            {"department": [{"name": "Sales", "chat": -100777, "lines": ["1-3"]}]},
            "department 'Sales'.lines: '1-3': CO lines are listed one by one",
        ),
        (
            {
                "department": [
                    {"name": "Sales", "chat": -100777, "extensions": ["620"], "default": True},
                    {"name": "Support", "chat": -100778, "extensions": []},
                ]
            },
            "department 'Support': no extensions, no lines, and not default = true",
        ),
    ],
)
def test_settings_that_can_never_work_are_refused_by_name(
    change: dict[str, object], says: str
) -> None:
    """Each of these passed `check` silently (admin reviewer): a chat id as an operator,
    a staff "number" of letters, a range of CO lines taken as one line named "1-3", a
    department no call can reach."""
    data = {"language": "en", "source": {"path": "Calls.dbf"}, **change}
    data.setdefault("department", [{"name": "Sales", "chat": -100777, "extensions": ["620"]}])
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=Path("."))
    assert any(says in problem for problem in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (
            {
                "telegram": {},
                "department": [{"name": "Sales", "chat": -100777, "admins": [777]}],
            },
            "department 'Sales'.admins: this key belongs in [telegram]",
        ),
        ({"poll_interval": 5}, "poll_interval: this key belongs in [source]"),
    ],
)
def test_a_key_under_the_wrong_header_says_where_it_belongs(
    data: dict[str, object], says: str
) -> None:
    """`admins = [777]` added at the end of the file lands in the last [[department]]:
    "unknown key (known here: name, chat, …)" did not say why."""
    full: dict[str, object] = {
        "language": "en",
        "source": {"path": "Calls.dbf"},
        "department": [{"name": "Sales", "chat": -100777, "extensions": ["620"]}],
        **data,
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(full, base_dir=Path("."))
    assert any(problem.startswith(says) for problem in caught.value.problems), caught.value.problems


def test_shared_ranges_are_partial_overlaps_only() -> None:
    from watcher.config import shared_ranges

    data = {
        "source": {"path": "Calls.dbf"},
        "department": [
            {"name": "A", "chat": -1, "extensions": ["201-209", "250"]},
            {"name": "B", "chat": -2, "extensions": ["205-219", "200-299"]},
        ],
    }
    config = parse_config(data, base_dir=Path("."))
    shared = [(s.first, s.second, s.low, s.high) for s in shared_ranges(config.departments)]
    # 250 inside B's 200-299 is the carve-out idiom; A's 201-209 inside it too.
    assert shared == [("A", "B", 205, 209)]


@pytest.mark.parametrize("zero", [0, "0"])
def test_chat_zero_is_no_chat(tmp_path: Path, zero: object) -> None:
    """0 (a placeholder left in) passed `check` as a real chat, and every post failed."""
    data = {
        "language": "en",
        "telegram": {"managers_chat": zero},
        "department": [{**SALES, "chat": zero}],
    }
    assert problems_of(data, tmp_path) == [
        "telegram.managers_chat = 0 is not a chat id. Write the chat's id (a number like"
        " -1001234567890): perezvon chats prints it when someone sends /start@your_bot in"
        " that chat",
        "department 'Sales'.chat = 0 is not a chat id. Write the chat's id (a number like"
        " -1001234567890): perezvon chats prints it when someone sends /start@your_bot in"
        " that chat",
    ]
    data["language"] = "ru"
    assert problems_of(data, tmp_path)[1] == (
        "department 'Sales'.chat = 0 — это не ID чата. Впишите ID чата (число вида"
        " -1001234567890): его печатает perezvon chats, когда в чате напишут /start@имя_бота"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"logging": {"file": '"C:\\Perezvon\\perezvon.log"'}},
            'logging.file: the path "C:\\Perezvon\\perezvon.log" has quotes inside the'
            ' string (as Explorer\'s "Copy as path" gives it). Drop the inner quotes:'
            " file = 'C:\\Perezvon\\perezvon.log'",
        ),
        (
            {"rules": {"contacts_csv": "'contacts.csv'"}},
            "rules.contacts_csv: the path 'contacts.csv' has quotes inside the string (as"
            ' Explorer\'s "Copy as path" gives it). Drop the inner quotes:'
            " contacts_csv = 'contacts.csv'",
        ),
        (
            {"logging": {"file": "D:\new.log"}},  # "D:\new.log" in double quotes: a newline
            "logging.file: 'D:\\new.log' has a control character",
        ),
    ],
)
def test_the_log_and_contacts_paths_are_checked_like_the_others(
    tmp_path: Path, data: dict, expected: str
) -> None:
    problems = problems_of({"language": "en", "department": [SALES], **data}, tmp_path)
    assert len(problems) == 1 and problems[0].startswith(expected), problems
