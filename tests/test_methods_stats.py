"""skew/kurt must equal COINr's skew()/kurt() (e1071 type 2, the Excel SKEW/KURT)."""

import math

import numpy as np
import pytest

from dividend.engine.methods.stats import kurt, skew, skew_kurt_complete


def test_skew_kurt_hand_computed():
    # x = 1, 2, 3, 4, 10: mean 4, deviations -3 -2 -1 0 6
    # sum d^2 = 50, sum d^3 = 180, sum d^4 = 1394, n = 5
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    exp_skew = math.sqrt(5) * 180 / 50**1.5 * math.sqrt(5 * 4) / 3  # = 12 / sqrt(50)
    r = 5 * 1394 / 50**2  # 2.788
    exp_kurt = ((5 + 1) * (r - 3) + 6) * (5 - 1) / ((5 - 2) * (5 - 3))  # 3.152
    assert skew(x) == pytest.approx(exp_skew, abs=1e-12)
    assert exp_skew == pytest.approx(12 / math.sqrt(50))
    assert kurt(x) == pytest.approx(exp_kurt, abs=1e-12)
    assert exp_kurt == pytest.approx(3.152)
    assert skew_kurt_complete(x) == pytest.approx((exp_skew, exp_kurt), abs=1e-12)


def test_missing_values_are_ignored_and_columns_are_independent():
    X = np.array([[1.0, 5.0], [2.0, np.nan], [np.nan, 1.0], [3.0, 2.0], [4.0, 3.0], [10.0, 4.0]])
    assert skew(X)[0] == pytest.approx(12 / math.sqrt(50), abs=1e-12)
    assert kurt(X)[0] == pytest.approx(3.152, abs=1e-12)
    # second column 5, 1, 2, 3, 4 is symmetric: skew 0; kurt of 1..5 is -1.2
    assert skew(X)[1] == pytest.approx(0.0, abs=1e-12)
    assert kurt(X)[1] == pytest.approx(-1.2, abs=1e-12)


def test_too_few_points_and_constant_columns_give_nan():
    assert np.isnan(skew(np.array([1.0, 2.0, np.nan])))
    assert np.isnan(kurt(np.array([1.0, 2.0, 3.0])))
    assert not np.isnan(skew(np.array([1.0, 2.0, 4.0])))
    assert np.isnan(skew(np.full(6, 3.0)))
    assert np.isnan(kurt(np.full(6, 3.0)))
