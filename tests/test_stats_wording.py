"""/stats says each figure once, in one form per column."""

from __future__ import annotations

from collections.abc import Callable

from tests.test_sla import WEEK
from tests.test_sla import ledger as ledger  # the fixture, imported for pytest
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.stats import Period, load_stats, render_stats


def test_stats_give_the_median_to_callback_once(
    ledger: Ledger, phone_config: Callable[..., Config]
) -> None:
    """ "Медиана до перезвона: 21 мин" and, the next line, "…; медиана 21 мин" said one
    figure twice: the SLA line keeps its share and its 90th percentile."""
    office = phone_config(hours={"days": ["mon", "tue", "wed", "thu", "fri"]})
    period = Period(*WEEK, "неделя")
    stats = load_stats(ledger, period, office)
    lines = render_stats(stats, period, "ru").splitlines()
    at = lines.index("Медиана до перезвона: 21 мин")
    assert lines[at + 1] == "Вовремя (за 30 мин рабочего времени): 3 из 4 (75%); 90% — за 1 ч"
    assert sum("медиана" in line.lower() and "перезвон" in line for line in lines) == 1
    english = render_stats(stats, period, "en").splitlines()
    at = english.index("Median time to callback: 21 min")
    assert english[at + 1] == "On time (within 30 office minutes): 3 of 4 (75%); 90% within 1 h"
