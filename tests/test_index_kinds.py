"""Every indicator declares what it measures (issue 12, item 1): a closed list of kinds,
context never scored, generic prosperity never scored, and the loader names file and key."""

from __future__ import annotations

import re

import pytest
import yaml

from dividend.index.definition import (
    FRAMEWORK_FILES,
    KINDS,
    ConfigError,
    load_framework,
    load_frameworks,
)
from dividend.paths import INDICATORS_DIR

# Generic series that describe a place, not migration's benefits or costs (design §1): a
# scored indicator whose formula reads one of them (alone or as the numerator) is a bug.
GENERIC_SERIES = {
    "NY.GDP.PCAP.PP.CD": "GDP per capita",
    "SL.TLF.TOTL.IN": "labour force",
    "SI.POV.GINI": "Gini",
    "SM.POP.NETM": "net migration volume",
    "SM.POP.REFG": "refugees incl. UNRWA (WDI)",
    "T3.STOCK_PCT_POP.BOTH": "migrant stock share",
    "FBORNPOP.TOT.PC_POP": "foreign-born share",
    "Total tax revenue": "tax ratio",
    "GDP per capita": "Maddison GDP per capita",
    "DE2009V": "foreign-born share (Urban Audit)",
    "EC1010V": "total unemployment (Urban Audit)",
}


def _raw_indicators() -> list[tuple[str, dict]]:
    out = []
    for fname in FRAMEWORK_FILES:
        doc = yaml.safe_load((INDICATORS_DIR / fname).read_text(encoding="utf-8"))
        out += [(fname, d) for d in doc["indicators"]]
    return out


def test_every_indicator_declares_a_kind_from_the_closed_list():
    rows = _raw_indicators()
    assert len(rows) > 20
    for fname, d in rows:
        assert d.get("kind") in KINDS, (fname, d["code"], d.get("kind"))
        assert (d["kind"] == "context") == (d["role"] == "context"), (fname, d["code"])


def test_no_generic_series_is_scored():
    for fw in load_frameworks().values():
        for ind in fw.indicators:
            if ind.role == "context":
                continue
            hits = [label for key, label in GENERIC_SERIES.items() if key in ind.formula]
            assert not hits, f"{fw.name}.{ind.code} scores generic series {hits}"


def test_no_scored_indicator_is_relative():
    """peer_median is allowed by the loader (with a reason) but no v2 indicator uses it."""
    for fw in load_frameworks().values():
        rel = [i.code for i in fw.indicators if i.role != "context" and i.neutral is None]
        assert rel == [], (fw.name, rel)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"kind": "prosperity"}, "indicators[0] ({code}).kind", "is not one of"),
        ({"kind": "context"}, "indicators[0] ({code}).kind", "kind context <=> role context"),
        ({"kind": None}, "indicators[0].kind", "missing 'kind'"),
        (
            {"neutral": "peer_median"},
            "indicators[0] ({code}).relative_reason",
            "needs a 'relative_reason'",
        ),
    ],
)
def test_kind_errors_name_file_and_key(tmp_path, change, key, words):
    doc = yaml.safe_load((INDICATORS_DIR / "country.yaml").read_text(encoding="utf-8"))
    first = doc["indicators"][0]
    assert first["role"] != "context"
    first.update(change)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    expected = re.escape(f"bad.yaml, key '{key.format(code=first['code'])}'")
    with pytest.raises(ConfigError, match=expected) as err:
        load_framework(p)
    assert words in str(err.value)


def test_context_only_frame_needs_a_reason(tmp_path):
    doc = yaml.safe_load((INDICATORS_DIR / "city_ca.yaml").read_text(encoding="utf-8"))
    assert doc["unranked_reason"]
    assert all(d["role"] == "context" for d in doc["indicators"])
    del doc["unranked_reason"]
    p = tmp_path / "ca.yaml"
    p.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ca.yaml, key 'indicators'.*unranked_reason"):
        load_framework(p)


def test_each_scored_rationale_says_what_it_measures():
    for fw in load_frameworks().values():
        for ind in fw.indicators:
            assert len(ind.rationale) > 40, (fw.name, ind.code)
