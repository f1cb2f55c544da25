"""Sobol estimators and designs on functions whose indices are known analytically."""

import numpy as np
import pandas as pd
import pytest

from dividend.sensitivity import SensitivityError, make_design, rank_rows, sobol_indices
from dividend.sensitivity.design import BLOCK

# Ishigami (a = 7, b = 0.1), inputs uniform on [-pi, pi]: Sobol & Levitan (1999)
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def ishigami(u: np.ndarray) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_indices_within_tolerance():
    n, d = 2**14, 3
    des = make_design(n, d, seed=11, kind="sa", sampler="sobol")
    assert des.n_runs == n * (d + 2)
    ind = sobol_indices(ishigami(des.u), n, d, nboot=200, rng=np.random.default_rng(0))
    np.testing.assert_allclose(ind.S1[:, 0], ISHIGAMI_S1, atol=0.02)
    np.testing.assert_allclose(ind.ST[:, 0], ISHIGAMI_ST, atol=0.02)
    # the 90% bootstrap interval brackets the analytic value for every index
    assert np.all(ind.S1_lo[:, 0] - 0.01 <= ISHIGAMI_S1)
    assert np.all(ind.S1_hi[:, 0] + 0.01 >= ISHIGAMI_S1)
    assert np.all(ind.ST_lo[:, 0] <= ind.ST[:, 0]) and np.all(ind.ST[:, 0] <= ind.ST_hi[:, 0])


def test_linear_model_indices_are_squared_coefficient_shares():
    a = np.array([1.0, 2.0, 3.0, 0.0])
    n, d = 2**12, 4
    des = make_design(n, d, seed=3, kind="sa", sampler="sobol")
    ind = sobol_indices(des.u @ a, n, d)
    expected = a**2 / (a**2).sum()  # uniform inputs share one variance
    np.testing.assert_allclose(ind.S1[:, 0], expected, atol=0.02)
    np.testing.assert_allclose(ind.ST[:, 0], expected, atol=0.02)
    assert ind.ST[3, 0] == 0.0  # an input that does nothing has exactly zero total effect


def test_vectorised_columns_equal_one_at_a_time():
    n, d = 256, 3
    des = make_design(n, d, seed=5)
    y = np.column_stack([ishigami(des.u), des.u @ [1.0, 0.5, 0.1]])
    both = sobol_indices(y, n, d)
    for j in range(2):
        one = sobol_indices(y[:, j], n, d)
        np.testing.assert_allclose(both.S1[:, j], one.S1[:, 0], rtol=1e-12)
        np.testing.assert_allclose(both.ST[:, j], one.ST[:, 0], rtol=1e-12)


def test_failed_rows_are_dropped_with_their_partners():
    n, d = 512, 3
    des = make_design(n, d, seed=2)
    y = ishigami(des.u)
    y_bad = y.copy()
    y_bad[2 * n + 7] = np.nan  # AB_1 row 7 failed: design row 7 goes, for every input
    ind = sobol_indices(y_bad, n, d)
    assert ind.n_used[0] == n - 1
    keep = np.setdiff1d(np.arange(n), [7])
    rows = np.concatenate([keep + k * n for k in range(d + 2)])
    ref = sobol_indices(y[rows], n - 1, d)
    np.testing.assert_allclose(ind.S1, ref.S1, rtol=1e-10)
    np.testing.assert_allclose(ind.ST, ref.ST, rtol=1e-10)


def test_saltelli_design_layout_and_reproducibility():
    n, d = 64, 3
    des = make_design(n, d, seed=9)
    a, b = des.u[:n], des.u[n : 2 * n]
    for i in range(d):
        ab = des.u[(2 + i) * n : (3 + i) * n]
        np.testing.assert_array_equal(ab[:, i], b[:, i])
        np.testing.assert_array_equal(np.delete(ab, i, axis=1), np.delete(a, i, axis=1))
    np.testing.assert_array_equal(des.u, make_design(n, d, seed=9).u)
    assert not np.array_equal(des.u, make_design(n, d, seed=10).u)
    assert des.u.min() >= 0 and des.u.max() < 1


def test_random_design_blocks_do_not_depend_on_length():
    """Each block of rows has its own spawned seed: a longer design extends a shorter one."""
    short = make_design(BLOCK + 5, 2, seed=4, kind="ua", sampler="random").u
    long = make_design(2 * BLOCK + 5, 2, seed=4, kind="ua", sampler="random").u
    np.testing.assert_array_equal(short[:BLOCK], long[:BLOCK])


def test_rank_rows_matches_min_ties_descending():
    s = np.array([[3.0, 1.0, 3.0, np.nan, 2.0], [0.0, 0.0, 0.0, 0.0, 1.0]])
    r = rank_rows(s)
    np.testing.assert_array_equal(r[0], [1, 4, 1, np.nan, 3])
    np.testing.assert_array_equal(r[1], [2, 2, 2, 2, 1])


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"n": 0, "d": 2, "seed": 1}, "n: must be a positive integer"),
        ({"n": -5, "d": 2, "seed": 1}, "n: must be a positive integer"),
        ({"n": 10, "d": 1, "seed": 1, "kind": "sa"}, "at least two uncertain inputs"),
        ({"n": 10, "d": 2, "seed": -1}, "seed: must be a non-negative integer"),
        ({"n": 10, "d": 2, "seed": 1, "kind": "mc"}, "design: 'mc' is not one of"),
        ({"n": 10, "d": 2, "seed": 1, "sampler": "lhs"}, "sampler: 'lhs' is not one of"),
    ],
)
def test_design_errors(kwargs, msg):
    with pytest.raises(SensitivityError, match=msg):
        make_design(**kwargs)


def test_estimator_errors():
    with pytest.raises(SensitivityError, match="a Saltelli design with n=10, d=2 has 40"):
        sobol_indices(np.zeros(30), 10, 2)
    with pytest.raises(SensitivityError, match="only 0 complete design row"):
        sobol_indices(np.full(40, np.nan), 10, 2)
    with pytest.raises(SensitivityError, match="nboot"):
        sobol_indices(np.zeros(40), 10, 2, nboot=-1)


def test_column_stats_match_numpy_with_missing_values():
    from dividend.sensitivity.results import column_stats

    rng = np.random.default_rng(1)
    a = rng.normal(size=(101, 700))
    a[rng.random(a.shape) < 0.2] = np.nan
    a[:, 5] = np.nan  # a unit without any run
    q = [0.05, 0.5, 0.95]
    st = column_stats(a, q, chunk=64)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        ref = np.nanquantile(a, q, axis=0)
    np.testing.assert_allclose(st["q"], ref, rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(st["count"], (~np.isnan(a)).sum(axis=0))
    with pytest.warns(RuntimeWarning):
        np.testing.assert_allclose(st["mean"], np.nanmean(a, axis=0), equal_nan=True)


def test_unit_intervals_bracket_known_indices_and_ignore_chunking(monkeypatch):
    """Per-unit Si/STi with bootstrap intervals: units are linear models with known shares;
    one unit missing from some runs is bootstrapped on its own complete rows."""
    from dividend.sensitivity import results
    from dividend.sensitivity.inputs import parse_inputs

    n, d = 1024, 3
    des = make_design(n, d, seed=7)
    coef = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    scores = des.u @ coef.T  # runs × 4 units
    scores[[3, n + 5], 3] = np.nan  # unit 3 has no value in two runs: rows 3 and 5 go
    units = np.array(["a", "b", "c", "d"], dtype=object)
    inputs = parse_inputs(
        {f"x{i}": {"kind": "aggregation", "choices": ["amean"]} for i in range(d)}
    )
    table = results.unit_sobol(scores, units, inputs, n, 200, 0.9, seed=4)
    expected = (coef**2 / (coef**2).sum(axis=1, keepdims=True)).T.ravel()
    np.testing.assert_allclose(table["Si"], expected, atol=0.03)
    np.testing.assert_allclose(table["STi"], expected, atol=0.03)
    for k in ("Si", "STi"):
        assert (table[f"{k}_lo"] - 0.01 <= expected).all()
        assert (expected <= table[f"{k}_hi"] + 0.01).all()
        assert (table[f"{k}_lo"] <= table[f"{k}_hi"]).all()
    assert table.loc[table["uCode"] == "d", "n_used"].eq(n - 2).all()
    monkeypatch.setattr(results, "BOOT_CELLS", 1)  # one unit per chunk: same numbers
    pd.testing.assert_frame_equal(
        results.unit_sobol(scores, units, inputs, n, 200, 0.9, seed=4), table
    )
