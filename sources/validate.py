"""Lazy pandera validation that names dataset, file, row and column of every failure."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from sources.errors import SourceError

MAX_LISTED = 20


class ValidationFailed(SourceError):
    """All failures of one table, with the publisher file and row of each where known."""

    def __init__(self, dataset: str, table: str, failures: pd.DataFrame) -> None:
        self.failures = failures
        first = failures.iloc[0]
        lines = [
            f"  - {r.check} | column {r.column} | {r.file} row {r.row} | value {r.failure_case!r}"
            for r in failures.head(MAX_LISTED).itertuples()
        ]
        more = len(failures) - MAX_LISTED
        if more > 0:
            lines.append(f"  … and {more} more")
        super().__init__(
            f"table {table!r} failed validation with {len(failures)} failure(s):\n"
            + "\n".join(lines),
            dataset=dataset,
            file=None if pd.isna(first.file) else str(first.file),
            row=None if pd.isna(first.row) else first.row,
            column=None if pd.isna(first.column) else str(first.column),
        )


# A check over whole rows (dataframe_check) fails every column of a row at once; it is reported
# once per row, at the row's value (these checks are about the value or the key it sits on).
ROW_CHECK_COLUMN = "value"


def _one_per_row(fc: pd.DataFrame) -> pd.DataFrame:
    """pandera lists a failing row of a dataframe-level check once per column: keep one."""
    row_level = fc["schema_context"].eq("DataFrameSchema") & fc["index"].notna()
    rows = fc[row_level]
    if rows.empty:
        return fc
    at_value = rows[rows["column"].eq(ROW_CHECK_COLUMN)]
    rest = rows.drop_duplicates(["check", "index"])
    rest = rest[
        ~rest.set_index(["check", "index"]).index.isin(at_value.set_index(["check", "index"]).index)
    ]
    return pd.concat([fc[~row_level], at_value, rest], ignore_index=True)


def failure_table(frame: pd.DataFrame, err: pa.errors.SchemaErrors) -> pd.DataFrame:
    """pandera's failure cases joined to the publisher file and row of each failing record."""
    fc = _one_per_row(err.failure_cases.copy())
    idx = pd.to_numeric(fc["index"], errors="coerce")
    has_prov = {"source_file", "source_row"} <= set(frame.columns)
    pos = frame.index.get_indexer(idx.fillna(-1).astype("int64")) if has_prov else None
    if has_prov and pos is not None:
        ok = pos >= 0
        files = pd.Series(pd.NA, index=fc.index, dtype="object")
        rows = pd.Series(pd.NA, index=fc.index, dtype="object")
        files[ok] = frame["source_file"].to_numpy()[pos[ok]]
        rows[ok] = frame["source_row"].to_numpy()[pos[ok]]
    else:
        files = rows = pd.Series(pd.NA, index=fc.index, dtype="object")
    return pd.DataFrame(
        {
            "check": fc["check"].astype(str),
            "column": fc["column"],
            "file": files,
            "row": rows,
            "index": fc["index"],
            "failure_case": fc["failure_case"],
        }
    )


def validate(
    frame: pd.DataFrame, schema: type[pa.DataFrameModel], *, dataset: str, table: str
) -> pd.DataFrame:
    """Validate every rule (lazy) and return the coerced frame, or raise one ValidationFailed."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise ValidationFailed(dataset, table, failure_table(frame, err)) from None
