"""StatCan's census-chart JSON with a matrix encoding (census_birthplace_<k>.json).

`values[category]` is a flat list of counts; `matrix[b][g]` is the position in it of place of
birth `indexes[0].data[b]` (type `pob`) living in residence `indexes[1].data[g]` (type `sgc`).
The whole file decodes with one fancy index: `V[:, matrix]` -> (category, birth, residence).
`source_row` is the 1-based position in `values[category]`, so a count is traceable to the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.catalogue import Dataset
from sources.errors import SourceError
from sources.readers._common import raw_table, read_json

BIRTH_TOTAL = "TOTAL"


def _load(ds: Dataset, name: str) -> dict:
    doc = read_json(ds, name)
    for key in ("values", "indexes", "matrix"):
        if key not in doc:
            raise SourceError(f"JSON has no {key!r}", dataset=ds.id, file=name, column=key)
    return doc


def decode(
    ds: Dataset, name: str
) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    """(categories, births, residences, counts[c, b, g], positions[b, g]) of one file."""
    doc = _load(ds, name)
    types = [ix.get("type") for ix in doc["indexes"]]
    if types != ["pob", "sgc"]:
        raise SourceError(
            f"indexes are {types}, expected ['pob', 'sgc']",
            dataset=ds.id,
            file=name,
            column="indexes",
        )
    births, residences = (list(map(str, ix["data"])) for ix in doc["indexes"])
    categories = list(doc["values"])
    lengths = {c: len(v) for c, v in doc["values"].items()}
    if len(set(lengths.values())) != 1:
        raise SourceError(
            f"values lists differ in length {lengths}", dataset=ds.id, file=name, column="values"
        )
    try:
        values = np.array([doc["values"][c] for c in categories], dtype=np.int64)
        matrix = np.array(doc["matrix"], dtype=np.int64)
    except (TypeError, ValueError) as exc:
        raise SourceError(
            f"values/matrix are not integer arrays: {exc}", dataset=ds.id, file=name
        ) from None
    if matrix.shape != (len(births), len(residences)):
        raise SourceError(
            f"matrix is {matrix.shape}, expected ({len(births)}, {len(residences)})",
            dataset=ds.id,
            file=name,
            column="matrix",
        )
    if matrix.min() < 0 or matrix.max() >= values.shape[1]:
        raise SourceError(
            "matrix points outside the values lists", dataset=ds.id, file=name, column="matrix"
        )
    if (values < 0).any():
        c, i = np.argwhere(values < 0)[0]
        raise SourceError(
            "negative count",
            dataset=ds.id,
            file=name,
            row=int(i) + 1,
            column=f"values.{categories[c]}",
        )
    return categories, births, residences, values[:, matrix], matrix


def read_statcan_matrix_json(
    ds: Dataset,
    name: str,
    *,
    period: str,
    year: int,
    geo_labels: dict[str, str],
    geo_levels: dict[str, str],
    birth_detail_categories: tuple[str, ...] = ("total",),
) -> pd.DataFrame:
    """Raw tidy rows of one file: every category for all births (`<category>:<period>`), and
    by place of birth (`<category>:<period>:<birth>`) for `birth_detail_categories`."""
    categories, births, residences, counts, positions = decode(ds, name)
    unknown = sorted(set(residences) - set(geo_labels))
    if unknown:
        raise SourceError(
            f"residence codes without a name {unknown}",
            dataset=ds.id,
            file=name,
            column="indexes[1]",
        )
    if BIRTH_TOTAL not in births:
        raise SourceError(
            f"no {BIRTH_TOTAL!r} place of birth", dataset=ds.id, file=name, column="indexes[0]"
        )
    c_idx, b_idx, g_idx = np.meshgrid(
        np.arange(len(categories)),
        np.arange(len(births)),
        np.arange(len(residences)),
        indexing="ij",
    )
    cat_arr, birth_arr, res_arr = np.array(categories), np.array(births), np.array(residences)
    is_total = birth_arr[b_idx] == BIRTH_TOTAL
    keep = is_total | np.isin(cat_arr[c_idx], list(birth_detail_categories))
    c_k, b_k, g_k = c_idx[keep], b_idx[keep], g_idx[keep]
    suffix = np.where(birth_arr[b_k] == BIRTH_TOTAL, "", ":" + birth_arr[b_k])
    indicator = pd.Series(cat_arr[c_k]).str.cat(
        [pd.Series(np.full(len(c_k), ":" + period)), pd.Series(suffix)]
    )
    geo = res_arr[g_k]
    return raw_table(
        ds,
        name,
        indicator=indicator,
        geo=geo,
        geo_label=pd.Series(geo).map(geo_labels),
        geo_level=pd.Series(geo).map(geo_levels),
        year=year,
        value=counts[c_k, b_k, g_k].astype("float64"),
        unit="persons",
        flag=None,
        source_row=positions[b_k, g_k] + 1,
    )
