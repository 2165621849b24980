"""Shared fixtures. Keep each one small and independent; add new ones below the others.

Phone side (watcher/): ``phone_config`` builds a validated Config for a Calls.dbf in
tmp_path, ``calls_dbf`` is a WinTariff imitator writing that file, ``phone_rows`` makes
Calls.dbf rows for the usual kinds of call.

Chat side: ``telegram_token`` points TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL at a fake
Bot API, for the tests of `check` whose subject is another stage.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from watcher.config import Config, parse_config
from watcher.sim.wintariff import CallsDbfWriter, make_row

# -- phone side ---------------------------------------------------------------------------

SALES_CHAT = -1001000000001
SERVICE_CHAT = -1001000000002
EMPLOYEE = "+79990000000"

PHONE_CONFIG: dict[str, Any] = {
    "language": "ru",
    "timezone": "Europe/Moscow",
    "source": {"path": "Calls.dbf", "encoding": "auto", "settle_seconds": 30},
    "database": {"path": "perezvon.db"},
    "rules": {"callback_min_seconds": 5, "employee_numbers": [EMPLOYEE]},
    "telegram": {"managers_chat": -1001000000000, "admins": [1]},
    "department": [
        {
            "name": "Отдел продаж",
            "chat": SALES_CHAT,
            "extensions": ["620", "201-209"],
            "default": True,
        },
        {"name": "Сервис", "chat": SERVICE_CHAT, "extensions": ["630", "301-309"], "lines": ["05"]},
    ],
}


@pytest.fixture
def phone_config(tmp_path: Path) -> Callable[..., Config]:
    """``phone_config(source={...}, rules={...}, department=[...])``: the base config with
    those tables merged in (``department`` replaces the list), paths under tmp_path."""

    def build(**overrides: Any) -> Config:
        data = copy.deepcopy(PHONE_CONFIG)
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key].update(value)
            else:
                data[key] = value
        return parse_config(data, base_dir=tmp_path)

    return build


@pytest.fixture
def calls_dbf(tmp_path: Path) -> CallsDbfWriter:
    """An empty WinTariff Calls.dbf (cp866, standard fields) at tmp_path / "Calls.dbf"."""
    return CallsDbfWriter.create(tmp_path / "Calls.dbf")


class PhoneRows:
    """Calls.dbf rows for the usual calls; ``calltype=""`` gives a row not finalized yet."""

    def missed(
        self, when: dt.datetime, caller: str = "89161234567", ext: str = "620", **kw: Any
    ) -> dict[str, object]:
        kw.setdefault("calltype", "I")
        kw.setdefault("ring", 20)
        kw.setdefault("callmode", "NA")
        return make_row(when=when, duration=0, extension=ext, callerid=caller, **kw)

    def answered_in(
        self, when: dt.datetime, caller: str, seconds: int = 60, ext: str = "201", **kw: Any
    ) -> dict[str, object]:
        kw.setdefault("calltype", "I")
        kw.setdefault("ring", 5)
        return make_row(when=when, duration=seconds, extension=ext, callerid=caller, **kw)

    def outgoing(
        self, when: dt.datetime, number: str, seconds: int = 60, ext: str = "201", **kw: Any
    ) -> dict[str, object]:
        kw.setdefault("calltype", "C")
        return make_row(when=when, duration=seconds, extension=ext, number=number, **kw)

    def internal(self, when: dt.datetime, ext: str = "201", to: str = "202") -> dict[str, object]:
        return make_row(
            when=when, duration=0, extension=ext, number=f"internal-{to}", calltype="N", co=""
        )


@pytest.fixture
def phone_rows() -> PhoneRows:
    return PhoneRows()


# -- chat side ----------------------------------------------------------------------------


@pytest.fixture
def telegram_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A token a fake Bot API takes: `check` fails without one (`run` would refuse), so a
    test of its other stages that expects it to pass needs it."""
    from tests.fake_bot_api import serving_in_a_thread

    with serving_in_a_thread() as api:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", api.token)
        monkeypatch.setenv("TELEGRAM_BASE_URL", api.base_url)
        yield api
