"""What an index release holds: its tables, notes, documentation and provenance.

Everything here comes from objects the caller already has (frameworks, the scenario, the
index tables read from the warehouse, the source catalogue): nothing is re-read or re-scored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Protocol

import duckdb
import pandas as pd

from dividend.index.assemble import IndexTables, IndicatorTables
from dividend.index.definition import PILLARS, FrameworkConfig, Scenario
from dividend.index.unit_tables import NO_CITY_DATA
from dividend.index.validation import external_validation, validation_markdown
from dividend.index.verdict import assign_verdicts, headline, headline_rows
from dividend.release.field_checks import failures
from dividend.release.fields import TABLE_DOCS, field_docs, field_units
from dividend.release.methodology import (
    files_text,
    methodology,
    override_text,
    sensitivity_text,
)
from dividend.release.timestamps import release_created
from dividend.release.writer import ReleaseError, ReleaseTables, frame_bytes, input_hash

# The detail tables a ministry does not read in a spreadsheet, and which made the workbook
# 5.2 MB (the data-quality log alone 2.1 MB compressed, 137,187 rows): CSV only. The workbook
# keeps the headline and panel tables, the weights, the contributions (how each dividend was
# computed) and the small summaries (coherence, Sobol indices per input, leave-one-out).
CSV_ONLY = frozenset(
    {
        "data_quality",  # every staging rule decision
        "indicators_long",  # every value with its source, year, file and treatment
        "sensitivity_runs",  # one row per Monte Carlo run
        "sensitivity_units",  # per-unit intervals (the index tables carry P(net loss))
        "sensitivity_unit_indices",  # per-unit Sobol indices
        "sensitivity_changes",  # per-unit 5-year change intervals (the index tables carry
        # change_5y and p_improved)
        "contributions",  # unit x indicator x year: every portal profile has its own slice
    }
)


class CatalogueEntry(Protocol):
    """What a release needs to know about a source dataset (``sources.catalogue.Dataset``)."""

    publisher: str
    title: str
    landing_url: str
    licence: str


class ProvenanceError(ValueError):
    """A framework names a dataset the catalogue handed in does not know."""


def catalogue_docs(
    frameworks: Mapping[str, FrameworkConfig], catalogue: Mapping[str, CatalogueEntry]
) -> tuple[list[dict], list[dict]]:
    """Sources and licences of the datasets the frameworks use, from the source catalogue."""
    ids = sorted({s for fw in frameworks.values() for i in fw.indicators for s in i.sources})
    sources, licences = [], []
    for i in ids:
        if i not in catalogue:
            raise ProvenanceError(f"dataset {i!r} is used by a framework but not in the catalogue")
        ds = catalogue[i]
        sources.append({"title": f"{ds.publisher}: {ds.title} ({i})", "path": ds.landing_url})
        licences.append({"name": i, "title": f"{i}: {ds.licence}"})
    return sources, licences


def weights_digest(weights: pd.DataFrame) -> str:
    """sha256 of the resolved weights one index run used (``index.weights`` rows of one
    scenario, scenario column excluded): what the sensitivity records it was computed under."""
    cols = [c for c in ("framework", "level", "code", "parent", "weight") if c in weights.columns]
    return hashlib.sha256(frame_bytes(weights[cols])).hexdigest()


def require_same_weights(sensitivity: Mapping | None, weights: pd.DataFrame) -> None:
    """Sensitivity results computed under other weights never enter a release."""
    if sensitivity is None:
        return
    want = weights_digest(weights)
    got = sensitivity.get("weights_sha256")
    if got != want:
        raise ReleaseError(
            f"the sensitivity tables were computed under other weights (weights sha256 "
            f"{str(got)[:12]}…, the index used {want[:12]}…): re-run the sensitivity for this "
            "scenario, or build without it"
        )


def require_valid_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    """Every table against the registry's rules (dividend.release.field_checks) before any
    file is written; the error names the table, the rule and the first failing rows."""
    for name, frame in tables.items():
        bad = failures(name, frame)
        if len(bad):
            first = bad.head(5).to_dict(orient="records")
            raise ReleaseError(f"{name}: {len(bad)} failed check(s), first {first}")


def in_year_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows stably sorted by ``reference_year`` (tables without one as they are).

    Why: a one-year partition run re-writes only that year's warehouse rows, and DuckDB
    appends them, so the stored order depends on the history of runs. Within a year the rows
    are always written together and in the same order, so a stable sort by year is the same
    whatever the history: a release (and its id, which hashes the tables) must not change
    because one year was re-materialised."""
    if frame is None or "reference_year" not in frame.columns:
        return frame
    return frame.sort_values("reference_year", kind="stable").reset_index(drop=True)


def release_tables(
    frameworks: Mapping[str, FrameworkConfig],
    scenario: Scenario,
    ind: IndicatorTables,
    idx: IndexTables,
    data_quality: pd.DataFrame,
    catalogue: Mapping[str, CatalogueEntry],
    extra_tables: dict[str, pd.DataFrame] | None = None,
    overrides: Mapping[str, float] | None = None,
    sensitivity: Mapping | None = None,
) -> ReleaseTables:
    """Everything a release holds. The hash covers everything that determines the content:
    data, framework files, the scenario file and its overrides, the weights used, the
    sensitivity configuration and every table (sensitivity tables included).

    ``sensitivity``: the configuration the sensitivity tables in ``extra_tables`` were
    computed with, including ``weights_sha256`` (:func:`weights_digest`); it must match the
    index's weights. None: the release has no intervals.
    """
    overrides = dict(overrides or {})
    require_same_weights(sensitivity, idx.weights)
    idx = replace(idx, **{f.name: in_year_order(getattr(idx, f.name)) for f in fields(idx)})
    extra = {n: in_year_order(t) for n, t in (extra_tables or {}).items()}
    extra_tables = extra
    if sensitivity is None and any(n.startswith("sensitivity_") for n in extra):
        raise ReleaseError("sensitivity tables without the configuration they were computed with")
    digest = input_hash(
        {
            "indicators_long": frame_bytes(ind.long),
            **{f"framework:{n}": fw.path.read_bytes() for n, fw in frameworks.items()},
            "weights": scenario.path.read_bytes()
            if scenario.path.exists()
            else repr(scenario).encode(),
            "weight_overrides": json.dumps(overrides, sort_keys=True).encode(),
            "weights_used": frame_bytes(idx.weights),
            "sensitivity_config": json.dumps(sensitivity, sort_keys=True, default=str).encode(),
            **{f"table:{n}": frame_bytes(t) for n, t in extra.items() if len(t.columns)},
        }
    )
    sens_units = (extra_tables or {}).get("sensitivity_units")
    changes = (extra_tables or {}).get("sensitivity_changes")
    country, city = (
        with_changes(with_verdicts(t, sens_units), changes) for t in (idx.country, idx.city)
    )
    city = with_country_verdict(city, headline_rows(country))
    validation = external_validation(
        dict(frameworks),
        pd.concat([idx.country, idx.city], ignore_index=True),
        ind.long,
        scenario.name,
    )
    tables = {
        "country_index": headline(headline_rows(country)),
        "city_index": headline(headline_rows(city)),
        "country_index_panel": headline(country),
        "city_index_panel": headline(city),
        "external_validation": validation,
        "indicators_long": ind.long,
        "weights": idx.weights,
        "data_quality": data_quality,
        "coherence": idx.coherence,
        **({"contributions": idx.contributions} if idx.contributions is not None else {}),
        **extra,
    }
    require_valid_tables(tables)
    sources, licences = catalogue_docs(frameworks, catalogue)
    notes = [
        ("scenario", scenario.name),
        ("description", scenario.description),
        ("weight overrides", override_text(overrides)),
        ("uncertainty", sensitivity_text(sensitivity)),
        ("weights file sha256", scenario.sha256),
        ("inputs hash", digest),
        ("built", release_created().isoformat(timespec="seconds")),
        (
            "sign",
            "dividend > 0: net migration gain; < 0: net migration loss (costs outweigh benefits)",
        ),
        (
            "cities",
            "ranked within their peer group only; city frameworks differ between peer groups",
        ),
        (
            "study cities",
            f"without open city-level data they show national values and '{NO_CITY_DATA}'",
        ),
        ("pillars", ", ".join(PILLARS)),
        *[(f"framework {n}", f"{fw.path.name} sha256 {fw.sha256}") for n, fw in frameworks.items()],
    ]
    return ReleaseTables(
        scenario=scenario.name,
        tables=tables,
        methodology=methodology(frameworks, scenario, digest, overrides, sensitivity)
        + "\n"
        + validation_markdown(validation)
        + "\n"
        + files_text(list(tables), CSV_ONLY, TABLE_DOCS),
        notes=notes,
        input_hash=digest,
        field_docs=field_docs(tables),
        table_docs=dict(TABLE_DOCS),
        sources=sources,
        licences=licences,
        overrides=overrides,
        sensitivity=dict(sensitivity) if sensitivity is not None else None,
        field_units=field_units(tables),
        csv_only=CSV_ONLY & set(tables),
    )


def with_changes(table: pd.DataFrame, changes: pd.DataFrame | None) -> pd.DataFrame:
    """The 5-year change of the dividend and P(improved) from the same Monte Carlo runs
    (``sensitivity.changes``), for units with a verdict in both years."""
    out = table.copy()
    cols = ["change_5y", "p_improved"]
    if changes is None or changes.empty or "reference_year" not in out.columns:
        for c in cols:
            out[c] = float("nan")
        return out
    ch = changes.rename(columns={"uCode": "geo", "nominal_change": "change_5y"})[
        ["framework", "geo", "reference_year", *cols]
    ]
    ch = ch.drop_duplicates(["framework", "geo", "reference_year"])
    m = out[["framework", "geo", "reference_year"]].merge(
        ch, on=["framework", "geo", "reference_year"], how="left"
    )
    ok = (out["verdict"] != "insufficient data").to_numpy()
    for c in cols:
        out[c] = pd.to_numeric(m[c], errors="coerce").to_numpy()
        out.loc[~ok, c] = float("nan")
    return out


def with_country_verdict(city: pd.DataFrame, country: pd.DataFrame) -> pd.DataFrame:
    """City rows get their country's headline verdict; the country's dividend and rank are
    blanked where that verdict is insufficient data, as in country_index."""
    v = country.set_index("geo")["verdict"]
    out = city.copy()
    out["country_verdict"] = out["country_iso3"].map(v)
    bad = (out["country_verdict"] == "insufficient data").to_numpy()
    for c in ("country_dividend", "country_rank"):
        if c in out.columns:
            out[c] = out[c].astype("Float64" if c != "country_rank" else "Int64").mask(bad)
    return out


def with_verdicts(table: pd.DataFrame, sens_units: pd.DataFrame | None) -> pd.DataFrame:
    """The index table with ``p_net_loss`` (from ``sensitivity.units``, matched on framework,
    unit and, where both carry it, reference year) and the verdict of dividend.index.verdict."""
    key = ["framework", "geo"]
    if sens_units is None or sens_units.empty or "p_net_loss" not in sens_units.columns:
        p = pd.Series(float("nan"), index=table.index)
        return assign_verdicts(table, p)
    su = sens_units.rename(columns={"uCode": "geo"})
    if "reference_year" in su.columns and su["reference_year"].isna().all():
        su = su.drop(columns="reference_year")  # a one-year run: it is the frame's latest year
        if "reference_year" in table.columns:
            latest = table.groupby("framework")["reference_year"].transform("max")
            table = table.copy()
            p = table[key].merge(su[[*key, "p_net_loss"]].drop_duplicates(key), on=key, how="left")
            p = p["p_net_loss"].where((table["reference_year"] == latest).to_numpy())
            return assign_verdicts(table, pd.Series(p.to_numpy(), index=table.index))
    if "reference_year" in su.columns and "reference_year" in table.columns:
        key.append("reference_year")
    elif "reference_year" in su.columns:  # one reference year per run: the latest
        su = su[su["reference_year"].isna() | (su["reference_year"] == su["reference_year"].max())]
    p = table[key].merge(su[[*key, "p_net_loss"]].drop_duplicates(key), on=key, how="left")
    return assign_verdicts(table, pd.Series(p["p_net_loss"].to_numpy(), index=table.index))


def read_data_quality(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM quality.data_quality").df()


SENSITIVITY_SETTINGS = "settings"  # sensitivity.settings: how each scenario's run was made


def sensitivity_settings(con: duckdb.DuckDBPyConnection, scenario: str) -> dict | None:
    """The configuration ``sensitivity.*`` rows of ``scenario`` were computed with (settings
    and the weights sha256), or None when there are none."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'sensitivity' AND table_name = ?",
        [SENSITIVITY_SETTINGS],
    ).fetchone()[0]
    if not has:
        return None
    rows = con.execute(
        f"SELECT settings FROM sensitivity.{SENSITIVITY_SETTINGS} WHERE scenario = ?", [scenario]
    ).fetchall()
    return json.loads(rows[0][0]) if len(rows) == 1 else None


def sensitivity_tables(con: duckdb.DuckDBPyConnection, scenario: str) -> dict[str, pd.DataFrame]:
    """Every result table in schema ``sensitivity`` joins the release.

    Tables with a ``scenario`` column are filtered to this scenario; each becomes
    ``sensitivity_<table>.csv``. Absent schema: nothing (the release is still complete).
    ``sensitivity.settings`` is not a result: it goes into ``datapackage.json`` and
    METHODOLOGY.md (see :func:`sensitivity_settings`).
    """
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'sensitivity' ORDER BY 1"
        ).fetchall()
    ]
    out = {}
    for t in names:
        if t == SENSITIVITY_SETTINGS:
            continue
        df = con.execute(f'SELECT * FROM sensitivity."{t}"').df()
        if "scenario" in df.columns:
            df = df[df["scenario"] == scenario]
            if df.empty:  # not computed for this scenario: the release has no such table
                continue
        out[f"sensitivity_{t}"] = df.reset_index(drop=True)
    return out
