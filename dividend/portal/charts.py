"""Charts pre-rendered as inline SVG, so the portal needs no chart library and no internet.

Every chart is an ``<svg role="img" aria-labelledby=...>`` with a ``<title>`` and a
``<desc>`` that states the chart's finding in words; the pages put the same numbers in a
``<table>`` beside it. Colours are the colour-blind-safe blue/orange pair, and a net loss
is also told by shape (hollow diamond) and text, never by colour alone. Links inside a
chart are for the mouse only (``tabindex="-1"``): keyboard and screen-reader users get the
same links in the data table.

Rows are built column-wise (pandas string concatenation), without a loop over units.

:func:`ranking_svg` and :func:`ranking_markdown` are also what the Dagster index asset
attaches to its materialisation metadata.
"""

from __future__ import annotations

import base64
import math

import numpy as np
import pandas as pd

from dividend.portal.text import cat, esc, esc_col, fmt, join_by, num_col, slug_col

BENEFIT = "#1f6fb2"
COST = "#c2500c"
INK = "#1b1b1b"
GRID = "#d0d0d0"
MUTED = "#6b6b6b"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

RANKING_COLUMNS = (
    "name",
    "score",
)  # required; optional: score_lo, score_hi, net_loss, p_loss, href


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


def _domain(values: list[pd.Series], include_zero: bool = True) -> tuple[float, float]:
    arr = np.concatenate([pd.to_numeric(v, errors="coerce").to_numpy(float) for v in values])
    arr = arr[np.isfinite(arr)]
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (-1.0, 1.0)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    ticks = nice_ticks(lo, hi)
    return float(ticks[0]), float(ticks[-1])


def _svg_open(width: int, height: int, chart_id: str, title: str, desc: str, cls: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" font-size="12">'
        f'<title id="{chart_id}-title">{esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{esc(desc)}</desc>'
    )


def _x_axis(ticks: np.ndarray, sx, top: float, bottom: float, label: str, label_x: float) -> str:
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


def ranking_svg(
    frame: pd.DataFrame,
    *,
    title: str = "Migration dividend ranking",
    desc: str | None = None,
    chart_id: str = "ranking",
    value_label: str = "Migration dividend (−100 net loss … +100 net gain)",
    width: int = 760,
) -> str:
    """Horizontal dot chart of ``score`` per unit, best first, with ``score_lo``–``score_hi`` bars.

    ``frame`` columns: ``name``, ``score`` (required); ``score_lo``/``score_hi`` (the 5–95 %
    interval), ``net_loss`` (bool), ``p_loss`` (probability of a net loss, 0–1) and ``href``
    (profile link) are optional. Units without a score are left out (and said so in ``desc``).
    """
    missing = [c for c in RANKING_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"ranking_svg: frame lacks column(s) {missing}")
    f = frame[pd.to_numeric(frame["score"], errors="coerce").notna()].copy()
    f["score"] = f["score"].astype(float)
    f = f.sort_values(["score", "name"], ascending=[False, True]).reset_index(drop=True)
    n_left_out = len(frame) - len(f)
    has_iv = {"score_lo", "score_hi"} <= set(f.columns) and bool(
        pd.to_numeric(f["score_lo"], errors="coerce").notna().any()
    )
    lo = f["score_lo"].astype(float) if has_iv else f["score"]
    hi = f["score_hi"].astype(float) if has_iv else f["score"]
    loss = (
        f["net_loss"].astype("boolean").fillna(False).astype(bool)
        if "net_loss" in f
        else f["score"] < 0
    )
    p_loss = (
        pd.to_numeric(f["p_loss"], errors="coerce")
        if "p_loss" in f
        else pd.Series(np.nan, index=f.index)
    )

    row_h, top, left, right = 18, 34, 190, 150
    plot_w = width - left - right
    height = top + row_h * max(len(f), 1) + 46
    d0, d1 = _domain([f["score"], lo, hi])

    def sx(v):
        return left + (np.asarray(v, float) - d0) / (d1 - d0) * plot_w

    y = pd.Series(top + row_h * (np.arange(len(f)) + 0.5), index=f.index)
    ys = y.round(1).astype(str)
    xs = pd.Series(sx(f["score"]), index=f.index).round(1).astype(str)
    xlo = pd.Series(sx(lo.fillna(f["score"])), index=f.index).round(1).astype(str)
    xhi = pd.Series(sx(hi.fillna(f["score"])), index=f.index).round(1).astype(str)
    colour = pd.Series(np.where(loss, COST, BENEFIT), index=f.index, dtype=object)
    names = esc_col(f["name"])
    ranks = pd.Series(np.arange(1, len(f) + 1), index=f.index).astype(str)

    verdict = pd.Series(np.where(loss, "net loss", ""), index=f.index, dtype=object)
    p_txt = num_col(p_loss * 100, 0)
    has_p = p_loss.notna()
    verdict_txt = verdict.where(~(loss & has_p), "net loss · P " + p_txt + " %")
    verdict_txt = verdict_txt.where(~(~loss & has_p & (p_loss >= 0.05)), "P(loss) " + p_txt + " %")

    tip = cat(
        [
            names,
            ": ",
            num_col(f["score"], 1, signed=True),
            (" (5–95 %: " + num_col(lo, 1, True) + " to " + num_col(hi, 1, True) + ")")
            if has_iv
            else "",
            pd.Series(np.where(verdict_txt != "", "; ", ""), index=f.index),
            verdict_txt,
        ],
        f.index,
    )
    label = cat(
        [
            '<text x="',
            str(left - 8),
            '" y="',
            (y + 4).round(1).astype(str),
            '" text-anchor="end" fill="',
            INK,
            '">',
            ranks,
            ". ",
            names,
            "</text>",
        ],
        f.index,
    )
    if "href" in f:
        href = esc_col(f["href"])
        label = cat(
            ['<a href="', href, '" tabindex="-1" class="unit-link">', label, "</a>"], f.index
        )
    bar = cat(
        [
            '<line x1="',
            xlo,
            '" x2="',
            xhi,
            '" y1="',
            ys,
            '" y2="',
            ys,
            '" stroke="',
            colour,
            '" stroke-width="2" stroke-linecap="round"/>',
        ],
        f.index,
    )
    cx, cy = pd.Series(sx(f["score"]), index=f.index), y
    diamond = cat(
        [
            '<path d="M',
            cx.round(1).astype(str),
            " ",
            (cy - 5).round(1).astype(str),
            "l5 5l-5 5l-5 -5z",
            f'" fill="#fff" stroke="{COST}" stroke-width="2"/>',
        ],
        f.index,
    )
    dot = cat(['<circle cx="', xs, '" cy="', ys, f'" r="4" fill="{BENEFIT}"/>'], f.index)
    mark = dot.where(~loss, diamond)
    note = cat(
        [
            '<text x="',
            str(width - right + 8),
            '" y="',
            (y + 4).round(1).astype(str),
            '" fill="',
            COST,
            '">',
            verdict_txt,
            "</text>",
        ],
        f.index,
    )
    stripe = pd.Series(
        np.where(np.arange(len(f)) % 2 == 0, "#f5f7fa", "#ffffff"), index=f.index, dtype=object
    )
    band = cat(
        [
            f'<rect x="0" width="{width}" y="',
            (y - row_h / 2).round(1).astype(str),
            f'" height="{row_h}" fill="',
            stripe,
            '"/>',
        ],
        f.index,
    )
    rows = cat(
        [
            '<g class="row',
            pd.Series(np.where(loss, " loss", ""), index=f.index),
            '" data-name="',
            names,
            '"><title>',
            tip,
            "</title>",
            band,
            bar,
            mark,
            label,
            note,
            "</g>",
        ],
        f.index,
    )
    n_loss = int(loss.sum())
    if desc is None:
        best = f"{f['name'].iloc[0]} ({fmt(f['score'].iloc[0], 1, True)})" if len(f) else "–"
        worst = f"{f['name'].iloc[-1]} ({fmt(f['score'].iloc[-1], 1, True)})" if len(f) else "–"
        desc = (
            f"{len(f)} units ranked by migration dividend, highest first: {best} to {worst}. "
            f"{n_loss} show a net migration loss (orange diamonds)."
            + (" Bars show the 5–95 % interval across the sensitivity runs." if has_iv else "")
            + (f" {n_left_out} units without a score are not shown." if n_left_out else "")
        )
    legend = (
        f'<g class="legend" fill="{INK}">'
        f'<circle cx="{left + 6}" cy="14" r="4" fill="{BENEFIT}"/>'
        f'<text x="{left + 14}" y="18">net gain</text>'
        f'<path d="M{left + 86} 9l5 5l-5 5l-5 -5z" fill="#fff" stroke="{COST}" stroke-width="2"/>'
        f'<text x="{left + 96}" y="18">net loss</text>'
        + (
            f'<line x1="{left + 160}" x2="{left + 190}" y1="14" y2="14" stroke="{MUTED}" stroke-width="2"/>'
            f'<text x="{left + 196}" y="18">5–95 % interval (sensitivity)</text>'
            if has_iv
            else ""
        )
        + f'<text x="{width - right + 8}" y="18" fill="{COST}">P = probability of a loss</text></g>'
    )
    axis = _x_axis(
        ticks_within(d0, d1),
        sx,
        top,
        top + row_h * max(len(f), 1),
        value_label,
        left + plot_w / 2,
    )
    return (
        _svg_open(width, height, chart_id, title, desc, "ranking-chart")
        + legend
        + "".join(rows)
        + axis
        + "</svg>"
    )


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
        b: _x_axis(ticks, sx, top, b, "Contribution to the dividend (points)", left + plot_w / 2)
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
    d0, d1 = _domain([f["x"], f["y"]])

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
        _svg_open(width, height, chart_id, title, desc, "scatter-chart")
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


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,...`` for embedding a chart as an image (e.g. in markdown)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def ranking_markdown(frame: pd.DataFrame, *, top: int = 15, bottom: int = 10) -> str:
    """A markdown ranking table (best ``top`` and worst ``bottom``) for Dagster metadata.

    Same ``frame`` columns as :func:`ranking_svg`. Dagster's UI renders markdown tables
    reliably, whereas embedded images depend on its sanitiser; this is the table.
    """
    f = frame[pd.to_numeric(frame["score"], errors="coerce").notna()].copy()
    f["score"] = f["score"].astype(float)
    f = f.sort_values(["score", "name"], ascending=[False, True]).reset_index(drop=True)
    f["rank"] = np.arange(1, len(f) + 1)
    loss = (
        f["net_loss"].astype("boolean").fillna(False).astype(bool)
        if "net_loss" in f
        else f["score"] < 0
    )
    has_iv = {"score_lo", "score_hi"} <= set(f.columns) and bool(
        pd.to_numeric(f["score_lo"], errors="coerce").notna().any()
    )
    verdict = pd.Series(np.where(loss, "**net loss**", "gain"), index=f.index, dtype=object)
    if "p_loss" in f:
        verdict = verdict + " (P(loss) " + num_col(pd.to_numeric(f["p_loss"]) * 100, 0) + " %)"
    name = f["name"].astype(str).str.replace("|", "\\|", regex=False)
    row = cat(
        [
            "| ",
            f["rank"].astype(str),
            " | ",
            name,
            " | ",
            num_col(f["score"], 1, True),
            " | ",
            (num_col(f["score_lo"], 1, True) + " to " + num_col(f["score_hi"], 1, True))
            if has_iv
            else "–",
            " | ",
            verdict,
            " |",
        ],
        f.index,
    )
    keep = (f["rank"] <= top) | (f["rank"] > len(f) - bottom)
    head = (
        f"{len(f)} units ranked; {int(loss.sum())} with a net migration loss.\n\n"
        "| rank | unit | dividend | 5–95 % interval | verdict |\n|---:|---|---:|---|---|\n"
    )
    body = row[keep]
    if (~keep).any():
        cut = int(keep[: top + 1].sum())
        body = pd.concat(
            [
                body.iloc[:cut],
                pd.Series([f"| … | {int((~keep).sum())} more | | | |"]),
                body.iloc[cut:],
            ]
        )
    return head + "\n".join(body) + "\n"
