"""Page shell and HTML tables shared by every page of the portal.

Links are relative and name files explicitly (``country/DEU.html``, never ``country/``),
so the same pages work opened from disk (``file://``) and served over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dividend.portal.render import Markup, render
from dividend.portal.text import cat, esc, esc_col

NAV = (
    ("index.html", "Ranking"),
    ("map.html", "Map"),
    ("countries.html", "Countries"),
    ("cities.html", "Cities"),
    ("compare.html", "Compare"),
    ("weights.html", "Your weights"),
    ("methodology.html", "Methodology"),
    ("downloads.html", "Downloads"),
    ("licence.html", "Licence and citation"),
)
NUM = ' class="num"'


@dataclass(frozen=True)
class SiteMeta:
    """What every page states about its release: id, scenario (with overrides), vintage."""

    release_id: str
    scenario: str
    scenario_label: str
    overrides: str
    vintage: str
    has_sensitivity: bool
    notices: tuple[str, ...] = ()  # overrides, no intervals: said on every page


def page(
    title: str,
    body: str,
    *,
    depth: int,
    current: str,
    meta: SiteMeta,
    template: str = "base.html",
    scripts: tuple[str, ...] = (),
    **context: object,
) -> str:
    """A complete HTML document; ``depth`` is how many folders below ``site/`` it sits."""
    return render(
        template,
        title=title,
        body=Markup(body),
        up="../" * depth,
        nav=NAV,
        current=current,
        meta=meta,
        scripts=scripts,
        **context,
    )


@dataclass(frozen=True)
class Col:
    """One table column: source column, header, and how to show it."""

    key: str
    header: str
    kind: str = "text"  # text | num | html (pre-rendered, trusted) | hash
    value_key: str | None = None  # numeric column used for sorting (data-value)


def table(
    frame: pd.DataFrame,
    cols: list[Col],
    *,
    caption: str,
    sortable: bool = True,
    row_class: pd.Series | None = None,
    row_header: str | None = None,
    row_id: pd.Series | None = None,
) -> str:
    """An HTML table built column-wise; ``frame`` holds display strings (or HTML for kind=html);
    ``row_id``: each row's ``id`` (escaped), so other pages can link to a row."""
    idx = frame.index
    cells = []
    for c in cols:
        content = frame[c.key].astype(object)
        content = content if c.kind == "html" else esc_col(content)
        cls = {"num": ' class="num"', "hash": ' class="hash"'}.get(c.kind, "")
        dv = cat([' data-value="', esc_col(frame[c.value_key]), '"'], idx) if c.value_key else ""
        tag = "th" if c.key == row_header else "td"
        scope = ' scope="row"' if tag == "th" else ""
        lab = f' data-label="{esc(c.header)}"'
        cells.append(cat([f"<{tag}{cls}{scope}{lab}", dv, ">", content, f"</{tag}>"], idx))
    klass = cat([' class="', row_class, '"'], idx) if row_class is not None else ""
    rid = cat([' id="', row_id, '"'], idx) if row_id is not None else ""
    rows = cat(["<tr", rid, klass, ">", *cells, "</tr>"], idx)
    head = "".join(
        f'<th scope="col"{NUM if c.kind == "num" else ""}>{esc(c.header)}</th>' for c in cols
    )
    sort = ' class="sortable"' if sortable else ""
    return (
        f'<div class="table-wrap cards" tabindex="0" role="region" aria-label="{esc(caption)}">'
        f"<table{sort}><caption>{esc(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def figure(svg: str, data_table: str, summary: str = "Show the data behind this chart") -> str:
    """A chart with its data table one click away (``<details>``)."""
    return (
        f'<div class="figure"><div class="chart-scroll">{svg}</div>'
        f"<details><summary>{esc(summary)}</summary>{data_table}</details></div>"
    )


def link_col(href: pd.Series, text: pd.Series) -> pd.Series:
    """``<a href=...>text</a>`` per row (both escaped)."""
    return cat(['<a href="', esc_col(href), '">', esc_col(text), "</a>"], href.index)
