"""The HTML report (`--html FILE`): one self-contained file.

Inline CSS only: no scripts, no external stylesheets, fonts or images, so it opens
offline, reads with scripts disabled and prints on A4. Every string is escaped with
`html.escape` (phone text is hostile; ours is escaped too, so nothing is forgotten);
references are links only when they are plain http(s) URLs.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any, Iterable

from adb.parsers.error_text import readable_error
from audit import acceptance, ranking
from audit.reports import missing_facts
from audit.reports.summary import STATUS_ORDER, STATUS_WORD, counts
from audit.reports.terminal_text import one_line, plain
from checks.knowledge import load as load_knowledge
from checks.knowledge.pages import page_rows

#: section order: the NCSC risks first, then posture, then apps
SECTIONS = (
    ("ncsc", "Risks found by Lithuania's NCSC (2021)"),
    ("os", "Security posture"),
    ("apps", "Installed apps"),
)

CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt;
       color: #1b1b1b; margin: 0 auto; max-width: 186mm; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 0; display: inline; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 1mm 2mm; border-bottom: 1px solid #ddd; }
th { width: 38mm; font-weight: 600; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 9pt;
              overflow-wrap: anywhere; }
.panel { border: 1px solid #bbb; border-left-width: 5px; border-radius: 2px; padding: 2.5mm 3mm;
         margin: 0 0 3mm; break-inside: avoid; page-break-inside: avoid; }
.panel p { margin: 1.2mm 0; }
.label { font-weight: 600; }
.badge { display: inline-block; min-width: 24mm; text-align: center; font-weight: 700;
         font-size: 9pt; padding: 0.3mm 1.5mm; margin-right: 2mm; border-radius: 2px; color: #fff; }
.sev { font-size: 9pt; color: #555; margin-left: 2mm; }
.s-fail { border-left-color: #b3261e; } .b-fail { background: #b3261e; }
.s-warn { border-left-color: #b26a00; } .b-warn { background: #b26a00; }
.s-pass { border-left-color: #2e7d32; } .b-pass { background: #2e7d32; }
.s-not_applicable { border-left-color: #777; } .b-not_applicable { background: #777; }
.s-inconclusive { border-left-color: #5c4ea0; } .b-inconclusive { background: #5c4ea0; }
.s-accepted { border-left-color: #00695c; } .b-accepted { background: #00695c; }
.accepted-note { border: 1px dashed #00695c; padding: 1mm 2mm; }
.counts td { text-align: center; border: 1px solid #ccc; font-size: 11pt; }
.counts th { text-align: center; width: auto; border: 1px solid #ccc; }
.incomplete { border: 2px solid #b3261e; padding: 2mm 3mm; margin: 3mm 0; }
.evidence { table-layout: fixed; }
.evidence th, .evidence td { font-size: 9pt; width: auto; overflow-wrap: anywhere; }
.evidence col.where { width: 32%; } .evidence col.what { width: 30%; } .evidence col.cmd { width: 38%; }
.panel li, .panel a, .panel p { overflow-wrap: anywhere; }
.overview td { font-size: 9.5pt; padding: 0.5mm 2mm; }
.overview td.st { width: 28mm; font-weight: 700; }
.apps td, .apps th { font-size: 9pt; width: auto; }
ul { margin: 1mm 0 1mm 5mm; padding: 0; }
table.tracker-page th { text-align: left; vertical-align: top; width: 25mm; }
.verdict { border: 2px solid #333; padding: 2mm 3mm; margin: 2mm 0 3mm; }
.verdict-line { font-size: 12pt; font-weight: 700; margin: 0 0 1mm; }
.scores { margin: 0 0 1mm; }
ol.actions { margin: 1mm 0 0 6mm; padding: 0; } ol.actions li { margin: 0 0 1.5mm; }
table.commands td, table.commands th { font-size: 8.5pt; width: auto; padding: 0.3mm 2mm; }
.panel.short { padding: 1.2mm 3mm; margin: 0 0 1.5mm; }
.panel.short p { margin: 0.5mm 0; }
footer { margin-top: 8mm; font-size: 8.5pt; color: #555; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
"""


def _e(value: object) -> str:
    """Escape for HTML; control and bidi-override characters (which can make text read
    as something else, e.g. "exe.txt" for "txt.exe") become visible escapes."""
    if value is None or value == "":
        return "—"
    return escape(plain(value), quote=True)


#: characters of phone text in one table cell or list item (the JSON has the whole value)
HTML_CELL = 200
#: characters of a finding's summary sentence (it can quote phone text)
HTML_SUMMARY = 600
#: commands listed under one action (one per app it concerns)
HTML_COMMANDS = 50


def _c(value: object, limit: int = HTML_CELL) -> str:
    """`_e`, cut to `limit` characters with the count of what was left out: a cell of
    phone text stays readable (and the page small) whatever the phone sent."""
    if value is None or value == "":
        return "—"
    return escape(one_line(value, limit), quote=True)


def _link(url: str) -> str:
    if url.startswith(("https://", "http://")):
        return f'<a href="{escape(url, quote=True)}">{escape(url)}</a>'
    return escape(url)


def _device_table(report: dict[str, Any]) -> str:
    d = report["device"]
    rows = [
        ("Manufacturer", d.get("manufacturer")),
        ("Model", d.get("model")),
        ("Marketing name", d.get("marketing_name") or ranking.phone_name(d)),
        ("Serial", d.get("serial")),
        ("adb serial", d.get("adb_serial")),
        ("Android", f"{d.get('android_release') or '?'} (SDK {d.get('sdk') if d.get('sdk') is not None else '?'})"),
        ("Security patch", d.get("security_patch")),
        ("Build fingerprint", d.get("build_fingerprint")),
        ("Audit", _audit_label(report)),
        ("Started", report.get("started_at")),
        ("Finished", report.get("finished_at")),
        ("Knowledge base", report.get("knowledge_version")),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td class=\"mono\">{_c(v)}</td></tr>" for k, v in rows)
    return f'<table class="device">{body}</table>'


def _audit_label(report: dict[str, Any]) -> str | None:
    """"#2 of this phone (id 12)", and whether it re-analysed a capture."""
    if report.get("audit_id") is None:
        return None
    number = report.get("audit_number")
    text = f"#{number} of this phone (id {report['audit_id']})" if number else f"id {report['audit_id']}"
    if report.get("source") == "capture":
        text += ", a re-analysis of a capture taken at Started"
    return text


def _acceptance(f: dict[str, Any]) -> str:
    """The acceptance line of a finding: accepted (status kept) or changed since."""
    acc = f.get("acceptance")
    if not acc:
        return ""
    label = "Accepted" if ranking.shown(f) == "accepted" else "No longer accepted"
    return (f'<p class="accepted-note"><span class="label">{label}:</span> '
            f'{_e(STATUS_WORD.get(f["status"], f["status"]))}, {_c(acceptance.describe(acc), HTML_SUMMARY)}</p>')


def _counts_table(report: dict[str, Any]) -> str:
    c = counts(report)
    head = "".join(f"<th>{_e(STATUS_WORD[s])}</th>" for s in STATUS_ORDER)
    cells = "".join(f"<td>{c.get(s, 0)}</td>" for s in STATUS_ORDER)
    return f'<table class="counts"><tr>{head}</tr><tr>{cells}</tr></table>'


def _evidence(items: Iterable[dict[str, str]]) -> str:
    rows = []
    for ev in items:
        cmd = ev.get("command")
        rows.append(
            "<tr>"
            f"<td>{_c(ev.get('source'))}</td>"
            f"<td class=\"mono\">{_c(ev.get('detail'))}</td>"
            f"<td class=\"mono\">{_c(cmd) if cmd else ''}</td>"
            "</tr>"
        )
    if not rows:
        return ""
    return (
        '<p class="label">Evidence</p><table class="evidence">'
        '<colgroup><col class="where"><col class="what"><col class="cmd"></colgroup>'
        "<tr><th>Where</th><th>What</th><th>See it yourself</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _panel(f: dict[str, Any]) -> str:
    status = ranking.shown(f) if ranking.shown(f) in STATUS_WORD else "inconclusive"
    parts = [
        f'<section class="panel s-{status}" id="{_e(f["check"])}">',
        f'<div><span class="badge b-{status}">{_e(ranking.word(f))}</span>'
        f'<h3>{_e(f["title"])}</h3><span class="sev">{_e(f["check"])} · severity {_e(f["severity"])}</span></div>',
        _acceptance(f),
        f'<p>{_c(f["summary"], HTML_SUMMARY)}</p>',
    ]
    if f.get("subjects"):
        parts.append(
            '<p class="label">Concerns</p><ul>'
            + "".join(f'<li class="mono">{_c(s)}</li>' for s in f["subjects"])
            + "</ul>"
        )
    parts.append(_evidence(f.get("evidence", ())))
    parts.append(_activity(f))
    if f.get("why"):
        parts.append(f'<p><span class="label">Why it matters:</span> {_e(f["why"])}</p>')
    if f["status"] == "not_applicable" and _looks_at(f):
        parts.append(f'<p><span class="label">What was looked at:</span> {_e(_looks_at(f))}</p>')
    parts.append(_missing(f))
    if f.get("remediation") and f["status"] not in ("pass", "not_applicable"):
        advice = ranking.advice_text(f["remediation"], [str(s) for s in f.get("subjects", ())])
        parts.append(f'<p><span class="label">What to do:</span> {_e(advice)}</p>')
    if f.get("references"):
        parts.append(
            '<p class="label">References</p><ul>'
            + "".join(f"<li>{_link(r)}</li>" for r in f["references"])
            + "</ul>"
        )
    parts.append("</section>")
    return "".join(parts)


#: activity rows shown per finding in HTML (the JSON keeps every one)
HTML_ACTIVITY = 20


def _activity(f: dict[str, Any]) -> str:
    """Apart from the verdict: what the phone records of each named package's use."""
    acts = list(f.get("activity", ()))
    if not acts:
        return ""
    rows = [f"<tr><td class=\"mono\">{_c(a.get('package'))}</td><td>{_c(a.get('detail'))}</td>"
            f"<td class=\"mono\">{_c((a.get('commands') or [''])[0])}</td></tr>" for a in acts[:HTML_ACTIVITY]]
    if len(acts) > HTML_ACTIVITY:
        rows.append(f"<tr><td colspan=\"3\">and {len(acts) - HTML_ACTIVITY} more (all in the JSON report)</td></tr>")
    return ('<p class="label">Activity (apart from the verdict, which stands on presence)</p>'
            '<table class="evidence activity">'
            '<colgroup><col class="where"><col class="what"><col class="cmd"></colgroup>'
            "<tr><th>Package</th><th>What the phone records</th><th>See it yourself</th></tr>"
            + "".join(rows) + "</table>")


def _looks_at(f: dict[str, Any]) -> str:
    """What the check reads, from the catalogue (a N/A says what was looked at)."""
    from checks.registry import by_id

    module = by_id(str(f.get("check")))
    return module.META.looks_at if module is not None else ""


def _missing(f: dict[str, Any]) -> str:
    """For an inconclusive check: each fact it needed, why it is missing, and the
    command that would show it."""
    rows = []
    for m in f.get("missing", ()):
        state = str(m.get("state", "")).replace("_", " ")
        detail = f": {m['detail']}" if m.get("detail") else ""
        rows.append(f"<tr><td class=\"mono\">{_c(m.get('fact'))}</td><td>{_c(state + detail)}</td>"
                    f"<td class=\"mono\">{_c(m.get('command')) if m.get('command') else ''}</td></tr>")
    if f.get("missing_cut"):
        rows.append(f"<tr><td colspan=\"3\">and {int(f['missing_cut'])} more (all counted in the JSON report)</td></tr>")
    if not rows:
        return ""
    return ('<p class="label">What is missing</p><table class="evidence missing">'
            '<colgroup><col class="where"><col class="what"><col class="cmd"></colgroup>'
            "<tr><th>Fact</th><th>Why it is missing</th><th>The command that shows it</th></tr>"
            + "".join(rows) + "</table>")


def _verdict(report: dict[str, Any]) -> str:
    """The one-line verdict, the two scores and what to do, the most serious first."""
    sc = ranking.scores(report)
    out = [f'<section class="verdict"><p class="verdict-line">{_e(ranking.verdict(report))}</p>',
           '<p class="scores">' + " · ".join(_e(s.text()) for s in sc.values())
           + ' <span class="sev">(each judged check earns its points on a pass, half on a '
           "warning, none on a failure; checks that do not apply or could not be decided "
           "are not counted)</span></p>"]
    acts = ranking.actions(report)
    if acts:
        out.append('<p class="label">What to do, most serious first</p><ol class="actions">')
        for a in acts:
            out.append(f'<li><span class="label">{_e(a.title)}</span> '
                       f'<span class="sev">{_e(STATUS_WORD.get(a.status, a.status))} · severity '
                       f'{_e(a.severity)}</span><br>{_c(a.advice, HTML_SUMMARY)}')
            if a.commands:
                # commands name the phone's packages: cut, and at most HTML_COMMANDS of them
                out.append('<table class="commands"><tr><th>Do</th><th>Undo</th></tr>')
                out.extend(f'<tr><td class="mono">{_c(c.do)}</td><td class="mono">'
                           f'{_c(c.undo) if c.undo else "cannot be undone from adb"}</td></tr>'
                           for c in a.commands[:HTML_COMMANDS])
                if len(a.commands) > HTML_COMMANDS:
                    out.append(f'<tr><td colspan="2">and {len(a.commands) - HTML_COMMANDS} more apps '
                               "(all in the JSON report)</td></tr>")
                out.append("</table>")
            out.append("</li>")
        out.append("</ol>")
    accepted = [f for f in ranking.ranked(list(report["findings"])) if ranking.shown(f) == "accepted"]
    if accepted:
        out.append('<p class="label">Accepted for this phone (not among what to do)</p><ul>')
        out.extend(f'<li><a href="#{_e(f["check"])}">{_e(f["title"])}</a> '
                   f'<span class="sev">{_e(STATUS_WORD.get(f["status"], f["status"]))}</span> '
                   f'{_c(acceptance.describe(f["acceptance"]), HTML_SUMMARY)}</li>' for f in accepted)
        out.append("</ul>")
    out.append("</section>")
    return "".join(out)


def _facts_not_read(report: dict[str, Any]) -> str:
    lines = missing_facts.closing(report, str)
    if not lines:
        return ""
    return ("<h2>Facts that could not be read</h2><ul>"
            + "".join(f'<li class="mono">{_c(line.strip(), HTML_SUMMARY)}</li>' for line in lines[1:]) + "</ul>")


def _short_panel(f: dict[str, Any]) -> str:
    """A pass or N/A: its verdict and what was looked at; no advice for a problem that
    is not there."""
    status = f["status"] if f["status"] in STATUS_WORD else "inconclusive"
    looked = _looks_at(f)
    return (f'<section class="panel short s-{status}" id="{_e(f["check"])}">'
            f'<div><span class="badge b-{status}">{_e(STATUS_WORD.get(f["status"], f["status"]))}</span>'
            f'<h3>{_e(f["title"])}</h3><span class="sev">{_e(f["check"])}</span></div>'
            f'<p>{_e(f["summary"])}</p>'
            + (f'<p class="sev">Looked at: {_e(looked)}</p>' if looked else "")
            + _evidence(f.get("evidence", ())) + "</section>")


def _apps_table(apps: list[dict[str, Any]], system: bool) -> str:
    rows = []
    for a in apps:
        if bool(a.get("system")) != system:
            continue
        trackers = ", ".join(t["name"] for t in a.get("trackers", ()))
        state = "" if a.get("enabled", True) else " (disabled)"
        rows.append(
            "<tr>"
            f"<td class=\"mono\">{_c(a['package'])}{_e(state) if state else ''}</td>"
            f"<td>{_c(a.get('label'))}</td>"
            f"<td class=\"mono\">{_c(a.get('version_name'))}</td>"
            f"<td class=\"mono\">{_c(a.get('installer'))}</td>"
            f"<td>{_c(trackers, 4 * HTML_CELL) if trackers else ('none found' if a.get('inspected') else 'not inspected')}</td>"
            "</tr>"
        )
    if not rows:
        return "<p>None.</p>"
    return (
        '<table class="apps"><tr><th>Package</th><th>Label</th><th>Version</th>'
        "<th>Installer</th><th>Tracker SDKs</th></tr>" + "".join(rows) + "</table>"
    )


def _tracker_pages(apps: list[dict[str, Any]]) -> str:
    """One short page per tracker found in any app, from the knowledge base (escaped)."""
    kb = load_knowledge()
    ids: dict[str, str] = {}
    for a in apps:
        for t in a.get("trackers", ()):
            ids.setdefault(str(t.get("id", "")), str(t.get("name", "")))
    parts = []
    for tid, name in sorted(ids.items(), key=lambda kv: kv[1].lower()):
        t = kb.tracker(tid)
        if t is None:
            continue
        rows = "".join(
            f"<tr><th>{_e(label)}</th><td>"
            + (" ".join(_link(u) for u in value.split()) if label in ("sources", "website") else _e(value))
            + "</td></tr>"
            for label, value in page_rows(t))
        parts.append(f'<section class="tracker" id="{_e(tid)}"><h3>{_e(name)}</h3>'
                     f'<table class="tracker-page">{rows}</table></section>')
    return "".join(parts)


def _overview(findings: list[dict[str, Any]]) -> str:
    """Every check on one line, worst first (`ranking.ranked`)."""
    rows = "".join(
        f'<tr><td class="st">{_e(ranking.word(f))}</td>'
        f'<td><a href="#{_e(f["check"])}">{_e(f["title"])}</a></td>'
        f'<td class="mono">{_e(f["check"])}</td></tr>'
        for f in ranking.ranked(list(findings))
    )
    return f'<table class="overview">{rows}</table>'


def render(report: dict[str, Any]) -> str:
    """The report dict (see `json_report`) as one self-contained HTML document."""
    d = report["device"]
    name = ranking.phone_name(d)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # no script, style, font or image may come from anywhere: the file stands alone
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>phone-audit report: {_e(name)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>phone-audit report: {_e(name)}</h1>",
        _device_table(report),
    ]
    if not report["complete"]:
        problems = "".join(
            f"<li>{_e(readable_error(p['reason']))} <span class=\"mono\">({_e(p['command'])})</span></li>"
            for p in report.get("problems", ())
        )
        out.append(
            '<div class="incomplete"><p class="label">INCOMPLETE AUDIT: the phone did not give everything; '
            "what was gathered is reported below.</p>"
            + (f"<ul>{problems}</ul>" if problems else "")
            + "</div>"
        )
    out.append("<h2>Verdict</h2>")
    out.append(_verdict(report))
    out.append(_counts_table(report))
    out.append(_overview(report["findings"]))
    # the same order as the summary and the app: what needs the reader first, worst first
    findings = ranking.ranked(list(report["findings"]))
    attention = [f for f in findings if ranking.shown(f) in ("fail", "warn", "inconclusive")]
    if attention:
        out.append("<h2>Needs attention</h2>")
        out.extend(_panel(f) for f in attention)
    accepted = [f for f in findings if ranking.shown(f) == "accepted"]
    if accepted:
        # still failed or warned: full panels, under their own heading (never with passes)
        out.append("<h2>Accepted for this phone</h2>")
        out.extend(_panel(f) for f in accepted)
    rest = [f for f in findings if f not in attention and f not in accepted]
    if rest:
        out.append("<h2>Looked at and found nothing, or does not apply</h2>")
        out.extend(_short_panel(f) for f in rest)
    out.append(_facts_not_read(report))
    apps = report.get("apps") or []
    if apps:
        out.append("<h2>Pre-installed apps</h2>")
        out.append(_apps_table(apps, system=True))
        out.append("<h2>Apps installed by the user</h2>")
        out.append(_apps_table(apps, system=False))
    pages = _tracker_pages(apps)
    if pages:
        out.append("<h2>About the trackers found</h2>")
        out.append(pages)
    if report.get("complete") and report.get("problems"):
        out.append("<h2>Problems met</h2><ul>")
        out.extend(f"<li>{_e(readable_error(p['reason']))} <span class=\"mono\">({_e(p['command'])})</span></li>"
                   for p in report["problems"])
        out.append("</ul>")
    tool = report.get("tool", {})
    out.append(
        f"<footer>Made by {_e(tool.get('name'))} {_e(tool.get('version'))} "
        f"({_e(report.get('schema'))}). Every command behind the evidence is read-only "
        "and can be run again with adb.</footer>"
    )
    out.append("</body></html>\n")
    return "".join(out)


def write_report(report: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    from adb.locked import private_dir, write_private

    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.tmp")
    write_private(tmp, render(report).encode("utf-8"))
    os.replace(tmp, target)
    return target
