"""City geography: Eurostat country prefixes, the QoL crosswalk, the city table, study cities.

Keys: European cities by Eurostat core-city code (`NL037C`); US cities by Census place as
`US-<state>-<place>` (`US-IL-Chicago city`: the place name as the Census writes it, type
included, so "city" and "municipality" stay distinct); Canadian cities by StatCan CMA as
`CA-CMA-<SGC code>` (`CA-CMA-535` Toronto; Ottawa - Gatineau comes in two provincial parts,
`CA-CMA-505-24` and `CA-CMA-505-35`); the City of Buenos Aires as `AR-CABA` (peer group
`ar`: context data only, no city framework scores it). Every city carries its country's ISO3.
"""

from __future__ import annotations

import importlib
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from dividend.safe_yaml import load_yaml
from sources.catalogue import dataset
from sources.errors import SourceError
from sources.geography._model import StrictModel
from sources.geography.argentina import CABA_KEY, CABA_NAME
from sources.geography.countries import alpha2_to_iso3

GEO_DIR = Path(__file__).resolve().parent
OVERRIDES_PATH = GEO_DIR / "city_overrides.yaml"
STUDY_CITIES_PATH = GEO_DIR / "study_cities.yaml"
SGC_PATH = GEO_DIR / "statcan_sgc2016.yaml"
QOL_CITIES_PATH = GEO_DIR / "qol_cities_2023.yaml"

PERCEP_ID = "eurostat_urb_percep_bulk"
AUDIT_ID = "eurostat_urban_audit_sdmxcsv"
QOL_ID = "eu_qol_european_cities_2023"
NAE_ID = "nae_cities_index_us"
STATCAN_ID = "statcan_census2016_immigrants_by_cma"
ARGENTINA_IDS = ("argentina_dnm_foreign_residents", "argentina_dnm_residence_permits")
QOL_FILE = "quality_of_life_european_cities_2023_aggregated_data.xlsx"
QOL_SHEET = "QoL in European cities 2023_V2"
CORE_CITY_RE = r"^[A-Z]{2}\d{3}C$"

# Letters NFKD does not decompose.
_FOLD_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "ı": "i"}
)


def eurostat_geo_iso3(codes: pd.Series, *, dataset: str) -> pd.Series:
    """ISO3 of the country of each Eurostat geo code (`NL037C`, `NL`), from its 2-letter prefix.

    Eurostat writes EL for Greece and UK for the United Kingdom; both are in the `alpha2`
    table of country_overrides.yaml, read by `alpha2_to_iso3`."""
    prefix = codes.astype(str).str[:2]
    unique = pd.Series(prefix.unique(), dtype="str")
    try:
        iso3 = alpha2_to_iso3(unique, dataset=dataset, file="?")
    except SourceError as err:
        raise SourceError(
            f"unknown Eurostat country prefix(es): {err}", dataset=dataset, column="geo"
        ) from None
    return prefix.map(dict(zip(unique, iso3, strict=True))).astype("str")


def fold_name(names: pd.Series) -> pd.Series:
    """Accent- and case-folded names with normalised spacing (`Bruxelles / Brussel` = `Bruxelles/Brussel`)."""
    decomposed = names.astype(str).str.translate(_FOLD_LETTERS).str.normalize("NFKD")
    plain = decomposed.map(lambda s: "".join(ch for ch in s if not unicodedata.combining(ch)))
    return (
        plain.str.casefold()
        .str.replace(r"\s*/\s*", "/", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )


# --- publisher dictionaries ---------------------------------------------------------------


@cache
def eurostat_core_cities() -> pd.DataFrame:
    """Eurostat core-city codes (`CC###C`) and names, from `cities.dic`."""
    from sources.readers.eurostat_bulk_tsv import read_dic

    dic = read_dic(dataset(PERCEP_ID), "cities.dic")
    core = dic[dic.index.str.match(CORE_CITY_RE)]
    return pd.DataFrame({"eurostat_code": core.index.astype(str), "eurostat_name": core.to_numpy()})


@cache
def qol_cities() -> pd.DataFrame:
    from sources.readers.qol_banner_xlsx import read_banner

    return read_banner(dataset(QOL_ID), QOL_FILE, QOL_SHEET)


@cache
def statcan_sgc() -> dict[str, dict[str, str]]:
    return load_yaml(SGC_PATH)


@cache
def qol_expected_cities() -> pd.DataFrame:
    """The survey's 83 cities (qol_code, qol_name) in banner order: an explicit list, so a
    workbook that lost or renamed a city column is refused rather than read short."""
    doc = load_yaml(QOL_CITIES_PATH)["qol_cities_2023"]
    return pd.DataFrame({"qol_code": [str(k) for k in doc], "qol_name": list(doc.values())})


def require_qol_cities(banner: pd.DataFrame) -> None:
    """`banner` (qol_code, qol_name, in column order) must be exactly the survey's cities;
    the error names the workbook, banner row 2 and the first column that differs."""
    from openpyxl.utils import get_column_letter

    from sources.readers.qol_banner_xlsx import FIRST_CITY_COL

    want = qol_expected_cities()
    got = banner[["qol_code", "qol_name"]].astype(str).reset_index(drop=True)
    key = ["qol_code", "qol_name"]
    absent = ~want.merge(got.drop_duplicates(), on=key, how="left", indicator=True)["_merge"].eq(
        "both"
    )
    surplus = ~got.merge(want, on=key, how="left", indicator=True)["_merge"].eq("both")
    if len(got) == len(want) and not absent.any() and not surplus.any():
        return
    # the column where the first expected city is missing or renamed, else the first extra
    i = int(absent.argmax()) if absent.any() else int(surplus.argmax()) if surplus.any() else 0
    missing = want[~want["qol_code"].isin(got["qol_code"])]
    extra = got[~got["qol_code"].isin(want["qol_code"])]
    renamed = got.merge(want, on="qol_code", suffixes=("", "_expected"))
    renamed = renamed[renamed["qol_name"] != renamed["qol_name_expected"]]
    detail = [f"{len(got)} city columns, the 2023 survey has {len(want)}"]
    if len(missing):
        detail.append(f"missing {(missing['qol_code'] + ' ' + missing['qol_name']).tolist()}")
    if len(extra):
        detail.append(f"unexpected {(extra['qol_code'] + ' ' + extra['qol_name']).tolist()}")
    if len(renamed):
        detail.append(f"renamed {dict(zip(renamed['qol_code'], renamed['qol_name'], strict=True))}")
    raise SourceError(
        "city banner differs from sources/geography/qol_cities_2023.yaml: "
        + "; ".join(detail)
        + " (first difference in this column)",
        dataset=QOL_ID,
        file=QOL_FILE,
        row=2,
        column=get_column_letter(FIRST_CITY_COL + i + 1),
    )


def _overrides() -> pd.DataFrame:
    doc = load_yaml(OVERRIDES_PATH)["qol_to_eurostat"]
    return pd.DataFrame(
        [
            {"qol_code": str(k), **{f: v[f] for f in ("qol_name", "eurostat_code", "note")}}
            for k, v in doc.items()
        ]
    )


# --- crosswalk ------------------------------------------------------------------------------


class QolCrosswalk(StrictModel):
    qol_code: Series[str] = pa.Field(unique=True, str_matches=r"^\d{3,4}$")
    qol_name: Series[str]
    eurostat_code: Series[str] = pa.Field(unique=True, str_matches=CORE_CITY_RE)
    eurostat_name: Series[str]
    method: Series[str] = pa.Field(isin=["name-match", "override"])
    note: Series[str] = pa.Field(nullable=True)


def qol_banner(raw: pd.DataFrame) -> pd.DataFrame:
    """The QoL cities (qol_code, qol_name) of a raw QoL table, so the workbook is read once."""
    return raw[["geo", "geo_label"]].drop_duplicates().set_axis(["qol_code", "qol_name"], axis=1)


def build_qol_crosswalk(qol: pd.DataFrame | None = None) -> pd.DataFrame:
    """QoL survey city code -> Eurostat core-city code: unique folded-name match, else override.

    `qol` (qol_code, qol_name) defaults to the workbook's banner; staging passes the raw
    table's cities so the workbook is not opened twice.
    """
    qol = (qol_cities() if qol is None else qol)[["qol_code", "qol_name"]].copy()
    require_qol_cities(qol)
    core = eurostat_core_cities().copy()
    core["key"] = fold_name(core["eurostat_name"])
    unique_names = core[~core["key"].duplicated(keep=False)]  # Marseille has two codes
    qol["key"] = fold_name(qol["qol_name"])
    matched = qol.merge(unique_names[["key", "eurostat_code"]], on="key", how="left")
    matched["method"] = "name-match"
    matched["note"] = pd.NA

    over = _overrides()
    stale = sorted(set(over["qol_code"]) - set(qol["qol_code"]))
    if stale:
        raise SourceError(
            f"overrides for QoL codes not in the workbook {stale}",
            dataset=QOL_ID,
            file=OVERRIDES_PATH.name,
        )
    o = matched["qol_code"].isin(over["qol_code"])
    by_code = over.set_index("qol_code")
    matched.loc[o, "eurostat_code"] = matched.loc[o, "qol_code"].map(by_code["eurostat_code"])
    matched.loc[o, "note"] = matched.loc[o, "qol_code"].map(by_code["note"])
    matched.loc[o, "method"] = "override"

    missing = matched[matched["eurostat_code"].isna()]
    if len(missing):
        raise SourceError(
            f"QoL cities with no Eurostat code: {missing['qol_name'].tolist()} (add an override)",
            dataset=QOL_ID,
            file=OVERRIDES_PATH.name,
        )
    names = core.set_index("eurostat_code")["eurostat_name"]
    unknown = sorted(set(matched["eurostat_code"]) - set(names.index))
    if unknown:
        raise SourceError(
            f"override codes not in cities.dic {unknown}", dataset=QOL_ID, file=OVERRIDES_PATH.name
        )
    matched["eurostat_name"] = matched["eurostat_code"].map(names)
    out = matched[["qol_code", "qol_name", "eurostat_code", "eurostat_name", "method", "note"]]
    return QolCrosswalk.validate(out.reset_index(drop=True), lazy=True)


# --- US places and Canadian CMAs -------------------------------------------------------------


def nae_place_key(places: pd.Series) -> pd.Series:
    """`Chicago city, IL` -> `US-IL-Chicago city`."""
    parts = places.astype(str).str.extract(r"^\s*(?P<place>.+?),\s*(?P<state>[A-Z]{2})\s*$")
    if parts["place"].isna().any():
        bad = places[parts["place"].isna()].iloc[0]
        raise SourceError(
            f"Census place {bad!r} is not '<place>, <state>'", dataset=NAE_ID, column="city"
        )
    return "US-" + parts["state"] + "-" + parts["place"]


def statcan_geo(codes: pd.Series) -> pd.DataFrame:
    """Key, label and level of StatCan SGC residence codes (`01`, `35`, `35-x-nie`, `535`, `35505`)."""
    sgc = statcan_sgc()
    code = codes.astype(str)
    province = code.str[:2]
    is_country = code.isin(list(sgc["country"]))
    is_cma = code.str.fullmatch(r"\d{3}")
    is_part = code.str.fullmatch(r"\d{5}")
    is_rest = code.str.fullmatch(r"\d{2}-x-nie")
    is_prov = code.str.fullmatch(r"\d{2}") & ~is_country
    prov_name = province.map(sgc["provinces"])
    cma_name = code.where(~is_part, code.str[2:]).map(sgc["cmas"])
    key = pd.Series(pd.NA, index=code.index, dtype="str")
    key[is_country] = "CAN"
    key[is_prov] = "CA-PR-" + code[is_prov]
    key[is_rest] = "CA-PR-" + province[is_rest] + "-outside-CMA"
    key[is_cma] = "CA-CMA-" + code[is_cma]
    key[is_part] = "CA-CMA-" + code[is_part].str[2:] + "-" + province[is_part]
    label = pd.Series(pd.NA, index=code.index, dtype="str")
    label[is_country] = code[is_country].map(sgc["country"])
    label[is_prov] = prov_name[is_prov]
    label[is_rest] = prov_name[is_rest] + ", outside CMAs"
    label[is_cma] = cma_name[is_cma]
    label[is_part] = cma_name[is_part] + " (" + prov_name[is_part] + " part)"
    level = pd.Series("region", index=code.index, dtype="str")
    level[is_country] = "country"
    level[is_cma | is_part] = "city"
    bad = key.isna() | label.isna()
    if bad.any():
        raise SourceError(
            f"unknown SGC residence code(s) {sorted(set(code[bad]))}",
            dataset=STATCAN_ID,
            column="indexes[1]",
        )
    return pd.DataFrame({"key": key, "label": label, "level": level})


# --- the city table --------------------------------------------------------------------------


class Cities(StrictModel):
    """One row per city covered by a city-level source."""

    city_key: Series[str] = pa.Field(unique=True)
    name: Series[str]
    country_iso3: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    peer_group: Series[str] = pa.Field(isin=["eu", "us", "ca", "ar"])
    eurostat_code: Series[str] = pa.Field(nullable=True, str_matches=CORE_CITY_RE)
    qol_code: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{3,4}$")
    nae_place: Series[str] = pa.Field(nullable=True)
    statcan_cma: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{3}$")
    sources: Series[str] = pa.Field(str_length={"min_value": 1})


def _raw(ds_id: str, raw_tables: dict[str, pd.DataFrame] | None) -> pd.DataFrame:
    if raw_tables is not None and ds_id in raw_tables:
        return raw_tables[ds_id]
    module = importlib.import_module(f"sources.datasets.{ds_id}")
    return module.SPEC.read(dataset(ds_id))


def build_cities(raw_tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The city table; pass the raw tables (by dataset id) to avoid re-reading the files."""
    # Europe: every core city with data in urb_percep or the Urban Audit, plus the QoL cities.
    eu_parts = []
    for ds_id in (PERCEP_ID, AUDIT_ID):
        raw = _raw(ds_id, raw_tables)
        city = raw.loc[raw["geo_level"].eq("city"), ["geo", "geo_label"]].drop_duplicates("geo")
        eu_parts.append(
            pd.DataFrame(
                {"eurostat_code": city["geo"], "label": city["geo_label"], "source": ds_id}
            )
        )
    qol_raw = raw_tables.get(QOL_ID) if raw_tables else None
    xwalk = build_qol_crosswalk(None if qol_raw is None else qol_banner(qol_raw))
    eu_parts.append(
        pd.DataFrame(
            {"eurostat_code": xwalk["eurostat_code"], "label": xwalk["qol_name"], "source": QOL_ID}
        )
    )
    eu_src = pd.concat(eu_parts, ignore_index=True)
    eu = eu_src.groupby("eurostat_code", as_index=False).agg(
        sources=("source", lambda s: ",".join(sorted(set(s)))), label=("label", "first")
    )
    # cities.dic names the core city; codes newer than the dictionary keep the publisher's label
    names = eurostat_core_cities().set_index("eurostat_code")["eurostat_name"]
    eu["name"] = eu["eurostat_code"].map(names).fillna(eu["label"])
    eu["city_key"] = eu["eurostat_code"]
    eu["country_iso3"] = eurostat_geo_iso3(eu["eurostat_code"], dataset=AUDIT_ID).to_numpy()
    eu["peer_group"] = "eu"
    eu["qol_code"] = eu["eurostat_code"].map(xwalk.set_index("eurostat_code")["qol_code"])

    nae = _raw(NAE_ID, raw_tables)["geo"].drop_duplicates()
    us = pd.DataFrame({"nae_place": nae.to_numpy()})
    us["city_key"] = nae_place_key(us["nae_place"]).to_numpy()
    us["name"] = us["nae_place"]
    us["country_iso3"], us["peer_group"], us["sources"] = "USA", "us", NAE_ID

    sc = _raw(STATCAN_ID, raw_tables)
    cma = sc.loc[sc["geo_level"].eq("city"), "geo"].drop_duplicates()
    geo = statcan_geo(cma).reset_index(drop=True)
    ca = pd.DataFrame({"city_key": geo["key"], "name": geo["label"]})
    ca["statcan_cma"] = cma.str[-3:].to_numpy()
    ca["country_iso3"], ca["peer_group"], ca["sources"] = "CAN", "ca", STATCAN_ID

    # Buenos Aires: the city-level rows of the Argentine sources (context only, never scored)
    ar_sources = [d for d in ARGENTINA_IDS if _raw(d, raw_tables)["geo_level"].eq("city").any()]
    ar = pd.DataFrame(
        {"city_key": [CABA_KEY], "name": [CABA_NAME], "sources": [",".join(ar_sources)]}
    ).iloc[: 1 if ar_sources else 0]
    ar["country_iso3"], ar["peer_group"] = "ARG", "ar"

    out = pd.concat([eu, us, ca, ar], ignore_index=True)
    for col in ("eurostat_code", "qol_code", "nae_place", "statcan_cma"):
        if col not in out:
            out[col] = pd.NA
    cols = list(Cities.to_schema().columns)
    return Cities.validate(out[cols].sort_values("city_key", ignore_index=True), lazy=True)


def require_known_countries(city_table: pd.DataFrame, country_keys: pd.Series) -> None:
    """Every city's country_iso3 is a row of staged.countries (checked before the write)."""
    orphan = city_table[~city_table["country_iso3"].isin(set(country_keys))]
    if len(orphan):
        first = orphan.iloc[0]
        src = str(first["sources"]).split(",")[0]
        raise SourceError(
            f"{len(orphan)} cities in a country that staged.countries lacks, e.g. "
            f"{first['city_key']!r} in {first['country_iso3']!r}",
            dataset=src,
            column="country_iso3",
        )


# --- study cities ----------------------------------------------------------------------------

NO_CITY_DATA = "no city-level data in the open sources"


class StudyCities(StrictModel):
    """The eight cities of the research brief, with whatever city codes the sources have."""

    study_city: Series[str] = pa.Field(unique=True)
    country_iso3: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")
    city_key: Series[str] = pa.Field(nullable=True)
    eurostat_code: Series[str] = pa.Field(nullable=True, str_matches=CORE_CITY_RE)
    qol_code: Series[str] = pa.Field(nullable=True)
    nae_place: Series[str] = pa.Field(nullable=True)
    statcan_cma: Series[str] = pa.Field(nullable=True)
    coverage: Series[str]
    note: Series[str]


def build_study_cities(cities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Resolve `study_cities.yaml` (names as each publisher spells them) against the city table."""
    cities = build_cities() if cities is None else cities
    spec = load_yaml(STUDY_CITIES_PATH)["study_cities"]
    rows = []
    for s in spec:  # eight cities
        hit = pd.DataFrame()
        if s.get("eurostat_name"):
            hit = cities[cities["peer_group"].eq("eu") & cities["name"].eq(s["eurostat_name"])]
            hit = hit[hit["country_iso3"].eq(s["country_iso3"])]
        elif s.get("nae_place"):
            hit = cities[cities["nae_place"].eq(s["nae_place"])]
        elif s.get("statcan_cma_name"):
            hit = cities[cities["peer_group"].eq("ca") & cities["name"].eq(s["statcan_cma_name"])]
        elif s.get("city_key"):
            hit = cities[cities["city_key"].eq(s["city_key"])]
        if len(hit) > 1:
            raise SourceError(
                f"study city {s['city']!r} matches {len(hit)} cities",
                dataset="study_cities",
                file=STUDY_CITIES_PATH.name,
            )
        expects_data = any(
            s.get(k) for k in ("eurostat_name", "nae_place", "statcan_cma_name", "city_key")
        )
        if expects_data and hit.empty:
            raise SourceError(
                f"study city {s['city']!r} not found in the city table",
                dataset="study_cities",
                file=STUDY_CITIES_PATH.name,
            )
        row = hit.iloc[0] if len(hit) else pd.Series(dtype=object)
        rows.append(
            {
                "study_city": s["city"],
                "country_iso3": s["country_iso3"],
                "city_key": row.get("city_key"),
                "eurostat_code": row.get("eurostat_code"),
                "qol_code": row.get("qol_code"),
                "nae_place": row.get("nae_place"),
                "statcan_cma": row.get("statcan_cma"),
                "coverage": row.get("sources") if len(hit) else "none",
                "note": s.get("note") or ("" if len(hit) else NO_CITY_DATA),
            }
        )
    return StudyCities.validate(pd.DataFrame(rows), lazy=True)
