"""The scatter chart (perception against actuality) with labels placed where they fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.chart_axes import (
    BENEFIT,
    COST,
    GRID,
    INK,
    MUTED,
    svg_open,
    ticks_within,
    value_domain,
)
from dividend.portal.text import cat, esc, esc_col, num_col


def scatter_svg(
    frame: pd.DataFrame,
    *,
    title: str,
    desc: str,
    chart_id: str,
    x_label: str,
    y_label: str,
    label_top: int = 6,
    width: int = 640,
) -> str:
    """Perception (y) against actuality (x), with the y = x line where the two agree.

    ``frame`` columns: ``name``, ``x``, ``y``; optional ``href`` and ``highlight`` (bool:
    always labelled, e.g. the study cities). The ``label_top`` points farthest from the
    diagonal are labelled too, since the gap is the story.
    """
    f = frame.copy()
    f["x"] = pd.to_numeric(f["x"], errors="coerce")
    f["y"] = pd.to_numeric(f["y"], errors="coerce")
    f = f.dropna(subset=["x", "y"]).reset_index(drop=True)
    size, pad_l, pad_b, pad_t = width, 60, 50, 20
    plot = size - pad_l - 20
    height = pad_t + plot + pad_b
    d0, d1 = value_domain([f["x"], f["y"]])

    def sx(v):
        return pad_l + (np.asarray(v, float) - d0) / (d1 - d0) * plot

    def sy(v):
        return pad_t + plot - (np.asarray(v, float) - d0) / (d1 - d0) * plot

    ticks = ticks_within(d0, d1)
    t = pd.Series(ticks)
    txs = pd.Series(sx(ticks)).round(1).astype(str)
    tys = pd.Series(sy(ticks)).round(1).astype(str)
    zero = pd.Series(np.where(np.abs(ticks) < 1e-12, INK, GRID), dtype=object)
    tick_txt = num_col(t, 0)
    grid = cat(
        [
            '<line x1="',
            txs,
            '" x2="',
            txs,
            f'" y1="{pad_t}" y2="{pad_t + plot}" stroke="',
            zero,
            '"/><line y1="',
            tys,
            '" y2="',
            tys,
            f'" x1="{pad_l}" x2="{pad_l + plot}" stroke="',
            zero,
            '"/><text x="',
            txs,
            f'" y="{pad_t + plot + 14}" text-anchor="middle" fill="{MUTED}">',
            tick_txt,
            f'</text><text x="{pad_l - 6}" y="',
            (pd.Series(sy(ticks)) + 4).round(1).astype(str),
            f'" text-anchor="end" fill="{MUTED}">',
            tick_txt,
            "</text>",
        ],
        t.index,
    )
    diag = (
        f'<line x1="{sx(d0):.1f}" y1="{sy(d0):.1f}" x2="{sx(d1):.1f}" y2="{sy(d1):.1f}" '
        f'stroke="{MUTED}" stroke-dasharray="4 4"/>'
        f'<text x="{sx(d0 + 0.7 * (d1 - d0)) + 8:.1f}" y="{sy(d0 + 0.7 * (d1 - d0)) + 16:.1f}" '
        f'fill="{MUTED}">perception = actuality</text>'
    )
    gap = (f["y"] - f["x"]).abs()
    highlight = (
        f["highlight"].astype("boolean").fillna(False).astype(bool)
        if "highlight" in f
        else pd.Series(False, index=f.index)
    )
    labelled = _free_labels(
        pd.Series(sx(f["x"]), index=f.index),
        pd.Series(sy(f["y"]), index=f.index),
        f["name"].astype(str),
        [*f.index[highlight], *gap[~highlight].nlargest(label_top).index],
    )
    px = pd.Series(sx(f["x"]), index=f.index)
    py = pd.Series(sy(f["y"]), index=f.index)
    names = esc_col(f["name"])
    above = f["y"] >= f["x"]
    fill = pd.Series(np.where(above, BENEFIT, COST), index=f.index, dtype=object)
    point = cat(
        [
            '<circle cx="',
            px.round(1).astype(str),
            '" cy="',
            py.round(1).astype(str),
            '" r="4.5" fill="',
            fill,
            '" fill-opacity="0.75"><title>',
            names,
            ": actuality ",
            num_col(f["x"], 1, True),
            ", perception ",
            num_col(f["y"], 1, True),
            "</title></circle>",
        ],
        f.index,
    )
    if "href" in f:
        point = cat(['<a href="', esc_col(f["href"]), '" tabindex="-1">', point, "</a>"], f.index)
    text = cat(
        [
            '<text x="',
            (px + 7).round(1).astype(str),
            '" y="',
            (py - 6).round(1).astype(str),
            f'" fill="{INK}" class="point-label">',
            names,
            "</text>",
        ],
        f.index,
    )[labelled]
    axes = (
        f'<text x="{pad_l + plot / 2:.1f}" y="{pad_t + plot + 34}" text-anchor="middle" fill="{INK}">{esc(x_label)}</text>'
        f'<text transform="translate(14 {pad_t + plot / 2:.1f}) rotate(-90)" text-anchor="middle" fill="{INK}">{esc(y_label)}</text>'
    )
    return (
        svg_open(width, height, chart_id, title, desc, "scatter-chart")
        + "".join(grid)
        + diag
        + "".join(point)
        + "".join(text)
        + axes
        + "</svg>"
    )


def _free_labels(px: pd.Series, py: pd.Series, names: pd.Series, candidates: list) -> pd.Series:
    """Which candidate points get a text label: in priority order, skipping any label that
    would overlap one already placed (a greedy pass over a dozen candidates at most)."""
    placed: list[tuple[float, float, float]] = []
    keep = pd.Series(False, index=px.index)
    for i in candidates:  # a handful of candidate labels, not the units
        x0, y0, w = px[i] + 7, py[i] - 6, 6.5 * len(names[i])
        if all(abs(y0 - y) >= 14 or x0 + w < x or x + pw < x0 for x, y, pw in placed):
            placed.append((x0, y0, w))
            keep[i] = True
    return keep
