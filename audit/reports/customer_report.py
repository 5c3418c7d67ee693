"""The customer report (`scan --customer-report FILE`): one or two A4 pages a repair
bench hands over with the phone, then the evidence as an appendix.

Page one says what is wrong and what to do: the verdict and scores (`audit.ranking`),
what to do (the actions, most serious first, each with its command and the way back),
what was found (the checks that failed, warned or could not be decided, worst first),
what was done
(the technician's `--done` lines, or ruled lines to fill in by hand), and the ticket,
customer and technician. The appendix starts on a new page (`break-before: page`) and
holds every finding's evidence and every command. Like the full HTML report it is one
self-contained file: inline CSS, no script, every string escaped.

The customer's name is written only into this file (never into the history or the
JSON report): it is given on the command line each time.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any, Iterable

from adb.parsers.error_text import readable_error
from audit import acceptance, ranking
from audit.reports.terminal_text import one_line, plain

#: the most apps named with a command on page one per action (all in the appendix)
PAGE_ONE_COMMANDS = 2
#: a finding's summary on page one is cut here (whole in the appendix)
PAGE_ONE_SUMMARY = 240

CSS = """
@page { size: A4; margin: 12mm 12mm 12mm 12mm; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9.5pt;
       color: #1b1b1b; margin: 0 auto; max-width: 186mm; line-height: 1.3; }
h1 { font-size: 15pt; margin: 0 0 1mm; }
h2 { font-size: 11pt; margin: 3.5mm 0 1mm; border-bottom: 1px solid #999; }
h3 { font-size: 10pt; margin: 2mm 0 0.5mm; }
p { margin: 0.8mm 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.6mm 1.5mm; border-bottom: 1px solid #ddd; }
.fields th { width: 28mm; } .fields td { width: 65mm; }
.mono, code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8pt;
              overflow-wrap: anywhere; }
.verdict { border: 2px solid #333; padding: 1.5mm 3mm; margin: 2mm 0; }
.verdict .line { font-size: 11.5pt; font-weight: 700; }
.st { font-weight: 700; white-space: nowrap; width: 24mm; }
.st-fail { color: #b3261e; } .st-warn { color: #8a5200; } .st-inconclusive { color: #5c4ea0; }
.st-accepted { color: #00695c; }
ol { margin: 0.5mm 0 0 5mm; padding: 0; } li { margin: 0 0 1.2mm; }
.dim { color: #555; font-size: 8.5pt; }
.ruled td { height: 7mm; border-bottom: 1px solid #999; }
.sign td { height: 12mm; border-bottom: 1px solid #999; width: 50%; }
.appendix { break-before: page; page-break-before: always; }
.appendix section { break-inside: avoid; page-break-inside: avoid; }
.appendix td, .appendix th { font-size: 8pt; overflow-wrap: anywhere; }
"""

#: the marker the appendix starts with (tests print the report up to it)
APPENDIX_ID = "appendix"
#: a comment after the top actions (`ranking.TOP`): everything before it must fit on
#: page one; tests print the report cut here and count one page
TOP_ACTIONS_END = "<!-- end of the top actions -->"


def _c(value: object, limit: int = 200) -> str:
    """`_e` cut to `limit` characters: a package name or path from the phone stays one
    readable cell whatever its length (the JSON report keeps it whole)."""
    return _e(one_line(value, limit)) if value not in (None, "") else _e(value)


def _e(value: object) -> str:
    if value is None or value == "":
        return "—"
    return escape(plain(value), quote=True)


def _cut(text: str, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fields(report: dict[str, Any], ticket: str | None, customer: str | None,
            technician: str | None, shop: str | None) -> str:
    d = report.get("device") or {}
    when = str(report.get("started_at") or "")[:16].replace("T", " ")
    if when and report.get("audit_number"):
        when += f" UTC, audit #{report['audit_number']} of this phone"
    elif when:
        when += " UTC"
    if when and report.get("source") == "capture":
        when += " (re-analysed from a capture)"
    rows = [
        ("Phone", ranking.phone_name(d), "Ticket", ticket),
        ("Serial", d.get("serial") or d.get("adb_serial"), "Customer", customer),
        ("Android", f"{d.get('android_release') or '?'}, patch {d.get('security_patch') or '?'}",
         "Technician", technician),
        ("Audited", when or None, "Shop", shop),
    ]
    body = "".join(f"<tr><th>{_e(a)}</th><td>{_e(b)}</td><th>{_e(c)}</th><td>{_e(v)}</td></tr>"
                   for a, b, c, v in rows)
    return f'<table class="fields">{body}</table>'


def _verdict(report: dict[str, Any]) -> str:
    sc = ranking.scores(report)
    incomplete = "" if report.get("complete") else (
        '<p><b>The audit did not complete</b>: what was gathered is judged below.</p>')
    return (f'<div class="verdict"><p class="line">{_e(ranking.verdict(report))}</p>'
            f'<p>Scores: {" · ".join(_e(s.text()) for s in sc.values())} '
            '<span class="dim">(100 = nothing found; how they are counted is on the last page)</span></p>'
            f"{incomplete}</div>")


def _found(report: dict[str, Any]) -> str:
    bad = [f for f in ranking.ranked(list(report.get("findings", ())))
           if ranking.shown(f) in ("fail", "warn", "accepted", "inconclusive")]
    passed = sum(1 for f in report.get("findings", ()) if f.get("status") in ("pass", "not_applicable"))
    if not bad:
        return (f"<p>Nothing: all {passed} checks looked and found nothing, or do not apply to "
                "this phone.</p>")
    rows = "".join(
        f'<tr><td class="st st-{_e(ranking.shown(f))}">{_e(ranking.word(f))}'
        f'</td><td><b>{_e(f.get("title"))}</b>. {_e(_cut(f.get("summary"), PAGE_ONE_SUMMARY))}'
        + (f' <i>{_e(_cut(acceptance.describe(f["acceptance"]), PAGE_ONE_SUMMARY))}</i>'
           if f.get("acceptance") else "")
        + '</td></tr>'
        for f in bad)
    return (f"<table>{rows}</table>"
            f'<p class="dim">{passed} other checks looked and found nothing, or do not apply. '
            "INCONCLUSIVE: the phone did not give what the check needs (the appendix says what)."
            + (" ACCEPTED: a problem accepted for this phone, with the reason given; it is still "
               "there." if any(ranking.shown(f) == "accepted" for f in bad) else "")
            + "</p>")


def _actions(report: dict[str, Any]) -> str:
    acts = ranking.actions(report)
    if not acts:
        return "<p>Nothing to do.</p>" + TOP_ACTIONS_END
    out = ["<ol>"]
    for n, a in enumerate(acts):
        if n == ranking.TOP:
            out.append(TOP_ACTIONS_END)
        out.append(f"<li><b>{_e(a.title)}</b> <span class=\"dim\">({_e(a.severity)})</span>: "
                   f"{_e(ranking.first_sentences(a.advice, 200))}")
        for c in a.commands[:PAGE_ONE_COMMANDS]:
            out.append(f'<br><span class="mono">{_c(c.do)}</span> '
                       f'<span class="dim">undo: <span class="mono">{_c(c.undo or "none")}</span></span>')
        if len(a.commands) > PAGE_ONE_COMMANDS:
            out.append(f'<br><span class="dim">and {len(a.commands) - PAGE_ONE_COMMANDS} more apps '
                       "(commands in the appendix)</span>")
        out.append("</li>")
    if len(acts) <= ranking.TOP:
        out.append(TOP_ACTIONS_END)
    out.append("</ol>")
    return "".join(out)


def _done(done: Iterable[str]) -> str:
    items = [d for d in done if str(d).strip()]
    if items:
        return "<ul>" + "".join(f"<li>{_e(d)}</li>" for d in items) + "</ul>"
    return '<table class="ruled"><tr><td></td></tr><tr><td></td></tr><tr><td></td></tr></table>'


def _appendix(report: dict[str, Any]) -> str:
    out = [f'<div class="appendix" id="{APPENDIX_ID}"><h2>Appendix: the evidence</h2>',
           '<p class="dim">Every fact behind each verdict, and the read-only adb command that shows '
           "it again. phone-audit changed nothing on the phone.</p>"]
    for f in ranking.ranked(list(report.get("findings", ()))):
        rows = "".join(
            f'<tr><td>{_e(e.get("source"))}</td><td class="mono">{_e(e.get("detail"))}</td>'
            f'<td class="mono">{_e(e.get("command")) if e.get("command") else ""}</td></tr>'
            for e in f.get("evidence", ()))
        missing = "".join(
            f'<tr><td>missing: {_c(m.get("fact"))}</td><td>{_e(str(m.get("state", "")).replace("_", " "))}'
            f'{": " + _c(m.get("detail")) if m.get("detail") else ""}</td>'
            f'<td class="mono">{_c(m.get("command")) if m.get("command") else ""}</td></tr>'
            for m in f.get("missing", ()))
        out.append(f'<section><h3>{_e(ranking.word(f))} · '
                   f'{_e(f.get("title"))} <span class="dim mono">{_e(f.get("check"))}</span></h3>'
                   f'<p>{_e(f.get("summary"))}</p>'
                   + (f"<table>{rows}{missing}</table>" if rows or missing else "") + "</section>")
    acts = [a for a in ranking.actions(report) if a.commands]
    if acts:
        out.append("<h2>Every command, with its undo</h2><table>")
        for a in acts:
            out.extend(f'<tr><td>{_e(a.title)}</td><td class="mono">{_c(c.do)}</td>'
                       f'<td class="mono">{_c(c.undo or "none")}</td></tr>' for c in a.commands)
        out.append("</table>")
    if report.get("problems"):
        out.append("<h2>What the phone did not answer</h2><ul>")
        out.extend(f'<li>{_e(readable_error(p.get("reason", "")))} <span class="mono">'
                   f'({_e(p.get("command"))})</span></li>' for p in report["problems"])
        out.append("</ul>")
    out.append("<h2>How the scores are counted</h2><p>Each check that could be judged is worth "
               "points by how serious its failure would be (critical 8, high 6, medium 4, low 2); "
               "a pass earns all of them, a warning half, a failure none. Checks that do not "
               "apply or could not be decided are not counted. Score = 100 × earned ÷ possible.</p>")
    out.append("</div>")
    return "".join(out)


def render(report: dict[str, Any], *, ticket: str | None = None, customer: str | None = None,
           technician: str | None = None, shop: str | None = None, done: Iterable[str] = (),
           appendix: bool = True) -> str:
    """The customer report of one report dict, as one HTML document."""
    name = ranking.phone_name(report.get("device") or {})
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Phone check: {_e(name)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<div class="page-one"><h1>Phone check: {_e(name)}</h1>',
        _fields(report, ticket, customer, technician, shop),
        _verdict(report),
        "<h2>What to do, most serious first</h2>", _actions(report),
        "<h2>What was found</h2>", _found(report),
        "<h2>What was done</h2>", _done(done),
        '<table class="sign"><tr><td>Technician</td><td>Customer</td></tr></table>',
        "</div>",
    ]
    if appendix:
        out.append(_appendix(report))
    out.append("</body></html>\n")
    return "".join(out)


def write_report(report: dict[str, Any], path: str | os.PathLike[str], **fields: Any) -> Path:
    """Write the customer report privately (0600), atomically."""
    target = Path(path)
    from adb.locked import private_dir, write_private

    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.tmp")
    write_private(tmp, render(report, **fields).encode("utf-8"))
    os.replace(tmp, target)
    return target
