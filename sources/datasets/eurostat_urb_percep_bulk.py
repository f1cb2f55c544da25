"""Eurostat `urb_percep`: perception survey in European cities, waves 2004–2019 (bulk TSV).

Raw keeps every observed cell (percent of respondents) and every flagged-but-missing cell;
staging keys cities by their Eurostat code (`CC###C`) and countries by ISO3.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.geography.cities import eurostat_geo_iso3
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers.eurostat_bulk_tsv import read_bulk_tsv, read_dic
from sources.tidy import StagedTidy, to_staged

DATASET_ID = "eurostat_urb_percep_bulk"

FLAG_WITHOUT_VALUE = Rule(
    name="eurostat_flag_without_value",
    action="drop",
    reason="cell is ':' (not available) but carries a publisher flag; recorded, no value to use",
)


def read(ds: Dataset) -> pd.DataFrame:
    labels = read_dic(ds, "cities.dic")
    return read_bulk_tsv(ds, "urb_percep.tsv", geo_labels=labels)


def stage(raw: pd.DataFrame) -> StageResult:
    staged = to_staged(raw, raw["geo"], eurostat_geo_iso3(raw["geo"], dataset=DATASET_ID))
    decisions = [
        apply_rule(staged, staged["value"].isna() & staged["flag"].notna(), FLAG_WITHOUT_VALUE),
    ]
    return StageResult(staged, concat_decisions(decisions))


class UrbPercepStaged(StagedTidy):
    """Percent of respondents per answer; every code is a Eurostat city or country code."""

    geo: Series[str] = pa.Field(str_matches=r"^[A-Z]{2}(?:\d{3}C)?$")
    indicator: Series[str] = pa.Field(str_matches=r"^PS\d{4}V$")
    value: Series[float] = pa.Field(nullable=True, ge=0, le=100)
    unit: Series[str] = pa.Field(isin=["percent"])
    country_iso3: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    geo_label: Series[str] = pa.Field(nullable=False)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "Eurostat urb_percep (bulk TSV): city perception survey 2004–2019, percent of "
        "respondents per answer, incl. 'presence of foreigners is good' and 'good place for "
        "immigrants'. Cities keyed by Eurostat code."
    ),
    read=read,
    stage=stage,
    schema=UrbPercepStaged,
)
