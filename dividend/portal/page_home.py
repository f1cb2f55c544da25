"""The home page: verdict counts, the country ranking with intervals, movers, study cities."""

from __future__ import annotations

from dividend.portal.chart_ranking import ranking_html
from dividend.portal.layout import SiteMeta, page
from dividend.portal.page_parts import ranking_frame, ranking_table, unit_href
from dividend.portal.release_data import Release
from dividend.portal.render import Markup
from dividend.portal.text import num_col
from dividend.portal.verdicts import CLASS, SHAPE, VERDICTS

MORE_LINKS = (("map.html", "World map"), ("weights.html", "Set your own weights"))


def home(
    rel: Release,
    meta: SiteMeta,
    description: str,
    domain: tuple[float, float],
    movers: str = "",
    pages: frozenset[str] = frozenset(),
) -> str:
    """``pages``: the other pages of the site (links only to pages that exist)."""
    country = rel.country
    counts = country["verdict"].value_counts()
    kpis = [
        {
            "value": int(country["rank"].notna().sum()),
            "label": "countries ranked",
            "cls": "",
            "shape": "",
        }
    ]
    kpis += [
        {"value": int(counts.get(v, 0)), "label": v, "cls": CLASS[v], "shape": SHAPE[v]}
        for v in VERDICTS
    ]
    rf = ranking_frame(country)
    ranking = ranking_html(
        rf, title="Countries ranked by migration dividend", chart_id="rank-country", domain=domain
    )
    s = rel.city[rel.city["study_city"].notna()].sort_values("study_city")
    status = s["city_data"].astype(str).where(s["city_data"].astype(str) != "yes", "city data")
    has_score = s["dividend"].notna() & (s["verdict"] != "insufficient data")
    status = status.where(~has_score, status + ", dividend " + num_col(s["dividend"], 1, True))
    study = [
        {"href": h, "name": n, "country": c, "status": st}
        for h, n, c, st in zip(
            unit_href(s), s["study_city"], s["country_iso3"], status, strict=True
        )
    ]
    return page(
        "Ranking",
        "",
        depth=0,
        current="index.html",
        meta=meta,
        template="home.html",
        kpis=kpis,
        scenario_description=description,
        ranking=Markup(ranking),
        ranking_table=Markup(ranking_table(rf, "Country")),
        movers=Markup(movers),
        study=study,
        more_links=[(h, t) for h, t in MORE_LINKS if h in pages],
        weights_link="weights.html" in pages,
    )
