"""Numeric kernels of the composite-indicator engine (COINr 1.1.14 semantics, vectorised).

Pure numpy/scipy functions on units x indicators float64 matrices (NaN = missing); the
recipe steps in ``dividend.steps`` wrap them with codes, metadata and logging.
"""

from dividend.methods.aggregate import AggregateWarning, aggregate, aggregate_many
from dividend.methods.normalise import DegenerateColumnWarning, normalise
from dividend.methods.stats import kurt, skew
from dividend.methods.treat import TreatWarning, treat

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
