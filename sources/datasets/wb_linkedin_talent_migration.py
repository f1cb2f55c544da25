"""World Bank Group–LinkedIn net talent migration between country pairs, 2015–2019.

Bilateral: `geo` = base country (ISO3), indicator `net_per_10k:<target ISO3>` = net arrivals
of LinkedIn members into the base country from the target, per 10,000 members of the base
country. It measures LinkedIn members only (a skilled, online workforce): a brain-gain /
brain-drain proxy, not a population statistic.

Rules, both on every row (the decisions table holds both; staged rows show the second):
- `linkedin_trailing_empty_columns` (flag): the file carries 9 unnamed empty columns on every
  row, a sign it was re-saved by a spreadsheet after the publisher released it; the reader
  checks they are empty and ignores them.
- `linkedin_weak_provenance` (flag): a mirror whose source URL and licence are not recorded;
  values not verified against the World Bank–LinkedIn release.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandera.typing import Series

from sources.datasets import SourceSpec, StageResult
from sources.datasets._country import CountryStaged
from sources.errors import SourceError
from sources.geography.countries import alpha2_codes, alpha2_to_iso3
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import linkedin_talent_csv as reader
from sources.row_checks import row_check
from sources.tidy import to_staged

DATASET_ID = "wb_linkedin_talent_migration"
TRAILING = Rule(
    name="linkedin_trailing_empty_columns",
    action="flag",
    reason="the row carries 9 unnamed empty columns (file re-saved by a spreadsheet after "
    "release); checked empty and ignored, values not compared with the publisher's",
)
WEAK_PROVENANCE = Rule(
    name="linkedin_weak_provenance",
    action="flag",
    reason="skills-flow proxy from a third-party mirror: source URL and licence not recorded, "
    "values not verified against the World Bank-LinkedIn release; LinkedIn members only",
)


def _iso3(raw: pd.DataFrame, codes: pd.Series, column: str) -> pd.Series:
    """ISO3 of lower-case alpha-2 codes; an unknown code fails at its first file row."""
    upper = codes.str.upper()
    file = str(raw["source_file"].iat[0]) if len(raw) else "?"
    known = upper.isin(list(alpha2_codes()))
    if not known.all():
        i = int(np.flatnonzero(~known.to_numpy())[0])
        raise SourceError(
            f"{codes.iat[i]!r} is not an ISO alpha-2 code (nor listed in country_overrides.yaml)",
            dataset=DATASET_ID,
            file=file,
            row=int(raw["source_row"].iat[i]),
            column=column,
        )
    return alpha2_to_iso3(upper, dataset=DATASET_ID, file=file, column=column)


def stage(raw: pd.DataFrame) -> StageResult:
    base = _iso3(raw, raw["geo"], "base_country_code")
    target = _iso3(raw, raw["indicator"].str.rsplit(":", n=1).str[1], "target_country_code")
    staged = to_staged(raw, base, base)
    staged["indicator"] = (reader.INDICATOR + ":" + target).to_numpy()
    decisions = [
        apply_rule(
            staged,
            staged["flag"].str.endswith(reader.TRAILING_FLAG).fillna(False).to_numpy(),
            TRAILING,
        ),
        apply_rule(staged, pd.Series(True, index=staged.index).to_numpy(), WEAK_PROVENANCE),
    ]
    return StageResult(staged, concat_decisions(decisions))


class LinkedinStaged(CountryStaged):
    """Staged LinkedIn pairs: ISO3 on both sides, 2015-2019, bounded flows, all flagged."""

    @row_check(error="year outside the release's coverage 2015-2019")
    @classmethod
    def year_in_coverage(cls, df: pd.DataFrame) -> Series[bool]:
        return df["year"].between(reader.YEARS[0], reader.YEARS[-1])

    @row_check(error="net flow must be finite and within +/-10,000 per 10,000 members")
    @classmethod
    def bounded(cls, df: pd.DataFrame) -> Series[bool]:
        return df["value"].between(-reader.MAX_ABS, reader.MAX_ABS)

    @row_check(error="indicator must be net_per_10k:<target ISO3>, not the base itself")
    @classmethod
    def pair_code(cls, df: pd.DataFrame) -> Series[bool]:
        ok = df["indicator"].str.fullmatch(reader.INDICATOR + r":[A-Z]{3}")
        return ok & df["indicator"].ne(reader.INDICATOR + ":" + df["geo"])

    @row_check(error="every row carries the weak-provenance flag")
    @classmethod
    def provenance_flagged(cls, df: pd.DataFrame) -> Series[bool]:
        return df["qc_rule"].eq(WEAK_PROVENANCE.name)


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="World Bank Group-LinkedIn net talent migration per 10,000 LinkedIn members, "
    "140 x 140 country pairs, 2015-2019: a skills-flow proxy with weak provenance (flagged).",
    read=reader.read,
    stage=stage,
    schema=LinkedinStaged,
)
