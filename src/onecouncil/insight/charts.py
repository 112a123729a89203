"""Charts drawn on the server as SVG: no JavaScript, readable on a slow phone, each with a
title and a description for screen readers, and always with its data as a table beneath
(the template's job). Withheld values and empty values are left out of the drawing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from onecouncil.insight.figures import Table


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40
COLOUR = "#1d70b8"  # GOV.UK blue: 5.2:1 against white
INK = "#0b0c0c"


def _label(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value:%b %Y}" if value.day == 1 else f"{value:%d %b %Y}"
    return str(value)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(table: Table, body: str, height: int) -> SafeString:
    ident = escape(table.id)
    return mark_safe(  # noqa: S308 - every value below is escaped or a number we made
        f'<svg class="oc-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}-title">{escape(table.title)}</title>'
        f'<desc id="{ident}-desc">{escape(table.summary)}</desc>{body}</svg>'
    )


def _axes(xs: list[Any], top: float) -> tuple[list[str], Any, Any]:
    """Grid lines, y labels and x labels; with the functions placing an index and a value."""
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def px(i: int) -> float:
        return LEFT + (span_x * i / max(len(xs) - 1, 1))

    def py(y: float) -> float:
        return TOP + span_y * (1 - y / top)

    parts = []
    for tick in range(5):
        value = top * tick / 4
        y = py(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6" '
            f'stroke-width="1"/><text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="13" fill="{INK}">{_number(value)}</text>'
        )
    step = max(len(xs) // 6, 1)
    for i in range(0, len(xs), step):
        parts.append(
            f'<text x="{px(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
            f'font-size="13" fill="{INK}">{escape(_label(xs[i]))}</text>'
        )
    return parts, px, py


def _polyline(points: list[tuple[float, float]], colour: str, dash: bool = False) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dashes = ' stroke-dasharray="8 5"' if dash else ""
    return (
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3" '
        f'stroke-linejoin="round"{dashes}/>'
    )


def line_chart(table: Table) -> SafeString:
    xs, ys = table.column(table.x), table.column(table.y)
    points = [(i, float(y)) for i, y in enumerate(ys) if _is_number(y)]
    top = _nice_max(max((y for _i, y in points), default=0))
    parts, px, py = _axes(xs, top)
    if points:
        parts.append(_polyline([(px(i), py(y)) for i, y in points], COLOUR))
        if len(points) <= 60:
            parts.extend(
                f'<circle cx="{px(i):.1f}" cy="{py(y):.1f}" r="3" fill="{COLOUR}"/>'
                for i, y in points
            )
    return _frame(table, "".join(parts), HEIGHT)


FORECAST_COLOUR = "#912b88"  # GOV.UK purple: 7.9:1 against white
BAND_95, BAND_80 = "#e8d5e6", "#d3abcf"


def forecast_chart(table: Table) -> SafeString:
    """Requests as a solid line, the forecast dashed, its 95% and 80% ranges as bands."""
    xs = table.column("week")
    series = {
        key: table.column(key) for key in ("actual", "forecast", "lo80", "hi80", "lo95", "hi95")
    }
    values = [float(v) for column in series.values() for v in column if _is_number(v)]
    top = _nice_max(max(values, default=0))
    parts, px, py = _axes(xs, top)
    for low, high, colour in (("lo95", "hi95", BAND_95), ("lo80", "hi80", BAND_80)):
        band = [
            (i, float(lo), float(hi))
            for i, (lo, hi) in enumerate(zip(series[low], series[high], strict=True))
            if _is_number(lo) and _is_number(hi) and series["actual"][i] is None
        ]
        if band:
            edge = [f"{px(i):.1f},{py(hi):.1f}" for i, _lo, hi in band]
            edge += [f"{px(i):.1f},{py(lo):.1f}" for i, lo, _hi in reversed(band)]
            parts.append(f'<polygon points="{" ".join(edge)}" fill="{colour}"/>')
    actual = [(px(i), py(float(v))) for i, v in enumerate(series["actual"]) if _is_number(v)]
    forecast = [(px(i), py(float(v))) for i, v in enumerate(series["forecast"]) if _is_number(v)]
    if actual:
        parts.append(_polyline(actual, COLOUR))
    if forecast:
        parts.append(_polyline(forecast, FORECAST_COLOUR, dash=True))
    return _frame(table, "".join(parts), HEIGHT)


def bar_chart(table: Table, limit: int = 15) -> SafeString:
    pairs = [(x, y) for x, y in zip(table.column(table.x), table.column(table.y), strict=True)]
    shown = [(x, float(y)) for x, y in pairs if _is_number(y)][:limit]
    top = _nice_max(max((y for _x, y in shown), default=0))
    row, label_width = 24, 220
    height = TOP + row * max(len(shown), 1) + 8
    span = WIDTH - label_width - RIGHT - 60
    parts = []
    for n, (x, y) in enumerate(shown):
        y0 = TOP + n * row
        text = _label(x)
        text = text if len(text) <= 32 else text[:31] + "\N{HORIZONTAL ELLIPSIS}"
        width = span * y / top
        parts.append(
            f'<text x="{label_width - 8}" y="{y0 + 16}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(text)}</text>'
            f'<rect x="{label_width}" y="{y0 + 3}" width="{width:.1f}" height="{row - 6}" '
            f'fill="{COLOUR}"/><text x="{label_width + width + 6:.1f}" y="{y0 + 16}" '
            f'font-size="13" fill="{INK}">{_number(y)}</text>'
        )
    return _frame(table, "".join(parts), height)


def chart(table: Table) -> SafeString | None:
    if table.chart == "line":
        return line_chart(table)
    if table.chart == "bar":
        return bar_chart(table)
    if table.chart == "forecast":
        return forecast_chart(table)
    return None
