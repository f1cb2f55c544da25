"""The hand-typed MIPEX III table against MIPEX 2020's own 2010 overall score."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sources.crosschecks import CrossCheck, paired_decisions

HANDCOMPILED = "mipex_overall_scores_handcompiled"
MIPEX2020 = "mipex2020_core_2007_2019"
HAND_SERIES = "MIPEX_OVERALL"
MIPEX2020_SERIES = "overall.without_health"  # MIPEX III (2010) had no health strand
YEAR = 2010


def compare(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    hand = tables[HANDCOMPILED]
    m2020 = tables[MIPEX2020]
    left = hand[hand["indicator"].eq(HAND_SERIES)]
    right = m2020[m2020["indicator"].eq(MIPEX2020_SERIES) & m2020["year"].eq(YEAR)]
    return paired_decisions(CHECK.check_id, left, right, on=("geo",), unit=CHECK.unit)


CHECK = CrossCheck(
    check_id="mipex_handcompiled_vs_mipex2020",
    description=(
        "Hand-typed MIPEX III overall scores (year 2010 assumed, not stated in the file) "
        "against MIPEX 2020's 'Overall Score (with/out health)' for 2010, per country. MIPEX "
        "III had seven strands and no health strand, hence the series without health. They "
        "differ because MIPEX 2020 recalculated every year with its own core indicator set "
        "(fewer indicators, some redefined) rather than MIPEX III's full questionnaire; the "
        "hand-typed values may also carry typing errors. Difference = hand-typed minus "
        "MIPEX 2020, in points. Croatia has no 2010 score in MIPEX 2020 (#DIV/0!), so it is "
        "not compared. The hand-typed table is kept only for this check; it is not scored."
    ),
    datasets=(HANDCOMPILED, MIPEX2020),
    compare=compare,
    unit="MIPEX points (0-100)",
)
