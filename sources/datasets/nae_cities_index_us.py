"""New American Economy Cities Index: 100 largest US cities (ACS 2019, 2020 index).

Indicators are the publisher's column names (header spaces stripped); units: `share`
(fraction), `USD`, `count`, `score` (1–5), `rank`. Cities are keyed `US-<state>-<place>`.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.geography.cities import nae_place_key
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers.nae_formatted_csv import read_nae_formatted_csv
from sources.row_checks import row_check
from sources.tidy import StagedTidy, to_staged

DATASET_ID = "nae_cities_index_us"
DATA_FILE = "NAE_cities_index_data_formatted.csv"
ACS_YEAR = 2019

IDENTICAL_MEDIANS = Rule(
    "nae_identical_native_foreign_median",
    "flag",
    "the native-born and foreign-born medians (same measure, same city) are identical to the "
    "dollar: almost surely a copy error in the publisher's sheet; kept, not to be trusted",
)


def read(ds: Dataset) -> pd.DataFrame:
    return read_nae_formatted_csv(ds, DATA_FILE, year=ACS_YEAR)


def identical_median_mask(df: pd.DataFrame) -> pd.Series:
    """Both rows of every nb/fb pair of dollar medians whose values are equal."""
    usd = df[df["unit"].eq("USD") & df["indicator"].str.contains("nb")]
    twin = usd.assign(indicator=usd["indicator"].str.replace("nb", "fb", n=1))
    pair = twin.merge(
        df[["indicator", "geo", "value"]], on=["indicator", "geo"], suffixes=("", "_fb")
    )
    same = pair.loc[pair["value"].eq(pair["value_fb"]), ["geo", "indicator"]]
    keys = pd.concat([same.assign(indicator=same["indicator"].str.replace("fb", "nb", n=1)), same])
    hit = pd.MultiIndex.from_frame(keys[["indicator", "geo"]])
    return pd.Series(pd.MultiIndex.from_frame(df[["indicator", "geo"]]).isin(hit), index=df.index)


def stage(raw: pd.DataFrame) -> StageResult:
    staged = to_staged(raw, nae_place_key(raw["geo"]), pd.Series("USA", index=raw.index))
    decisions = [apply_rule(staged, identical_median_mask(staged), IDENTICAL_MEDIANS)]
    return StageResult(staged, concat_decisions(decisions))


class NaeStaged(StagedTidy):
    """Shares in [0, 1], scores in [1, 5], non-negative dollars and counts, foreign-born ≤ total."""

    geo: Series[str] = pa.Field(str_matches=r"^US-[A-Z]{2}-\S.*$")
    geo_level: Series[str] = pa.Field(isin=["city"])
    unit: Series[str] = pa.Field(isin=["share", "USD", "count", "score", "rank"])
    value: Series[float] = pa.Field(ge=0)
    year: Series[int] = pa.Field(eq=ACS_YEAR)
    country_iso3: Series[str] = pa.Field(isin=["USA"])

    @row_check(error="share outside [0, 1] or score outside [1, 5]")
    @classmethod
    def bounded_units(cls, df: pd.DataFrame) -> Series[bool]:
        v, unit = df["value"], df["unit"]
        return ~(unit.eq("share") & ~v.between(0, 1)) & ~(unit.eq("score") & ~v.between(1, 5))

    @row_check(error="foreign-born population exceeds total population")
    @classmethod
    def foreign_born_within_total(cls, df: pd.DataFrame) -> Series[bool]:
        pop = df[df["indicator"].isin(["pop_tot", "pop_fb"])].pivot(
            index="geo", columns="indicator", values="value"
        )
        bad = pop.index[pop["pop_fb"] > pop["pop_tot"]]
        return ~(df["geo"].isin(bad) & df["indicator"].isin(["pop_tot", "pop_fb"]))


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "NAE Cities Index (New American Economy): native- vs foreign-born labour, income, "
        "poverty and housing outcomes and immigrant-inclusion policy scores, 100 largest US "
        "cities, ACS 2019; keyed US-<state>-<Census place>."
    ),
    read=read,
    stage=stage,
    schema=NaeStaged,
)
