"""Refresh mode: download a dataset again from its publisher and replace the vendored copy.

Safety rules, in order: a timeout on every read and one deadline for the whole download (a
slow trickle ends), a size cap on every file and on what a zip unpacks to, then the pipeline's
own full validation (reader, raw model, stager, staged model: `sources.dataset_check`) on the
new files. Only then are files and catalogue swapped, as one commit:

1. the new files and the whole new catalogue are written to a journal directory
   `.refresh-<dataset>.tmp/` next to the catalogue;
2. one `os.rename` to `.refresh-<dataset>.commit/` is the commit point;
3. the files, then the catalogue, are replaced from the journal, and the journal is removed.

A crash before 2 leaves a `.tmp` journal that is discarded; a crash after 2 (for instance
between a file and the catalogue) leaves a `.commit` journal that `recover()` applies again.
`load_catalogue` recovers first, so nothing ever reads files and catalogue out of step.

    python -m sources.refresh DATASET [--base-url http://127.0.0.1:8000/] [--timeout 30]
                                      [--deadline 600]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import os
import shutil
import time
import urllib.request
import zipfile
from pathlib import Path

import yaml

from dividend.safe_yaml import load_yaml
from sources.catalogue import (
    CATALOGUE_PATH,
    RAW_DIR,
    Dataset,
    SourceFile,
    load_catalogue,
)
from sources.errors import SourceError
from sources.readers._common import require_safe_zip
from sources.refresh_journal import JOURNAL_FILES, begin, commit, recover

DEFAULT_TIMEOUT_S = 30.0  # per read
DEFAULT_DEADLINE_S = 600.0  # the whole download of one dataset
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
CHUNK = 64 * 1024
CATALOGUE_HEADER = (
    "# Source catalogue: one entry per publisher dataset, one row per vendored file.\n"
    "# The raw layer refuses to parse a file whose sha256 differs from this record.\n"
    "# Regenerate a hash only after reviewing a refreshed file (python -m sources.refresh).\n"
    "# `years` is the publisher coverage [first, last]: a row outside it is refused by the raw "
    "layer.\n"
)


def file_url(ds: Dataset, f: SourceFile, base_url: str | None) -> str:
    """Where to fetch one file: a mirror base URL if given, else the publisher's download URL."""
    if base_url:
        return f"{base_url.rstrip('/')}/{ds.id}/{f.name}"
    template = ds.download_url
    if "{file}" in template:
        return template.format(file=f.name)
    if "{" in template:
        raise SourceError(
            "the catalogue's download_url is a per-indicator template; pass --base-url",
            dataset=ds.id,
            file=f.name,
        )
    return template


def download(
    url: str, *, dataset: str, file: str, timeout: float, max_bytes: int, deadline: float
) -> bytes:
    """The body of `url`, read in chunks: each read bounded by `timeout`, the whole transfer by
    the monotonic `deadline`, the size by `max_bytes`."""

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SourceError(
                f"download from {url} failed: overall deadline passed (slow or stalled transfer)",
                dataset=dataset,
                file=file,
            )
        return left

    chunks: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=min(timeout, remaining())) as resp:
            declared = resp.headers.get("Content-Length")
            if declared is not None and int(declared) > max_bytes:
                raise SourceError(
                    f"{url} declares {declared} bytes, over the cap of {max_bytes}",
                    dataset=dataset,
                    file=file,
                )
            while True:  # each read waits at most `timeout`; the loop ends by the deadline
                chunk = resp.read1(CHUNK)
                remaining()
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(
                        f"{url} is larger than the cap of {max_bytes} bytes",
                        dataset=dataset,
                        file=file,
                    )
                chunks.append(chunk)
    except SourceError:
        raise
    except Exception as err:  # network errors, HTTP errors, timeouts
        raise SourceError(f"download from {url} failed: {err}", dataset=dataset, file=file) from err
    payload = b"".join(chunks)
    if not payload:
        raise SourceError(f"{url} returned an empty body", dataset=dataset, file=file)
    return payload


def unwrap_zip(payload: bytes, f: SourceFile, dataset: str, max_bytes: int) -> bytes:
    """Publishers such as the World Bank serve a zip; take the member that is our file. The
    zip's declared sizes are checked against the caps before anything is inflated."""
    if not payload.startswith(b"PK\x03\x04"):
        return payload
    require_safe_zip(io.BytesIO(payload), dataset=dataset, file=f.name, max_unzipped=max_bytes)
    if f.name.endswith(".xlsx"):
        return payload
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        names = zf.namelist()
        match = [n for n in names if Path(n).name == f.name] or [
            n for n in names if Path(n).name.startswith("API_")
        ]
        if len(match) != 1:
            raise SourceError(
                f"zip has no single member for this file (members: {names})",
                dataset=dataset,
                file=f.name,
            )
        return zf.read(match[0])


def _fetch(
    ds: Dataset,
    base_url: str | None,
    *,
    timeout: float,
    deadline_s: float,
    max_bytes: int,
) -> dict[str, bytes]:
    """Every data, metadata and dictionary file of `ds`, within one overall deadline."""
    deadline = time.monotonic() + deadline_s
    out = {}
    for f in ds.files:
        if f.role in ("data", "metadata", "dictionary"):
            body = download(
                file_url(ds, f, base_url),
                dataset=ds.id,
                file=f.name,
                timeout=timeout,
                max_bytes=max_bytes,
                deadline=deadline,
            )
            out[f.name] = unwrap_zip(body, f, ds.id, max_bytes)
    return out


def refresh(
    ds_id: str,
    *,
    base_url: str | None = None,
    catalogue_path: Path = CATALOGUE_PATH,
    raw_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    deadline: float = DEFAULT_DEADLINE_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[str]:
    """Refresh one dataset; returns the names of files whose content changed."""
    from sources.dataset_check import check_dataset  # late: readers import this package
    from sources.datasets import all_specs

    raw_dir = RAW_DIR if raw_dir is None else raw_dir
    recover(catalogue_path, raw_dir)
    cat = load_catalogue(catalogue_path, raw_dir)
    if ds_id not in cat:
        raise SourceError("unknown dataset id (not in the catalogue)", dataset=ds_id)
    ds = cat[ds_id]
    bodies = _fetch(ds, base_url, timeout=timeout, deadline_s=deadline, max_bytes=max_bytes)
    changed = [
        name
        for name, body in bodies.items()
        if hashlib.sha256(body).hexdigest() != ds.file(name).sha256
    ]
    if not changed:
        return []
    journal = begin(catalogue_path, ds_id)
    try:
        files = journal / JOURNAL_FILES
        shutil.copytree(ds.directory, files / ds_id)
        new_entries = {}
        for name in changed:
            (files / ds_id / name).write_bytes(bodies[name])
            new_entries[name] = dataclasses.replace(
                ds.file(name),
                sha256=hashlib.sha256(bodies[name]).hexdigest(),
                bytes=len(bodies[name]),
            )
        candidate = dataclasses.replace(
            ds,
            files=tuple(new_entries.get(f.name, f) for f in ds.files),
            raw_dir=files,
        )
        spec = all_specs().get(ds_id)
        if spec is not None:  # the pipeline's own validation of every layer
            try:
                check_dataset(spec, candidate)
            except Exception as err:
                raise SourceError(
                    f"refreshed files fail the pipeline's validation, kept the last good copy: "
                    f"{err}",
                    dataset=ds_id,
                ) from err
        for name in set(os.listdir(files / ds_id)) - set(changed):
            (files / ds_id / name).unlink()  # the journal carries only what changes
        (journal / "catalogue.yaml").write_text(
            _updated_catalogue(catalogue_path, ds_id, new_entries), encoding="utf-8"
        )
    except BaseException:
        shutil.rmtree(journal, ignore_errors=True)
        raise
    commit(journal, catalogue_path, raw_dir)
    return changed


def _updated_catalogue(path: Path, ds_id: str, files: dict[str, SourceFile]) -> str:
    """The catalogue's text with the new sha256 and size of `files` of `ds_id`."""
    doc = load_yaml(path)
    for entry in doc["datasets"][ds_id]["files"]:
        if entry["name"] in files:
            entry["sha256"] = files[entry["name"]].sha256
            entry["bytes"] = files[entry["name"]].bytes
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=200)
    return CATALOGUE_HEADER + body


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sources.refresh", description=__doc__.splitlines()[0]
    )
    p.add_argument("dataset")
    p.add_argument(
        "--base-url", help="mirror serving <base>/<dataset>/<file> instead of the publisher URL"
    )
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per read")
    p.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE_S,
        help="seconds for the whole download of the dataset",
    )
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES)
    a = p.parse_args(argv)
    try:
        changed = refresh(
            a.dataset,
            base_url=a.base_url,
            timeout=a.timeout,
            deadline=a.deadline,
            max_bytes=a.max_bytes,
        )
    except SourceError as err:
        print(f"refresh failed: {err}")
        return 1
    print(f"{a.dataset}: {len(changed)} file(s) changed: {', '.join(changed) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
