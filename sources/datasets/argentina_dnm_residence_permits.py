"""Argentina (Dirección Nacional de Migraciones): residence permits granted per quarter by
jurisdiction and type (transitory, temporary, permanent, total), 2017Q1–2020Q2.

City-level context for the study city Buenos Aires (CABA = city `AR-CABA`; e.g. 2019Q1:
24,215 permits, 6,815 permanent); provinces are regions `AR-PR-<INDEC code>`. Context only,
never scored. Rules (all flag, values kept):
- `dnm_permits_file_not_verified`: the 2018Q4 and 2020Q2 files were re-written in the source
  repository (commit 2e21759, README); both lack the CABA row, and 2018Q4 its final line
  break. Their rows are not verified against the publisher and are marked; CABA has no value
  for those two quarters (nothing is filled in).
- `dnm_permits_header_missing`: the 2019Q3 file has no header line; its columns are read in
  the order of the other 13 files, which the TOTAL = sum-of-parts check supports.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.datasets._argentina import ArgentinaStaged, keys_from_indec
from sources.datasets._domain import COUNT, require_domain
from sources.geography.argentina import geo_level, jurisdiction_codes
from sources.quality import Rule, apply_rule, concat_decisions
from sources.readers import dnm_permits_csv
from sources.tidy import RAW_COLUMNS

DATASET_ID = "argentina_dnm_residence_permits"
PERIODS = {  # file -> (year, quarter); the names are the publisher's, typos included
    "recidencias-otorgadas-1-trimestre---ano---2017.csv": (2017, 1),
    "recidencias-otorgadas-2-trimestre---ano---2017.csv": (2017, 2),
    "residencias-otorgadas---3-trimestre---ano-2017.csv": (2017, 3),
    "residencias-otorgadas---4-trimestre---ano-2017.csv": (2017, 4),
    "residencias-otorgadas---1-trimestre---ano-2018.csv": (2018, 1),
    "residencias-otorgadas---2-trimestre---ano-2018.csv": (2018, 2),
    "residencias-otorgadas---3-trimestre---ano-2018.csv": (2018, 3),
    "residencias-otorgadas---4-trimestre---ano-2018.csv": (2018, 4),
    "residencias-otorgadas---1-trimestre---ano-2019.csv": (2019, 1),
    "residencias-otorgadas---2-trimestre---ano-2019.csv": (2019, 2),
    "residencias-otorgadas---3-trimestre---ano-2019.csv": (2019, 3),
    "residencias-otorgadas---4-trimestre---ano-2019.csv": (2019, 4),
    "residencias-otorgadas---1-trimestre---ano-2020.csv": (2020, 1),
    "residencias-otorgadas---2-trimestre---ano-2020.csv": (2020, 2),
}
NOT_VERIFIED = frozenset(
    {
        "residencias-otorgadas---4-trimestre---ano-2018.csv",
        "residencias-otorgadas---2-trimestre---ano-2020.csv",
    }
)
FILE_NOT_VERIFIED = Rule(
    name="dnm_permits_file_not_verified",
    action="flag",
    reason="file re-written in the source repository (commit 2e21759), possibly edited by its "
    "author: not verified against the publisher; it also lacks the CABA row",
)
HEADER_MISSING = Rule(
    name="dnm_permits_header_missing",
    action="flag",
    reason="file has no header line: columns assumed in the order of the other 13 files "
    "(PROVINCIA, TRANSITORIAS, TEMPORARIAS, PERMANENTES, TOTAL); TOTAL = sum of parts holds",
)


def read(ds: Dataset) -> pd.DataFrame:
    names = sorted(f.name for f in ds.data_files())
    if names != sorted(PERIODS):
        raise ValueError(f"{DATASET_ID}: data files {names} differ from the known quarters")
    parts = [
        dnm_permits_csv.read_file(ds, name, *PERIODS[name], final_newline=name not in NOT_VERIFIED)
        for name in names
    ]
    raw = pd.concat(parts, ignore_index=True)
    raw["geo_level"] = geo_level(jurisdiction_codes(raw["geo"], dataset=ds.id)).to_numpy()
    return raw[RAW_COLUMNS]


def stage(raw: pd.DataFrame) -> StageResult:
    require_domain(
        raw,
        ranges={"permits": COUNT},
        years=(2017, 2020),
        value_column=lambda r: str(r["indicator"]).split(":")[0],
        year_column="file name",
    )
    codes = jurisdiction_codes(raw["geo"], dataset=DATASET_ID)
    staged = keys_from_indec(raw, codes)
    decisions = [
        apply_rule(staged, staged["source_file"].isin(NOT_VERIFIED).to_numpy(), FILE_NOT_VERIFIED),
        apply_rule(staged, staged["flag"].eq(dnm_permits_csv.NO_HEADER).to_numpy(), HEADER_MISSING),
    ]
    return StageResult(staged, concat_decisions(decisions))


class ResidencePermitsStaged(ArgentinaStaged):
    """Residence permits per quarter by Argentine jurisdiction (CABA as the city AR-CABA)."""

    indicator: Series[str] = pa.Field(str_matches=rf"^({'|'.join(dnm_permits_csv.COUNTS)}):Q[1-4]$")
    unit: Series[str] = pa.Field(isin=["permits"])
    year: Series[int] = pa.Field(ge=2017, le=2020)
    qc_action: Series[str] = pa.Field(isin=["none", "flag"])


SPEC = SourceSpec(
    dataset_id=DATASET_ID,
    description="Argentina DNM: residence permits granted per quarter by jurisdiction and type, "
    "2017Q1–2020Q2 (City of Buenos Aires as city AR-CABA); two re-written files and one "
    "headerless file flagged by named rules. City-level context for Buenos Aires; not scored.",
    read=read,
    stage=stage,
    schema=ResidencePermitsStaged,
)
