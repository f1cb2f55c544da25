"""World Bank–KNOMAD remittance inflows and outflows (US$ million), June 2023 release.

Fills the gap in WDI's remittances paid (no UAE or Singapore rows): KNOMAD reports UAE
outflows of US$ 44,956 million in 2019. Rules:
- `knomad_zero_is_no_data` (drop): KNOMAD writes a year without data as 0, not blank (README:
  Afghanistan inflows 2000–2007 = 0). Every exact 0 is treated as "no data": reported flows are
  written to the dollar (the smallest positive values are US$ 6,000, i.e. 0.006 million), and
  the zeros sit where a series has not started (AFG inflows 2000–07), has stopped (Yemen
  outflows 2017–21) or was never compiled (Vietnam outflows: 0 in every year but 2014). A real
  flow of exactly zero would be indistinguishable; none is documented.
- `knomad_footnote_row` (drop): the notes under the table (units, definitions, citation) are
  text, not economies; each is recorded with its sheet row.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_names, range_model
from sources.datasets._domain import COUNT, SHARE, require_domain
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import knomad_xlsx
from sources.row_checks import row_check
from sources.tidy import to_staged

DATASET_ID = "knomad_remittance_flows_2023_06"
INFLOWS, OUTFLOWS = "KNOMAD.INFLOWS", "KNOMAD.OUTFLOWS"
OUTFLOWS_PCT_GDP = OUTFLOWS + knomad_xlsx.PCT_GDP_SUFFIX
FIRST_YEAR, LAST_YEAR = 2000, 2022  # the release's coverage
ZERO_IS_NO_DATA = Rule(
    name="knomad_zero_is_no_data",
    action="drop",
    reason="KNOMAD writes a year without data as 0 (README: Afghanistan inflows 2000-2007); "
    "reported flows are written to the dollar (smallest positive value US$ 0.006 million), "
    "so an exact 0 is a missing year, not a flow of zero",
)
FOOTNOTE_ROW = Rule(
    name="knomad_footnote_row",
    action="drop",
    reason="footnote under the table (units, definitions, citation, release date): text, "
    "not an economy",
)


def read(ds: Dataset) -> pd.DataFrame:
    return knomad_xlsx.read(ds)


def _header(row: pd.Series) -> str:
    """The sheet's header of the column holding a raw row's value."""
    pct = str(row["indicator"]).endswith(knomad_xlsx.PCT_GDP_SUFFIX)
    return f"% of GDP in {row['year']}" if pct else str(row["year"])


def stage(raw: pd.DataFrame) -> StageResult:
    note = raw["indicator"].eq(knomad_xlsx.FOOTNOTE)
    notes = raw[note]
    require_domain(
        raw[~note],
        ranges={INFLOWS: COUNT, OUTFLOWS: COUNT, OUTFLOWS_PCT_GDP: SHARE},
        years=(FIRST_YEAR, LAST_YEAR),
        by="indicator",
        value_column=_header,
        year_column="header row",
    )
    parts = [keys_from_names(raw[~note])]
    if len(notes):
        parts.append(to_staged(notes, notes["geo"], pd.Series(pd.NA, index=notes.index)))
    staged = pd.concat(parts, ignore_index=True)
    zero = staged["value_raw"].eq(0) & ~staged["indicator"].eq(knomad_xlsx.FOOTNOTE)
    decisions = [
        apply_rule(staged, zero.to_numpy(), ZERO_IS_NO_DATA),
        apply_rule(staged, staged["indicator"].eq(knomad_xlsx.FOOTNOTE).to_numpy(), FOOTNOTE_ROW),
    ]
    return StageResult(staged, concat_decisions(decisions))


_KnomadRanges = range_model(
    "_KnomadRanges",
    {
        INFLOWS: (0.0, 2e6),  # US$ million; world inflows 2022 ~831,000
        OUTFLOWS: (0.0, 2e6),
        OUTFLOWS_PCT_GDP: (0.0, 100.0),
        knomad_xlsx.FOOTNOTE: (0.0, 0.0),  # never a value (dropped)
    },
    "KNOMAD flows: non-negative US$ million, outflows as % of GDP within 0-100.",
)


class KnomadStaged(_KnomadRanges):
    """Staged KNOMAD flows: names keyed to ISO3, zeros-as-missing and footnotes dropped."""

    @row_check(error=f"flow year outside the release's coverage {FIRST_YEAR}-{LAST_YEAR}")
    @classmethod
    def year_in_coverage(cls, df: pd.DataFrame) -> Series[bool]:
        return df["indicator"].eq(knomad_xlsx.FOOTNOTE) | df["year"].between(FIRST_YEAR, LAST_YEAR)

    @row_check(error="a footnote row must be dropped and carry no value")
    @classmethod
    def footnotes_dropped(cls, df: pd.DataFrame) -> Series[bool]:
        note = df["indicator"].eq(knomad_xlsx.FOOTNOTE)
        return ~note | (df["qc_rule"].eq(FOOTNOTE_ROW.name) & df["value_raw"].isna())


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank–KNOMAD remittance inflows and outflows (US$ million, ~215 "
    "economies, 2000–2022; outflows also as % of GDP 2022), June 2023; zeros that mean "
    "'no data' and the footnote rows dropped by named rules.",
    read=read,
    stage=stage,
    schema=KnomadStaged,
)
