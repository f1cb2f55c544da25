"""Argentina (RENAPER): foreign persons identified as resident, January 2023, by jurisdiction,
country of origin (10 countries and "Otro país"), sex and five-year age group.

City-level context for the study city Buenos Aires: the City of Buenos Aires (CABA, city
`AR-CABA`) counts 862,403 foreign residents; the provinces are kept as regions
(`AR-PR-<INDEC code>`). Registration-based ("identificadas"), not a census, and a stock, not
an outcome: context only, never scored. No quality rule fires on this file; domain checks:
whole non-negative counts, year 2023, ARG.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._argentina import ArgentinaStaged, keys_from_indec
from sources.datasets._domain import COUNT, require_domain
from sources.quality import concat_decisions
from sources.readers import renaper_residents_csv

DATASET_ID = "argentina_dnm_foreign_residents"
YEAR = 2023  # "Enero 2023"
SEXES = ("MUJER", "VARON", "X")  # X: non-binary DNI marker (Decree 476/2021)


def read(ds: Dataset) -> pd.DataFrame:
    return renaper_residents_csv.read(ds, YEAR)


def stage(raw: pd.DataFrame) -> StageResult:
    require_domain(
        raw,
        ranges={"persons": COUNT},
        years=(YEAR, YEAR),
        value_column="cantidad",
        year_column="file name",
    )
    staged = keys_from_indec(raw, raw["geo"].astype("int64"))
    return StageResult(staged, concat_decisions([]))


class ForeignResidentsStaged(ArgentinaStaged):
    """Foreign-resident counts by Argentine jurisdiction (CABA as the city AR-CABA)."""

    indicator: Series[str] = pa.Field(str_matches=rf"^residents:[^:]+:({'|'.join(SEXES)}):[^:]+$")
    unit: Series[str] = pa.Field(isin=["persons"])
    year: Series[int] = pa.Field(eq=YEAR)
    qc_action: Series[str] = pa.Field(isin=["none"])


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="Argentina RENAPER: foreign residents identified in January 2023 by jurisdiction "
    "(City of Buenos Aires as city AR-CABA, provinces as regions), country of origin, sex and "
    "age group. City-level context for Buenos Aires; not scored.",
    read=read,
    stage=stage,
    schema=ForeignResidentsStaged,
)
