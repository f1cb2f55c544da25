"""The headline year rule (issue 12, item 6: "the latest well-covered year")."""

from __future__ import annotations

import pandas as pd

from dividend.index.unit_tables import headline_year


def _table(ranked_per_year: dict[int, tuple[int, int]]) -> pd.DataFrame:
    """Rows per year: (rankable units, units with data but unrankable) plus one empty unit."""
    rows = []
    for year, (ranked, unranked) in ranked_per_year.items():
        rows += [{"reference_year": year, "ranked": True, "n_observed": 3}] * ranked
        rows += [{"reference_year": year, "ranked": False, "n_observed": 1}] * unranked
        rows += [{"reference_year": year, "ranked": False, "n_observed": 0}]
    return pd.DataFrame(rows)


def test_latest_year_with_60_percent_rankable():
    # 2019: 6/10, 2020: 5/10, 2021: 7/10 -> 2021; empty units are not counted
    assert headline_year(_table({2019: (6, 4), 2020: (5, 5), 2021: (7, 3)})) == 2021
    assert headline_year(_table({2019: (6, 4), 2020: (7, 3), 2021: (5, 5)})) == 2020


def test_without_60_percent_the_latest_year_near_the_best():
    # best 2016 (41 %); 2022 at 39 % is >= 0.9 * 41 %, 2023 at 19 % is not
    t = _table({2016: (41, 59), 2020: (36, 64), 2022: (39, 61), 2023: (19, 81)})
    assert headline_year(t) == 2022
    # 2022 below 90 % of the best year: the best year
    t = _table({2016: (41, 59), 2022: (36, 64)})
    assert headline_year(t) == 2016


def test_frame_without_data_takes_its_latest_year():
    t = pd.DataFrame({"reference_year": [2010, 2011], "ranked": False, "n_observed": 0})
    assert headline_year(t) == 2011
