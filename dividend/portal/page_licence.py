"""Licence (CC BY 4.0 for the index outputs) and citation of the release, and the licence
of every source dataset it uses (from the source catalogue)."""

from __future__ import annotations

import pandas as pd

from dividend.portal.layout import Col, SiteMeta, link_col, page, table
from dividend.portal.release_data import Release, sources_table, used_sources
from dividend.portal.render import Markup

TITLE = "Migration-dividend index"
LICENCE_TEXT = """Migration-dividend index, release {release_id}

The index outputs in this release (tables, workbook, data package, methodology and web
pages) are licensed under the Creative Commons Attribution 4.0 International licence
(CC BY 4.0): https://creativecommons.org/licenses/by/4.0/legalcode

Cite as:
{citation}

The source data stay under their publishers' licences, listed per dataset in
datapackage.json ("licenses") and on the site's licence page. The code that builds the
index is MIT-licensed.
"""


def citation(meta: SiteMeta, year: str) -> str:
    """A plain-text citation naming the release id and scenario."""
    scen = meta.scenario_label + (f", overrides {meta.overrides}" if meta.overrides else "")
    return (
        f"{TITLE} ({year}). Release {meta.release_id}, weight scenario {scen}. "
        "Data and methodology licensed CC BY 4.0."
    )


def bibtex(meta: SiteMeta, year: str) -> str:
    key = "migration_dividend_" + meta.release_id.replace("-", "_")
    return (
        f"@misc{{{key},\n  title = {{{TITLE}, release {meta.release_id}}},\n"
        f"  year = {{{year}}},\n  note = {{Weight scenario {meta.scenario_label}; "
        "CC BY 4.0}\n}"
    )


def release_year(meta: SiteMeta) -> str:
    head = meta.release_id[:4]
    return head if head.isdigit() else "n.d."


def licence_text(meta: SiteMeta) -> str:
    """``LICENCE.txt`` shipped with the downloads."""
    return LICENCE_TEXT.format(
        release_id=meta.release_id, citation=citation(meta, release_year(meta))
    )


def licence_page(rel: Release, meta: SiteMeta) -> str:
    ds = sources_table(rel.sources).reset_index()
    ds = ds[ds["id"].isin(used_sources(rel))]
    disp = pd.DataFrame(
        {
            "title": link_col(ds["landing_url"], ds["title"]),
            "publisher": ds["publisher"],
            "licence": ds["licence"],
            "id": ds["id"],
        }
    )
    tbl = table(
        disp,
        [
            Col("title", "Dataset", "html"),
            Col("publisher", "Publisher"),
            Col("licence", "Licence"),
            Col("id", "Id"),
        ],
        caption="Licences of the source datasets this release uses",
        sortable=False,
    )
    year = release_year(meta)
    return page(
        "Licence and citation",
        "",
        depth=0,
        current="licence.html",
        meta=meta,
        template="licence.html",
        citation=citation(meta, year),
        bibtex=bibtex(meta, year),
        data_licences=Markup(tbl),
    )
