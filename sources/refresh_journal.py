"""The commit protocol of `sources.refresh`: files and catalogue change together or not at all.

A journal directory next to the catalogue holds the changed files (`files/<dataset>/<name>`)
and the complete new `catalogue.yaml`. It is written as `.refresh-<dataset>.tmp`; renaming it
to `.refresh-<dataset>.commit` (one atomic rename) commits the refresh. Applying a committed
journal replaces each file, then the catalogue, each with its own atomic `os.replace`, and
then removes the journal. Applying is idempotent, so `recover` can finish a commit that a
crash interrupted at any point; an uncommitted `.tmp` journal is simply discarded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

JOURNAL_FILES = "files"
_TMP, _COMMIT = ".tmp", ".commit"


def _journals(catalogue_path: Path, suffix: str) -> list[Path]:
    return sorted(catalogue_path.parent.glob(f".refresh-*{suffix}"))


def begin(catalogue_path: Path, ds_id: str) -> Path:
    """A fresh, empty, uncommitted journal for `ds_id`."""
    journal = catalogue_path.parent / f".refresh-{ds_id}{_TMP}"
    shutil.rmtree(journal, ignore_errors=True)
    (journal / JOURNAL_FILES).mkdir(parents=True)
    return journal


def _replace_file(src: Path, dst: Path) -> None:
    """`dst` becomes a copy of `src` in one atomic rename, with `dst`'s old mode."""
    tmp = dst.with_name(f".{dst.name}.refresh")
    shutil.copyfile(src, tmp)
    if dst.exists():
        tmp.chmod(dst.stat().st_mode & 0o777)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dst)


def _replace_files(journal: Path, raw_dir: Path) -> None:
    for ds_dir in sorted((journal / JOURNAL_FILES).iterdir()):
        for src in sorted(ds_dir.iterdir()):
            _replace_file(src, raw_dir / ds_dir.name / src.name)


def _replace_catalogue(journal: Path, catalogue_path: Path) -> None:
    _replace_file(journal / "catalogue.yaml", catalogue_path)


def _apply(journal: Path, catalogue_path: Path, raw_dir: Path) -> None:
    _replace_files(journal, raw_dir)
    _replace_catalogue(journal, catalogue_path)
    shutil.rmtree(journal)


def commit(journal: Path, catalogue_path: Path, raw_dir: Path) -> None:
    """Commit (one rename) and apply a complete journal written under `begin`."""
    committed = journal.with_name(journal.name[: -len(_TMP)] + _COMMIT)
    shutil.rmtree(committed, ignore_errors=True)  # only after a completed apply crashed late
    os.replace(journal, committed)
    _apply(committed, catalogue_path, raw_dir)


def recover(catalogue_path: Path, raw_dir: Path) -> list[str]:
    """Finish every committed journal, discard every uncommitted one; returns what was done."""
    done = []
    for journal in _journals(catalogue_path, _TMP):
        shutil.rmtree(journal, ignore_errors=True)
        done.append(f"discarded {journal.name}")
    for journal in _journals(catalogue_path, _COMMIT):
        _apply(journal, catalogue_path, raw_dir)
        done.append(f"completed {journal.name}")
    return done
