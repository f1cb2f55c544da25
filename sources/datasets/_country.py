"""Shared staging for country-level datasets: ISO3 keys, the base pandera model, range tables.

Not a dataset module (no SPEC). Every country dataset keys countries by ISO3 in `geo` and
`country_iso3`; aggregates keep the publisher's code with geo_level "aggregate" and no ISO3.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandera.typing import Series

from sources.errors import SourceError
from sources.geography.countries import iso3_codes, m49_to_iso3, name_to_iso3
from sources.row_checks import row_check
from sources.tidy import StagedTidy, to_staged


def _first_file(raw: pd.DataFrame) -> str:
    return str(raw["source_file"].iloc[0]) if len(raw) else "?"


def _fail_at_first(raw: pd.DataFrame, bad: pd.Series, message: str) -> None:
    """Raise at the first `bad` row, naming its dataset, file and row from the raw columns."""
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceError(
            message.replace("{geo}", repr(raw["geo"].iat[i])),
            dataset=str(raw["dataset"].iat[i]),
            file=str(raw["source_file"].iat[i]),
            row=int(raw["source_row"].iat[i]),
            column="geo",
        )


def _with_keys(raw: pd.DataFrame, iso3: pd.Series) -> pd.DataFrame:
    """Staged frame: countries keyed by ISO3, aggregates keep their publisher code."""
    iso3 = pd.Series(iso3.to_numpy(), index=raw.index, dtype="str")
    country = raw["geo_level"].eq("country")
    _fail_at_first(raw, country & iso3.isna(), "{geo} is marked country but maps to no ISO3")
    iso3 = iso3.where(country)
    geo = iso3.where(country, raw["geo"].astype("str"))
    return to_staged(raw, geo, iso3)


def keys_from_iso3(raw: pd.DataFrame) -> pd.DataFrame:
    """Publisher already keys countries by ISO3 (or World Bank XKX/CHI): check, then stage."""
    country = raw["geo_level"].eq("country")
    unknown = country & ~raw["geo"].isin(iso3_codes())
    bad = sorted(raw.loc[unknown, "geo"].unique())
    _fail_at_first(raw, unknown, f"country codes that are not ISO3 (or XKX/CHI): {bad}")
    return _with_keys(raw, raw["geo"].where(country))


def keys_from_names(raw: pd.DataFrame) -> pd.DataFrame:
    ds = str(raw["dataset"].iat[0]) if len(raw) else "?"
    return _with_keys(raw, name_to_iso3(raw["geo"], dataset=ds, file=_first_file(raw)))


def keys_from_m49(raw: pd.DataFrame) -> pd.DataFrame:
    ds = str(raw["dataset"].iat[0]) if len(raw) else "?"
    return _with_keys(
        raw, m49_to_iso3(raw["geo"].astype("int64"), dataset=ds, file=_first_file(raw))
    )


class CountryStaged(StagedTidy):
    """Rules every staged country table obeys, on top of the tidy contract."""

    @row_check(error="country rows need country_iso3 == geo; aggregates have none")
    @classmethod
    def geo_keys(cls, df: pd.DataFrame) -> Series[bool]:
        country = df["geo_level"].eq("country")
        return (country & df["country_iso3"].eq(df["geo"])) | (
            df["geo_level"].eq("aggregate") & df["country_iso3"].isna()
        )

    @row_check(error="a missing value needs a rule that says why (no silent NaN)")
    @classmethod
    def no_silent_nan(cls, df: pd.DataFrame) -> Series[bool]:
        return df["value"].notna() | df["qc_action"].eq("drop")

    @row_check(error="qc_rule is named exactly when a rule acted")
    @classmethod
    def rule_named(cls, df: pd.DataFrame) -> Series[bool]:
        return df["qc_action"].eq("none") == df["qc_rule"].isna()


def range_model(
    name: str,
    ranges: dict[str, tuple[float, float]],
    doc: str,
    *,
    countries_only: str | None = None,
) -> type[CountryStaged]:
    """A CountryStaged subclass whose values must lie in a per-indicator plausible range.

    `ranges` maps every indicator of the dataset to (low, high); an indicator not in the
    table fails, so a new publisher series cannot slip through unchecked. With
    `countries_only` (the check's error message), every row must be a country: the publisher
    lists no aggregates, so one appearing means the file changed.
    """
    lo = pd.Series({k: v[0] for k, v in ranges.items()}, dtype="float64")
    hi = pd.Series({k: v[1] for k, v in ranges.items()}, dtype="float64")

    @row_check(error=f"value outside the plausible range of its indicator ({name})")
    @classmethod
    def plausible_range(cls, df: pd.DataFrame) -> Series[bool]:
        low, high = df["indicator"].map(lo), df["indicator"].map(hi)
        known = low.notna()
        inside = df["value"].between(low, high) | df["value"].isna()
        return known & inside

    checks = {"__doc__": doc, "plausible_range": plausible_range}
    if countries_only is not None:
        message = countries_only

        @row_check(error=message)
        @classmethod
        def countries_only(cls, df: pd.DataFrame) -> Series[bool]:  # the check is named after it
            return df["geo_level"].eq("country")

        checks["countries_only"] = countries_only
    return type(name, (CountryStaged,), checks)
