"""The list of every country."""

from __future__ import annotations

import pandas as pd

from dividend.portal.layout import Col, page, table
from dividend.portal.page_parts import interval_text, page_footer, unit_list_cells
from dividend.portal.release_data import Release, with_sensitivity
from dividend.portal.text import pct_col


def countries_page(rel: Release) -> str:
    c = with_sensitivity(rel.country, rel.sensitivity).sort_values("name")
    disp = pd.DataFrame(
        {
            **unit_list_cells(c),
            "iso": c["geo"],
            "rank_iv": interval_text(c["rank_lo"], c["rank_hi"]),
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
    return page("Countries", body, depth=0, current="countries.html", footer=page_footer(rel, 0))
