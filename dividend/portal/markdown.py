"""A small Markdown-to-HTML renderer for METHODOLOGY.md and DATA_GAPS.md.

The project has no Markdown dependency and the documents use a plain subset: ATX headings,
paragraphs, bullet and numbered lists (nesting flattened by indentation into sub-lists),
pipe tables, fenced code, block quotes, ``code``, **bold**, *italic* and links. Everything
is HTML-escaped first, so a document cannot inject markup; link targets are limited to
http(s), mailto and relative paths.
"""

from __future__ import annotations

import re

from dividend.portal.text import esc

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ITAL = re.compile(r"(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])")
_AUTO = re.compile(r"(?<![\"'=>])\bhttps?://[^\s<)]+")
_SAFE_HREF = re.compile(r"^(https?://|mailto:|[\w./#-])", re.IGNORECASE)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def inline(text: str) -> str:
    """Escape then render inline markup of one line."""
    codes: list[str] = []

    def keep_code(m: re.Match) -> str:
        codes.append(f"<code>{m.group(1)}</code>")
        return f"\x00{len(codes) - 1}\x00"

    out = esc(text).replace("&#x27;", "'")
    out = _CODE.sub(keep_code, out)

    def link(m: re.Match) -> str:
        href = m.group(2).replace("&amp;", "&")
        if not _SAFE_HREF.match(href) or href.lower().startswith("javascript"):
            return m.group(1)
        return f'<a href="{esc(href)}">{m.group(1)}</a>'

    out = _LINK.sub(link, out)
    out = _AUTO.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _ITAL.sub(r"<em>\1</em>", out)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], out)


def _table(lines: list[str]) -> str:
    def cells(line: str) -> list[str]:
        return [c.strip() for c in line.strip().strip("|").split("|")]

    head = cells(lines[0])
    body = [cells(x) for x in lines[2:]]
    th = "".join(f'<th scope="col">{inline(c)}</th>' for c in head)
    rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body)
    return f'<div class="table-wrap"><table><thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table></div>'


def render(md: str, heading_offset: int = 1) -> str:
    """Render a document; ``heading_offset`` demotes headings (``#`` becomes ``<h2>``)."""
    lines = md.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(s.strip() for s in para))}</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            out.append("<pre><code>" + esc("\n".join(lines[i + 1 : j])) + "</code></pre>")
            i = j + 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", stripped)
        if m:
            flush()
            level = min(len(m.group(1)) + heading_offset, 6)
            text = m.group(2)
            out.append(f'<h{level} id="{_slug(text)}">{inline(text)}</h{level}>')
            i += 1
            continue
        if (
            stripped.startswith("|")
            and i + 1 < len(lines)
            and re.match(r"^\s*\|?[\s:|-]+\|?\s*$", lines[i + 1])
            and "-" in lines[i + 1]
        ):
            flush()
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
            continue
        if re.match(r"^\s*([-*+]|\d+[.)])\s+", line):
            flush()
            j = i
            items: list[tuple[int, bool, str]] = []
            while j < len(lines) and lines[j].strip():
                lm = re.match(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$", lines[j])
                if lm:
                    items.append((len(lm.group(1)), lm.group(2)[0].isdigit(), lm.group(3)))
                elif items:  # continuation line of the previous item
                    ind, num, text = items[-1]
                    items[-1] = (ind, num, text + " " + lines[j].strip())
                j += 1
            out.append(_list(items))
            i = j
            continue
        if stripped.startswith(">"):
            flush()
            j = i
            quote: list[str] = []
            while j < len(lines) and lines[j].strip().startswith(">"):
                quote.append(lines[j].strip()[1:].strip())
                j += 1
            out.append(f"<blockquote>{render(chr(10).join(quote), heading_offset)}</blockquote>")
            i = j
            continue
        if not stripped:
            flush()
        elif re.match(r"^(-{3,}|\*{3,})$", stripped):
            flush()
            out.append("<hr>")
        else:
            para.append(line)
        i += 1
    flush()
    return "\n".join(out)


def _list(items: list[tuple[int, bool, str]]) -> str:
    """Nested lists from (indent, numbered, text) items."""
    html: list[str] = []
    stack: list[tuple[int, str]] = []
    for indent, numbered, text in items:
        while stack and indent < stack[-1][0]:
            html.append(f"</li></{stack.pop()[1]}>")
        if not stack or indent > stack[-1][0]:
            tag = "ol" if numbered else "ul"
            stack.append((indent, tag))
            html.append(f"<{tag}><li>")
        else:
            html.append("</li><li>")
        html.append(inline(text))
    while stack:
        html.append(f"</li></{stack.pop()[1]}>")
    return "".join(html)
