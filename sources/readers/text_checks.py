"""Checks shared by the text (CSV) readers that pandas cannot make for us."""

from __future__ import annotations

from pathlib import Path

from sources.catalogue import Dataset
from sources.errors import SourceError


def require_final_newline(ds: Dataset, name: str, path: Path) -> None:
    """Publisher CSVs end with a line break; a file cut at a row boundary still parses
    ("Finland;69" from "Finland;69\\r\\n…"), so a missing final newline is the only sign of it."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(size - 1, 0))
        last = fh.read(1)
    if last not in (b"\n", b"\r"):
        lines = path.read_bytes().count(b"\n") + 1
        raise SourceError(
            "file ends mid-line without a final line break (truncated)",
            dataset=ds.id,
            file=name,
            row=lines,
        )
