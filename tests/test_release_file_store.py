"""Release files written once (dividend.release.file_store): a table or download identical to
one an earlier release wrote is hard-linked, never changed, never trusted when damaged."""

from __future__ import annotations

import gzip
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from dividend.portal.downloads import publish_downloads
from dividend.portal.release_data import release_files
from dividend.release import file_store
from dividend.release.csv_text import write_csv
from dividend.release.writer import (
    ReleaseTables,
    _csv_writer_digest,
    clean_stale,
    neutralise,
    write_release,
)

N = 30_000  # 30 k rows x 9 columns = 270 k cells: over file_store.MIN_CELLS


def _big() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "dataset": rng.choice(["unhcr", "=cmd|' /C calc'!A0", "eurostat, lfs"], N),
            "rule": rng.choice(["a", 'quote "b"', "c\nd"], N),
            "geo": rng.choice(["NLD", "DEU", None], N),
            "year": rng.integers(1990, 2024, N),
            "value": rng.normal(size=N),
            "raw": np.where(rng.random(N) < 0.1, np.nan, rng.normal(size=N)),
            "flag": rng.random(N) < 0.5,
            "zero": np.zeros(N),
            "n": np.arange(N),
        }
    )


def _rel(digest: str, big: pd.DataFrame, small: pd.DataFrame) -> ReleaseTables:
    return ReleaseTables(
        scenario="faal_five_pillars",
        tables={"data_quality": big, "weights": small},
        methodology="# m\n",
        notes=[("scenario", "faal_five_pillars")],
        input_hash=digest,
        licences=[{"name": "cc-by-4.0", "title": "CC BY 4.0"}],
        sources=[{"title": "t"}],
        csv_only=frozenset({"data_quality"}),
    )


def _entries(store) -> list:
    return sorted(store.iterdir())


def _fresh_bytes(frame: pd.DataFrame, tmp_path) -> bytes:
    path = tmp_path / "fresh.csv"
    write_csv(neutralise(frame), path)
    return path.read_bytes()


def test_an_unchanged_table_is_linked_and_its_bytes_are_a_fresh_write(tmp_path):
    big = _big()
    exports = tmp_path / "exports"
    a = write_release(_rel("11" * 32, big, pd.DataFrame({"w": [1.0]})), exports)
    b = write_release(_rel("22" * 32, big.copy(), pd.DataFrame({"w": [2.0]})), exports)
    ia, ib = ((d / "data_quality.csv").stat() for d in (a, b))
    assert ia.st_ino == ib.st_ino  # one file, two releases (and the store)
    assert (b / "data_quality.csv").read_bytes() == _fresh_bytes(big, tmp_path)
    assert b"'=cmd" in (b / "data_quality.csv").read_bytes()  # neutralised like any other
    # the small table differs, and small tables are always written
    assert (a / "weights.csv").read_bytes() != (b / "weights.csv").read_bytes()
    stored = _entries(file_store.store_dir(exports))
    assert len(stored) == 1 and stored[0].name.endswith(".csv")
    assert sorted(p.name for p in exports.iterdir() if p.is_dir() and not p.is_symlink()) == [
        a.name,
        b.name,
    ]  # no directory but the releases, no hidden entry but the writer's lock
    assert [p.name for p in exports.iterdir() if p.name.startswith(".")] == [".write.lock"]


def test_a_changed_value_or_a_negative_zero_is_a_new_file(tmp_path):
    big = _big()
    changed = big.copy()
    changed.loc[N - 1, "value"] += 1e-12
    negzero = big.copy()
    negzero.loc[0, "zero"] = -0.0  # hash_pandas_object hashes -0.0 like 0.0; the CSV does not
    prints = {file_store.fingerprint(f, "w") for f in (big, changed, negzero)}
    assert len(prints) == 3 and None not in prints
    # the writer's code is part of the key: a changed writer never reuses an older file
    assert file_store.fingerprint(big, "w") != file_store.fingerprint(big, "w2")
    exports = tmp_path / "exports"
    write_release(_rel("11" * 32, big, pd.DataFrame({"w": [1.0]})), exports)
    c = write_release(_rel("33" * 32, negzero, pd.DataFrame({"w": [1.0]})), exports)
    assert (c / "data_quality.csv").read_bytes() == _fresh_bytes(negzero, tmp_path)
    assert b",-0.0," in (c / "data_quality.csv").read_bytes()


def test_a_damaged_store_entry_is_never_linked(tmp_path):
    big = _big()
    exports = tmp_path / "exports"
    a = write_release(_rel("11" * 32, big, pd.DataFrame({"w": [1.0]})), exports)
    good = (a / "data_quality.csv").read_bytes()
    (entry,) = _entries(file_store.store_dir(exports))
    entry.unlink()  # replace the entry (not the release's file) by other bytes
    entry.write_bytes(good.replace(b"NLD", b"XXX"))
    b = write_release(_rel("22" * 32, big, pd.DataFrame({"w": [2.0]})), exports)
    assert (b / "data_quality.csv").read_bytes() == good
    assert (a / "data_quality.csv").read_bytes() == good  # the earlier release untouched
    assert entry.read_bytes() == good  # the bad entry gave way to the fresh file
    assert entry.stat().st_ino == (b / "data_quality.csv").stat().st_ino


def test_entries_no_release_links_are_pruned_and_clean_stale_keeps_the_store(tmp_path):
    big = _big()
    exports = tmp_path / "exports"
    a = write_release(_rel("11" * 32, big, pd.DataFrame({"w": [1.0]})), exports)
    half = file_store.store_dir(exports) / f"{file_store.TMP_PREFIX}123-x.csv"
    half.write_bytes(b"x")  # what a killed writer leaves
    clean_stale(exports)
    assert not half.exists() and len(_entries(file_store.store_dir(exports))) == 1
    shutil.rmtree(a)
    big2 = big.assign(n=big["n"] + 1)
    write_release(_rel("22" * 32, big2, pd.DataFrame({"w": [1.0]})), exports)
    (entry,) = _entries(
        file_store.store_dir(exports)
    )  # the first table's entry went with its last release
    assert entry.stat().st_nlink > 1
    assert file_store.fingerprint(big2, _csv_writer_digest()) in entry.name


def test_a_gzipped_download_is_compressed_once_and_checked(tmp_path):
    rel_dir = tmp_path / "rel"
    rel_dir.mkdir()
    write_csv(_big(), rel_dir / "data_quality.csv")
    files = release_files(rel_dir)
    store = tmp_path / "store"
    store.mkdir()

    def publish(to):
        with ThreadPoolExecutor(1) as pool:
            return publish_downloads(rel_dir, files, to, pool, ["data_quality.csv"], store)()

    one = publish(tmp_path / "d1")
    two = publish(tmp_path / "d2")
    gz1, gz2 = (tmp_path / d / "data_quality.csv.gz" for d in ("d1", "d2"))
    assert gz1.stat().st_ino == gz2.stat().st_ino and one.equals(two)
    assert gzip.decompress(gz2.read_bytes()) == (rel_dir / "data_quality.csv").read_bytes()
    (entry,) = _entries(store)
    entry.unlink()
    entry.write_bytes(gzip.compress(b"not the file"))  # a bad entry under the right name
    publish(tmp_path / "d3")
    gz3 = tmp_path / "d3" / "data_quality.csv.gz"
    assert gzip.decompress(gz3.read_bytes()) == (rel_dir / "data_quality.csv").read_bytes()
    assert os.path.getsize(gz3) == os.path.getsize(gz1)
