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


def _frame(y0: int, y1: int, ticks: str, title: str) -> str:
    """The opening of one panel chart: the svg element, the value grid and the year labels."""
    span = max(y1 - y0, 1)
    step = 1 if span <= 8 else 2 if span <= 16 else 5
    labels = [
        f'<text class="xlab" x="{_fmt(LEFT + (yr - y0) / span * (RIGHT - LEFT))}%" y="97%" '
        f'text-anchor="middle">{yr}</text>'
        for yr in range(y0, y1 + 1)
        if (yr - y0) % step == 0 or yr == y1
    ]
    return (
        f'<svg class="panel-chart" height="260" role="img" aria-label="{esc(title)}">'
        + ticks
        + "".join(labels)
    )


def _grid(domain: tuple[float, float]) -> str:
    """The value grid and its labels: the same on every panel (one domain for all)."""
    d0, d1 = domain
    parts = []
    for t in nice_ticks(d0, d1):
        if d0 - 1e-9 <= t <= d1 + 1e-9:
            yy = _fmt(BOTTOM - (t - d0) / (d1 - d0) * (BOTTOM - TOP))
            cls = "zero" if abs(t) < 1e-9 else "grid"
            parts.append(
                f'<line class="{cls}" x1="{LEFT}%" x2="{RIGHT}%" y1="{yy}%" y2="{yy}%"/>'
                f'<text class="ylab" x="{LEFT - 1}%" y="{yy}%" dy="4" text-anchor="end">'
                f"{esc(tick_label(t))}</text>"
            )
    return "".join(parts)


def _pct(v: np.ndarray) -> np.ndarray:
    """``f"{v:.2f}%"`` for every value."""
    return np.char.add(np.char.mod("%.2f", v), "%").astype(object)


def _next(a: np.ndarray) -> np.ndarray:
    """Each row's following row's text ("" after the last)."""
    return np.concatenate([a[1:], np.array([""], dtype=object)])


def _per_unit(frags: np.ndarray, keep: np.ndarray, key: np.ndarray, units: pd.Index) -> np.ndarray:
    """The kept fragments joined per unit, in row order; "" for a unit with none."""
    if not keep.any():
        return np.full(len(units), "", dtype=object)
    joined = pd.Series(frags[keep]).groupby(key[keep], sort=False).agg("".join)
    return joined.reindex(units, fill_value="").to_numpy(dtype=object)


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
    Every mark of every unit is formatted in one pass over all rows (a pillar's colour and
    dash follow its place among the pillars the unit has); the rows are then joined per unit.
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
    p = p[p.groupby("key", sort=False)["key"].transform("size") >= 2].reset_index(drop=True)
    if p.empty:
        return pd.Series({}, dtype=object)
    cols = [c for c in pillar_labels if f"{c}_dividend" in p.columns]
    key = p["key"].to_numpy(dtype=object)
    units = pd.Index(pd.unique(key))
    year = p["reference_year"].to_numpy(dtype=float)
    grp = p.groupby("key", sort=False)["reference_year"]
    y0 = grp.transform("min").to_numpy(dtype=float)
    span = np.maximum(grp.transform("max").to_numpy(dtype=float) - y0, 1.0)
    d0, d1 = domain
    x = _pct(LEFT + (year - y0) / span * (RIGHT - LEFT))

    def py(v: np.ndarray) -> np.ndarray:
        return _pct(BOTTOM - (v - d0) / (d1 - d0) * (BOTTOM - TOP))

    nxt = np.r_[key[1:] == key[:-1], False]  # the next row is the same unit's next year
    x2 = _next(x)

    def segments(v: np.ndarray, cls: str, style: np.ndarray | str) -> np.ndarray:
        ok = ~np.isnan(v)
        yv = py(v)
        frag = (
            f'<line class="{cls}" x1="'
            + x
            + '" y1="'
            + yv
            + '" x2="'
            + x2
            + '" y2="'
            + _next(yv)
            + '"'
            + style
            + "/>"
        )
        return _per_unit(frag, ok & np.r_[ok[1:], False] & nxt, key, units)

    # which pillars each unit has, and each one's place among them (its colour and dash)
    has = pd.DataFrame(
        {c: p[f"{c}_dividend"].notna().groupby(key, sort=False).any() for c in cols}
    ).reindex(units)
    place = has.cumsum(axis=1) - 1
    marks = np.full(len(units), "", dtype=object)
    for c in cols:  # a handful of pillars; rows and units vectorised
        k = place[c].to_numpy()[units.get_indexer(key)] % 6
        style = (
            ' stroke="'
            + np.array(OKABE_ITO, dtype=object)[k]
            + '"'
            + np.where(
                np.array(DASHES, dtype=object)[k] != "",
                ' stroke-dasharray="' + np.array(DASHES, dtype=object)[k] + '"',
                "",
            )
        )
        marks = marks + np.where(
            has[c].to_numpy(), segments(p[f"{c}_dividend"].to_numpy(dtype=float), "pil", style), ""
        )
    lo, hi = p["score_q05"].to_numpy(dtype=float), p["score_q95"].to_numpy(dtype=float)
    bars = (
        '<line class="iv" x1="' + x + '" x2="' + x + '" y1="' + py(lo) + '" y2="' + py(hi) + '"/>'
    )
    marks = marks + _per_unit(bars, ~np.isnan(lo) & ~np.isnan(hi), key, units)
    div = p["dividend"].to_numpy(dtype=float)
    marks = marks + segments(div, "div", "")
    dots = '<circle class="pt" cx="' + x + '" cy="' + py(div) + '" r="4"/>'
    marks = marks + _per_unit(dots, np.ones(len(p), dtype=bool), key, units)

    # the table under the chart: one row per year, the unit's own pillars only
    cell = ('<td class="num">', "</td>")

    def cells(s: pd.Series) -> np.ndarray:
        return (cell[0] + s.map(esc).to_numpy(dtype=object) + cell[1]).astype(object)

    row = (
        "<tr>"
        + cells(p["reference_year"].astype(int).astype(str))
        + cells(num_col(p["dividend"], 1, True))
        + cells(
            (num_col(p["score_q05"], 1, True) + " to " + num_col(p["score_q95"], 1, True)).where(
                p["score_q05"].notna(), "–"
            )
        )
        + cells(p["verdict"].astype(str) if "verdict" in p else pd.Series("", index=p.index))
    )
    for c in cols:
        mine = has[c].to_numpy()[units.get_indexer(key)]
        row = row + np.where(mine, cells(num_col(p[f"{c}_dividend"], 1, True)), "")
    rows = _per_unit(row + "</tr>", np.ones(len(p), dtype=bool), key, units)

    # the opening per year range and the closing per pillar set: a few distinct ones each
    span_of = p.groupby("key", sort=False)["reference_year"].agg(["min", "max"]).astype(int)
    span_of = span_of.reindex(units)
    ticks = _grid(domain)
    ranges = span_of.drop_duplicates()
    ranges = ranges.assign(
        text=[
            _frame(
                a,
                b,
                ticks,
                f"Migration dividend and pillars, {a}–{b}; the table below has every value",
            )
            for a, b in zip(ranges["min"], ranges["max"], strict=True)
        ]
    )
    heads = span_of.merge(ranges, on=["min", "max"], how="left")["text"].to_numpy(dtype=object)
    present = has.to_numpy(dtype=bool)
    pattern = (present * (1 << np.arange(len(cols)))).sum(axis=1)
    closing = {
        int(m): _closing([pillar_labels[c] for c, h in zip(cols, present[i], strict=True) if h])
        for m, i in zip(*np.unique(pattern, return_index=True), strict=True)
    }
    tails = pd.Series(pattern).map(closing).to_numpy(dtype=object)
    out = heads + marks + "</svg>" + tails + rows + "</tbody></table></div></details>"
    return pd.Series(out, index=units, dtype=object)


def _closing(pil: list[str]) -> str:
    """What follows a unit's chart: the legend, then the data table's opening."""
    head = "".join(
        f'<th scope="col">{esc(h)}</th>' for h in ["Year", "Dividend", "5–95 %", "Verdict", *pil]
    )
    return (
        panel_legend(pil)
        + '<details class="data"><summary>Show the values by year</summary>'
        + '<div class="table-wrap" tabindex="0" role="region" aria-label="Values by year">'
        + "<table><caption>Dividend and pillars by reference year</caption><thead><tr>"
        + head
        + "</tr></thead><tbody>"
    )
