"""The source catalogue: publisher, licence, vintage and sha256 of every vendored file."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from dividend.safe_yaml import YamlError, load_yaml
from sources.errors import SourceError

SOURCES_DIR = Path(__file__).resolve().parent
CATALOGUE_PATH = SOURCES_DIR / "catalogue.yaml"
RAW_DIR = SOURCES_DIR / "raw"
# No vendored file comes near this (the largest is 1.5 MB); a dataset that needs more says so
# with `max_file_bytes` in the catalogue. Checked on the file's size before it is read.
MAX_FILE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    name: str
    sha256: str
    bytes: int
    role: str  # data | metadata | dictionary | documentation | licence | unused


@dataclass(frozen=True)
class Dataset:
    id: str
    publisher: str
    title: str
    landing_url: str
    download_url: str
    licence: str
    vintage: str
    format: str
    level: str  # country | city
    files: tuple[SourceFile, ...] = field(default_factory=tuple)
    raw_dir: Path = RAW_DIR
    # [first, last] year the publisher's files cover; rows outside are refused. A dataset
    # without it accepts years 1 .. the current year (never the future).
    years: tuple[int, int] | None = None
    max_file_bytes: int = MAX_FILE_BYTES

    def coverage(self) -> tuple[int, int]:
        """The years a row may carry: the catalogue's `years`, else 1 .. this year."""
        if self.years is not None:
            return self.years
        return 1, dt.datetime.now(dt.UTC).year

    @property
    def directory(self) -> Path:
        return self.raw_dir / self.id

    def file(self, name: str) -> SourceFile:
        for f in self.files:
            if f.name == name:
                return f
        raise SourceError("file is not in the source catalogue", dataset=self.id, file=name)

    def path(self, name: str, *, verify: bool = True) -> Path:
        """Path of a vendored file; verifies its sha256 first, so nothing unrecorded is parsed."""
        entry = self.file(name)
        p = self.directory / name
        if verify:
            verify_file(self.id, p, entry, max_bytes=self.max_file_bytes)
        return p

    def data_files(self) -> list[SourceFile]:
        return [f for f in self.files if f.role == "data"]

    def provenance(self) -> dict[str, str]:
        return {
            "publisher": self.publisher,
            "licence": self.licence,
            "vintage": self.vintage,
            "landing_url": self.landing_url,
        }


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_file(
    dataset: str, path: Path, entry: SourceFile, *, max_bytes: int = MAX_FILE_BYTES
) -> None:
    """sha256 against the catalogue; the size is checked first, so an oversized or swapped
    file is refused without reading it."""
    if not path.exists():
        raise SourceError("vendored file is missing", dataset=dataset, file=path.name)
    size = path.stat().st_size
    if max(size, entry.bytes) > max_bytes:
        raise SourceError(
            f"file is {size:,} bytes (catalogue: {entry.bytes:,}), over the size cap of "
            f"{max_bytes:,} bytes (max_file_bytes in sources/catalogue.yaml)",
            dataset=dataset,
            file=path.name,
        )
    if size != entry.bytes:
        detail = "truncated" if size < entry.bytes else "changed or corrupted"
        raise SourceError(
            f"sha256 mismatch ({detail}: {size:,} bytes, catalogue says "
            f"{entry.bytes:,}; refused on size, before hashing)",
            dataset=dataset,
            file=path.name,
        )
    digest = sha256_of(path)
    if digest != entry.sha256:  # same size, other bytes
        raise SourceError(
            f"sha256 mismatch (changed or corrupted, same {size:,} bytes); "
            f"expected {entry.sha256[:12]}…, got {digest[:12]}…",
            dataset=dataset,
            file=path.name,
        )


def load_catalogue(path: Path = CATALOGUE_PATH, raw_dir: Path = RAW_DIR) -> dict[str, Dataset]:
    """The catalogue, after finishing (or discarding) a refresh that a crash interrupted."""
    from sources.refresh_journal import recover

    path, raw_dir = Path(path), Path(raw_dir)
    recover(path, raw_dir)
    try:
        doc = load_yaml(path)
    except YamlError as err:
        raise SourceError(str(err), dataset="catalogue", file=path.name) from None
    out: dict[str, Dataset] = {}
    for ds_id, d in doc["datasets"].items():
        files = tuple(SourceFile(**f) for f in d.pop("files"))
        years = d.pop("years", None)
        if years is not None:
            if len(years) != 2 or not all(isinstance(y, int) for y in years) or years[0] > years[1]:
                raise SourceError(
                    f"years must be [first, last] integers, got {years!r}",
                    dataset=ds_id,
                    file=path.name,
                    column="years",
                )
            years = (years[0], years[1])
        out[ds_id] = Dataset(id=ds_id, files=files, raw_dir=raw_dir, years=years, **d)
    return out


def raw_dir() -> Path:
    """Where vendored files live; `DIVIDEND_RAW_DIR` lets tests run the pipeline on a copy."""
    return Path(os.environ.get("DIVIDEND_RAW_DIR", RAW_DIR))


@cache
def _cached_catalogue(path: Path, raw: Path) -> dict[str, Dataset]:
    return load_catalogue(path, raw)


def catalogue_path() -> Path:
    """The catalogue; `DIVIDEND_CATALOGUE` lets tests run the pipeline on a mutated copy."""
    return Path(os.environ.get("DIVIDEND_CATALOGUE", CATALOGUE_PATH))


def catalogue() -> dict[str, Dataset]:
    return _cached_catalogue(catalogue_path(), raw_dir())


def dataset(ds_id: str) -> Dataset:
    try:
        return catalogue()[ds_id]
    except KeyError:
        raise SourceError(
            "unknown dataset id (not in sources/catalogue.yaml)", dataset=ds_id
        ) from None
