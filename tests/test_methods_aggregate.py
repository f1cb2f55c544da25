"""aggregate()/aggregate_many() against hand-computed COINr a_* results, properties, bad input."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dividend.engine.methods.aggregate import AggregateWarning, aggregate, aggregate_many

NAN = np.nan


def test_amean_missing_drop_out_and_weights_renormalise():
    X = np.array([[1.0, NAN, 3.0], [2.0, 4.0, 6.0], [NAN, NAN, NAN]])
    w = np.array([1.0, 2.0, 3.0])
    out = aggregate(X, w, "amean")
    assert out[0] == pytest.approx((1 * 1 + 3 * 3) / (1 + 3))
    assert out[1] == pytest.approx((2 + 8 + 18) / 6)
    assert np.isnan(out[2])  # COINr: no data -> NA


def test_gmean_hmean_genmean():
    X = np.array([[1.0, 4.0, 16.0], [2.0, 8.0, NAN]])
    w = np.array([3.0, 1.0, 1.0])
    g = aggregate(X, w, "gmean")
    assert g[0] == pytest.approx(math.exp((3 * math.log(1) + math.log(4) + math.log(16)) / 5))
    assert g[1] == pytest.approx(2**1.5)  # exp((3 ln 2 + ln 8) / 4)
    h = aggregate(np.array([[1.0, 2.0, 4.0]]), np.ones(3), "hmean")
    assert h[0] == pytest.approx(12 / 7)  # 3 / (1 + 1/2 + 1/4)
    gm = aggregate(np.array([[3.0, 4.0], [3.0, NAN]]), np.ones(2), "genmean", p=2)
    assert gm[0] == pytest.approx(math.sqrt(12.5))
    assert np.isnan(gm[1])  # COINr's a_genmean sums without na.rm
    gm2 = aggregate(np.array([[3.0, NAN]]), np.ones(2), "genmean", p=2, genmean_skipna=True)
    assert gm2[0] == pytest.approx(3.0)


def test_gmean_nonpositive_raises_naming_unit_and_child():
    X = np.array([[1.0, 2.0], [3.0, 0.0]])
    with pytest.raises(ValueError, match=r"unit 'FRA', child 'Goods'"):
        aggregate(X, np.ones(2), "gmean", units=["DEU", "FRA"], children=["Flights", "Goods"])
    with pytest.raises(ValueError, match="unit index 1, child index 1"):
        aggregate(X, np.ones(2), "gmean")


def test_gmean_shift_rule():
    # min over the matrix is 0, so shift s = 1: gmean(1 + 1, 0 + 1) - 1, gmean(3 + 1, 5 + 1) - 1
    X = np.array([[1.0, 0.0], [3.0, 5.0]])
    out = aggregate(X, np.ones(2), "gmean", nonpositive="shift")
    np.testing.assert_allclose(out, [math.sqrt(2) - 1, math.sqrt(24) - 1], atol=1e-12)


def test_copeland_complete_data():
    # pairs (0,1): one win each -> tie 0; unit 2 beats both
    X = np.array([[1.0, 1.0], [2.0, 0.0], [3.0, 3.0]])
    np.testing.assert_array_equal(aggregate(X, np.ones(2), "copeland"), [-1, -1, 2])


def test_copeland_with_missing_follows_coinr_upper_triangle():
    X = np.array([[1, 2, 4], [3, NAN, 1], [3, 6, 2], [0, 1, NAN]], dtype=float)
    w = np.array([1.0, 2.0, 1.0])  # total 4
    # upper triangle orm[i, j] = (S_gt + S_eq / 2) / 4, lower = 1 - upper:
    # (0,1): S_gt = 1 -> 0.25 -> 0 loses, 1 wins   (0,2): 1/4 -> 2 wins   (0,3): 3/4 -> 0 wins
    # (1,2): S_eq = 1 -> 1/8 -> 2 wins             (1,3): 1/4 -> 3 wins   (2,3): 3/4 -> 2 wins
    np.testing.assert_array_equal(aggregate(X, w, "copeland"), [-1, -1, 3, -1])


def test_mazziotta_pareto_hand_computed():
    X = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    # each column has mean 2 and population sd sqrt(2/3): z = 100 + 10 (x - 2) / sqrt(2/3)
    a = 10 / math.sqrt(2 / 3)
    z = np.array([[100 - a, 100 + a], [100, 100 - a], [100 + a, 100]])
    m = z.mean(axis=1)
    s2 = ((z - m[:, None]) ** 2).mean(axis=1)
    expected = m - s2 / m  # M - S * cv
    out = aggregate(X, np.ones(2), "mazziotta_pareto")
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert out[0] == pytest.approx(100 - 1.5)  # S^2 = a^2 = 150, M = 100


def test_dat_thresh_is_strictly_below():
    X = np.array([[1.0, NAN, NAN], [1.0, 2.0, NAN], [1.0, 2.0, 3.0]])
    out = aggregate(X, np.ones(3), "amean", dat_thresh=2 / 3)
    assert np.isnan(out[0])
    assert out[1] == pytest.approx(1.5)  # availability 2/3 is not below 2/3
    assert out[2] == pytest.approx(2.0)


def test_aggregate_many_matches_single_runs():
    rng = np.random.default_rng(1)
    X = rng.uniform(1, 100, size=(30, 4))
    X[3, 1] = NAN
    W = rng.uniform(0, 1, size=(5, 4))
    for method, kw in [
        ("amean", {}),
        ("gmean", {}),
        ("hmean", {}),
        ("genmean", {"p": 0.5}),
        ("copeland", {}),
    ]:
        many = aggregate_many(X, W, method, **kw)
        assert many.shape == (5, 30)
        for r in range(5):
            np.testing.assert_allclose(
                many[r], aggregate(X, W[r], method, **kw), rtol=1e-12, equal_nan=True
            )


@pytest.mark.parametrize(
    ("X", "w", "method", "kw", "match"),
    [
        (np.ones((2, 2)), [1.0, -1.0], "amean", {}, "negative"),
        (np.ones((2, 2)), [0.0, 0.0], "amean", {}, "all weights are zero"),
        (np.ones((2, 2)), [1.0, 1.0, 1.0], "amean", {}, "weights must have 2 entries"),
        (np.ones((2, 2)), [[1.0, 1.0]], "amean", {}, "1-D"),
        (np.ones(2), [1.0, 1.0], "amean", {}, "2-D"),
        (np.ones((2, 2)), [1.0, NAN], "amean", {}, "not finite"),
        (np.ones((2, 2)), [1.0, 1.0], "median", {}, "unknown aggregation method"),
        (np.ones((2, 2)), [1.0, 1.0], "genmean", {"p": 0}, "p = 0"),
        (np.ones((2, 2)), [1.0, 1.0], "genmean", {}, "needs the exponent p"),
        (-np.ones((2, 2)), [1.0, 1.0], "genmean", {"p": 0.5}, "p = 0.5 is undefined"),
        (np.zeros((2, 2)), [1.0, 1.0], "hmean", {}, "harmonic mean is undefined"),
        (np.ones((2, 2)), [1.0, 1.0], "amean", {"dat_thresh": 1.5}, "dat_thresh"),
        (np.array([["x", "y"]]), [1.0, 1.0], "amean", {}, "real numeric"),
    ],
)
def test_bad_input_raises_clear_error(X, w, method, kw, match):
    with pytest.raises(ValueError, match=match):
        aggregate(X, np.asarray(w), method, **kw)


positive = arrays(np.float64, (7, 4), elements=st.floats(0.5, 100, allow_nan=False))
weights = arrays(np.float64, 4, elements=st.floats(0.01, 10, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(X=positive, w=weights, perm=st.permutations(range(7)))
def test_permuting_units_permutes_results(X, w, perm):
    perm = np.array(perm)
    for method, kw in [("amean", {}), ("gmean", {}), ("hmean", {}), ("genmean", {"p": 2}),
                       ("copeland", {}), ("mazziotta_pareto", {})]:  # fmt: skip
        assume(method != "mazziotta_pareto" or np.all(np.ptp(X, axis=0) > 0))
        np.testing.assert_allclose(
            aggregate(X, w, method, **kw)[perm],
            aggregate(X[perm], w, method, **kw),
            rtol=1e-10,
            err_msg=method,
        )


@settings(max_examples=40, deadline=None)
@given(X=positive, w=weights, scale=st.floats(1e-3, 1e3))
def test_scaling_all_weights_changes_nothing(X, w, scale):
    for method, kw in [("amean", {}), ("gmean", {}), ("hmean", {}), ("genmean", {"p": 3})]:
        np.testing.assert_allclose(
            aggregate(X, w * scale, method, **kw),
            aggregate(X, w, method, **kw),
            rtol=1e-10,
            err_msg=method,
        )
    # copeland compares sums of weights; integer weights scaled by integers are exact
    wi = np.round(w * 10) + 1
    k = round(scale) + 1
    np.testing.assert_array_equal(aggregate(X, wi * k, "copeland"), aggregate(X, wi, "copeland"))


@settings(max_examples=60, deadline=None)
@given(
    X=arrays(np.float64, (6, 4), elements=st.one_of(st.floats(0, 100), st.just(np.nan))),
    w=weights,
    unit=st.integers(0, 5),
    child=st.integers(0, 3),
    bump=st.floats(0, 50),
)
def test_raising_an_input_never_lowers_the_amean(X, w, unit, child, bump):
    assume(not np.isnan(X[unit, child]))
    before = aggregate(X, w, "amean")
    X2 = X.copy()
    X2[unit, child] += bump
    after = aggregate(X2, w, "amean")
    assert after[unit] >= before[unit] - 1e-9 * max(1.0, abs(before[unit]))
    others = np.arange(6) != unit
    np.testing.assert_array_equal(after[others], before[others])


def test_zero_weight_children_only_gives_nan_with_a_warning():
    X = np.array([[NAN, 5.0], [1.0, 2.0]])
    with pytest.warns(AggregateWarning, match="unit 'A'"):
        out = aggregate(X, np.array([1.0, 0.0]), "amean", units=["A", "B"])
    assert np.isnan(out[0]) and out[1] == pytest.approx(1.0)
