"""`row_check`: the dataframe-level (whole-row) checks of every pandera model.

pandera exempts a row whose every cell is missing from a dataframe check (`ignore_na`), and
to find such rows it scans every column of the frame for missing values, once per check: on
the big string-keyed source tables that scan cost more than the checks themselves. No row of
these tables can be all missing (their key columns are not nullable), so the exemption never
applies; without it every row is judged, which is stricter, never weaker. A missing result
(NA) is a failure, as it was when pandera combined it with the exemption.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa


def row_check(*, error: str) -> Callable[[classmethod], classmethod]:
    """`pa.dataframe_check(error=...)` that judges every row and fails a missing result."""

    def decorate(method: classmethod) -> classmethod:
        fn = method.__func__

        @functools.wraps(fn)
        def judged(cls, df: pd.DataFrame):
            out = fn(cls, df)
            if isinstance(out, pd.Series) and out.dtype != bool:
                out = out.fillna(False).astype(bool)
            return out

        return pa.dataframe_check(error=error, ignore_na=False)(classmethod(judged))

    return decorate
