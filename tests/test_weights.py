"""Weights: hand-computed renormalisation, effective weights, PCA and optimisation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.engine import weighting as W
from dividend.engine.framework import Framework
from dividend.engine.recipe import Recipe, load_inputs, run_recipe
from tests.test_analysis import DATA, _fw

ROOT = Path(__file__).resolve().parents[1]


def test_nominal_equal_and_effective():
    im = _fw().to_imeta()
    im.loc[im.iCode == "a", "Weight"] = 2  # P: a=2, b=1, c=1
    im.loc[im.iCode == "Q", "Weight"] = 3  # I: P=1, Q=3
    fw = Framework.from_imeta(im)
    nom = W.nominal_weights(fw)
    assert nom["a"] == 0.5 and nom["b"] == 0.25 and nom["Q"] == 0.75
    assert W.equal_weights(fw)["a"] == pytest.approx(1 / 3)
    eff = W.effective_weights(fw)
    assert eff["a"] == pytest.approx(0.5 * 0.25) and eff["d"] == pytest.approx(0.5 * 0.75)
    assert eff["I"] == 1.0 and eff[list(fw.indicators)].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(eff.to_numpy(), fw.effective_weights().to_numpy())


@pytest.mark.parametrize(
    ("w", "msg"),
    [
        ({"a": -1}, "iCode 'a': weight -1.0 is negative"),
        ({"d": 0, "e": 0}, "children of 'Q' are zero"),
        ({"zz": 1}, r"unknown iCode\(s\) \['zz'\]"),
        ({"a": "heavy"}, "iCode 'a': weight 'heavy' is not a number"),
        ({"a": np.inf}, "iCode 'a': weight inf is not finite"),
    ],
)
def test_bad_weights_name_the_element(w, msg):
    with pytest.raises(W.WeightsError, match=msg):
        W.normalise_in_groups(_fw(), w)


def test_pca_weights_are_squared_pc1_loadings_per_group():
    data = DATA.assign(c=DATA["c"].fillna(1.0))
    w = W.pca_weights(data, _fw())
    x = data[["a", "b", "c"]].to_numpy()
    corr = np.corrcoef(x, rowvar=False)
    vals, vecs = np.linalg.eigh(corr)
    np.testing.assert_allclose(w[["a", "b", "c"]], vecs[:, np.argmax(vals)] ** 2, atol=1e-10)
    assert w[["d", "e"]].sum() == pytest.approx(1.0)
    raw = W.pca_weights(data, _fw(), kind="loadings")
    np.testing.assert_allclose(raw[["a", "b", "c"]] ** 2, w[["a", "b", "c"]], atol=1e-12)


def test_optimised_weights_balance_correlations_with_parent():
    rng = np.random.default_rng(0)
    f = rng.normal(size=200)
    data = pd.DataFrame(
        {
            "a": f + 0.2 * rng.normal(size=200),
            "b": f + 0.5 * rng.normal(size=200),
            "c": rng.normal(size=200) + 0.3 * f,
            "d": rng.normal(size=200),
            "e": rng.normal(size=200),
        }
    )
    fw = _fw()
    agg = W.aggregate_tree(data, fw)
    np.testing.assert_allclose(agg["P"], data[["a", "b", "c"]].mean(axis=1))
    before = agg[["a", "b", "c"]].corrwith(agg["P"])
    opt = W.optimised_weights(data, fw, level=1, target="parent")
    after = opt.correlations[["a", "b", "c"]]
    spread = lambda r: np.ptp(r / r.sum())  # noqa: E731
    assert spread(after) < 0.5 * spread(before.to_numpy())
    assert opt.weights["c"] > opt.weights["a"]  # the weak indicator gets more weight
    assert opt.weights[["a", "b", "c"]].sum() == pytest.approx(1.0)


def test_optimised_weights_converge_and_balance_on_asem():
    """COINr's get_opt_weights(coin, itarg = "equal", dset = "Aggregated", Level = 2) setting:
    level-2 weights balanced against the index; scipy's stopping rule must be met and the
    balance must beat the nominal (equal) weights."""
    recipe = Recipe.load(ROOT / "examples" / "asem" / "recipe.yaml")
    data, fw = load_inputs(recipe)
    norm = run_recipe(recipe, data, fw).dset("Normalised").set_index("uCode")
    opt = W.optimised_weights(norm, fw, level=2)
    assert opt.success
    codes = list(fw.codes[1])
    equal = W.aggregate_tree(norm, fw, W.nominal_weights(fw).to_dict())
    before = equal[codes].corrwith(equal["Index"]).to_numpy()
    after = opt.correlations[codes].to_numpy()
    gap = lambda r: np.mean((r / r.sum() - 1 / len(r)) ** 2)  # noqa: E731
    assert gap(after) < gap(before)
    assert opt.objective == pytest.approx(np.log(gap(after)), rel=1e-6)
