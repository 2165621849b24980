"""The charts of incoming vs missed calls, by hour of the day or by day, as PNG bytes.

Built on a bare ``Figure`` with the Agg canvas instead of pyplot: no global state, no GUI
backend on a Windows service, and safe to run in a worker thread. DejaVu Sans ships with
matplotlib and has Cyrillic, so Russian labels render without system fonts.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from watcher.texts import day_text, tr

HOURS = 24
# Bars per day up to about two months; a year's 365 pairs of bars would be a smear (and
# slow to draw), so longer periods get two lines.
BAR_DAYS = 62
INCOMING_COLOUR = "#4C72B0"
MISSED_COLOUR = "#DD5555"


def figure_png(figure: Figure) -> bytes:
    """A chart as the PNG bytes the chat is sent."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class ChartLabels:
    title: str
    incoming: str
    missed: str
    hour: str
    calls: str
    language: str = "ru"  # of the days on the axis: 05.12, or 5 Dec (05.12 is May to many)

    @classmethod
    def for_language(cls, language: str, period_label: str) -> ChartLabels:
        return cls(
            title=tr(language, "chart_title", label=period_label),
            incoming=tr(language, "chart_incoming"),
            missed=tr(language, "chart_missed"),
            hour=tr(language, "chart_hour"),
            calls=tr(language, "chart_calls"),
            language=language,
        )

    @classmethod
    def daily(cls, language: str, period_label: str) -> ChartLabels:
        """The same words for the chart by day (``hour`` is then the axis of days)."""
        return cls(
            title=tr(language, "chart_daily_title", label=period_label),
            incoming=tr(language, "chart_incoming"),
            missed=tr(language, "chart_missed"),
            hour=tr(language, "chart_day"),
            calls=tr(language, "chart_calls"),
            language=language,
        )


def _hours(values: Sequence[int]) -> list[int]:
    """Exactly 24 non-negative counts: a short or odd list must not break the chart."""
    counts = [max(0, int(v)) for v in list(values)[:HOURS]]
    return counts + [0] * (HOURS - len(counts))


def hourly_chart_png(
    incoming: Sequence[int], missed: Sequence[int], labels: ChartLabels, *, dpi: int = 100
) -> bytes:
    """Side-by-side bars per hour of the day; returns the PNG file's bytes."""
    inc, mis = _hours(incoming), _hours(missed)
    figure = Figure(figsize=(9, 4.5), dpi=dpi, layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    hours = range(HOURS)
    width = 0.4
    axes.bar(
        [h - width / 2 for h in hours], inc, width, label=labels.incoming, color=INCOMING_COLOUR
    )
    axes.bar([h + width / 2 for h in hours], mis, width, label=labels.missed, color=MISSED_COLOUR)
    axes.set_xticks(list(hours))
    axes.set_xlim(-0.7, HOURS - 0.3)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if max(inc + mis) == 0:
        axes.set_ylim(0, 1)
    axes.set_title(labels.title)
    axes.set_xlabel(labels.hour)
    axes.set_ylabel(labels.calls)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="best")
    return figure_png(figure)


def daily_chart_png(
    days: Sequence[date],
    incoming: Sequence[int],
    missed: Sequence[int],
    labels: ChartLabels,
    *,
    dpi: int = 100,
) -> bytes:
    """Incoming vs missed per day: side-by-side bars for short periods, lines for long."""
    inc = [max(0, int(v)) for v in incoming]
    mis = [max(0, int(v)) for v in missed]
    figure = Figure(figsize=(9, 4.5), dpi=dpi, layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if len(days) <= BAR_DAYS:
        width = 0.4
        positions = list(range(len(days)))
        axes.bar(
            [x - width / 2 for x in positions],
            inc,
            width,
            label=labels.incoming,
            color=INCOMING_COLOUR,
        )
        axes.bar(
            [x + width / 2 for x in positions], mis, width, label=labels.missed, color=MISSED_COLOUR
        )
        step = max(1, math.ceil(len(days) / 12))  # at most a dozen labels
        axes.set_xticks(positions[::step], [day_text(d, labels.language) for d in days[::step]])
        axes.set_xlim(-0.7, len(days) - 0.3)
    else:
        when = date2num(list(days))
        axes.plot(when, inc, label=labels.incoming, color=INCOMING_COLOUR, linewidth=1.2)
        axes.plot(when, mis, label=labels.missed, color=MISSED_COLOUR, linewidth=1.2)
        axes.xaxis.set_major_locator(AutoDateLocator())
        axes.xaxis.set_major_formatter(
            DateFormatter("%d.%m.%y") if labels.language == "ru" else DateFormatter("%Y-%m-%d")
        )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if max(inc + mis, default=0) == 0:
        axes.set_ylim(0, 1)
    axes.set_title(labels.title)
    axes.set_xlabel(labels.hour)
    axes.set_ylabel(labels.calls)
    axes.grid(axis="y", alpha=0.3)
    # Below the axis: over a month of bars there is no empty corner for it.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    return figure_png(figure)


def load_heatmap_figure(
    values: Sequence[Sequence[float]],
    *,
    title: str,
    weekdays: Sequence[str],
    hour: str,
    scale: str,
    dpi: int = 100,
) -> Figure:
    """Weekday rows × hour columns, one colour per cell (the counts written in the busy
    ones): where in the week the team lacks people, at a glance (:func:`figure_png`
    makes it the PNG)."""
    grid = [[max(0.0, float(v)) for v in list(row)[:HOURS]] for row in values]
    figure = Figure(figsize=(11, 4.2), dpi=dpi, layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    top = max((max(row, default=0.0) for row in grid), default=0.0)
    image = axes.imshow(grid, cmap="Reds", aspect="auto", vmin=0, vmax=top or 1)
    axes.set_xticks(list(range(HOURS)))
    axes.set_yticks(list(range(len(grid))), list(weekdays)[: len(grid)])
    axes.set_xlabel(hour)
    axes.set_title(title)
    for day, row in enumerate(grid):
        for h, value in enumerate(row):
            if value:
                dark = value > top * 0.6
                axes.text(
                    h,
                    day,
                    f"{value:g}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                )
    # Counts of calls: whole ticks only ("0.5 пропущенного" is no count, and a decimal
    # point is not the Russian decimal mark either).
    figure.colorbar(image, ax=axes, label=scale, fraction=0.03, ticks=MaxNLocator(integer=True))
    return figure
