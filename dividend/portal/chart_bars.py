"""Bar-row charts in HTML: one list item per row, the bar drawn by a tiny SVG in percent.

Why HTML rows rather than one scaled SVG: text stays at the page's font size at any width
(an SVG scaled into a phone shrank it to 6 px), names wrap instead of being cut, every value
is printed on its row, links are ordinary links in a list (no links hidden in a
``role="img"``), and on a narrow screen the chart simply becomes a list with values.
The bars use percentage coordinates (no viewBox), so they stretch without distorting marks,
and need no inline style (the server's CSP forbids it).

One axis range per chart family: the caller passes ``domain`` (the same for every chart of
a family, e.g. every dividend chart of the site), and the axis is drawn at the top and the
bottom of each chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.chart_axes import nice_ticks
from dividend.portal.text import DASH, cat, esc, esc_col, num_col

BAR_COLUMNS = ("name", "value")  # required; optional: lo, hi, href, verdict_html, extra, cls, key


def family_domain(*values: pd.Series) -> tuple[float, float]:
    """Symmetric round axis range covering every value of a chart family (always spans 0)."""
    arr = np.concatenate([pd.to_numeric(v, errors="coerce").to_numpy(float) for v in values])
    arr = np.abs(arr[np.isfinite(arr)])
    top = float(nice_ticks(0.0, float(arr.max()) if arr.size else 1.0)[-1]) or 1.0
    return -top, top


def pct(v: pd.Series | np.ndarray, domain: tuple[float, float]) -> np.ndarray:
    """Position of values on the axis, in percent of the bar width (clipped to 0-100)."""
    d0, d1 = domain
    return np.clip((np.asarray(v, dtype=float) - d0) / (d1 - d0) * 100.0, 0.0, 100.0)


def axis_html(domain: tuple[float, float], label: str, where: str) -> str:
    """Tick labels along the bar column (``where``: top or bottom); decorative for readers."""
    ticks = nice_ticks(*domain)
    ticks = ticks[(ticks >= domain[0] - 1e-9) & (ticks <= domain[1] + 1e-9)]
    xs = pct(ticks, domain)
    anchor = np.where(xs < 1, "start", np.where(xs > 99, "end", "middle"))
    labels = num_col(pd.Series(ticks), 0, signed=True).str.replace("+0", "0", regex=False)
    texts = "".join(
        f'<text x="{x:.2f}%" y="{14 if where == "top" else 13}" text-anchor="{a}">{esc(t)}</text>'
        for x, a, t in zip(xs, anchor, labels, strict=True)
    )
    lab = f'<span class="axis-label">{esc(label)}</span>' if where == "bottom" else ""
    return (
        f'<div class="bar-axis {where}" aria-hidden="true"><span class="ax-pad"></span>'
        f'<svg class="ax" height="20">{texts}</svg><span class="ax-pad2"></span>{lab}</div>'
    )


def bar_rows(f: pd.DataFrame, domain: tuple[float, float]) -> pd.Series:
    """``<li>`` per row: name (link if ``href``), bar with interval, value, verdict."""
    idx = f.index
    value = pd.to_numeric(f["value"], errors="coerce")
    lo = pd.to_numeric(f["lo"], errors="coerce") if "lo" in f else value * np.nan
    hi = pd.to_numeric(f["hi"], errors="coerce") if "hi" in f else value * np.nan
    x0 = float(pct(np.array([0.0]), domain)[0])
    xv = pct(value.fillna(0.0), domain)
    left = np.minimum(xv, x0)
    width = np.abs(xv - x0)
    has_iv = lo.notna() & hi.notna()
    xl, xh = pct(lo.fillna(0.0), domain), pct(hi.fillna(0.0), domain)
    f2 = lambda a: pd.Series(np.char.mod("%.2f", np.asarray(a, dtype=float)), index=idx)  # noqa: E731
    iv = cat(
        [
            '<line class="iv" x1="',
            f2(xl),
            '%" x2="',
            f2(xh),
            '%" y1="50%" y2="50%"/>',
        ],
        idx,
    ).where(has_iv, "")
    svg = cat(
        [
            '<svg class="bar" aria-hidden="true" height="18"><line class="zero" x1="',
            f"{x0:.2f}",
            '%" x2="',
            f"{x0:.2f}",
            '%" y1="0" y2="100%"/><rect class="b" x="',
            f2(left),
            '%" width="',
            f2(width),
            '%" y="4" height="10"/>',
            iv,
            '<circle class="pt" cx="',
            f2(xv),
            '%" cy="50%" r="4"/></svg>',
        ],
        idx,
    ).where(value.notna(), '<span class="bar-none"></span>')
    name = esc_col(f["name"])
    if "href" in f:
        name = cat(['<a href="', esc_col(f["href"]), '">', name, "</a>"], idx)
    prefix = (esc_col(f["prefix"].astype(str)) + ". ") if "prefix" in f else ""
    val = num_col(value, 1, True)
    iv_txt = (
        ' <span class="iv-txt">('
        + num_col(lo, 1, True)
        + " to "
        + num_col(hi, 1, True)
        + ")</span>"
    ).where(has_iv, "")
    verdict = f["verdict_html"].astype(str) if "verdict_html" in f else ""
    extra = f["extra"].astype(str) if "extra" in f else ""
    cls = (" " + f["cls"].astype(str)) if "cls" in f else ""
    key = (' data-key="' + esc_col(f["key"].astype(str)) + '"') if "key" in f else ""
    return cat(
        [
            '<li class="bar-row',
            cls,
            '"',
            key,
            ' data-value="',
            num_col(value, 4).str.replace("−", "-").where(value.notna(), ""),
            '"><span class="b-name">',
            prefix,
            name,
            "</span>",
            svg,
            '<span class="b-val">',
            val.where(value.notna(), DASH),
            iv_txt,
            "</span>",
            '<span class="b-verdict">',
            verdict,
            extra,
            "</span></li>",
        ],
        idx,
    )


def bar_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    desc: str,
    chart_id: str,
    domain: tuple[float, float],
    axis_label: str,
    ordered: bool = True,
) -> str:
    """A titled list of bar rows with the axis above and below; see :func:`bar_rows`."""
    missing = [c for c in BAR_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"bar_chart: frame lacks column(s) {missing}")
    rows = "".join(bar_rows(frame, domain)) if len(frame) else ""
    tag = "ol" if ordered else "ul"
    return (
        f'<figure class="bar-chart" id="{esc(chart_id)}" aria-labelledby="{esc(chart_id)}-t">'
        f'<figcaption><span id="{esc(chart_id)}-t" class="chart-title">{esc(title)}</span> '
        f'<span class="chart-desc">{esc(desc)}</span></figcaption>'
        + axis_html(domain, axis_label, "top")
        + f'<{tag} class="bar-rows">{rows}</{tag}>'
        + axis_html(domain, axis_label, "bottom")
        + "</figure>"
    )
