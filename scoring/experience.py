"""What youths and families said at closing: each question's answers summarised over a cohort (for the
research page and the yearly report). Pure and vectorised over the whole cohort's answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from instruments import Instrument
from instruments.responses import responses_to_array

AGREE_FROM = 4  # on a 1-5 agreement scale: 4 or 5 is agreeing


def question_summary(inst: Instrument, answers: pd.DataFrame, language: str = "sv") -> pd.DataFrame:
    """One row per question: ``item``, ``question``, ``n`` (answered), ``mean``, ``agree_share`` (share of the
    answers at ``AGREE_FROM`` or above). ``answers``: one row per questionnaire, item ids as columns."""
    values = responses_to_array(inst, answers[inst.item_ids].fillna("").astype(str)) if len(answers) else \
        np.empty((0, len(inst.item_ids)))
    answered = ~np.isnan(values)
    n = answered.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(values, axis=0) / np.maximum(n, 1), np.nan)
        agree = np.where(n > 0, (np.nan_to_num(values, nan=-np.inf) >= AGREE_FROM).sum(axis=0) / np.maximum(n, 1),
                         np.nan)
    return pd.DataFrame({"item": inst.item_ids,
                         "question": [inst.text(i.label, language) for i in inst.items],
                         "n": n.astype(int), "mean": mean, "agree_share": agree})
