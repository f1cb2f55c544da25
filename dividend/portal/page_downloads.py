"""The downloads page: every release file with its size and sha256."""

from __future__ import annotations

import pandas as pd

from dividend.portal.layout import Col, SiteMeta, link_col, page, table
from dividend.portal.release_data import DOWNLOADS, Release
from dividend.portal.text import num_col


def downloads_page(rel: Release, meta: SiteMeta) -> str:
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
            "file": link_col(DOWNLOADS + "/" + f["path"], f["path"]),
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
        "<h1>Downloads</h1><p>Every file of this release, under the site's own "
        "<code>downloads/</code> folder, so a copy of the site alone keeps them. The index "
        'outputs are CC BY 4.0 (<a href="licence.html">licence and citation</a>). Check a download with '
        "<code>sha256sum FILE</code> (Linux), <code>shasum -a 256 FILE</code> (macOS) or "
        "<code>Get-FileHash FILE</code> (Windows). Text cells that a spreadsheet could run "
        "as a formula are prefixed with an apostrophe.</p>" + tbl
    )
    return page("Downloads", body, depth=0, current="downloads.html", meta=meta)
