"""``site/downloads/``: every release file, so publishing ``site/`` alone keeps every download.

The release folder keeps every file uncompressed; here the big CSVs (the data-quality log,
the indicator values, the contributions, the Monte Carlo runs) and every table that is not
in the workbook (CSV only) are published gzipped, which keeps the whole site of a release
within issue 14's budget (<= 15 MB). The sha256 a reader
checks is always the uncompressed file's, the one ``datapackage.json`` states. The workbook
(already compressed), ``datapackage.json``, ``METHODOLOGY.md`` and the headline tables stay
as they are, so Excel opens them straight from the page.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable, Collection
from concurrent.futures import Executor, Future
from pathlib import Path

import pandas as pd

from dividend.release import file_store

GZIP_OVER = 256 * 1024  # a CSV bigger than this is published as <name>.csv.gz
GZIP_LEVEL = 6  # zlib's default: 3 % bigger than level 9 at a third of the time


def download_name(path: str, size: int, csv_only: Collection[str] = ()) -> str:
    """The name a release file has under ``site/downloads/``: a CSV over ``GZIP_OVER``, or
    one of the ``csv_only`` tables (not in the workbook: detail tables nobody opens in
    Excel from the page), is gzipped."""
    big = size > GZIP_OVER or path in csv_only
    return f"{path}.gz" if path.endswith(".csv") and big else path


def csv_only_files(paths: pd.Series, sheets: Collection[str] | None) -> list[str]:
    """The release CSVs whose table is not a sheet of the workbook (none without one)."""
    if sheets is None:
        return []
    csv = paths[paths.str.endswith(".csv")]
    return list(csv[~csv.str.removesuffix(".csv").isin(list(sheets))])


def _gzip(src: Path, dst: Path) -> None:
    """Stream ``src`` into ``dst`` gzipped (bounded memory); no time stamp in the header, so
    the same release gives the same bytes. zlib releases the GIL while it compresses."""
    with (
        src.open("rb") as fin,
        dst.open("wb") as raw,
        gzip.GzipFile(src.name, "wb", GZIP_LEVEL, raw, mtime=0) as fout,
    ):
        shutil.copyfileobj(fin, fout, 1 << 20)


def _link(src: Path, dst: Path) -> None:
    """A hard link where the file system allows (no extra bytes on disk), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _gzip_once(src: Path, dst: Path, sha256: str, store: Path | None) -> None:
    """``src`` gzipped at ``dst``, linked from ``store`` when an earlier release already
    compressed the same content (dividend.release.file_store), else compressed and stored."""
    if store is not None and file_store.reuse_gzip(store, sha256, dst):
        return
    _gzip(src, dst)
    if store is not None:
        file_store.keep_gzip(store, sha256, dst)


def publish_downloads(
    release_dir: Path,
    files: pd.DataFrame,
    downloads: Path,
    pool: Executor,
    csv_only: Collection[str] = (),
    store: Path | None = None,
) -> Callable[[], pd.DataFrame]:
    """Put the release ``files`` (``path``, ``bytes``, ``sha256``) into ``downloads``, the big
    and the ``csv_only`` CSVs gzipped on ``pool`` while the caller renders pages (or linked
    from ``store``). Returns the call that waits for them and lists ``files`` with the
    published ``download`` name and ``download_bytes``."""
    names = [
        download_name(p, int(b), csv_only)
        for p, b in zip(files["path"], files["bytes"], strict=True)
    ]
    jobs: list[Future] = []
    for path, name, sha in zip(files["path"], names, files["sha256"], strict=True):
        src, dst = release_dir / path, downloads / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if name == path:
            _link(src, dst)
        else:
            jobs.append(pool.submit(_gzip_once, src, dst, sha, store))

    def listing() -> pd.DataFrame:
        for job in jobs:
            job.result()  # re-raises a failed compression
        sizes = [(downloads / n).stat().st_size for n in names]
        return files.assign(download=names, download_bytes=sizes)

    return listing
