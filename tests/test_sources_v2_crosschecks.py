"""The cross-check framework and the OECD foreign-born vs UN DESA check, on the real files."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from sources.catalogue import dataset
from sources.crosschecks import (
    CROSSCHECK_COLUMNS,
    CrossCheck,
    CrossCheckDecisions,
    all_crosschecks,
    crosscheck_summary,
    paired_decisions,
    run_crosschecks,
)
from sources.crosschecks import oecd_foreign_born_vs_undesa as fb
from sources.datasets import all_specs
from sources.errors import SourceError
from sources.validate import validate


@cache
def staged_table(ds_id: str) -> pd.DataFrame:
    spec = all_specs()[ds_id]
    return spec.stage(spec.read(dataset(ds_id))).table


def side(ds: str, rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": ds,
            "indicator": "X",
            "geo": [r[0] for r in rows],
            "year": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "source_file": f"{ds}.csv",
            "source_row": range(2, len(rows) + 2),
        }
    )


def test_paired_decisions_one_flag_per_pair_with_both_values() -> None:
    left = side("a", [("NLD", 2019, 10.0), ("DEU", 2019, 5.0), ("FRA", 2019, float("nan"))])
    right = side("b", [("NLD", 2019, 12.5), ("FRA", 2019, 3.0), ("ITA", 2019, 1.0)])
    out = paired_decisions("a_vs_b", left, right, unit="%")
    assert list(out.columns) == CROSSCHECK_COLUMNS
    assert out[["geo", "difference", "other_value", "action"]].values.tolist() == [
        ["NLD", -2.5, 12.5, "flag"]
    ]  # DEU and ITA on one side only, FRA missing on the left: not compared
    assert out["reason"].iat[0] == "a X 2019: 10 %; b X 2019: 12.5 %; difference -2.5 %"
    validate(out, CrossCheckDecisions, dataset="t", table="quality.cross_checks")


def test_paired_decisions_refuses_ambiguous_keys() -> None:
    left = side("a", [("NLD", 2019, 1.0), ("NLD", 2019, 2.0)])
    with pytest.raises(ValueError, match="2 rows sharing a key"):
        paired_decisions("c", left, side("b", [("NLD", 2019, 1.0)]))


def test_paired_decisions_on_geo_only_names_both_years() -> None:
    out = paired_decisions(
        "c", side("a", [("PRT", 2010, 79.0)]), side("b", [("PRT", 2007, 80.0)]), on=("geo",)
    )
    assert out["year"].tolist() == [2010] and "b X 2007: 80" in out["reason"].iat[0]


def test_schema_rejects_a_difference_that_does_not_add_up() -> None:
    out = paired_decisions("c", side("a", [("NLD", 2019, 1.0)]), side("b", [("NLD", 2019, 3.0)]))
    out.loc[0, "difference"] = 2.0
    with pytest.raises(SourceError, match="difference must be finite and equal"):
        validate(out, CrossCheckDecisions, dataset="t", table="quality.cross_checks")


def test_run_crosschecks_refuses_missing_tables_and_foreign_rules() -> None:
    with pytest.raises(ValueError, match="staged tables missing"):
        run_crosschecks({}, {fb.CHECK.check_id: fb.CHECK})

    def wrong_rule(tables):
        return paired_decisions("other", tables["a"], tables["b"])

    rogue = CrossCheck("mine", "d", ("a", "b"), wrong_rule)
    tables = {"a": side("a", [("NLD", 2019, 1.0)]), "b": side("b", [("NLD", 2019, 2.0)])}
    with pytest.raises(ValueError, match="emitted decisions for rules"):
        run_crosschecks(tables, {"mine": rogue})


def test_every_crosscheck_is_discovered_and_names_staged_datasets() -> None:
    checks = all_crosschecks()
    assert fb.CHECK.check_id in checks
    for check in checks.values():
        assert set(check.datasets) <= set(all_specs()), check.check_id
        assert len(check.description) > 80, check.check_id


def test_oecd_foreign_born_vs_undesa_on_the_real_files() -> None:
    tables = {d: staged_table(d) for d in fb.CHECK.datasets}
    out = validate(
        run_crosschecks(tables, {fb.CHECK.check_id: fb.CHECK}),
        CrossCheckDecisions,
        dataset="t",
        table="quality.cross_checks",
    )
    # Australia 2000: foreign_born_OECD.csv line 2 says 23.2; UN DESA workbook, Table 3,
    # row 270 (Australia*, M49 36), column 2000 says 23.095938937523098
    aus = out[(out["geo"] == "AUS") & (out["year"] == 2000)].iloc[0]
    assert (aus["value"], aus["source_row"]) == (23.2, 2)
    assert aus["other_value"] == pytest.approx(23.095938937523098, abs=1e-12)
    assert aus["difference"] == pytest.approx(23.2 - 23.095938937523098, abs=1e-12)
    # Luxembourg 2010: OECD 38.8 (line 149) against UN DESA 32.121522376892635
    lux = out[(out["geo"] == "LUX") & (out["year"] == 2010)].iloc[0]
    assert lux["difference"] == pytest.approx(38.8 - 32.121522376892635, abs=1e-12)
    # only the years both publish: UN DESA's five-yearly 2000-2015 inside OECD's 2000-2019
    assert set(out["year"]) == {2000, 2005, 2010, 2015}
    summary = crosscheck_summary(out, {fb.CHECK.check_id: fb.CHECK}).iloc[0]
    assert summary["pairs"] == len(out) and summary["units"] == out["geo"].nunique()
    assert summary["max_abs_difference"] == pytest.approx(abs(lux["difference"]))


def test_cross_checks_reach_the_warehouse(source_warehouse) -> None:
    import duckdb

    path, result = source_warehouse
    assert result.success
    with duckdb.connect(str(path), read_only=True) as con:
        cc = con.execute("SELECT rule, count(*) FROM quality.cross_checks GROUP BY 1").fetchall()
        dq = con.execute(
            "SELECT count(*) FROM quality.data_quality WHERE rule = ?", [fb.CHECK.check_id]
        ).fetchone()[0]
    assert dict(cc)[fb.CHECK.check_id] == dq > 0
    assert {r for r, _ in cc} == set(all_crosschecks())
