"""Every phone-audit JSON report a test in this folder writes under its tmp_path is
validated against the package's JSON Schema after the test."""

from __future__ import annotations

from support.report_fixtures import browser, validate_written_reports  # noqa: F401  (fixtures)
