"""A unit's dividend and pillars by reference year (the index panel), with the dividend's
5–95 % interval per year where the sensitivity analysis covers that year.

One SVG per unit drawn in percentage coordinates (no viewBox): lines, interval bars and dots
keep their shape at any width and the year and value labels stay at the page's 12 px. The
same numbers are in the table under the chart. Pillars are thin lines in the Okabe-Ito
colour-blind-safe palette, each with its own dash pattern; the dividend is the thick line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.chart_axes import nice_ticks
from dividend.portal.text import esc, num_col

OKABE_ITO = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
TOP, BOTTOM, LEFT, RIGHT = 6.0, 86.0, 7.0, 98.0  # plot box, percent of the svg


def tick_label(t: float) -> str:
    """``+50``, ``0``, ``−50``: axis tick text."""
    return "0" if abs(t) < 1e-9 else str(num_col(pd.Series([t]), 0, True).iloc[0])


def _fmt(v: float) -> str:
    return f"{v:.2f}"


def panel_svg(
    years: np.ndarray,
    dividend: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    pillars: dict[str, np.ndarray],
    domain: tuple[float, float],
    title: str,
) -> str:
    """One unit's panel chart; arrays are aligned on ``years`` (NaN = no value that year)."""
    d0, d1 = domain
    y0, y1 = float(years.min()), float(years.max())
    span = max(y1 - y0, 1.0)

    def px(y: np.ndarray) -> np.ndarray:
        return LEFT + (np.asarray(y, float) - y0) / span * (RIGHT - LEFT)

    def py(v: np.ndarray) -> np.ndarray:
        return BOTTOM - (np.asarray(v, float) - d0) / (d1 - d0) * (BOTTOM - TOP)

    parts = []
    for t in nice_ticks(d0, d1):
        if d0 - 1e-9 <= t <= d1 + 1e-9:
            yy = float(py(np.array([t]))[0])
            cls = "zero" if abs(t) < 1e-9 else "grid"
            parts.append(
                f'<line class="{cls}" x1="{LEFT}%" x2="{RIGHT}%" y1="{_fmt(yy)}%" y2="{_fmt(yy)}%"/>'
                f'<text class="ylab" x="{LEFT - 1}%" y="{_fmt(yy)}%" dy="4" text-anchor="end">'
                f"{esc(tick_label(t))}</text>"
            )
    step = 1 if span <= 8 else 2 if span <= 16 else 5
    for yr in range(int(y0), int(y1) + 1):
        if (yr - int(y0)) % step == 0 or yr == int(y1):
            parts.append(
                f'<text class="xlab" x="{_fmt(float(px(np.array([yr]))[0]))}%" y="97%" '
                f'text-anchor="middle">{yr}</text>'
            )

    def line(v: np.ndarray, cls: str, colour: str = "", dash: str = "") -> str:
        ok = ~np.isnan(v)
        xs, ys = px(years), py(v)
        segs = []
        for k in range(len(years) - 1):  # a dozen years
            if ok[k] and ok[k + 1]:
                segs.append(
                    f'<line class="{cls}" x1="{_fmt(xs[k])}%" y1="{_fmt(ys[k])}%" '
                    f'x2="{_fmt(xs[k + 1])}%" y2="{_fmt(ys[k + 1])}%"'
                    + (f' stroke="{colour}"' if colour else "")
                    + (f' stroke-dasharray="{dash}"' if dash else "")
                    + "/>"
                )
        return "".join(segs)

    for k, (_name, v) in enumerate(pillars.items()):
        parts.append(line(v, "pil", OKABE_ITO[k % 6], DASHES[k % 6]))
    xs, ylo, yhi = px(years), py(lo), py(hi)
    for k in np.flatnonzero(~np.isnan(lo) & ~np.isnan(hi)):
        parts.append(
            f'<line class="iv" x1="{_fmt(xs[k])}%" x2="{_fmt(xs[k])}%" '
            f'y1="{_fmt(ylo[k])}%" y2="{_fmt(yhi[k])}%"/>'
        )
    parts.append(line(dividend, "div"))
    yd = py(dividend)
    for k in np.flatnonzero(~np.isnan(dividend)):
        parts.append(f'<circle class="pt" cx="{_fmt(xs[k])}%" cy="{_fmt(yd[k])}%" r="4"/>')
    return (
        f'<svg class="panel-chart" height="260" role="img" aria-label="{esc(title)}">'
        + "".join(parts)
        + "</svg>"
    )


def panel_legend(names: list[str]) -> str:
    items = [
        '<li><svg aria-hidden="true" width="28" height="10"><line class="div" x1="0" '
        'x2="28" y1="5" y2="5"/></svg> Migration dividend (dots; bars: 5–95 % interval)</li>'
    ]
    for k, n in enumerate(names):
        dash = f' stroke-dasharray="{DASHES[k % 6]}"' if DASHES[k % 6] else ""
        items.append(
            f'<li><svg aria-hidden="true" width="28" height="10"><line class="pil" x1="0" x2="28" '
            f'y1="5" y2="5" stroke="{OKABE_ITO[k % 6]}"{dash}/></svg> {esc(n)}</li>'
        )
    return '<ul class="panel-legend">' + "".join(items) + "</ul>"


def unit_panels(
    panel: pd.DataFrame,
    intervals: pd.DataFrame | None,
    pillar_labels: dict[str, str],
    domain: tuple[float, float],
) -> pd.Series:
    """Per unit key (``framework|geo``): the panel chart, its legend and its data table.

    ``panel``: the release's index panel (framework, geo, reference_year, dividend,
    ``<pillar>_dividend``, verdict, p_net_loss); ``intervals``: sensitivity units per
    reference year (framework, geo, reference_year, score_q05, score_q95) or None.
    Only years with a dividend are drawn; a unit with fewer than two such years gets none.
    """
    p = panel.copy()
    if intervals is not None and {"reference_year", "score_q05"} <= set(intervals.columns):
        iv = intervals[["framework", "geo", "reference_year", "score_q05", "score_q95"]]
        p = p.merge(
            iv.drop_duplicates(["framework", "geo", "reference_year"]),
            how="left",
            on=["framework", "geo", "reference_year"],
        )
    else:
        p["score_q05"] = np.nan
        p["score_q95"] = np.nan
    p = p[p["dividend"].notna()].sort_values(["framework", "geo", "reference_year"])
    p["key"] = p["framework"].astype(str) + "|" + p["geo"].astype(str)
    cols = [c for c in pillar_labels if f"{c}_dividend" in p.columns]
    out = {}
    for key, g in p.groupby("key", sort=False):  # file assembly: one chart per unit
        if len(g) < 2:
            continue
        years = g["reference_year"].to_numpy(dtype=float)
        pil = {
            pillar_labels[c]: g[f"{c}_dividend"].to_numpy(dtype=float)
            for c in cols
            if g[f"{c}_dividend"].notna().any()
        }
        title = (
            f"Migration dividend and pillars, {int(years.min())}–{int(years.max())}; "
            "the table below has every value"
        )
        svg = panel_svg(
            years,
            g["dividend"].to_numpy(dtype=float),
            g["score_q05"].to_numpy(dtype=float),
            g["score_q95"].to_numpy(dtype=float),
            pil,
            domain,
            title,
        )
        head = "".join(
            f'<th scope="col">{esc(h)}</th>'
            for h in ["Year", "Dividend", "5–95 %", "Verdict", *pil]
        )
        rows = pd.DataFrame(
            {
                "y": g["reference_year"].astype(int).astype(str),
                "d": num_col(g["dividend"], 1, True),
                "iv": (
                    num_col(g["score_q05"], 1, True) + " to " + num_col(g["score_q95"], 1, True)
                ).where(g["score_q05"].notna(), "–"),
                "v": g["verdict"].astype(str) if "verdict" in g else "",
                **{
                    n: num_col(g[f"{c}_dividend"], 1, True)
                    for c in cols
                    if (n := pillar_labels[c]) in pil
                },
            }
        )
        body = "".join(
            "<tr>" + "".join(f'<td class="num">{esc(x)}</td>' for x in r) + "</tr>"
            for r in rows.itertuples(index=False)
        )
        out[key] = (
            svg
            + panel_legend(list(pil))
            + '<details class="data"><summary>Show the values by year</summary>'
            + '<div class="table-wrap" tabindex="0" role="region" aria-label="Values by year">'
            + "<table><caption>Dividend and pillars by reference year</caption><thead><tr>"
            + head
            + "</tr></thead><tbody>"
            + body
            + "</tbody></table></div></details>"
        )
    return pd.Series(out, dtype=object)
