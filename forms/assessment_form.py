"""An assessment form generated from any instrument definition, one domain per step.

Ratings live in ``st.session_state[form_key]`` (item id -> level code, or None when not rated),
not only in widget state: Streamlit forgets a widget's value when it is not drawn, and a paginated
form draws one domain at a time. ``on_change`` callbacks copy each answer into that dict, which is
also what a page saves as a draft.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from instruments import Instrument
from scoring import ratings_to_values

from .i18n import lang, tr

OMITTED = "__omitted__"


def ratings_state(form_key: str, instrument: Instrument) -> dict[str, str | None]:
    state = st.session_state.setdefault(form_key, {})
    for item_id in instrument.item_ids:
        state.setdefault(item_id, None)
    return state


def recover_answers(instrument: Instrument, form_key: str) -> bool:
    """Take into the form's ratings every answer a rating widget holds that they lack. A quick user's
    last click before "Nästa" can reach the server in a rerun that its callback never ran in; the widget
    of that factor is then not drawn again and Streamlit drops its state after this run. Called at the
    top of every run, so nothing the user saw selected is lost. True when something was taken."""
    ratings = ratings_state(form_key, instrument)
    taken = False
    for item_id in instrument.item_ids:
        shown = st.session_state.get(f"{form_key}:item:{item_id}")
        if shown is not None and shown != ratings.get(item_id):
            ratings[item_id], taken = shown, True
    return taken


def ratings_to_row(instrument: Instrument, ratings: dict[str, str | None]) -> np.ndarray:
    """Form answers -> one row (1 x items) of values for the engine; "not rated" is omitted."""
    answered = {item_id: (None if code == OMITTED else code) for item_id, code in ratings.items()}
    return ratings_to_values(instrument, answered)[None, :]


def steps(instrument: Instrument) -> list[str]:
    """Step ids: every domain, then the judgment (SPJ) or a summary."""
    last = "__judgment__" if instrument.judgment is not None else "__summary__"
    return [d.id for d in instrument.domains] + [last]


def step_label(instrument: Instrument, step_id: str) -> str:
    if step_id == "__judgment__":
        return tr("judgment_step")
    if step_id == "__summary__":
        return tr("summary_step")
    return instrument.text(instrument.domain(step_id).label, lang())


def step_selector(instrument: Instrument, form_key: str) -> str:
    """Step navigation: a selector plus previous/next buttons. Returns the current step id."""
    ids = steps(instrument)
    key = f"{form_key}:step"
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[0]

    def move(delta: int) -> None:
        index = ids.index(st.session_state[key]) + delta
        st.session_state[key] = ids[max(0, min(len(ids) - 1, index))]

    st.radio(tr("step"), ids, key=key, horizontal=True, format_func=lambda s: step_label(instrument, s))
    left, _, right = st.columns([2, 3, 2])
    current = ids.index(st.session_state[key])
    left.button(tr("previous"), key=f"{key}:prev", on_click=move, args=(-1,), disabled=current == 0)
    right.button(tr("next"), key=f"{key}:next", on_click=move, args=(1,), disabled=current == len(ids) - 1)
    return st.session_state[key]


def answers_table(instrument: Instrument, ratings: dict[str, str | None]) -> pd.DataFrame:
    """Every item with the answer given, in the user's language (a referral's checklist as sent)."""
    language = lang()
    omitted = instrument.text(instrument.omission.label, language) or tr("not_rated")
    rows = []
    for item in instrument.items:
        labels = {lv.code: instrument.text(lv.label, language) for lv in instrument.scales[item.scale].levels}
        rows.append({tr("factor"): f"{item.id} {instrument.text(item.label, language)}",
                     tr("rating"): labels.get(ratings.get(item.id), omitted)})
    return pd.DataFrame(rows)


def read_only_items(instrument: Instrument, domain, ratings: dict, omitted_label: str) -> None:
    """A locked assessment's factors as a plain table: factor, rating, help."""
    language = lang()
    rows = []
    for item in domain.items:
        labels = {lv.code: instrument.text(lv.label, language) for lv in instrument.scales[item.scale].levels}
        rows.append({tr("factor"): f"{item.id} {instrument.text(item.label, language)}",
                     tr("rating"): labels.get(ratings.get(item.id), omitted_label),
                     tr("factor_help"): instrument.text(item.help, language) if item.help else ""})
    st.table(pd.DataFrame(rows).set_index(tr("factor")))


def domain_items(
    instrument: Instrument,
    domain_id: str,
    form_key: str,
    on_change: Callable[[], None] | None = None,
    disabled: bool = False,
) -> None:
    """Draw one domain's factors: the rating widget with its help text beside it."""
    language = lang()
    ratings = ratings_state(form_key, instrument)
    domain = instrument.domain(domain_id)
    if domain.help:
        st.caption(instrument.text(domain.help, language))
    omitted_label = instrument.text(instrument.omission.label, language) or tr("not_rated")
    if disabled:  # read-only: a table to read, not greyed-out widgets (WCAG 1.4.3, and easier to read)
        read_only_items(instrument, domain, ratings, omitted_label)
        return
    missed = False
    for item in domain.items:
        scale = instrument.scales[item.scale]
        options = [lv.code for lv in scale.levels] + [OMITTED]
        labels = {lv.code: instrument.text(lv.label, language) for lv in scale.levels} | {OMITTED: omitted_label}
        widget_key = f"{form_key}:item:{item.id}"

        def remember(item_id: str = item.id, wkey: str = widget_key) -> None:
            ratings[item_id] = st.session_state.get(wkey)
            if on_change is not None:
                on_change()

        current = ratings.get(item.id)
        widget, help_col = st.columns([3, 2])
        with widget:
            st.radio(
                f"{item.id} {instrument.text(item.label, language)}",  # plain: the label is its accessible name
                options,
                index=options.index(current) if current in options else None,
                key=widget_key,
                horizontal=True,
                format_func=labels.__getitem__,
                on_change=remember,
                disabled=disabled,
            )
        shown = st.session_state.get(widget_key)
        if shown is not None and shown != ratings.get(item.id):
            # the widget holds an answer its callback never recorded (a rerun interrupted by a quick
            # second click can drop a callback): take it from the widget so nothing shown is unsaved
            ratings[item.id], missed = shown, True
        with help_col:
            if item.help:
                st.caption(instrument.text(item.help, language))
    if missed and on_change is not None and not disabled:
        on_change()
