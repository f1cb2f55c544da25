"""WDI refugee population (SM.POP.REFG) against UNHCR's own count, per asylum country and year.

WDI's series is UNHCR's refugees (incl. refugee-like situations) PLUS Palestine refugees
registered with UNRWA, whom UNHCR's mandate excludes: for Syria 2019 WDI has 578,525 = UNHCR
16,213 + UNRWA 562,312. So the difference (WDI minus UNHCR) is UNRWA's count in Jordan,
Lebanon, Syria and Palestine (West Bank and Gaza), and elsewhere UNHCR's revisions since the
WDI 2022-04 vintage. Each decision belongs to the WDI row (file and line of refugee_pop.csv).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sources.crosschecks import CrossCheck, paired_decisions

WDI = "worldbank_wdi_2022_04_mirror"
UNHCR = "unhcr_refugee_statistics"
WDI_SERIES = "SM.POP.REFG"
UNHCR_REFUGEES = "pop.refugees:"
UNHCR_TOTAL = "pop.refugees:* (sum over origins)"
UNRWA_FIELDS = {  # UNRWA's areas of operation (ISO3)
    "JOR": "Jordan",
    "LBN": "Lebanon",
    "SYR": "Syria",
    "PSE": "Palestine (West Bank and Gaza)",
}
NO_UNHCR_ROWS = "PSE"  # UNHCR's population table has no asylum row for Palestine in any year


def unhcr_refugees_hosted(unhcr: pd.DataFrame) -> pd.DataFrame:
    """Refugees hosted per asylum country and year, summed over origins (incl. unknown and
    stateless). A country-year with population rows but no refugee row hosts 0 refugees."""
    pop = unhcr[unhcr["indicator"].str.startswith("pop.") & unhcr["geo_level"].eq("country")]
    present = pop.groupby(["geo", "year"], as_index=False).agg(
        source_file=("source_file", "first"), source_row=("source_row", "min")
    )
    refugees = pop[pop["indicator"].str.startswith(UNHCR_REFUGEES)]
    hosted = refugees.groupby(["geo", "year"])["value"].sum()
    present["value"] = (
        hosted.reindex(pd.MultiIndex.from_frame(present[["geo", "year"]])).fillna(0.0).to_numpy()
    )
    present["dataset"] = UNHCR
    present["indicator"] = UNHCR_TOTAL
    return present


def _palestine(wdi: pd.DataFrame) -> pd.DataFrame:
    """Palestine: WDI's refugees there are all UNRWA's; UNHCR lists nobody there (0)."""
    rows = wdi[wdi["geo"].eq(NO_UNHCR_ROWS)]
    return pd.DataFrame(
        {
            "dataset": UNHCR,
            "indicator": UNHCR_TOTAL + " (no asylum row for PSE in UNHCR's table)",
            "geo": rows["geo"].to_numpy(),
            "year": rows["year"].to_numpy(),
            "value": 0.0,
            "source_file": "population.rda",
            "source_row": 1,
        }
    )


def compare(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    wdi, unhcr = tables[WDI], tables[UNHCR]
    left = wdi[wdi["indicator"].eq(WDI_SERIES) & wdi["geo_level"].eq("country")]
    hosted = unhcr_refugees_hosted(unhcr)
    if not hosted["geo"].eq(NO_UNHCR_ROWS).any():
        hosted = pd.concat([hosted, _palestine(left)], ignore_index=True)
    out = paired_decisions(CHECK.check_id, left, hosted, unit=CHECK.unit)
    unrwa = out["geo"].isin(list(UNRWA_FIELDS))
    out.loc[unrwa, "reason"] = out.loc[unrwa, "reason"] + (
        "; UNRWA: WDI adds Palestine refugees registered with UNRWA in "
        + out.loc[unrwa, "geo"].map(UNRWA_FIELDS)
        + ", whom UNHCR's count excludes (UNRWA mandate): the difference is mainly UNRWA's count"
    )
    same = ~unrwa & out["difference"].eq(0)
    out.loc[same, "reason"] = out.loc[same, "reason"] + "; identical: WDI republishes UNHCR's count"
    revised = ~unrwa & ~same
    out.loc[revised, "reason"] = out.loc[revised, "reason"] + (
        "; outside UNRWA's fields: UNHCR's revisions since the WDI 2022-04 vintage"
    )
    return out


CHECK = CrossCheck(
    check_id="unhcr_vs_wdi_refugees",
    description=(
        "WDI refugee population by country of asylum (SM.POP.REFG, 2022-04 vintage, "
        "1960-2020) against UNHCR's refugees hosted (population.rda `refugees`, summed over "
        "origins incl. unknown and stateless), for the country-years both publish. WDI adds "
        "Palestine refugees registered with UNRWA (Jordan, Lebanon, Syria, Palestine); UNHCR "
        "excludes them, so there the difference is UNRWA's count (Syria 2019: 578,525 vs "
        "16,213). Elsewhere WDI republishes UNHCR's count; differences are UNHCR's revisions "
        "since WDI's vintage. Difference = "
        "WDI minus UNHCR, persons."
    ),
    datasets=(WDI, UNHCR),
    compare=compare,
    unit="persons",
)
