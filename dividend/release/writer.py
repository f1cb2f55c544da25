"""Write a downloadable release: ``exports/<release-id>/`` plus ``exports/latest``.

Ministries download these files, so they must be complete, safe to open in Excel and
traceable:

* **Atomic.** Everything is written to a hidden temporary directory next to the target and
  renamed into place only when complete; ``latest`` (a symlink, or a ``LATEST`` pointer file
  where symlinks are impossible) is switched with an atomic rename afterwards. A failure at
  any point leaves no partial release and ``latest`` on the last good one.
* **No formula injection.** Text cells starting with ``= + - @`` (or tab / carriage return)
  get a leading apostrophe in CSV and XLSX; numbers stay numbers.
* **Identified by content.** The release id is ``<date>_<scenario>_<hash>``, the hash
  covering the indicator values used, the framework files and the weight file.
* **Described.** ``datapackage.json`` (Frictionless Data Package: field types, units,
  descriptions, licences, sources) and ``METHODOLOGY.md``.

Extra tables (e.g. the sensitivity analysis's outputs) join through ``extra_tables``: each
becomes ``<name>.csv``, a workbook sheet and a data-package resource.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dividend.release.timestamps import release_created
from dividend.release.xlsx import column_kind, write_xlsx

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
LATEST = "latest"
POINTER = "LATEST"


SiteBuilder = Callable[[Path, str], object]  # (temporary release directory, release id)


class ReleaseError(RuntimeError):
    """The release could not be written; the previous release and ``latest`` are untouched."""


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe.

    Text columns repeat a few values many times, so each distinct value is tested once.
    """
    out = frame.copy(deep=False)
    for c in frame.columns:  # loop over columns; rows are vectorised
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        codes, uniques = pd.factorize(s.astype("string"))  # missing -> code -1
        if len(uniques) == 0:
            continue
        bad_u = pd.Index(uniques, dtype=object).str.startswith(DANGEROUS)
        bad = (codes >= 0) & np.asarray(bad_u, dtype=bool)[codes]
        if bad.any():
            vals = s.to_numpy(dtype=object, copy=True)
            vals[bad] = "'" + np.asarray(uniques, dtype=object)[codes[bad]]
            out[c] = pd.Series(vals, index=frame.index, dtype=object)
    out.columns = ["'" + str(c) if str(c).startswith(DANGEROUS) else str(c) for c in out.columns]
    return out


@dataclass
class ReleaseTables:
    """What a release contains; ``descriptions``/``units`` document fields in the data package."""

    scenario: str
    tables: dict[str, pd.DataFrame]
    methodology: str
    notes: list[tuple[str, str]]
    input_hash: str
    field_docs: dict[str, dict[str, str]] = field(default_factory=dict)
    table_docs: dict[str, str] = field(default_factory=dict)
    sources: list[dict[str, str]] = field(default_factory=list)
    licences: list[dict[str, str]] = field(default_factory=list)


def input_hash(parts: Mapping[str, bytes]) -> str:
    """sha256 over named byte blobs (data, framework files, weight file), order-independent."""
    h = hashlib.sha256()
    for name in sorted(parts):
        h.update(name.encode())
        h.update(hashlib.sha256(parts[name]).digest())
    return h.hexdigest()


def release_id(scenario: str, digest: str, date: dt.date | None = None) -> str:
    date = date or dt.date.today()
    return f"{date.isoformat()}_{scenario}_{digest[:12]}"


FRICTIONLESS_TYPES = {"bool": "boolean", "int": "integer", "float": "number", "text": "string"}


def column_type(s: pd.Series) -> str:
    """The Frictionless Table Schema type of a column (boolean, integer, number, string)."""
    return FRICTIONLESS_TYPES[column_kind(s)]


def datapackage(rel: ReleaseTables, rid: str) -> dict:
    """Frictionless Data Package descriptor for the CSV files of the release."""
    resources = []
    for name, frame in rel.tables.items():
        docs = rel.field_docs.get(name, {})
        fields = []
        for c in frame.columns:
            f = {"name": str(c), "type": column_type(frame[c])}
            if c in docs:
                f["description"] = docs[c]
            fields.append(f)
        resources.append(
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": rel.table_docs.get(name, name),
                "schema": {"fields": fields, "missingValues": [""]},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "migration-dividend-index",
        "id": rid,
        "title": f"Migration-dividend index, scenario {rel.scenario}",
        "description": "Faal's migration dividend (benefits minus costs and inputs of migration) "
        "per country and per city, with every indicator value's source, year and treatment.",
        "version": rid,
        "created": release_created().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": rel.licences,
        "sources": rel.sources,
        "resources": resources,
    }


def _write_csv(safe: pd.DataFrame, path: Path) -> None:
    """``safe``: a table already passed through :func:`neutralise`."""
    safe.to_csv(path, index=False, lineterminator="\n")


def _write_xlsx(rel: ReleaseTables, safe: dict[str, pd.DataFrame], path: Path) -> None:
    """One workbook, a notes sheet first; ``safe`` holds the neutralised tables (see dividend.release.xlsx)."""
    notes = neutralise(pd.DataFrame(rel.notes, columns=["item", "value"]))
    write_xlsx({"notes": notes, **safe}, path)


def _switch_latest(exports: Path, rid: str) -> None:
    """Point ``latest`` at ``rid`` with one atomic rename (symlink, else pointer file)."""
    tmp = exports / f".{LATEST}.{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(rid, tmp, target_is_directory=True)
        os.replace(tmp, exports / LATEST)
    except OSError:
        tmp_file = exports / f".{POINTER}.{os.getpid()}"
        tmp_file.write_text(rid + "\n", encoding="utf-8")
        os.replace(tmp_file, exports / POINTER)


def latest(exports: Path) -> Path | None:
    """The release ``latest`` points to (symlink or pointer file), or None."""
    link = exports / LATEST
    if link.is_symlink() or link.is_dir():
        return link.resolve()
    ptr = exports / POINTER
    if ptr.exists():
        return exports / ptr.read_text(encoding="utf-8").strip()
    return None


def write_release(
    rel: ReleaseTables,
    exports: Path,
    date: dt.date | None = None,
    _after_each_file: Callable[[Path], None] | None = None,
    site_builder: SiteBuilder | None = None,
) -> Path:
    """Write the release atomically and switch ``latest``; returns the release directory.

    ``site_builder(directory, release_id)`` writes the portal into the temporary directory
    before the rename, so the release and its site appear together; the writer itself knows
    nothing about the portal.

    ``_after_each_file`` is called after every file written into the temporary directory
    (used by tests to fail mid-write, the way a full disk or a crash would).
    """
    exports = Path(exports)
    exports.mkdir(parents=True, exist_ok=True)
    rid = release_id(rel.scenario, rel.input_hash, date)
    target = exports / rid
    tmp = Path(tempfile.mkdtemp(prefix=f".{rid}.", dir=exports))
    try:
        written = []

        def done(p: Path) -> None:
            written.append(p)
            if _after_each_file is not None:
                _after_each_file(p)

        safe = {name: neutralise(frame) for name, frame in rel.tables.items()}  # once for both
        for name, frame in safe.items():
            _write_csv(frame, tmp / f"{name}.csv")
            done(tmp / f"{name}.csv")
        _write_xlsx(rel, safe, tmp / "migration_dividend.xlsx")
        done(tmp / "migration_dividend.xlsx")
        (tmp / "METHODOLOGY.md").write_text(rel.methodology, encoding="utf-8")
        done(tmp / "METHODOLOGY.md")
        pkg = datapackage(rel, rid)
        (tmp / "datapackage.json").write_text(
            json.dumps(pkg, indent=2, default=str), encoding="utf-8"
        )
        done(tmp / "datapackage.json")
        if site_builder is not None:
            site_builder(tmp, rid)
            done(tmp / "site")
        os.chmod(tmp, 0o755)
        if target.exists():  # same inputs, same day: replace the old copy as a whole
            old = exports / f".{rid}.old.{os.getpid()}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, Exception):
            raise ReleaseError(f"release {rid} not written ({exc}); latest unchanged") from exc
        raise
    _switch_latest(exports, rid)
    return target


def frame_bytes(frame: pd.DataFrame) -> bytes:
    """Canonical bytes of a table for the input hash (sorted rows, fixed float format)."""
    f = frame.sort_values(list(frame.columns[:4])).reset_index(drop=True)
    return f.to_csv(index=False, float_format="%.12g").encode()


__all__ = [
    "ReleaseError",
    "ReleaseTables",
    "datapackage",
    "frame_bytes",
    "input_hash",
    "latest",
    "neutralise",
    "np",
    "release_id",
    "write_release",
]
