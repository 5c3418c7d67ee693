"""Fixtures for tests that write phone-audit reports (tests/reports, tests/scan).

A conftest imports them by name: ``from support.report_fixtures import browser,
validate_written_reports``.
"""

from __future__ import annotations

import json

import pytest

from support import chromium


@pytest.fixture
def browser():
    """The headless Chromium helper module (tests/support/chromium.py)."""
    if not chromium.available():
        pytest.fail(f"{chromium.CHROMIUM} is missing: .ci/run installs Debian's chromium")
    return chromium


@pytest.fixture(autouse=True)
def validate_written_reports(tmp_path):
    """After the test, every phone-audit JSON report under its tmp_path must match the
    package's JSON Schema."""
    yield
    from audit.reports.json_report import validate_report

    for path in tmp_path.rglob("*.json"):
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("schema") == "phone-audit.report/1":
            validate_report(data)
