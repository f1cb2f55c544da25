"""Unit data: units × indicators plus group, denominator and other columns.

Accepts COINr's ``iData`` layout (``uCode``, optional ``uName`` and ``Time``, then
one column per iMeta iCode of Type Indicator/Group/Denominator/Other). Like
COINr's ``new_coin`` the rows are sorted by ``uCode`` (by ``Time`` then ``uCode``
for panel data), so results line up with COINr's cell for cell.

Everything numeric is held as float64 numpy arrays so recipe steps never touch
pandas on the hot path; DataFrames are built only at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dividend.engine.framework import Framework

SPECIAL_COLUMNS = ("uCode", "uName", "Time")


class DataError(ValueError):
    """Invalid unit data; the message names the file/row (uCode)/column at fault."""


@dataclass(frozen=True, eq=False)
class UnitData:
    """Validated unit data aligned with a :class:`Framework`.

    Attributes:
        ucode: unit codes (object array), sorted as COINr sorts them.
        values: units × indicators float64 array, columns in ``framework.indicators`` order.
        indicators: indicator iCodes (the columns of ``values``).
        uname: unit names (defaults to the codes).
        time: Time per row (float64) or None when the data are not a panel column.
        groups: group iCode -> object array of labels (None = missing).
        denominators: denominator iCode -> float64 array.
        others: Other-type iCode -> array, carried along untouched.
    """

    ucode: np.ndarray
    values: np.ndarray
    indicators: tuple[str, ...]
    uname: np.ndarray
    time: np.ndarray | None
    groups: dict[str, np.ndarray]
    denominators: dict[str, np.ndarray]
    others: dict[str, np.ndarray]

    @property
    def n_units(self) -> int:
        return self.values.shape[0]

    @property
    def is_panel(self) -> bool:
        return self.time is not None and len(np.unique(self.time)) > 1

    @classmethod
    def from_idata(
        cls, idata: pd.DataFrame, framework: Framework, source: str = "iData"
    ) -> UnitData:
        """Validate a COINr-style iData table against the framework.

        ``source`` names the table (e.g. its file name) in error messages.
        """
        return _build(idata, framework, source)

    @classmethod
    def from_csv(cls, path: str | Path, framework: Framework) -> UnitData:
        """Read an iData CSV (``NA`` or empty = missing)."""
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: iData file not found")
        return cls.from_idata(pd.read_csv(path), framework, source=str(path))

    def frame(self, columns: str = "indicators") -> pd.DataFrame:
        """COINr layout: ``uCode`` then indicators (``columns="all"`` adds the other columns)."""
        out = pd.DataFrame(self.values, columns=list(self.indicators))
        out.insert(0, "uCode", self.ucode)
        if columns == "all":
            extra: dict[str, np.ndarray] = {"uName": self.uname}
            if self.time is not None:
                extra["Time"] = self.time
            extra |= self.groups | self.denominators | self.others
            out = pd.concat(
                [out[["uCode"]], pd.DataFrame(extra), out[list(self.indicators)]], axis=1
            )
        return out

    def row_of(self, codes: list[str] | tuple[str, ...], what: str) -> np.ndarray:
        """Row positions of unit codes; unknown codes raise a DataError naming ``what``."""
        pos = {c: i for i, c in enumerate(self.ucode)}
        missing = [c for c in codes if c not in pos]
        if missing:
            raise DataError(f"{what}: unknown uCode(s) {missing}")
        return np.array([pos[c] for c in codes], dtype=np.intp)


def _numeric_column(col: pd.Series, name: str, ucode: np.ndarray, source: str) -> np.ndarray:
    """Coerce to float64; any non-empty value that is not a number is an error (never silent NaN)."""
    if pd.api.types.is_bool_dtype(col):
        raise DataError(f"{source}: column {name!r} is boolean, expected numbers")
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    coerced = pd.to_numeric(col, errors="coerce")
    bad = coerced.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source}: column {name!r}, row {i + 1} (uCode {ucode[i]!r}): "
            f"non-numeric value {col.iloc[i]!r} ({int(bad.sum())} such cell(s) in the column)"
        )
    return coerced.to_numpy(dtype=np.float64, na_value=np.nan)


def _build(idata: pd.DataFrame, fw: Framework, source: str) -> UnitData:
    if not isinstance(idata, pd.DataFrame):
        raise DataError(f"{source}: expected a DataFrame, got {type(idata).__name__}")
    if idata.shape[0] == 0:
        raise DataError(f"{source}: has no rows")
    if "uCode" not in idata.columns:
        raise DataError(f"{source}: required column 'uCode' not found")
    dup_cols = idata.columns[idata.columns.duplicated()].tolist()
    if dup_cols:
        raise DataError(f"{source}: duplicate column name(s) {dup_cols}")
    known = set(fw.meta["iCode"]) | set(SPECIAL_COLUMNS)
    unknown = [c for c in idata.columns if c not in known]
    if unknown:
        raise DataError(
            f"{source}: column(s) {unknown} are not iCodes in iMeta (unknown indicator codes)"
        )
    missing = [c for c in fw.indicators if c not in idata.columns]
    if missing:
        raise DataError(f"{source}: indicator column(s) {missing} from iMeta are missing")
    if idata["uCode"].isna().any():
        i = int(np.flatnonzero(idata["uCode"].isna().to_numpy())[0])
        raise DataError(f"{source}: column 'uCode' is empty at row {i + 1}")

    df = idata.copy()
    df["uCode"] = df["uCode"].astype(str)
    time = None
    if "Time" in df.columns:
        time = _numeric_column(df["Time"], "Time", df["uCode"].to_numpy(), source)
        if np.isnan(time).any():
            i = int(np.flatnonzero(np.isnan(time))[0])
            raise DataError(
                f"{source}: column 'Time' is empty at row {i + 1} (uCode {df['uCode'].iloc[i]!r})"
            )
        df["Time"] = time
    panel = time is not None and len(np.unique(time)) > 1
    key = ["uCode", "Time"] if panel else ["uCode"]
    dups = df[df.duplicated(key, keep=False)]
    if len(dups):
        raise DataError(
            f"{source}: duplicate {'/'.join(key)} rows: {dups[key].head(3).values.tolist()}"
        )
    order = (
        np.lexsort((df["uCode"].to_numpy(), df["Time"].to_numpy()))
        if panel
        else np.argsort(df["uCode"].to_numpy(), kind="stable")
    )
    raw_codes = df["uCode"].to_numpy(dtype=object)
    # validate in input order so errors name the row as it appears in the file
    values = np.empty((len(df), len(fw.indicators)), dtype=np.float64)
    for j, code in enumerate(fw.indicators):  # a loop over indicator columns, not units
        values[:, j] = _numeric_column(df[code], code, raw_codes, source)
    if np.isinf(values).any():
        i, j = (int(a[0]) for a in np.nonzero(np.isinf(values)))
        raise DataError(
            f"{source}: column {fw.indicators[j]!r}, row {i + 1} (uCode {raw_codes[i]!r}): infinite value"
        )
    denoms = {
        d: _numeric_column(df[d], d, raw_codes, source)[order]
        for d in fw.denominator_codes
        if d in df.columns
    }
    values = values[order]
    df = df.iloc[order].reset_index(drop=True)
    ucode = df["uCode"].to_numpy(dtype=object)
    if time is not None:
        time = df["Time"].to_numpy(dtype=np.float64)
    groups = {
        g: df[g].astype("string").to_numpy(dtype=object, na_value=None)
        for g in fw.groups
        if g in df.columns
    }
    denoms = {
        d: _numeric_column(df[d], d, ucode, source) for d in fw.denominator_codes if d in df.columns
    }
    others = {o: df[o].to_numpy() for o in fw.others if o in df.columns}
    uname = (
        df["uName"].astype(str).to_numpy(dtype=object) if "uName" in df.columns else ucode.copy()
    )
    return UnitData(ucode, values, fw.indicators, uname, time, groups, denoms, others)
