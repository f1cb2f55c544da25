"""UNHCR Refugee Population Statistics: population, solutions and asylum decisions.

Population and solutions stay bilateral: `geo` is the country of asylum (ISO3), the origin
is the counterpart in the indicator (`pop.refugees:SYR` = refugees from Syria hosted by
`geo`); each staged row is one row of the file. Per-asylum-country totals are sums over
origins (`indicator LIKE 'pop.refugees:%'`), done where they are used (the UNHCR-vs-WDI
cross-check, indicator SQL). Asylum decisions are per asylum country, summed over origins by
the reader (`dec.recognized.G.FI.P`), keeping procedure (G/U/J), level (FI, AR, NA new
application, ...) and unit (P persons, C cases) in the code, so persons and cases, or first
instance and appeal, are never added up.

UNRWA-registered Palestine refugees are NOT counted here (UNHCR's mandate excludes them);
WDI's SM.POP.REFG includes them. See `sources/crosschecks/unhcr_vs_wdi_refugees.py`.

Rules:
- `unhcr_decisions_summed_over_origins` (flag): every asylum-decision row is a sum of file
  rows (raw `flag` says how many; `source_row` is the first).
- `unhcr_unknown_origin` (flag): origin `UNK`: UNHCR does not know the country of origin.
- `unhcr_stateless_origin` (flag): origin `XXA`: stateless persons (no country of origin).
- `unhcr_tibetan_origin` (flag): origin `TIB`: UNHCR's own code for Tibetans, not a country.
- `unhcr_unknown_asylum_country` (flag): asylum `UNK` (kept as an aggregate, so sums over
  asylum countries still add up to UNHCR's global totals; never scored).
- `unhcr_provisional_latest_year` (flag): the latest year of each table (2025) is provisional
  and partial in UNHCR's API (README); applied last, so it is the rule staged rows show.
Any other non-ISO code fails with the file, row and column (`coo_iso` / `coa_iso`).
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import unhcr_rda
from sources.row_checks import row_check
from sources.tidy import per_distinct, to_staged

DATASET_ID = "unhcr_refugee_statistics"
UNKNOWN, STATELESS, TIBETAN = "UNK", "XXA", "TIB"
ORIGIN_RULES = {
    UNKNOWN: Rule(
        name="unhcr_unknown_origin",
        action="flag",
        reason="origin UNK: UNHCR does not know the country of origin; counted in the "
        "asylum country's totals, never attributed to a country",
    ),
    STATELESS: Rule(
        name="unhcr_stateless_origin",
        action="flag",
        reason="origin XXA: stateless persons (ISO 3166 user-assigned code), no country of "
        "origin; counted in the asylum country's totals only",
    ),
    TIBETAN: Rule(
        name="unhcr_tibetan_origin",
        action="flag",
        reason="origin TIB: UNHCR's own code for Tibetan refugees (not an ISO country); "
        "counted in the asylum country's totals only",
    ),
}
UNKNOWN_ASYLUM = Rule(
    name="unhcr_unknown_asylum_country",
    action="flag",
    reason="asylum country UNK: UNHCR records these people without a country of asylum; kept "
    "as an aggregate so global sums match UNHCR, never scored",
)
SUMMED = Rule(
    name="unhcr_decisions_summed_over_origins",
    action="flag",
    reason="asylum decisions summed over countries of origin (unknown and stateless included) "
    "per asylum country, year, procedure, level and unit; source_row is the first summed row "
    "of asylum_decisions.rda, which keeps the origin detail",
)
PROVISIONAL = Rule(
    name="unhcr_provisional_latest_year",
    action="flag",
    reason="latest year of the table: provisional and partial in UNHCR's API (package "
    "2025.12.1); expect revisions",
)
MAX_COUNT = 1e8  # no single asylum x origin cell comes near 100 million people


def counterpart(indicator: pd.Series) -> pd.Series:
    """The origin code after the ':' of a bilateral indicator (NA for summed decisions)."""
    return per_distinct(indicator, lambda codes: codes.str.rsplit(":", n=1).str[1])


def stage(raw: pd.DataFrame) -> StageResult:
    country = raw["geo_level"].eq("country")
    staged = to_staged(raw, raw["geo"], raw["geo"].where(country))
    origin = counterpart(staged["indicator"])
    decisions = [
        apply_rule(staged, staged["flag"].notna().to_numpy(), SUMMED),
        *(apply_rule(staged, origin.eq(code).to_numpy(), r) for code, r in ORIGIN_RULES.items()),
        apply_rule(staged, staged["geo"].eq(UNKNOWN).to_numpy(), UNKNOWN_ASYLUM),
    ]
    latest = staged.groupby("source_file")["year"].transform("max")
    decisions.append(apply_rule(staged, staged["year"].eq(latest).to_numpy(), PROVISIONAL))
    return StageResult(staged, concat_decisions(decisions))


class UnhcrStaged(CountryStaged):
    """Staged UNHCR tables: asylum country ISO3 in geo, origin in the indicator, counts."""

    @row_check(error="count is not a finite, whole number in [1, 1e8] (zeros are not emitted)")
    @classmethod
    def counts(cls, df: pd.DataFrame) -> Series[bool]:
        v = df["value"]
        return v.between(1, MAX_COUNT) & (v % 1 == 0)

    @row_check(
        error="indicator is not <pop|sol>.<measure>:<origin> or dec.<measure>.<proc>.<level>.<P|C>"
    )
    @classmethod
    def bilateral_code(cls, df: pd.DataFrame) -> Series[bool]:
        return per_distinct(
            df["indicator"],
            lambda codes: codes.str.fullmatch(
                r"(pop|sol)\.[a-z_]+:[A-Z]{3}|dec\.[a-z_]+\.[A-Z]+\.[A-Z]+\.[PC]"
            ),
        )

    @row_check(error="year outside the table's coverage")
    @classmethod
    def year_in_coverage(cls, df: pd.DataFrame) -> Series[bool]:
        first = df["source_file"].map({k: t.first_year for k, t in unhcr_rda.TABLES.items()})
        last = df["source_file"].map({k: t.last_year for k, t in unhcr_rda.TABLES.items()})
        return df["year"].between(first, last)

    @row_check(error="a non-country asylum code must be an aggregate row")
    @classmethod
    def aggregates_are_listed(cls, df: pd.DataFrame) -> Series[bool]:
        return df["geo_level"].eq("country") | df["geo"].isin(list(unhcr_rda.NOT_COUNTRIES))


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="UNHCR refugee statistics by country of asylum x origin: refugees, asylum "
    "seekers, returns, IDPs, stateless and others of concern (1951-2025), solutions "
    "(returns, resettlement, naturalisation, 1959-2025) and asylum decisions (2000-2025). "
    "Excludes UNRWA-registered Palestine refugees; the latest year is provisional.",
    read=unhcr_rda.read,
    stage=stage,
    schema=UnhcrStaged,
)
