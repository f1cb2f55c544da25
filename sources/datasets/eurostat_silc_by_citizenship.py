"""Eurostat EU-SILC by group of citizenship: median equivalised net income (ilc_di15) and
self-perceived health (hlth_silc_24), 2015-2024, SDMX-CSV 1.0 with labels instead of codes.

Labels are mapped to codes by explicit tables (an unknown label fails at its file row);
countries are keyed ISO3 from their English names, and Eurostat's EU and euro-area labels
("Euro area (EA11-1999, …)") are aggregates because `country_overrides.yaml` lists them,
never because a name failed to match. Eurostat flags (many foreign-citizen cells are empty
with `u`) are named rules (sources/datasets/_eurostat_flags.py). By citizenship, not
birthplace; the income file is the Data Browser default view (median, adults 18+ only).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged, keys_from_names
from sources.datasets._domain import COUNT, SHARE, require_domain
from sources.datasets._eurostat_flags import flag_decisions
from sources.quality import concat_decisions
from sources.readers._common import read_data_files
from sources.readers.eurostat_sdmx_csv_labels import read_sdmx_csv_labels
from sources.row_checks import row_check

DATASET_ID = "eurostat_silc_by_citizenship"
YEARS = (2015, 2024)  # publisher coverage of these exports (README)
INCOME_UNIT = "EUR per year (median equivalised net income)"
SHARE_UNIT = "% of persons aged 16 or over"
UNITS = {"Euro": INCOME_UNIT, "Percentage": SHARE_UNIT}
# Label -> code, following Eurostat's codelists (citizen, sex, age, indic_il, lev_perc).
DIMENSIONS = {
    "citizen": {
        "Reporting country": "NAT",
        "Foreign country": "FOR",
        "EU27 countries (from 2020) except reporting country": "EU27_2020_FOR",
        "Non-EU27 countries (from 2020) nor reporting country": "NEU27_2020_FOR",
        "EU28 countries (2013-2020) except reporting country": "EU28_FOR",
        "Non-EU28 countries (2013-2020) nor reporting country": "NEU28_FOR",
    },
    "sex": {"Total": "T", "Males": "M", "Females": "F"},
    "age": {"18 years or over": "Y_GE18", "16 years or over": "Y_GE16"},
    "indic_il": {"Median equivalised net income": "MED_E"},
    "lev_perc": {
        "Very good": "VG",
        "Good": "G",
        "Fair": "FAIR",
        "Bad": "B",
        "Very bad": "VB",
        "Very good or good": "VG_G",
        "Bad or very bad": "B_VB",
    },
}
CITIZEN = "(?:" + "|".join(DIMENSIONS["citizen"].values()) + ")"
INDICATOR_RE = (
    rf"^(?:ILC_DI15\.MED_E\.{CITIZEN}\.[TMF]\.Y_GE18"
    rf"|HLTH_SILC_24\.[TMF]\.Y_GE16\.{CITIZEN}\.(?:VG|G|FAIR|B|VB|VG_G|B_VB))$"
)


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_sdmx_csv_labels, dimensions=DIMENSIONS, units=UNITS)


def stage(raw: pd.DataFrame) -> StageResult:
    require_domain(raw, ranges={INCOME_UNIT: COUNT, SHARE_UNIT: SHARE}, years=YEARS)
    staged = keys_from_names(raw)
    return StageResult(staged, concat_decisions(flag_decisions(staged)))


class SilcByCitizenshipStaged(CountryStaged):
    """Income in euro (non-negative) and health shares in percent, countries by ISO3."""

    indicator: Series[str] = pa.Field(str_matches=INDICATOR_RE)
    value: Series[float] = pa.Field(nullable=True, ge=0)
    unit: Series[str] = pa.Field(isin=list(UNITS.values()))
    year: Series[int] = pa.Field(ge=YEARS[0], le=YEARS[1])

    @row_check(error="a health share (column value) is above 100%")
    @classmethod
    def share_at_most_100(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["unit"].eq(SHARE_UNIT) & (df["value"] > SHARE[1]))


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "Eurostat EU-SILC (SDMX-CSV 1.0, labels): median equivalised net income (18+) and "
        "self-perceived health (16+) by group of citizenship, 2015-2024; EU/euro-area labels "
        "kept apart as aggregates; Eurostat flags handled by named rules."
    ),
    read=read,
    stage=stage,
    schema=SilcByCitizenshipStaged,
)
