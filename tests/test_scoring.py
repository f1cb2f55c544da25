"""Signed dividend scoring: hand-computed cases from the formula, and bad input."""

import numpy as np
import pandas as pd
import pytest

from dividend.engine.framework import Framework
from dividend.engine.scoring import ScoringError, ScoringSpec, score, score_many, weights_matrix


def _imeta():
    ind = dict(Level=1, Direction=1, Type="Indicator")
    return pd.DataFrame(
        [
            dict(iCode="a", Parent="P1", Weight=1, Role="benefit", Neutral=0, Goalpost=10, **ind),
            dict(iCode="b", Parent="P1", Weight=2, Role="cost", Neutral=5, Goalpost=5, **ind),
            dict(
                iCode="c",
                Parent="P2",
                Weight=1,
                Role="benefit",
                Neutral="peer_median",
                Goalpost=4,
                **ind,
            ),
            dict(
                iCode="d", Parent="P2", Weight=1, Role="context", Neutral=None, Goalpost=None, **ind
            ),
            dict(iCode="P1", Level=2, Parent="I", Weight=1, Direction=1, Type="Aggregate"),
            dict(iCode="P2", Level=2, Parent="I", Weight=3, Direction=1, Type="Aggregate"),
            dict(iCode="I", Level=3, Parent=None, Weight=1, Direction=1, Type="Aggregate"),
        ]
    )


@pytest.fixture
def spec():
    return ScoringSpec.from_framework(Framework.from_imeta(_imeta()))


DATA = pd.DataFrame(
    {
        "uCode": ["x", "y", "z"],
        "a": [5, -20, np.nan],
        "b": [10, 0, 7],
        "c": [1, 2, 6],
        "d": [9, 9, 9],
    }
)


def test_indicator_scores_follow_the_formula(spec):
    r = score(DATA, spec)
    # a: (5-0)/10 -> 50; (-20-0)/10 clipped to -1 -> -100
    assert r.scores.loc["x", "a"] == 50.0
    assert r.scores.loc["y", "a"] == -100.0
    assert np.isnan(r.scores.loc["z", "a"])
    # b: (10-5)/5 = 1 -> 100; (7-5)/5 = 0.4 -> 40
    assert r.scores.loc["x", "b"] == 100.0 and r.scores.loc["z", "b"] == pytest.approx(40.0)
    # c relative: median(1, 2, 6) = 2; x: (1-2)/4 -> -25; z: (6-2)/4 = 1 -> 100
    assert r.neutral["c"].tolist() == [2.0, 2.0, 2.0]
    assert r.scores.loc["x", "c"] == -25.0 and r.scores.loc["z", "c"] == 100.0
    assert r.relative.to_dict() == {"a": False, "b": False, "c": True}
    # context is reported, never scored
    assert "d" not in r.scores.columns and r.context["d"].tolist() == [9, 9, 9]


def test_pillar_and_index_dividend_hand_computed(spec):
    r = score(DATA, spec)
    # P1 for x: weights a=1, b=2; B = 1*50/3, C = 2*100/3, dividend = (50-200)/3 = -50
    assert r.benefit.loc["x", "P1"] == pytest.approx(50 / 3)
    assert r.cost.loc["x", "P1"] == pytest.approx(200 / 3)
    assert r.dividend.loc["x", "P1"] == pytest.approx(-50.0)
    # z lacks a: only b observed, weights renormalise: dividend = -40, coverage 1/2
    assert r.dividend.loc["z", "P1"] == pytest.approx(-40.0)
    assert r.coverage.loc["z", "P1"] == 0.5
    # P2 has one scored indicator (c): dividend = its score
    assert r.dividend.loc["x", "P2"] == -25.0
    # index: pillar weights 1 and 3 -> (-50 + 3 * -25) / 4
    assert r.index["x"] == pytest.approx((-50 - 75) / 4)
    assert r.dividend.loc["z", "I"] == pytest.approx((-40 + 300) / 4)
    assert r.coverage.loc["z", "I"] == pytest.approx(2 / 3)
    # identity B - C = dividend at every level, net loss iff negative
    np.testing.assert_allclose(r.benefit - r.cost, r.dividend)
    assert r.net_loss.loc["x", "I"] and not r.net_loss.loc["z", "I"]
    assert r.relative_share.loc["x", "I"] == pytest.approx(3 / 4)


def test_peer_group_median(spec):
    data = DATA.assign(g=["A", "A", "B"])
    r = score(data, spec, peer_group="g")
    # group A: median(1, 2) = 1.5; group B: median(6) = 6
    assert r.neutral["c"].tolist() == [1.5, 1.5, 6.0]
    assert r.scores.loc["z", "c"] == 0.0


def test_score_many_matches_single_and_is_scale_free(spec):
    sets = [{}, {"a": 3.0}, {"P2": 0.5}]
    w = weights_matrix(spec, sets)
    batch = score_many(DATA, spec, np.vstack([w, 7 * w]))
    for k, ws in enumerate(sets):
        single = score(DATA, spec, ws).dividend.to_numpy()
        np.testing.assert_allclose(batch.dividend[k], single)
        np.testing.assert_allclose(batch.dividend[k + 3], single)


def test_min_coverage_blanks_thin_aggregates(spec):
    r = score(DATA, spec, min_coverage=0.75)
    assert np.isnan(r.dividend.loc["z", "P1"])
    assert r.net_loss["P1"].isna()["z"]


@pytest.mark.parametrize(
    ("col", "value", "msg"),
    [
        ("Role", "gain", "indicator 'a': Role 'gain'"),
        ("Goalpost", 0, "indicator 'a': Goalpost 0"),
        ("Goalpost", None, "indicator 'a': Goalpost"),
        ("Neutral", "zero", "indicator 'a': Neutral 'zero'"),
    ],
)
def test_bad_spec_names_the_indicator(col, value, msg):
    im = _imeta()
    im.loc[im.iCode == "a", col] = value
    with pytest.raises(ScoringError, match=msg):
        ScoringSpec.from_framework(Framework.from_imeta(im))


def test_bad_data_and_weights(spec):
    with pytest.raises(ScoringError, match=r"missing indicator column\(s\) \['c'\]"):
        score(DATA.drop(columns="c"), spec)
    with pytest.raises(ScoringError, match="column 'b', uCode 'y'"):
        score(DATA.astype({"b": object}).assign(b=[1, "n/a", 3]), spec)
    with pytest.raises(ScoringError, match=r"'b': weight -1\.0 is negative"):
        score(DATA, spec, {"b": -1.0})
    with pytest.raises(ScoringError, match="children of 'P1' are zero"):
        score(DATA, spec, {"a": 0.0, "b": 0.0})
    with pytest.raises(ScoringError, match=r"unknown code\(s\) \['zz'\]"):
        score(DATA, spec, {"zz": 1.0})
    with pytest.raises(ScoringError, match="shape"):
        score_many(DATA, spec, np.ones((2, 3)))
    with pytest.raises(ScoringError, match="peer group label missing"):
        score(DATA.assign(g=["A", None, "B"]), spec, peer_group="g")
