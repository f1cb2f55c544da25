"""Eurostat LFS employment and unemployment rates, ages 15-64, by citizenship (lfsa_ergan/urgan).

The migrant-vs-national outcome the index lacked: the rate for foreign citizens (FOR) next to
nationals (NAT) and everyone (TOTAL), by sex, 36 countries, 1995-2024. By citizenship, not
birthplace: naturalised immigrants count as nationals, so gaps are understated where many
naturalise. Hazards, each a named rule (sources/datasets/_eurostat_flags.py): Eurostat flags
(`u` low reliability, `b` break, `d` definition differs, `c` confidential), empty cells
with a flag, and the non-ISO codes EL (Greece) and UK.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged
from sources.datasets._domain import SHARE, require_domain
from sources.datasets._eurostat_flags import flag_decisions
from sources.geography.countries import alpha2_to_iso3
from sources.quality import concat_decisions
from sources.readers._common import read_data_files
from sources.readers.eurostat_sdmx_csv import DATAFLOW, SdmxLayout, read_sdmx_csv
from sources.tidy import to_staged

DATASET_ID = "eurostat_lfs_by_citizenship"
YEARS = (1995, 2024)  # publisher coverage of these exports (README)
UNITS = {
    "LFSA_ERGAN": "% of population aged 15-64 (employment rate)",
    "LFSA_URGAN": "% of labour force aged 15-64 (unemployment rate)",
}
LAYOUT = SdmxLayout(
    indicator=(DATAFLOW, "age", "citizen", "sex"),  # LFSA_ERGAN.Y15-64.FOR.T
    unit_key=DATAFLOW,
    geo="geo",
    geo_label="Geopolitical entity (reporting)",
    geo_pattern=r"^[A-Z]{2}$",  # countries only: an EU/EA aggregate code would be new
    geo_level=lambda geo: np.full(len(geo), "country"),
)
INDICATOR_RE = r"^LFSA_(?:ERGAN|URGAN)\.Y15-64\.(?:FOR|NAT|TOTAL)\.[FMT]$"


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_sdmx_csv, units=UNITS, layout=LAYOUT)


def stage(raw: pd.DataFrame) -> StageResult:
    require_domain(raw, ranges=dict.fromkeys(UNITS.values(), SHARE), years=YEARS)
    file = str(raw["source_file"].iat[0]) if len(raw) else "?"
    iso3 = alpha2_to_iso3(raw["geo"], dataset=DATASET_ID, file=file)
    staged = to_staged(raw, iso3, iso3)
    decisions = flag_decisions(staged, geo_codes=raw["geo"])
    return StageResult(staged, concat_decisions(decisions))


class LfsByCitizenshipStaged(CountryStaged):
    """Rates in percent by ISO3 country; one row per dataflow, age, citizenship, sex, year."""

    indicator: Series[str] = pa.Field(str_matches=INDICATOR_RE)
    geo_level: Series[str] = pa.Field(isin=["country"])
    value: Series[float] = pa.Field(nullable=True, ge=SHARE[0], le=SHARE[1])
    unit: Series[str] = pa.Field(isin=list(UNITS.values()))
    year: Series[int] = pa.Field(ge=YEARS[0], le=YEARS[1])


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "Eurostat LFS (SDMX-CSV 2.0): employment and unemployment rates, ages 15-64, foreign "
        "vs national citizens and total, by sex, 36 countries, 1995-2024; Eurostat flags "
        "and the EL/UK codes handled by named rules."
    ),
    read=read,
    stage=stage,
    schema=LfsByCitizenshipStaged,
)
