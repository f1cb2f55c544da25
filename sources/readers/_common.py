"""The small toolkit every reader shares: open a text table, check it, point at bad cells,
and lay out the raw tidy frame.

Each reader keeps only its wire format's logic. What is common is *how* a bad file is
reported: one `SourceError` naming dataset, file, the file row (1-based, header = 1 unless
the reader says otherwise) and the column, with the offending cell quoted.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.tidy import RAW_COLUMNS

FIRST_DATA_ROW = 2  # file row of the first data line under a one-line header
# Zip containers (XLSX, publisher zips) are checked on their central directory before any
# member is inflated. The vendored workbooks unpack to 2-4 MB at ratios up to 12:1; a deflate
# bomb packs gigabytes at ~1000:1. zipfile stops inflating a member at its declared size, so
# declared sizes bound what is really unpacked.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 10_000
_PANDAS_LINE = re.compile(r"fields in line (\d+),")


def require_safe_zip(
    source: Path | IO[bytes],
    *,
    dataset: str,
    file: str,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
    max_ratio: float = MAX_ZIP_RATIO,
) -> None:
    """Refuse a zip (or XLSX) whose members would unpack beyond the caps, before inflating."""
    try:
        with zipfile.ZipFile(source) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(
            f"not a readable XLSX or zip container: {exc}", dataset=dataset, file=file
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise SourceError(
            f"zip has {len(members):,} members, over the cap of {MAX_ZIP_MEMBERS:,}",
            dataset=dataset,
            file=file,
        )
    total = sum(m.file_size for m in members)
    if total > max_unzipped:
        raise SourceError(
            f"zip would unpack to {total:,} bytes, over the cap of {max_unzipped:,} "
            "(zip bomb?); refused before inflating",
            dataset=dataset,
            file=file,
        )
    for m in members:
        if m.file_size > max_ratio * max(m.compress_size, 1) and m.file_size > 1024 * 1024:
            raise SourceError(
                f"member {m.filename!r} expands {m.file_size / max(m.compress_size, 1):,.0f}:1 "
                f"({m.compress_size:,} -> {m.file_size:,} bytes), over the ratio cap of "
                f"{max_ratio:g}:1 (zip bomb?); refused before inflating",
                dataset=dataset,
                file=file,
            )


def workbook_path(ds: Dataset, name: str) -> Path:
    """A vendored XLSX's path after its sha256 and the zip caps are checked."""
    path = ds.path(name)
    require_safe_zip(path, dataset=ds.id, file=name)
    return path


def require_final_newline(ds: Dataset, name: str, path: Path) -> None:
    """Publisher CSVs end with a line break; a file cut at a row boundary still parses
    ("Finland;69" from "Finland;69\\r\\n…"), so a missing final newline is the only sign of it."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - 1, 0))
        last = fh.read(1)
    if last not in (b"\n", b"\r"):
        lines = path.read_bytes().count(b"\n") + 1
        raise SourceError(
            "file ends mid-line without a final line break (truncated)",
            dataset=ds.id,
            file=name,
            row=lines,
        )


def read_text_table(
    ds: Dataset, name: str, *, what: str = "not a well-formed CSV", **read_csv: Any
) -> pd.DataFrame:
    """Every cell as the publisher wrote it (strings, "" for empty): the reader decides what a
    cell means. A file pandas cannot tokenise raises `SourceError` prefixed with `what`, with
    the file line pandas names ("Expected 2 fields in line 30, saw 3") as its row; a file
    that is not in `encoding` (re-saved as UTF-16 or latin-1) names the line of its first
    undecodable byte."""
    path = ds.path(name)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, **read_csv)
    except pd.errors.ParserError as exc:
        line = _PANDAS_LINE.search(str(exc))
        row = int(line.group(1)) if line else None  # pandas counts skipped lines too
        raise SourceError(f"{what}: {exc}", dataset=ds.id, file=name, row=row) from None
    except UnicodeDecodeError as exc:
        encoding = read_csv.get("encoding", "utf-8")
        raise undecodable(ds, name, path.read_bytes(), encoding) from exc


def undecodable(ds: Dataset, name: str, data: bytes, encoding: str) -> SourceError:
    """The error for a file that is not `encoding` text, at the line of its first bad byte."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        return SourceError(
            f"not {encoding} text (re-encoded?): byte {data[exc.start : exc.start + 1]!r} "
            f"at offset {exc.start} cannot be decoded",
            dataset=ds.id,
            file=name,
            row=row,
        )
    return SourceError(f"not {encoding} text (re-encoded?)", dataset=ds.id, file=name)


def read_json(ds: Dataset, name: str) -> Any:
    """A JSON file as Python objects. Bytes that are not UTF-8 (a re-encoded copy) or text the
    parser rejects (a truncated one) raise `SourceError` at the parser's line and character."""
    try:
        return json.loads(ds.path(name).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not UTF-8 encoded JSON (byte {exc.start}): {exc.reason}", dataset=ds.id, file=name
        ) from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"not valid JSON: {exc.msg}",
            dataset=ds.id,
            file=name,
            row=exc.lineno,
            column=f"char {exc.colno}",
        ) from None


def require_header(ds: Dataset, name: str, columns: Sequence[str], expected: list[str]) -> None:
    """The exact header the format defines, else an error on row 1."""
    if list(columns) != expected:
        raise SourceError(
            f"unexpected header {list(columns)}; expected {expected}",
            dataset=ds.id,
            file=name,
            row=1,
        )


def require_rows(ds: Dataset, name: str, frame: pd.DataFrame) -> None:
    """A header with nothing under it is a truncated download, not an empty dataset."""
    if frame.empty:
        raise SourceError("no data rows after the header", dataset=ds.id, file=name)


def _quote(message: str, cell: object) -> str:
    return message.replace("{cell}", repr(cell))


def fail_first_row(
    ds: Dataset,
    name: str,
    bad: pd.Series | np.ndarray,
    message: str,
    *,
    column: str | None = None,
    cells: pd.Series | np.ndarray | None = None,
    first_row: int = FIRST_DATA_ROW,
    rows: pd.Series | np.ndarray | None = None,
) -> None:
    """Raise at the first True of `bad`: position i is file row `rows[i]` if given (rows that
    are not consecutive lines), else `first_row + i`.

    `{cell}` in `message` becomes the repr of `cells[i]`, so the error quotes the bad cell.
    """
    bad = np.asarray(bad, dtype=bool)
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    cell = None if cells is None else np.asarray(cells, dtype=object)[i]
    row = first_row + i if rows is None else int(np.asarray(rows)[i])
    raise SourceError(_quote(message, cell), dataset=ds.id, file=name, row=row, column=column)


def fail_first_cell(
    ds: Dataset,
    name: str,
    bad: pd.DataFrame,
    message: str,
    *,
    cells: pd.DataFrame | None = None,
    first_row: int = FIRST_DATA_ROW,
    column_name: Callable[[object], str] = str,
) -> None:
    """Raise at the first True cell of `bad` (row-major), naming its row and column header.

    `{cell}` in `message` becomes the repr of the matching cell of `cells` (default: none).
    """
    grid = bad.to_numpy(dtype=bool)
    if not grid.any():
        return
    i, j = (int(k) for k in np.argwhere(grid)[0])
    cell = None if cells is None else cells.iat[i, j]
    raise SourceError(
        _quote(message, cell),
        dataset=ds.id,
        file=name,
        row=first_row + i,
        column=column_name(bad.columns[j]),
    )


def raw_table(
    ds: Dataset, name: str, *, vintage: str | None = None, **columns: Any
) -> pd.DataFrame:
    """The raw tidy frame: `columns` are the format's own; dataset, vintage (the catalogue's
    unless the file states its own) and source_file are the same for every reader."""
    out = pd.DataFrame(
        {
            "dataset": ds.id,
            **columns,
            "vintage": ds.vintage if vintage is None else vintage,
            "source_file": name,
        }
    )
    return out[RAW_COLUMNS]


def read_data_files(
    ds: Dataset, read_file: Callable[..., pd.DataFrame], *args: Any, **kwargs: Any
) -> pd.DataFrame:
    """Every data file of the dataset through `read_file(ds, name, *args, **kwargs)`, stacked."""
    parts = [read_file(ds, f.name, *args, **kwargs) for f in ds.data_files()]
    return pd.concat(parts, ignore_index=True)[RAW_COLUMNS]
