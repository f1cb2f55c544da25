"""COINr 1.1.14 reproduction: the ASEM example pipeline, every cell to 1e-9.

Reference CSVs were written by COINr itself (tests/reference/coinr); the inputs are
COINr's ASEM example files shipped in examples/asem.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.cli import main
from dividend.engine.recipe import Recipe, load_inputs, run_recipe

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "examples" / "asem" / "recipe.yaml"
REF = ROOT / "tests" / "reference" / "coinr"


@pytest.fixture(scope="module")
def result():
    recipe = Recipe.load(RECIPE)
    data, fw = load_inputs(recipe)
    return run_recipe(recipe, data, fw)


def assert_same_frame(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(got.columns) == list(ref.columns)
    assert got["uCode"].tolist() == ref["uCode"].tolist()
    a = got.iloc[:, 1:].to_numpy(dtype=float)
    b = ref.iloc[:, 1:].to_numpy(dtype=float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("name", ["Denominated", "Imputed", "Aggregated"])
def test_asem_matches_coinr(result, name):
    assert_same_frame(result.dset(name), pd.read_csv(REF / f"coinr_{name}.csv"))


def test_asem_screen_keeps_all_units_because_coinr_screens_imputed_data(result):
    # COINr's example screens the *imputed* set: complete data, so nobody is removed
    assert result.log[2]["notes"]["removed_units"] == []
    assert len(result.ucode("Screened")) == 51


def test_asem_log_regenerates_the_run(result):
    steps = [e["step"] for e in result.log]
    assert steps == ["Denominate", "Impute", "Screen", "Treat", "Normalise", "Aggregate"]
    assert result.log[1]["params"]["use_group"] == "EurAsia_group"
    assert result.log[2]["params"]["dat_thresh"] == 0.9
    assert result.log[3]["params"]["winmax"] == 5
    rebuilt = Recipe.from_dict(
        {
            "steps": [
                {"step": e["step"], "dset": e["dset"], "params": e["params"]} for e in result.log
            ]
        }
    )
    again = run_recipe(rebuilt, result.data, result.framework)
    np.testing.assert_array_equal(again.values("Aggregated"), result.values("Aggregated"))


def test_cli_writes_every_stage_in_coinr_layout(tmp_path):
    assert main(["recipe", "run", str(RECIPE), "--out", str(tmp_path)]) == 0
    for name in [
        "Raw",
        "Denominated",
        "Imputed",
        "Screened",
        "Treated",
        "Normalised",
        "Aggregated",
    ]:
        assert (tmp_path / f"{name}.csv").is_file()
    for name in ["Denominated", "Imputed", "Aggregated"]:
        assert_same_frame(
            pd.read_csv(tmp_path / f"{name}.csv"), pd.read_csv(REF / f"coinr_{name}.csv")
        )
    assert (tmp_path / "log.yaml").is_file() and (tmp_path / "log.json").is_file()
    dets = pd.read_csv(tmp_path / "analysis_Treated.csv")
    # COINr 1.1.14's coin$Analysis$Treated$Dets_Table for ASEM (winmax 5): every failing
    # indicator passes after winsorising, so no f2 (check_SkewKurt2.*) columns exist
    check = [f"check_SkewKurt{k}.{f}" for k in (0, 1) for f in ("Pass", "Skew", "Kurt")]
    assert list(dets.columns) == ["iCode", *check[:3], "winsorise.nwin", *check[3:]]
    assert "Treatment" in pd.read_csv(tmp_path / "analysis_Treated_details.csv").columns
    points = pd.read_csv(tmp_path / "analysis_Treated_Points.csv", keep_default_na=False)
    assert list(points.columns) == dets["iCode"].tolist()


def _r_winsorise(x: list[float], winmax: int = 5) -> tuple[list[float], int]:
    """COINr's winsorise() transcribed loop by loop in plain Python (independent of the engine):
    while failing and nwin < winmax: if skew(x) >= 0, imax <- which(x == max(x));
    x[imax] <- max(x[-imax]), else the same at the minimum; nwin <- length(imax) + length(imin).
    """
    x = list(x)
    imax: list[int] = []
    imin: list[int] = []
    nwin = 0
    while not _r_pass(x) and nwin < winmax:
        if _r_skew_kurt(x)[0] >= 0:
            top = max(x)
            imax = [i for i, v in enumerate(x) if v == top]
            nxt = max(v for v in x if v != top)
            x = [nxt if i in imax else v for i, v in enumerate(x)]
        else:
            bottom = min(x)
            imin = [i for i, v in enumerate(x) if v == bottom]
            nxt = min(v for v in x if v != bottom)
            x = [nxt if i in imin else v for i, v in enumerate(x)]
        nwin = len(imax) + len(imin)
    return x, nwin


def _r_skew_kurt(x: list[float]) -> tuple[float, float]:
    """COINr skew() / kurt(): e1071 type 2, written out."""
    n = len(x)
    m = sum(x) / n
    d = [v - m for v in x]
    s2, s3, s4 = (sum(v**p for v in d) for p in (2, 3, 4))
    sk = math.sqrt(n) * s3 / s2**1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    kt = ((n + 1) * (n * s4 / s2**2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return sk, kt


def _r_pass(x: list[float]) -> bool:
    sk, kt = _r_skew_kurt(x)
    return abs(sk) < 2 or kt < 3.5


def test_asem_treatment_log_matches_coinr_winsorise_written_out(result):
    """Every Dets_Table value for ASEM recomputed with COINr's algorithm in plain Python."""
    fw = result.framework
    dets = result.analysis["Treated"]
    screened = result.dset("Screened")
    treated = result.dset("Treated")
    assert dets["iCode"].tolist() == list(fw.indicators)  # all 49 indicators get a row
    for row in dets.itertuples(index=False):
        col = screened[row.iCode]
        obs = col.notna().to_numpy()
        x = col[obs].tolist()
        sk0, kt0 = _r_skew_kurt(x)
        assert row[1] == _r_pass(x)
        assert row[2] == pytest.approx(sk0, rel=1e-12) and row[3] == pytest.approx(kt0, rel=1e-12)
        if row[1]:
            assert pd.isna(row[4]) and pd.isna(row[5])
            np.testing.assert_array_equal(treated[row.iCode], col)
            continue
        xw, nwin = _r_winsorise(x)
        sk1, kt1 = _r_skew_kurt(xw)
        assert row[4] == nwin and row[5] == _r_pass(xw)
        assert row[6] == pytest.approx(sk1, rel=1e-12) and row[7] == pytest.approx(kt1, rel=1e-12)
        np.testing.assert_array_equal(treated[row.iCode][obs].to_numpy(), xw)


def test_cli_reports_bad_recipe(tmp_path, capsys):
    bad = tmp_path / "r.yaml"
    bad.write_text("steps:\n  - step: Normalise\n    params: {methd: minmax}\n")
    assert main(["recipe", "run", str(bad), "--out", str(tmp_path / "o")]) == 1
    assert "methd" in capsys.readouterr().err
