"""A choice of one record (a referral, an assessment) that stays put while the user works on it.

Streamlit keeps a selectbox's value as the text of the option shown. When that text changes under
the user (a referral's status after "Spara beslut", a draft becoming final) the browser sends back a
text that is no longer an option, and on the next click the box fell back to another record: the
intake worker's next step went to another youth, and an assessor's ratings to another draft. Here
the chosen record's id is kept in the session, the widget is set from it on every run, and a value
the widget reports that is not a current id is ignored.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def pinned(label: str, ids: list[int], describe: Callable[[int], str], *, key: str, default: int | None = None,
           on_choose: Callable[[int], None] | None = None) -> int | None:
    """The chosen id among ``ids`` (the one kept from earlier runs when still listed, else ``default``,
    else the first). ``describe`` must give each id its own text."""
    if not ids:
        return None
    chosen_key = f"{key}:chosen"
    chosen = st.session_state.get(chosen_key)
    if chosen not in ids:
        chosen = default if default in ids else ids[0]
    st.session_state[chosen_key] = chosen
    st.session_state[key] = chosen  # the widget shows the kept choice, whatever text it held before

    def remember() -> None:
        picked = st.session_state.get(key)
        if picked in ids:  # a stale text from the browser is not a choice
            st.session_state[chosen_key] = picked
            if on_choose is not None:
                on_choose(picked)

    st.selectbox(label, ids, key=key, format_func=describe, on_change=remember)
    return st.session_state[chosen_key]


def kept_many(label: str, options: list[str], format_func: Callable[[str], str], *, key: str,
              default: list[str] | None = None, placeholder: str | None = None) -> list[str]:
    """A multiselect whose choice outlives a change of language. The browser keeps the chips as the
    texts it was shown: after a switch to English the status filter still said "Inkommen", and back in
    Swedish it was empty (the texts matched no option). The chosen codes are kept in the session and
    the widget set from them on every run, so it is drawn in the words of the current language."""
    chosen_key = f"{key}:chosen"
    chosen = [c for c in st.session_state.get(chosen_key, default or []) if c in options]
    st.session_state[chosen_key] = chosen
    st.session_state[key] = chosen

    def remember() -> None:
        st.session_state[chosen_key] = [c for c in st.session_state.get(key, []) if c in options]

    st.multiselect(label, options, key=key, format_func=format_func, placeholder=placeholder, on_change=remember)
    return st.session_state[chosen_key]
