"""Evaluate a framework's indicator formulas against the warehouse into a long table.

Every value of the index must be traceable: this module keeps, per unit and indicator, the
year actually used, the source ids and files, and a plain-words *treatment* ("observed",
"carried back from 2017", "rescaled (eurostat_count_in_thousands)", "imputed: ..."). A unit
with no value in the reference window stays missing: nothing is interpolated or invented
here, so coverage in the index is honest.

Only a DuckDB connection is needed (``duckdb.DuckDBPyConnection``), no Dagster. Every formula
runs through :mod:`dividend.index.sql_sandbox`: one SELECT, checked by DuckDB's parser, in a
transaction that is rolled back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dividend.index.definition import FrameworkConfig, IndicatorDef
from dividend.index.sql_sandbox import SqlRefused, run_select

LONG_COLUMNS = [
    "framework",
    "geo",
    "indicator",
    "name",
    "pillar",
    "role",
    "unit",
    "value",
    "year",
    "reference_year",
    "treatment",
    "imputed",
    "sources",
    "source_file",
    "qc",
]
OPTIONAL = ("source_file", "qc", "note", "imputed", "priority")


class IndicatorError(ValueError):
    """A formula failed or returned unusable rows; names the framework file, indicator and geo."""


def _run(con, fw: FrameworkConfig, ind: IndicatorDef) -> pd.DataFrame:
    where = f"{fw.path.name}, indicator {ind.code!r}"
    try:
        df = run_select(con, ind.formula, where=where)
    except SqlRefused as exc:
        raise IndicatorError(str(exc)) from None
    except Exception as exc:  # duckdb raises many types; the message is what matters
        raise IndicatorError(f"{where}: formula failed: {exc}") from None
    missing = [c for c in ("geo", "year", "value") if c not in df.columns]
    if missing:
        raise IndicatorError(f"{where}: formula returned no column(s) {missing}")
    for c in OPTIONAL:
        if c not in df.columns:
            df[c] = {"imputed": False, "priority": 1}.get(c)
    df = df[["geo", "year", "value", *OPTIONAL]]
    # An input row dropped by a named staging rule (qc 'drop <rule>', value NULL) is a recorded
    # decision: that year is unavailable and the window may reach back past it. Any other
    # missing value is a formula bug and stops the run.
    dropped = df["qc"].fillna("").astype(str).str.contains(r"\bdrop \w+", regex=True)
    df = df[~(dropped & df["value"].isna())]
    bad = df["value"].isna() | ~np.isfinite(pd.to_numeric(df["value"], errors="coerce"))
    if bad.any():
        r = df[bad].iloc[0]
        raise IndicatorError(
            f"{where}: value is missing or not finite for geo {r.geo!r}, year {r.year!r} "
            f"({int(bad.sum())} row(s)); filter such rows in the formula (e.g. a zero denominator)"
        )
    if df["geo"].isna().any() or df["year"].isna().any():
        raise IndicatorError(f"{where}: formula returned rows without geo or year")
    dup = df.duplicated(["geo", "year", "priority"])
    if dup.any():
        r = df[dup].iloc[0]
        raise IndicatorError(
            f"{where}: two values for geo {r.geo!r}, year {r.year!r}; the formula must return one"
        )
    df["value"] = df["value"].astype("float64")
    df["year"] = df["year"].astype("int64")
    df["imputed"] = df["imputed"].fillna(False).astype(bool)
    return df


def _treatment(sel: pd.DataFrame, ref: int | pd.Series) -> pd.Series:
    """Plain words for how each value was obtained (vectorised over rows)."""
    base = pd.Series("observed", index=sel.index, dtype=object)
    older = sel["year"] < ref
    base[older] = "carried back from " + sel.loc[older, "year"].astype(str)
    qc = sel["qc"].fillna("").astype(str)
    rescaled = qc.str.extractall(r"rescale (\w+)")[0].groupby(level=0).agg(",".join)
    flagged = qc.str.extractall(r"flag (\w+)")[0].groupby(level=0).agg(",".join)
    out = base.copy()
    out.loc[rescaled.index] = out.loc[rescaled.index] + "; rescaled (" + rescaled + ")"
    out.loc[flagged.index] = out.loc[flagged.index] + "; flagged (" + flagged + ")"
    imp = sel["imputed"].to_numpy(dtype=bool)
    note = sel["note"].fillna("").astype(str)
    out[imp] = out[imp] + "; imputed: " + note[imp]
    has_note = (~imp) & (note != "")
    out[has_note] = out[has_note] + "; " + note[has_note]
    return out


def evaluate_indicator(
    con, fw: FrameworkConfig, ind: IndicatorDef, units: pd.Index
) -> pd.DataFrame:
    """One indicator's value per unit and reference year: best priority, then latest year in
    the window ``[Y - lookback, Y]`` (a frame without a panel: Y = the indicator's own year).

    The formula runs once; the panel years only select from its rows.
    """
    df = _run(con, fw, ind)
    df = df[df["geo"].isin(units)]
    years = fw.panel_years or (ind.reference_year,)
    parts = [select_window(df, y, ind.lookback).assign(reference_year=y) for y in years]
    sel = pd.concat(parts, ignore_index=True)
    if not fw.panel_years:  # the frame's unit year, one per frame (see FrameworkConfig.unit_year)
        sel["reference_year"] = fw.unit_year
        sel["treatment"] = _treatment(sel, ind.reference_year)
    else:
        sel["treatment"] = _treatment(sel, sel["reference_year"])
    sel["qc"] = sel["qc"].fillna("").astype(str)
    sel["source_file"] = sel["source_file"].fillna("").astype(str)
    return sel.assign(
        framework=fw.name,
        indicator=ind.code,
        name=ind.name,
        pillar=ind.pillar,
        role=ind.role,
        unit=ind.unit,
        sources=",".join(ind.sources),
    )[LONG_COLUMNS]


def select_window(df: pd.DataFrame, year: int, lookback: int) -> pd.DataFrame:
    """Per geo the best-priority, latest row of ``[year - lookback, year]`` (never later)."""
    d = df[df["year"].between(year - lookback, year)]
    return (
        d.sort_values(["geo", "priority", "year"], ascending=[True, True, False])
        .drop_duplicates("geo")
        .reset_index(drop=True)
    )


def load_units(con, fw: FrameworkConfig) -> pd.DataFrame:
    """The framework's units (geo, name, country_iso3), from its ``units`` query."""
    where = f"{fw.path.name}, key 'units'"
    try:
        units = run_select(con, fw.units_sql, where=where)
    except SqlRefused as exc:
        raise IndicatorError(str(exc)) from None
    except Exception as exc:
        raise IndicatorError(f"{fw.path.name}, key 'units': query failed: {exc}") from None
    missing = [c for c in ("geo", "name", "country_iso3") if c not in units.columns]
    if missing:
        raise IndicatorError(f"{fw.path.name}, key 'units': no column(s) {missing}")
    if units["geo"].duplicated().any():
        dup = units.loc[units["geo"].duplicated(), "geo"].iloc[0]
        raise IndicatorError(f"{fw.path.name}, key 'units': geo {dup!r} listed twice")
    units = units[["geo", "name", "country_iso3"]].sort_values("geo", ignore_index=True)
    units.insert(0, "framework", fw.name)
    units["peer_group"] = fw.peer_group
    years = fw.reference_years
    return pd.concat(
        [units.assign(reference_year=y) for y in years], ignore_index=True
    )  # one row per unit and reference year: the panel's key


def evaluate(con, fw: FrameworkConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units, long indicator table) for one framework; loops over its few indicators only."""
    units = load_units(con, fw)
    idx = pd.Index(units["geo"].unique())
    parts = [evaluate_indicator(con, fw, ind, idx) for ind in fw.indicators]
    long = pd.concat(parts, ignore_index=True)
    return units, long


def wide(units: pd.DataFrame, long: pd.DataFrame, codes: tuple[str, ...]) -> pd.DataFrame:
    """Units × indicators matrix of ONE reference year (uCode index, framework column order;
    NaN = not observed). Given several years, the latest is used (see :func:`wide_panel`)."""
    if "reference_year" in units.columns and units["reference_year"].nunique() > 1:
        return wide_panel(units, long, codes)[int(units["reference_year"].max())]
    mat = long.pivot(index="geo", columns="indicator", values="value")
    return mat.reindex(index=pd.Index(units["geo"], name="uCode"), columns=list(codes))


def wide_panel(
    units: pd.DataFrame, long: pd.DataFrame, codes: tuple[str, ...]
) -> dict[int, pd.DataFrame]:
    """Reference year -> units × indicators matrix (:func:`wide` per year)."""
    out = {}
    for y, u in units.groupby("reference_year", sort=True):
        lg = long[long["reference_year"] == y]
        mat = lg.pivot(index="geo", columns="indicator", values="value")
        out[int(y)] = mat.reindex(index=pd.Index(u["geo"], name="uCode"), columns=list(codes))
    return out
