"""treat() against hand-worked COINr Treat() cases, edge cases, and the real ASEM data."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dividend.engine.methods.normalise import normalise
from dividend.engine.methods.treat import DETS_COLUMNS, LOG_COLUMNS, TreatWarning, dets_table, treat

REF = Path(__file__).parent / "reference" / "coinr"
ASEM = Path(__file__).parent.parent / "examples" / "asem"
NAN = np.nan


def py_skew_kurt(values):
    """e1071 type-2 skew and kurtosis written out in plain Python (independent of the code)."""
    x = [v for v in values if v == v]
    n = len(x)
    m = sum(x) / n
    d = [v - m for v in x]
    s2, s3, s4 = (sum(v**p for v in d) for p in (2, 3, 4))
    sk = math.sqrt(n) * s3 / s2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    r = n * s4 / s2**2
    kt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return sk, kt


def passes(values):
    sk, kt = py_skew_kurt(values)
    return abs(sk) < 2 or kt < 3.5


def one(values):
    return np.array(values, dtype=float).reshape(-1, 1)


def test_passing_indicator_is_untouched():
    x = list(range(1, 13))
    assert passes(x)
    out, log = treat(one(x), ["A"])
    np.testing.assert_array_equal(out[:, 0], x)
    row = log.iloc[0]
    assert bool(row["check_SkewKurt0.Pass"]) and bool(row["Pass"])
    assert pd.isna(row["winsorise.nwin"]) and row["Treatment"] == "none"
    assert list(log.columns) == LOG_COLUMNS


def test_tied_outliers_move_together_and_count_twice():
    x = [*range(1, 21), 100, 100]
    assert not passes(x)
    expected = [*range(1, 21), 20, 20]  # both 100s take the next highest value, 20
    assert passes(expected)
    out, log = treat(one(x), ["A"])
    np.testing.assert_array_equal(out[:, 0], expected)
    row = log.iloc[0]
    assert row["winsorise.nwin"] == 2 and row["n_winhi"] == 2 and row["n_winlo"] == 0
    assert bool(row["check_SkewKurt1.Pass"]) and row["Treatment"] == "winsorise"
    assert row["Skew"] == pytest.approx(py_skew_kurt(expected)[0], abs=1e-12)
    points = log.attrs["treated_points"]["A"].tolist()
    assert points == [""] * 20 + ["winhi", "winhi"]


def test_previously_winsorised_points_move_again_with_the_next_extreme():
    x = [*range(1, 21), 200, 400, 800]
    step1 = [*range(1, 21), 200, 400, 400]  # 800 -> 400, nwin 1
    step2 = [*range(1, 21), 200, 200, 200]  # both 400s -> 200, nwin 2
    step3 = [*range(1, 21), 20, 20, 20]  # all three 200s -> 20, nwin 3
    assert not passes(x) and not passes(step1) and not passes(step2) and passes(step3)
    out, log = treat(one(x), ["A"], winmax=3)
    np.testing.assert_array_equal(out[:, 0], step3)
    assert log.iloc[0]["winsorise.nwin"] == 3


def test_low_side_winsorising_when_skew_is_negative():
    x = [-50, *range(1, 11)]
    expected = [1, *range(1, 11)]
    assert not passes(x) and passes(expected)
    out, log = treat(one(x), ["A"])
    np.testing.assert_array_equal(out[:, 0], expected)
    assert log.iloc[0]["n_winlo"] == 1 and log.iloc[0]["n_winhi"] == 0
    assert log.attrs["treated_points"]["A"].iloc[0] == "winlo"


def test_log_ct_applied_to_original_values_when_winsorising_fails():
    x = [*range(1, 21), 200, 400, 800]
    assert not passes([*range(1, 21), 200, 400, 400])  # one point (winmax = 1) is not enough
    out, log = treat(one(x), ["A"], winmax=1)
    # log_CT on the ORIGINAL x: log(x - min + 0.01 * (max - min)) with min 1, max 800
    expected = [math.log(v - 1 + 0.01 * 799) for v in x]
    np.testing.assert_allclose(out[:, 0], expected, atol=1e-12)
    row = log.iloc[0]
    assert row["f2"] == "log_CT" and row["Treatment"] == "log_CT"
    assert row["winsorise.nwin"] == 1 and not bool(row["check_SkewKurt1.Pass"])
    sk2, kt2 = py_skew_kurt(expected)
    assert row["check_SkewKurt2.Skew"] == pytest.approx(sk2, abs=1e-9)
    assert bool(row["Pass"]) == (abs(sk2) < 2 or kt2 < 3.5)
    points = log.attrs["treated_points"]["A"].tolist()
    assert points[-1] == "winhi+log_CT" and points[0] == "+log_CT"  # COINr's joined labels


def test_any_transformation_can_be_the_first_treatment_as_in_coinr():
    """COINr's Treat.numeric calls whatever f1 names: with f1 = log_CT the column is
    transformed first and checked as check_SkewKurt1 (log_CT returns no extra fields, so
    there is no winsorise.nwin column); f2 only runs if that check still fails."""
    x = [*range(1, 21), 200, 400, 800]
    out, log = treat(one(x), ["A"], f1="log_CT", f2=None)
    expected = [math.log(v - 1 + 0.01 * 799) for v in x]  # log(x - min + 0.01 (max - min))
    np.testing.assert_allclose(out[:, 0], expected, atol=1e-12)
    row = log.iloc[0]
    sk1, kt1 = py_skew_kurt(expected)
    assert row["check_SkewKurt1.Skew"] == pytest.approx(sk1, rel=1e-12)
    assert row["check_SkewKurt1.Kurt"] == pytest.approx(kt1, rel=1e-12)
    assert bool(row["check_SkewKurt1.Pass"]) == (abs(sk1) < 2 or kt1 < 3.5)
    assert row["Treatment"] == "log_CT" and row["f2"] == ""
    assert pd.isna(row["winsorise.nwin"]) and pd.isna(row["check_SkewKurt2.Pass"])
    dets = dets_table(log)
    assert list(dets.columns) == [*DETS_COLUMNS[:4], *DETS_COLUMNS[5:8]]
    assert set(log.attrs["treated_points"]["A"].tolist()) == {"log_CT"}
    # a first transformation that still fails goes on to f2, applied to the original x
    y = [*([0.0] * 20), 1.0, 1.0, 1000.0]
    sk_log = py_skew_kurt([math.log(v + 0.01 * 1000) for v in y])
    assert not (abs(sk_log[0]) < 2 or sk_log[1] < 3.5)  # log_CT alone is not enough here
    out, log = treat(one(y), ["B"], f1="log_CT", f2="log_CT_orig")
    np.testing.assert_allclose(out[:, 0], [math.log(v + 1) for v in y], atol=1e-12)
    row = log.iloc[0]
    assert not bool(row["check_SkewKurt1.Pass"]) and row["Treatment"] == "log_CT_orig"
    assert set(log.attrs["treated_points"]["B"].tolist()) == {"log_CT+log_CT_orig"}
    with pytest.raises(ValueError, match="f1='boxcox' needs 'lambda'"):
        treat(one(y), ["B"], f1="boxcox")


def test_dets_table_has_coinr_layout_rows_and_stage_columns():
    """COINr Treat.data.frame: one row per indicator whose treatment finished, columns from
    unlist(Dets_Table, recursive = FALSE) bound with rbind_fill (a stage's columns exist
    only if some indicator reached it); a column whose f_pass gave NA has no row."""
    passing = list(range(1, 24))
    failing = [*range(1, 21), 200, 400, 800]  # winmax = 1 is not enough: goes on to log_CT
    const = [5.0] * 23  # skew is 0/0 = NaN: R's check is NA, returned untreated
    X = np.column_stack([passing, failing, const]).astype(float)
    with pytest.warns(TreatWarning):
        _, log = treat(X, ["P", "F", "K"], winmax=1)
    dets = dets_table(log)
    assert list(dets.columns) == DETS_COLUMNS
    assert dets["iCode"].tolist() == ["P", "F"]
    p, f = dets.iloc[0], dets.iloc[1]
    assert bool(p["check_SkewKurt0.Pass"]) and pd.isna(p["winsorise.nwin"])
    assert pd.isna(p["check_SkewKurt2.Pass"])
    # check_SkewKurt2 is the test on log_CT(original x) = log(x - 1 + 0.01 * 799)
    sk2, kt2 = py_skew_kurt([math.log(v - 1 + 0.01 * 799) for v in failing])
    assert f["winsorise.nwin"] == 1 and not bool(f["check_SkewKurt1.Pass"])
    assert f["check_SkewKurt2.Skew"] == pytest.approx(sk2, rel=1e-12)
    assert f["check_SkewKurt2.Kurt"] == pytest.approx(kt2, rel=1e-12)
    # only passing indicators: COINr's table has just iCode and check_SkewKurt0.*
    _, log = treat(np.column_stack([passing, passing]).astype(float), ["A", "B"])
    assert list(dets_table(log).columns) == DETS_COLUMNS[:4]


def test_boxcox_and_log_ct_orig_via_overrides():
    x = [*range(1, 21), 200, 400, 800]
    X = np.column_stack([x, x, x, x]).astype(float)
    out, log = treat(
        X,
        ["A", "B", "C", "D"],
        winmax=1,
        overrides={
            "A": {"f2": "boxcox", "lambda": 0.5},
            "B": {"f2": "log_CT_orig"},
            "C": "none",
            "D": {"winmax": 3},
        },
    )
    np.testing.assert_allclose(out[:, 0], [((v - 1 + 1) ** 0.5 - 1) / 0.5 for v in x], atol=1e-12)
    np.testing.assert_allclose(out[:, 1], [math.log(v - 1 + 1) for v in x], atol=1e-12)
    np.testing.assert_array_equal(out[:, 2], x)
    np.testing.assert_array_equal(out[:, 3], [*range(1, 21), 20, 20, 20])
    assert log["iCode"].tolist() == ["A", "B", "D"]  # "none" gets no row, as in COINr


def test_missing_values_stay_missing_and_are_ignored():
    x = [NAN, *range(1, 21), 100, NAN, 100]
    out, _ = treat(one(x), ["A"])
    expected = [NAN, *range(1, 21), 20, NAN, 20]
    np.testing.assert_array_equal(out[:, 0], expected)


def test_constant_column_is_left_untreated_with_a_warning():
    with pytest.warns(TreatWarning, match="'A' left untreated"):
        out, log = treat(one([3, 3, 3, 3, 3]), ["A"])
    np.testing.assert_array_equal(out[:, 0], [3] * 5)
    assert pd.isna(log.iloc[0]["check_SkewKurt0.Pass"])


def test_too_few_values_follow_r_na_logic():
    # 3 values: kurtosis is NA but |skew| < 2 always holds for n = 3, and TRUE | NA is TRUE
    out, log = treat(one([1, 2, NAN, 30]), ["A"])
    np.testing.assert_array_equal(out[:, 0], [1, 2, NAN, 30])
    assert bool(log.iloc[0]["Pass"])
    # 2 values: both statistics NA -> NA -> untreated with a warning (COINr 1.1.14)
    with pytest.warns(TreatWarning, match="'B' left untreated"):
        out, log = treat(one([1, NAN, NAN, 30]), ["B"])
    np.testing.assert_array_equal(out[:, 0], [1, NAN, NAN, 30])
    assert pd.isna(log.iloc[0]["Pass"])


def test_log_ct_plus_mirrors_for_negative_skew():
    x = [-800, -400, -200, *range(1, 21)]
    out, log = treat(one(x), ["A"], winmax=1, f2="log_CT_plus")
    # skew < 0: -log(max + a - x) with max 20, min -800, a = 0.01 * 820
    expected = [-math.log(20 + 8.2 - v) for v in x]
    np.testing.assert_allclose(out[:, 0], expected, atol=1e-12)
    assert log.attrs["treated_points"]["A"].iloc[0] == "winlo+log_CT_neg"
    assert log.attrs["treated_points"]["A"].iloc[5] == "+log_CT_neg"


@pytest.mark.parametrize(
    ("X", "codes", "kw", "match"),
    [
        (one([1, 2, 3, 4]), ["A", "B"], {}, "codes has 2 entries"),
        (one([1, 2, 3, 4]), ["A"], {"overrides": {"Z": "none"}}, "unknown indicator code"),
        (one([1, 2, 3, 4]), ["A"], {"overrides": {"A": {"winmx": 2}}}, "unknown key"),
        (one([1, 2, 3, 4]), ["A"], {"f2": "sqrt"}, "f2 must be one of"),
        (one([1, 2, 3, 4]), ["A"], {"f2": "boxcox"}, "needs 'lambda'"),
        (one([1, 2, 3, 4]), ["A"], {"winmax": -1}, "winmax"),
        (np.ones(4), ["A"], {}, "2-D"),
    ],
)
def test_bad_input_raises_clear_error(X, codes, kw, match):
    with pytest.raises(ValueError, match=match):
        treat(X, codes, **kw)


@pytest.mark.filterwarnings("ignore::dividend.engine.methods.treat.TreatWarning")
@settings(max_examples=30, deadline=None)
@given(
    X=arrays(np.float64, (15, 3), elements=st.floats(0, 1e4, allow_nan=False)),
    perm=st.permutations(range(15)),
)
def test_permuting_units_permutes_results(X, perm):
    X = X.copy()
    X[0, :] = 1e6  # make outliers likely
    perm = np.array(perm)
    a, log_a = treat(X, ["a", "b", "c"])
    b, log_b = treat(X[perm], ["a", "b", "c"])
    np.testing.assert_allclose(a[perm], b, rtol=1e-12, equal_nan=True)
    pd.testing.assert_series_equal(log_a["winsorise.nwin"], log_b["winsorise.nwin"])


def test_asem_treated_then_minmax_reproduces_coinr_to_1e9():
    """COINr's ASEM example: Imputed -> Screen (0.9, removes nobody) -> Treat(winmax 5) -> minmax.

    The indicator columns of COINr's Aggregated data set are these normalised values.
    """
    imputed = pd.read_csv(REF / "coinr_Imputed.csv").set_index("uCode")
    aggregated = pd.read_csv(REF / "coinr_Aggregated.csv").set_index("uCode")
    meta = pd.read_csv(ASEM / "ASEM_iMeta_17g.csv")
    ind = meta[meta["Type"] == "Indicator"]
    codes = ind["iCode"].tolist()
    assert len(codes) == 49
    assert set(aggregated.index) == set(imputed.index)  # screening kept every unit
    X = imputed.loc[aggregated.index, codes].to_numpy(float)
    treated, log = treat(X, codes, winmax=5)
    normalised = normalise(treated * ind["Direction"].to_numpy(float), "minmax", l_u=(0, 100))
    np.testing.assert_allclose(normalised, aggregated[codes].to_numpy(float), rtol=0, atol=1e-9)
    # the data really exercised the winsorising path, including the low side
    assert (log["winsorise.nwin"].fillna(0) > 0).sum() >= 10
    assert (log["n_winlo"] > 0).any()
