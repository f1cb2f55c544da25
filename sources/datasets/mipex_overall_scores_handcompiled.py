"""MIPEX overall integration-policy scores, hand-compiled (about 2010, MIPEX III).

The file has no year; the reader records 2010 with flag `year_assumed_2010` and says so in
the unit. The schema insists on both, so the assumption cannot get lost downstream.

Cross-check only: MIPEX 2020 (`mipex2020_core_2007_2019`) is the publisher's own annual series.
This table is kept to document how far the hand-typed values are from it
(`sources/crosschecks/mipex_handcompiled_vs_mipex2020.py`); it must not feed a score.
`indicators/country.yaml` still references it until the framework issue replaces it.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_names, range_model
from sources.quality import concat_decisions
from sources.readers import mipex_semicolon

DATASET_ID = "mipex_overall_scores_handcompiled"
_Ranged = range_model(
    "_MipexRanged",
    {mipex_semicolon.INDICATOR: (0.0, 100.0)},
    "0-100 score.",
    countries_only="MIPEX scores are per country",
)


class MipexStaged(_Ranged):
    """Staged MIPEX scores: countries only, the assumed year 2010 flagged on every row."""

    year: Series[int] = pa.Field(isin=[mipex_semicolon.ASSUMED_YEAR])
    flag: Series[str] = pa.Field(isin=[mipex_semicolon.FLAG])


def stage(raw: pd.DataFrame) -> StageResult:
    return StageResult(keys_from_names(raw), concat_decisions([]))


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="CROSS-CHECK ONLY, not for scoring: MIPEX III overall scores (0-100) for 32 "
    "countries, hand-compiled; year 2010 assumed from the README, flagged year_assumed_2010 on "
    "every row. Compared with MIPEX 2020's 2010 scores in quality.cross_checks "
    "(mipex_handcompiled_vs_mipex2020).",
    read=mipex_semicolon.read,
    stage=stage,
    schema=MipexStaged,
)
