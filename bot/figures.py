"""The figures of a period as chat messages: the `perezvon stats` report plus the chart.

Shared by /stats and the daily summary, so both show exactly what the command line prints.
"""

from __future__ import annotations

import asyncio

from bot.chart import ChartLabels, hourly_chart_png
from bot.render import Rendered, esc, pre_blocks
from bot.replies import Part, Photo
from watcher.ledger import Ledger
from watcher.stats import Period, load_stats, render_stats
from watcher.texts import tr


async def stats_parts(ledger: Ledger, period: Period, language: str) -> list[Part]:
    """The report in ``<pre>`` blocks, then the hourly chart (drawn off the event loop)."""
    stats = load_stats(ledger, period)
    parts: list[Part] = [
        Rendered(block, None) for block in pre_blocks(render_stats(stats, period, language))
    ]
    labels = ChartLabels.for_language(language, period.label)
    png = await asyncio.to_thread(
        hourly_chart_png, stats.hourly_incoming, stats.hourly_missed, labels
    )
    parts.append(Photo(png, tr(language, "chart_caption", label=esc(period.label))))
    return parts
