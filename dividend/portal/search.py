"""Every unit of the release as one small script (``static/units.js``), for the search box
and the comparison page.

A script rather than a JSON file fetched at run time, because ``fetch`` of a local file is
refused when the site is opened from disk; a ``<script src>`` works there and on a server.
An insufficient-data unit carries no dividend, rank or probability: only its reason.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from dividend.index.definition import PILLARS
from dividend.portal.page_parts import PEER_GROUP_LABELS, PILLAR_LABELS, column_of, unit_href
from dividend.portal.release_data import Release
from dividend.portal.verdicts import NODATA


def _num(s: pd.Series, keep: pd.Series, digits: int = 1) -> list[float | None]:
    """Values rounded to the digits the browser shows: rounding twice (first here, then by
    toFixed in compare.js) can turn -8.8503 into -8.8 while every other page says -8.9."""
    v = pd.to_numeric(s, errors="coerce").round(digits).where(keep)
    return [None if x != x else float(x) for x in v.to_numpy(dtype=float)]


def search_units(rel: Release) -> list[dict]:
    """One record per unit with a page: name, kind, link, codes, verdict and headline values."""
    u = pd.concat([rel.country, rel.city], ignore_index=True)
    u = u.sort_values(["name", "framework"], kind="stable").reset_index(drop=True)
    is_city = u["framework"].astype(str) != "country"
    show = u["verdict"].astype(str) != NODATA
    group = u["peer_group"].astype(str).map(PEER_GROUP_LABELS).fillna("")
    cols = {
        "n": u["name"].astype(str).tolist(),
        "k": np.where(is_city, "city", "country").tolist(),
        "h": unit_href(u).tolist(),
        "c": u["geo"].astype(str).tolist(),
        "i": u["country_iso3"].fillna("").astype(str).tolist(),
        "key": (u["framework"].astype(str) + "|" + u["geo"].astype(str)).tolist(),
        "g": np.where(is_city, group, "countries").tolist(),
        "v": u["verdict"].astype(str).tolist(),
        "why": u["verdict_reason"].fillna("").astype(str).tolist(),
        "d": _num(u["dividend"], show),
        "lo": _num(column_of(u, "score_lo"), show),
        "hi": _num(column_of(u, "score_hi"), show),
        "r": _num(u["rank"], show, 0),
        "nr": _num(u["n_ranked"], show, 0),
        "p": _num(column_of(u, "p_loss"), show, 2),  # shown as a whole percentage
        "cov": _num(u["coverage"], pd.Series(True, index=u.index), 2),
    }
    pillars = {p: _num(column_of(u, f"{p}_dividend"), show) for p in PILLARS}
    records = [dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]
    for j, rec in enumerate(records):  # attach the pillars that have a value
        rec["pil"] = {PILLAR_LABELS[p]: pillars[p][j] for p in PILLARS if pillars[p][j] is not None}
    return records


def search_index_js(rel: Release) -> str:
    """``window.DIVIDEND_UNITS = [{n, k, h, c, i, key, g, v, why, d, lo, hi, r, nr, p, cov, pil}]``"""
    return (
        "/* Every country and city of this release (search box, comparison). Generated. */\n"
        "window.DIVIDEND_UNITS = "
        + json.dumps(search_units(rel), ensure_ascii=False, separators=(",", ":"))
        + ";\n"
    )
