"""[logging]: a rotating file next to the config, a level; and a share that is away being
logged once per episode, not every few seconds."""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import logs
from tests.conftest import PhoneRows
from tests.test_cli import run_cli, write_config
from watcher.config import Config, ConfigError, LoggingConfig, parse_config
from watcher.service import WatcherService
from watcher.sim.wintariff import CallsDbfWriter

SALES = {"name": "Sales", "chat": -100, "default": True}
NOW = dt.datetime(2024, 5, 6, 12, 0)


@pytest.fixture(autouse=True)
def close_log_files() -> Iterator[None]:
    level = logging.getLogger().level
    yield
    logs.close_files()
    logging.getLogger().setLevel(level)


def test_logging_defaults_and_paths_from_the_config_folder(tmp_path: Path) -> None:
    config = parse_config({"department": [SALES]}, base_dir=tmp_path)
    assert config.logging == LoggingConfig(tmp_path / "perezvon.log", "info", 10.0, 5)
    data = {"department": [SALES], "logging": {"file": "logs/pz.log", "level": "DEBUG"}}
    config = parse_config(data, base_dir=tmp_path)
    assert config.logging.file == tmp_path / "logs" / "pz.log"
    assert config.logging.level == "debug"
    data["logging"] = {"file": ""}
    assert parse_config(data, base_dir=tmp_path).logging.file is None  # console only


def test_bad_logging_values_are_refused(tmp_path: Path) -> None:
    data = {
        "language": "en",
        "department": [SALES],
        "logging": {"level": "verbose", "max_mb": -1, "backups": 2.5, "file": 3},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=tmp_path)
    assert caught.value.problems == [
        "logging.file: must be text in quotes",
        "logging.level: must be one of debug, info, warning, not 'verbose'",
        "logging.max_mb: must be at least 0",
        "logging.backups: must be a whole number",
    ]


def test_the_log_file_rotates_at_max_mb_and_keeps_backups(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "perezvon.log"
    config = LoggingConfig(file=path, level="info", max_mb=0.001, backups=2)  # ~1 KB
    assert logs.use_config(config, verbose=False) == path
    handler = logging.getLogger().handlers[-1]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert (handler.maxBytes, handler.backupCount) == (1048, 2)
    log = logging.getLogger("perezvon.test")
    for i in range(100):
        log.info("line %d of a long enough message to fill the file soon", i)
    log.debug("not at info level")
    logs.close_files()
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["perezvon.log", "perezvon.log.1", "perezvon.log.2"]
    text = path.read_text(encoding="utf-8")
    assert "INFO perezvon.test: line 99 of" in text
    assert "not at info level" not in text


def test_a_log_file_that_cannot_be_opened_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    config = LoggingConfig(file=blocker / "perezvon.log")
    assert logs.use_config(config, verbose=False) is None
    assert "cannot write the log file" in caplog.text


def test_import_logs_to_the_file_next_to_the_config(
    tmp_path: Path, calls_dbf: CallsDbfWriter, phone_rows: PhoneRows
) -> None:
    # One good row beside the bad one: a table of bad rows only fails the import.
    calls_dbf.append(phone_rows.missed(NOW, "89160000002"))
    calls_dbf.append({**phone_rows.missed(NOW, "89160000001"), "DATE": b"20241340"})
    config = write_config(tmp_path, calls_dbf.path, logging='[logging]\nlevel = "warning"')
    code, _, _ = run_cli("-c", str(config), "import", str(calls_dbf.path))
    assert code == 0
    text = (tmp_path / "perezvon.log").read_text(encoding="utf-8")
    assert "WARNING watcher.ingest: record 2:" in text


# -- the share away -----------------------------------------------------------------------


def wait_for(what: Callable[[], object], timeout: float = 8.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if what():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_a_folder_away_is_one_warning_then_one_line_when_it_is_back(
    tmp_path: Path,
    phone_config: Callable[..., Config],
    phone_rows: PhoneRows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="watcher.service")
    config = phone_config(source={"path": "pbx/Calls.dbf"})
    service = WatcherService(config, clock=lambda: NOW, recheck_seconds=0.05)
    service.start()
    try:
        # Many failed passes: the folder's and the file's problem both, every time.
        wait_for(lambda: sum("still" in r.getMessage() for r in caplog.records) >= 5)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        message = warnings[0].getMessage()
        assert "file not found" in message and "folder not reachable" in message
        assert message.endswith("re-checking every 0.05 s")
        (tmp_path / "pbx").mkdir()
        CallsDbfWriter.create(tmp_path / "pbx" / "Calls.dbf").append(
            phone_rows.missed(NOW - dt.timedelta(minutes=5), "89160000001")
        )
        wait_for(lambda: "readable again" in caplog.text)
    finally:
        service.stop()
    [back] = [r for r in caplog.records if "readable again" in r.getMessage()]
    assert back.levelno == logging.INFO
    assert "failed checks)" in back.getMessage()
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_the_warning_names_the_interval_it_really_rechecks_at(
    phone_config: Callable[..., Config], caplog: pytest.LogCaptureFixture
) -> None:
    """With native events the timer is 10 s, but with no folder to watch it is 2 s."""
    caplog.set_level(logging.WARNING, logger="watcher.service")
    service = WatcherService(phone_config(source={"path": "gone/Calls.dbf"}))
    service.start()
    try:
        wait_for(lambda: caplog.records)
    finally:
        service.stop()
    assert caplog.records[0].getMessage().endswith("re-checking every 2 s")


def test_watchdog_s_own_stop_race_is_not_an_error_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """watchdog's emitter reading once after its stop logs an ERROR at shutdown (seen at
    the end of `make demo`); that one line is dropped, watchdog's others pass."""
    logs.setup_console(verbose=False, quiet=True)
    logs.setup_console(verbose=False, quiet=True)  # once, however often it is set up
    inotify = logging.getLogger("watchdog.observers.inotify")
    assert inotify.filters.count(logs.WATCHDOG_STOP_RACE) == 1
    with caplog.at_level(logging.WARNING, logger="watchdog.observers.inotify"):
        inotify.error("InotifyEmitter.queue_events() called when the thread is inactive")
        inotify.error("inotify watch limit reached")
    assert [r.getMessage() for r in caplog.records] == ["inotify watch limit reached"]


class _FullDisk:
    """A log file's stream on a disk with no space left: every write fails (ENOSPC)."""

    def __init__(self, real: object) -> None:
        self.real = real

    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")

    def flush(self) -> None:
        raise OSError(28, "No space left on device")

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_log_file_on_a_full_disk_is_told_once_not_a_traceback_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The log's disk filled: Python's logging printed "--- Logging error ---" and a
    12-line traceback on the console for every line of the service, for as long as the
    disk stayed full, and never said which file or what to do."""
    path = tmp_path / "perezvon.log"
    config = LoggingConfig(path, "info", 10.0, 2)
    assert logs.use_config(config, verbose=False, language="en") == path
    [handler] = [
        h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "") == str(path)
    ]
    service = logging.getLogger("watcher.service")
    service.info("before the disk filled")
    real = handler.stream  # type: ignore[attr-defined]
    handler.stream = _FullDisk(real)  # type: ignore[attr-defined]
    caplog.set_level(logging.INFO)
    for i in range(50):
        service.info("a line while the disk is full %d", i)
    told = [r for r in caplog.records if r.name == "bot.logs"]
    assert len(told) == 1 and told[0].levelname == "WARNING"
    assert str(path) in told[0].getMessage() and "No space left" in told[0].getMessage()
    assert "Logging error" not in capsys.readouterr().err
    handler.stream = real  # type: ignore[attr-defined]
    service.info("after space was freed")
    told = [r for r in caplog.records if r.name == "bot.logs"]
    assert len(told) == 2 and "51 lines" in told[1].getMessage()
    handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "before the disk filled" in text and "after space was freed" in text
    assert "written again" in text
