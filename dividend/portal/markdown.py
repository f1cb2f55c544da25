"""METHODOLOGY.md and DATA_GAPS.md as HTML, with markdown-it-py (CommonMark + tables).

Raw HTML in a document is not passed through (``html=False``) and markdown-it's own link
validation refuses ``javascript:``/``data:`` targets, so a document cannot inject markup.
Headings are demoted (``heading_offset``) to sit under the page's own ``<h2>`` and get ids,
so the pages' jump links can point at them.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "section"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md


def render(md: str, heading_offset: int = 1, id_prefix: str = "") -> str:
    """Render a document; ``heading_offset`` demotes headings (``#`` becomes ``<h2>``).

    ``id_prefix`` keeps heading ids unique when two documents share a page.
    """
    parser = _parser()
    tokens = parser.parse(md)
    seen: dict[str, int] = {}
    for i, tok in enumerate(tokens):
        if tok.type in ("heading_open", "heading_close"):
            level = min(int(tok.tag[1]) + heading_offset, 6)
            tok.tag = f"h{level}"
            if tok.type == "heading_open":
                text = tokens[i + 1].content
                slug = id_prefix + _slug(text)
                seen[slug] = seen.get(slug, 0) + 1
                tok.attrSet("id", slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
        elif tok.type == "table_open":
            tok.attrSet("class", "md-table")
        elif tok.type in ("th_open", "td_open") and tok.attrGet("style"):
            # the server's CSP refuses inline styles: alignment becomes a class
            align = str(tok.attrGet("style")).removeprefix("text-align:")
            tok.attrs.pop("style", None)
            tok.attrSet("class", "num" if align == "right" else f"align-{align}")
    html = parser.renderer.render(tokens, parser.options, {})
    # wide tables scroll inside a focusable region with a unique label (axe:
    # scrollable-region-focusable, landmark-unique)
    parts = html.split('<table class="md-table">')
    out = parts[0]
    for n, rest in enumerate(parts[1:], start=1):
        out += (
            f'<div class="table-wrap" tabindex="0" role="region" aria-label="{id_prefix}table {n}">'
            '<table class="md-table">' + rest.replace("</table>", "</table></div>", 1)
        )
    return out
