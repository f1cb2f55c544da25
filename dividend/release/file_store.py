"""Release files written once: ``.<exports>-files/`` next to the exports, hard-linked into releases.

Why: every release built from the same warehouse carries the same 40 MB data-quality log
(137 k rows) and the same indicator values, whatever the weights. Neutralising, formatting
and gzipping them again cost about half a second of every re-release after a weight change
(issue 12 gives the headline year 5 s, release included). A release now hard-links such a
file from the store instead of writing it.

The store is a sibling of the exports directory (``exports/`` -> ``.exports-files/``), not
inside it: anything that lists a release directory's neighbours sees releases, links and
the writer's lock only. Two kinds of entries, both content-addressed:

* ``<fingerprint>.<sha256>.csv``: a table's CSV. The fingerprint hashes the frame before it
  is written (values, column names, dtypes and :data:`FORMAT`, the writer's version), so a
  table is recognised without formatting it; the sha256 is the file's, checked before reuse
  so a damaged or edited entry is never linked (it is removed and the table written anew).
* ``<sha256>.<gzip sha256>.gz``: a gzipped site download, keyed by the uncompressed file's
  sha256 (the one ``datapackage.json`` states) and checked against its own sha256.

Trap: entries are hard links, so a release file and its store entry are one file. Releases
are written once and never edited; anything that edits a release file in place edits the
store entry too (the sha256 check then refuses it). Where the file system refuses hard links
nothing is stored and every file is written as before. :func:`prune` removes entries no
release links any more; :func:`clean_store` what a killed writer left. Callers hold the
exports write lock.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

TMP_PREFIX = ".tmp-"  # an entry being entered (a killed writer may leave one)
MIN_CELLS = 250_000  # smaller tables are written: hashing them would save nothing
_ENTRY = re.compile(r"^[0-9a-f]{64}\.[0-9a-f]{64}\.(?:csv|gz)$")


def store_dir(exports: Path) -> Path:
    """``.<name>-files`` next to the exports directory ``<name>`` (same file system, so
    hard links work)."""
    exports = Path(exports)
    return exports.parent / f".{exports.name}-files"


def file_sha256(path: Path) -> str:
    """A file's sha256 (hex), read in blocks: the one helper for release files."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def fingerprint(frame: pd.DataFrame, writer: str) -> str | None:
    """sha256 over what determines a table's CSV bytes: its values, column names and dtypes,
    and ``writer``, a digest of the code that formats it (the caller's); None when the frame
    cannot be hashed (it is then simply written). ``hash_pandas_object`` hashes floats by
    value with -0.0 = 0.0, which print differently, so float sign bits are hashed as well."""
    h = hashlib.sha256(writer.encode())
    h.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    try:
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    except (TypeError, ValueError):
        return None
    h.update(rows.tobytes())
    for c in frame.columns:
        if pd.api.types.is_float_dtype(frame[c].dtype):
            h.update(np.signbit(frame[c].to_numpy(dtype="float64", na_value=np.nan)).tobytes())
    return h.hexdigest()


def _enter(path: Path, entry: Path) -> None:
    """Hard-link a complete ``path`` into the store as ``entry``, atomically; nothing where
    the file system refuses hard links."""
    tmp = entry.with_name(f"{TMP_PREFIX}{os.getpid()}-{entry.name}")
    try:
        entry.parent.mkdir(exist_ok=True)
        tmp.unlink(missing_ok=True)
        os.link(path, tmp)
        os.replace(tmp, entry)
    except OSError:
        tmp.unlink(missing_ok=True)


def _link(entry: Path, dst: Path) -> bool:
    try:
        os.link(entry, dst)
    except OSError:
        return False
    return True


def reuse_table(exports: Path, fp: str, dst: Path) -> str | None:
    """Link the stored CSV of fingerprint ``fp`` to ``dst`` and return its sha256 (just
    checked, so the caller need not hash it again); None (nothing linked) when there is none
    or it no longer matches its sha256."""
    for entry in store_dir(exports).glob(f"{fp}.*.csv"):
        want = entry.name.split(".")[1]
        if file_sha256(entry) != want:  # damaged or edited: never reuse it
            entry.unlink(missing_ok=True)
            continue
        return want if _link(entry, dst) else None
    return None


def keep_table(exports: Path, fp: str, path: Path, sha256: str) -> None:
    """Store the CSV just written at ``path`` (its content's sha256 ``sha256``)."""
    _enter(path, store_dir(exports) / f"{fp}.{sha256}.csv")


def reuse_gzip(store: Path, sha256: str, dst: Path) -> bool:
    """Link the stored gzip of the file with content ``sha256`` to ``dst`` after checking
    the gzip's own sha256 (in its name); False when there is none (a bad one is removed)."""
    for entry in store.glob(f"{sha256}.*.gz"):
        if file_sha256(entry) != entry.name.split(".")[1]:
            entry.unlink(missing_ok=True)
            continue
        return _link(entry, dst)
    return False


def keep_gzip(store: Path, sha256: str, path: Path) -> None:
    """Store the gzip just written at ``path`` of the file with content ``sha256``."""
    _enter(path, store / f"{sha256}.{file_sha256(path)}.gz")


def prune(exports: Path) -> list[str]:
    """Remove entries no release links any more (link count 1: only the store holds them)
    and half-entered ones."""
    store = store_dir(exports)
    if not store.is_dir():
        return []
    gone = []
    for entry in store.iterdir():
        if entry.is_symlink() or entry.is_dir():
            continue
        if _ENTRY.match(entry.name) and entry.stat().st_nlink > 1:
            continue
        entry.unlink(missing_ok=True)
        gone.append(entry.name)
    return gone
