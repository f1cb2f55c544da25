"""Unit data: COINr iData layout, sorting and bad-input errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dividend.engine.framework import Framework
from dividend.engine.unit_data import DataError, UnitData

from .test_engine_framework import small_meta

ROOT = Path(__file__).resolve().parents[1]


def small_idata() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uCode": ["ZZ", "AA", "MM"],
            "grp": ["x", "y", None],
            "a": [1.0, 2.0, np.nan],
            "b": [3, 4, 5],
            "c": [0.5, 0.25, 1.0],
            "d": [7.0, 8.0, 9.0],
        }
    )


def test_rows_sorted_by_ucode_like_coinr():
    ud = UnitData.from_idata(small_idata(), Framework.from_imeta(small_meta()))
    assert ud.ucode.tolist() == ["AA", "MM", "ZZ"]
    np.testing.assert_array_equal(ud.values[:, 0], [2.0, np.nan, 1.0])
    assert ud.groups["grp"].tolist() == ["y", None, "x"]
    assert ud.values.dtype == np.float64


def test_asem_idata():
    fw = Framework.from_csv(ROOT / "examples/asem/ASEM_iMeta_17g.csv")
    ud = UnitData.from_csv(ROOT / "examples/asem/ASEM_iData_17g.csv", fw)
    assert ud.values.shape == (51, 49)
    assert ud.ucode[0] == "AUS"
    assert set(ud.denominators) == {"Area", "Energy", "GDP", "Population"}
    assert not ud.is_panel


def test_non_numeric_value_names_column_row_and_unit():
    df = small_idata()
    df["c"] = ["0.5", "n/a", "1"]
    with pytest.raises(
        DataError, match=r"column 'c', row 2 \(uCode 'AA'\): non-numeric value 'n/a'"
    ):
        UnitData.from_idata(df, Framework.from_imeta(small_meta()), source="my.csv")


def test_unknown_and_missing_indicator_columns():
    fw = Framework.from_imeta(small_meta())
    with pytest.raises(DataError, match=r"\['e'\] are not iCodes"):
        UnitData.from_idata(small_idata().assign(e=1.0), fw)
    with pytest.raises(DataError, match=r"indicator column\(s\) \['d'\] from iMeta are missing"):
        UnitData.from_idata(small_idata().drop(columns="d"), fw)


def test_wrong_shapes_and_duplicates():
    fw = Framework.from_imeta(small_meta())
    with pytest.raises(DataError, match="no rows"):
        UnitData.from_idata(small_idata().iloc[:0], fw)
    with pytest.raises(DataError, match="'uCode' not found"):
        UnitData.from_idata(small_idata().drop(columns="uCode"), fw)
    dup = small_idata()
    dup.loc[1, "uCode"] = "ZZ"
    with pytest.raises(DataError, match="duplicate uCode rows"):
        UnitData.from_idata(dup, fw)
    with pytest.raises(DataError, match="expected a DataFrame"):
        UnitData.from_idata(small_idata().to_numpy(), fw)


def test_infinite_value_is_an_error():
    df = small_idata()
    df.loc[0, "d"] = np.inf
    with pytest.raises(DataError, match=r"'d', row 1 \(uCode 'ZZ'\): infinite"):
        UnitData.from_idata(df, Framework.from_imeta(small_meta()))
