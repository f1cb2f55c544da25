"""Remittance Prices Worldwide (Corridors): average total cost to remit US$ 200 per sending ×
receiving corridor, % of the amount sent, 2011Q1–2020Q3 (DataBank export, Last Updated
2020-12-07). Semi-annual (Q1, Q3) until 2012, quarterly from 2013.

Keys: the sending country is `geo` (ISO3); the receiving country is the counterpart in the
indicator, `ATCR.CORR.Q<quarter>:<ISO3>` (see docs/team-notes/NOTES_SOURCES.md). RPW codes Kosovo KSV: staged
as the World Bank's XKX, the project's key; the Netherlands Antilles keep the withdrawn code
ANT (dissolved 2010, one priced corridor). Rules:
- `rpw_not_available` (drop): ".." cells in priced corridors (the period was not surveyed).
- `rpw_negative_total_cost` (flag): five corridor-quarters below zero (e.g. Saudi Arabia ->
  Sudan 2017Q4 = -11.36 %). Total cost = fee + exchange-rate margin, and a margin can be
  negative when providers quote better than the interbank rate, so the value is possible;
  but each is an isolated dip in a series otherwise at 1–15 %, so it is marked.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged, keys_from_iso3
from sources.datasets._domain import require_domain
from sources.geography.countries import iso3_codes
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import databank_csv
from sources.row_checks import row_check

DATASET_ID = "rpw_corridors_databank"
SERIES = "ATCR.CORR"
UNIT = "% of amount sent"
FIRST_YEAR, LAST_YEAR = 2011, 2020
COUNTERPART_CODES = {"KSV": "XKX"}  # RPW code -> project country key
WITHDRAWN_CODES = frozenset({"ANT"})  # ISO 3166-3 (former countries) RPW still lists
NOT_AVAILABLE = Rule(
    name="rpw_not_available",
    action="drop",
    reason="RPW marker '..': the corridor was not surveyed in that period",
)
NEGATIVE_COST = Rule(
    name="rpw_negative_total_cost",
    action="flag",
    reason="total cost below zero: possible only through a negative exchange-rate margin, and "
    "an isolated dip in a corridor otherwise costing 1-15 %; kept but marked",
)


def read(ds: Dataset) -> pd.DataFrame:
    return databank_csv.read(ds, UNIT)


def counterpart(indicator: pd.Series) -> pd.Series:
    """The receiving country of each corridor indicator (`ATCR.CORR.Q1:MEX` -> `MEX`)."""
    return indicator.str.rsplit(":", n=1).str[1]


def _period_header(row: pd.Series) -> str:
    """DataBank's header of the period column holding a raw row's value (`2019Q1 [YR2019Q1]`)."""
    period = f"{row['year']}Q{str(row['indicator']).split(':')[0][-1]}"
    return f"{period} [YR{period}]"


def stage(raw: pd.DataFrame) -> StageResult:
    require_domain(
        raw,
        ranges={UNIT: (-100.0, 100.0)},  # a cost is a share of the amount sent
        years=(FIRST_YEAR, LAST_YEAR),
        value_column=_period_header,
        year_column="header row",
    )
    staged = keys_from_iso3(raw)
    code = counterpart(staged["indicator"])
    mapped = code.map(COUNTERPART_CODES)
    staged["indicator"] = staged["indicator"].where(
        mapped.isna(), staged["indicator"].str.rsplit(":", n=1).str[0] + ":" + mapped
    )
    decisions = [
        apply_rule(staged, staged["flag"].eq(databank_csv.MISSING).to_numpy(), NOT_AVAILABLE),
        apply_rule(staged, staged["value"].lt(0).to_numpy(), NEGATIVE_COST),
    ]
    return StageResult(staged, concat_decisions(decisions))


class RpwStaged(CountryStaged):
    """Staged RPW corridors: sending ISO3 as geo, receiving ISO3 in the indicator."""

    indicator: Series[str] = pa.Field(str_matches=r"^ATCR\.CORR\.Q[1-4]:[A-Z]{3}$")
    value: Series[float] = pa.Field(nullable=True, ge=-100.0, le=100.0)
    unit: Series[str] = pa.Field(isin=[UNIT])
    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR)

    @pa.check("indicator", error="receiving country is neither ISO3 nor a listed withdrawn code")
    @classmethod
    def known_counterpart(cls, indicator: Series[str]) -> Series[bool]:
        return counterpart(indicator).isin(iso3_codes() | WITHDRAWN_CODES)

    @row_check(error="a corridor from a country to itself")
    @classmethod
    def two_countries(cls, df: pd.DataFrame) -> Series[bool]:
        return counterpart(df["indicator"]).ne(df["geo"])

    @row_check(error="a negative cost must carry rule rpw_negative_total_cost")
    @classmethod
    def negative_flagged(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df["value"].lt(0) | df["qc_rule"].eq(NEGATIVE_COST.name)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank Remittance Prices Worldwide: average total cost to remit per "
    "sending x receiving corridor (% of amount sent), 2011Q1-2020Q3; '..' dropped and "
    "negative costs flagged by named rules.",
    read=read,
    stage=stage,
    schema=RpwStaged,
)
