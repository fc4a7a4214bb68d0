"""Pure rules, each decided once: numpy/pandas only, no I/O, no Streamlit, no SQLAlchemy.

The store, scoring, services, pages and CLI all ask these modules; none of them re-decides a rule.
"""
