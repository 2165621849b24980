"""A card lists its failed callbacks in the order they happened."""

from __future__ import annotations

from tests.conftest import SALES_CHAT
from tests.test_bot_buttons import posted, shown
from tests.test_bot_harness import IVAN, Office, office

__all__ = ["office"]  # the fixture, imported for pytest


async def test_callback_attempts_are_listed_by_time_not_by_when_they_were_read(
    office: Office,
) -> None:
    """Ivan dialled from ext. 201 and got no answer, then pressed 📵 a few minutes later;
    the watcher read his call from the log only after the press. The card listed the
    press above the earlier call."""
    case_id, message = await posted(office)
    await office.press(SALES_CHAT, message["message_id"], IVAN, f"f:{case_id}")
    office.callback(ext="201", seconds=0, minutes_ago=3)
    await office.scan()
    card = await shown(office)
    attempts = [line for line in card["text"].splitlines() if line.startswith("📵")]
    assert len(attempts) == 2, card["text"]
    assert attempts[0].startswith("📵 доб. 201 в ")
    assert attempts[1].startswith("📵 Иван Петров в ")
    times = [line.split(" в ", 1)[1][:5] for line in attempts]
    assert times == sorted(times) and times[0] != times[1]  # 3 minutes apart
