"""Build the portal into a release: ``<release>/site/``.

Called by the release writer on its temporary directory *before* the atomic rename, so a
release and its site appear together or not at all. The site is plain files (HTML with
inline SVG, one stylesheet, one small script), built only from the release's own files plus
the source catalogue and the index definition (frameworks and scenarios) the caller hands in,
and works opened from disk or served by ``dividend serve``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import pandas as pd

from dividend.index.definition import INDICATORS_DIR, IndexDefinition, load_definition
from dividend.portal.chart_map import WorldMap
from dividend.portal.chart_ranking import movers_html
from dividend.portal.downloads import csv_only_files, publish_downloads
from dividend.portal.layout import SiteMeta
from dividend.portal.page_compare import compare_page
from dividend.portal.page_licence import licence_text
from dividend.portal.page_map import map_page
from dividend.portal.page_parts import dividend_domain, pillar_domain, site_meta, unit_href
from dividend.portal.page_weights import weights_page
from dividend.portal.pages import (
    cities_page,
    countries_page,
    downloads_page,
    home,
    licence_page,
    methodology_page,
    profiles,
)
from dividend.portal.release_data import (
    DOWNLOADS,
    LICENCE,
    SITE_DIR,
    Release,
    SourceEntry,
    load_release,
    with_sensitivity,
)
from dividend.portal.search import search_index_js
from dividend.portal.verdicts import NODATA, with_verdicts
from dividend.portal.weights_data import weights_data_js
from dividend.release.writer import WORKBOOK
from dividend.release.xlsx import sheet_names

DATA_GAPS = INDICATORS_DIR / "DATA_GAPS.md"


def _static_files() -> list[tuple[str, bytes]]:
    base = resources.files("dividend.portal") / "static"
    return [(p.name, p.read_bytes()) for p in base.iterdir() if p.is_file()]


def headline_only(rel: Release) -> None:
    """Index v2 releases carry every reference year in ``indicators_long`` and
    ``contributions``; the lists and profiles show the headline year of each unit (the year
    of its row in country_index / city_index). A release without reference years is as is."""
    units = pd.concat([rel.country, rel.city], ignore_index=True)
    if "reference_year" not in units.columns:
        return
    keys = units[["framework", "geo", "reference_year"]].dropna().drop_duplicates()
    for name in ("long", "contributions"):
        t = getattr(rel, name)
        if t is not None and "reference_year" in t.columns:
            setattr(rel, name, t.merge(keys, on=["framework", "geo", "reference_year"]))


def _sheets(release_dir: Path) -> list[str] | None:
    """The release workbook's sheet names (None: the release has no workbook)."""
    book = release_dir / WORKBOOK
    return sheet_names(book) if book.is_file() else None


def movers(rel: Release) -> str:
    """The home page's biggest movers: countries' 5-year change in their headline year."""
    ch = rel.changes
    if ch is None or "reference_year" not in rel.country.columns:
        return ""
    year_col = "reference_year" if "reference_year" in ch.columns else "year"
    c = rel.country[rel.country["verdict"] != NODATA]
    c = c.assign(key=c["geo"], href=unit_href(c))
    m = ch[ch["framework"] == "country"].rename(columns={year_col: "year"})
    m = m.merge(
        c[["geo", "key", "name", "href", "reference_year"]],
        left_on=["geo", "year"],
        right_on=["geo", "reference_year"],
    )
    if m.empty:
        return ""
    return movers_html(m, chart_id="movers")


def build_site(
    release_dir: Path,
    release_id: str | None = None,
    *,
    sources: Mapping[str, SourceEntry],
    definition: IndexDefinition | None = None,
    world_map: WorldMap | None = None,
    gzip_store: Path | None = None,
) -> Path:
    """Write ``release_dir/site/`` (replacing an older one) and return its path.

    ``release_id`` names the release on the pages when ``release_dir`` is still a temporary
    directory (the release writer builds the site before its atomic rename).
    ``sources``: the source catalogue (dataset id -> entry). ``definition``: the frameworks
    and the scenarios, as the caller already read them (default: read ``indicators/`` and
    ``$DIVIDEND_WEIGHTS_DIR`` or ``indicators/weights``). ``world_map``: the Natural Earth
    topology and ``staged.map_crosswalk``, as the caller read them (no map without it).
    ``gzip_store``: the release writer's file store (dividend.release.file_store): a download
    gzipped by an earlier release is linked from there instead of compressed again.
    """
    release_dir = Path(release_dir)
    rel = load_release(release_dir, sources)
    if release_id:
        rel.root = rel.root.with_name(release_id)
    definition = definition or load_definition()
    headline_only(rel)
    rel.country = with_verdicts(with_sensitivity(rel.country, rel.sensitivity))
    rel.city = with_verdicts(with_sensitivity(rel.city, rel.sensitivity))
    meta = site_meta(rel)
    domain = dividend_domain(rel)
    own = definition.scenarios.get(rel.scenario)
    description = own.description if own is not None else ""
    others = frozenset({"weights.html", "map.html"})
    site = release_dir / SITE_DIR
    tmp = release_dir / f".{SITE_DIR}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / DOWNLOADS).mkdir(parents=True)
    sheets = _sheets(release_dir)
    csv_only = csv_only_files(rel.files["path"], sheets)
    with ThreadPoolExecutor(max_workers=2) as pool:  # big CSVs gzip while the pages render
        listing = publish_downloads(
            release_dir, rel.files, tmp / DOWNLOADS, pool, csv_only, gzip_store
        )
        pages = _pages(rel, meta, description, domain, definition, world_map, others)
        pages["downloads.html"] = downloads_page(rel, meta, listing(), sheets)
    (tmp / DOWNLOADS / LICENCE).write_text(licence_text(meta), encoding="utf-8")
    (tmp / "static").mkdir()
    for name, data in _static_files():
        (tmp / "static" / name).write_bytes(data)
    (tmp / "static" / "units.js").write_text(search_index_js(rel), encoding="utf-8")
    (tmp / "static" / "weights-data.js").write_text(
        weights_data_js(rel, definition), encoding="utf-8"
    )
    for rel_path, html in pages.items():
        out = tmp / rel_path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    if site.exists():
        shutil.rmtree(site)
    tmp.rename(site)
    return site


def _pages(
    rel: Release,
    meta: SiteMeta,
    description: str,
    domain: tuple[float, float],
    definition: IndexDefinition,
    world_map: WorldMap | None,
    others: frozenset[str],
) -> dict[str, str]:
    """Every page but the downloads page, by path under ``site/``."""
    frameworks = definition.frameworks
    return {
        "index.html": home(rel, meta, description, domain, movers(rel), pages=others),
        "countries.html": countries_page(rel, meta),
        "cities.html": cities_page(rel, meta, domain),
        "methodology.html": methodology_page(
            rel,
            meta,
            DATA_GAPS.read_text(encoding="utf-8") if DATA_GAPS.is_file() else None,
            frameworks,
        ),
        "licence.html": licence_page(rel, meta),
        "compare.html": compare_page(meta),
        "weights.html": weights_page(meta, definition),
        "map.html": map_page(rel, meta, world_map),
        **profiles(rel, frameworks, meta, pillar_domain(rel), domain),
    }
