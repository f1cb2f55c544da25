"""Write a downloadable release: ``exports/<release-id>/`` plus ``exports/latest``.

Ministries download these files, so they must be complete, safe to open in Excel and
traceable:

* **Atomic.** Everything is written to a hidden temporary directory next to the target and
  renamed into place only when complete, under a directory name no earlier build used; the
  links (symlinks, or pointer files where symlinks are impossible) are switched with one
  atomic rename each afterwards. A failure at any point leaves no partial release and every
  link on the last good one. ``latest`` is the newest release of the default scenario,
  ``latest-<scenario>`` the newest of each scenario; a release with Launchpad overrides moves
  neither. One writer at a time (``exports/.write.lock``), which first removes what a killed
  writer left.
* **No formula injection.** Text cells starting with ``= + - @`` (or tab / carriage return)
  get a leading apostrophe in CSV and XLSX; numbers stay numbers.
* **Identified by content.** The release id is ``<date>_<scenario>[-override]_<hash>``, the
  hash covering the indicator values used, the framework files, the weight file with any
  overrides, the sensitivity configuration and every table of the release.
* **Described.** ``datapackage.json`` (Frictionless Data Package: field types, units,
  descriptions, licences, sources) and ``METHODOLOGY.md``.
* **Written once.** A big table identical to one an earlier release wrote (the data-quality
  log, the indicator values: the same whatever the weights) is hard-linked from the file
  store next to the exports (``.exports-files/``) after a sha256 check instead of formatted again
  (dividend.release.file_store).

Extra tables (e.g. the sensitivity analysis's outputs) join through ``extra_tables``: each
becomes ``<name>.csv``, a workbook sheet and a data-package resource. Tables named in
``ReleaseTables.csv_only`` (the long detail tables) are CSV and data-package resource only:
the workbook is the headline workbook a ministry opens, and its notes sheet lists them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import inspect
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dividend.release import csv_text, file_store
from dividend.release.csv_text import csv_chunks, write_csv
from dividend.release.timestamps import release_created
from dividend.release.xlsx import column_kind, write_xlsx

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
LATEST = "latest"
WORKBOOK = "migration_dividend.xlsx"
POINTER = "LATEST"
DEFAULT_SCENARIO = "faal_five_pillars"  # the scenario `latest` follows
WRITE_LOCK = ".write.lock"
# `.<release-id>.old.<pid>`: a release an older writer moved aside during a same-day rebuild
_MOVED_ASIDE = re.compile(r"^\.(?P<rid>.+)\.old\.\d+$")


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
    # Launchpad weight overrides on top of the scenario file ({} = the file as it is)
    overrides: dict[str, float] = field(default_factory=dict)
    # the sensitivity configuration the intervals were computed with; None = no intervals
    sensitivity: dict | None = None
    field_units: dict[str, dict[str, str]] = field(default_factory=dict)
    # tables left out of the workbook (CSV and data-package resource only): the detail tables
    # that would make it too big to open (data-quality log, every value, Monte Carlo runs)
    csv_only: frozenset[str] = frozenset()

    def sheets(self) -> list[str]:
        """The tables that are workbook sheets, in release order (after the notes sheet)."""
        return [n for n in self.tables if n not in self.csv_only]


CSV_ONLY_WHERE = (
    "too large for a spreadsheet, so published as CSV only: in the same folder as this "
    "workbook (the release folder) and on the portal's Downloads page (site/downloads/, "
    "gzipped as .csv.gz); datapackage.json describes every column"
)


def workbook_notes(rel: ReleaseTables) -> list[tuple[str, str]]:
    """The notes sheet: the release's notes, then which tables are not in the workbook and
    where they are, one row per table with what it holds."""
    left_out = [n for n in rel.tables if n in rel.csv_only]
    if not left_out:
        return list(rel.notes)
    return [
        *rel.notes,
        ("workbook sheets", ", ".join(rel.sheets())),
        ("CSV-only tables", f"{', '.join(f'{n}.csv' for n in left_out)}: {CSV_ONLY_WHERE}"),
        *[(f"{n}.csv (CSV only)", rel.table_docs.get(n, n)) for n in left_out],
    ]


def input_hash(parts: Mapping[str, bytes]) -> str:
    """sha256 over named byte blobs (data, framework files, weight file), order-independent."""
    h = hashlib.sha256()
    for name in sorted(parts):
        h.update(name.encode())
        h.update(hashlib.sha256(parts[name]).digest())
    return h.hexdigest()


def release_id(rel: ReleaseTables, date: dt.date | None = None) -> str:
    """``<date>_<scenario>[-override]_<hash>``: overrides show in the name itself."""
    date = date or dt.date.today()
    marker = "-override" if rel.overrides else ""
    return f"{date.isoformat()}_{rel.scenario}{marker}_{rel.input_hash[:12]}"


FRICTIONLESS_TYPES = {"bool": "boolean", "int": "integer", "float": "number", "text": "string"}


def column_type(s: pd.Series) -> str:
    """The Frictionless Table Schema type of a column (boolean, integer, number, string)."""
    return FRICTIONLESS_TYPES[column_kind(s)]


def file_identity(path: Path, sha256: str | None = None) -> dict[str, int | str]:
    """A written file's size and sha256, as a Frictionless resource states them (``bytes``,
    ``hash``): ``frictionless validate`` checks both, and the portal's downloads page shows
    the same sha256. ``sha256``: already known (a store entry just checked), not re-read."""
    digest = sha256 or file_store.file_sha256(path)
    return {"bytes": path.stat().st_size, "hash": f"sha256:{digest}"}


def datapackage(
    rel: ReleaseTables, rid: str, identities: Mapping[str, Mapping[str, int | str]] | None = None
) -> dict:
    """Frictionless Data Package descriptor for the CSV files of the release;
    ``identities``: each table's :func:`file_identity` (the CSVs as written)."""
    identities = identities or {}
    resources = []
    for name, frame in rel.tables.items():
        docs = rel.field_docs.get(name, {})
        units = rel.field_units.get(name, {})
        fields = []
        for c in frame.columns:
            f = {"name": str(c), "type": column_type(frame[c])}
            if c in docs:
                f["description"] = docs[c]
            if c in units:
                f["unit"] = units[c]
            fields.append(f)
        resources.append(
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                **identities.get(name, {}),
                "description": rel.table_docs.get(name, name),
                "schema": {"fields": fields, "missingValues": [""]},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "migration-dividend-index",
        "id": rid,
        "title": f"Migration-dividend index, scenario {rel.scenario}"
        + (" with weight overrides" if rel.overrides else ""),
        "scenario": rel.scenario,
        "weight_overrides": dict(rel.overrides),
        "sensitivity": rel.sensitivity
        if rel.sensitivity is not None
        else "none: this release has no uncertainty intervals",
        "description": "Faal's migration dividend (benefits minus costs and inputs of migration) "
        "per country and per city, with every indicator value's source, year and treatment.",
        "version": rid,
        "created": release_created().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": rel.licences,
        "sources": rel.sources,
        "resources": resources,
    }


def _write_csv(safe: pd.DataFrame, path: Path) -> None:
    """``safe``: a table already passed through :func:`neutralise`; the bytes of
    ``to_csv(index=False, lineterminator="\\n")`` (see dividend.release.csv_text)."""
    write_csv(safe, path)


@functools.cache
def _csv_writer_digest() -> str:
    """What a table's CSV bytes depend on besides the table: the code of :func:`neutralise`
    and of ``csv_text``, and the pandas version (part of every stored file's key, so a
    changed writer never reuses a file an older one wrote)."""
    code = inspect.getsource(neutralise) + inspect.getsource(csv_text)
    return hashlib.sha256(f"{code}\npandas {pd.__version__}".encode()).hexdigest()


def _write_table(exports: Path, frame: pd.DataFrame, path: Path) -> dict[str, int | str]:
    """``frame`` neutralised as CSV at ``path``, or a hard link to the same CSV an earlier
    release wrote (dividend.release.file_store); returns the file's identity."""
    big = frame.size >= file_store.MIN_CELLS
    fp = file_store.fingerprint(frame, _csv_writer_digest()) if big else None
    reused = file_store.reuse_table(exports, fp, path) if fp is not None else None
    if reused is not None:
        return file_identity(path, reused)
    _write_csv(neutralise(frame), path)
    identity = file_identity(path)
    if fp is not None:
        file_store.keep_table(exports, fp, path, str(identity["hash"]).removeprefix("sha256:"))
    return identity


def _write_xlsx(rel: ReleaseTables, safe: dict[str, pd.DataFrame], path: Path) -> None:
    """One workbook, a notes sheet first, then every table not ``csv_only``; ``safe`` holds
    the neutralised tables (see dividend.release.xlsx)."""
    notes = neutralise(pd.DataFrame(workbook_notes(rel), columns=["item", "value"]))
    write_xlsx({"notes": notes, **{n: safe[n] for n in rel.sheets()}}, path)


def _switch_link(exports: Path, link: str, target: str) -> None:
    """Point ``exports/<link>`` at ``target`` with one atomic rename (symlink, else a pointer
    file ``<LINK>`` in capitals)."""
    tmp = exports / f".{link}.{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target, tmp, target_is_directory=True)
        os.replace(tmp, exports / link)
    except OSError:
        tmp_file = exports / f".{link.upper()}.{os.getpid()}"
        tmp_file.write_text(target + "\n", encoding="utf-8")
        os.replace(tmp_file, exports / link.upper())


def latest(exports: Path, link: str = LATEST) -> Path | None:
    """The release ``link`` (``latest`` or ``latest-<scenario>``) points to, or None."""
    path = exports / link
    if path.is_symlink() or path.is_dir():
        return path.resolve()
    ptr = exports / link.upper()
    if ptr.exists():
        return exports / ptr.read_text(encoding="utf-8").strip()
    return None


def release_links(rel: ReleaseTables, default_scenario: str = DEFAULT_SCENARIO) -> list[str]:
    """The links a release moves: ``latest-<scenario>``, and ``latest`` for the default
    scenario. A release with Launchpad overrides moves none: it is never "the" scenario."""
    if rel.overrides:
        return []
    links = [f"{LATEST}-{rel.scenario}"]
    return [LATEST, *links] if rel.scenario == default_scenario else links


@contextmanager
def write_lock(exports: Path) -> Iterator[None]:
    """Exclusive ``exports/.write.lock``: one release writer at a time (``make run``'s release
    asset or ``dividend build``); the second prints why it waits, then waits."""
    exports.mkdir(parents=True, exist_ok=True)
    with (exports / WRITE_LOCK).open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"another release is being written to {exports} (make run or dividend build); "
                "waiting for it to finish …",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clean_stale(exports: Path) -> list[str]:
    """Remove what a killed writer left (call under :func:`write_lock`): hidden temp entries,
    after restoring a release an older writer had moved aside (``.<id>.old.<pid>``), and the
    file store's half-entered and unused entries.

    Only hidden entries (except ``*.lock``) are removed; releases and links never are.
    """
    if not exports.is_dir():
        return []
    done = []
    for entry in sorted(exports.iterdir()):
        moved = _MOVED_ASIDE.match(entry.name)
        if moved and entry.is_dir() and not (exports / moved["rid"]).exists():
            os.replace(entry, exports / moved["rid"])
            done.append(f"restored {moved['rid']}")
    for entry in sorted(exports.iterdir()):
        if entry.name.startswith(".") and not entry.name.endswith(".lock"):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            done.append(f"removed {entry.name}")
    done += [f"removed {n}" for n in file_store.prune(exports)]
    return done


def _build_name(exports: Path, rid: str) -> str:
    """A directory name no earlier build used: ``<id>``, else ``<id>-r2``, ``<id>-r3`` …"""
    if not (exports / rid).exists():
        return rid
    n = 2
    while (exports / f"{rid}-r{n}").exists():
        n += 1
    return f"{rid}-r{n}"


def _linked(exports: Path) -> set[str]:
    """Directory names some ``latest*`` link or pointer file points at."""
    out = set()
    for entry in exports.iterdir():
        if entry.name.lower().startswith(LATEST) and not entry.name.startswith("."):
            target = latest(exports, entry.name.lower())
            if target is not None:
                out.add(target.name)
    return out


def _drop_superseded(exports: Path, rid: str, keep: str) -> None:
    """Earlier builds of the same release id that no link points at any more."""
    linked = _linked(exports)
    for entry in exports.iterdir():
        same = entry.name == rid or re.fullmatch(re.escape(rid) + r"-r\d+", entry.name)
        if same and entry.name != keep and entry.name not in linked and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)


def write_release(
    rel: ReleaseTables,
    exports: Path,
    date: dt.date | None = None,
    _after_each_file: Callable[[Path], None] | None = None,
    site_builder: SiteBuilder | None = None,
    default_scenario: str = DEFAULT_SCENARIO,
) -> Path:
    """Write the release atomically and switch its links; returns the release directory.

    Every build gets a directory name of its own (:func:`_build_name`), so a same-day rebuild
    never moves the previous copy aside: the links switch with one atomic rename each and
    never point at nothing. The writer holds ``exports/.write.lock`` throughout and first
    removes what a killed writer left behind.

    ``site_builder(directory, release_id)`` writes the portal into the temporary directory
    before the rename, so the release and its site appear together; the writer itself knows
    nothing about the portal.

    ``_after_each_file`` is called after every file written into the temporary directory
    (used by tests to fail mid-write, the way a full disk or a crash would).
    """
    exports = Path(exports)
    rid = release_id(rel, date)
    with write_lock(exports):
        clean_stale(exports)
        tmp = Path(tempfile.mkdtemp(prefix=f".{rid}.", dir=exports))
        try:
            written = []

            def done(p: Path) -> None:
                written.append(p)
                if _after_each_file is not None:
                    _after_each_file(p)

            identities = {}
            for name, frame in rel.tables.items():
                identities[name] = _write_table(exports, frame, tmp / f"{name}.csv")
                done(tmp / f"{name}.csv")
            _write_xlsx(rel, {n: neutralise(rel.tables[n]) for n in rel.sheets()}, tmp / WORKBOOK)
            done(tmp / WORKBOOK)
            (tmp / "METHODOLOGY.md").write_text(rel.methodology, encoding="utf-8")
            done(tmp / "METHODOLOGY.md")
            pkg = datapackage(rel, rid, identities)
            (tmp / "datapackage.json").write_text(
                json.dumps(pkg, indent=2, default=str), encoding="utf-8"
            )
            done(tmp / "datapackage.json")
            if site_builder is not None:
                site_builder(tmp, rid)
                done(tmp / "site")
            os.chmod(tmp, 0o755)
            name = _build_name(exports, rid)
            os.replace(tmp, exports / name)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, Exception):
                raise ReleaseError(f"release {rid} not written ({exc}); latest unchanged") from exc
            raise
        for link in release_links(rel, default_scenario):
            _switch_link(exports, link, name)
        _drop_superseded(exports, rid, name)
        file_store.prune(exports)
    return exports / name


def frame_bytes(frame: pd.DataFrame) -> bytes:
    """Canonical bytes of a table for the input hash (sorted rows, fixed float format)."""
    f = frame.sort_values(list(frame.columns[:4])).reset_index(drop=True)
    return "".join(csv_chunks(f, float_format="%.12g")).encode()  # = f.to_csv(...) on Linux


__all__ = [
    "DEFAULT_SCENARIO",
    "WORKBOOK",
    "ReleaseError",
    "ReleaseTables",
    "clean_stale",
    "datapackage",
    "file_identity",
    "frame_bytes",
    "input_hash",
    "latest",
    "neutralise",
    "np",
    "release_id",
    "release_links",
    "workbook_notes",
    "write_lock",
    "write_release",
]
