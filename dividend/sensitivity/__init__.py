"""Uncertainty and variance-based sensitivity analysis of composite indicators.

Typical use (COINr's ASEM example, ~600 runs in well under a second)::

    from dividend.engine.recipe import Recipe, load_inputs
    from dividend.sensitivity import RecipeModel, parse_inputs, run_sensitivity

    recipe = Recipe.load("examples/asem/recipe.yaml")
    data, fw = load_inputs(recipe)
    inputs = parse_inputs({
        "Winmax": {"kind": "step", "step": "Treat", "param": "winmax", "values": [1, 2, 3, 4, 5]},
        "Aggregation": {"kind": "aggregation", "choices": ["amean", "gmean"]},
    })
    res = run_sensitivity(RecipeModel(recipe, data, fw), inputs, n=100, seed=1)
    res.inputs, res.units, res.runs   # per-input indices, per-unit ranks, every run

See :mod:`~dividend.sensitivity.inputs` for the input kinds, :mod:`.design` for the
designs, :mod:`.runner` for the execution model and :mod:`.distributed` for Dask.
"""

from dividend.engine.ranking import rank_rows
from dividend.sensitivity.blocks import Analysis, evaluate_block
from dividend.sensitivity.config_file import SensitivityConfig, load_config
from dividend.sensitivity.design import Design, make_design
from dividend.sensitivity.inputs import SensitivityError, UncertainInput, parse_inputs
from dividend.sensitivity.models import RecipeModel, ScoringModel
from dividend.sensitivity.results import SensitivityResult
from dividend.sensitivity.runner import prepare, run_sensitivity, summarise
from dividend.sensitivity.sobol import SobolIndices, sobol_indices

__all__ = [
    "Analysis",
    "Design",
    "RecipeModel",
    "ScoringModel",
    "SensitivityConfig",
    "SensitivityError",
    "SensitivityResult",
    "SobolIndices",
    "UncertainInput",
    "evaluate_block",
    "load_config",
    "make_design",
    "parse_inputs",
    "prepare",
    "rank_rows",
    "run_sensitivity",
    "sobol_indices",
    "summarise",
]
