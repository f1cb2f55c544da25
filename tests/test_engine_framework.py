"""Framework tree: loading, weight matrices and the bad-definition errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.engine.framework import Framework, FrameworkError

ROOT = Path(__file__).resolve().parents[1]


def small_meta(changes: dict | None = None) -> pd.DataFrame:
    """Four indicators -> two pillars -> index; weights 1,3 | 1,1 and pillars 1,1."""
    rows = [
        ("a", 1, "P", 1.0, 1, "Indicator"),
        ("b", 1, "P", 3.0, -1, "Indicator"),
        ("c", 1, "Q", 1.0, 1, "Indicator"),
        ("d", 1, "Q", 1.0, 1, "Indicator"),
        ("P", 2, "I", 1.0, 1, "Aggregate"),
        ("Q", 2, "I", 1.0, 1, "Aggregate"),
        ("I", 3, None, 1.0, 1, "Aggregate"),
        ("grp", None, None, None, None, "Group"),
    ]
    df = pd.DataFrame(rows, columns=["iCode", "Level", "Parent", "Weight", "Direction", "Type"])
    for (code, col), value in (changes or {}).items():
        df[col] = df[col].astype(object)
        df.loc[df.iCode == code, col] = value
    return df


def test_asem_framework_shape():
    fw = Framework.from_csv(ROOT / "examples/asem/ASEM_iMeta_17g.csv")
    assert fw.levels == 4
    assert [len(c) for c in fw.codes] == [49, 8, 2, 1]
    assert fw.index_code == "Index"
    assert fw.denominators["Flights"] == "Population"
    assert "EurAsia_group" in fw.groups
    assert fw.children("Conn") == ("Physical", "ConEcFin", "Political", "Instit", "P2P")


def test_weight_matrix_renormalises_within_group():
    fw = Framework.from_imeta(small_meta())
    wm = fw.weight_matrix(2)
    np.testing.assert_allclose(wm, [[0.25, 0], [0.75, 0], [0, 0.5], [0, 0.5]])
    # one matrix product aggregates a whole level
    x = np.array([[4.0, 8.0, 1.0, 3.0]])
    np.testing.assert_allclose(x @ wm, [[7.0, 2.0]])
    assert fw.membership(3).shape == (2, 1)
    assert fw.directions.tolist() == [1.0, -1.0, 1.0, 1.0]


def test_effective_weights_hand_computed():
    eff = Framework.from_imeta(small_meta()).effective_weights()
    assert eff["a"] == pytest.approx(0.125)
    assert eff["b"] == pytest.approx(0.375)
    assert eff["c"] == pytest.approx(0.25)
    assert eff["P"] == pytest.approx(0.5)
    assert eff["I"] == 1.0


def test_with_weights_returns_new_framework():
    fw = Framework.from_imeta(small_meta())
    fw2 = fw.with_weights({"b": 1.0})
    np.testing.assert_allclose(fw2.weight_matrix(2)[:2, 0], [0.5, 0.5])
    assert fw.weight["b"] == 3.0
    with pytest.raises(FrameworkError, match="zz"):
        fw.with_weights({"zz": 1.0})


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({("b", "Weight"): -1.0}, "'b': Weight -1.0 is negative"),
        ({("a", "Weight"): 0.0, ("b", "Weight"): 0.0}, "children of 'P' are zero"),
        ({("a", "Parent"): "Nope"}, "'a': Parent 'Nope' is unknown"),
        ({("a", "Parent"): "grp"}, "'a': Parent 'grp' is unknown .a non-tree row"),
        ({("Q", "Parent"): None}, "'Q' .Level 2. is an orphan"),
        ({("c", "Parent"): "P", ("d", "Parent"): "P"}, r"\['Q'\] have no children"),
        ({("P", "Parent"): "P"}, "cycle in framework Parent links: P -> P"),
        ({("a", "Direction"): 2}, "'a': Direction must be 1 or -1"),
        ({("a", "Type"): "Indicatr"}, "'a': Type 'Indicatr'"),
        ({("a", "Level"): 2}, "'a': Type Indicator must have Level 1"),
        ({("a", "Weight"): "heavy"}, "'a': Weight 'heavy' is missing or not numeric"),
    ],
)
def test_bad_frameworks_name_the_element(changes, match):
    with pytest.raises(FrameworkError, match=match):
        Framework.from_imeta(small_meta(changes))


def test_cycle_between_two_aggregates():
    df = small_meta({("P", "Parent"): "Q", ("Q", "Parent"): "P"})
    with pytest.raises(
        FrameworkError, match=r"cycle in framework Parent links: (P -> Q -> P|Q -> P -> Q)"
    ):
        Framework.from_imeta(df)


def test_duplicate_codes_and_missing_columns():
    df = small_meta()
    df.loc[3, "iCode"] = "c"
    with pytest.raises(FrameworkError, match=r"duplicate iCode\(s\) \['c'\]"):
        Framework.from_imeta(df)
    with pytest.raises(FrameworkError, match="missing required column"):
        Framework.from_imeta(small_meta().drop(columns="Weight"))


def test_denominator_must_be_a_denominator_row():
    df = small_meta()
    df["Denominator"] = None
    df.loc[0, "Denominator"] = "Pop"
    with pytest.raises(FrameworkError, match="'a': Denominator 'Pop'"):
        Framework.from_imeta(df)
