"""The words of a diff (audit/diff_words.py): new, worse, better, fixed, gone, over two
reports written here by hand, through the store's own `diff_reports`."""

from __future__ import annotations

from audit import diff_words
from store.history import diff_reports


def f(check, status, subjects=()):
    return {"check": check, "title": check, "category": check.split(".")[0], "status": status,
            "severity": "info", "summary": f"{check} {status}", "subjects": list(subjects),
            "evidence": [], "remediation": "", "references": []}


def test_each_change_gets_its_word():
    before = {"audit_id": 1, "findings": [
        f("os.root", "pass"),                                    # -> fail: new
        f("apps.sms-access", "warn"),                            # -> fail: worse
        f("apps.trackers", "warn", ["com.a"]),                   # more apps: worse
        f("ncsc.censorship-list", "fail"),                       # -> warn: better
        f("ncsc.tencent-statistics", "fail", ["com.a", "com.b"]),  # fewer apps: better
        f("ncsc.cloud-sms-registration", "fail", ["com.xiaomi.simactivate.service"]),  # -> pass: fixed
        f("apps.stalkerware", "pass"),                           # not in the later audit: gone
        f("os.selinux", "pass"),                                 # -> inconclusive: changed
        f("os.encryption", "pass"),                              # unchanged
    ]}
    after = {"audit_id": 2, "findings": [
        f("os.root", "fail", ["su"]),
        f("apps.sms-access", "fail"),
        f("apps.trackers", "warn", ["com.a", "com.b"]),
        f("ncsc.censorship-list", "warn"),
        f("ncsc.tencent-statistics", "fail", ["com.a"]),
        # a passing check may still name apps; they are not "new" under fixed
        f("ncsc.cloud-sms-registration", "pass", ["com.miui.cloudservice"]),
        f("os.selinux", "inconclusive"),
        f("os.encryption", "pass"),
    ]}
    groups = diff_words.grouped(diff_reports(before, after))
    got = {k: sorted(e["check"] for e in v) for k, v in groups.items()}
    assert got == {
        "new": ["os.root"],
        "worse": ["apps.sms-access", "apps.trackers"],
        "better": ["ncsc.censorship-list", "ncsc.tencent-statistics"],
        "fixed": ["ncsc.cloud-sms-registration"],
        "gone": ["apps.stalkerware"],
        "changed": ["os.selinux"],
        "unchanged": ["os.encryption"],
    }
    assert not diff_words.shows_subjects("fixed") and diff_words.shows_subjects("worse")


def test_history_screen_text_uses_the_words_and_no_subjects_under_fixed():
    from tui.screens.history import diff_text

    before = {"audit_id": 1, "findings": [f("ncsc.cloud-sms-registration", "fail"),
                                          f("apps.trackers", "fail", ["com.a"])]}
    after = {"audit_id": 2, "findings": [f("ncsc.cloud-sms-registration", "pass", ["com.miui.cloudservice"]),
                                         f("apps.trackers", "warn", ["com.a"])]}
    text = diff_text(diff_reports(before, after), 1, 2).plain
    assert text.startswith("Audit #2 compared with #1: 0 new, 1 better, 1 fixed, 0 unchanged")
    assert "\n\nBetter\n  FAIL -> WARN" in text and "\n\nFixed\n  FAIL -> PASS" in text
    assert "com.miui.cloudservice" not in text


def test_inventory_diff_and_the_history_screen_text():
    from audit.inventory_diff import diff_apps
    from tui.screens.history import diff_text

    def app(pkg, code, sha="aa", enabled=True, system=False):
        return {"package": pkg, "label": None, "system": system, "enabled": enabled,
                "version_code": code, "version_name": None, "apks": [{"sha256": sha}]}

    before = {"audit_id": 1, "findings": [], "apps": [
        app("com.same", 1), app("com.rebuilt", 5, "aa"), app("com.off", 2, enabled=False),
        app("com.goes", 1), app("com.vendor", 9, system=True)]}
    after = {"audit_id": 2, "findings": [], "apps": [
        app("com.same", 1), app("com.rebuilt", 5, "bb"), app("com.off", 2),
        app("com.new", 1), app("com.vendor", 9, enabled=False, system=True)]}
    apps = diff_apps(before, after)
    assert {k: [e["package"] for e in v] for k, v in apps.items()} == {
        "added": ["com.new"], "removed": ["com.goes"],
        "updated": ["com.rebuilt"],  # same version code, other bytes
        "re_enabled": ["com.off"], "disabled": ["com.vendor"]}
    text = diff_text({**diff_reports(before, after), "apps": apps}, 1, 2).plain
    assert "\n\nApps added (1)\n  com.new 1" in text
    assert "\n\nApps disabled (1)\n  com.vendor [pre-installed]" in text
