"""MIPEX 2020 integration-policy scores, 56 countries, annual 2007–2019 (0–100, higher = more
inclusive policy): overall scores with and without health, the 8 strands and their indicators.

Sheet codes are two-letter codes, mapped to ISO3 by `sources.geography.countries.alpha2_to_iso3`
(TU and UK through its explicit table). The quirks of the workbook are named rules:
cached `#DIV/0!` errors and text in score cells become missing values (drop), typo'd year
cells, non-ISO sheet codes and the few rows after the edition's 2019 reference year are kept
and flagged. Drops are applied last, so a row's qc_action says whether its value survived.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged
from sources.geography.countries import alpha2_to_iso3, non_iso_alpha2
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import mipex_country_sheets_xlsx as mipex
from sources.row_checks import row_check
from sources.tidy import to_staged

DATASET_ID = "mipex2020_core_2007_2019"
EDITION_YEAR = 2019
FIRST_YEAR, LAST_YEAR_IN_FILE = mipex.YEARS
SCORE_LOW, SCORE_HIGH = mipex.SCORE_RANGE
INDICATOR_PATTERN = (
    r"^(overall\.(with_health|without_health|without_health_education)"
    rf"|strand\.({'|'.join(mipex.STRANDS.values())})"
    rf"|indicator\.({'|'.join(mipex.STRANDS.values())})\.\S.*)$"
)

NON_ISO_SHEET = Rule(
    "mipex_non_iso_sheet_code",
    "flag",
    "sheet code is not ISO 3166-1 alpha-2 (TU = Turkey, UK = United Kingdom); mapped to ISO3 "
    "by the alpha2 table in sources/geography/country_overrides.yaml",
)
YEAR_CELL_TYPO = Rule(
    "mipex_year_cell_typo",
    "flag",
    "the indicator's own year cell contradicts its row's year (column A): a typo; the score is "
    "kept under the row's year",
)
AFTER_EDITION = Rule(
    "mipex_year_after_edition",
    "flag",
    f"year after the MIPEX 2020 reference year {EDITION_YEAR}: an update present for a few "
    "countries only (AE, JO, SA, ZA), not part of the 56-country edition",
)
DIV0 = Rule(
    "mipex_div0_not_covered",
    "drop",
    "cached Excel error #DIV/0!: the average had no scored indicator (country or strand not "
    "covered that year); missing, not zero",
)
TEXT_IN_SCORE = Rule(
    "mipex_text_in_score_cell",
    "drop",
    "a note or a pasted answer key in a score cell (e.g. \"DON'T FILL THESE YEARS FOR "
    'HEALTH"): no score',
)


def _flag_has(staged: pd.DataFrame, marker: str) -> pd.Series:
    return staged["flag"].fillna("").str.split(";").map(lambda parts: marker in parts)


def stage(raw: pd.DataFrame) -> StageResult:
    file = str(raw["source_file"].iat[0]) if len(raw) else "?"
    iso3 = alpha2_to_iso3(raw["geo"], dataset=DATASET_ID, file=file, column="sheet")
    staged = to_staged(raw, iso3, iso3)
    flag = staged["flag"].fillna("")
    decisions = [
        apply_rule(staged, staged["geo_label"].isin(non_iso_alpha2()), NON_ISO_SHEET),
        apply_rule(staged, flag.str.contains("year_cell=", regex=False), YEAR_CELL_TYPO),
        apply_rule(staged, staged["year"].gt(EDITION_YEAR), AFTER_EDITION),
        apply_rule(staged, _flag_has(staged, mipex.DIV0), DIV0),
        apply_rule(staged, _flag_has(staged, mipex.TEXT), TEXT_IN_SCORE),
    ]
    return StageResult(staged, concat_decisions(decisions))


class Mipex2020Staged(CountryStaged):
    """Staged MIPEX 2020 scores: countries only, 0–100, years 2007–2021 (after 2019 flagged)."""

    indicator: Series[str] = pa.Field(str_matches=INDICATOR_PATTERN)
    geo_level: Series[str] = pa.Field(isin=["country"])
    year: Series[int] = pa.Field(ge=FIRST_YEAR, le=LAST_YEAR_IN_FILE)
    value: Series[float] = pa.Field(nullable=True, ge=SCORE_LOW, le=SCORE_HIGH)
    value_raw: Series[float] = pa.Field(nullable=True, ge=SCORE_LOW, le=SCORE_HIGH)
    unit: Series[str] = pa.Field(isin=[mipex.UNIT])

    @row_check(error="a year after 2019 must carry a rule (mipex_year_after_edition)")
    @classmethod
    def after_edition_ruled(cls, df: pd.DataFrame) -> Series[bool]:
        return df["year"].le(EDITION_YEAR) | df["qc_action"].ne("none")

    @row_check(error="a publisher marker (#DIV/0!, text) must leave the value missing")
    @classmethod
    def markers_dropped(cls, df: pd.DataFrame) -> Series[bool]:
        marker = df["flag"].fillna("").str.contains(r"#DIV/0!|(?:^|;)text(?:;|$)")
        return ~marker | (df["value"].isna() & df["qc_action"].eq("drop"))


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="MIPEX 2020 integration-policy scores (0-100) for 56 countries, annual "
    "2007-2019 (a few 2020-2021 updates, flagged): overall scores with and without health and "
    "education, the 8 policy strands and their indicators. Cached #DIV/0! cells are dropped as "
    "missing; the non-ISO sheet codes TU and UK are mapped by the geography table and flagged.",
    read=mipex.read,
    stage=stage,
    schema=Mipex2020Staged,
)
