"""The source catalogue: publisher, licence, vintage and sha256 of every vendored file."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from sources.errors import SourceError

SOURCES_DIR = Path(__file__).resolve().parent
CATALOGUE_PATH = SOURCES_DIR / "catalogue.yaml"
RAW_DIR = SOURCES_DIR / "raw"


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
            verify_file(self.id, p, entry)
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


def verify_file(dataset: str, path: Path, entry: SourceFile) -> None:
    if not path.exists():
        raise SourceError("vendored file is missing", dataset=dataset, file=path.name)
    size = path.stat().st_size
    digest = sha256_of(path)
    if digest != entry.sha256:
        detail = "truncated" if size < entry.bytes else "changed or corrupted"
        raise SourceError(
            f"sha256 mismatch ({detail}: {size} bytes, catalogue says {entry.bytes}); "
            f"expected {entry.sha256[:12]}…, got {digest[:12]}…",
            dataset=dataset,
            file=path.name,
        )


def load_catalogue(path: Path = CATALOGUE_PATH, raw_dir: Path = RAW_DIR) -> dict[str, Dataset]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Dataset] = {}
    for ds_id, d in doc["datasets"].items():
        files = tuple(SourceFile(**f) for f in d.pop("files"))
        out[ds_id] = Dataset(id=ds_id, files=files, raw_dir=raw_dir, **d)
    return out


def raw_dir() -> Path:
    """Where vendored files live; `DIVIDEND_RAW_DIR` lets tests run the pipeline on a copy."""
    return Path(os.environ.get("DIVIDEND_RAW_DIR", RAW_DIR))


@cache
def _cached_catalogue(path: Path, raw: Path) -> dict[str, Dataset]:
    return load_catalogue(path, raw)


def catalogue() -> dict[str, Dataset]:
    return _cached_catalogue(CATALOGUE_PATH, raw_dir())


def dataset(ds_id: str) -> Dataset:
    try:
        return catalogue()[ds_id]
    except KeyError:
        raise SourceError(
            "unknown dataset id (not in sources/catalogue.yaml)", dataset=ds_id
        ) from None
