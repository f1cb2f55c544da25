"""Hypothesis properties of scoring and analysis (engine-wide properties live with their owners)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dividend.engine import analysis as A
from dividend.engine.framework import Framework
from dividend.engine.scoring import ScoringSpec, score, score_many, weights_matrix
from tests.test_scoring import _imeta

SPEC = ScoringSpec.from_framework(Framework.from_imeta(_imeta()))
vals = st.floats(-50, 50, allow_nan=False)
frames = arrays(np.float64, st.tuples(st.integers(2, 8), st.just(4)), elements=vals)


def _df(x):
    return pd.DataFrame(x, columns=list("abcd")).assign(uCode=[f"u{i}" for i in range(len(x))])


@settings(max_examples=60, deadline=None)
@given(frames, st.randoms())
def test_permuting_units_permutes_results(x, rnd):
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    df = _df(x)
    a = score(df, SPEC).dividend
    b = score(df.iloc[perm], SPEC).dividend
    pd.testing.assert_frame_equal(a.loc[b.index], b)
    ra = A.rank(df, list("abcd"))
    rb = A.rank(df.iloc[perm], list("abcd"))
    pd.testing.assert_frame_equal(ra.loc[rb.index], rb)


@settings(max_examples=60, deadline=None)
@given(frames, arrays(np.float64, 6, elements=st.floats(0.1, 10)), st.floats(0.01, 100))
def test_scaling_all_weights_changes_nothing(x, w, k):
    b = score_many(_df(x), SPEC, np.vstack([w, k * w]))
    np.testing.assert_allclose(b.dividend[0], b.dividend[1], rtol=1e-9, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(frames, st.integers(0, 7), st.floats(0, 30), st.sampled_from(["a", "b", "c"]))
def test_raising_benefit_never_lowers_and_cost_never_raises(x, row, delta, col):
    row %= len(x)
    df = _df(x)
    up = df.copy()
    up.loc[row, col] += delta
    before = score(df, SPEC).dividend.iloc[row]
    after = score(up, SPEC).dividend.iloc[row]
    if col == "b":  # cost
        assert (after <= before + 1e-9).all()
    else:  # benefits (c is relative to the median, still monotone for the unit itself)
        assert (after >= before - 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(frames)
def test_batched_weights_equal_single_runs(x):
    sets = [{}, {"a": 5.0, "P2": 0.2}]
    b = score_many(_df(x), SPEC, weights_matrix(SPEC, sets))
    for k, ws in enumerate(sets):
        np.testing.assert_allclose(b.dividend[k], score(_df(x), SPEC, ws).dividend.to_numpy())
