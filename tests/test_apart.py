"""Long work in a process of its own (bot.apart): what it gives back, what it raises, a
thread when no process can be had, never the work twice, and no process left behind."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing.context
import os
import time
from pathlib import Path

import pytest

from bot import apart


async def test_the_work_runs_in_another_process() -> None:
    assert await apart.run_apart(os.getpid) != os.getpid()


async def test_the_work_s_own_error_comes_back_as_raised() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        await apart.run_apart(int, "forty-two")


class _NoProcess(multiprocessing.context.SpawnProcess):
    def start(self) -> None:
        raise OSError("process creation refused by policy")


class _NoProcesses(multiprocessing.context.SpawnContext):
    Process = _NoProcess


async def test_without_a_process_the_work_runs_in_a_thread_after_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(apart, "_SPAWN", _NoProcesses())
    with caplog.at_level(logging.WARNING, logger="bot.apart"):
        assert await apart.run_apart(os.getpid) == os.getpid()
    [line] = caplog.messages
    assert "no process for getpid (process creation refused by policy)" in line
    assert "in a thread instead" in line


def _dies_apart(parent: int) -> str:
    """Kills the process it runs in, unless that is the test's own."""
    if os.getpid() != parent:
        os._exit(3)
    return "done in the bot's process"


async def test_a_process_that_dies_under_the_work_is_an_error_not_a_second_run() -> None:
    said = r"_dies_apart ended without an answer \(exit code 3\)"
    with pytest.raises(apart.ApartError, match=said):
        await apart.run_apart(_dies_apart, os.getpid())


class _Particular(Exception):
    """An error that pickles but cannot be rebuilt from its arguments."""

    def __init__(self, *, detail: str) -> None:
        super().__init__(f"particular: {detail}")


def _fails_particularly() -> None:
    raise _Particular(detail="the sheet")


async def test_an_error_that_cannot_come_back_is_named_not_run_again() -> None:
    with pytest.raises(apart.ApartError, match="its answer could not be read"):
        await apart.run_apart(_fails_particularly)


def _sleeps_apart(where: str) -> None:
    Path(where).write_text(str(os.getpid()), encoding="ascii")
    time.sleep(60)


async def test_a_cancelled_wait_ends_the_process(tmp_path: Path) -> None:
    """The bot stopping mid-report leaves no process working on."""
    marker = tmp_path / "pid"
    task = asyncio.create_task(apart.run_apart(_sleeps_apart, str(marker)))
    for _ in range(400):  # the child is up once it has written its pid (a few seconds at most)
        if marker.exists() and marker.read_text(encoding="ascii"):
            break
        await asyncio.sleep(0.05)
    pid = int(marker.read_text(encoding="ascii"))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
