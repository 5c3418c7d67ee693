"""The zero-skip rule: under CI=true a run with any skipped or xfailed test fails.

A skipped test proves nothing, and a skip that nobody reads hides a missing tool or a
missing download. Locally a skip is only listed (with its reason: `-rsx` in
pyproject.toml); in CI (the environment variable CI set to "true" or "1", as `.ci/run`
and most CI services do) the run ends with exit status 1 and names the tests.

The root conftest imports these hooks; tests/test_skip_guard.py runs them on a tiny
suite with pytester to show that a skip really fails a CI run.
"""

from __future__ import annotations

import os

import pytest

_SKIPPED_KEY = pytest.StashKey[list]()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _record(config: pytest.Config, report) -> None:
    if not report.skipped:
        return
    kind = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    config.stash.setdefault(_SKIPPED_KEY, []).append(f"{kind}: {report.nodeid}")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SKIPPED_KEY] = []
    # The hooks below need the config; keep it where report hooks can reach it.
    config.pluginmanager.register(_Recorder(config), "phone-audit-skip-recorder")


class _Recorder:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report) -> None:
        _record(self.config, report)

    def pytest_collectreport(self, report) -> None:
        # pytest.skip(allow_module_level=True) and importorskip skip a whole module here
        _record(self.config, report)


def pytest_sessionfinish(session: pytest.Session, exitstatus) -> None:
    skipped = session.config.stash.get(_SKIPPED_KEY, [])
    # a run that already failed keeps its status; "nothing collected" because every
    # module skipped itself is a failure too
    if in_ci() and skipped and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    skipped = config.stash.get(_SKIPPED_KEY, [])
    if in_ci() and skipped:
        terminalreporter.section("zero-skip rule (CI=true)", red=True)
        terminalreporter.line(f"{len(skipped)} test(s) did not run; under CI=true that fails the run:")
        for line in skipped:
            terminalreporter.line(f"  {line}")
