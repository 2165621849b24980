"""The figures of a period as chat messages: the `perezvon stats` report plus the chart.

Shared by /stats and the daily summary, so both show exactly what the command line prints.
Everything is computed off the event loop on a connection of its own (the figures in a
worker thread, the workbook in a process: see :mod:`bot.apart`): a year of a busy office
takes about a second of SQLite and matplotlib, and the loop must keep delivering missed
calls meanwhile.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.apart import run_apart
from bot.chart import (
    ChartLabels,
    daily_chart_png,
    figure_png,
    hourly_chart_png,
    load_heatmap_figure,
)
from bot.render import Rendered, esc, pre_blocks
from bot.replies import Document, Part, Photo
from watcher.config import Config
from watcher.ledger import Ledger
from watcher.queries import LoadGrid, load_grid, reading, scope_lines
from watcher.stats import Period, Stats, read_stats, render_stats
from watcher.texts import tr
from watcher.workbook import report_stem, workbook_bytes


def chart_png(stats: Stats, period: Period, language: str) -> bytes:
    """By hour for a single day, by day for longer periods."""
    if period.days <= 1:
        labels = ChartLabels.for_language(language, period.shown(language))
        return hourly_chart_png(stats.hourly_incoming, stats.hourly_missed, labels)
    days = [period.start.date() + timedelta(days=n) for n in range(period.days)]
    incoming = [stats.daily_incoming.get(day, 0) for day in days]
    missed = [stats.daily_missed.get(day, 0) for day in days]
    return daily_chart_png(
        days, incoming, missed, ChartLabels.daily(language, period.shown(language))
    )


def chart_caption(period: Period, language: str) -> str:
    key = "chart_caption" if period.days <= 1 else "chart_daily_caption"
    return tr(language, key, label=esc(period.shown(language)))


def figures(
    database: Path,
    period: Period,
    language: str,
    config: Config | None = None,
    department: str | None = None,
) -> tuple[Stats, bytes]:
    """The figures and the chart's PNG (of ``department`` only, when given); blocking,
    for a worker thread."""
    stats = read_stats(database, period, config, department)
    return stats, chart_png(stats, period, language)


def stats_messages(stats: Stats, png: bytes, period: Period, language: str) -> list[Part]:
    """The report in ``<pre>`` blocks, then the chart."""
    parts: list[Part] = [
        Rendered(block, None) for block in pre_blocks(render_stats(stats, period, language))
    ]
    parts.append(Photo(png, chart_caption(period, language)))
    return parts


async def stats_parts(
    ledger: Ledger,
    period: Period,
    language: str,
    config: Config | None = None,
    department: str | None = None,
) -> list[Part]:
    """:func:`stats_messages` of the period (a department's chat: its own department),
    computed off the event loop."""
    stats, png = await asyncio.to_thread(figures, ledger.path, period, language, config, department)
    return stats_messages(stats, png, period, language)


def _as_document(data: bytes, period: Period, department: str | None, language: str) -> Document:
    """The workbook's bytes as the document to send: its file name and caption."""
    scope = department if department is not None else tr(language, "missed_scope_all")
    caption = tr(language, "report_caption", label=esc(period.shown(language)), scope=esc(scope))
    return Document(data, f"{report_stem(period)}.xlsx", caption)


async def report_document(
    config: Config, ledger: Ledger, period: Period, department: str | None, language: str
) -> Document:
    """The period's workbook, built in a process of its own (:mod:`bot.apart`): in a
    thread it held the bot's event loop up for a tenth of a second and more."""
    data = await run_apart(workbook_bytes, ledger.path, config, period, department, language)
    return _as_document(data, period, department, language)


def load_caption(grid: LoadGrid, period: Period, scope: str, language: str) -> str:
    """The period and scope, then the three hours that lose the most calls."""
    days = tr(language, "load_weekdays").split(",")
    worst = [
        tr(language, "load_worst_hour", day=days[d], hour=f"{h:02d}:00", count=n)
        for d, h, n in grid.worst(3)
    ]
    head = tr(language, "load_caption", label=esc(period.shown(language)), scope=esc(scope))
    if not worst:
        return f"{head}\n{tr(language, 'load_none')}"
    return f"{head}\n{tr(language, 'load_worst', hours=', '.join(worst))}"


def load_picture(
    config: Config, database: Path, period: Period, department: str | None, language: str
) -> Photo:
    """The heatmap of missed calls by weekday and hour, captioned; blocking, for a worker
    thread (one GROUP BY in SQLite, then matplotlib)."""
    with reading(database) as conn:
        lines = scope_lines(conn, config.departments, department) if department else None
        grid = load_grid(conn, period.start, period.end, lines)
    scope = department if department is not None else tr(language, "missed_scope_all")
    figure = load_heatmap_figure(
        grid.missed,
        title=tr(language, "load_title", label=period.shown(language), scope=scope),
        weekdays=tr(language, "load_weekdays").split(","),
        hour=tr(language, "chart_hour"),
        scale=tr(language, "chart_missed"),
    )
    png = figure_png(figure)
    return Photo(png, load_caption(grid, period, scope, language), "load.png")


async def load_photo(
    config: Config, ledger: Ledger, period: Period, department: str | None, language: str
) -> Photo:
    """:func:`load_picture` off the event loop."""
    return await asyncio.to_thread(load_picture, config, ledger.path, period, department, language)
