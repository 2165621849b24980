"""/stats says each figure once, in one form per column."""

from __future__ import annotations

from collections.abc import Callable

from tests.test_sla import WEEK
from tests.test_sla import ledger as ledger  # the fixture, imported for pytest
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.stats import OperatorStats, Period, Stats, load_stats, render_stats


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


def test_talk_times_of_the_operators_read_in_one_form() -> None:
    """ "1 ч 6 мин" beside "40:53" in one column: with any talk time of an hour or more,
    every line of the column is hours:minutes:seconds; under an hour, minutes:seconds."""
    period = Period(*WEEK, "неделя")
    long_day = Stats(
        incoming=3,
        answered=3,
        operators=[
            OperatorStats("201", answered=2, talk_seconds=3972),
            OperatorStats("202", answered=1, talk_seconds=2453),
            OperatorStats("203", talk_seconds=0),
        ],
    )
    lines = render_stats(long_day, period, "ru").splitlines()
    assert "     201: 2 / 0 / 0 / 0 / 1:06:12" in lines
    assert "     202: 1 / 0 / 0 / 0 / 0:40:53" in lines
    assert "     203: 0 / 0 / 0 / 0 / 0:00:00" in lines
    assert not [line for line in lines if " ч " in line or " h " in line]
    english = render_stats(long_day, period, "en").splitlines()
    assert "     201: 2 / 0 / 0 / 0 / 1:06:12" in english
    short_day = Stats(incoming=1, answered=1, operators=[OperatorStats("202", talk_seconds=2453)])
    assert "     202: 0 / 0 / 0 / 0 / 40:53" in render_stats(short_day, period, "ru").splitlines()
