"""The release's field registry: one description per column name, one per table.

Every table of a release documents its columns in ``datapackage.json`` from here, so a column
means the same thing in every file that carries it.
"""

from __future__ import annotations

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
    "headline_year": "The frame's headline year: the latest with >= 60 % of units with data "
    "rankable (else the most rankable); country_index / city_index show this year only.",
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
}


def field_docs(tables: dict) -> dict[str, dict[str, str]]:
    """Per table, the registry's description of each of its columns that has one."""
    return {
        name: {c: FIELD_DOCS[c] for c in t.columns if c in FIELD_DOCS} for name, t in tables.items()
    }
