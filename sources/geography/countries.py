"""Country keys: ISO3 everywhere, from M49 codes (pycountry) and names (country-converter).

Publishers key countries by ISO3 (World Bank, OECD), by UN M49 numbers (UN DESA) or by
English names (OWID, MIPEX). Everything is mapped to ISO3 here, once, with one explicit
override table (`country_overrides.yaml`). Aggregates (World, income groups, regions,
historical unions) are never mapped to a country: a name is either a country, or listed as
an aggregate, or the read fails with a SourceError; nothing is dropped silently.

Two World Bank economies have no ISO 3166-1 code. We keep the World Bank's own codes as the
country key: XKX (Kosovo) and CHI (Channel Islands, UN M49 830).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import country_converter as coco
import pandas as pd
import pandera.pandas as pa
import pycountry
from pandera.typing import Series

from dividend.safe_yaml import load_yaml
from sources.errors import SourceError
from sources.geography._model import StrictModel

OVERRIDES_PATH = Path(__file__).with_name("country_overrides.yaml")
AGGREGATE_M49_MIN = 900  # UN M49: codes >= 900 are world, regional and income aggregates


@cache
def overrides() -> dict:
    return load_yaml(OVERRIDES_PATH)


@cache
def _converter() -> coco.CountryConverter:
    """country-converter with its table read so that Namibia's ISO2 "NA" stays a string.

    coco 1.3's own loader turns "NA" into NaN under pandas 3 and then crashes compiling
    regexes; reading with keep_default_na=False and marking only empty cells missing avoids it.
    """
    table = pd.read_csv(
        coco.country_converter.COUNTRY_DATA_FILE,
        sep="\t",
        encoding="utf-8",
        keep_default_na=False,
        dtype=str,
    )
    table = table.mask(table.eq(""))
    return coco.CountryConverter(country_data=table)


@cache
def iso3_codes() -> frozenset[str]:
    """Valid country keys: ISO 3166-1 alpha-3 plus the World Bank's non-ISO economies."""
    return frozenset(c.alpha_3 for c in pycountry.countries) | frozenset(
        overrides()["non_iso_economies"]
    )


@cache
def aggregate_names() -> frozenset[str]:
    return frozenset(overrides()["aggregates"])


def is_aggregate_name(names: pd.Series) -> pd.Series:
    """True where a publisher name is a listed aggregate (World, regions, historical unions)."""
    return names.isin(aggregate_names())


# name -> country_converter's answer: its regex search costs ~0.3 ms a name, and the
# publishers share most names, so each distinct name is converted once per process.
_COCO_ANSWERS: dict[str, object] = {}


def _coco_iso3(names: list[str]) -> list[object]:
    """country_converter's ISO3 (None if not found) for each name."""
    todo = [n for n in dict.fromkeys(names) if n not in _COCO_ANSWERS]
    if todo:
        coco_logger = logging.getLogger("country_converter.country_converter")
        level = coco_logger.level
        coco_logger.setLevel(logging.CRITICAL)  # unknown names are reported by the caller
        try:
            found = _converter().convert(names=todo, to="ISO3", not_found=None)
        finally:
            coco_logger.setLevel(level)
        found = [found] if len(todo) == 1 else found  # coco unwraps a one-name answer
        _COCO_ANSWERS.update(zip(todo, found, strict=True))
    return [_COCO_ANSWERS[n] for n in names]


@cache
def _name_lookup(names: tuple[str, ...]) -> dict[str, str | None]:
    """Name -> ISO3 (None for listed aggregates, "" if unknown) for a set of unique names."""
    explicit: dict[str, str] = overrides()["names"]
    todo = [n for n in names if n not in explicit and n not in aggregate_names()]
    found = _coco_iso3(todo)
    valid = iso3_codes()
    out: dict[str, str | None] = dict.fromkeys(n for n in names if n in aggregate_names())
    out.update({n: explicit[n] for n in names if n in explicit})
    out.update(
        {
            n: (f if isinstance(f, str) and f in valid else "")
            for n, f in zip(todo, found, strict=True)
        }
    )
    return out


def name_to_iso3(names: Iterable[str], *, dataset: str, file: str) -> pd.Series:
    """ISO3 for each country name (NA for listed aggregates); unknown names raise SourceError."""
    names = pd.Series(list(names) if not isinstance(names, pd.Series) else names, dtype="str")
    lookup = _name_lookup(tuple(sorted(names.dropna().unique())))
    unknown = sorted(n for n, code in lookup.items() if code == "")
    if unknown:
        raise SourceError(
            f"{len(unknown)} geography name(s) are neither a country nor a listed aggregate: "
            f"{unknown}; add them to sources/geography/country_overrides.yaml",
            dataset=dataset,
            file=file,
            column="geo",
        )
    return names.map(lookup).astype("str")


@cache
def non_iso_alpha2() -> dict[str, str]:
    """Publisher two-letter codes that are not ISO alpha-2 (TU, UK, …) -> ISO3, from the table."""
    return dict(overrides()["alpha2"])


@cache
def _alpha2_table() -> dict[str, str]:
    table = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    table.update(non_iso_alpha2())
    return table


def alpha2_codes() -> frozenset[str]:
    """Every two-letter code `alpha2_to_iso3` accepts (so a reader can name the bad row)."""
    return frozenset(_alpha2_table())


def alpha2_to_iso3(
    codes: Iterable[str], *, dataset: str, file: str, column: str = "geo"
) -> pd.Series:
    """ISO3 for each two-letter code: ISO alpha-2, or a listed non-ISO code; unknown ones raise."""
    codes = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes, dtype="str")
    mapped = codes.map(_alpha2_table())
    unknown = sorted(set(codes[mapped.isna()].tolist()))
    if unknown:
        raise SourceError(
            f"two-letter code(s) {unknown} are neither ISO 3166-1 alpha-2 nor listed under "
            "`alpha2` in sources/geography/country_overrides.yaml",
            dataset=dataset,
            file=file,
            column=column,
        )
    return mapped.astype("str")


@cache
def _m49_table() -> dict[int, str]:
    table = {int(c.numeric): c.alpha_3 for c in pycountry.countries}
    table.update({int(k): v for k, v in overrides()["m49"].items()})
    return table


def m49_to_iso3(codes: Iterable[int], *, dataset: str, file: str) -> pd.Series:
    """ISO3 for each UN M49 code below 900 (NA for aggregates >= 900); unknown codes raise."""
    codes = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes).astype("int64")
    mapped = codes.map(_m49_table())
    unknown = sorted(set(codes[mapped.isna() & (codes < AGGREGATE_M49_MIN)].tolist()))
    if unknown:
        raise SourceError(
            f"UN M49 code(s) {unknown} have no ISO3 equivalent and are not aggregates (>= 900); "
            "add them to sources/geography/country_overrides.yaml",
            dataset=dataset,
            file=file,
            column="Location code",
        )
    return mapped.where(codes < AGGREGATE_M49_MIN).astype("str")


class Countries(StrictModel):
    """The `staged.countries` reference table: one row per country key."""

    iso3: Series[str] = pa.Field(unique=True, str_matches=r"^[A-Z]{3}$")
    iso2: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]{2}$")
    m49: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, lt=AGGREGATE_M49_MIN)
    name: Series[str] = pa.Field(str_length={"min_value": 1})
    is_iso3166: Series[bool]
    wb_region: Series[str] = pa.Field(nullable=True)
    wb_income_group: Series[str] = pa.Field(nullable=True)
    is_wb_economy: Series[bool]
    is_oecd_fb_reporter: Series[bool]


def build_countries() -> pd.DataFrame:
    """ISO 3166-1 countries plus XKX/CHI, with World Bank region/income and OECD coverage.

    World Bank classification comes from the newest WDI metadata in the catalogue (the net
    migration download, 2024); OECD coverage from the foreign-born share file.
    """
    from sources.catalogue import dataset
    from sources.readers.oecd_dp_live_csv import read as read_oecd
    from sources.readers.worldbank_api_csv import read_country_metadata

    iso = pd.DataFrame(
        {
            "iso3": [c.alpha_3 for c in pycountry.countries],
            "iso2": [c.alpha_2 for c in pycountry.countries],
            "m49": [int(c.numeric) for c in pycountry.countries],
            "name": [getattr(c, "common_name", c.name) for c in pycountry.countries],
            "is_iso3166": True,
        }
    )
    extra = pd.DataFrame(
        [
            {"iso3": k, "iso2": v["iso2"], "m49": v["m49"], "name": v["name"], "is_iso3166": False}
            for k, v in overrides()["non_iso_economies"].items()
        ]
    )
    out = pd.concat([iso, extra], ignore_index=True)
    out["m49"] = out["m49"].astype("Int64")

    wb_ds = dataset("worldbank_wdi_net_migration")
    meta = read_country_metadata(wb_ds)
    meta = meta[meta["region"].notna()].set_index("code")
    out["wb_region"] = out["iso3"].map(meta["region"]).astype("str")
    out["wb_income_group"] = out["iso3"].map(meta["income_group"]).astype("str")
    out["is_wb_economy"] = out["iso3"].isin(meta.index)
    missing = sorted(set(meta.index) - set(out["iso3"]))
    if missing:
        raise SourceError(
            f"World Bank economies without a country row: {missing}",
            dataset=wb_ds.id,
            column="Country Code",
        )
    oecd = read_oecd(dataset("oecd_foreign_born_population_share"))
    out["is_oecd_fb_reporter"] = out["iso3"].isin(oecd.loc[oecd["geo_level"] == "country", "geo"])
    out = out.sort_values("iso3", ignore_index=True)
    return Countries.validate(out, lazy=True)
