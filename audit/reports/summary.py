"""The plain-text summary `phone-audit scan` prints on stdout.

The verdict and the two scores first, then what to do (the most serious first, with
the exact command for each app), then one line per check (status, id, summary) in
the same order (`audit.ranking.ranked`), then the facts that could not be read. Text from the phone is printed as plain
text with control characters (and bidi overrides, which can make a line read
differently than it is) replaced by visible escapes, so a hostile label cannot move
the cursor, change colours or hide part of a line.
"""

from __future__ import annotations

from typing import Any

from adb.parsers.error_text import readable_error
from audit import acceptance, ranking
from audit.reports import missing_facts
from audit.reports.terminal_text import one_line, plain

#: display names of statuses, fixed width in the listing (one vocabulary: audit.ranking)
STATUS_WORD = ranking.STATUS_WORD
STATUS_ORDER = ("fail", "warn", "inconclusive", "pass", "not_applicable")
#: a finding's summary line is cut here (it may quote phone text; the JSON keeps it whole)
SUMMARY_LINE = 300


def counts(report: dict[str, Any]) -> dict[str, int]:
    c = {s: 0 for s in STATUS_ORDER}
    for f in report["findings"]:
        c[f["status"]] = c.get(f["status"], 0) + 1
    return c


#: commands shown per action in the summary (the HTML and JSON list them all)
COMMANDS_SHOWN = 6


def head_lines(report: dict[str, Any]) -> list[str]:
    """The verdict, the scores and the top actions, as the summary begins."""
    sc = ranking.scores(report)
    lines = [f"verdict: {one_line(ranking.verdict(report), SUMMARY_LINE)}",
             "scores: " + ", ".join(s.text() for s in sc.values())
             + " (how they are counted: docs/scores.md)"]
    acts = ranking.actions(report)
    accepted = [f for f in ranking.ranked(list(report.get("findings", ())))
                if ranking.shown(f) == "accepted"]
    for f in accepted:
        # the reason and the name are a person's words, kept short and plain all the same
        lines.append(f"accepted for this phone, not among what to do: {plain(f['check'])} "
                     f"({STATUS_WORD.get(f['status'], f['status'])}), "
                     f"{one_line(acceptance.describe(f['acceptance']), SUMMARY_LINE)}")
    if not acts:
        return lines
    lines.append("what to do, most serious first:")
    for n, a in enumerate(acts[:ranking.TOP], 1):
        lines.append(f"{n:>2}. {STATUS_WORD.get(a.status, a.status)} {plain(a.severity)}: "
                     f"{one_line(a.title)}. {one_line(ranking.first_sentences(a.advice), SUMMARY_LINE)}")
        for c in a.commands[:COMMANDS_SHOWN]:
            # a command names the phone's package: a real one fits, a megabyte one is cut
            undo = f"   (undo: {one_line(c.undo, SUMMARY_LINE)})" if c.undo else ""
            lines.append(f"      {one_line(c.do, SUMMARY_LINE)}{undo}")
        if len(a.commands) > COMMANDS_SHOWN:
            lines.append(f"      ... and {len(a.commands) - COMMANDS_SHOWN} more apps (all in the HTML and JSON reports)")
    if len(acts) > ranking.TOP:
        lines.append(f"    and {len(acts) - ranking.TOP} more below")
    return lines


#: activity lines under one finding in the summary (the JSON keeps every one)
SUMMARY_ACTIVITY = 5


def _activity_lines(f: dict[str, Any]) -> list[str]:
    """Under an NCSC / trackers finding: each named package's activity, one line each."""
    acts = list(f.get("activity", ()))
    lines = [f"{'':12}   activity: {one_line(a.get('detail'), SUMMARY_LINE)}" for a in acts[:SUMMARY_ACTIVITY]]
    if len(acts) > SUMMARY_ACTIVITY:
        lines.append(f"{'':12}   activity: and {len(acts) - SUMMARY_ACTIVITY} more packages (in the JSON report)")
    return lines


def render(report: dict[str, Any], *, previous: dict[str, Any] | None = None) -> str:
    """The summary of one report dict (as `json_report.build_report` makes it)."""
    d = report["device"]
    lines = [
        f"phone-audit {plain(report['tool']['version'])}: "
        f"{one_line(ranking.phone_name(d))} "
        f"(serial {one_line(d.get('serial'))}, adb {one_line(d.get('adb_serial'))}), "
        f"Android {one_line(d.get('android_release'))} (SDK {plain(d.get('sdk'))}), "
        f"security patch {one_line(d.get('security_patch'))}",
    ]
    state = "complete" if report["complete"] else "INCOMPLETE"
    # the phone's own number (its first audit is #1), and the id `diff` takes
    if report.get("audit_number"):
        audit = f"audit #{report['audit_number']} of this phone (id {report['audit_id']}), "
    elif report.get("audit_id") is not None:
        audit = f"audit id {report['audit_id']}, "
    else:
        audit = ""
    if report.get("source") == "capture":
        audit = f"re-analysis of a capture taken {plain(report['started_at'])}, " + audit
    lines.append(f"{audit}{plain(report['started_at'])} .. {plain(report['finished_at'])}, {state}")
    if previous is not None and not previous.get("complete"):
        lines.append(
            f"note: the previous audit of this phone (#{previous.get('number') or previous['id']}, "
            f"{plain(previous['started_at'])}) "
            f"did not complete ({plain(previous['status'])}"
            + (f": {one_line(previous['problems'][0]['reason'], SUMMARY_LINE)}" if previous.get("problems") else "")
            + ")"
        )
    lines.append("")
    lines.extend(head_lines(report))
    lines.append("")
    width = max((len(f["check"]) for f in report["findings"]), default=10)
    for f in ranking.ranked(list(report["findings"])):
        word = ranking.word(f)
        lines.append(f"{word:<12} {f['check']:<{width}}  {one_line(f['summary'], SUMMARY_LINE)}")
        if f.get("acceptance"):
            # accepted (the status stays), or accepted once and changed since
            lines.append(f"{'':<12} {'':<{width}}  "
                         f"{STATUS_WORD.get(f['status'], f['status'])}, "
                         f"{one_line(acceptance.describe(f['acceptance']), SUMMARY_LINE)}")
        lines.extend(missing_facts.under_finding(f, plain))
        lines.extend(_activity_lines(f))
    lines.append("")
    c = counts(report)
    parts = [f"{c[s]} {STATUS_WORD[s].lower() if s != 'not_applicable' else 'not applicable'}"
             for s in STATUS_ORDER if c.get(s)]
    n_accepted = sum(1 for f in report["findings"] if ranking.shown(f) == "accepted")
    lines.append(f"{len(report['findings'])} checks: " + ", ".join(parts)
                 + (f" ({n_accepted} of the failures and warnings accepted)" if n_accepted else ""))
    for p in report.get("problems", []):
        # a problem quotes the phone (a package name, a path): one short line each
        lines.append(f"problem: {one_line(readable_error(p['reason']), SUMMARY_LINE)} "
                     f"[{one_line(p['command'], SUMMARY_LINE)}]")
    if not report["complete"]:
        lines.append("the audit did not complete: what was gathered is reported and saved")
    lines.extend(missing_facts.closing(report, plain))
    return "\n".join(lines) + "\n"
