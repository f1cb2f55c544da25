"""The full validation of one dataset, before anything of it is written anywhere.

Raw and staged are checked together: the raw table must pass its own model (tidy contract,
finite values, the publisher's year coverage from the catalogue, clean text, unique keys)
*and* the staging and the dataset's staged model must accept it. Only then may the pipeline
replace `raw.<id>`, and only then may `sources.refresh` swap in new publisher files. So a bad
file never replaces a good table, whichever layer would have noticed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sources.catalogue import Dataset
from sources.datasets import SourceSpec, StageResult
from sources.errors import SourceError
from sources.quality import QualityDecisions
from sources.tidy import raw_model
from sources.validate import validate

KEY = ["indicator", "geo", "year"]


@dataclass(frozen=True)
class CheckedDataset:
    raw: pd.DataFrame  # validated raw tidy table
    staged: pd.DataFrame  # validated staged table
    decisions: pd.DataFrame  # data_quality rows of the staging rules


def require_unique_keys(raw: pd.DataFrame, dataset: str) -> None:
    """A repeated (indicator, geo, year) names both file rows, not pandas' "duplicate entries"."""
    dup = raw.duplicated(KEY, keep=False)
    if not dup.any():
        return
    hits = raw[dup].sort_values([*KEY, "source_row"])
    first = hits.iloc[0]
    same = hits[(hits[KEY] == first[KEY]).all(axis=1)]
    rows = ", ".join(str(r) for r in same["source_row"].tolist())
    raise SourceError(
        f"duplicate key (indicator {first['indicator']!r}, geo {first['geo']!r}, year "
        f"{int(first['year'])}) on file rows {rows}; {int(dup.sum())} rows repeat a key",
        dataset=dataset,
        file=str(first["source_file"]),
        row=int(same["source_row"].iloc[-1]),
        column="geo",
    )


def check_raw(spec: SourceSpec, ds: Dataset, raw: pd.DataFrame) -> pd.DataFrame:
    """The raw table's own validation; returns the coerced frame."""
    frame = validate(raw, raw_model(*ds.coverage()), dataset=ds.id, table=f"raw.{ds.id}")
    if not spec.raw_duplicates:
        require_unique_keys(frame, ds.id)
    return frame


def check_staged(spec: SourceSpec, raw: pd.DataFrame) -> StageResult:
    """Stage a validated raw table, validate it and its quality decisions; a crash in the
    staging code on unexpected input becomes a SourceError that names the dataset."""
    ds_id = spec.dataset_id
    try:
        result = spec.stage(raw)
    except SourceError:
        raise
    except Exception as err:
        raise SourceError(
            f"staging failed on the raw table ({type(err).__name__}: {err})", dataset=ds_id
        ) from err
    table = validate(result.table, spec.schema, dataset=ds_id, table=f"staged.{ds_id}")
    # Even an empty decision table is typed, so quality.<id> never changes schema.
    decisions = validate(
        result.decisions, QualityDecisions, dataset=ds_id, table=f"quality.{ds_id}"
    )
    return StageResult(table, decisions)


def check_dataset(spec: SourceSpec, ds: Dataset) -> CheckedDataset:
    """Read (sha256 and size verified), validate raw, stage, validate staged."""
    raw = check_raw(spec, ds, spec.read(ds))
    staged = check_staged(spec, raw)
    return CheckedDataset(raw, staged.table, staged.decisions)
