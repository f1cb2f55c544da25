"""EU Quality of Life in European Cities 2023: aggregated city results (banner XLSX).

Indicators `<question>:<answer code>` are weighted answer shares (fractions); `<question>:N`
is the block's unweighted number of respondents. Staging keys the survey's own city codes by
Eurostat core-city code through the QoL crosswalk (78 name matches + 5 overrides).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.errors import SourceError
from sources.geography.cities import (
    QOL_FILE,
    QOL_SHEET,
    build_qol_crosswalk,
    eurostat_geo_iso3,
    qol_banner,
    require_qol_cities,
)
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers.qol_banner_xlsx import read_qol_banner_xlsx
from sources.row_checks import row_check
from sources.tidy import StagedTidy, to_staged

DATASET_ID = "eu_qol_european_cities_2023"
SURVEY_YEAR = 2023
SUM_TOLERANCE = 1e-6

NOT_AVAILABLE = Rule(
    "qol_not_available",
    "drop",
    "the workbook writes 'Not available' instead of a share (question not asked or not "
    "reported for this city): recorded as missing",
)
ZERO_BASE = Rule(
    "qol_zero_respondents",
    "drop",
    "the block's unweighted count is 0, so its shares are placeholders (0), not answers",
)
SHARES_NOT_ONE = Rule(
    "qol_shares_do_not_sum_to_one",
    "flag",
    f"answer shares of this question and city do not add up to 1 (±{SUM_TOLERANCE:g}); "
    "top-box (TB_) recodes and multiple-response sets ($) are not expected to",
)


def read(ds: Dataset) -> pd.DataFrame:
    raw = read_qol_banner_xlsx(ds, QOL_FILE, QOL_SHEET, year=SURVEY_YEAR)
    require_qol_cities(qol_banner(raw))  # a lost city column fails here, before any write
    return raw


def _question(indicator: pd.Series) -> pd.Series:
    """The question part of `<question>:<answer>`; split once per distinct code (~2,000)."""
    codes, uniques = pd.factorize(indicator)
    questions = pd.Index(uniques).str.rsplit(":", n=1).str[0].to_numpy()
    return pd.Series(questions[codes], index=indicator.index)


def single_response_share(df: pd.DataFrame) -> pd.Series:
    """Share rows of questions whose answers are exclusive (not TB_ recodes, not $ sets)."""
    q = _question(df["indicator"])
    return df["unit"].eq("share") & ~q.str.startswith("TB_") & ~q.str.startswith("$")


def share_sum_deviation(df: pd.DataFrame) -> pd.Series:
    """|sum of shares - 1| of each row's (question, city) block; NaN if the block has a gap."""
    rows = single_response_share(df) & df["value"].notna()
    key = [_question(df["indicator"]), df["geo"]]
    total = df["value"].where(rows).groupby(key).transform("sum")
    gaps = (single_response_share(df) & df["value"].isna()).groupby(key).transform("any")
    return (total - 1).abs().where(rows & ~gaps)


def stage(raw: pd.DataFrame) -> StageResult:
    xwalk = build_qol_crosswalk(qol_banner(raw)).set_index("qol_code")["eurostat_code"]
    geo = raw["geo"].map(xwalk)
    if geo.isna().any():
        bad = raw.loc[geo.isna()].iloc[0]
        raise SourceError(
            f"QoL city {bad['geo']} {bad['geo_label']!r} is not in the crosswalk",
            dataset=DATASET_ID,
            file=bad["source_file"],
            row=2,
        )
    staged = to_staged(raw, geo, eurostat_geo_iso3(geo, dataset=DATASET_ID))
    untouched = lambda: staged["qc_action"].eq("none")  # noqa: E731  one rule per row
    decisions = [
        apply_rule(staged, staged["flag"].eq("not available").fillna(False), NOT_AVAILABLE)
    ]

    q = _question(staged["indicator"])
    n = (
        staged["value"]
        .where(staged["unit"].eq("count"))
        .groupby([q, staged["geo"]])
        .transform("max")
    )
    zero_base = staged["unit"].eq("share") & n.eq(0) & untouched()
    decisions.append(apply_rule(staged, zero_base, ZERO_BASE))

    off = share_sum_deviation(staged) > SUM_TOLERANCE
    decisions.append(apply_rule(staged, off & untouched(), SHARES_NOT_ONE))
    return StageResult(staged, concat_decisions(decisions))


class QolStaged(StagedTidy):
    """Shares in [0, 1], whole non-negative counts, Eurostat city keys; unflagged blocks sum to 1."""

    geo: Series[str] = pa.Field(str_matches=r"^[A-Z]{2}\d{3}C$")
    geo_level: Series[str] = pa.Field(isin=["city"])
    indicator: Series[str] = pa.Field(str_matches=r"^\$?[A-Za-z][\w]*:(?:-?\d+|N)$")
    unit: Series[str] = pa.Field(isin=["share", "count"])
    year: Series[int] = pa.Field(eq=SURVEY_YEAR)
    country_iso3: Series[str] = pa.Field(str_matches=r"^[A-Z]{3}$")

    @row_check(error="share outside [0, 1]")
    @classmethod
    def shares_are_fractions(cls, df: pd.DataFrame) -> Series[bool]:
        v = df["value"]
        return ~df["unit"].eq("share") | v.isna() | v.between(0, 1)

    @row_check(error="count is not a whole non-negative number")
    @classmethod
    def counts_are_whole(cls, df: pd.DataFrame) -> Series[bool]:
        v = df["value"]
        return ~df["unit"].eq("count") | v.isna() | ((v >= 0) & np.isclose(v, v.round()))

    @row_check(error="unflagged answer shares of a question and city do not sum to 1")
    @classmethod
    def unflagged_blocks_sum_to_one(cls, df: pd.DataFrame) -> Series[bool]:
        dev = share_sum_deviation(df)
        return ~(dev > SUM_TOLERANCE) | df["qc_rule"].eq(SHARES_NOT_ONE.name).fillna(False)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description=(
        "EU Quality of Life in European Cities 2023 (DG REGIO/Ipsos): answer shares and "
        "respondent counts for 104 questions in 83 cities, e.g. Q3_4 'good place for "
        "immigrants'. Keyed by Eurostat city code via the QoL crosswalk."
    ),
    read=read,
    stage=stage,
    schema=QolStaged,
)
