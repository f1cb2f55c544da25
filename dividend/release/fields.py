"""The release's field registry: one description per column name, one per table.

Every table of a release documents its columns in ``datapackage.json`` from here, so a column
means the same thing in every file that carries it.
"""

from __future__ import annotations

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
    "level": "indicator (its contribution is to its pillar) or pillar (its contribution is to "
    "the index).",
    "code": "Indicator or pillar code (framework files in indicators/).",
    "parent": "The pillar (for an indicator) or the index (for a pillar) the row contributes to.",
    "role": "benefit or cost (a cost above break-even lowers the dividend).",
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
    "indicators_long": "Every indicator value used: year, source, file and treatment.",
    "weights": "Nominal and effective weights of every node under the scenario.",
    "data_quality": "Every staging quality-rule decision (drop, flag, rescale) with its reason.",
    "coherence": "Statistical coherence: collinearity, negative correlations, Cronbach's alpha.",
    "contributions": "How each dividend was computed: per unit every scored indicator's value, "
    "break-even used, goalpost, score, weight share and contribution to its pillar, and every "
    "pillar's share of and contribution to the index.",
}


def field_docs(tables: dict) -> dict[str, dict[str, str]]:
    """Per table, the registry's description of each of its columns that has one."""
    return {
        name: {c: FIELD_DOCS[c] for c in t.columns if c in FIELD_DOCS} for name, t in tables.items()
    }
