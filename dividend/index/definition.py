"""Framework YAML (indicators/*.yaml) and weight scenarios (indicators/weights/*.yaml).

The index's definition lives in data so researchers can change it without code; this module
is the single place that reads and validates those files. Every error names the file and the
key (``indicators[3].goalpost``, ``pillars.financial``) so a typo never reaches a run.

The tree built from a framework file is always four levels deep:
indicators -> pillars -> dimensions (``actuality``: Faal's five pillars; ``perception``:
public opinion) -> ``index``. Keeping perception a dimension of its own lets a scenario drop
it from the index (weight 0) while its dividend is still computed, so the perception gap
(perception minus actuality) is always reported.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dividend.engine.framework import Framework
from dividend.engine.scoring import PEER_MEDIAN, ROLES, ScoringSpec
from dividend.paths import INDICATORS_DIR, WEIGHTS_DIR
from dividend.safe_yaml import YamlError, load_yaml

PILLARS = ("financial", "economic", "social", "political", "protection", "perception")
# What an indicator measures (issue 12): a scored indicator must measure a benefit or cost of
# migration itself; anything else (generic prosperity, stocks, intake composition) is context.
KINDS = (
    "outcome_gap",
    "transfer",
    "skills_flow",
    "protection",
    "participation",
    "policy",
    "attitude",
    "context",
)
DIMENSIONS = ("actuality", "perception")
INDEX_CODE = "index"
AGGREGATION = {2: "amean", 3: "amean", 4: "amean"}  # pillars, dimensions, index
LEVELS = ("country", "city")
WEIGHTS_ENV = "DIVIDEND_WEIGHTS_DIR"  # benchmarks point the scenarios at a scratch copy
FRAMEWORK_FILES = ("country.yaml", "city_eu.yaml", "city_us.yaml", "city_ca.yaml")


class ConfigError(ValueError):
    """Invalid framework or scenario file; the message names the file and the key."""

    def __init__(self, msg: str, *, file: Path | str, key: str | None = None) -> None:
        where = f"{Path(file).name}" + (f", key {key!r}" if key else "")
        super().__init__(f"{where}: {msg}")
        self.file, self.key = str(file), key


def dimension_of(pillar: str) -> str:
    return "perception" if pillar == "perception" else "actuality"


def dim_code(dimension: str) -> str:
    """iCode of a dimension node (the pillar 'perception' already uses that name)."""
    return f"{dimension}_dim"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_yaml(path: Path) -> dict[str, Any]:
    """A framework or scenario file through the bounded loader (size and alias caps)."""
    try:
        doc = load_yaml(path)
    except YamlError as exc:
        line = f" (line {exc.line})" if exc.line is not None else ""
        raise ConfigError(f"{exc.detail}{line}", file=path) from None
    if not isinstance(doc, dict):
        raise ConfigError("top level must be a mapping", file=path)
    return doc


@dataclass(frozen=True)
class IndicatorDef:
    """One indicator of a framework file (see indicators/country.yaml for the fields)."""

    code: str
    name: str
    pillar: str
    role: str
    kind: str
    unit: str
    formula: str
    reference_year: int
    lookback: int
    neutral: float | None  # None = peer median (relative)
    goalpost: float | None  # None for context
    weight: float
    sources: tuple[str, ...]
    rationale: str
    # documented ranges the sensitivity varies break-even and goalpost within (absolute units)
    neutral_range: tuple[float, float] | None = None
    goalpost_range: tuple[float, float] | None = None
    # survey item whose published shares and n the sensitivity redraws (QoL net balances)
    sampling: dict[str, str] | None = None


@dataclass(frozen=True)
class FrameworkConfig:
    """A validated framework file: units query plus indicator definitions."""

    name: str
    title: str
    level: str
    peer_group: str
    units_sql: str
    indicators: tuple[IndicatorDef, ...]
    path: Path
    sha256: str
    rank_min_coverage: float = 0.5
    # a frame with nothing migration-specific to score (only context) is published unranked,
    # with this reason on every row (issue 12, item 4: no pretending)
    unranked_reason: str = ""
    # reference years of the panel (`panel: [first, last]`); empty = one cross-section
    panel_years: tuple[int, ...] = ()
    # the nominal tree and scoring spec, built once (see :meth:`framework`)
    built: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)

    @property
    def unit_year(self) -> int:
        """The frame's reference year: the last panel year, else its latest indicator year."""
        if self.panel_years:
            return self.panel_years[-1]
        return max(i.reference_year for i in self.indicators)

    @property
    def reference_years(self) -> tuple[int, ...]:
        """The frame's reference years: its panel, else its one unit year."""
        return self.panel_years or (self.unit_year,)

    @property
    def scored(self) -> bool:
        """False for a context-only frame: no tree, no score, no rank (see unranked_reason)."""
        return any(i.role != "context" for i in self.indicators)

    @property
    def pillars(self) -> tuple[str, ...]:
        """Pillars that hold at least one indicator, in canonical order."""
        used = {i.pillar for i in self.indicators}
        return tuple(p for p in PILLARS if p in used)

    @property
    def dimensions(self) -> tuple[str, ...]:
        used = {dimension_of(p) for p in self.pillars}
        return tuple(d for d in DIMENSIONS if d in used)

    def imeta(self, scenario: Scenario | None = None) -> pd.DataFrame:
        """COINr-style iMeta (with Role/Neutral/Goalpost) under the scenario's weights."""
        ind_w = {i.code: i.weight for i in self.indicators}
        pil_w = dict.fromkeys(self.pillars, 1.0)
        dim_w = dict.fromkeys(self.dimensions, 1.0)
        if scenario is not None:
            if scenario.equal_indicators:
                ind_w = dict.fromkeys(ind_w, 1.0)
            ind_w.update({k: v for k, v in scenario.indicators.items() if k in ind_w})
            pil_w.update({k: v for k, v in scenario.pillars.items() if k in pil_w})
            dim_w.update({k: v for k, v in scenario.dimensions.items() if k in dim_w})
        rows = [
            {
                "iCode": i.code,
                "iName": i.name,
                "Level": 1,
                "Parent": i.pillar,
                "Weight": ind_w[i.code],
                "Direction": 1,
                "Type": "Indicator",
                "Role": i.role,
                "Neutral": PEER_MEDIAN if i.neutral is None else i.neutral,
                "Goalpost": np.nan if i.goalpost is None else i.goalpost,
                "Unit": i.unit,
            }
            for i in self.indicators
        ]
        rows += [
            {
                "iCode": p,
                "iName": p,
                "Level": 2,
                "Parent": dim_code(dimension_of(p)),
                "Weight": pil_w[p],
            }
            for p in self.pillars
        ]
        rows += [
            {"iCode": dim_code(d), "iName": d, "Level": 3, "Parent": INDEX_CODE, "Weight": dim_w[d]}
            for d in self.dimensions
        ]
        rows.append({"iCode": INDEX_CODE, "iName": self.title, "Level": 4, "Weight": 1})
        meta = pd.DataFrame(rows)
        meta.loc[meta["Level"] > 1, ["Direction", "Type"]] = [1, "Aggregate"]
        meta["Parent"] = meta["Parent"].astype(object).where(meta["Parent"].notna(), None)
        return meta

    def build_tree(self, scenario: Scenario | None = None) -> Framework:
        """A new engine tree under the scenario's weights; the one place that builds one.

        Raises the engine's ValueError; :meth:`framework` names the file.
        """
        return Framework.from_imeta(self.imeta(scenario), methods=AGGREGATION)

    def framework(self, scenario: Scenario | None = None) -> Framework:
        """The tree under the scenario (None: nominal weights), built once per pair.

        Trees are immutable, so the one built when the scenario was validated is the one
        every later step scores with.
        """
        store = self.built if scenario is None else scenario.built
        key = ("tree", self.name, self.sha256)
        if key not in store:
            try:
                store[key] = self.build_tree(scenario)
            except ValueError as exc:
                src = scenario.path if scenario is not None else self.path
                raise ConfigError(f"framework {self.name!r}: {exc}", file=src) from None
        return store[key]

    def scoring_spec(self, scenario: Scenario | None = None) -> ScoringSpec:
        """The scoring spec of :meth:`framework`, built once per pair as well."""
        store = self.built if scenario is None else scenario.built
        key = ("spec", self.name, self.sha256)
        if key not in store:
            store[key] = ScoringSpec.from_framework(self.framework(scenario))
        return store[key]

    def framework_with_weights(self, weights: Mapping[str, float]) -> Framework:
        """The nominal tree with resolved node weights (as stored in ``index.weights``)."""
        return self.framework().with_weights(weights)


def _number(value: Any, *, file: Path, key: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{value!r} is not a number", file=file, key=key)
    v = float(value)
    if not np.isfinite(v):
        raise ConfigError(f"{value!r} is not finite", file=file, key=key)
    if positive and v <= 0:
        raise ConfigError(f"{value!r} must be > 0", file=file, key=key)
    return v


def _weight(value: Any, *, file: Path, key: str) -> float:
    w = _number(value, file=file, key=key)
    if w < 0:
        raise ConfigError(f"weight {value!r} is negative", file=file, key=key)
    return w


def _indicator(raw: Any, i: int, defaults: dict[str, Any], path: Path) -> IndicatorDef:
    k = f"indicators[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError("must be a mapping", file=path, key=k)
    d = {**defaults, **raw}
    for req in (
        "code",
        "name",
        "pillar",
        "role",
        "kind",
        "unit",
        "formula",
        "sources",
        "rationale",
    ):
        if d.get(req) in (None, "", []):
            raise ConfigError(f"missing {req!r}", file=path, key=f"{k}.{req}")
    code = str(d["code"])
    k = f"indicators[{i}] ({code})"
    if not code.isidentifier():
        raise ConfigError(f"code {code!r} must be an identifier", file=path, key=f"{k}.code")
    if d["pillar"] not in PILLARS:
        raise ConfigError(
            f"pillar {d['pillar']!r} is not one of {list(PILLARS)}", file=path, key=f"{k}.pillar"
        )
    if d["role"] not in ROLES:
        raise ConfigError(
            f"role {d['role']!r} is not one of {list(ROLES)}", file=path, key=f"{k}.role"
        )
    if d["kind"] not in KINDS:
        raise ConfigError(
            f"kind {d['kind']!r} is not one of {list(KINDS)}", file=path, key=f"{k}.kind"
        )
    if (d["kind"] == "context") != (d["role"] == "context"):
        raise ConfigError(
            f"kind {d['kind']!r} with role {d['role']!r}: kind context <=> role context",
            file=path,
            key=f"{k}.kind",
        )
    for req in ("reference_year", "lookback", "weight"):
        if req not in d:
            raise ConfigError(f"missing {req!r} (and no default)", file=path, key=f"{k}.{req}")
    ref = d["reference_year"]
    if isinstance(ref, bool) or not isinstance(ref, int):
        raise ConfigError(
            f"reference_year {ref!r} is not an integer year", file=path, key=f"{k}.reference_year"
        )
    lb = d["lookback"]
    if isinstance(lb, bool) or not isinstance(lb, int) or lb < 0:
        raise ConfigError(
            f"lookback {lb!r} must be an integer >= 0", file=path, key=f"{k}.lookback"
        )
    neutral: float | None = None
    goalpost: float | None = None
    if d["role"] != "context":
        if "neutral" not in d:
            raise ConfigError(
                "missing 'neutral' (a number or peer_median)", file=path, key=f"{k}.neutral"
            )
        if d["neutral"] is not None and d["neutral"] != PEER_MEDIAN:
            neutral = _number(d["neutral"], file=path, key=f"{k}.neutral")
        elif not str(d.get("relative_reason") or "").strip():
            raise ConfigError(
                "neutral peer_median needs a 'relative_reason' (why no natural break-even)",
                file=path,
                key=f"{k}.relative_reason",
            )
        goalpost = _number(d.get("goalpost"), file=path, key=f"{k}.goalpost", positive=True)
    sources = d["sources"]
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ConfigError(
            "sources must be a list of catalogue dataset ids", file=path, key=f"{k}.sources"
        )
    ranges = {r: _range(d.get(r), file=path, key=f"{k}.{r}") for r in RANGE_KEYS}
    _check_ranges(ranges, neutral, goalpost, file=path, key=k)
    sampling = d.get("sampling")
    if sampling is not None and not (
        isinstance(sampling, dict) and {"dataset", "positive", "negative", "n"} <= set(sampling)
    ):
        raise ConfigError(
            "sampling needs dataset, positive, negative and n", file=path, key=f"{k}.sampling"
        )
    return IndicatorDef(
        code=code,
        name=str(d["name"]),
        pillar=d["pillar"],
        role=d["role"],
        kind=d["kind"],
        unit=str(d["unit"]),
        formula=str(d["formula"]),
        reference_year=ref,
        lookback=lb,
        neutral=neutral,
        goalpost=goalpost,
        weight=_weight(d["weight"], file=path, key=f"{k}.weight"),
        sources=tuple(sources),
        rationale=" ".join(str(d["rationale"]).split()),
        **ranges,
        sampling=None if sampling is None else {str(a): str(b) for a, b in sampling.items()},
    )


RANGE_KEYS = ("neutral_range", "goalpost_range")


def _panel(value: Any, path: Path) -> tuple[int, ...]:
    """``panel: [first, last]`` -> every year in between (empty when absent)."""
    if value is None:
        return ()
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    )
    if not ok:
        raise ConfigError(f"{value!r} must be [first year, last year]", file=path, key="panel")
    return tuple(range(value[0], value[1] + 1))


def _range(value: Any, *, file: Path, key: str) -> tuple[float, float] | None:
    """An optional ``[lo, hi]`` pair of numbers with lo <= hi."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise ConfigError(f"{value!r} must be a list [lo, hi]", file=file, key=key)
    lo, hi = (_number(v, file=file, key=key) for v in value)
    if lo > hi:
        raise ConfigError(f"{value!r}: lo must be <= hi", file=file, key=key)
    return (lo, hi)


def _check_ranges(
    ranges: dict[str, tuple[float, float] | None],
    neutral: float | None,
    goalpost: float | None,
    *,
    file: Path,
    key: str,
) -> None:
    """A documented range must contain the nominal value it varies: the sensitivity moves a
    break-even or goalpost *around* the published one, never to a different scale. A range
    on a peer-median break-even has nothing absolute to vary, and a goalpost range must stay
    positive (a zero goalpost divides by zero)."""
    for name, nominal, what in (
        ("neutral_range", neutral, "neutral"),
        ("goalpost_range", goalpost, "goalpost"),
    ):
        rng = ranges[name]
        if rng is None:
            continue
        if nominal is None:
            problem = f"{name} needs a numeric {what} (a peer median has no absolute range)"
        elif what == "goalpost" and rng[0] <= 0:
            problem = f"{name} {list(rng)} must be > 0 on a scored indicator"
        elif not rng[0] <= nominal <= rng[1]:
            problem = f"{name} {list(rng)} does not contain the {what} {nominal:g}"
        else:
            continue
        raise ConfigError(problem, file=file, key=f"{key}.{name}")


def load_framework(path: str | Path, known_datasets: set[str] | None = None) -> FrameworkConfig:
    """Read and validate one framework file; ``known_datasets`` checks the source ids."""
    path = Path(path)
    doc = read_yaml(path)
    for req in ("framework", "title", "level", "peer_group", "units", "indicators"):
        if req not in doc:
            raise ConfigError(f"missing top-level key {req!r}", file=path, key=req)
    if doc["level"] not in LEVELS:
        raise ConfigError(
            f"level {doc['level']!r} is not one of {list(LEVELS)}", file=path, key="level"
        )
    defaults = doc.get("defaults") or {}
    if not isinstance(doc["indicators"], list) or not doc["indicators"]:
        raise ConfigError("must be a non-empty list", file=path, key="indicators")
    inds = tuple(_indicator(r, i, defaults, path) for i, r in enumerate(doc["indicators"]))
    codes = [i.code for i in inds]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise ConfigError(f"duplicate indicator code(s) {dup}", file=path, key="indicators")
    if known_datasets is not None:
        for n, ind in enumerate(inds):
            bad = sorted(set(ind.sources) - known_datasets)
            if bad:
                raise ConfigError(
                    f"unknown dataset id(s) {bad}",
                    file=path,
                    key=f"indicators[{n}] ({ind.code}).sources",
                )
    cfg = FrameworkConfig(
        name=str(doc["framework"]),
        title=str(doc["title"]),
        level=doc["level"],
        peer_group=str(doc["peer_group"]),
        units_sql=str(doc["units"]),
        indicators=inds,
        path=path,
        sha256=_sha256(path),
        rank_min_coverage=_number(
            doc.get("rank_min_coverage", 0.5), file=path, key="rank_min_coverage"
        ),
        unranked_reason=" ".join(str(doc.get("unranked_reason") or "").split()),
        panel_years=_panel(doc.get("panel"), path),
    )
    if not 0 <= cfg.rank_min_coverage <= 1:
        raise ConfigError("must be in [0, 1]", file=path, key="rank_min_coverage")
    if not cfg.scored:
        if not cfg.unranked_reason:
            raise ConfigError(
                "no benefit or cost indicator: a context-only frame needs 'unranked_reason'",
                file=path,
                key="indicators",
            )
        return cfg
    if cfg.unranked_reason:
        raise ConfigError(
            "a frame with scored indicators is ranked: drop 'unranked_reason'",
            file=path,
            key="unranked_reason",
        )
    cfg.framework()  # tree and weights valid under nominal weights
    return cfg


def load_frameworks(
    directory: str | Path = INDICATORS_DIR, known_datasets: set[str] | None = None
) -> dict[str, FrameworkConfig]:
    """Every framework file of the release, keyed by framework name (country first)."""
    out: dict[str, FrameworkConfig] = {}
    for fname in FRAMEWORK_FILES:
        cfg = load_framework(Path(directory) / fname, known_datasets)
        if cfg.name in out:
            raise ConfigError(
                f"framework name {cfg.name!r} used twice", file=cfg.path, key="framework"
            )
        out[cfg.name] = cfg
    return out


@dataclass(frozen=True)
class Scenario:
    """A validated weight scenario; weights override the frameworks' nominal ones."""

    name: str
    description: str
    pillars: dict[str, float]
    dimensions: dict[str, float]
    indicators: dict[str, float] = field(default_factory=dict)
    equal_indicators: bool = False
    path: Path = Path("<memory>")
    sha256: str = ""
    # engine trees and scoring specs per framework, built once (FrameworkConfig.framework)
    built: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def declared_weights(self) -> pd.DataFrame:
        """Long table (level, code, weight) of what the scenario file sets."""
        rows = [("dimension", k, v) for k, v in self.dimensions.items()]
        rows += [("pillar", k, v) for k, v in self.pillars.items()]
        rows += [("indicator", k, v) for k, v in self.indicators.items()]
        return pd.DataFrame(rows, columns=["level", "code", "weight"])

    def with_overrides(
        self, overrides: dict[str, float], frameworks: dict[str, FrameworkConfig]
    ) -> Scenario:
        """A copy with one-off weight tweaks (``pillars.x``, ``dimensions.x`` or an indicator code)."""
        doc = {
            "scenario": self.name,
            "description": self.description,
            "indicators": "equal" if self.equal_indicators else dict(self.indicators),
            "pillars": dict(self.pillars),
            "dimensions": dict(self.dimensions),
        }
        for key, w in overrides.items():
            group, _, code = key.partition(".")
            if group in ("pillars", "dimensions", "indicators") and code:
                if group == "indicators" and doc["indicators"] == "equal":
                    doc["indicators"] = {}
                doc[group][code] = w
            else:
                if doc["indicators"] == "equal":
                    doc["indicators"] = {}
                doc["indicators"][key] = w
        sc = scenario_from_dict(doc, frameworks, path=self.path)
        return replace(
            sc, equal_indicators=self.equal_indicators and not sc.indicators, sha256=self.sha256
        )


def scenario_from_dict(
    doc: dict[str, Any], frameworks: dict[str, FrameworkConfig], path: Path = Path("<memory>")
) -> Scenario:
    """Validate a scenario document against the frameworks (see :func:`load_scenario`)."""
    for req in ("scenario", "pillars", "dimensions"):
        if req not in doc:
            raise ConfigError(f"missing top-level key {req!r}", file=path, key=req)
    known = {"scenario", "description", "indicators", "pillars", "dimensions"}
    extra = sorted(set(doc) - known)
    if extra:
        raise ConfigError(f"unknown top-level key(s) {extra}", file=path, key=extra[0])
    name = str(doc["scenario"])
    if not name.replace("_", "").isalnum():
        raise ConfigError(
            f"scenario name {name!r} must be letters, digits and _", file=path, key="scenario"
        )

    def weights(group: str, allowed: tuple[str, ...] | set[str]) -> dict[str, float]:
        raw = doc.get(group) or {}
        if not isinstance(raw, dict):
            raise ConfigError("must be a mapping of code: weight", file=path, key=group)
        out = {}
        for code, w in raw.items():
            if code not in allowed:
                raise ConfigError(
                    f"unknown {group[:-1]} code {code!r}", file=path, key=f"{group}.{code}"
                )
            out[str(code)] = _weight(w, file=path, key=f"{group}.{code}")
        return out

    pillars = weights("pillars", PILLARS)
    dims = weights("dimensions", DIMENSIONS)
    all_codes = {c for f in frameworks.values() for c in f.codes}
    equal = doc.get("indicators") == "equal"
    inds = {} if equal else weights("indicators", all_codes)
    for group, vals in (("pillars", pillars), ("dimensions", dims)):
        if vals and sum(vals.values()) == 0:
            raise ConfigError("weights sum to zero", file=path, key=group)
    sc = Scenario(name, str(doc.get("description", "")), pillars, dims, inds, equal, path)
    for fw in frameworks.values():  # the sum-to-zero check per parent, per framework
        if not fw.scored:
            continue
        try:
            sc.built[("tree", fw.name, fw.sha256)] = fw.build_tree(sc)  # kept for scoring
        except ValueError as exc:
            raise ConfigError(
                f"framework {fw.name!r}: {exc}", file=path, key=_key_of(str(exc))
            ) from None
    return sc


def _key_of(msg: str) -> str | None:
    """The scenario key behind an engine weight error: the children of X are all zero."""
    for code in PILLARS:
        if f"children of '{code}'" in msg:
            return f"indicators (pillar {code})"
    for code in DIMENSIONS:
        if f"children of '{dim_code(code)}'" in msg:
            return f"pillars (dimension {code})"
    return "dimensions" if f"children of '{INDEX_CODE}'" in msg else None


def load_scenario(path: str | Path, frameworks: dict[str, FrameworkConfig]) -> Scenario:
    """Read and validate a weight scenario: codes known, weights >= 0, no parent with all zero."""
    path = Path(path)
    doc = read_yaml(path)
    sc = scenario_from_dict(doc, frameworks, path)
    if sc.name != path.stem:
        raise ConfigError(
            f"scenario {sc.name!r} must match the file name {path.stem!r}",
            file=path,
            key="scenario",
        )
    return replace(sc, path=path, sha256=_sha256(path))


def reference_years(frameworks: Mapping[str, FrameworkConfig]) -> tuple[int, ...]:
    """Every frame's reference years, sorted: the Dagster ``reference_year`` partitions
    (the country panel's ``panel:`` key, plus each cross-section frame's unit year)."""
    return tuple(sorted({y for fw in frameworks.values() for y in fw.reference_years}))


def scenario_paths(directory: str | Path | None = None) -> dict[str, Path]:
    """Scenario name (file stem) -> file, sorted; the Dagster partitions come from here.

    Default directory: ``$DIVIDEND_WEIGHTS_DIR`` if set, else indicators/weights.
    """
    directory = directory or os.environ.get(WEIGHTS_ENV) or WEIGHTS_DIR
    return {p.stem: p for p in sorted(Path(directory).glob("*.yaml"))}


@dataclass(frozen=True)
class IndexDefinition:
    """Every framework file and every weight scenario, each read and validated once.

    One object for a whole build: the index, the release and the portal's scenario switcher
    all take their frameworks and scenarios (and the trees built for them) from here.
    """

    frameworks: dict[str, FrameworkConfig]
    scenarios: dict[str, Scenario]
    # scenario files that did not validate: name -> why (they never block the valid ones)
    skipped: dict[str, str] = field(default_factory=dict)

    def scenario(self, path: str | Path) -> Scenario:
        """The scenario of ``path``: the one already read when it is one of :attr:`scenarios`."""
        target = Path(path).resolve()
        for sc in self.scenarios.values():
            if sc.path.resolve() == target:
                return sc
        return load_scenario(target, self.frameworks)


def load_definition(
    indicators_dir: str | Path = INDICATORS_DIR, weights_dir: str | Path | None = None
) -> IndexDefinition:
    """Read the framework files and every scenario of ``weights_dir`` (see :func:`scenario_paths`).

    A scenario file that does not validate (syntax, unknown code, alias bomb, …) is skipped
    and listed in :attr:`IndexDefinition.skipped` with the reason: one broken file never
    blocks the other scenarios. A broken framework file still stops everything.
    """
    frameworks = load_frameworks(indicators_dir)
    scenarios, skipped = {}, {}
    for n, p in scenario_paths(weights_dir).items():
        try:
            scenarios[n] = load_scenario(p, frameworks)
        except ConfigError as exc:
            skipped[n] = str(exc)
    return IndexDefinition(frameworks, scenarios, skipped)
