"""/load's heatmap: its colour bar counts calls, so its ticks are whole numbers."""

from __future__ import annotations

import pytest

from bot.chart import load_heatmap_figure

WEEKDAYS = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]


def colour_bar_ticks(grid: list[list[float]]) -> list[str]:
    figure = load_heatmap_figure(
        grid, title="Нагрузка", weekdays=WEEKDAYS, hour="Час", scale="Пропущено"
    )
    figure.canvas.draw()
    _heatmap, bar = figure.axes
    low, high = bar.get_ylim()
    return [
        label.get_text()
        for label, tick in zip(bar.get_yticklabels(), bar.get_yticks(), strict=True)
        if low <= tick <= high
    ]


@pytest.mark.parametrize(
    ("top", "expected"),
    [(3, ["0", "1", "2", "3"]), (2, ["0", "1", "2"]), (1, ["0", "1"]), (0, ["0", "1"])],
)
def test_the_colour_bar_has_whole_ticks_only(top: int, expected: list[str]) -> None:
    """A busiest hour of 3 missed calls gave "0.0 0.5 1.0 … 3.0" (a decimal point in
    Russian, and half a call)."""
    grid = [[0.0] * 24 for _ in WEEKDAYS]
    grid[0][10] = float(top)
    grid[1][11] = float(min(top, 1))
    assert colour_bar_ticks(grid) == expected


def test_a_busy_week_still_gets_whole_ticks() -> None:
    grid = [[float((day * 24 + h) % 37) for h in range(24)] for day in range(7)]
    ticks = colour_bar_ticks(grid)
    assert ticks and all(text.isdigit() for text in ticks), ticks
