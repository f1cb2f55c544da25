"""Every bad sensitivity specification fails at once with one clear error naming the key."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from dividend.cli import main
from dividend.engine.recipe import Recipe, load_inputs
from dividend.sensitivity import (
    RecipeModel,
    SensitivityError,
    load_config,
    parse_inputs,
    run_sensitivity,
)

ROOT = Path(__file__).resolve().parents[1]
ASEM = ROOT / "examples" / "asem"
AGG = {"kind": "aggregation", "choices": ["amean", "gmean"]}


@pytest.fixture(scope="module")
def asem():
    recipe = Recipe.load(ASEM / "recipe.yaml")
    data, fw = load_inputs(recipe)
    return recipe, data, fw


@pytest.mark.parametrize(
    ("spec", "msg"),
    [
        ({}, "inputs: must be a non-empty mapping"),
        ({"A": {"kind": "weights"}}, r"inputs.A.kind: 'weights' is not one of"),
        (
            {"A": {"kind": "step", "step": "Treat", "param": "winmax", "valuez": [1]}},
            r"unknown key\(s\) \['valuez'\]",
        ),
        (
            {"A": {"kind": "step", "param": "winmax", "values": [1]}},
            "inputs.A.step: the recipe step name is required",
        ),
        ({"A": {"kind": "step", "step": "Treat", "values": [1]}}, "inputs.A.param: required"),
        (
            {
                "A": {
                    "kind": "step",
                    "step": "Treat",
                    "param": "winmax",
                    "values": [1],
                    "range": [1, 2],
                }
            },
            "exactly one of choices / values / range",
        ),
        (
            {"A": {"kind": "step", "step": "Treat", "param": "winmax", "range": [5, 1]}},
            "needs finite low < high",
        ),
        (
            {
                "A": {
                    "kind": "step",
                    "step": "Treat",
                    "param": "winmax",
                    "range": [1.5, 3],
                    "integer": True,
                }
            },
            "integer ranges need integer bounds",
        ),
        (
            {"A": {"kind": "aggregation", "choices": ["amean", "median"]}},
            "unknown aggregation method 'median'",
        ),
        ({"A": {"kind": "aggregation", "choices": []}}, "at least 1 alternative"),
        (
            {"A": {"kind": "weights_noise", "noise": {2: 1.5}}},
            r"inputs.A.noise.2: fraction must be in \[0, 1\)",
        ),
        (
            {"A": {"kind": "weights_noise", "noise": {2: 0.2}, "n_sets": 0}},
            "n_sets: must be a positive integer",
        ),
        (
            {"A": {"kind": "weights_scenarios", "choices": ["no_such_file.yaml"]}},
            "weight scenario file not found",
        ),
        ({"A": {"kind": "include", "p_exclude": 1.0}}, r"p_exclude: must be in \(0, 1\)"),
        ({"A": {"kind": "data", "choices": ["only_one.csv"]}}, "at least 2 alternative"),
        ({"A": {"kind": "goalpost", "range": [0, 2]}}, "goalpost scale factors must be > 0"),
        ({"A": {"kind": "neutral"}}, "exactly one of range / values"),
        ({"A": AGG, "B": "amean"}, "inputs.B: must be a mapping"),
    ],
)
def test_bad_input_specs(spec, msg):
    with pytest.raises(SensitivityError, match=msg):
        parse_inputs(spec)


@pytest.mark.parametrize(
    ("spec", "msg"),
    [
        (
            {"A": {"kind": "step", "step": "Rescale", "param": "x", "values": [1]}},
            "inputs.A: recipe has no step 'Rescale'",
        ),
        (
            {"A": {"kind": "step", "step": "Treat", "param": "winmux", "values": [1]}},
            r"unknown parameter\(s\) \['winmux'\]",
        ),
        (
            {"A": {"kind": "step", "step": "Normalise", "choices": [{"method": "minmux"}]}},
            "unknown Normalise method 'minmux'",
        ),
        (
            {"A": {"kind": "step", "step": "Impute", "choices": [{"method": "i_mode"}]}},
            "unknown Impute method 'i_mode'",
        ),
        (
            {"A": {"kind": "step", "step": "Aggregate", "param": "method", "values": ["amean"]}},
            "vary Aggregate through kinds",
        ),
        (
            {"A": {"kind": "aggregation", "choices": ["amean"], "levels": [5]}},
            r"inputs.A.levels: \[5\] outside 2..4",
        ),
        (
            {"A": {"kind": "weights_noise", "noise": {4: 0.2}}},
            r"noise: level\(s\) \[4\] have no weights",
        ),
        ({"A": {"kind": "include", "indicators": ["Nope"]}}, "'Nope' is not an indicator"),
        (
            {"A": {"kind": "weights_scenarios", "choices": [{"Nope": 1}]}},
            r"unknown iCode\(s\) \['Nope'\]",
        ),
        (
            {"A": {"kind": "weights_scenarios", "choices": [{"LPI": -1}]}},
            "weight -1.0 must be >= 0",
        ),
        ({"A": {"kind": "neutral", "range": [0, 1]}}, "kind 'neutral' needs the scoring model"),
        (
            {
                "A": {
                    "kind": "data",
                    "choices": [pd.DataFrame({"uCode": ["x"]}), pd.DataFrame({"uCode": ["y"]})],
                }
            },
            r"indicator column\(s\) .* are missing",
        ),
    ],
)
def test_specs_that_do_not_fit_the_recipe(asem, spec, msg):
    recipe, data, fw = asem
    with pytest.raises(SensitivityError, match=msg):
        run_sensitivity(RecipeModel(recipe, data, fw), parse_inputs(spec), 4, 1, design="ua")


def test_bad_run_settings(asem):
    recipe, data, fw = asem
    inputs = parse_inputs({"A": AGG, "W": {"kind": "weights_noise", "noise": {2: 0.1}}})
    model = RecipeModel(recipe, data, fw)
    with pytest.raises(SensitivityError, match="n: must be a positive integer, got 0"):
        run_sensitivity(model, inputs, 0, 1)
    with pytest.raises(SensitivityError, match="seed: must be a non-negative integer"):
        run_sensitivity(model, inputs, 8, -3)
    with pytest.raises(SensitivityError, match="nboot: must be a non-negative integer"):
        run_sensitivity(model, inputs, 8, 1, nboot=-1)
    with pytest.raises(SensitivityError, match=r"conf: must be in \(0, 1\)"):
        run_sensitivity(model, inputs, 8, 1, conf=1.5)
    with pytest.raises(SensitivityError, match="needs at least two uncertain inputs"):
        run_sensitivity(model, parse_inputs({"A": AGG}), 8, 1, design="sa")
    with pytest.raises(SensitivityError, match="target: 'LPI' is not an aggregate"):
        RecipeModel(recipe, data, fw, target="LPI")
    steps = [*recipe.to_dict()["steps"], {"step": "Screen", "dset": "Aggregated"}]
    with pytest.raises(SensitivityError, match="Aggregate must be the last step"):
        RecipeModel(Recipe.from_dict({"steps": steps}), data, fw)


def test_all_runs_failing_is_an_error(asem):
    recipe, data, fw = asem  # min-max (0, 100) has zeros: the geometric mean fails every run
    inputs = parse_inputs({"A": {"kind": "aggregation", "choices": ["gmean"]}})
    with pytest.raises(
        SensitivityError,
        match="every one of the 8 runs failed; first error: level 2: geometric mean",
    ):
        run_sensitivity(RecipeModel(recipe, data, fw), inputs, 8, 1, design="ua")


@pytest.mark.parametrize(
    ("doc", "msg"),
    [
        ({"recipe": "recipe.yaml", "inputz": {}}, r"unknown key\(s\) \['inputz'\]"),
        ({"n": 5}, "give exactly one of 'recipe' or 'scoring'"),
        ({"recipe": "missing.yaml"}, "recipe: file not found"),
        (
            {"scoring": {"imeta": "ASEM_iMeta_17g.csv", "data": "ASEM_iData_17g.csv", "peer": 1}},
            r"scoring: unknown key\(s\) \['peer'\]",
        ),
    ],
)
def test_bad_config_files(tmp_path, doc, msg):
    for f in ("recipe.yaml", "ASEM_iData_17g.csv", "ASEM_iMeta_17g.csv"):
        (tmp_path / f).write_text((ASEM / f).read_text())
    cfg = tmp_path / "sa.yaml"
    cfg.write_text(yaml.safe_dump(doc))
    with pytest.raises(SensitivityError, match=msg):
        load_config(cfg)


def test_cli_writes_tables_and_reports_errors(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(
        [
            "sensitivity",
            str(ASEM / "sensitivity.yaml"),
            "--n",
            "8",
            "--seed",
            "2",
            "--nboot",
            "50",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert rc == 0
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 8 * 6 and set(runs["status"]) == {"ok"}
    assert pd.read_csv(out / "inputs.csv")["input"].tolist() == [
        "Winmax",
        "Normalisation",
        "Weights",
        "Aggregation",
    ]
    assert "48 runs (0 failed)" in capsys.readouterr().out
    rc = main(["sensitivity", str(ASEM / "sensitivity.yaml"), "--n", "-1", "--out", str(out)])
    assert rc == 1
    assert "error: n: must be a positive integer, got -1" in capsys.readouterr().err
    rc = main(["sensitivity", str(tmp_path / "nope.yaml"), "--out", str(out)])
    assert rc == 1
    assert "sensitivity config not found" in capsys.readouterr().err
