"""The world map page: the map (precomputed SVG), its legend, the countries it cannot draw,
and every country as a table."""

from __future__ import annotations

import pandas as pd

from dividend.portal.chart_map import WorldMap, map_legend, map_svg
from dividend.portal.layout import Col, SiteMeta, page, table
from dividend.portal.page_parts import unit_href, unit_list_cells
from dividend.portal.release_data import Release
from dividend.portal.render import Markup
from dividend.portal.text import num_col
from dividend.portal.verdicts import NODATA, verdict_html


def map_page(rel: Release, meta: SiteMeta, world: WorldMap | None) -> str:
    c = rel.country.sort_values("name")
    href = unit_href(c)
    svg = legend = ""
    not_drawn: list[dict] = []
    no_iso = ""
    if world is not None:
        svg = map_svg(world, c, href)
        legend = map_legend()
        cw = world.crosswalk
        drawn = set(cw.loc[cw["geometry_index"].notna(), "iso3"].dropna())
        missing = c[~c["geo"].isin(drawn)]
        shown = missing["verdict"] != NODATA
        value = num_col(missing["dividend"], 1, True).where(shown, "")
        not_drawn = [
            {"href": h, "name": n, "verdict": Markup(v), "value": x}
            for h, n, v, x in zip(
                unit_href(missing),
                missing["name"],
                verdict_html(missing["verdict"]),
                value,
                strict=True,
            )
        ]
        no_iso = ", ".join(sorted(cw.loc[cw["iso3"].isna(), "name"].astype(str)))
    disp = pd.DataFrame(unit_list_cells(c), index=c.index)
    tbl = table(
        disp,
        [
            Col("name", "Country", "html"),
            Col("score", "Dividend", "num", "sv"),
            Col("rank", "Rank", "num", "rv"),
            Col("verdict", "Verdict", "html"),
        ],
        caption="Every country: dividend, rank and verdict",
    )
    return page(
        "World map",
        "",
        depth=0,
        current="map.html",
        meta=meta,
        template="map.html",
        map=Markup(svg),
        legend=Markup(legend),
        not_drawn=not_drawn,
        no_iso=no_iso,
        table=Markup(tbl),
    )
