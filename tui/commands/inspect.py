"""`phone-audit inspect APK [--json]`: inspect one local APK file.

Prints package, versions, signer certificate SHA-256, permissions, tracker SDKs and
risk indicators (with the exact evidence and the DEX file it was found in), and whether
it is known stalkerware (package name or signing certificate), or with `--json` the
`ApkReport` as JSON plus a `stalkerware` list. Exit 0; 1 when the APK is known
stalkerware (or, with `--fail-on SEVERITY`, shows anything at that severity or above:
stalkerware critical, a risk indicator medium, a tracker low; `audit/exit_codes.py`); 2
with "could not inspect: ..." when the file cannot be inspected. Every string from the APK is printed as plain text, never
interpreted as markup, and control characters are made visible.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from audit.reports.terminal_text import plain


def add_arguments(parser) -> None:
    parser.add_argument("apk", metavar="APK", help="path of the APK file")
    parser.add_argument("--json", action="store_true", help="print the inspection report as JSON")
    from tui.commands.scan import add_fail_on

    add_fail_on(parser)


def stalkerware_matches(report, kb) -> list[str]:
    """"TheTruthSpy (package name)" for each known stalkerware family the APK matches by
    package name, signing certificate, certificate subject or a C2 host or website in
    the code (the same indicators as apps.stalkerware)."""
    certs = {c.upper() for c in report.cert_sha1}
    out = []
    for app in getattr(kb, "stalkerware", ()) or ():
        how = []
        if report.package and report.package in app.packages:
            how.append("package name")
        if certs & {c.upper() for c in app.certificates}:
            how.append("signing certificate")
        # a rebuilt family: its signer's subject, or a host of its in the code
        how += [f"{h.category} in {h.file}" for h in report.stalkerware if h.name == app.name]
        if how:
            out.append(f"{app.name} ({' and '.join(how)})")
    return out


def _summary(report, stalkerware: list[str] = ()) -> list[str]:
    lines = []
    add = lines.append
    add(f"package:        {plain(report.package or '?')}")
    if report.label:
        add(f"label:          {plain(report.label)}")
    add(f"version:        {plain(report.version_name or '?')} (code {report.version_code if report.version_code is not None else '?'})")
    add(f"sdk:            min {report.min_sdk if report.min_sdk is not None else '?'}, "
        f"target {report.target_sdk if report.target_sdk is not None else '?'}")
    add(f"sha256:         {report.sha256}")
    add(f"size:           {report.size} bytes")
    if report.cert_sha256:
        for sha, subject in zip(report.cert_sha256, report.cert_subjects or ("",) * len(report.cert_sha256)):
            add(f"signer sha256:  {sha}")
            if subject:
                add(f"  subject:      {plain(subject)}")
    else:
        add("signer sha256:  (none found)")
    add(f"code:           {len(report.dex_files)} DEX files, {report.class_count} classes, {report.string_count} strings")
    add(f"permissions ({len(report.permissions)}):")
    lines.extend(f"  {plain(p)}" for p in report.permissions)
    if report.components:
        add(f"components that matter ({len(report.components)}):")
        for c in report.components:
            perm = f" permission={plain(c.permission)}" if c.permission else ""
            add(f"  {c.kind} {plain(c.name)}{perm}")
            lines.extend(f"    action {plain(a)}" for a in c.actions)
    add(f"trackers ({len(report.tracker_ids())}, code present; presence is not proof it runs):")
    for h in report.trackers:
        add(f"  {plain(h.name)} [{h.id}, {h.category}]: class {plain(h.value)} in {plain(h.file)}")
    add(f"indicators ({len(report.indicator_ids())}):")
    for h in report.indicators:
        add(f"  {plain(h.name)} [{h.id}, {h.category}]: {h.kind} {plain(repr(h.value))} in {plain(h.file)}")
    if report.unread_code:
        add(f"code NOT read ({len(report.unread_code)}; what it holds was not looked at):")
        lines.extend(f"  {plain(u)}" for u in report.unread_code)
    if report.warnings:
        add("warnings:")
        lines.extend(f"  {plain(w)}" for w in report.warnings)
    if report.error:
        add(f"error: {plain(report.error)}")
    if stalkerware:
        add("KNOWN STALKERWARE: " + "; ".join(plain(s) for s in stalkerware)
            + ". Someone may be using it to watch the phone it came from.")
    else:
        add("stalkerware: matches none of the known stalkerware package names and certificates"
            + (", in the code that was read" if report.unread_code else ""))
    add(f"knowledge base: {report.kb_version}")
    return lines


def run(args) -> int:
    from checks.inspect import inspect_apk
    from checks.knowledge import load

    path = Path(args.apk)
    if not path.is_file():
        print(f"could not inspect: {plain(args.apk)}: no such file", file=sys.stderr)
        return 2
    kb = load()
    report = inspect_apk(path, kb)
    stalkerware = stalkerware_matches(report, kb)
    if args.json:
        # the ApkReport, plus the stalkerware families it matches (an added key)
        print(json.dumps({**report.to_dict(), "stalkerware": stalkerware}, indent=2, ensure_ascii=False))
    elif not (report.error and report.package is None and not report.dex_files):
        print("\n".join(_summary(report, stalkerware)))
    if report.error:
        print(plain(report.error), file=sys.stderr)
        return 2
    from audit.exit_codes import inspect_exit

    return inspect_exit(stalkerware, len(report.indicator_ids()), len(report.tracker_ids()),
                        getattr(args, "fail_on", None))
