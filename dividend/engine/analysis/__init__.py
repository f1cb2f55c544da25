"""Analysis of a composite indicator, after COINr's analysis functions.

* :mod:`.stats`: indicator statistics table (``get_stats``).
* :mod:`.correlation`: correlation matrices with p-values, within-group flags,
  correlations with parents, Cronbach's alpha (``get_corr``, ``get_corr_flags``,
  ``get_cronbach``).
* :mod:`.pca`: PCA per group (``get_PCA``).
* :mod:`.ranks`: ranks and strengths/weaknesses (``rank_df``, ``get_str_weak``).
* :mod:`.impact`: rank impact of removing elements (``remove_elements``); imported
  lazily because it needs the recipe runner.
"""

from dividend.engine.analysis._input import AnalysisError
from dividend.engine.analysis.correlation import (
    CorrMatrix,
    collinear_pairs,
    corr_flags,
    corr_matrix,
    corr_with_parent,
    cronbach,
    cronbach_by_group,
    negative_pairs,
)
from dividend.engine.analysis.pca import PCAResult, pca, pca_by_group
from dividend.engine.analysis.ranks import rank, strengths_weaknesses
from dividend.engine.analysis.stats import indicator_stats

__all__ = [
    "AnalysisError",
    "CorrMatrix",
    "PCAResult",
    "collinear_pairs",
    "corr_flags",
    "corr_matrix",
    "corr_with_parent",
    "cronbach",
    "cronbach_by_group",
    "indicator_stats",
    "negative_pairs",
    "pca",
    "pca_by_group",
    "rank",
    "strengths_weaknesses",
]
