"""The plain-text summary `phone-audit scan` prints on stdout.

One line per check (status, id, summary). Text from the phone is printed as plain
text with control characters (and bidi overrides, which can make a line read
differently than it is) replaced by visible escapes, so a hostile label cannot move
the cursor, change colours or hide part of a line.
"""

from __future__ import annotations

from typing import Any

from audit.reports import missing_facts
from audit.reports.terminal_text import one_line, plain

#: display names of statuses, fixed width in the listing
STATUS_WORD = {
    "fail": "FAIL",
    "warn": "WARN",
    "pass": "PASS",
    "not_applicable": "N/A",
    "inconclusive": "INCONCLUSIVE",
}
STATUS_ORDER = ("fail", "warn", "inconclusive", "pass", "not_applicable")
#: a finding's summary line is cut here (it may quote phone text; the JSON keeps it whole)
SUMMARY_LINE = 300


def counts(report: dict[str, Any]) -> dict[str, int]:
    c = {s: 0 for s in STATUS_ORDER}
    for f in report["findings"]:
        c[f["status"]] = c.get(f["status"], 0) + 1
    return c


def render(report: dict[str, Any], *, previous: dict[str, Any] | None = None) -> str:
    """The summary of one report dict (as `json_report.build_report` makes it)."""
    d = report["device"]
    lines = [
        f"phone-audit {plain(report['tool']['version'])}: "
        f"{one_line(d.get('manufacturer'))} {one_line(d.get('model'))} "
        f"(serial {one_line(d.get('serial'))}, adb {one_line(d.get('adb_serial'))}), "
        f"Android {one_line(d.get('android_release'))} (SDK {plain(d.get('sdk'))}), "
        f"security patch {one_line(d.get('security_patch'))}",
    ]
    state = "complete" if report["complete"] else "INCOMPLETE"
    audit = f"audit #{report['audit_id']}, " if report.get("audit_id") is not None else ""
    lines.append(f"{audit}{plain(report['started_at'])} .. {plain(report['finished_at'])}, {state}")
    if previous is not None and not previous.get("complete"):
        lines.append(
            f"note: the previous audit of this phone (#{previous['id']}, {plain(previous['started_at'])}) "
            f"did not complete ({plain(previous['status'])}"
            + (f": {plain(previous['problems'][0]['reason'])}" if previous.get("problems") else "")
            + ")"
        )
    lines.append("")
    width = max((len(f["check"]) for f in report["findings"]), default=10)
    for f in report["findings"]:
        word = STATUS_WORD.get(f["status"], f["status"].upper())
        lines.append(f"{word:<12} {f['check']:<{width}}  {one_line(f['summary'], SUMMARY_LINE)}")
        lines.extend(missing_facts.under_finding(f, plain))
    lines.append("")
    c = counts(report)
    parts = [f"{c[s]} {STATUS_WORD[s].lower() if s != 'not_applicable' else 'not applicable'}"
             for s in STATUS_ORDER if c.get(s)]
    lines.append(f"{len(report['findings'])} checks: " + ", ".join(parts))
    for p in report.get("problems", []):
        lines.append(f"problem: {plain(p['reason'])} [{plain(p['command'])}]")
    if not report["complete"]:
        lines.append("the audit did not complete: what was gathered is reported and saved")
    lines.extend(missing_facts.closing(report, plain))
    return "\n".join(lines) + "\n"
