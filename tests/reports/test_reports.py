"""JSON, HTML and text reports built from hostile phone data (no phone needed here;
tests/scan renders the reports of the simulated phones)."""

from __future__ import annotations

import json
import re

import pytest

from model.snapshot import DeviceInfo, PackageInfo, Problem
from model.apk_report import ApkReport, Hit, PackageApks
from model.findings import Evidence, Finding, Severity, Status
from store import report as report_shape
from audit.reports import html_report, json_report, summary

EVIL = '<script>alert("pwned")</script>'
EVIL_LABEL = f'Cleaner {EVIL} & "quotes" \x1b[31m red \u202e txt.exe'


def hostile_report(complete: bool = True) -> dict:
    device = DeviceInfo(adb_serial="127.0.0.1:6001", serial="<b>serial</b>", manufacturer="Xiaomi",
                        model=f"M2007J3SG {EVIL}", android_release="10", sdk=29,
                        build_fingerprint="fp'\"<>", security_patch="2020-11-01")
    findings = [
        Finding("ncsc.censorship-list", "Keyword blacklist for filtering content", "ncsc", Status.FAIL,
                Severity.HIGH, f"1 enabled system app downloads MiAdBlacklistConfig: {EVIL_LABEL}",
                subjects=("com.miui.securitycenter", EVIL),
                evidence=(Evidence(f"classes.dex of {EVIL}", "string MiAdBlacklistConfig",
                                   "adb shell pm path 'com.miui.securitycenter'"),),
                remediation="Disable the app: adb shell pm disable-user --user 0 <package>",
                references=("https://www.nksc.lt/doc/en/analysis", "javascript:alert(1)"),
                why="A phone that filters what you read is a phone that censors."),
        Finding("os.security-patch", "Security patch level", "os", Status.WARN, Severity.MEDIUM,
                "patch 2020-11-01 is old"),
        Finding("os.selinux", "SELinux", "os", Status.PASS, Severity.INFO, "Enforcing"),
        Finding("apps.stalkerware", "Stalkerware", "apps", Status.NOT_APPLICABLE, Severity.INFO, "none"),
        Finding("apps.sms-access", "SMS access", "apps", Status.INCONCLUSIVE, Severity.INFO,
                "the SMS provider could not be read"),
    ]
    pkgs = [PackageInfo("com.evil.cleaner", path="/data/app/x/base.apk", installer=EVIL),
            PackageInfo("com.miui.securitycenter", path="/system/priv-app/S/S.apk", system=True)]
    apks = {"com.evil.cleaner": PackageApks("com.evil.cleaner", (ApkReport(
        sha256="ab" * 32, label=EVIL_LABEL, trackers=(Hit("tracker.x", f"Tracker {EVIL}", "class",
                                                          "com.x.Y", "classes.dex", "analytics"),)),))}
    return report_shape.assemble(
        audit_id=7, device=device, started_at="2026-11-24T10:00:00.000Z",
        finished_at="2026-11-24T10:01:10.000Z", complete=complete,
        status="complete" if complete else "incomplete", findings=findings,
        problems=[Problem("sync RECV /system/app/x.apk", f"the phone was lost {EVIL}")],
        packages=pkgs, apks=apks, kb_version="kb-test",
    )


def test_json_report_keys_are_the_contract_and_text_is_verbatim(tmp_path):
    rep = hostile_report()
    json_report.validate_report(rep)
    assert list(rep)[:7] == ["schema", "tool", "device", "started_at", "finished_at", "complete", "findings"]
    # the contract's device keys, and one extension (docs/report-format.md)
    assert set(rep["device"]) == {"serial", "adb_serial", "manufacturer", "model", "android_release",
                                  "sdk", "build_fingerprint", "security_patch", "marketing_name"}
    assert rep["device"]["marketing_name"] is None  # the hostile model code is in no table
    for f in rep["findings"]:
        assert {"check", "title", "category", "status", "severity", "summary", "subjects", "evidence",
                "remediation", "references"} <= set(f)
    path = json_report.write_report(rep, tmp_path / "r.json")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back == rep
    assert back["apps"][0]["label"] == EVIL_LABEL  # verbatim in JSON


def test_schema_rejects_what_the_contract_forbids():
    rep = hostile_report()
    bad = json.loads(json.dumps(rep))
    bad["findings"][0]["status"] = "failed"
    del bad["device"]["sdk"]
    bad["schema"] = "phone-audit.report/2"
    errors = json_report.validation_errors(bad)
    assert len(errors) == 3, errors
    with pytest.raises(ValueError):
        json_report.validate_report(bad)
    assert json_report.schema_path().is_file()


def test_html_escapes_every_phone_string_and_stands_alone():
    page = html_report.render(hostile_report())
    assert "<script" not in page.lower()  # not one script element, from anywhere
    assert EVIL not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    assert "<b>serial</b>" not in page
    # a right-to-left override would show "txt.exe" as "exe.txt": made visible instead
    assert "\u202e" not in page and "\x1b" not in page and "\\u202e txt.exe" in page
    # no external assets: the only URLs are reference links (plain http(s) text links)
    assert not re.search(r"""(src|srcset)\s*=|<link|@import|url\(""", page, re.I)
    hrefs = [h for h in re.findall(r'href="([^"]*)"', page) if not h.startswith("#")]
    assert hrefs == ["https://www.nksc.lt/doc/en/analysis"]  # javascript: is text, not a link
    assert "@page { size: A4" in page
    # worst first, as the summary and the app: the verdict, what needs attention (the
    # failure before the warning before the inconclusive), then what passed or does not apply
    order = ["<h2>Verdict</h2>", "<h2>Needs attention</h2>", 'id="ncsc.censorship-list"',
             'id="os.security-patch"', 'id="apps.sms-access"',
             "<h2>Looked at and found nothing, or does not apply</h2>", 'id="os.selinux"',
             'id="apps.stalkerware"', "<h2>Pre-installed apps</h2>"]
    assert [page.index(h) for h in order] == sorted(page.index(h) for h in order)


def test_html_of_an_incomplete_audit_says_so():
    page = html_report.render(hostile_report(complete=False))
    assert "INCOMPLETE AUDIT" in page and "the phone was lost &lt;script&gt;" in page


def test_text_summary_neutralises_control_characters():
    text = summary.render(hostile_report(complete=False))
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[31m" in text and "\\u202e" in text
    lines = text.splitlines()
    assert any(re.match(r"FAIL\s+ncsc\.censorship-list\s+1 enabled", ln) for ln in lines)
    assert any(re.match(r"INCONCLUSIVE\s+apps\.sms-access", ln) for ln in lines)
    assert "5 checks: 1 fail, 1 warn, 1 inconclusive, 1 pass, 1 not applicable" in text
    assert "did not complete" in text


def test_chromium_renders_the_hostile_report_as_text(tmp_path, browser):
    page = tmp_path / "report.html"
    html_report.write_report(hostile_report(), page)
    png = browser.screenshot(page, tmp_path / "report.png")
    assert browser.png_size(png) == (1240, 1754)
    assert browser.png_is_not_blank(png)
    text, tags = browser.page_text_and_tags(browser.dump_dom(page))
    assert "script" not in tags
    assert EVIL in text  # shown as text, exactly as the phone gave it
    for verdict in ("FAIL", "WARN", "PASS", "N/A", "INCONCLUSIVE"):
        assert verdict in text
    assert "Keyword blacklist for filtering content" in text


def test_html_has_a_page_for_each_tracker_found():
    """Known trackers get their knowledge-base page; unknown ids (a stored report from an
    older base, or a hostile one) get none; everything is escaped."""
    report = hostile_report()
    app = report["apps"][0]
    app["trackers"] = [{"id": "tracker.firebase-analytics", "name": "Google Firebase Analytics"},
                       {"id": f"tracker.{EVIL}", "name": EVIL}]
    page = html_report.render(report)
    assert "<h2>About the trackers found</h2>" in page
    assert '<section class="tracker" id="tracker.firebase-analytics"><h3>Google Firebase Analytics</h3>' in page
    assert "Google&#x27;s app analytics (formerly Firebase Analytics" in page
    assert '<a href="https://firebase.google.com/docs/analytics">' in page
    assert "<th>company</th><td>Google</td>" in page
    assert page.count('<section class="tracker"') == 1
