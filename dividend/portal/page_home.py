"""The home page: the ranking with its scenario switcher, pillars, perception and study cities."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from dividend.portal.charts import diverging_svg, ranking_svg, scatter_svg
from dividend.portal.layout import Col, figure, link_col, page, table
from dividend.portal.page_parts import (
    column_of,
    page_footer,
    pillar_long,
    ranking_frame,
    ranking_table,
    unit_href,
)
from dividend.portal.release_data import Release, with_sensitivity
from dividend.portal.text import DASH, cat, esc, esc_col, num_col, slug_col


def _scenario_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _skipped_note(skipped: Mapping[str, str]) -> str:
    """Scenario files the switcher leaves out, each with why (a broken file blocks nothing)."""
    if not skipped:
        return ""
    items = "".join(
        f"<li><strong>{esc(name)}</strong>: {esc(why)}</li>"
        for name, why in sorted(skipped.items())
    )
    return f'<div class="note" role="note"><p>Scenario files skipped (not valid):</p><ul>{items}</ul></div>'


def home(
    rel: Release,
    scenarios: dict[str, pd.DataFrame],
    descriptions: dict[str, str],
    skipped: Mapping[str, str] | None = None,
) -> str:
    country = with_sensitivity(rel.country, rel.sensitivity)
    has_sens = country["score_lo"].notna().any()
    n_ranked = int(country["rank"].notna().sum())
    loss = country["net_migration_loss"].astype("boolean").fillna(False).astype(bool)
    n_loss = int((loss & country["rank"].notna()).sum())
    p = country["p_loss"]
    robust = int(((p >= 0.9) & loss).sum()) if has_sens else None

    kpis = (
        '<div class="kpis">'
        f'<div class="kpi"><span class="label">Countries ranked</span><span class="value">{n_ranked}</span></div>'
        f'<div class="kpi"><span class="label">Net migration loss</span><span class="value">{n_loss}</span></div>'
        + (
            f'<div class="kpi"><span class="label">Loss in ≥ 90 % of sensitivity runs</span><span class="value">{robust}</span></div>'
            if robust is not None
            else ""
        )
        + f'<div class="kpi"><span class="label">Weight scenario of this release</span><span class="value">{esc(_scenario_label(rel.scenario))}</span></div>'
        "</div>"
    )
    sections = []
    for name, tbl in scenarios.items():
        own = name == rel.scenario
        units = country if own else with_sensitivity(tbl, None)
        rf = ranking_frame(units)
        sid = "scn-" + str(slug_col(pd.Series([name])).iloc[0])
        svg = ranking_svg(
            rf,
            title=f"Countries ranked by migration dividend, scenario {_scenario_label(name)}",
            chart_id=f"rank-{sid}",
        )
        note = (
            "Bars show the 5–95 % interval of the dividend across the sensitivity runs; "
            "P is the share of runs in which the country shows a net loss."
            if own and has_sens
            else "Recomputed from this release's indicator values with this scenario's weights; "
            "the sensitivity analysis was run for the release scenario only."
            if not own
            else "No sensitivity analysis in this release: no uncertainty intervals."
        )
        sections.append(
            f'<section class="scenario" id="{sid}" data-label="{esc(_scenario_label(name))}"'
            f"{' data-default' if own else ''}>"
            f"<h3>Scenario: {esc(_scenario_label(name))}{' (this release)' if own else ''}</h3>"
            f'<p>{esc(descriptions.get(name, ""))}</p><p class="note">{esc(note)}</p>'
            + figure(svg, ranking_table(rf, "Country"), "Show the ranking as a table")
            + "</section>"
        )
    body = (
        "<h1>The migration dividend, country by country</h1>"
        '<p class="lede">Gibril Faal\'s <em>migration dividend</em> is the surplus of the '
        "financial, economic, social, political and other human-development benefits of "
        "migration over its costs and inputs. Above zero, benefits outweigh costs; below "
        "zero, a country shows a <strong>net migration loss</strong>. Each score runs from "
        "−100 to +100 against a declared break-even point, not against the other countries.</p>"
        + kpis
        + '<h2 id="ranking">Ranking</h2>'
        "<p>Choose a weight scenario to see how the ranking changes with the weights. "
        "Select a country's name to open its profile: pillar scores, every indicator with "
        "its year, source and treatment.</p>"
        + f'<div data-switcher="scenario">{"".join(sections)}</div>'
        + _skipped_note(skipped or {})
        + _pillar_section(rel)
        + _perception_section(rel)
        + _study_section(rel)
    )
    return page("Ranking", body, depth=0, current="index.html", footer=page_footer(rel, 0))


def _pillar_section(rel: Release) -> str:
    pl = pillar_long(rel.country[rel.country["rank"].notna()])
    agg = (
        pl.groupby(["order", "pillar"], as_index=False)
        .agg(
            benefit=("benefit", "mean"),
            cost=("cost", "mean"),
            net=("net", "mean"),
            n=("net", "size"),
            n_loss=("net", lambda s: int((s < 0).sum())),
        )
        .sort_values("order")
    )
    weakest = agg.loc[agg["net"].idxmin(), "pillar"] if len(agg) else DASH
    svg = diverging_svg(
        agg,
        title="Benefits against costs per pillar, average over ranked countries",
        desc=f"For each pillar, the average benefit contribution (blue, right) and cost "
        f"contribution (orange, pulling left) across ranked countries, and the net. "
        f"The lowest net pillar on average is {weakest}.",
        chart_id="pillars-home",
    )
    disp = pd.DataFrame(
        {
            "pillar": agg["pillar"],
            "benefit": num_col(agg["benefit"], 1, True),
            "cost": num_col(agg["cost"], 1, True),
            "net": num_col(agg["net"], 1, True),
            "n": agg["n"].astype(str),
            "n_loss": agg["n_loss"].astype(str),
        }
    )
    tbl = table(
        disp,
        [
            Col("pillar", "Pillar"),
            Col("benefit", "Benefit contribution", "num"),
            Col("cost", "Cost contribution", "num"),
            Col("net", "Net", "num"),
            Col("n", "Countries with data", "num"),
            Col("n_loss", "Countries with a pillar loss", "num"),
        ],
        caption="Average pillar contributions across ranked countries",
        sortable=False,
    )
    return (
        '<h2 id="pillars">Benefits against costs, pillar by pillar</h2>'
        "<p>Each pillar's dividend is its weighted benefit contribution minus its weighted "
        "cost contribution. A pillar loss means costs and inputs outweigh benefits in that "
        "pillar. Averages over ranked countries; each profile shows its own breakdown.</p>"
        + figure(svg, tbl)
    )


def _perception_section(rel: Release) -> str:
    city = rel.city
    x = pd.to_numeric(column_of(city, "actuality_index", "actuality_dividend"), errors="coerce")
    y = pd.to_numeric(column_of(city, "perception_index", "perception_dividend"), errors="coerce")
    ok = x.notna() & y.notna()
    if not ok.any():
        return (
            '<h2 id="perception">Perception against actuality</h2>'
            "<p>No unit in this release has both a perception and an actuality score.</p>"
        )
    c = city[ok]
    pts = pd.DataFrame(
        {
            "name": c["name"],
            "x": x[ok],
            "y": y[ok],
            "href": unit_href(c),
            "highlight": c["study_city"].notna(),
        }
    )
    above = int((pts["y"] > pts["x"]).sum())
    groups = ", ".join(sorted(c["peer_group"].astype(str).unique()))
    svg = scatter_svg(
        pts,
        title="Perception against actuality, cities",
        desc=f"{len(pts)} cities (peer group {groups}) with both scores. {above} sit above "
        "the dashed line, where public opinion of migration is more favourable than the "
        "measured benefits and costs; the rest sit below it.",
        chart_id="perception",
        x_label="Actuality: dividend of the measured pillars",
        y_label="Perception: dividend of public opinion",
    )
    pts = pts.assign(gap=pts["y"] - pts["x"], country=c["country_iso3"]).sort_values("gap")
    disp = pd.DataFrame(
        {
            "city": link_col(pts["href"], pts["name"]),
            "country": pts["country"],
            "x": num_col(pts["x"], 1, True),
            "xv": pts["x"],
            "y": num_col(pts["y"], 1, True),
            "yv": pts["y"],
            "gap": num_col(pts["gap"], 1, True),
            "gv": pts["gap"],
        }
    )
    tbl = table(
        disp,
        [
            Col("city", "City", "html"),
            Col("country", "Country"),
            Col("x", "Actuality", "num", "xv"),
            Col("y", "Perception", "num", "yv"),
            Col("gap", "Perception gap", "num", "gv"),
        ],
        caption="Perception and actuality per city (gap = perception − actuality)",
    )
    return (
        '<h2 id="perception">Perception against actuality</h2>'
        "<p>Where surveys ask residents whether their city is a good place for immigrants "
        "(the EU's Quality of Life survey and Eurostat's perception survey), the index keeps "
        "that opinion in a pillar of its own. Comparing it with the measured pillars shows "
        "where opinion runs ahead of, or behind, the facts. Only European cities have "
        "comparable opinion data.</p>" + figure(svg, tbl)
    )


def _study_section(rel: Release) -> str:
    s = rel.city[rel.city["study_city"].notna()].sort_values("study_city")
    if s.empty:
        return ""
    status = s["city_data"].astype(str).where(s["city_data"].astype(str) != "yes", "city data")
    items = cat(
        [
            "<li>",
            link_col(unit_href(s), s["study_city"]),
            " (",
            esc_col(s["country_iso3"]),
            "): ",
            esc_col(status),
            pd.Series(np.where(s["dividend"].notna(), ", dividend ", ""), index=s.index),
            num_col(s["dividend"], 1, True).where(s["dividend"].notna(), ""),
            "</li>",
        ],
        s.index,
    )
    return (
        '<h2 id="study-cities">Study cities</h2>'
        "<p>Eight cities the project follows. Where no open city-level source exists, the "
        "profile says so and shows the national values: no city score is made up.</p>"
        f'<ul class="columns">{"".join(items)}</ul>'
    )
