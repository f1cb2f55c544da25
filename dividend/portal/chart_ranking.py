"""The ranking chart (every unit's dividend with its interval, as HTML rows) and its markdown
twin for Dagster's metadata."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.chart_bars import bar_chart, family_domain
from dividend.portal.text import cat, num_col
from dividend.portal.verdicts import CLASS, CLOSE, GAIN, LOSS, verdict_html

RANKING_COLUMNS = (
    "name",
    "score",
)  # required; optional: score_lo, score_hi, net_loss, p_loss, href


def ranking_html(
    frame: pd.DataFrame,
    *,
    title: str,
    chart_id: str,
    domain: tuple[float, float],
    desc: str | None = None,
    value_label: str = "Migration dividend (−100 net loss … +100 net gain)",
) -> str:
    """Every ranked unit, best first: rank, linked name, dividend with its 5–95 % interval,
    verdict in words and shape. ``frame``: :func:`dividend.portal.page_parts.ranking_frame`."""
    missing = [c for c in RANKING_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"ranking_html: frame lacks column(s) {missing}")
    f = frame[pd.to_numeric(frame["score"], errors="coerce").notna()]
    f = f.sort_values(["score", "name"], ascending=[False, True])
    if f.empty:
        return (
            f'<p class="callout" id="{chart_id}">No unit can be ranked here: without an '
            "uncertainty result (or with too little data) a unit gets no verdict, no score and "
            "no rank. Each profile says why.</p>"
        )
    verdict = f["verdict"] if "verdict" in f else pd.Series("", index=f.index)
    rows = pd.DataFrame(
        {
            "name": f["name"],
            "value": f["score"].astype(float),
            "lo": f.get("score_lo", pd.Series(np.nan, index=f.index)),
            "hi": f.get("score_hi", pd.Series(np.nan, index=f.index)),
            "prefix": f["rank"].astype("Int64").astype(str) if "rank" in f else "",
            "verdict_html": verdict_html(verdict) if "verdict" in f else "",
            "extra": p_text(f.get("p_loss", pd.Series(np.nan, index=f.index))),
            "cls": verdict.map(CLASS).fillna(""),
            "key": f["key"] if "key" in f else f["name"],
        },
        index=f.index,
    )
    if "href" in f:
        rows["href"] = f["href"]
    n_iv = int(pd.to_numeric(rows["lo"], errors="coerce").notna().sum())
    if desc is None:
        counts = verdict.value_counts()
        desc = (
            f"{len(f)} units, highest dividend first. "
            + ", ".join(f"{int(counts.get(v, 0))} {v}" for v in (GAIN, CLOSE, LOSS))
            + ". "
            + (
                "Each row shows the dividend and, in brackets and as a line, its 5–95 % "
                "interval across the sensitivity runs."
                if n_iv
                else "No uncertainty interval is available for these units."
            )
        )
    return bar_chart(
        rows, title=title, desc=desc, chart_id=chart_id, domain=domain, axis_label=value_label
    )


def p_text(p_loss: pd.Series) -> pd.Series:
    """`` · P(net loss) 12 %`` where a probability is known, else empty."""
    p = pd.to_numeric(p_loss, errors="coerce")
    return (' <span class="p">P(loss) ' + num_col(p * 100, 0) + "\u00a0%</span>").where(
        p.notna(), ""
    )


def ranking_markdown(frame: pd.DataFrame, *, top: int = 15, bottom: int = 10) -> str:
    """A markdown ranking table (best ``top`` and worst ``bottom``) for Dagster metadata.

    Same ``frame`` columns as :func:`ranking_html`. Dagster's UI renders markdown tables
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


def movers_html(changes: pd.DataFrame, *, chart_id: str, n: int = 10) -> str:
    """The ``n`` largest rises and falls of the dividend over the change window, with the
    change's 5–95 % interval and P(improved) (paired sensitivity runs).

    ``changes``: key, name, href, nominal_change, change_q05, change_q95, p_improved,
    base_year, year. One axis range for both lists (the family of change charts).
    """
    c = changes[pd.to_numeric(changes["nominal_change"], errors="coerce").notna()]
    c = c.sort_values(["nominal_change", "name"], ascending=[False, True])
    up, down = c.head(n), c.tail(n).iloc[::-1]
    domain = family_domain(c["nominal_change"], c["change_q05"], c["change_q95"])
    span = (
        f"{int(c['base_year'].min())}–{int(c['year'].max())}"
        if {"base_year", "year"} <= set(c.columns) and len(c)
        else "the change window"
    )

    def rows(f: pd.DataFrame) -> pd.DataFrame:
        p = pd.to_numeric(f["p_improved"], errors="coerce")
        return pd.DataFrame(
            {
                "key": f["key"],
                "name": f["name"],
                "href": f["href"],
                "value": f["nominal_change"],
                "lo": f["change_q05"],
                "hi": f["change_q95"],
                "extra": (
                    ' <span class="p">P(improved) ' + num_col(p * 100, 0) + "\u00a0%</span>"
                ).where(p.notna(), ""),
                "cls": np.where(f["nominal_change"] < 0, "v-loss", "v-gain"),
            },
            index=f.index,
        )

    label = f"Change of the dividend, {span} (points)"
    return bar_chart(
        rows(up),
        title=f"Largest rises, {span}",
        desc="The change of each country's dividend, its 5–95 % interval across the paired "
        "sensitivity runs, and the share of runs in which it rose.",
        chart_id=f"{chart_id}-up",
        domain=domain,
        axis_label=label,
    ) + bar_chart(
        rows(down),
        title=f"Largest falls, {span}",
        desc="The same for the largest falls.",
        chart_id=f"{chart_id}-down",
        domain=domain,
        axis_label=label,
    )
