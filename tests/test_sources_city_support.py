"""Mutated copies of vendored files for hazard and bad-input tests (plus a test of the helper).

A mutated copy gets its own catalogue entry with the new sha256, so the reader parses it
(the sha256 gate is tested separately, with a copy whose catalogue entry is left unchanged).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sources.catalogue import Dataset, SourceFile, dataset, sha256_of
from sources.errors import SourceError


def mutated_dataset(
    ds_id: str,
    tmp_path: Path,
    mutations: dict[str, Callable[[bytes], bytes]],
    *,
    rehash: bool = True,
) -> Dataset:
    """Copy a dataset's vendored folder to `tmp_path`, apply byte mutations, re-catalogue it."""
    ds = dataset(ds_id)
    target = tmp_path / ds_id
    shutil.copytree(ds.directory, target)
    files = []
    for f in ds.files:
        p = target / f.name
        if f.name in mutations:
            p.write_bytes(mutations[f.name](p.read_bytes()))
            if rehash:
                f = SourceFile(f.name, sha256_of(p), p.stat().st_size, f.role)
        files.append(f)
    return dataclasses.replace(ds, raw_dir=tmp_path, files=tuple(files))


def replace_once(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def mutate(data: bytes) -> bytes:
        assert data.count(old) >= 1, f"{old!r} not in file"
        return data.replace(old, new, 1)

    return mutate


def test_mutated_copy_is_parsed_and_unrehashed_copy_is_refused(tmp_path: Path) -> None:
    ds_id = "eurostat_urb_percep_bulk"
    cut = mutated_dataset(ds_id, tmp_path / "a", {"urb_percep.tsv": lambda b: b[:-1000]})
    assert (
        cut.path("urb_percep.tsv").stat().st_size
        == dataset(ds_id).file("urb_percep.tsv").bytes - 1000
    )
    stale = mutated_dataset(
        ds_id, tmp_path / "b", {"urb_percep.tsv": lambda b: b[:-1000]}, rehash=False
    )
    with pytest.raises(SourceError, match=r"urb_percep\.tsv.*truncated"):
        stale.path("urb_percep.tsv")
