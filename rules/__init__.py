"""Pure rules of the work, each decided once: the case's path, its start, its timing, dates and disclosure.

No I/O, no Streamlit, no SQLAlchemy: the store, the pages, the CLI and the reports all read these
tables and functions, so a rule cannot be written twice and drift apart.
"""
