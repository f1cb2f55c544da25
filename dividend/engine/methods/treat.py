"""Outlier treatment reproducing COINr 1.1.14's ``Treat()`` with its default specs.

Per indicator (COINr ``Treat.numeric``):

1. ``check_SkewKurt``: pass if ``|skew| < skew_thresh`` OR ``kurt < kurt_thresh`` (sample
   skew and excess kurtosis, :mod:`dividend.engine.methods.stats`, missing values ignored).
2. If it fails, ``f1`` (default ``winsorise``; any transformation ``f2`` accepts works too,
   as in COINr: ``f1 = log_CT`` transforms the column and logs ``check_SkewKurt1.*`` with
   no ``winsorise.*`` column). ``winsorise``: while failing and fewer than ``winmax`` points are
   winsorised, look at the *current* skew: if ``>= 0`` every value equal to the current
   maximum is set to the largest remaining value, else every value equal to the minimum is
   set to the smallest remaining value.  Tied values therefore move together, and earlier
   winsorised points (now tied with the new extreme) move again.  As in COINr the count
   ``nwin`` is the size of the latest high group plus the latest low group, so ties can
   take it past ``winmax`` in one step.
3. Re-check.  If it still fails, ``f2`` is applied to the *original* column
   (``combine_treat=False``, COINr's default) and the result is checked once more, for
   the log only: f2's output is kept whether or not it passes.  ``log_CT`` is
   ``log(x - min + a)`` with ``a = 0.01 (max - min)``; ``log_CT_plus`` is the same when
   skew > 0 and ``-log(max + a - x)`` otherwise; ``log_CT_orig`` is ``log(x - min + 1)``;
   ``boxcox`` shifts to ``x - min + 1`` and applies ``(x^lambda - 1) / lambda`` (log when
   lambda = 0).

When the pass test is undefined (R's ``NA``: a constant column; fewer than 4 values, so
kurtosis is NA, with |skew| not below the threshold; or winsorising that makes the
column constant) COINr warns and returns the column untreated.  So do we, with a
:class:`TreatWarning` naming the indicator and ``Pass`` missing in its log row (COINr
drops such columns from ``Dets_Table``).  Only failing columns are looped over, never units.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dividend.engine.methods._checks import as_matrix, column_labels, first_infinite
from dividend.engine.methods.stats import skew_kurt, skew_kurt_complete

__all__ = [
    "DETS_COLUMNS",
    "F1_METHODS",
    "F2_METHODS",
    "LOG_COLUMNS",
    "TreatWarning",
    "TreatedPoints",
    "dets_table",
    "treat",
]

TRANSFORMS = ("log_CT", "log_CT_plus", "log_CT_orig", "boxcox")
F1_METHODS = ("winsorise", *TRANSFORMS, None)
F2_METHODS = (*TRANSFORMS, None)


class TreatWarning(UserWarning):
    """An indicator was left untreated because its skew/kurtosis test is undefined (as COINr)."""


_SPEC_KEYS = {
    "winmax",
    "skew_thresh",
    "kurt_thresh",
    "f1",
    "f2",
    "lambda",
    "force_win",
    "combine_treat",
}

LOG_COLUMNS = [
    # COINr's Dets_Table columns, in its order
    "iCode",
    "check_SkewKurt0.Pass",
    "check_SkewKurt0.Skew",
    "check_SkewKurt0.Kurt",
    "winsorise.nwin",
    "check_SkewKurt1.Pass",
    "check_SkewKurt1.Skew",
    "check_SkewKurt1.Kurt",
    "check_SkewKurt2.Pass",
    "check_SkewKurt2.Skew",
    "check_SkewKurt2.Kurt",
    # our additions: what finally happened
    "n_winhi",
    "n_winlo",
    "f2",
    "Treatment",
    "Skew",
    "Kurt",
    "Pass",
]


DETS_COLUMNS = LOG_COLUMNS[:11]

# Dets_Table columns written by each stage: COINr's rbind_fill only creates a column once
# some indicator reached that stage, so a stage nobody reached has no columns at all.
_STAGES = (
    ("check_SkewKurt0.Pass", DETS_COLUMNS[1:4]),
    ("winsorise.nwin", DETS_COLUMNS[4:5]),
    ("check_SkewKurt1.Pass", DETS_COLUMNS[5:8]),
    ("check_SkewKurt2.Pass", DETS_COLUMNS[8:11]),
)


def dets_table(log: pd.DataFrame) -> pd.DataFrame:
    """COINr's ``coin$Analysis$Treated$Dets_Table`` from a :func:`treat` log.

    ``Treat.data.frame`` keeps one row per indicator whose treatment finished (an
    indicator whose pass test turned NA is returned untreated *without* details, so it
    has no row), names the columns ``<function><check number>.<field>`` via
    ``unlist(Dets_Table, recursive = FALSE)`` and binds rows with ``rbind_fill``, so
    the columns are ``iCode``, ``check_SkewKurt0.{Pass,Skew,Kurt}``,
    ``winsorise.nwin``, ``check_SkewKurt1.*``, ``check_SkewKurt2.*``, each stage only
    if at least one indicator reached it (log_CT adds no column: it returns no extra
    fields).
    """
    done = log["Pass"].notna().to_numpy()
    cols = ["iCode"]
    for marker, stage_cols in _STAGES:
        if log[marker].notna().to_numpy()[done].any():
            cols.extend(stage_cols)
    return log.loc[done, cols].reset_index(drop=True)


@dataclass(frozen=True)
class _Spec:
    winmax: int | None
    skew_thresh: float
    kurt_thresh: float
    f1: str | None
    f2: str | None
    lam: float | None
    force_win: bool
    combine_treat: bool


def _norm_name(v):
    return None if v is None or v == "none" else v


def _make_spec(code: str, base: dict, override) -> _Spec | None:
    if override is None:
        spec = dict(base)
    elif isinstance(override, str):
        if override != "none":
            raise ValueError(f"overrides[{code!r}] must be 'none' or a dict, got {override!r}")
        return None
    elif isinstance(override, dict):
        unknown = set(override) - _SPEC_KEYS
        if unknown:
            raise ValueError(
                f"overrides[{code!r}] has unknown key(s) {sorted(unknown)}; allowed: {sorted(_SPEC_KEYS)}"
            )
        spec = {**base, **override}
    else:
        raise ValueError(
            f"overrides[{code!r}] must be 'none' or a dict, got {type(override).__name__}"
        )
    f1, f2 = _norm_name(spec["f1"]), _norm_name(spec["f2"])
    if f1 not in F1_METHODS:
        raise ValueError(f"{code}: f1 must be one of {F1_METHODS} or 'none', got {f1!r}")
    if f2 not in F2_METHODS:
        raise ValueError(f"{code}: f2 must be one of {F2_METHODS} or 'none', got {f2!r}")
    for which, name in (("f1", f1), ("f2", f2)):
        if name == "boxcox" and spec["lambda"] is None:
            raise ValueError(f"{code}: {which}='boxcox' needs 'lambda' (boxcox_lambda=)")
    wm = spec["winmax"]
    if wm is not None and (isinstance(wm, bool) or not isinstance(wm, int | np.integer) or wm < 0):
        raise ValueError(f"{code}: winmax must be a non-negative integer or None, got {wm!r}")
    if wm is None and spec["force_win"]:
        raise ValueError(f"{code}: force_win needs a finite winmax")
    return _Spec(
        wm,
        float(spec["skew_thresh"]),
        float(spec["kurt_thresh"]),
        f1,
        f2,
        spec["lambda"],
        bool(spec["force_win"]),
        bool(spec["combine_treat"]),
    )


def _passes(sk: float, kt: float, s: _Spec) -> bool | None:
    """check_SkewKurt; None where R would give NA (skew/kurtosis undefined)."""
    if np.isnan(sk) or np.isnan(kt):
        # R: NA | TRUE is TRUE, so a defined passing half still passes
        if (not np.isnan(sk) and abs(sk) < s.skew_thresh) or (
            not np.isnan(kt) and kt < s.kurt_thresh
        ):
            return True
        return None
    return bool(abs(sk) < s.skew_thresh or kt < s.kurt_thresh)


def _winsorise(v: np.ndarray, s: _Spec, passing: bool | None):
    """COINr ``winsorise`` on the non-missing values ``v`` (a copy is modified)."""
    v = v.copy()
    imax = np.empty(0, dtype=np.intp)
    imin = np.empty(0, dtype=np.intp)
    nwin = 0
    while (passing is False or s.force_win) and (s.winmax is None or nwin < s.winmax):
        sk, _ = skew_kurt_complete(v)
        if np.isnan(sk):
            return v, imax, imin, nwin, None
        high = sk >= 0  # positive skew: outliers on the high side
        extreme = v.max() if high else v.min()
        moved = np.flatnonzero(v == extreme)
        rest = v[v != extreme]
        if rest.size == 0:
            return v, imax, imin, nwin, None
        v[moved] = rest.max() if high else rest.min()
        imax, imin = (moved, imin) if high else (imax, moved)
        nwin = imax.size + imin.size
        passing = _passes(*skew_kurt_complete(v), s)
    return v, imax, imin, nwin, passing


def _transform(v: np.ndarray, name: str, s: _Spec) -> tuple[np.ndarray, str]:
    """Apply a transformation (as f1 or f2); return the values and COINr's point label
    ("" for boxcox, which returns a bare vector)."""
    mn, mx = v.min(), v.max()
    a = 0.01 * (mx - mn)
    with np.errstate(invalid="ignore", divide="ignore"):
        if name == "log_CT":
            return np.log(v - mn + a), "log_CT"
        if name == "log_CT_plus":
            if skew_kurt_complete(v)[0] > 0:
                return np.log(v - mn + a), "log_CT"
            return -np.log(mx + a - v), "log_CT_neg"
        if name == "log_CT_orig":
            return np.log(v - mn + 1.0), "log_CT_orig"
        shifted = v - mn + 1.0  # boxcox, makepos = TRUE
        lam = float(s.lam)
        return (np.log(shifted) if lam == 0 else (shifted**lam - 1.0) / lam), ""


def _warn_untreated(code: str, why: str, stacklevel: int = 3) -> None:
    warnings.warn(
        f"indicator {code!r} left untreated: {why} (as COINr)", TreatWarning, stacklevel=stacklevel
    )


def _checked_transform(
    v: np.ndarray, name: str, s: _Spec, row: dict, check: int, code: str
) -> tuple[np.ndarray, str, tuple] | None:
    """Transform ``v`` with ``name`` and log ``check_SkewKurt<check>`` in ``row``.

    Returns (values, point label, (pass, skew, kurt)), or None when the check is undefined:
    COINr then returns the column untreated, and the row says so.
    """
    x, label = _transform(v, name, s)
    sk, kt = skew_kurt_complete(x)
    passing = _passes(sk, kt, s)
    if passing is None:
        row["Treatment"] = f"untreated: {name} result has undefined skew/kurtosis"
        _warn_untreated(code, f"{name} result has undefined skew/kurtosis", stacklevel=4)
        return None
    row[f"check_SkewKurt{check}.Pass"] = passing
    row[f"check_SkewKurt{check}.Skew"], row[f"check_SkewKurt{check}.Kurt"] = sk, kt
    return x, label, (passing, sk, kt)


class TreatedPoints:
    """COINr's ``Treated_Points`` (units x codes of "winhi"/"winlo"/"log_CT"/... joined by "+").

    Kept as small integer codes and only turned into pandas when asked for (a column via
    ``points[code]``, everything via :meth:`to_frame`): building the categorical frame on
    every call used to cost more than the treatment itself. Code 1 is f1's label ("winhi",
    or a transformation's name when f1 is one), 2 "winlo", +3 when f2 ran.
    """

    def __init__(
        self,
        points: np.ndarray,
        codes: list[str],
        f2_names: list[str],
        f1_names: list[str] | None = None,
    ) -> None:
        self.points = points
        self.codes = codes
        self.f2_names = f2_names
        self.f1_names = f1_names or [""] * len(codes)

    def _column(self, j: int) -> pd.Categorical:
        f = self.f2_names[j] or "f2"
        hi = self.f1_names[j] or "winhi"
        cats = ["", hi, "winlo", f"+{f}", f"{hi}+{f}", f"winlo+{f}"]
        return pd.Categorical.from_codes(self.points[:, j], categories=cats)

    def __getitem__(self, code: str) -> pd.Series:
        return pd.Series(self._column(self.codes.index(code)), name=code)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({c: self._column(j) for j, c in enumerate(self.codes)})

    def __deepcopy__(self, memo: dict) -> TreatedPoints:
        return self  # never mutated after treat() returns; pandas deep-copies attrs a lot


def _log_frame(rows: list[dict]) -> pd.DataFrame:
    """The log rows as typed columns (nullable booleans / integers), built in one go."""
    cols = {}
    for c in LOG_COLUMNS:
        vals = [r[c] for r in rows]
        if c.endswith("Pass"):
            cols[c] = pd.array([None if v is None or v != v else bool(v) for v in vals], "boolean")
        elif c in ("winsorise.nwin", "n_winhi", "n_winlo"):
            cols[c] = pd.array([None if v != v else int(v) for v in vals], "Int64")
        elif c in ("iCode", "f2", "Treatment"):
            cols[c] = np.array(vals, dtype=object)
        else:
            cols[c] = np.array(vals, dtype=np.float64)
    return pd.DataFrame(cols, columns=LOG_COLUMNS)


def treat(
    X: np.ndarray,
    codes: list[str],
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    f1: str | None = "winsorise",
    f2: str | None = "log_CT",
    overrides: dict[str, dict | str] | None = None,
    *,
    boxcox_lambda: float | None = None,
    force_win: bool = False,
    combine_treat: bool = False,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Treat outliers column by column as COINr's ``Treat()`` (defaults = COINr defaults).

    ``overrides`` maps an indicator code to ``"none"`` (leave untreated, no log row, as
    COINr) or to a dict of any of ``winmax``, ``skew_thresh``, ``kurt_thresh``, ``f1``,
    ``f2``, ``lambda``, ``force_win``, ``combine_treat``.  Returns the treated matrix and
    a log with one row per treated indicator: COINr's ``Dets_Table`` columns
    (``check_SkewKurt0.*`` before, ``winsorise.nwin``, ``check_SkewKurt1.*`` after
    winsorising, ``check_SkewKurt2.*`` after f2) followed by ``n_winhi``, ``n_winlo``,
    ``f2`` (applied or ""), ``Treatment`` and the final ``Skew``/``Kurt``/``Pass``.  The
    log's ``attrs["treated_points"]`` is COINr's ``Treated_Points`` table (units x codes
    of "winhi"/"winlo"/"log_CT"/... with COINr's "+" joins).
    """
    arr = as_matrix(X, "units x indicators", copy=True)
    codes = column_labels(codes, arr.shape[1])
    if len(set(codes)) != len(codes):
        raise ValueError("codes contain duplicates")
    overrides = overrides or {}
    unknown = set(overrides) - set(codes)
    if unknown:
        raise ValueError(f"overrides name unknown indicator code(s): {sorted(unknown)}")
    inf = first_infinite(arr)
    if inf is not None:
        raise ValueError(f"indicator {codes[inf[1]]!r} contains an infinite value")

    base = {
        "winmax": winmax,
        "skew_thresh": skew_thresh,
        "kurt_thresh": kurt_thresh,
        "f1": f1,
        "f2": f2,
        "lambda": boxcox_lambda,
        "force_win": force_win,
        "combine_treat": combine_treat,
    }
    specs = [_make_spec(c, base, overrides.get(c)) for c in codes]

    # initial check for every column at once
    sk0, kt0 = skew_kurt(arr)
    # treated-point labels as small integer codes: 0 "", 1 winhi, 2 winlo, +3 when f2 ran
    points = np.zeros(arr.shape, dtype=np.int8)
    f1_labels = [""] * len(codes)
    f2_labels = [""] * len(codes)
    rows = []
    for j, (code, s) in enumerate(zip(codes, specs, strict=True)):
        if s is None:
            continue
        row: dict = dict.fromkeys(LOG_COLUMNS, np.nan)
        row.update(iCode=code, n_winhi=0, n_winlo=0, f2="", Treatment="none")
        row["check_SkewKurt0.Skew"], row["check_SkewKurt0.Kurt"] = sk0[j], kt0[j]
        pass0 = _passes(sk0[j], kt0[j], s)
        row["check_SkewKurt0.Pass"] = pass0
        final = (pass0, sk0[j], kt0[j])
        if pass0 is None:
            row["Treatment"] = "untreated: skew/kurtosis undefined"
            _warn_untreated(code, "its skew/kurtosis test is undefined (constant or < 4 values)")
        elif not pass0:
            obs = np.flatnonzero(~np.isnan(arr[:, j]))
            orig = arr[obs, j]
            x1, passing = orig, pass0
            if s.f1 == "winsorise":
                x1, imax, imin, nwin, passing = _winsorise(orig, s, pass0)
                if passing is None:  # COINr: f_pass returned NA -> return x untreated
                    row["Treatment"] = "untreated: winsorising made it constant"
                    _warn_untreated(code, "winsorising made it constant")
                    rows.append(row)
                    continue
                row["winsorise.nwin"] = nwin
                row["n_winhi"], row["n_winlo"] = int(imax.size), int(imin.size)
                sk1, kt1 = skew_kurt_complete(x1)
                row["check_SkewKurt1.Pass"] = passing
                row["check_SkewKurt1.Skew"], row["check_SkewKurt1.Kurt"] = sk1, kt1
                final = (passing, sk1, kt1)
                row["Treatment"] = "winsorise" if nwin else "none"
            elif s.f1 is not None:  # a transformation as the first treatment (COINr allows any)
                done = _checked_transform(orig, s.f1, s, row, 1, code)
                if done is None:
                    rows.append(row)
                    continue
                x1, label1, final = done
                passing = final[0]
                row["Treatment"] = s.f1
                if label1:  # boxcox returns a bare vector: no point labels
                    points[obs, j] = 1
                    f1_labels[j] = label1
            if not passing and s.f2 is not None:
                done = _checked_transform(x1 if s.combine_treat else orig, s.f2, s, row, 2, code)
                if done is None:
                    rows.append(row)
                    continue
                x2, label, final = done
                row["f2"] = s.f2
                row["Treatment"] = f"{s.f1}+{s.f2}" if s.combine_treat and s.f1 else s.f2
                if label:  # COINr's boxcox returns a bare vector: no point labels
                    points[obs, j] += 3
                    f2_labels[j] = label
                x1 = x2
            if s.f1 == "winsorise":
                points[obs[imax], j] += 1
                points[obs[imin], j] += 2
            arr[obs, j] = x1
        row["Pass"], row["Skew"], row["Kurt"] = final
        rows.append(row)

    log = _log_frame(rows)
    log.attrs["treated_points"] = TreatedPoints(points, codes, f2_labels, f1_labels)
    return arr, log
