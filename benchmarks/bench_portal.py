"""Benchmark: the portal's cost and size, and the "your own weights" slider in Chromium.

* site build: ``build_site`` on a release built from ``data/warehouse.duckdb`` (run
  ``make run`` first), median of 3, in process (imports excluded): target <= 2 s;
* size: every byte under ``site/`` (downloads included) <= 15 MB; the home page with its
  stylesheet and scripts, gzipped, <= 150 KB;
* slider: in headless Debian Chromium, 200 slider moves on the country framework, each
  timed with ``performance.now()`` around the ``input`` event (recompute every country's
  dividend and rank, redraw the list): median and 95th percentile, target <= 16 ms.

Writes benchmarks/results/portal.json.

    .venv/bin/python -m benchmarks.bench_portal
"""

from __future__ import annotations

import gzip
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.results_store import save_result

REPO = Path(__file__).resolve().parent.parent
WAREHOUSE = REPO / "data" / "warehouse.duckdb"
SCENARIO = "faal_five_pillars"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOVES = 200


def _release(tmp: Path) -> Path:
    from dividend.commands.build_release import study_cities_from_raw
    from dividend.index.definition import load_definition, scenario_paths
    from dividend.release.from_warehouse import build_release
    from sources.catalogue import catalogue

    if not WAREHOUSE.is_file():
        raise SystemExit(f"{WAREHOUSE} missing: run `make run` first")
    definition = load_definition()
    return build_release(
        WAREHOUSE,
        definition,
        definition.scenario(scenario_paths()[SCENARIO]),
        tmp / "exports",
        catalogue(),
        site_builder=None,
        study_fallback=study_cities_from_raw,
    )


def _slider(site: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = b.new_page()
        pg.goto((site / "weights.html").as_uri() + "?fw=country")
        times = pg.evaluate(
            """(moves) => {
                const s = document.getElementById('w-p-economic');
                const out = [];
                for (let i = 0; i < moves; i++) {
                    s.value = String(0.05 + (i % 40) / 8);
                    const t0 = performance.now();
                    s.dispatchEvent(new Event('input', {bubbles: true}));
                    out.push(performance.now() - t0);
                }
                return out;
            }""",
            MOVES,
        )
        n = pg.locator("#w-ranking li:not([hidden])").count()
        b.close()
    assert n > 50, n  # index v2: the countries with a verdict in the headline year (83)
    return times


def main() -> None:
    from dividend.index.definition import load_definition
    from dividend.portal.site import build_site
    from sources.catalogue import catalogue

    tmp = Path(tempfile.mkdtemp(prefix="bench_portal_"))
    release = _release(tmp)
    definition, sources = load_definition(), catalogue()
    build_s = []
    for _ in range(3):
        t0 = time.perf_counter()
        site = build_site(release, sources=sources, definition=definition)
        build_s.append(time.perf_counter() - t0)
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    home = ["index.html", "static/site.css", "static/site.js", "static/units.js"]
    home_gz = sum(len(gzip.compress((site / f).read_bytes(), 9)) for f in home)
    times = sorted(_slider(site))
    result = {
        "site_build_s_median": statistics.median(build_s),
        "site_build_s": build_s,
        "site_bytes": total,
        "site_files": len(files),
        "downloads_bytes": sum(p.stat().st_size for p in (site / "downloads").rglob("*")),
        "home_gzip_bytes": home_gz,
        "slider_ms_median": statistics.median(times),
        "slider_ms_p95": times[int(0.95 * len(times)) - 1],
        "slider_ms_max": times[-1],
        "slider_moves": len(times),
        "units": "countries",
        "load_average_1m": round(__import__("os").getloadavg()[0], 2),
        "machine": platform.platform(),
    }
    save_result("portal", result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
