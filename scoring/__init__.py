"""Pure computation: scores, change, reliable change, RBM matching and research statistics.

Nothing here touches Streamlit, a database or files: arrays and DataFrames in, arrays and
DataFrames out. Public API::

    scoring.score(instrument, responses)      # one row of scores per assessment
    scoring.responses_to_array(instrument, df) # codes/values -> float array (NaN = omitted)
"""

from .engine import band_index, band_of, score
from .responses import (
    KEY_COLUMNS,
    CellError,
    ResponseError,
    check_columns,
    judgment_lookup,
    level_lookup,
    parse_judgments,
    ratings_to_values,
    responses_to_array,
)

__all__ = [
    "KEY_COLUMNS",
    "CellError",
    "ResponseError",
    "band_index",
    "band_of",
    "check_columns",
    "judgment_lookup",
    "level_lookup",
    "parse_judgments",
    "ratings_to_values",
    "responses_to_array",
    "score",
]
