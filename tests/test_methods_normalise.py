"""normalise() against hand-computed COINr n_* results, edge cases and bad input."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dividend.engine.methods.normalise import METHODS, DegenerateColumnWarning, normalise

NAN = np.nan
X1 = np.array([[2.0], [4.0], [6.0], [NAN], [10.0]])


def col(values):
    return np.array(values, dtype=float).reshape(-1, 1)


def check(got, expected):
    np.testing.assert_allclose(got, col(expected), rtol=0, atol=1e-12, equal_nan=True)


def test_minmax_default_and_bounds():
    check(normalise(X1, "minmax"), [0, 25, 50, NAN, 100])
    check(normalise(X1, "minmax", l_u=(1, 11)), [1, 3.5, 6, NAN, 11])


def test_minmax_per_column_bounds():
    X = np.hstack([X1, X1 * 2])
    out = normalise(X, "minmax", l_u=[(0, 1), (0, 10)])
    check(out[:, [0]], [0, 0.25, 0.5, NAN, 1])
    check(out[:, [1]], [0, 2.5, 5, NAN, 10])


def test_zscore_uses_sample_sd():
    # values 2 4 6 10: mean 5.5, squared deviations sum to 35, sd = sqrt(35 / 3)
    sd = math.sqrt(35 / 3)
    check(normalise(X1, "zscore"), [(v - 5.5) / sd if v == v else NAN for v in (2, 4, 6, NAN, 10)])
    check(
        normalise(X1, "zscore", m_sd=(10, 2)), [(v - 5.5) / sd * 2 + 10 for v in (2, 4, 6, NAN, 10)]
    )


def test_scaled_is_not_minmax():
    check(normalise(X1, "scaled", npara=(2, 12)), [0, 20, 40, NAN, 80])


def test_dist2max():
    check(normalise(X1, "dist2max"), [0, 0.25, 0.5, NAN, 1])


def test_dist2ref_with_and_without_cap():
    # reference is row 2 (value 6), min 2: 1 - (6 - x) / 4
    check(normalise(X1, "dist2ref", iref=2), [0, 0.5, 1, NAN, 2])
    check(normalise(X1, "dist2ref", iref=2, cap_max=True), [0, 0.5, 1, NAN, 1])


def test_dist2targ_positive_and_negative_direction():
    check(normalise(X1, "dist2targ", targets=[8]), [0, 1 / 3, 2 / 3, NAN, 4 / 3])
    check(normalise(X1, "dist2targ", targets=[8], cap_max=True), [0, 1 / 3, 2 / 3, NAN, 1])
    # direction -1: caller passes -x; COINr's formula is (max - x) / (max - targ) on the original scale
    check(normalise(-X1, "dist2targ", targets=[4], directions=[-1]), [8 / 6, 1, 4 / 6, NAN, 0])


def test_fracmax():
    check(normalise(X1, "fracmax"), [0.2, 0.4, 0.6, NAN, 1])


def test_ranks_use_min_ties_and_keep_missing():
    X = col([3, 1, 3, NAN, 2])
    check(normalise(X, "rank"), [3, 1, 3, NAN, 2])
    check(normalise(X, "borda"), [2, 0, 2, NAN, 1])
    # 4 non-missing values: (rank - 1) / 3
    check(normalise(X, "prank"), [2 / 3, 0, 2 / 3, NAN, 1 / 3])


def test_goalposts_both_directions_and_truncation():
    check(normalise(X1, "goalposts", gposts=(0, 8, 100)), [25, 50, 75, NAN, 100])
    check(normalise(X1, "goalposts", gposts=(0, 8, 100), trunc2posts=False), [25, 50, 75, NAN, 125])
    # a "lower is better" indicator arrives multiplied by -1; goalposts stay in original units:
    # score = (upper - x) / (upper - lower), truncated to [0, 1]
    check(normalise(-X1, "goalposts", gposts=(0, 8, 100), directions=[-1]), [75, 50, 25, NAN, 0])


def test_none_returns_copy():
    out = normalise(X1, "none")
    check(out, [2, 4, 6, NAN, 10])
    assert out is not X1


@pytest.mark.parametrize("method", ["minmax", "dist2max"])
def test_constant_column_warns_and_gives_nan_like_coinr(method):
    X = np.hstack([col([5, 5, 5]), col([1, 2, 3])])
    with pytest.warns(DegenerateColumnWarning, match="C1"):
        out = normalise(X, method, codes=["C1", "C2"])
    assert np.all(np.isnan(out[:, 0]))
    assert not np.any(np.isnan(out[:, 1]))


def test_missing_reference_value_warns():
    with pytest.warns(DegenerateColumnWarning, match="reference unit"):
        out = normalise(X1, "dist2ref", iref=3)
    assert np.all(np.isnan(out))


@pytest.mark.parametrize(
    ("X", "method", "params", "match"),
    [
        (X1, "softmax", {}, "unknown normalisation method"),
        (X1[:, 0], "minmax", {}, "2-D"),
        (X1, "minmax", {"l_u": (0, 1, 2)}, "l_u must have shape"),
        (X1, "zscore", {"m_sd": (0, -1)}, "standard deviation must be > 0"),
        (X1, "dist2ref", {"iref": 5}, "iref=5 is outside"),
        (X1, "dist2ref", {}, "bad parameters"),
        (X1, "goalposts", {"gposts": (0, 1)}, "gposts must have shape"),
        (X1, "goalposts", {"gposts": (0, 8, 1), "directions": [2]}, "directions must be -1 or 1"),
        (X1, "dist2targ", {"targets": [1, 2]}, "targets must have shape"),
        (np.array([["a"]]), "minmax", {}, "real numeric"),
        (col([1, np.inf]), "minmax", {}, "infinite"),
    ],
)
def test_bad_input_raises_clear_error(X, method, params, match):
    with pytest.raises(ValueError, match=match):
        normalise(X, method, **params)


PARAMS = {
    "dist2ref": {"iref": 0},
    "dist2targ": {"targets": [50.0, 50.0, 50.0]},
    "goalposts": {"gposts": (0.0, 50.0, 100.0)},
    "scaled": {"npara": (0.0, 10.0)},
}


@settings(max_examples=40, deadline=None)
@given(
    X=arrays(np.float64, (8, 3), elements=st.floats(-100, 100, allow_nan=False)),
    perm=st.permutations(range(8)),
)
def test_permuting_units_permutes_results(X, perm):
    perm = np.array(perm)
    for method in METHODS:
        params = dict(PARAMS.get(method, {}))
        # the dist2ref reference unit moves with the permutation
        moved = {"iref": int(np.flatnonzero(perm == 0)[0])}
        params_p = moved if method == "dist2ref" else params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateColumnWarning)
            a = normalise(X, method, **params)[perm]
            b = normalise(X[perm], method, **params_p)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=method)
