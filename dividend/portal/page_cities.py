"""The list of every city, by peer group."""

from __future__ import annotations

import pandas as pd

from dividend.portal.charts import ranking_svg
from dividend.portal.layout import Col, figure, page, table
from dividend.portal.page_parts import page_footer, ranking_frame, ranking_table, unit_list_cells
from dividend.portal.release_data import Release, with_sensitivity
from dividend.portal.text import esc


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
                **unit_list_cells(c),
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
    return page("Cities", body, depth=0, current="cities.html", footer=page_footer(rel, 0))
