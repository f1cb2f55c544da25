"""SVG charts, markdown metadata and the small Markdown renderer of the portal."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from dividend.portal.charts import (
    diverging_svg,
    nice_ticks,
    ranking_markdown,
    ranking_svg,
    scatter_svg,
    svg_data_uri,
)
from dividend.portal.markdown import render
from dividend.portal.text import num_col

SVG = "{http://www.w3.org/2000/svg}"

# Four units written out by hand: a clear gain, a near-tie, a loss and one without a score.
UNITS = pd.DataFrame(
    {
        "name": ["Alpha", "Beta <b>", "Gamma & co", "Delta"],
        "score": [12.5, 3.25, -7.0, np.nan],
        "score_lo": [9.0, -1.0, -9.5, np.nan],
        "score_hi": [15.0, 6.0, -2.0, np.nan],
        "net_loss": [False, False, True, pd.NA],
        "p_loss": [0.0, 0.3, 0.97, np.nan],
        "href": ["country/A.html", "country/B.html", "country/G.html", "country/D.html"],
    }
)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML or this raises


def test_nice_ticks_cover_range_and_zero():
    t = nice_ticks(-7.0, 12.5)
    assert t[0] <= -7.0 and t[-1] >= 12.5 and 0.0 in t
    assert np.allclose(np.diff(t), 5.0)


def test_ranking_svg_orders_marks_and_describes():
    svg = ranking_svg(UNITS, title="T", chart_id="r")
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "r-title r-desc"
    assert root.find(f"{SVG}title").text == "T"
    desc = root.find(f"{SVG}desc").text
    assert "3 units" in desc and "1 show a net migration loss" in desc
    assert "1 units without a score are not shown" in desc
    rows = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("row")]
    assert [g.get("data-name") for g in rows] == ["Alpha", "Beta <b>", "Gamma & co"]
    assert [g.get("class") for g in rows] == ["row", "row", "row loss"]
    # the loss is a hollow diamond, and its probability is written out
    assert rows[2].find(f"{SVG}path") is not None and rows[0].find(f"{SVG}circle") is not None
    assert "net loss · P 97 %" in "".join(rows[2].itertext())
    # links are for the mouse only; keyboard users get the table
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["country/A.html", "country/B.html", "country/G.html"]
    assert {a.get("tabindex") for a in links} == {"-1"}
    # the interval bar spans score_lo..score_hi on the axis: check Alpha's x positions are
    # ordered lo < score < hi
    line = rows[0].find(f"{SVG}line")
    dot = rows[0].find(f"{SVG}circle")
    assert float(line.get("x1")) < float(dot.get("cx")) < float(line.get("x2"))


def test_ranking_svg_without_sensitivity_has_no_interval_legend():
    svg = ranking_svg(UNITS[["name", "score", "net_loss"]], chart_id="r")
    assert "5–95 %" not in svg


def test_ranking_svg_refuses_frame_without_scores():
    with pytest.raises(ValueError, match="score"):
        ranking_svg(UNITS[["name"]])


def test_ranking_markdown_table():
    md = ranking_markdown(UNITS, top=1, bottom=1)
    lines = md.splitlines()
    assert lines[0] == "3 units ranked; 1 with a net migration loss."
    body = [x for x in lines if x.startswith("| ") and not x.startswith("| rank")]
    assert body[0].startswith("| 1 | Alpha | +12.5 | +9.0 to +15.0 | gain")
    assert body[1] == "| … | 1 more | | | |"
    assert (
        body[2].startswith("| 3 | Gamma & co | −7.0 |") and "**net loss** (P(loss) 97 %)" in body[2]
    )


def test_diverging_svg_bars_match_values():
    f = pd.DataFrame(
        {"pillar": ["Financial", "Economic"], "benefit": [20.0, 5.0], "cost": [5.0, 30.0]}
    )
    f["net"] = f["benefit"] - f["cost"]
    root = _parse(diverging_svg(f, title="t", desc="d", chart_id="x", extent=100.0))
    rects = [r for r in root.iter(f"{SVG}rect") if (r.get("class") or "").startswith("bar")]
    widths = [float(r.get("width")) for r in rects]
    # benefit, cost per pillar; bar length proportional to the value on a ±100 axis
    assert widths[1] / widths[0] == pytest.approx(5 / 20, rel=0.02)
    assert widths[3] / widths[2] == pytest.approx(30 / 5, rel=0.02)
    text = "".join(root.itertext())
    assert "net +15.0" in text and "net −25.0" in text


def test_scatter_labels_largest_gaps_and_highlights():
    f = pd.DataFrame(
        {
            "name": ["A", "B", "C", "D"],
            "x": [0.0, 10.0, 20.0, 5.0],
            "y": [0.0, 40.0, 18.0, np.nan],
            "highlight": [True, False, False, False],
        }
    )
    root = _parse(
        scatter_svg(f, title="t", desc="d", chart_id="s", x_label="x", y_label="y", label_top=1)
    )
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "point-label"]
    assert sorted(labels) == ["A", "B"]  # B has the largest gap, A is highlighted
    assert len(list(root.iter(f"{SVG}circle"))) == 3  # D has no perception value


def test_svg_data_uri_round_trips():
    import base64

    svg = ranking_svg(UNITS, chart_id="r")
    uri = svg_data_uri(svg)
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg


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


def test_markdown_lists_tables_code():
    md = (
        "Intro with `code *x*` and **bold**.\n\n"
        "- one\n- two\n  - nested\n\n"
        "1. first\n2. second\n\n"
        "| a | b |\n|---|--:|\n| 1 | 2 |\n\n"
        "```\n<raw>\n```\n"
    )
    html = render(md)
    assert "<code>code *x*</code>" in html and "<strong>bold</strong>" in html
    assert "<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert '<th scope="col">a</th>' in html and "<td>2</td>" in html
    assert "<pre><code>&lt;raw&gt;</code></pre>" in html


def test_axis_ticks_stay_inside_the_plot():
    # the domain is -10..50 (step 10); ticks recomputed over it step by 20 from -20, which
    # used to draw a grid line left of the plot, over the unit names
    f = pd.DataFrame({"name": ["a", "b"], "score": [-7.4, 40.1]})
    root = _parse(ranking_svg(f, chart_id="r"))
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "axis")
    xs = [float(line.get("x1")) for line in axis.iter(f"{SVG}line")]
    assert min(xs) >= 190 - 1e-6 and max(xs) <= 760 - 150 + 1e-6  # left and right margins
