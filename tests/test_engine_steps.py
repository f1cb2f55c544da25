"""Recipe steps against small hand-computed cases, and recipe mechanics."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.engine.framework import Framework
from dividend.engine.recipe import Recipe, RecipeError, Step, run_recipe
from dividend.engine.unit_data import UnitData

from .test_engine_framework import small_meta

ROOT = Path(__file__).resolve().parents[1]
NAN = np.nan


def fw_with_denoms() -> Framework:
    meta = small_meta()
    meta["Denominator"] = None
    meta.loc[meta.iCode == "a", "Denominator"] = "pop"
    extra = pd.DataFrame([{"iCode": "pop", "Type": "Denominator"}, {"iCode": "t", "Type": "Other"}])
    return Framework.from_imeta(pd.concat([meta, extra], ignore_index=True))


def make(values: dict, fw: Framework | None = None, **extra) -> tuple[UnitData, Framework]:
    fw = fw or fw_with_denoms()
    n = len(next(iter(values.values())))
    df = pd.DataFrame({"uCode": [f"U{i}" for i in range(n)], **extra})
    for code in fw.indicators:
        df[code] = values.get(code, [1.0] * n)
    return UnitData.from_idata(df, fw), fw


def run_one(step: str, data: UnitData, fw: Framework, **params):
    res = run_recipe(Recipe((Step(step, params, dset="Raw"),)), data, fw)
    out = REGISTRY_OUT[step]
    return res, res.values(out)


REGISTRY_OUT = {
    "Denominate": "Denominated",
    "Impute": "Imputed",
    "Screen": "Screened",
    "Normalise": "Normalised",
    "Aggregate": "Aggregated",
}


# ------------------------------------------------------------------ Denominate
def test_denominate_by_imeta_column_with_scale_factor():
    data, fw = make({"a": [10.0, 20.0, 30.0]}, pop=[2.0, 4.0, 5.0])
    _, out = run_one("Denominate", data, fw)
    np.testing.assert_allclose(out[:, 0], [5.0, 5.0, 6.0])
    np.testing.assert_array_equal(out[:, 1:], data.values[:, 1:])  # others untouched
    _, out = run_one("Denominate", data, fw, scale_factors={"a": 1000})
    np.testing.assert_allclose(out[:, 0], [5000.0, 5000.0, 6000.0])


def test_denominate_zero_denominator_is_an_error():
    data, fw = make({"a": [10.0, 20.0, 30.0]}, pop=[2.0, 0.0, 5.0])
    with pytest.raises(RecipeError, match="'pop' is zero for uCode 'U1'"):
        run_one("Denominate", data, fw)


def test_denominate_with_external_world_denoms():
    asem = ROOT / "examples/asem"
    fw = Framework.from_csv(asem / "ASEM_iMeta_17g.csv")
    data = UnitData.from_csv(asem / "ASEM_iData_17g.csv", fw)
    res, out = run_one(
        "Denominate",
        data,
        fw,
        denoms=str(asem / "WorldDenoms.csv"),
        denomby={"Goods": "GDP"},
        scale_factors={"Goods": 1e9},
    )
    aut = list(res.ucode("Denominated")).index("AUT")
    j = fw.indicators.index("Goods")
    # AUT Goods 278.4264 (iData) / (GDP 445075391688.156 USD (WorldDenoms) / 1e9)
    assert out[aut, j] == pytest.approx(278.4264 / 445.075391688156, rel=1e-12)
    with pytest.raises(RecipeError, match="denominator column"):
        run_one(
            "Denominate", data, fw, denoms=str(asem / "WorldDenoms.csv"), denomby={"Goods": "GNI"}
        )


# ---------------------------------------------------------------------- Impute
@pytest.mark.parametrize(
    ("method", "expected"),
    [("mean", 4.0), ("i_mean", 4.0), ("median", 2.0), ("i_median", 2.0)],
)
def test_impute_column_mean_median(method, expected):
    data, fw = make({"a": [1.0, NAN, 2.0, 9.0]})
    _, out = run_one("Impute", data, fw, method=method)
    np.testing.assert_array_equal(out[:, 0], [1.0, expected, 2.0, 9.0])


def test_impute_group_mean_median_and_all_missing_group():
    groups = ["g", "g", "h", "h", "h", None]
    data, fw = make(
        {"a": [1.0, NAN, 2.0, NAN, 10.0, NAN], "c": [NAN, NAN, 1.0, 2.0, NAN, 4.0]}, grp=groups
    )
    res, out = run_one("Impute", data, fw, method="i_mean_grp", use_group="grp")
    np.testing.assert_array_equal(
        out[:, 0], [1.0, 1.0, 2.0, 6.0, 10.0, NAN]
    )  # None group untouched
    # group g has no observed c: stays missing, as in COINr, and is reported
    np.testing.assert_array_equal(out[:, 2], [NAN, NAN, 1.0, 2.0, 1.5, 4.0])
    assert res.log[0]["notes"]["remaining_missing"] == 3
    _, out = run_one("Impute", data, fw, method="median_grp", use_group="grp")
    np.testing.assert_array_equal(out[:, 0], [1.0, 1.0, 2.0, 6.0, 10.0, NAN])
    with pytest.raises(RecipeError, match="use_group: required"):
        run_one("Impute", data, fw, method="mean_grp")
    with pytest.raises(RecipeError, match="'Pop' is not a group column"):
        run_one("Impute", data, fw, method="mean_grp", use_group="Pop")


def test_impute_by_row_plain_and_normalised_first():
    data, fw = make(
        {"a": [1.0, 0.0, NAN], "b": [NAN, 10.0, 0.0], "c": [3.0, 0.0, 1.0], "d": [5.0, 1.0, 1.0]}
    )
    _, out = run_one("Impute", data, fw, method="mean", impute_by="row", normalise_first=False)
    assert out[0, 1] == 3.0  # mean(1, 3, 5)
    assert out[2, 0] == pytest.approx(2 / 3)  # mean(0, 1, 1)
    # within level-2 groups: a,b (P) and c,d (Q); unit 0's b is filled from a only
    _, out = run_one(
        "Impute", data, fw, method="mean", impute_by="row", group_level=2, normalise_first=False
    )
    assert out[0, 1] == 1.0 and out[2, 0] == 0.0
    # normalise first (COINr default for rows): b has direction -1, scaled to [0, 1] and back
    _, out = run_one("Impute", data, fw, method="mean", impute_by="row", group_level=2)
    # unit 2: b flipped -> -0 over range [-10, -0] -> 1.0; a's min-max (0..1) gives 0 + 1*(1-0) = 1
    assert out[2, 0] == pytest.approx(1.0)


def panel_data(a: list[float], times: list[int]) -> tuple[UnitData, Framework]:
    fw = fw_with_denoms()
    n = len(times)
    df = pd.DataFrame({"uCode": ["A"] * n + ["B"] * n, "Time": times * 2})
    df["a"] = a + [1.0] * n
    for code in fw.indicators[1:]:
        df[code] = 1.0
    return UnitData.from_idata(df, fw), fw


def test_impute_panel_latest_with_max_time():
    data, fw = panel_data([1.0, NAN, NAN], [2019, 2020, 2021])
    res, out = run_one("Impute", data, fw, method="latest")
    a_rows = res.ucode("Imputed") == "A"
    np.testing.assert_array_equal(out[a_rows, 0], [1.0, 1.0, 1.0])
    res, out = run_one("Impute", data, fw, method="latest", max_time=1)
    np.testing.assert_array_equal(out[a_rows, 0], [1.0, 1.0, NAN])


def test_impute_panel_linear_uneven_times_and_ends():
    data, fw = panel_data([1.0, NAN, 7.0], [2018, 2019, 2021])
    res, out = run_one("Impute", data, fw, method="linear")
    a_rows = res.ucode("Imputed") == "A"
    np.testing.assert_allclose(out[a_rows, 0], [1.0, 3.0, 7.0])  # 1 + (1/3)*6
    data, fw = panel_data([NAN, 2.0, 4.0, NAN, NAN], [2017, 2018, 2019, 2020, 2021])
    res, out = run_one("Impute", data, fw, method="linear")
    np.testing.assert_allclose(out[res.ucode("Imputed") == "A", 0], [2.0, 2.0, 4.0, 4.0, 4.0])
    res, out = run_one("Impute", data, fw, method="linear", max_time=1)
    np.testing.assert_allclose(out[res.ucode("Imputed") == "A", 0], [2.0, 2.0, 4.0, 4.0, NAN])


def test_impute_panel_needs_time():
    data, fw = make({"a": [1.0, NAN]})
    with pytest.raises(RecipeError, match="no 'Time' column"):
        run_one("Impute", data, fw, method="latest")


# ---------------------------------------------------------------------- Screen
def test_screen_by_na_zeros_and_force():
    data, fw = make(
        {
            "a": [1.0, NAN, NAN, 0.0],
            "b": [1.0, 1.0, NAN, 0.0],
            "c": [1.0, 1.0, 1.0, 0.0],
            "d": [1.0, 1.0, 1.0, 0.0],
        }
    )
    res, _ = run_one("Screen", data, fw)  # default 2/3: availability 1, .75, .5, 1
    assert res.ucode("Screened").tolist() == ["U0", "U1", "U3"]
    res, _ = run_one("Screen", data, fw, dat_thresh=0.8)
    assert res.ucode("Screened").tolist() == ["U0", "U3"]
    res, _ = run_one("Screen", data, fw, unit_screen="byzeros")
    assert res.ucode("Screened").tolist() == ["U0", "U1", "U2"]
    res, _ = run_one(
        "Screen", data, fw, unit_screen="byNAandzeros", force={"U2": True, "U0": False}
    )
    assert res.ucode("Screened").tolist() == ["U1", "U2"]
    table = res.analysis["Screened"]
    assert table["Dat_Avail"].tolist() == [1.0, 0.75, 0.5, 1.0]
    # COINr get_data_avail + Screen.data.frame DataSummary: columns and order, and
    # N_miss_or_zero = rowSums(is.na(x)) + rowSums(x == 0, na.rm = TRUE) -> 0, 1, 2, 4
    assert list(table.columns) == [
        "uCode", "N_missing", "N_zero", "N_miss_or_zero", "Dat_Avail", "Non_Zero",
        "LowData", "LowNonZero", "LowDatOrZeroFlag", "Included",
    ]  # fmt: skip
    assert table["N_miss_or_zero"].tolist() == [0, 1, 2, 4]
    assert table["LowDatOrZeroFlag"].tolist() == [False, False, True, True]
    with pytest.raises(RecipeError, match=r"Screen.force: uCode\(s\) \['XX'\]"):
        run_one("Screen", data, fw, force={"XX": True})
    with pytest.raises(RecipeError, match=r"Screen\.dat_thresh"):
        run_one("Screen", data, fw, dat_thresh=2)


# ------------------------------------------------------------------- Normalise
def test_normalise_applies_direction_and_overrides():
    data, fw = make(
        {"a": [0.0, 5.0, 10.0], "b": [3.0, 4.0, 5.0], "c": [1.0, 2.0, 3.0], "d": [3.0, 2.0, 1.0]}
    )
    _, out = run_one("Normalise", data, fw)
    np.testing.assert_allclose(out[:, 0], [0.0, 50.0, 100.0])
    np.testing.assert_allclose(out[:, 1], [100.0, 50.0, 0.0])  # direction -1
    _, out = run_one(
        "Normalise", data, fw, indiv={"a": {"method": "n_dist2ref", "params": {"iref": "U1"}}}
    )
    np.testing.assert_allclose(out[:, 0], [0.0, 1.0, 2.0])  # 1 - (ref - x)/(ref - min)
    np.testing.assert_allclose(out[:, 1], [100.0, 50.0, 0.0])
    with pytest.raises(RecipeError, match="uCode 'ZZ' is not in the dataset"):
        run_one("Normalise", data, fw, method="dist2ref", params={"iref": "ZZ"})


# ------------------------------------------------------------------- Aggregate
def test_aggregate_layout_weights_and_dat_thresh():
    data, fw = make({"a": [4.0, 4.0], "b": [8.0, NAN], "c": [1.0, 1.0], "d": [3.0, 3.0]})
    res, out = run_one("Aggregate", data, fw)
    assert res.columns("Aggregated") == ("a", "b", "c", "d", "P", "Q", "I")
    np.testing.assert_allclose(out[0, 4:], [7.0, 2.0, 4.5])  # (4*1 + 8*3)/4, (1+3)/2, mean
    np.testing.assert_allclose(out[1, 4:], [4.0, 2.0, 3.0])  # missing b drops out
    _, out = run_one("Aggregate", data, fw, weights={"b": 1.0, "P": 3.0})
    np.testing.assert_allclose(out[0, 4:], [6.0, 2.0, 5.0])
    _, out = run_one("Aggregate", data, fw, dat_thresh=[0.75, 0.0])
    assert np.isnan(out[1, 4]) and out[1, 6] == 2.0
    _, out = run_one("Aggregate", data, fw, method=["gmean", "amean"])
    assert out[0, 4] == pytest.approx((4.0 * 8.0**3) ** 0.25)


def test_aggregate_geometric_mean_of_zero_is_an_error():
    data, fw = make({"a": [0.0, 4.0]})
    with pytest.raises(RecipeError, match="group 'P'"):
        run_one("Aggregate", data, fw, method="gmean")


# ---------------------------------------------------------------------- Recipe
def test_recipe_yaml_round_trip_and_with_params():
    recipe = Recipe.load(ROOT / "examples/asem/recipe.yaml")
    again = Recipe.from_yaml(recipe.to_yaml())
    assert again.to_dict() == recipe.to_dict()
    changed = recipe.with_params("Screen", dat_thresh=0.5)
    assert (
        changed.steps[2].params["dat_thresh"] == 0.5 and recipe.steps[2].params["dat_thresh"] == 0.9
    )


def test_changing_a_parameter_changes_the_result():
    recipe = Recipe.load(ROOT / "examples/asem/recipe.yaml")
    fw = Framework.from_csv(recipe.path("iMeta"))
    data = UnitData.from_csv(recipe.path("iData"), fw)
    base = run_recipe(recipe, data, fw)
    other = run_recipe(recipe.with_params("Normalise", params={"l_u": [1, 10]}), data, fw)
    n = len(fw.indicators)
    assert np.nanmin(other.values("Normalised")) == 1.0
    assert not np.allclose(base.values("Aggregated")[:, n:], other.values("Aggregated")[:, n:])
    # a different Screen input (Denominated, with gaps) removes low-data units
    screened = run_recipe(recipe.with_params("Screen", dat_thresh=0.95), data, fw)
    assert screened.log[2]["notes"]["removed_units"] == []  # Imputed data are complete
    raw_screen = Recipe((Step("Screen", {"dat_thresh": 0.95}, dset="Raw"),))
    assert len(run_recipe(raw_screen, data, fw).log[0]["notes"]["removed_units"]) > 0


def test_recipe_errors_name_step_and_key():
    with pytest.raises(RecipeError, match="unknown step 'Normalize'"):
        Step("Normalize")
    with pytest.raises(RecipeError, match=r"'Impute': unknown parameter\(s\) \['f_i'\]"):
        Step("Impute", {"f_i": "i_mean"})
    with pytest.raises(RecipeError, match="top-level key 'steps'"):
        Recipe.from_yaml("name: x\n")
    data, fw = make({"a": [1.0, 2.0]})
    with pytest.raises(RecipeError, match="input dataset 'Imputed' does not exist yet"):
        run_recipe(Recipe((Step("Screen"),)), data, fw)
    with pytest.raises(RecipeError, match=r"Impute\.method: 'mode'"):
        run_one("Impute", *make({"a": [1.0, NAN]}), method="mode")


def test_aggregate_uses_framework_methods_unless_recipe_says_otherwise():
    data, fw0 = make({"a": [4.0, 1.0], "b": [8.0, 1.0], "c": [1.0, 1.0], "d": [3.0, 1.0]})
    fw = Framework.from_imeta(fw0.meta, methods={2: "gmean"})
    _, out = run_one("Aggregate", data, fw)
    assert out[0, 4] == pytest.approx((4.0 * 8.0**3) ** 0.25)
    _, out = run_one("Aggregate", data, fw, method="amean")
    assert out[0, 4] == pytest.approx(7.0)


def test_reuse_skips_identical_leading_steps_and_gives_the_same_numbers():
    recipe = Recipe.load(ROOT / "examples/asem/recipe.yaml")
    fw = Framework.from_csv(recipe.path("iMeta"))
    data = UnitData.from_csv(recipe.path("iData"), fw)
    base = run_recipe(recipe, data, fw)
    changed = recipe.with_params("Aggregate", method="mazziotta_pareto")
    fast = run_recipe(changed, data, fw, reuse=base)
    slow = run_recipe(changed, data, fw)
    assert fast.dsets["Treated"] is base.dsets["Treated"]  # treatment was not re-run
    assert fast.dsets["Aggregated"] is not base.dsets["Aggregated"]
    np.testing.assert_array_equal(fast.values("Aggregated"), slow.values("Aggregated"))
    assert fast.log[-1]["params"]["method"] == "mazziotta_pareto"
