"""The "set your own weights" page: presets (the scenario files), sliders, live ranking.

The page is a template; the recomputation runs in the browser (``static/weights.js`` over
``static/weights-data.js``, rule in ``static/weights-engine.js``). Without JavaScript it lists
the scenarios and their pillar and dimension weights.
"""

from __future__ import annotations

import pandas as pd

from dividend.index.definition import IndexDefinition, dim_code
from dividend.portal.layout import Col, SiteMeta, page, table
from dividend.portal.page_parts import FRAMEWORK_LABELS, PILLAR_LABELS, scenario_label
from dividend.portal.render import Markup
from dividend.portal.weights_data import DIMENSION_WORDS


def scenario_table(definition: IndexDefinition) -> str:
    """Every scenario's pillar and dimension weights per framework, in plain words."""
    rows = []
    for sname, sc in definition.scenarios.items():  # scenarios x frameworks: a few dozen rows
        for fname, fw in definition.frameworks.items():
            w = fw.framework(sc).weight
            parts = [f"{PILLAR_LABELS.get(p, p)} {w[p]:g}" for p in fw.pillars]
            dims = [f"{DIMENSION_WORDS[d]} {w[dim_code(d)]:g}" for d in fw.dimensions]
            rows.append(
                {
                    "scenario": scenario_label(sname),
                    "description": sc.description,
                    "framework": FRAMEWORK_LABELS.get(fname, fname),
                    "pillars": ", ".join(parts),
                    "dimensions": ", ".join(dims),
                }
            )
    return table(
        pd.DataFrame(rows),
        [
            Col("scenario", "Scenario"),
            Col("framework", "Ranks"),
            Col("pillars", "Pillar weights"),
            Col("dimensions", "Dimension weights"),
            Col("description", "What it stands for"),
        ],
        caption="Weight scenarios (indicators/weights/*.yaml)",
        sortable=False,
    )


def weights_page(meta: SiteMeta, definition: IndexDefinition) -> str:
    return page(
        "Set your own weights",
        "",
        depth=0,
        current="weights.html",
        meta=meta,
        template="weights.html",
        scripts=("weights-data.js", "weights-engine.js", "weights.js"),
        scenarios=Markup(scenario_table(definition)),
        skipped=sorted(definition.skipped.items()),
    )
