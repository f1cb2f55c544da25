"""City geography: Eurostat country prefixes, the QoL crosswalk, the city table, study cities.

European cities are keyed by Eurostat city code (`CC###C`), US cities by Census place
(`US-<state>-<place name>`), Canadian cities by StatCan CMA (`CA-CMA-<code>`). Every city
carries its country's ISO3.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pycountry

from sources.errors import SourceError

# Eurostat uses EL for Greece and UK for the United Kingdom; everything else is ISO alpha-2.
EUROSTAT_PREFIX_ISO3 = {"EL": "GRC", "UK": "GBR"}


@cache
def _alpha2_to_iso3(prefix: str) -> str | None:
    if prefix in EUROSTAT_PREFIX_ISO3:
        return EUROSTAT_PREFIX_ISO3[prefix]
    country = pycountry.countries.get(alpha_2=prefix)
    return None if country is None else country.alpha_3


def eurostat_geo_iso3(codes: pd.Series, *, dataset: str) -> pd.Series:
    """ISO3 of the country of each Eurostat geo code (`NL037C`, `NL`), from its 2-letter prefix."""
    prefix = codes.astype(str).str[:2]
    mapping = {p: _alpha2_to_iso3(p) for p in prefix.unique()}
    unknown = sorted(p for p, iso3 in mapping.items() if iso3 is None)
    if unknown:
        raise SourceError(
            f"unknown Eurostat country prefix(es) {unknown}", dataset=dataset, column="geo"
        )
    return prefix.map(mapping).astype("str")


__all__ = ["EUROSTAT_PREFIX_ISO3", "eurostat_geo_iso3", "np"]
