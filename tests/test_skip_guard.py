"""The zero-skip rule (tests/support/skip_guard.py) really fails a CI run.

Each case runs a tiny suite in a fresh pytest (pytester, in a subprocess) whose
conftest is the real skip_guard module, and reads the exit status.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GUARD = (Path(__file__).parent / "support" / "skip_guard.py").read_text(encoding="utf-8")

SUITES = {
    "passing": "def test_ok():\n    assert True\n",
    "skip": "import pytest\n\ndef test_ok():\n    pass\n\ndef test_skipped():\n    pytest.skip('no tool')\n",
    "skipif": "import pytest\n\n@pytest.mark.skipif(True, reason='never here')\ndef test_skipped():\n    pass\n",
    "module_skip": "import pytest\npytest.skip('whole module', allow_module_level=True)\n\ndef test_x():\n    pass\n",
    "importorskip": "import pytest\npytest.importorskip('no_such_module_for_phone_audit')\n\ndef test_x():\n    pass\n",
    "xfail": "import pytest\n\n@pytest.mark.xfail(reason='known bug')\ndef test_broken():\n    assert False\n",
}


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, suite: str, ci: str | None):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makeconftest(GUARD)
    pytester.makepyfile(test_tiny=SUITES[suite])
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rsx")


@pytest.mark.parametrize("suite", ["skip", "skipif", "module_skip", "importorskip", "xfail"])
def test_a_skip_fails_the_run_under_ci(pytester, monkeypatch, suite):
    result = _run(pytester, monkeypatch, suite, "true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*zero-skip rule (CI=true)*", "*did not run*", "*test_tiny*"])


@pytest.mark.parametrize("suite", ["skip", "xfail"])
def test_a_skip_is_only_listed_outside_ci(pytester, monkeypatch, suite):
    result = _run(pytester, monkeypatch, suite, None)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*zero-skip rule*")
    # -rsx lists the reason
    result.stdout.fnmatch_lines(["*no tool*" if suite == "skip" else "*known bug*"])


def test_a_clean_run_passes_under_ci(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, "passing", "true")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*zero-skip rule*")


def test_a_failing_run_keeps_its_status_under_ci(pytester, monkeypatch):
    pytester.makepyfile(test_fail="def test_bad():\n    assert False\n")
    result = _run(pytester, monkeypatch, "skip", "true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
