"""The world map: country paths precomputed from the Natural Earth 1:110m TopoJSON.

Paths are decoded and projected (Equal Earth, an equal-area projection, so no country looks
bigger than it is) in Python at build time, so the map needs no JavaScript. Every drawn
country is a link to its profile, reachable by keyboard, named with its verdict and value
(``aria-label``); the svg is a ``group`` of links, not an image, so no link hides inside a
``role="img"``. Fill: a colour-blind-safe blue-orange diverging scale of the dividend by
verdict (blues for a net gain, oranges for a net loss) with a neutral grey for "too close to
call" and a hatch for "insufficient data"; the same facts are in the table under the map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dividend.portal.text import esc, esc_col, num_col
from dividend.portal.verdicts import CLOSE, GAIN, LOSS, NODATA

# Equal Earth (Šavrič, Patterson & Jenny 2018) polynomial coefficients
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = np.sqrt(3) / 2
WIDTH, HEIGHT = 960.0, 468.0
# fill classes per verdict; strength 1-3 by |dividend| (thresholds in dividend points)
STRENGTH = (5.0, 15.0)
LEGEND = (
    ("m-gain3", "Net gain, dividend above +15"),
    ("m-gain2", "Net gain, +5 to +15"),
    ("m-gain1", "Net gain, below +5"),
    ("m-close", "Too close to call"),
    ("m-loss1", "Net loss, above −5"),
    ("m-loss2", "Net loss, −15 to −5"),
    ("m-loss3", "Net loss, below −15"),
    ("m-none", "Insufficient data, or not an index country"),
)


@dataclass(frozen=True)
class WorldMap:
    """What the map is drawn from: the TopoJSON text and ``staged.map_crosswalk`` (iso3,
    name, geometry_index, status, note), handed in by the caller (the library does not read
    the source catalogue)."""

    topology: str
    crosswalk: pd.DataFrame


def equal_earth(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees -> Equal Earth plane coordinates (unit sphere)."""
    lam, phi = np.radians(lon), np.radians(lat)
    theta = np.arcsin(M * np.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * np.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def _arcs(topo: dict) -> list[np.ndarray]:
    """Every arc as an (n, 2) array of screen coordinates (delta-decoded, projected)."""
    scale = np.asarray(topo["transform"]["scale"], dtype=float)
    translate = np.asarray(topo["transform"]["translate"], dtype=float)
    lengths = [len(a) for a in topo["arcs"]]
    flat = np.array([p for a in topo["arcs"] for p in a], dtype=float)
    starts = np.cumsum([0, *lengths])[:-1]
    # delta decoding per arc: cumulative sum restarted at each arc's first point
    csum = np.cumsum(flat, axis=0)
    offset = np.repeat(csum[starts] - flat[starts], lengths, axis=0)
    pos = (csum - offset) * scale + translate
    x, y = equal_earth(pos[:, 0], pos[:, 1])
    xmax = float(equal_earth(np.array([180.0]), np.array([0.0]))[0][0])
    ymax = float(equal_earth(np.array([0.0]), np.array([90.0]))[1][0])
    sx = (x / xmax + 1) / 2 * WIDTH
    sy = (ymax - y) / (2 * ymax) * HEIGHT
    pts = np.round(np.column_stack([sx, sy]), 1)
    return np.split(pts, np.cumsum(lengths)[:-1])


def _ring(arcs: list[np.ndarray], ids: list[int]) -> str:
    parts = []
    for k, i in enumerate(ids):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    pts = np.concatenate(parts)
    coords = " ".join(f"{x:g},{y:g}" for x, y in pts)
    return f"M{coords}Z"


def geometry_paths(topology: str) -> list[str]:
    """SVG path data per geometry of ``objects.countries`` (file order)."""
    topo = json.loads(topology)
    arcs = _arcs(topo)
    out = []
    for g in topo["objects"]["countries"]["geometries"]:  # 177 geometries
        polys = g.get("arcs") or []
        if g.get("type") == "Polygon":
            polys = [polys]
        out.append("".join(_ring(arcs, ring) for poly in polys for ring in poly))
    return out


def map_class(verdict: pd.Series, dividend: pd.Series) -> pd.Series:
    """Fill class per unit: verdict, and for a gain or loss its strength by |dividend|."""
    strength = 1 + np.searchsorted(STRENGTH, dividend.abs().fillna(0).to_numpy(), side="right")
    s = pd.Series(strength.astype(str), index=verdict.index)
    return pd.Series(
        np.select(
            [verdict == GAIN, verdict == LOSS, verdict == CLOSE],
            ["m-gain" + s, "m-loss" + s, "m-close"],
            "m-none",
        ),
        index=verdict.index,
    )


def map_svg(world: WorldMap, country: pd.DataFrame, hrefs: pd.Series) -> str:
    """The map: one linked path per drawn country, hatched "no data" for the rest."""
    paths = pd.Series(geometry_paths(world.topology))
    cw = world.crosswalk[world.crosswalk["geometry_index"].notna()].copy()
    cw["geometry_index"] = cw["geometry_index"].astype(int)
    units = country.set_index("geo")
    cw = cw.join(units[["name", "verdict", "dividend"]].add_prefix("u_"), on="iso3")
    cw["href"] = cw["iso3"].map(pd.Series(hrefs.to_numpy(), index=country["geo"].to_numpy()))
    cw["d"] = paths.reindex(cw["geometry_index"]).to_numpy()
    has = cw["u_verdict"].notna()
    verdict = cw["u_verdict"].fillna(NODATA)
    show = has & (verdict != NODATA)
    label = (
        esc_col(cw["u_name"].fillna(cw["name"]))
        + ": "
        + esc_col(verdict)
        + pd.Series(
            np.where(show, ", dividend " + num_col(cw["u_dividend"], 1, True), ""), index=cw.index
        )
    )
    cls = map_class(verdict, cw["u_dividend"])
    linked = (
        '<a href="'
        + esc_col(cw["href"].fillna(""))
        + '" aria-label="'
        + label
        + '"><path class="'
        + cls
        + '" d="'
        + cw["d"]
        + '"><title>'
        + label
        + "</title></path></a>"
    )
    plain = '<path class="m-none" d="' + cw["d"] + '"><title>' + label + "</title></path>"
    body = "".join(linked.where(cw["href"].notna(), plain))
    return (
        f'<svg class="world-map" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" role="group" '
        'aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg">'
        '<title id="map-title">World map of the country verdicts</title>'
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="2"/></pattern></defs>'
        + body
        + "</svg>"
    )


def map_legend() -> str:
    items = "".join(
        f'<li><svg class="swatch" aria-hidden="true" width="18" height="14">'
        f'<rect class="{c}" width="18" height="14"/></svg> {esc(t)}</li>'
        for c, t in LEGEND
    )
    return f'<ul class="map-legend" aria-label="Map legend">{items}</ul>'
