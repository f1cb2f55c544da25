"""The portal's charts (HTML bar rows), verdict rule, markdown metadata and Markdown rendering."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd

from dividend.portal.chart_bars import bar_chart, family_domain, pct
from dividend.portal.charts import nice_ticks, ranking_html, ranking_markdown
from dividend.portal.markdown import render
from dividend.portal.text import num_col
from dividend.portal.verdicts import unit_verdicts

# Four units written out by hand: a clear gain, a near-tie, a loss and one without a score.
UNITS = pd.DataFrame(
    {
        "name": ["Alpha", "Beta <b>", "Gamma & co", "Delta"],
        "score": [12.5, 3.25, -7.0, np.nan],
        "score_lo": [9.0, -1.0, -9.5, np.nan],
        "score_hi": [15.0, 6.0, -2.0, np.nan],
        "net_loss": [False, False, True, pd.NA],
        "p_loss": [0.0, 0.3, 0.97, np.nan],
        "verdict": ["net gain", "too close to call", "net loss", "insufficient data"],
        "href": ["country/A.html", "country/B.html", "country/G.html", "country/D.html"],
        "rank": [1, 2, 3, pd.NA],
    }
)


class Rows(HTMLParser):
    """The <li> rows of a bar chart: their text, links and classes; and any <a> in an svg."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.in_svg = 0
        self.links_in_svg = 0
        self._li: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.in_svg += 1
        if tag == "a" and self.in_svg:
            self.links_in_svg += 1
        if tag == "li":
            self._li = {
                "cls": a.get("class", ""),
                "text": [],
                "href": None,
                "value": a.get("data-value"),
            }
        if tag == "a" and self._li is not None:
            self._li["href"] = a["href"]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg -= 1
        if tag == "li" and self._li is not None:
            self._li["text"] = " ".join("".join(self._li["text"]).split())
            self.rows.append(self._li)
            self._li = None

    def handle_data(self, data):
        if self._li is not None:
            self._li["text"].append(data)


def test_nice_ticks_cover_range_and_zero():
    t = nice_ticks(-7.0, 12.5)
    assert t[0] <= -7.0 and t[-1] >= 12.5 and 0.0 in t
    assert np.allclose(np.diff(t), 5.0)


def test_ranking_html_orders_rows_prints_values_and_escapes():
    html = ranking_html(UNITS, title="T", chart_id="r", domain=(-20.0, 20.0))
    rows = Rows(html)
    assert [r["href"] for r in rows.rows] == ["country/A.html", "country/B.html", "country/G.html"]
    assert rows.links_in_svg == 0  # links are ordinary list links, never inside a graphic
    a, b, g = (r["text"] for r in rows.rows)
    assert a.startswith("1. Alpha") and "+12.5 (+9.0 to +15.0)" in a and "net gain" in a
    assert "Beta <b>" in b and "too close to call" in b and "P(loss) 30 %" in b
    assert "−7.0 (−9.5 to −2.0)" in g and "net loss" in g and "P(loss) 97 %" in g
    assert "<b>" not in html.replace("&lt;b&gt;", "")  # the name is escaped
    assert [r["cls"].split()[-1] for r in rows.rows] == ["v-gain", "v-close", "v-loss"]
    # the same axis on top and bottom, at the positions of the domain
    assert html.count('class="bar-axis') == 2
    assert html.count('x="50.00%"') >= 2  # 0 sits in the middle of (-20, 20)


def test_bar_positions_follow_the_shared_domain():
    f = pd.DataFrame({"name": ["a", "b"], "value": [-10.0, 30.0]})
    html = bar_chart(f, title="t", desc="d", chart_id="c", domain=(-40.0, 40.0), axis_label="x")
    # a: from -10 (37.5 %) to 0 (50 %); b: from 0 to 30 (87.5 %)
    assert 'x="37.50%" width="12.50%"' in html and 'x="50.00%" width="37.50%"' in html
    assert np.allclose(pct(np.array([-40.0, 0.0, 40.0, 99.0]), (-40.0, 40.0)), [0, 50, 100, 100])


def test_family_domain_is_symmetric_round_and_covers_every_value():
    lo, hi = family_domain(pd.Series([-7.0, 3.0]), pd.Series([41.2, np.nan]))
    assert lo == -hi and hi >= 41.2 and hi in nice_ticks(0, 41.2)


def test_verdict_rule_from_probability_and_ranking():
    u = pd.DataFrame(
        {
            "dividend": [5.0, 1.0, -3.0, -50.0, 2.0, np.nan],
            "rank": [1, 2, 3, pd.NA, 4, pd.NA],
            "coverage": [1.0, 1.0, 1.0, 0.14, 1.0, 0.0],
            "p_loss": [0.10, 0.5, 0.90, 1.0, np.nan, np.nan],
        }
    )
    v = unit_verdicts(u)
    assert v["verdict"].tolist() == [
        "net gain",  # p <= 0.10
        "too close to call",
        "net loss",  # p >= 0.90
        "insufficient data",  # unranked (14 % coverage), even with p = 1
        "insufficient data",  # no uncertainty result
        "insufficient data",
    ]
    assert "14 %" in v["verdict_reason"].iloc[3]
    assert v["verdict_reason"].iloc[4] == "no uncertainty result"
    # a release that publishes verdicts is shown as published
    pub = u.assign(verdict="net gain", verdict_reason="")
    assert (unit_verdicts(pub)["verdict"] == "net gain").all()


def test_ranking_markdown_table():
    md = ranking_markdown(UNITS, top=1, bottom=1)
    lines = md.strip().splitlines()
    assert lines[0] == "3 units ranked; 1 with a net migration loss."
    assert lines[4].startswith("| 1 | Alpha | +12.5 | +9.0 to +15.0 | gain")
    assert "| … | 1 more |" in md
    assert lines[-1].startswith("| 3 | Gamma & co | −7.0 |") and "**net loss**" in lines[-1]


def test_num_col_formats_minus_and_missing():
    out = num_col(pd.Series([-1.25, 2.0, np.nan]), 1, signed=True).tolist()
    assert out == ["−1.2", "+2.0", "–"] or out == ["−1.3", "+2.0", "–"]


def test_markdown_escapes_html_and_unsafe_links():
    html = render(
        "# Title\n\nA <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://a.org/p?q=1&r=2)"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://a.org/p?q=1&amp;r=2">ok</a>' in html
    assert re.search(r'<h2 id="title">Title</h2>', html)


def test_markdown_lists_tables_code_and_unique_ids():
    md = (
        "Intro with `code *x*` and **bold**.\n\n"
        "- one\n- two\n  - nested\n\n"
        "1. first\n2. second\n\n"
        "| a | b |\n|---|--:|\n| 1 | 2 |\n\n"
        "```\n<raw>\n```\n\n## Same\n\n## Same\n"
    )
    html = render(md, id_prefix="m-")
    assert "<code>code *x*</code>" in html and "<strong>bold</strong>" in html
    assert re.search(r"<li>two\s*<ul>\s*<li>nested</li>", html)
    assert re.search(r"<ol>\s*<li>first</li>\s*<li>second</li>\s*</ol>", html)
    assert "<th>a</th>" in html and '<td class="num">2</td>' in html
    assert "style=" not in html  # the server's CSP refuses inline styles
    assert "<pre><code>&lt;raw&gt;\n</code></pre>" in html
    assert 'id="m-same"' in html and 'id="m-same-2"' in html
    # a wide table scrolls in a focusable, labelled region
    assert '<div class="table-wrap" tabindex="0" role="region"' in html


def test_panel_chart_positions_and_table():
    from dividend.portal.chart_panel import BOTTOM, LEFT, RIGHT, TOP, unit_panels

    panel = pd.DataFrame(
        {
            "framework": "country",
            "geo": ["AAA"] * 3 + ["BBB"],
            "reference_year": [2010, 2015, 2020, 2020],
            "dividend": [-10.0, 0.0, 10.0, 5.0],
            "financial_dividend": [np.nan, 20.0, 30.0, 5.0],
            "verdict": ["net loss", "too close to call", "net gain", "net gain"],
        }
    )
    iv = panel.assign(score_q05=panel["dividend"] - 2, score_q95=panel["dividend"] + 2)
    out = unit_panels(panel, iv, {"financial": "Financial"}, (-40.0, 40.0))
    assert list(out.index) == ["country|AAA"]  # BBB has a single year: no chart
    html = out["country|AAA"]
    mid = (TOP + BOTTOM) / 2
    # the dividend dots: 2010 at the left edge, 2020 at the right, 0 in the middle height
    assert f'cx="{LEFT:.2f}%"' in html and f'cx="{RIGHT:.2f}%"' in html
    assert f'cy="{mid:.2f}%"' in html
    assert html.count('class="iv"') == 3 and html.count('class="pt"') == 3
    chart = html.split("</svg>")[0]
    assert chart.count('class="pil"') == 1  # 2015-2020 only: 2010 has no financial value
    assert '<td class="num">−8.0 to −12.0</td>' not in html and "−12.0 to −8.0" in html
    assert "Financial" in html and "svg" in html and "<a " not in html


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    c = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    lin = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_palette_contrast_holds_in_colour_and_in_greyscale():
    """Text colours >= 4.5:1 on white and on the band colour; the gain and loss bars differ by
    >= 3:1 in luminance, which is what survives greyscale (WCAG contrast is luminance-only,
    so a greyscale print keeps every ratio). Colours read from the shipped stylesheet."""
    from pathlib import Path

    import dividend.portal as portal

    css = (Path(portal.__file__).parent / "static" / "site.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    for text in ("ink", "muted", "gain", "loss", "close", "link"):
        for bg in ("bg", "band"):
            assert _contrast(var[text], var[bg]) >= 4.5, (text, bg)
    assert _contrast(var["gain-fill"], var["loss-fill"]) >= 3.0
    assert _contrast(var["loss"], "#fff6ef") >= 4.5  # the callout's text on its background
