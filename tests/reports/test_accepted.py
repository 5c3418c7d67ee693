"""Accepted findings in everything a person reads: the ranking, the verdict, the
actions, `--fail-on` and the exit code, the text summary, the HTML and the customer
report. The report is written here by hand (a corporate MDM accepted, a sideloaded app
accepted once and changed since); the expected texts are worked out from it."""

from __future__ import annotations

from audit import acceptance, exit_codes, ranking
from audit.reports import customer_report, html_report, summary

MDM = {"state": "accepted", "reason": "employer's MDM <b>owner knows</b>", "by": "Ana",
       "at": "2026-12-01T09:00:00.000Z"}
LAPSED = {"state": "changed", "reason": "owner's own build", "by": "Ana",
          "at": "2026-11-20T09:00:00.000Z", "accepted_status": "warn"}


def f(check, status, severity="info", subjects=(), acc=None, category=None):
    d = {"check": check, "title": f"title of {check}", "category": category or check.split(".")[0],
         "status": status, "severity": severity, "summary": f"{check} said {status}",
         "subjects": list(subjects), "evidence": [], "remediation": "", "references": [], "why": ""}
    if acc:
        d["acceptance"] = acc
    return d


def report(*findings):
    return {"device": {"manufacturer": "Google", "model": "Pixel 7", "serial": "s1",
                       "adb_serial": "127.0.0.1:1", "android_release": "14", "sdk": 34,
                       "security_patch": "2026-11-01", "build_fingerprint": "x"},
            "complete": True, "findings": list(findings),
            "apps": [{"package": "com.corp.mdm", "system": False},
                     {"package": "com.example.tool", "system": False}],
            "problems": [], "tool": {"version": "t"}, "schema": "phone-audit.report/1",
            "started_at": "2026-12-02T10:00:00.000Z", "finished_at": "2026-12-02T10:01:00.000Z",
            "audit_id": 12, "audit_number": 2, "source": "phone"}


def mdm_only():
    return report(f("apps.device-admin", "warn", "medium", ["com.corp.mdm"], MDM),
                  f("os.selinux", "pass", category="os"))


def test_an_accepted_warning_keeps_its_status_and_points_but_leaves_verdict_and_actions():
    r = mdm_only()
    mdm = r["findings"][0]
    assert acceptance.is_accepted(mdm) and mdm["status"] == "warn"
    assert (ranking.shown(mdm), ranking.word(mdm)) == ("accepted", "ACCEPTED")
    assert ranking.actions(r) == []
    assert ranking.verdict(r) == ("Nothing new to act on: 1 finding accepted for this phone "
                                  "(title of apps.device-admin); everything else looked and found "
                                  "nothing, or does not apply.")
    # security: selinux (high) 6 of 6, device-admin (medium) warn 2 of 4 -> 8 / 10
    assert ranking.scores(r)["security"].value == 80
    # not counted by --fail-on, at any threshold, nor without one
    assert [exit_codes.scan_exit(r, t) for t in (None, "info", "medium")] == [0, 0, 0]
    # the same warning not accepted meets medium
    del r["findings"][0]["acceptance"]
    assert exit_codes.scan_exit(r, "medium") == 1


def test_a_changed_finding_is_no_longer_accepted_and_counts_again():
    r = report(f("apps.sideloaded", "fail", "high", ["com.example.tool", "com.evil"], LAPSED),
               f("apps.device-admin", "warn", "medium", ["com.corp.mdm"], MDM))
    side = r["findings"][0]
    assert not acceptance.is_accepted(side) and ranking.word(side) == "FAIL"
    assert [a.check for a in ranking.actions(r)] == ["apps.sideloaded"]
    assert ranking.verdict(r) == ("Act now: 1 serious problem (title of apps.sideloaded); "
                                  "1 finding accepted.")
    assert exit_codes.scan_exit(r) == 1 and exit_codes.scan_exit(r, "high") == 1
    # ranked: failures, then accepted (after warnings), then the rest
    assert [x["check"] for x in ranking.ranked(r["findings"])] == ["apps.sideloaded", "apps.device-admin"]
    text = summary.render(r)
    assert "audit #2 of this phone (id 12)" in text
    assert "ACCEPTED     apps.device-admin" in text
    assert ("accepted for this phone, not among what to do: apps.device-admin (WARN), "
            "accepted 2026-12-01 by Ana: employer's MDM <b>owner knows</b>") in text
    assert ("FAIL, was accepted 2026-11-20 by Ana (owner's own build), but the finding has "
            "changed since, so it is no longer accepted") in text
    assert "2 checks: 1 fail, 1 warn (1 of the failures and warnings accepted)" in text


def test_html_and_customer_report_show_accepted_never_as_pass():
    r = report(f("apps.device-admin", "warn", "medium", ["com.corp.mdm"], MDM),
               f("apps.sideloaded", "fail", "high", ["com.example.tool"], LAPSED))
    page = html_report.render(r)
    assert '<span class="badge b-accepted">ACCEPTED</span><h3>title of apps.device-admin' in page
    assert "<h2>Accepted for this phone</h2>" in page
    # the person's reason is escaped like phone text
    assert "&lt;b&gt;owner knows&lt;/b&gt;" in page and "<b>owner knows</b>" not in page
    assert '<span class="label">No longer accepted:</span> FAIL, was accepted 2026-11-20' in page
    assert "#2 of this phone (id 12)" in page
    passes = page[page.index("Looked at and found nothing"):] if "Looked at and found nothing" in page else ""
    assert "apps.device-admin" not in passes
    customer = customer_report.render(r, appendix=False)
    assert '<td class="st st-accepted">ACCEPTED</td>' in customer
    assert "audit #2 of this phone" in customer
    assert "&lt;b&gt;owner knows&lt;/b&gt;" in customer
