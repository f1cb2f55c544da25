"""OECD foreign-born population, % of population (FBORNPOP.TOT.PC_POP), 34 countries."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_iso3, range_model
from sources.quality import concat_decisions
from sources.readers import oecd_dp_live_csv

DATASET_ID = "oecd_foreign_born_population_share"
_Ranged = range_model(
    "_OecdRanged",
    {"FBORNPOP.TOT.PC_POP": (0.0, 100.0)},
    "Foreign-born share is a percentage.",
    countries_only="OECD DP_LIVE FBORNPOP lists countries only",
)


class OecdForeignBornStaged(_Ranged):
    """Staged OECD foreign-born share: OECD member countries only, annual, 2000 or later."""

    year: Series[int] = pa.Field(ge=2000, le=2100)


def stage(raw: pd.DataFrame) -> StageResult:
    # No known hazard: the export has no flags and no aggregates.
    return StageResult(keys_from_iso3(raw), concat_decisions([]))


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="OECD foreign-born population as % of population, 34 OECD countries, 2000-2019.",
    read=oecd_dp_live_csv.read,
    stage=stage,
    schema=OecdForeignBornStaged,
)
