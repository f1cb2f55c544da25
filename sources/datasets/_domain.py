"""Domain checks: every value is checked in the dataset and file where it lives.

Not a dataset module (no SPEC). A staging function calls `require_domain` on its raw table
before any rule runs, so a negative count, a share above 100, an infinite value or a year
outside the publisher's coverage fails with a SourceError naming the dataset, the file, the
file row and the publisher's column that hold the bad value, not a table derived from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from sources.errors import SourceError

COUNT = (0.0, np.inf)  # persons, flows, stocks: non-negative
SHARE = (0.0, 100.0)  # percentages of a whole


def _fail(
    raw: pd.DataFrame,
    bad: np.ndarray,
    column: str | Callable[[pd.Series], str],
    message: Callable[[pd.Series], str],
) -> None:
    """SourceError at the first `bad` row, with its dataset, file, file row and `column`."""
    if not bad.any():
        return
    row = raw.iloc[int(np.flatnonzero(bad)[0])]
    raise SourceError(
        message(row),
        dataset=str(row["dataset"]),
        file=str(row["source_file"]),
        row=int(row["source_row"]),
        column=column if isinstance(column, str) else column(row),
    )


def require_domain(
    raw: pd.DataFrame,
    *,
    ranges: Mapping[str, tuple[float, float]],
    years: tuple[int, int],
    by: str = "unit",
    value_column: str | Callable[[pd.Series], str] = "OBS_VALUE",
    year_column: str = "TIME_PERIOD",
) -> None:
    """Raise at the first row whose value or year is outside its domain.

    `ranges` maps each value of column `by` (the unit, or the indicator) to (low, high),
    inclusive; a `by` value without a range fails too, so a new series cannot pass unchecked.
    `years` is the publisher's coverage (first, last). `value_column` and `year_column` are
    the publisher's names for those columns in the file, used in the error; in a file that
    is wide by year, `value_column` may be a function of the failing raw row (its year header).
    """
    value = raw["value"].to_numpy(dtype="float64")
    year = raw["year"].to_numpy(dtype="int64")
    keys = raw[by].astype("str")
    _fail(
        raw,
        ~keys.isin(list(ranges)).to_numpy(),
        by,
        lambda r: f"no domain declared for {by} {r[by]!r}",
    )
    low = keys.map({k: v[0] for k, v in ranges.items()}).to_numpy(dtype="float64")
    high = keys.map({k: v[1] for k, v in ranges.items()}).to_numpy(dtype="float64")
    observed = ~np.isnan(value)
    _fail(
        raw,
        observed & ~np.isfinite(value),
        value_column,
        lambda r: f"value {r['value']} of {r['indicator']} ({r['geo']}, {r['year']}) is not finite",
    )
    _fail(
        raw,
        observed & ((value < low) | (value > high)),
        value_column,
        lambda r: (
            f"value {r['value']:g} of {r['indicator']} ({r['geo']}, {r['year']}) is "
            f"outside its domain {ranges[str(r[by])]} for {by} {r[by]!r}"
        ),
    )
    first, last = years
    _fail(
        raw,
        (year < first) | (year > last),
        year_column,
        lambda r: (
            f"year {r['year']} of {r['indicator']} ({r['geo']}) is outside the "
            f"publisher's coverage {first}-{last}"
        ),
    )
