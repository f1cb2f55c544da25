"""The list of every city, by peer group, each group with its own ranking."""

from __future__ import annotations

import pandas as pd

from dividend.portal.chart_ranking import ranking_html
from dividend.portal.layout import Col, SiteMeta, page, table
from dividend.portal.page_parts import (
    PEER_GROUP_LABELS,
    ranking_frame,
    ranking_table,
    unit_list_cells,
)
from dividend.portal.release_data import Release
from dividend.portal.text import esc


def cities_page(rel: Release, meta: SiteMeta, domain: tuple[float, float]) -> str:
    city = rel.city
    parts, toc = [], []
    order = {"eu": 0, "us": 1, "ca": 2, "none": 9}
    groups = sorted(city["peer_group"].astype(str).unique(), key=lambda g: (order.get(g, 5), g))
    for g in groups:  # a handful of peer groups
        c = city[city["peer_group"].astype(str) == g].sort_values("name")
        heading = PEER_GROUP_LABELS.get(g, f"Peer group {g}")
        toc.append((f"group-{g}", heading))
        disp = pd.DataFrame(
            {
                **unit_list_cells(c),
                "country": c["country_iso3"],
                "status": c["city_data"].astype(str).replace({"yes": "yes"}),
            },
            index=c.index,
        )
        rf = ranking_frame(c)
        chart = (
            ranking_html(
                rf,
                title=f"{heading} ranked by migration dividend",
                chart_id=f"rank-{g}",
                domain=domain,
            )
            + '<details class="data"><summary>Show the ranking as a table</summary>'
            + ranking_table(rf, "City")
            + "</details>"
            if len(rf)
            else '<p class="note">No city of this group can be ranked: '
            + esc(_why_unranked(c))
            + "</p>"
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
                    Col("rank", "Rank in group", "num", "rv"),
                    Col("verdict", "Verdict", "html"),
                    Col("status", "City-level data"),
                ],
                caption=f"{heading}: {len(c)} cities, A to Z",
            )
        )
    jump = (
        '<nav class="jump" aria-label="On this page"><ul>'
        + "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in toc)
        + "</ul></nav>"
    )
    body = (
        "<h1>Cities</h1><p>Cities are ranked only within their group: the European, US and "
        "Canadian frameworks use different sources and indicators, so a European and a US "
        "score are not comparable. Every city profile also shows its country's index.</p>"
        + jump
        + "".join(parts)
    )
    return page("Cities", body, depth=0, current="cities.html", meta=meta)


def _why_unranked(c: pd.DataFrame) -> str:
    reasons = c["verdict_reason"].astype(str)
    reasons = reasons[reasons != ""]
    return reasons.mode().iloc[0] if len(reasons) else "not enough data"
