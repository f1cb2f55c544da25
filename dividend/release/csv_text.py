"""CSV text of a release table, byte for byte what ``DataFrame.to_csv(index=False)`` writes.

pandas formats and quotes every cell in Python: about 2 s for a release's 60 MB of CSV on
this machine, the biggest single cost of re-building a release after a weight change. Release
tables repeat their values a lot (a few long data-quality reasons tens of thousands of
times, a handful of years and codes), so here each column's distinct values are formatted and
quoted once and picked per row with numpy, then every row is joined once.

The output follows pandas' ``to_csv`` defaults with ``lineterminator="\\n"``: Python's
``csv`` minimal quoting (a field with a comma, a double quote or a line feed is quoted, its
quotes doubled; a lone empty field is written ``""``), missing values empty, floats in their
shortest round-trip form (or ``float_format``), booleans ``True``/``False``. A table with a
column of any other kind (dates, categories, mixed objects) is written by pandas itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

CHUNK_ROWS = 200_000  # rows formatted at a time: memory stays bounded for any table size
_QUOTE = r'[,"\n]'


def _quoted(text: np.ndarray) -> np.ndarray:
    """Python csv's minimal quoting of distinct field texts."""
    joined = "".join(text.tolist())
    if not any(c in joined for c in ',"\n'):  # one scan for the whole column
        return text
    s = pd.Series(text, dtype=object)
    need = s.str.contains(_QUOTE, regex=True).to_numpy(dtype=bool)
    if need.any():
        s[need] = '"' + s[need].str.replace('"', '""', regex=False) + '"'
    return s.to_numpy(dtype=object)


def _kind(s: pd.Series, float_format: str | None) -> str | None:
    """How a column is formatted here, or None: pandas writes the table."""
    dt = s.dtype
    if pd.api.types.is_bool_dtype(dt):
        return "bool"
    if pd.api.types.is_signed_integer_dtype(dt):
        return "int"
    if dt == np.float64 or (float_format is None and str(dt) == "Float64"):
        return "float"
    if pd.api.types.is_string_dtype(dt) and not isinstance(dt, pd.CategoricalDtype):
        arr = s.to_numpy()
        if arr.dtype != object or pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
            return "text"
    return None


def _fields(s: pd.Series, kind: str, float_format: str | None) -> np.ndarray:
    """Every row's field text of one column; each distinct value is formatted once."""
    if kind == "float":
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        codes, bits = pd.factorize(v.view(np.int64))  # by bits: -0.0 stays -0.0
        u = np.asarray(bits, dtype=np.int64).view(np.float64)
        text = np.char.mod(float_format, u) if float_format else u.astype(str)
        codes = np.where(np.isnan(v), -1, codes)
    elif kind == "text":
        codes, uniques = pd.factorize(s.to_numpy())
        text = np.asarray(uniques, dtype=object)
    else:
        values = s.to_numpy(dtype="bool" if kind == "bool" else "int64", na_value=0)
        codes, uniques = pd.factorize(values)
        codes = np.where(s.isna().to_numpy(), -1, codes)
        text = np.asarray(uniques).astype(str)
    text = np.asarray(text, dtype=object)
    if kind == "text":  # numbers and booleans never hold a comma, quote or line feed
        text = _quoted(text)
    table = np.concatenate([text, np.array([""], dtype=object)])
    return table[codes]  # code -1 (missing) picks the empty field at the end


def _rows(frame: pd.DataFrame, kinds: list[str], float_format: str | None) -> str:
    n, m = frame.shape
    grid = np.empty((n, 2 * m), dtype=object)
    grid[:, 1::2] = ","
    grid[:, -1] = "\n"
    for j, kind in enumerate(kinds):  # loop over columns; rows are vectorised
        grid[:, 2 * j] = _fields(frame.iloc[:, j], kind, float_format)
    if m == 1:  # a row of one empty field is written as "" (else it would be a blank line)
        grid[grid[:, 0] == "", 0] = '""'
    return "".join(grid.ravel().tolist())


def csv_chunks(frame: pd.DataFrame, float_format: str | None = None) -> Iterator[str]:
    """The text of ``frame.to_csv(index=False, lineterminator="\\n", float_format=...)``, in
    pieces of at most :data:`CHUNK_ROWS` rows."""
    kinds = [_kind(frame.iloc[:, j], float_format) for j in range(frame.shape[1])]
    if frame.shape[1] == 0 or None in kinds:
        yield frame.to_csv(index=False, lineterminator="\n", float_format=float_format)
        return
    names = pd.DataFrame([[str(c) for c in frame.columns]], dtype=object)
    yield _rows(names, ["text"] * frame.shape[1], None)
    for start in range(0, len(frame), CHUNK_ROWS):
        yield _rows(frame.iloc[start : start + CHUNK_ROWS], kinds, float_format)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame.to_csv(path, index=False, lineterminator="\\n")``, faster."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        for text in csv_chunks(frame):
            fh.write(text)
