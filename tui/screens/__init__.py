"""The app's screens and the panes of its tabs, one module each."""
