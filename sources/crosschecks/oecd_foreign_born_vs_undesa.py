"""OECD foreign-born share of the population against UN DESA's migrant stock share."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sources.crosschecks import CrossCheck, paired_decisions

OECD = "oecd_foreign_born_population_share"
UNDESA = "undesa_ims2020_destination"
OECD_SERIES = "FBORNPOP.TOT.PC_POP"
UNDESA_SERIES = "T3.STOCK_PCT_POP.BOTH"


def compare(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    oecd = tables[OECD]
    undesa = tables[UNDESA]
    left = oecd[oecd["indicator"].eq(OECD_SERIES) & oecd["geo_level"].eq("country")]
    right = undesa[undesa["indicator"].eq(UNDESA_SERIES) & undesa["geo_level"].eq("country")]
    return paired_decisions(CHECK.check_id, left, right, unit=CHECK.unit)


CHECK = CrossCheck(
    check_id="oecd_foreign_born_vs_undesa",
    description=(
        "OECD foreign-born population (FBORNPOP, % of population, annual) against UN DESA "
        "International Migrant Stock 2020, Table 3 (migrant stock as % of total population, "
        "both sexes), for the years both publish: 2000, 2005, 2010 and 2015 (UN DESA is "
        "five-yearly; OECD ends in 2019). Both count people born abroad, so they should agree. "
        "They differ because UN DESA estimates mid-year stocks, interpolates between censuses, "
        "uses foreign citizenship where birthplace is not recorded (its 'type of data' C) and "
        "adds refugees for some countries, while OECD reports national registers or surveys "
        "at a reference date that varies by country. Difference = OECD minus UN DESA, in "
        "percentage points."
    ),
    datasets=(OECD, UNDESA),
    compare=compare,
    unit="% of population",
)
