"""OECD International Migration Database: inflows of foreign population (B11), 2012-2022.

Persons entering each of 37 OECD countries in a year, all citizenships (W), both sexes
(`B11.W._T`), from an OECD Data Explorer SDMX-CSV 2.0 export (the same wire format as
Eurostat's). National definitions of an inflow differ (residence permits in some countries,
population registers in others), so levels compare over time within a country better than
across countries. OBS_STATUS other than `A` (normal value) is a named rule; a status OECD
does not define fails, so a new status is never passed silently. Counts are checked
non-negative and years within the publisher's coverage where they live.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged, keys_from_iso3
from sources.datasets._domain import COUNT, require_domain
from sources.datasets._eurostat_flags import status_rules
from sources.errors import SourceError
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers._common import read_data_files
from sources.readers.eurostat_sdmx_csv import SdmxLayout, read_sdmx_csv

DATASET_ID = "oecd_imd_inflows_b11"
YEARS = (2012, 2022)  # publisher coverage of this extract (README)
UNITS = {"PS": "persons"}
LAYOUT = SdmxLayout(
    indicator=("MEASURE", "CITIZENSHIP", "SEX"),  # B11.W._T
    unit_key="UNIT_MEASURE",
    geo="REF_AREA",
    geo_label="Reference area",
    geo_pattern=r"^[A-Z]{3}$",
    geo_level=lambda geo: np.full(len(geo), "country"),
    flag="OBS_STATUS",
    normal_flags=("A",),
)
# OECD OBS_STATUS codes (SDMX CL_OBS_STATUS) other than A, normal value.
STATUS_FLAG = status_rules(
    "oecd_status",
    "flag",
    "OECD OBS_STATUS",
    [
        ("B", "series_break", "break in the series, not comparable with earlier years"),
        ("E", "estimated", "estimated value"),
        ("F", "forecast", "forecast value"),
        ("I", "imputed", "imputed value"),
        ("P", "provisional", "provisional value"),
        ("U", "low_reliability", "low reliability"),
    ],
)
STATUS_MISSING = Rule(
    "oecd_status_missing",
    "drop",
    "OECD OBS_STATUS marks the value missing (M, L or O: missing, not existing, not "
    "collected); no value to use",
)
MISSING_CODES = ("M", "L", "O")


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_sdmx_csv, units=UNITS, layout=LAYOUT)


def stage(raw: pd.DataFrame) -> StageResult:
    require_domain(raw, ranges={UNITS["PS"]: COUNT}, years=YEARS)
    status = raw["flag"].fillna("").astype("str")
    unknown = ~status.isin(["", *STATUS_FLAG, *MISSING_CODES])
    if unknown.any():
        row = raw.loc[unknown].iloc[0]
        raise SourceError(
            f"unknown OECD OBS_STATUS {row['flag']!r}: no rule says what it means",
            dataset=DATASET_ID,
            file=str(row["source_file"]),
            row=int(row["source_row"]),
            column="OBS_STATUS",
        )
    staged = keys_from_iso3(raw)
    decisions = [apply_rule(staged, status.eq(code), rule) for code, rule in STATUS_FLAG.items()]
    missing = status.isin(MISSING_CODES) | staged["value"].isna()
    decisions.append(apply_rule(staged, missing, STATUS_MISSING))
    return StageResult(staged, concat_decisions(decisions))


class OecdImdInflowsStaged(CountryStaged):
    """Inflows of foreign population, persons, OECD countries by ISO3, 2012-2022."""

    indicator: Series[str] = pa.Field(isin=["B11.W._T"])
    geo_level: Series[str] = pa.Field(isin=["country"])
    value: Series[float] = pa.Field(nullable=True, ge=0)
    unit: Series[str] = pa.Field(isin=list(UNITS.values()))
    year: Series[int] = pa.Field(ge=YEARS[0], le=YEARS[1])


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "OECD International Migration Database (SDMX-CSV 2.0): inflows of foreign population "
        "(B11), all citizenships, 37 OECD countries, 2012-2022; national inflow definitions "
        "differ (permits vs registers)."
    ),
    read=read,
    stage=stage,
    schema=OecdImdInflowsStaged,
)
