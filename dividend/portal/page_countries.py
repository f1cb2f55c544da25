"""The list of every country."""

from __future__ import annotations

import pandas as pd

from dividend.portal.layout import Col, SiteMeta, page, table
from dividend.portal.page_parts import interval_text, unit_list_cells
from dividend.portal.release_data import Release
from dividend.portal.text import DASH, pct_col


def countries_page(rel: Release, meta: SiteMeta) -> str:
    c = rel.country.sort_values("name")
    nodata = c["verdict"] != "insufficient data"  # True where a verdict can be shown
    disp = pd.DataFrame(
        {
            **unit_list_cells(c),
            "iso": c["geo"],
            "rank_iv": interval_text(c["rank_lo"], c["rank_hi"]).where(nodata, DASH),
            "p": pct_col(c["p_loss"].where(nodata)),
            "pv": c["p_loss"].where(nodata),
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
        "<h1>Countries</h1><p>Every country the sources cover. Countries with insufficient data "
        "have no score, no rank and no verdict: the list says why.</p>" + tbl
    )
    return page("Countries", body, depth=0, current="countries.html", meta=meta)
