"""built_call: a Call built without the frozen dataclass's __init__ is the same Call."""

from __future__ import annotations

import dataclasses
import inspect
import sys
from datetime import datetime

import pytest

from watcher.models import Call, built_call
from watcher.vocab import Direction, MissReason

VALUES = {
    "fingerprint": "0f3a",
    "record_index": 7,
    "started_at": datetime(2024, 3, 4, 9, 15, 2),
    "duration": 0,
    "extension": "620",
    "direction": Direction.IN,
    "remote": "+79161234567",
    "number": "",
    "callerid": "89161234567",
    "co_line": "01",
    "calltype": "I",
    "callmode": "",
    "status": "",
    "ring_seconds": 12,
    "miss_reason": MissReason.HUNG_UP,
}


def test_built_call_takes_every_field_of_call_in_order() -> None:
    """A field added to Call must be added here too, or this fails (not a silent gap)."""
    names = [field.name for field in dataclasses.fields(Call)]
    assert list(inspect.signature(built_call).parameters) == names
    assert list(VALUES) == names


def test_built_call_is_the_call_the_dataclass_builds() -> None:
    built, plain = built_call(**VALUES), Call(**VALUES)  # type: ignore[arg-type]
    assert built == plain and hash(built) == hash(plain) and repr(built) == repr(plain)
    assert type(built) is Call and vars(built) == vars(plain)
    # its __dict__ shares the keys of every other Call, as __init__'s does
    assert sys.getsizeof(vars(built)) <= sys.getsizeof(vars(plain))
    assert dataclasses.replace(built, duration=5) == dataclasses.replace(plain, duration=5)
    assert built.is_missed_incoming and not built.answered
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.duration = 3  # type: ignore[misc]
