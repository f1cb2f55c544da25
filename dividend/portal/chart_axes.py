"""What the portal's SVG charts share: palette, font, ticks, domains, the x axis."""

from __future__ import annotations

import base64
import math

import numpy as np
import pandas as pd

from dividend.portal.text import cat, esc, num_col

BENEFIT = "#1f6fb2"


COST = "#c2500c"


INK = "#1b1b1b"


GRID = "#d0d0d0"


MUTED = "#6b6b6b"


FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def nice_ticks(lo: float, hi: float, n: int = 6) -> np.ndarray:
    """Round tick values covering [lo, hi] (always including 0 when the range spans it)."""
    span = max(hi - lo, 1e-9)
    raw = span / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.floor(lo / step) * step
    stop = math.ceil(hi / step) * step
    return np.round(np.arange(start, stop + step / 2, step), 10)


def ticks_within(lo: float, hi: float) -> np.ndarray:
    """:func:`nice_ticks` for an axis already spanning [lo, hi], none outside it."""
    t = nice_ticks(lo, hi)
    eps = 1e-9 * max(hi - lo, 1.0)
    return t[(t >= lo - eps) & (t <= hi + eps)]


def value_domain(values: list[pd.Series], include_zero: bool = True) -> tuple[float, float]:
    arr = np.concatenate([pd.to_numeric(v, errors="coerce").to_numpy(float) for v in values])
    arr = arr[np.isfinite(arr)]
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (-1.0, 1.0)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    ticks = nice_ticks(lo, hi)
    return float(ticks[0]), float(ticks[-1])


def svg_open(width: int, height: int, chart_id: str, title: str, desc: str, cls: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" font-size="12">'
        f'<title id="{chart_id}-title">{esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{esc(desc)}</desc>'
    )


def x_axis(ticks: np.ndarray, sx, top: float, bottom: float, label: str, label_x: float) -> str:
    t = pd.Series(ticks)
    xs = pd.Series(sx(ticks)).round(1).astype(str)
    zero = t.abs() < 1e-12
    stroke = pd.Series(np.where(zero, INK, GRID), dtype=object)
    lines = cat(
        ['<line x1="', xs, f'" y1="{top}" x2="', xs, f'" y2="{bottom}" stroke="', stroke, '"/>'],
        t.index,
    )
    labels = cat(
        [
            '<text x="',
            xs,
            f'" y="{bottom + 14}" text-anchor="middle" fill="{MUTED}">',
            num_col(t, int(max(0, -math.floor(math.log10(max(np.diff(ticks).min(), 1e-9)))))),
            "</text>",
        ],
        t.index,
    )
    return (
        '<g class="axis">'
        + "".join(lines)
        + "".join(labels)
        + f'<text x="{label_x:.1f}" y="{bottom + 30}" text-anchor="middle" fill="{INK}">{esc(label)}</text></g>'
    )


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` for embedding a chart as an image (e.g. in markdown)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
