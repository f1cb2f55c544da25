"""Helpers for the country-source tests: mutated copies of vendored files."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from sources.catalogue import Dataset, dataset, sha256_of


def mutated(
    ds_id: str, tmp_path: Path, name: str, mutate: Callable[[Path], None], *, rehash: bool = True
) -> Dataset:
    """Copy a dataset folder to tmp_path, mutate one file in place, point a Dataset at it.

    With rehash=True the catalogue entry is updated to the mutated file's sha256 (testing
    the parser); with rehash=False the original hash stays (testing the sha256 guard).
    """
    ds = dataset(ds_id)
    dst = tmp_path / ds_id
    shutil.copytree(ds.directory, dst)
    path = dst / name
    path.chmod(0o644)  # vendored files are read-only
    mutate(path)
    files = ds.files
    if rehash:
        files = tuple(
            replace(f, sha256=sha256_of(path), bytes=path.stat().st_size) if f.name == name else f
            for f in ds.files
        )
    return replace(ds, raw_dir=tmp_path, files=files)


def edit_worldbank_csv(path: Path, edit: Callable[[pd.DataFrame], None]) -> None:
    """Rewrite a World Bank API CSV (preamble, BOM, trailing empty column) after `edit`."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    frame = pd.read_csv(io.StringIO("\n".join(lines[4:])), dtype=str, keep_default_na=False)
    edit(frame)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    header = list(frame.columns)
    header[-1] = ""
    writer.writerow(header)
    writer.writerows(frame.itertuples(index=False))
    body = out.getvalue().replace(',""\r\n', ",\r\n")
    path.write_text("\ufeff" + "\r\n".join(lines[:4]) + "\r\n" + body, encoding="utf-8")


def replace_text(old: str, new: str) -> Callable[[Path], None]:
    def _mutate(path: Path) -> None:
        text = path.read_bytes().decode("utf-8")
        assert old in text, f"{old!r} not in {path.name}"
        path.write_bytes(text.replace(old, new, 1).encode("utf-8"))

    return _mutate


def read_raw(ds: Dataset) -> pd.DataFrame:
    """The dataset's raw table, read from `ds` (a mutated copy or the vendored folder)."""
    from sources.datasets import all_specs

    return all_specs()[ds.id].read(ds)


def staged_of(ds: Dataset):
    """Read, validate (RawTidy), stage and validate (the dataset's model): the asset's path."""
    from sources.datasets import all_specs
    from sources.tidy import RawTidy

    spec = all_specs()[ds.id]
    raw = spec.read(ds)
    RawTidy.validate(raw, lazy=True)
    result = spec.stage(raw)
    spec.schema.validate(result.table, lazy=True)
    return result


def one_row(frame: pd.DataFrame, **where: object) -> pd.Series:
    """The single row matching every `column=value`; fails if there is not exactly one."""
    mask = pd.Series(True, index=frame.index)
    for k, v in where.items():
        mask &= frame[k] == v
    hit = frame[mask]
    assert len(hit) == 1, f"{where}: {len(hit)} rows"
    return hit.iloc[0]
