"""Paths and files: one cursor per Calls.dbf whatever way its path is written, one `run`
per ledger (an OS lock that dies with its process), a damaged or unwritable ledger told
in words, and a long pass that does not keep Calls.dbf open between chunks."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from tests.conftest import PhoneRows
from tests.test_cli import office_day, run_cli, write_config
from watcher import ingest as ingest_module
from watcher.config import Config
from watcher.dbf_reader import READ_CHUNK, DbfError, RecordDecoder, read_layout, read_records
from watcher.ingest import Ingestor, find_cursor, source_key
from watcher.instance import LedgerInUse, LedgerLock, in_use, lock_path
from watcher.ledger import Ledger, SourceState
from watcher.ledger_open import LedgerError, LedgerProblem, explain, open_ledger
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter, make_row
from watcher.texts import tr

DAY = dt.datetime(2026, 11, 20, 9, 0)


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


def rows(count: int, start: int = 0) -> list[dict[str, object]]:
    return [
        make_row(
            when=DAY + dt.timedelta(seconds=30 * (start + i)),
            duration=10 + i % 50,
            extension="201",
            number=f"8916{start + i:07d}",
            calltype="C",
        )
        for i in range(count)
    ]


# -- one cursor per file ------------------------------------------------------------------------


def test_the_cursor_key_is_the_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    absolute = str(tmp_path / "Calls.dbf")
    assert source_key("Calls.dbf") == absolute
    assert source_key(Path("sub/../Calls.dbf")) == absolute
    assert source_key(tmp_path / "Calls.dbf") == absolute


def test_import_by_a_relative_path_and_run_share_the_cursor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config_file = write_config(tmp_path, dbf)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("-c", "perezvon.toml", "import", "Calls.dbf")
    assert code == 0, err
    assert f"Imported {dbf} into {tmp_path / 'ledger.db'}" in out  # absolute paths
    from watcher.config import load_config

    config = load_config(config_file)
    with Ledger(config.database_path) as ledger:
        result = Ingestor(config, ledger).scan()  # what `run`'s first pass does
        keys = [r[0] for r in ledger.conn.execute("SELECT path FROM source_state")]
    assert result.records_read == 0  # it goes on from the import's cursor
    assert keys == [str(dbf)]


def test_a_cursor_saved_under_the_old_key_is_found_and_moved(
    phone_config: Callable[..., Config],
    calls_dbf: CallsDbfWriter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before, the key was the path as written; on Windows it is case-folded now too.
    Neither loses the cursor: the old key is read once and the state saved under the new."""
    # Windows' os.path.normcase folds case (and slashes); the reader's own calls keep theirs.
    monkeypatch.setattr(ingest_module, "source_key", lambda p: os.path.abspath(p).lower())
    config = phone_config()
    calls_dbf.append_many(rows(5))
    old_key = str(config.source.path)
    new_key = ingest_module.source_key(config.source.path)
    assert new_key != old_key  # the tmp path has capitals
    with Ledger(config.database_path) as ledger:
        Ingestor(config, ledger).scan()
        state = find_cursor(ledger, config.source.path)
        assert state is not None and state.next_index == 5
        # As an older version saved it: under the path as written.
        ledger.forget_source_state(state.path)
        state.path = old_key
        ledger.save_source_state(state)
        assert isinstance(find_cursor(ledger, config.source.path), SourceState)
        calls_dbf.append_many(rows(2, start=5))
        result = Ingestor(config, ledger).scan()
        keys = [r[0] for r in ledger.conn.execute("SELECT path FROM source_state")]
    assert result.records_read == 2 and result.rebaselined is None  # no re-read
    assert keys == [new_key]


# -- one `run` per ledger -----------------------------------------------------------------------


def test_import_of_the_live_file_is_refused_while_run_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone: list[bool] = []  # what each import was told of the ledger's other writers
    real_init = Ingestor.__init__

    def spy(self: Ingestor, *args: Any, **kwargs: Any) -> None:
        alone.append(kwargs.get("alone", False))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Ingestor, "__init__", spy)
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    archive = tmp_path / "Calls-2025.dbf"
    office_day(archive)
    with LedgerLock(tmp_path / "ledger.db").acquire():  # as `run` holds it
        code, _, err = run_cli("-c", str(config), "import", str(dbf))
        assert code == 1
        assert f"`perezvon run` reads {dbf} itself right now" in err
        assert f"({tmp_path / 'ledger.db.lock'} is held)" in err
        code, out, err = run_cli("-c", str(config), "import", str(archive))
        assert code == 0, err  # an archived copy may be imported next to `run`
        _, out, _ = run_cli("-c", str(config), "check")
        assert "`perezvon run` works with this ledger" in out
    code, _, err = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0, err
    # Next to `run` the import commits as often as a pass does; alone, less often.
    assert alone == [False, True]


def test_a_second_run_is_refused_before_it_touches_telegram(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:nobody-answers-this-token")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setattr("bot.cli.RUN_WAIT_SECONDS", 0.1)
    with LedgerLock(tmp_path / "ledger.db").acquire():
        code, _, err = run_cli("-c", str(config), "run")
    assert code == 2
    assert "another Perezvon works with the ledger" in err


def test_a_lock_left_by_a_killed_process_blocks_nobody(tmp_path: Path) -> None:
    database = tmp_path / "ledger.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock;"
            f" held = FileLock({str(lock_path(database))!r}); held.acquire();"
            " print('held', flush=True);"
            " time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert in_use(database)
        with pytest.raises(LedgerInUse):
            LedgerLock(database).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    assert not in_use(database)
    lock_path(database).write_text("left over by a crash\n", encoding="utf-8")
    with LedgerLock(database).acquire() as lock:
        assert lock.held
    assert not in_use(database)


def test_chats_is_refused_while_run_is_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, tmp_path / "Calls.dbf")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:nobody-answers-this-token")
    with FileLock(str(tmp_path / "ledger.db.lock")):
        code, _, err = run_cli("-c", str(config), "chats", "--seconds", "1")
    assert code == 2
    assert "`perezvon run` is running" in err and "send /start in the chat" in err


# -- a ledger that cannot be used -----------------------------------------------------------------


def test_a_damaged_ledger_is_named_with_the_fix(tmp_path: Path) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    ledger = tmp_path / "ledger.db"
    ledger.write_bytes(b"this was never an SQLite file, it only has the name" * 100)
    for args in (("import", str(dbf)), ("stats", "2026-11-20")):
        code, out, err = run_cli("-c", str(config), *args)
        assert code == 2, args
        assert f"error: {ledger} is not a Perezvon ledger or it is damaged" in err, args
        assert "restore the ledger from a backup" in err
        assert "Traceback" not in out + err
    code, out, err = run_cli("-c", str(config), "check")  # check goes on, and fails
    assert code == 1
    assert f"Ledger {ledger}\n  error: {ledger} is not a Perezvon ledger" in out
    assert "Calls.dbf" in out and "Telegram" in out and "Traceback" not in out + err


def test_an_unwritable_ledger_folder_is_named(tmp_path: Path) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    (tmp_path / "data").write_text("a file where the ledger's folder should be\n")
    config = write_config(tmp_path, dbf)
    text = config.read_text(encoding="utf-8").replace('"ledger.db"', '"data/ledger.db"')
    config.write_text(text, encoding="utf-8")
    code, _, err = run_cli("-c", str(config), "import", str(dbf))
    assert code == 2
    assert f"the ledger {tmp_path / 'data' / 'ledger.db'} cannot be opened for writing" in err
    assert "Traceback" not in err
    with pytest.raises(LedgerError) as caught:
        open_ledger(tmp_path / "data" / "ledger.db")
    assert caught.value.problem is LedgerProblem.UNWRITABLE


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "error: {path} is a folder; database.path must name the ledger's file itself"),
        ("ru", "ошибка: {path} — это папка, а в database.path нужен сам файл базы"),
    ],
)
def test_a_ledger_path_naming_a_folder_is_told_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, says: str
) -> None:
    """database.path = "data" (a folder): SQLite's "unable to open" was told as a
    rights problem, sending the admin to the folder's permissions."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    (tmp_path / "data").mkdir()
    config = write_config(tmp_path, dbf)
    text = config.read_text(encoding="utf-8").replace('"ledger.db"', '"data"')
    config.write_text(text.replace('"en"', f'"{language}"', 1), encoding="utf-8")
    told = says.format(path=tmp_path / "data")
    code, out, _ = run_cli("-c", str(config), "check")
    assert code == 1 and told in out, out
    assert str(tmp_path / "data" / "perezvon.db") in out
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:nobody-answers-this-token")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    code, _, err = run_cli("-c", str(config), "run")
    assert code == 2 and told in err and "Traceback" not in err, err
    with pytest.raises(LedgerError) as caught:
        open_ledger(tmp_path / "data")
    assert caught.value.problem is LedgerProblem.FOLDER


def test_run_with_a_damaged_ledger_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    (tmp_path / "ledger.db").write_bytes(b"\x00garbage" * 1000)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:nobody-answers-this-token")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    code, _, err = run_cli("-c", str(config), "run")
    assert code == 2
    assert "is not a Perezvon ledger or it is damaged" in err
    assert "Traceback" not in err


def test_the_watcher_reports_a_damaged_ledger_in_words(
    phone_config: Callable[..., Config], calls_dbf: CallsDbfWriter
) -> None:
    config = phone_config()
    config.database_path.write_bytes(b"garbage" * 1000)
    service = WatcherService(config)
    with pytest.raises(LedgerError, match="not a readable SQLite ledger"):
        service.scan_now()


# -- Calls.dbf is not held open for a whole pass -------------------------------------------


def open_handles(path: Path) -> int:
    """How many descriptors of this process point at ``path`` (Linux's /proc)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
        except OSError:
            continue
    return count


@pytest.fixture
def big_dbf(calls_dbf: CallsDbfWriter) -> CallsDbfWriter:
    calls_dbf.append_many(rows(2 * READ_CHUNK + 10))
    return calls_dbf


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_the_file_is_closed_between_chunks(big_dbf: CallsDbfWriter) -> None:
    layout = read_layout(big_dbf.path)
    records = read_records(layout, 0, layout.complete_count, RecordDecoder(layout))
    next(records)
    assert open_handles(big_dbf.path) == 0  # the first chunk is read and the file closed
    assert sum(1 for _ in records) == layout.complete_count - 1


def test_a_file_renamed_and_replaced_between_chunks_is_noticed(big_dbf: CallsDbfWriter) -> None:
    layout = read_layout(big_dbf.path)
    records = read_records(layout, 0, layout.complete_count, RecordDecoder(layout))
    for _ in range(READ_CHUNK):
        next(records)
    big_dbf.path.rename(big_dbf.path.with_name("Calls-archive.dbf"))  # WinTariff archives it
    fresh = CallsDbfWriter.create(big_dbf.path)
    fresh.append_many(rows(2 * READ_CHUNK + 10, start=100_000))
    with pytest.raises(DbfError, match="replaced while it was read"):
        next(records)


def test_a_file_cut_short_between_chunks_is_noticed(big_dbf: CallsDbfWriter) -> None:
    layout = read_layout(big_dbf.path)
    records = read_records(layout, 0, layout.complete_count, RecordDecoder(layout))
    for _ in range(READ_CHUNK):
        next(records)
    with open(big_dbf.path, "r+b") as handle:
        handle.truncate(layout.header_len + (READ_CHUNK + 5) * layout.record_len)
    with pytest.raises(DbfError, match="shrank while it was read"):
        list(records)


def test_a_pass_over_a_replaced_file_moves_no_cursor_past_unread_rows(
    phone_config: Callable[..., Config],
    big_dbf: CallsDbfWriter,
    phone_rows: PhoneRows,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = phone_config()
    real = ingest_module.read_records

    def replacing(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        for record in real(*args, **kwargs):  # type: ignore[arg-type]
            yield record
            if record.index == READ_CHUNK - 1:  # between the first and second chunk
                big_dbf.path.rename(big_dbf.path.with_name("Calls-archive.dbf"))
                CallsDbfWriter.create(big_dbf.path).append_many(rows(10, start=50_000))

    monkeypatch.setattr(ingest_module, "read_records", replacing)
    with Ledger(config.database_path) as ledger:
        with pytest.raises(DbfError, match="replaced"):
            Ingestor(config, ledger).scan()
        state = find_cursor(ledger, config.source.path)
        assert state is None or state.next_index <= READ_CHUNK
        monkeypatch.setattr(ingest_module, "read_records", real)
        result = Ingestor(config, ledger).scan()  # the next pass reads the new file
    assert result.total_records == 10


# -- a ledger moved or deleted ------------------------------------------------------------


def _office_that_ran(tmp_path: Path) -> Path:
    """An office whose ledger is gone (moved, deleted) while its log stayed."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf, log='[logging]\nfile = "perezvon.log"')
    (tmp_path / "perezvon.log").write_text(
        "2026-11-20 09:00:00 INFO bot.app: bot @office_bot is up\n", encoding="utf-8"
    )
    return config


@pytest.mark.parametrize("language", ["en", "ru"])
def test_check_says_a_ledger_that_is_gone_took_the_history(tmp_path: Path, language: str) -> None:
    """perezvon.db deleted or moved while `run` was stopped: `check` said "not created yet
    (the first run creates it)", as on a first install, and `run` started an empty one:
    the cases, callbacks and archives imported were gone and nobody said so."""
    config = _office_that_ran(tmp_path)
    config.write_text(config.read_text().replace('"en"', f'"{language}"'))
    _, out, _ = run_cli("-c", str(config), "check")
    database, log = tmp_path / "ledger.db", tmp_path / "perezvon.log"
    said = tr(language, "cli_check_ledger_gone", path=database, trace=log)
    assert said in out
    assert tr(language, "cli_check_ledger_missing") not in out
    assert "perezvon import" in said


def test_check_on_a_first_install_does_not_speak_of_a_lost_ledger(tmp_path: Path) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf, log='[logging]\nfile = "perezvon.log"')
    _, out, _ = run_cli("-c", str(config), "check")
    assert tr("en", "cli_check_ledger_missing") in out
    assert "moved or deleted" not in out


def test_run_warns_that_it_starts_a_new_ledger_where_one_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = _office_that_ran(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:nobody-answers-this-token")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    started: list[bool] = []
    monkeypatch.setattr("bot.app.run", lambda *args: started.append(True) or 0)
    with caplog.at_level(logging.WARNING):
        code, _, _ = run_cli("-c", str(config), "run")
    assert code == 0 and started == [True]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        f"{tmp_path / 'ledger.db'}: the ledger is not there" in line and "perezvon import" in line
        for line in warned
    ), warned


# -- a ledger file marked read-only --------------------------------------------------------


def _ledger_file_read_only(monkeypatch: pytest.MonkeyPatch, database: Path) -> None:
    """The ledger file read-only (Windows' "Read-only" box after a restore from a backup,
    a copy off a CD): SQLite opens such a file read-only and fails only at the first
    write. The file's mode cannot stop a test that runs as root, so SQLite is asked to
    open it read-only, as it does by itself for such a file."""
    connect = sqlite3.connect

    def read_only(target: object, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if str(target) == str(database):
            return connect(f"file:{database}?mode=ro", *args, uri=True, **kwargs)
        return connect(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", read_only)


def test_a_read_only_ledger_file_fails_check_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`check` said "no errors, all is ready", `run` said "bot is up", and then every
    pass failed with a traceback ("attempt to write a readonly database"): no missed call
    was ever posted."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    code, _, err = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0, err
    database = tmp_path / "ledger.db"
    _ledger_file_read_only(monkeypatch, database)

    _, out, _ = run_cli("-c", str(config), "check")
    said = f"the ledger {database} cannot be opened for writing (attempt to write a readonly"
    assert said in out
    assert '"Read-only"' in out
    assert "no errors" not in out

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:nobody-answers-this-token")
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    with caplog.at_level(logging.ERROR):
        code, _, err = run_cli("-c", str(config), "run")
    assert code == 2
    assert said in err and "Traceback" not in err
    # The service's log, all an admin of a Windows service sees, names the attribute too.
    assert any("marked Read-only" in r.getMessage() for r in caplog.records)


def test_stats_still_read_a_read_only_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    assert run_cli("-c", str(config), "import", str(dbf))[0] == 0
    _ledger_file_read_only(monkeypatch, tmp_path / "ledger.db")
    code, out, err = run_cli("-c", str(config), "stats", "2026-11-20")
    assert code == 0, err
    assert "Incoming: 3" in out


def test_a_ledger_another_process_writes_to_is_no_read_only_one(tmp_path: Path) -> None:
    """The write probe must not wait for, nor fail on, a writer holding the ledger (an
    import next to `check`)."""
    database = tmp_path / "ledger.db"
    open_ledger(database).close()
    with Ledger(database) as writer:
        writer.conn.execute("BEGIN IMMEDIATE")
        open_ledger(database, writable=True).close()
        writer.conn.execute("ROLLBACK")


# -- a full disk -----------------------------------------------------------------------------


def _disk_fills_after(monkeypatch: pytest.MonkeyPatch, pages: int) -> None:
    """The ledger's disk full a few pages on: SQLite's own SQLITE_FULL ("database or disk
    is full"), as a full disk gives, from a page limit."""
    opened = Ledger.__init__

    def limited(self: Ledger, path: str | Path) -> None:
        opened(self, path)
        used = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {used + pages}")

    monkeypatch.setattr(Ledger, "__init__", limited)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_import_onto_a_full_disk_says_the_disk_is_full_not_the_ledger_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """The disk filled during an import: the admin was told the ledger was damaged and to
    rename it and restore it from a backup, or start anew: a good ledger thrown away."""
    dbf = tmp_path / "Calls.dbf"
    writer = CallsDbfWriter.create(dbf)
    writer.append_many(
        make_row(
            when=DAY + dt.timedelta(minutes=i), duration=0, extension="620",
            callerid=f"8916{i:07d}", calltype="I", ring=20,
        )
        for i in range(3000)
    )  # fmt: skip
    config = write_config(tmp_path, dbf)
    config.write_text(config.read_text().replace('"en"', f'"{language}"'))
    assert run_cli("-c", str(config), "check")[0] in (0, 1)  # creates nothing
    open_ledger(tmp_path / "ledger.db").close()
    _disk_fills_after(monkeypatch, 20)
    code, _, err = run_cli("-c", str(config), "import", str(dbf))
    assert code == 2
    database = tmp_path / "ledger.db"
    assert tr(language, "cli_ledger_full", path=database, error="database or disk is full") in err
    assert tr(language, "cli_ledger_damaged", path=database, error="x")[:30] not in err
    monkeypatch.undo()  # space freed: the import again, no call stored twice
    code, _, err = run_cli("-c", str(config), "import", str(dbf))
    assert code == 0, err
    assert run_cli("-c", str(config), "import", str(dbf))[0] == 0
    with Ledger(database) as ledger:
        assert ledger.call_count() == 3000


def test_sqlite_full_is_told_as_a_full_disk(tmp_path: Path) -> None:
    database = tmp_path / "ledger.db"
    with Ledger(database) as ledger:
        used = ledger.conn.execute("PRAGMA page_count").fetchone()[0]
        ledger.conn.execute(f"PRAGMA max_page_count = {used}")
        with pytest.raises(sqlite3.OperationalError) as full:
            ledger.conn.execute("CREATE TABLE filler (x)")
    told = explain(database, full.value)
    assert told.problem is LedgerProblem.FULL
    assert "disk" in str(told) and "free" in str(told)


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "or an import"), ("ru", "или идёт импорт")],
)
def test_check_next_to_an_import_does_not_call_it_a_run(
    tmp_path: Path, language: str, says: str
) -> None:
    """`check` while a long `perezvon import` held the ledger said "`perezvon run` works
    with this ledger" (with no service started, the admin looked for a stray one) and
    counted 0 calls: the import's were not committed yet."""
    dbf = tmp_path / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    config.write_text(config.read_text().replace('"en"', f'"{language}"'))
    open_ledger(tmp_path / "ledger.db").close()
    with LedgerLock(tmp_path / "ledger.db").acquire():  # the import's
        _, out, _ = run_cli("-c", str(config), "check")
    lock = lock_path(tmp_path / "ledger.db")
    assert tr(language, "cli_check_running", lock=lock) in out
    assert says in tr(language, "cli_check_running", lock=lock)


def test_the_live_file_by_another_path_is_refused_while_run_holds_the_lock(
    tmp_path: Path,
) -> None:
    """The live Calls.dbf typed by another name for the same file (a link, a short 8.3
    name, a second share name): the import went ahead next to `run`, and a missed call
    it read first was stored as history, never posted."""
    folder = tmp_path / "WinTariff"
    folder.mkdir()
    dbf = folder / "Calls.dbf"
    office_day(dbf)
    config = write_config(tmp_path, dbf)
    other_name = tmp_path / "Calls link.dbf"
    try:
        other_name.symlink_to(dbf)
    except OSError:  # Windows without the right to make links
        os.link(dbf, other_name)
    with LedgerLock(tmp_path / "ledger.db").acquire():  # as `run` holds it
        code, _, err = run_cli("-c", str(config), "import", str(other_name))
    assert code == 1
    lock = lock_path(tmp_path / "ledger.db")
    assert tr("en", "cli_import_busy", path=other_name, lock=lock) in err
    assert not (tmp_path / "ledger.db").exists()
