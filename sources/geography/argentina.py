"""Argentina's 24 jurisdictions (INDEC codes) and the City of Buenos Aires as a city unit.

The City of Buenos Aires (Ciudad Autónoma de Buenos Aires, CABA, INDEC 02) is a first-level
jurisdiction, so Argentine publishers report it beside the provinces. It is keyed as the
city `AR-CABA`, linked to ARG and to the study city "Buenos Aires"; the provinces are
regions `AR-PR-<INDEC code>`. Greater Buenos Aires spans CABA and part of BUENOS AIRES
province (06): no publisher here splits that province, so the city unit is CABA alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.errors import SourceError

CABA_KEY = "AR-CABA"
CABA_NAME = "Ciudad Autónoma de Buenos Aires"
CABA_INDEC = 2
# INDEC code -> name as RENAPER writes it (upper case, no accents)
JURISDICTIONS = {
    2: "CIUDAD AUTONOMA DE BUENOS AIRES",
    6: "BUENOS AIRES",
    10: "CATAMARCA",
    14: "CORDOBA",
    18: "CORRIENTES",
    22: "CHACO",
    26: "CHUBUT",
    30: "ENTRE RIOS",
    34: "FORMOSA",
    38: "JUJUY",
    42: "LA PAMPA",
    46: "LA RIOJA",
    50: "MENDOZA",
    54: "MISIONES",
    58: "NEUQUEN",
    62: "RIO NEGRO",
    66: "SALTA",
    70: "SAN JUAN",
    74: "SAN LUIS",
    78: "SANTA CRUZ",
    82: "SANTA FE",
    86: "SANTIAGO DEL ESTERO",
    90: "TUCUMAN",
    94: "TIERRA DEL FUEGO",
}
NAME_ALIASES = {"CIUDAD AUTONOMA DE BS AS": CABA_INDEC}  # DNM's abbreviation
_BY_NAME = {name: code for code, name in JURISDICTIONS.items()} | NAME_ALIASES


def jurisdiction_key(codes: pd.Series) -> pd.Series:
    """INDEC code -> `AR-CABA` for the city, `AR-PR-<code>` for a province."""
    codes = codes.astype("int64")
    province = "AR-PR-" + codes.astype("str").str.zfill(2)
    return province.where(codes.ne(CABA_INDEC), CABA_KEY).astype("str")


def jurisdiction_codes(names: pd.Series, *, dataset: str, file: str | None = None) -> pd.Series:
    """Jurisdiction names (RENAPER or DNM spelling) -> INDEC code; unknown names raise."""
    codes = names.map(_BY_NAME)
    if codes.isna().any():
        unknown = sorted(set(names[codes.isna()]))
        raise SourceError(
            f"unknown Argentine jurisdiction name(s) {unknown}",
            dataset=dataset,
            file=file,
            column="PROVINCIA",
        )
    return codes.astype("int64")


def geo_level(codes: pd.Series) -> pd.Series:
    """`city` for CABA, `region` for the provinces."""
    city = codes.astype("int64").eq(CABA_INDEC)
    return pd.Series(np.where(city, "city", "region"), index=codes.index, dtype="str")
