"""The user-facing layer: the Textual app, the command line, JSON/HTML reports."""
