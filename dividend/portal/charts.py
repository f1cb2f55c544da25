"""Charts pre-rendered as inline SVG, so the portal needs no chart library and no internet.

Every chart is an ``<svg role="img" aria-labelledby=...>`` with a ``<title>`` and a
``<desc>`` that states the chart's finding in words; the pages put the same numbers in a
``<table>`` beside it. Colours are the colour-blind-safe blue/orange pair, and a net loss
is also told by shape (hollow diamond) and text, never by colour alone. Links inside a
chart are for the mouse only (``tabindex="-1"``): keyboard and screen-reader users get the
same links in the data table.

Rows are built column-wise (pandas string concatenation), without a loop over units.

One module per kind: :mod:`~dividend.portal.chart_ranking` (its markdown twin is what the
Dagster index asset attaches to its metadata), :mod:`~dividend.portal.chart_diverging`,
:mod:`~dividend.portal.chart_scatter`; shared axes in :mod:`~dividend.portal.chart_axes`.
"""

from __future__ import annotations

from dividend.portal.chart_axes import nice_ticks, svg_data_uri, ticks_within
from dividend.portal.chart_diverging import diverging_svg, diverging_svgs
from dividend.portal.chart_ranking import RANKING_COLUMNS, ranking_markdown, ranking_svg
from dividend.portal.chart_scatter import scatter_svg

__all__ = [
    "RANKING_COLUMNS",
    "diverging_svg",
    "diverging_svgs",
    "nice_ticks",
    "ranking_markdown",
    "ranking_svg",
    "scatter_svg",
    "svg_data_uri",
    "ticks_within",
]
