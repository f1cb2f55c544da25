"""UNHCR Refugee Data Finder tables as shipped in UNHCR's `refugees` R package (`.rda`).

Each file is one R data frame (a tibble; bzip2-compressed .rda, not xz as the README says),
read with `pyreadr` (no R needed; pyreadr is AGPL-3.0, a dependency, not vendored): one row per
year x country of origin (`coo_iso`) x country of asylum (`coa_iso`), and for asylum decisions
also per procedure type (G government, U UNHCR, J joint), decision level (FI first instance,
AR appeal, ...) and unit (`dec_pc`: P persons, C cases). UNHCR's own 3-letter codes (`coo`,
`coa`; AUS = Austria) are ignored in favour of the ISO columns.

Raw layout (tidy long): `geo` = asylum country code as published. Population and solutions
stay bilateral: `indicator` = `<table>.<measure>:<origin code>`, e.g. `pop.refugees:SYR`
(the `<code>:<ISO3>` counterpart convention of the bilateral sources: LinkedIn pairs and
the KNOMAD matrices use it too); `source_row` is the 1-based data-frame row. Asylum decisions are summed over
origins per asylum country, year, procedure, level and unit (`dec.recognized.G.FI.P`):
bilateral they would be 325k rows, a third of the sources benchmark; summed they are 19.5k.
Their `source_row` is the first summed row and `flag` says how many rows were summed.

Only non-zero cells are emitted: UNHCR's API lists a pair only when some population exists,
so a zero cell is "none of this kind", and an absent cell means the same. NA cells (`oip`
before it was collected; solutions columns not reported) are missing and not emitted either.
Sums over origins are therefore exact; a (country, year) without any row for a measure means
UNHCR reported none.

Origin/asylum codes that are not countries are kept and named here, never dropped: `UNK`
(unknown), `XXA` (stateless, ISO 3166 user-assigned) and `TIB` (Tibetan, UNHCR's own code);
any other code that is not ISO3 fails. Counts must be finite, whole and non-negative, and
years inside the table's coverage; the first offending cell fails with its file, row and
column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyreadr

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.geography.countries import iso3_codes
from sources.readers._common import fail_first_row, raw_table, read_data_files

FIRST_DATA_ROW = 1  # data-frame rows are counted from 1, there is no header line
ID_COLUMNS = ["year", "coo_name", "coo", "coo_iso", "coa_name", "coa", "coa_iso"]
NOT_COUNTRIES = {  # UNHCR codes in coo_iso / coa_iso that are not countries
    "UNK": "unknown country (not reported to UNHCR)",
    "XXA": "stateless (ISO 3166 user-assigned code)",
    "TIB": "Tibetan (UNHCR's own code, not a country)",
}
DECISION_UNITS = {"P": "persons", "C": "cases"}
SUMMED = "sum of {n} rows over origins"


@dataclass(frozen=True)
class Table:
    obj: str  # R object name inside the .rda
    prefix: str  # indicator prefix
    measures: tuple[str, ...]
    first_year: int  # publisher's coverage (README, measured)
    last_year: int
    detail: tuple[str, ...] = ()  # extra key columns folded into the indicator code


TABLES = {
    "population.rda": Table(
        "population",
        "pop",
        (
            "refugees",
            "asylum_seekers",
            "returned_refugees",
            "idps",
            "returned_idps",
            "stateless",
            "ooc",
            "oip",
            "hst",
        ),
        1951,
        2025,
    ),
    "solutions.rda": Table(
        "solutions",
        "sol",
        ("returned_refugees", "resettlement", "naturalisation", "returned_idps"),
        1959,
        2025,
    ),
    "asylum_decisions.rda": Table(
        "asylum_decisions",
        "dec",
        ("dec_recognized", "dec_other", "dec_rejected", "dec_closed", "dec_total"),
        2000,
        2025,
        ("procedure_type", "dec_level", "dec_pc"),
    ),
}


def _load(ds: Dataset, name: str, table: Table) -> pd.DataFrame:
    path = ds.path(name)
    try:
        objects = pyreadr.read_r(str(path))
    except Exception as exc:  # librdata: truncated, re-encoded or not an R data file at all
        raise SourceError(f"not a readable R data file: {exc}", dataset=ds.id, file=name) from None
    if list(objects) != [table.obj]:
        raise SourceError(
            f"expected one R object {table.obj!r}, found {list(objects)}", dataset=ds.id, file=name
        )
    frame = objects[table.obj]
    expected = [*ID_COLUMNS, *table.detail, *table.measures]
    if list(frame.columns) != expected:
        raise SourceError(
            f"unexpected columns {list(frame.columns)}; expected {expected}",
            dataset=ds.id,
            file=name,
        )
    if frame.empty:
        raise SourceError("the data frame has no rows", dataset=ds.id, file=name)
    return frame


def _check(ds: Dataset, name: str, frame: pd.DataFrame, table: Table) -> None:
    """Keys present, years in coverage, counts finite whole non-negative; else first bad cell."""
    for col in [*ID_COLUMNS, *table.detail]:
        cells = frame[col]
        blank = cells.isna() | cells.eq("")
        fail_first_row(ds, name, blank, "empty key cell", column=col, first_row=FIRST_DATA_ROW)
    valid = iso3_codes() | set(NOT_COUNTRIES)
    for col in ("coo_iso", "coa_iso"):
        fail_first_row(
            ds,
            name,
            ~frame[col].isin(list(valid)),
            f"code {{cell}} is neither ISO3 nor one of UNHCR's non-country codes {sorted(NOT_COUNTRIES)}",
            column=col,
            cells=frame[col],
            first_row=FIRST_DATA_ROW,
        )
    year = pd.to_numeric(frame["year"], errors="coerce")
    fail_first_row(
        ds,
        name,
        ~year.between(table.first_year, table.last_year) | (year % 1 != 0),
        f"year {{cell}} outside the table's coverage {table.first_year}-{table.last_year}",
        column="year",
        cells=frame["year"],
        first_row=FIRST_DATA_ROW,
    )
    if "dec_pc" in frame:
        fail_first_row(
            ds,
            name,
            ~frame["dec_pc"].isin(list(DECISION_UNITS)),
            f"dec_pc {{cell}} is neither of {list(DECISION_UNITS)}",
            column="dec_pc",
            cells=frame["dec_pc"],
            first_row=FIRST_DATA_ROW,
        )
    for col in table.measures:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            raise SourceError(
                f"measure is not numeric ({frame[col].dtype})", dataset=ds.id, file=name, column=col
            )
        v = frame[col].to_numpy(dtype="float64")
        finite = np.isfinite(v)
        whole = np.equal(np.mod(v, 1, where=finite, out=np.zeros_like(v)), 0)
        bad = ~np.isnan(v) & ~(finite & (v >= 0) & whole)
        fail_first_row(
            ds,
            name,
            bad,
            "count {cell} is not a finite, whole, non-negative number",
            column=col,
            cells=v,
            first_row=FIRST_DATA_ROW,
        )


def _summed_over_origins(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Asylum decisions per asylum country, year, procedure, level and unit (origins summed)."""
    keys = ["coa_iso", "year", *table.detail]
    work = frame.assign(_row=np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame)))
    grouped = work.groupby(keys, sort=False, dropna=False)
    out = grouped[list(table.measures)].sum(min_count=1)
    out["coa_name"] = grouped["coa_name"].first()
    out["_row"] = grouped["_row"].min()
    out["_n"] = grouped.size()
    return out.reset_index()


def read_file(ds: Dataset, name: str) -> pd.DataFrame:
    """One .rda table -> raw tidy rows, one per non-zero, non-missing count."""
    table = TABLES[name]
    frame = _load(ds, name, table)
    _check(ds, name, frame, table)
    if table.detail:
        frame = _summed_over_origins(frame, table)
        rows = frame["_row"].to_numpy(dtype="int64")
        flags = np.array([SUMMED.format(n=n) for n in frame["_n"]], dtype=object)
    else:
        rows = np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame), dtype="int64")
        flags = np.full(len(frame), None, dtype=object)
    values = frame[list(table.measures)].to_numpy(dtype="float64")  # (rows, measures)
    keep = ~np.isnan(values) & (values != 0)
    ri, mj = np.nonzero(keep)  # row-major: one row's measures together
    measures = np.array([m.removeprefix("dec_") for m in table.measures], dtype=object)
    code = table.prefix + "." + measures[mj]
    unit = np.full(len(ri), "persons", dtype=object)
    if table.detail:
        detail = frame[table.detail[0]].astype("str")
        for col in table.detail[1:]:
            detail = detail + "." + frame[col].astype("str")
        code = code + "." + detail.to_numpy(dtype=object)[ri]
        unit = frame["dec_pc"].map(DECISION_UNITS).to_numpy(dtype=object)[ri]
    else:
        code = code + ":" + frame["coo_iso"].astype("str").to_numpy(dtype=object)[ri]
    asylum = frame["coa_iso"].astype("str").to_numpy(dtype=object)
    return raw_table(
        ds,
        name,
        indicator=code,
        geo=asylum[ri],
        geo_label=frame["coa_name"].astype("str").to_numpy(dtype=object)[ri],
        geo_level=np.where(pd.Series(asylum[ri]).isin(list(NOT_COUNTRIES)), "aggregate", "country"),
        year=frame["year"].to_numpy(dtype="float64").astype("int64")[ri],
        value=values[ri, mj],
        unit=unit,
        flag=pd.Series(flags[ri], dtype="str"),
        source_row=rows[ri],
    )


def read(ds: Dataset) -> pd.DataFrame:
    return read_data_files(ds, read_file)
