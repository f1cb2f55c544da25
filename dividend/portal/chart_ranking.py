"""The ranking chart (every unit's dividend with its interval, as HTML rows) and its markdown
twin for Dagster's metadata."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.portal.chart_bars import bar_chart
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
