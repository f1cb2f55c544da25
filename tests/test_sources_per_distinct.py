"""sources.tidy.per_distinct: an element-wise string function evaluated once per distinct
value gives exactly what evaluating it on every row gives (values, dtype, index, name),
missing values included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sources.tidy import per_distinct

CODES = pd.Series(
    ["pop.ref:AFG", "dec.x.A.B.P", np.nan, "pop.ref:AFG", "sol.y:BRA", np.nan, "plain"] * 3,
    dtype="str",
    index=np.arange(21)[::-1] * 7,
    name="indicator",
)


@pytest.mark.parametrize(
    "fn",
    [
        lambda s: s.str.rsplit(":", n=1).str[1],
        lambda s: s.str.fullmatch(r"(pop|sol)\.[a-z_]+:[A-Z]{3}"),
        lambda s: s.str.len(),
        lambda s: s.str.upper(),
    ],
    ids=["rsplit-get", "fullmatch", "len", "upper"],
)
def test_per_distinct_equals_the_row_wise_result(fn):
    pd.testing.assert_series_equal(per_distinct(CODES, fn), fn(CODES))


def test_per_distinct_frame_result_equals_the_row_wise_extract():
    def fn(s):
        return s.str.extract(r"^(?P<kind>[a-z]+)\.(?P<rest>.*)$")

    pd.testing.assert_frame_equal(per_distinct(CODES, fn), fn(CODES))
