"""The comparison page: two to four units side by side, chosen in the page (state in the URL).

Built in the browser from ``static/units.js`` by ``static/compare.js``; the page itself is a
template, and says what to use without JavaScript.
"""

from __future__ import annotations

from dividend.portal.layout import SiteMeta, page


def compare_page(meta: SiteMeta) -> str:
    return page(
        "Compare",
        "",
        depth=0,
        current="compare.html",
        meta=meta,
        template="compare.html",
        scripts=("compare.js",),
    )
