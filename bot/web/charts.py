"""Charts for the pages as inline SVG, drawn on the server: no script, no chart library,
nothing for the Content-Security-Policy to allow.

Why like this: a chart must read in Teams' light, dark and high-contrast themes, by
someone who cannot tell its colours apart, and by a screen reader. So every shape has a
class the stylesheet colours (``chart-s1``..``chart-s6`` in mace.css, with contrast checked
per theme; no style attribute, which the policy forbids), each series also has its own
pattern (bars) or dash and marker (lines), bars carry their value as text, and the SVG is
``role="img"`` named by its ``<title>`` and ``<desc>``. The figures themselves are in a
table beside each chart (the page's template): the chart is never the only place a figure
is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Series styles the stylesheet defines (chart-s1..chart-s6 and their patterns).
STYLES = 6
WIDTH = 720
_LABEL_WIDTH = 220
_VALUE_WIDTH = 56
_BAR = 16
_GAP = 10
_LABEL_CHARS = 26

#: One hatch per series style, drawn over the series colour in an 8x8 tile: solid,
#: diagonal, dots, cross-hatch, horizontal, vertical.
_HATCH = (
    "",
    '<path class="chart-hatch" d="M-2,10 L10,-2 M-2,2 L2,-2 M6,10 L10,6"/>',
    '<circle class="chart-dot" cx="4" cy="4" r="1.6"/>',
    '<path class="chart-hatch" d="M0,0 L8,8 M8,0 L0,8"/>',
    '<path class="chart-hatch" d="M0,4 L8,4"/>',
    '<path class="chart-hatch" d="M4,0 L4,8"/>',
)
#: Line dashes and point markers per series style.
_DASH = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2")
_MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]


def _style(i: int) -> int:
    return i % STYLES + 1


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _open(chart_id: str, title: str, desc: str, height: float) -> list[str]:
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _patterns(chart_id: str, count: int) -> str:
    tiles = []
    for i in range(count):
        s = _style(i)
        tiles.append(
            f'<pattern id="{chart_id}-p{s}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect class="chart-s{s}" width="8" height="8"/>{_HATCH[s - 1]}</pattern>'
        )
    return "<defs>" + "".join(tiles) + "</defs>"


def _legend(chart_id: str, series: Sequence[Series], y: float, kind: str = "bar") -> list[str]:
    """A legend row: a swatch in each series' pattern (or its line and marker) and its
    name, so the series is named in words, not by colour."""
    parts = ['<g class="chart-legend">']
    x = 8.0
    for i, one in enumerate(series):
        s = _style(i)
        if kind == "bar":
            parts.append(
                f'<rect class="chart-bar" x="{x:.0f}" y="{y - 11:.0f}" width="14" height="14" '
                f'fill="url(#{chart_id}-p{s})"/>'
            )
        else:
            parts.append(_line(f"{x:.0f},{y - 4:.0f} {x + 22:.0f},{y - 4:.0f}", i))
            parts.append(_marker(x + 11, y - 4, i))
        x += 30
        parts.append(f'<text class="chart-text" x="{x:.0f}" y="{y:.0f}">{escape(one.name)}</text>')
        x += 8 * len(one.name) + 24
    parts.append("</g>")
    return parts


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    stacked: bool = False,
    top: float | None = None,
) -> Markup:
    """Horizontal bars, a row per category: grouped (a bar per series, its value beside
    it) or ``stacked`` (a segment per series, the row's total beside it). ``top``: the
    value the full width stands for (100 for percentages); else the largest."""
    per_row = 1 if stacked else max(1, len(series))
    row_height = per_row * _BAR + _GAP
    legend = 28 if len(series) > 1 else 0
    height = legend + len(categories) * row_height + _GAP
    totals = [
        sum(s.values[c] for s in series)
        if stacked
        else max((s.values[c] for s in series), default=0)
        for c in range(len(categories))
    ]
    scale_top = top if top is not None else max(totals, default=0)
    span = WIDTH - _LABEL_WIDTH - _VALUE_WIDTH
    parts = _open(chart_id, title, desc, height)
    parts.append(_patterns(chart_id, len(series)))
    if legend:
        parts += _legend(chart_id, series, 18)
    for c, category in enumerate(categories):
        y0 = legend + c * row_height + _GAP / 2
        parts.append(
            f'<text class="chart-text" x="{_LABEL_WIDTH - 8}" '
            f'y="{y0 + per_row * _BAR / 2 + 5:.1f}" text-anchor="end">'
            f"{escape(_short(category))}</text>"
        )
        x = float(_LABEL_WIDTH)
        for i, one in enumerate(series):
            value = one.values[c]
            width = span * value / scale_top if scale_top else 0
            y = y0 if stacked else y0 + i * _BAR
            if width > 0:
                parts.append(
                    f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                    f'height="{_BAR - 2}" fill="url(#{chart_id}-p{_style(i)})">'
                    f"<title>{escape(category)}, {escape(one.name)}: {_num(value)}{unit}</title>"
                    "</rect>"
                )
            if stacked:
                x += width
            else:
                parts.append(
                    f'<text class="chart-text chart-value" x="{x + width + 4:.1f}" '
                    f'y="{y + _BAR - 4:.1f}">{_num(value)}{unit}</text>'
                )
        if stacked:
            parts.append(
                f'<text class="chart-text chart-value" x="{x + 4:.1f}" '
                f'y="{y0 + _BAR - 4:.1f}">{_num(totals[c])}{unit}</text>'
            )
    parts.append(
        f'<line class="chart-axis" x1="{_LABEL_WIDTH}" y1="{legend}" x2="{_LABEL_WIDTH}" '
        f'y2="{height}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _line(points: str, i: int) -> str:
    dash = _DASH[_style(i) - 1]
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline class="chart-line chart-l{_style(i)}" fill="none" points="{points}"{dashed}/>'
    )


def _marker(x: float, y: float, i: int) -> str:
    s = _style(i)
    kind = _MARKERS[s - 1]
    cls = f'class="chart-marker chart-l{s}"'
    if kind == "circle":
        return f'<circle {cls} cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
    if kind == "square":
        return f'<rect {cls} x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8"/>'
    corners: tuple[tuple[float, float], ...]
    if kind == "triangle":
        corners = ((x, y - 5), (x + 5, y + 4), (x - 5, y + 4))
    else:
        corners = ((x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y))
    path = " L".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners)
    return f'<path {cls} d="M{path} Z"/>'


def _ticks(top: float) -> list[int]:
    """Up to five whole-number gridlines from 0 to at least ``top``."""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        step = candidate
        if top / candidate <= 4:
            break
    else:
        step = int(top // 4) + 1
    ticks = [0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks if len(ticks) > 1 else [0, 1]


def line_chart(
    chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """A line per series over time (``labels`` along the bottom, e.g. months): each its
    own dash and marker, named in the legend and at its last point."""
    left, right, top_pad, bottom = 48.0, 130.0, 40.0, 44.0
    height = 300.0
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    largest = max((v for s in series for v in s.values), default=0)
    ticks = _ticks(largest)
    scale = ticks[-1] or 1
    count = len(labels)

    def x_of(k: int) -> float:
        return left + (plot_w * (k + 0.5) / count if count else 0)

    def y_of(v: float) -> float:
        return top_pad + plot_h * (1 - v / scale)

    parts = _open(chart_id, title, desc, height)
    parts += _legend(chart_id, series, 18, kind="line")
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="chart-grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="chart-text" x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    # Along the bottom: "Dec 2025" as "Dec" over "2025", the year only where it starts
    # (and at the first label), at most twelve labels however long the period.
    every = max(1, -(-count // 12))
    shown_year = ""
    for k, label in enumerate(labels):
        if k % every and k != count - 1:
            continue
        name, _, year = label.partition(" ")
        rows = [name] if year == shown_year else [name, year]
        shown_year = year
        for r, text in enumerate(rows):
            parts.append(
                f'<text class="chart-text chart-small" x="{x_of(k):.1f}" '
                f'y="{top_pad + plot_h + 16 + 13 * r:.1f}" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
    parts.append(
        f'<line class="chart-axis" x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" '
        f'y2="{top_pad + plot_h}"/>'
    )
    for i, one in enumerate(series):
        points = " ".join(f"{x_of(k):.1f},{y_of(v):.1f}" for k, v in enumerate(one.values))
        parts.append(_line(points, i))
        for k, v in enumerate(one.values):
            parts.append(_marker(x_of(k), y_of(v), i))
        if one.values:
            last = one.values[-1]
            parts.append(
                f'<text class="chart-text" x="{x_of(count - 1) + 10:.1f}" '
                f'y="{y_of(last) + 4 + 14 * i:.1f}">{escape(one.name)}: {_num(last)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
