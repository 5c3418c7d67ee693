"""Reports of an audit: JSON (the contract), self-contained HTML, a plain-text summary.

Never imports textual (import-linter keeps it so): the CLI and the app both use these.
"""
