"""The ranking chart (every unit's dividend with its interval) and its markdown twin."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.chart_axes import (
    BENEFIT,
    COST,
    INK,
    MUTED,
    svg_open,
    ticks_within,
    value_domain,
    x_axis,
)
from dividend.portal.text import cat, esc_col, fmt, num_col

RANKING_COLUMNS = (
    "name",
    "score",
)  # required; optional: score_lo, score_hi, net_loss, p_loss, href


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
    d0, d1 = value_domain([f["score"], lo, hi])

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
    axis = x_axis(
        ticks_within(d0, d1),
        sx,
        top,
        top + row_h * max(len(f), 1),
        value_label,
        left + plot_w / 2,
    )
    return (
        svg_open(width, height, chart_id, title, desc, "ranking-chart")
        + legend
        + "".join(rows)
        + axis
        + "</svg>"
    )


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
