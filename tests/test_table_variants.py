"""Tables that are not WinTariff's usual one: no CALLTYPE, no CALLERID, other field names.

Real DBF files in tmp_path, written with watcher/sim/wintariff.py; read by the Ingestor
(the watcher's and `import`'s reader) and described by `perezvon check`.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PhoneRows
from tests.test_cli import run_cli, write_config
from watcher import fields
from watcher.config import Config
from watcher.dbf_reader import DbfError
from watcher.ingest import Ingestor, ScanResult
from watcher.ledger import Ledger
from watcher.sim.wintariff import WINTARIFF_FIELDS, CallsDbfWriter, FieldSpec, make_row
from watcher.vocab import Direction

NOW = dt.datetime(2024, 5, 6, 12, 0, 0)
T0 = NOW - dt.timedelta(minutes=50)
CUSTOMER = "89161234567"
CUSTOMER_KEY = "+79161234567"


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def without(*names: str) -> tuple[FieldSpec, ...]:
    return tuple(f for f in WINTARIFF_FIELDS if f.name not in names)


def renamed(**names: str) -> tuple[FieldSpec, ...]:
    """WinTariff's fields with some renamed: ``renamed(CALLERID="CLI")``."""
    return tuple(FieldSpec(names.get(f.name, f.name), f.type, f.length) for f in WINTARIFF_FIELDS)


class Reader:
    """An Ingestor over one config with a fixed office clock and a hand-moved wall clock."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.wall = 1_000_000.0
        self.ledger = Ledger(config.database_path)
        self.ingestor = Ingestor(config, self.ledger, clock=lambda: NOW, wall=lambda: self.wall)

    def scan(self, **kw: Any) -> ScanResult:
        return self.ingestor.scan(**kw)

    def calls(self) -> list[dict[str, Any]]:
        return self.ledger._dicts("SELECT * FROM calls ORDER BY record_index")

    def cases(self) -> list[dict[str, Any]]:
        return self.ledger._dicts("SELECT * FROM cases ORDER BY id")

    def next_index(self) -> int:
        state = self.ledger.source_state(str(self.config.source.path))
        return 0 if state is None else state.next_index


@pytest.fixture
def reader(phone_config):
    made: list[Reader] = []

    def build(**overrides: Any) -> Reader:
        made.append(Reader(phone_config(**overrides)))
        return made[-1]

    yield build
    for r in made:
        r.ledger.close()


def table(tmp_path: Path, specs: tuple[FieldSpec, ...]) -> CallsDbfWriter:
    return CallsDbfWriter.create(tmp_path / "Calls.dbf", fields=specs)


# -- no CALLTYPE --------------------------------------------------------------------------


def test_without_calltype_rows_are_final_at_once_and_directions_come_from_the_numbers(
    tmp_path: Path, reader, phone_rows: PhoneRows
) -> None:
    dbf = table(tmp_path, without("CALLTYPE"))
    dbf.append_many(
        [
            phone_rows.missed(at(0), CUSTOMER),
            phone_rows.internal(at(1)),
            phone_rows.outgoing(at(5), CUSTOMER, seconds=40, ext="205"),
        ]
    )
    r = reader()  # settle_seconds = 30, and the wall clock does not move
    result = r.scan()
    assert (result.new_calls, result.pending) == (3, 0)
    assert r.next_index() == 3
    directions = [c["direction"] for c in r.calls()]
    assert directions == [Direction.IN, Direction.INTERNAL, Direction.OUT]
    [case] = r.cases()
    assert case["remote"] == CUSTOMER_KEY
    assert case["status"] == "closed" and case["closed_by_extension"] == "205"


def test_with_calltype_a_blank_one_still_waits(
    tmp_path: Path, reader, phone_rows: PhoneRows
) -> None:
    table(tmp_path, WINTARIFF_FIELDS).append(phone_rows.missed(at(0), CUSTOMER, calltype=""))
    r = reader()
    assert r.scan().pending == 1
    r.wall += 31
    assert r.scan().new_calls == 1


def test_an_import_takes_old_rows_without_calltype_as_final(
    tmp_path: Path, reader, phone_rows: PhoneRows
) -> None:
    dbf = table(tmp_path, WINTARIFF_FIELDS)
    dbf.append_many(
        [
            phone_rows.missed(NOW - dt.timedelta(days=2), "89160000001", calltype=""),
            phone_rows.missed(at(0), CUSTOMER, calltype=""),
            # Rang a few seconds ago: WinTariff may still fill its CALLTYPE.
            phone_rows.missed(NOW - dt.timedelta(seconds=10), "89160000002", calltype=""),
        ]
    )
    r = reader()
    result = r.scan(history=True)
    assert (result.new_calls, result.pending) == (2, 1)
    assert [c["remote"] for c in r.calls()] == ["+79160000001", CUSTOMER_KEY]


@pytest.mark.usefixtures("telegram_token")
def test_check_says_rows_are_final_at_once_without_calltype(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phone_rows: PhoneRows
) -> None:
    dbf = table(tmp_path, without("CALLTYPE"))
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    code, out, _ = run_cli("-c", str(write_config(tmp_path, dbf.path)), "check")
    assert code == 0, out
    assert "no CALLTYPE field: the direction comes from the other fields" in out
    assert "rows are final at once" in out
    assert "call type: CALLTYPE" not in out

    dbf = table(tmp_path, WINTARIFF_FIELDS)
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    _, out, _ = run_cli("-c", str(write_config(tmp_path, dbf.path)), "check")
    assert "call type: CALLTYPE; a row without it waits up to 30 s (settle_seconds)" in out


# -- no CALLERID --------------------------------------------------------------------------


def test_without_callerid_an_incoming_call_takes_an_outside_number_from_number(
    tmp_path: Path, reader
) -> None:
    dbf = table(tmp_path, without("CALLERID"))
    rows = [
        make_row(when=at(0), duration=0, extension="620", number=CUSTOMER, calltype="I"),
        # The number of the group that rang, not the caller: no case can be made.
        make_row(when=at(1), duration=0, extension="620", number="620", calltype="I"),
        make_row(when=at(2), duration=0, extension="620", number="internal-201", calltype="I"),
    ]
    dbf.append_many(rows)
    r = reader()
    result = r.scan()
    assert result.new_calls == 3 and not result.no_caller_number
    assert [c["remote"] for c in r.calls()] == [CUSTOMER_KEY, None, None]
    assert [c["remote"] for c in r.cases()] == [CUSTOMER_KEY]


def test_no_field_for_the_callers_number_is_warned_once_per_table(
    tmp_path: Path, reader, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    dbf = table(tmp_path, without("CALLERID", "CALLTYPE"))
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    r = reader()
    with caplog.at_level(logging.WARNING, logger="watcher.ingest"):
        assert r.scan().no_caller_number
        dbf.append(phone_rows.missed(at(1), CUSTOMER))
        assert r.scan().no_caller_number
    told = [rec for rec in caplog.records if "no field gives the caller's number" in rec.message]
    assert len(told) == 1


def test_a_table_without_callerid_is_warned_once_though_number_stands_in(
    tmp_path: Path, reader, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    """CALLERID renamed (CLI) with CALLTYPE still there: NUMBER stands in, and is blank
    on incoming calls, so three missed calls made no case and nothing said why."""
    dbf = table(tmp_path, without("CALLERID"))
    dbf.append({**phone_rows.missed(at(0), CUSTOMER), "NUMBER": ""})
    r = reader()
    with caplog.at_level(logging.WARNING, logger="watcher.ingest"):
        r.scan()
        dbf.append({**phone_rows.missed(at(1), CUSTOMER), "NUMBER": ""})
        r.scan()
    told = [rec.message for rec in caplog.records if "no CALLERID field" in rec.message]
    assert len(told) == 1 and "[source.fields] (callerid = ...)" in told[0]


def test_check_fails_and_import_warns_when_no_field_gives_the_callers_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phone_rows: PhoneRows
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    dbf = table(tmp_path, without("CALLERID", "CALLTYPE"))
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    config = write_config(tmp_path, dbf.path)
    code, out, _ = run_cli("-c", str(config), "check")
    assert "ERROR: no field gives the caller's number" in out
    assert 'callerid = "..."' in out
    assert code == 1  # no missed call could ever be posted: the setup is not done
    code, out, _ = run_cli("-c", str(config), "import", str(dbf.path))
    assert code == 0
    assert "!!! WARNING: no field of the table gives the caller's number" in out


def test_check_explains_number_standing_in_for_callerid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    dbf = table(tmp_path, without("CALLERID"))
    dbf.append(make_row(when=at(0), duration=0, extension="620", number="620", calltype="I"))
    code, out, _ = run_cli("-c", str(write_config(tmp_path, dbf.path)), "check")
    assert "no CALLERID field: the caller's number comes from NUMBER on incoming calls" in out
    # The one incoming row has only the group's own number: nobody to call back.
    assert "ERROR: none of the 1 incoming calls among the last rows" in out
    assert code == 1, out


# -- [source.fields] ----------------------------------------------------------------------


def test_source_fields_maps_roles_to_the_installs_own_names(
    tmp_path: Path, reader, phone_rows: PhoneRows
) -> None:
    dbf = table(tmp_path, renamed(CALLERID="CLI", CALLTYPE="CTYPE", DATE="CDATE"))
    row = phone_rows.missed(at(0), CUSTOMER)
    dbf.append({**row, "CLI": row["CALLERID"], "CTYPE": "I", "CDATE": row["DATE"]})
    r = reader(source={"fields": {"callerid": "cli", "calltype": "CTYPE", "date": "CDATE"}})
    result = r.scan()
    assert (result.new_calls, result.pending) == (1, 0)
    [call] = r.calls()
    assert (call["callerid"], call["calltype"], call["remote"]) == (CUSTOMER, "I", CUSTOMER_KEY)


def test_a_mapped_role_reads_only_the_named_field(
    tmp_path: Path, reader, phone_rows: PhoneRows
) -> None:
    """callerid = "CLI" means CALLERID is something else here: it is not read."""
    specs = (*WINTARIFF_FIELDS, FieldSpec("CLI", "C", 20))
    dbf = table(tmp_path, specs)
    dbf.append({**phone_rows.missed(at(0), "620"), "CLI": CUSTOMER})
    r = reader(source={"fields": {"callerid": "CLI"}})
    r.scan()
    assert [c["remote"] for c in r.cases()] == [CUSTOMER_KEY]


@pytest.mark.parametrize(
    ("specs", "mapping", "message"),
    [
        (WINTARIFF_FIELDS, {"callerid": "CLI"}, "[source.fields] callerid = 'CLI', but the"),
        (renamed(DATE="CDATE"), {}, "no DATE field (the table has: CDATE, ITIME"),
    ],
)
def test_a_table_that_cannot_give_calls_is_not_read_at_all(
    tmp_path: Path,
    reader,
    phone_rows: PhoneRows,
    specs: tuple[FieldSpec, ...],
    mapping: dict[str, str],
    message: str,
) -> None:
    """Reading it would skip every row as bad and move the cursor past calls for good."""
    dbf = table(tmp_path, specs)
    dbf.append({**phone_rows.missed(at(0), CUSTOMER), "CDATE": at(0).date()})
    r = reader(source={"fields": mapping})
    with pytest.raises(DbfError, match=message.replace("[", r"\[").replace("(", r"\(")):
        r.scan()
    assert r.next_index() == 0 and r.calls() == []


@pytest.mark.usefixtures("telegram_token")
def test_check_shows_mapped_fields_and_refuses_a_missing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phone_rows: PhoneRows
) -> None:
    dbf = table(tmp_path, renamed(CALLERID="CLI"))
    row = phone_rows.missed(at(0), CUSTOMER)
    dbf.append({**row, "CLI": row["CALLERID"]})
    fields_table = '[source.fields]\ncallerid = "CLI"'
    config = write_config(tmp_path, dbf.path, extra=fields_table)
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 0, out
    assert "CLI         C 20    caller's number (= CALLERID)" in out
    assert "caller's number: CLI" in out
    assert CUSTOMER_KEY in out

    config = write_config(tmp_path, dbf.path, extra='[source.fields]\ncallerid = "CID"')
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1
    assert "ERROR: [source.fields] callerid = 'CID', but the table has no such field" in out
    # A Russian office reads it in Russian, as the rest of check.
    russian = config.read_text(encoding="utf-8").replace('language = "en"', 'language = "ru"')
    config.write_text(russian, encoding="utf-8")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1
    assert "[source.fields] callerid = 'CID', но такого поля в таблице нет (в ней есть:" in out


def test_plan_uses_stand_ins_only_where_nothing_else_gives_the_value() -> None:
    plan = fields.plan(["DATE", "TIME", "EXTENSION", "DURATION"], {})
    assert plan.sources == {
        "DATE": "DATE",
        "EXTENSION": "EXTENSION",
        "TIME": "TIME",
        "DURATION": "DURATION",
    }
    assert plan.missing == [] and plan.final_at_once and plan.caller_number is None
    plan = fields.plan(["DATE", "TIME", "EXTENSION"], {"time": "time"})
    assert plan.sources == {"DATE": "DATE", "ITIME": "TIME", "EXTENSION": "EXTENSION"}
    assert fields.plan(["ITIME", "EXTENSION"], {}).missing == ["DATE", "IDURATION"]
    # No talk time at all: every answered call would read as missed, and be posted.
    plan = fields.plan(["DATE", "ITIME", "EXTENSION", "CALLERID", "CALLTYPE", "DUR"], {})
    assert plan.missing == ["IDURATION"]
    problem = fields.plan_problem(plan, ["DATE", "ITIME", "EXTENSION", "DUR"], "ru")
    assert problem is not None and problem.startswith("нет поля IDURATION")
    assert "[source.fields]" in problem
    assert fields.plan(["DATE", "ITIME", "EXTENSION", "DUR"], {"duration": "DUR"}).missing == []


# -- no RINGBEFORE, with a rule that reads it ----------------------------------------------


def test_a_rule_reading_the_ring_time_is_warned_once_when_the_table_has_none(
    tmp_path: Path, reader, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    """min_ring_seconds = 5 on a table without RINGBEFORE: every short abandon was posted
    as a missed call, and nothing said the rule could not work."""
    dbf = table(tmp_path, without("RINGBEFORE"))
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    r = reader(rules={"min_ring_seconds": 5})
    with caplog.at_level(logging.WARNING, logger="watcher.ingest"):
        r.scan()
        dbf.append(phone_rows.missed(at(1), CUSTOMER))
        r.scan()
    told = [rec.message for rec in caplog.records if "no RINGBEFORE" in rec.message]
    assert len(told) == 1, told
    assert "rules.min_ring_seconds" in told[0] and "(ring = ...)" in told[0]


def test_a_table_without_ring_times_is_fine_when_no_rule_reads_them(
    tmp_path: Path, reader, phone_rows: PhoneRows, caplog: pytest.LogCaptureFixture
) -> None:
    dbf = table(tmp_path, without("RINGBEFORE"))
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    with caplog.at_level(logging.WARNING, logger="watcher.ingest"):
        reader().scan()
    assert not [rec for rec in caplog.records if "RINGBEFORE" in rec.message]


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "ERROR: no field gives the ring time (no RINGBEFORE), but {keys} reads it"),
        ("ru", "ОШИБКА: в таблице нет поля с секундами гудков (RINGBEFORE), а его читает {keys}"),
    ],
)
@pytest.mark.parametrize(
    ("setting", "keys"),
    [
        ("[rules]\nmin_ring_seconds = 5", "rules.min_ring_seconds"),
        ("ring_timeout_seconds = 30", "department 'Sales'.ring_timeout_seconds"),
    ],
)
def test_check_fails_when_a_rule_reads_a_ring_time_the_table_lacks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    phone_rows: PhoneRows,
    language: str,
    says: str,
    setting: str,
    keys: str,
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    dbf = table(tmp_path, without("RINGBEFORE"))
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    config = write_config(tmp_path, dbf.path)
    text = config.read_text(encoding="utf-8").replace('language = "en"', f'language = "{language}"')
    if setting.startswith("[rules]"):
        text = text.replace("[rules]", setting)
    else:
        text += "\n" + setting
    config.write_text(text, encoding="utf-8")
    code, out, err = run_cli("-c", str(config), "check")
    assert says.format(keys=keys) in out, out + err
    assert 'ring = "..."' in out
    assert code == 1


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "ring seconds: no field (RINGBEFORE). Missed calls in office hours will have"),
        ("ru", "секунды гудков: нет поля (RINGBEFORE). Причина пропуска у звонков"),
    ],
)
def test_check_says_what_a_table_without_ring_times_leaves_out(
    tmp_path: Path, phone_rows: PhoneRows, language: str, says: str
) -> None:
    """No rule reads the ring time, so nothing fails; but the missed calls' reasons and
    the speed of answer need it, and a manager would find those figures empty with no
    word why. Check says it once, with the mapping to try."""
    dbf = table(tmp_path, without("RINGBEFORE"))
    dbf.append(phone_rows.missed(at(0), CUSTOMER))
    config = write_config(tmp_path, dbf.path)
    text = config.read_text(encoding="utf-8").replace('language = "en"', f'language = "{language}"')
    config.write_text(text, encoding="utf-8")
    _, out, err = run_cli("-c", str(config), "check")
    assert out.count(says) == 1, out + err
    assert 'ring = "..."' in out
    (tmp_path / "full").mkdir()
    full = table(tmp_path / "full", without())
    full.append(phone_rows.missed(at(0), CUSTOMER))
    config = write_config(tmp_path / "full", full.path)
    _, out, _ = run_cli("-c", str(config), "check")
    assert "RINGBEFORE)." not in out and "RINGBEFORE" in out  # listed as a field, no note
