"""What the "your own weights" page recomputes from: the published indicator scores, the
tree and every scenario's weights, as ``static/weights-data.js``.

The scores are the release's own (``contributions.csv``, indicator rows): nothing is scored
here. The browser (``static/weights-engine.js``) then applies the aggregation rule of
:mod:`dividend.engine.scoring`: per pillar, weights renormalised over the observed scored
indicators, benefit minus cost; above, weighted means over the children that have a value.
Floats are written with ``repr`` precision, so the browser starts from the same doubles.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from dividend.index.definition import DIMENSIONS, IndexDefinition, dim_code, dimension_of
from dividend.portal.page_parts import FRAMEWORK_LABELS, PILLAR_LABELS, unit_href
from dividend.portal.release_data import Release

DIMENSION_WORDS = {"actuality": "Actuality (measured)", "perception": "Perception (opinion)"}


def _finite(a: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(x) else float(x) for x in a.ravel()]


def framework_payload(rel: Release, definition: IndexDefinition, name: str) -> dict | None:
    """Units, indicator scores, tree and per-scenario weights of one framework."""
    fw = definition.frameworks[name]
    units = pd.concat([rel.country, rel.city], ignore_index=True)
    units = units[units["framework"] == name].reset_index(drop=True)
    c = rel.contributions
    if c is None or units.empty:
        return None
    scored = [i for i in fw.indicators if i.role != "context"]
    codes = [i.code for i in scored]
    ind = c[(c["framework"] == name) & (c["level"] == "indicator")]
    scores = (
        ind.pivot(index="geo", columns="code", values="score")
        .reindex(index=units["geo"], columns=codes)
        .to_numpy(dtype=float)
    )
    pillars = list(fw.pillars)
    dims = [d for d in DIMENSIONS if d in fw.dimensions]
    has_pillar = (
        c[(c["framework"] == name) & (c["level"] == "pillar")]
        .assign(one=1.0)
        .pivot(index="geo", columns="code", values="one")
        .reindex(index=units["geo"], columns=pillars)
        .notna()
        .to_numpy()
    )
    presets = {}
    for sname, sc in definition.scenarios.items():  # a handful of scenario files
        w = fw.framework(sc).weight
        presets[sname] = {
            "description": sc.description,
            "indicators": [float(w[k]) for k in codes],
            "pillars": [float(w[p]) for p in pillars],
            "dimensions": [float(w[dim_code(d)]) for d in dims],
        }
    return {
        "label": FRAMEWORK_LABELS.get(name, name),
        "units": {
            "name": units["name"].astype(str).tolist(),
            "geo": units["geo"].astype(str).tolist(),
            "href": unit_href(units).tolist(),
            "ranked": units["ranked"].astype(bool).tolist(),
            "published": _finite(units["dividend"].to_numpy(dtype=float)),
        },
        "indicators": codes,
        "sign": [-1.0 if i.role == "cost" else 1.0 for i in scored],
        "indicatorPillar": [pillars.index(i.pillar) for i in scored],
        "scores": _finite(scores),
        "pillars": pillars,
        "pillarLabels": [PILLAR_LABELS.get(p, p) for p in pillars],
        "pillarDim": [dims.index(dimension_of(p)) for p in pillars],
        "hasPillar": has_pillar.astype(int).ravel().tolist(),
        "dimensions": dims,
        "dimensionLabels": [DIMENSION_WORDS[d] for d in dims],
        "presets": presets,
    }


def weights_data_js(rel: Release, definition: IndexDefinition) -> str:
    """``window.DIVIDEND_WEIGHTS = {release, scenario, frameworks: {...}}``."""
    fws = {}
    for name in definition.frameworks:  # four frameworks
        payload = framework_payload(rel, definition, name)
        if payload is not None:
            fws[name] = payload
    data = {"release": rel.release_id, "scenario": rel.scenario, "frameworks": fws}
    return (
        "/* Published indicator scores, tree and scenario weights (generated; see "
        "dividend/portal/weights_data.py). */\nwindow.DIVIDEND_WEIGHTS = "
        + json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        + ";\n"
    )
