"""The downloads page: every release file with its size and the sha256 of the release file."""

from __future__ import annotations

import pandas as pd

from dividend.portal.downloads import GZIP_OVER
from dividend.portal.layout import Col, SiteMeta, link_col, page, table
from dividend.portal.release_data import DOWNLOADS, Release
from dividend.portal.text import num_col


def downloads_page(rel: Release, meta: SiteMeta, listing: pd.DataFrame) -> str:
    """``listing``: the release files (``path``, ``bytes``, ``sha256``) with the name and size
    they have under ``downloads/`` (:func:`dividend.portal.downloads.publish_downloads`)."""
    f = listing
    descr: dict[str, str] = {}
    for r in (rel.datapackage or {}).get("resources", []):
        descr[str(r.get("path"))] = str(r.get("description", ""))
    descr.setdefault(
        "datapackage.json", "Frictionless Data Package: field types, units, licences, sources"
    )
    descr.setdefault("METHODOLOGY.md", "How the index is built")
    xlsx = f["path"].str.endswith(".xlsx")
    gz = (f["download"] != f["path"]).to_numpy()
    size = num_col(f["download_bytes"] / 1024, 1) + " KiB"
    plain = num_col(f["bytes"] / 1024, 1) + " KiB"
    disp = pd.DataFrame(
        {
            "file": link_col(DOWNLOADS + "/" + f["download"], f["download"]),
            "what": f["path"].map(descr).fillna(""),
            "size": size.where(~gz, size + " gzipped (" + plain + " as " + f["path"] + ")"),
            "sv": f["download_bytes"],
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
            Col("sha", "sha256 (of the uncompressed file)", "hash"),
        ],
        caption=f"Files of release {rel.release_id}",
    )
    body = (
        "<h1>Downloads</h1><p>Every file of this release, under the site's own "
        "<code>downloads/</code> folder, so a copy of the site alone keeps them. The index "
        'outputs are CC BY 4.0 (<a href="licence.html">licence and citation</a>).</p>'
        f"<p>Tables over {GZIP_OVER // 1024} KiB are gzipped (<code>.csv.gz</code>): unpack "
        "them with <code>gunzip -k FILE.csv.gz</code> (Linux, macOS) or 7-Zip (Windows). "
        "The Excel workbook holds every table, uncompressed. The sha256 is always the "
        "uncompressed file's, the one <code>datapackage.json</code> states for each table: "
        "check it with <code>sha256sum FILE</code> (Linux), <code>shasum -a 256 FILE</code> "
        "(macOS) or <code>Get-FileHash FILE</code> (Windows). Text cells that a spreadsheet "
        "could run as a formula are prefixed with an apostrophe.</p>" + tbl
    )
    return page("Downloads", body, depth=0, current="downloads.html", meta=meta)
