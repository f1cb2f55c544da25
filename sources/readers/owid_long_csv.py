"""Our World in Data long CSV (owid-datasets): Entity, Year, then one column per variable.

Each value column becomes one indicator (its publisher column name is the indicator code).
Columns must match the resources schema in the sibling `datapackage.json`, which also gives
units ("owidDisplaySettings.unit") where the column name does not. Empty cells are absent
observations of that variable (the wide layout shares rows between variables) and are not
emitted. Entities are OWID names; listed aggregates (World, regions) get geo_level aggregate.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.geography.countries import is_aggregate_name
from sources.readers._common import (
    fail_first_cell,
    raw_table,
    read_data_files,
    read_text_table,
    require_final_newline,
    require_rows,
)

KEY_COLUMNS = ["Entity", "Year"]
_PAREN_UNIT = re.compile(r"\((%[^()]*)\)")


def _datapackage_units(ds: Dataset) -> tuple[list[str], dict[str, str]]:
    """Field names and units from datapackage.json (the format's own schema)."""
    pkg = json.loads(ds.path("datapackage.json").read_text(encoding="utf-8"))
    try:
        fields = pkg["resources"][0]["schema"]["fields"]
    except (KeyError, IndexError) as exc:
        raise SourceError(
            "datapackage.json has no resources[0].schema.fields",
            dataset=ds.id,
            file="datapackage.json",
        ) from exc
    units: dict[str, str] = {}
    for f in fields:
        settings = json.loads(f.get("owidDisplaySettings") or "{}")
        found = _PAREN_UNIT.search(f["name"])
        if settings.get("unit"):
            units[f["name"]] = settings["unit"]
        elif found:
            units[f["name"]] = found.group(1)
    return [f["name"] for f in fields], units


def read_file(ds: Dataset, name: str, units: dict[str, str] | None = None) -> pd.DataFrame:
    """One OWID CSV -> raw tidy; `units` fills units the datapackage leaves out."""
    fields, pkg_units = _datapackage_units(ds)
    pkg_units.update(units or {})
    require_final_newline(ds, name, ds.path(name))
    wide = read_text_table(ds, name, index_col=False)
    cols = list(wide.columns)
    if cols[:2] != KEY_COLUMNS or cols != fields:
        raise SourceError(
            f"header {cols} does not match datapackage.json fields {fields}",
            dataset=ds.id,
            file=name,
            row=1,
        )
    require_rows(ds, name, wide)
    variables = cols[2:]
    no_unit = [v for v in variables if v not in pkg_units]
    if no_unit:
        raise SourceError(
            f"no unit known for {no_unit}", dataset=ds.id, file=name, column=no_unit[0]
        )
    year = pd.to_numeric(wide["Year"], errors="coerce")
    cells = wide[variables]
    values = cells.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & cells.ne("")
    bad.insert(0, "Year", year.isna() | (year % 1 != 0))
    bad.insert(0, "Entity", wide["Entity"].eq(""))
    fail_first_cell(ds, name, bad, "unparsable or empty cell {cell}", cells=wide[bad.columns])
    long = values.assign(_i=np.arange(len(wide))).melt(
        id_vars="_i", var_name="indicator", value_name="value"
    )
    long = long[long["value"].notna()]
    ix = long["_i"].to_numpy()
    entity = wide["Entity"].to_numpy()[ix]
    return raw_table(
        ds,
        name,
        indicator=long["indicator"].to_numpy(),
        geo=entity,
        geo_label=entity,
        geo_level=np.where(is_aggregate_name(pd.Series(entity)), "aggregate", "country"),
        year=year.astype("int64").to_numpy()[ix],
        value=long["value"].astype("float64").to_numpy(),
        unit=long["indicator"].map(pkg_units).to_numpy(),
        flag=pd.Series(pd.NA, index=range(len(long)), dtype="str"),
        source_row=ix + 2,
    )


def read(ds: Dataset, units: dict[str, str] | None = None) -> pd.DataFrame:
    return read_data_files(ds, read_file, units)
