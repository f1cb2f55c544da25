"""Eurostat Urban Audit city counts (SDMX-CSV 2.0): foreign-born, unemployed, employed, population.

The four exports carry known publisher glitches; each is caught by a named rule detected from
the data itself (no hard-coded rows), so a refreshed file is checked the same way:

- values stored in thousands for some years (Dutch EC1010V 2021–22): rescaled ×1000;
- population series breaks: a country-year where many cities break (German DE1001V 2024:
  Berlin 3.76 M → 317 k) is dropped whole, single unconfirmed jumps are dropped, jumps that
  later years confirm (boundary changes) are flagged;
- foreign-born above population (German DE2009V 2021): the whole country-year is dropped,
  because the values are shuffled between cities, not wrong in one cell;
- flag without a value: recorded and dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.geography.cities import eurostat_geo_iso3
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers.eurostat_sdmx_csv import read_sdmx_csv
from sources.row_checks import row_check
from sources.tidy import RAW_COLUMNS, StagedTidy, to_staged

DATASET_ID = "eurostat_urban_audit_sdmxcsv"
FOREIGN_BORN, POPULATION = "DE2009V", "DE1001V"
UNITS = {"DE2009V": "persons", "DE1001V": "persons", "EC1010V": "persons", "EC1177V": "persons"}

# A value this far below its series median, which lands near the median once ×1000, is a
# value published in thousands. Population does not move by ×1.5 within a few years.
THOUSANDS_BELOW = 1 / 100
THOUSANDS_NEAR = 3.0
POPULATION_BREAK_FACTOR = 1.5
SCRAMBLED_SHARE = 0.25

FLAG_WITHOUT_VALUE = Rule(
    "eurostat_flag_without_value",
    "drop",
    "OBS_FLAG is set but OBS_VALUE is empty; recorded, no value to use",
)
IN_THOUSANDS = Rule(
    "eurostat_count_in_thousands",
    "rescale",
    "value is ~1000× below the rest of its city series and matches it once ×1000: "
    "published in thousands (e.g. Dutch EC1010V 2021–22)",
    factor=1000.0,
)
POPULATION_BREAK = Rule(
    "eurostat_population_series_break",
    "drop",
    f"population jumps by more than ×{POPULATION_BREAK_FACTOR} from the previous year and the "
    "next year does not confirm the new level: a series break or misallocated value",
)
POPULATION_SCRAMBLED = Rule(
    "eurostat_population_country_year_scrambled",
    "drop",
    f"at least {SCRAMBLED_SHARE:.0%} of this country's cities break their population series in "
    "this year (e.g. Germany 2024: Berlin 3.76 M -> 317 k): the year's values are misallocated, "
    "so every city of the country-year is dropped",
)
POPULATION_LEVEL_SHIFT = Rule(
    "eurostat_population_level_shift",
    "flag",
    f"population jumps by more than ×{POPULATION_BREAK_FACTOR} and the following years confirm "
    "the new level: a boundary change (e.g. Mons greater city 2021); kept, not comparable over time",
)
FOREIGN_BORN_SCRAMBLED = Rule(
    "eurostat_foreign_born_exceeds_population",
    "drop",
    "in this country and year some city has more foreign-born (DE2009V) than inhabitants "
    "(DE1001V): the year's city values are shuffled between cities (e.g. Germany 2021), so "
    "every city of that country-year is dropped, not only the impossible ones",
)


def read(ds: Dataset) -> pd.DataFrame:
    parts = [read_sdmx_csv(ds, f.name, units=UNITS) for f in ds.data_files()]
    return pd.concat(parts, ignore_index=True)[RAW_COLUMNS]


def in_thousands_mask(staged: pd.DataFrame) -> pd.Series:
    """Values ≪ their series median whose ×1000 lands within ×3 of it."""
    med = staged.groupby(["indicator", "geo"])["value_raw"].transform("median")
    v = staged["value_raw"]
    scaled_ratio = v * 1000 / med
    return (
        (v > 0)
        & (v < med * THOUSANDS_BELOW)
        & scaled_ratio.between(1 / THOUSANDS_NEAR, THOUSANDS_NEAR)
    )


def _outside(ratio: pd.Series) -> pd.Series:
    return ((ratio > POPULATION_BREAK_FACTOR) | (ratio < 1 / POPULATION_BREAK_FACTOR)).fillna(False)


def _population_jumps(staged: pd.DataFrame, exclude: pd.Series) -> tuple[pd.Series, pd.Series]:
    """For each population value: is it a jump from the previous year, and does the next confirm it?"""
    rows = staged["indicator"].eq(POPULATION) & staged["value_raw"].notna() & ~exclude
    d = staged.loc[rows, ["geo", "year", "value_raw"]].sort_values(["geo", "year"])
    by_geo = d.groupby("geo")["value_raw"]
    prev, nxt = by_geo.shift(1), by_geo.shift(-1)
    jump = _outside(d["value_raw"] / prev)
    confirmed = nxt.notna() & ~_outside(nxt / d["value_raw"])
    as_mask = lambda s: s.reindex(staged.index, fill_value=False).astype(bool)  # noqa: E731
    return as_mask(jump), as_mask(jump & confirmed)


def population_break_masks(staged: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(unconfirmed jumps, confirmed level shifts, scrambled country-years) in population.

    A jump of more than ×1.5 from the previous year that the next year does not confirm (or
    that is the last year) is a break; one the next year confirms is a boundary change (kept,
    flagged). Jumps are found again after removing the breaks, so the year after a spike is
    compared with the good year before it. A country-year in which at least a quarter of the
    cities break is scrambled as a whole.
    """
    jump, confirmed = _population_jumps(staged, pd.Series(False, index=staged.index))
    spike = jump & ~confirmed
    _, shift = _population_jumps(staged, spike)
    city_pop = (
        staged["indicator"].eq(POPULATION)
        & staged["geo_level"].eq("city")
        & staged["value_raw"].notna()
    )
    share = spike[city_pop].groupby([staged["country_iso3"], staged["year"]]).mean()
    bad = share[share >= SCRAMBLED_SHARE].index
    row_key = pd.MultiIndex.from_frame(staged[["country_iso3", "year"]])
    scrambled = city_pop & pd.Series(row_key.isin(bad), index=staged.index)
    return spike & ~scrambled, shift & ~scrambled, scrambled


def foreign_born_scrambled_mask(staged: pd.DataFrame) -> pd.Series:
    """Every city row of a (country, year) in which some city's foreign-born > population."""
    key = ["geo", "year"]
    pop = staged.loc[staged["indicator"].eq(POPULATION), [*key, "value"]]
    fb = staged.loc[
        staged["indicator"].eq(FOREIGN_BORN), [*key, "value", "country_iso3", "geo_level"]
    ]
    both = fb.merge(pop, on=key, suffixes=("_fb", "_pop"), how="inner")
    bad = both.loc[both["value_fb"] > both["value_pop"], ["country_iso3", "year"]].drop_duplicates()
    bad_key = pd.MultiIndex.from_frame(bad)
    row_key = pd.MultiIndex.from_frame(staged[["country_iso3", "year"]])
    return (
        staged["indicator"].eq(FOREIGN_BORN)
        & staged["geo_level"].eq("city")
        & pd.Series(row_key.isin(bad_key), index=staged.index)
    )


def stage(raw: pd.DataFrame) -> StageResult:
    staged = to_staged(raw, raw["geo"], eurostat_geo_iso3(raw["geo"], dataset=DATASET_ID))
    untouched = lambda: staged["qc_action"].eq("none")  # noqa: E731  one rule per row
    decisions = [
        apply_rule(staged, staged["value"].isna() & staged["flag"].notna(), FLAG_WITHOUT_VALUE),
        apply_rule(staged, in_thousands_mask(staged) & untouched(), IN_THOUSANDS),
    ]
    spike, shift, scrambled = population_break_masks(staged)
    decisions += [
        apply_rule(staged, scrambled & untouched(), POPULATION_SCRAMBLED),
        apply_rule(staged, spike & untouched(), POPULATION_BREAK),
        apply_rule(staged, shift & untouched(), POPULATION_LEVEL_SHIFT),
    ]
    # The foreign-born check compares with population after the population breaks are dropped.
    decisions.append(
        apply_rule(
            staged, foreign_born_scrambled_mask(staged) & untouched(), FOREIGN_BORN_SCRAMBLED
        )
    )
    return StageResult(staged, concat_decisions(decisions))


class UrbanAuditStaged(StagedTidy):
    """Non-negative person counts by Eurostat city / country code; foreign-born ≤ population."""

    geo: Series[str] = pa.Field(str_matches=r"^[A-Z]{2}(?:\d{3}C)?$")
    indicator: Series[str] = pa.Field(isin=list(UNITS))
    value: Series[float] = pa.Field(nullable=True, ge=0)
    unit: Series[str] = pa.Field(isin=["persons"])
    country_iso3: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    year: Series[int] = pa.Field(ge=2015, le=2030)

    @row_check(error="foreign-born exceeds population in a kept row")
    @classmethod
    def foreign_born_within_population(cls, df: pd.DataFrame) -> Series[bool]:
        key = ["geo", "year"]
        pop = df.loc[df["indicator"].eq(POPULATION), [*key, "value"]].rename(
            columns={"value": "pop"}
        )
        joined = df[[*key, "indicator", "value"]].merge(pop, on=key, how="left")
        ok = (
            ~joined["indicator"].eq(FOREIGN_BORN).to_numpy()
            | ~(joined["value"] > joined["pop"]).to_numpy()
        )
        return pd.Series(np.asarray(ok, dtype=bool), index=df.index)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "Eurostat Urban Audit (SDMX-CSV 2.0): foreign-born DE2009V, population DE1001V, "
        "unemployed EC1010V, employed 20–64 EC1177V by city, 2015–2024; unit glitches, series "
        "breaks and scrambled years handled by named rules."
    ),
    read=read,
    stage=stage,
    schema=UrbanAuditStaged,
)
