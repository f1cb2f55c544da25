"""Sensitivity of the real migration-dividend index: the generic analysis bound to its frameworks.

For one weight scenario and every framework (country, city frameworks), the signed
dividend is re-scored under uncertain weights, neutral values and goalposts, and the
choice of weight scenario; the result is a set of long tables, each with ``scenario``
and ``framework`` columns, that the Dagster asset writes to schema ``sensitivity`` (the
release picks that schema up). No Dagster here: the asset is a thin wrapper.

Inputs that vary are named in ``vary`` (any subset); in the tables they are called
``weight_noise``, ``weight_scenario``, ``neutral_shift`` and ``goalpost_scale``:

* ``weights``: ±``weight_noise`` multiplicative noise on indicator, pillar and dimension
  weights (``n_sets`` noisy sets);
* ``scenario``: a choice among every weight scenario file (the partition's own included);
* ``neutral``: neutral values shifted by up to ±``neutral_shift`` goalposts;
* ``goalpost``: goalposts scaled within ``goalpost_scale``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dividend.engine.framework import Framework
from dividend.engine.scoring import ScoringSpec
from dividend.index.definition import FrameworkConfig, Scenario
from dividend.sensitivity.inputs import SensitivityError, parse_inputs
from dividend.sensitivity.models import ScoringModel
from dividend.sensitivity.results import SensitivityResult
from dividend.sensitivity.runner import run_sensitivity

VARY = ("weights", "scenario", "neutral", "goalpost")
TABLES = ("units", "inputs", "unit_indices", "runs", "leave_one_out")


@dataclass
class IndexSettings:
    """How the index sensitivity runs (the Dagster config mirrors these fields)."""

    n: int = 256
    seed: int = 20_240_601
    design: str = "sa"
    sampler: str = "sobol"
    nboot: int = 1000
    vary: Sequence[str] = VARY
    weight_noise: float = 0.25
    n_sets: int = 200
    neutral_shift: float = 0.25
    goalpost_scale: tuple[float, float] = (0.75, 1.33)
    min_coverage: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)  # more input specs, YAML layout

    def __post_init__(self) -> None:  # lists from a Dagster config or YAML
        self.vary = tuple(self.vary)
        self.goalpost_scale = tuple(self.goalpost_scale)  # type: ignore[assignment]
        if len(self.goalpost_scale) != 2:
            raise SensitivityError(
                f"goalpost_scale: give [low, high], got {list(self.goalpost_scale)}"
            )


def index_inputs(
    settings: IndexSettings,
    framework_levels: int,
    scenario_weights: Mapping[str, Mapping[str, float]],
) -> dict[str, Any]:
    """The input spec for :func:`dividend.sensitivity.inputs.parse_inputs`."""
    bad = sorted(set(settings.vary) - set(VARY))
    if bad:
        raise SensitivityError(f"vary: unknown input(s) {bad}; choose from {list(VARY)}")
    spec: dict[str, Any] = {}
    if "weights" in settings.vary:
        spec["weight_noise"] = {
            "kind": "weights_noise",
            "noise": dict.fromkeys(range(1, framework_levels), settings.weight_noise),
            "n_sets": settings.n_sets,
        }
    if "scenario" in settings.vary and len(scenario_weights) > 1:
        spec["weight_scenario"] = {
            "kind": "weights_scenarios",
            "choices": [dict(w) for w in scenario_weights.values()],
        }
    if "neutral" in settings.vary:
        s = settings.neutral_shift
        spec["neutral_shift"] = {"kind": "neutral", "range": [-s, s]}
    if "goalpost" in settings.vary:
        spec["goalpost_scale"] = {"kind": "goalpost", "range": list(settings.goalpost_scale)}
    spec.update(settings.extra)
    if not spec:
        raise SensitivityError("vary: nothing to vary")
    return spec


def result_tables(res: SensitivityResult, scenario: str, framework: str) -> dict[str, pd.DataFrame]:
    """The result's tables with ``scenario`` and ``framework`` columns in front."""
    out = {}
    for name in TABLES:
        t = getattr(res, name)
        if t is None:
            continue
        t = t.copy()
        clash = {"scenario", "framework"} & set(t.columns)
        if clash:
            raise SensitivityError(f"input name(s) {sorted(clash)} are reserved for table keys")
        t.insert(0, "framework", framework)
        t.insert(0, "scenario", scenario)
        out[name] = t.reset_index(drop=True)
    return out


def resolved_trees(
    frameworks: Mapping[str, FrameworkConfig], weights: pd.DataFrame
) -> dict[str, Framework]:
    """Each framework's tree under the weights the index used (``index.weights`` rows of one
    scenario: framework, code, weight), so nothing is re-read or re-applied."""
    out = {}
    for name, fw in frameworks.items():
        rows = weights[weights["framework"] == name]
        if len(rows):
            out[name] = fw.framework_with_weights(
                dict(zip(rows["code"], rows["weight"], strict=True))
            )
    return out


def index_sensitivity(
    frameworks: Mapping[str, FrameworkConfig],
    scenario: Scenario,
    all_scenarios: Mapping[str, Scenario],
    data: Mapping[str, pd.DataFrame],
    settings: IndexSettings,
    progress: Callable[[str, int, int], None] | None = None,
    client: Any = None,
    nominal: Mapping[str, Framework] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the analysis for every framework with data; tables concatenated over frameworks.

    ``frameworks``: name -> ``FrameworkConfig``; ``scenario`` the partition's ``Scenario``;
    ``all_scenarios`` name -> Scenario (for the scenario choice); ``data`` name -> units ×
    indicators table (``dividend.index.formulas.wide``). ``nominal``: the trees the index
    scored with (:func:`resolved_trees`); default: the scenario's own. ``client``: a
    ``distributed.Client`` to run the blocks on (same results as locally).
    """
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    for name, fw in frameworks.items():
        if name not in data or data[name].empty:
            continue
        if nominal is not None and name in nominal:
            spec = ScoringSpec.from_framework(nominal[name])
        else:
            spec = fw.scoring_spec(scenario)
        weights = {
            s_name: {
                c: w for c, w in fw.framework(s).weight.items() if c != spec.framework.index_code
            }
            for s_name, s in all_scenarios.items()
        }
        inputs = parse_inputs(index_inputs(settings, spec.framework.levels, weights))
        model = ScoringModel(
            spec,
            data[name],
            min_coverage=settings.min_coverage,
            rank_min_coverage=fw.rank_min_coverage,  # the index's ranking rule
        )
        report = None if progress is None else (lambda d, t, n=name: progress(n, d, t))
        res = run_sensitivity(
            model,
            inputs,
            settings.n,
            settings.seed,
            settings.design,
            settings.sampler,
            settings.nboot,
            progress=report,
            client=client,
        )
        for t, frame in result_tables(res, scenario.name, name).items():
            parts[t].append(frame)
    return {t: pd.concat(v, ignore_index=True) for t, v in parts.items() if v}
