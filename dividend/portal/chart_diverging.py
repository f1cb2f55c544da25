"""Diverging bar charts: benefits right, costs left, per pillar."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.chart_axes import BENEFIT, COST, FONT, INK, nice_ticks, ticks_within, x_axis
from dividend.portal.text import cat, esc_col, join_by, num_col, slug_col


def diverging_svgs(
    frame: pd.DataFrame,
    *,
    group: str,
    titles: pd.Series,
    descs: pd.Series,
    extent: float | None = None,
    width: int = 640,
) -> pd.Series:
    """Benefit against cost per pillar, one chart per ``group`` value, built in one pass.

    ``frame`` columns: ``group``, ``pillar`` (label), ``benefit`` and ``cost`` (contributions
    on the dividend scale, either sign) and ``net`` (= benefit − cost). Per pillar the upper
    bar is the benefit contribution (0 → benefit) and the lower bar the cost, drawn as what it
    does to the dividend (0 → −cost), so costs above break-even pull left; the black tick is
    the net. ``titles``/``descs`` are indexed by group value; returns SVG per group value.
    """
    f = frame.reset_index(drop=True)
    ben = pd.to_numeric(f["benefit"], errors="coerce")
    cost = pd.to_numeric(f["cost"], errors="coerce")
    net = pd.to_numeric(f["net"], errors="coerce")
    row_h, top, left, right = 40, 30, 170, 90
    plot_w = width - left - right
    if extent is None:
        vals = np.r_[ben.abs().to_numpy(), cost.abs().to_numpy(), net.abs().to_numpy(), 1.0]
        extent = float(np.nanmax(vals))
    d1 = float(nice_ticks(-extent, extent)[-1])

    def sx(v):
        return left + (np.asarray(v, float) + d1) / (2 * d1) * plot_w

    pos = f.groupby(group, sort=False).cumcount()
    y = pd.Series(top + row_h * (pos.to_numpy() + 0.5), index=f.index)
    x0 = float(sx(0.0))

    def bar(v: pd.Series, dy: float, colour: str, kind: str) -> pd.Series:
        xv = pd.Series(sx(v.fillna(0.0)), index=f.index)
        x = np.minimum(xv, x0)
        w = (xv - x0).abs()
        return cat(
            [
                '<rect x="',
                x.round(1).astype(str),
                '" y="',
                (y + dy).round(1).astype(str),
                '" width="',
                w.round(1).astype(str),
                f'" height="12" fill="{colour}" class="bar {kind}"/>',
            ],
            f.index,
        )

    xn = pd.Series(sx(net.fillna(0)), index=f.index).round(1).astype(str)
    has = net.notna()
    tick = cat(
        [
            '<line x1="',
            xn,
            '" x2="',
            xn,
            '" y1="',
            (y - 16).round(1).astype(str),
            '" y2="',
            (y + 16).round(1).astype(str),
            f'" stroke="{INK}" stroke-width="3"/>',
        ],
        f.index,
    ).where(has, "")
    rows = cat(
        [
            "<g><title>",
            esc_col(f["pillar"]),
            ": benefit ",
            num_col(ben, 1, True),
            ", cost ",
            num_col(cost, 1, True),
            ", net ",
            num_col(net, 1, True),
            "</title>",
            bar(ben, -13, BENEFIT, "benefit"),
            bar(-cost, 1, COST, "cost"),
            tick,
            f'<text x="{left - 8}" y="',
            (y + 4).round(1).astype(str),
            f'" text-anchor="end" fill="{INK}">',
            esc_col(f["pillar"]),
            "</text>",
            f'<text x="{width - right + 6}" y="',
            (y + 4).round(1).astype(str),
            f'" fill="{INK}">',
            pd.Series(np.where(has, "net ", "no data"), index=f.index),
            num_col(net, 1, True).where(has, ""),
            "</text></g>",
        ],
        f.index,
    )
    body = join_by(rows, f[group])
    n = pos.groupby(f[group], sort=False).max() + 1
    bottom = top + row_h * n
    ticks = ticks_within(-d1, d1)
    legend = (
        f'<g fill="{INK}"><rect x="{left}" y="6" width="12" height="12" fill="{BENEFIT}"/>'
        f'<text x="{left + 16}" y="16">benefits</text>'
        f'<rect x="{left + 90}" y="6" width="12" height="12" fill="{COST}"/>'
        f'<text x="{left + 106}" y="16">costs and inputs (pull left)</text>'
        f'<line x1="{left + 300}" x2="{left + 300}" y1="4" y2="20" stroke="{INK}" stroke-width="3"/>'
        f'<text x="{left + 306}" y="16">net dividend</text></g>'
    )
    out = {}
    # One axis per distinct chart height (a few), then one string per group.
    axes = {
        b: x_axis(ticks, sx, top, b, "Contribution to the dividend (points)", left + plot_w / 2)
        for b in bottom.unique()
    }
    keys = body.index
    ids = "div-" + slug_col(pd.Series(keys.astype(str), index=keys))
    heads = cat(
        [
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart diverging-chart" role="img" '
            f'viewBox="0 0 {width} ',
            (bottom + 46).astype(str),
            f'" width="{width}" height="',
            (bottom + 46).astype(str),
            '" aria-labelledby="',
            ids,
            "-title ",
            ids,
            f'-desc" font-family="{FONT}" font-size="12"><title id="',
            ids,
            '-title">',
            esc_col(titles.reindex(keys)),
            '</title><desc id="',
            ids,
            '-desc">',
            esc_col(descs.reindex(keys)),
            "</desc>",
        ],
        keys,
    )
    out = heads + legend + bottom.map(axes) + body + "</svg>"
    return out


def diverging_svg(frame: pd.DataFrame, *, title: str, desc: str, chart_id: str, **kw) -> str:
    """One benefit-versus-cost chart (see :func:`diverging_svgs`)."""
    f = frame.assign(_g=chart_id)
    return str(
        diverging_svgs(
            f,
            group="_g",
            titles=pd.Series({chart_id: title}),
            descs=pd.Series({chart_id: desc}),
            **kw,
        ).iloc[0]
    )
