"""Checks of the installed apps (`apps.*`): what they may do and where they came from."""
