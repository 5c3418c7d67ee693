"""Reusable widgets: risk panels, stage progress, the counts bar, the device table."""
