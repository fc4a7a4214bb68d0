"""What the app and the CLI both call: the coordinator's caseload, the follow-up report and its PDF, the
error boundary's report, the instance's limits. No Streamlit here (the pages add it), and no page imports
another page's logic: a figure is computed once for the page, the PDF, the JSON and the terminal."""
