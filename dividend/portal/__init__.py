"""The download portal: a static site built into each release (``exports/<id>/site/``).

Entry point: :func:`dividend.portal.site.build_site`. Charts for other uses (the Dagster
index asset's metadata): :func:`dividend.portal.charts.ranking_svg` and
:func:`dividend.portal.charts.ranking_markdown`.
"""
