"""The portal's charts, one module per kind, pre-rendered at build time (no chart library,
no internet, readable without JavaScript).

* :mod:`~dividend.portal.chart_bars`: bar rows in HTML (text at page size on any screen,
  values on every row, ordinary links), shared by the ranking and the pillar charts;
* :mod:`~dividend.portal.chart_ranking`: the ranking (and its markdown twin, which the
  Dagster index asset attaches to its metadata);
* :mod:`~dividend.portal.chart_map`: the world map (SVG paths precomputed from Natural Earth);
* :mod:`~dividend.portal.chart_panel`: a unit's dividend and pillars by reference year.

Verdicts are told by words and shape as well as colour (:mod:`dividend.portal.verdicts`).
"""

from __future__ import annotations

from dividend.portal.chart_axes import nice_ticks
from dividend.portal.chart_bars import bar_chart, family_domain
from dividend.portal.chart_ranking import RANKING_COLUMNS, ranking_html, ranking_markdown

__all__ = [
    "RANKING_COLUMNS",
    "bar_chart",
    "family_domain",
    "nice_ticks",
    "ranking_html",
    "ranking_markdown",
]
