"""The portal in a real browser: headless Debian Chromium driven by Playwright.

Never downloads a browser: it uses ``/usr/bin/chromium`` (``.ci/run`` apt-installs it).
Without it every test here is skipped with a loud reason and a warning in the summary, so
a green run without a browser cannot be mistaken for a browser-tested one.

The release is real (see ``tests/portal_fixtures.py``) and served by ``dividend serve``'s
handler on 127.0.0.1; every request to any other host is blocked and counted as a failure.
"""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from dividend.serve import resolve_release, serve_in_thread
from tests.portal_fixtures import portal_release  # noqa: F401  (session fixture)

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
    page.goto(served + "/site/index.html")
    scenario = country["scenario"].iloc[0]
    section = page.locator(f"section#scn-{scenario}")
    assert section.is_visible()
    names = section.locator("svg.ranking-chart g.row").evaluate_all(
        "gs => gs.map(g => g.getAttribute('data-name'))"
    )
    ranked = country[country["rank"].notna()].sort_values(
        ["dividend", "name"], ascending=[False, True]
    )
    assert names == ranked["name"].tolist()
    # the unranked countries (too little data) are all on the country list
    page.goto(served + "/site/countries.html")
    listed = page.locator("table tbody tr th, table tbody tr td:first-child").all_inner_texts()
    assert set(country["name"]) <= set(listed)


def test_clicking_a_country_opens_its_profile(page, served, portal_release):  # noqa: F811
    country = pd.read_csv(portal_release / "country_index.csv")
    ranked = country[country["rank"].notna()]
    top = ranked.sort_values(["dividend", "name"], ascending=[False, True]).iloc[0]
    page.goto(served + "/site/index.html")
    scenario = country["scenario"].iloc[0]
    page.locator(f"section#scn-{scenario} svg.ranking-chart a.unit-link").first.click()
    page.wait_for_url("**/country/*.html")
    assert page.url.endswith(f"/site/country/{top['geo']}.html")
    assert page.locator("h1").inner_text() == top["name"]
    assert page.watch.errors == []


def test_scenario_switcher_and_keyboard(page, served, portal_release):  # noqa: F811
    scenario = pd.read_csv(portal_release / "country_index.csv")["scenario"].iloc[0]
    page.goto(served + "/site/index.html")
    own = page.locator(f"section#scn-{scenario}")
    other = page.locator("section#scn-equal")
    assert own.is_visible() and not other.is_visible()
    button = page.get_by_role("button", name="Equal", exact=True)
    button.focus()
    page.keyboard.press("Enter")
    assert other.is_visible() and not own.is_visible()
    assert button.get_attribute("aria-pressed") == "true"
    # skip link: first Tab stop, and it moves focus to the main content
    page.goto(served + "/site/index.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # the data table behind the chart opens from the keyboard
    summary = own.locator("details summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert own.locator("details table").first.is_visible()
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
    for name in ("country_index.csv", "indicators_long.csv", "migration_dividend.xlsx"):
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
        assert base64.b64decode(data) == (portal_release / name).read_bytes(), name
        if name.endswith(".csv"):
            assert ctype == "text/csv; charset=utf-8"


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
    assert pg.locator(".switcher button").count() >= 4  # the script ran from disk
    pg.locator("nav a", has_text="Cities").click()
    pg.locator("a", has_text="Rotterdam").first.click()
    assert pg.locator("h1").inner_text() == "Rotterdam"
    assert watch.errors == [] and watch.offsite == []
    ctx.close()
