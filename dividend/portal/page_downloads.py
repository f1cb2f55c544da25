"""The downloads page: every release file with its size and sha256."""

from __future__ import annotations

import pandas as pd

from dividend.portal.layout import Col, link_col, page, table
from dividend.portal.page_parts import page_footer
from dividend.portal.release_data import Release
from dividend.portal.text import num_col


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
    return page("Downloads", body, depth=0, current="downloads.html", footer=page_footer(rel, 0))
