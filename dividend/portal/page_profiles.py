"""One profile per country and city, built for all units at once.

Tables are built column-wise, then grouped by unit, so the only per-unit Python work is
writing the finished file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import PILLARS, FrameworkConfig, load_frameworks
from dividend.index.unit_tables import NO_CITY_DATA
from dividend.portal.charts import diverging_svgs
from dividend.portal.layout import Col, link_col, page
from dividend.portal.page_parts import (
    PILLAR_LABELS,
    column_of,
    interval_text,
    page_footer,
    pillar_long,
    row_cells,
    unit_href,
    verdict_badge,
)
from dividend.portal.release_data import Release, sources_table, with_sensitivity
from dividend.portal.text import DASH, cat, esc, esc_col, join_by, num_col, pct_col, slug_col


def _source_links(long: pd.DataFrame, rel: Release, depth: int) -> pd.Series:
    """Per long row, links to each source's publisher landing page."""
    ids = long["sources"].fillna("").astype(str).str.split(",").explode().str.strip()
    ids = ids[ids != ""]
    cat_df = sources_table(rel.sources)
    known = ids.isin(cat_df.index)
    meta = cat_df.reindex(ids.to_numpy())
    meta.index = ids.index
    link = cat(
        [
            '<a href="',
            esc_col(meta["landing_url"]),
            '">',
            esc_col(meta["publisher"]),
            '</a> <span class="note">(',
            esc_col(ids),
            ", ",
            esc_col(meta["vintage"]),
            ")</span>",
        ],
        ids.index,
    ).where(known, esc_col(ids) + ' <span class="note">(not in catalogue)</span>')
    joined = join_by(link, link.index, "<br>", sort=True)
    return joined.reindex(long.index).fillna(DASH)


def _indicator_tables(
    rel: Release, units: pd.DataFrame, fws: dict[str, FrameworkConfig]
) -> pd.Series:
    """Per unit: the table of every framework indicator with value, year, source, treatment."""
    defs = pd.DataFrame(
        [
            (f.name, i.code, i.name, i.pillar, i.role, i.unit, ",".join(i.sources), k)
            for f in fws.values()
            for k, i in enumerate(f.indicators)
        ],
        columns=["framework", "indicator", "iname", "pillar", "role", "unit", "sources", "order"],
    )
    grid = units[["framework", "geo"]].merge(defs, on="framework", how="inner")
    long = rel.long[
        ["framework", "geo", "indicator", "value", "year", "treatment", "sources", "source_file"]
    ]
    m = grid.merge(long, on=["framework", "geo", "indicator"], how="left", suffixes=("", "_long"))
    m["sources"] = m["sources_long"].fillna(m["sources"])
    m = m.sort_values(["geo", "order"], kind="stable").reset_index(drop=True)
    has = m["value"].notna()
    value = (num_col(m["value"], 2) + " " + esc_col(m["unit"])).where(has, "not available")
    files = esc_col(m["source_file"].fillna("").str.replace(";", ", "))
    src = (
        _source_links(m, rel, 1)
        + pd.Series(np.where(files != "", '<br><span class="note">file: ', ""), index=m.index)
        + files
        + pd.Series(np.where(files != "", "</span>", ""), index=m.index)
    )
    disp = pd.DataFrame(
        {
            "name": m["iname"],
            "pillar": m["pillar"].map(PILLAR_LABELS).fillna(m["pillar"]),
            "role": m["role"],
            "value": value,
            "vv": m["value"],
            "year": m["year"].astype("Int64").astype("string").fillna(DASH),
            "treatment": m["treatment"].fillna("no value in the reference window"),
            "source": src,
        }
    )
    cols = [
        Col("name", "Indicator"),
        Col("pillar", "Pillar"),
        Col("role", "Role"),
        Col("value", "Value", "num", "vv"),
        Col("year", "Year", "num"),
        Col("treatment", "Treatment"),
        Col("source", "Source", "html"),
    ]
    # table() renders all rows at once; split the rendered rows back per unit.
    rows = row_cells(disp, cols)
    body = join_by(rows, m["framework"] + "|" + m["geo"])
    head = "".join(f'<th scope="col">{esc(c.header)}</th>' for c in cols)
    return (
        '<div class="table-wrap"><table class="sortable"><caption>Every indicator of the '
        "framework: value, year, source and treatment</caption><thead><tr>"
        + head
        + "</tr></thead><tbody>"
        + body
        + "</tbody></table></div>"
    )


def _pillar_tables(units: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per unit geo: (diverging chart SVG, pillar table HTML)."""
    pl = pillar_long(units)
    names = pd.Series(
        units["name"].to_numpy(),
        index=units["framework"].astype(str) + "|" + units["geo"].astype(str),
    )
    disp = pd.DataFrame(
        {
            "pillar": pl["pillar"],
            "net": num_col(pl["net"], 1, True),
            "benefit": num_col(pl["benefit"], 1, True),
            "cost": num_col(pl["cost"], 1, True),
            "coverage": pct_col(pl["coverage"]),
        },
        index=pl.index,
    )
    cols = [
        Col("pillar", "Pillar"),
        Col("net", "Pillar dividend", "num"),
        Col("benefit", "Benefit contribution", "num"),
        Col("cost", "Cost contribution", "num"),
        Col("coverage", "Indicators observed", "num"),
    ]
    rows = join_by(row_cells(disp, cols), pl["key"])
    head = "".join(f'<th scope="col">{esc(c.header)}</th>' for c in cols)
    tables = (
        '<div class="table-wrap"><table><caption>Pillar scores</caption><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + rows
        + "</tbody></table></div>"
    )
    geos = pd.Index(rows.index)
    titles = pd.Series(
        "Benefits against costs per pillar: " + names.reindex(geos).astype(str), index=geos
    )
    worst = pl.loc[pl.groupby("key")["net"].idxmin()].set_index("key")["pillar"].reindex(geos)
    descs = pd.Series(
        "Benefit (blue) and cost (orange) contribution per pillar, with the net; lowest pillar: "
        + worst.astype(str)
        + ".",
        index=geos,
    )
    svgs = diverging_svgs(pl, group="key", titles=titles, descs=descs, extent=100.0)
    return svgs, tables


def profiles(rel: Release, frameworks: dict[str, FrameworkConfig] | None = None) -> dict[str, str]:
    """Relative path under ``site/`` -> HTML, for every country and every city."""
    country = with_sensitivity(rel.country, rel.sensitivity)
    city = with_sensitivity(rel.city, rel.sensitivity)
    both = pd.concat([country, city], ignore_index=True)
    both["key"] = both["framework"].astype(str) + "|" + both["geo"].astype(str)
    ind_tables = _indicator_tables(rel, both, frameworks or load_frameworks())
    svgs, ptables = _pillar_tables(both)
    has = both["dividend"].notna()
    is_city = both["framework"].astype(str) != "country"
    nodata = both["city_data"].astype(str).eq(NO_CITY_DATA) if "city_data" in both else ~has
    rank = both["rank"].astype("Int64").astype("string")
    n_ranked = both["n_ranked"].astype("Int64").astype("string")
    sens = both["rank_lo"].notna()
    peer = np.where(is_city, " in peer group " + both["peer_group"].astype(str).str.upper(), "")
    kpi = cat(
        [
            '<div class="kpis"><div class="kpi"><span class="label">Migration dividend</span><span class="value">',
            num_col(both["dividend"], 1, True),
            "</span> ",
            verdict_badge(both["net_migration_loss"], has),
            '</div><div class="kpi"><span class="label">Rank',
            pd.Series(peer, index=both.index),
            '</span><span class="value">',
            (rank + " of " + n_ranked).fillna(DASH),
            '</span></div><div class="kpi"><span class="label">Rank, 5–95 % of sensitivity runs</span><span class="value">',
            interval_text(both["rank_lo"], both["rank_hi"]),
            '</span></div><div class="kpi"><span class="label">Probability of a net loss</span><span class="value">',
            pct_col(both["p_loss"]),
            '</span></div><div class="kpi"><span class="label">Indicators observed</span><span class="value">',
            pct_col(both["coverage"]),
            "</span></div></div>",
        ],
        both.index,
    )
    sens_note = pd.Series(
        np.where(
            sens,
            '<p class="note">Dividend 5–95 % interval across the sensitivity runs: '
            + interval_text(both["score_lo"], both["score_hi"], 1, True)
            + ".</p>",
            '<p class="note">No sensitivity result for this unit in this release.</p>',
        ),
        index=both.index,
    )
    nodata_note = pd.Series(
        np.where(
            nodata & is_city,
            f'<div class="callout"><strong>{NO_CITY_DATA.capitalize()}.</strong> No open source in '
            "this release covers this city, so it has no city score; the national values "
            "below are its country's, not the city's.</div>",
            "",
        ),
        index=both.index,
    )
    if "note" in both:
        note = ('<p class="note">' + esc_col(both["note"]) + "</p>").where(
            is_city & both["note"].notna(), ""
        )
    else:
        note = ""
    geo = both["key"]
    pillars = (
        '<h2 id="pillars">Pillars: benefits against costs</h2>'
        + geo.map(svgs).fillna("")
        + pd.Series(
            np.where(
                geo.isin(ptables.index),
                "<details><summary>Show the data behind this chart</summary>",
                "",
            ),
            index=both.index,
        )
        + geo.map(ptables).fillna("<p>No pillar scores: not enough data.</p>")
        + pd.Series(np.where(geo.isin(ptables.index), "</details>", ""), index=both.index)
    ).where(~(nodata & is_city), "")
    indicators = pd.Series(
        np.where(nodata & is_city, "", '<h2 id="indicators">Indicators</h2>'), index=both.index
    ) + geo.map(ind_tables).fillna("").where(~(nodata & is_city), "")
    national = _national_context(both, country, is_city)
    kind = pd.Series(np.where(is_city, "City", "Country"), index=both.index)
    where = pd.Series(
        np.where(is_city, "City in " + both["country_iso3"].astype(str), "Country"),
        index=both.index,
    )
    body = cat(
        [
            '<p class="note"><a href="../',
            pd.Series(np.where(is_city, "cities.html", "countries.html"), index=both.index),
            '">All ',
            pd.Series(np.where(is_city, "cities", "countries"), index=both.index),
            "</a> · ",
            where,
            "</p><h1>",
            esc_col(both["name"]),
            "</h1>",
            nodata_note,
            note,
            pd.Series(np.where(nodata & is_city, "", kpi), index=both.index),
            pd.Series(np.where(nodata & is_city, "", sens_note), index=both.index),
            pillars,
            national,
            indicators,
        ],
        both.index,
    )
    paths = unit_href(both)
    footer = page_footer(rel, 1)
    titles = kind + ": " + both["name"].astype(str)
    return {
        p: page(t, b, depth=1, current="", footer=footer)
        for p, t, b in zip(
            paths, titles, body, strict=True
        )  # one page per unit: file assembly only
    }


def _national_context(both: pd.DataFrame, country: pd.DataFrame, is_city: pd.Series) -> pd.Series:
    """For cities: their country's index and pillars, with a link to the country profile."""
    c = country.set_index("geo")
    iso = both["country_iso3"].astype(str)
    known = iso.isin(c.index) & is_city
    cc = c.reindex(iso.to_numpy())
    cc.index = both.index
    rows = []
    for p in PILLARS:
        v = column_of(cc, f"{p}_dividend")
        rows.append(
            pd.Series(
                np.where(
                    v.notna(),
                    '<tr><th scope="row">' + PILLAR_LABELS[p] + '</th><td class="num">',
                    "",
                ),
                index=both.index,
            )
            + num_col(v, 1, True).where(v.notna(), "")
            + pd.Series(np.where(v.notna(), "</td></tr>", ""), index=both.index)
        )
    pill = cat(rows, both.index)
    href = "../country/" + slug_col(iso) + ".html"
    html = cat(
        [
            '<h2 id="national">National context</h2><p>',
            link_col(href, cc["name"].fillna(iso)),
            ": migration dividend ",
            num_col(cc["dividend"], 1, True),
            ", rank ",
            cc["rank"].astype("Int64").astype("string").fillna(DASH),
            " of ",
            cc["n_ranked"].astype("Int64").astype("string").fillna(DASH),
            " countries (",
            verdict_badge(cc["net_migration_loss"], cc["dividend"].notna()),
            ').</p><div class="table-wrap"><table><caption>The country\'s pillar dividends</caption>'
            '<thead><tr><th scope="col">Pillar</th><th scope="col" class="num">Dividend</th></tr></thead><tbody>',
            pill,
            "</tbody></table></div>",
        ],
        both.index,
    )
    return html.where(known, "")
