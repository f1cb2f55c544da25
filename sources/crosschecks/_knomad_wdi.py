"""Shared comparison for the KNOMAD-vs-WDI remittance checks (no CHECK: not a check itself).

KNOMAD publishes US$ million, WDI current US$: the WDI side is divided by 1e6, so every
difference is KNOMAD minus WDI in US$ million. Only country rows with a value on both sides
are compared: KNOMAD zeros dropped as "no data" are not compared.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sources.crosschecks import paired_decisions

KNOMAD = "knomad_remittance_flows_2023_06"
UNIT = "US$ million"


def knomad_vs_wdi(
    check_id: str,
    tables: Mapping[str, pd.DataFrame],
    knomad_series: str,
    wdi_dataset: str,
    wdi_series: str,
) -> pd.DataFrame:
    k, w = tables[KNOMAD], tables[wdi_dataset]
    left = k[k["indicator"].eq(knomad_series) & k["geo_level"].eq("country")]
    right = w[w["indicator"].eq(wdi_series) & w["geo_level"].eq("country")]
    right = right.assign(value=right["value"] / 1e6)
    return paired_decisions(check_id, left, right, unit=UNIT)


DIFFERENCES = (
    "Both rest on IMF balance-of-payments personal remittances; most pairs agree to within "
    "US$ 0.01 million. The large differences sit in a few countries where KNOMAD publishes "
    "a figure of its own rather than the BOP series WDI carries"
)
