"""Long work in a process of its own (bot.apart): what it gives back, what it raises, and
a thread when no process can be had."""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.context
import os

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


async def test_a_process_that_dies_under_the_work_hands_it_to_a_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.apart"):
        assert await apart.run_apart(_dies_apart, os.getpid()) == "done in the bot's process"
    [line] = caplog.messages
    assert line.startswith("the process for _dies_apart died")
