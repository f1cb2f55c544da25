"""UN DESA International Migrant Stock 2020, destination workbook, Tables 1-6.

Hazards, each a named rule:
- `undesa_repeated_aggregate`: the publisher lays aggregate 927 (Australia and New Zealand)
  out twice per sheet (under SDG regions and under Oceania) with identical values. The later
  copy is recorded as dropped and REMOVED from the table, so (indicator, geo, year) is a
  key. Repeats with different values would be ambiguous and raise a SourceError instead.
- `undesa_not_available`: cells marked ".." (not available / not reported separately).
- `undesa_privacy_suppressed`: cells marked "~" (fewer than five persons; Table 6).
Both markers are already missing in the raw table (flag = the marker); the rules record why.
"""

from __future__ import annotations

import pandas as pd

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import keys_from_m49, range_model
from sources.errors import SourceError
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import undesa_banner_xlsx
from sources.readers.undesa_banner_xlsx import BLOCKS, PERIOD

DATASET_ID = "undesa_ims2020_destination"
KEY = ["indicator", "geo", "year"]
REPEATED = Rule(
    name="undesa_repeated_aggregate",
    action="drop",
    reason="the workbook repeats this aggregate row with identical values (M49 927 appears "
    "under both SDG regions and Oceania); the later copy is removed from the table",
)
NOT_AVAILABLE = Rule(
    name="undesa_not_available",
    action="drop",
    reason="publisher marker '..': data not available or not reported separately",
)
SUPPRESSED = Rule(
    name="undesa_privacy_suppressed",
    action="drop",
    reason="publisher marker '~': protected for privacy (fewer than five persons)",
)
# Plausible range by unit (the reader's block table is the metadata).
UNIT_RANGES = {
    "persons": (0.0, 1e9),
    "thousand persons": (0.0, 1e7),
    "% of total population": (0.0, 100.0),
    "% of male population": (0.0, 100.0),
    "% of female population": (0.0, 100.0),
    "% of migrant stock": (0.0, 100.0),
    PERIOD: (-300.0, 300.0),  # continuous rate; a stock falling 95% in 5 years is -60%/yr
}
RANGES = {ind: UNIT_RANGES[unit] for blocks in BLOCKS.values() for ind, unit in blocks.values()}


def stage(raw: pd.DataFrame) -> StageResult:
    staged = keys_from_m49(raw)
    repeat = staged.duplicated(KEY, keep="first")
    if repeat.any():
        first = staged[staged.duplicated(KEY, keep="last")].set_index(KEY)["value_raw"]
        later = staged[repeat].set_index(KEY)["value_raw"]
        differ = ~(
            first.reindex(later.index).eq(later)
            | (first.reindex(later.index).isna() & later.isna())
        )
        if differ.any():
            row = staged[repeat][differ.to_numpy()].iloc[0]
            raise SourceError(
                f"M49 {row['geo']} is repeated with a different value ({row['indicator']}, {row['year']})",
                dataset=DATASET_ID,
                file=row["source_file"],
                row=int(row["source_row"]),
                column="Location code",
            )
    decisions = [apply_rule(staged, repeat, REPEATED)]
    staged = staged[~repeat.to_numpy()].copy()
    decisions.append(apply_rule(staged, staged["flag"].eq("..").to_numpy(), NOT_AVAILABLE))
    decisions.append(apply_rule(staged, staged["flag"].eq("~").to_numpy(), SUPPRESSED))
    return StageResult(staged.reset_index(drop=True), concat_decisions(decisions))


UndesaStaged = range_model(
    "UndesaStaged",
    RANGES,
    "Staged UN DESA migrant stock tables: ISO3 keys (M49 via pycountry), aggregates apart.",
)

SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="UN DESA International Migrant Stock 2020 by destination, Tables 1-6 "
    "(stock, population, stock % of population, female share, growth, refugees), 1990-2020.",
    read=undesa_banner_xlsx.read,
    stage=stage,
    schema=UndesaStaged,
    raw_duplicates=True,  # the publisher repeats rows; rule drops the copies (see stage)
)
