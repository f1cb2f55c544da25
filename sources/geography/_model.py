"""The base of the geography reference tables' pandera models."""

from __future__ import annotations

import pandera.pandas as pa


class StrictModel(pa.DataFrameModel):
    """Reference tables are exact: no column beyond the model, values coerced to its types."""

    class Config:
        strict = True
        coerce = True
