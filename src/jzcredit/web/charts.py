"""Charts as server-rendered SVG (图表): no JavaScript, no CDN, readable on a 375 px phone.

Three shapes, each a pure function from figures to an inline ``<svg>`` (:class:`markupsafe.Markup`):

- :func:`bar_chart` — one horizontal bar per label, its length proportional to the value;
- :func:`stacked_bars` — one horizontal bar per label split into segments (shares of 100 % by default);
- :func:`line_chart` — one or more series over a time axis (months).

Every chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; every bar, segment and point
has its own ``<title>`` (the tooltip, and what a screen reader reads) and the figures are written as text on
the chart, so nothing depends on colour or hovering. The page puts the same figures in a table under the
chart. Every text is escaped here (labels come from data: region names, model names). The drawing is sized
in a 340-unit wide ``viewBox``, the width of a phone's content column, so 12-unit text is about 12 px there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 340
FONT = 12
SMALL = 10
EMPTY_TEXT = "暂无数据"
MUTED = "#52606d"
GRID = "#d9e2ec"
PALETTE = ("#1c7ed6", "#e8590c", "#2f9e44", "#862e9c", "#c92a2a", "#495057")

Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One named row of figures (a grade, a list, a kind of count) and its colour."""

    label: str
    values: Sequence[float]
    color: str | None = None


def count(value: float) -> str:
    """``1,234`` (whole numbers), ``12.5`` otherwise."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def percent(value: float) -> str:
    return f"{value:.1f}%"


def _num(value: float) -> str:
    """A coordinate: short, and never ``-0``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text(x: float, y: float, content: str, *, size: int = FONT, anchor: str = "start", fill: str = "#1f2933",
          weight: str | None = None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{bold}>'
            f"{escape(content)}</text>")


def _open(ident: str, title: str, description: str, height: float, css: str) -> str:
    ident = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in ident) or "chart"
    return (f'<svg class="chart {css}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(height)}" '
            f'width="{WIDTH}" height="{_num(height)}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
            f'font-family="inherit"><title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape(description)}</desc>')


def _empty(ident: str, title: str) -> Markup:
    height = 48
    return Markup(_open(ident, title, EMPTY_TEXT, height, "chart-empty")
                  + f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" fill="none" stroke="{GRID}"/>'
                  + _text(WIDTH / 2, 29, EMPTY_TEXT, anchor="middle", fill=MUTED) + "</svg>")


def _color(series: Series, index: int) -> str:
    return series.color or PALETTE[index % len(PALETTE)]


def _legend(series: Sequence[Series], y: float) -> tuple[list[str], float]:
    """Swatches and names, wrapped onto as many lines as the width needs; returns the parts and the next y."""
    parts: list[str] = []
    x = 0.0
    for i, s in enumerate(series):
        width = 16 + _text_width(s.label, FONT) + 12
        if x > 0 and x + width > WIDTH:
            x, y = 0.0, y + 18
        parts.append(f'<rect class="swatch" x="{_num(x)}" y="{_num(y - 10)}" width="11" height="11" '
                     f'fill="{_color(s, i)}"/>')
        parts.append(_text(x + 15, y, s.label))
        x += width
    return parts, y + 18


def _text_width(text: str, size: int) -> float:
    """A conservative estimate: CJK characters are square, Latin ones about 0.6 of the size."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.62 for ch in text)


def _is_empty(values: Sequence[float]) -> bool:
    return not values or all(not v for v in values)


# --- bars --------------------------------------------------------------------------------------------------


def bar_chart(labels: Sequence[str], values: Sequence[float], *, ident: str, title: str, color: str = PALETTE[0],
              max_value: float | None = None, fmt: Format = count, unit: str = "") -> Markup:
    """Horizontal bars: the label above each bar, the figure after it; length = value / ``max_value``
    (default: the largest value) of the plot width. All zero or no labels → an empty chart saying 暂无数据."""
    if len(labels) != len(values):
        raise ValueError("bar_chart: as many labels as values")
    if _is_empty(values):
        return _empty(ident, title)
    top = max_value if max_value is not None else max(values)
    plot = WIDTH - 64  # room for the figure after a full bar
    row = 36
    height = row * len(labels) + 4
    parts = [_open(ident, title, f"{title}，共 {len(labels)} 项", height, "chart-bar")]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * row
        length = 0.0 if top <= 0 else plot * max(0.0, min(float(value), top)) / top
        shown = f"{fmt(value)}{unit}"
        parts.append(_text(0, y + 13, label))
        parts.append(f'<rect class="bar" x="0" y="{_num(y + 17)}" width="{_num(length)}" height="14" '
                     f'fill="{color}" data-value="{escape(str(value))}"><title>{escape(label)}：{escape(shown)}'
                     f"</title></rect>")
        parts.append(_text(length + 4, y + 28, shown, size=FONT, fill=MUTED))
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(labels: Sequence[str], series: Sequence[Series], *, ident: str, title: str, shares: bool = True,
                 fmt: Format = count) -> Markup:
    """One horizontal bar per label, one segment per series. With ``shares`` every bar is 100 % and a segment's
    length is its share of the bar's total; without, lengths are to scale with the largest total. A segment
    wide enough shows its share (or figure) inside; every segment's ``<title>`` gives figure and share."""
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("stacked_bars: every series needs one value per label")
    totals = [sum(float(s.values[i]) for s in series) for i in range(len(labels))]
    if _is_empty(totals):
        return _empty(ident, title)
    legend, y0 = _legend(series, 14)
    row = 40
    height = y0 + row * len(labels)
    top = max(totals)
    parts = [_open(ident, title, f"{title}：" + "、".join(s.label for s in series), height, "chart-stacked"), *legend]
    for i, label in enumerate(labels):
        y = y0 + i * row
        parts.append(_text(0, y + 12, f"{label}（合计 {fmt(totals[i])}）"))
        scale = (WIDTH if shares else WIDTH * totals[i] / top) / totals[i] if totals[i] else 0.0
        x = 0.0
        for j, s in enumerate(series):
            value = float(s.values[i])
            if value <= 0:
                continue
            length = value * scale
            share = 100.0 * value / totals[i]
            tip = f"{label} · {s.label}：{fmt(value)}（{percent(share)}）"
            parts.append(f'<rect class="segment" x="{_num(x)}" y="{_num(y + 17)}" width="{_num(length)}" '
                         f'height="18" fill="{_color(s, j)}" data-value="{escape(str(value))}">'
                         f"<title>{escape(tip)}</title></rect>")
            inside = percent(share) if shares else fmt(value)
            if _text_width(inside, SMALL) + 4 <= length:
                parts.append(_text(x + length / 2, y + 30, inside, size=SMALL, anchor="middle", fill="#ffffff"))
            x += length
    parts.append("</svg>")
    return Markup("".join(parts))


# --- lines -------------------------------------------------------------------------------------------------


def nice_ceiling(value: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop ends at 10


def line_chart(x_labels: Sequence[str], series: Sequence[Series], *, ident: str, title: str,
               tick_labels: Sequence[str] | None = None, fmt: Format = count) -> Markup:
    """Series over an ordered axis (months): a polyline and a dot per value, each dot with its own ``<title>``.
    The y axis starts at 0 and ends at :func:`nice_ceiling` of the largest value, with the figure on three
    grid lines; tick labels (``tick_labels``, default ``x_labels``) are thinned to fit the width."""
    if any(len(s.values) != len(x_labels) for s in series):
        raise ValueError("line_chart: every series needs one value per x label")
    if not x_labels or all(_is_empty(s.values) for s in series):
        return _empty(ident, title)
    ticks = list(tick_labels) if tick_labels is not None else list(x_labels)
    legend, top_y = _legend(series, 14)
    left, right, plot_h = 34.0, 22.0, 140.0
    plot_w = WIDTH - left - right
    bottom = top_y + plot_h
    height = bottom + 22
    top = nice_ceiling(max(float(v) for s in series for v in s.values))
    step = plot_w / max(1, len(x_labels) - 1) if len(x_labels) > 1 else 0.0

    def px(i: int) -> float:
        return left + (step * i if len(x_labels) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return bottom - plot_h * float(v) / top

    parts = [_open(ident, title, f"{title}：{x_labels[0]} 至 {x_labels[-1]}，" + "、".join(s.label for s in series),
                   height, "chart-line"), *legend]
    for frac in (0.0, 0.5, 1.0):
        y = bottom - plot_h * frac
        parts.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(WIDTH - right)}" y2="{_num(y)}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(left - 4, y + 4, fmt(top * frac), size=SMALL, anchor="end", fill=MUTED))
    widest = max(_text_width(t, SMALL) for t in ticks) + 6
    every = max(1, math.ceil(widest / step)) if step else 1
    for i, tick in enumerate(ticks):
        if i % every == 0:
            parts.append(_text(px(i), bottom + 15, tick, size=SMALL, anchor="middle", fill=MUTED))
    for j, s in enumerate(series):
        color = _color(s, j)
        points = " ".join(f"{_num(px(i))},{_num(py(v))}" for i, v in enumerate(s.values))
        parts.append(f'<polyline class="line" points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(s.values):
            parts.append(f'<circle class="point" cx="{_num(px(i))}" cy="{_num(py(v))}" r="3.5" fill="{color}" '
                         f'data-value="{escape(str(v))}"><title>{escape(x_labels[i])} · {escape(s.label)}：'
                         f"{escape(fmt(v))}</title></circle>")
    parts.append("</svg>")
    return Markup("".join(parts))
