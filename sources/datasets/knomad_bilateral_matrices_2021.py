"""World Bank–KNOMAD bilateral migrant-stock and remittance matrices, 2021 (December 2022).

Bilateral: `geo` = the row economy (ISO3), the column economy is the counterpart in the
indicator. `bmm.stock:DEU` at geo TUR = migrants born in Turkey living in Germany (the
origin-side diaspora view); `brm.sent:IND` at geo ARE = US$ million sent from the UAE to
India (a model estimate that allocates balance-of-payments totals with migrant stocks and
incomes, not an observed flow). The publisher's totals and residuals keep their own keys:
WORLD, OTHER_NORTH, OTHER_SOUTH (geo_level aggregate, or the counterpart of a country row).
Empty cells are "no estimate" and are not emitted; the corridors the footnote says are
assumed zero (India-Pakistan, Lebanon-Israel, Azerbaijan-Armenia, both ways) are empty cells.

Rules:
- `knomad_matrix_footnote_row` (drop): citation and notes under the table, text only.
- `knomad_matrix_check_sum_row` (drop): an unlabeled cell under the remittance table holding
  `=SUM(DF3:DF216)` (Lebanon's column); the reader verifies it equals the column sum.
- `knomad_matrix_not_available` (drop): the cell "…" (Ghana -> Latvia stock).
- `knomad_matrix_total` (flag): a publisher total or residual row/column (World, Other North,
  Other South): adding it to the corridors double counts. Venezuela is left out of the
  remittance totals (footnote), so they are not the sum of the corridors either.
- `knomad_brm_resaved_provenance` (flag, every row of the remittance file, applied first so
  the rules above show on their rows; the decisions table holds it for every row):
  last saved by a third party in 2024 (creator KNOMAD, lastModifiedBy "88"); cells not
  verified against knomad.org.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged
from sources.geography.countries import name_to_iso3
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import knomad_matrix_xlsx as reader
from sources.row_checks import row_check
from sources.tidy import to_staged

DATASET_ID = "knomad_bilateral_matrices_2021"
REMITTANCE_FILE = "bilateral_remittance_matrix_2021.xlsx"
FOOTNOTE_ROW = Rule(
    name="knomad_matrix_footnote_row",
    action="drop",
    reason="citation or note under the matrix: text, not an economy",
)
CHECK_SUM_ROW = Rule(
    name="knomad_matrix_check_sum_row",
    action="drop",
    reason="unlabeled spreadsheet SUM of one column under the matrix (verified equal to the "
    "column's sum over economies): a check added to the sheet, not an economy",
)
NOT_AVAILABLE = Rule(
    name="knomad_matrix_not_available",
    action="drop",
    reason="publisher marker '…': estimate not available",
)
TOTAL = Rule(
    name="knomad_matrix_total",
    action="flag",
    reason="publisher total or residual (World, Other North, Other South), not a corridor: "
    "adding it to the corridors double counts (remittance totals also leave out Venezuela)",
)
RESAVED = Rule(
    name="knomad_brm_resaved_provenance",
    action="flag",
    reason="remittance matrix re-saved by a third party (lastModifiedBy '88', 2024-05-15; "
    "creator KNOMAD): cells not verified against knomad.org",
)
RANGES = {  # plausible value range per matrix (2021)
    "bmm.stock": (0.0, 3e8),  # persons; world total 282 million
    "brm.sent": (0.0, 1e6),  # US$ million; world total 781,076
}


def _keys(names: pd.Series, file: str, column: str) -> pd.Series:
    """ISO3 for economies, the publisher total's key for totals; unknown names raise."""
    total = names.map(reader.TOTALS)
    iso3 = name_to_iso3(names.where(total.isna(), "World"), dataset=DATASET_ID, file=file)
    iso3.index = names.index
    return total.fillna(iso3).rename(column)


def stage(raw: pd.DataFrame) -> StageResult:
    note = raw["indicator"].eq(reader.FOOTNOTE)
    check = raw["indicator"].str.contains(":", regex=False) & raw["indicator"].str.split(":").str[
        0
    ].str.endswith("." + reader.CHECK_SUM)
    cells = ~(note | check)
    parts = []
    for file, grp in raw[cells].groupby("source_file", sort=False):
        code, name = (
            grp["indicator"].str.split(":", n=1).str[0],
            grp["indicator"].str.split(":", n=1).str[1],
        )
        geo = _keys(grp["geo"], str(file), "geo")
        part = to_staged(grp, geo, geo.where(grp["geo_level"].eq("country")))
        part["indicator"] = (code + ":" + _keys(name, str(file), "indicator")).to_numpy()
        parts.append(part)
    extra = raw[~cells]
    if len(extra):
        parts.append(to_staged(extra, extra["geo"], pd.Series(pd.NA, index=extra.index)))
    staged = pd.concat(parts, ignore_index=True)
    counterpart = staged["indicator"].str.split(":", n=1).str[1]
    total = staged["geo"].isin(set(reader.TOTALS.values())) | counterpart.isin(
        set(reader.TOTALS.values())
    )
    decisions = [  # first the provenance flag on every row, then what overrides it
        apply_rule(staged, staged["source_file"].eq(REMITTANCE_FILE).to_numpy(), RESAVED),
        apply_rule(staged, total.to_numpy(), TOTAL),
        apply_rule(staged, staged["indicator"].eq(reader.FOOTNOTE).to_numpy(), FOOTNOTE_ROW),
        apply_rule(
            staged, staged["geo"].str.startswith(reader.CHECK_SUM + ":").to_numpy(), CHECK_SUM_ROW
        ),
        apply_rule(staged, staged["flag"].eq(reader.NOT_AVAILABLE).to_numpy(), NOT_AVAILABLE),
    ]
    return StageResult(staged, concat_decisions(decisions))


class KnomadMatrixStaged(CountryStaged):
    """Staged KNOMAD matrices: ISO3 row economies and counterparts, 2021, bounded values."""

    @row_check(error="value outside its matrix's plausible range (negative or too large)")
    @classmethod
    def plausible_range(cls, df: pd.DataFrame) -> Series[bool]:
        code = df["indicator"].str.split(":", n=1).str[0]
        low = code.map({k: v[0] for k, v in RANGES.items()})
        high = code.map({k: v[1] for k, v in RANGES.items()})
        return df["value"].isna() | df["value"].between(low, high)

    @row_check(error="year must be 2021, the matrices' only year")
    @classmethod
    def year_2021(cls, df: pd.DataFrame) -> Series[bool]:
        return df["year"].eq(2021)

    @row_check(error="rows under the matrix (footnotes, check sums) must be dropped")
    @classmethod
    def extras_dropped(cls, df: pd.DataFrame) -> Series[bool]:
        extra = df["indicator"].eq(reader.FOOTNOTE) | df["geo"].str.startswith(reader.CHECK_SUM)
        return ~extra | df["value"].isna()

    @row_check(
        error="a remittance-matrix row shows the re-saved provenance flag unless a later rule acted"
    )
    @classmethod
    def resaved_flagged(cls, df: pd.DataFrame) -> Series[bool]:
        later = df["qc_rule"].isin([TOTAL.name, FOOTNOTE_ROW.name, CHECK_SUM_ROW.name])
        return df["source_file"].ne(REMITTANCE_FILE) | df["qc_rule"].eq(RESAVED.name) | later


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank-KNOMAD bilateral migrant-stock matrix (origin x destination) and "
    "bilateral remittance matrix (sending x receiving, US$ million, re-saved by a third "
    "party: flagged), 2021 estimates, December 2022 version.",
    read=reader.read,
    stage=stage,
    schema=KnomadMatrixStaged,
)
