"""Synthesized APKs, checked by the real tools: aapt, dexdump, androguard, jarsigner, openssl."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import loguru
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from androguard.core.apk import APK
from androguard.core.dex import DEX

from simulator.apkgen import ApkSpec, ComponentSpec, signer_certificate, synthesize_apk, synthesize_apk_to

loguru.logger.disable("androguard")

HOSTILE_LABEL = "[/x]<script>alert(1)</script> [bold red]Ünïcødé[/] 日本語 😀"

SPECS = {
    "minimal": ApkSpec(package="com.example.minimal"),
    "components": ApkSpec(
        package="com.spy.app",
        version_code=40000731,
        version_name="4.0.2-201023.0.1",
        label=HOSTILE_LABEL,
        min_sdk=23,
        target_sdk=30,
        permissions=(
            "android.permission.INTERNET",
            "android.permission.RECEIVE_SMS",
            "android.permission.READ_PHONE_STATE",
        ),
        components=(
            ComponentSpec("activity", ".Main", actions=("android.intent.action.MAIN",),
                          categories=("android.intent.category.LAUNCHER",)),
            ComponentSpec("service", "com.spy.app.Watcher",
                          permission="android.permission.BIND_ACCESSIBILITY_SERVICE",
                          actions=("android.accessibilityservice.AccessibilityService",), exported=True),
            ComponentSpec("service", ".Plain"),
            ComponentSpec("receiver", ".SmsIn", actions=("android.provider.Telephony.SMS_RECEIVED",
                                                         "android.intent.action.BOOT_COMPLETED")),
            ComponentSpec("provider", "com.spy.app.Data", exported=False),
        ),
        classes=("com.spy.app.Main", "com.spy.app.Watcher", "com.spy.app.SmsIn", "com.tencent.stat.StatService"),
        strings=("MiAdBlacklistConfig", "http://globalapi.ad.xiaomi.com/filter/text"),
        signer="spy-vendor",
    ),
    "three-dex": ApkSpec(
        package="com.xiaomi.market",
        version_code=1914651,
        version_name="1.9.14-β",
        label="Mi Store — 小米应用商店",
        permissions=("android.permission.REQUEST_INSTALL_PACKAGES",),
        classes=tuple(f"com.xiaomi.market.c{i}.K{i}" for i in range(9)) + ("com.xiaomi.miglobaladsdk.Const",),
        strings=("MiAdBlacklistConfig", "\x00nul inside", "emoji 😀 beyond the BMP", "\uffff"),
        signer="xiaomi-platform",
        dex_count=3,
    ),
    "max-per-dex": ApkSpec(
        package="org.example.many",
        classes=tuple(f"org.example.many.C{i:03d}" for i in range(25)),
        max_classes_per_dex=10,
    ),
    "padded": ApkSpec(
        package="com.example.big",
        label="Big",
        classes=("com.example.big.Main",),
        size=3_000_000,
    ),
}


def descriptor(name: str) -> str:
    return "L" + name.replace(".", "/") + ";"


def resolve(package: str, name: str) -> str:
    return package + name if name.startswith(".") else name


def expected_dex_count(spec: ApkSpec) -> int:
    if spec.dex_count:
        return spec.dex_count
    if spec.max_classes_per_dex and spec.classes:
        return -(-len(spec.classes) // spec.max_classes_per_dex)
    return 1


@pytest.fixture(scope="module")
def apks(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("apks")
    out = {}
    for key, spec in SPECS.items():
        path = root / f"{key}.apk"
        synthesize_apk_to(spec, path)
        out[key] = path
    return out


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("key", SPECS)
def test_aapt_dump_badging(apks, key):
    spec = SPECS[key]
    r = run("aapt", "dump", "badging", str(apks[key]))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert (
        f"package: name='{spec.package}' versionCode='{spec.version_code}' versionName='{spec.version_name}'"
        in out.splitlines()[0]
    )
    assert f"sdkVersion:'{spec.min_sdk}'" in out
    assert f"targetSdkVersion:'{spec.target_sdk}'" in out
    perms = re.findall(r"^uses-permission: name='([^']*)'", out, re.M)
    assert perms == list(spec.permissions)
    labels = re.findall(r"^application-label:'(.*)'$", out, re.M)
    assert labels == ([spec.label] if spec.label else [])


def test_aapt_sees_components(apks):
    out = run("aapt", "dump", "badging", str(apks["components"])).stdout
    assert "launchable-activity: name='com.spy.app.Main'" in out
    assert "provides-component:'accessibility'" in out
    xml = run("aapt", "dump", "xmltree", str(apks["components"]), "AndroidManifest.xml").stdout
    # the real framework attribute ids, as aapt resolves them
    for attr, rid in [("versionCode", "0x0101021b"), ("versionName", "0x0101021c"), ("minSdkVersion", "0x0101020c"),
                      ("targetSdkVersion", "0x01010270"), ("name", "0x01010003"), ("label", "0x01010001"),
                      ("permission", "0x01010006"), ("exported", "0x01010010"), ("authorities", "0x01010018")]:
        assert f"A: android:{attr}({rid})" in xml


@pytest.mark.parametrize("key", SPECS)
def test_dexdump_lists_exactly_the_classes(apks, key):
    spec = SPECS[key]
    r = run("dexdump", str(apks[key]))
    assert r.returncode == 0, r.stderr
    assert "Failure" not in r.stderr
    assert len(re.findall(r"^Opened '", r.stdout, re.M)) == expected_dex_count(spec)
    listed = re.findall(r"Class descriptor\s+:\s+'([^']*)'", r.stdout)
    assert sorted(listed) == sorted(descriptor(c) for c in spec.classes)
    assert set(re.findall(r"Superclass\s+:\s+'([^']*)'", r.stdout)) <= {"Ljava/lang/Object;"}
    c = run("dexdump", "-c", str(apks[key]))
    assert c.returncode == 0 and "Checksum verified" in c.stdout


@pytest.mark.parametrize("key", SPECS)
def test_androguard_manifest(apks, key):
    spec = SPECS[key]
    a = APK(str(apks[key]))
    assert a.is_valid_APK()
    assert a.get_package() == spec.package
    assert a.get_androidversion_code() == str(spec.version_code)
    assert a.get_androidversion_name() == spec.version_name
    assert a.get_min_sdk_version() == str(spec.min_sdk)
    assert a.get_target_sdk_version() == str(spec.target_sdk)
    assert sorted(a.get_permissions()) == sorted(spec.permissions)
    if spec.label is not None:
        assert a.get_app_name() == spec.label
    by_kind = {"activity": a.get_activities(), "service": a.get_services(),
               "receiver": a.get_receivers(), "provider": a.get_providers()}
    for kind, found in by_kind.items():
        assert sorted(found) == sorted(resolve(spec.package, c.name) for c in spec.components if c.kind == kind)


def test_androguard_component_details(apks):
    spec = SPECS["components"]
    a = APK(str(apks["components"]))
    for c in spec.components:
        name = resolve(spec.package, c.name)
        if c.kind in ("service", "receiver"):
            filters = a.get_intent_filters(c.kind, name)
            assert filters.get("action", []) == list(c.actions)
    assert a.get_attribute_value("service", "permission", name="com.spy.app.Watcher") == \
        "android.permission.BIND_ACCESSIBILITY_SERVICE"
    assert a.get_attribute_value("service", "exported", name="com.spy.app.Watcher") == "true"
    assert a.get_attribute_value("provider", "exported", name="com.spy.app.Data") == "false"
    assert a.get_main_activity() == "com.spy.app.Main"


@pytest.mark.parametrize("key", SPECS)
def test_androguard_certificate_is_the_signers(apks, key):
    spec = SPECS[key]
    a = APK(str(apks[key]))
    assert a.is_signed_v1()
    assert a.get_signature_names() == ["META-INF/CERT.RSA"]
    expected = hashlib.sha256(signer_certificate(spec.signer)).hexdigest()
    assert [c.sha256.hex() for c in a.get_certificates()] == [expected]
    assert hashlib.sha256(a.get_certificate_der("META-INF/CERT.RSA")).hexdigest() == expected
    assert a.get_certificates()[0].subject.native["common_name"] == spec.signer


@pytest.mark.parametrize("key", SPECS)
def test_androguard_dex_classes_and_strings(apks, key):
    spec = SPECS[key]
    a = APK(str(apks[key]))
    dexes = [DEX(d) for d in a.get_all_dex()]
    assert len(dexes) == expected_dex_count(spec)
    classes = [n for d in dexes for n in d.get_classes_names()]
    assert sorted(classes) == sorted(descriptor(c) for c in spec.classes)
    strings = set().union(*(d.get_strings() for d in dexes))
    types = {descriptor(c) for c in spec.classes} | ({"Ljava/lang/Object;"} if spec.classes else set())
    assert strings == set(spec.strings) | types


def test_byte_identical_across_calls_files_and_processes(apks, tmp_path):
    spec = SPECS["three-dex"]
    first = synthesize_apk(spec)
    assert synthesize_apk(spec) == first
    assert apks["three-dex"].read_bytes() == first
    code = (
        "import hashlib, sys; from simulator.apkgen import ApkSpec, synthesize_apk; "
        f"sys.stdout.write(hashlib.sha256(synthesize_apk({spec!r})).hexdigest())"
    )
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                           cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stdout == hashlib.sha256(first).hexdigest()


# "Same bytes on every machine": only a value fixed in the repository can check that
# across machines and dependency updates. If apkgen changes its output on purpose,
# bump APKGEN_VERSION and update these.
GOLDEN_APK_SHA256 = {
    "three-dex": "45f58e7943d20110865529066a6a183beff04c2b960a560aac183c4ee8627373",
    "components": "670ede310f3a4603b2d6bdc7e0ab9b65ac02efb0d01664f223cc0c95cc892eea",
}


@pytest.mark.parametrize("key", GOLDEN_APK_SHA256)
def test_bytes_match_the_recorded_output(apks, key):
    assert hashlib.sha256(apks[key].read_bytes()).hexdigest() == GOLDEN_APK_SHA256[key]


def test_fixed_order_and_timestamps(apks):
    with zipfile.ZipFile(apks["three-dex"]) as z:
        names = [i.filename for i in z.infolist()]
        assert names == ["AndroidManifest.xml", "classes.dex", "classes2.dex", "classes3.dex", "resources.arsc",
                         "META-INF/MANIFEST.MF", "META-INF/CERT.SF", "META-INF/CERT.RSA"]
        assert {i.date_time for i in z.infolist()} == {(2008, 1, 1, 0, 0, 0)}
        methods = {i.filename: i.compress_type for i in z.infolist()}
        assert methods["classes.dex"] == zipfile.ZIP_DEFLATED
        assert methods["AndroidManifest.xml"] == zipfile.ZIP_DEFLATED
        assert methods["resources.arsc"] == zipfile.ZIP_STORED
        assert z.testzip() is None


def test_different_signers_give_different_certificates():
    base = SPECS["minimal"]
    a = synthesize_apk(base)
    b = synthesize_apk(dataclasses.replace(base, signer="other-vendor"))
    assert signer_certificate("phone-audit-test") != signer_certificate("other-vendor")
    certs = []
    for blob in (a, b):
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            certs.append(z.read("META-INF/CERT.RSA"))
    assert certs[0] != certs[1]
    # everything but the signature block is the same APK
    with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
        assert za.read("classes.dex") == zb.read("classes.dex")
        assert za.read("META-INF/MANIFEST.MF") == zb.read("META-INF/MANIFEST.MF")


def _manifest_sections(text: str) -> list[dict[str, str]]:
    text = text.replace("\r\n ", "")  # continuation lines
    sections = []
    for block in text.split("\r\n\r\n"):
        if block.strip():
            sections.append(dict(line.split(": ", 1) for line in block.split("\r\n") if line))
    return sections


@pytest.mark.parametrize("key", ["components", "padded"])
def test_v1_signature_digests_and_pkcs7(apks, key, tmp_path):
    spec = SPECS[key]
    with zipfile.ZipFile(apks[key]) as z:
        manifest = z.read("META-INF/MANIFEST.MF")
        sf = z.read("META-INF/CERT.SF")
        rsa = z.read("META-INF/CERT.RSA")
        main, *entries = _manifest_sections(manifest.decode())
        assert main["Manifest-Version"] == "1.0"
        signed = {e["Name"]: e["SHA-256-Digest"] for e in entries}
        content = [n for n in z.namelist() if not n.startswith("META-INF/")]
        assert sorted(signed) == sorted(content)
        for name in content:
            assert signed[name] == base64.b64encode(hashlib.sha256(z.read(name)).digest()).decode()
    sf_main = _manifest_sections(sf.decode())[0]
    assert sf_main["SHA-256-Digest-Manifest"] == base64.b64encode(hashlib.sha256(manifest).digest()).decode()
    (tmp_path / "CERT.SF").write_bytes(sf)
    (tmp_path / "CERT.RSA").write_bytes(rsa)
    (tmp_path / "signer.der").write_bytes(signer_certificate(spec.signer))
    r = run("openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "CERT.RSA"),
            "-content", str(tmp_path / "CERT.SF"), "-binary", "-noverify", "-out", os.devnull)
    assert r.returncode == 0, r.stderr
    # a different CERT.SF must not verify: the check above is a real one
    (tmp_path / "CERT.SF").write_bytes(sf.replace(b"Signature-Version: 1.0", b"Signature-Version: 1.1"))
    bad = run("openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "CERT.RSA"),
              "-content", str(tmp_path / "CERT.SF"), "-binary", "-noverify", "-out", os.devnull)
    assert bad.returncode != 0


@pytest.mark.parametrize("key", ["components", "padded"])
def test_jarsigner_verifies(apks, key):
    # the JDK's own verifier, independent of openssl above (scripts/debian-packages.txt)
    assert shutil.which("jarsigner"), "jarsigner (JDK) is not installed: run scripts/provision-debian"
    r = run("jarsigner", "-verify", "-verbose", str(apks[key]))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "jar verified." in r.stdout
    assert "unsigned" not in r.stdout.split("jar verified.")[0].lower().replace("unsigned entries", "")


def test_padding_is_exact_incompressible_and_stored(apks):
    spec = SPECS["padded"]
    path = apks["padded"]
    assert path.stat().st_size == spec.size
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("assets/filler.bin")
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.file_size > spec.size * 0.99
        data = z.read("assets/filler.bin")
        # the data starts 4-byte aligned, as zipalign would leave it
        raw = path.read_bytes()
        extra_len = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
        start = info.header_offset + 30 + len(info.filename.encode()) + extra_len
        assert start % 4 == 0
        assert raw[start:start + 4096] == data[:4096]
    assert len(zlib.compress(data[:1 << 20], 9)) > (1 << 20)  # incompressible


def test_size_below_the_bare_apk_adds_no_filler():
    blob = synthesize_apk(dataclasses.replace(SPECS["minimal"], size=100))
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        assert "assets/filler.bin" not in z.namelist()
    assert blob == synthesize_apk(SPECS["minimal"])


@pytest.mark.parametrize("size", [9_000, 65_537, 1_000_003])
def test_padding_hits_the_size_exactly(size):
    blob = synthesize_apk(dataclasses.replace(SPECS["components"], size=size))
    assert len(blob) == size
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        assert z.testzip() is None


@pytest.mark.parametrize("label", [
    "it's \"quoted\"\nnew line\t back \\ [b]x[/b] <i> \U0001F600 \u202e rtl",
    "long " + "x" * 40_000,  # past 0x7FFF UTF-16 units: the two-word length form
])
def test_hostile_label_round_trips_verbatim(tmp_path, label):
    spec = ApkSpec(package="com.hostile", label=label, version_name="1.0'; rm -rf /",
                   permissions=("com.hostile.permission.\u202eRTL",))
    path = tmp_path / "h.apk"
    synthesize_apk_to(spec, path)
    a = APK(str(path))
    assert a.get_app_name() == label
    assert a.get_androidversion_name() == spec.version_name
    assert a.get_permissions() == list(spec.permissions)
    r = run("aapt", "dump", "badging", str(path))
    assert r.returncode == 0, r.stderr
    assert "package: name='com.hostile'" in r.stdout


def test_label_with_nul_and_lone_surrogate_is_stored_verbatim():
    # Readers written in C (aapt) stop at the NUL and androguard replaces the lone
    # surrogate; the manifest itself must still hold the exact text.
    label = "before\x00after \ud800 lone"
    blob = synthesize_apk(ApkSpec(package="com.hostile", label=label))
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        manifest = z.read("AndroidManifest.xml")
    encoded = label.encode("utf-16-le", "surrogatepass")
    assert len(label).to_bytes(2, "little") + encoded + b"\x00\x00" in manifest


def test_synthesize_to_replaces_atomically(tmp_path):
    path = tmp_path / "x.apk"
    path.write_bytes(b"old")
    synthesize_apk_to(SPECS["minimal"], path)
    assert path.read_bytes() == synthesize_apk(SPECS["minimal"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.apk"]


# Text androguard can hand back unchanged: what XML allows (androguard turns other
# control characters into "_", stops at NUL and replaces lone surrogates). The manifest
# stores everything verbatim; see test_label_with_nul_and_lone_surrogate_is_stored_verbatim.
_xml_char = st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff") | st.sampled_from("\t\n\r")
_manifest_text = st.text(_xml_char, min_size=1, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label=_manifest_text, version_name=_manifest_text, permissions=st.lists(_manifest_text, max_size=5, unique=True),
       version_code=st.integers(0, 2**31 - 1))
def test_hypothesis_manifest_round_trip(tmp_path_factory, label, version_name, permissions, version_code):
    spec = ApkSpec(package="com.example.fuzz", label=label, version_name=version_name,
                   permissions=tuple(permissions), version_code=version_code)
    path = tmp_path_factory.mktemp("fuzz") / "f.apk"
    synthesize_apk_to(spec, path)
    a = APK(str(path))
    # Raw attribute values: androguard's get_app_name() would resolve a label starting
    # with "@" as a resource reference, and get_permissions() prefixes dotless names.
    assert a.get_attribute_value("application", "label") == label
    assert a.get_androidversion_name() == version_name
    assert a.get_androidversion_code() == str(version_code)
    ns = "{http://schemas.android.com/apk/res/android}name"
    xml = a.get_android_manifest_xml()
    assert [e.get(ns) for e in xml.findall("uses-permission")] == permissions


def test_optional_manifest_attributes(tmp_path):
    spec = ApkSpec(package="com.opt", version_name=None, min_sdk=None, debuggable=True,
                   shared_user_id="android.uid.system", label="")
    path = tmp_path / "o.apk"
    synthesize_apk_to(spec, path)
    xml = run("aapt", "dump", "xmltree", str(path), "AndroidManifest.xml").stdout
    assert "versionName" not in xml and "minSdkVersion" not in xml
    assert "A: android:targetSdkVersion(0x01010270)=(type 0x10)0x1d" in xml
    assert "A: android:debuggable(0x0101000f)=(type 0x12)0xffffffff" in xml
    assert 'A: android:sharedUserId(0x0101000b)="android.uid.system"' in xml
    a = APK(str(path))
    assert a.get_attribute_value("application", "debuggable") == "true"
    assert run("aapt", "dump", "badging", str(path)).returncode == 0


def test_size_beyond_zip32_is_refused():
    with pytest.raises(ValueError, match="zip64"):
        synthesize_apk(ApkSpec(package="com.huge", size=5 * 2**30))


def test_label_as_resource_reference_resolves_per_locale(tmp_path):
    # the benchmark's realistic phone (bench/realistic.py) writes android:label as
    # @string/app_name with the table translated, as aapt2 does; aapt and androguard
    # must resolve it through resources.arsc
    spec = ApkSpec(package="com.example.tables", label="Tables", label_ref=True,
                   resource_strings=300, resource_locales=("de", "pt-BR"))
    path = tmp_path / "tables.apk"
    synthesize_apk_to(spec, path)
    out = run("aapt", "dump", "badging", str(path)).stdout
    assert "application-label:'Tables'" in out
    assert "application-label-de:'Tables (de)'" in out
    assert "application-label-pt-BR:'Tables (pt-BR)'" in out
    res = run("aapt", "dump", "resources", str(path)).stdout
    assert "0x7f010000 com.example.tables:string/app_name" in res
    assert "0x7f01012c com.example.tables:string/s300" in res  # 300 strings after app_name
    assert APK(str(path)).get_app_name() == "Tables"
    with zipfile.ZipFile(path) as z:
        # 301 strings in three configs: the table grows with both
        assert z.getinfo("resources.arsc").file_size > 301 * 3 * 20


def test_strings_per_dex_go_to_their_dex(tmp_path):
    spec = ApkSpec(package="com.example.split", classes=("com.example.split.A", "com.example.split.B"),
                   dex_count=2, dex_strings=(("first-only",), ("second-only",)))
    path = tmp_path / "split.apk"
    synthesize_apk_to(spec, path)
    with zipfile.ZipFile(path) as z:
        first, second = DEX(z.read("classes.dex")), DEX(z.read("classes2.dex"))
    assert "first-only" in first.get_strings() and "second-only" not in first.get_strings()
    assert "second-only" in second.get_strings() and "first-only" not in second.get_strings()
