"""Analysis functions against hand computations and independent numpy/scipy calculations."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from dividend.engine import analysis as A
from dividend.engine.analysis.impact import remove_elements
from dividend.engine.framework import Framework
from dividend.engine.recipe import Recipe, load_inputs, run_recipe

REF = "tests/reference/coinr/coinr_Aggregated.csv"


def _fw():
    ind = dict(Level=1, Direction=1, Type="Indicator", Weight=1)
    return Framework.from_imeta(
        pd.DataFrame(
            [
                dict(iCode="a", Parent="P", **ind),
                dict(iCode="b", Parent="P", **ind),
                dict(iCode="c", Parent="P", **ind),
                dict(iCode="d", Parent="Q", **ind),
                dict(iCode="e", Parent="Q", **ind),
                dict(iCode="P", Level=2, Parent="I", Weight=1, Direction=1, Type="Aggregate"),
                dict(iCode="Q", Level=2, Parent="I", Weight=1, Direction=1, Type="Aggregate"),
                dict(iCode="I", Level=3, Parent=None, Weight=1, Direction=1, Type="Aggregate"),
            ]
        )
    )


DATA = pd.DataFrame(
    {
        "uCode": list("uvwxyz"),
        "a": [1.0, 2, 3, 4, 5, 6],
        "b": [2.0, 4, 6, 8, 10, 12.5],  # near-collinear with a
        "c": [6.0, 5, 4, 3, 2, np.nan],  # negative with a
        "d": [0.0, 0, 0, 1, 7, 3],
        "e": [1.0, 3, 2, 5, 4, 6],
    }
)


def test_stats_hand_computed():
    t = A.indicator_stats(DATA, ["c", "d"]).set_index("iCode")
    assert t.loc["c", "N.Avail"] == 5 and t.loc["c", "Frc.Avail"] == pytest.approx(5 / 6)
    assert t.loc["c", "Mean"] == 4.0 and t.loc["c", "Median"] == 4.0
    assert t.loc["c", "Std"] == pytest.approx(np.sqrt(10 / 4))
    assert (
        t.loc["d", "N.NonZero"] == 3 and t.loc["d", "N.Unique"] == 4 and t.loc["d", "N.Same"] == 3
    )
    assert t.loc["d", "Frc.Same"] == pytest.approx(0.5)
    # COINr quirk: Flag.NonZero compares nonzero/n with 0.5 -> 3/6 is "ok"
    assert t.loc["d", "Flag.NonZero"] == "ok"
    # skew of d from the e1071 type-2 formula, written out
    x = DATA["d"].to_numpy()
    n, dv = len(x), x - x.mean()
    g1 = np.sqrt(n) * (dv**3).sum() / (dv**2).sum() ** 1.5
    assert t.loc["d", "Skew"] == pytest.approx(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def test_correlations_match_scipy_pairwise():
    cm = A.corr_matrix(DATA, ["a", "b", "c", "d"])
    ok = DATA["c"].notna()
    r, p = sps.pearsonr(DATA.loc[ok, "a"], DATA.loc[ok, "c"])
    assert cm.r.loc["a", "c"] == pytest.approx(r) and cm.p.loc["a", "c"] == pytest.approx(p)
    assert cm.n.loc["a", "c"] == 5 and cm.n.loc["a", "b"] == 6
    r2, p2 = sps.pearsonr(DATA["b"], DATA["d"])
    assert cm.r.loc["b", "d"] == pytest.approx(r2) and cm.p.loc["d", "b"] == pytest.approx(p2)
    sp = A.corr_matrix(DATA, ["c", "d", "e"], method="spearman")
    for u, v in [("c", "d"), ("d", "e"), ("c", "e")]:
        m = DATA[u].notna() & DATA[v].notna()
        assert sp.r.loc[u, v] == pytest.approx(sps.spearmanr(DATA.loc[m, u], DATA.loc[m, v])[0])
    assert np.isnan(cm.significant(0.05).loc["a", "d"]) or cm.p.loc["a", "d"] <= 0.05


def test_corr_flags_within_groups():
    fw = _fw()
    hi = A.collinear_pairs(DATA, fw)
    assert hi[["Group", "Ind1", "Ind2"]].values.tolist() == [["P", "a", "b"]]
    neg = A.negative_pairs(DATA, fw)
    assert sorted(map(tuple, neg[["Ind1", "Ind2"]].values.tolist())) == [("a", "c"), ("b", "c")]
    assert (neg["Group"] == "P").all()


def test_cronbach_against_covariance_formula():
    cols = ["a", "b", "e"]
    x = DATA[cols].to_numpy()
    cov = np.cov(x, rowvar=False)
    k = 3
    expected = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    assert A.cronbach(DATA, cols) == pytest.approx(expected)
    assert A.cronbach_by_group(DATA.drop(columns="c").assign(c=DATA["a"] + 1), _fw())["Q"] == (
        pytest.approx(A.cronbach(DATA, ["d", "e"]))
    )


def test_pca_against_numpy_eig_of_correlation_matrix():
    cols = ["a", "c", "d", "e"]
    res = A.pca(DATA, cols)
    x = DATA[cols].dropna().to_numpy()
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    vals, vecs = np.linalg.eigh(z.T @ z / (len(z) - 1))
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    assert res.n_used == 5 and res.n_dropped == 1
    np.testing.assert_allclose(res.sdev**2, vals, atol=1e-12)
    np.testing.assert_allclose(res.explained, vals / vals.sum(), atol=1e-12)
    np.testing.assert_allclose(np.abs(res.rotation["PC1"]), np.abs(vecs[:, 0]), atol=1e-10)
    assert res.rotation["PC1"].sum() >= 0


def test_ranks_min_ties_and_groups():
    df = pd.DataFrame({"uCode": list("pqrs"), "v": [3.0, 5, 5, np.nan], "g": ["A", "B", "A", "B"]})
    assert A.rank(df, ["v"])["v"].tolist()[:3] == [3.0, 1.0, 1.0]
    assert np.isnan(A.rank(df, ["v"])["v"]["s"])
    assert A.rank(df, ["v"], group="g")["v"].tolist()[:3] == [2.0, 1.0, 1.0]


def test_strengths_weaknesses_hand_computed():
    sw = A.strengths_weaknesses(DATA, _fw(), top_n=2, bottom_n=2)
    w = sw[sw.uCode == "y"]
    # y's ranks: a 2, b 2, c 5 (worst of c -> discarded), d 1, e 3
    assert w[w.Type == "Strength"].iCode.tolist() == ["d", "a"]
    assert w[w.Type == "Weakness"].iCode.tolist() == ["b", "e"]
    assert w[w.Type == "Strength"].Rank.tolist() == [1.0, 2.0]
    assert set(sw[sw.uCode == "z"].iCode) <= {"a", "b", "d", "e"}  # z has no c


def test_bad_inputs_name_the_column():
    with pytest.raises(A.AnalysisError, match=r"no column\(s\) \['zz'\]"):
        A.corr_matrix(DATA, ["a", "zz"])
    with pytest.raises(A.AnalysisError, match="column 'a', uCode 'v'"):
        A.indicator_stats(DATA.astype({"a": object}).assign(a=[1, "x", 3, 4, 5, 6]), ["a"])
    with pytest.raises(A.AnalysisError, match="method 'kendal'"):
        A.corr_matrix(DATA, method="kendal")


@pytest.fixture(scope="module")
def asem():
    rec = Recipe.load("examples/asem/recipe.yaml")
    data, fw = load_inputs(rec)
    return rec, run_recipe(rec, data, fw)


def test_remove_elements_on_asem(asem):
    rec, res = asem
    imp = remove_elements(rec, res, level=2)
    ref = pd.read_csv(REF).set_index("uCode")
    np.testing.assert_allclose(imp.Scores["Nominal"], ref.loc[imp.Scores.index, "Index"], atol=1e-9)
    # removing Physical: recompute the index by hand from COINr's own pillar scores
    conn = ref[["ConEcFin", "Political", "Instit", "P2P"]].mean(axis=1)
    index = (conn + ref["Sust"]) / 2
    np.testing.assert_allclose(imp.Scores["Physical"], index.loc[imp.Scores.index], atol=1e-9)
    new_rank = index.rank(method="min", ascending=False)
    old_rank = ref["Index"].rank(method="min", ascending=False)
    assert imp.MeanAbsDiff["Physical"] == pytest.approx((old_rank - new_rank).abs().mean())
    assert imp.MeanAbsDiff["Nominal"] == 0


def test_strengths_on_coinr_aggregated_reference():
    ref = pd.read_csv(REF)
    fw = Framework.from_csv("examples/asem/ASEM_iMeta_17g.csv")
    sw = A.strengths_weaknesses(ref, fw)
    ranks = ref.set_index("uCode")[list(fw.indicators)].rank(method="min", ascending=False)
    best = sw[(sw.Type == "Strength") & (sw.Position == 1)].set_index("uCode")
    for u in ["AUT", "CHN", "NZL"]:
        r = ranks.loc[u]
        r = r[r != ranks.max()]
        assert best.loc[u, "Rank"] == r.min()
