"""Refresh mode: download a dataset again from its publisher and replace the vendored copy.

Safety rules, in order: a timeout on every request, a size cap on every file, a format check
(the dataset's own reader must parse the new files), then an atomic replace (os.replace of a
temporary file) of each file and of the catalogue. Any failure leaves the last good copy and
the catalogue exactly as they were.

    python -m sources.refresh DATASET [--base-url http://127.0.0.1:8000/] [--timeout 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import yaml

from sources.catalogue import CATALOGUE_PATH, Dataset, SourceFile, load_catalogue
from sources.errors import SourceError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
CATALOGUE_HEADER = (
    "# Source catalogue: one entry per publisher dataset, one row per vendored file.\n"
    "# The raw layer refuses to parse a file whose sha256 differs from this record.\n"
    "# Regenerate a hash only after reviewing a refreshed file (python -m sources.refresh).\n"
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


def download(url: str, *, dataset: str, file: str, timeout: float, max_bytes: int) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            declared = resp.headers.get("Content-Length")
            if declared is not None and int(declared) > max_bytes:
                raise SourceError(
                    f"{url} declares {declared} bytes, over the cap of {max_bytes}",
                    dataset=dataset,
                    file=file,
                )
            payload = resp.read(max_bytes + 1)
    except SourceError:
        raise
    except Exception as err:  # network errors, HTTP errors, timeouts
        raise SourceError(f"download from {url} failed: {err}", dataset=dataset, file=file) from err
    if len(payload) > max_bytes:
        raise SourceError(
            f"{url} is larger than the cap of {max_bytes} bytes", dataset=dataset, file=file
        )
    if not payload:
        raise SourceError(f"{url} returned an empty body", dataset=dataset, file=file)
    return payload


def unwrap_zip(payload: bytes, f: SourceFile, dataset: str) -> bytes:
    """Publishers such as the World Bank serve a zip; take the member that is our file."""
    if f.name.endswith(".xlsx") or not payload.startswith(b"PK\x03\x04"):
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


def refresh(
    ds_id: str,
    *,
    base_url: str | None = None,
    catalogue_path: Path = CATALOGUE_PATH,
    raw_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[str]:
    """Refresh one dataset; returns the names of files whose content changed."""
    from sources.datasets import all_specs  # late: readers import this package

    cat = load_catalogue(catalogue_path, raw_dir) if raw_dir else load_catalogue(catalogue_path)
    if ds_id not in cat:
        raise SourceError("unknown dataset id (not in the catalogue)", dataset=ds_id)
    ds = cat[ds_id]
    fetch = [f for f in ds.files if f.role in ("data", "metadata", "dictionary")]
    with tempfile.TemporaryDirectory(prefix=f"refresh-{ds_id}-") as tmp:
        staging = Path(tmp) / ds_id
        shutil.copytree(ds.directory, staging)
        new_files = []
        for f in fetch:
            body = unwrap_zip(
                download(
                    file_url(ds, f, base_url),
                    dataset=ds_id,
                    file=f.name,
                    timeout=timeout,
                    max_bytes=max_bytes,
                ),
                f,
                ds_id,
            )
            (staging / f.name).write_bytes(body)
            new_files.append(
                dataclasses.replace(f, sha256=hashlib.sha256(body).hexdigest(), bytes=len(body))
            )
        untouched = [f for f in ds.files if f not in fetch]
        candidate = dataclasses.replace(ds, files=tuple(new_files + untouched), raw_dir=Path(tmp))
        spec = all_specs().get(ds_id)
        if spec is not None:  # format check: the dataset's own reader and stager must accept it
            try:
                spec.stage(spec.read(candidate))
            except Exception as err:
                raise SourceError(
                    f"refreshed files do not parse, kept the last good copy: {err}", dataset=ds_id
                ) from err
        changed = [
            f.name for f, old in zip(new_files, fetch, strict=True) if f.sha256 != old.sha256
        ]
        for name in changed:
            tmp_target = ds.directory / f".{name}.refresh"
            shutil.copyfile(staging / name, tmp_target)
            os.replace(tmp_target, ds.directory / name)
    if changed:
        _update_catalogue(catalogue_path, ds_id, {f.name: f for f in new_files})
    return changed


def _update_catalogue(path: Path, ds_id: str, files: dict[str, SourceFile]) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in doc["datasets"][ds_id]["files"]:
        if entry["name"] in files:
            entry["sha256"] = files[entry["name"]].sha256
            entry["bytes"] = files[entry["name"]].bytes
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(
        CATALOGUE_HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=200),
        encoding="utf-8",
    )
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sources.refresh", description=__doc__.splitlines()[0]
    )
    p.add_argument("dataset")
    p.add_argument(
        "--base-url", help="mirror serving <base>/<dataset>/<file> instead of the publisher URL"
    )
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S)
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES)
    a = p.parse_args(argv)
    try:
        changed = refresh(a.dataset, base_url=a.base_url, timeout=a.timeout, max_bytes=a.max_bytes)
    except SourceError as err:
        print(f"refresh failed: {err}")
        return 1
    print(f"{a.dataset}: {len(changed)} file(s) changed: {', '.join(changed) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
