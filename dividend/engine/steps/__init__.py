"""Recipe steps. Importing this package registers every step in :data:`REGISTRY`."""

from dividend.engine.steps import aggregate, denominate, impute, normalise, screen, treat
from dividend.engine.steps.base import REGISTRY, Context, Dset, RecipeError, StepSpec

__all__ = [
    "REGISTRY",
    "Context",
    "Dset",
    "RecipeError",
    "StepSpec",
    "aggregate",
    "denominate",
    "impute",
    "normalise",
    "screen",
    "treat",
]
