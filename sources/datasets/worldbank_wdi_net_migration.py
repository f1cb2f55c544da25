"""World Bank WDI net migration (SM.POP.NETM, vintage 2024-06-28), from UN WPP 2022.

Hazard: WPP 2022 estimates end in 2021; 2022-23 are projections (medium variant) whose
values are assumptions: round thousands (-1000, 9999, 19999) and the 2022 value repeated in
2023. We DROP them (value missing, raw value kept in value_raw and data_quality): mixed with
estimates they would pass for observed migration in any "latest year" pick, and the index
uses reference year <= 2021 anyway. The start of the projection horizon is detected from
the data (share of round-thousand values per year), not hard-coded. Separately, estimates
that repeat the previous year's non-zero value (75 countries repeat 2020 in 2021, WPP's
COVID-period assumption) are FLAGGED: kept, but marked as not independent observations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_iso3, range_model
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import worldbank_api_csv

DATASET_ID = "worldbank_wdi_net_migration"
INDICATOR = "SM.POP.NETM"
UNITS = {INDICATOR: "persons (net migrants during the year)"}
ROUND_TOLERANCE = 1.0  # WPP assumption values are k*1000 or k*1000 - 1 (9999, 19999)
# Share of a year's non-zero country values that are round thousands. Estimate years stay
# below 2% (1960-2021); a projection year is far above. 10% leaves a 5x margin both ways.
PROJECTION_ROUND_SHARE = 0.10


def read(ds: Dataset) -> pd.DataFrame:
    return worldbank_api_csv.read(ds, units=UNITS)


def _country_wide(staged: pd.DataFrame) -> pd.DataFrame:
    c = staged[staged["geo_level"].eq("country") & staged["indicator"].eq(INDICATOR)]
    return c.pivot(index="geo", columns="year", values="value_raw").sort_index(axis=1)


def projection_signature(staged: pd.DataFrame) -> pd.DataFrame:
    """Per year: share of non-zero country values that are round thousands / repeat last year."""
    w = _country_wide(staged)
    nonzero = w.notna() & w.ne(0)
    near_round = (w - (w / 1000).round() * 1000).abs().le(ROUND_TOLERANCE) & nonzero
    repeat = w.eq(w.shift(axis=1)) & nonzero
    n = w.notna().sum()
    return pd.DataFrame({"round_share": near_round.sum() / n, "repeat_share": repeat.sum() / n})


def projection_start(staged: pd.DataFrame) -> int | None:
    sig = projection_signature(staged)
    hit = sig.index[sig["round_share"].ge(PROJECTION_ROUND_SHARE)]
    return int(hit.min()) if len(hit) else None


def stage(raw: pd.DataFrame) -> StageResult:
    staged = keys_from_iso3(raw)
    decisions = []
    start = projection_start(staged)
    if start is not None:
        sig = projection_signature(staged)
        before = sig.loc[sig.index < start, "round_share"].max()
        proj = sig.loc[sig.index >= start]
        rule = Rule(
            name="wpp_projection_years",
            action="drop",
            reason=f"WPP projection, not an estimate: from {start} on, "
            f"{proj['round_share'].min():.0%}-{proj['round_share'].max():.0%} of country values "
            f"are round thousands (at most {before:.0%} in earlier years) and up to "
            f"{proj['repeat_share'].max():.0%} repeat the previous year",
        )
        decisions.append(apply_rule(staged, staged["year"].ge(start), rule))
    # Repeated non-zero values within the estimate years (series order by year).
    key = staged["indicator"] + "|" + staged["geo"]
    ordered = staged.sort_values(["indicator", "geo", "year"])
    prev_same = ordered.groupby(key.loc[ordered.index])["value_raw"].shift()
    prev_year = ordered.groupby(key.loc[ordered.index])["year"].shift()
    repeat = (
        ordered["value_raw"].eq(prev_same)
        & ordered["value_raw"].ne(0)
        & ordered["year"].sub(prev_year).eq(1)
        & ordered["qc_action"].eq("none")
    )
    mask = np.zeros(len(staged), dtype=bool)
    mask[staged.index.get_indexer(ordered.index[repeat.to_numpy()])] = True
    decisions.append(
        apply_rule(
            staged,
            mask,
            Rule(
                name="wpp_repeated_value",
                action="flag",
                reason="non-zero net migration identical to the previous year's: a carried-"
                "forward WPP assumption (e.g. 2021 = 2020 for the COVID years), not an "
                "independent estimate",
            ),
        )
    )
    return StageResult(staged, concat_decisions(decisions))


NetMigrationStaged = range_model(
    "NetMigrationStaged",
    {INDICATOR: (-2e7, 2e7)},  # largest national flows are ~±9 M a year (Syria 2012-13)
    "Staged WDI net migration: ISO3 keys, projection years dropped, repeats flagged.",
)

SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank WDI net migration (persons), WPP 2022 estimates 1960-2021; the "
    "2022-23 WPP projections are dropped by rule wpp_projection_years.",
    read=read,
    stage=stage,
    schema=NetMigrationStaged,
)
