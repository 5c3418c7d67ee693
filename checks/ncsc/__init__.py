"""The NCSC 2021 checks: the four risks of the Lithuanian assessment and its
browser-analytics finding, looked for as mechanisms in whatever is installed."""
