"""The portal built into a real release (real data, real index, real sensitivity run).

Expected values are read from the release's CSV files and the source catalogue by the test
itself, and compared with what the pages say.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from html import escape as html_escape
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
import pytest
import yaml

from dividend.portal.release_data import PortalError
from dividend.portal.site import build_site
from dividend.portal.text import MINUS
from dividend.release.xlsx import sheet_names
from sources.catalogue import catalogue
from tests.portal_fixtures import portal_release  # noqa: F401  (session fixture)

NO_DATA_CITIES = ["Auckland", "Buenos Aires", "Kuala Lumpur", "Nairobi", "São Paulo"]
CATALOGUE = Path(__file__).resolve().parent.parent / "sources" / "catalogue.yaml"


class Page(HTMLParser):
    """Links, ids, headings, svgs and text of one HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.srcs: list[str] = []
        self.ids: list[str] = []
        self.h1: list[str] = []
        self.svgs: list[dict[str, str]] = []
        self.lang = None
        self._a: list[str] | None = None
        self._href = ""
        self._h1: list[str] | None = None
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a" and "href" in a:
            self._a, self._href = [], a["href"]
        if tag in ("link", "script") and (a.get("href") or a.get("src")):
            self.srcs.append(a.get("href") or a.get("src"))
        if tag == "h1":
            self._h1 = []
        if tag == "svg":
            self.svgs.append(a)

    def handle_endtag(self, tag):
        if tag == "a" and self._a is not None:
            self.links.append((self._href, "".join(self._a).strip()))
            self._a = None
        if tag == "h1" and self._h1 is not None:
            self.h1.append("".join(self._h1).strip())
            self._h1 = None

    def handle_data(self, data):
        self.text.append(data)
        if self._a is not None:
            self._a.append(data)
        if self._h1 is not None:
            self._h1.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def _page(site: Path, rel: str) -> Page:
    return Page((site / rel).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(portal_release) -> Path:  # noqa: F811
    return portal_release / "site"


@pytest.fixture(scope="module")
def country(portal_release) -> pd.DataFrame:  # noqa: F811
    return pd.read_csv(portal_release / "country_index.csv")


@pytest.fixture(scope="module")
def city(portal_release) -> pd.DataFrame:  # noqa: F811
    return pd.read_csv(portal_release / "city_index.csv")


def _signed(x: float) -> str:
    return f"{x:+.1f}".replace("-", "−")


def test_every_country_has_a_profile_reachable_from_the_list(site, country):
    page = _page(site, "countries.html")
    profile_links = {t: h for h, t in page.links if h.startswith("country/")}
    assert set(country["name"]) <= set(profile_links)
    for name, href in profile_links.items():  # ~200 small files
        assert _page(site, href).h1 == [name]
    assert len(list((site / "country").glob("*.html"))) == len(country)


def test_every_city_has_a_profile(site, city):
    page = _page(site, "cities.html")
    hrefs = [h for h, _ in page.links if h.startswith("city/")]
    assert len(set(hrefs)) == len(city)
    assert all((site / h).is_file() for h in hrefs)


def test_all_relative_links_resolve_inside_the_release(site, portal_release):  # noqa: F811
    root = portal_release.resolve()
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    for p in pages:  # every page of the site
        page = Page(p.read_text(encoding="utf-8"))
        assert page.lang == "en", p
        assert len(page.h1) == 1, p
        assert len(page.ids) == len(set(page.ids)), f"duplicate id in {p}"
        for href in [h for h, _ in page.links] + page.srcs:
            u = urlsplit(href)
            if u.scheme in ("http", "https", "mailto", "data"):
                continue
            if not u.path:  # in-page anchor
                assert u.fragment in page.ids, (p, href)
                continue
            target = (p.parent / unquote(u.path)).resolve()
            assert target.is_relative_to(root) and target.is_file(), (p, href)


def test_charts_keep_links_outside_graphics(site):
    """axe's nested-interactive: no link may sit inside an svg (role="img" or not)."""
    for rel in ["index.html", "cities.html", "country/DEU.html", "city/NL037C.html"]:
        html = (site / rel).read_text(encoding="utf-8")
        for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S):
            assert "<a " not in svg, rel
        page = _page(site, rel)
        for label in re.findall(r'<figure class="bar-chart"[^>]*aria-labelledby="([^"]+)"', html):
            assert label in page.ids, rel


def test_downloads_sit_inside_the_site_byte_identical(site, portal_release):  # noqa: F811
    """Every release file is in site/downloads/: as it is, or (a CSV over 256 KiB) gzipped,
    unpacking to the same bytes; the page gives the sha256 of the release file, the one
    datapackage.json states, and both sizes of a gzipped one."""
    page = _page(site, "downloads.html")
    text = page.all_text
    files = [
        p
        for p in portal_release.rglob("*")
        if p.is_file() and "site" not in p.relative_to(portal_release).parts
    ]
    assert {"country_index.csv", "city_index.csv", "indicators_long.csv", "datapackage.json"} <= {
        p.name for p in files
    }
    pkg = json.loads((portal_release / "datapackage.json").read_text(encoding="utf-8"))
    stated = {r["path"]: r["hash"].removeprefix("sha256:") for r in pkg["resources"]}
    hrefs = {h for h, _ in page.links}
    gzipped = set()
    for p in files:
        rel = p.relative_to(portal_release).as_posix()
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        assert digest in text and stated.get(rel, digest) == digest
        assert f"{p.stat().st_size / 1024:.1f} KiB" in text
        plain = site / "downloads" / rel
        if plain.is_file():  # inside site/: publishing site/ alone keeps it
            assert "downloads/" + rel in hrefs and plain.read_bytes() == p.read_bytes()
            continue
        packed = site / "downloads" / f"{rel}.gz"
        assert "downloads/" + rel + ".gz" in hrefs, rel
        assert gzip.decompress(packed.read_bytes()) == p.read_bytes()
        assert f"{packed.stat().st_size / 1024:.1f} KiB gzipped" in text
        gzipped.add(rel)
    # the big tables go gzipped; the headline tables, the workbook and the package do not
    assert {"indicators_long.csv", "data_quality.csv"} <= gzipped
    assert not gzipped & {"country_index.csv", "migration_dividend.xlsx", "datapackage.json"}


def test_downloads_page_says_what_the_workbook_holds(site, portal_release):  # noqa: F811
    """The workbook is the headline workbook (issue 14): the page lists its sheets and marks
    every table that is not one of them CSV only, read from the workbook itself."""
    html = (site / "downloads.html").read_text(encoding="utf-8")
    rows = {
        m["file"]: m["row"]
        for m in re.finditer(
            r'<tr>(?P<row>(?:(?!</tr>).)*?href="downloads/(?P<file>[^"]+)".*?)</tr>', html
        )
    }
    sheets = sheet_names(portal_release / "migration_dividend.xlsx")
    assert (
        "The headline workbook: a notes sheet, then " + ", ".join(sheets[1:])
        in rows["migration_dividend.xlsx"]
    )
    pkg = json.loads((portal_release / "datapackage.json").read_text(encoding="utf-8"))
    marked = set()
    for res in pkg["resources"]:
        row = next(r for f, r in rows.items() if f.removesuffix(".gz") == res["path"])
        if "CSV only: not in the workbook." in row:
            marked.add(res["path"][:-4])
    assert marked == {r["path"][:-4] for r in pkg["resources"]} - set(sheets)
    assert {"indicators_long", "data_quality"} <= marked


def test_every_page_states_release_scenario_and_vintage(site, portal_release, country):  # noqa: F811
    label = country["scenario"].iloc[0].replace("_", " ").capitalize()
    pages = sorted(site.rglob("*.html"))
    for p in pages:
        text = _page(site, p.relative_to(site).as_posix()).all_text
        assert f"Release {portal_release.name}" in text, p
        assert f"weight scenario {label}" in text, p
        assert re.search(r"data vintage (19|20)\d\d", text), p


def test_licence_and_citation(site, portal_release):  # noqa: F811
    page = _page(site, "licence.html")
    text = page.all_text
    assert "CC BY 4.0" in text and portal_release.name in text
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in {h for h, _ in page.links}
    licence = (site / "downloads" / "LICENCE.txt").read_text(encoding="utf-8")
    assert portal_release.name in licence and "CC BY 4.0" in licence
    cat = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["datasets"]
    used = set(
        pd.read_csv(portal_release / "indicators_long.csv")["sources"].str.split(",").explode()
    )
    for ds in used:  # every data licence the index relies on is named
        assert cat[ds]["licence"] in text


def test_profile_shows_how_its_number_was_computed(site, portal_release, country):  # noqa: F811
    contrib = pd.read_csv(portal_release / "contributions.csv")
    deu = contrib[(contrib["framework"] == "country") & (contrib["geo"] == "DEU")]
    if "reference_year" in contrib.columns:  # index v2: the profile shows the headline year
        year = country.set_index("geo").loc["DEU", "reference_year"]
        deu = deu[deu["reference_year"] == year]
    ind = deu[deu["level"] == "indicator"]
    pil = deu[deu["level"] == "pillar"]
    assert len(ind) >= 5 and len(pil) >= 3
    # the rows add up: indicators to their pillar, pillars to the published index
    sums = ind.groupby("parent")["contribution"].sum()
    assert np.allclose(sums.reindex(pil["code"]).to_numpy(), pil["score"].to_numpy(), atol=1e-9)
    dividend = country.set_index("geo").loc["DEU", "dividend"]
    assert abs(pil["contribution"].sum() - dividend) < 1e-9
    text = _page(site, "country/DEU.html").all_text
    assert "How this number was computed" in text
    for r in ind.itertuples():
        assert f"{r.score:+.1f}".replace("-", "−") in text
        assert f"{r.contribution:+.2f}".replace("-", "−") in text
        assert f"± {r.goalpost:.2f}" in text
    for r in pil.itertuples():
        assert f"{r.contribution:+.2f}".replace("-", "−") in text
    csv = pd.read_csv(site / "data" / "country" / "DEU.csv")
    assert len(csv) == len(deu)
    assert np.allclose(csv["contribution"], deu["contribution"], atol=1e-12)


def test_insufficient_data_units_show_only_why(site, portal_release, country):  # noqa: F811
    sens = pd.read_csv(portal_release / "sensitivity_units.csv")
    unranked = country[country["rank"].isna()]
    assert len(unranked) > 3
    for r in unranked.itertuples():  # a score may exist, but it is never shown
        text = _page(site, f"country/{r.geo}.html").all_text
        assert "Insufficient data" in text
        assert "Probability of a net loss" not in text and "Migration dividend" not in text
        if r.dividend == r.dividend:
            assert _signed(r.dividend) not in text
    assert set(unranked["geo"]) & set(sens["uCode"]) or True


def test_indicator_value_year_source_and_treatment_on_profile(site, portal_release):  # noqa: F811
    long = pd.read_csv(portal_release / "indicators_long.csv")
    cat = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["datasets"]
    year = pd.read_csv(portal_release / "country_index.csv")["reference_year"].iloc[0]
    # the profile shows the headline year (the panel's other years are in the panel CSV)
    deu = long[
        (long["framework"] == "country") & (long["geo"] == "DEU") & (long["reference_year"] == year)
    ]
    assert len(deu) >= 5
    page = _page(site, "country/DEU.html")
    text = page.all_text
    hrefs = {h for h, _ in page.links}
    # each source is one click away: its row in the methodology's source list (issue 14:
    # publisher, licence, vintage and landing page are no longer repeated on every profile)
    rows = {
        m["id"]: unescape(m["row"])
        for m in re.finditer(
            r'<tr id="(?P<id>[^"]+)"(?P<row>.*?)</tr>',
            (site / "methodology.html").read_text(encoding="utf-8"),
        )
    }
    for r in deu.itertuples():  # a dozen indicators
        # the site prints a typographic minus (v2 has negative gaps and net transfers)
        assert f"{r.value:.2f}".replace("-", MINUS) + f" {r.unit}" in text
        assert r.treatment in text
        assert str(r.year) in text
        for file in str(r.source_file).split(";") if isinstance(r.source_file, str) else []:
            assert file in text  # the file this value was read from
        for src in r.sources.split(","):
            assert f"../methodology.html#src-{src}" in hrefs
            row = rows[f"src-{src}"]
            assert f'href="{cat[src]["landing_url"]}"' in row and str(cat[src]["vintage"]) in row
            assert cat[src]["licence"] in row


def test_cities_without_city_data_say_so_and_show_national_values(site, city, country):
    listed = {t: h for h, t in _page(site, "cities.html").links if h.startswith("city/")}
    for name in NO_DATA_CITIES:
        row = city[city["study_city"] == name].iloc[0]
        assert row["city_data"] == "no city-level data" and np.isnan(row["dividend"])
        page = _page(site, listed[name])
        assert page.h1 == [name]
        text = page.all_text
        assert "No city-level data" in text
        assert "Migration dividend" not in text  # no city score, not even a dash
        nat = country[country["geo"] == row["country_iso3"]].iloc[0]
        assert f"migration dividend {_signed(nat['dividend'])}" in text
        assert f"../country/{nat['geo']}.html" in {h for h, _ in page.links}


def test_city_profile_with_data_and_national_context(site, city, country):
    row = city[city["study_city"] == "Rotterdam"].iloc[0]
    text = _page(site, f"city/{row['geo']}.html").all_text
    assert _signed(row["dividend"]) in text
    assert f"{int(row['rank'])} of {int(row['n_ranked'])}" in text
    nld = country[country["geo"] == "NLD"].iloc[0]
    assert f"Netherlands : migration dividend {_signed(nld['dividend'])}" in text


def test_home_ranking_verdicts_follow_the_published_probabilities(site, portal_release, country):  # noqa: F811
    sens = pd.read_csv(portal_release / "sensitivity_units.csv")
    year = country["reference_year"].iloc[0]  # the headline year; the panel has the others
    sens = sens[(sens["framework"] == "country") & (sens["reference_year"] == year)]
    sens = sens.set_index("uCode")["p_net_loss"]
    ranked = country[country["rank"].notna()].set_index("geo")
    html = (site / "index.html").read_text(encoding="utf-8")
    rows: dict[str, str] = {}
    for key, row in re.findall(
        r'<li class="bar-row[^"]*" data-key="([^"]+)"(.*?)</li>', html, re.S
    ):
        rows.setdefault(key, row)  # the ranking comes first; "biggest movers" repeats units
    assert set(rows) == set(ranked.index)
    for geo, p in sens.reindex(ranked.index).items():  # every ranked country
        words = " ".join(re.sub(r"<[^>]+>", " ", rows[geo]).split())
        want = (
            "insufficient data"
            if p != p
            else "net gain"
            if p <= 0.10
            else "net loss"
            if p >= 0.90
            else "too close to call"
        )
        assert want in words, geo
        if p == p:
            assert f"P(loss) {round(p * 100):d}" in words, geo


def test_other_scenarios_match_the_index_scorer(portal_release, country):  # noqa: F811
    """Re-scoring the release's own indicators_long.csv (headline year) with the index's
    scorer reproduces country_index.csv exactly."""
    from dividend.index.definition import load_frameworks, load_scenario, scenario_paths
    from dividend.index.unit_tables import score_framework

    frameworks = load_frameworks()
    fw = frameworks["country"]
    long = pd.read_csv(portal_release / "indicators_long.csv")
    long = long[
        (long["framework"] == "country")
        & (long["reference_year"] == country["reference_year"].iloc[0])
    ]
    sc = load_scenario(scenario_paths()[country["scenario"].iloc[0]], frameworks)
    units = country[["framework", "geo", "name", "country_iso3", "peer_group", "reference_year"]]
    again = score_framework(fw, sc, units, long).table
    # the headline table publishes dividends of units with a verdict only
    shown = country["dividend"].notna().to_numpy()
    assert shown.sum() > 50
    assert np.allclose(again["dividend"][shown], country["dividend"][shown], atol=1e-9)


def test_missing_release_file_or_column_is_named(tmp_path, portal_release):  # noqa: F811
    bad = tmp_path / "rel"
    shutil.copytree(portal_release, bad, ignore=shutil.ignore_patterns("site"))
    df = pd.read_csv(bad / "city_index.csv").drop(columns=["city_data"])
    df.to_csv(bad / "city_index.csv", index=False)
    with pytest.raises(PortalError, match=r"city_index.csv: missing column\(s\) \['city_data'\]"):
        build_site(bad, sources=catalogue())
    # every stable index column is required, not only those the pages show today
    shutil.copyfile(portal_release / "city_index.csv", bad / "city_index.csv")
    long = pd.read_csv(bad / "indicators_long.csv").drop(columns=["source_file"])
    long.to_csv(bad / "indicators_long.csv", index=False)
    with pytest.raises(PortalError, match=r"indicators_long\.csv: missing column\(s\)"):
        build_site(bad, sources=catalogue())
    (bad / "country_index.csv").unlink()
    with pytest.raises(PortalError, match=r"country_index\.csv: missing from release"):
        build_site(bad, sources=catalogue())
    assert not (bad / "site").exists()


def test_methodology_renders_the_data_gaps_note_and_lists_sources(site):
    gaps = (Path(__file__).resolve().parent.parent / "indicators" / "DATA_GAPS.md").read_text(
        encoding="utf-8"
    )
    first_heading = next(
        line.lstrip("#").strip() for line in gaps.splitlines() if line.startswith("#")
    )
    page = _page(site, "methodology.html")
    assert first_heading in page.all_text
    cat = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["datasets"]
    hrefs = {h for h, _ in page.links}
    for ds in cat.values():  # a dozen datasets: publisher, licence and vintage shown
        assert ds["landing_url"] in hrefs
        assert str(ds["vintage"]) in page.all_text and ds["licence"] in page.all_text


def test_map_draws_or_lists_every_country(site, country, source_warehouse):
    """Every index country is a linked path on the map or listed beside it as not drawable;
    a drawn country's label states its verdict (crosswalk: staged.map_crosswalk)."""
    import duckdb

    path, _ = source_warehouse
    con = duckdb.connect(str(path), read_only=True)
    cw = con.execute("SELECT * FROM staged.map_crosswalk").df()
    con.close()
    html = (site / "map.html").read_text(encoding="utf-8")
    svg = re.search(r'<svg class="world-map".*?</svg>', html, re.S).group(0)
    linked = dict(re.findall(r'<a href="country/([A-Z]{3})\.html" aria-label="([^"]+)"', svg))
    drawn = set(cw.loc[cw["geometry_index"].notna(), "iso3"].dropna())
    in_index = set(country["geo"])
    assert set(linked) == drawn & in_index
    rest = html[html.index('id="not-drawn"') :]
    for geo in in_index - drawn:  # the ones the 1:110m map has no polygon for
        assert f'href="country/{geo}.html"' in rest, geo
    v = pd.read_csv(site.parent / "country_index.csv").set_index("geo")
    assert len(linked) > 150
    assert all(html_escape(v.loc[g, "name"], quote=True) in lab for g, lab in linked.items())


def test_release_without_sensitivity_says_so_on_every_page(tmp_path, portal_release):  # noqa: F811
    """A --no-sensitivity release: no interval, no probability, and every page says why."""
    rel = tmp_path / "2026-01-01_no_sensitivity_0123456789ab"
    shutil.copytree(portal_release, rel, ignore=shutil.ignore_patterns("site", "sensitivity_*.csv"))
    site = build_site(rel, sources=catalogue())
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 100
    for p in pages:
        text = Page(p.read_text(encoding="utf-8")).all_text
        assert "has no uncertainty intervals" in text, p
        assert "P(loss)" not in text and "Probability of a net loss" not in text, p
