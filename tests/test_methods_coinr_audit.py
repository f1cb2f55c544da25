"""COINr 1.1.14 details found in the source audit (issue 4): each case worked by hand
from the R expression quoted in its comment, plus properties COINr guarantees on ASEM."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.engine.framework import Framework
from dividend.engine.methods.aggregate import AggregateWarning, aggregate
from dividend.engine.methods.normalise import normalise
from dividend.engine.recipe import Recipe, Step, run_recipe
from dividend.engine.steps.base import RecipeError
from dividend.engine.unit_data import UnitData

ASEM = Path(__file__).resolve().parents[1] / "examples" / "asem"
NAN = np.nan


@pytest.fixture(scope="module")
def asem():
    """ASEM iMeta/iData and the Treated data set of COINr's example pipeline."""
    meta = pd.read_csv(ASEM / "ASEM_iMeta_17g.csv")
    idata = pd.read_csv(ASEM / "ASEM_iData_17g.csv")
    recipe = Recipe.load(ASEM / "recipe.yaml")
    fw = Framework.from_imeta(meta)
    res = run_recipe(recipe, UnitData.from_idata(idata, fw), fw)
    return meta, idata, res


def normalise_asem(meta: pd.DataFrame, idata: pd.DataFrame, **params) -> pd.DataFrame:
    fw = Framework.from_imeta(meta)
    res = run_recipe(
        Recipe((Step("Normalise", params, dset="Raw"),)), UnitData.from_idata(idata, fw), fw
    )
    return res.dset("Normalised").set_index("uCode")


def test_goalposts_trunc2posts_per_indicator():
    # n_goalposts(x, c(0, 8, 100), trunc2posts = TRUE) -> c(0, 50, 100)  for x = c(-2, 4, 9)
    # n_goalposts(x, c(0, 8, 100), trunc2posts = FALSE) -> c(-25, 50, 112.5)
    X = np.array([[-2.0, -2.0], [4.0, 4.0], [9.0, 9.0]])
    got = normalise(X, "goalposts", gposts=(0, 8, 100), trunc2posts=[True, False])
    np.testing.assert_allclose(got, [[0, -25], [50, 50], [100, 112.5]])


def test_dist2targ_cap_max_per_indicator():
    # n_dist2targ(x, targ = 3, cap_max): (x - min(x)) / (targ - min(x)); y[y > 1] <- 1 if cap_max
    X = np.array([[1.0, 1.0], [2.0, 2.0], [5.0, 5.0]])
    got = normalise(X, "dist2targ", targets=[3.0, 3.0], cap_max=[True, False])
    np.testing.assert_allclose(got, [[0, 0], [0.5, 0.5], [1, 2]])


def test_copeland_ignores_dat_thresh_like_coinr_by_df():
    # Aggregate.data.frame: dat_thresh only applies to by-row aggregation, a_copeland is by_df
    X = np.array([[1.0, NAN, NAN], [2.0, 1.0, 1.0], [3.0, 2.0, 2.0]])
    with pytest.warns(AggregateWarning, match="ignored for copeland"):
        got = aggregate(X, np.ones(3), "copeland", dat_thresh=0.9)
    np.testing.assert_array_equal(got, aggregate(X, np.ones(3), "copeland"))
    assert not np.isnan(got).any()


def test_hmean_allows_negative_values_like_coinr():
    # a_hmean only stops on zeros: sum(w) / sum(w / x) = 2 / (1/-1 + 1/2) = -4
    np.testing.assert_allclose(aggregate(np.array([[-1.0, 2.0]]), np.ones(2), "hmean"), [-4.0])


def test_genmean_any_missing_child_gives_na_like_coinr():
    # a_genmean: w[is.na(x)] <- NA; (sum(w * x^p) / sum(w))^(1/p) -> NA without na.rm
    X = np.array([[1.0, 3.0], [2.0, NAN]])
    got = aggregate(X, np.ones(2), "genmean", p=2)
    np.testing.assert_allclose(got, [np.sqrt(5.0), NAN])


def test_impute_all_missing_indicator_is_an_error_like_coinr(asem):
    # Impute.numeric: if(sum(nas) == length(x)) stop("Input is all NAs - cannot impute.")
    meta, idata, _ = asem
    fw = Framework.from_imeta(meta)
    broken = idata.assign(LPI=np.nan)
    step = Step("Impute", {"method": "i_mean"}, dset="Raw")
    with pytest.raises(RecipeError, match="'LPI' has no observed value"):
        run_recipe(Recipe((step,)), UnitData.from_idata(broken, fw), fw)


def test_use_imeta_minmax_scales_each_indicator_onto_its_own_bounds(asem):
    # get_iMeta_norm_paras: n_minmax = list(l_u = c(minmax_lower, minmax_upper)); n_minmax maps
    # the column's min/max exactly onto l_u (after the direction flip)
    meta, idata, _ = asem
    ind = meta["Type"] == "Indicator"
    meta = meta.assign(minmax_lower=np.where(ind, 1.0, np.nan), minmax_upper=np.nan)
    meta.loc[ind, "minmax_upper"] = np.arange(ind.sum()) + 10.0
    out = normalise_asem(meta, idata, method="n_minmax", params="use_iMeta")
    codes = meta.loc[ind, "iCode"]
    np.testing.assert_allclose(out[codes].min().to_numpy(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        out[codes].max().to_numpy(), meta.loc[ind, "minmax_upper"].to_numpy(), rtol=1e-12
    )


def test_use_imeta_goalposts_as_in_coinr_tests(asem):
    """COINr's test-normalise.R: goalposts at 5% of the range inside min/max, scale 1, Flights
    scale 10, Goods not truncated; LPI must equal n_goalposts(LPI, c(lower, upper, 1))."""
    meta, idata, _ = asem
    ind = meta["Type"] == "Indicator"
    codes = meta.loc[ind, "iCode"].tolist()
    lo, hi = idata[codes].min(), idata[codes].max()
    meta = meta.assign(goalpost_scale=1.0, goalpost_trunc2posts=True)
    meta = meta.set_index("iCode")
    meta.loc[codes, "goalpost_lower"] = lo + 0.05 * (hi - lo)
    meta.loc[codes, "goalpost_upper"] = hi - 0.05 * (hi - lo)
    meta.loc["Flights", "goalpost_scale"] = 10.0
    meta.loc["Goods", "goalpost_trunc2posts"] = False
    meta = meta.reset_index()
    out = normalise_asem(meta, idata, method="n_goalposts", params="use_iMeta")
    gp = meta.set_index("iCode")
    for code in codes:
        x = idata.set_index("uCode")[code].loc[out.index]
        lower, upper, scale = gp.loc[code, ["goalpost_lower", "goalpost_upper", "goalpost_scale"]]
        if gp.loc[code, "Direction"] == 1:  # (x - GP_low) / (GP_high - GP_low)
            y = (x - lower) / (upper - lower)
        else:  # data * -1 and gposts c(-upper, -lower): (upper - x) / (upper - lower)
            y = (upper - x) / (upper - lower)
        if gp.loc[code, "goalpost_trunc2posts"]:
            y = y.clip(0, 1)
        np.testing.assert_allclose(out[code], y * scale, rtol=1e-12, atol=1e-12)
    assert out["Goods"].max() > 1 and out["Flights"].max() == 10


@pytest.mark.parametrize(
    ("method", "check"),
    [
        # n_zscore: mean 0, sd 1 (R's sd(), n - 1) per indicator
        ("zscore", lambda c: abs(c.mean()) < 1e-12 and abs(c.std(ddof=1) - 1) < 1e-12),
        # n_prank: (rank(min) - 1) / (n - 1): 0 at the bottom, <= 1 (tied tops share a rank)
        ("prank", lambda c: c.min() == 0 and c.max() <= 1),
        # n_borda: rank(min) - 1: the lowest unit(s) score 0
        ("borda", lambda c: c.min() == 0 and c.max() <= c.notna().sum() - 1),
        # n_rank: rank(x, ties.method = "min"): 1 for the lowest, at most n
        ("rank", lambda c: c.min() == 1 and c.max() <= c.notna().sum()),
        # n_fracmax: x / max(x): the best unit scores 1 (checked below); all finite
        ("fracmax", lambda c: np.isfinite(c).all()),
        # n_dist2max: 1 - (max - x) / (max - min) spans [0, 1]
        ("dist2max", lambda c: c.min() == 0 and c.max() == 1),
    ],
)
def test_asem_normalisations_keep_coinr_guarantees(asem, method, check):
    _, _, res = asem
    fw = res.framework
    treated = res.values("Treated")
    flipped = treated * fw.directions
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = normalise(flipped, method, codes=fw.indicators)
    for j, code in enumerate(fw.indicators):
        if method == "fracmax" and np.nanmax(flipped[:, j]) == 0:  # x / 0 in R too: Inf
            assert code in str(caught[0].message) and np.isinf(out[:, j]).any()
            continue
        col = pd.Series(out[:, j]).dropna()
        assert check(col), (method, code)
        if method in ("fracmax", "dist2max"):
            # directions come first: the best unit (max after flipping) scores exactly 1
            assert out[np.nanargmax(flipped[:, j]), j] == 1
