"""The os.* checks on hand-built snapshots: every status each one can give."""

from __future__ import annotations

import pytest

from model.findings import Status
from checks.posture import (
    adb_network,
    app_verification,
    encryption,
    root,
    security_patch,
    selinux,
    verified_boot,
)


# --- os.security-patch: "now" is the capture time ---------------------------------------

@pytest.mark.parametrize(
    "patch, status",
    [("2021-05-05", Status.PASS), ("2021-03-10", Status.PASS), ("2021-02-01", Status.WARN),
     ("2020-12-03", Status.WARN), ("2020-12-02", Status.FAIL), ("2019-01-01", Status.FAIL)],
)
def test_security_patch_age_against_capture_date(f, patch, status):
    # collected 2021-06-01: 2021-03-03 is exactly 90 days, 2020-12-03 is 180 days
    snap = f.snap(props={"ro.build.version.security_patch": patch}, collected_at="2021-06-01T10:00:00Z")
    r = security_patch.evaluate(f.inp(snap))
    assert r.status is status
    assert r.evidence[0].command == "adb shell getprop ro.build.version.security_patch"


def test_security_patch_boundaries(f):
    def status(patch):
        snap = f.snap(props={"ro.build.version.security_patch": patch}, collected_at="2021-06-01T00:00:00Z")
        return security_patch.evaluate(f.inp(snap)).status
    assert status("2021-03-03") is Status.PASS  # 90 days
    assert status("2021-03-02") is Status.WARN  # 91 days
    assert status("2020-12-03") is Status.WARN  # 180 days
    assert status("2020-12-02") is Status.FAIL  # 181 days


def test_security_patch_inconclusive(f):
    assert security_patch.evaluate(f.inp(f.snap(props={}))).status is Status.INCONCLUSIVE
    bad = f.snap(props={"ro.build.version.security_patch": "soon"})
    assert security_patch.evaluate(f.inp(bad)).status is Status.INCONCLUSIVE


def test_security_patch_falls_back_to_today_without_capture_time(f):
    snap = f.snap(props={"ro.build.version.security_patch": "2020-11-01"}, collected_at=None)
    assert security_patch.evaluate(f.inp(snap)).status is Status.FAIL


# --- os.verified-boot ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "props, status",
    [
        ({"ro.boot.verifiedbootstate": "green", "ro.boot.flash.locked": "1"}, Status.PASS),
        ({"ro.boot.vbmeta.device_state": "locked"}, Status.PASS),
        ({"ro.boot.verifiedbootstate": "orange"}, Status.FAIL),
        ({"ro.boot.verifiedbootstate": "green", "ro.boot.flash.locked": "0"}, Status.FAIL),
        ({"ro.boot.vbmeta.device_state": "unlocked"}, Status.FAIL),
        ({"ro.boot.verifiedbootstate": "red", "ro.boot.flash.locked": "1"}, Status.FAIL),
        ({"ro.boot.verifiedbootstate": "yellow", "ro.boot.flash.locked": "1"}, Status.WARN),
        ({"ro.build.tags": "release-keys"}, Status.INCONCLUSIVE),
        ({"ro.boot.verifiedbootstate": "purple"}, Status.INCONCLUSIVE),
        # the vendor copies and verity count too: any one saying unlocked or unverified wins
        ({"ro.boot.verifiedbootstate": "green", "ro.boot.flash.locked": "1",
          "vendor.boot.verifiedbootstate": "orange"}, Status.FAIL),
        ({"ro.boot.verifiedbootstate": "green", "vendor.boot.vbmeta.device_state": "unlocked"}, Status.FAIL),
        ({"ro.boot.verifiedbootstate": "green", "ro.boot.veritymode": "disabled"}, Status.FAIL),
        ({"ro.boot.verifiedbootstate": "green", "ro.boot.veritymode": "enforcing"}, Status.PASS),
        ({"ro.boot.verifiedbootstate": "green", "vendor.boot.verifiedbootstate": "yellow"}, Status.WARN),
        ({"vendor.boot.verifiedbootstate": "green"}, Status.PASS),
    ],
)
def test_verified_boot(f, props, status):
    r = verified_boot.evaluate(f.inp(f.snap(props=props)))
    assert r.status is status
    if status is Status.FAIL:
        assert any(e.command.startswith("adb shell getprop ro.boot.") for e in r.evidence)


# --- os.selinux -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, status", [("Enforcing", Status.PASS), ("Permissive", Status.FAIL),
                                          ("Disabled", Status.FAIL), (None, Status.INCONCLUSIVE),
                                          ("Weird", Status.INCONCLUSIVE)])
def test_selinux(f, mode, status):
    r = selinux.evaluate(f.inp(f.snap(selinux=mode)))
    assert r.status is status and r.evidence[0].command == "adb shell getenforce"


# --- os.encryption ----------------------------------------------------------------------------

@pytest.mark.parametrize("state, status", [("encrypted", Status.PASS), ("unencrypted", Status.FAIL),
                                           ("unsupported", Status.FAIL), (None, Status.INCONCLUSIVE)])
def test_encryption(f, state, status):
    props = {"ro.crypto.type": "file"} | ({"ro.crypto.state": state} if state else {})
    r = encryption.evaluate(f.inp(f.snap(props=props)))
    assert r.status is status
    assert r.evidence[0].command == "adb shell getprop ro.crypto.state"


# --- os.root ----------------------------------------------------------------------------------

def test_root_passes_on_clean_release_build(f):
    snap = f.snap(props={"ro.build.tags": "release-keys", "ro.debuggable": "0", "ro.secure": "1"})
    assert root.evaluate(f.inp(snap)).status is Status.PASS


@pytest.mark.parametrize("props", [{"ro.build.tags": "test-keys"}, {"ro.debuggable": "1"}, {"ro.secure": "0"}])
def test_root_fails_on_build_props(f, props):
    r = root.evaluate(f.inp(f.snap(props=props)))
    assert r.status is Status.FAIL
    assert any(e.command == f"adb shell getprop {next(iter(props))}" for e in r.evidence)


def test_root_fails_on_traces_and_root_apps(f):
    from model.snapshot import RootTraces
    snap = f.snap([f.pkg("com.topjohnwu.magisk")], root=RootTraces(su_paths=("/system/xbin/su",), shell_is_root=True))
    r = root.evaluate(f.inp(snap))
    assert r.status is Status.FAIL and r.subjects == ("com.topjohnwu.magisk",)
    cmds = [e.command for e in r.evidence]
    assert "adb shell ls -l /system/xbin/su" in cmds and "adb shell id" in cmds


def test_root_inconclusive_without_props(f):
    assert root.evaluate(f.inp(f.snap(props={}))).status is Status.INCONCLUSIVE


# --- os.app-verification ------------------------------------------------------------------------

def _verif(f, settings, gms=True):
    pkgs = [f.pkg("com.google.android.gms", system=True)] if gms else []
    return app_verification.evaluate(f.inp(f.snap(pkgs, settings={"global": settings})))


def test_app_verification(f):
    assert _verif(f, {"package_verifier_enable": "0"}).status is Status.FAIL
    assert _verif(f, {"package_verifier_user_consent": "-1"}).status is Status.FAIL
    r = _verif(f, {"package_verifier_enable": "1", "verifier_verify_adb_installs": "0"})
    assert r.status is Status.WARN
    assert "adb shell settings get global verifier_verify_adb_installs" in [e.command for e in r.evidence]
    assert _verif(f, {}).status is Status.PASS  # absent + Play services present
    assert _verif(f, {"package_verifier_enable": "1"}, gms=False).status is Status.PASS
    assert _verif(f, {}, gms=False).status is Status.NOT_APPLICABLE


def test_app_verification_inconclusive_without_settings(f):
    r = app_verification.evaluate(f.inp(f.snap(settings={})))
    assert r.status is Status.INCONCLUSIVE


# --- os.adb-network ------------------------------------------------------------------------------

def test_adb_network(f):
    ok = adb_network.evaluate(f.inp(f.snap(settings={"global": {"adb_enabled": "1"}})))
    assert ok.status is Status.PASS and "USB debugging is on because this audit needs it" in ok.summary
    tcp = adb_network.evaluate(f.inp(f.snap(props={"service.adb.tcp.port": "5555"})))
    assert tcp.status is Status.WARN and tcp.evidence[0].command == "adb shell getprop service.adb.tcp.port"
    off = adb_network.evaluate(f.inp(f.snap(props={"persist.adb.tcp.port": "-1", "x": "y"})))
    assert off.status is Status.PASS
    wifi = adb_network.evaluate(f.inp(f.snap(settings={"global": {"adb_wifi_enabled": "1"}})))
    assert wifi.status is Status.WARN
    assert adb_network.evaluate(f.inp(f.snap(props={}))).status is Status.INCONCLUSIVE


@pytest.mark.parametrize("value, port", [("5555/tcp", 5555), (" 5555", 5555), ("+5555", 5555), ("5555", 5555),
                                         ("0", None), ("-1", None), ("tcp", None), ("", None)])
def test_adb_port_read_as_adbd_reads_it(f, value, port):
    """adbd: sscanf(value, "%d") and listen when > 0 (AOSP adb daemon/main.cpp)."""
    r = adb_network.evaluate(f.inp(f.snap(props={"service.adb.tcp.port": value, "x": "y"})))
    if port is None:
        assert r.status is Status.PASS, value
    else:
        assert r.status is Status.WARN and f"TCP port {port}" in r.summary, value


def test_adb_listen_addrs(f):
    on = adb_network.evaluate(f.inp(f.snap(props={"service.adb.listen_addrs": "tcp:5555,vsock:5555"})))
    assert on.status is Status.WARN and "tcp:5555" in on.summary and "vsock" not in on.summary
    vsock = adb_network.evaluate(f.inp(f.snap(props={"service.adb.listen_addrs": "vsock:5555"})))
    assert vsock.status is Status.PASS


def test_security_patch_from_the_future_or_after_the_build(f):
    future = security_patch.evaluate(f.inp(f.snap(props={"ro.build.version.security_patch": "2022-01-05"},
                                                  collected_at="2021-06-01T10:00:00Z")))
    assert future.status is Status.WARN and "218 days after the date of this audit" in future.summary
    # built 2019-06-01 (1559347200), patch level 2021-05-05: 704 days after the build
    late = security_patch.evaluate(f.inp(f.snap(props={"ro.build.version.security_patch": "2021-05-05",
                                                       "ro.build.date.utc": "1559347200"},
                                                collected_at="2021-06-01T10:00:00Z")))
    assert late.status is Status.WARN and "704 days after the system was built (2019-06-01)" in late.summary
    # a level the month after its build is normal (levels are set ahead of release)
    normal = security_patch.evaluate(f.inp(f.snap(props={"ro.build.version.security_patch": "2021-05-05",
                                                         "ro.build.date.utc": "1618000000"},
                                                  collected_at="2021-06-01T10:00:00Z")))
    assert normal.status is Status.PASS


def test_security_patch_names_an_old_vendor_level(f):
    r = security_patch.evaluate(f.inp(f.snap(props={"ro.build.version.security_patch": "2021-05-05",
                                                    "ro.vendor.build.security_patch": "2020-08-05"},
                                             collected_at="2021-06-01T10:00:00Z")))
    # 2020-08-05 -> 2021-05-05 is 273 days
    assert r.status is Status.WARN and "patched only to 2020-08-05, 273 days older" in r.summary
    close = security_patch.evaluate(f.inp(f.snap(props={"ro.build.version.security_patch": "2021-05-05",
                                                        "ro.vendor.build.security_patch": "2021-03-05"},
                                                 collected_at="2021-06-01T10:00:00Z")))
    assert close.status is Status.PASS
