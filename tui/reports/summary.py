"""The plain-text summary `phone-audit scan` prints on stdout.

One line per check (status, id, summary). Text from the phone is printed as plain
text with control characters (and bidi overrides, which can make a line read
differently than it is) replaced by visible escapes, so a hostile label cannot move
the cursor, change colours or hide part of a line.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from tui.reports import missing_facts

#: display names of statuses, fixed width in the listing
STATUS_WORD = {
    "fail": "FAIL",
    "warn": "WARN",
    "pass": "PASS",
    "not_applicable": "N/A",
    "inconclusive": "INCONCLUSIVE",
}
STATUS_ORDER = ("fail", "warn", "inconclusive", "pass", "not_applicable")


def plain(text: object) -> str:
    """`text` safe for a terminal: control and format characters become \\xNN / \\uNNNN."""
    if text is None:
        return "-"
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch == " " or not (cat.startswith("C") or cat in ("Zl", "Zp")):
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)


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
        f"{plain(d.get('manufacturer'))} {plain(d.get('model'))} "
        f"(serial {plain(d.get('serial'))}, adb {plain(d.get('adb_serial'))}), "
        f"Android {plain(d.get('android_release'))} (SDK {plain(d.get('sdk'))}), "
        f"security patch {plain(d.get('security_patch'))}",
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
        lines.append(f"{word:<12} {f['check']:<{width}}  {plain(f['summary'])}")
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
