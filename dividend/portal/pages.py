"""The portal's pages, one module each: home (ranking), country and city lists, profiles,
methodology, downloads. Each function returns finished HTML; :mod:`dividend.portal.site`
writes them. Shared pieces live in :mod:`dividend.portal.page_parts`.
"""

from __future__ import annotations

from dividend.portal.page_cities import cities_page
from dividend.portal.page_countries import countries_page
from dividend.portal.page_downloads import downloads_page
from dividend.portal.page_home import home
from dividend.portal.page_licence import licence_page
from dividend.portal.page_methodology import methodology_page
from dividend.portal.page_parts import PILLAR_LABELS, ranking_frame, ranking_table, unit_href
from dividend.portal.page_profiles import profiles

__all__ = [
    "PILLAR_LABELS",
    "cities_page",
    "countries_page",
    "downloads_page",
    "home",
    "licence_page",
    "methodology_page",
    "profiles",
    "ranking_frame",
    "ranking_table",
    "unit_href",
]
