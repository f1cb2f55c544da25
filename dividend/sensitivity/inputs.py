"""Uncertain inputs: what may vary in a sensitivity analysis, and how a uniform draw maps to it.

Every input turns a column of uniforms ``u`` in [0, 1) into one *code* per run: the
index of a discrete alternative (as a float) or a continuous value. Codes are what the
runner groups on and what the runs table records, so any run can be reproduced from
its row. Discrete inputs split [0, 1) into equal parts (``floor(u * k)``), which is
COINr's uniform choice among alternatives.

Kinds (YAML ``kind:``), recipe mode unless noted:

* ``step``: parameters of one recipe step. ``choices`` (list of parameter dicts), or
  ``param`` + ``values`` (discrete) or ``param`` + ``range: [lo, hi]`` (continuous;
  ``integer: true`` rounds down). Covers normalisation method and parameters,
  imputation method, outlier treatment on/off (``Treat.disable``) and ``winmax``.
* ``aggregation``: aggregation method, for all levels or ``levels: [..]``.
* ``weights_noise``: ``noise: {level: fraction}`` multiplicative noise
  ``w * (1 + f * (2v - 1))`` per node at each level; ``n_sets`` noisy weight sets are
  drawn once from the seed and the input chooses among them (COINr's
  ``get_noisy_weights`` + discrete choice). Recipe and scoring mode.
* ``weights_scenarios``: a choice among weight sets (dicts or YAML files of
  ``iCode: weight``, optionally under a top-level ``weights:`` key). Both modes.
* ``include``: one on/off input per listed indicator (default all); excluding sets
  the indicator's weight to zero, as COINr's ``remove_elements`` does. Both modes.
* ``data``: a choice among alternative unit-data tables (e.g. reference years), CSV
  paths or DataFrames in the nominal table's layout. Both modes.
* ``neutral`` (scoring mode): shift of the neutral values by ``range: [lo, hi]`` (or
  discrete ``values``) goalposts, for the listed indicators (default all scored).
* ``goalpost`` (scoring mode): multiplicative factor on the goalposts, same keys.
  Both also take ``bounds: {iCode: [lo, hi]}`` instead: documented absolute ranges of the
  break-even or goalpost per indicator (``neutral_range`` / ``goalpost_range`` in a
  framework file); one code in [0, 1] moves every listed indicator through its own range,
  with the published value at the median (code 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import yaml

from dividend.engine.methods.aggregate import METHODS
from dividend.safe_yaml import YamlError, load_yaml


class SensitivityError(ValueError):
    """Invalid sensitivity specification; the message names the input and the config key."""


KINDS = (
    "step",
    "aggregation",
    "weights_noise",
    "weights_scenarios",
    "include",
    "data",
    "neutral",
    "goalpost",
)


@dataclass(frozen=True)
class UncertainInput:
    """Base class. ``n_choices`` is None for a continuous input."""

    name: str

    @property
    def n_choices(self) -> int | None:
        return None

    stage: ClassVar[str] = ""  # where it acts: upstream (recipe rerun), aggregate, weights, scoring

    def codes(self, u: np.ndarray) -> np.ndarray:
        """Uniforms in [0, 1) -> per-run codes (choice index or value), float64."""
        k = self.n_choices
        if k is None:
            raise NotImplementedError
        return np.minimum(np.floor(np.asarray(u) * k), k - 1).astype(np.float64)

    def label(self, code: float) -> str:
        """A readable, reproducible description of one code (for the runs table)."""
        return str(int(code)) if self.n_choices is not None else repr(float(code))


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


@dataclass(frozen=True)
class _Choice(UncertainInput):
    """A discrete choice: code k picks ``choices[k]``, labelled ``labels[k]`` (or the choice)."""

    choices: tuple[Any, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def n_choices(self) -> int:
        return len(self.choices)

    def label(self, code: float) -> str:
        return self.labels[int(code)] if self.labels else str(self.choices[int(code)])


@dataclass(frozen=True)
class StepChoice(_Choice):
    """A choice among parameter sets (``choices``: mappings) of one recipe step."""

    step: str = ""
    stage: ClassVar[str] = "upstream"

    def params(self, code: float) -> dict[str, Any]:
        return dict(self.choices[int(code)])

    def label(self, code: float) -> str:
        return _dump(self.params(code))


@dataclass(frozen=True)
class StepRange(UncertainInput):
    """A continuous (or integer) step parameter, uniform on [low, high]."""

    step: str = ""
    param: str = ""
    low: float = 0.0
    high: float = 1.0
    integer: bool = False

    stage: ClassVar[str] = "upstream"

    def codes(self, u: np.ndarray) -> np.ndarray:
        v = self.low + np.asarray(u) * (self.high - self.low)
        if self.integer:  # every integer in [low, high] equally likely
            v = np.minimum(
                np.floor(self.low + np.asarray(u) * (self.high - self.low + 1)), self.high
            )
        return v.astype(np.float64)

    def params(self, code: float) -> dict[str, Any]:
        return {self.param: int(code) if self.integer else float(code)}

    def label(self, code: float) -> str:
        return _dump(self.params(code))


@dataclass(frozen=True)
class AggregationChoice(_Choice):
    """A choice of aggregation method (``choices``) for some levels (None = every level)."""

    levels: tuple[int, ...] | None = None
    stage: ClassVar[str] = "aggregate"


@dataclass(frozen=True)
class WeightNoise(UncertainInput):
    """Choice among ``n_sets`` noisy weight sets; multipliers are drawn by :meth:`bind`."""

    noise: Mapping[int, float] = field(default_factory=dict)
    n_sets: int = 100
    multipliers: np.ndarray | None = None  # (n_sets, len(weight_codes)), set by bind

    @property
    def n_choices(self) -> int:
        return self.n_sets

    stage: ClassVar[str] = "weights"

    def label(self, code: float) -> str:
        return f"noise set {int(code)}"


@dataclass(frozen=True)
class WeightScenarios(_Choice):
    """Choice among named weight sets (iCode -> weight, overriding the nominal weights)."""

    stage: ClassVar[str] = "weights"


@dataclass(frozen=True)
class IndicatorSwitch(UncertainInput):
    """Include (code 0) or exclude (code 1) one indicator; exclusion = weight zero."""

    indicator: str = ""
    p_exclude: float = 0.5

    @property
    def n_choices(self) -> int:
        return 2

    stage: ClassVar[str] = "weights"

    def codes(self, u: np.ndarray) -> np.ndarray:
        return (np.asarray(u) >= 1.0 - self.p_exclude).astype(np.float64)

    def label(self, code: float) -> str:
        return "exclude" if code else "include"


@dataclass(frozen=True)
class DataChoice(_Choice):
    """Choice among alternative unit-data tables, paths or DataFrames (code 0: the first).

    ``keep_coverage``: the alternatives fill gaps of the first (imputations), so coverage,
    the aggregates' masks and the ranking rule stay those of the observed data."""

    keep_coverage: bool = False
    stage: ClassVar[str] = "upstream"


@dataclass(frozen=True)
class SurveyDraws(UncertainInput):
    """Sampling error of survey net balances (scoring mode): ``n_sets`` redraws of each
    listed (unit, indicator) value ``100 (k+ - k-) / N`` with ``(k+, k-, rest)`` ~
    Multinomial(N, (p+, p-, 1 - p+ - p-)), N the published number of respondents; the input
    chooses among the sets. ``table``: columns uCode, indicator, p_pos, p_neg, n. Drawn by
    the model's ``bind`` from the seed (``deltas``: set x units x indicators, drawn minus
    observed)."""

    table: pd.DataFrame | None = None
    n_sets: int = 200
    deltas: np.ndarray | None = None

    @property
    def n_choices(self) -> int:
        return self.n_sets

    stage: ClassVar[str] = "scoring"

    def label(self, code: float) -> str:
        return f"survey draw {int(code)}"


def survey_deltas(
    table: pd.DataFrame,
    units: np.ndarray,
    indicators: Sequence[str],
    n_sets: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(n_sets, units, indicators) redrawn minus published net balances (0 elsewhere), one
    vectorised multinomial draw for every (set, unit, indicator)."""
    out = np.zeros((n_sets, len(units), len(indicators)))
    t = table.dropna(subset=["p_pos", "p_neg", "n"])
    t = t[t["n"] > 0]
    ui = pd.Index(units).get_indexer(t["uCode"])
    ii = pd.Index(indicators).get_indexer(t["indicator"])
    keep = (ui >= 0) & (ii >= 0)
    if not keep.any():
        return out
    t, ui, ii = t[keep], ui[keep], ii[keep]
    p = t[["p_pos", "p_neg"]].to_numpy(dtype=np.float64)
    if (p < 0).any() or (p.sum(axis=1) > 1 + 1e-9).any():
        raise SensitivityError("survey: shares must be >= 0 and sum to at most 1 per unit")
    n = t["n"].to_numpy(dtype=np.int64)
    pv = np.column_stack([p, np.clip(1.0 - p.sum(axis=1), 0.0, 1.0)])
    pv = pv / pv.sum(axis=1, keepdims=True)
    k = rng.multinomial(n, pv, size=(n_sets, len(n)))  # (sets, cells, 3)
    drawn = 100.0 * (k[..., 0] - k[..., 1]) / n
    out[:, ui, ii] = drawn - 100.0 * (p[:, 0] - p[:, 1])
    return out


@dataclass(frozen=True)
class ScoringFactor(UncertainInput):
    """Neutral shift (in goalpost units) or goalpost scale factor for some indicators."""

    what: str = "neutral"  # or "goalpost"
    indicators: tuple[str, ...] | None = None
    low: float = 0.0
    high: float = 0.0
    values: tuple[float, ...] | None = None
    # documented per-indicator ranges (absolute, the indicator's unit), aligned with
    # ``indicators``: the code u in [0, 1] moves every listed indicator from lo (u = 0) through
    # its nominal value (u = 0.5) to hi (u = 1); see scoring_model.centred_in_range
    bounds: tuple[tuple[float, float], ...] | None = None

    @property
    def n_choices(self) -> int | None:
        return None if self.values is None else len(self.values)

    stage: ClassVar[str] = "scoring"

    def codes(self, u: np.ndarray) -> np.ndarray:
        if self.values is not None:
            return super().codes(u)
        return (self.low + np.asarray(u) * (self.high - self.low)).astype(np.float64)

    def factor(self, codes: np.ndarray) -> np.ndarray:
        """Codes -> the shift / scale actually applied."""
        if self.values is None:
            return codes
        return np.asarray(self.values, dtype=np.float64)[codes.astype(np.intp)]

    def label(self, code: float) -> str:
        if self.bounds is not None:
            return f"{self.what} at {float(code):.4g} of each indicator's documented range"
        v = float(self.factor(np.array([code]))[0])
        return f"{self.what} {'shift' if self.what == 'neutral' else 'scale'} {v!r}"


# ----------------------------------------------------------------------------- parsing
_KEYS: dict[str, set[str]] = {
    "step": {"kind", "step", "choices", "param", "values", "range", "integer"},
    "aggregation": {"kind", "choices", "levels"},
    "weights_noise": {"kind", "noise", "n_sets"},
    "weights_scenarios": {"kind", "choices"},
    "include": {"kind", "indicators", "p_exclude"},
    "data": {"kind", "choices"},
    "neutral": {"kind", "indicators", "range", "values", "bounds"},
    "goalpost": {"kind", "indicators", "range", "values", "bounds"},
}


def _range(where: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise SensitivityError(f"{where}.range: must be [low, high], got {value!r}")
    try:
        lo, hi = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise SensitivityError(f"{where}.range: must be two numbers, got {value!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise SensitivityError(f"{where}.range: needs finite low < high, got {value!r}")
    return lo, hi


def _nonempty_list(where: str, key: str, value: Any, minimum: int = 1) -> list[Any]:
    if not isinstance(value, list | tuple) or len(value) < minimum:
        raise SensitivityError(
            f"{where}.{key}: must be a list of at least {minimum} alternative(s), got {value!r}"
        )
    return list(value)


def _load_weights(where: str, item: Any, base_dir: Path | None) -> tuple[dict[str, float], str]:
    if isinstance(item, Mapping):
        raw, label = item, _dump(dict(item))
    else:
        path = Path(str(item))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise SensitivityError(f"{where}: weight scenario file not found: {path}")
        try:
            raw = load_yaml(path)
        except YamlError as exc:
            raise SensitivityError(f"{where}: {exc}") from None
        label = str(item)
        if isinstance(raw, Mapping) and "weights" in raw:
            raw = raw["weights"]
    if not isinstance(raw, Mapping):
        raise SensitivityError(f"{where}: a weight set must map iCode -> weight, got {raw!r}")
    out = {}
    for k, v in raw.items():
        try:
            out[str(k)] = float(v)
        except (TypeError, ValueError):
            raise SensitivityError(f"{where}: weight of {k!r} is not a number: {v!r}") from None
    return out, label


def parse_input(
    name: str, spec: Mapping[str, Any], base_dir: Path | None = None
) -> list[UncertainInput]:
    """One YAML entry -> one input (or several for ``include``)."""
    where = f"inputs.{name}"
    if not isinstance(spec, Mapping):
        raise SensitivityError(f"{where}: must be a mapping with a 'kind' key, got {spec!r}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise SensitivityError(f"{where}.kind: {kind!r} is not one of {list(KINDS)}")
    unknown = sorted(set(spec) - _KEYS[kind])
    if unknown:
        raise SensitivityError(
            f"{where}: unknown key(s) {unknown} for kind {kind!r}; valid: {sorted(_KEYS[kind])}"
        )
    if kind == "step":
        step = spec.get("step")
        if not isinstance(step, str) or not step:
            raise SensitivityError(f"{where}.step: the recipe step name is required")
        given = [k for k in ("choices", "values", "range") if k in spec]
        if len(given) != 1:
            raise SensitivityError(f"{where}: give exactly one of choices / values / range")
        if "choices" in spec:
            if "param" in spec:
                raise SensitivityError(f"{where}.param: not used with 'choices' (give dicts)")
            ch = _nonempty_list(where, "choices", spec["choices"])
            bad = [c for c in ch if not isinstance(c, Mapping)]
            if bad:
                raise SensitivityError(
                    f"{where}.choices: each must be a parameter dict, got {bad[0]!r}"
                )
            return [StepChoice(name, tuple(dict(c) for c in ch), step=step)]
        param = spec.get("param")
        if not isinstance(param, str) or not param:
            raise SensitivityError(f"{where}.param: required with 'values' or 'range'")
        if "values" in spec:
            vals = _nonempty_list(where, "values", spec["values"])
            return [StepChoice(name, tuple({param: v} for v in vals), step=step)]
        lo, hi = _range(where, spec["range"])
        integer = bool(spec.get("integer", False))
        if integer and (lo != int(lo) or hi != int(hi)):
            raise SensitivityError(f"{where}.range: integer ranges need integer bounds")
        return [StepRange(name, step, param, lo, hi, integer)]
    if kind == "aggregation":
        ch = _nonempty_list(where, "choices", spec.get("choices"))
        methods = []
        for m in ch:
            bare = str(m).removeprefix("a_")
            if bare not in METHODS:
                raise SensitivityError(
                    f"{where}.choices: unknown aggregation method {m!r}; choose from {list(METHODS)}"
                )
            methods.append(bare)
        levels = spec.get("levels")
        if levels is not None:
            levels = tuple(int(v) for v in _nonempty_list(where, "levels", levels))
        return [AggregationChoice(name, tuple(methods), levels=levels)]
    if kind == "weights_noise":
        noise = spec.get("noise")
        if not isinstance(noise, Mapping) or not noise:
            raise SensitivityError(f"{where}.noise: must map level -> fraction, e.g. {{2: 0.25}}")
        parsed = {}
        for lev, f in noise.items():
            try:
                lev_i, f_f = int(lev), float(f)
            except (TypeError, ValueError):
                raise SensitivityError(f"{where}.noise: bad entry {lev!r}: {f!r}") from None
            if not 0 <= f_f < 1:
                raise SensitivityError(f"{where}.noise.{lev}: fraction must be in [0, 1), got {f}")
            parsed[lev_i] = f_f
        n_sets = spec.get("n_sets", 100)
        if isinstance(n_sets, bool) or not isinstance(n_sets, int) or n_sets < 1:
            raise SensitivityError(f"{where}.n_sets: must be a positive integer, got {n_sets!r}")
        return [WeightNoise(name, parsed, n_sets)]
    if kind == "weights_scenarios":
        ch = _nonempty_list(where, "choices", spec.get("choices"))
        loaded = [_load_weights(f"{where}.choices[{i}]", c, base_dir) for i, c in enumerate(ch)]
        return [WeightScenarios(name, tuple(w for w, _ in loaded), tuple(lb for _, lb in loaded))]
    if kind == "include":
        p = float(spec.get("p_exclude", 0.5))
        if not 0 < p < 1:
            raise SensitivityError(f"{where}.p_exclude: must be in (0, 1), got {p}")
        inds = spec.get("indicators", "all")
        if inds == "all":
            return [IncludeAll(name, p)]
        inds = _nonempty_list(where, "indicators", inds)
        return [IndicatorSwitch(f"{name}:{c}", str(c), p) for c in inds]
    if kind == "data":
        ch = _nonempty_list(where, "choices", spec.get("choices"), minimum=2)
        paths, labels = [], []
        for c in ch:
            if isinstance(c, pd.DataFrame):
                paths.append(c)
                labels.append(f"table {len(labels)}")
                continue
            path = Path(str(c))
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            if not path.is_file():
                raise SensitivityError(f"{where}.choices: data file not found: {path}")
            paths.append(path)
            labels.append(str(c))
        return [DataChoice(name, tuple(paths), tuple(labels))]
    # neutral / goalpost
    if "bounds" in spec:
        return [_bounded_factor(where, name, kind, spec)]
    inds = spec.get("indicators")
    if inds is not None:
        inds = tuple(str(c) for c in _nonempty_list(where, "indicators", inds))
    if ("range" in spec) == ("values" in spec):
        raise SensitivityError(f"{where}: give exactly one of range / values")
    if "values" in spec:
        vals = tuple(float(v) for v in _nonempty_list(where, "values", spec["values"]))
        if kind == "goalpost" and min(vals) <= 0:
            raise SensitivityError(f"{where}.values: goalpost scale factors must be > 0")
        return [ScoringFactor(name, kind, inds, 0.0, 0.0, vals)]
    lo, hi = _range(where, spec["range"])
    if kind == "goalpost" and lo <= 0:
        raise SensitivityError(f"{where}.range: goalpost scale factors must be > 0")
    return [ScoringFactor(name, kind, inds, lo, hi, None)]


def _bounded_factor(where: str, name: str, kind: str, spec: Mapping[str, Any]) -> ScoringFactor:
    """``bounds: {iCode: [lo, hi]}``: documented absolute ranges, all moved by one code."""
    extra = sorted(set(spec) & {"indicators", "range", "values"})
    if extra:
        raise SensitivityError(f"{where}: 'bounds' replaces {extra}; give one of them")
    raw = spec["bounds"]
    if not isinstance(raw, Mapping) or not raw:
        raise SensitivityError(f"{where}.bounds: must map iCode -> [low, high], got {raw!r}")
    codes, bounds = [], []
    for code, rng in raw.items():
        lo, hi = _range(f"{where}.bounds.{code}", rng)
        if kind == "goalpost" and lo <= 0:
            raise SensitivityError(f"{where}.bounds.{code}: goalposts must be > 0, got {lo}")
        codes.append(str(code))
        bounds.append((lo, hi))
    return ScoringFactor(name, kind, tuple(codes), 0.0, 1.0, None, tuple(bounds))


@dataclass(frozen=True)
class IncludeAll(UncertainInput):
    """Placeholder for ``include`` over every indicator; expanded once the framework is known."""

    p_exclude: float = 0.5

    stage: ClassVar[str] = "weights"


def parse_inputs(
    spec: Mapping[str, Any], base_dir: Path | None = None
) -> tuple[UncertainInput, ...]:
    """The ``inputs:`` mapping of a sensitivity config -> uncertain inputs, in order."""
    if not isinstance(spec, Mapping) or not spec:
        raise SensitivityError("inputs: must be a non-empty mapping of name -> input spec")
    out: list[UncertainInput] = []
    for name, item in spec.items():
        out.extend(parse_input(str(name), item, base_dir))
    names = [i.name for i in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SensitivityError(f"inputs: duplicate input name(s) {dup}")
    return tuple(out)


def expand_include(
    inputs: Sequence[UncertainInput], indicators: Sequence[str]
) -> tuple[UncertainInput, ...]:
    """Replace ``include: all`` by one switch per indicator."""
    out: list[UncertainInput] = []
    for inp in inputs:
        if isinstance(inp, IncludeAll):
            out.extend(IndicatorSwitch(f"{inp.name}:{c}", c, inp.p_exclude) for c in indicators)
        else:
            out.append(inp)
    return tuple(out)


def noise_multipliers(
    noise: Mapping[int, float],
    n_sets: int,
    weight_codes: Sequence[str],
    code_level: Mapping[str, int],
    rng: np.random.Generator,
) -> np.ndarray:
    """(n_sets, len(weight_codes)) multipliers ``1 + f * (2v - 1)``, f per node's level."""
    f = np.array([noise.get(code_level[c], 0.0) for c in weight_codes])
    v = rng.random((n_sets, len(weight_codes)))
    return 1.0 + f * (2.0 * v - 1.0)
