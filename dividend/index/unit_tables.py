"""The migration-dividend index per country and per city, from the long indicator table.

Each framework (country, EU / US / Canadian cities) is scored on its own: a city is ranked
within its peer group only, because the city frameworks measure different things. Every city
row then carries its country's index and pillars (multi-level), and the eight study cities
always get a row: with their city score where an open city-level source covers them, else
their national values and the words "no city-level data" (never a made-up city score).

Output columns are stable (:data:`UNIT_COLUMNS`): every pillar appears in every table, empty
where a framework has no indicator for it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dividend.engine.analysis import corr_flags
from dividend.engine.analysis.correlation import cronbach
from dividend.engine.scoring import score
from dividend.index.contributions import (
    CONTRIBUTION_COLUMNS,
    contributions,
    typed_contributions,
)
from dividend.index.definition import (
    DIMENSIONS,
    INDEX_CODE,
    PILLARS,
    FrameworkConfig,
    Scenario,
    dim_code,
)
from dividend.index.formulas import wide
from dividend.index.verdict import rank_sufficient, sufficiency

NO_CITY_DATA = "no city-level data"
PILLAR_COLUMNS = [f"{p}_{k}" for p in PILLARS for k in ("dividend", "benefit", "cost", "coverage")]
UNIT_COLUMNS = [
    "scenario",
    "framework",
    "peer_group",
    "geo",
    "name",
    "country_iso3",
    "reference_year",
    "headline_year",
    "dividend",
    "rank",
    "n_ranked",
    "ranked",
    "benefit",
    "cost",
    "coverage",
    "relative_share",
    "pillars_observed",
    "verdict_reason",
    "net_migration_loss",
    "actuality_index",
    "perception_index",
    "perception_gap",
    *PILLAR_COLUMNS,
    "n_indicators",
    "n_observed",
    "imputed",
    "imputed_indicators",
]
COUNTRY_CARRY = ["dividend", "rank", "coverage", "net_migration_loss"]
# The country's actuality pillars on every city row, labelled national context (issue 12,
# item 4): a city frame that cannot measure them at city level never borrows them as a score.
NATIONAL_PILLARS = tuple(p for p in PILLARS if p != "perception")
NATIONAL_COLUMNS = [f"national_{p}_dividend" for p in NATIONAL_PILLARS]
CITY_EXTRA = [
    "study_city",
    "city_data",
    "note",
    *[f"country_{c}" for c in COUNTRY_CARRY],
    *NATIONAL_COLUMNS,
    "national_reference_year",
]
COHERENCE_COLUMNS = [
    "scenario",
    "framework",
    "reference_year",
    "check",
    "group",
    "item_1",
    "item_2",
    "value",
    "flag",
]
# headline year: the latest reference year in which at least this share of the frame's units
# with any data are rankable (sufficient for a verdict)
HEADLINE_MIN_RANKABLE = 0.6
# where no year reaches it: the latest year whose rankable share is at least this fraction of
# the best year's (a year that wins by one or two units is not better covered, only older)
HEADLINE_NEAR_BEST = 0.9


@dataclass(frozen=True)
class FrameworkIndex:
    """One framework's scored table and coherence report."""

    table: pd.DataFrame
    coherence: pd.DataFrame
    contributions: pd.DataFrame


def score_panel(
    fw: FrameworkConfig,
    scenario: Scenario,
    units: pd.DataFrame,
    long: pd.DataFrame,
    min_coverage: float = 0.0,
    detail_years: Collection[int] | None = None,
) -> FrameworkIndex:
    """:func:`score_framework` per reference year, stacked, with the frame's headline year.

    ``detail_years``: the years whose coherence and contributions are wanted (default every
    year). A one-year partition run still scores every year (the headline year is a property
    of all of them) but writes one, so it skips the other years' detail tables."""
    tables, coh, contrib = [], [], []
    for year, u in units.groupby("reference_year", sort=True):
        detail = detail_years is None or year in detail_years
        res = score_framework(
            fw, scenario, u, long[long["reference_year"] == year], min_coverage, detail
        )
        tables.append(res.table)
        if detail:
            coh.append(res.coherence.assign(reference_year=year))
            contrib.append(res.contributions.assign(reference_year=year))
    table = pd.concat(tables, ignore_index=True)
    table["headline_year"] = headline_year(table)
    coh_all = pd.concat(coh, ignore_index=True) if coh else pd.DataFrame(columns=COHERENCE_COLUMNS)
    # typed as the warehouse stores them, whatever years had no row (CLI == Dagster bytes)
    coh_all = coh_all.astype({"value": "float64", "flag": "bool", "reference_year": "int64"})
    contrib_all = typed_contributions(contrib)
    contrib_all["reference_year"] = contrib_all["reference_year"].astype("int64")
    return FrameworkIndex(table[UNIT_COLUMNS], coh_all, contrib_all[CONTRIBUTION_COLUMNS])


def headline_year(table: pd.DataFrame) -> int:
    """Latest reference year where >= 60 % of the units with any data are rankable. Where no
    year reaches it (countries: most have only two pillars outside Europe), the latest year
    whose rankable share is >= 90 % of the largest: an argmax would move the headline years
    back for a one-unit difference (2016: 81 of 201 ranked, 2022: 79 of 201). The latest year
    for a frame without any data."""
    has_data = table["n_observed"] > 0
    if not has_data.any():
        return int(table["reference_year"].max())
    share = table["ranked"][has_data].groupby(table["reference_year"][has_data]).mean()
    ok = share[share >= HEADLINE_MIN_RANKABLE]
    if len(ok):
        return int(ok.index.max())
    return int(share[share >= HEADLINE_NEAR_BEST * share.max()].index.max())


def score_framework(
    fw: FrameworkConfig,
    scenario: Scenario,
    units: pd.DataFrame,
    long: pd.DataFrame,
    min_coverage: float = 0.0,
    detail: bool = True,
) -> FrameworkIndex:
    """Signed dividend, pillars, coverage, rank and coherence for one framework (coherence
    and contributions empty when not ``detail``)."""
    if not fw.scored:
        return unranked_frame(fw, scenario, units)
    spec = fw.scoring_spec(scenario)
    data = wide(units, long, fw.codes)
    res = score(data, spec, min_coverage=min_coverage)
    out = units.reset_index(drop=True).copy()
    out.insert(0, "scenario", scenario.name)
    g = pd.Index(out["geo"])

    def col(frame: pd.DataFrame, code: str) -> np.ndarray:
        if code in frame.columns:
            return frame[code].reindex(g).to_numpy(dtype=np.float64)
        return np.full(len(g), np.nan)

    out["dividend"] = col(res.dividend, INDEX_CODE)
    out["benefit"] = col(res.benefit, INDEX_CODE)
    out["cost"] = col(res.cost, INDEX_CODE)
    out["coverage"] = col(res.coverage, INDEX_CODE)
    for p in PILLARS:  # pillar columns first: the sufficiency rule counts observed pillars
        out[f"{p}_coverage"] = col(res.coverage, p)
    suff = sufficiency(out, fw)
    out["headline_year"] = pd.NA  # set per frame by score_panel
    out["pillars_observed"] = suff["pillars_observed"]
    out["verdict_reason"] = suff["verdict_reason"]
    out["ranked"] = suff["sufficient"]
    out["rank"] = rank_sufficient(out["dividend"], out["ranked"])
    out["n_ranked"] = int(out["ranked"].sum())
    out["relative_share"] = col(res.relative_share, INDEX_CODE)
    out["net_migration_loss"] = pd.array(out["dividend"] < 0, dtype="boolean")
    out.loc[out["dividend"].isna(), "net_migration_loss"] = pd.NA
    for d in DIMENSIONS:
        out[f"{d}_index"] = col(res.dividend, dim_code(d))
    out["perception_gap"] = out["perception_index"] - out["actuality_index"]
    for p in PILLARS:
        out[f"{p}_dividend"] = col(res.dividend, p)
        out[f"{p}_benefit"] = col(res.benefit, p)
        out[f"{p}_cost"] = col(res.cost, p)
        out[f"{p}_coverage"] = col(res.coverage, p)
    scored = [i.code for i in fw.indicators if i.role != "context"]
    out["n_indicators"] = len(scored)
    out["n_observed"] = data[scored].notna().sum(axis=1).reindex(g).to_numpy()
    imp = long[long["imputed"] & long["indicator"].isin(scored)]
    imp_list = imp.groupby("geo")["indicator"].agg(",".join)
    out["imputed_indicators"] = out["geo"].map(imp_list).astype(object).fillna("")
    out["imputed"] = out["imputed_indicators"] != ""
    if not detail:
        return FrameworkIndex(
            out[UNIT_COLUMNS], pd.DataFrame(columns=COHERENCE_COLUMNS), typed_contributions([])
        )
    return FrameworkIndex(
        out[UNIT_COLUMNS],
        coherence(fw, scenario, data, spec.framework, res),
        contributions(scenario.name, fw.name, spec, data, res),
    )


def unranked_frame(fw: FrameworkConfig, scenario: Scenario, units: pd.DataFrame) -> FrameworkIndex:
    """A context-only frame's rows: no dividend, no rank; the frame's reason says why."""
    out = units.reset_index(drop=True).copy()
    out.insert(0, "scenario", scenario.name)
    for c in UNIT_COLUMNS:
        if c not in out.columns:
            out[c] = np.nan
    out["ranked"] = False
    out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["n_ranked"] = 0
    out["pillars_observed"] = 0
    out["verdict_reason"] = fw.unranked_reason
    out["n_indicators"] = 0
    out["n_observed"] = 0
    out["net_migration_loss"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["imputed"] = False
    out["imputed_indicators"] = ""
    empty = pd.DataFrame(columns=COHERENCE_COLUMNS)
    return FrameworkIndex(out[UNIT_COLUMNS], empty, typed_contributions([]))


def coherence(
    fw: FrameworkConfig, scenario: Scenario, data: pd.DataFrame, framework, res
) -> pd.DataFrame:
    """Correlations, Cronbach's alpha and collinearity flags (OECD/JRC Handbook checks).

    Indicators are oriented by role (costs negated) so a negative within-pillar correlation
    means two indicators pull the pillar in opposite directions.
    """
    scored = [i.code for i in fw.indicators if i.role != "context"]
    sign = np.array(
        [-1.0 if i.role == "cost" else 1.0 for i in fw.indicators if i.role != "context"]
    )
    oriented = data[scored] * sign
    rows = []
    high = corr_flags(oriented, framework, cor_thresh=0.9, thresh_type="high")
    for r in high.itertuples(index=False):
        rows.append(("collinear_r_gt_0.9", r.Group, r.Ind1, r.Ind2, r.Corr, True))
    low = corr_flags(oriented, framework, cor_thresh=0.0, thresh_type="low")
    for r in low.itertuples(index=False):
        rows.append(("negative_within_pillar", r.Group, r.Ind1, r.Ind2, r.Corr, True))
    for p in fw.pillars:  # context indicators are not part of a pillar's scale
        codes = [i.code for i in fw.indicators if i.pillar == p and i.role != "context"]
        a = cronbach(oriented, codes) if len(codes) >= 2 else np.nan
        rows.append(("cronbach_alpha", p, "", "", float(a), bool(np.isfinite(a) and a < 0.6)))
    idx = res.dividend[INDEX_CODE]
    for c in scored:
        both = oriented[c].notna() & idx.notna()
        r = float(np.corrcoef(oriented[c][both], idx[both])[0, 1]) if both.sum() > 2 else np.nan
        rows.append(
            (
                "corr_with_index",
                framework.parent[c],
                c,
                INDEX_CODE,
                r,
                bool(np.isfinite(r) and r < 0),
            )
        )
    out = pd.DataFrame(rows, columns=COHERENCE_COLUMNS[3:])
    out.insert(0, "framework", fw.name)
    out.insert(0, "scenario", scenario.name)
    return out


def city_table(
    city_parts: list[pd.DataFrame], country: pd.DataFrame, study: pd.DataFrame
) -> pd.DataFrame:
    """All city frameworks stacked, the country's index attached, and the study-city rows.

    ``study`` has columns study_city, country_iso3, city_key (NaN where no city source).
    """
    cities = pd.concat(city_parts, ignore_index=True)
    head = country[country["reference_year"] == country["headline_year"]]
    by_geo = head.set_index("geo")
    carry = by_geo[COUNTRY_CARRY].add_prefix("country_")
    for p in NATIONAL_PILLARS:
        carry[f"national_{p}_dividend"] = by_geo[f"{p}_dividend"]
    carry["national_reference_year"] = (
        by_geo["reference_year"] if "reference_year" in by_geo.columns else pd.NA
    )
    sc = study.dropna(subset=["city_key"]).set_index("city_key")["study_city"]
    cities["study_city"] = cities["geo"].map(sc)
    cities["city_data"] = "yes"
    cities["note"] = (
        "ranked within peer group "
        + cities["peer_group"]
        + "; city frameworks differ between peer groups"
    ).where(cities["n_indicators"] > 0, "unranked: " + cities["verdict_reason"].astype(str))
    covered = set(cities["geo"])
    nodata = study[~study["city_key"].isin(covered)].copy()
    scenario = country["scenario"].iloc[0] if len(country) else ""
    nat_year = int(head["reference_year"].iloc[0]) if len(head) else pd.NA
    extra = pd.DataFrame(
        {
            "scenario": scenario,
            "framework": "none",
            "peer_group": "none",
            "geo": "study:" + nodata["study_city"].astype(str),
            "name": nodata["study_city"].astype(str),
            "country_iso3": nodata["country_iso3"].astype(str),
            "study_city": nodata["study_city"].astype(str),
            "city_data": NO_CITY_DATA,
            # a study city keyed by a context-only source (Buenos Aires: AR-CABA) says so
            "note": np.where(
                nodata["city_key"].notna(),
                "city-level context data only ("
                + nodata["city_key"].astype(str)
                + "), no scored city framework: national values only",
                NO_CITY_DATA + " in the open sources: national values only",
            ),
            "reference_year": nat_year,
            "headline_year": nat_year,
            "n_indicators": 0,
            "n_observed": 0,
            "pillars_observed": 0,
            "ranked": False,
            "imputed": False,
            "imputed_indicators": "",
        }
    )
    extra["verdict_reason"] = extra["note"]
    out = pd.concat([cities, extra], ignore_index=True)
    out = out.join(carry, on="country_iso3")
    out["n_ranked"] = out["n_ranked"].fillna(0).astype("int64")
    out["rank"] = out["rank"].astype("Int64")
    out["country_rank"] = out["country_rank"].astype("Int64")
    out["net_migration_loss"] = out["net_migration_loss"].astype("boolean")
    out["country_net_migration_loss"] = out["country_net_migration_loss"].astype("boolean")
    out["imputed"] = out["imputed"].astype(bool)
    return out[[*UNIT_COLUMNS, *CITY_EXTRA]]
