"""Named rules for Eurostat observation flags and Eurostat's non-ISO country codes.

Not a dataset module (no SPEC). Eurostat writes one letter per status in OBS_FLAG, several
letters together when several apply (`bu` = break and low reliability); the reader adds `c`
when CONF_STATUS marks the cell confidential. Every letter present on a row with a value is
a decision; a letter Eurostat does not define fails, so a new flag is never passed silently.
Values are kept (flagged) unless Eurostat says they must not be used (confidential, missing,
not applicable); a flag on an empty cell is recorded and the cell stays missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.errors import SourceError
from sources.geography.countries import non_iso_alpha2
from sources.quality import Rule, apply_rule

# Eurostat's flag letters (Data Browser "Flags and special values"), plus SDMX `m` (missing).
# Order = the order rules are applied: the last rule applied names the row in staged.qc_rule,
# so low reliability, the flag that matters most for a migrant-vs-national gap, comes last
# among the flags, and every drop comes after every flag.


def status_rules(prefix: str, action: str, label: str, entries) -> dict[str, Rule]:
    """One rule per publisher status code: (code, name, meaning) -> Rule `<prefix>_<name>`."""
    kept = "; value kept" if action == "flag" else ""
    return {
        code: Rule(f"{prefix}_{name}", action, f"{label} '{code}': {meaning}{kept}")
        for code, name, meaning in entries
    }


FLAG_RULES = status_rules(
    "eurostat",
    "flag",
    "Eurostat flag",
    [
        ("d", "definition_differs", "definition differs, see the publisher's metadata"),
        ("e", "estimated", "estimated value"),
        ("f", "forecast", "forecast value"),
        ("p", "provisional", "provisional value"),
        ("r", "revised", "revised value"),
        ("s", "estimate_by_eurostat", "Eurostat estimate"),
        ("n", "not_significant", "not significant"),
        ("b", "series_break", "break in time series, not comparable with earlier years"),
        ("u", "low_reliability", "low reliability (small sample), use with care"),
    ],
)
DROP_RULES = status_rules(
    "eurostat",
    "drop",
    "Eurostat flag",
    [
        ("c", "confidential", "confidential, must not be published; value not used"),
        ("z", "not_applicable", "not applicable; value not used"),
        ("m", "missing", "missing value; value not used"),
    ],
)
FLAG_WITHOUT_VALUE = Rule(
    "eurostat_empty_value_with_flag",
    "drop",
    "OBS_VALUE is empty and OBS_FLAG gives the reason (e.g. 'u' too unreliable to publish, "
    "'c' confidential); recorded, no value to use",
)
NON_ISO_CODE = Rule(
    "eurostat_non_iso_country_code",
    "flag",
    "Eurostat codes Greece as EL and the United Kingdom as UK (ISO 3166-1: GR, GB); "
    "keyed GRC and GBR through the alpha2 table of country_overrides.yaml",
)
KNOWN_LETTERS = set(FLAG_RULES) | set(DROP_RULES)


def _letters(flags: pd.Series) -> pd.Series:
    return flags.fillna("").astype("str")


def require_known_flags(staged: pd.DataFrame, *, column: str = "OBS_FLAG") -> None:
    """Every flag letter is one Eurostat defines, else a SourceError at its file and row."""
    letters = _letters(staged["flag"])
    bad = ~letters.str.fullmatch(f"[{''.join(sorted(KNOWN_LETTERS))}]*")
    if bad.any():
        row = staged.loc[bad].iloc[0]
        raise SourceError(
            f"unknown Eurostat flag {row['flag']!r}: no rule says what it means",
            dataset=str(row["dataset"]),
            file=str(row["source_file"]),
            row=int(row["source_row"]),
            column=column,
        )


def flag_decisions(staged: pd.DataFrame, *, geo_codes: pd.Series | None = None) -> list:
    """Apply every Eurostat flag rule in place; `geo_codes` (Eurostat's own codes, when the
    file has them) also gets the non-ISO code rule. Returns the decision frames."""
    require_known_flags(staged)
    letters = _letters(staged["flag"])
    observed = staged["value"].notna().to_numpy()
    decisions = []
    if geo_codes is not None:
        non_iso = np.asarray(geo_codes.isin(list(non_iso_alpha2())), dtype=bool)
        decisions.append(apply_rule(staged, non_iso, NON_ISO_CODE))
    for letter, rule in FLAG_RULES.items():
        decisions.append(apply_rule(staged, observed & letters.str.contains(letter), rule))
    for letter, rule in DROP_RULES.items():
        decisions.append(apply_rule(staged, observed & letters.str.contains(letter), rule))
    decisions.append(apply_rule(staged, ~observed & letters.ne(""), FLAG_WITHOUT_VALUE))
    return decisions
