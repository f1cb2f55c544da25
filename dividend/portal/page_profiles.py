"""One profile per country and city, built for all units at once.

Tables are built column-wise, then grouped by unit, so the only per-unit Python work is
writing the finished file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import PILLARS, FrameworkConfig, load_frameworks
from dividend.index.unit_tables import NO_CITY_DATA
from dividend.portal.chart_bars import axis_html, bar_rows
from dividend.portal.chart_panel import unit_panels
from dividend.portal.layout import Col, SiteMeta, link_col, page
from dividend.portal.page_parts import (
    PEER_GROUP_LABELS,
    PILLAR_LABELS,
    interval_text,
    pillar_long,
    row_cells,
    source_href,
    unit_href,
)
from dividend.portal.release_data import DATA_DIR, Release, sources_table
from dividend.portal.render import Markup
from dividend.portal.text import DASH, cat, esc, esc_col, join_by, num_col, pct_col, slug_col
from dividend.portal.verdicts import NODATA, verdict_html


def _source_links(long: pd.DataFrame, rel: Release, depth: int) -> pd.Series:
    """Per long row, a link per source to its entry in the methodology page's source list
    (publisher, title, licence, vintage, landing page): that text is the same on every
    profile, so each profile names the dataset only (issue 14's site size)."""
    ids = long["sources"].fillna("").astype(str).str.split(",").explode().str.strip()
    ids = ids[ids != ""]
    known = ids.isin(sources_table(rel.sources).index)
    link = cat(
        ['<a href="', "../" * depth, source_href(ids), '">', esc_col(ids), "</a>"], ids.index
    ).where(known, esc_col(ids) + ' <span class="note">(not in catalogue)</span>')
    joined = join_by(link, link.index, "<br>", sort=True)
    return joined.reindex(long.index).fillna(DASH)


def _distinct_files(files: pd.Series) -> pd.Series:
    """A row's source files, each once, in their order (``a.csv;a.csv`` is one file)."""
    each = files.fillna("").astype(str).str.split(";").explode()
    each = each[each != ""]
    each = each[~pd.DataFrame({"row": each.index, "file": each.to_numpy()}).duplicated().to_numpy()]
    return join_by(each, each.index, ", ").reindex(files.index).fillna("")


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
    files = esc_col(_distinct_files(m["source_file"]))
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
            "role": m["role"].replace({"context": "context (shown, not scored)"}),
            "value": value,
            "vv": m["value"].round(6),
            "year": m["year"].astype("Int64").astype("string").fillna(DASH),
            "treatment": m["treatment"].fillna("no value in the reference window"),
            "source": src,
        }
    )
    cols = [
        Col("name", "Indicator"),
        Col("pillar", "Pillar"),
        Col("role", "Benefit, cost or context"),
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
        '<div class="table-wrap cards" tabindex="0" role="region" aria-label="Indicators">'
        '<table class="sortable t-ind"><caption>Every indicator of the '
        "framework: value, year, source and treatment (each source links to its publisher, "
        "licence and vintage in the methodology's source list)</caption><thead><tr>"
        + head
        + "</tr></thead><tbody>"
        + body
        + "</tbody></table></div>"
    )


def _labels(fws: dict[str, FrameworkConfig]) -> pd.DataFrame:
    """Plain name, unit and order of every indicator and pillar, per framework."""
    rows = [
        (f.name, i.code, i.name, i.unit, k)
        for f in fws.values()
        for k, i in enumerate(f.indicators)
    ]
    rows += [
        (f.name, p, PILLAR_LABELS.get(p, p), "", 100 + PILLARS.index(p) if p in PILLARS else 199)
        for f in fws.values()
        for p in f.pillars
    ]
    return pd.DataFrame(rows, columns=["framework", "code", "label", "unit", "order"])


def _computed_tables(rel: Release, fws: dict[str, FrameworkConfig]) -> tuple[pd.Series, pd.Series]:
    """Per unit key: the "how this number was computed" tables (HTML) and the same rows as CSV."""
    c = rel.contributions
    if c is None or c.empty:
        empty = pd.Series(dtype=object)
        return empty, empty
    c = c.merge(_labels(fws), on=["framework", "code"], how="left")
    c = c.merge(
        rel.long[["framework", "geo", "indicator", "year"]].rename(columns={"indicator": "code"}),
        on=["framework", "geo", "code"],
        how="left",
    )
    c["key"] = c["framework"].astype(str) + "|" + c["geo"].astype(str)
    c["parent_label"] = c["parent"].map(PILLAR_LABELS).fillna(c["parent"])
    c = c.sort_values(["key", "level", "order"], kind="stable")
    ind = c[c["level"] == "indicator"]
    rule = np.where(
        ind["neutral_rule"] == "peer median",
        " (peer median)",
        "",
    )
    disp = pd.DataFrame(
        {
            "pillar": ind["parent_label"],
            "name": ind["label"].fillna(ind["code"]),
            "role": ind["role"],
            "value": num_col(ind["value"], 2) + " " + esc_col(ind["unit"].fillna("")),
            "year": ind["year"].astype("Int64").astype("string").fillna(DASH),
            "neutral": num_col(ind["neutral"], 2) + pd.Series(rule, index=ind.index),
            "goal": "± " + num_col(ind["goalpost"], 2),
            "score": num_col(ind["score"], 1, True),
            "weight": pct_col(ind["weight_share"], 0),
            "contrib": num_col(ind["contribution"], 2, True),
        },
        index=ind.index,
    )
    cols = [
        Col("pillar", "Pillar"),
        Col("name", "Indicator"),
        Col("role", "Benefit or cost"),
        Col("value", "Value", "num"),
        Col("year", "Year", "num"),
        Col("neutral", "Break-even", "num"),
        Col("goal", "Goalpost (scores ±100)", "num"),
        Col("score", "Score", "num"),
        Col("weight", "Weight in pillar", "num"),
        Col("contrib", "Contribution to pillar", "num"),
    ]
    ind_rows = join_by(row_cells(disp, cols), ind["key"])
    pil = c[c["level"] == "pillar"]
    pdisp = pd.DataFrame(
        {
            "name": pil["label"],
            "score": num_col(pil["score"], 1, True),
            "weight": pct_col(pil["weight_share"], 0),
            "contrib": num_col(pil["contribution"], 2, True),
        },
        index=pil.index,
    )
    pcols = [
        Col("name", "Pillar"),
        Col("score", "Pillar dividend", "num"),
        Col("weight", "Weight in index", "num"),
        Col("contrib", "Contribution to index", "num"),
    ]
    pil_rows = join_by(row_cells(pdisp, pcols), pil["key"])

    def wrap(rows: pd.Series, columns: list[Col], caption: str, cls: str) -> pd.Series:
        head = "".join(f'<th scope="col">{esc(x.header)}</th>' for x in columns)
        return (
            f'<div class="table-wrap cards" tabindex="0" role="region" aria-label="{esc(caption)}">'
            f'<table class="{cls}"><caption>{esc(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>" + rows + "</tbody></table></div>"
        )

    html = wrap(
        ind_rows,
        cols,
        "Each indicator: value, break-even, goalpost, score and contribution",
        "t-comp",
    ).add(
        wrap(pil_rows, pcols, "Each pillar: its share of the index and its contribution", "t-pil"),
        fill_value="",
    )
    csv_cols = [
        "scenario",
        "framework",
        "geo",
        "level",
        "code",
        "label",
        "parent",
        "role",
        "value",
        "unit",
        "year",
        "neutral",
        "neutral_rule",
        "goalpost",
        "score",
        "weight",
        "weight_share",
        "contribution",
    ]
    head = ",".join(csv_cols) + "\n"
    body = c[csv_cols].to_csv(index=False, header=False, lineterminator="\n")
    lines = pd.Series(body.splitlines(keepends=True), index=c.index)
    csv = head + join_by(lines, c["key"])
    return html, csv


def _pillar_charts(
    units: pd.DataFrame, fws: dict[str, FrameworkConfig], domain: tuple[float, float]
) -> tuple[pd.Series, pd.Series]:
    """Per unit key: the signed pillar bars, and the sentence naming pillars without data."""
    pl = pillar_long(units)
    rows = pd.DataFrame(
        {
            "name": pl["pillar"],
            "value": pl["net"],
            "extra": '<span class="note">benefit '
            + num_col(pl["benefit"], 1, True)
            + ", cost "
            + num_col(pl["cost"], 1, True)
            + "</span>",
            "cls": np.where(pl["net"] < 0, "v-loss", "v-gain"),
        },
        index=pl.index,
    )
    body = join_by(bar_rows(rows, domain), pl["key"])
    chart = (
        '<figure class="bar-chart" aria-labelledby="pillars-t"><figcaption>'
        '<span id="pillars-t" class="chart-title">Pillar dividends</span> '
        '<span class="chart-desc">Each bar is a pillar\'s dividend: its weighted benefits '
        "minus its weighted costs. Right of zero, the pillar's benefits outweigh its costs; "
        "left of zero, its costs outweigh its benefits. Same scale as every dividend chart "
        "of this site.</span></figcaption>"
        + axis_html(domain, "Pillar dividend", "top")
        + '<ul class="bar-rows">'
        + body
        + "</ul>"
        + axis_html(domain, "Pillar dividend", "bottom")
        + "</figure>"
    )
    have = pl.groupby("key")["pillar_code"].agg(set)
    frame_pillars = {n: set(f.pillars) for n, f in fws.items()}
    keys = units["framework"].astype(str) + "|" + units["geo"].astype(str)
    missing = pd.Series(
        [
            sorted(frame_pillars.get(fw, set()) - have.get(k, set()))
            for fw, k in zip(units["framework"].astype(str), keys, strict=True)
        ],
        index=keys.to_numpy(),
    )
    missing_txt = missing.map(
        lambda m: (
            (
                '<p class="note"><strong>No data for: '
                + esc(", ".join(PILLAR_LABELS.get(p, p) for p in m))
                + ".</strong> These pillars are left out; the weights of the other pillars are "
                "renormalised, as the scoring rule does for any missing value.</p>"
            )
            if m
            else ""
        )
    )
    return chart, missing_txt


def profiles(
    rel: Release,
    frameworks: dict[str, FrameworkConfig] | None,
    meta: SiteMeta,
    domain: tuple[float, float],
    panel_domain: tuple[float, float] | None = None,
) -> dict[str, str]:
    """Relative path under ``site/`` -> HTML (and per-profile CSV), for every unit.

    ``domain``: the pillar charts' axis range; ``panel_domain``: the dividend family's (the
    panel chart by reference year, index v2 releases only).
    """
    fws = frameworks or load_frameworks()
    both = pd.concat([rel.country, rel.city], ignore_index=True)
    both["key"] = both["framework"].astype(str) + "|" + both["geo"].astype(str)
    ind_tables = _indicator_tables(rel, both, fws)
    charts, missing = _pillar_charts(both, fws, domain)
    computed, csv = _computed_tables(rel, fws)
    panels = (
        unit_panels(rel.panel, _yearly_intervals(rel), PILLAR_LABELS, panel_domain or domain)
        if rel.panel is not None
        else pd.Series(dtype=object)
    )
    is_city = both["framework"].astype(str) != "country"
    no_city = both["city_data"].astype(str).eq(NO_CITY_DATA)
    insufficient = both["verdict"] == NODATA
    href = unit_href(both)
    csv_href = "../" + DATA_DIR + "/" + href.str.replace(".html", ".csv", regex=False)
    national = _national_context(both, rel.country, is_city)
    group = both["peer_group"].astype(str).map(PEER_GROUP_LABELS)
    where = pd.Series(
        np.where(
            is_city,
            "City in " + both["country_iso3"].astype(str) + " · " + group.fillna(""),
            "Country",
        ),
        index=both.index,
    )
    verdicts = verdict_html(both["verdict"])
    kpis = pd.DataFrame(
        {
            "dividend": num_col(both["dividend"], 1, True),
            "interval": interval_text(both["score_lo"], both["score_hi"], 1, True),
            "rank": both["rank"].astype("Int64").astype("string").fillna(DASH)
            + " of "
            + both["n_ranked"].astype("Int64").astype("string").fillna(DASH),
            "rank_iv": interval_text(both["rank_lo"], both["rank_hi"]),
            "p": pct_col(both["p_loss"]),
            "coverage": pct_col(both["coverage"]),
        }
    )
    out: dict[str, str] = {}
    records = zip(
        both.to_dict("records"),
        kpis.to_dict("records"),
        href,
        csv_href,
        verdicts,
        where,
        strict=True,
    )
    for u, k, path, csv_path, verdict, place in records:  # file assembly: one page per unit
        key = u["key"]
        city = u["framework"] != "country"
        out[path] = page(
            ("City: " if city else "Country: ") + str(u["name"]),
            "",
            depth=1,
            current="",
            meta=meta,
            template="profile.html",
            unit=u,
            kpi=k,
            where=place,
            list_href="cities.html" if city else "countries.html",
            list_word="cities" if city else "countries",
            no_city_data=bool(city and u["city_data"] == NO_CITY_DATA),
            insufficient=bool(u["verdict"] == NODATA),
            verdict=Markup(verdict),
            pillar_chart=Markup(charts.get(key, "")),
            missing=Markup(missing.get(key, "")),
            computed=Markup(computed.get(key, "")),
            csv_href=csv_path if key in csv.index else "",
            national=Markup(national.get(key, "")),
            indicators=Markup(ind_tables.get(key, "")),
            panel=Markup(panels.get(key, "")),
        )
        if key in csv.index:
            out[csv_path.removeprefix("../")] = csv[key]
    del no_city, insufficient
    return out


def _yearly_intervals(rel: Release) -> pd.DataFrame | None:
    """The sensitivity units' 5-95 % dividend interval per (framework, geo, reference_year)."""
    s = rel.sensitivity
    if s is None or "reference_year" not in s.columns:
        return None
    return s[["framework", "geo", "reference_year", "score_q05", "score_q95"]]


def _national_context(both: pd.DataFrame, country: pd.DataFrame, is_city: pd.Series) -> pd.Series:
    """For cities: their country's index and verdict, with a link to the country profile."""
    c = country.set_index("geo")
    iso = both["country_iso3"].astype(str)
    known = iso.isin(c.index) & is_city
    cc = c.reindex(iso.to_numpy())
    cc.index = both.index
    nodata = cc["verdict"].astype(str) == NODATA
    hrefs = "../country/" + slug_col(iso) + ".html"
    html = cat(
        [
            '<h2 id="national">National context</h2><p>',
            link_col(hrefs, cc["name"].fillna(iso)),
            pd.Series(
                np.where(
                    nodata,
                    ": insufficient data at country level.",
                    ": migration dividend "
                    + num_col(cc["dividend"], 1, True)
                    + ", rank "
                    + cc["rank"].astype("Int64").astype("string").fillna(DASH)
                    + " of "
                    + cc["n_ranked"].astype("Int64").astype("string").fillna(DASH)
                    + " countries, ",
                ),
                index=both.index,
            ),
            verdict_html(cc["verdict"].fillna(NODATA)).where(~nodata, ""),
            ". The country's pillars are on its profile.</p>",
        ],
        both.index,
    )
    return pd.Series(html.where(known, "").to_numpy(), index=both["key"].to_numpy())
