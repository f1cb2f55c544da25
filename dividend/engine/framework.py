"""The index framework: a validated tree from indicators up to the index.

Built from a COINr-style ``iMeta`` table so the ASEM example and COINr users'
own tables load unchanged. Validation happens once, here, so every later step
can trust the tree (no cycles, no orphans, sane weights) and work on plain
numpy arrays. Level-wise weight matrices make aggregating a whole level one
matrix product.

iMeta columns (COINr names):

* ``iCode`` (unique), ``iName``, ``Type`` in {Indicator, Aggregate, Group,
  Denominator, Other};
* for Indicator/Aggregate rows: ``Level`` (1 = indicators), ``Parent`` (empty
  only for the top node), ``Weight`` (>= 0), ``Direction`` (1 or -1);
* optional ``Denominator`` (an iCode of Type Denominator), ``Target``, ``Unit``
  and any extra columns (e.g. ``Role``, ``Neutral``, ``Goalpost`` for signed
  scoring); extra columns are kept in :attr:`Framework.meta`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")
REQUIRED_COLUMNS = ("iCode", "Level", "Parent", "Weight", "Direction", "Type")


class FrameworkError(ValueError):
    """Invalid framework definition; the message names the offending iCode/column."""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value == ""


@dataclass(frozen=True, eq=False)
class Framework:
    """A validated indicator tree.

    Attributes:
        meta: the full iMeta table (one row per iCode, original order, all columns).
        levels: number of levels; level 1 holds the indicators, ``levels`` the index.
        codes: per level (index 0 = level 1) the iCodes at that level, in iMeta order.
        parent: iCode -> parent iCode (None for the top node).
        weight: iCode -> nominal weight (as given, not yet renormalised).
        methods: optional aggregation method per level >= 2 (e.g. ``{2: "amean"}``).
    """

    meta: pd.DataFrame
    levels: int
    codes: tuple[tuple[str, ...], ...]
    parent: Mapping[str, str | None]
    weight: Mapping[str, float]
    methods: Mapping[int, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_imeta(cls, imeta: pd.DataFrame, methods: Mapping[int, str] | None = None) -> Framework:
        """Validate a COINr-style iMeta table and build the tree."""
        return _build(imeta, dict(methods or {}))

    @classmethod
    def from_csv(cls, path: str | Path, methods: Mapping[int, str] | None = None) -> Framework:
        """Read an iMeta CSV (COINr's layout, ``NA`` as missing)."""
        return cls.from_imeta(pd.read_csv(path), methods)

    def with_weights(self, weights: Mapping[str, float]) -> Framework:
        """A copy with some nominal weights replaced (validated again).

        Cheap enough for sensitivity loops: only the weight map changes.
        """
        unknown = sorted(set(weights) - set(self.weight))
        if unknown:
            raise FrameworkError(f"with_weights: unknown iCode(s) {unknown}")
        new = {**self.weight, **{k: float(v) for k, v in weights.items()}}
        _check_weights(new, self.parent, self.codes)
        return Framework(self.meta, self.levels, self.codes, self.parent, new, self.methods)

    # --------------------------------------------------------------- queries
    @property
    def indicators(self) -> tuple[str, ...]:
        """Level-1 iCodes in iMeta order: the column order of every numeric array."""
        return self.codes[0]

    @property
    def index_code(self) -> str:
        """The top node's iCode."""
        return self.codes[-1][0]

    def level_of(self, code: str) -> int:
        """1-based level of an indicator or aggregate."""
        for lev, codes in enumerate(self.codes, start=1):
            if code in codes:
                return lev
        raise FrameworkError(f"unknown iCode {code!r}")

    def children(self, code: str) -> tuple[str, ...]:
        """Direct children of an aggregate, in iMeta order."""
        lev = self.level_of(code)
        if lev == 1:
            return ()
        return tuple(c for c in self.codes[lev - 2] if self.parent[c] == code)

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Parent, grandparent, ... up to the index."""
        out: list[str] = []
        p = self.parent[code]
        while p is not None:
            out.append(p)
            p = self.parent[p]
        return tuple(out)

    def column(self, name: str, codes: tuple[str, ...] | None = None) -> pd.Series:
        """An iMeta column for the given codes (default: indicators), indexed by iCode."""
        codes = self.indicators if codes is None else codes
        if name not in self.meta.columns:
            raise FrameworkError(f"iMeta has no column {name!r}")
        return self.meta.set_index("iCode").loc[list(codes), name]

    @cached_property
    def directions(self) -> np.ndarray:
        """Direction (+1/-1) per indicator, float64, aligned with :attr:`indicators`."""
        return self.column("Direction").to_numpy(dtype=np.float64)

    @cached_property
    def denominators(self) -> dict[str, str]:
        """Indicator iCode -> denominator iCode, only for indicators that have one."""
        if "Denominator" not in self.meta.columns:
            return {}
        s = self.column("Denominator")
        return {k: str(v) for k, v in s.items() if not _blank(v)}

    @cached_property
    def groups(self) -> tuple[str, ...]:
        """iCodes of Type Group (grouping columns in the unit data)."""
        return tuple(self.meta.loc[self.meta["Type"] == "Group", "iCode"])

    @cached_property
    def denominator_codes(self) -> tuple[str, ...]:
        """iCodes of Type Denominator."""
        return tuple(self.meta.loc[self.meta["Type"] == "Denominator", "iCode"])

    @cached_property
    def others(self) -> tuple[str, ...]:
        """iCodes of Type Other (carried along, never aggregated)."""
        return tuple(self.meta.loc[self.meta["Type"] == "Other", "iCode"])

    def weights_at(self, level: int) -> np.ndarray:
        """Nominal weights of the codes at ``level`` (float64, iMeta order)."""
        return np.array([self.weight[c] for c in self.codes[level - 1]], dtype=np.float64)

    def membership(self, level: int) -> np.ndarray:
        """Boolean matrix (children at level-1 × parents at ``level``): child belongs to parent."""
        if not 2 <= level <= self.levels:
            raise FrameworkError(f"membership: level must be in 2..{self.levels}, got {level}")
        children, parents = self.codes[level - 2], self.codes[level - 1]
        pos = {p: j for j, p in enumerate(parents)}
        m = np.zeros((len(children), len(parents)), dtype=bool)
        m[np.arange(len(children)), [pos[self.parent[c]] for c in children]] = True
        return m

    def weight_matrix(self, level: int) -> np.ndarray:
        """Children × parents matrix of weights renormalised to sum to 1 within each parent.

        ``X_children @ weight_matrix(level)`` is the weighted arithmetic mean of a complete
        level in one operation (missing values need the renormalising form, see COINr's
        ``a_amean``).
        """
        m = self.membership(level).astype(np.float64)
        m *= self.weights_at(level - 1)[:, None]
        return m / m.sum(axis=0, keepdims=True)

    def group_slices(self, level: int) -> list[tuple[str, np.ndarray]]:
        """For each parent at ``level``: (parent iCode, integer positions of its children)."""
        m = self.membership(level)
        return [(p, np.flatnonzero(m[:, j])) for j, p in enumerate(self.codes[level - 1])]

    def effective_weights(self) -> pd.Series:
        """Product of renormalised weights from each node up to the index (index = 1)."""
        w: dict[str, float] = {self.index_code: 1.0}
        for lev in range(self.levels, 1, -1):
            wm = self.weight_matrix(lev)
            for i, c in enumerate(self.codes[lev - 2]):
                w[c] = float(wm[i].sum()) * w[self.parent[c]]  # type: ignore[index]
        order = [c for level in self.codes for c in level]
        return pd.Series([w[c] for c in order], index=order, name="EffWeight")

    def to_imeta(self) -> pd.DataFrame:
        """The iMeta table with current weights (round-trips through :meth:`from_imeta`)."""
        out = self.meta.copy()
        mask = out["iCode"].isin(list(self.weight))
        out.loc[mask, "Weight"] = out.loc[mask, "iCode"].map(self.weight)
        return out


# ---------------------------------------------------------------- validation
def _build(imeta: pd.DataFrame, methods: dict[int, str]) -> Framework:
    if not isinstance(imeta, pd.DataFrame):
        raise FrameworkError(f"iMeta must be a DataFrame, got {type(imeta).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in imeta.columns]
    if missing:
        raise FrameworkError(f"iMeta is missing required column(s) {missing}")
    meta = imeta.reset_index(drop=True).copy()
    if meta["iCode"].isna().any():
        rows = list(np.flatnonzero(meta["iCode"].isna().to_numpy()))
        raise FrameworkError(f"iMeta column 'iCode' is empty at row(s) {rows}")
    meta["iCode"] = meta["iCode"].astype(str)
    dup = meta["iCode"][meta["iCode"].duplicated()].unique().tolist()
    if dup:
        raise FrameworkError(f"iMeta has duplicate iCode(s) {dup}")
    bad_type = meta.loc[~meta["Type"].isin(TYPES), ["iCode", "Type"]]
    if len(bad_type):
        r = bad_type.iloc[0]
        raise FrameworkError(f"iCode {r.iCode!r}: Type {r.Type!r} is not one of {list(TYPES)}")

    tree = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    if not (tree["Type"] == "Indicator").any():
        raise FrameworkError("iMeta has no rows of Type 'Indicator'")
    levels: dict[str, int] = {}
    parent: dict[str, str | None] = {}
    weight: dict[str, float] = {}
    for r in tree.itertuples(index=False):  # one pass over the (small) metadata table
        code = r.iCode
        lev = pd.to_numeric(pd.Series([r.Level]), errors="coerce").iloc[0]
        if pd.isna(lev) or lev != int(lev) or lev < 1:
            raise FrameworkError(f"iCode {code!r}: Level {r.Level!r} is not a positive integer")
        levels[code] = int(lev)
        if r.Type == "Indicator" and lev != 1:
            raise FrameworkError(f"iCode {code!r}: Type Indicator must have Level 1, got {lev}")
        if r.Type == "Aggregate" and lev < 2:
            raise FrameworkError(f"iCode {code!r}: Type Aggregate must have Level >= 2, got {lev}")
        parent[code] = None if _blank(r.Parent) else str(r.Parent)
        w = pd.to_numeric(pd.Series([r.Weight]), errors="coerce").iloc[0]
        if pd.isna(w):
            raise FrameworkError(f"iCode {code!r}: Weight {r.Weight!r} is missing or not numeric")
        weight[code] = float(w)
        d = pd.to_numeric(pd.Series([r.Direction]), errors="coerce").iloc[0]
        if d not in (1, -1):
            raise FrameworkError(f"iCode {code!r}: Direction must be 1 or -1, got {r.Direction!r}")

    known = set(meta["iCode"])
    for code, p in parent.items():
        if p is not None and p not in levels:
            where = "a non-tree row" if p in known else "not in iMeta"
            raise FrameworkError(f"iCode {code!r}: Parent {p!r} is unknown ({where})")
    _check_cycles(parent)
    top = max(levels.values())
    for code, p in parent.items():
        if p is None and levels[code] != top:
            raise FrameworkError(
                f"iCode {code!r} (Level {levels[code]}) is an orphan: no Parent and not at the top level {top}"
            )
        if p is not None and levels[p] != levels[code] + 1:
            raise FrameworkError(
                f"iCode {code!r} (Level {levels[code]}): Parent {p!r} has Level {levels[p]}, expected {levels[code] + 1}"
            )
    roots = [c for c, p in parent.items() if p is None]
    if len(roots) != 1:
        raise FrameworkError(f"the framework needs exactly one top node, found {roots}")
    has_child = {p for p in parent.values() if p is not None}
    childless = [c for c, lev in levels.items() if lev > 1 and c not in has_child]
    if childless:
        raise FrameworkError(f"Aggregate iCode(s) {childless} have no children (orphan aggregates)")

    codes = tuple(tuple(c for c in tree["iCode"] if levels[c] == lev) for lev in range(1, top + 1))
    _check_weights(weight, parent, codes)
    if "Denominator" in meta.columns:
        denoms = set(meta.loc[meta["Type"] == "Denominator", "iCode"])
        for r in meta.loc[meta["Type"] == "Indicator", ["iCode", "Denominator"]].itertuples():
            if not _blank(r.Denominator) and str(r.Denominator) not in denoms:
                raise FrameworkError(
                    f"iCode {r.iCode!r}: Denominator {r.Denominator!r} is not an iCode of Type Denominator"
                )
    bad_levels = [lev for lev in methods if not 2 <= lev <= top]
    if bad_levels:
        raise FrameworkError(f"aggregation methods given for level(s) {bad_levels}; valid 2..{top}")
    return Framework(meta, top, codes, parent, weight, methods)


def _check_cycles(parent: Mapping[str, str | None]) -> None:
    """Walk up from every node; revisiting a node on the way means a cycle."""
    for start in parent:
        seen = [start]
        p = parent[start]
        while p is not None:
            if p in seen:
                cycle = " -> ".join([*seen[seen.index(p) :], p])
                raise FrameworkError(f"cycle in framework Parent links: {cycle}")
            seen.append(p)
            p = parent.get(p)


def _check_weights(
    weight: Mapping[str, float],
    parent: Mapping[str, str | None],
    codes: tuple[tuple[str, ...], ...],
) -> None:
    for c, w in weight.items():
        if not np.isfinite(w):
            raise FrameworkError(f"iCode {c!r}: Weight {w!r} is not finite")
        if w < 0:
            raise FrameworkError(f"iCode {c!r}: Weight {w} is negative")
    for level in codes[1:]:
        for p in level:
            kids = [c for c, pp in parent.items() if pp == p]
            if all(weight[k] == 0 for k in kids):
                raise FrameworkError(f"all weights of the children of {p!r} are zero: {kids}")
