"""impute_em() on simulated multivariate normal data with known parameters, its edge cases,
and EM through the Impute step and the sensitivity analysis on COINr's ASEM example."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from dividend.engine.methods.impute_em import EMConvergenceWarning, impute_em
from dividend.engine.recipe import Recipe, RecipeError, Step, load_inputs, run_recipe
from dividend.engine.unit_data import UnitData
from dividend.sensitivity import RecipeModel, SensitivityError, parse_inputs, run_sensitivity

ASEM = Path(__file__).resolve().parents[1] / "examples" / "asem"

# The simulation: 4 correlated indicators on different scales, 20% of cells missing
# completely at random (MCAR, so EM's MAR assumption holds).
N, P, MISSING = 5000, 4, 0.2
MU = np.array([1.0, -2.0, 10.0, 0.5])
SD = np.array([1.0, 2.0, 0.5, 3.0])
CORR = np.array(
    [
        [1.0, 0.6, 0.3, -0.4],
        [0.6, 1.0, 0.5, -0.2],
        [0.3, 0.5, 1.0, 0.1],
        [-0.4, -0.2, 0.1, 1.0],
    ]
)
SIGMA = CORR * np.outer(SD, SD)


@pytest.fixture(scope="module")
def sim():
    rng = np.random.default_rng(20261126)
    full = rng.multivariate_normal(MU, SIGMA, size=N)
    x = full.copy()
    x[rng.random(x.shape) < MISSING] = np.nan
    return full, x, impute_em(x)


def _conditional_means(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """mu_m + Sigma_mo Sigma_oo^-1 (x_o - mu_o), written out unit by unit (independent code)."""
    out = x.copy()
    for i in range(len(x)):
        m = np.isnan(x[i])
        o = ~m
        if m.all():
            out[i] = mu
        elif m.any():
            beta = np.linalg.solve(sigma[np.ix_(o, o)], x[i, o] - mu[o])
            out[i, m] = mu[m] + sigma[np.ix_(m, o)] @ beta
    return out


def test_estimates_within_sampling_error_of_the_truth(sim):
    _, x, res = sim
    assert res.converged and res.floored == 0
    # Each mean uses at least the ~0.8 N units observing it (EM borrows strength from the
    # correlated columns, so this standard error is conservative); 4 standard errors.
    se_mu = SD / np.sqrt((1 - MISSING) * N)
    assert np.all(np.abs(res.mean - MU) < 4 * se_mu), (res.mean - MU) / se_mu
    # Normal-theory standard error of a covariance, var(s_jk) = (s_jj s_kk + s_jk^2) / n,
    # with n the ~0.64 N units observing both columns (conservative again); 4 standard errors.
    n_pair = (1 - MISSING) ** 2 * N
    se_sigma = np.sqrt((np.outer(SD**2, SD**2) + SIGMA**2) / n_pair)
    assert np.all(np.abs(res.cov - SIGMA) < 4 * se_sigma), (res.cov - SIGMA) / se_sigma
    # the tolerance discriminates: covariances of the mean-imputed data (variances shrunk
    # by ~20%) fall far outside it
    naive = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    naive_cov = np.cov(naive, rowvar=False, bias=True)
    assert np.any(np.abs(naive_cov - SIGMA) > 4 * se_sigma)


def test_imputed_values_are_the_conditional_means_and_beat_mean_imputation(sim):
    full, x, res = sim
    miss = np.isnan(x)
    np.testing.assert_allclose(
        res.X, _conditional_means(x, res.mean, res.cov), rtol=1e-10, atol=1e-10
    )
    rmse_em = np.sqrt(np.mean((res.X[miss] - full[miss]) ** 2))
    mean_fill = np.broadcast_to(np.nanmean(x, axis=0), x.shape)
    rmse_mean = np.sqrt(np.mean((mean_fill[miss] - full[miss]) ** 2))
    oracle = _conditional_means(x, MU, SIGMA)  # imputation with the true parameters
    rmse_oracle = np.sqrt(np.mean((oracle[miss] - full[miss]) ** 2))
    assert rmse_em < 0.9 * rmse_mean
    assert rmse_em < 1.01 * rmse_oracle  # estimation costs almost nothing at N = 5000


def test_observed_values_unchanged_and_nothing_left_missing(sim):
    _, x, res = sim
    seen = ~np.isnan(x)
    np.testing.assert_array_equal(res.X[seen], x[seen])
    assert not np.isnan(res.X).any()


def test_log_likelihood_never_decreases_and_is_the_observed_data_likelihood(sim):
    _, x, res = sim
    ll = res.loglik
    assert len(ll) == res.iterations + 1
    assert np.all(np.diff(ll) >= -1e-9 * np.abs(ll[:-1]))
    assert ll[-1] > ll[0]
    ref = 0.0  # scipy's density over each unit's observed columns, at the returned estimate
    seen = ~np.isnan(x)
    for o in np.unique(seen[seen.any(axis=1)], axis=0):  # one scipy call per pattern
        rows = x[(seen == o).all(axis=1)][:, o]
        ref += multivariate_normal(res.mean[o], res.cov[np.ix_(o, o)]).logpdf(rows).sum()
    assert ll[-1] == pytest.approx(ref, rel=1e-10)


def test_complete_data_give_the_sample_moments():
    x = np.random.default_rng(3).multivariate_normal(MU, SIGMA, size=200)
    res = impute_em(x)
    np.testing.assert_array_equal(res.X, x)
    np.testing.assert_allclose(res.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(res.cov, np.cov(x, rowvar=False, bias=True), rtol=1e-10)


def test_ridge_prior_shrinks_correlations_by_pseudo_units():
    """M-step with ``ridge`` e: Sigma = (n S + e diag(s^2)) / (n + e) on the input scale, where
    s^2 are the observed variances; with complete data that is the whole answer."""
    x = np.random.default_rng(4).multivariate_normal(MU, SIGMA, size=50)
    s = np.cov(x, rowvar=False, bias=True)
    res = impute_em(x, ridge=5.0)
    np.testing.assert_allclose(res.cov, (50 * s + 5 * np.diag(np.diag(s))) / 55, rtol=1e-10)
    np.testing.assert_allclose(res.mean, x.mean(axis=0), rtol=1e-12)


def test_fully_missing_row_gets_the_mean_and_changes_nothing_else(sim):
    _, x, res = sim
    with_empty = np.insert(x, [0, 100], np.nan, axis=0)
    out = impute_em(with_empty)
    empty = np.flatnonzero(np.isnan(with_empty).all(axis=1))  # 0.2^4 N ~ 8 by chance, + 2
    assert {0, 101} < set(empty)
    np.testing.assert_array_equal(out.empty_rows, empty)
    np.testing.assert_array_equal(out.X[empty], np.broadcast_to(out.mean, (len(empty), P)))
    np.testing.assert_allclose(out.mean, res.mean, rtol=1e-12)
    np.testing.assert_allclose(out.cov, res.cov, rtol=1e-10)
    np.testing.assert_allclose(np.delete(out.X, [0, 101], axis=0), res.X, rtol=1e-10)


def test_all_missing_column_is_an_error_naming_it(sim):
    _, x, _ = sim
    bad = x[:50].copy()
    bad[:, 2] = np.nan
    with pytest.raises(ValueError, match="'c' has no observed value"):
        impute_em(bad, codes=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="'column 2' has no observed value"):
        impute_em(bad)


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"max_iter": 0}, "max_iter must be a positive integer"),
        ({"tol": 0.0}, "tol must be > 0"),
        ({"ridge": -1.0}, "ridge must be >= 0"),
    ],
)
def test_bad_arguments(sim, kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        impute_em(sim[1][:20], **kwargs)


def test_infinite_value_is_an_error_naming_row_and_column():
    x = np.array([[1.0, np.nan], [2.0, np.inf], [3.0, 4.0]])
    with pytest.raises(ValueError, match=r"infinite value at row 1, 'b'"):
        impute_em(x, codes=["a", "b"])


def test_non_convergence_warns_and_says_so():
    x = np.random.default_rng(5).multivariate_normal(MU, SIGMA, size=300)
    x[np.random.default_rng(6).random(x.shape) < 0.4] = np.nan
    with pytest.warns(EMConvergenceWarning, match="no convergence in 2 iterations"):
        res = impute_em(x, max_iter=2)
    assert not res.converged and res.iterations == 2


def test_batches_of_bounded_size_give_the_same_result(sim, monkeypatch):
    """Large missing counts are processed in row batches (bounded memory): same answer."""
    import dividend.engine.methods.impute_em as em

    x = sim[1][:600]
    res = impute_em(x)
    monkeypatch.setattr(em, "_BLOCK_ELEMENTS", 7)  # 1 to 7 rows per batch instead of all
    small = impute_em(x)
    assert small.iterations == res.iterations
    np.testing.assert_allclose(small.X, res.X, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(small.cov, res.cov, rtol=1e-12)


def test_deterministic(sim):
    _, x, res = sim
    again = impute_em(x)
    np.testing.assert_array_equal(again.X, res.X)
    np.testing.assert_array_equal(again.loglik, res.loglik)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 40),
    p=st.integers(1, 5),
    frac=st.floats(0.0, 0.6),
)
def test_permuting_units_permutes_the_output(seed, n, p, frac):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=(n, p)) * rng.uniform(0.1, 100, p), 2)
    x[rng.random(x.shape) < frac] = np.nan
    x[0] = np.where(np.isnan(x).all(axis=0), 1.0, x[0])  # every column observed once
    perm = rng.permutation(n)
    # ridge 1: a well-posed problem even with fewer units than indicators
    res, res_p = impute_em(x, ridge=1.0), impute_em(x[perm], ridge=1.0)
    scale = 1e-6 * max(1.0, float(np.nanmax(np.abs(x))))
    np.testing.assert_allclose(res_p.X, res.X[perm], rtol=1e-6, atol=scale)
    np.testing.assert_allclose(res_p.mean, res.mean, rtol=1e-6, atol=scale)
    seen = ~np.isnan(x)
    np.testing.assert_array_equal(res.X[seen], x[seen])


# ------------------------------------------------------------------ the Impute step, ASEM
@pytest.fixture(scope="module")
def asem():
    recipe = Recipe.load(ASEM / "recipe.yaml")
    data, fw = load_inputs(recipe)
    return recipe, data, fw


def _with_impute(recipe: Recipe, params: dict) -> Recipe:
    steps = list(recipe.steps)
    i = recipe.index("Impute")
    steps[i] = Step("Impute", params, dset=steps[i].dset)
    return Recipe(tuple(steps))


def test_impute_step_em_on_asem_keeps_observed_cells(asem):
    """ASEM has 51 units and 49 indicators: a ridge of half a pseudo-unit (1% of the units)
    makes the problem well posed."""
    recipe, data, fw = asem
    res = run_recipe(_with_impute(recipe, {"method": "EM", "em": {"ridge": 0.5}}), data, fw)
    before, after = res.values("Denominated"), res.values("Imputed")
    seen = ~np.isnan(before)
    assert (~seen).sum() > 0
    np.testing.assert_array_equal(after[seen], before[seen])
    assert not np.isnan(after).any()
    notes = res.log[recipe.index("Impute")]["notes"]
    assert notes["em_converged"] and notes["imputed"] == (~seen).sum()
    index = res.values("Aggregated")[:, res.columns("Aggregated").index("Index")]
    assert np.isfinite(index).all()
    # EM uses the other indicators, so it differs from the recipe's Europe/Asia group mean
    grp = run_recipe(recipe, data, fw).values("Imputed")
    assert not np.allclose(after[~seen], grp[~seen])


def test_impute_step_em_without_ridge_on_asem_warns(asem):
    """With about as many indicators as units the likelihood has no finite maximum."""
    recipe, data, fw = asem
    with pytest.warns(EMConvergenceWarning):
        run_recipe(_with_impute(recipe, {"method": "i_em", "em": {"max_iter": 50}}), data, fw)


@pytest.mark.parametrize(
    ("params", "msg"),
    [
        ({"method": "em", "em": {"ridg": 1}}, r"Impute.em: unknown option\(s\) \['ridg'\]"),
        ({"method": "em", "use_group": "EurAsia_group"}, "Impute.use_group: only valid"),
        ({"method": "mean", "em": {"ridge": 1}}, "Impute.em: only valid with method 'em'"),
        ({"method": "em", "em": {"tol": -1}}, "Impute.em: impute_em: tol must be > 0"),
    ],
)
def test_impute_step_em_bad_parameters(asem, params, msg):
    recipe, data, fw = asem
    with pytest.raises(RecipeError, match=msg):
        run_recipe(_with_impute(recipe, params), data, fw)


def test_impute_step_em_all_missing_indicator_is_named(asem):
    recipe, _, fw = asem
    code = fw.indicators[3]
    idata = pd.read_csv(ASEM / "ASEM_iData_17g.csv")
    idata[code] = np.nan
    with pytest.raises(RecipeError, match=f"indicator '{code}' has no observed value"):
        run_recipe(
            _with_impute(recipe, {"method": "em", "em": {"ridge": 0.5}}),
            UnitData.from_idata(idata, fw),
            fw,
        )


def test_sensitivity_varies_imputation_between_group_mean_and_em(asem):
    recipe, data, fw = asem
    spec = {
        "Imputation": {
            "kind": "step",
            "step": "Impute",
            "choices": [
                {"method": "mean_grp", "use_group": "EurAsia_group"},
                # the recipe's use_group stays unless the choice unsets it
                {"method": "em", "use_group": None, "em": {"ridge": 0.5}},
            ],
        },
        "Aggregation": {"kind": "aggregation", "choices": ["amean"]},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", EMConvergenceWarning)
        res = run_sensitivity(RecipeModel(recipe, data, fw), parse_inputs(spec), 8, 1, "ua")
    assert res.n_failed == 0
    is_em = (res.runs["Imputation.code"] == 1).to_numpy()
    assert is_em.any() and not is_em.all()
    assert not np.allclose(res.scores[is_em][0], res.scores[~is_em][0])
    bad = {"Imputation": {**spec["Imputation"], "choices": [{"method": "emm"}]}}
    with pytest.raises(SensitivityError, match="unknown Impute method 'emm'"):
        run_sensitivity(RecipeModel(recipe, data, fw), parse_inputs(bad), 4, 1, design="ua")
