"""Sensitivity analysis of COINr's ASEM example: batched runs against the engine, run by run,
and the qualitative result of COINr's sensitivity vignette."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.engine.analysis.impact import remove_elements
from dividend.engine.recipe import Recipe, RecipeError, load_inputs, run_recipe
from dividend.engine.unit_data import UnitData
from dividend.sensitivity import (
    RecipeModel,
    load_config,
    parse_inputs,
    rank_rows,
    run_sensitivity,
)
from dividend.sensitivity.batch import RunFailures, aggregate_runs
from dividend.sensitivity.inputs import StepChoice, StepRange, WeightNoise

ROOT = Path(__file__).resolve().parents[1]
ASEM = ROOT / "examples" / "asem"


@pytest.fixture(scope="module")
def coinr_sa():
    cfg = load_config(ASEM / "sensitivity.yaml")
    res = run_sensitivity(
        cfg.model, cfg.inputs, cfg.n, cfg.seed, cfg.design, cfg.sampler, nboot=200
    )
    return cfg, res


def _engine_run(cfg, codes: np.ndarray) -> np.ndarray:
    """One run the slow way: edit the recipe, run every step with the engine."""
    model = cfg.model
    rec = model.recipe
    weights = dict(model.framework.weight)
    for k, inp in enumerate(model.inputs):
        if isinstance(inp, StepChoice | StepRange):
            rec = rec.with_params(inp.step, **inp.params(codes[k]))
        if isinstance(inp, WeightNoise):
            mult = inp.multipliers[int(codes[k])]
            from dividend.sensitivity.batch import weight_codes

            for j, c in enumerate(weight_codes(model.framework)):
                weights[c] = weights[c] * mult[j]
    methods = model.level_methods(codes)
    rec = rec.with_params(
        "Aggregate", method=[methods[lev] for lev in sorted(methods)], weights=weights
    )
    res = run_recipe(rec, model.data, model.framework)
    return res.values("Aggregated")[:, res.columns("Aggregated").index("Index")]


def test_design_size_and_no_failures(coinr_sa):
    cfg, res = coinr_sa
    assert len(res.runs) == 600 == cfg.n * (len(cfg.inputs) + 2)
    assert res.n_failed == 0
    assert res.scores.shape == (600, 51)


@pytest.mark.parametrize("run", [0, 1, 57, 123, 250, 333, 421, 599])
def test_batched_runs_equal_the_engine_run_by_run(coinr_sa, run):
    cfg, res = coinr_sa
    ref = _engine_run(cfg, res.runs.filter(like=".code").to_numpy()[run])
    np.testing.assert_allclose(res.scores[run], ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(res.ranks[run], rank_rows(ref))


def test_batched_nominal_equals_engine_nominal():
    recipe = Recipe.load(ASEM / "recipe.yaml")
    data, fw = load_inputs(recipe)
    model = RecipeModel(recipe, data, fw)
    X, rows = model.nominal_upstream()
    lev = aggregate_runs(fw, X, model.base_weights[None], model.methods, RunFailures(1))
    np.testing.assert_allclose(lev[4][0, rows, 0], model.nominal(), rtol=1e-12)


def test_qualitative_agreement_with_coinr(coinr_sa):
    """COINr's vignette: aggregation is the most influential input, winmax the least."""
    _, res = coinr_sa
    st = res.inputs.set_index("input")["STi"]
    assert st.idxmax() == "Aggregation"
    assert st.idxmin() == "Winmax"
    si = res.inputs.set_index("input")["Si"]
    assert si.idxmax() == "Aggregation"
    assert (res.inputs["STi_lo"] <= res.inputs["STi"]).all()
    assert (res.inputs["STi"] <= res.inputs["STi_hi"]).all()


def test_per_unit_table(coinr_sa):
    _, res = coinr_sa
    u = res.units
    assert list(u["uCode"])[:3] == ["AUS", "AUT", "BEL"]
    assert (u["n_runs"] == 200).all()  # A and B rows only (2N), as COINr's RankStats
    assert (u["rank_q05"] <= u["median_rank"]).all() and (u["median_rank"] <= u["rank_q95"]).all()
    assert (u["score_q05"] <= u["score_q95"]).all()
    np.testing.assert_array_equal(u["nominal_rank"], rank_rows(u["nominal_score"].to_numpy()))
    # median rank recomputed directly from the stored ranks of the A and B runs
    np.testing.assert_allclose(u["median_rank"], np.median(res.ranks[:200], axis=0))
    assert "p_net_loss" not in u  # only for the signed dividend
    ui = res.unit_indices
    assert len(ui) == 51 * 4 and ui["STi"].notna().all()
    assert ((ui["STi_lo"] <= ui["STi_hi"]) & (ui["Si_lo"] <= ui["Si_hi"])).all()  # nboot=200


def test_leave_one_out_equals_remove_elements(coinr_sa):
    cfg, res = coinr_sa
    model = cfg.model
    nominal = run_recipe(model.recipe, model.data, model.framework)
    ref = remove_elements(model.recipe, nominal, level=1)
    loo = res.leave_one_out.set_index("indicator")
    np.testing.assert_allclose(
        loo["mean_abs_rank_shift"].to_numpy(), ref.MeanAbsDiff.drop("Nominal").to_numpy()
    )
    np.testing.assert_allclose(
        res.loo_shifts.to_numpy(), ref.RankDiffs.drop(columns="Nominal").to_numpy()
    )


def test_reproducible_by_seed(coinr_sa):
    _, res = coinr_sa
    again = load_config(ASEM / "sensitivity.yaml")
    res2 = run_sensitivity(again.model, again.inputs, 100, 1, "sa", "sobol", nboot=200)
    np.testing.assert_array_equal(res.scores, res2.scores)
    assert res.runs.equals(res2.runs)
    assert res.inputs.equals(res2.inputs)
    other = load_config(ASEM / "sensitivity.yaml")
    res3 = run_sensitivity(other.model, other.inputs, 100, 2, "sa", "sobol", nboot=200)
    assert not np.array_equal(res.scores, res3.scores)


def test_failed_runs_are_recorded_with_parameters_and_error():
    """Min-max (0, 100) puts zeros in the data; COINr's geometric mean then stops. Those runs
    are failed rows in the runs table, and the engine fails on the same parameters."""
    recipe = Recipe.load(ASEM / "recipe.yaml")
    data, fw = load_inputs(recipe)
    inputs = parse_inputs(
        {
            "Aggregation": {"kind": "aggregation", "choices": ["amean", "gmean"]},
            "Weights": {"kind": "weights_noise", "noise": {2: 0.25}, "n_sets": 20},
        }
    )
    res = run_sensitivity(RecipeModel(recipe, data, fw), inputs, 64, 5, design="ua")
    runs = res.runs
    failed = runs["status"] == "failed"
    assert failed.any() and not failed.all()
    assert (failed == (runs["Aggregation"] == "gmean")).all()
    assert runs.loc[failed, "error"].str.contains("geometric mean undefined for unit").all()
    assert np.isnan(res.scores[failed.to_numpy()]).all()
    assert (res.units["n_runs"] == (~failed).sum()).all()
    with pytest.raises(RecipeError, match="geometric mean"):
        run_recipe(recipe.with_params("Aggregate", method="gmean"), data, fw)


def test_outputs_written(coinr_sa, tmp_path):
    _, res = coinr_sa
    files = {p.name for p in res.to_csv(tmp_path)}
    assert {
        "units.csv",
        "runs.csv",
        "inputs.csv",
        "unit_indices.csv",
        "leave_one_out.csv",
        "loo_shifts.csv",
        "scores.csv",
        "ranks.csv",
        "meta.json",
    } <= files


@pytest.mark.parametrize("impute", [True, False])
def test_level_by_level_path_equals_the_engine(impute):
    """Mixed methods per level (and, without imputation, missing values) take the
    level-by-level path instead of the effective-weight product; both agree with the engine."""
    recipe = Recipe.load(ASEM / "recipe.yaml")
    if not impute:
        d = recipe.to_dict()
        d["steps"] = [s for s in d["steps"] if s["step"] != "Impute"]
        d["steps"][1]["dset"] = "Denominated"
        recipe = Recipe.from_dict(d, ASEM)
    recipe = recipe.with_params("Normalise", params={"l_u": [1, 100]})
    data, fw = load_inputs(recipe)
    inputs = parse_inputs(
        {
            "Pillars": {
                "kind": "aggregation",
                "choices": ["amean", "gmean", "hmean"],
                "levels": [2],
            },
            "Top": {"kind": "aggregation", "choices": ["amean", "gmean"], "levels": [3, 4]},
            "Weights": {"kind": "weights_noise", "noise": {1: 0.5, 2: 0.25, 3: 0.25}, "n_sets": 30},
            "Drop": {"kind": "include", "indicators": ["LPI", "Flights"]},
        }
    )
    model = RecipeModel(recipe, data, fw)
    res = run_sensitivity(model, inputs, 16, 4, design="ua", nboot=0)
    assert res.n_failed == 0
    codes = res.runs.filter(like=".code").to_numpy()
    for run in (0, 3, 7, 12, 15):
        rec = recipe
        weights = dict(fw.weight)
        from dividend.sensitivity.batch import weight_codes

        for k, inp in enumerate(model.inputs):
            if isinstance(inp, WeightNoise):
                for j, c in enumerate(weight_codes(fw)):
                    weights[c] *= inp.multipliers[int(codes[run, k])][j]
            elif inp.name.startswith("Drop:") and codes[run, k] == 1:
                weights[inp.indicator] = 0.0
        methods = model.level_methods(codes[run])
        rec = rec.with_params(
            "Aggregate", method=[methods[lv] for lv in (2, 3, 4)], weights=weights
        )
        out = run_recipe(rec, data, fw)
        ref = np.full(data.n_units, np.nan)  # units screened out stay absent, not failed
        ref[out.dsets["Aggregated"].rows] = out.values("Aggregated")[
            :, out.columns("Aggregated").index("Index")
        ]
        np.testing.assert_allclose(res.scores[run], ref, rtol=1e-10)
    absent = np.isnan(res.scores[0])
    assert absent.sum() == (0 if impute else 5)
    assert (res.units.loc[absent, "n_runs"] == 0).all()


def test_data_table_and_weight_scenario_file_choices(tmp_path):
    """A reference-year style choice between unit tables, and weight scenarios from files."""
    recipe = Recipe.load(ASEM / "recipe.yaml")
    data, fw = load_inputs(recipe)
    raw = pd.read_csv(ASEM / "ASEM_iData_17g.csv")
    alt = raw[raw["uCode"] != "AUT"].copy()  # the alternative table lacks one unit
    alt["LPI"] = alt["LPI"] * 1.1
    alt_path = tmp_path / "iData_alt.csv"
    alt.to_csv(alt_path, index=False)
    (tmp_path / "conn_heavy.yaml").write_text("weights: {Conn: 3, Sust: 1}\n")
    inputs = parse_inputs(
        {
            "Data": {
                "kind": "data",
                "choices": [str(ASEM / "ASEM_iData_17g.csv"), "iData_alt.csv"],
            },
            "Scenario": {"kind": "weights_scenarios", "choices": ["conn_heavy.yaml", {"Conn": 1}]},
        },
        base_dir=tmp_path,
    )
    model = RecipeModel(recipe, data, fw)
    res = run_sensitivity(model, inputs, 16, 8, design="ua", nboot=0)
    runs = res.runs
    aut = list(model.units).index("AUT")
    on_alt = (runs["Data.code"] == 1).to_numpy()
    assert on_alt.any() and (~on_alt).any()
    assert np.isnan(res.scores[on_alt, aut]).all() and not np.isnan(res.scores[~on_alt, aut]).any()
    assert res.units["n_runs"].iloc[aut] == (~on_alt).sum()
    for run in np.flatnonzero(on_alt)[:2]:
        w = {"Conn": 3.0, "Sust": 1.0} if runs.loc[run, "Scenario.code"] == 0 else {"Conn": 1.0}
        alt_data = UnitData.from_csv(alt_path, fw)
        out = run_recipe(recipe.with_params("Aggregate", weights=w), alt_data, fw)
        ref = pd.Series(
            out.values("Aggregated")[:, out.columns("Aggregated").index("Index")],
            index=alt_data.ucode,
        ).reindex(model.units)
        np.testing.assert_allclose(res.scores[run], ref.to_numpy(), rtol=1e-10)
