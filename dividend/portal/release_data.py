"""Read a release directory into the tables the portal shows.

The portal is built *from the release files only* (plus the source catalogue and the
framework files that ship with the code), so every number on a page is the number in the
CSV a reader downloads. Missing files or columns stop the build with an error that names
the file and column, never a page with holes.

Sensitivity results are optional: the release may or may not carry them. They are
found by their columns (a per-unit table with ``uCode``/``geo`` and ``rank_q05``/``rank_q95``,
a per-input table with ``Si``/``STi``), not by a file name, so renaming the export does not
silently drop the uncertainty from the charts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from dividend.index.formulas import LONG_COLUMNS
from dividend.index.unit_tables import CITY_EXTRA, UNIT_COLUMNS
from dividend.release.file_store import file_sha256


class SourceEntry(Protocol):
    """What a page shows of a source dataset (``sources.catalogue.Dataset`` has it)."""

    title: str
    level: str

    def provenance(self) -> dict[str, str]: ...


# A release's three core tables carry the index's stable columns: all of them must be there.
REQUIRED = {
    "country_index.csv": tuple(UNIT_COLUMNS),
    "city_index.csv": (*UNIT_COLUMNS, *CITY_EXTRA),
    "indicators_long.csv": tuple(LONG_COLUMNS),
}
SENS_UNIT_COLUMNS = ("rank_q05", "rank_q95", "median_rank")
SENS_INPUT_COLUMNS = ("input", "Si", "STi")
DOC_NAMES = ("METHODOLOGY.md", "DATA_GAPS.md")
SITE_DIR = "site"
DOWNLOADS = "downloads"  # inside site/: publishing site/ alone keeps every download
LICENCE = "LICENCE.txt"
DATA_DIR = "data"  # inside site/: one CSV per profile (how its number was computed)


class PortalError(ValueError):
    """The release cannot be shown: names the release file and column at fault."""


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, keep_default_na=True, na_values=[""], low_memory=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PortalError(f"{path.name}: cannot read: {exc}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise PortalError(f"{path.name}: missing column(s) {missing}")
    return df


def _bool(s: pd.Series) -> pd.Series:
    """CSV booleans (True/False/1/0/blank) as a nullable boolean column."""
    txt = s.astype("string").str.strip().str.lower()
    out = txt.map({"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False})
    return out.astype("boolean")


@dataclass
class Release:
    """The tables of one release, as the portal uses them."""

    root: Path
    country: pd.DataFrame
    city: pd.DataFrame
    long: pd.DataFrame
    files: pd.DataFrame
    weights: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    sobol: pd.DataFrame | None = None
    docs: dict[str, str] = field(default_factory=dict)
    datapackage: dict | None = None
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    overrides: str = ""
    contributions: pd.DataFrame | None = None
    panel: pd.DataFrame | None = None  # index v2: every unit by reference_year
    changes: pd.DataFrame | None = None  # index v2: 5-year changes with p_improved

    @property
    def release_id(self) -> str:
        return self.root.name

    @property
    def scenario(self) -> str:
        return str(self.country["scenario"].iloc[0]) if len(self.country) else ""


def sources_table(sources: dict[str, SourceEntry]) -> pd.DataFrame:
    """One row per catalogue dataset (index: id): its provenance, title and level."""
    rows = {k: {**d.provenance(), "title": d.title, "level": d.level} for k, d in sources.items()}
    cols = ["publisher", "licence", "vintage", "landing_url", "title", "level"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("id")


def used_sources(rel: Release) -> set[str]:
    """Catalogue ids of the datasets the release's indicator values come from."""
    ids = rel.long["sources"].fillna("").astype(str).str.split(",").explode().str.strip()
    return set(ids) - {""}


def release_files(root: Path) -> pd.DataFrame:
    """Every file of the release outside ``site/``: relative path, bytes and sha256."""
    paths = sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and SITE_DIR not in p.relative_to(root).parts[:1]
        and not p.name.startswith(".")
    )
    return pd.DataFrame(
        {
            "path": [p.relative_to(root).as_posix() for p in paths],
            "bytes": [p.stat().st_size for p in paths],
            "sha256": [file_sha256(p) for p in paths],
        }
    )


def _find_by_columns(
    root: Path, columns: tuple[str, ...], without: tuple[str, ...] = ()
) -> pd.DataFrame | None:
    """The first release CSV whose header has all ``columns`` and none of ``without``."""
    for p in sorted(root.rglob("*.csv")):
        if SITE_DIR in p.relative_to(root).parts[:1]:
            continue
        head = pd.read_csv(p, nrows=0).columns
        if all(c in head for c in columns) and not any(c in head for c in without):
            return pd.read_csv(p, low_memory=False)
    return None


def _sensitivity(root: Path) -> pd.DataFrame | None:
    """Per-unit sensitivity results keyed by (framework, geo), if the release has them."""
    df = _find_by_columns(root, SENS_UNIT_COLUMNS)
    if df is None:
        return None
    key = "geo" if "geo" in df.columns else "uCode" if "uCode" in df.columns else None
    if key is None:
        raise PortalError("sensitivity table: no unit column ('geo' or 'uCode')")
    df = df.rename(columns={key: "geo"})
    if "p_net_loss" not in df.columns:
        df["p_net_loss"] = float("nan")
    for c in ("score_q05", "score_q95", "nominal_rank"):
        if c not in df.columns:
            df[c] = float("nan")
    return df


def release_overrides(datapackage: dict | None) -> str:
    """Weight overrides of the release's scenario, as ``code=value, ...`` ("" if none).

    Read from ``datapackage.json``'s ``weight_overrides`` (a mapping), where the release
    writer records them; a release without that key has no overrides.
    """
    ov = (datapackage or {}).get("weight_overrides")
    if not ov:
        return ""
    if isinstance(ov, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(ov.items()))
    return str(ov)


PANEL_FILES = ("country_index_panel.csv", "city_index_panel.csv")
PANEL_COLUMNS = ("framework", "geo", "reference_year", "dividend")
CHANGE_COLUMNS = ("p_improved", "nominal_change")


def _panel(root: Path) -> pd.DataFrame | None:
    """The index panel (unit x reference_year) of a v2 release, or None."""
    parts = [_read_csv(root / f, PANEL_COLUMNS) for f in PANEL_FILES if (root / f).is_file()]
    return pd.concat(parts, ignore_index=True) if parts else None


def _changes(root: Path) -> pd.DataFrame | None:
    """The paired 5-year changes (sensitivity), keyed by (framework, geo, year), or None."""
    df = _find_by_columns(root, CHANGE_COLUMNS)
    if df is None:
        return None
    df = df.rename(columns={"uCode": "geo"})
    if "geo" not in df.columns or "framework" not in df.columns:
        raise PortalError("sensitivity changes: no 'framework' and 'geo'/'uCode' columns")
    return df


def load_release(root: str | Path, sources: Mapping[str, SourceEntry]) -> Release:
    """Read and check a release directory (``exports/<release-id>/``); ``sources``: the catalogue."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise PortalError(f"release directory {root} does not exist")
    tables = {}
    for name, cols in REQUIRED.items():
        path = root / name
        if not path.is_file():
            raise PortalError(f"{name}: missing from release {root.name}")
        tables[name] = _read_csv(path, cols)
    country, city, long = (tables[n] for n in REQUIRED)
    for df in (country, city):
        df["net_migration_loss"] = _bool(df["net_migration_loss"])
    if "country_net_migration_loss" in city:
        city["country_net_migration_loss"] = _bool(city["country_net_migration_loss"])
    long["imputed"] = _bool(long["imputed"]).fillna(False).astype(bool)
    if country["scenario"].nunique() > 1:
        raise PortalError(
            f"country_index.csv: one scenario per release expected, found "
            f"{sorted(country['scenario'].unique())}"
        )
    weights = pd.read_csv(root / "weights.csv") if (root / "weights.csv").is_file() else None
    docs = {n: (root / n).read_text(encoding="utf-8") for n in DOC_NAMES if (root / n).is_file()}
    dp = root / "datapackage.json"
    datapackage = json.loads(dp.read_text(encoding="utf-8")) if dp.is_file() else None
    return Release(
        root=root,
        country=country,
        city=city,
        long=long,
        files=release_files(root),
        weights=weights,
        sensitivity=_sensitivity(root),
        sobol=_find_by_columns(root, SENS_INPUT_COLUMNS, without=("uCode", "geo")),
        docs=docs,
        datapackage=datapackage,
        sources=dict(sources),
        overrides=release_overrides(datapackage),
        contributions=(
            _read_csv(root / "contributions.csv", ("framework", "geo", "level", "code"))
            if (root / "contributions.csv").is_file()
            else None
        ),
        panel=_panel(root),
        changes=_changes(root),
    )


def with_sensitivity(units: pd.DataFrame, sens: pd.DataFrame | None) -> pd.DataFrame:
    """``units`` with columns score_lo/score_hi/rank_lo/rank_hi/rank_median/p_loss (NaN if absent)."""
    if "p_loss" in units.columns:  # already merged
        return units
    out = units.copy()
    cols = {
        "score_q05": "score_lo",
        "score_q95": "score_hi",
        "rank_q05": "rank_lo",
        "rank_q95": "rank_hi",
        "median_rank": "rank_median",
        "p_net_loss": "p_loss",
    }
    if sens is None:
        for c in cols.values():
            out[c] = float("nan")
        return out
    s = sens
    on = ["geo"]
    if "framework" in s.columns and "framework" in out.columns:
        on = ["framework", "geo"]
    if "reference_year" in s.columns and "reference_year" in out.columns:
        on = [*on, "reference_year"]  # index v2: the row's own reference year
    if "scenario" in s.columns and "scenario" in out.columns:
        s = s[s["scenario"].isin(out["scenario"].unique())]
    s = s[[*on, *cols]].rename(columns=cols).drop_duplicates(on)
    return out.merge(s, on=on, how="left")
