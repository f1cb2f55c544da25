"""The downloads page: every release file with its size and the sha256 of the release file."""

from __future__ import annotations

import pandas as pd

from dividend.portal.downloads import GZIP_OVER, csv_only_files
from dividend.portal.layout import Col, SiteMeta, link_col, page, table
from dividend.portal.release_data import DOWNLOADS, Release
from dividend.portal.text import num_col


def downloads_page(
    rel: Release, meta: SiteMeta, listing: pd.DataFrame, sheets: list[str] | None = None
) -> str:
    """``listing``: the release files (``path``, ``bytes``, ``sha256``) with the name and size
    they have under ``downloads/`` (:func:`dividend.portal.downloads.publish_downloads`).
    ``sheets``: the workbook's sheet names (None: no workbook); a table that is not one of
    them is marked CSV only."""
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
    csv_only = f["path"].isin(csv_only_files(f["path"], sheets))
    if sheets is not None:
        disp.loc[csv_only, "what"] = (
            disp.loc[csv_only, "what"] + " CSV only: not in the workbook."
        ).str.strip()
        disp.loc[xlsx, "what"] = "The headline workbook: a notes sheet, then " + ", ".join(
            s for s in sheets if s != "notes"
        )
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
        f"<p>Tables over {GZIP_OVER // 1024} KiB and the CSV-only tables are gzipped "
        "(<code>.csv.gz</code>): unpack "
        "them with <code>gunzip -k FILE.csv.gz</code> (Linux, macOS) or 7-Zip (Windows)."
        + workbook_text(sheets, list(f.loc[csv_only, "path"]))
        + " The sha256 is always the "
        "uncompressed file's, the one <code>datapackage.json</code> states for each table: "
        "check it with <code>sha256sum FILE</code> (Linux), <code>shasum -a 256 FILE</code> "
        "(macOS) or <code>Get-FileHash FILE</code> (Windows). Text cells that a spreadsheet "
        "could run as a formula are prefixed with an apostrophe.</p>" + tbl
    )
    return page("Downloads", body, depth=0, current="downloads.html", meta=meta)


def workbook_text(sheets: list[str] | None, csv_only: list[str]) -> str:
    """What the Excel workbook holds, in a sentence (empty without a workbook)."""
    if sheets is None:
        return ""
    if not csv_only:
        return " The Excel workbook holds every table, uncompressed, with a notes sheet."
    return (
        " The Excel workbook holds the headline tables (the sheets listed below), "
        "uncompressed, with a notes sheet. The detail tables marked <em>CSV only</em> ("
        + ", ".join(f"<code>{p}</code>" for p in csv_only)
        + ") are too large for a spreadsheet: they are in the CSV files only, described "
        "column by column in <code>datapackage.json</code>."
    )
