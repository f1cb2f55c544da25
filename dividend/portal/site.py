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
from importlib import resources
from pathlib import Path

from dividend.index.definition import INDICATORS_DIR, IndexDefinition, load_definition
from dividend.portal.pages import (
    cities_page,
    countries_page,
    downloads_page,
    home,
    methodology_page,
    profiles,
)
from dividend.portal.release_data import SITE_DIR, SourceEntry, load_release
from dividend.portal.scenarios import country_scenarios

DATA_GAPS = INDICATORS_DIR / "DATA_GAPS.md"


def _static_files() -> list[tuple[str, bytes]]:
    base = resources.files("dividend.portal") / "static"
    return [(p.name, p.read_bytes()) for p in base.iterdir() if p.is_file()]


def build_site(
    release_dir: Path,
    release_id: str | None = None,
    *,
    sources: Mapping[str, SourceEntry],
    definition: IndexDefinition | None = None,
) -> Path:
    """Write ``release_dir/site/`` (replacing an older one) and return its path.

    ``release_id`` names the release on the pages when ``release_dir`` is still a temporary
    directory (the release writer builds the site before its atomic rename).
    ``sources``: the source catalogue (dataset id -> entry). ``definition``: the frameworks
    and the scenarios of the switcher, as the caller already read them (default: read
    ``indicators/`` and ``$DIVIDEND_WEIGHTS_DIR`` or ``indicators/weights``).
    """
    release_dir = Path(release_dir)
    rel = load_release(release_dir, sources)
    if release_id:
        rel.root = rel.root.with_name(release_id)
    definition = definition or load_definition()
    frameworks = definition.frameworks
    descriptions = {n: sc.description for n, sc in definition.scenarios.items()}
    pages = {
        "index.html": home(
            rel, country_scenarios(rel, definition), descriptions, definition.skipped
        ),
        "countries.html": countries_page(rel),
        "cities.html": cities_page(rel),
        "methodology.html": methodology_page(
            rel, DATA_GAPS.read_text(encoding="utf-8") if DATA_GAPS.is_file() else None
        ),
        "downloads.html": downloads_page(rel),
        **profiles(rel, frameworks),
    }
    site = release_dir / SITE_DIR
    tmp = release_dir / f".{SITE_DIR}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "static").mkdir(parents=True)
    for name, data in _static_files():
        (tmp / "static" / name).write_bytes(data)
    for rel_path, html in pages.items():
        out = tmp / rel_path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
    if site.exists():
        shutil.rmtree(site)
    tmp.rename(site)
    return site
