"""Sensitivity of the real migration-dividend index: the generic analysis bound to its frameworks.

For one weight scenario, every framework (country, city frameworks) and every reference year
of the panel, the signed dividend is re-scored under uncertain inputs; the result is a set of
long tables, each with ``scenario``, ``framework`` and ``reference_year`` columns, that the
Dagster asset writes to schema ``sensitivity`` (the release picks that schema up). No Dagster
here: the asset is a thin wrapper.

Inputs that vary are named in ``vary`` (any subset); in the tables they are called:

* ``weights`` -> ``weight_noise``: ±``weight_noise`` multiplicative noise on indicator,
  pillar and dimension weights (``n_sets`` noisy sets), applied *after* the scenario choice;
* ``scenario`` -> ``weight_scenario``: a choice among every weight scenario file;
* ``neutral`` -> ``neutral_range`` (indicators with a documented ``neutral_range`` in the
  framework file, moved together within their ranges) and ``neutral_shift`` (the others:
  shifted by up to ±``neutral_shift`` goalposts);
* ``goalpost`` -> ``goalpost_range`` / ``goalpost_scale``, the same for goalposts
  (``goalpost_range``, else scaled within ``goalpost_scale``);
* ``aggregation``: how pillar dividends combine (levels >= 3): signed arithmetic mean, geometric
  mean on the shifted scale, Mazziotta-Pareto (:mod:`dividend.sensitivity.signed_means`);
* ``imputation``: none (the index's rule), the frame mean of the indicator in that reference
  year, or EM under a multivariate normal with a ridge prior of ``em_ridge`` pseudo-units
  (default: one per scored indicator). Only rankable units' gaps are filled and coverage,
  masks and the ranking rule stay those of the observed data, so a unit the index does not
  rank never gets a value from imputation;
* ``survey`` -> ``survey_sampling``: survey net balances with a published number of
  respondents (an indicator's ``sampling:`` key, e.g. QoL 2023) redrawn from their
  multinomial sampling distribution (:class:`dividend.sensitivity.inputs.SurveyDraws`).

The same design rows (same seed: same codes, same noise sets) are evaluated for every
reference year, so the 5-year change of a unit's dividend is paired run by run:
``changes`` gives its interval and ``p_improved`` (share of runs where it rose).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from dividend.engine.framework import Framework
from dividend.engine.methods.impute_em import impute_em
from dividend.engine.scoring import ScoringSpec
from dividend.index.definition import FrameworkConfig, Scenario
from dividend.index.verdict import counted_pillars, required_pillars
from dividend.sensitivity.inputs import DataChoice, SensitivityError, SurveyDraws, parse_inputs
from dividend.sensitivity.models import ScoringModel
from dividend.sensitivity.results import SensitivityResult, column_stats
from dividend.sensitivity.runner import run_sensitivity
from dividend.sensitivity.signed_means import SIGNED_METHODS

VARY = ("weights", "scenario", "neutral", "goalpost", "aggregation", "imputation", "survey")
TABLES = ("units", "inputs", "unit_indices", "runs", "leave_one_out")
IMPUTATIONS = ("none", "group_mean", "em")
CHANGE_YEARS = 5  # the panel's change horizon (issue 12: the 5-year change)
MIN_RANKED = 2  # rankable units a framework-year needs for a rank-based analysis


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
    aggregation: Sequence[str] = SIGNED_METHODS
    em_ridge: float | None = None  # None: one pseudo-unit per scored indicator
    min_coverage: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)  # more input specs, YAML layout

    def __post_init__(self) -> None:  # lists from a Dagster config or YAML
        self.vary = tuple(self.vary)
        self.aggregation = tuple(self.aggregation)
        self.goalpost_scale = tuple(self.goalpost_scale)  # type: ignore[assignment]
        if len(self.goalpost_scale) != 2:
            raise SensitivityError(
                f"goalpost_scale: give [low, high], got {list(self.goalpost_scale)}"
            )


def index_inputs(
    settings: IndexSettings,
    framework_levels: int,
    scenario_weights: Mapping[str, Mapping[str, float]],
    ranges: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
    scored: Sequence[str] = (),
) -> dict[str, Any]:
    """The input spec for :func:`dividend.sensitivity.inputs.parse_inputs`.

    ``ranges``: ``{"neutral": {code: (lo, hi)}, "goalpost": {...}}``, the documented
    per-indicator ranges; ``scored``: the scored indicators (those without a documented
    range get the generic shift / scale)."""
    bad = sorted(set(settings.vary) - set(VARY))
    if bad:
        raise SensitivityError(f"vary: unknown input(s) {bad}; choose from {list(VARY)}")
    ranges = ranges or {}
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
    generic = {
        "neutral": ("neutral_shift", [-settings.neutral_shift, settings.neutral_shift]),
        "goalpost": ("goalpost_scale", list(settings.goalpost_scale)),
    }
    for what, (name, rng) in generic.items():
        if what not in settings.vary:
            continue
        documented = {c: list(v) for c, v in ranges.get(what, {}).items()}
        if documented:
            spec[f"{what}_range"] = {"kind": what, "bounds": documented}
        rest = [c for c in scored if c not in documented]
        if rest or not scored:
            spec[name] = {"kind": what, "range": rng} | ({"indicators": rest} if scored else {})
    if "aggregation" in settings.vary and framework_levels >= 3 and len(settings.aggregation) > 1:
        spec["aggregation"] = {"kind": "aggregation", "choices": list(settings.aggregation)}
    spec.update(settings.extra)
    if not spec:
        raise SensitivityError("vary: nothing to vary")
    return spec


def documented_ranges(fw: FrameworkConfig) -> dict[str, dict[str, tuple[float, float]]]:
    """Per scored indicator, the ``neutral_range`` / ``goalpost_range`` of its framework file
    (fixed neutrals only: a peer-median neutral has no absolute range)."""
    out: dict[str, dict[str, tuple[float, float]]] = {"neutral": {}, "goalpost": {}}
    for ind in fw.indicators:
        if ind.role == "context":
            continue
        nr = getattr(ind, "neutral_range", None)
        gr = getattr(ind, "goalpost_range", None)
        if nr is not None and ind.neutral is not None:
            out["neutral"][ind.code] = (float(nr[0]), float(nr[1]))
        if gr is not None:
            out["goalpost"][ind.code] = (float(gr[0]), float(gr[1]))
    return out


def survey_table(con: Any, fw: FrameworkConfig) -> pd.DataFrame:
    """uCode, indicator, p_pos, p_neg, n for every scored indicator with a ``sampling:`` key
    ({dataset, positive, negative, n}: the staged indicator codes of the two shares and of
    the number of respondents), from ``staged.<dataset>`` (city rows)."""
    parts = []
    for ind in fw.indicators:
        sm = getattr(ind, "sampling", None)
        if not sm or ind.role == "context":
            continue
        q = (
            f"SELECT p.geo AS uCode, ? AS indicator, p.value AS p_pos, m.value AS p_neg, "
            f"k.value AS n FROM staged.{sm['dataset']} p "
            f"JOIN staged.{sm['dataset']} m ON m.geo = p.geo AND m.year = p.year "
            f"JOIN staged.{sm['dataset']} k ON k.geo = p.geo AND k.year = p.year "
            "WHERE p.indicator = ? AND m.indicator = ? AND k.indicator = ?"
        )
        parts.append(con.execute(q, [ind.code, sm["positive"], sm["negative"], sm["n"]]).df())
    cols = ["uCode", "indicator", "p_pos", "p_neg", "n"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def matching_survey(survey: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame | None:
    """The survey rows whose published net balance is the value the table scores (a panel
    year that carries another wave or source for a unit gets no draws for it)."""
    if survey is None or survey.empty:
        return None
    long = table.stack().rename("value").rename_axis(["uCode", "indicator"]).reset_index()
    m = survey.merge(long, on=["uCode", "indicator"], how="inner")
    same = np.isclose(m["value"], 100.0 * (m["p_pos"] - m["p_neg"]), rtol=0, atol=1e-6)
    return m.loc[same, list(survey.columns)].reset_index(drop=True)


def imputed_tables(
    table: pd.DataFrame, scored: Sequence[str], fill: np.ndarray, ridge: float | None
) -> tuple[list[pd.DataFrame], list[str]]:
    """The observed table and its group-mean and EM imputations (scored indicators, rows
    ``fill`` only: units the index ranks). Group = the frame's units in that year.

    EM: :func:`dividend.engine.methods.impute_em.impute_em` on the filled rows with a ridge
    prior of ``ridge`` pseudo-units (default: the number of indicators), which keeps the
    covariance positive definite when units are few; indicators nobody observes stay NaN.
    """
    cols = [c for c in scored if table[c].notna().any()]
    x = table[cols].to_numpy(dtype=np.float64)
    rows = np.flatnonzero(fill)
    mean_t, em_t = table.copy(), table.copy()
    labels = ["none", "group_mean", "em"]
    if rows.size and cols:
        sub = x[rows]
        gm = np.where(np.isnan(sub), np.nanmean(x, axis=0)[None, :], sub)
        mean_t.iloc[rows, [table.columns.get_loc(c) for c in cols]] = gm
        try:
            em = impute_em(sub, codes=cols, ridge=len(cols) if ridge is None else ridge)
            em_t.iloc[rows, [table.columns.get_loc(c) for c in cols]] = em.X
            if not em.converged:
                labels[2] = "em (not converged)"
        except ValueError as exc:  # too little data: say so, use the observed table
            labels[2] = f"em (failed: {exc}; observed data used)"
    return [table, mean_t, em_t], labels


def result_tables(
    res: SensitivityResult, scenario: str, framework: str, reference_year: int | None = None
) -> dict[str, pd.DataFrame]:
    """The result's tables with ``scenario``, ``framework`` and ``reference_year`` in front."""
    out = {}
    for name in TABLES:
        t = getattr(res, name)
        if t is None:
            continue
        out[name] = keyed(t, scenario, framework, reference_year)
    return out


def keyed(
    t: pd.DataFrame, scenario: str, framework: str, reference_year: int | None
) -> pd.DataFrame:
    t = t.copy()
    clash = {"scenario", "framework", "reference_year"} & set(t.columns)
    if clash:
        raise SensitivityError(f"input name(s) {sorted(clash)} are reserved for table keys")
    t.insert(0, "reference_year", pd.array([reference_year] * len(t), dtype="Int64"))
    t.insert(0, "framework", framework)
    t.insert(0, "scenario", scenario)
    return t.reset_index(drop=True)


def draw_rows(res: SensitivityResult) -> slice:
    """The runs that are independent draws (A and B of a Saltelli design; all otherwise)."""
    return slice(0, 2 * res.meta["n"]) if res.meta["design"] == "sa" else slice(None)


def change_table(now: SensitivityResult, base: SensitivityResult) -> pd.DataFrame:
    """Per unit present in both years: the nominal change of the dividend and, from the same
    design rows evaluated in both years (paired), its 5/50/95% quantiles and the share of
    runs in which it rose (``p_improved``). Failed runs (NaN) drop out; a unit without a
    dividend in either year has no change row."""
    units = pd.Index(now.units["uCode"]).intersection(pd.Index(base.units["uCode"]), sort=False)
    i = pd.Index(now.units["uCode"]).get_indexer(units)
    j = pd.Index(base.units["uCode"]).get_indexer(units)
    if now.meta["seed"] != base.meta["seed"] or now.meta["n"] != base.meta["n"]:
        raise SensitivityError("change: both years must share the design (seed and n)")
    d = now.scores[draw_rows(now)][:, i].astype(np.float64) - base.scores[draw_rows(base)][:, j]
    st = column_stats(d, [0.05, 0.5, 0.95])
    ok = ~np.isnan(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_up = np.where(st["count"] > 0, (d > 0).sum(axis=0) / st["count"], np.nan)
    nominal = now.units["nominal_score"].to_numpy()[i] - base.units["nominal_score"].to_numpy()[j]
    out = pd.DataFrame(
        {
            "uCode": units.to_numpy(dtype=object),
            "nominal_change": nominal,
            "change_q05": st["q"][0],
            "change_median": st["q"][1],
            "change_q95": st["q"][2],
            "p_improved": p_up,
            "n_runs": ok.sum(axis=0),
        }
    )
    return out[out["n_runs"] > 0].reset_index(drop=True)  # a change needs both years


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
    data: Mapping[str, pd.DataFrame | Mapping[int, pd.DataFrame]],
    settings: IndexSettings,
    progress: Callable[[str, int, int], None] | None = None,
    client: Any = None,
    nominal: Mapping[str, Framework] | None = None,
    surveys: Mapping[str, pd.DataFrame] | None = None,
    headline: Mapping[str, int] | None = None,
    years: Collection[int] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the analysis for every framework and reference year with data; tables
    concatenated over both (plus ``changes``: the paired 5-year change).

    ``frameworks``: name -> ``FrameworkConfig``; ``scenario`` the partition's ``Scenario``;
    ``all_scenarios`` name -> Scenario (for the scenario choice); ``data`` name -> units ×
    indicators table (``dividend.index.formulas.wide``), or name -> {reference_year: table}
    for the panel. ``nominal``: the trees the index scored with (:func:`resolved_trees`);
    default: the scenario's own. ``client``: a ``distributed.Client`` to run the blocks on
    (same results as locally). ``surveys``: name -> :func:`survey_table`. ``headline``:
    name -> the frame's headline reference year (default: its latest): with design ``sa``,
    that year gets the full Saltelli design (Sobol indices) and the other years its A and B
    rows only (design ``ab``: the same points, so every per-unit statistic is as under
    ``sa`` and changes pair run by run, at 2 / (d + 2) of the cost). ``years``: report only
    these reference years (default: all); a year's change needs the year five before, which
    is then run too (same design as in a whole-panel run, not reported), so one year on its
    own gives exactly the rows the whole panel gives for it. ``headline`` must then come
    from every year (the stored index), never from ``years``.
    """
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in (*TABLES, "changes")}
    for name, fw in frameworks.items():
        panel = data.get(name)
        if panel is None or not getattr(fw, "scored", True):  # context-only frame: unranked
            continue
        if isinstance(panel, pd.DataFrame):
            panel = {None: panel}
        results: dict[Any, SensitivityResult] = {}
        top = (headline or {}).get(name, max((y for y in panel if y is not None), default=None))
        report = set(panel) if years is None else set(years)
        needed = report | {y - CHANGE_YEARS for y in report if y is not None}
        for year, table in sorted(panel.items(), key=lambda kv: (kv[0] is None, kv[0])):
            if table.empty or year not in needed:
                continue
            survey = matching_survey((surveys or {}).get(name), table)
            design = "ab" if settings.design == "sa" and year != top else settings.design
            res = framework_year(
                fw,
                name,
                scenario,
                all_scenarios,
                table,
                replace(settings, design=design),
                progress,
                client,
                nominal,
                survey,
            )
            if res is None:
                continue
            results[year] = res
            if year not in report:
                continue  # a base year of a reported change only
            for t, frame in result_tables(res, scenario.name, name, year).items():
                parts[t].append(frame)
        for year, res in results.items():
            base = None if year is None else results.get(year - CHANGE_YEARS)
            if year not in report:
                continue
            if base is not None:
                ch = keyed(change_table(res, base), scenario.name, name, year)
                ch.insert(3, "base_year", year - CHANGE_YEARS)
                parts["changes"].append(ch)
    return {t: pd.concat(v, ignore_index=True) for t, v in parts.items() if v}


def framework_year(
    fw: FrameworkConfig,
    name: str,
    scenario: Scenario,
    all_scenarios: Mapping[str, Scenario],
    table: pd.DataFrame,
    settings: IndexSettings,
    progress: Callable[[str, int, int], None] | None,
    client: Any,
    nominal: Mapping[str, Framework] | None,
    survey: pd.DataFrame | None = None,
) -> SensitivityResult | None:
    """One framework in one reference year (same seed, so the same design in every year);
    None when fewer than :data:`MIN_RANKED` units are rankable (ranks, the Sobol target,
    need at least two)."""
    if nominal is not None and name in nominal:
        spec = ScoringSpec.from_framework(nominal[name])
    else:
        spec = fw.scoring_spec(scenario)
    weights = {
        s_name: {c: w for c, w in fw.framework(s).weight.items() if c != spec.framework.index_code}
        for s_name, s in all_scenarios.items()
    }
    scored = [c for c, ok in zip(spec.indicators, spec.scored, strict=True) if ok]
    inputs = list(
        parse_inputs(
            index_inputs(settings, spec.framework.levels, weights, documented_ranges(fw), scored)
        )
    )
    model = ScoringModel(
        spec,
        table,
        min_coverage=settings.min_coverage,
        rank_min_coverage=fw.rank_min_coverage,  # the index's ranking rule
        rank_pillars=(counted_pillars(fw), required_pillars(fw)),
    )
    if model.nominal_rankable().sum() < MIN_RANKED:
        return None  # nothing to rank in this year: no uncertainty result (verdict: I-A)
    if "imputation" in settings.vary:
        fill = np.isin(model.units, model.units[model.nominal_rankable()])
        order = pd.Index(table.index).get_indexer(model.units)
        mask = np.zeros(len(table), dtype=bool)
        mask[order[fill]] = True
        tables, labels = imputed_tables(table, scored, mask, settings.em_ridge)
        inputs.append(DataChoice("imputation", tuple(tables), tuple(labels), keep_coverage=True))
    if "survey" in settings.vary and survey is not None and len(survey):
        inputs.append(SurveyDraws("survey_sampling", table=survey, n_sets=settings.n_sets))
    report = None if progress is None else (lambda d, t, n=name: progress(n, d, t))
    return run_sensitivity(
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
