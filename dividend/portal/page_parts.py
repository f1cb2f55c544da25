"""What the portal's pages share: labels, links, badges, footers, the ranking table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import PILLARS
from dividend.portal.layout import Col, link_col, table
from dividend.portal.release_data import Release
from dividend.portal.text import DASH, cat, esc, esc_col, num_col, pct_col, slug_col

PILLAR_LABELS = {
    "financial": "Financial",
    "economic": "Economic",
    "social": "Social",
    "political": "Political",
    "human_development": "Other human development",
    "protection": "Refugee protection",
    "perception": "Perception (public opinion)",
}


def unit_href(frame: pd.DataFrame, depth: int = 0) -> pd.Series:
    """Relative link of each unit's profile (``country/<geo>.html`` or ``city/<geo>.html``)."""
    kind = np.where(frame["framework"].astype(str) == "country", "country/", "city/")
    return ("../" * depth) + pd.Series(kind, index=frame.index) + slug_col(frame["geo"]) + ".html"


def column_of(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` present in ``frame`` (column renames across versions), else NaN."""
    for n in names:
        if n in frame.columns:
            return frame[n]
    return pd.Series(np.nan, index=frame.index, dtype=float)


def verdict_badge(loss: pd.Series, has_value: pd.Series) -> pd.Series:
    """HTML badge: net loss / net gain / no score."""
    lo = loss.astype("boolean").fillna(False).astype(bool)
    out = np.where(
        ~has_value,
        '<span class="badge none">no score</span>',
        np.where(
            lo,
            '<span class="badge loss">net loss</span>',
            '<span class="badge gain">net gain</span>',
        ),
    )
    return pd.Series(out, index=loss.index, dtype=object)


def interval_text(
    lo: pd.Series, hi: pd.Series, decimals: int = 0, signed: bool = False
) -> pd.Series:
    txt = num_col(lo, decimals, signed) + " to " + num_col(hi, decimals, signed)
    return txt.where(lo.notna() & hi.notna(), DASH)


def release_notices(rel: Release) -> list[str]:
    """What every page must say about the release itself (from its datapackage.json): weight
    overrides on top of the scenario file, and a release without uncertainty intervals."""
    dp = rel.datapackage or {}
    out = []
    overrides = dp.get("weight_overrides") or {}
    if overrides:
        pairs = ", ".join(f"{k} = {v:g}" for k, v in sorted(overrides.items()))
        out.append(
            f"Weights overridden for this release: {pairs}. It is not the published scenario "
            f"{rel.scenario} as its file defines it."
        )
    if rel.sensitivity is None or isinstance(dp.get("sensitivity"), str):
        out.append(
            "This release has no uncertainty intervals: it was built without the sensitivity analysis."
        )
    return out


def page_footer(rel: Release, depth: int) -> str:
    up = "../" * depth
    notices = "".join(
        f'<p class="release-notice" role="note"><strong>{esc(n)}</strong></p>'
        for n in release_notices(rel)
    )
    return (
        notices + f"Release <strong>{esc(rel.release_id)}</strong>, weight scenario "
        f"<strong>{esc(rel.scenario)}</strong>. Every number links back to its source on "
        f'the profiles; all files are on the <a href="{up}downloads.html">downloads page</a>. '
        "Works offline: no external resources are loaded."
    )


def ranking_frame(units: pd.DataFrame, depth: int = 0) -> pd.DataFrame:
    """Columns :func:`ranking_svg` expects, from an index table (with sensitivity columns)."""
    ranked = units[pd.to_numeric(units["rank"], errors="coerce").notna()]
    return pd.DataFrame(
        {
            "name": ranked["name"],
            "score": ranked["dividend"].astype(float),
            "score_lo": column_of(ranked, "score_lo"),
            "score_hi": column_of(ranked, "score_hi"),
            "net_loss": ranked["net_migration_loss"],
            "p_loss": column_of(ranked, "p_loss"),
            "href": unit_href(ranked, depth),
            "rank": ranked["rank"],
            "rank_lo": column_of(ranked, "rank_lo"),
            "rank_hi": column_of(ranked, "rank_hi"),
            "rank_median": column_of(ranked, "rank_median"),
            "coverage": ranked["coverage"],
        }
    )


def ranking_table(rf: pd.DataFrame, unit_word: str) -> str:
    f = rf.sort_values(["score", "name"], ascending=[False, True])
    has_iv = f["score_lo"].notna().any()
    disp = pd.DataFrame(
        {
            "rank": f["rank"].astype("Int64").astype(str),
            "unit": link_col(f["href"], f["name"]),
            "score": num_col(f["score"], 1, True),
            "score_v": f["score"],
            "score_iv": interval_text(f["score_lo"], f["score_hi"], 1, True),
            "rank_iv": interval_text(f["rank_lo"], f["rank_hi"]),
            "rank_med": num_col(f["rank_median"], 0),
            "p_loss": pct_col(f["p_loss"]),
            "p_v": f["p_loss"],
            "verdict": verdict_badge(f["net_loss"], f["score"].notna()),
            "coverage": pct_col(f["coverage"]),
            "cov_v": f["coverage"],
        },
        index=f.index,
    )
    cols = [
        Col("rank", "Rank", "num", "rank"),
        Col("unit", unit_word, "html"),
        Col("score", "Dividend", "num", "score_v"),
    ]
    if has_iv:
        cols += [
            Col("score_iv", "Dividend, 5–95 %", "num"),
            Col("rank_iv", "Rank, 5–95 %", "num"),
            Col("rank_med", "Median rank", "num"),
            Col("p_loss", "P(net loss)", "num", "p_v"),
        ]
    cols += [Col("verdict", "Verdict", "html"), Col("coverage", "Data coverage", "num", "cov_v")]
    row_class = pd.Series(
        np.where(f["net_loss"].astype("boolean").fillna(False).astype(bool), "loss", ""),
        index=f.index,
    )
    return table(
        disp,
        cols,
        caption=f"{unit_word} ranking: migration dividend, highest first",
        row_class=row_class,
    )


def pillar_long(units: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, pillar) with dividend/benefit/cost/coverage (pillars without data dropped)."""
    parts = []
    for p in PILLARS:
        parts.append(
            pd.DataFrame(
                {
                    "geo": units["geo"].to_numpy(),
                    "framework": units["framework"].to_numpy(),
                    "key": (
                        units["framework"].astype(str) + "|" + units["geo"].astype(str)
                    ).to_numpy(),
                    "pillar_code": p,
                    "pillar": PILLAR_LABELS[p],
                    "order": PILLARS.index(p),
                    "net": column_of(units, f"{p}_dividend").to_numpy(dtype=float),
                    "benefit": column_of(units, f"{p}_benefit").to_numpy(dtype=float),
                    "cost": column_of(units, f"{p}_cost").to_numpy(dtype=float),
                    "coverage": column_of(units, f"{p}_coverage").to_numpy(dtype=float),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return out[out["net"].notna()].sort_values(["key", "order"], kind="stable")


def unit_list_cells(c: pd.DataFrame) -> dict[str, pd.Series]:
    """Name link, dividend, rank and verdict (with their sort values) of the country and city
    lists, so both lists show a unit the same way."""
    return {
        "name": link_col(unit_href(c), c["name"]),
        "score": num_col(c["dividend"], 1, True),
        "sv": c["dividend"],
        "rank": c["rank"].astype("Int64").astype("string").fillna(DASH),
        "rv": c["rank"],
        "verdict": verdict_badge(c["net_migration_loss"], c["dividend"].notna()),
    }


def row_cells(disp: pd.DataFrame, cols: list[Col]) -> pd.Series:
    """Table rows (``<tr>``) for ``disp`` built column-wise, one string per row."""
    parts: list[pd.Series | str] = ["<tr>"]
    for c in cols:
        content = disp[c.key].astype(object) if c.kind == "html" else esc_col(disp[c.key])
        cls = ' class="num"' if c.kind == "num" else ""
        dv = (
            cat([' data-value="', esc_col(disp[c.value_key]), '"'], disp.index)
            if c.value_key
            else ""
        )
        parts += [f"<td{cls}", dv, ">", content, "</td>"]
    parts.append("</tr>")
    return cat(parts, disp.index)
