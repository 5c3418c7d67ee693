"""The verdict, the scores, the top actions and the one vocabulary (audit/ranking.py),
on a report written here by hand; expected numbers worked out by hand from WEIGHT."""

from __future__ import annotations

from audit import ranking
from audit.reports import html_report, summary
from adb.parsers.device_names import marketing_name
from adb.parsers.error_text import readable_error


def f(check, status, severity="info", subjects=(), remediation="", category=None, title=None):
    return {"check": check, "title": title or check, "category": category or check.split(".")[0],
            "status": status, "severity": severity, "summary": f"{check} said {status}",
            "subjects": list(subjects), "evidence": [], "remediation": remediation,
            "references": [], "why": ""}


def report():
    findings = [
        f("ncsc.appgallery-redirect", "not_applicable"),
        f("ncsc.censorship-list", "fail", "high", ["com.miui.securitycenter", "com.mi.globalbrowser"],
          "Disable with `adb shell pm disable-user --user 0 PACKAGE`."),
        f("os.security-patch", "fail", "high", (), "Install system updates.", category="os"),
        f("os.selinux", "pass", category="os"),
        f("apps.trackers", "warn", "low", ["com.miui.player"], "Try `adb shell pm disable-user --user 0 PACKAGE`."),
        f("apps.device-admin", "warn", "medium", ["com.corp.mdm"]),
        f("apps.stalkerware", "fail", "critical", ["com.spy.app"]),
        f("apps.sms-access", "inconclusive"),
    ]
    apps = [{"package": "com.miui.securitycenter", "system": True},
            {"package": "com.mi.globalbrowser", "system": True},
            {"package": "com.miui.player", "system": True},
            {"package": "com.corp.mdm", "system": False},
            {"package": "com.spy.app", "system": False}]
    return {"device": {"manufacturer": "Xiaomi", "model": "M2007J3SG", "serial": "s1",
                       "adb_serial": "127.0.0.1:1", "android_release": "10", "sdk": 29,
                       "security_patch": "2020-11-01", "build_fingerprint": "x"},
            "complete": True, "findings": findings, "apps": apps, "problems": [],
            "tool": {"version": "t"}, "started_at": "a", "finished_at": "b", "audit_id": 3}


def test_ranked_is_worst_first_then_catalogue_order():
    order = [x["check"] for x in ranking.ranked(report()["findings"])]
    assert order == ["apps.stalkerware", "ncsc.censorship-list", "os.security-patch",
                     "apps.device-admin", "apps.trackers", "apps.sms-access", "os.selinux",
                     "ncsc.appgallery-redirect"]


def test_scores_count_pass_full_warn_half_fail_nothing_and_leave_out_na_and_inconclusive():
    s = ranking.scores(report())
    # security: selinux (high) 6 of 6, security-patch (high) 0 of 6, device-admin (medium) 2 of 4
    assert s["security"].value == 50  # 8 / 16
    # privacy: censorship (high) 0 of 6, trackers (low) 1 of 2, stalkerware (critical) 0 of 8;
    # appgallery N/A and sms-access inconclusive are not counted
    assert s["privacy"].value == 6  # 1 / 16 = 6.25
    assert s["privacy"].text() == "privacy 6/100 (1 check inconclusive, not counted)"
    assert "apps.trackers WARN 1 of 2" in ranking.explain(s["privacy"])
    assert "ncsc.appgallery-redirect N/A not counted" in ranking.explain(s["privacy"])
    # nothing judged: no score, never 100
    empty = {"findings": [f("os.selinux", "inconclusive", category="os")]}
    assert ranking.scores(empty)["security"].value is None


def test_actions_name_this_phones_packages_and_the_way_back():
    acts = ranking.actions(report())
    assert [a.check for a in acts] == ["apps.stalkerware", "ncsc.censorship-list", "os.security-patch",
                                       "apps.device-admin", "apps.trackers"]
    spy = acts[0].commands[0]
    assert spy.do == "adb shell pm uninstall --user 0 com.spy.app"
    assert spy.undo == "adb shell cmd package install-existing com.spy.app"
    cens = acts[1]
    assert [c.do for c in cens.commands] == ["adb shell pm disable-user --user 0 com.miui.securitycenter",
                                             "adb shell pm disable-user --user 0 com.mi.globalbrowser"]
    assert cens.commands[0].undo == "adb shell pm enable com.miui.securitycenter"
    assert "PACKAGE" not in cens.advice and "`" not in cens.advice
    # one app: the command in the advice names it
    assert acts[4].advice == "Try adb shell pm disable-user --user 0 com.miui.player."


def test_verdict_lines():
    assert ranking.verdict(report()) == (
        "Act now: 3 serious problems (apps.stalkerware, ncsc.censorship-list and 1 more); "
        "1 check inconclusive.")
    clean = {"complete": True, "findings": [f("os.selinux", "pass", category="os")]}
    assert ranking.verdict(clean) == ("No problem found: every check looked and found nothing, "
                                      "or does not apply.")
    unsure = {"complete": False, "findings": [f("os.selinux", "inconclusive", category="os")]}
    assert ranking.verdict(unsure).startswith("Incomplete audit. No problem found in what could be read")


def test_summary_and_html_begin_with_the_verdict_and_use_one_order_and_one_word():
    r = report()
    text = summary.render(r)
    lines = text.splitlines()
    assert lines[3].startswith("verdict: Act now: 3 serious problems")
    assert lines[4].startswith("scores: privacy 6/100")
    assert "      adb shell pm uninstall --user 0 com.spy.app   (undo: adb shell cmd package " \
           "install-existing com.spy.app)" in lines
    listed = [line.split()[1] for line in lines if line.split()[:1] and line.split()[0] in
              ("FAIL", "WARN", "PASS", "N/A", "INCONCLUSIVE") and "." in line.split()[1]]
    assert listed == [x["check"] for x in ranking.ranked(r["findings"])]
    page = html_report.render(r)
    assert page.index("Act now: 3 serious problems") < page.index('id="apps.stalkerware"')
    assert page.index('id="apps.stalkerware"') < page.index('id="ncsc.censorship-list"') \
        < page.index('id="os.security-patch"')
    assert "UNSURE" not in page and "INCONCLUSIVE" in page
    assert "adb shell pm disable-user --user 0 com.mi.globalbrowser" in page


def test_marketing_name_from_properties_else_the_table():
    assert marketing_name({"ro.config.marketing_name": "HUAWEI P40"}, "ANA-NX9") == "HUAWEI P40"
    assert marketing_name({"ro.product.marketname": "Redmi Note 9 Pro"}, "M2003J6B2G") == "Redmi Note 9 Pro"
    assert marketing_name({}, "M2007J3SG") == "Mi 10T Pro"
    assert marketing_name({}, "SM-UNKNOWN") is None
    assert ranking.phone_name({"manufacturer": "Xiaomi", "model": "M2007J3SG"}) == "Xiaomi Mi 10T Pro (M2007J3SG)"
    assert ranking.phone_name({"manufacturer": "HUAWEI", "model": "ANA-NX9",
                               "marketing_name": "HUAWEI P40"}) == "HUAWEI P40 (ANA-NX9)"
    assert ranking.phone_name({"manufacturer": "Google", "model": "Pixel 5"}) == "Google Pixel 5"


def test_java_stack_trace_becomes_one_readable_line():
    trace = ("java.lang.SecurityException: Permission Denial: not allowed\n"
             "\tat android.os.Parcel.createException(Parcel.java:2071)\n"
             "\tat android.os.Parcel.readException(Parcel.java:2039)\n"
             "Caused by: android.os.RemoteException: Remote stack trace:\n"
             "\tat com.android.server.pm.X.y(Unknown Source:5)\n"
             "\t... 3 more\n")
    assert readable_error(trace) == (
        "java.lang.SecurityException: Permission Denial: not allowed / Caused by: "
        "android.os.RemoteException: Remote stack trace: (Java stack trace of 4 lines left out)")
    r = report()
    r["problems"] = [{"command": "pm list packages", "reason": "exit status 1: " + trace}]
    text = summary.render(r)
    assert "\\x0a" not in text and "\\x09" not in text
    assert "problem: exit status 1: java.lang.SecurityException" in text


def test_missing_facts_shown_under_the_check_and_listed_at_the_end_in_html_and_summary():
    r = report()
    sms = next(x for x in r["findings"] if x["check"] == "apps.sms-access")
    sms["missing"] = [{"fact": "dumpsys package", "state": "refused",
                       "detail": "Permission Denial: <b>", "command": "adb shell dumpsys package"}]
    page = html_report.render(r)
    panel = page[page.index('id="apps.sms-access"'):]
    panel = panel[: panel.index("</section>")]
    assert "What is missing" in panel
    assert ('<td class="mono">dumpsys package</td><td>refused: Permission Denial: &lt;b&gt;</td>'
            '<td class="mono">adb shell dumpsys package</td>') in panel
    tail = page[page.index("<h2>Facts that could not be read</h2>"):]
    assert "dumpsys package (refused: Permission Denial: &lt;b&gt;) [adb shell dumpsys package]" in tail
    text = summary.render(r)
    assert text.splitlines()[-2:] == [
        "facts that could not be read:",
        "  dumpsys package (refused: Permission Denial: <b>) [adb shell dumpsys package]"]
