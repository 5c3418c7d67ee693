"""`phone-audit scan` end to end: the real adb server, the simulator over TCP, real
androguard inspection, a real SQLite history; the command run as a subprocess."""

from __future__ import annotations

import asyncio
import json
import shutil
import tomllib
from pathlib import Path

import pytest

from simulator.profile import builtin_profiles, builtin_profiles_dir
from store import Store
from audit.reports.summary import STATUS_WORD
from support.customer_print import check_printed

pytestmark = pytest.mark.adb

PROFILES = [name for name, _ in builtin_profiles()]
#: the one built-in phone without any of the NCSC risks or posture failures
CLEAN = "pixel-clean"


def expected_exit(profile: str) -> int:
    return 0 if profile == CLEAN else 1


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def stored(db: Path, audit_id: int) -> dict:
    async def go():
        store = await Store.open(db)
        try:
            return await store.get_audit(audit_id)
        finally:
            await store.close()
    return asyncio.run(go())


def recv_requests(handle) -> list[str]:
    return [e["path"] for e in handle.log_entries()
            if e.get("service") == "sync" and e.get("request") in ("RECV", "RCV2")]


def profile_copy(tmp_path: Path, name: str, **faults: object) -> Path:
    """A built-in profile copied to tmp, with [faults] set."""
    dest = tmp_path / f"{name}-copy"
    shutil.copytree(builtin_profiles_dir() / name, dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    assert "faults" not in tomllib.loads(text), "profile already has faults"
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in faults.items())
    toml.write_text(text + f"\n[faults]\n{lines}\n", encoding="utf-8")
    return dest


@pytest.mark.parametrize("profile", PROFILES)
def test_demo_scan_of_each_builtin_phone(profile, phone_audit, db, tmp_path, browser):
    """Exit code, the JSON report (schema-checked by the conftest), the same report in
    history, the plain-text summary, and the HTML report rendered by Chromium."""
    rj, rh, rc = tmp_path / "r.json", tmp_path / "r.html", tmp_path / "customer.html"
    ran = phone_audit("scan", "--demo", profile, "--json", rj, "--html", rh, "--customer-report", rc,
                      "--ticket", "T-77", "--customer", "Jo Bloggs", "--technician", "Sam",
                      "--done", "Explained the findings")
    assert ran.code == expected_exit(profile), ran.stdout + ran.stderr
    report = read_json(rj)
    assert report["complete"] is True
    statuses = [f["status"] for f in report["findings"]]
    assert ("fail" in statuses) == (ran.code == 1)
    from checks.registry import catalogue
    assert sorted(f["check"] for f in report["findings"]) == sorted(m.id for m in catalogue())
    # history holds the very same report
    assert stored(db, report["audit_id"]) == report
    # stdout: one line per check, status word and id
    for f in report["findings"]:
        assert any(line.split()[:2] == [STATUS_WORD[f["status"]], f["check"]]
                   for line in ran.stdout.splitlines()), f["check"]
    assert ran.stderr.count("\r") == 0  # stderr is not a terminal: no progress
    # the HTML report in a real browser
    png = browser.screenshot(rh, tmp_path / "r.png")
    assert browser.png_size(png) == (1240, 1754) and browser.png_is_not_blank(png)
    text, tags = browser.page_text_and_tags(browser.dump_dom(rh))
    assert "script" not in tags
    for f in report["findings"]:
        assert f["title"] in text
    for status in set(statuses):
        assert STATUS_WORD[status] in text
    assert report["device"]["model"] in text
    # the customer report: at most 2 A4 pages before the appendix, the verdict and the top
    # actions on page one (tests/support/customer_print.py)
    customer = rc.read_text(encoding="utf-8")
    check_printed(customer, report, tmp_path, browser, fields=("T-77", "Jo Bloggs", "Sam"), name=profile)
    assert "<li>Explained the findings</li>" in customer
    assert "Jo Bloggs" not in rj.read_text(encoding="utf-8")  # the name is in this file only
    if profile == "xiaomi-mi10t":
        _xiaomi_activity(report, ran.stdout, text)
    if profile == "huawei-p40":
        # the profile's [activity]: AppGallery's uid 10111 moved 186,400,512 B in, 2,210,340 out
        store = _activity_of(report, "ncsc.appgallery-redirect", "com.huawei.appmarket")
        assert store["state"] == "active" and (store["rx_bytes"], store["tx_bytes"]) == (186_400_512, 2_210_340)
        assert _activity_of(report, "ncsc.appgallery-redirect", "com.huawei.hwsearch")["state"] == "dormant"


def _activity_of(report: dict, check: str, package: str) -> dict:
    f = next(f for f in report["findings"] if f["check"] == check)
    return next(a for a in f["activity"] if a["package"] == package)


def _xiaomi_activity(report: dict, stdout: str, html_text: str) -> None:
    """Issue 15: the xiaomi phone's NCSC risks with what the phone records of their use,
    through the real adb server. The numbers are the profile's [activity] table added up
    by hand: Mi Browser's uid 10144 received 48,312,004 + 2,100,000 bytes and sent
    3,204,551 + 410,000; its last bucket with traffic starts 1606809600."""
    browser = _activity_of(report, "ncsc.browser-analytics", "com.mi.globalbrowser")
    assert browser["state"] == "active" and browser["words"] == "present and active"
    assert (browser["rx_bytes"], browser["tx_bytes"]) == (50_412_004, 3_614_551)
    assert browser["last_network"] == "2020-12-01T08:00:00Z"
    assert browser["last_used"] == "2020-12-01 09:14:52" and browser["roles"] == ["default browser"]
    analytics = next(f for f in report["findings"] if f["check"] == "ncsc.browser-analytics")
    assert analytics["status"] == "fail" and "present and active" in analytics["summary"]
    # Weather carries Tencent statistics, never moved a byte nor was opened: dormant
    weather = _activity_of(report, "ncsc.tencent-statistics", "com.miui.weather2")
    assert weather["state"] == "dormant" and (weather["rx_bytes"], weather["tx_bytes"]) == (0, 0)
    assert weather["missing"] == []
    sim = _activity_of(report, "ncsc.cloud-sms-registration", "com.xiaomi.simactivate.service")
    assert sim["state"] == "active" and sim["sms_last_sent"] is not None
    # the summary and the HTML say it too
    assert "activity: com.mi.globalbrowser: present and active" in stdout
    assert "present and dormant" in html_text and "present and active" in html_text


def test_warm_reaudit_pulls_nothing_and_gives_the_same_reports(sim_phone, phone_audit, db, tmp_path):
    phone = sim_phone(PROFILES[0])
    first = phone_audit("scan", "-s", phone.serial, "--json", tmp_path / "a.json")
    assert first.code in (0, 1), first.stderr
    pulled = recv_requests(phone)
    assert pulled, "the first audit must pull APKs"
    seen = len(phone.log_entries())
    second = phone_audit("scan", "-s", phone.serial, "--json", tmp_path / "b.json")
    assert second.code == first.code, second.stderr
    later = phone.log_entries()[seen:]
    assert [e for e in later if e.get("request") in ("RECV", "RCV2")] == []
    # the same firmware, files unchanged (the phone's stat): the digests the first audit
    # verified are reused, so the phone neither hashes nor sends a byte of an APK
    assert any(e.get("command", "").startswith("stat -c") for e in later)
    assert not any("sha256sum" in e.get("command", "") for e in later)
    a, b = read_json(tmp_path / "a.json"), read_json(tmp_path / "b.json")
    assert a["findings"] == b["findings"] and a["apps"] == b["apps"]
    assert b["stats"]["bytes_pulled"] == 0 and b["stats"]["apks_from_cache"] > 0
    assert a["stats"]["bytes_pulled"] > 0


def test_lost_phone_mid_pull_is_reported_incomplete_and_kept(sim_phone, phone_audit, db, tmp_path):
    name = PROFILES[0]
    # how many bytes the phone sends before and during the pulls, measured on a clean run
    probe = sim_phone(name)
    ran = phone_audit("scan", "-s", probe.serial, "--json", tmp_path / "probe.json",
                      env={"PHONE_AUDIT_DB": str(tmp_path / "probe.sqlite3")})
    assert ran.code in (0, 1), ran.stderr
    total = probe.phone.bytes_sent
    apk_bytes = read_json(tmp_path / "probe.json")["stats"]["bytes_pulled"]
    assert apk_bytes > 0
    cut = total - apk_bytes + apk_bytes // 2  # half-way through the APK bytes

    faulty = sim_phone(profile_copy(tmp_path, name, disconnect_after_bytes=cut))
    rj = tmp_path / "lost.json"
    ran = phone_audit("scan", "-s", faulty.serial, "--json", rj, "--html", tmp_path / "lost.html")
    assert ran.code == 3, ran.stdout + ran.stderr
    assert faulty.phone.gone
    report = read_json(rj)
    assert report["complete"] is False
    assert any("lost" in p["reason"] for p in report["problems"])
    assert recv_requests(faulty), "the fault must hit during the pulls"
    # every check still judged what it could; APK-based ones say why they cannot
    assert len(report["findings"]) == len(read_json(tmp_path / "probe.json")["findings"])
    assert any(f["status"] == "inconclusive" for f in report["findings"])
    assert any(a["failures"] for a in report["apps"])
    assert "INCOMPLETE" in ran.stdout
    # history holds the same, marked incomplete
    hist = phone_audit("history", "--json")
    audits = json.loads(hist.stdout)
    assert [a["status"] for a in audits] == ["incomplete"]
    assert stored(db, report["audit_id"]) == report
    # the next audit of that phone says the last one did not complete
    healthy = sim_phone(name)
    again = phone_audit("scan", "-s", healthy.serial)
    assert again.code in (0, 1), again.stderr
    assert f"previous audit of this phone (#{report['audit_number']}" in again.stdout
    assert "did not complete" in again.stdout


def test_capture_reanalysed_without_a_phone_gives_the_same_findings(sim_phone, phone_audit, tmp_path):
    phone = sim_phone(PROFILES[0])
    cap = tmp_path / "capture"
    ran = phone_audit("scan", "-s", phone.serial, "--capture", cap, "--json", tmp_path / "live.json")
    assert ran.code in (0, 1), ran.stderr
    assert (cap / "manifest.json").is_file()
    # another machine: no adb server at all (nothing listens on this port), an empty history
    offline = phone_audit("scan", "--capture-in", cap, "--json", tmp_path / "offline.json",
                          env={"ANDROID_ADB_SERVER_PORT": "1", "PHONE_AUDIT_DB": str(tmp_path / "o.sqlite3")})
    assert offline.code == ran.code, offline.stderr
    live, again = read_json(tmp_path / "live.json"), read_json(tmp_path / "offline.json")
    assert again["findings"] == live["findings"]
    assert again["device"] == live["device"]
    assert [a["trackers"] for a in again["apps"]] == [a["trackers"] for a in live["apps"]]


def test_two_scans_write_one_database_at_once(sim_phone, phone_audit, db, tmp_path):
    phones = [sim_phone(PROFILES[0]), sim_phone(PROFILES[-1])]
    procs = [phone_audit("scan", "-s", p.serial, "--json", tmp_path / f"r{i}.json", wait=False)
             for i, p in enumerate(phones)]
    results = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode in (0, 1) for p in procs), results
    audits = json.loads(phone_audit("history", "--json").stdout)
    assert sorted(a["status"] for a in audits) == ["complete", "complete"]
    for i in range(2):
        rep = read_json(tmp_path / f"r{i}.json")
        assert stored(db, rep["audit_id"])["findings"] == rep["findings"]


def _model_serial(profile: str) -> str:
    """`MODEL-SERIAL` of a built-in profile, read from its properties, as --all names files."""
    props = tomllib.loads((builtin_profiles_dir() / profile / "profile.toml").read_text(encoding="utf-8"))["props"]
    return f"{props['ro.product.model']}-{props['ro.serialno']}".replace(" ", "_")


def test_all_audits_every_ready_phone_one_report_each(sim_phone, phone_audit, db, tmp_path):
    phones = [(sim_phone(PROFILES[0]), PROFILES[0]), (sim_phone(PROFILES[-1]), PROFILES[-1])]
    ran = phone_audit("scan", "--all", "--json", tmp_path / "r.json")
    assert ran.code in (0, 1), ran.stderr
    for p, profile in phones:
        # named by model and serial, as on the phone's box (not by the adb port)
        rep = read_json(tmp_path / f"r-{_model_serial(profile)}.json")
        assert rep["device"]["adb_serial"] == p.serial and rep["complete"]


def test_all_one_phone_failing_does_not_stop_the_others(sim_phone, phone_audit, db, tmp_path):
    """A bench audits several phones at once: one phone's unexpected error (here its
    report path is a folder) is said and gives exit 3; the other phone is still audited
    and reported."""
    broken, fine = sim_phone(PROFILES[0]), sim_phone(PROFILES[-1])
    (tmp_path / f"r-{_model_serial(PROFILES[0])}.json").mkdir()
    ran = phone_audit("scan", "--all", "--json", tmp_path / "r.json")
    assert ran.code == 3, ran.stderr
    assert f"{broken.serial}: the audit stopped" in ran.stderr
    rep = read_json(tmp_path / f"r-{_model_serial(PROFILES[-1])}.json")
    assert rep["device"]["adb_serial"] == fine.serial and rep["complete"]


def test_no_usable_device_exit_2_lists_what_adb_sees(sim_phone, phone_audit, tmp_path):
    locked = sim_phone(profile_copy_state(tmp_path, PROFILES[0], "unauthorized"), state="unauthorized")
    ran = phone_audit("scan")
    assert ran.code == 2
    assert locked.serial in ran.stderr and "unauthorized" in ran.stderr
    assert "unlock the phone and accept the USB debugging prompt" in ran.stderr
    ran = phone_audit("scan", "-s", "no-such-phone")
    assert ran.code == 2 and "no-such-phone" in ran.stderr


def profile_copy_state(tmp_path: Path, name: str, state: str) -> Path:
    dest = tmp_path / f"{name}-{state}"
    shutil.copytree(builtin_profiles_dir() / name, dest)
    toml = dest / "profile.toml"
    data = toml.read_text(encoding="utf-8")
    assert 'state = "device"' in data or "[device]" in data
    if 'state = "device"' in data:
        data = data.replace('state = "device"', f'state = "{state}"', 1)
    else:
        data = data.replace("[device]", f'[device]\nstate = "{state}"', 1)
    toml.write_text(data, encoding="utf-8")
    return dest


def test_history_and_diff_commands(sim_phone, phone_audit, db, tmp_path):
    phone = sim_phone(PROFILES[0])
    for n in (1, 2):
        assert phone_audit("scan", "-s", phone.serial, "--json", tmp_path / f"{n}.json").code in (0, 1)
    hist = phone_audit("history", phone.serial)
    assert hist.code == 0 and len(hist.stdout.strip().splitlines()) == 3  # header + 2 audits
    ids = [read_json(tmp_path / f"{n}.json")["audit_id"] for n in (1, 2)]
    d = phone_audit("diff", *map(str, ids), "--json")
    assert d.code == 0
    diff = json.loads(d.stdout)
    assert diff["appeared"] == [] and diff["fixed"] == []
    assert len(diff["unchanged"]) == len(read_json(tmp_path / "1.json")["findings"])
    assert phone_audit("diff", "999", str(ids[0])).code == 2


def test_hostile_label_in_the_html_report_shows_as_text(sim_phone, phone_audit, tmp_path, browser):
    evil = '<script>document.title="pwned"</script>'
    dest = tmp_path / "hostile"
    shutil.copytree(builtin_profiles_dir() / CLEAN, dest)
    toml = dest / "profile.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'label = "Settings"' in text
    toml.write_text(text.replace('label = "Settings"', f"label = '{evil}'", 1), encoding="utf-8")
    phone = sim_phone(dest)
    rj, rh = tmp_path / "r.json", tmp_path / "r.html"
    ran = phone_audit("scan", "-s", phone.serial, "--json", rj, "--html", rh)
    assert ran.code in (0, 1), ran.stderr
    labels = [a["label"] for a in read_json(rj)["apps"]]
    assert evil in labels  # verbatim in JSON
    page = rh.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    dom = browser.dump_dom(rh)
    text, tags = browser.page_text_and_tags(dom)
    assert "script" not in tags and "pwned" not in dom.split("<title>")[1].split("</title>")[0]
    assert evil in text
    browser.screenshot(rh, tmp_path / "r.png")


def test_runner_cancelled_audit_is_kept_incomplete(sim_phone, tmp_path):
    """The runner API the UI uses: a cancel before the first step ends the audit
    incomplete ("cancelled"), stored, with every check still judged."""
    import threading

    from audit.runner import run_audit
    from audit.reports.json_report import build_report, validate_report

    phone = sim_phone(PROFILES[0])
    events = []

    async def go():
        store = await Store.open(tmp_path / "h.sqlite3")
        try:
            cancel = threading.Event()
            cancel.set()
            result = await run_audit(serial=phone.serial, store=store, cancel=cancel,
                                     progress=events.append)
            report = build_report(result)
            return result, report, await store.get_audit(result.audit_id)
        finally:
            await store.close()

    result, report, kept = asyncio.run(go())
    validate_report(report)
    assert result.complete is False and result.cancelled and result.exit_code == 3
    assert any(p.reason == "cancelled" for p in result.problems)
    assert kept == report and kept["status"] == "incomplete"
    assert recv_requests(phone) == []
    assert {e.stage for e in events} >= {"connect"}


def test_ctrl_c_mid_pull_saves_an_incomplete_audit(sim_phone, phone_audit, db, tmp_path):
    import signal
    import time

    slow = sim_phone(profile_copy(tmp_path, PROFILES[0], bandwidth_bytes_per_s=300_000))
    rj = tmp_path / "r.json"
    proc = phone_audit("scan", "-s", slow.serial, "--json", rj, wait=False)
    deadline = time.monotonic() + 240
    while not recv_requests(slow) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert recv_requests(slow), "the scan never started pulling"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 3, out + err
    report = read_json(rj)
    assert report["complete"] is False
    assert {"command": "phone-audit", "reason": "cancelled"} in report["problems"]
    assert any("cancelled" in f["reason"] for a in report["apps"] for f in a["failures"])
    audits = json.loads(phone_audit("history", "--json").stdout)
    assert [a["status"] for a in audits] == ["incomplete"]
    assert stored(db, report["audit_id"]) == report
