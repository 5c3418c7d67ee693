"""inspect_apk on synthesized APKs (exact hits), real APKs, and malformed files."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from cryptography import x509

from simulator.apkgen import ApkSpec, ComponentSpec, signer_certificate, synthesize_apk
from simulator.apkgen.dex import build_dex
from model.apk_report import ApkReport, Hit
from checks.inspect import MAX_RATIO, inspect_apk

SMS = "android.provider.Telephony.SMS_RECEIVED"

BROWSER_SPEC = ApkSpec(
    package="com.mi.globalbrowser",
    version_code=12345,
    version_name="12.0.1-g",
    label="Mi Browser",
    min_sdk=23,
    target_sdk=29,
    permissions=("android.permission.INTERNET", "android.permission.SEND_SMS"),
    components=(
        ComponentSpec("receiver", ".SmsReceiver", actions=(SMS,), exported=True),
        ComponentSpec("service", "com.mi.globalbrowser.A11y",
                      permission="android.permission.BIND_ACCESSIBILITY_SERVICE",
                      actions=("android.accessibilityservice.AccessibilityService",)),
        ComponentSpec("receiver", ".Admin", permission="android.permission.BIND_DEVICE_ADMIN",
                      actions=("android.app.action.DEVICE_ADMIN_ENABLED",)),
        ComponentSpec("activity", ".Main", actions=("android.intent.action.MAIN",)),
    ),
    classes=(
        "com.mi.globalbrowser.Main",
        "com.tencent.stat.StatService",
        "com.tencent.stat.StatConfig",
        "com.sensorsdata.analytics.android.sdk.SensorsDataAPI",
        "com.google.android.gms.analytics.Tracker",
        "com.xiaomi.miglobaladsdk.config.MiAdBlackListDiskCache",
        "com.xiaomi.utils.AdsBlocker",
    ),
    strings=(
        "MiAdBlacklistConfig",
        "http://globalapi.ad.xiaomi.com/filter/text",
        "https://x.example/?appKey=MiAdSdk_i18n&v=2",
        "https://sa.api.intl.miui.com/sa?project=browser",
        "https://apkpure.com/search?q=",
        "pingma.qq.com",
    ),
    signer="xiaomi-test",
    dex_count=2,
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_synthesized_browser_exact_report(tmp_path, knowledge):
    apk = synthesize_apk(BROWSER_SPEC)
    path = _write(tmp_path, "browser.apk", apk)
    r = inspect_apk(path, knowledge)
    assert r.error is None, r.error
    assert r.sha256 == hashlib.sha256(apk).hexdigest()
    assert r.size == len(apk)
    assert (r.package, r.version_code, r.version_name) == ("com.mi.globalbrowser", 12345, "12.0.1-g")
    assert (r.min_sdk, r.target_sdk) == (23, 29)
    assert r.label == "Mi Browser"
    assert r.permissions == ("android.permission.INTERNET", "android.permission.SEND_SMS")
    assert r.dex_files == ("classes.dex", "classes2.dex")
    assert r.kb_version == knowledge.version
    cert = x509.load_der_x509_certificate(signer_certificate("xiaomi-test"))
    assert r.cert_sha256 == (hashlib.sha256(signer_certificate("xiaomi-test")).hexdigest(),)
    assert r.cert_sha1 == (hashlib.sha1(signer_certificate("xiaomi-test")).hexdigest(),)
    assert cert.subject  # subject string present
    assert r.cert_subjects and r.cert_subjects[0]

    comps = {c.name: c for c in r.components}
    assert set(comps) == {"com.mi.globalbrowser.SmsReceiver", "com.mi.globalbrowser.A11y", "com.mi.globalbrowser.Admin"}
    assert comps["com.mi.globalbrowser.SmsReceiver"].actions == (SMS,)
    assert comps["com.mi.globalbrowser.SmsReceiver"].exported is True
    assert comps["com.mi.globalbrowser.A11y"].permission == "android.permission.BIND_ACCESSIBILITY_SERVICE"
    assert comps["com.mi.globalbrowser.Admin"].kind == "receiver"

    by_id = {}
    for h in r.trackers:
        by_id.setdefault(h.id, []).append(h)
    assert r.tracker_ids() == {"tracker.tencent-stats", "tracker.sensors-analytics", "tracker.google-analytics",
                               "tracker.xiaomi-ads"}
    stat = by_id["tracker.tencent-stats"]
    assert len(stat) == 1  # one hit per tracker per DEX file, the first class
    assert stat[0].value == "com.tencent.stat.StatConfig"
    assert stat[0].kind == "class" and stat[0].category == "analytics"
    assert stat[0].file in r.dex_files

    ind = {h.id: h for h in r.indicators}
    assert ind["ncsc.miad-blacklist-config"].value == "MiAdBlacklistConfig"
    assert ind["ncsc.miad-blacklist-config"].kind == "string"
    assert ind["ncsc.miad-filter-url"].value == "http://globalapi.ad.xiaomi.com/filter/text"
    assert ind["ncsc.miad-filter-url"].kind == "url"
    assert ind["ncsc.miad-appkey"].value == "https://x.example/?appKey=MiAdSdk_i18n&v=2"
    assert ind["ncsc.miad-blacklist-classes"].value == "com.xiaomi.miglobaladsdk.config.MiAdBlackListDiskCache"
    assert ind["ncsc.miad-blacklist-classes"].category == "censorship"
    assert ind["store.apkpure"].value == "https://apkpure.com/search?q="
    assert ind["telemetry.xiaomi-sensorsdata"].value == "https://sa.api.intl.miui.com/sa?project=browser"
    assert ind["telemetry.tencent-mta"].value == "pingma.qq.com"
    assert "store.aptoide" not in ind

    # JSON round trip and pickling (the audit runner uses a process pool)
    assert ApkReport.from_dict(r.to_dict()) == r
    assert pickle.loads(pickle.dumps(r)) == r


def test_clean_app_has_no_hits(tmp_path, knowledge):
    spec = ApkSpec(package="org.example.clean", classes=("org.example.clean.Main",), strings=("hello",))
    r = inspect_apk(_write(tmp_path, "clean.apk", synthesize_apk(spec)), knowledge)
    assert r.error is None
    assert r.trackers == () and r.indicators == ()
    assert r.package == "org.example.clean"


def test_hits_per_dex_file(tmp_path, knowledge):
    spec = ApkSpec(package="org.example.multi",
                   classes=("com.tencent.bugly.A", "com.tencent.bugly.B", "org.example.multi.Main"),
                   dex_count=3)
    r = inspect_apk(_write(tmp_path, "multi.apk", synthesize_apk(spec)), knowledge)
    bugly = [h for h in r.trackers if h.id == "tracker.tencent-bugly"]
    assert sorted((h.file, h.value) for h in bugly) == [("classes.dex", "com.tencent.bugly.A"),
                                                        ("classes2.dex", "com.tencent.bugly.B")]


def test_the_same_tracker_in_twelve_dex_files_is_kept_for_three(tmp_path, knowledge):
    # 12 DEX files, classes spread over them: every one defines a Bugly class
    spec = ApkSpec(package="org.example.many",
                   classes=tuple(f"com.tencent.bugly.C{i}" for i in range(12)), dex_count=12)
    path = tmp_path / "many.apk"
    path.write_bytes(synthesize_apk(spec))
    r = inspect_apk(path, knowledge)
    assert len(r.dex_files) == 12
    bugly = [h for h in r.trackers if h.id == "tracker.tencent-bugly"]
    assert [h.file for h in bugly] == ["classes.dex", "classes2.dex", "classes3.dex"]
    assert r.hits_cut == 9



def test_inspect_real_apks(real_apks, knowledge):
    for path in real_apks:
        r = inspect_apk(path, knowledge)
        assert r.error is None, (path.name, r.error)
        assert r.package and r.package.startswith("io.appium.")
        assert len(r.cert_sha256) == 1 and len(r.cert_sha256[0]) == 64
        assert r.dex_files and r.class_count > 0
    settings = next(p for p in real_apks if p.name == "settings_apk-debug.apk")
    r = inspect_apk(settings, knowledge)
    assert r.label == "Appium Settings"
    assert any(c.permission == "android.permission.BIND_NOTIFICATION_LISTENER_SERVICE" for c in r.components)


# ---------------------------------------------------------------- malformed inputs

def _zip(entries: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def _manifest() -> bytes:
    with zipfile.ZipFile(io.BytesIO(synthesize_apk(ApkSpec(package="a.b")))) as zf:
        return zf.read("AndroidManifest.xml")


def _bad(tmp_path, knowledge, name: str, data: bytes) -> ApkReport:
    before = _files_under(tmp_path)
    cwd_before = set(os.listdir("."))
    r = inspect_apk(_write(tmp_path, name, data), knowledge)
    assert _files_under(tmp_path) == before | {tmp_path / name}  # nothing extracted
    assert set(os.listdir(".")) == cwd_before
    return r


def test_zip_bomb(tmp_path, knowledge):
    bomb = _zip([("AndroidManifest.xml", _manifest()), ("assets/zeros.bin", bytes(50 << 20))])
    assert len(bomb) < 1 << 20
    r = _bad(tmp_path, knowledge, "bomb.apk", bomb)
    assert r.error.startswith("could not inspect: ")
    assert "zip bomb" in r.error and f"ratio" in r.error
    assert MAX_RATIO == 200


def test_dex_that_inflates_past_its_declared_size(tmp_path, knowledge):
    # Central directory and local header both say 1 KiB; the deflate stream holds 40 MiB.
    data = _zip([("AndroidManifest.xml", _manifest()), ("classes.dex", bytes(1024))])
    big = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = big.compress(bytes(40 << 20)) + big.flush()
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo("classes.dex")
    raw = bytearray(data)
    off = info.header_offset
    nlen, elen = struct.unpack_from("<HH", raw, off + 26)
    start = off + 30 + nlen + elen
    # rebuild: replace the entry's data, keep declared sizes (a lie)
    rebuilt = bytes(raw[:start]) + stream + bytes(raw[start + info.compress_size:])
    delta = len(stream) - info.compress_size
    rebuilt = bytearray(rebuilt)
    struct.pack_into("<I", rebuilt, off + 18, len(stream))
    cd = zf.start_dir + delta
    # patch the central directory entry of classes.dex and the EOCD offset
    pos = cd
    while rebuilt[pos:pos + 4] == b"PK\x01\x02":
        n, e, c = struct.unpack_from("<HHH", rebuilt, pos + 28)
        fname = bytes(rebuilt[pos + 46:pos + 46 + n])
        if fname == b"classes.dex":
            struct.pack_into("<I", rebuilt, pos + 20, len(stream))
        pos += 46 + n + e + c
    eocd = rebuilt.rfind(b"PK\x05\x06")
    struct.pack_into("<I", rebuilt, eocd + 16, cd)
    r = _bad(tmp_path, knowledge, "liar.apk", bytes(rebuilt))
    assert r.error and r.error.startswith("could not inspect: ")
    assert "classes.dex" in r.error


def test_random_bytes(tmp_path, knowledge):
    r = _bad(tmp_path, knowledge, "random.apk", os.urandom(10_000))
    assert r.error.startswith("could not inspect: not a zip file")
    assert r.sha256 and r.size == 10_000


def test_truncated_zip(tmp_path, knowledge):
    apk = synthesize_apk(BROWSER_SPEC)
    r = _bad(tmp_path, knowledge, "trunc.apk", apk[: len(apk) // 2])
    assert r.error.startswith("could not inspect: ")
    assert "zip" in r.error


def test_missing_manifest(tmp_path, knowledge):
    r = _bad(tmp_path, knowledge, "nomanifest.apk", _zip([("classes.dex", build_dex(("a.B",)))]))
    assert r.error == "could not inspect: no AndroidManifest.xml (not an APK)"


def test_path_traversal_entry(tmp_path, knowledge):
    data = _zip([("AndroidManifest.xml", _manifest()), ("../../x", b"evil")])
    r = _bad(tmp_path, knowledge, "traversal.apk", data)
    assert r.error == "could not inspect: unsafe entry name '../../x'"
    assert not (tmp_path.parent.parent / "x").exists()
    r = _bad(tmp_path, knowledge, "abs.apk", _zip([("AndroidManifest.xml", _manifest()), ("/etc/x", b"")]))
    assert "unsafe entry name" in r.error


def test_duplicate_entry(tmp_path, knowledge):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = _zip([("AndroidManifest.xml", _manifest()), ("classes.dex", build_dex(("a.B",))),
                     ("classes.dex", build_dex(("c.D",)))])
    r = _bad(tmp_path, knowledge, "dup.apk", data)
    assert r.error == "could not inspect: duplicate entry name 'classes.dex'"


def test_bad_axml_manifest_keeps_dex_hits(tmp_path, knowledge):
    data = _zip([("AndroidManifest.xml", b"\x03\x00\x08\x00garbage-not-axml" * 10),
                 ("classes.dex", build_dex(("com.tencent.stat.StatService",), ("MiAdBlacklistConfig",)))])
    r = _bad(tmp_path, knowledge, "badaxml.apk", data)
    assert r.package is None
    assert r.error and r.error.startswith("could not inspect: manifest")
    assert any("manifest" in w for w in r.warnings)
    assert r.tracker_ids() == {"tracker.tencent-stats"}
    assert "ncsc.miad-blacklist-config" in r.indicator_ids()


def test_bad_dex_is_a_warning_and_good_dex_still_read(tmp_path, knowledge):
    data = _zip([("AndroidManifest.xml", _manifest()), ("classes.dex", b"dex\n035\x00" + bytes(20)),
                 ("classes2.dex", build_dex(("com.umeng.analytics.MobclickAgent",)))])
    r = _bad(tmp_path, knowledge, "baddex.apk", data)
    assert r.dex_files == ("classes2.dex",)
    assert any(w.startswith("classes.dex: too short") for w in r.warnings)
    assert r.tracker_ids() == {"tracker.umeng-analytics"}
    only_bad = _zip([("AndroidManifest.xml", _manifest()), ("classes.dex", b"not a dex at all" * 10)])
    r = _bad(tmp_path, knowledge, "onlybad.apk", only_bad)
    assert r.error.startswith("could not inspect: no readable DEX file")
    assert "bad magic" in r.error


def test_unreadable_path(tmp_path, knowledge):
    r = inspect_apk(tmp_path / "missing.apk", knowledge)
    assert r.error.startswith("could not inspect: cannot read file")


def test_runs_in_a_process_pool(tmp_path, knowledge):
    from concurrent.futures import ProcessPoolExecutor

    path = _write(tmp_path, "browser.apk", synthesize_apk(BROWSER_SPEC))
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(inspect_apk, path, knowledge).result(timeout=120)
    assert remote == inspect_apk(path, knowledge)
    assert "tracker.tencent-stats" in remote.tracker_ids()
