"""Page shell and HTML tables shared by every page of the portal.

Links are relative and name files explicitly (``country/DEU.html``, never ``country/``),
so the same pages work opened from disk (``file://``) and served over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dividend.portal.text import cat, esc, esc_col

CURRENT = ' aria-current="page"'
NUM = ' class="num"'
NAV = (
    ("index.html", "Ranking"),
    ("countries.html", "Countries"),
    ("cities.html", "Cities"),
    ("methodology.html", "Methodology and sources"),
    ("downloads.html", "Downloads"),
)


def page(title: str, body: str, *, depth: int, current: str, footer: str) -> str:
    """A complete HTML document; ``depth`` is how many folders below ``site/`` it sits."""
    up = "../" * depth
    nav = "".join(
        f'<li><a href="{up}{href}"{CURRENT if href == current else ""}>{esc(label)}</a></li>'
        for href, label in NAV
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · Migration-dividend index</title>"
        '<link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="{up}static/site.css">'
        f'<script src="{up}static/site.js" defer></script>'
        "</head><body>"
        '<a class="skip-link" href="#main">Skip to main content</a>'
        '<header class="site"><div class="inner">'
        f'<a class="brand" href="{up}index.html">Migration-dividend index</a>'
        f'<nav aria-label="Main"><ul>{nav}</ul></nav></div></header>'
        f'<main id="main" tabindex="-1">{body}</main>'
        f'<footer class="site"><div class="inner">{footer}</div></footer>'
        "</body></html>\n"
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
) -> str:
    """An HTML table built column-wise; ``frame`` holds display strings (or HTML for kind=html)."""
    idx = frame.index
    cells = []
    for c in cols:
        content = frame[c.key].astype(object)
        content = content if c.kind == "html" else esc_col(content)
        cls = {"num": ' class="num"', "hash": ' class="hash"'}.get(c.kind, "")
        dv = cat([' data-value="', esc_col(frame[c.value_key]), '"'], idx) if c.value_key else ""
        tag = "th" if c.key == row_header else "td"
        scope = ' scope="row"' if tag == "th" else ""
        cells.append(cat([f"<{tag}{cls}{scope}", dv, ">", content, f"</{tag}>"], idx))
    klass = cat([' class="', row_class, '"'], idx) if row_class is not None else ""
    rows = cat(["<tr", klass, ">", *cells, "</tr>"], idx)
    head = "".join(
        f'<th scope="col"{NUM if c.kind == "num" else ""}>{esc(c.header)}</th>' for c in cols
    )
    sort = ' class="sortable"' if sortable else ""
    return (
        f'<div class="table-wrap"><table{sort}><caption>{esc(caption)}</caption>'
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
