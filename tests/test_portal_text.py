"""The portal's vectorised text helpers agree with the plain pandas operations they replace."""

import numpy as np
import pandas as pd

from dividend.portal.text import cat, esc_col, join_by


def test_join_by_matches_groupby_join_in_both_orders():
    vals = pd.Series(["a", "b", "c", "d", "e", "f"], index=[5, 3, 5, 1, 3, 5])
    keys = pd.Series(["y", "x", "y", None, "x", "z"], index=vals.index)
    for sort in (False, True):
        want = vals.groupby(keys, sort=sort).agg("|".join)
        got = join_by(vals, keys, "|", sort=sort)
        assert got.to_dict() == want.to_dict() and list(got.index) == list(want.index)
    by_label = join_by(vals, vals.index, "<br>", sort=True)
    assert by_label.to_dict() == vals.groupby(level=0).agg("<br>".join).to_dict()
    assert join_by(vals.iloc[:0], keys.iloc[:0]).empty


def test_cat_fast_path_and_pandas_fallback_agree():
    idx = pd.Index([10, 11, 12])
    text = pd.Series(["a", "b&", "c"], index=idx)
    nums = pd.Series([1.5, np.nan, 3.0], index=idx)  # not text: pandas route (astype(str))
    got = cat(["<", text, ">", esc_col(text), "=", nums], idx)
    assert got[[10, 12]].tolist() == ["<a>a=1.5", "<c>c=3.0"] and pd.isna(got[11])  # NaN stays NaN
    assert list(got.index) == list(idx)
    assert cat(["x", text, "y"], idx).tolist() == ["xay", "xb&y", "xcy"]
    assert esc_col(pd.Series(["<\"'>", None])).tolist() == ["&lt;&quot;&#x27;&gt;", ""]
