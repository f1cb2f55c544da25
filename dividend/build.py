"""From a warehouse and a weight scenario to the index tables and a release (no Dagster).

Shared by ``dividend build``, the Dagster assets and the tests, so the UI and the CLI
produce the same release. Split in two steps so Dagster can store the indicator tables once
and re-score cheaply when only the weights change:

1. :func:`evaluate_all`: formulas -> units and long indicator table (weights not involved);
2. :func:`index_tables`: scenario -> country and city index, coherence, weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from dividend.config import (
    INDICATORS_DIR,
    PILLARS,
    FrameworkConfig,
    Scenario,
    load_frameworks,
    load_scenario,
)
from dividend.index import COHERENCE_COLUMNS, city_table, score_framework
from dividend.indicators import evaluate
from dividend.release import ReleaseTables, frame_bytes, input_hash, write_release
from dividend.timestamps import release_created

STUDY_COLUMNS = ["study_city", "country_iso3", "city_key"]


@dataclass(frozen=True)
class IndicatorTables:
    units: pd.DataFrame  # framework, geo, name, country_iso3, peer_group
    long: pd.DataFrame  # dividend.indicators.LONG_COLUMNS


@dataclass(frozen=True)
class IndexTables:
    country: pd.DataFrame
    city: pd.DataFrame
    coherence: pd.DataFrame
    weights: pd.DataFrame


def evaluate_all(
    con: duckdb.DuckDBPyConnection, frameworks: dict[str, FrameworkConfig]
) -> IndicatorTables:
    parts = [evaluate(con, fw) for fw in frameworks.values()]
    return IndicatorTables(
        pd.concat([u for u, _ in parts], ignore_index=True),
        pd.concat([lg for _, lg in parts], ignore_index=True),
    )


def study_cities(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The eight study cities: ``staged.study_cities`` when built, else resolved from the sources."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staged' AND table_name = 'study_cities'"
    ).fetchone()[0]
    if has:
        return con.execute(
            "SELECT study_city, country_iso3, city_key FROM staged.study_cities"
        ).df()
    from sources.geography.cities import (
        AUDIT_ID,
        NAE_ID,
        PERCEP_ID,
        STATCAN_ID,
        build_cities,
        build_study_cities,
    )

    raw = {
        i: con.execute(f'SELECT * FROM raw."{i}"').df()
        for i in (PERCEP_ID, AUDIT_ID, NAE_ID, STATCAN_ID)
    }
    return build_study_cities(build_cities(raw))[STUDY_COLUMNS]


def weights_table(frameworks: dict[str, FrameworkConfig], scenario: Scenario) -> pd.DataFrame:
    """Every node's nominal and effective weight per framework under the scenario."""
    rows = []
    for fw in frameworks.values():
        f = fw.framework(scenario)
        eff = f.effective_weights()
        level = {1: "indicator", 2: "pillar", 3: "dimension", 4: "index"}
        for lev, codes in enumerate(f.codes, start=1):
            for c in codes:
                rows.append(
                    (
                        scenario.name,
                        fw.name,
                        level[lev],
                        c,
                        f.parent[c] or "",
                        f.weight[c],
                        float(eff[c]),
                    )
                )
    return pd.DataFrame(
        rows,
        columns=["scenario", "framework", "level", "code", "parent", "weight", "effective_weight"],
    )


def index_tables(
    frameworks: dict[str, FrameworkConfig],
    scenario: Scenario,
    ind: IndicatorTables,
    study: pd.DataFrame,
    min_coverage: float = 0.0,
) -> IndexTables:
    """Score every framework under the scenario and assemble the country and city tables."""
    scored = {}
    for name, fw in frameworks.items():
        units = ind.units[ind.units["framework"] == name].drop(columns="framework")
        units.insert(0, "framework", name)
        long = ind.long[ind.long["framework"] == name]
        scored[name] = score_framework(fw, scenario, units, long, min_coverage)
    country_names = [n for n, fw in frameworks.items() if fw.level == "country"]
    city_names = [n for n, fw in frameworks.items() if fw.level == "city"]
    country = pd.concat([scored[n].table for n in country_names], ignore_index=True)
    city = city_table([scored[n].table for n in city_names], country, study)
    coh = pd.concat([scored[n].coherence for n in scored], ignore_index=True)[COHERENCE_COLUMNS]
    return IndexTables(country, city, coh, weights_table(frameworks, scenario))


def _catalogue_docs(frameworks: dict[str, FrameworkConfig]) -> tuple[list[dict], list[dict]]:
    """Sources and licences of the datasets the frameworks use, from the source catalogue."""
    from sources.catalogue import dataset

    ids = sorted({s for fw in frameworks.values() for i in fw.indicators for s in i.sources})
    sources, licences = [], []
    for i in ids:
        ds = dataset(i)
        sources.append({"title": f"{ds.publisher}: {ds.title} ({i})", "path": ds.landing_url})
        licences.append({"name": i, "title": f"{i}: {ds.licence}"})
    return sources, licences


FIELD_DOCS = {
    "dividend": "Signed migration dividend in [-100, 100]: weighted benefits minus weighted costs "
    "(docs/scoring.md). Negative = net migration loss.",
    "rank": "Rank within the peer group (1 = largest dividend); cities are never ranked across peer groups.",
    "ranked": "False where the unit's coverage is below the framework's rank_min_coverage: its "
    "dividend is shown but not ranked.",
    "coverage": "Share of the framework's scored indicators observed for this unit (0-1).",
    "relative_share": "Weight share of indicators scored against the peer median (sign = vs peers, not gain/loss).",
    "net_migration_loss": "True where the dividend is below zero.",
    "perception_gap": "Perception index minus actuality index (EU cities only).",
    "imputed": "True if any scored value was imputed (see indicators_long treatment).",
    "value": "Indicator value in its unit (see column unit).",
    "year": "Year of the value actually used.",
    "treatment": "observed | carried back from YEAR | rescaled/flagged (staging rule) | imputed: how.",
    "sources": "Catalogue dataset ids (sources/catalogue.yaml).",
    "source_file": "Publisher file(s) the value comes from.",
    "weight": "Nominal weight under the scenario (renormalised within the parent).",
    "effective_weight": "Product of renormalised weights down to the index.",
}


def methodology(frameworks: dict[str, FrameworkConfig], scenario: Scenario, rid_hash: str) -> str:
    lines = [
        "# Migration-dividend index: methodology",
        "",
        f"Scenario **{scenario.name}**: {scenario.description} (weights file sha256 `{scenario.sha256}`).",
        f"Inputs hash `{rid_hash}`.",
        "",
        "Gibril Faal's migration dividend is the surplus of financial, economic, social, political and "
        "other human-development benefits over the costs and inputs of migration. Each indicator is "
        "scored against a break-even value: score = clip((x - neutral) / goalpost, -1, 1) x 100; "
        "a pillar's dividend is its weighted benefit scores minus its weighted cost scores, the "
        "actuality dimension the weighted pillars, perception (public opinion) a dimension of its own, "
        "and the index their weighted mean. A negative index is a net migration loss. Indicators with "
        "neutral `peer_median` are scored against the peer group's median (flagged by relative_share).",
        "",
        "Cities are ranked within their peer group only (EU, US, Canada): **the city frameworks differ "
        "between peer groups** and their scores are not comparable across groups. Every city row carries "
        "its country's index. Study cities without an open city-level source show national values and "
        "'no city-level data'; no city score is ever made up. Missing values are never imputed at city "
        "level; coverage reports how much of each framework a unit has.",
        "",
        "Data gaps against Faal's definition: see indicators/DATA_GAPS.md in the repository.",
        "",
    ]
    for fw in frameworks.values():
        lines += [f"## {fw.title} (`{fw.name}`, peer group {fw.peer_group})", ""]
        lines += [
            "| code | pillar | role | unit | ref. year (lookback) | neutral | goalpost | sources | rationale |"
        ]
        lines += ["|---|---|---|---|---|---|---|---|---|"]
        for i in fw.indicators:
            neutral = (
                "peer median"
                if i.neutral is None and i.role != "context"
                else (i.neutral if i.neutral is not None else "")
            )
            lines.append(
                f"| {i.code} | {i.pillar} | {i.role} | {i.unit} | {i.reference_year} ({i.lookback}) | "
                f"{neutral} | {i.goalpost if i.goalpost is not None else ''} | {', '.join(i.sources)} | {i.rationale} |"
            )
        lines.append("")
    return "\n".join(lines)


def release_tables(
    frameworks: dict[str, FrameworkConfig],
    scenario: Scenario,
    ind: IndicatorTables,
    idx: IndexTables,
    data_quality: pd.DataFrame,
    extra_tables: dict[str, pd.DataFrame] | None = None,
) -> ReleaseTables:
    """Everything a release holds; the hash covers data, framework files and weights."""
    digest = input_hash(
        {
            "indicators_long": frame_bytes(ind.long),
            **{f"framework:{n}": fw.path.read_bytes() for n, fw in frameworks.items()},
            "weights": scenario.path.read_bytes()
            if scenario.path.exists()
            else repr(scenario).encode(),
            "weights_used": frame_bytes(idx.weights),
        }
    )
    tables = {
        "country_index": idx.country,
        "city_index": idx.city,
        "indicators_long": ind.long,
        "weights": idx.weights,
        "data_quality": data_quality,
        "coherence": idx.coherence,
        **(extra_tables or {}),
    }
    sources, licences = _catalogue_docs(frameworks)
    notes = [
        ("scenario", scenario.name),
        ("description", scenario.description),
        ("weights file sha256", scenario.sha256),
        ("inputs hash", digest),
        ("built", release_created().isoformat(timespec="seconds")),
        (
            "sign",
            "dividend > 0: net migration gain; < 0: net migration loss (costs outweigh benefits)",
        ),
        (
            "cities",
            "ranked within their peer group only; city frameworks differ between peer groups",
        ),
        (
            "study cities",
            "without open city-level data they show national values and 'no city-level data'",
        ),
        ("pillars", ", ".join(PILLARS)),
        *[(f"framework {n}", f"{fw.path.name} sha256 {fw.sha256}") for n, fw in frameworks.items()],
    ]
    docs = {
        name: {c: FIELD_DOCS[c] for c in t.columns if c in FIELD_DOCS} for name, t in tables.items()
    }
    return ReleaseTables(
        scenario=scenario.name,
        tables=tables,
        methodology=methodology(frameworks, scenario, digest),
        notes=notes,
        input_hash=digest,
        field_docs=docs,
        table_docs={
            "country_index": "Signed migration dividend per country, pillars, coverage and rank.",
            "city_index": "Per city within its peer group, with its country's index; study cities always present.",
            "indicators_long": "Every indicator value used: year, source, file and treatment.",
            "weights": "Nominal and effective weights of every node under the scenario.",
            "data_quality": "Every staging quality-rule decision (drop, flag, rescale) with its reason.",
            "coherence": "Statistical coherence: collinearity, negative correlations, Cronbach's alpha.",
        },
        sources=sources,
        licences=licences,
    )


def read_data_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM quality.data_quality").df()


def sensitivity_tables(con: duckdb.DuckDBPyConnection, scenario: str) -> dict[str, pd.DataFrame]:
    """Hook for issue 6: every table in schema ``sensitivity`` joins the release.

    Tables with a ``scenario`` column are filtered to this scenario; each becomes
    ``sensitivity_<table>.csv``. Absent schema: nothing (the release is still complete).
    """
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sensitivity' ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for t in names:
        df = con.execute(f'SELECT * FROM sensitivity."{t}"').df()
        if "scenario" in df.columns:
            df = df[df["scenario"] == scenario]
        out[f"sensitivity_{t}"] = df.reset_index(drop=True)
    return out


def build_release(
    warehouse: Path,
    weights: Path,
    exports: Path,
    indicators_dir: Path = INDICATORS_DIR,
    min_coverage: float = 0.0,
) -> Path:
    """The whole pipeline from a warehouse file to ``exports/<release-id>``."""
    frameworks = load_frameworks(indicators_dir)
    scenario = load_scenario(weights, frameworks)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ind = evaluate_all(con, frameworks)
        study = study_cities(con)
        dq = read_data_quality(con)
        extra = sensitivity_tables(con, scenario.name)
    finally:
        con.close()
    idx = index_tables(frameworks, scenario, ind, study, min_coverage)
    return write_release(release_tables(frameworks, scenario, ind, idx, dq, extra), exports)
