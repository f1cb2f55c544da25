"""Numeric kernels of the composite-indicator engine (COINr 1.1.14 semantics, vectorised).

Pure numpy/scipy functions on units x indicators float64 matrices (NaN = missing); the
recipe steps in ``dividend.engine.steps`` wrap them with codes, metadata and logging.
"""

from dividend.engine.methods.aggregate import AggregateWarning, aggregate, aggregate_many
from dividend.engine.methods.normalise import DegenerateColumnWarning, normalise
from dividend.engine.methods.stats import kurt, skew
from dividend.engine.methods.treat import TreatWarning, treat

__all__ = [
    "AggregateWarning",
    "DegenerateColumnWarning",
    "TreatWarning",
    "aggregate",
    "aggregate_many",
    "kurt",
    "normalise",
    "skew",
    "treat",
]
