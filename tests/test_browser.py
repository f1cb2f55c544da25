"""The portal in a real browser: headless Debian Chromium driven by Playwright.

Never downloads a browser: it uses ``/usr/bin/chromium`` (``.ci/run`` apt-installs it).
Without it every test here is skipped with a loud reason and a warning in the summary, so
a green run without a browser cannot be mistaken for a browser-tested one.

The release is real (see ``tests/portal_fixtures.py``) and served by ``dividend serve``'s
handler on 127.0.0.1; every request to any other host is blocked and counted as a failure.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import os
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from dividend.serve import resolve_release, serve_in_thread
from tests.portal_fixtures import headline_inputs, portal_release  # noqa: F401

pytestmark = pytest.mark.browser

# DIVIDEND_CHROMIUM points at another binary (or at nothing, to see the skip message).
CHROMIUM = Path(os.environ.get("DIVIDEND_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOUD = (
    f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (install Debian's `chromium` "
    "package: `apt-get install chromium`; .ci/run does). The portal was NOT tested in a browser."
)


@pytest.fixture(scope="session")
def browser():
    chromium = CHROMIUM if CHROMIUM.exists() else None
    if chromium is None and "DIVIDEND_CHROMIUM" not in os.environ and shutil.which("chromium"):
        chromium = Path(shutil.which("chromium"))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        warnings.warn(LOUD + " (python package playwright missing)", stacklevel=1)
        pytest.skip(LOUD + " (python package playwright missing)")
    if chromium is None:
        warnings.warn(LOUD, stacklevel=1)
        pytest.skip(LOUD)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def served(portal_release, monkeypatch_module):  # noqa: F811
    """Base URL of ``dividend serve``'s handler over the release ``latest`` points to."""
    monkeypatch_module.setenv("DIVIDEND_SERVE_QUIET", "1")
    release = resolve_release(portal_release.parent)
    assert release == portal_release.resolve()
    srv, base = serve_in_thread(release)
    yield base
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


class Watch:
    """Console errors, page errors and blocked off-site requests of one page."""

    def __init__(self, page, allowed_prefixes: tuple[str, ...]) -> None:
        self.errors: list[str] = []
        self.offsite: list[str] = []
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

        def route(r):
            if r.request.url.startswith(allowed_prefixes):
                r.continue_()
            else:
                self.offsite.append(r.request.url)
                r.abort()

        page.route("**/*", route)


@pytest.fixture
def page(browser, served):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    pg.watch = Watch(pg, (served, "data:"))
    yield pg
    ctx.close()


def test_home_loads_without_console_errors_or_offsite_requests(page, served):
    resp = page.goto(served + "/")
    assert resp.ok and page.url == served + "/site/index.html"
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("The migration dividend")
    assert page.watch.errors == []
    assert page.watch.offsite == []


def test_ranking_lists_every_ranked_country(page, served, portal_release):  # noqa: F811
    country = pd.read_csv(portal_release / "country_index.csv")
    sens = pd.read_csv(portal_release / "sensitivity_units.csv")
    page.goto(served + "/site/index.html")
    keys = page.locator("#rank-country li.bar-row").evaluate_all(
        "lis => lis.map(li => li.getAttribute('data-key'))"
    )
    with_p = set(sens.loc[sens["framework"] == "country", "uCode"])
    ranked = country[country["rank"].notna()].sort_values(
        ["dividend", "name"], ascending=[False, True]
    )
    assert keys == ranked["geo"].tolist()
    assert (
        set(keys) <= with_p
    )  # a ranked unit without an uncertainty result would be "insufficient"
    # the unranked countries are all on the country list, with a reason and no score
    page.goto(served + "/site/countries.html")
    listed = page.locator("table tbody tr td:first-child").all_inner_texts()
    assert set(country["name"]) <= set(listed)


def test_clicking_a_country_opens_its_profile(page, served, portal_release):  # noqa: F811
    country = pd.read_csv(portal_release / "country_index.csv")
    ranked = country[country["rank"].notna()]
    top = ranked.sort_values(["dividend", "name"], ascending=[False, True]).iloc[0]
    page.goto(served + "/site/index.html")
    page.locator("#rank-country li.bar-row a").first.click()
    page.wait_for_url("**/country/*.html")
    assert page.url.endswith(f"/site/country/{top['geo']}.html")
    assert page.locator("h1").inner_text() == top["name"]
    assert page.watch.errors == []


def test_keyboard_skip_link_details_and_search(page, served, portal_release):  # noqa: F811
    page.goto(served + "/site/index.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # the data table behind the chart opens from the keyboard
    summary = page.locator("details.data summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.data table").first.is_visible()
    # search from the keyboard: type, Enter opens the first match
    city = pd.read_csv(portal_release / "city_index.csv")
    rot = city[city["name"] == "Rotterdam"].iloc[0]
    page.locator("#unit-search").focus()
    page.keyboard.type("rotterd")
    assert page.locator("#unit-search-results a").first.inner_text().startswith("Rotterdam")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/city/{rot['geo']}.html")
    assert page.locator("h1").inner_text() == "Rotterdam"
    assert page.watch.errors == []


def test_compare_keeps_its_state_in_the_url(page, served, portal_release):  # noqa: F811
    country = pd.read_csv(portal_release / "country_index.csv").set_index("geo")
    page.goto(served + "/site/compare.html?u=country|DEU,country|FRA")
    table = page.locator("#compare-out table")
    assert table.locator("thead th a").all_inner_texts() == [
        country.loc["DEU", "name"],
        country.loc["FRA", "name"],
    ]
    row = table.locator("tbody tr", has_text="Migration dividend").first
    want = [f"{country.loc[g, 'dividend']:+.1f}".replace("-", "−") for g in ("DEU", "FRA")]
    assert row.locator("td").all_inner_texts() == want
    page.select_option("#cmp-2", "country|ITA")
    assert "u=country%7CDEU%2Ccountry%7CFRA%2Ccountry%7CITA" in page.url
    assert table.locator("thead th a").count() == 3
    assert page.watch.errors == []


def test_sortable_table(page, served):
    page.goto(served + "/site/countries.html")
    page.get_by_role("button", name="Dividend", exact=True).click()
    vals = page.locator("table tbody tr td:nth-child(3)").evaluate_all(
        "tds => tds.map(td => parseFloat(td.getAttribute('data-value')))"
    )
    finite = [v for v in vals if v == v]
    # v2: only units with a verdict publish a dividend (83 countries in the headline year)
    assert finite == sorted(finite) and len(finite) > 50


def test_downloaded_csv_is_byte_identical(page, served, portal_release):  # noqa: F811
    page.goto(served + "/site/downloads.html")
    for name in ("country_index.csv", "indicators_long.csv.gz", "migration_dividend.xlsx"):
        href = page.get_by_role("link", name=name, exact=True).get_attribute("href")
        b64 = page.evaluate(
            """async (href) => {
                const r = await fetch(new URL(href, location.href));
                const buf = new Uint8Array(await r.arrayBuffer());
                let s = ""; for (const b of buf) s += String.fromCharCode(b);
                return [r.status, r.headers.get("content-type"), btoa(s)];
            }""",
            href,
        )
        status, ctype, data = b64
        assert status == 200
        body = base64.b64decode(data)
        if name.endswith(".gz"):  # a big table: gzipped in site/downloads, plain in the release
            assert ctype == "application/gzip"
            body, name = gzip.decompress(body), name.removesuffix(".gz")
        elif name.endswith(".csv"):
            assert ctype == "text/csv; charset=utf-8"
        assert body == (portal_release / name).read_bytes(), name


TRAVERSALS = [
    "/../w.duckdb",
    "/../../w.duckdb",
    "/%2e%2e/%2e%2e/w.duckdb",
    "/site/..%2f..%2f..%2fw.duckdb",
    "/%252e%252e/%252e%252e/w.duckdb",
    "/..%5c..%5cw.duckdb",
    "/site/%2e%2e/%2e%2e/%2e%2e/w.duckdb",
    "//etc/passwd",
    "/../../../../../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_gets_404(page, served, path, portal_release):  # noqa: F811
    assert (portal_release.parent.parent / "w.duckdb").is_file()  # the target exists
    host, port = served.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("GET", path)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    assert r.status == 404, path
    assert b"DUCK" not in body and b"root:" not in body
    # and the same through the browser (which normalises what it can first)
    resp = page.goto(served + path)
    assert resp.status == 404


def test_site_works_from_disk(browser, portal_release):  # noqa: F811
    ctx = browser.new_context()
    pg = ctx.new_page()
    watch = Watch(pg, ("file://", "data:"))
    index = (portal_release / "site" / "index.html").resolve()
    pg.goto(index.as_uri())
    assert pg.locator("#unit-search").is_visible()  # the scripts ran from disk
    pg.locator("header nav a", has_text="Cities").click()
    pg.locator("a", has_text="Rotterdam").first.click()
    assert pg.locator("h1").inner_text() == "Rotterdam"
    assert watch.errors == [] and watch.offsite == []
    ctx.close()


# ---------------------------------------------------------------- accessibility (axe-core)
AXE_VERSION = "4.11"
AXE_DIR = Path(__file__).resolve().parent.parent / ".venv" / "axe"  # test-only, never committed


def _axe_script() -> Path:
    """axe-core from the npm registry into ``.venv/axe`` (once), or ``$DIVIDEND_AXE``."""
    if os.environ.get("DIVIDEND_AXE"):
        return Path(os.environ["DIVIDEND_AXE"])
    js = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not js.is_file() and shutil.which("npm"):
        import subprocess

        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            check=False,
            capture_output=True,
            timeout=300,
        )
    return js


@pytest.fixture(scope="module")
def axe_js() -> str:
    js = _axe_script()
    if not js.is_file():
        msg = (
            f"AXE TESTS SKIPPED: no axe-core at {js} (needs `npm`; .ci/run installs it). "
            "The portal was NOT checked for accessibility."
        )
        warnings.warn(msg, stacklevel=1)
        pytest.skip(msg)
    return js.read_text(encoding="utf-8")


def _templates(portal_release) -> dict[str, str]:  # noqa: F811
    """One page of every template: the lists, compare, licence, and the profile kinds."""
    country = pd.read_csv(portal_release / "country_index.csv")
    city = pd.read_csv(portal_release / "city_index.csv")
    from dividend.portal.page_parts import unit_href

    unranked = unit_href(country[country["rank"].isna()]).iloc[0]
    us = unit_href(city[city["framework"] == "city_us"]).iloc[0]
    nodata = unit_href(city[city["city_data"] == "no city-level data"]).iloc[0]
    pages = {
        "home": "index.html",
        "countries": "countries.html",
        "cities": "cities.html",
        "compare": "compare.html?u=country|DEU,city_eu|NL037C",
        "methodology": "methodology.html",
        "downloads": "downloads.html",
        "licence": "licence.html",
        "country": "country/DEU.html",
        "country insufficient data": unranked,
        "EU city": "city/NL037C.html",
        "US city": us,
        "study city without city data": nodata,
    }
    site = portal_release / "site"
    for extra in ("map.html", "weights.html"):
        if (site / extra).is_file():
            pages[extra.removesuffix(".html")] = extra
    return pages


@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_serious_or_critical_violation(browser, served, portal_release, axe_js, width):  # noqa: F811
    ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    pg = ctx.new_page()
    found: dict[str, list[str]] = {}
    summary: dict[str, int] = {}
    for name, rel in _templates(portal_release).items():  # every template, desktop and phone
        resp = pg.goto(f"{served}/site/{rel}")
        assert resp.ok, rel
        pg.add_script_tag(content=axe_js)
        result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        for v in result["violations"]:
            summary[v["impact"]] = summary.get(v["impact"], 0) + len(v["nodes"])
            if v["impact"] in ("serious", "critical"):
                found.setdefault(name, []).append(
                    f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}"
                )
    ctx.close()
    print(
        f"axe at {width}px over {len(_templates(portal_release))} templates: {summary or 'no violations'}"
    )
    assert found == {}


def test_no_page_scrolls_sideways_on_a_phone(browser, served, portal_release):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 360, "height": 800})
    pg = ctx.new_page()
    for name, rel in _templates(portal_release).items():
        pg.goto(f"{served}/site/{rel}")
        wide = pg.evaluate("document.documentElement.scrollWidth")
        assert wide <= 360, (name, wide)
        # chart and table text is never below 12 px
        small = pg.evaluate(
            """() => Array.from(document.querySelectorAll('main *'))
                 .filter(e => e.childNodes.length && Array.from(e.childNodes).some(
                     n => n.nodeType === 3 && n.textContent.trim()))
                 .filter(e => e.offsetParent !== null)
                 .map(e => parseFloat(getComputedStyle(e).fontSize))
                 .filter(s => s < 12).length"""
        )
        assert small == 0, name
    ctx.close()


# ---------------------------------------------------------------- your own weights
def _set_slider(pg, slider_id: str, value: float) -> None:
    """Move a range input the way a user does: set its value, fire 'input'."""
    pg.locator(f"#{slider_id}").evaluate(
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true}));"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
        value,
    )


def _ranking_values(pg) -> dict[str, float]:
    pairs = pg.locator("#w-ranking li:not([hidden])").evaluate_all(
        "lis => lis.map(li => [li.getAttribute('data-key'), li.getAttribute('data-value')])"
    )
    return {k: float(v) for k, v in pairs}


def test_sliders_reproduce_the_release_to_1e9(page, served, portal_release):  # noqa: F811
    """Move every slider away, then set the scenario's own weights back with the sliders:
    the browser's ranking equals country_index.csv to 1e-9 (same rule as engine/scoring)."""
    from dividend.index.definition import dim_code, load_definition, scenario_paths

    country = pd.read_csv(portal_release / "country_index.csv").set_index("geo")
    definition = load_definition()
    scenario = definition.scenario(scenario_paths()[country["scenario"].iloc[0]])
    fw = definition.frameworks["country"]
    w = fw.framework(scenario).weight
    page.goto(served + "/site/weights.html?fw=country")
    for p in fw.pillars:
        _set_slider(page, f"w-p-{p}", 3.7)
    _set_slider(page, f"w-p-{fw.pillars[0]}", 0.2)
    moved = _ranking_values(page)
    assert "Your own weights" in page.locator("#w-status").inner_text()
    assert "not computed" in page.locator("#w-status").inner_text()
    assert "w=p%3A" in page.url  # the state is in the address
    for p in fw.pillars:
        _set_slider(page, f"w-p-{p}", w[p])
    for d in fw.dimensions:
        _set_slider(page, f"w-d-{d}", w[dim_code(d)])
    got = _ranking_values(page)
    ranked = country[country["rank"].notna()]
    assert set(got) == set(ranked.index)
    diff = max(abs(got[g] - ranked.loc[g, "dividend"]) for g in got)
    assert diff <= 1e-9, diff
    assert max(abs(moved[g] - got[g]) for g in got) > 0.1  # the sliders did change it
    assert "preset=" in page.url
    # reloading the shared address gives the same view
    page.goto(page.url)
    assert _ranking_values(page) == got
    assert page.watch.errors == []


def test_every_preset_equals_the_python_scorer(page, served, portal_release):  # noqa: F811
    """Each scenario file as a preset, for every framework, against the index's own scorer
    on the release's indicator values (dividend.index.unit_tables.score_framework)."""
    from dividend.index.definition import load_definition
    from dividend.index.unit_tables import score_framework

    definition = load_definition()
    published = pd.concat(
        [pd.read_csv(portal_release / f) for f in ("country_index.csv", "city_index.csv")]
    )
    page.goto(served + "/site/weights.html")
    checked = 0
    for sname, sc in definition.scenarios.items():  # 4 scenarios x 4 frameworks
        for fname, fw in definition.frameworks.items():
            u, long = headline_inputs(portal_release, fname)
            if u.empty or not (published["framework"] == fname).any():
                continue
            ranked = published[(published["framework"] == fname) & published["ranked"]]["geo"]
            if ranked.empty:  # a context-only frame (no score): nothing to recompute
                continue
            ref = score_framework(fw, sc, u, long).table.set_index("geo")["dividend"]
            ref = ref.reindex(ranked)
            page.evaluate("([f, s]) => window.DividendWeights.choose(f, s, null)", [fname, sname])
            got = _ranking_values(page)
            assert set(got) == set(ref.index), (sname, fname)
            diff = max(abs(got[g] - ref[g]) for g in got)
            assert diff <= 1e-9, (sname, fname, diff)
            checked += len(got)
    assert checked > 1000
    assert page.watch.errors == []


def test_map_countries_are_reachable_by_keyboard(page, served):
    page.goto(served + "/site/map.html")
    first = page.locator("svg.world-map a").first
    first.focus()
    assert page.evaluate("document.activeElement.closest('svg.world-map') !== null")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Tab")
    label2 = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label and label2 and label != label2  # Tab moves from country to country
    page.keyboard.press("Enter")
    page.wait_for_url("**/country/*.html")
    assert page.locator("h1").inner_text() == label2.split(":")[0]
    assert page.watch.errors == []


def test_user_weights_travel_to_the_map_and_the_profiles(page, served, portal_release):  # noqa: F811
    """Only the financial pillar weighted: every country's dividend is its financial pillar
    (country_index.csv), on its profile and in the map's labels, with the plain warning."""
    country = pd.read_csv(portal_release / "country_index.csv").set_index("geo")
    from dividend.index.definition import load_definition

    pillars = load_definition().frameworks["country"].pillars
    w = ",".join("1" if p == "financial" else "0" for p in pillars)
    query = f"?fw=country&w=p:{w};d:1"
    page.goto(served + "/site/country/DEU.html" + query)
    banner = page.locator(".weights-banner").inner_text()
    assert "intervals and verdicts are not computed" in banner
    want = f"Dividend {country.loc['DEU', 'financial_dividend']:+.1f}".replace("-", "−")
    assert want in banner
    page.goto(served + "/site/map.html" + query)
    page.locator(".weights-banner").wait_for()
    label = page.locator('svg.world-map a[href^="country/DEU.html"]').get_attribute("aria-label")
    assert want.replace("Dividend", "dividend") in label and "no verdict" in label
    assert page.watch.errors == []
