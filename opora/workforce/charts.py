"""Small inline SVG charts drawn on the server: no JavaScript, no CDN, printable.

A chart is a week (or a few) of interval values: lines, steps, bars and shaded bands on
one shared y scale, with a vertical rule and a label at each local midnight.  Callers pass
every text already translated; it is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH: Final = 1000
HEIGHT: Final = 220
# Room for the y-axis labels on the left, the legend on top and day labels below.
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 22, 20

# Maps a value (or an interval position) to an SVG coordinate.
Scale = Callable[[float], float]

BLUE: Final = "#1f6feb"
ORANGE: Final = "#d97706"
GREY: Final = "#98a2b3"
RED: Final = "#b42318"


@dataclass(frozen=True)
class Series:
    """``kind``: "line" joins the interval midpoints, "step" holds each value across its
    interval, "bars" draws a bar per interval, "band" shades between ``values`` (the lower
    edge) and ``upper``."""

    label: str
    values: Sequence[float]
    color: str
    kind: Literal["line", "step", "bars", "band"] = "line"
    upper: Sequence[float] = ()


@dataclass(frozen=True)
class DayMark:
    index: int  # the first interval of the day
    label: str


def day_marks(starts: Sequence[datetime], label: Callable[[datetime], str]) -> list[DayMark]:
    """A mark at every interval that starts a new local day (``starts`` in local time)."""
    return [
        DayMark(index, label(start))
        for index, start in enumerate(starts)
        if index == 0 or start.date() != starts[index - 1].date()
    ]


def interval_chart(
    title: str, series: Sequence[Series], days: Sequence[DayMark], *, unit: str = ""
) -> SafeString:
    """An SVG of all ``series`` (equal lengths) over the intervals, titled for screen readers."""
    count = max((len(line.values) for line in series), default=0)
    if count == 0:
        return SafeString("")
    top_value = _nice_ceiling(max(max((*line.values, *line.upper), default=0.0) for line in series))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM

    def x(position: float) -> float:
        return LEFT + plot_width * position / count

    def y(value: float) -> float:
        return TOP + plot_height * (1.0 - value / top_value)

    parts = [_axes(top_value, unit, y), _days(days, x)]
    for line in series:
        parts.append(_draw(line, x, y))
    parts.append(_legend(series))
    return format_html(
        '<svg class="wfm-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg" style="width:100%;height:auto;background:#fff">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        HEIGHT,
        title,
        title,
        # Every part was built by format_html / format_html_join, so it is already escaped.
        mark_safe("".join(parts)),
    )


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above ``value`` (1 for an empty chart)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def _axes(top_value: float, unit: str, y: Scale) -> SafeString:
    ticks = (0.0, top_value / 2, top_value)
    return format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#dde3ea"/>'
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#5b6878">{}{}</text>',
        (
            (LEFT, WIDTH - RIGHT, y(tick), y(tick), LEFT - 4, y(tick) + 4, tick, unit)
            for tick in ticks
        ),
    )


def _days(days: Sequence[DayMark], x: Scale) -> SafeString:
    return format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#eef1f5"/>'
        '<text x="{}" y="{}" font-size="11" fill="#5b6878">{}</text>',
        (
            (
                _n(x(day.index)),
                _n(x(day.index)),
                TOP,
                HEIGHT - BOTTOM,
                _n(x(day.index) + 3),
                HEIGHT - 5,
                day.label,
            )
            for day in days
        ),
    )


def _n(value: float, decimals: int = 1) -> str:
    """A coordinate as text: format_html escapes its arguments to strings before formatting."""
    return f"{value:.{decimals}f}"


def _points(coordinates: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_n(px)},{_n(py)}" for px, py in coordinates)


def _draw(line: Series, x: Scale, y: Scale) -> SafeString:
    values = line.values
    if line.kind == "bars":
        return format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" opacity=".45"/>',
            (
                (
                    _n(x(index)),
                    _n(y(value)),
                    _n(x(index + 1) - x(index), 2),
                    _n(y(0) - y(value)),
                    line.color,
                )
                for index, value in enumerate(values)
                if value > 0
            ),
        )
    if line.kind == "band":
        outline = [(x(i + 0.5), y(v)) for i, v in enumerate(values)] + [
            (x(i + 0.5), y(v)) for i, v in reversed(list(enumerate(line.upper)))
        ]
        return format_html(
            '<polygon points="{}" fill="{}" opacity=".18" stroke="none"/>',
            _points(outline),
            line.color,
        )
    if line.kind == "step":
        corners = [
            corner
            for index, value in enumerate(values)
            for corner in ((x(index), y(value)), (x(index + 1), y(value)))
        ]
    else:
        corners = [(x(index + 0.5), y(value)) for index, value in enumerate(values)]
    return format_html(
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="1.6"/>',
        _points(corners),
        line.color,
    )


def _legend(series: Sequence[Series]) -> SafeString:
    # Entries are spaced by their label's length at roughly 7 px per character.
    offsets = [LEFT]
    for line in series[:-1]:
        offsets.append(offsets[-1] + 28 + 7 * len(line.label))
    return format_html_join(
        "",
        '<rect x="{}" y="6" width="12" height="10" fill="{}"/>'
        '<text x="{}" y="15" font-size="12" fill="#1d2733">{}</text>',
        (
            (offset, line.color, offset + 16, line.label)
            for offset, line in zip(offsets, series, strict=True)
        ),
    )
