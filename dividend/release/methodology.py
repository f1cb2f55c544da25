"""``METHODOLOGY.md`` of a release: the method in words, then every indicator's definition."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from dividend.index.definition import FrameworkConfig, Scenario
from dividend.index.unit_tables import HEADLINE_MIN_RANKABLE, HEADLINE_NEAR_BEST, NO_CITY_DATA

NO_INTERVALS = "none: this release has no uncertainty intervals (built without the sensitivity)"


def override_text(overrides: Mapping[str, float]) -> str:
    """The Launchpad overrides in words ("none" for the scenario file as it is)."""
    if not overrides:
        return "none (the scenario file as it is)"
    return "OVERRIDDEN: " + ", ".join(f"{k} = {v:g}" for k, v in sorted(overrides.items()))


def sensitivity_text(sensitivity: Mapping | None) -> str:
    """How the uncertainty intervals were computed, or that there are none."""
    if sensitivity is None:
        return NO_INTERVALS
    keys = ("design", "n", "seed", "vary", "weight_noise", "neutral_shift", "goalpost_scale")
    return (
        ", ".join(f"{k} {sensitivity[k]}" for k in keys if k in sensitivity)
        + "; break-evens and goalposts move within each indicator's documented range (columns "
        "'neutral range' and 'goalpost range' below, with the published value as the median run), "
        "neutral_shift and goalpost_scale only where an indicator has no documented range"
    )


def _range_text(rng: tuple[float, float] | None) -> str:
    return "" if rng is None else f"{rng[0]:g} to {rng[1]:g}"


def files_text(
    tables: Sequence[str], csv_only: Collection[str], table_docs: Mapping[str, str]
) -> str:
    """The release's files in words: what the workbook holds and which tables are CSV only."""
    sheets = [n for n in tables if n not in csv_only]
    lines = [
        "## Files of this release",
        "",
        "Every table is a CSV file (UTF-8, described column by column in `datapackage.json`). "
        "`migration_dividend.xlsx` is the headline workbook: a notes sheet, then the sheets "
        + ", ".join(f"`{n}`" for n in sheets)
        + ".",
    ]
    left_out = [n for n in tables if n in csv_only]
    if left_out:
        lines += [
            "",
            "These detail tables are too large for a spreadsheet and are published as CSV only "
            "(in the release folder, and gzipped on the portal's Downloads page):",
            "",
            *[f"- `{n}.csv`: {table_docs.get(n, n)}" for n in left_out],
        ]
    return "\n".join([*lines, ""])


def methodology(
    frameworks: dict[str, FrameworkConfig],
    scenario: Scenario,
    rid_hash: str,
    overrides: Mapping[str, float] | None = None,
    sensitivity: Mapping | None = None,
) -> str:
    lines = [
        "# Migration-dividend index: methodology",
        "",
        f"Scenario **{scenario.name}**: {scenario.description} (weights file sha256 `{scenario.sha256}`).",
        f"Weight overrides: **{override_text(overrides or {})}**.",
        f"Uncertainty intervals: {sensitivity_text(sensitivity)}.",
        f"Inputs hash `{rid_hash}`.",
        "",
        "Gibril Faal's migration dividend is the surplus of financial, economic, social, political and "
        "other human-development benefits over the costs and inputs of migration. Each indicator is "
        "scored against a break-even value: score = clip((x - neutral) / goalpost, -1, 1) x 100; "
        "a pillar's dividend is its weighted benefit scores minus its weighted cost scores, the "
        "actuality dimension the weighted pillars, perception (public opinion) a dimension of its own, "
        "and the index their weighted mean. A negative index is a net migration loss. Only indicators "
        "of migration itself are scored (kind: outcome_gap, transfer, skills_flow, protection, "
        "participation, policy, attitude); generic series are context. Goalposts: the 95th "
        "percentile of |x - neutral| over all units and panel years (docs/scoring.md).",
        "",
        "**Verdicts.** net gain if P(net loss) <= 0.10, net loss if >= 0.90, too close to call "
        "otherwise (P(net loss) from the Monte Carlo sensitivity runs); insufficient data if fewer "
        "than min(3, the frame's counted pillars) pillars are observed, coverage < 0.5, or there is "
        "no uncertainty result. Insufficient-data units are unranked and the headline tables show "
        "no dividend and no P(net loss) for them. Countries form a panel 2010-2023 "
        "(country_index_panel.csv); the headline tables show each frame's headline year: the "
        f"latest in which >= {HEADLINE_MIN_RANKABLE:.0%} of the units with data are rankable, "
        f"else the latest whose rankable share is >= {HEADLINE_NEAR_BEST:.0%} of the best "
        "year's.",
        "",
        "Cities are ranked within their peer group only (EU, US, Canada): **the city frameworks differ "
        "between peer groups** and their scores are not comparable across groups. Every city row carries "
        "its country's index. Study cities without an open city-level source show national values and "
        f"'{NO_CITY_DATA}'; no city score is ever made up. Missing values are never imputed at city "
        "level; coverage reports how much of each framework a unit has.",
        "",
        "Data gaps against Faal's definition: see indicators/DATA_GAPS.md in the repository.",
        "",
    ]
    for fw in frameworks.values():
        lines += [f"## {fw.title} (`{fw.name}`, peer group {fw.peer_group})", ""]
        if fw.unranked_reason:
            lines += [f"Unranked: {fw.unranked_reason}", ""]
        lines += [
            "| code | pillar | kind | role | unit | ref. year (lookback) | neutral | neutral range "
            "| goalpost | goalpost range | sources | rationale |"
        ]
        lines += ["|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for i in fw.indicators:
            neutral = (
                "peer median"
                if i.neutral is None and i.role != "context"
                else (i.neutral if i.neutral is not None else "")
            )
            lines.append(
                f"| {i.code} | {i.pillar} | {i.kind} | {i.role} | {i.unit} | {i.reference_year} ({i.lookback}) | "
                f"{neutral} | {_range_text(i.neutral_range)} | "
                f"{i.goalpost if i.goalpost is not None else ''} | {_range_text(i.goalpost_range)} | "
                f"{', '.join(i.sources)} | {i.rationale} |"
            )
        lines.append("")
    return "\n".join(lines)
