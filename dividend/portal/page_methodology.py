"""The methodology page: the release's METHODOLOGY.md, the data gaps and every source."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import FrameworkConfig, dim_code
from dividend.portal.layout import Col, SiteMeta, link_col, page, table
from dividend.portal.markdown import render
from dividend.portal.page_parts import (
    DIMENSION_LABELS,
    FRAMEWORK_LABELS,
    PILLAR_LABELS,
    column_of,
    interval_text,
    scenario_label,
    source_anchor,
)
from dividend.portal.release_data import Release, sources_table
from dividend.portal.text import esc, num_col, pct_col


def _weights_table(rel: Release, frameworks: dict[str, FrameworkConfig]) -> str:
    """The release's weights with plain names: indicator names, pillar and dimension words."""
    w = rel.weights
    names = {i.code: i.name for f in frameworks.values() for i in f.indicators}
    names |= PILLAR_LABELS | {dim_code(d): v for d, v in DIMENSION_LABELS.items()}
    names |= {"index": "Migration dividend (index)"}
    disp = pd.DataFrame(
        {
            "framework": w["framework"].map(FRAMEWORK_LABELS).fillna(w["framework"]),
            "level": w["level"],
            "node": w["code"].map(names).fillna(w["code"]),
            "parent": w["parent"].map(names).fillna(w["parent"]).fillna(""),
            "weight": num_col(w["weight"], 2),
            "eff": pct_col(w["effective_weight"], 1),
        }
    )
    return '<h2 id="weights">Weights of this release</h2>' + table(
        disp,
        [
            Col("framework", "Ranks"),
            Col("level", "Level"),
            Col("node", "Indicator, pillar or dimension"),
            Col("parent", "Part of"),
            Col("weight", "Weight", "num"),
            Col("eff", "Share of the index", "num"),
        ],
        caption=f"Weights of the scenario {scenario_label(rel.scenario)}",
    )


def methodology_page(
    rel: Release,
    meta: SiteMeta,
    data_gaps: str | None,
    frameworks: dict[str, FrameworkConfig] | None = None,
) -> str:
    frameworks = frameworks or {}
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
        render(meth, heading_offset=2, id_prefix="m-")
        if meth
        else "<p>This release has no METHODOLOGY.md.</p>"
    )
    parts.append('<h2 id="gaps">Data gaps</h2>')
    gaps = rel.docs.get("DATA_GAPS.md") or data_gaps
    parts.append(
        render(gaps, heading_offset=2, id_prefix="g-")
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
        "repository with its sha256. Titles link to the publisher's page; each profile's "
        "indicator table links its sources to their row here.</p>"
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
            row_id=source_anchor(ds["id"]),
        )
    )
    if rel.sobol is not None:
        s = rel.sobol
        disp = pd.DataFrame(
            {
                "framework": column_of(s, "framework").map(FRAMEWORK_LABELS).fillna(""),
                "input": s["input"],
                "si": num_col(s["Si"], 2),
                "siv": s["Si"],
                "sti": num_col(s["STi"], 2),
                "stiv": s["STi"],
                "si_ci": interval_text(column_of(s, "Si_lo"), column_of(s, "Si_hi"), 2),
                "sti_ci": interval_text(column_of(s, "STi_lo"), column_of(s, "STi_hi"), 2),
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
        parts.append(_weights_table(rel, frameworks))
    return page(
        "Methodology and sources",
        "".join(parts),
        depth=0,
        current="methodology.html",
        meta=meta,
    )
