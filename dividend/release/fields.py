"""The release's field registry: one description per column name, one per table.

Every table of a release documents its columns in ``datapackage.json`` from here, so a column
means the same thing in every file that carries it.
"""

from __future__ import annotations

import re

import pandas as pd

from dividend.index.unit_tables import HEADLINE_MIN_RANKABLE, HEADLINE_NEAR_BEST

FIELD_DOCS = {
    "dividend": "Signed migration dividend in [-100, 100]: weighted benefits minus weighted costs "
    "(docs/scoring.md). Negative = net migration loss.",
    "rank": "Rank within the peer group (1 = largest dividend); cities are never ranked across peer groups.",
    "ranked": "False where the verdict is insufficient data (see verdict_reason): no rank, and in "
    "the headline tables no dividend and no p_net_loss.",
    "verdict": "net gain (P(net loss) <= 0.10) | too close to call | net loss (P(net loss) >= 0.90) "
    "| insufficient data (fewer than min(3, the frame's pillars) pillars observed, coverage < 0.5, "
    "no dividend, context-only frame, or no uncertainty result).",
    "verdict_reason": "Why a unit is insufficient data; empty otherwise.",
    "p_net_loss": "Share of the sensitivity runs with a dividend below zero (Monte Carlo).",
    "reference_year": "Reference year of the row: each indicator's latest value in "
    "[reference_year - lookback, reference_year] (the year used is in indicators_long).",
    "headline_year": "The frame's headline year: the latest with >= "
    f"{HEADLINE_MIN_RANKABLE:.0%} of units with data rankable (else the latest with >= "
    f"{HEADLINE_NEAR_BEST:.0%} of the best year's rankable share); country_index / "
    "city_index show this year only.",
    "spearman_rho": "Spearman rank correlation with the reference (external_validation).",
    "p_value": "Two-sided p of the Spearman correlation.",
    "circular": "True where the reference is also an input of the target (agreement partly by "
    "construction).",
    "change_5y": "Dividend minus the same unit's dividend five reference years earlier.",
    "p_improved": "Share of the Monte Carlo runs (same design rows in both years) in which the "
    "dividend rose over the five years.",
    "country_verdict": "The country's verdict in its headline year (city rows).",
    "national_reference_year": "Reference year of the national pillar dividends on a city row.",
    "pillars_observed": "Pillars the verdict rule counts that have at least one observed value.",
    "coverage": "Share of the framework's scored indicators observed for this unit (0-1).",
    "relative_share": "Weight share of indicators scored against the peer median (sign = vs peers, "
    "not gain/loss); 0 for every v2 indicator.",
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
    "neutral": "Break-even value actually used for this unit: the declared neutral, or the peer "
    "median where neutral_rule is 'peer median'.",
    "neutral_rule": "fixed (declared break-even) or peer median (relative: sign = vs peers).",
    "goalpost": "Distance from the break-even that scores ±100 (indicator unit).",
    "score": "Indicator: clip((value - neutral) / goalpost, -1, 1) * 100; pillar: the pillar "
    "dividend.",
    "weight_share": "Indicator: its weight over the weights of its pillar's observed indicators; "
    "pillar: its effective share of the index over the pillars with a value.",
    "contribution": "What the row adds to its parent's dividend (costs negative); per unit the "
    "rows of a parent sum to the parent's dividend.",
}

TABLE_DOCS = {
    "country_index": "Signed migration dividend per country, pillars, coverage and rank.",
    "city_index": "Per city within its peer group, with its country's index; study cities always present.",
    "country_index_panel": "country_index for every reference year (unit x reference_year), "
    "with verdict and p_net_loss.",
    "city_index_panel": "city_index for every reference year of each city frame.",
    "external_validation": "Spearman rho, n and p of the index and each pillar against "
    "independent references (circular = the reference is also an input).",
    "indicators_long": "Every indicator value used: year, source, file and treatment.",
    "weights": "Nominal and effective weights of every node under the scenario.",
    "data_quality": "Every staging quality-rule decision (drop, flag, rescale) with its reason.",
    "coherence": "Statistical coherence: collinearity, negative correlations, Cronbach's alpha.",
    "contributions": "How each dividend was computed: per unit every scored indicator's value, "
    "break-even used, goalpost, score, weight share and contribution to its pillar, and every "
    "pillar's share of and contribution to the index.",
    "sensitivity_runs": "One row per Monte Carlo run: the value drawn for every uncertain input "
    "and the run's mean absolute rank change.",
    "sensitivity_units": "Per unit and reference year: nominal score and rank, their 5-95 % "
    "intervals over the runs, and P(net loss) (share of runs with a dividend below zero).",
    "sensitivity_unit_indices": "Per unit: first- and total-order Sobol index of each uncertain "
    "input on the unit's score, with bootstrap bounds.",
    "sensitivity_inputs": "Per frame and year: first- and total-order Sobol index of each "
    "uncertain input on the mean absolute rank change.",
    "sensitivity_changes": "Per unit: the 5-year change of the dividend, its 5-95 % interval "
    "over the runs and P(improved).",
    "sensitivity_leave_one_out": "Mean and largest absolute rank shift when each indicator's "
    "weight is set to zero.",
}


# --- the rest of the registry: every other published column, its unit and constraints --------
# Descriptions above (FIELD_DOCS) and here (MORE_DOCS) are the only place a column is described;
# datapackage.json, the Dagster column schemas and the pandera checks all read them from here.

MORE_DOCS = {
    # warehouse-only columns (geography, cross-checks, run records): Dagster column schemas
    "city_key": "City key: Eurostat city code, NAE Census place, StatCan CMA code or AR-CABA.",
    "eurostat_code": "Eurostat Urban Audit city code (e.g. NL037C).",
    "eurostat_name": "City name as Eurostat spells it.",
    "qol_code": "City code in the EU Quality of Life survey 2023 workbook.",
    "qol_name": "City name as the QoL 2023 workbook spells it.",
    "nae_place": "Census place name in the NAE Cities Index (e.g. 'Chicago city, IL').",
    "statcan_cma": "Statistics Canada census metropolitan area code (SGC 2016).",
    "method": "How a QoL city was matched to its Eurostat code: name match or override.",
    "iso2": "ISO 3166-1 alpha-2 code.",
    "iso3": "ISO 3166-1 alpha-3 code.",
    "m49": "UN M49 numeric code.",
    "is_iso3166": "True if the unit is an ISO 3166-1 country or territory.",
    "is_oecd_fb_reporter": "True if the OECD publishes its foreign-born population share.",
    "is_wb_economy": "True if the World Bank lists the unit as an economy (not an aggregate).",
    "wb_income_group": "World Bank income group.",
    "wb_region": "World Bank region.",
    "topo_id": "ISO numeric id of the polygon in Natural Earth's 1:110m TopoJSON (-99: none).",
    "geometry_index": "Position of the geometry in the TopoJSON 'countries' object.",
    "other_dataset": "Cross-check: the other publisher dataset measuring the same thing.",
    "other_value": "Cross-check: the other dataset's value for the same unit and year.",
    "difference": "Cross-check: value minus other_value, in the check's unit.",
    "run_id": "Dagster run that wrote the rows.",
    "scenario_sha256": "sha256 of the weight scenario file the index run used.",
    "weight_overrides": "Launchpad weight overrides of the run, as JSON ({} if none).",
    "settings": "Sensitivity settings and the weights sha256 they ran under, as JSON.",
    "scenario": "Weight scenario (indicators/weights/<scenario>.yaml) the row was computed under.",
    "framework": "Framework (indicators/<framework>.yaml): country, city_eu, city_us or city_ca.",
    "peer_group": "Peer group a unit is ranked in (countries: world; cities: eu, us, ca).",
    "geo": "Unit key: ISO 3166-1 alpha-3 for countries, the city key for cities.",
    "uCode": "Unit key (as geo): ISO3 for countries, the city key for cities.",
    "name": "Unit or indicator name.",
    "country_iso3": "ISO 3166-1 alpha-3 code of the unit's country.",
    "n_ranked": "Units ranked in the peer group.",
    "benefit": "Weighted mean score of the benefit indicators (0-100).",
    "cost": "Weighted mean score of the cost indicators (0-100).",
    "actuality_index": "Dividend of the actuality dimension (Faal's pillars without perception).",
    "perception_index": "Dividend of the perception dimension (public opinion).",
    "n_indicators": "Scored indicators of the unit's framework.",
    "n_observed": "Scored indicators observed for the unit.",
    "imputed_indicators": "Codes of the indicators whose value was imputed, comma-separated.",
    "study_city": "Study city name where the row is one of the eight study cities, else empty.",
    "city_data": "Whether the row carries city-level data or national values only.",
    "note": "Plain-words note on the row.",
    "indicator": "Indicator code (indicators/<framework>.yaml) or publisher indicator code.",
    "pillar": "Pillar of the indicator (Faal's pillars, or perception).",
    "role": "benefit | cost | context: how the indicator enters the dividend.",
    "unit": "Unit of the indicator's value.",
    "qc": "Staging quality-rule decisions behind the value (rule names), if any.",
    "level": "Tree level of the node: indicator, pillar, dimension or index.",
    "code": "Node code: indicator code, pillar, <dimension>_dim or index.",
    "parent": "Code of the node's parent (empty for the index).",
    "dataset": "Catalogue dataset id (sources/catalogue.yaml).",
    "rule": "Named staging quality rule (sources/datasets/<dataset>.py).",
    "action": "What the rule did: drop, flag or rescale.",
    "reason": "Why the rule fired, in words.",
    "value_raw": "Publisher value before the rule.",
    "source_row": "Row of the publisher file (1-based, header included).",
    "check": "Coherence check: collinearity, negative correlation or Cronbach's alpha.",
    "group": "Node (pillar or dimension) whose children the check compares.",
    "item_1": "First item compared.",
    "item_2": "Second item compared (empty for Cronbach's alpha).",
    "flag": "True where the check is outside its threshold.",
    "nominal_score": "Dividend under the nominal configuration (the published one).",
    "nominal_rank": "Rank under the nominal configuration (the published one).",
    "mean_rank": "Mean rank over the Monte Carlo runs.",
    "median_rank": "Median rank over the Monte Carlo runs.",
    "rank_q05": "5th percentile of the rank over the Monte Carlo runs.",
    "rank_q95": "95th percentile of the rank over the Monte Carlo runs.",
    "score_q05": "5th percentile of the dividend over the Monte Carlo runs.",
    "score_median": "Median dividend over the Monte Carlo runs.",
    "score_q95": "95th percentile of the dividend over the Monte Carlo runs.",
    "n_runs": "Monte Carlo runs that produced a value.",
    "input": "Uncertain input of the sensitivity analysis.",
    "kind": "Kind of the uncertain input (weights_noise, weights_scenarios, neutral, goalpost, ...).",
    "Si": "First-order Sobol index of the input (share of the variance it explains alone).",
    "Si_lo": "Lower bound of the bootstrap 95 % interval of Si.",
    "Si_hi": "Upper bound of the bootstrap 95 % interval of Si.",
    "STi": "Total-order Sobol index of the input (alone and in interactions).",
    "STi_lo": "Lower bound of the bootstrap 95 % interval of STi.",
    "STi_hi": "Upper bound of the bootstrap 95 % interval of STi.",
    "n_used": "Model runs the index was estimated from.",
    "dropped": "Indicator left out of this run.",
    "mean_abs_rank_shift": "Mean absolute rank change when the indicator is left out.",
    "max_abs_rank_shift": "Largest absolute rank change when the indicator is left out.",
    "status": "ok or failed: a failed run is a row with its error, never a silent NaN.",
    "error": "Error message of a failed run; empty otherwise.",
    "run": "Run number of the sensitivity design.",
    "block": "Design block the run belongs to (A, B or AB_<input>).",
    "mean_abs_rank_change": "Mean absolute rank change of this run against the nominal ranks.",
    "base_year": "Reference year the change is measured from.",
    "nominal_change": "Dividend change under the nominal configuration.",
    "change_q05": "5th percentile of the change over the Monte Carlo runs.",
    "change_median": "Median change over the Monte Carlo runs.",
    "change_q95": "95th percentile of the change over the Monte Carlo runs.",
    "geo_label": "The publisher's name for the unit.",
    "geo_level": "country, city or aggregate: what the publisher's unit is.",
    "vintage": "The publisher's release (date or edition) the value comes from.",
    "qc_action": "What the staging quality rules did to the row: none, flag, rescale or drop.",
    "qc_rule": "Named staging quality rule that acted on the row, if any.",
    "reference": "Independent reference series (external validation).",
    "reference_indicator": "Indicator of the reference series.",
    "target": "Index or pillar compared with the reference.",
    "n": "Units in the comparison.",
    "country_rank": "The country's rank (city rows).",
    "country_coverage": "The country's coverage (city rows).",
    "country_net_migration_loss": "True where the country's dividend is below zero (city rows).",
}

SCORE = "score (-100..100)"
SHARE = "share (0-1)"
COUNT = "count"
RANK = "rank (1 = largest dividend)"
FIELD_UNITS = {
    "dividend": SCORE,
    "benefit": "score (0..100)",
    "cost": "score (0..100)",
    "actuality_index": SCORE,
    "perception_index": SCORE,
    "perception_gap": "score difference (-200..200)",
    "coverage": SHARE,
    "relative_share": SHARE,
    "rank": RANK,
    "n_ranked": COUNT,
    "n_indicators": COUNT,
    "n_observed": COUNT,
    "pillars_observed": COUNT,
    "p_net_loss": "probability (0-1)",
    "p_improved": "probability (0-1)",
    "change_5y": "score difference",
    "reference_year": "year",
    "headline_year": "year",
    "national_reference_year": "year",
    "base_year": "year",
    "year": "year",
    "value": "the indicator's unit (column unit)",
    "value_raw": "the publisher's unit",
    "source_row": "file row number",
    "weight": "relative weight",
    "effective_weight": SHARE,
    "nominal_score": SCORE,
    "nominal_rank": RANK,
    "mean_rank": RANK,
    "median_rank": RANK,
    "rank_q05": RANK,
    "rank_q95": RANK,
    "score_q05": SCORE,
    "score_median": SCORE,
    "score_q95": SCORE,
    "n_runs": COUNT,
    "n_used": COUNT,
    "n": COUNT,
    "run": "run number",
    "Si": "Sobol index (0-1)",
    "Si_lo": "Sobol index (0-1)",
    "Si_hi": "Sobol index (0-1)",
    "STi": "Sobol index (0-1)",
    "STi_lo": "Sobol index (0-1)",
    "STi_hi": "Sobol index (0-1)",
    "mean_abs_rank_shift": "ranks",
    "max_abs_rank_shift": "ranks",
    "mean_abs_rank_change": "ranks",
    "nominal_change": "score difference",
    "change_q05": "score difference",
    "change_median": "score difference",
    "change_q95": "score difference",
    "spearman_rho": "correlation (-1..1)",
    "p_value": "probability (0-1)",
    "country_rank": RANK,
    "country_coverage": SHARE,
    "neutral": "the indicator's unit (column unit of indicators_long)",
    "goalpost": "the indicator's unit (column unit of indicators_long)",
    "score": SCORE,
    "weight_share": SHARE,
    "contribution": "score points (-100..100)",
}

# Table Schema constraints the published values satisfy (checked by frictionless validate).
FIELD_CONSTRAINTS = {
    "dividend": {"minimum": -100, "maximum": 100},
    "actuality_index": {"minimum": -100, "maximum": 100},
    "perception_index": {"minimum": -100, "maximum": 100},
    "coverage": {"minimum": 0, "maximum": 1},
    "p_net_loss": {"minimum": 0, "maximum": 1},
    "p_improved": {"minimum": 0, "maximum": 1},
    "rank": {"minimum": 1},
    "verdict": {"enum": ["net gain", "too close to call", "net loss", "insufficient data"]},
}

# Columns named after pillars, inputs or carried values: described by pattern, once.
_PATTERNS: tuple[tuple[str, str, str | None], ...] = (
    (r"(?P<x>[a-z_]+)_dividend", "Dividend of pillar {x}: its benefit minus its cost.", SCORE),
    (r"(?P<x>[a-z_]+)_benefit", "Weighted mean benefit score of pillar {x}.", "score (0..100)"),
    (r"(?P<x>[a-z_]+)_cost", "Weighted mean cost score of pillar {x}.", "score (0..100)"),
    (r"(?P<x>[a-z_]+)_coverage", "Share of pillar {x}'s scored indicators observed.", SHARE),
    (r"(?P<x>[A-Za-z_]+)\.code", "Numeric code of the level input {x} took in this run.", "code"),
)


def describe(column: str) -> str | None:
    """The registry's description of ``column`` (exact name first, then the patterns)."""
    if column in FIELD_DOCS:
        return FIELD_DOCS[column]
    if column in MORE_DOCS:
        return MORE_DOCS[column]
    for carry in ("country_", "national_"):
        if column.startswith(carry) and describe(column[len(carry) :]):
            return f"The country's value on a city row: {describe(column[len(carry) :])}"
    for pattern, text, _ in _PATTERNS:
        m = re.fullmatch(pattern, column)
        if m:
            return text.format(**m.groupdict())
    return None


def unit_of(column: str) -> str | None:
    """The unit of a numeric column (exact name, carried value or pattern)."""
    if column in FIELD_UNITS:
        return FIELD_UNITS[column]
    for carry in ("country_", "national_"):
        if column.startswith(carry) and unit_of(column[len(carry) :]):
            return unit_of(column[len(carry) :])
    for pattern, _, unit in _PATTERNS:
        if re.fullmatch(pattern, column):
            return unit
    return None


def input_doc(table: str, column: str) -> str | None:
    """Sensitivity runs carry one text column per uncertain input: the level it took."""
    if table == "sensitivity_runs" and re.fullmatch(r"[A-Za-z_]+", column):
        return f"Level the uncertain input {column} took in this run."
    return None


def _per_column(tables: dict, lookup, numeric_only: bool, what: str) -> dict[str, dict[str, str]]:
    """Per table, ``lookup(table, column)`` for each (numeric) column; a gap raises, so no
    release ships a column the registry does not define."""
    out: dict[str, dict[str, str]] = {}
    for name, t in tables.items():
        found = {}
        for c in t.columns:
            s = t[c]
            if numeric_only and not (
                pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            ):
                continue
            value = lookup(name, str(c))
            if value is None:
                raise ValueError(
                    f"column {c!r} of release table {name!r} has no {what} in the field "
                    "registry (dividend/release/fields.py)"
                )
            found[str(c)] = value
        out[name] = found
    return out


def field_docs(tables: dict) -> dict[str, dict[str, str]]:
    """Per table, the description of every column."""
    return _per_column(tables, lambda t, c: describe(c) or input_doc(t, c), False, "description")


def field_units(tables: dict) -> dict[str, dict[str, str]]:
    """Per table, the unit of every numeric column."""
    return _per_column(tables, lambda t, c: unit_of(c), True, "unit")
