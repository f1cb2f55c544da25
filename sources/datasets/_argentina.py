"""Shared staging for the Argentine jurisdiction datasets (RENAPER residents, DNM permits).

Not a dataset module (no SPEC). Both key the City of Buenos Aires as the city `AR-CABA` and
the provinces as regions `AR-PR-<INDEC code>`, and publish whole, non-negative counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.geography.argentina import CABA_KEY, jurisdiction_key
from sources.row_checks import row_check
from sources.tidy import StagedTidy, to_staged


def keys_from_indec(raw: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """Staged frame keyed by jurisdiction (`codes`: INDEC code per raw row), country ARG."""
    return to_staged(raw, jurisdiction_key(codes), pd.Series("ARG", index=raw.index))


class ArgentinaStaged(StagedTidy):
    """Counts by Argentine jurisdiction: CABA is the city, provinces are regions."""

    geo: Series[str] = pa.Field(str_matches=rf"^({CABA_KEY}|AR-PR-\d{{2}})$")
    geo_level: Series[str] = pa.Field(isin=["city", "region"])
    value: Series[float] = pa.Field(ge=0)
    country_iso3: Series[str] = pa.Field(isin=["ARG"])

    @pa.check("value", error="count is not a whole number")
    @classmethod
    def whole(cls, value: Series[float]) -> Series[bool]:
        return pd.Series(np.mod(value.to_numpy(), 1) == 0, index=value.index)

    @row_check(error="the city level is CABA and only CABA")
    @classmethod
    def city_is_caba(cls, df: pd.DataFrame) -> Series[bool]:
        return df["geo_level"].eq("city") == df["geo"].eq(CABA_KEY)
