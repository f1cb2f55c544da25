"""The portal's pages: ranking (home), country and city lists and profiles, methodology,
downloads. Each function returns finished HTML; :mod:`dividend.portal.site` writes them.

Profiles are assembled for all units at once (tables built column-wise, then grouped by
unit), so the only per-unit Python work is writing the finished file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import PILLARS, FrameworkConfig, load_frameworks
from dividend.index.unit_tables import NO_CITY_DATA
from dividend.portal.charts import diverging_svg, diverging_svgs, ranking_svg, scatter_svg
from dividend.portal.layout import Col, figure, link_col, page, table
from dividend.portal.markdown import render
from dividend.portal.release_data import Release, sources_table, with_sensitivity
from dividend.portal.text import (
    DASH,
    cat,
    esc,
    esc_col,
    fmt,
    join_by,
    num_col,
    pct_col,
    slug_col,
)

PILLAR_LABELS = {
    "financial": "Financial",
    "economic": "Economic",
    "social": "Social",
    "political": "Political",
    "human_development": "Other human development",
    "perception": "Perception (public opinion)",
}


# ----------------------------------------------------------------------------- helpers


def unit_href(frame: pd.DataFrame, depth: int = 0) -> pd.Series:
    """Relative link of each unit's profile (``country/<geo>.html`` or ``city/<geo>.html``)."""
    kind = np.where(frame["framework"].astype(str) == "country", "country/", "city/")
    return ("../" * depth) + pd.Series(kind, index=frame.index) + slug_col(frame["geo"]) + ".html"


def _col(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` present in ``frame`` (column renames across versions), else NaN."""
    for n in names:
        if n in frame.columns:
            return frame[n]
    return pd.Series(np.nan, index=frame.index, dtype=float)


def _verdict(loss: pd.Series, has_value: pd.Series) -> pd.Series:
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


def _interval(lo: pd.Series, hi: pd.Series, decimals: int = 0, signed: bool = False) -> pd.Series:
    txt = num_col(lo, decimals, signed) + " to " + num_col(hi, decimals, signed)
    return txt.where(lo.notna() & hi.notna(), DASH)


def _footer(rel: Release, depth: int) -> str:
    up = "../" * depth
    return (
        f"Release <strong>{esc(rel.release_id)}</strong>, weight scenario "
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
            "score_lo": _col(ranked, "score_lo"),
            "score_hi": _col(ranked, "score_hi"),
            "net_loss": ranked["net_migration_loss"],
            "p_loss": _col(ranked, "p_loss"),
            "href": unit_href(ranked, depth),
            "rank": ranked["rank"],
            "rank_lo": _col(ranked, "rank_lo"),
            "rank_hi": _col(ranked, "rank_hi"),
            "rank_median": _col(ranked, "rank_median"),
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
            "score_iv": _interval(f["score_lo"], f["score_hi"], 1, True),
            "rank_iv": _interval(f["rank_lo"], f["rank_hi"]),
            "rank_med": num_col(f["rank_median"], 0),
            "p_loss": pct_col(f["p_loss"]),
            "p_v": f["p_loss"],
            "verdict": _verdict(f["net_loss"], f["score"].notna()),
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


def _scenario_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


# ----------------------------------------------------------------------------- home


def home(rel: Release, scenarios: dict[str, pd.DataFrame], descriptions: dict[str, str]) -> str:
    country = with_sensitivity(rel.country, rel.sensitivity)
    has_sens = country["score_lo"].notna().any()
    n_ranked = int(country["rank"].notna().sum())
    loss = country["net_migration_loss"].astype("boolean").fillna(False).astype(bool)
    n_loss = int((loss & country["rank"].notna()).sum())
    p = country["p_loss"]
    robust = int(((p >= 0.9) & loss).sum()) if has_sens else None

    kpis = (
        '<div class="kpis">'
        f'<div class="kpi"><span class="label">Countries ranked</span><span class="value">{n_ranked}</span></div>'
        f'<div class="kpi"><span class="label">Net migration loss</span><span class="value">{n_loss}</span></div>'
        + (
            f'<div class="kpi"><span class="label">Loss in ≥ 90 % of sensitivity runs</span><span class="value">{robust}</span></div>'
            if robust is not None
            else ""
        )
        + f'<div class="kpi"><span class="label">Weight scenario of this release</span><span class="value">{esc(_scenario_label(rel.scenario))}</span></div>'
        "</div>"
    )
    sections = []
    for name, tbl in scenarios.items():
        own = name == rel.scenario
        units = country if own else with_sensitivity(tbl, None)
        rf = ranking_frame(units)
        sid = "scn-" + str(slug_col(pd.Series([name])).iloc[0])
        svg = ranking_svg(
            rf,
            title=f"Countries ranked by migration dividend, scenario {_scenario_label(name)}",
            chart_id=f"rank-{sid}",
        )
        note = (
            "Bars show the 5–95 % interval of the dividend across the sensitivity runs; "
            "P is the share of runs in which the country shows a net loss."
            if own and has_sens
            else "Recomputed from this release's indicator values with this scenario's weights; "
            "the sensitivity analysis was run for the release scenario only."
            if not own
            else "No sensitivity analysis in this release: no uncertainty intervals."
        )
        sections.append(
            f'<section class="scenario" id="{sid}" data-label="{esc(_scenario_label(name))}"'
            f"{' data-default' if own else ''}>"
            f"<h3>Scenario: {esc(_scenario_label(name))}{' (this release)' if own else ''}</h3>"
            f'<p>{esc(descriptions.get(name, ""))}</p><p class="note">{esc(note)}</p>'
            + figure(svg, ranking_table(rf, "Country"), "Show the ranking as a table")
            + "</section>"
        )
    body = (
        "<h1>The migration dividend, country by country</h1>"
        '<p class="lede">Gibril Faal\'s <em>migration dividend</em> is the surplus of the '
        "financial, economic, social, political and other human-development benefits of "
        "migration over its costs and inputs. Above zero, benefits outweigh costs; below "
        "zero, a country shows a <strong>net migration loss</strong>. Each score runs from "
        "−100 to +100 against a declared break-even point, not against the other countries.</p>"
        + kpis
        + '<h2 id="ranking">Ranking</h2>'
        "<p>Choose a weight scenario to see how the ranking changes with the weights. "
        "Select a country's name to open its profile: pillar scores, every indicator with "
        "its year, source and treatment.</p>"
        + f'<div data-switcher="scenario">{"".join(sections)}</div>'
        + _pillar_section(rel)
        + _perception_section(rel)
        + _study_section(rel)
    )
    return page("Ranking", body, depth=0, current="index.html", footer=_footer(rel, 0))


def _pillar_long(units: pd.DataFrame) -> pd.DataFrame:
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
                    "net": _col(units, f"{p}_dividend").to_numpy(dtype=float),
                    "benefit": _col(units, f"{p}_benefit").to_numpy(dtype=float),
                    "cost": _col(units, f"{p}_cost").to_numpy(dtype=float),
                    "coverage": _col(units, f"{p}_coverage").to_numpy(dtype=float),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return out[out["net"].notna()].sort_values(["key", "order"], kind="stable")


def _pillar_section(rel: Release) -> str:
    pl = _pillar_long(rel.country[rel.country["rank"].notna()])
    agg = (
        pl.groupby(["order", "pillar"], as_index=False)
        .agg(
            benefit=("benefit", "mean"),
            cost=("cost", "mean"),
            net=("net", "mean"),
            n=("net", "size"),
            n_loss=("net", lambda s: int((s < 0).sum())),
        )
        .sort_values("order")
    )
    weakest = agg.loc[agg["net"].idxmin(), "pillar"] if len(agg) else DASH
    svg = diverging_svg(
        agg,
        title="Benefits against costs per pillar, average over ranked countries",
        desc=f"For each pillar, the average benefit contribution (blue, right) and cost "
        f"contribution (orange, pulling left) across ranked countries, and the net. "
        f"The lowest net pillar on average is {weakest}.",
        chart_id="pillars-home",
    )
    disp = pd.DataFrame(
        {
            "pillar": agg["pillar"],
            "benefit": num_col(agg["benefit"], 1, True),
            "cost": num_col(agg["cost"], 1, True),
            "net": num_col(agg["net"], 1, True),
            "n": agg["n"].astype(str),
            "n_loss": agg["n_loss"].astype(str),
        }
    )
    tbl = table(
        disp,
        [
            Col("pillar", "Pillar"),
            Col("benefit", "Benefit contribution", "num"),
            Col("cost", "Cost contribution", "num"),
            Col("net", "Net", "num"),
            Col("n", "Countries with data", "num"),
            Col("n_loss", "Countries with a pillar loss", "num"),
        ],
        caption="Average pillar contributions across ranked countries",
        sortable=False,
    )
    return (
        '<h2 id="pillars">Benefits against costs, pillar by pillar</h2>'
        "<p>Each pillar's dividend is its weighted benefit contribution minus its weighted "
        "cost contribution. A pillar loss means costs and inputs outweigh benefits in that "
        "pillar. Averages over ranked countries; each profile shows its own breakdown.</p>"
        + figure(svg, tbl)
    )


def _perception_section(rel: Release) -> str:
    city = rel.city
    x = pd.to_numeric(_col(city, "actuality_index", "actuality_dividend"), errors="coerce")
    y = pd.to_numeric(_col(city, "perception_index", "perception_dividend"), errors="coerce")
    ok = x.notna() & y.notna()
    if not ok.any():
        return (
            '<h2 id="perception">Perception against actuality</h2>'
            "<p>No unit in this release has both a perception and an actuality score.</p>"
        )
    c = city[ok]
    pts = pd.DataFrame(
        {
            "name": c["name"],
            "x": x[ok],
            "y": y[ok],
            "href": unit_href(c),
            "highlight": c["study_city"].notna(),
        }
    )
    above = int((pts["y"] > pts["x"]).sum())
    groups = ", ".join(sorted(c["peer_group"].astype(str).unique()))
    svg = scatter_svg(
        pts,
        title="Perception against actuality, cities",
        desc=f"{len(pts)} cities (peer group {groups}) with both scores. {above} sit above "
        "the dashed line, where public opinion of migration is more favourable than the "
        "measured benefits and costs; the rest sit below it.",
        chart_id="perception",
        x_label="Actuality: dividend of the measured pillars",
        y_label="Perception: dividend of public opinion",
    )
    pts = pts.assign(gap=pts["y"] - pts["x"], country=c["country_iso3"]).sort_values("gap")
    disp = pd.DataFrame(
        {
            "city": link_col(pts["href"], pts["name"]),
            "country": pts["country"],
            "x": num_col(pts["x"], 1, True),
            "xv": pts["x"],
            "y": num_col(pts["y"], 1, True),
            "yv": pts["y"],
            "gap": num_col(pts["gap"], 1, True),
            "gv": pts["gap"],
        }
    )
    tbl = table(
        disp,
        [
            Col("city", "City", "html"),
            Col("country", "Country"),
            Col("x", "Actuality", "num", "xv"),
            Col("y", "Perception", "num", "yv"),
            Col("gap", "Perception gap", "num", "gv"),
        ],
        caption="Perception and actuality per city (gap = perception − actuality)",
    )
    return (
        '<h2 id="perception">Perception against actuality</h2>'
        "<p>Where surveys ask residents whether their city is a good place for immigrants "
        "(the EU's Quality of Life survey and Eurostat's perception survey), the index keeps "
        "that opinion in a pillar of its own. Comparing it with the measured pillars shows "
        "where opinion runs ahead of, or behind, the facts. Only European cities have "
        "comparable opinion data.</p>" + figure(svg, tbl)
    )


def _study_section(rel: Release) -> str:
    s = rel.city[rel.city["study_city"].notna()].sort_values("study_city")
    if s.empty:
        return ""
    status = s["city_data"].astype(str).where(s["city_data"].astype(str) != "yes", "city data")
    items = cat(
        [
            "<li>",
            link_col(unit_href(s), s["study_city"]),
            " (",
            esc_col(s["country_iso3"]),
            "): ",
            esc_col(status),
            pd.Series(np.where(s["dividend"].notna(), ", dividend ", ""), index=s.index),
            num_col(s["dividend"], 1, True).where(s["dividend"].notna(), ""),
            "</li>",
        ],
        s.index,
    )
    return (
        '<h2 id="study-cities">Study cities</h2>'
        "<p>Eight cities the project follows. Where no open city-level source exists, the "
        "profile says so and shows the national values: no city score is made up.</p>"
        f'<ul class="columns">{"".join(items)}</ul>'
    )


# ----------------------------------------------------------------------------- lists


def _unit_list_cells(c: pd.DataFrame) -> dict[str, pd.Series]:
    """Name link, dividend, rank and verdict (with their sort values) of the country and city
    lists, so both lists show a unit the same way."""
    return {
        "name": link_col(unit_href(c), c["name"]),
        "score": num_col(c["dividend"], 1, True),
        "sv": c["dividend"],
        "rank": c["rank"].astype("Int64").astype("string").fillna(DASH),
        "rv": c["rank"],
        "verdict": _verdict(c["net_migration_loss"], c["dividend"].notna()),
    }


def countries_page(rel: Release) -> str:
    c = with_sensitivity(rel.country, rel.sensitivity).sort_values("name")
    disp = pd.DataFrame(
        {
            **_unit_list_cells(c),
            "iso": c["geo"],
            "rank_iv": _interval(c["rank_lo"], c["rank_hi"]),
            "p": pct_col(c["p_loss"]),
            "pv": c["p_loss"],
            "cov": pct_col(c["coverage"]),
            "cv": c["coverage"],
        },
        index=c.index,
    )
    tbl = table(
        disp,
        [
            Col("name", "Country", "html"),
            Col("iso", "ISO3"),
            Col("score", "Dividend", "num", "sv"),
            Col("rank", "Rank", "num", "rv"),
            Col("rank_iv", "Rank, 5–95 %", "num"),
            Col("p", "P(net loss)", "num", "pv"),
            Col("verdict", "Verdict", "html"),
            Col("cov", "Data coverage", "num", "cv"),
        ],
        caption="All countries, A to Z (select a column heading to sort)",
    )
    body = (
        "<h1>Countries</h1><p>Every country the sources cover. Countries without enough data "
        "have no score and no rank; their profiles still show what data exist.</p>" + tbl
    )
    return page("Countries", body, depth=0, current="countries.html", footer=_footer(rel, 0))


def cities_page(rel: Release) -> str:
    city = with_sensitivity(rel.city, rel.sensitivity)
    parts = []
    order = {"eu": 0, "us": 1, "ca": 2, "none": 9}
    groups = sorted(city["peer_group"].astype(str).unique(), key=lambda g: (order.get(g, 5), g))
    for g in groups:
        c = city[city["peer_group"].astype(str) == g].sort_values("name")
        fw = str(c["framework"].iloc[0])
        disp = pd.DataFrame(
            {
                **_unit_list_cells(c),
                "country": c["country_iso3"],
                "status": c["city_data"].astype(str),
            },
            index=c.index,
        )
        heading = (
            "Study cities without city-level data"
            if g == "none"
            else f"Peer group {g.upper()} (framework {fw})"
        )
        rf = ranking_frame(c)
        chart = (
            figure(
                ranking_svg(
                    rf,
                    title=f"Cities of peer group {g.upper()} ranked by migration dividend",
                    chart_id=f"rank-{g}",
                ),
                ranking_table(rf, "City"),
                "Show the ranking as a table",
            )
            if len(rf)
            else ""
        )
        parts.append(
            f'<h2 id="group-{esc(g)}">{esc(heading)}</h2>'
            + chart
            + table(
                disp,
                [
                    Col("name", "City", "html"),
                    Col("country", "Country"),
                    Col("score", "Dividend", "num", "sv"),
                    Col("rank", "Rank in peer group", "num", "rv"),
                    Col("verdict", "Verdict", "html"),
                    Col("status", "City-level data"),
                ],
                caption=f"{heading}: {len(c)} cities",
            )
        )
    body = (
        "<h1>Cities</h1><p>Cities are ranked only within their peer group: the European, "
        "US and Canadian frameworks use different sources and indicators, so a European and "
        "a US score are not comparable. Every city profile also shows its country's index.</p>"
        + "".join(parts)
    )
    return page("Cities", body, depth=0, current="cities.html", footer=_footer(rel, 0))


# ----------------------------------------------------------------------------- profiles


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
    rows = _rows(disp, cols)
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


def _rows(disp: pd.DataFrame, cols: list[Col]) -> pd.Series:
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


def _pillar_tables(units: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per unit geo: (diverging chart SVG, pillar table HTML)."""
    pl = _pillar_long(units)
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
    rows = join_by(_rows(disp, cols), pl["key"])
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
            _verdict(both["net_migration_loss"], has),
            '</div><div class="kpi"><span class="label">Rank',
            pd.Series(peer, index=both.index),
            '</span><span class="value">',
            (rank + " of " + n_ranked).fillna(DASH),
            '</span></div><div class="kpi"><span class="label">Rank, 5–95 % of sensitivity runs</span><span class="value">',
            _interval(both["rank_lo"], both["rank_hi"]),
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
            + _interval(both["score_lo"], both["score_hi"], 1, True)
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
    footer = _footer(rel, 1)
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
        v = _col(cc, f"{p}_dividend")
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
            _verdict(cc["net_migration_loss"], cc["dividend"].notna()),
            ').</p><div class="table-wrap"><table><caption>The country\'s pillar dividends</caption>'
            '<thead><tr><th scope="col">Pillar</th><th scope="col" class="num">Dividend</th></tr></thead><tbody>',
            pill,
            "</tbody></table></div>",
        ],
        both.index,
    )
    return html.where(known, "")


# ----------------------------------------------------------------------------- methodology


def methodology_page(rel: Release, data_gaps: str | None) -> str:
    parts = ["<h1>Methodology and sources</h1>"]
    toc = [("method", "Method"), ("gaps", "Data gaps"), ("sources", "Sources")]
    if rel.sobol is not None:
        toc.append(("sensitivity", "Sensitivity: what drives the ranking"))
    if rel.weights is not None:
        toc.append(("weights", "Weights of this release"))
    parts.append(
        '<nav aria-label="On this page"><ul>'
        + "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t in toc)
        + "</ul></nav>"
    )
    meth = rel.docs.get("METHODOLOGY.md")
    parts.append('<h2 id="method">Method</h2>')
    parts.append(
        render(meth, heading_offset=2) if meth else "<p>This release has no METHODOLOGY.md.</p>"
    )
    parts.append('<h2 id="gaps">Data gaps</h2>')
    gaps = rel.docs.get("DATA_GAPS.md") or data_gaps
    parts.append(
        render(gaps, heading_offset=2)
        if gaps
        else "<p>No data-gaps note was found (indicators/DATA_GAPS.md).</p>"
    )
    used = set(rel.long["sources"].fillna("").astype(str).str.split(",").explode().str.strip()) - {
        ""
    }
    ds = sources_table(rel.sources).reset_index()
    ds["used"] = np.where(ds["id"].isin(used), "yes", "no")
    disp = ds.assign(title=link_col(ds["landing_url"], ds["title"]))
    parts.append(
        '<h2 id="sources">Sources</h2><p>Every dataset the index reads, as vendored in the '
        "repository with its sha256. Titles link to the publisher's page.</p>"
        + table(
            disp,
            [
                Col("title", "Dataset", "html"),
                Col("publisher", "Publisher"),
                Col("licence", "Licence"),
                Col("vintage", "Vintage"),
                Col("level", "Level"),
                Col("used", "Used in this release"),
                Col("id", "Id"),
            ],
            caption="Source datasets",
        )
    )
    if rel.sobol is not None:
        s = rel.sobol
        disp = pd.DataFrame(
            {
                "framework": _col(s, "framework").fillna(""),
                "input": s["input"],
                "si": num_col(s["Si"], 2),
                "siv": s["Si"],
                "sti": num_col(s["STi"], 2),
                "stiv": s["STi"],
                "si_ci": _interval(_col(s, "Si_lo"), _col(s, "Si_hi"), 2),
                "sti_ci": _interval(_col(s, "STi_lo"), _col(s, "STi_hi"), 2),
            }
        )
        parts.append(
            '<h2 id="sensitivity">Sensitivity: what drives the ranking</h2><p>Variance-based '
            "sensitivity indices of the mean absolute rank change: Si, the first-order share of "
            "the variance due to one input alone; STi, its total share including interactions.</p>"
            + table(
                disp,
                [
                    Col("framework", "Framework"),
                    Col("input", "Uncertain input"),
                    Col("si", "Si", "num", "siv"),
                    Col("si_ci", "Si, 95 % CI", "num"),
                    Col("sti", "STi", "num", "stiv"),
                    Col("sti_ci", "STi, 95 % CI", "num"),
                ],
                caption="Sobol indices per uncertain input",
            )
        )
    if rel.weights is not None:
        w = rel.weights.astype(str)
        parts.append(
            '<h2 id="weights">Weights of this release</h2>'
            + table(w, [Col(c, c) for c in w.columns], caption=f"Scenario {rel.scenario}")
        )
    return page(
        "Methodology and sources",
        "".join(parts),
        depth=0,
        current="methodology.html",
        footer=_footer(rel, 0),
    )


# ----------------------------------------------------------------------------- downloads


def downloads_page(rel: Release) -> str:
    f = rel.files
    descr: dict[str, str] = {}
    for r in (rel.datapackage or {}).get("resources", []):
        descr[str(r.get("path"))] = str(r.get("description", ""))
    descr.setdefault(
        "datapackage.json", "Frictionless Data Package: field types, units, licences, sources"
    )
    descr.setdefault("METHODOLOGY.md", "How the index is built")
    xlsx = f["path"].str.endswith(".xlsx")
    disp = pd.DataFrame(
        {
            "file": link_col("../" + f["path"], f["path"]),
            "what": f["path"].map(descr).fillna(""),
            "size": num_col(f["bytes"] / 1024, 1) + " KiB",
            "sv": f["bytes"],
            "sha": f["sha256"],
        }
    )
    disp.loc[xlsx, "what"] = "The same tables as one Excel workbook, with a notes sheet"
    tbl = table(
        disp,
        [
            Col("file", "File", "html"),
            Col("what", "Contents"),
            Col("size", "Size", "num", "sv"),
            Col("sha", "sha256", "hash"),
        ],
        caption=f"Files of release {rel.release_id}",
    )
    body = (
        "<h1>Downloads</h1><p>Every file of this release. Check a download with "
        "<code>sha256sum FILE</code> (Linux), <code>shasum -a 256 FILE</code> (macOS) or "
        "<code>Get-FileHash FILE</code> (Windows). Text cells that a spreadsheet could run "
        "as a formula are prefixed with an apostrophe.</p>" + tbl
    )
    return page("Downloads", body, depth=0, current="downloads.html", footer=_footer(rel, 0))


__all__ = [
    "cities_page",
    "countries_page",
    "downloads_page",
    "fmt",
    "home",
    "methodology_page",
    "profiles",
    "ranking_frame",
]
