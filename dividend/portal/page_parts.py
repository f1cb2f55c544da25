"""What the portal's pages share: labels, links, badges, footers, the ranking table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import PILLARS
from dividend.portal.chart_bars import family_domain
from dividend.portal.layout import Col, SiteMeta, link_col, table
from dividend.portal.release_data import Release, sources_table, used_sources
from dividend.portal.text import DASH, cat, esc, esc_col, num_col, pct_col, slug_col
from dividend.portal.verdicts import CLASS, NODATA, verdict_html

PILLAR_LABELS = {
    "financial": "Financial",
    "economic": "Economic",
    "social": "Social",
    "political": "Political",
    "protection": "Refugee protection",
    "perception": "Perception (public opinion)",
}


PEER_GROUP_LABELS = {
    "eu": "European cities",
    "us": "US cities",
    "ca": "Canadian cities",
    "none": "Study cities without city-level data",
}
FRAMEWORK_LABELS = {
    "country": "countries",
    "city_eu": "European cities",
    "city_us": "US cities",
    "city_ca": "Canadian cities",
    "none": "no framework (no city-level data)",
}
DIMENSION_LABELS = {
    "actuality": "Actuality (measured benefits and costs)",
    "perception": "Perception dimension (public opinion)",
}


def unit_href(frame: pd.DataFrame, depth: int = 0) -> pd.Series:
    """Relative link of each unit's profile (``country/<geo>.html`` or ``city/<geo>.html``)."""
    kind = np.where(frame["framework"].astype(str) == "country", "country/", "city/")
    return ("../" * depth) + pd.Series(kind, index=frame.index) + slug_col(frame["geo"]) + ".html"


SOURCE_LIST = "methodology.html"  # the page whose source list has one row per dataset


def source_href(ids: pd.Series) -> pd.Series:
    """Per catalogue dataset id, the link to its row in the source list (from the site root)."""
    return SOURCE_LIST + "#" + source_anchor(ids)


def source_anchor(ids: pd.Series) -> pd.Series:
    """The ``id`` of a dataset's row in the source list."""
    return "src-" + esc_col(ids.astype(str))


def column_of(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` present in ``frame`` (column renames across versions), else NaN."""
    for n in names:
        if n in frame.columns:
            return frame[n]
    return pd.Series(np.nan, index=frame.index, dtype=float)


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


def scenario_label(name: str) -> str:
    """``faal_five_pillars`` -> ``Faal five pillars`` (a scenario's plain name)."""
    return str(name).replace("_", " ").strip().capitalize()


def data_vintage(rel: Release) -> str:
    """Years of the vintages of the source datasets this release uses, e.g. ``2016-2025``."""
    used = used_sources(rel)
    table = sources_table(rel.sources)
    years = (
        table.loc[table.index.isin(used), "vintage"].astype(str).str.extract(r"((?:19|20)\d\d)")[0]
    )
    years = years.dropna().astype(int)
    if years.empty:
        return "not recorded"
    lo, hi = int(years.min()), int(years.max())
    return str(hi) if lo == hi else f"{lo}–{hi}"


def site_meta(rel: Release) -> SiteMeta:
    """Release id, scenario (with its overrides), data vintage and whether it has intervals."""
    return SiteMeta(
        release_id=rel.release_id,
        scenario=rel.scenario,
        scenario_label=scenario_label(rel.scenario),
        overrides=rel.overrides,
        vintage=data_vintage(rel),
        has_sensitivity=rel.sensitivity is not None
        and not isinstance((rel.datapackage or {}).get("sensitivity"), str),
        notices=tuple(release_notices(rel)),
    )


def ranking_frame(units: pd.DataFrame, depth: int = 0) -> pd.DataFrame:
    """Columns :func:`ranking_html` expects, from an index table with sensitivity and verdicts
    (only ranked units: an insufficient-data unit has no place in a ranking)."""
    ranked = units[pd.to_numeric(units["rank"], errors="coerce").notna()]
    ranked = ranked[ranked["verdict"] != NODATA] if "verdict" in ranked else ranked
    return pd.DataFrame(
        {
            "key": ranked["geo"],
            "name": ranked["name"],
            "score": ranked["dividend"].astype(float),
            "score_lo": column_of(ranked, "score_lo"),
            "score_hi": column_of(ranked, "score_hi"),
            "verdict": column_of(ranked, "verdict"),
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
            "verdict": verdict_html(f["verdict"]),
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
    return table(
        disp,
        cols,
        caption=f"{unit_word} ranking: migration dividend, highest first",
        row_class=f["verdict"].map(CLASS).fillna(""),
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
    lists, so both lists show a unit the same way. An insufficient-data unit shows no
    dividend and no rank, only the verdict and its reason."""
    nodata = c["verdict"] == NODATA
    reason = ('<br><span class="note">' + esc_col(c["verdict_reason"]) + "</span>").where(
        nodata & (c["verdict_reason"].astype(str) != ""), ""
    )
    return {
        "name": link_col(unit_href(c), c["name"]),
        "score": num_col(c["dividend"].where(~nodata), 1, True),
        "sv": c["dividend"].where(~nodata),
        "rank": c["rank"].where(~nodata).astype("Int64").astype("string").fillna(DASH),
        "rv": c["rank"].where(~nodata),
        "verdict": verdict_html(c["verdict"]) + reason,
    }


def row_cells(disp: pd.DataFrame, cols: list[Col], labels: bool = False) -> pd.Series:
    """Table rows (``<tr>``) for ``disp`` built column-wise, one string per row.

    ``labels``: every cell carries its column header as ``data-label``, so the stylesheet can
    turn the table into stacked cards on a phone.
    """
    parts: list[pd.Series | str] = ["<tr>"]
    for c in cols:
        content = disp[c.key].astype(object) if c.kind == "html" else esc_col(disp[c.key])
        cls = ' class="num"' if c.kind == "num" else ""
        lab = f' data-label="{esc(c.header)}"' if labels else ""
        dv = (
            cat([' data-value="', esc_col(disp[c.value_key]), '"'], disp.index)
            if c.value_key
            else ""
        )
        parts += [f"<td{cls}{lab}", dv, ">", content, "</td>"]
    parts.append("</tr>")
    return cat(parts, disp.index)


def dividend_domain(rel: Release) -> tuple[float, float]:
    """The one axis range of every index-dividend chart (rankings, movers, panels): covers
    every published dividend and interval of countries and cities."""
    cols = ["dividend", "score_lo", "score_hi"]
    tables = [rel.country, rel.city] + ([rel.panel] if rel.panel is not None else [])
    return family_domain(*[column_of(t, c) for t in tables for c in cols])


def pillar_domain(rel: Release) -> tuple[float, float]:
    """The one axis range of every pillar chart (all pillar dividends of all units)."""
    cols = [f"{p}_dividend" for p in PILLARS]
    return family_domain(*[column_of(t, c) for t in (rel.country, rel.city) for c in cols])
