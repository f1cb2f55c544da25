"""External validation (issue 12, item 7): does the index agree with independent references?

Spearman's rho, n and two-sided p of the index and of each pillar against
(a) the Eurostat foreign-minus-national employment-rate gap, (b) MIPEX overall (countries),
(c) NAE's overall score (US cities), in each frame's headline year. A reference that is also an
input of the frame is flagged ``circular``: agreement with it is partly by construction.
Reported, never tuned to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from dividend.index.definition import PILLARS, FrameworkConfig

VALIDATION_COLUMNS = [
    "scenario",
    "framework",
    "reference_year",
    "reference",
    "reference_indicator",
    "target",
    "n",
    "spearman_rho",
    "p_value",
    "circular",
    "note",
]
MIN_N = 5  # fewer pairs: rho and p are not reported


@dataclass(frozen=True)
class Reference:
    name: str
    framework: str
    indicator: str  # code in indicators_long (scored or context)
    note: str


REFERENCES = (
    Reference(
        "Eurostat LFS employment gap (foreign minus national, pp)",
        "country",
        "employment_gap",
        "European countries only; also a scored input of the economic pillar",
    ),
    Reference(
        "MIPEX 2020 overall score (without health)",
        "country",
        "mipex_overall",
        "56 countries; also the scored input of the political pillar",
    ),
    Reference(
        "NAE Cities Index overall score",
        "city_us",
        "nae_overall_score",
        "context column; NAE builds it partly from the same ACS gaps and policy score",
    ),
)


def _circular(ref: Reference, fw: FrameworkConfig, target: str) -> bool:
    """The reference is an input of the target (index: any scored input; pillar: its own)."""
    scored = {i.code: i.pillar for i in fw.indicators if i.role != "context"}
    if ref.indicator in scored:
        return target == "index" or scored[ref.indicator] == target
    # NAE's composite shares inputs with the frame's gaps and policy score
    return ref.indicator == "nae_overall_score"


def external_validation(
    frameworks: dict[str, FrameworkConfig],
    tables: pd.DataFrame,
    long: pd.DataFrame,
    scenario: str,
) -> pd.DataFrame:
    """One row per (reference, target) with rho, n, p; ``tables`` = index rows of every frame
    (all reference years; the headline year is used), ``long`` = indicators_long."""
    rows = []
    for ref in REFERENCES:
        fw = frameworks.get(ref.framework)
        t = tables[tables["framework"] == ref.framework]
        if fw is None or t.empty:
            continue
        year = int(t["headline_year"].iloc[0])
        t = t[t["reference_year"] == year].set_index("geo")
        lg = long[
            (long["framework"] == ref.framework)
            & (long["indicator"] == ref.indicator)
            & (long["reference_year"] == year)
        ]
        x = lg.set_index("geo")["value"]
        targets = ["index", *[p for p in PILLARS if p in fw.pillars]]
        for target in targets:
            col = "dividend" if target == "index" else f"{target}_dividend"
            y = t[col] if col in t.columns else pd.Series(dtype=float)
            if target == "index":
                y = y.where(t["ranked"].astype(bool))  # only units the index publishes
            pair = pd.concat([x, y], axis=1, join="inner").dropna()
            n = len(pair)
            if n == 0:
                continue
            rho = p = np.nan
            if n >= MIN_N and pair.iloc[:, 0].nunique() > 1 and pair.iloc[:, 1].nunique() > 1:
                res = spearmanr(pair.iloc[:, 0], pair.iloc[:, 1])
                rho, p = float(res.statistic), float(res.pvalue)
            rows.append(
                (
                    scenario,
                    ref.framework,
                    year,
                    ref.name,
                    ref.indicator,
                    target,
                    n,
                    rho,
                    p,
                    _circular(ref, fw, target),
                    ref.note,
                )
            )
    return pd.DataFrame(rows, columns=VALIDATION_COLUMNS)


def validation_markdown(table: pd.DataFrame) -> str:
    """The METHODOLOGY section: the table as markdown, with how to read it."""
    head = (
        "## External validation\n\n"
        "Spearman rank correlation of the index (ranked units) and each pillar with independent "
        "references, in each frame's headline year (external_validation.csv). `circular` = the "
        "reference is also an input, so agreement is partly by construction. Reported as found; "
        "the index is not tuned to it.\n\n"
    )
    if table.empty:
        return head + "_no reference overlaps the index_\n"
    show = table[["framework", "reference_year", "reference_indicator", "target", "n"]].copy()
    show["rho"] = table["spearman_rho"].round(3)
    show["p"] = table["p_value"].map(lambda v: f"{v:.3g}" if np.isfinite(v) else "")
    show["circular"] = table["circular"]
    return head + show.to_markdown(index=False) + "\n"
