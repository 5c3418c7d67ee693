"""Exit codes of `scan` and `inspect`, and the `--fail-on SEVERITY` threshold.

The four codes keep the meaning the README gives them:

- 0: the audit completed and nothing met the threshold;
- 1: the audit completed and something met the threshold;
- 2: a usage error, or no usable device (for `inspect`: the APK could not be read);
- 3: the audit did not complete (what was gathered is reported and saved).

Without `--fail-on`, "something" is a check that failed, whatever its severity (as
before this option existed). With `--fail-on SEVERITY`, as trivy's and grype's options of
that name, it is a check that failed or warned at SEVERITY or above: `--fail-on critical`
lets an old patch (high) pass a pipeline but not stalkerware (critical); `--fail-on low`
also stops on a warning about trackers (low). An inconclusive check never meets the
threshold by itself: the audit says what it could not read, and an incomplete audit
already exits 3. A failure or warning a person accepted for this phone
(`audit.acceptance`, unchanged since) never meets it either: it was looked at and
accepted on purpose; once the finding changes the acceptance lapses and it counts again.

For `inspect` (one APK, no phone) the same threshold applies to what the APK shows:
known stalkerware is critical, a risk indicator medium, a tracker SDK low.
"""

from __future__ import annotations

from typing import Any, Iterable

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
SEVERITIES = ("info", "low", "medium", "high", "critical")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}

#: severities of what `inspect` finds in one APK
INSPECT_SEVERITY = {"stalkerware": "critical", "indicator": "medium", "tracker": "low"}


def meets(findings: Iterable[dict[str, Any]], fail_on: str | None) -> bool:
    """Whether any finding meets the threshold (see the module docstring)."""
    from audit.acceptance import is_accepted

    for f in findings:
        if is_accepted(f):
            continue
        status = f.get("status")
        if fail_on is None:
            if status == "fail":
                return True
            continue
        if status in ("fail", "warn") and _RANK.get(str(f.get("severity")), 0) >= _RANK[fail_on]:
            return True
    return False


def scan_exit(report: dict[str, Any], fail_on: str | None = None) -> int:
    """The exit code of one audited phone from its report."""
    if not report.get("complete"):
        return EXIT_INCOMPLETE
    return EXIT_FAILED if meets(report.get("findings", ()), fail_on) else EXIT_OK


def inspect_exit(stalkerware: list[str], indicators: int, trackers: int, fail_on: str | None) -> int:
    """The exit code of `inspect` on an APK that could be read. Without `--fail-on`, only
    known stalkerware exits 1."""
    found = [("critical", bool(stalkerware)), ("medium", indicators > 0), ("low", trackers > 0)]
    threshold = fail_on or "critical"
    return EXIT_FAILED if any(hit and _RANK[sev] >= _RANK[threshold] for sev, hit in found) else EXIT_OK
