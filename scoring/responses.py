"""Response parsing, re-exported for scoring's users: it lives in ``instruments.responses``."""

from instruments.responses import (  # noqa: F401
    KEY_COLUMNS,
    OBSERVATION_SUFFIX,
    CellError,
    ResponseError,
    allowed_text,
    check_columns,
    judgment_lookup,
    level_lookup,
    parse_judgments,
    ratings_to_values,
    responses_to_array,
)
